//! Files named by a glob pattern, and reading one byte range of a text file as whole
//! lines: the pieces `read_text` (and dataframes' `read_csv`) split files into.
//!
//! A line belongs to the range holding its first byte, so ranges cut anywhere give every
//! line exactly once: a reader starting inside a line skips to the next one, and a reader
//! finishes the line it is in when its range ends.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::error::BagError;

/// The files matching `pattern`, sorted; an error if there are none.
pub(crate) fn matching_files(pattern: &str) -> Result<Vec<PathBuf>, BagError> {
    let paths = glob::glob(pattern).map_err(|e| BagError::Pattern {
        pattern: pattern.to_string(),
        message: e.to_string(),
    })?;
    let mut files: Vec<PathBuf> = paths
        .filter_map(Result::ok)
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(BagError::NoFiles(pattern.to_string()));
    }
    Ok(files)
}

/// The size of `path` in bytes.
pub(crate) fn file_size(path: &Path) -> Result<u64, BagError> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| BagError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })
}

/// `parts` byte ranges of about equal size covering `0..size`.
pub(crate) fn byte_ranges(size: u64, parts: usize) -> Vec<(u64, u64)> {
    let parts = parts.max(1) as u64;
    (0..parts)
        .map(|i| (size * i / parts, size * (i + 1) / parts))
        .collect()
}

/// The lines starting in bytes `start..end` of `path`, without their line endings.
pub(crate) fn read_lines(path: &Path, start: u64, end: u64) -> Result<Vec<String>, String> {
    let fail = |e: std::io::Error| format!("{}: {e}", path.display());
    let file = File::open(path).map_err(fail)?;
    let mut reader = BufReader::new(file);
    let mut position = start;
    let mut buffer = Vec::new();
    if start > 0 {
        // Skip the rest of the line holding byte start - 1: it belongs to the range before.
        reader.seek(SeekFrom::Start(start - 1)).map_err(fail)?;
        position = start - 1 + reader.read_until(b'\n', &mut buffer).map_err(fail)? as u64;
    }
    let mut lines = Vec::new();
    while position < end {
        buffer.clear();
        let n = reader.read_until(b'\n', &mut buffer).map_err(fail)?;
        if n == 0 {
            break;
        }
        position += n as u64;
        while matches!(buffer.last(), Some(b'\n' | b'\r')) {
            buffer.pop();
        }
        let line = String::from_utf8(std::mem::take(&mut buffer))
            .map_err(|e| format!("{}: not UTF-8 text: {e}", path.display()))?;
        lines.push(line);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cut_anywhere_give_every_line_once() {
        let dir = std::env::temp_dir().join(format!("rhpc-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lines.txt");
        let text = "alpha\nbeta\r\n\ngamma delta\nlast";
        std::fs::write(&path, text).unwrap();
        let expected: Vec<&str> = vec!["alpha", "beta", "", "gamma delta", "last"];
        for parts in 1..=text.len() + 2 {
            let mut lines = Vec::new();
            for (start, end) in byte_ranges(text.len() as u64, parts) {
                lines.extend(read_lines(&path, start, end).unwrap());
            }
            assert_eq!(lines, expected, "{parts} parts");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
