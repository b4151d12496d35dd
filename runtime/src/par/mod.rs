//! Parallel Rust: data-parallel iterators, thread pools by size, scaling studies, memory
//! bandwidth, and the course's matrix-multiply kernel.
//!
//! Python's global interpreter lock lets one thread run Python bytecode at a time, so the
//! course turns to `multiprocessing` (separate processes, separate memory) or to compiled
//! code. Rust threads share memory and run truly in parallel; the borrow checker rules out
//! data races at compile time. The usual way to use them is [rayon]'s parallel iterators,
//! re-exported here: change `iter()` to `par_iter()`.
//!
//! ```
//! use rhpc::par::*;
//!
//! let total: u64 = (1..=1_000_000u64).into_par_iter().map(|x| x % 7).sum();
//! assert_eq!(total, (1..=1_000_000u64).map(|x| x % 7).sum::<u64>());
//!
//! // The same on exactly two threads, and the thread count seen inside.
//! let (sum, inside) = with_threads(2, || {
//!     ((0..100u32).into_par_iter().sum::<u32>(), current_num_threads())
//! })?;
//! assert_eq!((sum, inside), (4950, 2));
//! # Ok::<(), ParError>(())
//! ```
//!
//! - [`with_threads`], [`set_threads`], [`install`]: pools of a chosen size, cached so that
//!   cells calling them again and again do not start threads without bound;
//! - [`scaling`] and [`weak_scaling`]: time a closure on 1, 2, 4, ... threads, with speed-up,
//!   efficiency, an Amdahl's-law fit and a chart;
//! - [`for_each`] and [`map`]: parallel loops that stop when the notebook is interrupted;
//! - [`bandwidth`]: the memory bandwidth this machine achieves (STREAM copy and triad);
//! - [`matmul`]: naive, parallel and cache-tiled matrix multiply.
//!
//! Use rayon through these re-exports rather than a separate `:dep rayon`: under the kernel
//! rhpc is one shared library, so its rayon (and its pools) is one per session.

mod amdahl;
mod bandwidth;
mod loops;
pub mod matmul;
mod pool;
mod scaling;
mod simd;
mod team;

pub use amdahl::{AmdahlFit, Law};
pub use bandwidth::{Bandwidth, StreamBench, bandwidth};
pub use loops::{for_each, map};
pub use pool::{
    MAX_CACHED_POOLS, MAX_THREADS, cached_pools, cores, current_num_threads, install, pool,
    reset_threads, set_threads, threads, with_threads,
};
pub use rayon;
pub use rayon::prelude::*;
pub use scaling::{Scaling, ScalingKind, ScalingPoint, ScalingStudy, scaling, weak_scaling};

use crate::interrupt::Interrupted;

/// What can go wrong in parallel work.
///
/// ```
/// let error = rhpc::par::with_threads(0, || ()).unwrap_err();
/// assert_eq!(error.to_string(), "a thread pool needs at least one thread");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParError {
    /// A pool of zero threads was asked for.
    #[error("a thread pool needs at least one thread")]
    NoThreads,
    /// More threads than [`MAX_THREADS`] were asked for.
    #[error("{requested} threads is more than the limit of {limit} per pool")]
    TooManyThreads {
        /// The count asked for.
        requested: usize,
        /// The limit.
        limit: usize,
    },
    /// The operating system would not start the pool's threads.
    #[error("could not start a pool of {threads} threads: {source}")]
    Pool {
        /// The pool's size.
        threads: usize,
        /// rayon's reason.
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
    /// An operand has the wrong number of elements.
    #[error("operand {operand} has {found} elements where {expected} were expected")]
    Shape {
        /// Which operand.
        operand: &'static str,
        /// Elements expected.
        expected: usize,
        /// Elements given.
        found: usize,
    },
    /// A scaling study was given no thread counts, or a benchmark no elements.
    #[error("nothing to measure: {0}")]
    Empty(&'static str),
    /// The user interrupted the kernel.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
}
