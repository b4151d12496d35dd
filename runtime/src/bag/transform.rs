//! Item-by-item operations: `map`, `filter`, `flat_map`, and `map_partitions` on whole
//! partitions. Each adds one task per partition.

use std::sync::Arc;

use super::collection::{Bag, items};
use crate::tasks::Value;

impl<T: Send + Sync + 'static> Bag<T> {
    /// A bag of `f(partition)` for each partition (`name` shown in task keys).
    ///
    /// ```
    /// let bag = rhpc::bag::Bag::from_iter(0..10, 2)?;
    /// let sums = bag.map_partitions("psum", |part| vec![part.iter().sum::<i32>()]);
    /// assert_eq!(sums.compute()?, vec![10, 35]);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn map_partitions<U, F>(&self, name: &'static str, f: F) -> Bag<U>
    where
        U: Send + Sync + 'static,
        F: Fn(&[T]) -> Vec<U> + Send + Sync + 'static,
    {
        let partitions = self.parts.each(name, move |value| {
            Ok(Arc::new(f(items::<T>(value)?)) as Value)
        });
        self.derive(partitions, name)
    }

    /// A bag of `f(item)` for each item.
    ///
    /// ```
    /// let words = rhpc::bag::Bag::from_iter(["a", "bb"], 1)?;
    /// assert_eq!(words.map(|w| w.len()).compute()?, vec![1, 2]);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn map<U, F>(&self, f: F) -> Bag<U>
    where
        U: Send + Sync + 'static,
        F: Fn(&T) -> U + Send + Sync + 'static,
    {
        self.map_partitions("map", move |part| part.iter().map(&f).collect())
    }

    /// The items of every `f(item)`.
    ///
    /// ```
    /// let lines = rhpc::bag::Bag::from_iter(["a b", "c"], 2)?;
    /// let words = lines.flat_map(|l| l.split(' ').map(String::from).collect::<Vec<_>>());
    /// assert_eq!(words.compute()?, vec!["a", "b", "c"]);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn flat_map<U, I, F>(&self, f: F) -> Bag<U>
    where
        U: Send + Sync + 'static,
        I: IntoIterator<Item = U>,
        F: Fn(&T) -> I + Send + Sync + 'static,
    {
        self.map_partitions("flat_map", move |part| part.iter().flat_map(&f).collect())
    }
}

impl<T: Clone + Send + Sync + 'static> Bag<T> {
    /// The items for which `keep` is true.
    ///
    /// ```
    /// let bag = rhpc::bag::Bag::from_iter(0..10, 3)?;
    /// assert_eq!(bag.filter(|x| x % 3 == 0).compute()?, vec![0, 3, 6, 9]);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn filter<F>(&self, keep: F) -> Bag<T>
    where
        F: Fn(&T) -> bool + Send + Sync + 'static,
    {
        self.map_partitions("filter", move |part| {
            part.iter().filter(|x| keep(x)).cloned().collect()
        })
    }
}
