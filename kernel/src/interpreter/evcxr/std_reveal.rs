//! When rust-analyzer is shown the standard library's source: not while the session starts,
//! but before the first thing that needs it, or once the kernel has been idle a moment.
//!
//! evcxr asks rust-analyzer for the types of a cell's top-level `let` variables, and for
//! completions and hovers. Everything else a cell does (definitions, `use`, expressions,
//! `:dep`) compiles and runs without it. Analysing the standard library is most of a new
//! session's start (measured on 2 cores: the first cell `use rhpc::prelude::*;` took 6.7 to
//! 7.9 s with it, 3.4 to 4.0 s without), so the session starts with the library hidden (see
//! [`DeferredStd`]) and shows it:
//!
//! - before a cell that may declare variables (any `let`), so their types are inferred;
//! - before a completion or hover, so they offer the library's items;
//! - otherwise as soon as no cell has run or waited for [`IDLE_BEFORE_REVEAL`]: while a user
//!   reads the first output, not while the next cell waits.
//!
//! Showing it means pointing the link at the real library and making evcxr's
//! rust-analyzer reload the crate, which it does when the crate's `Cargo.toml` changes: the
//! kernel adds an empty crate of its own as a dependency.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use evcxr::CommandContext;

use super::DeferredStd;
use super::startup::path_dependency_line;

/// How long no cell may have run or waited before the library is shown in the background.
pub const IDLE_BEFORE_REVEAL: Duration = Duration::from_millis(300);

/// The library still hidden from rust-analyzer, and whether cells are active.
pub struct StdReveal {
    /// The link, until the library is shown.
    hidden: Mutex<Option<DeferredStd>>,
    /// Whether type inference has yet to run once with the library (see [`Self::warm_up`]).
    cold: AtomicBool,
    /// Whether an idle step is running (and holds the interpreter).
    busy: AtomicBool,
    /// Cells running or waiting to run.
    active_cells: AtomicUsize,
    /// When the last cell finished.
    last_cell: Mutex<Instant>,
}

/// Marks a cell as active until dropped.
pub struct ActiveCell<'a>(&'a StdReveal);

impl Drop for ActiveCell<'_> {
    fn drop(&mut self) {
        if let Ok(mut last) = self.0.last_cell.lock() {
            *last = Instant::now();
        }
        self.0.active_cells.fetch_sub(1, Ordering::SeqCst);
    }
}

impl StdReveal {
    /// Nothing to reveal without a deferred library.
    pub fn new(deferred: Option<DeferredStd>) -> StdReveal {
        StdReveal {
            cold: AtomicBool::new(deferred.is_some()),
            busy: AtomicBool::new(false),
            hidden: Mutex::new(deferred),
            active_cells: AtomicUsize::new(0),
            last_cell: Mutex::new(Instant::now()),
        }
    }

    /// Whether the library is still hidden.
    pub fn is_hidden(&self) -> bool {
        self.hidden.lock().map(|h| h.is_some()).unwrap_or(false)
    }

    /// Whether there is work left for an idle moment: showing the library, or a first
    /// type inference with it.
    pub fn has_idle_work(&self) -> bool {
        self.is_hidden() || self.cold.load(Ordering::SeqCst)
    }

    /// Does the next step of the idle work, if any: shows the library, or else runs a
    /// first type inference with it. Each step holds the interpreter for seconds, so they
    /// go one at a time, each when the kernel is idle.
    pub fn idle_step(&self, context: &mut CommandContext) {
        self.busy.store(true, Ordering::SeqCst);
        if self.is_hidden() {
            self.reveal(context);
        } else {
            self.warm_up(context);
        }
        self.busy.store(false, Ordering::SeqCst);
    }

    /// Whether an idle step holds the interpreter now.
    pub fn is_busy(&self) -> bool {
        self.busy.load(Ordering::SeqCst)
    }

    /// Notes that a cell needing types ran: its own inference warmed rust-analyzer up.
    pub fn inferred(&self) {
        if !self.is_hidden() {
            self.cold.store(false, Ordering::SeqCst);
        }
    }

    /// Asks rust-analyzer for the methods of a new variable: the type inference and method
    /// lookup that the first cell with a `let` would otherwise wait for (measured on 2
    /// cores: 4 to 5 s, then under 1 s). A completion changes nothing in the session.
    fn warm_up(&self, context: &mut CommandContext) {
        const PROBE: &str = "let rhpc_probe = vec![String::new()];\nrhpc_probe.";
        if !self.cold.swap(false, Ordering::SeqCst) {
            return;
        }
        let began = Instant::now();
        match context.completions(PROBE, PROBE.len()) {
            Ok(_) => log::info!(
                "types inferred once in {:.2} s",
                began.elapsed().as_secs_f64()
            ),
            Err(error) => log::debug!("rust-analyzer warm-up failed: {error}"),
        }
    }

    /// Counts a cell as active (running, or waiting for the interpreter) while the guard
    /// lives.
    pub fn cell(&self) -> ActiveCell<'_> {
        self.active_cells.fetch_add(1, Ordering::SeqCst);
        ActiveCell(self)
    }

    /// Whether no cell has run or waited for [`IDLE_BEFORE_REVEAL`].
    pub fn is_idle(&self) -> bool {
        self.active_cells.load(Ordering::SeqCst) == 0
            && self
                .last_cell
                .lock()
                .map(|last| last.elapsed() >= IDLE_BEFORE_REVEAL)
                .unwrap_or(true)
    }

    /// Shows rust-analyzer the library, if it is still hidden. `context` is the locked
    /// interpreter; this runs a cell of its own (an added dependency), so call it between
    /// cells.
    pub fn reveal(&self, context: &mut CommandContext) {
        let Some(deferred) = self.hidden.lock().ok().and_then(|mut h| h.take()) else {
            return;
        };
        let began = Instant::now();
        let shown = deferred
            .reveal()
            .map_err(|error| format!("the link to it could not be changed: {error}"))
            .and_then(|()| reload_analysis(context, deferred.folder()));
        match shown {
            Ok(()) => log::info!(
                "standard library analysed in {:.2} s",
                began.elapsed().as_secs_f64()
            ),
            Err(error) => log::warn!(
                "rust-analyzer was not shown the standard library ({error}): variable types \
                 may not be inferred"
            ),
        }
    }
}

/// What a cell shows while it waits for the library to be read (cleared when it starts).
pub const PROGRESS: &str = "Preparing type inference: rust-analyzer is reading the standard \
                            library (once per session)…";

/// Whether `code` may declare a variable whose type evcxr asks rust-analyzer for: it has
/// `let` as a word anywhere (in a nested block, a comment or a string too: showing the
/// library early costs a few seconds once, never a wrong result).
pub fn may_declare_variables(code: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices("let").any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + "let".len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// Makes rust-analyzer load the crate again, which it does when the crate's `Cargo.toml`
/// changes: adds an empty crate of the kernel's own as a dependency, kept under `folder`
/// (the deferred library's own).
fn reload_analysis(context: &mut CommandContext, folder: &Path) -> Result<(), String> {
    let probe = folder.join("reload");
    std::fs::create_dir_all(&probe)
        .and_then(|()| {
            write_if_changed(
                &probe.join("Cargo.toml"),
                "[package]\nname = \"rhpc_analysis_reload\"\nversion = \"0.0.0\"\n\
                 edition = \"2021\"\n\n[lib]\npath = \"lib.rs\"\n",
            )
        })
        .and_then(|()| write_if_changed(&probe.join("lib.rs"), ""))
        .map_err(|error| error.to_string())?;
    let line = path_dependency_line("rhpc_analysis_reload", &probe, &[]);
    context
        .execute(&line)
        .map(drop)
        .map_err(|error| error.to_string())
}

/// Writes `contents` to `path` unless it holds them already: cargo would rebuild the crate
/// in every session if its files were newer each time.
fn write_if_changed(path: &Path, contents: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|current| current == contents) {
        return Ok(());
    }
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_with_let_may_declare_variables() {
        assert!(may_declare_variables("let x = 1;"));
        assert!(may_declare_variables(
            "use rhpc::prelude::*;\nlet (a, b) = (1, 2);"
        ));
        assert!(may_declare_variables("fn f() { let y = 2; }"));
        assert!(may_declare_variables("if let Some(x) = y {}"));
        assert!(!may_declare_variables("use rhpc::prelude::*;"));
        assert!(!may_declare_variables(
            "fn letter(outlet: u8) -> u8 { outlet }"
        ));
        assert!(!may_declare_variables("delete(); let_it_be()"));
        assert!(!may_declare_variables("1 + 1"));
    }

    #[test]
    fn unchanged_files_are_not_rewritten() {
        let dir = std::env::temp_dir().join(format!("rhpc-std-reveal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("lib.rs");
        write_if_changed(&file, "").unwrap();
        let written = std::fs::metadata(&file).unwrap().modified().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        write_if_changed(&file, "").unwrap();
        assert_eq!(
            std::fs::metadata(&file).unwrap().modified().unwrap(),
            written
        );
        write_if_changed(&file, "pub fn f() {}").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "pub fn f() {}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn activity_keeps_the_kernel_from_being_idle() {
        let reveal = StdReveal::new(None);
        assert!(!reveal.is_hidden());
        let cell = reveal.cell();
        assert!(!reveal.is_idle());
        drop(cell);
        // Just finished: idle only after the quiet period.
        assert!(!reveal.is_idle());
        std::thread::sleep(IDLE_BEFORE_REVEAL);
        assert!(reveal.is_idle());
    }
}
