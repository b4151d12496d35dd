//! [`TaskError`]: why a computation or a future produced no value.

use super::key::Key;
use crate::interrupt::Interrupted;

/// Why a task graph or a future produced no value.
///
/// A panic inside a task becomes [`TaskError::Failed`] carrying the task's key and the
/// panic's message; every task that depends on it reports the same error without running.
///
/// ```
/// use rhpc::prelude::*;
/// use rhpc::tasks::TaskError;
///
/// fn explode(_x: u64) -> u64 { panic!("boom") }
/// let x = Delayed::new(1u64);
/// let bad = delayed!(explode(x));
/// match bad.compute() {
///     Err(TaskError::Failed { key, message }) => {
///         assert_eq!(key.prefix(), "explode");
///         assert_eq!(message, "boom");
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// The task panicked or returned an error.
    #[error("task {key} failed: {message}")]
    Failed {
        /// The task that failed (not the dependent that was asked for).
        key: Key,
        /// The panic's message.
        message: String,
    },
    /// The task was cancelled before it produced a value.
    #[error("task {key} was cancelled")]
    Cancelled {
        /// The cancelled task.
        key: Key,
    },
    /// A task's value is not of the type its handle expects (only possible through the
    /// dynamically typed [`AnyDelayed`](super::AnyDelayed) API).
    #[error("task {key} produced a value that is not a {expected}")]
    WrongType {
        /// The task.
        key: Key,
        /// The type that was expected.
        expected: &'static str,
    },
    /// The user interrupted the kernel while waiting.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
    /// The scheduler itself failed (a thread pool could not start, a worker was lost).
    #[error("scheduler error: {0}")]
    Scheduler(String),
}

impl TaskError {
    /// The key of the task at fault, when there is one.
    ///
    /// ```
    /// use rhpc::tasks::{Key, TaskError};
    /// let key = Key::named("x");
    /// let error = TaskError::Cancelled { key: key.clone() };
    /// assert_eq!(error.key(), Some(&key));
    /// ```
    pub fn key(&self) -> Option<&Key> {
        match self {
            TaskError::Failed { key, .. }
            | TaskError::Cancelled { key }
            | TaskError::WrongType { key, .. } => Some(key),
            TaskError::Interrupted(_) | TaskError::Scheduler(_) => None,
        }
    }
}
