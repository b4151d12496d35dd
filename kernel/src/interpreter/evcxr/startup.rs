//! Starting evcxr in the background, with rhpc ready before the first cell.
//!
//! Start-up runs on its own thread: evcxr spawns the cell process and compiles a first
//! snippet, the kernel's [bootstrap](super::bootstrap) cell installs its panic hook, and
//! `rhpc` is added as a dependency so `use rhpc::prelude::*;` works in the first cell; the
//! thread then stays to show rust-analyzer the standard library once the kernel is idle
//! ([`super::std_reveal`]). The kernel answers `kernel_info` meanwhile; a cell that arrives
//! early waits here, and after a second it shows what is happening (the first build of rhpc
//! in a new environment takes a minute or two) instead of sitting silent.

use std::path::PathBuf;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use evcxr::CommandContext;
use serde_json::json;

use super::Shared;
use super::bootstrap;
use super::output::OutputRouter;
use crate::interpreter::{CellError, CellIo, DisplayEvent, MimeBundle};

/// What the interpreter starts with.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Path of the rhpc crate to add to every session (`None`: no rhpc).
    pub runtime: Option<PathBuf>,
    /// evcxr's build directory, to count compiled crates while showing progress.
    pub build_dir: Option<PathBuf>,
    /// The standard library's source, hidden from rust-analyzer until a cell needs it.
    pub deferred_std: Option<super::DeferredStd>,
}

/// Where start-up is.
enum Phase {
    Starting(&'static str),
    Ready,
    Failed(String),
}

/// Start-up progress, shared with cells that wait for it.
pub struct Startup {
    phase: Mutex<Phase>,
    changed: Condvar,
    began: Instant,
    /// Problems to report in the first cell (start-up has no cell of its own).
    notices: Mutex<Vec<String>>,
    build_dir: Option<PathBuf>,
}

impl Startup {
    /// Start-up state, beginning now.
    pub fn new(build_dir: Option<PathBuf>) -> Startup {
        Startup {
            phase: Mutex::new(Phase::Starting("starting the Rust compiler")),
            changed: Condvar::new(),
            began: Instant::now(),
            notices: Mutex::new(Vec::new()),
            build_dir,
        }
    }

    fn set(&self, phase: Phase) {
        if let Ok(mut current) = self.phase.lock() {
            *current = phase;
        }
        self.changed.notify_all();
    }

    fn notice(&self, text: String) {
        log::warn!("{text}");
        if let Ok(mut notices) = self.notices.lock() {
            notices.push(text);
        }
    }

    /// Problems found during start-up, reported once.
    pub fn take_notices(&self) -> Vec<String> {
        self.notices
            .lock()
            .map(|mut notices| std::mem::take(&mut *notices))
            .unwrap_or_default()
    }

    /// Blocks until start-up is over, showing live progress in `io` after a second.
    pub fn wait_ready(&self, io: &dyn CellIo) -> Result<(), CellError> {
        let poisoned = || CellError::new("KernelError", "the interpreter's state is poisoned");
        let waiting_since = Instant::now();
        let display_id = format!("rhpc-startup-{}", std::process::id());
        let mut shown = false;
        let mut phase = self.phase.lock().map_err(|_| poisoned())?;
        loop {
            match &*phase {
                Phase::Ready => break,
                Phase::Failed(message) => {
                    return Err(CellError::new(
                        "KernelStartupError",
                        format!("the Rust interpreter could not start: {message}"),
                    ));
                }
                Phase::Starting(what) => {
                    if waiting_since.elapsed() >= Duration::from_secs(1) {
                        let text = self.progress_text(what);
                        io.display(progress_event(text, &display_id, shown));
                        shown = true;
                    }
                }
            }
            phase = self
                .changed
                .wait_timeout(phase, Duration::from_secs(1))
                .map_err(|_| poisoned())?
                .0;
        }
        if shown {
            let text = format!(
                "Rust session ready after {:.0} s.",
                self.began.elapsed().as_secs_f64()
            );
            io.display(progress_event(text, &display_id, true));
        }
        Ok(())
    }

    fn progress_text(&self, what: &str) -> String {
        let mut text = format!(
            "Preparing the Rust session: {what} ({:.0} s",
            self.began.elapsed().as_secs_f64()
        );
        if let Some(crates) = self.build_dir.as_deref().map(count_built_crates) {
            text.push_str(&format!(", {crates} crates built"));
        }
        text.push_str(")…");
        text
    }
}

/// A plain-text progress display under `display_id`: shown, or (`update`) replacing what was
/// shown under it.
pub(super) fn progress_event(text: String, display_id: &str, update: bool) -> DisplayEvent {
    let mut data = MimeBundle::new();
    data.insert("text/plain".into(), json!(text));
    if update {
        DisplayEvent::Update {
            data,
            metadata: Default::default(),
            display_id: display_id.to_owned(),
        }
    } else {
        DisplayEvent::Show {
            data,
            metadata: Default::default(),
            display_id: Some(display_id.to_owned()),
        }
    }
}

/// Compiled libraries under evcxr's build directory (`target/<triple>/debug/deps`).
fn count_built_crates(build_dir: &std::path::Path) -> usize {
    let Ok(targets) = std::fs::read_dir(build_dir.join("target")) else {
        return 0;
    };
    targets
        .flatten()
        .filter_map(|target| std::fs::read_dir(target.path().join("debug").join("deps")).ok())
        .flat_map(|deps| deps.flatten())
        .filter(|file| {
            let name = file.file_name();
            let name = name.to_string_lossy();
            name.ends_with(".rlib") || name.ends_with(".so")
        })
        .count()
}

/// Starts evcxr on a thread of its own; progress and the outcome land in `shared.startup`.
pub fn spawn(shared: std::sync::Arc<Shared>, options: StartOptions) {
    let starting = std::sync::Arc::clone(&shared);
    let spawned = std::thread::Builder::new()
        .name("rhpc-evcxr-start".into())
        .spawn(move || match start(&starting, &options) {
            Ok(()) => {
                starting.startup.set(Phase::Ready);
                reveal_std_when_idle(&starting);
            }
            Err(message) => {
                log::error!("evcxr failed to start: {message}");
                starting.startup.set(Phase::Failed(message));
            }
        });
    if let Err(error) = spawned {
        shared
            .startup
            .set(Phase::Failed(format!("cannot start a thread: {error}")));
    }
}

fn start(shared: &Shared, options: &StartOptions) -> Result<(), String> {
    let began = Instant::now();
    let (mut context, outputs) = CommandContext::new().map_err(|e| e.to_string())?;
    log::info!("evcxr started in {:.2} s", began.elapsed().as_secs_f64());
    if let Ok(mut router) = shared.router.lock() {
        *router = Some(OutputRouter::start(outputs.stdout, outputs.stderr));
    }
    if let Ok(mut process) = shared.process.lock() {
        *process = Some(context.process_handle());
    }
    // The user's evcxr start-up configuration (init.evcxr, prelude.rs), as evcxr_jupyter does.
    if let Err(error) = context.execute(":load_config --quiet") {
        log::warn!("evcxr configuration not loaded: {error}");
    }
    if let Some(dependency) = options
        .runtime
        .as_deref()
        .and_then(|r| runtime_dependency(shared, r))
    {
        let built = options.build_dir.as_deref().map_or(0, count_built_crates);
        shared.startup.set(Phase::Starting(if built == 0 {
            "building rhpc and its dependencies (first time in this environment; later \
             sessions reuse the build)"
        } else {
            "adding rhpc"
        }));
        // One cell for both: every cell costs a cargo build.
        let cell = format!("{dependency}\n{}", bootstrap::source());
        match context.execute(&cell) {
            Ok(_) => mark_bootstrapped(shared),
            Err(error) => shared.startup.notice(format!(
                "rhpc is not available in this session, its build failed: {error}"
            )),
        }
    }
    ensure_bootstrapped(shared, &mut context);
    log::info!("session ready after {:.2} s", began.elapsed().as_secs_f64());
    if let Ok(mut slot) = shared.context.lock() {
        *slot = Some(context);
    }
    Ok(())
}

/// Shows rust-analyzer the standard library, then has it infer types once, each step when
/// no cell has run or waited for a moment (see [`super::std_reveal`]).
fn reveal_std_when_idle(shared: &Shared) {
    while shared.std_reveal.has_idle_work() {
        if shared.std_reveal.is_idle()
            && let Ok(mut guard) = shared.context.try_lock()
            && let Some(context) = guard.as_mut()
            // A cell that arrived meanwhile goes first.
            && shared.std_reveal.is_idle()
        {
            shared.std_reveal.idle_step(context);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The `:dep` line that adds rhpc to every cell, if its crate is there.
fn runtime_dependency(shared: &Shared, runtime: &std::path::Path) -> Option<String> {
    if !runtime.join("Cargo.toml").is_file() {
        shared.startup.notice(format!(
            "rhpc is not available in this session: no crate at {} (set RHPC_RUNTIME_PATH)",
            runtime.display()
        ));
        return None;
    }
    Some(dependency_line(runtime, &[]))
}

/// evcxr's `:dep` line for the rhpc crate at `runtime`, with cargo `features`.
pub fn dependency_line(runtime: &std::path::Path, features: &[&str]) -> String {
    path_dependency_line("rhpc", runtime, features)
}

/// evcxr's `:dep` line for crate `name` at `path`, with cargo `features`.
pub(super) fn path_dependency_line(
    name: &str,
    path: &std::path::Path,
    features: &[&str],
) -> String {
    let quote = |text: &str| format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""));
    let path = quote(&path.to_string_lossy());
    if features.is_empty() {
        return format!(":dep {name} = {{ path = {path} }}");
    }
    let features: Vec<String> = features.iter().map(|f| quote(f)).collect();
    format!(
        ":dep {name} = {{ path = {path}, features = [{}] }}",
        features.join(", ")
    )
}

fn mark_bootstrapped(shared: &Shared) {
    if let Ok(mut bootstrapped) = shared.bootstrapped_pid.lock() {
        *bootstrapped = process_id(shared);
    }
}

fn process_id(shared: &Shared) -> Option<u32> {
    let process = shared.process.lock().ok()?.clone()?;
    let child = process.lock().ok()?;
    Some(child.id())
}

/// Runs the bootstrap cell in a new cell process (first start, or after a restart).
pub fn ensure_bootstrapped(shared: &Shared, context: &mut CommandContext) {
    let pid = process_id(shared);
    let Ok(mut bootstrapped) = shared.bootstrapped_pid.lock() else {
        return;
    };
    if *bootstrapped == pid {
        return;
    }
    match context.execute(&bootstrap::source()) {
        Ok(_) => *bootstrapped = pid,
        Err(error) => log::error!("the panic hook could not be installed: {error}"),
    }
}
