//! Arguments of task calls: plain values, delayed values and futures, bound to a function.
//!
//! `delayed!(add(x, 1))` and `client.submit(add, (x, 1))` take each argument through
//! [`IntoArg`]: a plain value is captured in the task, a [`Delayed`](super::Delayed) or a
//! [`Future`](super::Future) becomes a dependency whose value is passed in when the task
//! runs. [`CallArgs`] does this for a whole tuple of arguments at once; the function's own
//! signature fixes each argument's type, so no annotations are needed.

use std::sync::Arc;

use super::future::Shared;
use super::node::{Node, TaskFn, Value};

/// One argument of a task call (made by [`IntoArg`]).
///
/// ```
/// use rhpc::tasks::{Arg, IntoArg};
/// let arg: Arg<u64> = 5u64.into_arg();
/// assert!(arg.is_value());
/// ```
pub struct Arg<T>(pub(crate) ArgKind<T>);

pub(crate) enum ArgKind<T> {
    /// A value known now, captured in the task.
    Value(T),
    /// The result of another task in the graph.
    Task(Arc<Node>),
    /// The result of a future.
    Future(Arc<Shared>),
}

impl<T> Arg<T> {
    /// Whether this argument is a plain value (no dependency).
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// use rhpc::tasks::IntoArg;
    /// let x = Delayed::new(1u8);
    /// assert!(!IntoArg::<u8>::into_arg(&x).is_value());
    /// ```
    pub fn is_value(&self) -> bool {
        matches!(self.0, ArgKind::Value(_))
    }
}

/// What can be passed as a task argument of type `T`: a `T`, a `Delayed<T>` or a
/// `Future<T>` (by value or by reference).
///
/// ```
/// use rhpc::prelude::*;
///
/// fn add(a: u64, b: u64) -> u64 { a + b }
/// let x = Delayed::new(1u64);
/// let y = delayed!(add(&x, 10));        // a delayed value and a plain one
/// assert_eq!(y.compute()?, 11);
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
pub trait IntoArg<T> {
    /// This argument, as a value or a dependency.
    fn into_arg(self) -> Arg<T>;
}

impl<T> IntoArg<T> for T {
    fn into_arg(self) -> Arg<T> {
        Arg(ArgKind::Value(self))
    }
}

/// Where the dependencies of a call go: graph nodes for delayed calls, futures for submits.
pub(crate) trait DepSink {
    /// Adds a graph dependency; returns its input position.
    fn task(&mut self, node: Arc<Node>) -> usize;
    /// Adds a future dependency; returns its input position.
    fn future(&mut self, future: Arc<Shared>) -> usize;
}

/// How a task gets one argument when it runs.
enum Slot<T> {
    Const(T),
    Input(usize),
}

impl<T: Clone + 'static> Slot<T> {
    fn bind(arg: Arg<T>, sink: &mut dyn DepSink) -> Slot<T> {
        match arg.0 {
            ArgKind::Value(value) => Slot::Const(value),
            ArgKind::Task(node) => Slot::Input(sink.task(node)),
            ArgKind::Future(future) => Slot::Input(sink.future(future)),
        }
    }

    fn get(&self, inputs: &[Value]) -> Result<T, String> {
        match self {
            Slot::Const(value) => Ok(value.clone()),
            Slot::Input(index) => inputs
                .get(*index)
                .and_then(|value| value.downcast_ref::<T>())
                .cloned()
                .ok_or_else(|| format!("argument {index} is not a {}", std::any::type_name::<T>())),
        }
    }
}

/// A tuple of arguments that can be bound to a function `F` (`Marker` is the tuple of the
/// function's parameter types, inferred).
///
/// Implemented for tuples of up to 8 arguments, each any [`IntoArg`] of the matching
/// parameter type. Arguments are cloned out of their dependencies' values when the task
/// runs (share big data behind an `Arc` to make that free).
///
/// ```
/// use rhpc::prelude::*;
///
/// fn scale(v: Vec<f64>, by: f64) -> Vec<f64> { v.into_iter().map(|x| x * by).collect() }
/// let v = Delayed::new(vec![1.0, 2.0]);
/// let doubled = Delayed::call("scale", scale, (&v, 2.0));
/// assert_eq!(doubled.compute()?, [2.0, 4.0]);
/// # Ok::<(), rhpc::tasks::TaskError>(())
/// ```
pub trait CallArgs<F, Marker> {
    /// The function's result type.
    type Output: Send + Sync + 'static;

    /// Binds the arguments: dependencies go to `sink`, the returned body calls `f`.
    #[doc(hidden)]
    #[allow(private_interfaces)]
    fn bind(self, f: F, sink: &mut dyn DepSink) -> TaskFn;
}

macro_rules! call_args {
    ($($a:ident $x:ident $s:ident),*) => {
        impl<Func, Out, $($a, $x),*> CallArgs<Func, ($($a,)*)> for ($($x,)*)
        where
            Func: Fn($($a),*) -> Out + Send + Sync + 'static,
            Out: Send + Sync + 'static,
            $($a: Clone + Send + Sync + 'static, $x: IntoArg<$a>,)*
        {
            type Output = Out;

            #[allow(private_interfaces, non_snake_case, unused_variables)]
            fn bind(self, f: Func, sink: &mut dyn DepSink) -> TaskFn {
                let ($($x,)*) = self;
                $(let $s = Slot::bind($x.into_arg(), sink);)*
                Box::new(move |inputs: &[Value]| {
                    Ok(Arc::new(f($($s.get(inputs)?),*)) as Value)
                })
            }
        }
    };
}

call_args!();
call_args!(A1 X1 s1);
call_args!(A1 X1 s1, A2 X2 s2);
call_args!(A1 X1 s1, A2 X2 s2, A3 X3 s3);
call_args!(A1 X1 s1, A2 X2 s2, A3 X3 s3, A4 X4 s4);
call_args!(A1 X1 s1, A2 X2 s2, A3 X3 s3, A4 X4 s4, A5 X5 s5);
call_args!(A1 X1 s1, A2 X2 s2, A3 X3 s3, A4 X4 s4, A5 X5 s5, A6 X6 s6);
call_args!(A1 X1 s1, A2 X2 s2, A3 X3 s3, A4 X4 s4, A5 X5 s5, A6 X6 s6, A7 X7 s7);
call_args!(A1 X1 s1, A2 X2 s2, A3 X3 s3, A4 X4 s4, A5 X5 s5, A6 X6 s6, A7 X7 s7, A8 X8 s8);

/// The readable prefix of a function path as written in a macro call:
/// `inc`, `math::inc` and `sum::<u64>` give `inc`, `inc` and `sum`.
///
/// ```
/// assert_eq!(rhpc::tasks::prefix_of("math :: inc"), "inc");
/// assert_eq!(rhpc::tasks::prefix_of("sum :: < u64 >"), "sum");
/// ```
pub fn prefix_of(path: &'static str) -> &'static str {
    let without_generics = path.split('<').next().unwrap_or(path);
    without_generics
        .trim_end_matches([':', ' '])
        .rsplit("::")
        .next()
        .unwrap_or(path)
        .trim()
}

/// A graph sink: dependencies become graph nodes (a future becomes a node awaiting it).
#[derive(Default)]
pub(crate) struct NodeSink(pub(crate) Vec<Arc<Node>>);

impl DepSink for NodeSink {
    fn task(&mut self, node: Arc<Node>) -> usize {
        self.0.push(node);
        self.0.len() - 1
    }

    fn future(&mut self, future: Arc<Shared>) -> usize {
        let node = Shared::as_node(&future);
        self.task(node)
    }
}

macro_rules! method_call {
    ($(#[$doc:meta])* $name:ident $(, $a:ident $x:ident $s:ident)*) => {
        $(#[$doc])*
        #[allow(non_snake_case)]
        pub fn $name<T, Out, Func, $($a, $x),*>(
            prefix: &'static str,
            receiver: &super::Delayed<T>,
            f: Func,
            $($x: $x,)*
        ) -> super::Delayed<Out>
        where
            T: Send + Sync + 'static,
            Out: Send + Sync + 'static,
            Func: Fn(&T, $($a),*) -> Out + Send + Sync + 'static,
            $($a: Clone + Send + Sync + 'static, $x: IntoArg<$a>,)*
        {
            let mut sink = NodeSink::default();
            let this = sink.task(receiver.node().clone());
            $(let $s = Slot::bind($x.into_arg(), &mut sink);)*
            let body: TaskFn = Box::new(move |inputs: &[Value]| {
                let receiver = inputs
                    .get(this)
                    .and_then(|value| value.downcast_ref::<T>())
                    .ok_or_else(|| format!("receiver is not a {}", std::any::type_name::<T>()))?;
                Ok(Arc::new(f(receiver $(, $s.get(inputs)?)*)) as Value)
            });
            super::Delayed::from_parts(prefix.into(), sink.0, body)
        }
    };
}

method_call!(
    /// A method call with no arguments on a delayed receiver (what `delayed!(x.len())`
    /// expands to); the receiver is borrowed, not cloned.
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// let v = Delayed::new(vec![1, 2, 3]);
    /// let n = delayed!(v.len());
    /// assert_eq!(n.key().prefix(), "len");
    /// assert_eq!(n.compute()?, 3);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    method0
);
method_call!(
    /// A method call with one argument on a delayed receiver (`delayed!(x.repeat(n))`).
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// let word = Delayed::new(String::from("ab"));
    /// let times = Delayed::new(3usize);
    /// assert_eq!(delayed!(word.repeat(times)).compute()?, "ababab");
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    method1, A1 X1 s1
);
method_call!(
    /// A method call with two arguments on a delayed receiver.
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// struct Line { a: f64, b: f64 }
    /// impl Line { fn between(&self, x: f64, y: f64) -> bool { self.a * x + self.b < y } }
    /// let line = Delayed::new(Line { a: 2.0, b: 1.0 });
    /// assert!(delayed!(line.between(1.0, 4.0)).compute()?);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    method2, A1 X1 s1, A2 X2 s2
);
method_call!(
    /// A method call with three arguments on a delayed receiver.
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// let v = Delayed::new(vec![1u32, 2, 3]);
    /// let f = |w: &Vec<u32>, a: u32, b: u32, c: u32| w.len() as u32 + a + b + c;
    /// let n = rhpc::tasks::method3("sum3", &v, f, 1u32, 2u32, 3u32);
    /// assert_eq!(n.compute()?, 9);
    /// # Ok::<(), rhpc::tasks::TaskError>(())
    /// ```
    method3, A1 X1 s1, A2 X2 s2, A3 X3 s3
);
