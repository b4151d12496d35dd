//! [`FrameError`]: why a dataframe operation could not be built.

use crate::bag::BagError;
use crate::tasks::TaskError;

/// Why a dataframe could not be read or an operation on it built (a missing column,
/// types an expression cannot combine), or why computing it failed.
///
/// ```
/// use rhpc::frame::{DataFrame, FrameError, col};
/// use std::sync::Arc;
/// use arrow_array::{Int64Array, RecordBatch};
/// let batch = RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from(vec![1, 2])) as _)])?;
/// let df = DataFrame::from_batches(vec![batch])?;
/// assert!(matches!(df.with_column("y", col("nope") + 1.0), Err(FrameError::Arrow(_))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// Finding or opening the files failed.
    #[error(transparent)]
    Files(#[from] BagError),
    /// Arrow refused the operation (a missing column, incompatible types, bad CSV or
    /// Parquet, a sum too big for its type).
    #[error("{0}")]
    Arrow(String),
    /// A dataframe needs at least one partition.
    #[error("a dataframe needs at least one partition")]
    NoPartitions,
    /// A fan-in below 2.
    #[error("fan-in {0} is below 2")]
    BadFanIn(usize),
    /// Computing failed.
    #[error(transparent)]
    Task(#[from] TaskError),
}

impl From<arrow_schema::ArrowError> for FrameError {
    fn from(error: arrow_schema::ArrowError) -> Self {
        FrameError::Arrow(error.to_string())
    }
}
