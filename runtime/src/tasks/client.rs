//! [`Client`]: eager task execution with futures on local worker threads, the futures half
//! of Dask's API (`submit`, `map`, `gather`, `scatter`, `compute`), with its own task
//! stream.
//!
//! A client is also a [`Scheduler`]: `Compute::with_borrowed(&client)` runs delayed graphs
//! on its workers and records them in its stream.

use std::sync::Arc;

use super::args::{CallArgs, DepSink};
use super::delayed::Delayed;
use super::error::TaskError;
use super::future::{Future, Job, Shared};
use super::graph::Graph;
use super::key::{Key, KeyPrefix};
use super::node::{Node, Value};
use super::scheduler::{ExecContext, Scheduler};
use super::stream::TaskStream;
use super::threads::Threads;
use crate::display::{MimeBundle, Render};
use crate::interrupt::Interrupted;

/// Options for one [`Client::submit_with`]: retries and the key's prefix.
///
/// ```
/// use rhpc::tasks::Submit;
/// let options = Submit::new().retries(3).prefix("download");
/// assert_eq!(options.retry_count(), 3);
/// ```
#[derive(Clone, Default)]
pub struct Submit {
    retries: u32,
    prefix: Option<KeyPrefix>,
}

impl Submit {
    /// No retries, the function's name as prefix.
    ///
    /// ```
    /// let options = rhpc::tasks::Submit::new();
    /// assert_eq!(options.retry_count(), 0);
    /// ```
    pub fn new() -> Submit {
        Submit::default()
    }

    /// Runs the task up to `retries` more times if it panics.
    ///
    /// ```
    /// assert_eq!(rhpc::tasks::Submit::new().retries(2).retry_count(), 2);
    /// ```
    pub fn retries(mut self, retries: u32) -> Submit {
        self.retries = retries;
        self
    }

    /// Names the task's key prefix (default: the function's name).
    ///
    /// ```
    /// let client = rhpc::tasks::Client::with_workers(1)?;
    /// let options = rhpc::tasks::Submit::new().prefix("load");
    /// assert_eq!(client.submit_with(&options, || 1, ()).key().prefix(), "load");
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn prefix(mut self, prefix: impl Into<KeyPrefix>) -> Submit {
        self.prefix = Some(prefix.into());
        self
    }

    /// The number of retries.
    ///
    /// ```
    /// assert_eq!(rhpc::tasks::Submit::new().retries(4).retry_count(), 4);
    /// ```
    pub fn retry_count(&self) -> u32 {
        self.retries
    }
}

/// Local workers running submitted tasks at once, in the background.
///
/// ```
/// use rhpc::prelude::*;
///
/// fn inc(x: u64) -> u64 { x + 1 }
/// fn add(a: u64, b: u64) -> u64 { a + b }
///
/// let client = Client::with_workers(2)?;
/// let xs = client.map(inc, 0..4);                     // four futures, running now
/// let total = client.submit(add, (&xs[0], &xs[1]));    // waits for its inputs
/// assert_eq!(total.result()?, 3);
/// assert_eq!(client.gather(&xs)?, vec![1, 2, 3, 4]);
/// assert!(client.task_stream().len() >= 5);
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    threads: Threads,
    stream: TaskStream,
}

/// Futures as dependencies of a submitted task; a delayed argument is computed on the
/// client first (as [`Client::compute`] does).
struct FutureSink<'c> {
    client: &'c Client,
    deps: Vec<Arc<Shared>>,
}

impl DepSink for FutureSink<'_> {
    fn task(&mut self, node: Arc<Node>) -> usize {
        let future = self.client.compute_node(node);
        self.future(future)
    }

    fn future(&mut self, future: Arc<Shared>) -> usize {
        self.deps.push(future);
        self.deps.len() - 1
    }
}

/// A function's name, for keys: `my_crate::inc` gives `inc`, a closure gives `lambda`.
fn function_name<F>() -> &'static str {
    let name = std::any::type_name::<F>();
    if name.contains("{{closure}}") {
        "lambda"
    } else {
        super::args::prefix_of(name)
    }
}

impl Client {
    /// A client with one worker per core.
    ///
    /// ```
    /// let client = rhpc::tasks::Client::new()?;
    /// assert!(client.workers() >= 1);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn new() -> Result<Client, TaskError> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Client::with_workers(cores)
    }

    /// A client with `workers` worker threads (at least one).
    ///
    /// ```
    /// assert_eq!(rhpc::tasks::Client::with_workers(3)?.workers(), 3);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn with_workers(workers: usize) -> Result<Client, TaskError> {
        Ok(Client {
            inner: Arc::new(Inner {
                threads: Threads::new(workers)?,
                stream: TaskStream::new(),
            }),
        })
    }

    /// Runs `f` on `args` (a tuple of values, futures or delayed values) as soon as the
    /// futures among them have finished. Returns at once.
    ///
    /// ```
    /// let client = rhpc::tasks::Client::with_workers(1)?;
    /// let f = client.submit(|a: i32, b: i32| a - b, (50, 8));
    /// assert_eq!(f.result()?, 42);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn submit<F, M, A>(&self, f: F, args: A) -> Future<A::Output>
    where
        A: CallArgs<F, M>,
    {
        self.submit_with(&Submit::new(), f, args)
    }

    /// [`submit`](Client::submit) with options (retries, key prefix).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::sync::Arc;
    /// use rhpc::tasks::{Client, Submit};
    ///
    /// let client = Client::with_workers(1)?;
    /// let tries = Arc::new(AtomicU32::new(0));
    /// let counter = tries.clone();
    /// let flaky = move || {
    ///     if counter.fetch_add(1, Ordering::SeqCst) < 2 { panic!("flaky") }
    ///     "ok"
    /// };
    /// let f = client.submit_with(&Submit::new().retries(2), flaky, ());
    /// assert_eq!(f.result()?, "ok");
    /// assert_eq!(tries.load(Ordering::SeqCst), 3);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn submit_with<F, M, A>(&self, options: &Submit, f: F, args: A) -> Future<A::Output>
    where
        A: CallArgs<F, M>,
    {
        let prefix = options
            .prefix
            .clone()
            .unwrap_or_else(|| function_name::<F>().into());
        let mut sink = FutureSink {
            client: self,
            deps: Vec::new(),
        };
        let body = args.bind(f, &mut sink);
        let job = Job {
            body,
            deps: sink.deps,
            retries: options.retries,
            pool: self.inner.threads.clone(),
            stream: self.inner.stream.clone(),
        };
        let type_name = std::any::type_name::<A::Output>();
        Future::from_shared(Shared::submit(Key::generate(prefix), type_name, job))
    }

    /// Submits `f` once per item (each a value, a future or a delayed value).
    ///
    /// ```
    /// let client = rhpc::tasks::Client::with_workers(2)?;
    /// let squares = client.map(|x: u64| x * x, 1..=3);
    /// assert_eq!(client.gather(&squares)?, vec![1, 4, 9]);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn map<F, A, R, I>(&self, f: F, items: I) -> Vec<Future<R>>
    where
        F: Fn(A) -> R + Send + Sync + 'static,
        A: Clone + Send + Sync + 'static,
        R: Send + Sync + 'static,
        I: IntoIterator,
        I::Item: super::IntoArg<A>,
    {
        let options = Submit::new().prefix(function_name::<F>());
        let f = Arc::new(f);
        items
            .into_iter()
            .map(|item| {
                let f = f.clone();
                self.submit_with(&options, move |a: A| f(a), (item,))
            })
            .collect()
    }

    /// Waits for every future and returns their values in order (the first error if any
    /// failed).
    ///
    /// ```
    /// let client = rhpc::tasks::Client::with_workers(2)?;
    /// let fs = vec![client.submit(|| 1, ()), client.scatter(2)];
    /// assert_eq!(client.gather(&fs)?, vec![1, 2]);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn gather<T: Clone + Send + Sync + 'static>(
        &self,
        futures: &[Future<T>],
    ) -> Result<Vec<T>, TaskError> {
        futures.iter().map(Future::result).collect()
    }

    /// A finished future holding `value`, to pass to many tasks without copying it into
    /// each.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let client = rhpc::tasks::Client::with_workers(2)?;
    /// let data = client.scatter(Arc::new(vec![1.0f64; 1000]));
    /// let sums = client.map(|v: Arc<Vec<f64>>| v.iter().sum::<f64>(), [&data, &data]);
    /// assert_eq!(client.gather(&sums)?, vec![1000.0, 1000.0]);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn scatter<T: Send + Sync + 'static>(&self, value: T) -> Future<T> {
        let key = Key::generate("scatter");
        Future::from_shared(Shared::ready(
            key,
            std::any::type_name::<T>(),
            Arc::new(value),
        ))
    }

    /// Starts computing a delayed value on this client's workers and returns its future.
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// fn inc(x: u8) -> u8 { x + 1 }
    /// let client = Client::with_workers(2)?;
    /// let f = client.compute(&delayed!(inc(delayed!(inc(1)))));
    /// assert_eq!(f.result()?, 3);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn compute<T: Send + Sync + 'static>(&self, value: &Delayed<T>) -> Future<T> {
        Future::from_shared(self.compute_node(value.node().clone()))
    }

    /// Runs the graph of `node` in the background; the future gets the node's key.
    fn compute_node(&self, node: Arc<Node>) -> Arc<Shared> {
        let key = node.key.clone();
        let graph = Graph::from_nodes(&[node]);
        let client = self.clone();
        // The graph runs on the pool; the coordinating job waits on a plain thread so it
        // never occupies a worker while waiting.
        let body = move |_: &[Value]| -> Result<Value, String> {
            let context = ExecContext::new();
            let values = client
                .execute(&graph, &context)
                .map_err(|e| e.to_string())?;
            values
                .into_iter()
                .next()
                .ok_or_else(|| "no value".to_owned())
        };
        let coordinator = Threads::coordinator();
        let job = Job {
            body: Box::new(body),
            deps: Vec::new(),
            retries: 0,
            pool: coordinator,
            stream: TaskStream::new(),
        };
        Shared::submit(key, "(computed graph)", job)
    }

    /// The number of worker threads.
    ///
    /// ```
    /// assert_eq!(rhpc::tasks::Client::with_workers(2)?.workers(), 2);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn workers(&self) -> usize {
        self.inner.threads.workers()
    }

    /// The record of every task this client ran (futures and graphs).
    ///
    /// ```
    /// let client = rhpc::tasks::Client::with_workers(1)?;
    /// client.submit(|| 1, ()).result()?;
    /// assert_eq!(client.task_stream().len(), 1);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn task_stream(&self) -> TaskStream {
        self.inner.stream.clone()
    }

    /// Shows a live progress bar until every future is done.
    ///
    /// ```
    /// let client = rhpc::tasks::Client::with_workers(2)?;
    /// let fs = client.map(|x: u8| x, 0..5);
    /// client.progress(&fs)?;
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn progress<T>(&self, futures: &[Future<T>]) -> Result<(), Interrupted> {
        super::future::progress(futures)
    }
}

impl Scheduler for Client {
    fn name(&self) -> String {
        format!("client ({} workers)", self.workers())
    }

    fn workers(&self) -> usize {
        self.inner.threads.workers()
    }

    fn execute(&self, graph: &Graph, context: &ExecContext) -> Result<Vec<Value>, TaskError> {
        let context = context.clone().or_stream(&self.inner.stream);
        self.inner.threads.execute(graph, &context)
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Client: {} workers>", self.workers())
    }
}

impl Render for Client {
    fn render(&self) -> MimeBundle {
        let summary = self.inner.stream.summary();
        let text = format!(
            "<Client: {} workers, {} tasks run>",
            self.workers(),
            summary.tasks
        );
        let html = format!(
            "<b>Client</b>: {} local workers (threads); {} tasks run, busy {}",
            self.workers(),
            summary.tasks,
            crate::display::units::format_seconds(summary.busy)
        );
        MimeBundle::text(text).with("text/html", html)
    }
}
