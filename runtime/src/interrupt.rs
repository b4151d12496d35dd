//! Cooperative interrupts: long operations stop when the user interrupts the kernel.
//!
//! Under rhpc-kernel, the notebook's stop button sends SIGINT to the process that runs the
//! cells, which increments a counter kept by the kernel's binary (exported as
//! `rhpc_host_interrupts`). An [`InterruptCheck`] remembers the counter when an operation
//! starts; checking it between chunks of work tells whether the user has interrupted since.
//! The operation then returns [`Interrupted`] and every variable in the notebook survives.
//! Outside the kernel (a plain `cargo run`) there is no counter and nothing is ever
//! interrupted: Ctrl-C ends the program as usual.
//!
//! ```
//! use rhpc::interrupt::InterruptCheck;
//!
//! let check = InterruptCheck::new();
//! let mut total = 0u64;
//! for chunk in 0..100u64 {
//!     check.check()?; // returns Err(Interrupted) once the user interrupts
//!     total += chunk;
//! }
//! # Ok::<(), rhpc::Interrupted>(())
//! ```

use std::sync::atomic::{AtomicU64, Ordering};

/// The user interrupted the kernel while an operation was running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, thiserror::Error)]
#[error("interrupted by the user")]
pub struct Interrupted;

/// The kernel's process-wide interrupt counter, if this code runs under rhpc-kernel.
///
/// ```
/// // Outside the kernel there is no counter.
/// assert!(rhpc::interrupt::host_counter().is_none() || std::env::var_os("RHPC_KERNEL").is_some());
/// ```
pub fn host_counter() -> Option<&'static AtomicU64> {
    const SYMBOL: &[u8] = b"rhpc_host_interrupts\0";
    // SAFETY: dlsym with RTLD_DEFAULT only looks a name up. When found, the symbol is the
    // kernel's `extern "C" fn() -> *const AtomicU64`, returning a pointer to a static that
    // lives as long as the process.
    unsafe {
        let symbol = libc::dlsym(libc::RTLD_DEFAULT, SYMBOL.as_ptr().cast());
        if symbol.is_null() {
            return None;
        }
        let counter: extern "C" fn() -> *const AtomicU64 = std::mem::transmute(symbol);
        counter().as_ref()
    }
}

/// Watches for interrupts from the moment it is created.
#[derive(Debug, Clone, Copy)]
pub struct InterruptCheck {
    counter: Option<&'static AtomicU64>,
    start: u64,
}

impl InterruptCheck {
    /// Starts watching now; interrupts that happened earlier do not count.
    ///
    /// ```
    /// let check = rhpc::interrupt::InterruptCheck::new();
    /// assert!(!check.is_interrupted());
    /// ```
    pub fn new() -> InterruptCheck {
        let counter = host_counter();
        InterruptCheck {
            counter,
            start: counter.map_or(0, |c| c.load(Ordering::SeqCst)),
        }
    }

    /// Whether the user has interrupted since this check was created.
    ///
    /// ```
    /// assert!(!rhpc::interrupt::InterruptCheck::new().is_interrupted());
    /// ```
    pub fn is_interrupted(&self) -> bool {
        self.counter
            .is_some_and(|c| c.load(Ordering::SeqCst) != self.start)
    }

    /// `Err(Interrupted)` if the user has interrupted since this check was created.
    ///
    /// ```
    /// rhpc::interrupt::InterruptCheck::new().check()?;
    /// # Ok::<(), rhpc::Interrupted>(())
    /// ```
    pub fn check(&self) -> Result<(), Interrupted> {
        if self.is_interrupted() {
            Err(Interrupted)
        } else {
            Ok(())
        }
    }
}

impl Default for InterruptCheck {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_the_kernel_nothing_is_interrupted() {
        let check = InterruptCheck::new();
        assert!(host_counter().is_none());
        assert!(check.check().is_ok());
    }

    #[test]
    fn a_counter_change_is_an_interrupt() {
        static COUNTER: AtomicU64 = AtomicU64::new(5);
        let check = InterruptCheck {
            counter: Some(&COUNTER),
            start: COUNTER.load(Ordering::SeqCst),
        };
        assert!(!check.is_interrupted());
        COUNTER.fetch_add(1, Ordering::SeqCst);
        assert_eq!(check.check(), Err(Interrupted));
        // A check created after the interrupt starts clean.
        let later = InterruptCheck {
            counter: Some(&COUNTER),
            start: COUNTER.load(Ordering::SeqCst),
        };
        assert!(!later.is_interrupted());
    }
}
