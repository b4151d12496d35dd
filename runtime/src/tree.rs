//! Tree reductions over tasks, shared by the collections: partial results combined a few
//! at a time (the fan-in) by `{name}-combine` tasks, then finished by one
//! `{name}-aggregate` task, so no single task gathers every partition. Also the names
//! of ready values (held chunks and partitions).

use std::sync::Arc;

use crate::tasks::{AnyDelayed, Key, Value};

/// A task body combining several values into one.
pub(crate) type Combine = Arc<dyn Fn(&[Value]) -> Result<Value, String> + Send + Sync>;

/// Combines `parts` `fan_in` at a time with `merge` until at most `fan_in` are left, then
/// gives those to `finish` in one last task (also when there are no parts at all).
pub(crate) fn tree(
    mut parts: Vec<AnyDelayed>,
    fan_in: usize,
    name: &str,
    merge: Combine,
    finish: impl Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
) -> AnyDelayed {
    let fan_in = fan_in.max(2);
    while parts.len() > fan_in {
        parts = parts
            .chunks(fan_in)
            .map(|group| {
                if let [only] = group {
                    return only.clone();
                }
                let merge = merge.clone();
                AnyDelayed::task(format!("{name}-combine"), group.to_vec(), move |v| merge(v))
            })
            .collect();
    }
    AnyDelayed::task(format!("{name}-aggregate"), parts, finish)
}

/// A task's input as a `&A`, or a message naming the type expected.
pub(crate) fn downcast<A: 'static>(value: &Value) -> Result<&A, String> {
    value
        .downcast_ref::<A>()
        .ok_or_else(|| format!("an input is not a {}", std::any::type_name::<A>()))
}

/// A fresh readable name for a ready value (`array-3f2a9c01d4e5b6a7`): unique, with the
/// prefix `prefix` in pictures.
pub(crate) fn fresh_name(prefix: &str) -> String {
    format!("{prefix}-{:016x}", Key::generate("x").id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_combine_everything_once() {
        let parts: Vec<AnyDelayed> = (1..=10u64)
            .map(|i| AnyDelayed::value(format!("p-{i:x}"), Arc::new(i)))
            .collect();
        let sum = |values: &[Value]| -> Result<Value, String> {
            let mut total = 0u64;
            for v in values {
                total += downcast::<u64>(v)?;
            }
            Ok(Arc::new(total) as Value)
        };
        let total = tree(parts, 3, "sum", Arc::new(sum), sum);
        assert_eq!(total.typed::<u64>().compute().unwrap(), 55);
        // 10 leaves; groups of 3, 3, 3 and 1 (passed on): 3 combines; then 3 + 1: one
        // more; then the aggregate of the last two.
        assert_eq!(total.graph().len(), 10 + 3 + 1 + 1);
    }
}
