//! Cell history, kept per user across kernel restarts (`history_request`).
//!
//! Every cell run with `store_history` is appended as one JSON line to the history file
//! (`$RHPC_HISTORY_FILE`, else `rhpc/history.jsonl` under the user's data directory). A kernel
//! start reads the file, numbers itself one session after the newest it finds, and answers
//! `tail`, `range` and `search` queries the way IPython does. A history file that cannot be
//! read or written degrades to in-memory history with a logged warning; it never stops the
//! kernel.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::protocol::request::HistoryAccess;

/// One recorded cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Kernel session number (1, 2, ... per user).
    pub session: u64,
    /// Execution count within the session.
    pub line: u64,
    /// The cell's source.
    pub source: String,
    /// The cell's value as text, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// The history of this user's cells.
#[derive(Debug)]
pub struct History {
    session: u64,
    entries: Vec<Entry>,
    file: Option<File>,
}

impl History {
    /// The default history file location.
    pub fn default_path() -> Option<PathBuf> {
        std::env::var_os("RHPC_HISTORY_FILE")
            .map(PathBuf::from)
            .or_else(|| dirs::data_dir().map(|dir| dir.join("rhpc").join("history.jsonl")))
    }

    /// Opens (or creates) the history at `path` and starts a new session.
    pub fn open(path: &Path) -> History {
        let entries = read_entries(path);
        let session = entries.iter().map(|e| e.session).max().unwrap_or(0) + 1;
        let file = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| OpenOptions::new().create(true).append(true).open(path));
        let file = match file {
            Ok(file) => Some(file),
            Err(error) => {
                log::warn!(
                    "history file {} is not writable ({error}); keeping history in memory",
                    path.display()
                );
                None
            }
        };
        History {
            session,
            entries,
            file,
        }
    }

    /// History that lives only as long as the kernel.
    pub fn in_memory() -> History {
        History {
            session: 1,
            entries: Vec::new(),
            file: None,
        }
    }

    /// This kernel's session number.
    pub fn session(&self) -> u64 {
        self.session
    }

    /// Records a cell of this session.
    pub fn record(&mut self, line: u64, source: &str, output: Option<String>) {
        let entry = Entry {
            session: self.session,
            line,
            source: source.to_owned(),
            output,
        };
        if let Some(file) = &mut self.file {
            // One write per line: appends from concurrent kernels do not interleave.
            let mut text = serde_json::to_string(&entry).unwrap_or_default();
            text.push('\n');
            if let Err(error) = file.write_all(text.as_bytes()) {
                log::warn!("could not append to the history file: {error}");
            }
        }
        self.entries.push(entry);
    }

    /// The entries a query asks for, oldest first.
    pub fn query(&self, access: &HistoryAccess) -> Vec<&Entry> {
        match access {
            HistoryAccess::Tail { n } => last(self.entries.iter().collect(), Some(*n)),
            HistoryAccess::Range {
                session,
                start,
                stop,
            } => {
                let session = self.resolve_session(*session);
                self.entries
                    .iter()
                    .filter(|e| Some(e.session) == session)
                    .filter(|e| e.line as i64 >= *start && stop.is_none_or(|s| (e.line as i64) < s))
                    .collect()
            }
            HistoryAccess::Search { pattern, n, unique } => {
                let Ok(glob) = glob::Pattern::new(pattern) else {
                    return Vec::new();
                };
                let mut found: Vec<&Entry> = self
                    .entries
                    .iter()
                    .filter(|e| glob.matches(&e.source))
                    .collect();
                if *unique {
                    // Keep the latest occurrence of each source, in chronological order.
                    let mut seen = std::collections::HashSet::new();
                    found.reverse();
                    found.retain(|e| seen.insert(e.source.as_str()));
                    found.reverse();
                }
                last(found, *n)
            }
        }
    }

    /// Absolute session number: positive as given, 0 for this one, negative counts back.
    fn resolve_session(&self, session: i64) -> Option<u64> {
        if session > 0 {
            Some(session as u64)
        } else {
            self.session.checked_sub(session.unsigned_abs())
        }
    }
}

/// The `history` array of a `history_reply`.
pub fn to_reply(entries: &[&Entry], with_output: bool) -> Vec<Value> {
    entries
        .iter()
        .map(|e| {
            if with_output {
                json!([e.session, e.line, [e.source, e.output]])
            } else {
                json!([e.session, e.line, e.source])
            }
        })
        .collect()
}

fn last(entries: Vec<&Entry>, n: Option<usize>) -> Vec<&Entry> {
    match n {
        Some(n) if n < entries.len() => entries[entries.len() - n..].to_vec(),
        _ => entries,
    }
}

fn read_entries(path: &Path) -> Vec<Entry> {
    let Ok(file) = File::open(path) else {
        return Vec::new();
    };
    BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        // A torn or hand-edited line is skipped, not fatal.
        .filter_map(|line| serde_json::from_str(&line).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rhpc-history-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("nested").join("history.jsonl")
    }

    fn sources(entries: Vec<&Entry>) -> Vec<&str> {
        entries.into_iter().map(|e| e.source.as_str()).collect()
    }

    #[test]
    fn sessions_persist_and_count_up() {
        let path = temp_path("persist");
        let mut first = History::open(&path);
        assert_eq!(first.session(), 1);
        first.record(1, "let a = 1;", None);
        first.record(2, "a + 1", Some("2".into()));
        drop(first);

        let second = History::open(&path);
        assert_eq!(second.session(), 2);
        let tail = second.query(&HistoryAccess::Tail { n: 1 });
        assert_eq!(tail[0].output.as_deref(), Some("2"));
        assert_eq!(tail[0].session, 1);
    }

    #[test]
    fn tail_range_and_relative_sessions() {
        let path = temp_path("range");
        let mut old = History::open(&path);
        old.record(1, "old", None);
        drop(old);
        let mut history = History::open(&path);
        for (line, source) in [(1, "a"), (2, "b"), (3, "c")] {
            history.record(line, source, None);
        }
        assert_eq!(
            sources(history.query(&HistoryAccess::Tail { n: 2 })),
            ["b", "c"]
        );
        let range = |session, start, stop| HistoryAccess::Range {
            session,
            start,
            stop,
        };
        assert_eq!(sources(history.query(&range(0, 2, Some(3)))), ["b"]);
        assert_eq!(sources(history.query(&range(0, 2, None))), ["b", "c"]);
        assert_eq!(sources(history.query(&range(-1, 1, None))), ["old"]);
        assert_eq!(sources(history.query(&range(1, 1, None))), ["old"]);
    }

    #[test]
    fn search_globs_unique_and_limit() {
        let mut history = History::in_memory();
        for (line, source) in [(1, "x = 1"), (2, "y = 2"), (3, "x = 1"), (4, "x = 3")] {
            history.record(line, source, None);
        }
        let search = |pattern: &str, n, unique| HistoryAccess::Search {
            pattern: pattern.into(),
            n,
            unique,
        };
        assert_eq!(history.query(&search("x*", None, false)).len(), 3);
        let unique = history.query(&search("x*", None, true));
        assert_eq!(unique.iter().map(|e| e.line).collect::<Vec<_>>(), [3, 4]);
        assert_eq!(
            sources(history.query(&search("*", Some(2), false))),
            ["x = 1", "x = 3"]
        );
        assert!(history.query(&search("[", None, false)).is_empty());
    }

    #[test]
    fn corrupt_lines_are_skipped() {
        let path = temp_path("corrupt");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            "{\"session\":4,\"line\":1,\"source\":\"ok\"}\nnot json\n{\"sess",
        )
        .unwrap();
        let history = History::open(&path);
        assert_eq!(history.session(), 5);
        assert_eq!(history.query(&HistoryAccess::Tail { n: 10 }).len(), 1);
    }

    #[test]
    fn reply_shape_matches_the_spec() {
        let mut history = History::in_memory();
        history.record(1, "1", Some("1".into()));
        let entries = history.query(&HistoryAccess::Tail { n: 1 });
        assert_eq!(to_reply(&entries, false), vec![json!([1, 1, "1"])]);
        assert_eq!(to_reply(&entries, true), vec![json!([1, 1, ["1", "1"]])]);
    }
}
