//! The cache's entries on disk: one folder per key under `entries/`, holding the compiled
//! library and what the compilation wrote besides it, so a hit can replay it exactly.
//!
//! ```text
//! cell-cache/entries/<key>/lib.so       the cell's library as rustc linked it
//! cell-cache/entries/<key>/entry.json   outputs, replayed messages, files read, compile time
//! ```
//!
//! An entry is written under a temporary name and renamed into place, so a reader sees a
//! whole entry or none. The files a cell's source read besides itself (`include_str!`,
//! `include!`, listed in rustc's dep-info) are recorded with their size and modification
//! time; an entry whose files changed is a miss. The modification time of `entry.json`
//! records the last use, and the least recently used entries go first when the cache
//! outgrows its budget.

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::invocation::stamp;

/// The most bytes of libraries the cache keeps.
const BUDGET_BYTES: u64 = 1 << 30;
/// The most entries the cache keeps.
const BUDGET_ENTRIES: usize = 2000;

/// A file the compilation read, as it was then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    /// As rustc's dep-info names it (relative to the build's working directory, or absolute).
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the epoch.
    pub modified: u128,
}

impl Input {
    /// `path` as it is now.
    pub fn now(path: PathBuf) -> Input {
        let (size, modified) = stamp(&path);
        Input {
            path,
            size,
            modified,
        }
    }

    fn unchanged(&self) -> bool {
        stamp(&self.path) == (self.size, self.modified)
    }
}

/// How a stored compilation ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    /// It built a library.
    Library {
        /// The entry point the library was compiled with.
        symbol: String,
        /// Where rustc wrote the library (a hit writes the redirect there).
        output: PathBuf,
    },
    /// It failed with this exit code. evcxr compiles many cells twice, the first time to
    /// see whether their value can show itself (`evcxr_display`), so a failure is as worth
    /// keeping as a success: the same inputs fail the same way.
    Failed {
        /// rustc's exit code.
        code: i32,
    },
}

/// What one compilation left besides its library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// How it ended.
    pub outcome: Outcome,
    /// Where rustc wrote the dep-info, and its text.
    pub dep_info: Option<(PathBuf, String)>,
    /// What rustc printed on stdout.
    pub stdout: String,
    /// What rustc printed on stderr (diagnostics and artifact notices, which cargo reads).
    pub stderr: String,
    /// Files the compilation read besides the cell's source.
    pub inputs: Vec<Input>,
    /// How long the compilation took, in seconds.
    pub compile_seconds: f64,
}

/// The entries under one cache folder.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    entries: PathBuf,
}

impl Store {
    /// The store in `root` (created when first written).
    pub fn new(root: &Path) -> Store {
        Store {
            root: root.to_owned(),
            entries: root.join("entries"),
        }
    }

    /// The cache folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn folder(&self, key: &str) -> PathBuf {
        self.entries.join(key)
    }

    /// The cached library of entry `key`.
    pub fn library(&self, key: &str) -> PathBuf {
        self.folder(key).join("lib.so")
    }

    /// Entry `key`, if it is whole and every file it read is as it was; marks it used.
    pub fn find(&self, key: &str) -> Option<Entry> {
        let meta = self.folder(key).join("entry.json");
        let entry: Entry = serde_json::from_slice(&std::fs::read(&meta).ok()?).ok()?;
        let whole = match entry.outcome {
            Outcome::Library { .. } => self.library(key).is_file(),
            Outcome::Failed { .. } => true,
        };
        if !whole || !entry.inputs.iter().all(Input::unchanged) {
            return None;
        }
        if let Ok(file) = std::fs::File::options().append(true).open(&meta) {
            // Best effort: a missed update only makes the entry look older.
            let _ = file.set_modified(SystemTime::now());
        }
        Some(entry)
    }

    /// Stores `entry` under `key`, with a copy of the library it built if it built one, then
    /// trims the cache.
    pub fn insert(&self, key: &str, entry: &Entry) -> io::Result<()> {
        std::fs::create_dir_all(&self.entries)?;
        let partial = self
            .entries
            .join(format!(".{key}.partial-{}", std::process::id()));
        let write = || -> io::Result<()> {
            std::fs::create_dir_all(&partial)?;
            if let Outcome::Library { output, .. } = &entry.outcome {
                std::fs::copy(output, partial.join("lib.so"))?;
            }
            std::fs::write(partial.join("entry.json"), serde_json::to_vec(entry)?)?;
            let folder = self.folder(key);
            if folder.exists() {
                std::fs::remove_dir_all(&folder)?;
            }
            std::fs::rename(&partial, &folder)
        };
        let written = write();
        if written.is_err() {
            let _ = std::fs::remove_dir_all(&partial);
        }
        written?;
        self.trim(BUDGET_BYTES, BUDGET_ENTRIES)
    }

    /// Removes the least recently used entries until at most `bytes` of libraries and
    /// `count` entries remain.
    pub fn trim(&self, bytes: u64, count: usize) -> io::Result<()> {
        let mut entries: Vec<(SystemTime, u64, PathBuf)> = std::fs::read_dir(&self.entries)?
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| {
                let used = std::fs::metadata(e.path().join("entry.json"))
                    .and_then(|m| m.modified())
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                let size = std::fs::metadata(e.path().join("lib.so")).map_or(0, |m| m.len());
                (used, size, e.path())
            })
            .collect();
        entries.sort();
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        let mut left = entries.len();
        for (_, size, path) in entries {
            if total <= bytes && left <= count {
                break;
            }
            std::fs::remove_dir_all(&path)?;
            total -= size;
            left -= 1;
        }
        Ok(())
    }
}

/// The files a dep-info file lists as inputs (every rule's prerequisites, once each, in
/// order), with `\ ` unescaped to a space.
pub fn dep_info_inputs(text: &str) -> Vec<PathBuf> {
    let mut inputs: Vec<PathBuf> = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let Some((_, prerequisites)) = line.split_once(": ") else {
            continue;
        };
        let mut current = String::new();
        let mut chars = prerequisites.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&' ') => {
                    current.push(' ');
                    chars.next();
                }
                ' ' => {
                    if !current.is_empty() {
                        inputs.push(PathBuf::from(std::mem::take(&mut current)));
                    }
                }
                c => current.push(c),
            }
        }
        if !current.is_empty() {
            inputs.push(PathBuf::from(current));
        }
    }
    let mut seen = std::collections::HashSet::new();
    inputs.retain(|path| seen.insert(path.clone()));
    inputs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rhpc-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entry(library: &Path, inputs: Vec<Input>) -> Entry {
        Entry {
            outcome: Outcome::Library {
                symbol: "run_user_code_1".into(),
                output: library.to_owned(),
            },
            dep_info: Some(("/x/ctx.d".into(), "/x/ctx.d: src/lib.rs\n".into())),
            stdout: String::new(),
            stderr: "{\"artifact\":\"/x/libctx.so\",\"emit\":\"link\"}\n".into(),
            inputs,
            compile_seconds: 1.25,
        }
    }

    #[test]
    fn entries_are_found_until_a_file_they_read_changes() {
        let dir = temp("find");
        let store = Store::new(&dir.join("cache"));
        let library = dir.join("libctx.so");
        std::fs::write(&library, b"library").unwrap();
        let data = dir.join("data.txt");
        std::fs::write(&data, "one").unwrap();
        let stored = entry(&library, vec![Input::now(data.clone())]);
        store.insert("k1", &stored).unwrap();
        assert_eq!(store.find("k1"), Some(stored.clone()));
        assert_eq!(std::fs::read(store.library("k1")).unwrap(), b"library");
        assert_eq!(store.find("k2"), None);
        let failed = Entry {
            outcome: Outcome::Failed { code: 1 },
            ..stored.clone()
        };
        store.insert("k2", &failed).unwrap();
        assert_eq!(store.find("k2"), Some(failed));
        std::fs::write(&data, "two!").unwrap();
        assert_eq!(store.find("k1"), None);
        assert_eq!(store.find("k2"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_least_recently_used_entries_go_first() {
        let dir = temp("trim");
        let store = Store::new(&dir);
        let library = dir.join("lib");
        std::fs::write(&library, [0u8; 100]).unwrap();
        for key in ["a", "b", "c"] {
            store.insert(key, &entry(&library, Vec::new())).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(store.find("a").is_some()); // now the most recent
        store.trim(250, 10).unwrap();
        assert!(store.find("b").is_none(), "the oldest goes");
        assert!(store.find("c").is_some());
        assert!(store.find("a").is_some()); // the most recent again
        store.trim(10_000, 1).unwrap();
        assert!(store.find("c").is_none() && store.find("a").is_some());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dep_info_lists_every_input_once() {
        let text = "/t/ctx-1.d: src/lib.rs src/my\\ data.txt\n\n/t/libctx.so: src/lib.rs src/my\\ data.txt\n\nsrc/lib.rs:\n# env-dep:HOME=/root\n";
        assert_eq!(
            dep_info_inputs(text),
            [
                PathBuf::from("src/lib.rs"),
                PathBuf::from("src/my data.txt")
            ]
        );
    }
}
