//! [`BagError`]: why a bag could not be built.

use crate::tasks::TaskError;

/// Why a bag could not be built (a bad glob pattern, no files), or computing it failed.
///
/// ```
/// use rhpc::bag::{Bag, BagError};
/// let missing = Bag::read_text("/no/such/dir/*.txt");
/// assert!(matches!(missing, Err(BagError::NoFiles(_))));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BagError {
    /// The glob pattern is malformed.
    #[error("bad glob pattern {pattern:?}: {message}")]
    Pattern {
        /// The pattern.
        pattern: String,
        /// What is wrong with it.
        message: String,
    },
    /// No file matches the pattern.
    #[error("no file matches {0:?}")]
    NoFiles(String),
    /// A matching file could not be inspected.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The system's message.
        message: String,
    },
    /// A bag needs at least one partition.
    #[error("a bag needs at least one partition")]
    NoPartitions,
    /// A fan-in below 2.
    #[error("fan-in {0} is below 2")]
    BadFanIn(usize),
    /// Computing failed.
    #[error(transparent)]
    Task(#[from] TaskError),
}
