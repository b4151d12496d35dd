//! The redirect file: what the rustc wrapper writes in place of a cell's library when it
//! reuses an earlier compilation, and how the cell process turns it back into a library.
//!
//! evcxr expects `libctx.so` where cargo says it built it, renames it `code_N.so`, and asks
//! the cell process to `LOAD_AND_RUN` it, calling `run_user_code_N`. On a cache hit the
//! wrapper writes a small text file there instead, naming the cached library and the entry
//! point it was compiled with (`run_user_code_K` of the earlier run). The cell process
//! replaces the redirect by a copy of the cached library (a new file, so it loads as a new
//! instance with fresh statics, exactly as a fresh compilation would) and calls that entry
//! point.
//!
//! ```text
//! RHPC-CELL-REDIRECT 1
//! /home/me/.cache/rhpc/sessions/rhpc-…/slot-0/cell-cache/entries/3f…/lib.so
//! run_user_code_7
//! 2.31
//! ```

use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The first line of every redirect file (never the start of an ELF library).
const MAGIC: &str = "RHPC-CELL-REDIRECT 1";

/// A cached compilation to run in place of a fresh one.
#[derive(Debug, Clone, PartialEq)]
pub struct Redirect {
    /// The cached library.
    pub library: PathBuf,
    /// Its entry point.
    pub symbol: String,
    /// How long the compilation it saves took, in seconds.
    pub compile_seconds: f64,
}

impl Redirect {
    fn to_text(&self) -> String {
        format!(
            "{MAGIC}\n{}\n{}\n{}\n",
            self.library.display(),
            self.symbol,
            self.compile_seconds
        )
    }

    fn parse(text: &str) -> Option<Redirect> {
        let mut lines = text.lines();
        if lines.next()? != MAGIC {
            return None;
        }
        let library = PathBuf::from(lines.next()?);
        let symbol = lines.next()?.to_owned();
        let compile_seconds = lines.next()?.parse().ok()?;
        Some(Redirect {
            library,
            symbol,
            compile_seconds,
        })
    }

    /// Writes the redirect at `path`, replacing what is there (through a new file renamed
    /// into place: the old file may be a library some process has mapped).
    pub fn write(&self, path: &Path) -> io::Result<()> {
        let partial = path.with_extension("redirect-partial");
        std::fs::write(&partial, self.to_text())?;
        std::fs::rename(&partial, path)
    }

    /// The redirect at `path`, if the file there is one (a library is not).
    pub fn read(path: &Path) -> io::Result<Option<Redirect>> {
        let mut head = [0u8; MAGIC.len()];
        let mut file = std::fs::File::open(path)?;
        let read = file.read(&mut head)?;
        if head[..read] != *MAGIC.as_bytes() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(path)?;
        Redirect::parse(&text).map(Some).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is a malformed redirect", path.display()),
            )
        })
    }
}

/// If the library at `path` is a redirect, replaces it by a copy of the cached library and
/// returns the redirect (whose `symbol` is the entry point to call); otherwise `None`.
pub fn materialize(path: &Path) -> io::Result<Option<Redirect>> {
    let Some(redirect) = Redirect::read(path)? else {
        return Ok(None);
    };
    let partial = path.with_extension("reused-partial");
    std::fs::copy(&redirect.library, &partial).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!(
                "cannot copy the cached cell library {}: {error}",
                redirect.library.display()
            ),
        )
    })?;
    std::fs::rename(&partial, path)?;
    Ok(Some(redirect))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_becomes_a_copy_of_its_library() {
        let dir = std::env::temp_dir().join(format!("rhpc-redirect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let library = dir.join("cached.so");
        std::fs::write(&library, b"\x7fELF library bytes").unwrap();
        let target = dir.join("code_3.so");
        let redirect = Redirect {
            library: library.clone(),
            symbol: "run_user_code_1".into(),
            compile_seconds: 1.5,
        };
        redirect.write(&target).unwrap();
        assert_eq!(Redirect::read(&target).unwrap(), Some(redirect.clone()));

        assert_eq!(materialize(&target).unwrap(), Some(redirect));
        assert_eq!(std::fs::read(&target).unwrap(), b"\x7fELF library bytes");
        // A library is not a redirect, and is left alone.
        assert_eq!(materialize(&target).unwrap(), None);
        assert_eq!(Redirect::read(&library).unwrap(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn malformed_redirects_and_missing_libraries_are_errors() {
        let dir = std::env::temp_dir().join(format!("rhpc-redirect-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("code_1.so");
        std::fs::write(&target, format!("{MAGIC}\nonly a path\n")).unwrap();
        assert!(Redirect::read(&target).is_err());
        Redirect {
            library: dir.join("gone.so"),
            symbol: "run_user_code_1".into(),
            compile_seconds: 0.1,
        }
        .write(&target)
        .unwrap();
        let error = materialize(&target).unwrap_err();
        assert!(error.to_string().contains("gone.so"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
