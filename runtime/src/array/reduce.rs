//! Reductions (`sum`, `mean`, `min`, `max`, `var`, `std`) over the whole array or along
//! one axis, as tree reductions with a configurable fan-in.
//!
//! Each block is folded into a partial result by one task (fusing the block's
//! elementwise operations, tile by tile); partials are then combined `fan_in` at a time
//! (`{name}-combine` tasks) until one `{name}-aggregate` task finishes the result. Means
//! and deviations carry counts, means and squared deviations (Chan's parallel update), so
//! they are as accurate as a two-pass computation.

use std::cmp::Ordering;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, Zip};

use super::block::Block;
use super::blocked::BlockedArray;
use super::element::Element;
use super::error::ArrayError;
use super::fused::{evaluate, fold_tiles, input_slices};
use crate::tasks::{AnyDelayed, Delayed, Value};
use crate::tree::{downcast, tree};

/// One kind of reduction: how to fold elements into an accumulator, merge two
/// accumulators and finish one into the result.
pub(crate) trait Reducer<T: Element>: 'static {
    /// The partial result.
    type Acc: Clone + Send + Sync + 'static;
    /// The result type.
    type Out: Element;
    /// The name in task keys.
    const NAME: &'static str;
    /// The accumulator of no elements.
    fn empty() -> Self::Acc;
    /// Folds a run of elements in.
    fn fold(acc: &mut Self::Acc, tile: &[T]);
    /// Merges another partial result in.
    fn merge(acc: &mut Self::Acc, other: &Self::Acc);
    /// The result, or why there is none (the minimum of nothing).
    fn finish(acc: &Self::Acc) -> Result<Self::Out, String>;
}

/// Sums with eight independent accumulators: the additions pipeline instead of waiting
/// on each other (and vectorise), as a hand-written reduction would.
fn lane_sum<T: Element>(tile: &[T]) -> T {
    let mut lanes = [T::ZERO; 8];
    let chunks = tile.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane = *lane + v;
        }
    }
    let rest = rest.iter().fold(T::ZERO, |a, &v| a + v);
    lanes.iter().fold(rest, |a, &v| a + v)
}

pub(crate) struct Sum;
pub(crate) struct Min;
pub(crate) struct Max;
pub(crate) struct Mean;
pub(crate) struct Var;
pub(crate) struct Std;

impl<T: Element> Reducer<T> for Sum {
    type Acc = T;
    type Out = T;
    const NAME: &'static str = "sum";
    fn empty() -> T {
        T::ZERO
    }
    fn fold(acc: &mut T, tile: &[T]) {
        *acc = *acc + lane_sum(tile);
    }
    fn merge(acc: &mut T, other: &T) {
        *acc = *acc + *other;
    }
    fn finish(acc: &T) -> Result<T, String> {
        Ok(*acc)
    }
}

macro_rules! extremum {
    ($kind:ident, $name:literal, $better:ident) => {
        impl<T: Element> Reducer<T> for $kind {
            type Acc = Option<T>;
            type Out = T;
            const NAME: &'static str = $name;
            fn empty() -> Option<T> {
                None
            }
            fn fold(acc: &mut Option<T>, tile: &[T]) {
                for &v in tile {
                    let better = match acc {
                        Some(best) => v.partial_cmp(best) == Some(Ordering::$better),
                        None => true,
                    };
                    if better {
                        *acc = Some(v);
                    }
                }
            }
            fn merge(acc: &mut Option<T>, other: &Option<T>) {
                if let Some(v) = other {
                    Self::fold(acc, std::slice::from_ref(v));
                }
            }
            fn finish(acc: &Option<T>) -> Result<T, String> {
                acc.ok_or_else(|| format!("the {} of an empty array", $name))
            }
        }
    };
}

extremum!(Min, "min", Less);
extremum!(Max, "max", Greater);

/// Count, mean and sum of squared deviations from the mean.
#[derive(Clone, Copy, Default)]
pub(crate) struct Moments {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn of<T: Element>(tile: &[T]) -> Moments {
        let n = tile.len() as f64;
        if tile.is_empty() {
            return Moments::default();
        }
        let mean = tile.iter().map(|v| v.to_f64()).sum::<f64>() / n;
        let m2 = tile.iter().map(|v| (v.to_f64() - mean).powi(2)).sum();
        Moments { n, mean, m2 }
    }

    /// Chan et al.'s update for two groups.
    fn merge(&mut self, other: &Moments) {
        if other.n == 0.0 {
            return;
        }
        let n = self.n + other.n;
        let delta = other.mean - self.mean;
        self.mean += delta * other.n / n;
        self.m2 += other.m2 + delta * delta * self.n * other.n / n;
        self.n = n;
    }

    fn variance(&self) -> Result<f64, String> {
        if self.n == 0.0 {
            return Err("the variance of an empty array".into());
        }
        Ok(self.m2 / self.n)
    }
}

macro_rules! moments {
    ($kind:ident, $name:literal, |$m:ident| $finish:expr) => {
        impl<T: Element> Reducer<T> for $kind {
            type Acc = Moments;
            type Out = f64;
            const NAME: &'static str = $name;
            fn empty() -> Moments {
                Moments::default()
            }
            fn fold(acc: &mut Moments, tile: &[T]) {
                acc.merge(&Moments::of(tile));
            }
            fn merge(acc: &mut Moments, other: &Moments) {
                acc.merge(other);
            }
            fn finish($m: &Moments) -> Result<f64, String> {
                $finish
            }
        }
    };
}

moments!(Mean, "mean", |m| if m.n == 0.0 {
    Err("the mean of an empty array".into())
} else {
    Ok(m.mean)
});
moments!(Var, "var", |m| m.variance());
moments!(Std, "std", |m| m.variance().map(f64::sqrt));

impl<T: Element> BlockedArray<T> {
    /// One task folding block `block` into an accumulator.
    fn fold_block<R: Reducer<T>>(&self, block: &Block<T>, len: usize) -> AnyDelayed {
        let expr = block.expr.clone();
        AnyDelayed::task(
            block.prefix(&format!("{}-chunk", R::NAME)),
            block.inputs.clone(),
            move |values| {
                let inputs = input_slices::<T>(values)?;
                let acc = fold_tiles(&expr, &inputs, len, R::empty, R::fold, |a, b| {
                    R::merge(a, &b)
                });
                Ok(Arc::new(acc) as Value)
            },
        )
    }

    /// The reduction `R` over every element.
    fn reduce_all<R: Reducer<T>>(&self) -> Delayed<R::Out> {
        let partials: Vec<AnyDelayed> = (0..self.grid.nblocks())
            .map(|b| {
                self.fold_block::<R>(&self.blocks[b], self.grid.block_shape(b).iter().product())
            })
            .collect();
        let merge_all = |values: &[Value]| -> Result<R::Acc, String> {
            let mut acc = R::empty();
            for value in values {
                R::merge(&mut acc, downcast::<R::Acc>(value)?);
            }
            Ok(acc)
        };
        let merge = Arc::new(move |values: &[Value]| Ok(Arc::new(merge_all(values)?) as Value));
        let total = tree(partials, self.fan_in, R::NAME, merge, move |values| {
            Ok(Arc::new(R::finish(&merge_all(values)?)?) as Value)
        });
        total.typed()
    }

    /// The reduction `R` along `axis`: an array with that axis removed.
    fn reduce_axis<R: Reducer<T>>(&self, axis: usize) -> Result<BlockedArray<R::Out>, ArrayError> {
        if axis >= self.ndim() {
            return Err(ArrayError::BadAxis {
                axis,
                ndim: self.ndim(),
            });
        }
        let out_grid = self.grid.without_axis(axis);
        let along = self.grid.grid_shape()[axis];
        let merge_all = |values: &[Value], shape: &[usize]| -> Result<ArrayD<R::Acc>, String> {
            let mut acc = ArrayD::from_elem(IxDyn(shape), R::empty());
            for value in values {
                let part = downcast::<ArrayD<R::Acc>>(value)?;
                Zip::from(&mut acc)
                    .and(part)
                    .for_each(|a, b| R::merge(a, b));
            }
            Ok(acc)
        };
        let merge_all = Arc::new(merge_all);
        let blocks = (0..out_grid.nblocks())
            .map(|o| {
                let position = out_grid.block_position(o);
                let shape = out_grid.block_shape(o);
                let partials = (0..along)
                    .map(|k| {
                        let mut full = position.clone();
                        full.insert(axis, k);
                        let b = self.grid.block_number(&full);
                        self.fold_block_along::<R>(b, axis)
                    })
                    .collect();
                let (merge, finish) = (merge_all.clone(), merge_all.clone());
                let combine_shape = shape.clone();
                let merge = Arc::new(move |values: &[Value]| {
                    Ok(Arc::new(merge(values, &combine_shape)?) as Value)
                });
                let total = tree(partials, self.fan_in, R::NAME, merge, move |values| {
                    let acc = finish(values, &shape)?;
                    let mut out = Vec::with_capacity(acc.len());
                    for a in acc.iter() {
                        out.push(R::finish(a)?);
                    }
                    let out =
                        ArrayD::from_shape_vec(IxDyn(&shape), out).map_err(|e| e.to_string())?;
                    Ok(Arc::new(out) as Value)
                });
                Block::task(total)
            })
            .collect();
        Ok(self.derive(out_grid, blocks, R::NAME))
    }

    /// One task folding block `b` along `axis` into an array of accumulators.
    fn fold_block_along<R: Reducer<T>>(&self, b: usize, axis: usize) -> AnyDelayed {
        let block = &self.blocks[b];
        let expr = block.expr.clone();
        let shape = self.grid.block_shape(b);
        AnyDelayed::task(
            block.prefix(&format!("{}-chunk", R::NAME)),
            block.inputs.clone(),
            move |values| {
                let inputs = input_slices::<T>(values)?;
                let len = shape.iter().product();
                let data = evaluate(&expr, &inputs, len);
                let view =
                    ArrayViewD::from_shape(IxDyn(&shape), &data).map_err(|e| e.to_string())?;
                let mut lane_buffer = Vec::new();
                let partial = view.map_axis(Axis(axis), |lane| {
                    let mut acc = R::empty();
                    match lane.as_slice() {
                        Some(slice) => R::fold(&mut acc, slice),
                        None => {
                            lane_buffer.clear();
                            lane_buffer.extend(lane.iter().copied());
                            R::fold(&mut acc, &lane_buffer);
                        }
                    }
                    acc
                });
                Ok(Arc::new(partial) as Value)
            },
        )
    }
}

/// The public reductions: one method over everything, one along an axis, per kind.
macro_rules! reductions {
    ($($kind:ident $all:ident $axis:ident $out:ty, $what:literal, $example:literal;)+) => {
        impl<T: Element> BlockedArray<T> {$(
            #[doc = concat!("The ", $what, " of all elements, as a tree reduction (lazy).")]
            ///
            /// ```
            /// use rhpc::array::BlockedArray;
            /// let x = BlockedArray::from_vec(vec![2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], 3)?;
            #[doc = concat!("assert_eq!(x.", stringify!($all), "().compute()?, ", $example, ");")]
            /// # Ok::<(), rhpc::array::ArrayError>(())
            /// ```
            pub fn $all(&self) -> Delayed<$out> {
                self.reduce_all::<$kind>()
            }

            #[doc = concat!("The ", $what, " along `axis`: an array with that axis removed.")]
            ///
            /// ```
            /// use rhpc::array::BlockedArray;
            /// let x = BlockedArray::from_shape_fn(&[3, 4], &[2, 3], |ix| (ix[0] * 4 + ix[1]) as f64)?;
            #[doc = concat!("let along = x.", stringify!($axis), "(0)?.compute()?;")]
            /// assert_eq!(along.shape(), &[4]);
            #[doc = concat!("assert!(x.", stringify!($axis), "(2).is_err());")]
            /// # Ok::<(), rhpc::array::ArrayError>(())
            /// ```
            pub fn $axis(&self, axis: usize) -> Result<BlockedArray<$out>, ArrayError> {
                self.reduce_axis::<$kind>(axis)
            }
        )+}
    };
}

reductions! {
    Sum sum sum_axis T, "sum", "40.0";
    Mean mean mean_axis f64, "mean", "5.0";
    Min min min_axis T, "minimum", "2.0";
    Max max max_axis T, "maximum", "9.0";
    Var var var_axis f64, "variance (population, NumPy's default `ddof=0`)", "4.0";
    Std std std_axis f64, "standard deviation (population, NumPy's default `ddof=0`)", "2.0";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_arrays_sum_to_zero_and_have_no_minimum() {
        let x = BlockedArray::<f64>::zeros(&[0], &[0]).unwrap();
        assert_eq!(x.sum().compute().unwrap(), 0.0);
        assert!(x.min().compute().is_err());
        assert!(x.mean().compute().is_err());
    }

    #[test]
    fn the_tree_has_the_fan_in_asked_for() {
        let x = BlockedArray::<f64>::ones(&[27], &[1]).unwrap();
        let graph = x.with_fan_in(3).unwrap().sum().graph();
        // 27 blocks, 27 chunk sums, 9 + 3 combines, 1 aggregate.
        assert_eq!(graph.len(), 27 + 27 + 9 + 3 + 1);
        assert_eq!(graph.depth(), 5);
    }

    #[test]
    fn axis_reductions_of_fused_arrays() {
        let x =
            BlockedArray::from_shape_fn(&[5, 7], &[2, 3], |ix| (ix[0] * 7 + ix[1]) as i64).unwrap();
        let y = (&x * 2) + 1;
        let expected = y.compute().unwrap();
        for axis in 0..2 {
            let sums = y.sum_axis(axis).unwrap().compute().unwrap();
            assert_eq!(sums, expected.sum_axis(Axis(axis)));
            let max = y.max_axis(axis).unwrap().compute().unwrap();
            let reference = expected.map_axis(Axis(axis), |l| *l.iter().max().unwrap());
            assert_eq!(max, reference);
        }
    }
}
