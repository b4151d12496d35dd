//! Cell output: evcxr's stdout/stderr lines to the running cell's [`CellIo`], live.
//!
//! One thread reads both of evcxr's output channels. Consecutive lines of one stream are
//! batched into a single `stream` message while more are immediately available, so a loop
//! printing a million lines does not become a million messages, yet a line printed before a
//! one-second sleep shows at once. Lines carrying a [bridge record](crate::bridge) become
//! displays, partial lines or panic reports instead of text.
//!
//! Panics: the kernel's panic hook reports every panic; the cell process reports when the
//! cell itself ended in one. A main-thread panic is held until the cell ends: if the cell
//! panicked it becomes the cell's error, otherwise (the cell caught it) it is printed to
//! stderr like Rust's default hook would. Panics on other threads are printed at once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, select};

use crate::bridge::{self, Record};
use crate::interpreter::{CellIo, StreamName};

/// Largest text batched into one stream message.
const BATCH_BYTES: usize = 64 * 1024;
/// After a cell, how long stderr must stay quiet before it is considered drained.
const STDERR_QUIET: Duration = Duration::from_millis(5);

/// A panic reported by the kernel's hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanicReport {
    /// The panicking thread.
    pub thread: String,
    /// Its message.
    pub message: String,
    /// `file:line:column`.
    pub location: Option<String>,
}

impl PanicReport {
    /// The text Rust's default hook would print.
    fn as_stderr_text(&self) -> String {
        match &self.location {
            Some(location) => format!(
                "thread '{}' panicked at {location}:\n{}\n",
                self.thread, self.message
            ),
            None => format!("thread '{}' panicked:\n{}\n", self.thread, self.message),
        }
    }
}

/// How long a cell's code ran (its compilation not included), in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellTiming {
    /// Wall-clock time.
    pub wall: f64,
    /// User-mode CPU time of all threads.
    pub user: f64,
    /// Kernel-mode CPU time of all threads.
    pub system: f64,
    /// Set when the cell's compiled code was reused: the compile time that saved.
    pub reused: Option<f64>,
}

/// What a finished cell reported besides its output.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellReport {
    /// The panic that ended the cell, if it panicked.
    pub panic: Option<PanicReport>,
    /// How long its code ran (absent when it did not run, e.g. a compile error).
    pub timing: Option<CellTiming>,
    /// Rust's report of a failed allocation (`memory allocation of N bytes failed`), which
    /// precedes the abort that ends a cell out of memory.
    pub allocation_failure: Option<String>,
}

/// Where output goes and what the current cell has reported.
#[derive(Default)]
struct CellState {
    io: Option<Arc<dyn CellIo>>,
    /// A main-thread panic not yet known to have ended the cell.
    pending_panic: Option<PanicReport>,
    report: CellReport,
}

enum Control {
    /// Drain what has arrived, then acknowledge.
    Barrier(Sender<()>),
}

/// Routes evcxr's output to the current cell.
pub struct OutputRouter {
    state: Arc<Mutex<CellState>>,
    control: Sender<Control>,
}

impl OutputRouter {
    /// Starts the forwarding thread over evcxr's output channels.
    pub fn start(stdout: Receiver<String>, stderr: Receiver<String>) -> OutputRouter {
        let state = Arc::new(Mutex::new(CellState::default()));
        let (control, control_rx) = crossbeam_channel::unbounded();
        let forwarder = Forwarder {
            state: Arc::clone(&state),
            stdout,
            stderr,
            control: control_rx,
        };
        let spawned = std::thread::Builder::new()
            .name("rhpc-cell-output".into())
            .spawn(move || forwarder.run());
        if let Err(error) = spawned {
            log::error!("cannot start the cell output thread: {error}");
        }
        OutputRouter { state, control }
    }

    /// Sends output to `io` from now on, and forgets the previous cell's panics.
    pub fn begin_cell(&self, io: Arc<dyn CellIo>) {
        if let Ok(mut state) = self.state.lock() {
            *state = CellState {
                io: Some(io),
                ..CellState::default()
            };
        }
    }

    /// Waits until the cell's output has been forwarded; returns what the cell reported.
    /// Output arriving later still goes to the same `io`.
    pub fn finish_cell(&self) -> CellReport {
        let (done, finished) = crossbeam_channel::bounded(1);
        if self.control.send(Control::Barrier(done)).is_ok() {
            let _ = finished.recv_timeout(Duration::from_secs(5));
        }
        let Ok(mut state) = self.state.lock() else {
            return CellReport::default();
        };
        if let Some(caught) = state.pending_panic.take() {
            emit_text(&state, StreamName::Stderr, &caught.as_stderr_text());
        }
        std::mem::take(&mut state.report)
    }
}

struct Forwarder {
    state: Arc<Mutex<CellState>>,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    control: Receiver<Control>,
}

impl Forwarder {
    fn run(self) {
        loop {
            select! {
                recv(self.stdout) -> line => match line {
                    Ok(line) => self.stdout_lines(line),
                    Err(_) => return,
                },
                recv(self.stderr) -> line => match line {
                    Ok(line) => self.text_lines(StreamName::Stderr, &self.stderr, line),
                    Err(_) => return,
                },
                recv(self.control) -> control => match control {
                    Ok(Control::Barrier(done)) => {
                        self.drain();
                        let _ = done.send(());
                    }
                    Err(_) => return,
                },
            }
        }
    }

    /// Forwards everything already queued (evcxr empties stdout before returning from a
    /// cell; stderr comes through its own thread, so wait for a short quiet spell).
    fn drain(&self) {
        while let Ok(line) = self.stdout.try_recv() {
            self.stdout_lines(line);
        }
        while let Ok(line) = self.stderr.recv_timeout(STDERR_QUIET) {
            self.text_lines(StreamName::Stderr, &self.stderr, line);
        }
    }

    fn stdout_lines(&self, first: String) {
        if let Some(record) = Record::parse(&first) {
            self.record(record);
        } else {
            self.text_lines(StreamName::Stdout, &self.stdout, first);
        }
    }

    /// Sends `first` and whatever text lines follow it at once, as one message. A record
    /// ends the batch (it is handled after the text before it).
    fn text_lines(&self, name: StreamName, channel: &Receiver<String>, first: String) {
        let mut text = first;
        text.push('\n');
        let mut record = None;
        while text.len() < BATCH_BYTES {
            let Ok(line) = channel.try_recv() else { break };
            if let Some(parsed) = Record::parse(&line) {
                record = Some(parsed);
                break;
            }
            text.push_str(&line);
            text.push('\n');
        }
        if let Ok(mut state) = self.state.lock() {
            if name == StreamName::Stderr
                && let Some(line) = text.lines().find(|line| is_allocation_failure(line))
            {
                state.report.allocation_failure = Some(line.to_owned());
            }
            emit_text(&state, name, &text);
        }
        if let Some(record) = record {
            self.record(record);
        }
    }

    fn record(&self, record: Result<Record, serde_json::Error>) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let text = format!("rhpc: ignored a malformed display record: {error}\n");
                emit_text(&state, StreamName::Stderr, &text);
                return;
            }
        };
        match record.into_display() {
            Ok(event) => {
                if let Some(io) = &state.io {
                    io.display(event);
                }
            }
            Err(Record::Stream { name, text }) => {
                emit_text(&state, bridge::stream_name(&name), &text);
            }
            Err(Record::Panic {
                thread,
                message,
                location,
            }) => {
                let report = PanicReport {
                    thread,
                    message,
                    location,
                };
                if report.thread == "main" {
                    if let Some(caught) = state.pending_panic.replace(report) {
                        emit_text(&state, StreamName::Stderr, &caught.as_stderr_text());
                    }
                } else {
                    emit_text(&state, StreamName::Stderr, &report.as_stderr_text());
                }
            }
            Err(Record::CellPanicked) => {
                let report = state.pending_panic.take().unwrap_or_else(|| PanicReport {
                    thread: "main".into(),
                    message: "the cell panicked".into(),
                    location: None,
                });
                state.report.panic = Some(report);
            }
            Err(Record::CellTiming {
                wall,
                user,
                system,
                reused,
            }) => {
                state.report.timing = Some(CellTiming {
                    wall,
                    user,
                    system,
                    reused,
                });
            }
            Err(_) => {}
        }
    }
}

/// The line Rust's default allocation error handler prints before aborting.
fn is_allocation_failure(line: &str) -> bool {
    line.starts_with("memory allocation of ") && line.ends_with(" bytes failed")
}

fn emit_text(state: &CellState, name: StreamName, text: &str) {
    match &state.io {
        Some(io) => io.stream(name, text),
        // Output before the first cell (evcxr's own start-up) has nowhere to go.
        None => log::debug!("output outside a cell: {text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interpreter::{DisplayEvent, InputError};

    #[derive(Default)]
    struct Recorder {
        events: Mutex<Vec<String>>,
    }

    impl CellIo for Recorder {
        fn stream(&self, name: StreamName, text: &str) {
            self.events
                .lock()
                .unwrap()
                .push(format!("{}:{text}", name.as_str()));
        }
        fn display(&self, event: DisplayEvent) {
            self.events
                .lock()
                .unwrap()
                .push(format!("display:{event:?}"));
        }
        fn input(&self, _: &str, _: bool) -> Result<String, InputError> {
            Err(InputError::NotAllowed)
        }
    }

    fn router() -> (OutputRouter, Sender<String>, Sender<String>, Arc<Recorder>) {
        let (out_tx, out_rx) = crossbeam_channel::unbounded();
        let (err_tx, err_rx) = crossbeam_channel::unbounded();
        let router = OutputRouter::start(out_rx, err_rx);
        let recorder = Arc::new(Recorder::default());
        router.begin_cell(recorder.clone());
        (router, out_tx, err_tx, recorder)
    }

    #[test]
    fn lines_are_batched_and_records_keep_their_place() {
        let (router, stdout, _stderr, recorder) = router();
        let display = Record::Clear { wait: true }.to_line();
        for line in ["a", "b", display.as_str(), "c"] {
            stdout.send(line.to_owned()).unwrap();
        }
        router.finish_cell();
        let events = recorder.events.lock().unwrap().clone();
        let joined = events.join("|");
        assert!(
            joined.starts_with("stdout:a\n")
                && joined.ends_with("display:Clear { wait: true }|stdout:c\n"),
            "{events:?}"
        );
    }

    #[test]
    fn a_cell_panic_becomes_the_cells_error() {
        let (router, stdout, _stderr, recorder) = router();
        let panic = Record::Panic {
            thread: "main".into(),
            message: "boom".into(),
            location: None,
        };
        stdout.send(panic.to_line()).unwrap();
        stdout.send(Record::CellPanicked.to_line()).unwrap();
        let report = router.finish_cell().panic.expect("the cell panicked");
        assert_eq!(report.message, "boom");
        assert!(recorder.events.lock().unwrap().is_empty());
    }

    #[test]
    fn caught_and_worker_panics_are_printed_not_errors() {
        let (router, stdout, _stderr, recorder) = router();
        for (thread, message) in [("main", "caught"), ("<unnamed>", "worker")] {
            let record = Record::Panic {
                thread: thread.into(),
                message: message.into(),
                location: Some("src/lib.rs:1:1".into()),
            };
            stdout.send(record.to_line()).unwrap();
        }
        assert_eq!(router.finish_cell().panic, None);
        let events = recorder.events.lock().unwrap().join("|");
        assert!(events.contains("thread '<unnamed>' panicked at src/lib.rs:1:1:\nworker"));
        assert!(events.contains("thread 'main' panicked at src/lib.rs:1:1:\ncaught"));
    }

    #[test]
    fn stderr_and_partial_lines_are_streams() {
        let (router, stdout, stderr, recorder) = router();
        stderr.send("warning".into()).unwrap();
        let partial = Record::Stream {
            name: "stdout".into(),
            text: "Name: ".into(),
        };
        stdout.send(partial.to_line()).unwrap();
        router.finish_cell();
        let events = recorder.events.lock().unwrap().clone();
        assert!(
            events.contains(&"stderr:warning\n".to_owned()),
            "{events:?}"
        );
        assert!(events.contains(&"stdout:Name: ".to_owned()), "{events:?}");
    }

    #[test]
    fn malformed_records_are_reported_on_stderr() {
        let (router, stdout, _stderr, recorder) = router();
        stdout
            .send(format!("{}{{\"op\":\"bogus\"}}", bridge::PREFIX))
            .unwrap();
        router.finish_cell();
        let events = recorder.events.lock().unwrap().join("|");
        assert!(events.starts_with("stderr:rhpc: ignored a malformed display record"));
    }
}

#[cfg(test)]
mod timing_tests {
    use super::*;

    #[test]
    fn timing_records_are_reported_not_printed() {
        let (out_tx, out_rx) = crossbeam_channel::unbounded();
        let (_err_tx, err_rx) = crossbeam_channel::unbounded::<String>();
        let router = OutputRouter::start(out_rx, err_rx);
        let record = Record::CellTiming {
            wall: 1.5,
            user: 2.0,
            system: 0.25,
            reused: Some(3.0),
        };
        out_tx.send(record.to_line()).unwrap();
        let report = router.finish_cell();
        assert_eq!(
            report.timing,
            Some(CellTiming {
                wall: 1.5,
                user: 2.0,
                system: 0.25,
                reused: Some(3.0),
            })
        );
    }
}
