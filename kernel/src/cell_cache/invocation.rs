//! One rustc invocation as cargo hands it to the wrapper, and the cache key of a cell's.
//!
//! Only evcxr's cell crate is cached: the package `ctx` cargo builds as its primary package,
//! a `cdylib` linked from one source file. Its key covers everything the compiled code can
//! depend on: the compiler (path, size, modification time), every argument (options,
//! features, `-C` settings, dependency paths), the size and modification time of every
//! `--extern` library, the environment (`env!` and proc macros read it), and the source with
//! the one generated name that changes from run to run, evcxr's entry point
//! `run_user_code_N`, left out. Files the source reads (`include_str!`) are checked when an
//! entry is found (see `store`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

/// evcxr's crate: every cell is compiled as this package.
const CELL_CRATE: &str = "ctx";
/// How evcxr's generated entry point starts; a number follows.
const ENTRY_POINT: &str = "pub extern \"C\" fn run_user_code_";

/// Environment variables that change between identical builds without changing what is
/// built: cargo's jobserver, the Jupyter frontend's process identity, and the kernel's own
/// settings (log level, history file, interrupt grace: `RHPC_*`).
fn is_volatile(name: &str) -> bool {
    matches!(name, "CARGO_MAKEFLAGS" | "MAKEFLAGS" | "MFLAGS")
        || name.starts_with("JPY_")
        || name.starts_with("RHPC_")
}

/// `rustc` and its arguments.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The compiler cargo would have run.
    pub rustc: OsString,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Whether cargo builds this crate as the package it was asked for (not a dependency).
    pub primary_package: bool,
}

/// A cell's compilation, recognised: where its source is and what its entry point is named.
#[derive(Debug, Clone)]
pub struct CellCompile {
    /// The source file (`src/lib.rs`, relative to the working directory).
    pub source: PathBuf,
    /// The source's text.
    pub text: String,
    /// The entry point's name in this source (`run_user_code_12`).
    pub symbol: String,
    /// Byte range of the entry point's number within `text`.
    number: std::ops::Range<usize>,
    source_index: usize,
}

impl Invocation {
    /// The invocation in this process's arguments (`wrapper rustc args...`).
    pub fn from_env() -> Option<Invocation> {
        let mut args = std::env::args_os().skip(1);
        let rustc = args.next()?;
        Some(Invocation {
            rustc,
            args: args.collect(),
            primary_package: std::env::var_os("CARGO_PRIMARY_PACKAGE").is_some(),
        })
    }

    /// The value of option `name` (`--name value` or `--name=value`), each time it occurs.
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = String> + 'a {
        let joined = format!("{name}=");
        self.args.iter().enumerate().filter_map(move |(i, arg)| {
            let arg = arg.to_str()?;
            if arg == name {
                return self.args.get(i + 1)?.to_str().map(str::to_owned);
            }
            arg.strip_prefix(&joined).map(str::to_owned)
        })
    }

    /// Whether this compiles a notebook cell: the `ctx` package as a linked `cdylib`.
    pub fn is_cell(&self) -> bool {
        self.primary_package
            && self.values("--crate-name").any(|name| name == CELL_CRATE)
            && self.values("--crate-type").any(|kind| kind == "cdylib")
            && self
                .values("--emit")
                .any(|emit| emit.split(',').any(|kind| kind == "link"))
    }

    /// The cell's source and entry point, if this is a cell whose source has exactly one.
    pub fn cell(&self) -> Option<CellCompile> {
        if !self.is_cell() {
            return None;
        }
        let mut sources = self
            .args
            .iter()
            .enumerate()
            .filter(|(_, arg)| Path::new(arg).extension().is_some_and(|ext| ext == "rs"));
        let (source_index, source) = sources.next()?;
        if sources.next().is_some() {
            return None;
        }
        let source = PathBuf::from(source);
        let text = std::fs::read_to_string(&source).ok()?;
        let mut found = text.match_indices(ENTRY_POINT);
        let (at, _) = found.next()?;
        if found.next().is_some() {
            return None;
        }
        let start = at + ENTRY_POINT.len();
        let digits = text[start..].bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || text.as_bytes().get(start + digits) != Some(&b'(') {
            return None;
        }
        let symbol = format!("run_user_code_{}", &text[start..start + digits]);
        Some(CellCompile {
            source,
            text,
            symbol,
            number: start..start + digits,
            source_index,
        })
    }

    /// The `--extern` libraries this compilation links.
    fn externs(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.values("--extern")
            .filter_map(|spec| spec.split_once('=').map(|(_, path)| PathBuf::from(path)))
    }
}

/// Size and modification time of `path` (nanoseconds), or zeros when it is missing.
pub fn stamp(path: &Path) -> (u64, u128) {
    std::fs::metadata(path)
        .map(|meta| {
            let modified = meta
                .modified()
                .ok()
                .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |since| since.as_nanos());
            (meta.len(), modified)
        })
        .unwrap_or((0, 0))
}

/// The cache key of a cell's compilation (hex SHA-256) in `environment` (the wrapper's).
pub fn key(
    invocation: &Invocation,
    cell: &CellCompile,
    environment: impl Iterator<Item = (OsString, OsString)>,
) -> String {
    let mut hash = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    field(b"rhpc cell cache 1");
    field(invocation.rustc.as_encoded_bytes());
    let (size, modified) = stamp(Path::new(&invocation.rustc));
    field(format!("{size} {modified}").as_bytes());
    for (i, arg) in invocation.args.iter().enumerate() {
        if i == cell.source_index {
            field(b"<source>");
        } else {
            field(arg.as_encoded_bytes());
        }
    }
    for library in invocation.externs() {
        let (size, modified) = stamp(&library);
        field(format!("{} {size} {modified}", library.display()).as_bytes());
    }
    let mut environment: Vec<(OsString, OsString)> = environment
        .filter(|(name, _)| !name.to_str().is_some_and(is_volatile))
        .collect();
    environment.sort();
    for (name, value) in environment {
        field(name.as_encoded_bytes());
        field(value.as_encoded_bytes());
    }
    field(&cell.text.as_bytes()[..cell.number.start]);
    field(&cell.text.as_bytes()[cell.number.end..]);
    hex::encode(hash.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invocation(source: &Path) -> Invocation {
        let args = [
            "--crate-name",
            "ctx",
            "--edition=2024",
            source.to_str().unwrap(),
            "--crate-type",
            "cdylib",
            "--emit=dep-info,link",
            "-C",
            "opt-level=2",
        ];
        Invocation {
            rustc: "rustc".into(),
            args: args.iter().map(OsString::from).collect(),
            primary_package: true,
        }
    }

    fn cell_source(number: u32, body: &str) -> String {
        format!(
            "#[unsafe(no_mangle)]\n{ENTRY_POINT}{number}(x: *mut u8) -> *mut u8 {{ {body} x }}\n"
        )
    }

    #[test]
    fn the_same_cell_run_again_has_the_same_key_and_any_change_another() {
        let dir = std::env::temp_dir().join(format!("rhpc-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let source = dir.join("lib.rs");
        let environment = || [("HOME".into(), "/home/me".into())].into_iter();
        let key_of = |text: &str, invocation: &Invocation| {
            std::fs::write(&source, text).unwrap();
            let cell = invocation.cell().expect("a cell");
            (key(invocation, &cell, environment()), cell.symbol)
        };
        let plain = invocation(&source);
        let (first, symbol) = key_of(&cell_source(3, "f();"), &plain);
        assert_eq!(symbol, "run_user_code_3");
        let (again, symbol) = key_of(&cell_source(12, "f();"), &plain);
        assert_eq!(
            (again.as_str(), symbol.as_str()),
            (first.as_str(), "run_user_code_12")
        );
        assert_ne!(key_of(&cell_source(12, "g();"), &plain).0, first);

        let mut optimised = plain.clone();
        optimised.args[8] = "opt-level=3".into();
        assert_ne!(key_of(&cell_source(3, "f();"), &optimised).0, first);
        std::fs::write(&source, cell_source(3, "f();")).unwrap();
        let cell = plain.cell().unwrap();
        let elsewhere = [("HOME".into(), "/home/you".into())].into_iter();
        assert_ne!(key(&plain, &cell, elsewhere), first);
        let jupyter = environment().chain([("JPY_PARENT_PID".into(), "4242".into())]);
        assert_eq!(key(&plain, &cell, jupyter), first);

        // Not a cell: another crate, or a source with two entry points (a user's own fn
        // named like evcxr's would make the name ambiguous).
        let mut other = plain.clone();
        other.args[1] = "serde".into();
        std::fs::write(&source, cell_source(1, "")).unwrap();
        assert!(other.cell().is_none());
        let dependency = Invocation {
            primary_package: false,
            ..plain.clone()
        };
        assert!(dependency.cell().is_none());
        let twice = format!("{}{}", cell_source(1, ""), cell_source(2, ""));
        std::fs::write(&source, twice).unwrap();
        assert!(plain.cell().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn jobserver_and_frontend_variables_do_not_count() {
        assert!(is_volatile("CARGO_MAKEFLAGS"));
        assert!(is_volatile("JPY_PARENT_PID"));
        assert!(is_volatile("RHPC_LOG"));
        assert!(!is_volatile("CARGO_PKG_NAME"));
        assert!(!is_volatile("HOME"));
    }
}
