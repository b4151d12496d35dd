//! The Rust interpreter: cells compiled and run by evcxr.
//!
//! The only module that uses evcxr. Its pieces:
//!
//! - [`startup`]: evcxr starts in the background with rhpc added, so `kernel_info` is answered
//!   at once and early cells wait with visible progress;
//! - [`output`]: the cell's stdout and stderr, live, with display records and panic reports;
//! - [`outcome`]: what a cell's result was (value, compile error, panic, crash, interrupt);
//! - [`magics`]: the kernel's own commands (`:help`, `:time`, `:timeit`, `:threads`), in
//!   front of evcxr's, with [`generated`] cells for those that call rhpc;
//! - [`interrupt`], [`analysis`] (completion, hover), [`snapshot`] (answers while busy),
//!   [`errors`] (rustc-style compile errors), [`language`], [`bootstrap`];
//! - [`deferred_std`] and [`std_reveal`]: rust-analyzer analyses the standard library once
//!   per session, after the session has started and before anything needs it.

mod analysis;
mod bootstrap;
mod deferred_std;
mod errors;
mod generated;
mod interrupt;
mod language;
mod magics;
mod outcome;
mod output;
mod snapshot;
mod startup;
mod std_reveal;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use evcxr::{CommandContext, EvalCallbacks};

pub use deferred_std::DeferredStd;
pub use startup::StartOptions;

use super::{
    CellError, CellIo, Completions, DisplayEvent, InputError, Interpreter, LanguageInfo,
    MimeBundle, StreamName,
};
use crate::cell_process::{INPUT_DENIED, INPUT_INTERRUPTED, decode_prompt};
use outcome::CellFlags;
use output::{CellReport, OutputRouter};
use snapshot::Snapshot;

/// Hands control to evcxr when this process was started as one of its helpers (its rustc
/// wrapper). Call first thing in `main`, after [`crate::cell_process::run_if_cell_process`].
pub fn run_if_evcxr_helper() {
    evcxr::runtime_hook();
}

/// State shared by the interpreter, its start-up thread and interrupt watchdogs.
struct Shared {
    context: Mutex<Option<CommandContext>>,
    startup: startup::Startup,
    router: Mutex<Option<OutputRouter>>,
    /// The cell process (evcxr keeps this handle valid across restarts).
    process: Mutex<Option<Arc<Mutex<std::process::Child>>>>,
    /// pid of the cell process that ran the bootstrap.
    bootstrapped_pid: Mutex<Option<u32>>,
    snapshot: RwLock<Snapshot>,
    /// Numbers cells; `running_cell` holds the running one's number, 0 when idle.
    cell_counter: AtomicU64,
    running_cell: AtomicU64,
    flags: RwLock<Arc<CellFlags>>,
    /// The standard library, hidden from rust-analyzer until something needs it.
    std_reveal: std_reveal::StdReveal,
}

/// Rust cells through evcxr.
pub struct EvcxrInterpreter {
    shared: Arc<Shared>,
    language: LanguageInfo,
    /// The rhpc crate the session was started with.
    runtime: Option<std::path::PathBuf>,
}

impl EvcxrInterpreter {
    /// Starts evcxr in the background and returns at once.
    pub fn start(options: StartOptions) -> EvcxrInterpreter {
        let shared = Arc::new(Shared {
            context: Mutex::new(None),
            startup: startup::Startup::new(options.build_dir.clone()),
            router: Mutex::new(None),
            process: Mutex::new(None),
            bootstrapped_pid: Mutex::new(None),
            snapshot: RwLock::new(Snapshot::default()),
            cell_counter: AtomicU64::new(0),
            running_cell: AtomicU64::new(0),
            flags: RwLock::new(Arc::new(CellFlags::default())),
            std_reveal: std_reveal::StdReveal::new(options.deferred_std.clone()),
        });
        let runtime = options.runtime.clone();
        startup::spawn(Arc::clone(&shared), options);
        EvcxrInterpreter {
            shared,
            language: language::language_info(),
            runtime,
        }
    }

    /// Runs a cell, handling the kernel's own commands first.
    fn run(&self, code: &str, io: Arc<dyn CellIo>) -> Result<Option<MimeBundle>, CellError> {
        match magics::parse(code) {
            Some(magics::Magic::Help) => {
                let evcxr_help = self
                    .run_cell(":help", Arc::new(Discard))
                    .map(|(value, _)| value);
                Ok(Some(magics::help_bundle(evcxr_help.ok().flatten())))
            }
            Some(magics::Magic::Time { code }) => {
                let (value, report) = self.run_cell(code, Arc::clone(&io))?;
                magics::report_time(&io, report.timing);
                Ok(value)
            }
            Some(magics::Magic::Timeit {
                loops,
                repeat,
                code,
            }) => self
                .run_cell(&generated::timeit(loops, repeat, code), io)
                .map(|(value, _)| value),
            Some(magics::Magic::Threads { threads }) => {
                let value = self
                    .run_cell(&generated::threads(threads), Arc::clone(&io))?
                    .0;
                // Cell processes started later (after a restart) size rayon's pool from this.
                let _ = self.run_cell(
                    &format!(":env RAYON_NUM_THREADS={threads}"),
                    Arc::new(Discard),
                );
                Ok(value)
            }
            Some(magics::Magic::Malformed { usage }) => {
                Err(CellError::new("UsageError", format!("usage: {usage}")))
            }
            Some(magics::Magic::RhpcFeatures { features }) => {
                self.switch_rhpc_features(&features, &io)?;
                Ok(None)
            }
            None => self.run_cell(code, io).map(|(value, _)| value),
        }
    }

    /// Rebuilds the session's rhpc with cargo `features`. A cell process that has loaded one
    /// build of rhpc's shared library cannot load another, and every earlier cell's library
    /// links the old one, so the session starts over (evcxr's `:clear`: a new cell process,
    /// no variables, definitions or `:dep`s) with rhpc's new build; compiled crates are kept.
    fn switch_rhpc_features(
        &self,
        features: &[&str],
        io: &Arc<dyn CellIo>,
    ) -> Result<(), CellError> {
        let runtime = self
            .runtime
            .as_deref()
            .ok_or_else(|| CellError::new("RhpcUnavailable", "this session has no rhpc crate"))?;
        let lost = read_snapshot(&self.shared).variable_names();
        self.run_cell(":clear", Arc::new(Discard))?;
        self.run_cell(&startup::dependency_line(runtime, features), Arc::clone(io))?;
        let lost = outcome::lost_note(&lost);
        io.stream(
            StreamName::Stdout,
            &format!(
                "rhpc rebuilt with features [{}]; the session started over to load it \
                 (definitions and :dep crates too){lost}\n",
                features.join(", ")
            ),
        );
        Ok(())
    }

    /// Runs code through evcxr; returns its value and what the cell process reported.
    fn run_cell(
        &self,
        code: &str,
        io: Arc<dyn CellIo>,
    ) -> Result<(Option<MimeBundle>, CellReport), CellError> {
        let shared = &self.shared;
        let _active = shared.std_reveal.cell();
        shared.startup.wait_ready(&*io)?;
        for notice in shared.startup.take_notices() {
            io.stream(StreamName::Stderr, &format!("{notice}\n"));
        }
        let mut guard = lock_context(shared, &*io)?;
        let context = guard
            .as_mut()
            .ok_or_else(|| CellError::new("KernelError", "the interpreter is not running"))?;
        startup::ensure_bootstrapped(shared, context);
        let declares = std_reveal::may_declare_variables(code);
        if declares && shared.std_reveal.is_hidden() {
            io.display(analysis_progress());
            shared.std_reveal.reveal(context);
            io.display(DisplayEvent::Clear { wait: false });
        }

        let variables_before = read_snapshot(shared).variable_names();
        let flags = Arc::new(CellFlags::default());
        if let Ok(mut current) = shared.flags.write() {
            *current = Arc::clone(&flags);
        }
        with_router(shared, |router| router.begin_cell(Arc::clone(&io)));
        let cell = shared.cell_counter.fetch_add(1, Ordering::SeqCst) + 1;
        shared.running_cell.store(cell, Ordering::SeqCst);

        let result = context.execute_with_callbacks(
            code,
            &mut EvalCallbacks {
                input_reader: &|request| {
                    read_input(&*io, &flags, &request.prompt, request.is_password)
                },
            },
        );

        shared.running_cell.store(0, Ordering::SeqCst);
        let report = with_router(shared, OutputRouter::finish_cell).unwrap_or_default();
        update_snapshot(shared, context);
        if declares {
            shared.std_reveal.inferred();
        }
        let value = outcome::classify(result, &report, &flags, code, &variables_before)?;
        Ok((value, report))
    }
}

/// Locks the interpreter for a cell. While the background reading of the standard library
/// holds it, the cell says so after a second, and clears that once it starts.
fn lock_context<'a>(
    shared: &'a Shared,
    io: &dyn CellIo,
) -> Result<std::sync::MutexGuard<'a, Option<CommandContext>>, CellError> {
    use std::sync::TryLockError;
    let poisoned = || CellError::new("KernelError", "the interpreter's state is poisoned");
    let waiting_since = std::time::Instant::now();
    let mut shown = false;
    loop {
        match shared.context.try_lock() {
            Ok(guard) => {
                if shown {
                    io.display(DisplayEvent::Clear { wait: false });
                }
                return Ok(guard);
            }
            Err(TryLockError::Poisoned(_)) => return Err(poisoned()),
            // Held by something other than the background work: wait as long as it takes.
            Err(TryLockError::WouldBlock) if !shared.std_reveal.is_busy() && !shown => {
                return shared.context.lock().map_err(|_| poisoned());
            }
            Err(TryLockError::WouldBlock) => {
                if !shown && waiting_since.elapsed() >= std::time::Duration::from_secs(1) {
                    io.display(analysis_progress());
                    shown = true;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
    }
}

/// The kernel's note that a cell waits for rust-analyzer, under a display id of its own
/// (`rhpc-analysis-…`) by which clients can tell it from the cell's output.
fn analysis_progress() -> DisplayEvent {
    let display_id = format!("rhpc-analysis-{}", std::process::id());
    startup::progress_event(std_reveal::PROGRESS.to_owned(), &display_id, false)
}

fn with_router<T>(shared: &Shared, work: impl FnOnce(&OutputRouter) -> T) -> Option<T> {
    shared.router.lock().ok()?.as_ref().map(work)
}

fn read_snapshot(shared: &Shared) -> Snapshot {
    shared
        .snapshot
        .read()
        .map(|s| s.clone())
        .unwrap_or_default()
}

fn update_snapshot(shared: &Shared, context: &CommandContext) {
    let snapshot = Snapshot {
        variables: context
            .variables_and_types()
            .map(|(name, ty)| (name.to_owned(), ty.to_owned()))
            .collect(),
        items: context.defined_item_names().map(str::to_owned).collect(),
    };
    if let Ok(mut slot) = shared.snapshot.write() {
        *slot = snapshot;
    }
}

fn read_input(io: &dyn CellIo, flags: &CellFlags, prompt: &str, password: bool) -> String {
    let prompt = decode_prompt(prompt);
    match io.input(&prompt, password) {
        Ok(line) => line,
        Err(InputError::NotAllowed) => {
            flags.stdin_denied.store(true, Ordering::SeqCst);
            INPUT_DENIED.to_owned()
        }
        Err(InputError::Interrupted) => INPUT_INTERRUPTED.to_owned(),
        Err(error @ InputError::Failed(_)) => {
            io.stream(StreamName::Stderr, &format!("{error}\n"));
            INPUT_DENIED.to_owned()
        }
    }
}

/// Discards output (user expressions run as cells of their own).
struct Discard;

impl CellIo for Discard {
    fn stream(&self, _: StreamName, _: &str) {}
    fn display(&self, _: DisplayEvent) {}
    fn input(&self, _: &str, _: bool) -> Result<String, InputError> {
        Err(InputError::NotAllowed)
    }
}

impl Interpreter for EvcxrInterpreter {
    fn language_info(&self) -> LanguageInfo {
        self.language.clone()
    }

    fn execute(&self, code: &str, io: Arc<dyn CellIo>) -> Result<Option<MimeBundle>, CellError> {
        self.run(code, io)
    }

    fn evaluate(&self, expression: &str) -> Result<MimeBundle, CellError> {
        self.run_cell(expression, Arc::new(Discard))
            .map(|(value, _)| value.unwrap_or_default())
    }

    fn complete(&self, code: &str, cursor: usize) -> Completions {
        if let Ok(mut guard) = self.shared.context.try_lock()
            && let Some(context) = guard.as_mut()
        {
            self.shared.std_reveal.reveal(context);
            match context.completions(code, cursor) {
                Ok(found) => return analysis::completions(code, found),
                Err(error) => log::debug!("evcxr completion failed: {error}"),
            }
        }
        read_snapshot(&self.shared).complete(code, cursor)
    }

    fn inspect(&self, code: &str, cursor: usize, _detail_level: u8) -> Option<MimeBundle> {
        if let Ok(mut guard) = self.shared.context.try_lock()
            && let Some(context) = guard.as_mut()
        {
            self.shared.std_reveal.reveal(context);
            match context.hover_at(code, snapshot::end_of_word(code, cursor)) {
                Ok((plain, html)) => {
                    if let Some(bundle) = analysis::hover_bundle(plain, html) {
                        return Some(bundle);
                    }
                }
                Err(error) => log::debug!("evcxr hover failed: {error}"),
            }
        }
        read_snapshot(&self.shared).inspect(code, cursor)
    }

    fn interrupt(&self) {
        interrupt::interrupt(&self.shared);
    }

    fn shutdown(&self) {
        let process = self.shared.process.lock().ok().and_then(|p| p.clone());
        if let Some(process) = process
            && let Ok(mut child) = process.lock()
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
