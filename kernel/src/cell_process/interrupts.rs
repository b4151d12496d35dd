//! Cooperative interrupts: SIGINT counts instead of killing the cell process.
//!
//! The kernel sends SIGINT to the cell process when the user interrupts. Long-running library
//! code (rhpc's parallel loops, schedulers, timers) compares the counter before and after a
//! chunk of work and returns an `Interrupted` error, keeping every variable. Code that never
//! looks is stopped by the kernel after a grace period by restarting the process.
//!
//! Cells link their dependencies statically, so a `static` in a library is a different object
//! in every cell. The counter therefore lives in this binary, exported as
//! `rhpc_host_interrupts` (see `main.rs` and `build.rs`), and cells find it with
//! `dlsym(RTLD_DEFAULT, "rhpc_host_interrupts")`: one counter per process, shared by all.

use std::sync::atomic::{AtomicU64, Ordering};

static INTERRUPTS: AtomicU64 = AtomicU64::new(0);

/// The process-wide interrupt counter (incremented by every SIGINT).
pub fn interrupt_counter() -> &'static AtomicU64 {
    &INTERRUPTS
}

extern "C" fn on_sigint(_signal: libc::c_int) {
    // Async-signal-safe: a single atomic increment.
    INTERRUPTS.fetch_add(1, Ordering::SeqCst);
}

/// Routes SIGINT to the counter.
pub fn install() {
    // SAFETY: `action` is fully initialised; the handler only touches an atomic.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigint as *const () as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut()) != 0 {
            eprintln!(
                "rhpc cell process: cannot install the SIGINT handler: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}
