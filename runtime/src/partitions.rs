//! [`Partitions`]: what the partitioned collections (bags, dataframes) share: one task per
//! partition, the fan-in of their tree aggregations and the name of the operation that made
//! them, with the operations that need nothing else (a task per partition, aggregating as a
//! tree, persisting, computing the leading partitions).

use std::sync::Arc;

use crate::tasks::{AnyDelayed, Compute, Graph, TaskError, Value};
use crate::tree::{Combine, fresh_name, tree};

/// The fan-in of tree aggregations unless the user chooses another.
pub(crate) const DEFAULT_FAN_IN: usize = 8;

/// A task body taking one partition's value.
type PerPartition = Arc<dyn Fn(&Value) -> Result<Value, String> + Send + Sync>;

/// The partitions of a collection.
#[derive(Clone)]
pub(crate) struct Partitions {
    tasks: Arc<Vec<AnyDelayed>>,
    fan_in: usize,
    name: &'static str,
}

impl Partitions {
    /// New partitions with the default fan-in.
    pub(crate) fn new(tasks: Vec<AnyDelayed>, name: &'static str) -> Partitions {
        Partitions {
            tasks: Arc::new(tasks),
            fan_in: DEFAULT_FAN_IN,
            name,
        }
    }

    /// Other tasks, made by `name`, with this fan-in.
    pub(crate) fn derive(&self, tasks: Vec<AnyDelayed>, name: &'static str) -> Partitions {
        Partitions {
            tasks: Arc::new(tasks),
            fan_in: self.fan_in,
            name,
        }
    }

    /// The same partitions with another fan-in; `None` below 2.
    pub(crate) fn with_fan_in(&self, fan_in: usize) -> Option<Partitions> {
        (fan_in >= 2).then(|| Partitions {
            fan_in,
            ..self.clone()
        })
    }

    pub(crate) fn tasks(&self) -> &[AnyDelayed] {
        &self.tasks
    }

    pub(crate) fn len(&self) -> usize {
        self.tasks.len()
    }

    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    pub(crate) fn graph(&self) -> Graph {
        Graph::new(&self.tasks)
    }

    /// One `name` task per partition, applying `f` to its value.
    pub(crate) fn each<F>(&self, name: impl Into<String>, f: F) -> Vec<AnyDelayed>
    where
        F: Fn(&Value) -> Result<Value, String> + Send + Sync + 'static,
    {
        let name = name.into();
        let f: PerPartition = Arc::new(f);
        self.tasks
            .iter()
            .map(|partition| {
                let f = f.clone();
                AnyDelayed::task(name.clone(), vec![partition.clone()], move |v| f(&v[0]))
            })
            .collect()
    }

    /// `part` on every partition (`{name}-part` tasks), then `merge` as a tree with this
    /// fan-in, and `finish` in the last task.
    pub(crate) fn aggregate<P, F>(
        &self,
        name: &str,
        part: P,
        merge: Combine,
        finish: F,
    ) -> AnyDelayed
    where
        P: Fn(&Value) -> Result<Value, String> + Send + Sync + 'static,
        F: Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
    {
        tree(
            self.each(format!("{name}-part"), part),
            self.fan_in,
            name,
            merge,
            finish,
        )
    }

    /// Computes every partition now and returns partitions holding the values.
    pub(crate) fn persist(&self, how: &Compute<'_>) -> Result<Partitions, TaskError> {
        Ok(self.derive(persist_tasks(how, &self.tasks)?, self.name))
    }

    /// Computes partitions one at a time, in order, until `enough` says so (given each
    /// partition's value as it comes); returns the values computed.
    pub(crate) fn leading<P>(
        &self,
        how: &Compute<'_>,
        mut enough: impl FnMut(&P) -> bool,
    ) -> Result<Vec<P>, TaskError>
    where
        P: Clone + Send + Sync + 'static,
    {
        let mut out = Vec::new();
        for partition in self.tasks.iter() {
            let value: P = how.run(&partition.typed::<P>())?;
            let done = enough(&value);
            out.push(value);
            if done {
                break;
            }
        }
        Ok(out)
    }
}

/// Computes `tasks` now (with `how`) and returns ready tasks holding their values.
pub(crate) fn persist_tasks(
    how: &Compute<'_>,
    tasks: &[AnyDelayed],
) -> Result<Vec<AnyDelayed>, TaskError> {
    Ok(how
        .run_any(tasks)?
        .into_iter()
        .map(|value| AnyDelayed::value(fresh_name("persisted"), value))
        .collect())
}
