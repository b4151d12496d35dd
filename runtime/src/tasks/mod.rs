//! # Task graphs: delayed values, schedulers, futures, pictures
//!
//! The course's Dask chapter in Rust, with about a hundred times less overhead per task.
//!
//! - **Lazy graphs.** `delayed!(f(a, b))` adds a task calling `f` and returns a
//!   [`Delayed<T>`]; nothing runs until [`compute`](Delayed::compute). Every task has a
//!   readable [`Key`] (`inc-3f2a9c01`) whose prefix groups and colours it. Computing several
//!   values at once ([`compute`], [`Compute::run`]) shares their common tasks;
//!   [`persist`](Delayed::persist) keeps a result for later graphs. A [`Graph`] can be
//!   inspected (tasks, roots, dependencies, depth) and drawn ([`Graph::visualize`]).
//! - **Schedulers**, per call or kept in a [`Compute`] value: [`Synchronous`] (one thread,
//!   for debugging), [`Threads`] (work stealing over all cores, the default), a [`Client`],
//!   or your own through the [`Scheduler`] trait. A panic in a task becomes
//!   [`TaskError::Failed`] with its key and message; its dependents do not run; the pool
//!   lives on.
//! - **Futures.** [`Client::submit`] runs a task now and returns a [`Future`] whose
//!   [`status`](Future::status) never blocks; [`Client::map`], [`Client::gather`],
//!   [`Client::scatter`], [`wait`], [`as_completed`], retries ([`Submit`]), cancellation,
//!   and futures as arguments of later tasks.
//! - **Pictures.** Task graphs as SVG (summarised by prefix beyond
//!   [`SUMMARY_THRESHOLD`] tasks), a [`TaskStream`] as a Gantt chart with efficiency and
//!   overhead per task, and a live progress bar ([`Compute::progress`], [`progress`]).
//!
//! ```
//! use rhpc::prelude::*;
//!
//! fn inc(x: u64) -> u64 { x + 1 }
//! fn add(a: u64, b: u64) -> u64 { a + b }
//!
//! // A tree reduction: 8 leaves summed pairwise.
//! let mut layer: Vec<Delayed<u64>> = (0..8).map(|i| delayed!(inc(i))).collect();
//! while layer.len() > 1 {
//!     layer = layer.chunks(2).map(|p| delayed!(add(&p[0], &p[1]))).collect();
//! }
//! let total = &layer[0];
//! assert_eq!(total.graph().len(), 15);
//! assert_eq!(total.compute()?, 36);
//!
//! // The same with futures, running at once on two workers.
//! let client = Client::with_workers(2)?;
//! let leaves = client.map(inc, 0..8u64);
//! let sum = client.submit(|v: Vec<u64>| v.iter().sum::<u64>(), (client.gather(&leaves)?,));
//! assert_eq!(sum.result()?, 36);
//! # Ok::<(), rhpc::tasks::TaskError>(())
//! ```
//!
//! ## Building graphs programmatically
//!
//! Collections (blocked arrays, bags, dataframes) build graphs of many tasks in code:
//! typed with [`Delayed::call`], [`Delayed::then`] and [`Delayed::combine`], or untyped
//! with [`AnyDelayed::task`] (a boxed closure over [`Value`]s). Either way
//! [`Compute::run`] / [`Compute::run_any`] runs them with any scheduler, recording into a
//! task stream and a progress bar if asked.
//!
//! ## No global state
//!
//! Keys get random identities, streams and clients are values you hold, and the default
//! scheduler runs on the session's thread pool (`rhpc::par::threads` threads; one pool per
//! process under rhpc-kernel, which links rhpc as a shared library).

mod args;
mod client;
mod compute;
mod delayed;
mod error;
mod execute;
mod future;
mod graph;
mod key;
mod layout;
mod node;
mod scheduler;
mod stream;
mod synchronous;
mod threads;
mod visualize;

pub use args::{Arg, CallArgs, IntoArg, method0, method1, method2, method3, prefix_of};
pub use client::{Client, Submit};
pub use compute::{Compute, Outputs, compute, typed_values};
pub use delayed::{AnyDelayed, Delayed};
pub use error::TaskError;
pub use future::{AsCompleted, Future, FutureStatus, as_completed, progress, wait};
pub use graph::Graph;
pub use key::{Key, KeyPrefix};
pub use node::Value;
pub use scheduler::{ExecContext, Scheduler};
pub use stream::{StreamSummary, TaskRecord, TaskStream};
pub use synchronous::Synchronous;
pub use threads::Threads;
pub use visualize::SUMMARY_THRESHOLD;
