//! evcxr's command pipe (the cell process's original stdin), shared by two readers.
//!
//! Between cells the cell loop reads `LOAD_AND_RUN` lines; during a cell the stdin relay
//! reads evcxr's answers to input requests. They never read at the same time (evcxr sends
//! the next command only after the cell completes), and one buffered reader serves both so
//! neither can swallow the other's line.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::sync::Mutex;

/// Line reader over the command pipe.
pub struct Commands {
    reader: Mutex<BufReader<File>>,
}

impl Commands {
    /// Reads commands from `pipe`.
    pub fn new(pipe: File) -> Commands {
        Commands {
            reader: Mutex::new(BufReader::new(pipe)),
        }
    }

    /// The next line without its newline; `None` once evcxr closes the pipe.
    pub fn read_line(&self) -> Option<String> {
        let mut reader = self.reader.lock().ok()?;
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                if line.ends_with('\n') {
                    line.pop();
                }
                Some(line)
            }
        }
    }
}
