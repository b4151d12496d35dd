//! The cell process: where evcxr runs each cell's compiled code.
//!
//! evcxr starts a child process from this same binary with `EVCXR_IS_RUNTIME` set, sends it
//! `LOAD_AND_RUN <library> <function>` lines on stdin, and reads its stdout until
//! `EVCXR_EXECUTION_COMPLETE`. We run that loop ourselves (the protocol is evcxr 0.22's,
//! pinned in Cargo.lock) because the kernel needs three things evcxr's loop cannot give:
//!
//! - **Exact panic reports.** evcxr prints `EVCXR_PANIC_NOTIFICATION` when a cell panics and
//!   swallows it. Our [stdout relay](stdout_relay) sits between the cell and evcxr and adds a
//!   [`Record::CellPanicked`](crate::bridge::Record::CellPanicked) before it, so the kernel can
//!   tell a panic that ended the cell from one the cell caught.
//! - **Standard input.** A cell reading `std::io::stdin()` would otherwise read evcxr's
//!   command pipe and hang. Cells get a pipe of their own; the [stdin relay](stdin_relay)
//!   notices a thread blocked reading it and asks the frontend, through evcxr's input protocol.
//! - **Cooperative interrupts.** SIGINT increments a counter that code in cells finds with
//!   `dlsym` ([`interrupt_counter`]), instead of killing the process.
//!
//! Partial lines (a prompt, a progress dot) are forwarded as
//! [`Record::Stream`](crate::bridge::Record::Stream) after a short pause, so they show
//! without waiting for a newline.

mod commands;
mod fds;
mod interrupts;
mod stdin_relay;
mod stdout_relay;
mod timing;

use std::ffi::c_void;

use crate::bridge;
use crate::cell_cache::redirect;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use interrupts::interrupt_counter;
pub use stdin_relay::{INPUT_DENIED, INPUT_INTERRUPTED, decode_prompt};

/// The environment variable evcxr sets in the cell process.
pub const RUNTIME_VAR: &str = "EVCXR_IS_RUNTIME";
const EXECUTION_COMPLETE: &str = "EVCXR_EXECUTION_COMPLETE";

/// If this process is a cell process, runs the cell loop and never returns.
pub fn run_if_cell_process() {
    if std::env::var_os(RUNTIME_VAR).is_some() {
        run()
    }
}

fn run() -> ! {
    // SAFETY: no other thread exists yet.
    unsafe { crate::cell_cache::disable_in_this_process() };
    let fds = match fds::Redirected::install() {
        Ok(fds) => fds,
        Err(error) => {
            eprintln!("rhpc cell process: cannot set up stdin/stdout relays: {error}");
            std::process::exit(98);
        }
    };
    interrupts::install();
    let commands = Arc::new(commands::Commands::new(fds.commands));
    let cell_running = Arc::new(AtomicBool::new(false));
    let (stdin_events, stdin_relay_events) = std::sync::mpsc::channel();
    let stdout = stdout_relay::StdoutRelay::start(fds.relay_in, fds.real_stdout, stdin_events);
    stdin_relay::start(
        fds.stdin_writer,
        Arc::clone(&commands),
        stdout.clone(),
        Arc::clone(&cell_running),
        stdin_relay_events,
    );
    stdout_relay::drain_at_exit(stdout.clone());

    let mut store: *mut c_void = std::ptr::null_mut();
    let mut libraries = Vec::new();
    while let Some(line) = commands.read_line() {
        let Some((path, function)) = parse_command(&line) else {
            eprintln!("rhpc cell process: unrecognised instruction {line:?}");
            std::process::exit(99);
        };
        // A cell whose compiled code is reused: its library is a redirect to the stored one.
        let (function, reused) = match redirect::materialize(Path::new(path)) {
            Ok(Some(redirect)) => (redirect.symbol, Some(redirect.compile_seconds)),
            Ok(None) => (function.to_owned(), None),
            Err(error) => {
                eprintln!("rhpc cell process: cannot run {path}: {error}");
                std::process::exit(99);
            }
        };
        // SAFETY: evcxr compiled this library for this process and names its entry point
        // (or the cell cache stored it, from an identical compilation, with its entry point);
        // the entry point takes and returns evcxr's variable store, exactly as evcxr's own
        // runtime calls it. Libraries are never unloaded (see below).
        let result = unsafe {
            libloading::Library::new(path).and_then(|library| {
                let entry = library
                    .get::<extern "C" fn(*mut c_void) -> *mut c_void>(function.as_bytes())?;
                let entry = *entry;
                cell_running.store(true, Ordering::SeqCst);
                let started = timing::Stamp::now();
                store = entry(store);
                cell_running.store(false, Ordering::SeqCst);
                Ok((library, started.elapsed(reused)))
            })
        };
        match result {
            // Thread-local destructors registered by a cell may still run at exit, so its
            // code must stay mapped: keep every library loaded for the life of the process.
            Ok((library, timing)) => {
                libraries.push(library);
                stdout.barrier(Duration::from_secs(5));
                if std::env::var_os(bridge::REPORTS_MARKER).is_some() {
                    stdout.write_line(&timing.to_line());
                }
            }
            Err(error) => {
                eprintln!("rhpc cell process: cannot run {path}: {error}");
                std::process::exit(99);
            }
        }
        stdout.write_line(EXECUTION_COMPLETE);
    }
    std::mem::forget(libraries);
    std::process::exit(0)
}

fn parse_command(line: &str) -> Option<(&str, &str)> {
    let mut words = line.strip_prefix("LOAD_AND_RUN ")?.split(' ');
    match (words.next(), words.next(), words.next()) {
        (Some(path), Some(function), None) => Some((path, function)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_evcxr_commands() {
        assert_eq!(
            parse_command("LOAD_AND_RUN /tmp/x/libcode_1.so run_user_code_1"),
            Some(("/tmp/x/libcode_1.so", "run_user_code_1"))
        );
        assert_eq!(parse_command("LOAD /x y"), None);
        assert_eq!(parse_command("LOAD_AND_RUN /x"), None);
    }
}
