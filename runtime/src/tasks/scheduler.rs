//! The [`Scheduler`] trait every way of running a graph implements, and the
//! [`ExecContext`] it reports into (interrupts, progress, task stream).
//!
//! A scheduler decides where and in which order tasks run; running one task is
//! [`Graph::run`], the same everywhere. [`Synchronous`](super::Synchronous) and
//! [`Threads`](super::Threads) are the built-in ones, a [`Client`](super::Client) is one too,
//! and a distributed backend can be added outside this crate by implementing the trait.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::error::TaskError;
use super::graph::Graph;
use super::node::Value;
use super::stream::{TaskRecord, TaskStream};
use crate::display::progress::ProgressBar;
use crate::interrupt::InterruptCheck;

/// Runs task graphs.
///
/// `execute` runs every task of `graph` at most once, each after all its dependencies,
/// and returns the values of [`graph.outputs()`](Graph::outputs) in order. A task that
/// fails makes every task depending on it fail with the same error without running;
/// tasks that do not depend on it still run. Long waits call
/// [`context.check()`](ExecContext::check) and give up with
/// [`TaskError::Interrupted`] when the user interrupts.
///
/// ```
/// use rhpc::tasks::{Delayed, ExecContext, Graph, Scheduler, TaskError, Value};
///
/// /// Runs tasks in index order (a topological order) on the calling thread.
/// struct InOrder;
///
/// impl Scheduler for InOrder {
///     fn name(&self) -> String { "in order".into() }
///     fn workers(&self) -> usize { 1 }
///     fn execute(&self, graph: &Graph, context: &ExecContext) -> Result<Vec<Value>, TaskError> {
///         let mut values: Vec<Option<Value>> = vec![None; graph.len()];
///         for task in 0..graph.len() {
///             context.check()?;
///             let inputs: Vec<Value> = graph.dependencies(task).iter()
///                 .filter_map(|&d| values[d as usize].clone()).collect();
///             values[task] = Some(graph.run(task, &inputs)?);
///             context.progress(task + 1, graph.len());
///         }
///         Ok(graph.outputs().iter().filter_map(|&o| values[o as usize].clone()).collect())
///     }
/// }
///
/// let x = Delayed::new(20u64).then("add", |x| x + 22);
/// assert_eq!(x.compute_with(&InOrder)?, 42);
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
pub trait Scheduler: Send + Sync {
    /// A short name for reports (`"threads (2 workers)"`).
    fn name(&self) -> String;

    /// How many tasks can run at once.
    fn workers(&self) -> usize;

    /// Runs `graph` and returns the values of its outputs.
    fn execute(&self, graph: &Graph, context: &ExecContext) -> Result<Vec<Value>, TaskError>;
}

/// What a running computation reports to: the user's interrupts, an optional progress bar
/// and an optional task stream.
///
/// ```
/// use rhpc::tasks::{ExecContext, TaskStream};
/// let stream = TaskStream::new();
/// let context = ExecContext::new().with_stream(&stream);
/// assert!(context.check().is_ok());
/// assert!(context.stream().is_some());
/// ```
#[derive(Clone)]
pub struct ExecContext {
    interrupt: InterruptCheck,
    stream: Option<TaskStream>,
    progress: Option<Arc<Mutex<ProgressBar>>>,
}

impl ExecContext {
    /// A context watching for interrupts from now on, with no stream and no progress bar.
    ///
    /// ```
    /// assert!(rhpc::tasks::ExecContext::new().stream().is_none());
    /// ```
    pub fn new() -> ExecContext {
        ExecContext {
            interrupt: InterruptCheck::new(),
            stream: None,
            progress: None,
        }
    }

    /// Records every task run into `stream`.
    ///
    /// ```
    /// let stream = rhpc::tasks::TaskStream::new();
    /// assert!(rhpc::tasks::ExecContext::new().with_stream(&stream).stream().is_some());
    /// ```
    pub fn with_stream(mut self, stream: &TaskStream) -> ExecContext {
        self.stream = Some(stream.clone());
        self
    }

    /// Records into `stream` unless a stream is already set (a [`Client`](super::Client)
    /// records into its own stream this way).
    ///
    /// ```
    /// use rhpc::tasks::{ExecContext, TaskStream};
    /// let (a, b) = (TaskStream::new(), TaskStream::new());
    /// let context = ExecContext::new().with_stream(&a).or_stream(&b);
    /// assert!(context.stream().unwrap().same_as(&a));
    /// ```
    pub fn or_stream(mut self, stream: &TaskStream) -> ExecContext {
        if self.stream.is_none() {
            self.stream = Some(stream.clone());
        }
        self
    }

    /// Shows a progress bar labelled `label` (live in a notebook, a text bar in a terminal).
    ///
    /// ```
    /// let context = rhpc::tasks::ExecContext::new().with_progress("compute");
    /// context.progress(1, 2);
    /// context.finish(2, 2);
    /// ```
    pub fn with_progress(mut self, label: &str) -> ExecContext {
        self.progress = Some(Arc::new(Mutex::new(ProgressBar::new(label))));
        self
    }

    /// `Err(TaskError::Interrupted)` once the user has interrupted.
    ///
    /// ```
    /// rhpc::tasks::ExecContext::new().check()?;
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn check(&self) -> Result<(), TaskError> {
        Ok(self.interrupt.check()?)
    }

    /// Whether the user has interrupted.
    ///
    /// ```
    /// assert!(!rhpc::tasks::ExecContext::new().is_interrupted());
    /// ```
    pub fn is_interrupted(&self) -> bool {
        self.interrupt.is_interrupted()
    }

    /// The task stream to record into, if any.
    ///
    /// ```
    /// assert!(rhpc::tasks::ExecContext::new().stream().is_none());
    /// ```
    pub fn stream(&self) -> Option<&TaskStream> {
        self.stream.as_ref()
    }

    /// Records finished tasks, if a stream is attached (`start`/`end` as instants).
    ///
    /// ```
    /// use std::time::Instant;
    /// use rhpc::tasks::{ExecContext, Key, TaskStream};
    /// let stream = TaskStream::new();
    /// let context = ExecContext::new().with_stream(&stream);
    /// let t = Instant::now();
    /// context.record(Key::named("a"), 0, t, t, true);
    /// assert_eq!(stream.len(), 1);
    /// ```
    pub fn record(&self, key: super::Key, worker: usize, start: Instant, end: Instant, ok: bool) {
        if let Some(stream) = &self.stream {
            stream.push(TaskRecord {
                key,
                worker,
                start: stream.seconds_at(start),
                end: stream.seconds_at(end),
                ok,
            });
        }
    }

    /// Reports that `done` of `total` tasks have finished (throttled; cheap to call often).
    ///
    /// ```
    /// rhpc::tasks::ExecContext::new().progress(1, 10); // no bar attached: nothing happens
    /// ```
    pub fn progress(&self, done: usize, total: usize) {
        if let Some(bar) = &self.progress {
            bar.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .set(done, total);
        }
    }

    /// Reports the final state (draws the bar one last time).
    ///
    /// ```
    /// rhpc::tasks::ExecContext::new().with_progress("job").finish(3, 3);
    /// ```
    pub fn finish(&self, done: usize, total: usize) {
        if let Some(bar) = &self.progress {
            bar.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .finish(done, total);
        }
    }
}

impl Default for ExecContext {
    fn default() -> Self {
        ExecContext::new()
    }
}
