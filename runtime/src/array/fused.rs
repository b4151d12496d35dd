//! Fused elementwise expressions: a chain like `(x + 1) * 2` kept as a small tree per
//! block and run tile by tile, so one task per block applies the whole chain.
//!
//! Why tiles: evaluating `((x + 1) * 2).sum()` one operation at a time would write and
//! read a temporary block per operation (three passes over memory for one useful pass).
//! Here each operation runs on a tile of [`TILE`] elements that stays in the L1/L2 cache,
//! and a reduction folds each tile as soon as it is ready: the data is read from memory
//! once, as in a hand-written loop. Each operation is a loop over a slice, which the
//! compiler vectorises; no per-element virtual call.

use std::sync::Arc;

use rayon::prelude::*;

use super::element::Element;
use crate::tasks::Value;

/// Elements per tile: 2048 `f64` are 16 KiB, so a tile and a second operand stay in a
/// 32 KiB L1 cache.
pub(crate) const TILE: usize = 2048;

/// Blocks at least this long are split across threads inside their task, so a few big
/// blocks still use every core (5 blocks on 2 cores would otherwise leave one idle).
pub(crate) const PARALLEL_SPLIT: usize = 1 << 18;

/// An elementwise operation on tiles: in place, or reading another tile (so the first
/// operation on an input block reads the block directly instead of a copy of it).
pub(crate) trait TileOp<T>: Send + Sync {
    /// `tile[i] = f(tile[i])`
    fn apply(&self, tile: &mut [T]);
    /// `out[i] = f(source[i])`
    fn apply_from(&self, source: &[T], out: &mut [T]);
}

/// A function of one element as a tile operation (monomorphised: the loops vectorise).
pub(crate) struct PerElement<F>(pub(crate) F);

impl<T: Copy, F: Fn(T) -> T + Send + Sync> TileOp<T> for PerElement<F> {
    fn apply(&self, tile: &mut [T]) {
        for v in tile {
            *v = (self.0)(*v);
        }
    }

    fn apply_from(&self, source: &[T], out: &mut [T]) {
        for (o, &s) in out.iter_mut().zip(source) {
            *o = (self.0)(s);
        }
    }
}

/// A shared tile operation.
pub(crate) type UnaryOp<T> = Arc<dyn TileOp<T>>;
/// An in-place operation combining a tile with another (`left[i] = left[i] op right[i]`).
pub(crate) type BinaryOp<T> = fn(&mut [T], &[T]);

/// One block's elementwise computation over its input blocks.
pub(crate) enum Expr<T> {
    /// The `i`-th input block, as it is.
    Input(usize),
    /// An operation applied to an expression.
    Unary(Arc<Expr<T>>, UnaryOp<T>),
    /// Two expressions combined elementwise.
    Binary(Arc<Expr<T>>, Arc<Expr<T>>, BinaryOp<T>),
}

impl<T: Element> Expr<T> {
    /// The same expression reading inputs `offset` places further on (when this block's
    /// inputs are appended after another's).
    pub(crate) fn shifted(self: &Arc<Self>, offset: usize) -> Arc<Expr<T>> {
        if offset == 0 {
            return self.clone();
        }
        Arc::new(match &**self {
            Expr::Input(i) => Expr::Input(i + offset),
            Expr::Unary(inner, op) => Expr::Unary(inner.shifted(offset), op.clone()),
            Expr::Binary(left, right, op) => {
                Expr::Binary(left.shifted(offset), right.shifted(offset), *op)
            }
        })
    }

    /// The input this expression is, when it does nothing else.
    pub(crate) fn as_input(&self) -> Option<usize> {
        match self {
            Expr::Input(i) => Some(*i),
            _ => None,
        }
    }

    /// Writes elements `start..start + out.len()` of the expression into `out`.
    fn eval(&self, inputs: &[&[T]], start: usize, out: &mut [T], spare: &mut Vec<Vec<T>>) {
        match self {
            Expr::Input(i) => out.copy_from_slice(&inputs[*i][start..start + out.len()]),
            Expr::Unary(inner, op) => match inner.as_input() {
                Some(i) => op.apply_from(&inputs[i][start..start + out.len()], out),
                None => {
                    inner.eval(inputs, start, out, spare);
                    op.apply(out);
                }
            },
            Expr::Binary(left, right, op) => {
                left.eval(inputs, start, out, spare);
                let mut other = spare.pop().unwrap_or_default();
                other.resize(out.len(), T::ZERO);
                right.eval(inputs, start, &mut other, spare);
                op(out, &other);
                spare.push(other);
            }
        }
    }
}

/// The input blocks of a task as slices (blocks are always kept in standard layout).
pub(crate) fn input_slices<T: Element>(values: &[Value]) -> Result<Vec<&[T]>, String> {
    values
        .iter()
        .map(|value| {
            value
                .downcast_ref::<ndarray::ArrayD<T>>()
                .ok_or_else(|| format!("an input is not an array of {}", T::DTYPE))?
                .as_slice()
                .ok_or_else(|| "an input block is not contiguous".to_string())
        })
        .collect()
}

/// Evaluates `expr` over `len` elements into a new vector (in parallel for long blocks).
pub(crate) fn evaluate<T: Element>(expr: &Expr<T>, inputs: &[&[T]], len: usize) -> Vec<T> {
    if let Some(i) = expr.as_input() {
        return inputs[i][..len].to_vec();
    }
    let mut out = vec![T::ZERO; len];
    let fill = |(piece, out): (usize, &mut [T])| {
        let mut spare = Vec::new();
        let base = piece * PARALLEL_SPLIT;
        for (t, tile) in out.chunks_mut(TILE).enumerate() {
            expr.eval(inputs, base + t * TILE, tile, &mut spare);
        }
    };
    if len >= 2 * PARALLEL_SPLIT {
        out.par_chunks_mut(PARALLEL_SPLIT)
            .enumerate()
            .for_each(fill);
    } else {
        out.chunks_mut(PARALLEL_SPLIT).enumerate().for_each(fill);
    }
    out
}

/// Folds the `len` elements of `expr` tile by tile: `fold` takes each tile, `merge`
/// combines the accumulators of the pieces a long block is split into, in order.
pub(crate) fn fold_tiles<T, A>(
    expr: &Expr<T>,
    inputs: &[&[T]],
    len: usize,
    empty: impl Fn() -> A + Sync,
    fold: impl Fn(&mut A, &[T]) + Sync,
    merge: impl Fn(&mut A, A),
) -> A
where
    T: Element,
    A: Send,
{
    let piece = |p: usize| {
        let range = p * PARALLEL_SPLIT..((p + 1) * PARALLEL_SPLIT).min(len);
        let mut acc = empty();
        if let Some(i) = expr.as_input() {
            // A plain block needs no copy: fold its memory directly.
            for tile in inputs[i][range].chunks(TILE) {
                fold(&mut acc, tile);
            }
            return acc;
        }
        let mut spare = Vec::new();
        let mut tile = vec![T::ZERO; TILE.min(range.len())];
        let mut start = range.start;
        while start < range.end {
            let n = TILE.min(range.end - start);
            expr.eval(inputs, start, &mut tile[..n], &mut spare);
            fold(&mut acc, &tile[..n]);
            start += n;
        }
        acc
    };
    let pieces = len.div_ceil(PARALLEL_SPLIT);
    let partials: Vec<A> = if pieces >= 2 {
        (0..pieces).into_par_iter().map(piece).collect()
    } else {
        (0..pieces).map(piece).collect()
    };
    let mut partials = partials.into_iter();
    let mut acc = partials.next().unwrap_or_else(&empty);
    for partial in partials {
        merge(&mut acc, partial);
    }
    acc
}
