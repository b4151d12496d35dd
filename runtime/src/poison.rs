//! Locking a mutex whatever panicked while another thread held it.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, poisoned or not. For data that every update leaves consistent (a single
/// assignment, push or remove, or bookkeeping done outside the code that may panic): a panic
/// elsewhere then says nothing about the data, and it reaches the user by its own path.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
