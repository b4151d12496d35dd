//! Interrupting a running cell: ask nicely, then restart its process.
//!
//! SIGINT goes to the cell process, where it increments the counter that rhpc's long
//! operations watch (see `cell_process`): cooperative code returns an `Interrupted` error
//! and every variable survives. If the cell is still running after the grace period (a tight
//! loop that never checks), the process is killed; evcxr restarts it and the cell's error
//! names the variables that were lost.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::Shared;

/// How long a cell may keep running after an interrupt before its process is restarted.
fn grace() -> Duration {
    std::env::var("RHPC_INTERRUPT_GRACE_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_millis(500), Duration::from_millis)
}

/// Interrupts the running cell, if any.
pub fn interrupt(shared: &Arc<Shared>) {
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
        // SAFETY: kill(2) on the cell process we started; it counts SIGINT, not dies of it.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGINT);
        }
    }
    let watched = Arc::clone(shared);
    let _ = std::thread::Builder::new()
        .name("rhpc-interrupt-watchdog".into())
        .spawn(move || {
            std::thread::sleep(grace());
            if watched.running_cell.load(Ordering::SeqCst) == cell
                && let Ok(mut child) = process.lock()
            {
                log::info!("cell {cell} ignored the interrupt; restarting its process");
                let _ = child.kill();
            }
        });
}
