//! [`Delayed<T>`]: a typed, lazy value in a task graph, and [`AnyDelayed`], its untyped
//! form for code that builds graphs programmatically.
//!
//! Calling a function on delayed values (`delayed!(add(a, b))`) runs nothing: it adds a task
//! to the graph and returns a handle to its future result. Nothing runs until
//! [`compute`](Delayed::compute). Handles are cheap to clone (a reference count) and share
//! their subgraphs: computing several results at once runs each shared task once.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::args::{Arg, ArgKind, CallArgs, IntoArg, NodeSink, method0};
use super::compute::{Compute, Outputs};
use super::error::TaskError;
use super::graph::Graph;
use super::key::{Key, KeyPrefix};
use super::node::{Node, TaskFn, Value, Work};
use super::scheduler::Scheduler;
use crate::display::{MimeBundle, Render};

/// A value that a task graph will compute: lazy, typed, cheap to clone.
///
/// ```
/// use rhpc::prelude::*;
///
/// fn inc(x: u64) -> u64 { x + 1 }
/// fn add(a: u64, b: u64) -> u64 { a + b }
///
/// let x = delayed!(inc(1));
/// let y = delayed!(inc(2));
/// let total = delayed!(add(x, y));      // nothing has run yet
/// assert_eq!(total.graph().len(), 3);
/// assert_eq!(total.compute()?, 5);
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
pub struct Delayed<T> {
    node: Arc<Node>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Delayed<T> {
    fn clone(&self) -> Self {
        Delayed {
            node: self.node.clone(),
            _type: PhantomData,
        }
    }
}

impl<T: Send + Sync + 'static> Delayed<T> {
    /// A known value, as a task (key prefix `value`) other tasks can depend on.
    ///
    /// ```
    /// let data = rhpc::tasks::Delayed::new(vec![1, 2, 3]);
    /// assert_eq!(data.key().prefix(), "value");
    /// ```
    pub fn new(value: T) -> Delayed<T> {
        Delayed::ready(Key::generate("value"), Arc::new(value))
    }

    /// A known value under a key of your choice (shown in pictures; equal names are the
    /// same task).
    ///
    /// ```
    /// let data = rhpc::tasks::Delayed::named("data", 42u8);
    /// assert_eq!(data.key().to_string(), "data");
    /// ```
    pub fn named(name: &str, value: T) -> Delayed<T> {
        Delayed::ready(Key::named(name), Arc::new(value))
    }

    fn ready(key: Key, value: Value) -> Delayed<T> {
        Delayed::from_node(Node::new(key, Vec::new(), Work::Ready(value)))
    }

    /// A task calling `f` on `args`, a tuple of plain values, delayed values or futures
    /// (what `delayed!(f(a, b))` expands to); `prefix` names it.
    ///
    /// ```
    /// use rhpc::tasks::Delayed;
    /// let a = Delayed::new(2i32);
    /// let product = Delayed::call("mul", |x: i32, y: i32| x * y, (&a, 21));
    /// assert_eq!(product.compute()?, 42);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn call<F, M, A>(prefix: impl Into<KeyPrefix>, f: F, args: A) -> Delayed<T>
    where
        A: CallArgs<F, M, Output = T>,
    {
        let mut sink = NodeSink::default();
        let body = args.bind(f, &mut sink);
        Delayed::from_parts(prefix.into(), sink.0, body)
    }

    pub(crate) fn from_parts(prefix: KeyPrefix, deps: Vec<Arc<Node>>, body: TaskFn) -> Delayed<T> {
        Delayed::from_node(Node::new(Key::generate(prefix), deps, Work::Call(body)))
    }

    /// A task applying `f` to this value by reference (no clone): a method call or any
    /// closure.
    ///
    /// ```
    /// use rhpc::tasks::Delayed;
    /// let words = Delayed::new(vec!["a", "bb", "ccc"]);
    /// let longest = words.then("longest", |w| w.iter().map(|s| s.len()).max());
    /// assert_eq!(longest.compute()?, Some(3));
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn then<R, F>(&self, prefix: &'static str, f: F) -> Delayed<R>
    where
        R: Send + Sync + 'static,
        F: Fn(&T) -> R + Send + Sync + 'static,
    {
        method0(prefix, self, f)
    }

    /// A task combining any number of delayed values of one type (a reduction, a
    /// concatenation), given to `f` by reference.
    ///
    /// ```
    /// use rhpc::tasks::Delayed;
    /// let parts: Vec<Delayed<u64>> = (1..=4).map(Delayed::new).collect();
    /// let total = Delayed::combine("sum", &parts, |xs| xs.iter().copied().sum::<u64>());
    /// assert_eq!(total.compute()?, 10);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn combine<U, F>(prefix: impl Into<KeyPrefix>, inputs: &[Delayed<U>], f: F) -> Delayed<T>
    where
        U: Send + Sync + 'static,
        F: Fn(&[&U]) -> T + Send + Sync + 'static,
    {
        let deps = inputs.iter().map(|d| d.node.clone()).collect();
        let body: TaskFn = Box::new(move |values: &[Value]| {
            let typed: Option<Vec<&U>> = values.iter().map(|v| v.downcast_ref::<U>()).collect();
            let typed =
                typed.ok_or_else(|| format!("an input is not a {}", std::any::type_name::<U>()))?;
            Ok(Arc::new(f(&typed)) as Value)
        });
        Delayed::from_parts(prefix.into(), deps, body)
    }

    /// The untyped handle, for code that mixes types in one graph.
    ///
    /// ```
    /// let x = rhpc::tasks::Delayed::new(1u8);
    /// assert_eq!(x.erase().key(), x.key());
    /// ```
    pub fn erase(&self) -> AnyDelayed {
        AnyDelayed {
            node: self.node.clone(),
        }
    }
}

impl<T> Delayed<T> {
    pub(crate) fn from_node(node: Arc<Node>) -> Delayed<T> {
        Delayed {
            node,
            _type: PhantomData,
        }
    }

    pub(crate) fn node(&self) -> &Arc<Node> {
        &self.node
    }

    /// This task's key.
    ///
    /// ```
    /// let x = rhpc::tasks::Delayed::named("x", 1);
    /// assert_eq!(x.key().to_string(), "x");
    /// ```
    pub fn key(&self) -> &Key {
        &self.node.key
    }

    /// The graph of everything this value needs (shared subgraphs once).
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// fn inc(x: i32) -> i32 { x + 1 }
    /// let x = delayed!(inc(1));
    /// let y = delayed!(inc(x));
    /// let graph = y.graph();
    /// assert_eq!(graph.len(), 2);
    /// assert_eq!(graph.roots().len(), 1);
    /// ```
    pub fn graph(&self) -> Graph {
        Graph::from_nodes(std::slice::from_ref(&self.node))
    }
}

impl<T: Clone + Send + Sync + 'static> Delayed<T> {
    /// Computes the value with the default scheduler (threads over all cores).
    ///
    /// ```
    /// let x = rhpc::tasks::Delayed::new(7);
    /// assert_eq!(x.compute()?, 7);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn compute(&self) -> Result<T, TaskError> {
        Compute::default().run(self)
    }

    /// Computes the value with the given scheduler.
    ///
    /// ```
    /// use rhpc::tasks::{Delayed, Synchronous};
    /// let x = Delayed::new(7);
    /// assert_eq!(x.compute_with(&Synchronous)?, 7);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn compute_with(&self, scheduler: &dyn Scheduler) -> Result<T, TaskError> {
        Compute::with_borrowed(scheduler).run(self)
    }

    /// Computes the value now and returns a handle holding it: graphs built on the
    /// persisted handle reuse the result instead of recomputing it. The key stays the same.
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// fn slow(x: u64) -> u64 { x * 2 }
    /// let x = delayed!(slow(21)).persist()?;
    /// assert_eq!(x.graph().len(), 1);           // a ready value, no longer a call
    /// assert_eq!(x.compute()?, 42);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn persist(&self) -> Result<Delayed<T>, TaskError> {
        Compute::default().persist(self)
    }
}

impl<T: Send + Sync + 'static> Outputs for Delayed<T>
where
    T: Clone,
{
    type Values = T;

    fn nodes(&self, into: &mut Vec<AnyDelayed>) {
        into.push(self.erase());
    }

    fn values(&self, values: &mut std::vec::IntoIter<Value>) -> Result<T, TaskError> {
        let value = values
            .next()
            .ok_or_else(|| TaskError::Scheduler("a scheduler returned too few values".into()))?;
        super::node::take_value(value, self.key())
    }
}

impl<T> fmt::Debug for Delayed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Delayed({})", self.node.key)
    }
}

impl<T> fmt::Display for Delayed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Delayed('{}')", self.node.key)
    }
}

impl<T> Render for Delayed<T> {
    /// A delayed value shows as its key and its graph.
    fn render(&self) -> MimeBundle {
        let graph = self.graph();
        let mut bundle = graph.render();
        bundle.insert("text/plain", format!("{self} ({} tasks)", graph.len()));
        bundle
    }
}

impl<T> IntoArg<T> for Delayed<T> {
    fn into_arg(self) -> Arg<T> {
        Arg(ArgKind::Task(self.node))
    }
}

impl<T> IntoArg<T> for &Delayed<T> {
    fn into_arg(self) -> Arg<T> {
        Arg(ArgKind::Task(self.node.clone()))
    }
}

/// A task in a graph whose value type is known only at run time: for code that builds
/// graphs programmatically (blocked arrays, bags, dataframes) from boxed closures over
/// [`Value`]s.
///
/// ```
/// use std::sync::Arc;
/// use rhpc::tasks::{AnyDelayed, Compute, Synchronous, Value};
///
/// let blocks: Vec<AnyDelayed> = (0..4u64)
///     .map(|i| AnyDelayed::value(format!("block-{i}"), Arc::new(vec![i; 3])))
///     .collect();
/// let sums: Vec<AnyDelayed> = blocks
///     .iter()
///     .map(|b| AnyDelayed::task("sum", vec![b.clone()], |inputs: &[Value]| {
///         let block = inputs[0].downcast_ref::<Vec<u64>>().ok_or("not a block")?;
///         Ok(Arc::new(block.iter().sum::<u64>()) as Value)
///     }))
///     .collect();
/// let total = AnyDelayed::task("total", sums, |inputs: &[Value]| {
///     Ok(Arc::new(inputs.iter().filter_map(|v| v.downcast_ref::<u64>()).sum::<u64>()) as Value)
/// });
/// assert_eq!(total.graph().len(), 9);
/// let values = Compute::with(Synchronous).run_any(&[total.clone()])?;
/// assert_eq!(values[0].downcast_ref::<u64>(), Some(&18));
/// assert_eq!(total.typed::<u64>().compute()?, 18);
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
#[derive(Clone)]
pub struct AnyDelayed {
    node: Arc<Node>,
}

impl AnyDelayed {
    /// A task calling `f` on the values of `deps` (in order). Return `Err(message)` or
    /// panic to fail the task; the message is reported with the task's key.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rhpc::tasks::{AnyDelayed, Value};
    /// let two = AnyDelayed::task("two", vec![], |_: &[Value]| Ok(Arc::new(2u8) as Value));
    /// assert_eq!(two.typed::<u8>().compute()?, 2);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn task<F>(prefix: impl Into<KeyPrefix>, deps: Vec<AnyDelayed>, f: F) -> AnyDelayed
    where
        F: Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
    {
        Self::task_with_key(Key::generate(prefix), deps, f)
    }

    /// Like [`task`](AnyDelayed::task), under a key of your choice (equal keys are one
    /// task when graphs are merged).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rhpc::tasks::{AnyDelayed, Key, Value};
    /// let t = AnyDelayed::task_with_key(Key::named("one"), vec![], |_: &[Value]| {
    ///     Ok(Arc::new(1u8) as Value)
    /// });
    /// assert_eq!(t.key().to_string(), "one");
    /// ```
    pub fn task_with_key<F>(key: Key, deps: Vec<AnyDelayed>, f: F) -> AnyDelayed
    where
        F: Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
    {
        let deps = deps.into_iter().map(|d| d.node).collect();
        AnyDelayed {
            node: Node::new(key, deps, Work::Call(Box::new(f))),
        }
    }

    /// A known value under a readable name (its key; equal names are one task).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let v = rhpc::tasks::AnyDelayed::value("x-1", Arc::new(1.5f64));
    /// assert_eq!(v.key().prefix(), "x");
    /// ```
    pub fn value(name: impl AsRef<str>, value: Value) -> AnyDelayed {
        AnyDelayed {
            node: Node::new(Key::named(name.as_ref()), Vec::new(), Work::Ready(value)),
        }
    }

    /// This task's key.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let v = rhpc::tasks::AnyDelayed::value("x", Arc::new(1u8));
    /// assert_eq!(v.key().to_string(), "x");
    /// ```
    pub fn key(&self) -> &Key {
        &self.node.key
    }

    /// The keys of the tasks this one takes values from, in argument order.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rhpc::tasks::{AnyDelayed, Value};
    /// let a = AnyDelayed::value("a", Arc::new(1u8));
    /// let b = AnyDelayed::task("f", vec![a.clone()], |v: &[Value]| Ok(v[0].clone()));
    /// assert_eq!(b.dependencies(), vec![a.key().clone()]);
    /// ```
    pub fn dependencies(&self) -> Vec<Key> {
        self.node.deps.iter().map(|d| d.key.clone()).collect()
    }

    /// A typed handle to this task; computing it fails with [`TaskError::WrongType`] if
    /// the value is not a `T`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let v = rhpc::tasks::AnyDelayed::value("x", Arc::new(3u8));
    /// assert_eq!(v.typed::<u8>().compute()?, 3);
    /// assert!(v.typed::<String>().compute().is_err());
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    pub fn typed<T>(&self) -> Delayed<T> {
        Delayed::from_node(self.node.clone())
    }

    /// The graph of everything this task needs.
    ///
    /// ```
    /// use std::sync::Arc;
    /// assert_eq!(rhpc::tasks::AnyDelayed::value("x", Arc::new(1u8)).graph().len(), 1);
    /// ```
    pub fn graph(&self) -> Graph {
        Graph::from_nodes(std::slice::from_ref(&self.node))
    }

    pub(crate) fn node(&self) -> &Arc<Node> {
        &self.node
    }
}

impl fmt::Debug for AnyDelayed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AnyDelayed({})", self.node.key)
    }
}

/// Builds a delayed task from a function call or a method call, without running it.
///
/// - `delayed!(f(a, b))`: calls the function (or any path, `module::f`, `f::<T>`) on
///   arguments that are plain values, [`Delayed`] values or [`Future`](crate::tasks::Future)s;
///   the task's key prefix is the function's name.
/// - `delayed!(x.method(a))`: calls a method on a delayed receiver `x` (borrowed, up to
///   three arguments); the prefix is the method's name.
///
/// ```
/// use rhpc::prelude::*;
///
/// fn inc(x: i64) -> i64 { x + 1 }
/// fn add(a: i64, b: i64) -> i64 { a + b }
///
/// let a = delayed!(inc(1));
/// let b = delayed!(add(a, 10));
/// let text = delayed!(b.to_string());
/// assert_eq!(b.key().prefix(), "add");
/// assert_eq!(text.compute()?, "12");
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
#[macro_export]
macro_rules! delayed {
    ($recv:ident . $method:ident ()) => {
        $crate::tasks::method0(stringify!($method), &$recv, |r| r.$method())
    };
    ($recv:ident . $method:ident ($a1:expr $(,)?)) => {
        $crate::tasks::method1(stringify!($method), &$recv, |r, a1| r.$method(a1), $a1)
    };
    ($recv:ident . $method:ident ($a1:expr, $a2:expr $(,)?)) => {
        $crate::tasks::method2(
            stringify!($method), &$recv, |r, a1, a2| r.$method(a1, a2), $a1, $a2,
        )
    };
    ($recv:ident . $method:ident ($a1:expr, $a2:expr, $a3:expr $(,)?)) => {
        $crate::tasks::method3(
            stringify!($method), &$recv, |r, a1, a2, a3| r.$method(a1, a2, a3), $a1, $a2, $a3,
        )
    };
    ($($seg:ident)::+ $(::<$($generic:ty),+>)? ( $($arg:expr),* $(,)? )) => {
        $crate::tasks::Delayed::call(
            $crate::tasks::prefix_of(stringify!($($seg)::+)),
            $($seg)::+ $(::<$($generic),+>)?,
            ($($arg,)*),
        )
    };
}
