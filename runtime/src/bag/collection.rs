//! [`Bag`]: the collection itself: its partitions (one task each), computing them, and
//! how a bag shows itself.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::error::BagError;
use crate::display::{MimeBundle, Render, Table};
use crate::partitions::Partitions;
use crate::tasks::{AnyDelayed, Compute, Graph, Outputs, Scheduler, TaskError, Value};

/// The fan-in of a bag's tree aggregations unless
/// [`with_fan_in`](Bag::with_fan_in) says otherwise.
pub const DEFAULT_FAN_IN: usize = crate::partitions::DEFAULT_FAN_IN;

/// A lazy collection of items in partitions, each partition a `Vec<T>` computed by a task
/// (Dask's `dask.bag`): for semi-structured data such as lines of text or records, with
/// `map`, `filter`, folds, frequencies and group-bys run partition by partition.
///
/// ```
/// use rhpc::bag::Bag;
/// let numbers = Bag::from_iter(1..=100u64, 4)?;
/// let even_squares = numbers.filter(|n| n % 2 == 0).map(|n| n * n);
/// assert_eq!(even_squares.npartitions(), 4);
/// assert_eq!(even_squares.count().compute()?, 50);
/// assert_eq!(even_squares.take(3)?, vec![4, 16, 36]);
/// # Ok::<(), rhpc::bag::BagError>(())
/// ```
pub struct Bag<T> {
    pub(crate) parts: Partitions,
    _items: PhantomData<fn() -> T>,
}

impl<T> Clone for Bag<T> {
    fn clone(&self) -> Self {
        Bag::of(self.parts.clone())
    }
}

/// A partition's items.
pub(crate) fn items<T: 'static>(value: &Value) -> Result<&Vec<T>, String> {
    value
        .downcast_ref::<Vec<T>>()
        .ok_or_else(|| format!("a partition is not a Vec<{}>", std::any::type_name::<T>()))
}

impl<T> Bag<T> {
    /// The bag of these partitions (each task giving a `Vec<T>`).
    pub(crate) fn of(parts: Partitions) -> Bag<T> {
        Bag {
            parts,
            _items: PhantomData,
        }
    }
}

impl<T: Send + Sync + 'static> Bag<T> {
    pub(crate) fn from_partitions(partitions: Vec<AnyDelayed>, name: &'static str) -> Bag<T> {
        Bag::of(Partitions::new(partitions, name))
    }

    /// A bag of other items with this bag's settings.
    pub(crate) fn derive<U>(&self, partitions: Vec<AnyDelayed>, name: &'static str) -> Bag<U> {
        Bag::of(self.parts.derive(partitions, name))
    }

    /// The number of partitions.
    ///
    /// ```
    /// assert_eq!(rhpc::bag::Bag::from_iter(0..10, 3)?.npartitions(), 3);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn npartitions(&self) -> usize {
        self.parts.len()
    }

    /// The same bag with aggregations combining `fan_in` partial results per task (at
    /// least 2).
    ///
    /// ```
    /// use rhpc::bag::Bag;
    /// let bag = Bag::from_iter(0..64u32, 16)?.with_fan_in(2)?;
    /// assert_eq!(bag.count().graph().len(), 16 + 16 + 8 + 4 + 2 + 1);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn with_fan_in(&self, fan_in: usize) -> Result<Bag<T>, BagError> {
        let parts = self
            .parts
            .with_fan_in(fan_in)
            .ok_or(BagError::BadFanIn(fan_in))?;
        Ok(Bag::of(parts))
    }

    /// One task per partition, giving its items as a `Vec<T>`.
    ///
    /// ```
    /// let bag = rhpc::bag::Bag::from_iter(0..10, 2)?;
    /// assert_eq!(bag.to_delayed()[1].typed::<Vec<i32>>().compute()?, vec![5, 6, 7, 8, 9]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_delayed(&self) -> Vec<AnyDelayed> {
        self.parts.tasks().to_vec()
    }

    /// The task graph computing every partition.
    ///
    /// ```
    /// let bag = rhpc::bag::Bag::from_iter(0..10, 2)?.map(|x| x + 1);
    /// assert_eq!(bag.graph().len(), 4);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn graph(&self) -> Graph {
        self.parts.graph()
    }

    /// A picture of the task graph.
    ///
    /// ```
    /// let bag = rhpc::bag::Bag::from_iter(0..10, 2)?.map(|x| x + 1);
    /// assert!(bag.visualize().to_svg().contains("map"));
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn visualize(&self) -> crate::display::svg::SvgDoc {
        self.graph().visualize()
    }
}

impl<T: Clone + Send + Sync + 'static> Bag<T> {
    /// Every item, in partition order, computed with the default scheduler.
    ///
    /// ```
    /// let bag = rhpc::bag::Bag::from_iter(["a", "b", "c"], 2)?;
    /// assert_eq!(bag.compute()?, vec!["a", "b", "c"]);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn compute(&self) -> Result<Vec<T>, TaskError> {
        Compute::default().run(self)
    }

    /// Every item, computed with the given scheduler.
    ///
    /// ```
    /// use rhpc::tasks::Synchronous;
    /// let bag = rhpc::bag::Bag::from_iter(0..4, 2)?.map(|x| x * 10);
    /// assert_eq!(bag.compute_with(&Synchronous)?, vec![0, 10, 20, 30]);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn compute_with(&self, scheduler: &dyn Scheduler) -> Result<Vec<T>, TaskError> {
        Compute::with_borrowed(scheduler).run(self)
    }

    /// The first `n` items (or all, if there are fewer), computing partitions one at a
    /// time, in order, only as many as needed.
    ///
    /// ```
    /// let bag = rhpc::bag::Bag::from_iter(0..1000, 10)?;
    /// assert_eq!(bag.take(3)?, vec![0, 1, 2]);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn take(&self, n: usize) -> Result<Vec<T>, TaskError> {
        self.take_with(n, &Compute::default())
    }

    /// [`take`](Bag::take), computing with `how`.
    ///
    /// ```
    /// use rhpc::tasks::{Compute, Synchronous};
    /// let bag = rhpc::bag::Bag::from_iter(0..10, 5)?;
    /// assert_eq!(bag.take_with(3, &Compute::with(Synchronous))?, vec![0, 1, 2]);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn take_with(&self, n: usize, how: &Compute<'_>) -> Result<Vec<T>, TaskError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let mut seen = 0;
        let parts = self.parts.leading(how, |part: &Vec<T>| {
            seen += part.len();
            seen >= n
        })?;
        Ok(parts.into_iter().flatten().take(n).collect())
    }

    /// Computes every partition now (with `how`) and returns a bag holding them.
    ///
    /// ```
    /// use rhpc::tasks::Compute;
    /// let bag = rhpc::bag::Bag::from_iter(0..10, 2)?.map(|x| x * 2).persist(&Compute::default())?;
    /// assert_eq!(bag.graph().len(), 2);
    /// assert_eq!(bag.compute()?.len(), 10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn persist(&self, how: &Compute<'_>) -> Result<Bag<T>, TaskError> {
        Ok(Bag::of(self.parts.persist(how)?))
    }
}

impl<T: Clone + Send + Sync + 'static> Outputs for Bag<T> {
    type Values = Vec<T>;

    fn nodes(&self, into: &mut Vec<AnyDelayed>) {
        into.extend(self.parts.tasks().iter().cloned());
    }

    /// Concatenates the partitions.
    fn values(&self, values: &mut std::vec::IntoIter<Value>) -> Result<Vec<T>, TaskError> {
        let mut out = Vec::new();
        for _ in 0..self.parts.len() {
            let value = values.next().ok_or_else(|| {
                TaskError::Scheduler("a scheduler returned too few values".into())
            })?;
            match value.downcast::<Vec<T>>() {
                Ok(part) => match Arc::try_unwrap(part) {
                    Ok(part) => out.extend(part),
                    Err(shared) => out.extend(shared.iter().cloned()),
                },
                Err(_) => {
                    return Err(TaskError::Scheduler(format!(
                        "a partition is not a Vec<{}>",
                        std::any::type_name::<T>()
                    )));
                }
            }
        }
        Ok(out)
    }
}

impl<T> fmt::Display for Bag<T> {
    /// `Bag<map, npartitions=4>`, as Dask writes `dask.bag<map, npartitions=4>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Bag<{}, npartitions={}>",
            self.parts.name(),
            self.parts.len()
        )
    }
}

impl<T> fmt::Debug for Bag<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<T> Render for Bag<T> {
    /// Its name, item type, partitions and tasks.
    fn render(&self) -> MimeBundle {
        let table = Table::new(["Bag", self.parts.name()])
            .row(["Items", std::any::type_name::<T>()])
            .row(["Partitions".to_string(), self.parts.len().to_string()])
            .row(["Tasks".to_string(), self.parts.graph().len().to_string()]);
        table.render().with("text/plain", self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bag_shows_its_partitions_and_tasks() {
        let bag = Bag::from_iter(0..10u8, 3).unwrap().map(|x| x + 1);
        let bundle = bag.render();
        assert_eq!(bundle.plain_text(), "Bag<map, npartitions=3>");
        let html = bundle.get("text/html").and_then(|v| v.as_str()).unwrap();
        assert!(html.contains("<td") && html.contains(">6<"), "{html}");
    }
}
