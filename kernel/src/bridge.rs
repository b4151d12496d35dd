//! The bridge: how code running in a cell talks to the kernel while the cell runs.
//!
//! A cell's stdout reaches the kernel line by line as it is printed. A line that starts with
//! [`PREFIX`] is not text but a [`Record`]: the rest of the line is one JSON object whose
//! `op` says what it is. Any crate can emit records (the `rhpc` runtime does, for live
//! displays); the kernel's own panic hook and the cell process use them too.
//!
//! ```text
//! \u{1e}rhpc\u{1e}{"op":"display","data":{"text/html":"<b>hi</b>"},"display_id":"d1"}
//! \u{1e}rhpc\u{1e}{"op":"update","data":{"text/plain":"50%"},"display_id":"d1"}
//! \u{1e}rhpc\u{1e}{"op":"clear","wait":true}
//! ```
//!
//! The prefix starts and ends with the ASCII record separator, which ordinary text does not
//! contain, so user output can never be mistaken for a record. Binary MIME data (PNG) is
//! base64, as in the Jupyter protocol.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::interpreter::{DisplayEvent, MimeBundle, StreamName};

/// Marks a stdout line as a record.
pub const PREFIX: &str = "\u{1e}rhpc\u{1e}";

/// Set in the cell process's environment, so code can tell it runs under this kernel.
pub const ENV_MARKER: &str = "RHPC_KERNEL";

/// Set in the cell process by the kernel's bootstrap cell: from then on the cell process
/// reports each cell's [timing](Record::CellTiming). Not before: evcxr's own first cell runs
/// while nothing reads the cell process's output yet, and evcxr waits until it is read.
pub const REPORTS_MARKER: &str = "RHPC_CELL_REPORTS";

/// One message from a cell to the kernel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Record {
    /// Show a MIME bundle (`display_data`).
    Display {
        /// The bundle.
        data: MimeBundle,
        /// Per-MIME metadata.
        #[serde(default)]
        metadata: Map<String, Value>,
        /// Id for later updates.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        display_id: Option<String>,
    },
    /// Replace a display shown earlier (`update_display_data`).
    Update {
        /// The bundle.
        data: MimeBundle,
        /// Per-MIME metadata.
        #[serde(default)]
        metadata: Map<String, Value>,
        /// The display to replace.
        display_id: String,
    },
    /// Clear the cell's output (`clear_output`).
    Clear {
        /// Wait for new output before clearing.
        #[serde(default)]
        wait: bool,
    },
    /// Text without a trailing newline (a prompt, a progress dot).
    Stream {
        /// `stdout` or `stderr`.
        name: String,
        /// The text.
        text: String,
    },
    /// A panic began (sent by the kernel's panic hook in the cell process).
    Panic {
        /// The panicking thread's name.
        thread: String,
        /// The panic message.
        message: String,
        /// `file:line:column`, if known.
        #[serde(default)]
        location: Option<String>,
    },
    /// The cell itself ended in a panic (sent by the cell process).
    CellPanicked,
    /// How long the cell's code ran, in seconds (sent by the cell process).
    CellTiming {
        /// Wall-clock time.
        wall: f64,
        /// CPU time in user mode, all threads.
        user: f64,
        /// CPU time in the kernel, all threads.
        system: f64,
        /// When the cell's compiled code was reused from an identical earlier run (see
        /// [`crate::cell_cache`]): how long compiling it took then, in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reused: Option<f64>,
    },
}

impl Record {
    /// The record on `line`, if it is one. A malformed record is reported as an error
    /// rather than shown as garbage text.
    pub fn parse(line: &str) -> Option<Result<Record, serde_json::Error>> {
        line.strip_prefix(PREFIX).map(serde_json::from_str)
    }

    /// The line (without newline) that carries this record.
    pub fn to_line(&self) -> String {
        format!(
            "{PREFIX}{}",
            serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
        )
    }

    /// The display event this record asks for, if it is one.
    pub fn into_display(self) -> Result<DisplayEvent, Record> {
        match self {
            Record::Display {
                data,
                metadata,
                display_id,
            } => Ok(DisplayEvent::Show {
                data,
                metadata,
                display_id,
            }),
            Record::Update {
                data,
                metadata,
                display_id,
            } => Ok(DisplayEvent::Update {
                data,
                metadata,
                display_id,
            }),
            Record::Clear { wait } => Ok(DisplayEvent::Clear { wait }),
            other => Err(other),
        }
    }
}

/// The stream a [`Record::Stream`] names (anything but `stderr` is stdout).
pub fn stream_name(name: &str) -> StreamName {
    if name == "stderr" {
        StreamName::Stderr
    } else {
        StreamName::Stdout
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_round_trip_through_a_line() {
        let record = Record::Panic {
            thread: "main".into(),
            message: "boom \"quoted\"\nsecond line".into(),
            location: None,
        };
        let line = record.to_line();
        assert!(!line.contains('\n'), "a record is one line");
        assert_eq!(Record::parse(&line).unwrap().unwrap(), record);
    }

    #[test]
    fn ordinary_text_is_not_a_record() {
        assert!(Record::parse("rhpc {\"op\":\"clear\"}").is_none());
        assert!(Record::parse("").is_none());
    }

    #[test]
    fn malformed_records_are_errors() {
        assert!(
            Record::parse(&format!("{PREFIX}{{\"op\":\"nope\"}}"))
                .unwrap()
                .is_err()
        );
        assert!(
            Record::parse(&format!("{PREFIX}not json"))
                .unwrap()
                .is_err()
        );
    }

    #[test]
    fn display_records_become_display_events() {
        let line = format!(
            "{PREFIX}{}",
            json!({"op": "update", "data": {"text/plain": "50%"}, "display_id": "p"})
        );
        let event = Record::parse(&line)
            .unwrap()
            .unwrap()
            .into_display()
            .unwrap();
        assert!(matches!(event, DisplayEvent::Update { display_id, .. } if display_id == "p"));
        assert!(Record::CellPanicked.into_display().is_err());
    }
}
