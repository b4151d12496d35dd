//! [`Threads`]: tasks on a work-stealing thread pool (rayon's).
//!
//! A task that finishes hands its dependents that became ready to the pool; the first one
//! it runs itself at once (no queueing for the common chain and reduction cases), the rest
//! go to its worker's local deque, where idle workers steal them. Roots are spawned from
//! inside the pool so they land on a local deque too. Costs per task: a few atomic
//! operations, one uncontended lock per input and output, and a boxed job when a task has
//! several ready dependents.
//!
//! A panic inside a task is caught where it runs ([`Graph::run`]), so the pool never
//! loses a thread and every task is accounted for: the caller cannot wait forever.

use std::sync::Arc;

use super::error::TaskError;
use super::execute::Run;
use super::graph::Graph;
use super::node::Value;
use super::scheduler::{ExecContext, Scheduler};
use super::synchronous::Synchronous;

/// Runs tasks on a pool of threads with work stealing.
///
/// [`Threads::session`] (the default scheduler) shares the session's pool, sized by
/// `rhpc::par::set_threads` (`:threads N` in the kernel), with the rest of rhpc;
/// [`Threads::global`] uses rayon's global pool; [`Threads::new`] starts a pool of its own,
/// kept for as long as the value lives.
///
/// ```
/// use rhpc::prelude::*;
/// use rhpc::tasks::Threads;
///
/// fn square(x: u64) -> u64 { x * x }
/// let pool = Threads::new(2)?;
/// let squares: Vec<Delayed<u64>> = (0..10).map(|i| delayed!(square(i))).collect();
/// assert_eq!(Compute::with_borrowed(&pool).run(&squares)?, (0..10).map(|i| i * i).collect::<Vec<_>>());
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
#[derive(Clone, Default)]
pub struct Threads {
    pool: Pool,
}

#[derive(Clone, Default)]
enum Pool {
    /// rayon's global pool.
    #[default]
    Global,
    /// A pool owned by this value (and its clones).
    Own(Arc<rayon::ThreadPool>),
    /// A fresh thread per job: for jobs that mostly wait (a client coordinating a graph).
    Detached,
}

impl Threads {
    /// A pool of its own with `workers` threads (at least one).
    ///
    /// ```
    /// use rhpc::tasks::{Scheduler, Threads};
    /// assert_eq!(Threads::new(3)?.workers(), 3);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn new(workers: usize) -> Result<Threads, TaskError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers.max(1))
            .thread_name(|i| format!("rhpc-task-{i}"))
            .build()
            .map_err(|e| TaskError::Scheduler(format!("cannot start {workers} threads: {e}")))?;
        Ok(Threads {
            pool: Pool::Own(Arc::new(pool)),
        })
    }

    /// rayon's global pool (one thread per core unless configured otherwise).
    ///
    /// ```
    /// use rhpc::tasks::{Scheduler, Threads};
    /// assert!(Threads::global().workers() >= 1);
    /// ```
    pub fn global() -> Threads {
        Threads { pool: Pool::Global }
    }

    /// The session's pool: [`rhpc::par::threads`](crate::par::threads) threads, the size
    /// that `rhpc::par::set_threads` (the kernel's `:threads N`) chooses; the default
    /// scheduler of [`Compute`](super::Compute). Falls back to rayon's global pool if the
    /// session's pool cannot start.
    ///
    /// ```
    /// use rhpc::tasks::{Scheduler, Threads};
    /// assert_eq!(Threads::session().workers(), rhpc::par::threads());
    /// ```
    pub fn session() -> Threads {
        match crate::par::pool(crate::par::threads()) {
            Ok(pool) => Threads {
                pool: Pool::Own(pool),
            },
            Err(_) => Threads::global(),
        }
    }

    /// Runs each job on a thread of its own, for jobs that wait rather than compute.
    pub(crate) fn coordinator() -> Threads {
        Threads {
            pool: Pool::Detached,
        }
    }

    /// Whether the calling thread is one of this pool's workers (a task computing a graph
    /// itself); waiting there for the pool could deadlock, so such graphs run inline.
    fn on_own_worker(&self) -> bool {
        match &self.pool {
            Pool::Own(pool) => pool.current_thread_index().is_some(),
            Pool::Global => rayon::current_thread_index().is_some(),
            Pool::Detached => false,
        }
    }

    /// Runs `job` on this pool.
    pub(crate) fn spawn(&self, job: impl FnOnce() + Send + 'static) {
        match &self.pool {
            Pool::Own(pool) => pool.spawn(job),
            Pool::Global => rayon::spawn(job),
            Pool::Detached => {
                std::thread::spawn(job);
            }
        }
    }
}

/// Runs `task`, then keeps running the first dependent it made ready; the others go to
/// this worker's deque for stealing.
fn drive(run: Arc<Run>, mut task: usize) {
    let worker = rayon::current_thread_index().unwrap_or(0);
    loop {
        run.execute(task, worker);
        let mut next = None;
        run.release_dependents(task, |ready| {
            if next.is_none() {
                next = Some(ready);
            } else {
                let run = run.clone();
                rayon::spawn(move || drive(run, ready));
            }
        });
        run.finish_one();
        match next {
            Some(ready) => task = ready,
            None => return,
        }
    }
}

impl Scheduler for Threads {
    fn name(&self) -> String {
        format!("threads ({} workers)", self.workers())
    }

    fn workers(&self) -> usize {
        match &self.pool {
            Pool::Own(pool) => pool.current_num_threads(),
            Pool::Global => rayon::current_num_threads(),
            Pool::Detached => 1,
        }
    }

    fn execute(&self, graph: &Graph, context: &ExecContext) -> Result<Vec<Value>, TaskError> {
        if self.on_own_worker() {
            return Synchronous.execute(graph, context);
        }
        let run = Arc::new(Run::new(graph, self.workers(), context.stream().is_some()));
        let roots = graph.roots();
        let starter = run.clone();
        self.spawn(move || {
            for &root in roots.iter().rev() {
                let run = starter.clone();
                rayon::spawn(move || drive(run, root));
            }
        });
        let waited = run.wait(context);
        run.report(context);
        waited?;
        context.finish(graph.len(), graph.len());
        run.outputs()
    }
}

impl std::fmt::Debug for Threads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}
