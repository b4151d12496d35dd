//! [`ArrayError`]: why a blocked array could not be built.

use crate::tasks::TaskError;

/// Why an operation on blocked arrays could not be built (shapes that do not fit, chunk
/// sizes that do not add up), or why computing one failed.
///
/// ```
/// use rhpc::array::{ArrayError, BlockedArray};
/// let x = BlockedArray::<f64>::zeros(&[4], &[2])?;
/// let y = BlockedArray::<f64>::zeros(&[5], &[2])?;
/// assert!(matches!(&x + &y, Err(ArrayError::ShapeMismatch { .. })));
/// # Ok::<(), ArrayError>(())
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ArrayError {
    /// Two arrays that must have one shape do not.
    #[error("shapes {left:?} and {right:?} do not match")]
    ShapeMismatch {
        /// The first array's shape.
        left: Vec<usize>,
        /// The second array's shape.
        right: Vec<usize>,
    },
    /// A chunk shape or list of chunk sizes does not fit the array's shape.
    #[error("chunks {chunks:?} do not fit shape {shape:?}")]
    BadChunks {
        /// The array's shape.
        shape: Vec<usize>,
        /// The chunks asked for.
        chunks: Vec<Vec<usize>>,
    },
    /// An axis beyond the array's dimensions.
    #[error("axis {axis} is out of range for a {ndim}-dimensional array")]
    BadAxis {
        /// The axis asked for.
        axis: usize,
        /// The array's number of dimensions.
        ndim: usize,
    },
    /// A slice beyond the array's extent, or with its end before its start.
    #[error("range {start}..{end} is out of bounds for axis {axis} of length {len}")]
    BadRange {
        /// The axis.
        axis: usize,
        /// The range's start.
        start: usize,
        /// The range's end.
        end: usize,
        /// The axis length.
        len: usize,
    },
    /// The operation needs arrays of another number of dimensions (matmul needs 2).
    #[error("{operation} needs {expected}-dimensional arrays, not {ndim}-dimensional")]
    WrongDimensions {
        /// What was asked.
        operation: &'static str,
        /// The dimensions it needs.
        expected: usize,
        /// The dimensions it got.
        ndim: usize,
    },
    /// A data length that does not match the shape asked for.
    #[error("{len} values cannot fill shape {shape:?}")]
    BadLength {
        /// The number of values given.
        len: usize,
        /// The shape asked for.
        shape: Vec<usize>,
    },
    /// A reduction's fan-in below 2.
    #[error("fan-in {0} is below 2")]
    BadFanIn(usize),
    /// Computing failed.
    #[error(transparent)]
    Task(#[from] TaskError),
}
