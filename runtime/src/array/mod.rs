//! # Blocked arrays: big arrays as grids of `ndarray` chunks, computed as task graphs
//!
//! The course's `dask.array` in Rust. A [`BlockedArray<T>`] is cut into chunks (a
//! [`ChunkGrid`]); every operation adds tasks to a graph and nothing runs until
//! [`compute`](BlockedArray::compute), on any [scheduler](crate::tasks::Scheduler), with a
//! task stream and a progress bar if asked ([`Compute`](crate::tasks::Compute)).
//!
//! - **Create** from a `Vec` or an `ndarray` ([`from_vec`](BlockedArray::from_vec),
//!   [`from_array`](BlockedArray::from_array)), from a function of the index
//!   ([`from_shape_fn`](BlockedArray::from_shape_fn)), [`zeros`](BlockedArray::zeros),
//!   [`ones`](BlockedArray::ones), [`full`](BlockedArray::full), random
//!   ([`random`](BlockedArray::random), [`uniform`](BlockedArray::uniform)).
//! - **Elementwise** `+ - * /` with scalars and arrays, [`map`](BlockedArray::map):
//!   fused, one task per block for a whole chain. [`map_blocks`](BlockedArray::map_blocks)
//!   and [`astype`](BlockedArray::astype) work on whole blocks.
//! - **Reductions** `sum`, `mean`, `min`, `max`, `var`, `std` over everything (a
//!   [`Delayed`](crate::tasks::Delayed) scalar) or along an axis (`sum_axis(0)`: an array),
//!   as trees with a configurable fan-in ([`with_fan_in`](BlockedArray::with_fan_in)).
//! - **Structure**: [`rechunk`](BlockedArray::rechunk), [`slice`](BlockedArray::slice),
//!   blockwise [`matmul`](BlockedArray::matmul).
//! - **Results**: [`compute`](BlockedArray::compute) into an `ndarray::ArrayD`,
//!   [`persist`](BlockedArray::persist), [`graph`](BlockedArray::graph) and
//!   [`visualize`](BlockedArray::visualize). In a notebook an array shows as Dask's repr:
//!   bytes, shape, chunk shape, counts, element type and the chunk grid.
//!
//! ```
//! use rhpc::array::BlockedArray;
//! use rhpc::tasks::{Compute, Synchronous, TaskStream};
//!
//! let x = BlockedArray::<f64>::random(&[2000, 2000], &[500, 500], 42)?;
//! let y = (&x + 1.0) * 2.0;                         // fused: one task per block
//! let stream = TaskStream::new();
//! let total = Compute::with(Synchronous).stream(&stream).run(&y.sum())?;
//! assert!((total / 4.0e6 - 3.0).abs() < 0.01);       // mean of (u + 1) * 2 is 3
//! assert_eq!(stream.len(), 16 + 16 + 2 + 1);          // blocks, partial sums, tree
//!
//! let columns = y.mean_axis(0)?.compute()?;            // one mean per column
//! assert_eq!(columns.shape(), &[2000]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Why it is fast
//!
//! Elementwise chains are kept per block as a small expression and evaluated in cache-sized
//! tiles ([fused](self)), so `((x + 1) * 2).sum()` reads each element once, like a
//! hand-written loop; big blocks are split across threads inside their task, so a few
//! blocks still use every core. The price: an elementwise result used by two reductions
//! is evaluated twice (cheap next to reading memory); [`persist`](BlockedArray::persist)
//! keeps it instead.

mod block;
mod blocked;
mod chunks;
mod create;
mod element;
mod elementwise;
mod error;
mod fused;
mod matmul;
mod random;
mod rechunk;
mod reduce;
mod region;
mod render;
mod slice;

pub use blocked::{BlockedArray, DEFAULT_FAN_IN};
pub use chunks::ChunkGrid;
pub use element::Element;
pub use error::ArrayError;
/// The `ndarray` crate the chunks and results are made of, re-exported so a notebook can
/// name its types (`rhpc::array::ndarray::Array2`) without a `:dep` of its own.
pub use ndarray;
pub use random::uniform01;
