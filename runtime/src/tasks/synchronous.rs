//! [`Synchronous`]: every task on the calling thread, one after another; for debugging
//! (a panic's backtrace points into your task) and as the reference result.

use std::time::{Duration, Instant};

use super::error::TaskError;
use super::execute::Run;
use super::graph::Graph;
use super::node::Value;
use super::scheduler::{ExecContext, Scheduler};

/// How many tasks run between two looks at the clock (interrupts, progress).
const CHECK_EVERY: usize = 64;
const CHECK_INTERVAL: Duration = Duration::from_millis(20);

/// Runs every task on the calling thread, in a topological order.
///
/// ```
/// use rhpc::prelude::*;
/// use rhpc::tasks::{Scheduler, Synchronous};
///
/// fn inc(x: i32) -> i32 { x + 1 }
/// let y = delayed!(inc(delayed!(inc(1))));
/// assert_eq!(y.compute_with(&Synchronous)?, 3);
/// assert_eq!(Synchronous.workers(), 1);
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Synchronous;

impl Scheduler for Synchronous {
    fn name(&self) -> String {
        "synchronous".into()
    }

    fn workers(&self) -> usize {
        1
    }

    fn execute(&self, graph: &Graph, context: &ExecContext) -> Result<Vec<Value>, TaskError> {
        let run = Run::new(graph, 1, context.stream().is_some());
        let total = graph.len();
        let mut last_check = Instant::now();
        for task in 0..total {
            run.execute(task, 0);
            if task % CHECK_EVERY == CHECK_EVERY - 1 && last_check.elapsed() >= CHECK_INTERVAL {
                last_check = Instant::now();
                if let Err(error) = context.check() {
                    run.report(context);
                    return Err(error);
                }
                context.progress(task + 1, total);
            }
        }
        run.report(context);
        context.finish(total, total);
        run.outputs()
    }
}
