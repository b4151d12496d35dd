//! [`Graph`]: the tasks behind one or more outputs, flattened for inspection and execution.
//!
//! Built by walking from the outputs to their dependencies; tasks with equal keys are one
//! task (that is how computing several results at once shares their common subgraphs).
//! Tasks are numbered in a topological order: every task comes after all it depends on, so
//! running them in index order is a valid sequential schedule.

use std::collections::HashMap;
use std::sync::Arc;

use super::delayed::AnyDelayed;
use super::error::TaskError;
use super::key::{IdBuild, Key};
use super::node::{Node, Value};

/// A task graph: tasks, their dependencies and the outputs asked for.
///
/// ```
/// use rhpc::prelude::*;
/// use rhpc::tasks::Graph;
///
/// fn inc(x: u32) -> u32 { x + 1 }
/// fn add(a: u32, b: u32) -> u32 { a + b }
/// let a = delayed!(inc(1));
/// let b = delayed!(inc(2));
/// let c = delayed!(add(&a, &b));
/// let d = delayed!(add(&a, 10));
///
/// // c and d share the task a: it appears (and runs) once.
/// let graph = Graph::new(&[c.erase(), d.erase()]);
/// assert_eq!(graph.len(), 4);
/// assert_eq!(graph.roots().len(), 2);                  // a and b need nothing
/// let ia = graph.index_of(a.key()).unwrap();
/// assert_eq!(graph.dependents(ia).len(), 2);           // c and d
/// assert_eq!(graph.prefixes(), vec![("inc".to_string(), 2), ("add".to_string(), 2)]);
/// ```
#[derive(Clone)]
pub struct Graph {
    inner: Arc<Inner>,
}

struct Inner {
    nodes: Vec<Arc<Node>>,
    /// Dependencies of task `i`: `deps[dep_start[i]..dep_start[i + 1]]` (one entry per
    /// argument, so a task taking the same value twice lists it twice).
    dep_start: Vec<u32>,
    deps: Vec<u32>,
    /// Dependents of task `i`, each once, in the same layout.
    dependent_start: Vec<u32>,
    dependents: Vec<u32>,
    outputs: Vec<u32>,
    index: HashMap<u64, u32, IdBuild>,
}

impl Graph {
    /// The graph needed to compute `outputs`.
    ///
    /// ```
    /// use rhpc::tasks::{Delayed, Graph};
    /// let (a, b) = (Delayed::new(1u8), Delayed::new(2u8));
    /// assert_eq!(Graph::new(&[a.erase(), b.erase(), a.erase()]).len(), 2);
    /// ```
    pub fn new(outputs: &[AnyDelayed]) -> Graph {
        let nodes: Vec<Arc<Node>> = outputs.iter().map(|o| o.node().clone()).collect();
        Graph::from_nodes(&nodes)
    }

    pub(crate) fn from_nodes(outputs: &[Arc<Node>]) -> Graph {
        let mut index: HashMap<u64, u32, IdBuild> = HashMap::default();
        let mut nodes: Vec<Arc<Node>> = Vec::new();
        // Iterative depth-first post-order: (node, next dependency to visit).
        let mut stack: Vec<(&Arc<Node>, usize)> = Vec::new();
        for output in outputs {
            if index.contains_key(&output.key.id()) {
                continue;
            }
            stack.push((output, 0));
            while let Some((node, next)) = stack.pop() {
                if let Some(dep) = node.deps.get(next) {
                    stack.push((node, next + 1));
                    if !index.contains_key(&dep.key.id()) {
                        stack.push((dep, 0));
                    }
                } else if let std::collections::hash_map::Entry::Vacant(slot) =
                    index.entry(node.key.id())
                {
                    slot.insert(nodes.len() as u32);
                    nodes.push(node.clone());
                }
            }
        }
        let mut dep_start = Vec::with_capacity(nodes.len() + 1);
        let mut deps = Vec::new();
        let mut dependent_count = vec![0u32; nodes.len() + 1];
        dep_start.push(0);
        for (i, node) in nodes.iter().enumerate() {
            for dep in &node.deps {
                let d = index[&dep.key.id()];
                // Count each dependent once, even if it takes the value twice.
                if !deps[dep_start[i] as usize..].contains(&d) {
                    dependent_count[d as usize + 1] += 1;
                }
                deps.push(d);
            }
            dep_start.push(deps.len() as u32);
        }
        let mut dependent_start = dependent_count;
        for i in 1..dependent_start.len() {
            dependent_start[i] += dependent_start[i - 1];
        }
        let mut fill = dependent_start.clone();
        let mut dependents = vec![0u32; deps.len()];
        for i in 0..nodes.len() {
            let own = &deps[dep_start[i] as usize..dep_start[i + 1] as usize];
            for (position, &d) in own.iter().enumerate() {
                if !own[..position].contains(&d) {
                    dependents[fill[d as usize] as usize] = i as u32;
                    fill[d as usize] += 1;
                }
            }
        }
        dependents.truncate(*dependent_start.last().unwrap_or(&0) as usize);
        let outputs = outputs.iter().map(|o| index[&o.key.id()]).collect();
        Graph {
            inner: Arc::new(Inner {
                nodes,
                dep_start,
                deps,
                dependent_start,
                dependents,
                outputs,
                index,
            }),
        }
    }

    /// The number of tasks.
    ///
    /// ```
    /// assert_eq!(rhpc::tasks::Delayed::new(1).graph().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.nodes.len()
    }

    /// Whether the graph has no tasks.
    ///
    /// ```
    /// assert!(rhpc::tasks::Graph::new(&[]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.nodes.is_empty()
    }

    /// The key of task `task` (an index below [`len`](Graph::len)).
    ///
    /// ```
    /// let x = rhpc::tasks::Delayed::named("x", 1);
    /// assert_eq!(x.graph().key(0).to_string(), "x");
    /// ```
    pub fn key(&self, task: usize) -> &Key {
        &self.inner.nodes[task].key
    }

    /// All keys, in task order (dependencies before dependents).
    ///
    /// ```
    /// let x = rhpc::tasks::Delayed::named("x", 1);
    /// assert_eq!(x.graph().keys().count(), 1);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.inner.nodes.iter().map(|n| &n.key)
    }

    /// The task with this key, if it is in the graph.
    ///
    /// ```
    /// let x = rhpc::tasks::Delayed::named("x", 1);
    /// assert_eq!(x.graph().index_of(x.key()), Some(0));
    /// ```
    pub fn index_of(&self, key: &Key) -> Option<usize> {
        self.inner.index.get(&key.id()).map(|&i| i as usize)
    }

    /// The tasks `task` takes values from, in argument order (a repeated argument repeats).
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// fn add(a: u8, b: u8) -> u8 { a + b }
    /// let x = Delayed::new(1u8);
    /// let graph = delayed!(add(&x, &x)).graph();
    /// assert_eq!(graph.dependencies(1), &[0, 0]);
    /// ```
    pub fn dependencies(&self, task: usize) -> &[u32] {
        let inner = &self.inner;
        &inner.deps[inner.dep_start[task] as usize..inner.dep_start[task + 1] as usize]
    }

    /// The tasks that take `task`'s value, each once.
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// fn add(a: u8, b: u8) -> u8 { a + b }
    /// let x = Delayed::new(1u8);
    /// let graph = delayed!(add(&x, &x)).graph();
    /// assert_eq!(graph.dependents(0), &[1]);
    /// ```
    pub fn dependents(&self, task: usize) -> &[u32] {
        let inner = &self.inner;
        let range = inner.dependent_start[task] as usize..inner.dependent_start[task + 1] as usize;
        &inner.dependents[range]
    }

    /// The tasks that depend on nothing (where execution starts).
    ///
    /// ```
    /// let x = rhpc::tasks::Delayed::new(1);
    /// assert_eq!(x.graph().roots(), vec![0]);
    /// ```
    pub fn roots(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&t| self.dependencies(t).is_empty())
            .collect()
    }

    /// The tasks whose values were asked for, in the order asked (a repeat repeats).
    ///
    /// ```
    /// let x = rhpc::tasks::Delayed::new(1);
    /// assert_eq!(x.graph().outputs(), &[0]);
    /// ```
    pub fn outputs(&self) -> &[u32] {
        &self.inner.outputs
    }

    /// Task counts per key prefix, in order of first appearance.
    ///
    /// ```
    /// let x = rhpc::tasks::Delayed::new(1);
    /// assert_eq!(x.graph().prefixes(), vec![("value".to_string(), 1)]);
    /// ```
    pub fn prefixes(&self) -> Vec<(String, usize)> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for key in self.keys() {
            match counts.iter_mut().find(|(p, _)| p == key.prefix()) {
                Some((_, n)) => *n += 1,
                None => counts.push((key.prefix().to_owned(), 1)),
            }
        }
        counts
    }

    /// The longest chain of dependent tasks (the critical path, in tasks): a bound on how
    /// much any number of workers can shorten a run.
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// fn inc(x: u8) -> u8 { x + 1 }
    /// let a = delayed!(inc(1));
    /// let b = delayed!(inc(a));
    /// assert_eq!(b.graph().depth(), 2);
    /// ```
    pub fn depth(&self) -> usize {
        self.levels().into_iter().max().map_or(0, |l| l + 1)
    }

    /// Each task's level: 0 for roots, else one more than its deepest dependency.
    pub(crate) fn levels(&self) -> Vec<usize> {
        let mut levels = vec![0usize; self.len()];
        for task in 0..self.len() {
            levels[task] = self
                .dependencies(task)
                .iter()
                .map(|&d| levels[d as usize] + 1)
                .max()
                .unwrap_or(0);
        }
        levels
    }

    /// Runs task `task` on its dependencies' values (in [`dependencies`](Graph::dependencies)
    /// order), catching a panic as [`TaskError::Failed`]. For schedulers written outside
    /// this crate.
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// use std::sync::Arc;
    /// fn inc(x: u8) -> u8 { x + 1 }
    /// let graph = delayed!(inc(Delayed::new(1u8))).graph();
    /// let one = graph.run(0, &[])?;
    /// let two = graph.run(1, &[one])?;
    /// assert_eq!(two.downcast_ref::<u8>(), Some(&2));
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn run(&self, task: usize, inputs: &[Value]) -> Result<Value, TaskError> {
        self.inner.nodes[task].run(inputs)
    }
}

impl std::fmt::Debug for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Graph({} tasks, {} roots, depth {})",
            self.len(),
            self.roots().len(),
            self.depth()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::Delayed;

    fn add(a: u64, b: u64) -> u64 {
        a + b
    }

    #[test]
    fn order_is_topological_and_shared_tasks_appear_once() {
        let leaves: Vec<Delayed<u64>> = (0..8).map(Delayed::new).collect();
        let mut level = leaves.clone();
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|p| crate::delayed!(add(&p[0], &p[1])))
                .collect();
        }
        let extra = crate::delayed!(add(&leaves[0], &level[0]));
        let graph = Graph::new(&[level[0].erase(), extra.erase()]);
        assert_eq!(graph.len(), 16);
        for task in 0..graph.len() {
            for &d in graph.dependencies(task) {
                assert!((d as usize) < task);
                assert!(graph.dependents(d as usize).contains(&(task as u32)));
            }
        }
        assert_eq!(graph.roots().len(), 8);
        assert_eq!(graph.depth(), 5);
        let leaf = graph.index_of(leaves[0].key()).unwrap();
        assert_eq!(graph.dependents(leaf).len(), 2);
    }

    #[test]
    fn deep_chains_do_not_overflow() {
        let mut x = Delayed::new(0u64);
        for _ in 0..100_000 {
            x = crate::delayed!(add(x, 1));
        }
        assert_eq!(x.graph().len(), 100_001);
    }
}
