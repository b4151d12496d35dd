//! # Partitioned dataframes on arrow (cargo feature `frame`)
//!
//! The course's `dask.dataframe` in Rust: "one Dask DataFrame is comprised of many
//! in-memory pandas DataFrames separated along the index"; here one [`DataFrame`] is many
//! arrow `RecordBatch`es, one per partition, each made by a task. Arrow because its
//! crates are the columnar standard, compile in a fraction of polars' time, and can be
//! taken piece by piece (CSV reader, compute kernels); the feature is off by default so
//! rhpc's own build stays quick in notebooks (`:rhpc_features frame` turns it on).
//!
//! - **Read**: [`read_csv`](DataFrame::read_csv) (a glob, one partition per file),
//!   [`read_parquet`](DataFrame::read_parquet) (a glob, one partition per row group),
//!   [`from_batches`](DataFrame::from_batches); write with
//!   [`to_parquet`](DataFrame::to_parquet).
//! - **Transform** (checked against the schema when built): [`with_column`](DataFrame::with_column)
//!   with column arithmetic ([`col`], [`lit`], `+ - * /`), [`filter`](DataFrame::filter)
//!   with conditions (`gt`, `lt`, `equals`, `and`, `or`...), [`select`](DataFrame::select),
//!   [`map_partitions`](DataFrame::map_partitions).
//! - **Group**: [`groupby`](DataFrame::groupby) then `sum`, `mean`, `count`, `min`, `max`
//!   or several at once ([`GroupBy::agg`]), as a tree over the partitions; integer sums
//!   are exact and stay integers, as in pandas.
//! - **Results**: [`compute`](DataFrame::compute) into one `RecordBatch`,
//!   [`head`](DataFrame::head), [`len`](DataFrame::len), [`persist`](DataFrame::persist).
//!   Dataframes show their structure and partition count; computed batches show as tables.
//!
//! ```
//! use rhpc::frame::{DataFrame, col};
//!
//! let dir = std::env::temp_dir().join(format!("rhpc-doc-frame-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! for day in 1..=3 {
//!     std::fs::write(dir.join(format!("{day}.csv")), "name,amount\nalice,10\nbob,20\nalice,30\n")?;
//! }
//! let df = DataFrame::read_csv(&format!("{}/*.csv", dir.display()))?;
//! let df = df.with_column("double", col("amount") * 2)?.filter(col("amount").gt(15))?;
//! let means = df.groupby(&["name"])?.mean("double")?.compute()?;
//! assert_eq!(means.num_rows(), 2);                          // alice 60, bob 40
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod accumulate;
mod csv;
mod dataframe;
mod error;
mod expr;
mod groupby;
mod keys;
mod ops;
mod parquet_files;
mod render;

/// arrow's Parquet crate, re-exported for writing files with settings of your own
/// (`parquet::arrow::ArrowWriter`, row-group sizes, compression).
pub use ::parquet;
/// arrow's array and schema crates, re-exported so a notebook can name partitions'
/// types (`RecordBatch`, `DataType`) without a `:dep` of its own.
pub use arrow_array;
pub use arrow_schema;
pub use dataframe::{DEFAULT_FAN_IN, DataFrame};
pub use error::FrameError;
pub use expr::{Expr, Literal, Op, col, lit};
pub use groupby::{Agg, GroupBy};
