//! The stdout relay: everything cells print passes through here on its way to evcxr.
//!
//! Complete lines are forwarded unchanged, except that evcxr's panic notification is preceded
//! by a [`Record::CellPanicked`] and evcxr's input requests from `evcxr_input` are announced
//! to the stdin relay. A line left without its newline for [`PARTIAL_DELAY`] is forwarded as
//! a [`Record::Stream`], so prompts and progress output show at once. The cell loop calls
//! [`StdoutRelay::barrier`] before reporting completion: everything printed by then is
//! forwarded first, keeping output and completion in order.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::fds;
use super::stdin_relay::Event;
use crate::bridge::Record;

/// How long a partial line waits for the rest before it is forwarded on its own.
pub const PARTIAL_DELAY: Duration = Duration::from_millis(30);
const PANIC_NOTIFICATION: &[u8] = b"EVCXR_PANIC_NOTIFICATION";
const INPUT_REQUEST: &[u8] = b"EVCXR_INPUT_REQUEST";

/// Handle to the relay thread.
#[derive(Clone)]
pub struct StdoutRelay {
    shared: Arc<Shared>,
}

struct Shared {
    /// evcxr's end; every write is a whole line under this lock.
    out: Mutex<File>,
    /// Bytes received after the last newline.
    partial: Mutex<Vec<u8>>,
    /// Barriers waiting for the relay to catch up.
    barriers: Mutex<Vec<mpsc::Sender<()>>>,
    /// Wakes the relay thread for a barrier.
    wake: File,
    stdin_events: Mutex<mpsc::Sender<Event>>,
}

impl StdoutRelay {
    /// Starts relaying `input` to `output`.
    pub fn start(input: File, output: File, stdin_events: mpsc::Sender<Event>) -> StdoutRelay {
        let (wake_reader, wake_writer) = match fds::pipe() {
            Ok(ends) => ends,
            Err(error) => {
                eprintln!("rhpc cell process: no wake pipe: {error}");
                std::process::exit(98);
            }
        };
        let relay = StdoutRelay {
            shared: Arc::new(Shared {
                out: Mutex::new(output),
                partial: Mutex::new(Vec::new()),
                barriers: Mutex::new(Vec::new()),
                wake: File::from(wake_writer),
                stdin_events: Mutex::new(stdin_events),
            }),
        };
        let thread_relay = relay.clone();
        let spawned = std::thread::Builder::new()
            .name("rhpc-stdout-relay".into())
            .spawn(move || thread_relay.run(input, File::from(wake_reader)));
        if let Err(error) = spawned {
            eprintln!("rhpc cell process: cannot start the stdout relay: {error}");
            std::process::exit(98);
        }
        relay
    }

    /// Writes one line straight to evcxr (after whatever has been forwarded already).
    pub fn write_line(&self, line: &str) {
        if let Ok(mut out) = self.shared.out.lock() {
            let _ = out.write_all(format!("{line}\n").as_bytes());
            let _ = out.flush();
        }
    }

    /// Blocks until everything printed before this call has been forwarded (or `timeout`).
    pub fn barrier(&self, timeout: Duration) {
        // Our own buffered stdout first (the cell libraries flush theirs at exit, and evcxr's
        // generated code prints whole lines).
        let _ = std::io::stdout().flush();
        let (done, finished) = mpsc::channel();
        if let Ok(mut barriers) = self.shared.barriers.lock() {
            barriers.push(done);
        }
        let _ = (&self.shared.wake).write_all(&[1]);
        let _ = finished.recv_timeout(timeout);
    }

    /// Takes a pending partial line (the prompt a cell printed before reading stdin).
    pub fn take_prompt(&self) -> String {
        let Ok(mut partial) = self.shared.partial.lock() else {
            return String::new();
        };
        match std::str::from_utf8(&partial) {
            Ok(text) if !text.is_empty() => {
                let prompt = text.to_owned();
                partial.clear();
                prompt
            }
            _ => String::new(),
        }
    }

    fn run(self, mut input: File, mut wake: File) {
        let mut buffer = vec![0u8; 64 * 1024];
        // When the current partial line started waiting for its newline.
        let mut partial_since: Option<Instant> = None;
        loop {
            let timeout = partial_since.map_or(Duration::from_secs(3600), |since| {
                PARTIAL_DELAY.saturating_sub(since.elapsed())
            });
            let (data_ready, woken) = poll2(&input, &wake, timeout);
            if data_ready {
                match input.read(&mut buffer) {
                    Ok(0) | Err(_) => {
                        self.flush_partial();
                        self.release_barriers();
                        return;
                    }
                    Ok(n) => self.receive(&buffer[..n]),
                }
            }
            if woken {
                let mut wake_bytes = [0u8; 64];
                let _ = wake.read(&mut wake_bytes);
                // A barrier: forward everything already in the pipe, then release it.
                while poll2(&input, &wake, Duration::ZERO).0 {
                    match input.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => self.receive(&buffer[..n]),
                    }
                }
                self.flush_partial();
                self.release_barriers();
            }
            let has_partial = self
                .shared
                .partial
                .lock()
                .map(|p| !p.is_empty())
                .unwrap_or(false);
            partial_since = match (has_partial, partial_since) {
                (false, _) => None,
                (true, Some(since)) if since.elapsed() >= PARTIAL_DELAY => {
                    self.flush_partial();
                    None
                }
                (true, since) => Some(since.unwrap_or_else(Instant::now)),
            };
        }
    }

    fn release_barriers(&self) {
        if let Ok(mut barriers) = self.shared.barriers.lock() {
            for barrier in barriers.drain(..) {
                let _ = barrier.send(());
            }
        }
    }

    fn receive(&self, bytes: &[u8]) {
        let lines = {
            let Ok(mut partial) = self.shared.partial.lock() else {
                return;
            };
            partial.extend_from_slice(bytes);
            let mut lines = Vec::new();
            while let Some(end) = partial.iter().position(|b| *b == b'\n') {
                let mut line: Vec<u8> = partial.drain(..=end).collect();
                line.pop();
                lines.push(line);
            }
            lines
        };
        for line in lines {
            self.forward(&line);
        }
    }

    fn forward(&self, line: &[u8]) {
        if line == PANIC_NOTIFICATION {
            self.write_line(&Record::CellPanicked.to_line());
        } else if line.starts_with(INPUT_REQUEST)
            && let Ok(events) = self.shared.stdin_events.lock()
        {
            // evcxr_input asked: evcxr will answer on the command pipe, which the stdin relay
            // must read and pass on to the cell's stdin.
            let _ = events.send(Event::ForwardReply);
        }
        if let Ok(mut out) = self.shared.out.lock() {
            let _ = out.write_all(line);
            let _ = out.write_all(b"\n");
            let _ = out.flush();
        }
    }

    /// Forwards a partial line as a stream record, keeping an incomplete UTF-8 tail.
    fn flush_partial(&self) {
        let text = {
            let Ok(mut partial) = self.shared.partial.lock() else {
                return;
            };
            let valid = match std::str::from_utf8(&partial) {
                Ok(text) => text.len(),
                Err(error) => error.valid_up_to(),
            };
            if valid == 0 {
                return;
            }
            let bytes: Vec<u8> = partial.drain(..valid).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        };
        let record = Record::Stream {
            name: "stdout".into(),
            text,
        };
        self.write_line(&record.to_line());
    }
}

/// Waits up to `timeout` for `data` or `wake` to be readable.
fn poll2(data: &File, wake: &File, timeout: Duration) -> (bool, bool) {
    let mut fds = [
        libc::pollfd {
            fd: data.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: wake.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    let millis = timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
    // SAFETY: `fds` is a valid array of two pollfd structures.
    let ready = unsafe { libc::poll(fds.as_mut_ptr(), 2, millis) };
    if ready <= 0 {
        return (false, false);
    }
    let readable =
        |fd: &libc::pollfd| fd.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0;
    (readable(&fds[0]), readable(&fds[1]))
}

/// At `exit` (a cell calling `std::process::exit`), forward what is still in the pipe.
pub fn drain_at_exit(relay: StdoutRelay) {
    static RELAY: std::sync::OnceLock<StdoutRelay> = std::sync::OnceLock::new();
    extern "C" fn drain() {
        if let Some(relay) = RELAY.get() {
            relay.barrier(Duration::from_millis(500));
        }
    }
    if RELAY.set(relay).is_ok() {
        // SAFETY: `drain` is a plain extern "C" function with no arguments.
        unsafe {
            libc::atexit(drain);
        }
    }
}
