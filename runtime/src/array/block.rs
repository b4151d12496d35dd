//! [`Block`]: one chunk of a blocked array, lazily: the tasks that give its inputs and the
//! fused elementwise expression that makes the chunk from them.
//!
//! A freshly created block is one task (its expression is `Input(0)`). Elementwise
//! operations only grow the expression; the first operation that needs the chunk itself
//! (a rechunk, a matmul, computing the array) [materializes](Block::materialize) it as one
//! task, and reductions fold the expression tile by tile inside their per-block task.

use std::sync::Arc;

use ndarray::ArrayD;

use super::element::Element;
use super::fused::{Expr, evaluate, input_slices};
use crate::tasks::{AnyDelayed, Value};

/// One lazy chunk.
pub(crate) struct Block<T> {
    pub(crate) expr: Arc<Expr<T>>,
    pub(crate) inputs: Vec<AnyDelayed>,
    /// The names of the fused operations, oldest first (the task's key prefix).
    pub(crate) ops: Vec<&'static str>,
}

impl<T> Clone for Block<T> {
    fn clone(&self) -> Self {
        Block {
            expr: self.expr.clone(),
            inputs: self.inputs.clone(),
            ops: self.ops.clone(),
        }
    }
}

/// How many fused operation names a task's prefix shows.
const PREFIX_OPS: usize = 3;

impl<T: Element> Block<T> {
    /// A block that is the value of `task` (an `ArrayD<T>` in standard layout).
    pub(crate) fn task(task: AnyDelayed) -> Block<T> {
        Block {
            expr: Arc::new(Expr::Input(0)),
            inputs: vec![task],
            ops: Vec::new(),
        }
    }

    /// This block with an in-place operation applied to each tile.
    pub(crate) fn unary(&self, name: &'static str, op: super::fused::UnaryOp<T>) -> Block<T> {
        let mut ops = self.ops.clone();
        ops.push(name);
        Block {
            expr: Arc::new(Expr::Unary(self.expr.clone(), op)),
            inputs: self.inputs.clone(),
            ops,
        }
    }

    /// This block combined elementwise with `other` (of the same shape).
    pub(crate) fn binary(
        &self,
        other: &Block<T>,
        name: &'static str,
        op: super::fused::BinaryOp<T>,
    ) -> Block<T> {
        let mut inputs = self.inputs.clone();
        inputs.extend(other.inputs.iter().cloned());
        let mut ops = self.ops.clone();
        ops.extend(other.ops.iter().copied());
        ops.push(name);
        Block {
            expr: Arc::new(Expr::Binary(
                self.expr.clone(),
                other.expr.shifted(self.inputs.len()),
                op,
            )),
            inputs,
            ops,
        }
    }

    /// The key prefix for a task running this block's operations, then `last`.
    pub(crate) fn prefix(&self, last: &str) -> String {
        let skip = self.ops.len().saturating_sub(PREFIX_OPS);
        let mut names: Vec<&str> = self.ops[skip..].to_vec();
        if !last.is_empty() {
            names.push(last);
        }
        if names.is_empty() {
            names.push("block");
        }
        names.join("-")
    }

    /// The task giving this chunk (of shape `shape`) as an `ArrayD<T>`.
    pub(crate) fn materialize(&self, shape: &[usize]) -> AnyDelayed {
        if let Some(i) = self.expr.as_input() {
            return self.inputs[i].clone();
        }
        let expr = self.expr.clone();
        let shape = shape.to_vec();
        AnyDelayed::task(self.prefix(""), self.inputs.clone(), move |values| {
            let inputs = input_slices::<T>(values)?;
            let len = shape.iter().product();
            let data = evaluate(&expr, &inputs, len);
            let chunk = ArrayD::from_shape_vec(shape.clone(), data).map_err(|e| e.to_string())?;
            Ok(Arc::new(chunk) as Value)
        })
    }
}
