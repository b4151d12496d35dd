//! [`Future<T>`]: a task submitted to a [`Client`](super::Client) that runs now, in the
//! background, and the functions that wait on several of them ([`wait`], [`as_completed`]).
//!
//! A future's state lives in one shared record: its status, its value or error, the
//! futures waiting on it. [`Future::status`] only reads that record (it never waits for
//! the task). The value is kept while any handle to the future, or any future that
//! depends on it and has not run yet, is alive.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::args::{Arg, ArgKind, IntoArg};
use super::error::TaskError;
use super::key::Key;
use super::node::{AwaitValue, Node, TaskFn, Value, Work, take_value};
use super::stream::{TaskRecord, TaskStream};
use super::threads::Threads;
use crate::display::{MimeBundle, ProgressBar, Render, escape_html};
use crate::interrupt::{InterruptCheck, Interrupted};

/// How often blocking waits look at interrupts.
const WAIT_SLICE: Duration = Duration::from_millis(20);

/// Where a future is in its life.
///
/// `Pending` (waiting for its inputs or a worker) → `Running` → `Finished` or `Error`;
/// `Pending` or `Running` → `Cancelled` by [`Future::cancel`] (or when an input is
/// cancelled). A failed input makes its dependents `Error` without running them.
///
/// ```
/// use rhpc::tasks::FutureStatus;
/// assert!(FutureStatus::Finished.is_done());
/// assert!(!FutureStatus::Running.is_done());
/// assert_eq!(FutureStatus::Error.to_string(), "error");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FutureStatus {
    /// Submitted; waiting for its inputs or for a free worker.
    Pending,
    /// A worker is running it.
    Running,
    /// Its value is ready.
    Finished,
    /// It (or an input) failed; [`Future::result`] gives the error.
    Error,
    /// Cancelled before it produced a value.
    Cancelled,
}

impl FutureStatus {
    /// Whether the future has reached a final state (finished, error or cancelled).
    ///
    /// ```
    /// assert!(rhpc::tasks::FutureStatus::Cancelled.is_done());
    /// ```
    pub fn is_done(self) -> bool {
        matches!(
            self,
            FutureStatus::Finished | FutureStatus::Error | FutureStatus::Cancelled
        )
    }
}

impl fmt::Display for FutureStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FutureStatus::Pending => "pending",
            FutureStatus::Running => "running",
            FutureStatus::Finished => "finished",
            FutureStatus::Error => "error",
            FutureStatus::Cancelled => "cancelled",
        })
    }
}

/// What a future runs, and where.
pub(crate) struct Job {
    pub(crate) body: TaskFn,
    pub(crate) deps: Vec<Arc<Shared>>,
    pub(crate) retries: u32,
    pub(crate) pool: Threads,
    pub(crate) stream: TaskStream,
}

/// Called once when a future is done, under its lock: must not touch the future.
type Listener = Box<dyn FnOnce() + Send>;

struct State {
    status: FutureStatus,
    value: Option<Value>,
    error: Option<TaskError>,
    job: Option<Job>,
    dependents: Vec<Arc<Shared>>,
    listeners: Vec<Listener>,
}

/// The record behind every handle to one future.
pub(crate) struct Shared {
    key: Key,
    type_name: &'static str,
    /// Inputs not finished yet, plus one while the future is being wired up.
    waiting: AtomicUsize,
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A future that already holds its value (`scatter`).
    pub(crate) fn ready(key: Key, type_name: &'static str, value: Value) -> Arc<Shared> {
        Shared::with_state(key, type_name, FutureStatus::Finished, Some(value), None)
    }

    fn with_state(
        key: Key,
        type_name: &'static str,
        status: FutureStatus,
        value: Option<Value>,
        job: Option<Job>,
    ) -> Arc<Shared> {
        Arc::new(Shared {
            key,
            type_name,
            waiting: AtomicUsize::new(1),
            state: Mutex::new(State {
                status,
                value,
                error: None,
                job,
                dependents: Vec::new(),
                listeners: Vec::new(),
            }),
            changed: Condvar::new(),
        })
    }

    /// Submits a job: it starts as soon as its inputs have finished (or fails at once if
    /// one has failed).
    pub(crate) fn submit(key: Key, type_name: &'static str, job: Job) -> Arc<Shared> {
        let deps = job.deps.clone();
        let shared = Shared::with_state(key, type_name, FutureStatus::Pending, None, Some(job));
        for dep in &deps {
            let mut state = dep.lock();
            match state.status {
                FutureStatus::Finished => {}
                FutureStatus::Error | FutureStatus::Cancelled => {
                    let error = state.error.clone();
                    drop(state);
                    shared.settle_failed(error.unwrap_or(TaskError::Cancelled {
                        key: dep.key.clone(),
                    }));
                    return shared;
                }
                FutureStatus::Pending | FutureStatus::Running => {
                    shared.waiting.fetch_add(1, Ordering::AcqRel);
                    state.dependents.push(shared.clone());
                }
            }
        }
        shared.input_done();
        shared
    }

    /// One input finished with a value; the last one launches the job.
    fn input_done(self: &Arc<Self>) {
        if self.waiting.fetch_sub(1, Ordering::AcqRel) == 1 {
            let pool = self.lock().job.as_ref().map(|job| job.pool.clone());
            if let Some(pool) = pool {
                let shared = self.clone();
                pool.spawn(move || shared.run());
            }
        }
    }

    /// Runs the job on a worker (unless it was cancelled meanwhile), with retries.
    fn run(self: Arc<Self>) {
        let (job, inputs) = {
            let mut state = self.lock();
            if state.status != FutureStatus::Pending {
                return;
            }
            let Some(job) = state.job.take() else { return };
            state.status = FutureStatus::Running;
            let inputs: Option<Vec<Value>> =
                job.deps.iter().map(|d| d.lock().value.clone()).collect();
            (job, inputs)
        };
        self.changed.notify_all();
        let Some(inputs) = inputs else {
            self.settle(Err(TaskError::Scheduler(format!(
                "an input of {} has no value",
                self.key
            ))));
            return;
        };
        let node = Node::new(self.key.clone(), Vec::new(), Work::Call(job.body));
        let worker = rayon::current_thread_index().unwrap_or(0);
        let mut attempts_left = job.retries;
        let result = loop {
            let start = Instant::now();
            let result = node.run(&inputs);
            job.stream.push(TaskRecord {
                key: self.key.clone(),
                worker,
                start: job.stream.seconds_at(start),
                end: job.stream.seconds_at(Instant::now()),
                ok: result.is_ok(),
            });
            if result.is_ok() || attempts_left == 0 || self.status() == FutureStatus::Cancelled {
                break result;
            }
            attempts_left -= 1;
        };
        drop(inputs);
        drop(job.deps);
        self.settle(result);
    }

    /// Records the outcome (ignored if cancelled meanwhile), wakes waiters and passes it
    /// on to dependents.
    fn settle(self: &Arc<Self>, result: Result<Value, TaskError>) {
        match result {
            Ok(value) => {
                let dependents = {
                    let mut state = self.lock();
                    if state.status.is_done() {
                        return;
                    }
                    state.status = FutureStatus::Finished;
                    state.value = Some(value);
                    // Under the lock: whoever sees this future done also finds it already
                    // announced to `as_completed`, so the order there is the true order.
                    std::mem::take(&mut state.listeners)
                        .into_iter()
                        .for_each(|listener| listener());
                    std::mem::take(&mut state.dependents)
                };
                self.changed.notify_all();
                for dependent in dependents {
                    dependent.input_done();
                }
            }
            Err(error) => self.settle_failed(error),
        }
    }

    /// Fails (or cancels) this future and, transitively, everything waiting on it; a
    /// work list rather than recursion, so long chains cannot overflow the stack.
    fn settle_failed(self: &Arc<Self>, error: TaskError) {
        let mut work = vec![(self.clone(), error)];
        while let Some((shared, error)) = work.pop() {
            let dependents = {
                let mut state = shared.lock();
                if state.status.is_done() {
                    continue;
                }
                state.status = match error {
                    TaskError::Cancelled { .. } => FutureStatus::Cancelled,
                    _ => FutureStatus::Error,
                };
                state.error = Some(error.clone());
                state.job = None;
                std::mem::take(&mut state.listeners)
                    .into_iter()
                    .for_each(|listener| listener());
                std::mem::take(&mut state.dependents)
            };
            shared.changed.notify_all();
            work.extend(dependents.into_iter().map(|d| (d, error.clone())));
        }
    }

    fn status(&self) -> FutureStatus {
        self.lock().status
    }

    /// Calls `listener` once this future is done (at once if it already is).
    fn on_done(&self, listener: Listener) {
        let mut state = self.lock();
        if state.status.is_done() {
            drop(state);
            listener();
        } else {
            state.listeners.push(listener);
        }
    }

    /// Blocks until done; `Err` only for an interrupt.
    fn wait_done(&self, check: &InterruptCheck) -> Result<(), Interrupted> {
        let mut state = self.lock();
        while !state.status.is_done() {
            check.check()?;
            state = self
                .changed
                .wait_timeout(state, WAIT_SLICE)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        Ok(())
    }

    fn outcome(&self) -> Result<Value, TaskError> {
        let state = self.lock();
        match (&state.value, &state.error) {
            (Some(value), _) if state.status == FutureStatus::Finished => Ok(value.clone()),
            (_, Some(error)) => Err(error.clone()),
            _ => Err(TaskError::Cancelled {
                key: self.key.clone(),
            }),
        }
    }

    /// A graph node whose value is this future's (so futures can feed delayed graphs).
    pub(crate) fn as_node(shared: &Arc<Shared>) -> Arc<Node> {
        Node::new(shared.key.clone(), Vec::new(), Work::Await(shared.clone()))
    }
}

impl AwaitValue for Shared {
    fn wait_value(&self) -> Result<Value, TaskError> {
        self.wait_done(&InterruptCheck::new())?;
        self.outcome()
    }
}

/// A task running (or done) in the background on a [`Client`](super::Client)'s workers.
///
/// Cheap to clone; every clone is the same future. Pass it (or a reference) as an argument
/// of a later [`submit`](super::Client::submit) or `delayed!` call to use its value there.
///
/// ```
/// use rhpc::prelude::*;
///
/// fn inc(x: u64) -> u64 { x + 1 }
/// let client = Client::with_workers(2)?;
/// let a = client.submit(inc, (1,));
/// let b = client.submit(inc, (&a,));        // runs once a has finished
/// assert_eq!(b.result()?, 3);
/// assert_eq!(a.status(), FutureStatus::Finished);
/// assert!(a.to_string().starts_with("<Future: finished, type: u64, key: inc-"));
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
pub struct Future<T> {
    shared: Arc<Shared>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future::from_shared(self.shared.clone())
    }
}

impl<T> Future<T> {
    pub(crate) fn from_shared(shared: Arc<Shared>) -> Future<T> {
        Future {
            shared,
            _type: PhantomData,
        }
    }

    /// The task's key.
    ///
    /// ```
    /// let client = rhpc::tasks::Client::with_workers(1)?;
    /// assert_eq!(client.scatter(1u8).key().prefix(), "scatter");
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn key(&self) -> &Key {
        &self.shared.key
    }

    /// Where the future is now; never waits for the task.
    ///
    /// ```
    /// use rhpc::tasks::{Client, FutureStatus};
    /// let client = Client::with_workers(1)?;
    /// let f = client.submit(|| std::thread::sleep(std::time::Duration::from_millis(50)), ());
    /// assert!(matches!(f.status(), FutureStatus::Pending | FutureStatus::Running));
    /// f.result()?;
    /// assert_eq!(f.status(), FutureStatus::Finished);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn status(&self) -> FutureStatus {
        self.shared.status()
    }

    /// Whether the future is finished, failed or cancelled.
    ///
    /// ```
    /// let client = rhpc::tasks::Client::with_workers(1)?;
    /// assert!(client.scatter(1).done());
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn done(&self) -> bool {
        self.status().is_done()
    }

    /// Cancels the future if it has not finished: a pending task will not run, a running
    /// one's result is dropped, and futures depending on it are cancelled too. Returns
    /// whether it was cancelled by this call.
    ///
    /// ```
    /// use rhpc::tasks::{Client, FutureStatus};
    /// let client = Client::with_workers(1)?;
    /// let slow = client.submit(|| std::thread::sleep(std::time::Duration::from_millis(100)), ());
    /// let after = client.submit(|_: ()| 1, (&slow,));
    /// assert!(after.cancel());
    /// assert_eq!(after.status(), FutureStatus::Cancelled);
    /// assert!(after.result().is_err());
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn cancel(&self) -> bool {
        if self.shared.status().is_done() {
            return false;
        }
        self.shared.settle_failed(TaskError::Cancelled {
            key: self.shared.key.clone(),
        });
        self.status() == FutureStatus::Cancelled
    }

    /// Blocks until the future is done (or the user interrupts).
    ///
    /// ```
    /// let client = rhpc::tasks::Client::with_workers(1)?;
    /// let f = client.submit(|| 1, ());
    /// f.wait()?;
    /// assert!(f.done());
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn wait(&self) -> Result<(), Interrupted> {
        self.shared.wait_done(&InterruptCheck::new())
    }

    /// The error, if the future failed or was cancelled (never waits).
    ///
    /// ```
    /// let client = rhpc::tasks::Client::with_workers(1)?;
    /// let f = client.submit(|| -> u8 { panic!("bad input") }, ());
    /// f.wait()?;
    /// assert!(f.exception().unwrap().to_string().contains("bad input"));
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn exception(&self) -> Option<TaskError> {
        self.shared.lock().error.clone()
    }
}

impl<T: Clone + Send + Sync + 'static> Future<T> {
    /// Blocks until done and returns the value (a clone; the future keeps its own) or the
    /// error. An interrupt returns [`TaskError::Interrupted`] and leaves the task running.
    ///
    /// ```
    /// let client = rhpc::tasks::Client::with_workers(1)?;
    /// assert_eq!(client.submit(|a: u8, b: u8| a * b, (6, 7)).result()?, 42);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn result(&self) -> Result<T, TaskError> {
        self.wait()?;
        take_value(self.shared.outcome()?, &self.shared.key)
    }
}

impl<T> IntoArg<T> for Future<T> {
    fn into_arg(self) -> Arg<T> {
        Arg(ArgKind::Future(self.shared))
    }
}

impl<T> IntoArg<T> for &Future<T> {
    fn into_arg(self) -> Arg<T> {
        Arg(ArgKind::Future(self.shared.clone()))
    }
}

impl<T> fmt::Display for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<Future: {}, type: {}, key: {}>",
            self.status(),
            short_type_name(self.shared.type_name),
            self.shared.key
        )
    }
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<T> Render for Future<T> {
    fn render(&self) -> MimeBundle {
        let status = self.status();
        let colour = match status {
            FutureStatus::Finished => "#59a14f",
            FutureStatus::Error => "#e15759",
            FutureStatus::Cancelled => "#9c755f",
            FutureStatus::Pending | FutureStatus::Running => "#4e79a7",
        };
        let html = format!(
            "<b>Future: {}</b> <span style=\"color:{colour}\">status: {status}</span>, \
             type: <code>{}</code>, key: <code>{}</code>",
            escape_html(self.shared.key.prefix()),
            escape_html(&short_type_name(self.shared.type_name)),
            escape_html(&self.shared.key.to_string())
        );
        MimeBundle::text(self.to_string()).with("text/html", html)
    }
}

/// `alloc::vec::Vec<u64>` → `Vec<u64>`: type names as written in code.
fn short_type_name(name: &str) -> String {
    let mut out = String::new();
    let mut segment = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            out.push_str(segment.rsplit("::").next().unwrap_or(""));
            segment.clear();
            out.push(c);
        }
    }
    out.push_str(segment.rsplit("::").next().unwrap_or(""));
    out
}

/// Blocks until every future is done (or the user interrupts).
///
/// ```
/// use rhpc::prelude::*;
/// let client = Client::with_workers(2)?;
/// let fs = client.map(|x: u32| x * 2, 0..10);
/// rhpc::tasks::wait(&fs)?;
/// assert!(fs.iter().all(|f| f.done()));
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
pub fn wait<T>(futures: &[Future<T>]) -> Result<(), Interrupted> {
    let check = InterruptCheck::new();
    for future in futures {
        future.shared.wait_done(&check)?;
    }
    Ok(())
}

/// The futures in the order they finish (finished, failed or cancelled alike).
///
/// Futures already done come first. An interrupt ends the iteration early.
///
/// ```
/// use std::time::Duration;
/// use rhpc::prelude::*;
///
/// let client = Client::with_workers(3)?;
/// let nap = |ms: u64| { std::thread::sleep(Duration::from_millis(ms)); ms };
/// let futures = vec![client.submit(nap, (200,)), client.submit(nap, (10,)), client.submit(nap, (100,))];
/// let order: Vec<u64> = as_completed(&futures).map(|f| f.result().unwrap()).collect();
/// assert_eq!(order, [10, 100, 200]);
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
pub fn as_completed<T>(futures: &[Future<T>]) -> AsCompleted<T> {
    let (sender, receiver) = mpsc::channel();
    for (index, future) in futures.iter().enumerate() {
        let sender = sender.clone();
        future.shared.on_done(Box::new(move || {
            let _ = sender.send(index);
        }));
    }
    AsCompleted {
        futures: futures.to_vec(),
        receiver,
        remaining: futures.len(),
        check: InterruptCheck::new(),
    }
}

/// The iterator of [`as_completed`].
///
/// ```
/// let client = rhpc::tasks::Client::with_workers(1)?;
/// let done: Vec<u8> = rhpc::tasks::as_completed(&[client.scatter(1u8)]).map(|f| f.result().unwrap_or(0)).collect();
/// assert_eq!(done, [1]);
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
pub struct AsCompleted<T> {
    futures: Vec<Future<T>>,
    receiver: mpsc::Receiver<usize>,
    remaining: usize,
    check: InterruptCheck,
}

impl<T> Iterator for AsCompleted<T> {
    type Item = Future<T>;

    fn next(&mut self) -> Option<Future<T>> {
        while self.remaining > 0 {
            match self.receiver.recv_timeout(WAIT_SLICE) {
                Ok(index) => {
                    self.remaining -= 1;
                    return self.futures.get(index).cloned();
                }
                Err(mpsc::RecvTimeoutError::Timeout) if !self.check.is_interrupted() => {}
                Err(_) => return None,
            }
        }
        None
    }
}

/// Shows a live progress bar until every future is done (or the user interrupts).
///
/// ```
/// use rhpc::prelude::*;
/// let client = Client::with_workers(2)?;
/// let fs = client.map(|x: u32| x + 1, 0..20);
/// rhpc::tasks::progress(&fs)?;
/// assert!(fs.iter().all(|f| f.done()));
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
pub fn progress<T>(futures: &[Future<T>]) -> Result<(), Interrupted> {
    let mut bar = ProgressBar::new(&format!("{} futures", futures.len()));
    let check = InterruptCheck::new();
    let (sender, receiver) = mpsc::channel();
    for future in futures {
        let sender = sender.clone();
        future.shared.on_done(Box::new(move || {
            let _ = sender.send(());
        }));
    }
    let mut done = 0;
    while done < futures.len() {
        match receiver.recv_timeout(WAIT_SLICE) {
            Ok(()) => done += 1,
            Err(mpsc::RecvTimeoutError::Timeout) => check.check()?,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        bar.set(done, futures.len());
    }
    bar.finish(done, futures.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_short() {
        assert_eq!(short_type_name("alloc::vec::Vec<u64>"), "Vec<u64>");
        assert_eq!(
            short_type_name("(alloc::string::String, f64)"),
            "(String, f64)"
        );
    }
}
