//! The rustc wrapper: cargo runs this binary as `RUSTC_WRAPPER`, for every crate it builds.
//!
//! Dependencies go straight to rustc (the process becomes rustc: `exec`). A cell's crate is
//! looked up by its [key](super::invocation::key): on a hit nothing is compiled, the
//! wrapper writes what the earlier compilation wrote (dep-info, and a
//! [redirect](super::redirect) where the library goes) and replays what rustc printed, which
//! cargo reads for diagnostics and artifacts; on a miss rustc runs, and a successful result is
//! stored. Storing is best effort: a cache that cannot be written costs reuse, never a build.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Deserialize;

use super::invocation::{CellCompile, Invocation, key};
use super::redirect::Redirect;
use super::rustc_command;
use super::store::{Entry, Input, Outcome, Store, dep_info_inputs};

/// Runs as the wrapper with the cache in `root`; never returns.
pub fn run(root: &Path) -> ! {
    let Some(invocation) = Invocation::from_env() else {
        eprintln!("rhpc-kernel: as a rustc wrapper, expected `rhpc-kernel rustc [args]`");
        std::process::exit(2);
    };
    let Some(cell) = invocation.cell() else {
        let error = rustc_command(&invocation.rustc)
            .args(&invocation.args)
            .exec();
        eprintln!("rhpc-kernel: cannot run {:?}: {error}", invocation.rustc);
        std::process::exit(1);
    };
    let store = Store::new(root);
    let key = key(&invocation, &cell, std::env::vars_os());
    if let Some(entry) = store.find(&key)
        && let Ok(code) = replay(&store, &key, &entry)
    {
        log_event(root, &format!("hit {key} {} exit {code}", cell.symbol));
        std::process::exit(code);
    }
    let code = compile(&invocation, &cell, &store, &key);
    log_event(root, &format!("miss {key} {} exit {code}", cell.symbol));
    std::process::exit(code)
}

/// Appends `line` to `wrapper.log` in the cache folder, where the kernel's log level is
/// `debug` (`RHPC_LOG=debug`): which cells were reused, which compiled.
fn log_event(root: &Path, line: &str) {
    if std::env::var("RHPC_LOG").is_ok_and(|level| level.contains("debug")) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("wrapper.log"));
        if let Ok(mut log) = log {
            let _ = writeln!(log, "{line}");
        }
    }
}

/// Writes what the compilation stored in `entry` wrote, with a redirect for its library,
/// and prints what it printed; returns its exit code.
fn replay(store: &Store, key: &str, entry: &Entry) -> std::io::Result<i32> {
    if let Some((path, text)) = &entry.dep_info {
        std::fs::write(path, text)?;
    }
    let code = match &entry.outcome {
        Outcome::Library { symbol, output } => {
            Redirect {
                library: store.library(key),
                symbol: symbol.clone(),
                compile_seconds: entry.compile_seconds,
            }
            .write(output)?;
            0
        }
        Outcome::Failed { code } => *code,
    };
    std::io::stdout().write_all(entry.stdout.as_bytes())?;
    std::io::stderr().write_all(entry.stderr.as_bytes())?;
    Ok(code)
}

/// Compiles the cell with rustc, passing on what it prints, and stores the outcome where it
/// can be replayed (see `entry_for`). Returns rustc's exit code.
fn compile(invocation: &Invocation, cell: &CellCompile, store: &Store, key: &str) -> i32 {
    let started = Instant::now();
    let output = match rustc_command(&invocation.rustc)
        .args(&invocation.args)
        .output()
    {
        Ok(output) => output,
        Err(error) => {
            eprintln!("rhpc-kernel: cannot run {:?}: {error}", invocation.rustc);
            return 1;
        }
    };
    let compile_seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        log_event(store.root(), &String::from_utf8_lossy(&output.stderr));
    }
    let _ = std::io::stdout().write_all(&output.stdout);
    let _ = std::io::stderr().write_all(&output.stderr);
    let code = output.status.code().unwrap_or(1);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if let Some(entry) = entry_for(cell, code, stdout, stderr, compile_seconds) {
        // Best effort (see the module's documentation).
        let _ = store.insert(key, &entry);
    }
    code
}

/// rustc's notice that it wrote an output (`--json=artifacts`).
#[derive(Deserialize)]
struct Artifact {
    artifact: PathBuf,
    emit: String,
}

/// The entry for a compilation that ended with `code`; `None` when it cannot be replayed
/// faithfully: a library rustc did not say it wrote, or a failure without dep-info (rustc
/// writes it once macros are expanded, so a failure before that, a missing `include!`
/// file say, has inputs nobody knows and may not happen again).
fn entry_for(
    cell: &CellCompile,
    code: i32,
    stdout: String,
    stderr: String,
    compile_seconds: f64,
) -> Option<Entry> {
    let artifacts: Vec<Artifact> = stderr
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let dep_info = artifacts
        .iter()
        .find(|a| a.emit == "dep-info")
        .and_then(|a| {
            Some((
                a.artifact.clone(),
                std::fs::read_to_string(&a.artifact).ok()?,
            ))
        });
    let outcome = if code == 0 {
        let output = artifacts
            .iter()
            .find(|a| a.emit == "link" && a.artifact.extension().is_some_and(|e| e == "so"))?
            .artifact
            .clone();
        Outcome::Library {
            symbol: cell.symbol.clone(),
            output,
        }
    } else {
        dep_info.as_ref()?;
        Outcome::Failed { code }
    };
    let source = cell.source.canonicalize().ok();
    let inputs = dep_info
        .as_ref()
        .map(|(_, text)| dep_info_inputs(text))
        .unwrap_or_default()
        .into_iter()
        .filter(|path| path.canonicalize().ok() != source)
        .map(Input::now)
        .collect();
    Some(Entry {
        outcome,
        dep_info,
        stdout,
        stderr,
        inputs,
        compile_seconds,
    })
}
