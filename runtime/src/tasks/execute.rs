//! The state of one run of a graph, shared by the built-in schedulers: which tasks are
//! ready, their values, failures passed on to dependents, memory released early, records
//! for the task stream, and completion.
//!
//! A value is dropped as soon as the last task that takes it has started (outputs are
//! kept), so a reduction over many blocks holds only the blocks in flight, as in Dask.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::error::TaskError;
use super::graph::Graph;
use super::node::Value;
use super::scheduler::ExecContext;
use super::stream::TaskRecord;
use crate::interrupt::Interrupted;
// Task bodies run outside every lock, so a poisoned lock only means another thread panicked
// in our own bookkeeping; the data is still consistent.
use crate::poison::lock;

/// How often a waiting caller looks at interrupts and updates the progress bar.
const WAIT_SLICE: Duration = Duration::from_millis(20);

enum Slot {
    Empty,
    Done(Value),
    Failed(TaskError),
    Freed,
}

/// One task's run on one worker, for the task stream.
struct Raw {
    task: u32,
    start: Instant,
    end: Instant,
    ok: bool,
}

pub(crate) struct Run {
    pub(crate) graph: Graph,
    /// Dependencies (distinct) not finished yet, per task.
    remaining: Vec<AtomicU32>,
    /// Tasks still to take this value, per task (outputs have one extra, never released).
    uses: Vec<AtomicU32>,
    slots: Vec<Mutex<Slot>>,
    finished: AtomicUsize,
    cancelled: AtomicBool,
    records: Option<Vec<Mutex<Vec<Raw>>>>,
    done: Mutex<bool>,
    wake: Condvar,
}

impl Run {
    pub(crate) fn new(graph: &Graph, workers: usize, record: bool) -> Run {
        let n = graph.len();
        let mut uses: Vec<u32> = (0..n).map(|t| graph.dependents(t).len() as u32).collect();
        for &output in graph.outputs() {
            uses[output as usize] = uses[output as usize].saturating_add(1);
        }
        let remaining = (0..n)
            .map(|t| {
                let deps = graph.dependencies(t);
                let distinct = deps
                    .iter()
                    .enumerate()
                    .filter(|(i, d)| !deps[..*i].contains(d))
                    .count();
                AtomicU32::new(distinct as u32)
            })
            .collect();
        Run {
            graph: graph.clone(),
            remaining,
            uses: uses.into_iter().map(AtomicU32::new).collect(),
            slots: (0..n).map(|_| Mutex::new(Slot::Empty)).collect(),
            finished: AtomicUsize::new(0),
            cancelled: AtomicBool::new(false),
            records: record.then(|| {
                (0..workers.max(1))
                    .map(|_| Mutex::new(Vec::new()))
                    .collect()
            }),
            done: Mutex::new(n == 0),
            wake: Condvar::new(),
        }
    }

    /// Runs task `task` on `worker` (its dependencies must have finished): a failed or
    /// cancelled dependency fails it without running; a panic fails it with its key.
    pub(crate) fn execute(&self, task: usize, worker: usize) {
        let deps = self.graph.dependencies(task);
        let mut inputs = Vec::with_capacity(deps.len());
        let mut failure = None;
        if self.cancelled.load(Ordering::Relaxed) {
            failure = Some(TaskError::Interrupted(Interrupted));
        }
        for &dep in deps {
            if failure.is_some() {
                break;
            }
            match &*lock(&self.slots[dep as usize]) {
                Slot::Done(value) => inputs.push(value.clone()),
                Slot::Failed(error) => failure = Some(error.clone()),
                Slot::Empty | Slot::Freed => {
                    failure = Some(TaskError::Scheduler(format!(
                        "{} ran before its dependency {}",
                        self.graph.key(task),
                        self.graph.key(dep as usize)
                    )))
                }
            }
        }
        // Release inputs only after reading them all: a task may take one value twice.
        for (position, &dep) in deps.iter().enumerate() {
            if !deps[..position].contains(&dep)
                && self.uses[dep as usize].fetch_sub(1, Ordering::AcqRel) == 1
            {
                *lock(&self.slots[dep as usize]) = Slot::Freed;
            }
        }
        let slot = match failure {
            Some(error) => Slot::Failed(error),
            None => {
                let start = self.records.as_ref().map(|_| Instant::now());
                let result = self.graph.run(task, &inputs);
                drop(inputs);
                if let (Some(records), Some(start)) = (&self.records, start) {
                    let raw = Raw {
                        task: task as u32,
                        start,
                        end: Instant::now(),
                        ok: result.is_ok(),
                    };
                    lock(&records[worker.min(records.len() - 1)]).push(raw);
                }
                match result {
                    Ok(value) => Slot::Done(value),
                    Err(error) => Slot::Failed(error),
                }
            }
        };
        if self.uses[task].load(Ordering::Acquire) > 0 {
            *lock(&self.slots[task]) = slot;
        }
    }

    /// Calls `ready` for each dependent of `task` whose last dependency this was.
    pub(crate) fn release_dependents(&self, task: usize, mut ready: impl FnMut(usize)) {
        for &dependent in self.graph.dependents(task) {
            if self.remaining[dependent as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                ready(dependent as usize);
            }
        }
    }

    /// Counts a task as finished; the last one wakes the waiting caller.
    pub(crate) fn finish_one(&self) {
        if self.finished.fetch_add(1, Ordering::AcqRel) + 1 == self.graph.len() {
            *lock(&self.done) = true;
            self.wake.notify_all();
        }
    }

    pub(crate) fn finished(&self) -> usize {
        self.finished.load(Ordering::Acquire)
    }

    /// Makes every task that has not started yet fail as interrupted (they finish fast).
    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Blocks until every task has finished, updating the progress bar; on an interrupt,
    /// cancels the rest and returns at once (running tasks finish in the background).
    pub(crate) fn wait(&self, context: &ExecContext) -> Result<(), TaskError> {
        let total = self.graph.len();
        let mut done = lock(&self.done);
        while !*done {
            done = self
                .wake
                .wait_timeout(done, WAIT_SLICE)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            if context.is_interrupted() {
                self.cancel();
                return Err(TaskError::Interrupted(Interrupted));
            }
            context.progress(self.finished(), total);
        }
        Ok(())
    }

    /// Sends the recorded runs to the context's task stream.
    pub(crate) fn report(&self, context: &ExecContext) {
        let (Some(records), Some(stream)) = (&self.records, context.stream()) else {
            return;
        };
        let mut batch = Vec::new();
        for (worker, raws) in records.iter().enumerate() {
            for raw in lock(raws).drain(..) {
                batch.push(TaskRecord {
                    key: self.graph.key(raw.task as usize).clone(),
                    worker,
                    start: stream.seconds_at(raw.start),
                    end: stream.seconds_at(raw.end),
                    ok: raw.ok,
                });
            }
        }
        stream.extend(batch, records.len());
    }

    /// The outputs' values in order, or the first output's error.
    pub(crate) fn outputs(&self) -> Result<Vec<Value>, TaskError> {
        self.graph
            .outputs()
            .iter()
            .map(|&task| match &*lock(&self.slots[task as usize]) {
                Slot::Done(value) => Ok(value.clone()),
                Slot::Failed(error) => Err(error.clone()),
                Slot::Empty | Slot::Freed => Err(TaskError::Scheduler(format!(
                    "no value for {}",
                    self.graph.key(task as usize)
                ))),
            })
            .collect()
    }
}
