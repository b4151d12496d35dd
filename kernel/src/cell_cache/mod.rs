//! Reusing compiled cells: a cell run again unchanged, in the same state, is not compiled
//! again.
//!
//! evcxr compiles every cell with cargo. The kernel makes this binary cargo's
//! `RUSTC_WRAPPER` ([`wrapper`]); for the cell's crate it looks the compilation up by a key
//! of everything the compiled code depends on ([`invocation`]): the generated source (the
//! cell, every earlier definition, the variables' types), rustc's arguments (optimisation
//! level, features, `:dep`s), the libraries linked and the environment. evcxr names each
//! run's entry point differently (`run_user_code_N`), so that name alone is left out of the
//! key. On a hit, the library is a [redirect](redirect) to the stored one, which the cell
//! process loads as a fresh copy: statics start over, exactly as after a compilation.
//!
//! Entries live in the session's build slot ([`crate::workspace`]), so a restarted kernel
//! reuses what the last session compiled too. `RHPC_REUSE_CELLS=0` in the kernel's
//! environment turns reuse off.

mod invocation;
pub mod redirect;
mod store;
mod wrapper;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The cache folder; set, it also tells this binary it runs as cargo's rustc wrapper.
const DIR_VAR: &str = "RHPC_CELL_CACHE_DIR";
/// A wrapper that was in place before ours (sccache, say), which ours runs rustc through.
const INNER_WRAPPER_VAR: &str = "RHPC_INNER_RUSTC_WRAPPER";
/// The user's switch: `0`, `off` or `false` turns reuse off.
const SWITCH_VAR: &str = "RHPC_REUSE_CELLS";

/// The subcommands and flags of the kernel's own command line, which are never rustc.
const KERNEL_ARGUMENTS: [&str; 8] = [
    "run",
    "install",
    "uninstall",
    "help",
    "-h",
    "--help",
    "-V",
    "--version",
];

/// If cargo started this process as its rustc wrapper, runs the wrapper; never returns then.
/// Call first thing in `main`, after [`crate::cell_process::run_if_cell_process`].
pub fn run_if_rustc_wrapper() {
    let Some(root) = std::env::var_os(DIR_VAR) else {
        return;
    };
    let first = std::env::args_os().nth(1);
    if first.is_some_and(|arg| !KERNEL_ARGUMENTS.iter().any(|known| arg == *known)) {
        wrapper::run(Path::new(&root));
    }
}

/// Makes cargo builds started by this process (evcxr's) go through the wrapper, with the
/// cache under `build_dir`, unless the user turned reuse off. Returns the cache folder.
///
/// # Safety
/// Changes the process environment: call before other threads exist.
pub unsafe fn enable(build_dir: &Path) -> Option<PathBuf> {
    let switch = std::env::var(SWITCH_VAR).unwrap_or_default();
    if matches!(switch.to_ascii_lowercase().as_str(), "0" | "off" | "false") {
        return None;
    }
    let executable = std::env::current_exe().ok()?;
    let root = build_dir.join("cell-cache");
    // SAFETY: the caller guarantees no other thread reads the environment meanwhile.
    unsafe {
        if let Some(inner) = std::env::var_os("RUSTC_WRAPPER").filter(|w| !w.is_empty()) {
            std::env::set_var(INNER_WRAPPER_VAR, inner);
        }
        std::env::set_var("RUSTC_WRAPPER", executable);
        std::env::set_var(DIR_VAR, &root);
    }
    Some(root)
}

/// Gives code in cells the environment the user had: a cell that runs cargo itself
/// (`std::process::Command`) must not build through the kernel's wrapper.
///
/// # Safety
/// Changes the process environment: call before other threads exist.
pub unsafe fn disable_in_this_process() {
    // SAFETY: the caller guarantees no other thread reads the environment meanwhile.
    unsafe {
        std::env::remove_var(DIR_VAR);
        match std::env::var_os(INNER_WRAPPER_VAR) {
            Some(inner) => std::env::set_var("RUSTC_WRAPPER", inner),
            None => std::env::remove_var("RUSTC_WRAPPER"),
        }
        std::env::remove_var(INNER_WRAPPER_VAR);
    }
}

/// The command that runs `rustc` for the wrapper: through the wrapper that was there before
/// ours, if any.
fn rustc_command(rustc: &OsString) -> std::process::Command {
    match std::env::var_os(INNER_WRAPPER_VAR) {
        Some(inner) => {
            let mut command = std::process::Command::new(inner);
            command.arg(rustc);
            command
        }
        None => std::process::Command::new(rustc),
    }
}
