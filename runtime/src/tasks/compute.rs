//! Computing delayed values: [`Compute`] (which scheduler, task stream, progress bar) and
//! [`Outputs`] (what can be computed at once: one value, a slice, a tuple).
//!
//! Everything asked for in one call becomes one graph, so shared subgraphs run once.

use std::sync::Arc;

use super::delayed::{AnyDelayed, Delayed};
use super::error::TaskError;
use super::graph::Graph;
use super::node::{Node, Value, Work, take_value};
use super::scheduler::{ExecContext, Scheduler};
use super::stream::TaskStream;
use super::threads::Threads;

/// Values that can be computed together: a [`Delayed`], a slice or `Vec` of them, a
/// tuple of up to six (each any `Outputs`), or a reference to any of these.
///
/// ```
/// use rhpc::prelude::*;
///
/// fn inc(x: u64) -> u64 { x + 1 }
/// let a = delayed!(inc(1));
/// let b = delayed!(inc(a.clone()));
/// let list = vec![a.clone(), b.clone()];
/// let (x, (y, z)) = compute(&(&a, (&b, &list)))?;
/// assert_eq!((x, y, z), (2, 3, vec![2, 3]));
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
pub trait Outputs {
    /// What computing these gives.
    type Values;

    /// Appends the tasks whose values are needed.
    fn nodes(&self, into: &mut Vec<AnyDelayed>);

    /// Takes this output's values, in the order `nodes` listed them.
    fn values(&self, values: &mut std::vec::IntoIter<Value>) -> Result<Self::Values, TaskError>;
}

impl<O: Outputs + ?Sized> Outputs for &O {
    type Values = O::Values;

    fn nodes(&self, into: &mut Vec<AnyDelayed>) {
        (**self).nodes(into);
    }

    fn values(&self, values: &mut std::vec::IntoIter<Value>) -> Result<O::Values, TaskError> {
        (**self).values(values)
    }
}

impl<O: Outputs> Outputs for [O] {
    type Values = Vec<O::Values>;

    fn nodes(&self, into: &mut Vec<AnyDelayed>) {
        for output in self {
            output.nodes(into);
        }
    }

    fn values(&self, values: &mut std::vec::IntoIter<Value>) -> Result<Self::Values, TaskError> {
        self.iter().map(|output| output.values(values)).collect()
    }
}

impl<O: Outputs> Outputs for Vec<O> {
    type Values = Vec<O::Values>;

    fn nodes(&self, into: &mut Vec<AnyDelayed>) {
        self.as_slice().nodes(into);
    }

    fn values(&self, values: &mut std::vec::IntoIter<Value>) -> Result<Self::Values, TaskError> {
        self.as_slice().values(values)
    }
}

macro_rules! tuple_outputs {
    ($($o:ident $i:tt),+) => {
        impl<$($o: Outputs),+> Outputs for ($($o,)+) {
            type Values = ($($o::Values,)+);

            fn nodes(&self, into: &mut Vec<AnyDelayed>) {
                $(self.$i.nodes(into);)+
            }

            fn values(
                &self,
                values: &mut std::vec::IntoIter<Value>,
            ) -> Result<Self::Values, TaskError> {
                Ok(($(self.$i.values(values)?,)+))
            }
        }
    };
}

tuple_outputs!(A 0);
tuple_outputs!(A 0, B 1);
tuple_outputs!(A 0, B 1, C 2);
tuple_outputs!(A 0, B 1, C 2, D 3);
tuple_outputs!(A 0, B 1, C 2, D 3, E 4);
tuple_outputs!(A 0, B 1, C 2, D 3, E 4, F 5);

/// The scheduler a [`Compute`] uses: owned, or borrowed for one call.
#[derive(Clone)]
enum SchedulerRef<'s> {
    Owned(Arc<dyn Scheduler>),
    Borrowed(&'s dyn Scheduler),
}

/// How to compute: a scheduler, and optionally a task stream to record into and a
/// progress bar. Keep one in a variable as your default, or build one per call.
///
/// ```
/// use rhpc::prelude::*;
/// use rhpc::tasks::{Synchronous, TaskStream};
///
/// fn inc(x: u64) -> u64 { x + 1 }
/// let stream = TaskStream::new();
/// let debug = Compute::with(Synchronous).stream(&stream).progress(true);
/// let y = delayed!(inc(delayed!(inc(1))));
/// assert_eq!(debug.run(&y)?, 3);
/// assert_eq!(stream.len(), 2);
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
#[derive(Clone)]
pub struct Compute<'s> {
    scheduler: SchedulerRef<'s>,
    stream: Option<TaskStream>,
    progress: bool,
}

impl Default for Compute<'static> {
    /// Threads on the session's pool ([`Threads::session`]), no stream, no progress bar.
    fn default() -> Self {
        Compute::with(Threads::session())
    }
}

impl Compute<'static> {
    /// Computes with `scheduler` (kept in this value).
    ///
    /// ```
    /// use rhpc::tasks::{Compute, Delayed, Synchronous};
    /// let debug = Compute::with(Synchronous);
    /// assert_eq!(debug.run(&Delayed::new(1))?, 1);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn with(scheduler: impl Scheduler + 'static) -> Compute<'static> {
        Compute::with_shared(Arc::new(scheduler))
    }

    /// Computes with a shared scheduler.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rhpc::tasks::{Compute, Delayed, Scheduler, Synchronous};
    /// let scheduler: Arc<dyn Scheduler> = Arc::new(Synchronous);
    /// assert_eq!(Compute::with_shared(scheduler).run(&Delayed::new(1))?, 1);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn with_shared(scheduler: Arc<dyn Scheduler>) -> Compute<'static> {
        Compute {
            scheduler: SchedulerRef::Owned(scheduler),
            stream: None,
            progress: false,
        }
    }
}

impl<'s> Compute<'s> {
    /// Computes with a scheduler borrowed for this value's lifetime (a [`Client`](super::Client),
    /// a [`Threads`] pool held elsewhere).
    ///
    /// ```
    /// use rhpc::tasks::{Compute, Delayed, Synchronous};
    /// assert_eq!(Compute::with_borrowed(&Synchronous).run(&Delayed::new(1))?, 1);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn with_borrowed(scheduler: &'s dyn Scheduler) -> Compute<'s> {
        Compute {
            scheduler: SchedulerRef::Borrowed(scheduler),
            stream: None,
            progress: false,
        }
    }

    /// Records every task into `stream`.
    ///
    /// ```
    /// use rhpc::tasks::{Compute, Delayed, TaskStream};
    /// let stream = TaskStream::new();
    /// Compute::default().stream(&stream).run(&Delayed::new(1).then("inc", |x| x + 1))?;
    /// assert_eq!(stream.len(), 2);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn stream(mut self, stream: &TaskStream) -> Compute<'s> {
        self.stream = Some(stream.clone());
        self
    }

    /// Shows a progress bar while computing.
    ///
    /// ```
    /// use rhpc::tasks::{Compute, Delayed};
    /// let xs: Vec<Delayed<u8>> = (0..3).map(Delayed::new).collect();
    /// assert_eq!(Compute::default().progress(true).run(&xs)?, vec![0, 1, 2]);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn progress(mut self, show: bool) -> Compute<'s> {
        self.progress = show;
        self
    }

    /// The scheduler in use.
    ///
    /// ```
    /// use rhpc::tasks::{Compute, Synchronous};
    /// assert_eq!(Compute::with(Synchronous).scheduler().name(), "synchronous");
    /// ```
    pub fn scheduler(&self) -> &dyn Scheduler {
        match &self.scheduler {
            SchedulerRef::Owned(scheduler) => scheduler.as_ref(),
            SchedulerRef::Borrowed(scheduler) => *scheduler,
        }
    }

    /// The context a run reports to.
    fn context(&self, graph: &Graph) -> ExecContext {
        let mut context = ExecContext::new();
        if let Some(stream) = &self.stream {
            context = context.with_stream(stream);
        }
        if self.progress {
            context = context.with_progress(&format!("{} tasks", graph.len()));
        }
        context
    }

    /// Computes everything in `outputs` as one graph.
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// let xs: Vec<Delayed<u8>> = (1..=3).map(Delayed::new).collect();
    /// assert_eq!(Compute::default().run(&xs)?, vec![1, 2, 3]);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn run<O: Outputs + ?Sized>(&self, outputs: &O) -> Result<O::Values, TaskError> {
        let mut nodes = Vec::new();
        outputs.nodes(&mut nodes);
        let values = self.run_any(&nodes)?;
        outputs.values(&mut values.into_iter())
    }

    /// Computes untyped tasks; the values come back in the order asked.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rhpc::tasks::{AnyDelayed, Compute};
    /// let x = AnyDelayed::value("x", Arc::new(2u8));
    /// let values = Compute::default().run_any(&[x])?;
    /// assert_eq!(values[0].downcast_ref::<u8>(), Some(&2));
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn run_any(&self, outputs: &[AnyDelayed]) -> Result<Vec<Value>, TaskError> {
        self.run_graph(&Graph::new(outputs))
    }

    /// Runs a graph built with [`Graph::new`]; returns the values of its outputs.
    ///
    /// ```
    /// use rhpc::tasks::{Compute, Delayed, Synchronous};
    /// let graph = Delayed::new(5u8).graph();
    /// let values = Compute::with(Synchronous).run_graph(&graph)?;
    /// assert_eq!(values[0].downcast_ref::<u8>(), Some(&5));
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn run_graph(&self, graph: &Graph) -> Result<Vec<Value>, TaskError> {
        let context = self.context(graph);
        self.scheduler().execute(graph, &context)
    }

    /// Computes `value` and returns a handle that holds the result under the same key
    /// (see [`Delayed::persist`]).
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// use rhpc::tasks::Synchronous;
    /// let x = Delayed::new(3u8).then("double", |x| x * 2);
    /// let kept = Compute::with(Synchronous).persist(&x)?;
    /// assert_eq!(kept.key(), x.key());
    /// assert_eq!(kept.compute()?, 6);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn persist<T>(&self, value: &Delayed<T>) -> Result<Delayed<T>, TaskError>
    where
        T: Send + Sync + 'static,
    {
        let values = self.run_any(&[value.erase()])?;
        let result = values
            .into_iter()
            .next()
            .ok_or_else(|| TaskError::Scheduler("a scheduler returned no value".into()))?;
        // Check the type now, so the persisted handle cannot fail later.
        if !result.is::<T>() {
            return Err(TaskError::WrongType {
                key: value.key().clone(),
                expected: std::any::type_name::<T>(),
            });
        }
        let node = Node::new(value.key().clone(), Vec::new(), Work::Ready(result));
        Ok(Delayed::from_node(node))
    }
}

/// Computes `outputs` (one value, a slice, a tuple...) with the default scheduler, as
/// one graph: shared tasks run once.
///
/// ```
/// use rhpc::prelude::*;
/// fn inc(x: u64) -> u64 { x + 1 }
/// let a = delayed!(inc(1));
/// let b = delayed!(inc(a.clone()));
/// assert_eq!(compute(&(&a, &b))?, (2, 3));
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
pub fn compute<O: Outputs + ?Sized>(outputs: &O) -> Result<O::Values, TaskError> {
    Compute::default().run(outputs)
}

/// The values of a computed output list as typed values (for code that built the list
/// with [`AnyDelayed`]).
///
/// ```
/// use std::sync::Arc;
/// use rhpc::tasks::{Key, Value, typed_values};
/// let values: Vec<Value> = vec![Arc::new(1u8), Arc::new(2u8)];
/// assert_eq!(typed_values::<u8>(values, &Key::named("x"))?, vec![1, 2]);
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
pub fn typed_values<T: Clone + Send + Sync + 'static>(
    values: Vec<Value>,
    key: &super::Key,
) -> Result<Vec<T>, TaskError> {
    values.into_iter().map(|v| take_value(v, key)).collect()
}
