//! # Bags: partitioned collections of any items, computed as task graphs
//!
//! The course's `dask.bag` in Rust: for semi-structured data (lines of logs, JSON records)
//! that does not fit an array or a table. A [`Bag<T>`] is a list of partitions, each a
//! `Vec<T>` made by one task; operations add tasks per partition and aggregations combine
//! partial results as trees. Nothing runs until [`compute`](Bag::compute) (or
//! [`Compute::run`](crate::tasks::Compute::run) with any scheduler, task stream and
//! progress bar).
//!
//! - **Create**: [`from_iter`](Bag::from_iter), [`read_text`](Bag::read_text) and
//!   [`read_text_split`](Bag::read_text_split) (a glob of text files, line by line, one
//!   or more partitions per file).
//! - **Transform**: [`map`](Bag::map), [`filter`](Bag::filter), [`flat_map`](Bag::flat_map),
//!   [`map_partitions`](Bag::map_partitions).
//! - **Aggregate** (a [`Delayed`](crate::tasks::Delayed) result): [`fold`](Bag::fold),
//!   [`reduce`](Bag::reduce), [`count`](Bag::count), [`sum`](Bag::sum),
//!   [`frequencies`](Bag::frequencies), [`group_by`](Bag::group_by),
//!   [`fold_by`](Bag::fold_by).
//! - **Results**: [`compute`](Bag::compute), [`take`](Bag::take) (only the partitions
//!   needed), [`persist`](Bag::persist), [`visualize`](Bag::visualize).
//!
//! ```
//! use rhpc::bag::Bag;
//!
//! let lines = Bag::from_iter(["to be or", "not to be"], 2)?;
//! let words = lines.flat_map(|l| l.split(' ').map(String::from).collect::<Vec<_>>());
//! let top = words.frequencies().compute()?;
//! assert_eq!(top[0], ("be".to_string(), 2));
//! # Ok::<(), rhpc::bag::BagError>(())
//! ```

mod aggregate;
mod collection;
mod create;
mod error;
pub(crate) mod files;
mod transform;

pub use collection::{Bag, DEFAULT_FAN_IN};
pub use error::BagError;
