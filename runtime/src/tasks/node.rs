//! The task node every graph is made of, and running one task with its panic caught.
//!
//! Nodes are immutable and point at the nodes they depend on, so a graph is a DAG by
//! construction: a task can only depend on tasks that existed before it.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::error::TaskError;
use super::key::Key;
use crate::panic_payload::panic_message;

/// A task's result, with its type erased: what flows between tasks and schedulers.
///
/// Typed handles ([`Delayed<T>`](super::Delayed), [`Future<T>`](super::Future)) downcast it
/// back; the dynamic API ([`AnyDelayed`](super::AnyDelayed)) works with it directly.
///
/// ```
/// use rhpc::tasks::Value;
/// let value: Value = std::sync::Arc::new(42u64);
/// assert_eq!(value.downcast_ref::<u64>(), Some(&42));
/// ```
pub type Value = Arc<dyn Any + Send + Sync>;

/// A task's body: its dependencies' values in, its value (or an error message) out.
pub(crate) type TaskFn = Box<dyn Fn(&[Value]) -> Result<Value, String> + Send + Sync>;

/// Something that produces a value later, outside the graph (a [`Future`](super::Future)
/// used inside a delayed graph).
pub(crate) trait AwaitValue: Send + Sync {
    /// Blocks until the value is there.
    fn wait_value(&self) -> Result<Value, TaskError>;
}

/// What a node does when it runs.
pub(crate) enum Work {
    /// Call a function on the dependencies' values.
    Call(TaskFn),
    /// A value known up front: a literal or a persisted result.
    Ready(Value),
    /// The value of a future.
    Await(Arc<dyn AwaitValue>),
}

/// One task: its key, the tasks whose values it takes (in argument order), its work.
pub(crate) struct Node {
    pub(crate) key: Key,
    pub(crate) deps: Vec<Arc<Node>>,
    pub(crate) work: Work,
}

impl Node {
    pub(crate) fn new(key: Key, deps: Vec<Arc<Node>>, work: Work) -> Arc<Node> {
        Arc::new(Node { key, deps, work })
    }

    /// Runs the task on its inputs; a panic becomes [`TaskError::Failed`] with this key.
    pub(crate) fn run(&self, inputs: &[Value]) -> Result<Value, TaskError> {
        match &self.work {
            Work::Ready(value) => Ok(value.clone()),
            Work::Await(source) => source.wait_value(),
            Work::Call(function) => match catch_unwind(AssertUnwindSafe(|| function(inputs))) {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(message)) => Err(self.failed(message)),
                Err(payload) => Err(self.failed(panic_message(payload.as_ref()))),
            },
        }
    }

    fn failed(&self, message: String) -> TaskError {
        TaskError::Failed {
            key: self.key.clone(),
            message,
        }
    }
}

impl Drop for Node {
    /// Drops long chains iteratively: the default recursive drop of a chain of 100,000
    /// tasks would overflow the stack.
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.deps);
        while let Some(node) = stack.pop() {
            if let Ok(mut node) = Arc::try_unwrap(node) {
                stack.append(&mut node.deps);
            }
        }
    }
}

/// Downcasts a task's value to `T`, moving it out when nothing else holds it.
pub(crate) fn take_value<T: Clone + Send + Sync + 'static>(
    value: Value,
    key: &Key,
) -> Result<T, TaskError> {
    match value.downcast::<T>() {
        Ok(typed) => Ok(Arc::try_unwrap(typed).unwrap_or_else(|shared| (*shared).clone())),
        Err(_) => Err(TaskError::WrongType {
            key: key.clone(),
            expected: std::any::type_name::<T>(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_chains_drop_without_overflow() {
        let mut node = Node::new(Key::generate("x"), vec![], Work::Ready(Arc::new(0u8)));
        for _ in 0..200_000 {
            node = Node::new(Key::generate("x"), vec![node], Work::Ready(Arc::new(0u8)));
        }
        drop(node);
    }

    #[test]
    fn panics_and_errors_carry_the_key() {
        let key = Key::named("bad");
        let node = Node::new(key.clone(), vec![], Work::Call(Box::new(|_| panic!("no"))));
        assert_eq!(
            node.run(&[]).err(),
            Some(TaskError::Failed {
                key: key.clone(),
                message: "no".into()
            })
        );
        let node = Node::new(
            key.clone(),
            vec![],
            Work::Call(Box::new(|_| Err("e".into()))),
        );
        assert!(matches!(node.run(&[]), Err(TaskError::Failed { message, .. }) if message == "e"));
    }

    #[test]
    fn values_move_out_or_clone() {
        let key = Key::named("v");
        let value: Value = Arc::new(vec![1, 2]);
        assert_eq!(take_value::<Vec<i32>>(value.clone(), &key).unwrap(), [1, 2]);
        assert!(matches!(
            take_value::<u8>(value, &key),
            Err(TaskError::WrongType { .. })
        ));
    }
}
