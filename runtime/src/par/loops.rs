//! Parallel loops that stop when the user interrupts the cell.
//!
//! Plain rayon iterators run to the end whatever happens; these check the notebook's
//! interrupt between items, so a long loop stops within a fraction of a second with
//! [`ParError::Interrupted`] and the cell's variables are kept. They run on the session's
//! pool (see [`set_threads`](super::set_threads)).

use rayon::prelude::*;

use super::{ParError, install};
use crate::interrupt::{InterruptCheck, Interrupted};

/// Calls `work` on every item in parallel, stopping early if the user interrupts.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// let total = AtomicU64::new(0);
/// rhpc::par::for_each(1..=100u64, |i| {
///     total.fetch_add(i, Ordering::Relaxed);
/// })?;
/// assert_eq!(total.into_inner(), 5050);
/// # Ok::<(), rhpc::par::ParError>(())
/// ```
pub fn for_each<I, F>(items: I, work: F) -> Result<(), ParError>
where
    I: IntoParallelIterator + Send,
    F: Fn(I::Item) + Sync + Send,
{
    let check = InterruptCheck::new();
    install(move || {
        items.into_par_iter().try_for_each(|item| {
            check.check()?;
            work(item);
            Ok::<(), Interrupted>(())
        })
    })??;
    Ok(())
}

/// Maps every item in parallel and collects the results in order, stopping early if the user
/// interrupts.
///
/// ```
/// let squares: Vec<u64> = rhpc::par::map(0..5u64, |x| x * x)?;
/// assert_eq!(squares, [0, 1, 4, 9, 16]);
/// # Ok::<(), rhpc::par::ParError>(())
/// ```
pub fn map<I, F, R>(items: I, work: F) -> Result<Vec<R>, ParError>
where
    I: IntoParallelIterator + Send,
    F: Fn(I::Item) -> R + Sync + Send,
    R: Send,
{
    let check = InterruptCheck::new();
    let results = install(move || {
        items
            .into_par_iter()
            .map(|item| {
                check.check()?;
                Ok(work(item))
            })
            .collect::<Result<Vec<R>, Interrupted>>()
    })??;
    Ok(results)
}
