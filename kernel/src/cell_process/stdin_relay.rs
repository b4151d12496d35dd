//! The stdin relay: gives cells a working `std::io::stdin()`.
//!
//! Cells read from a pipe of their own. While a cell runs, this thread checks every
//! [`POLL`] whether one of the process's threads is blocked reading it (Linux reports each
//! thread's current system call in `/proc/self/task/*/syscall`). If so, it asks evcxr for a
//! line, using the prompt the cell printed without a newline, and writes the answer into the
//! pipe. When the frontend cannot answer (`allow_stdin` false, or an interrupt) the pipe is
//! closed, so the read returns end-of-file at once instead of hanging, and a fresh pipe
//! replaces it for later reads.
//!
//! `evcxr_input::get_string` keeps working too: its request passes through the stdout relay,
//! which tells this thread to pass evcxr's answer on.

use std::fs::File;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use super::commands::Commands;
use super::fds;
use super::stdout_relay::StdoutRelay;

/// How often a running cell is checked for a blocked stdin read.
pub const POLL: Duration = Duration::from_millis(20);
/// evcxr's answer when the frontend does not accept input.
pub const INPUT_DENIED: &str = "\u{18}rhpc:stdin-not-allowed";
/// evcxr's answer when the wait for input was interrupted.
pub const INPUT_INTERRUPTED: &str = "\u{18}rhpc:stdin-interrupted";
/// Marks a prompt we encoded (colons would otherwise cut evcxr's prompt short).
const ENCODED: char = '\u{1e}';

/// Messages from the stdout relay.
pub enum Event {
    /// `evcxr_input` asked for input; evcxr's answer must be passed to the cell's stdin.
    ForwardReply,
}

/// Starts the relay thread.
pub fn start(
    writer: File,
    commands: Arc<Commands>,
    stdout: StdoutRelay,
    cell_running: Arc<AtomicBool>,
    events: mpsc::Receiver<Event>,
) {
    let mut relay = StdinRelay {
        writer,
        commands,
        stdout,
    };
    let spawned = std::thread::Builder::new()
        .name("rhpc-stdin-relay".into())
        .spawn(move || {
            loop {
                match events.recv_timeout(POLL) {
                    Ok(Event::ForwardReply) => relay.pass_on_answer(),
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if cell_running.load(Ordering::SeqCst)
                            && stdin_is_empty()
                            && blocked_reading_stdin()
                        {
                            relay.ask();
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                }
            }
        });
    if let Err(error) = spawned {
        eprintln!("rhpc cell process: cannot start the stdin relay: {error}");
    }
}

struct StdinRelay {
    writer: File,
    commands: Arc<Commands>,
    stdout: StdoutRelay,
}

impl StdinRelay {
    fn ask(&mut self) {
        let prompt = self.stdout.take_prompt();
        self.stdout.barrier(Duration::from_secs(1));
        self.stdout
            .write_line(&format!("EVCXR_INPUT_REQUEST:{}", encode_prompt(&prompt)));
        self.pass_on_answer();
    }

    fn pass_on_answer(&mut self) {
        let Some(answer) = self.commands.read_line() else {
            return;
        };
        match answer.as_str() {
            INPUT_DENIED | INPUT_INTERRUPTED => self.end_of_file(),
            _ => {
                let _ = self.writer.write_all(format!("{answer}\n").as_bytes());
            }
        }
    }

    /// Wakes the blocked reader with end-of-file and installs a fresh pipe for later reads.
    fn end_of_file(&mut self) {
        match fds::pipe() {
            Ok((reader, writer)) => {
                if fds::replace(0, &reader).is_ok() {
                    // Dropping the old writer (the only one) ends the blocked read.
                    self.writer = File::from(writer);
                }
            }
            Err(error) => eprintln!("rhpc cell process: cannot renew stdin: {error}"),
        }
    }
}

/// `prompt` with `%` and `:` escaped, marked as encoded; see [`decode_prompt`].
fn encode_prompt(prompt: &str) -> String {
    let mut encoded = String::from(ENCODED);
    for c in prompt.chars() {
        match c {
            '%' => encoded.push_str("%25"),
            ':' => encoded.push_str("%3A"),
            '\n' => encoded.push_str("%0A"),
            c => encoded.push(c),
        }
    }
    encoded
}

/// The prompt as the cell printed it (prompts from `evcxr_input` pass through unchanged).
pub fn decode_prompt(prompt: &str) -> String {
    let Some(encoded) = prompt.strip_prefix(ENCODED) else {
        return prompt.to_owned();
    };
    encoded
        .replace("%3A", ":")
        .replace("%0A", "\n")
        .replace("%25", "%")
}

fn stdin_is_empty() -> bool {
    let mut available: libc::c_int = 0;
    // SAFETY: FIONREAD writes one c_int.
    let result = unsafe { libc::ioctl(0, libc::FIONREAD, &mut available) };
    result != 0 || available == 0
}

/// Whether any thread of this process is blocked in `read(0, ...)`.
#[cfg(target_os = "linux")]
fn blocked_reading_stdin() -> bool {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return false;
    };
    tasks.flatten().any(|task| {
        std::fs::read_to_string(task.path().join("syscall"))
            .map(|syscall| is_read_of_stdin(&syscall))
            .unwrap_or(false)
    })
}

#[cfg(not(target_os = "linux"))]
fn blocked_reading_stdin() -> bool {
    false
}

/// Parses a `/proc/<pid>/task/<tid>/syscall` line: `<number> <arg0> <arg1> ...`.
fn is_read_of_stdin(syscall: &str) -> bool {
    let mut fields = syscall.split_whitespace();
    let number = fields.next().and_then(|n| n.parse::<i64>().ok());
    let fd = fields
        .next()
        .and_then(|arg| u64::from_str_radix(arg.trim_start_matches("0x"), 16).ok());
    number == Some(libc::SYS_read) && fd == Some(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_survive_evcxrs_colon_split() {
        let prompt = "Value (a:b) 100%: ";
        let line = format!("EVCXR_INPUT_REQUEST:{}", encode_prompt(prompt));
        // evcxr takes the text between the first and second colon.
        let seen_by_evcxr = line.split(':').nth(1).unwrap();
        assert_eq!(decode_prompt(seen_by_evcxr), prompt);
        assert_eq!(decode_prompt("plain"), "plain");
    }

    #[test]
    fn recognises_a_blocked_stdin_read() {
        let read = libc::SYS_read;
        assert!(is_read_of_stdin(&format!(
            "{read} 0x0 0x7ffd 0x2000 0x0 0x0 0x0 0x7ff 0x7f"
        )));
        assert!(!is_read_of_stdin(&format!("{read} 0x3 0x7ffd 0x2000")));
        assert!(!is_read_of_stdin("running"));
        assert!(!is_read_of_stdin("-1 0x7ffd 0x7f"));
    }
}
