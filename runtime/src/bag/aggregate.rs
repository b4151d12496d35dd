//! Aggregations: `fold`, `reduce`, `count`, `sum`, `frequencies`, `group_by`, `fold_by`.
//! Each partition is aggregated by one task, and the partial results combined as a tree
//! with the bag's fan-in; the result is a [`Delayed`] value.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use super::collection::{Bag, items};
use crate::tasks::{Delayed, Value};
use crate::tree::downcast;

impl<T: Send + Sync + 'static> Bag<T> {
    /// The general aggregation: `part` per partition, `merge` over partial results (in
    /// partition order), `finish` once at the end.
    fn aggregate<A, R>(
        &self,
        name: &'static str,
        part: impl Fn(&[T]) -> A + Send + Sync + 'static,
        merge: impl Fn(Vec<&A>) -> A + Send + Sync + 'static,
        finish: impl Fn(A) -> R + Send + Sync + 'static,
    ) -> Delayed<R>
    where
        A: Send + Sync + 'static,
        R: Send + Sync + 'static,
    {
        let merge = Arc::new(move |values: &[Value]| -> Result<A, String> {
            let parts: Result<Vec<&A>, String> = values.iter().map(downcast::<A>).collect();
            Ok(merge(parts?))
        });
        let combine = merge.clone();
        self.parts
            .aggregate(
                name,
                move |value| Ok(Arc::new(part(items::<T>(value)?)) as Value),
                Arc::new(move |values: &[Value]| Ok(Arc::new(combine(values)?) as Value)),
                move |values| Ok(Arc::new(finish(merge(values)?)) as Value),
            )
            .typed()
    }

    /// Folds every item into an accumulator: `binop` within each partition starting from
    /// `initial`, then `combine` over the partitions' results (Dask's `fold`).
    ///
    /// ```
    /// let bag = rhpc::bag::Bag::from_iter(1..=10u64, 3)?;
    /// let total = bag.fold(0u64, |acc, x| acc + x, |a, b| a + b);
    /// assert_eq!(total.compute()?, 55);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn fold<A, B, C>(&self, initial: A, binop: B, combine: C) -> Delayed<A>
    where
        A: Clone + Send + Sync + 'static,
        B: Fn(A, &T) -> A + Send + Sync + 'static,
        C: Fn(A, A) -> A + Send + Sync + 'static,
    {
        let start = initial.clone();
        self.aggregate(
            "fold",
            move |part| part.iter().fold(start.clone(), &binop),
            move |parts| {
                let mut parts = parts.into_iter().cloned();
                let first = parts.next().unwrap_or_else(|| initial.clone());
                parts.fold(first, &combine)
            },
            |a| a,
        )
    }

    /// The number of items.
    ///
    /// ```
    /// assert_eq!(rhpc::bag::Bag::from_iter(0..7, 3)?.count().compute()?, 7);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn count(&self) -> Delayed<usize> {
        self.aggregate(
            "count",
            |part| part.len(),
            |parts| parts.into_iter().sum(),
            |n| n,
        )
    }

    /// Groups the items by `key` and folds each group (Dask's `foldby`): `binop` within
    /// partitions from `initial`, `combine` across them. The groups come sorted by key.
    ///
    /// ```
    /// let words = rhpc::bag::Bag::from_iter(["apple", "avocado", "banana"], 2)?;
    /// let letters = words.fold_by(|w| w.chars().next(), 0, |n, w| n + w.len(), |a, b| a + b);
    /// assert_eq!(letters.compute()?, vec![(Some('a'), 12), (Some('b'), 6)]);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn fold_by<K, A, KF, B, C>(
        &self,
        key: KF,
        initial: A,
        binop: B,
        combine: C,
    ) -> Delayed<Vec<(K, A)>>
    where
        K: Hash + Eq + Ord + Clone + Send + Sync + 'static,
        A: Clone + Send + Sync + 'static,
        KF: Fn(&T) -> K + Send + Sync + 'static,
        B: Fn(A, &T) -> A + Send + Sync + 'static,
        C: Fn(A, A) -> A + Send + Sync + 'static,
    {
        self.aggregate(
            "foldby",
            move |part| {
                let mut groups: HashMap<K, A> = HashMap::new();
                for item in part {
                    let slot = groups.entry(key(item)).or_insert_with(|| initial.clone());
                    *slot = binop(slot.clone(), item);
                }
                groups
            },
            move |parts| {
                let mut all: HashMap<K, A> = HashMap::new();
                for part in parts {
                    for (k, a) in part {
                        let merged = match all.remove(k) {
                            Some(old) => combine(old, a.clone()),
                            None => a.clone(),
                        };
                        all.insert(k.clone(), merged);
                    }
                }
                all
            },
            |all| {
                let mut groups: Vec<(K, A)> = all.into_iter().collect();
                groups.sort_by(|a, b| a.0.cmp(&b.0));
                groups
            },
        )
    }
}

impl<T: Clone + Send + Sync + 'static> Bag<T> {
    /// Combines all items with `f` (`None` for an empty bag).
    ///
    /// ```
    /// let bag = rhpc::bag::Bag::from_iter([3, 9, 4], 2)?;
    /// assert_eq!(bag.reduce(|a, b| *a.max(b)).compute()?, Some(9));
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn reduce<F>(&self, f: F) -> Delayed<Option<T>>
    where
        F: Fn(&T, &T) -> T + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        let g = f.clone();
        self.aggregate(
            "reduce",
            move |part| {
                let mut items = part.iter();
                let first = items.next().cloned();
                first.map(|first| items.fold(first, |a, b| f(&a, b)))
            },
            move |parts| {
                parts.into_iter().flatten().fold(None, |acc: Option<T>, x| {
                    Some(match acc {
                        Some(a) => g(&a, x),
                        None => x.clone(),
                    })
                })
            },
            |r| r,
        )
    }

    /// How often each distinct item occurs, most frequent first (ties in item order).
    ///
    /// ```
    /// let bag = rhpc::bag::Bag::from_iter(["b", "a", "b", "c", "a", "b"], 2)?;
    /// assert_eq!(bag.frequencies().compute()?, vec![("b", 3), ("a", 2), ("c", 1)]);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn frequencies(&self) -> Delayed<Vec<(T, usize)>>
    where
        T: Hash + Eq + Ord,
    {
        self.aggregate(
            "frequencies",
            |part| {
                let mut counts: HashMap<T, usize> = HashMap::new();
                for item in part {
                    *counts.entry(item.clone()).or_insert(0) += 1;
                }
                counts
            },
            |parts| {
                let mut all: HashMap<T, usize> = HashMap::new();
                for part in parts {
                    for (item, n) in part {
                        *all.entry(item.clone()).or_insert(0) += n;
                    }
                }
                all
            },
            |all| {
                let mut counts: Vec<(T, usize)> = all.into_iter().collect();
                counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                counts
            },
        )
    }

    /// The items grouped by `key`, groups sorted by key, items in bag order within each.
    ///
    /// ```
    /// let bag = rhpc::bag::Bag::from_iter(1..=6, 3)?;
    /// let parity = bag.group_by(|x| x % 2);
    /// assert_eq!(parity.compute()?, vec![(0, vec![2, 4, 6]), (1, vec![1, 3, 5])]);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn group_by<K, F>(&self, key: F) -> Delayed<Vec<(K, Vec<T>)>>
    where
        K: Hash + Eq + Ord + Clone + Send + Sync + 'static,
        F: Fn(&T) -> K + Send + Sync + 'static,
    {
        self.aggregate(
            "groupby",
            move |part| {
                let mut groups: HashMap<K, Vec<T>> = HashMap::new();
                for item in part {
                    groups.entry(key(item)).or_default().push(item.clone());
                }
                groups
            },
            |parts| {
                let mut all: HashMap<K, Vec<T>> = HashMap::new();
                for part in parts {
                    for (k, items) in part {
                        all.entry(k.clone())
                            .or_default()
                            .extend(items.iter().cloned());
                    }
                }
                all
            },
            |all| {
                let mut groups: Vec<(K, Vec<T>)> = all.into_iter().collect();
                groups.sort_by(|a, b| a.0.cmp(&b.0));
                groups
            },
        )
    }

    /// The sum of the items.
    ///
    /// ```
    /// assert_eq!(rhpc::bag::Bag::from_iter([1.5, 2.5], 2)?.sum().compute()?, 4.0);
    /// # Ok::<(), rhpc::bag::BagError>(())
    /// ```
    pub fn sum(&self) -> Delayed<T>
    where
        T: for<'a> std::iter::Sum<&'a T>,
    {
        self.aggregate(
            "sum",
            |part| part.iter().sum::<T>(),
            |parts| parts.into_iter().sum::<T>(),
            |s| s,
        )
    }
}
