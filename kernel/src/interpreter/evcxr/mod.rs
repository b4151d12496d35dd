//! The Rust interpreter: cells compiled and run by evcxr.
//!
//! The only module that uses evcxr. evcxr's context starts in the background (it spawns the
//! cell process and compiles a first snippet, a few seconds), so the kernel answers
//! `kernel_info` at once and queues cells until it is ready.
//!
//! A cell's outcome is classified from several sources: evcxr's result (compile errors, a
//! dead cell process), the [output router](output) (a panic that ended the cell), the
//! interrupt state, and whether the cell was refused standard input.

mod bootstrap;
mod errors;
mod output;
mod snapshot;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::Duration;

use evcxr::{CommandContext, EvalCallbacks, EvalOutputs};
use serde_json::{Value, json};

use super::{
    CellError, CellIo, Completions, DisplayEvent, InputError, Interpreter, LanguageInfo,
    MimeBundle, StreamName,
};
use crate::cell_process::{INPUT_DENIED, INPUT_INTERRUPTED, decode_prompt};
use output::{OutputRouter, PanicReport};
use snapshot::Snapshot;

/// Hands control to evcxr when this process was started as one of its helpers (its rustc
/// wrapper). Call first thing in `main`, after [`crate::cell_process::run_if_cell_process`].
pub fn run_if_evcxr_helper() {
    evcxr::runtime_hook();
}

/// How long a cell may keep running after an interrupt before its process is restarted.
fn interrupt_grace() -> Duration {
    std::env::var("RHPC_INTERRUPT_GRACE_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_millis(500), Duration::from_millis)
}

enum Startup {
    Starting,
    Ready,
    Failed(String),
}

/// Per-cell flags set from other threads while the cell runs.
#[derive(Default)]
struct CellFlags {
    interrupted: AtomicBool,
    stdin_denied: AtomicBool,
}

struct Shared {
    context: Mutex<Option<CommandContext>>,
    startup: Mutex<Startup>,
    started: Condvar,
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
}

/// Rust cells through evcxr.
pub struct EvcxrInterpreter {
    shared: Arc<Shared>,
    language: LanguageInfo,
}

impl EvcxrInterpreter {
    /// Starts evcxr in the background and returns at once.
    pub fn start() -> EvcxrInterpreter {
        let shared = Arc::new(Shared {
            context: Mutex::new(None),
            startup: Mutex::new(Startup::Starting),
            started: Condvar::new(),
            router: Mutex::new(None),
            process: Mutex::new(None),
            bootstrapped_pid: Mutex::new(None),
            snapshot: RwLock::new(Snapshot::default()),
            cell_counter: AtomicU64::new(0),
            running_cell: AtomicU64::new(0),
            flags: RwLock::new(Arc::new(CellFlags::default())),
        });
        let starting = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("rhpc-evcxr-start".into())
            .spawn(move || {
                let outcome = start_context(&starting);
                if let Ok(mut startup) = starting.startup.lock() {
                    *startup = match outcome {
                        Ok(()) => Startup::Ready,
                        Err(message) => {
                            log::error!("evcxr failed to start: {message}");
                            Startup::Failed(message)
                        }
                    };
                }
                starting.started.notify_all();
            });
        if let Err(error) = spawned
            && let Ok(mut startup) = shared.startup.lock()
        {
            *startup = Startup::Failed(format!("cannot start a thread: {error}"));
        }
        EvcxrInterpreter {
            shared,
            language: language_info(),
        }
    }

    /// Blocks until evcxr is ready; the start-up error otherwise.
    fn wait_until_ready(&self) -> Result<(), CellError> {
        let mut startup =
            self.shared.startup.lock().map_err(|_| {
                CellError::new("KernelError", "the interpreter's state is poisoned")
            })?;
        loop {
            match &*startup {
                Startup::Ready => return Ok(()),
                Startup::Failed(message) => {
                    return Err(CellError::new(
                        "KernelStartupError",
                        format!("the Rust interpreter could not start: {message}"),
                    ));
                }
                Startup::Starting => {
                    startup = self.shared.started.wait(startup).map_err(|_| {
                        CellError::new("KernelError", "the interpreter's state is poisoned")
                    })?;
                }
            }
        }
    }

    fn run_cell(&self, code: &str, io: Arc<dyn CellIo>) -> Result<Option<MimeBundle>, CellError> {
        self.wait_until_ready()?;
        let shared = &self.shared;
        let mut guard = shared
            .context
            .lock()
            .map_err(|_| CellError::new("KernelError", "the interpreter's state is poisoned"))?;
        let context = guard
            .as_mut()
            .ok_or_else(|| CellError::new("KernelError", "the interpreter is not running"))?;
        ensure_bootstrapped(shared, context);

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
        let panic = with_router(shared, OutputRouter::finish_cell).flatten();
        update_snapshot(shared, context);
        classify(result, panic, &flags, code, &variables_before)
    }
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

fn start_context(shared: &Shared) -> Result<(), String> {
    let (mut context, outputs) = CommandContext::new().map_err(|e| e.to_string())?;
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
    ensure_bootstrapped(shared, &mut context);
    if let Ok(mut slot) = shared.context.lock() {
        *slot = Some(context);
    }
    Ok(())
}

fn process_id(shared: &Shared) -> Option<u32> {
    let process = shared.process.lock().ok()?.clone()?;
    let child = process.lock().ok()?;
    Some(child.id())
}

/// Runs the bootstrap cell in a new cell process (first start, or after a restart).
fn ensure_bootstrapped(shared: &Shared, context: &mut CommandContext) {
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

/// Turns evcxr's result and what the cell reported into the cell's outcome.
fn classify(
    result: Result<EvalOutputs, evcxr::Error>,
    panic: Option<PanicReport>,
    flags: &CellFlags,
    code: &str,
    variables_before: &[String],
) -> Result<Option<MimeBundle>, CellError> {
    let interrupted = flags.interrupted.load(Ordering::SeqCst);
    if let (Ok(_), Some(panic)) = (&result, panic) {
        return Err(panic_error(panic));
    }
    match result {
        Err(evcxr::Error::CompilationErrors(errors)) => Err(errors::compile_error(&errors, code)),
        Err(evcxr::Error::SubprocessTerminated(message)) => Err(if interrupted {
            interrupted_error(
                "the cell did not stop within the grace period, so its process was restarted",
                variables_before,
            )
        } else {
            crashed_error(&message, variables_before)
        }),
        Err(evcxr::Error::TypeRedefinedVariablesLost(lost)) => Err(CellError::new(
            "VariablesLost",
            format!(
                "a type was redefined, so these variables were lost: {}",
                lost.join(", ")
            ),
        )),
        Err(other) => Err(errors::other_error(&other)),
        Ok(_) if interrupted => Err(interrupted_error(
            "the cell stopped after an interrupt; variables are kept",
            &[],
        )),
        Ok(_) if flags.stdin_denied.load(Ordering::SeqCst) => Err(CellError::new(
            "StdinNotAvailable",
            InputError::NotAllowed.to_string(),
        )),
        Ok(outputs) => Ok(to_bundle(outputs)),
    }
}

fn panic_error(report: PanicReport) -> CellError {
    let mut traceback = vec![format!("\x1b[1;31mpanic\x1b[0m: {}", report.message)];
    // Locations inside the cell's generated crate mean nothing to the user.
    if let Some(location) = report.location.filter(|l| !l.starts_with("src/lib.rs")) {
        traceback.push(format!("  at {location}"));
    }
    traceback.push("Variables defined before this cell are kept.".into());
    CellError {
        ename: "panic".into(),
        evalue: report.message,
        traceback,
    }
}

fn lost_note(variables: &[String]) -> String {
    if variables.is_empty() {
        String::new()
    } else {
        format!("; variables lost: {}", variables.join(", "))
    }
}

fn interrupted_error(reason: &str, lost: &[String]) -> CellError {
    CellError::new("Interrupted", format!("{reason}{}", lost_note(lost)))
}

fn crashed_error(message: &str, lost: &[String]) -> CellError {
    let status = message
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or(message)
        .trim()
        .replace("Subprocess terminated with status: ", "");
    let mut error = CellError::new(
        "CellProcessDied",
        format!(
            "the cell's process died ({status}); it was restarted{}",
            lost_note(lost)
        ),
    );
    let details: Vec<String> = message
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    if details.len() > 1 {
        error.traceback.extend(details);
    }
    error
}

/// evcxr's MIME map as a Jupyter bundle (JSON types parsed); `None` for no value.
fn to_bundle(outputs: EvalOutputs) -> Option<MimeBundle> {
    let content: HashMap<String, String> = outputs.content_by_mime_type;
    // A cell ending in a unit expression (`println!(..)` without `;`) has no value to show.
    let unit = content.len() == 1 && content.get("text/plain").is_some_and(|t| t == "()");
    if content.is_empty() || unit {
        return None;
    }
    let mut bundle = MimeBundle::new();
    for (mime, text) in content {
        let value = if mime.ends_with("json") {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        } else {
            Value::String(text)
        };
        bundle.insert(mime, value);
    }
    Some(bundle)
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
        self.run_cell(code, io)
    }

    fn evaluate(&self, expression: &str) -> Result<MimeBundle, CellError> {
        self.run_cell(expression, Arc::new(Discard))
            .map(Option::unwrap_or_default)
    }

    fn complete(&self, code: &str, cursor: usize) -> Completions {
        if let Ok(mut guard) = self.shared.context.try_lock()
            && let Some(context) = guard.as_mut()
        {
            match context.completions(code, cursor) {
                Ok(found) => return completions(code, found),
                Err(error) => log::debug!("evcxr completion failed: {error}"),
            }
        }
        read_snapshot(&self.shared).complete(code, cursor)
    }

    fn inspect(&self, code: &str, cursor: usize, _detail_level: u8) -> Option<MimeBundle> {
        let end = snapshot::end_of_word(code, cursor);
        if let Ok(mut guard) = self.shared.context.try_lock()
            && let Some(context) = guard.as_mut()
        {
            match context.hover_at(code, end) {
                Ok((plain, html)) if plain != "No documentation found" && !plain.is_empty() => {
                    let mut bundle = MimeBundle::new();
                    bundle.insert("text/markdown".into(), json!(hover_markdown(&plain)));
                    bundle.insert("text/html".into(), json!(html));
                    bundle.insert("text/plain".into(), json!(plain));
                    return Some(bundle);
                }
                Ok(_) => {}
                Err(error) => log::debug!("evcxr hover failed: {error}"),
            }
        }
        read_snapshot(&self.shared).inspect(code, cursor)
    }

    fn interrupt(&self) {
        let shared = &self.shared;
        let cell = shared.running_cell.load(Ordering::SeqCst);
        if cell == 0 {
            return;
        }
        if let Ok(flags) = shared.flags.read() {
            flags.interrupted.store(true, Ordering::SeqCst);
        }
        let Some(process) = shared.process.lock().ok().and_then(|p| p.clone()) else {
            return;
        };
        if let Some(pid) = process.lock().ok().map(|c| c.id()) {
            // SAFETY: kill(2) with a pid we started; SIGINT is counted by the cell process.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGINT);
            }
        }
        let watched = Arc::clone(shared);
        let _ = std::thread::Builder::new()
            .name("rhpc-interrupt-watchdog".into())
            .spawn(move || {
                std::thread::sleep(interrupt_grace());
                if watched.running_cell.load(Ordering::SeqCst) == cell
                    && let Ok(mut child) = process.lock()
                {
                    log::info!("cell {cell} ignored the interrupt; restarting its process");
                    let _ = child.kill();
                }
            });
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

/// evcxr's completions with Jupyter's metadata (offsets in code points, like the reply).
fn completions(code: &str, found: evcxr::Completions) -> Completions {
    use crate::protocol::cursor::byte_to_char;
    let start = byte_to_char(code, found.start_offset);
    let end = byte_to_char(code, found.end_offset);
    let types: Vec<Value> = found
        .completions
        .iter()
        .map(|c| json!({"text": c.label, "type": c.kind, "start": start, "end": end}))
        .collect();
    let mut metadata = serde_json::Map::new();
    metadata.insert("_jupyter_types_experimental".into(), Value::Array(types));
    Completions {
        matches: found.completions.into_iter().map(|c| c.code).collect(),
        start: found.start_offset,
        end: found.end_offset,
        metadata,
    }
}

/// rust-analyzer's plain hover as Markdown: the signature as a Rust block, then the docs.
fn hover_markdown(plain: &str) -> String {
    let mut parts = plain.splitn(2, "\n\n");
    let signature = parts.next().unwrap_or_default().trim();
    let docs = parts.next().unwrap_or_default().trim();
    if docs.is_empty() {
        format!("```rust\n{signature}\n```")
    } else {
        format!("```rust\n{signature}\n```\n\n{docs}")
    }
}

fn language_info() -> LanguageInfo {
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned());
    // "rustc 1.95.0 (59807616e 2026-04-14)" -> "1.95.0"
    let version = rustc
        .as_deref()
        .and_then(|text| text.split_whitespace().nth(1))
        .unwrap_or("unknown")
        .to_owned();
    LanguageInfo {
        name: "rust".into(),
        version: version.clone(),
        mimetype: "text/rust".into(),
        file_extension: ".rs".into(),
        pygments_lexer: "rust".into(),
        codemirror_mode: "rust".into(),
        nbconvert_exporter: "script".into(),
        banner: format!(
            "rhpc-kernel {} - Rust {version} cells through evcxr",
            env!("CARGO_PKG_VERSION")
        ),
        help_links: vec![
            (
                "Rust standard library".into(),
                "https://doc.rust-lang.org/std/".into(),
            ),
            (
                "The Rust book".into(),
                "https://doc.rust-lang.org/book/".into(),
            ),
            ("rayon".into(), "https://docs.rs/rayon".into()),
        ],
    }
}
