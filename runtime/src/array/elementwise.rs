//! Elementwise operations: `+ - * /` with scalars and with other arrays, [`map`] with any
//! function of one element (all fused into one task per block), and [`map_blocks`] with a
//! function of a whole block.
//!
//! With a scalar the result is an array; with another array it is a `Result`, as the
//! shapes may not match (`(&x + &y)?`). Arrays chunked differently are aligned by
//! rechunking the right one to the left one's chunks.
//!
//! [`map`]: BlockedArray::map
//! [`map_blocks`]: BlockedArray::map_blocks

use std::ops::{Add, Div, Mul, Sub};
use std::sync::Arc;

use ndarray::ArrayD;

use super::block::Block;
use super::blocked::BlockedArray;
use super::element::Element;
use super::error::ArrayError;
use super::fused::{BinaryOp, PerElement, UnaryOp};
use crate::tasks::{AnyDelayed, Value};

impl<T: Element> BlockedArray<T> {
    /// Applies an in-place tile operation to every block (fused, no task of its own).
    fn unary(&self, name: &'static str, op: UnaryOp<T>) -> BlockedArray<T> {
        let blocks = self
            .blocks
            .iter()
            .map(|b| b.unary(name, op.clone()))
            .collect();
        self.derive(self.grid.clone(), blocks, name)
    }

    /// Combines two arrays elementwise (fused), aligning `other`'s chunks to this one's.
    pub(crate) fn binary(
        &self,
        other: &BlockedArray<T>,
        name: &'static str,
        op: BinaryOp<T>,
    ) -> Result<BlockedArray<T>, ArrayError> {
        if self.shape() != other.shape() {
            return Err(ArrayError::ShapeMismatch {
                left: self.shape().to_vec(),
                right: other.shape().to_vec(),
            });
        }
        let aligned;
        let other = if other.grid == self.grid {
            other
        } else {
            aligned = other.rechunk_to(self.grid.chunks().to_vec())?;
            &aligned
        };
        let blocks = self
            .blocks
            .iter()
            .zip(other.blocks.iter())
            .map(|(a, b)| a.binary(b, name, op))
            .collect();
        Ok(self.derive(self.grid.clone(), blocks, name))
    }

    /// Applies `f` to every element (fused with the operations around it; `name` is
    /// shown in the task keys).
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::from_vec(vec![1.0, 4.0, 9.0], 2)?;
    /// let roots = x.map("sqrt", f64::sqrt);
    /// assert_eq!(roots.compute()?.into_iter().collect::<Vec<_>>(), vec![1.0, 2.0, 3.0]);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn map<F>(&self, name: &'static str, f: F) -> BlockedArray<T>
    where
        F: Fn(T) -> T + Send + Sync + 'static,
    {
        self.unary(name, Arc::new(PerElement(f)))
    }

    /// Applies `f` to every block as a whole, one task per block; `f` must return a block
    /// of the same shape (the task fails otherwise). The element type may change.
    ///
    /// ```
    /// use rhpc::array::BlockedArray;
    /// let x = BlockedArray::<f64>::ones(&[4, 4], &[2, 2])?;
    /// // Each block minus its own mean: a blockwise operation.
    /// let centred = x.map_blocks("centre", |b| b - b.mean().unwrap_or(0.0));
    /// assert_eq!(centred.sum().compute()?, 0.0);
    /// let counts = x.map_blocks("count", |b| b.mapv(|_| 1u64));
    /// assert_eq!(counts.sum().compute()?, 16);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn map_blocks<U, F>(&self, name: &'static str, f: F) -> BlockedArray<U>
    where
        U: Element,
        F: Fn(&ArrayD<T>) -> ArrayD<U> + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        let blocks = self
            .to_delayed()
            .into_iter()
            .map(|input| {
                let f = f.clone();
                Block::task(AnyDelayed::task(name, vec![input], move |values| {
                    let block = values[0]
                        .downcast_ref::<ArrayD<T>>()
                        .ok_or_else(|| format!("the input is not an array of {}", T::DTYPE))?;
                    let out = f(block);
                    if out.shape() != block.shape() {
                        return Err(format!(
                            "{name} returned a block of shape {:?} for one of shape {:?}",
                            out.shape(),
                            block.shape()
                        ));
                    }
                    Ok(Arc::new(out.as_standard_layout().into_owned()) as Value)
                }))
            })
            .collect();
        self.derive(self.grid.clone(), blocks, name)
    }

    /// The array converted elementwise to another element type (as Rust's `as` does).
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::from_vec(vec![1.7f64, -2.2], 1)?;
    /// assert_eq!(x.astype::<i64>().compute()?.into_iter().collect::<Vec<_>>(), vec![1, -2]);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn astype<U: Element>(&self) -> BlockedArray<U> {
        self.map_blocks("astype", |b| b.mapv(|v| U::from_f64(v.to_f64())))
    }
}

/// The in-place tile loops behind the operators.
macro_rules! tile_ops {
    ($($name:ident: $op:tt;)+) => {$(
        fn $name<T: Element>(left: &mut [T], right: &[T]) {
            for (l, &r) in left.iter_mut().zip(right) {
                *l = *l $op r;
            }
        }
    )+};
}

tile_ops! {
    add_tiles: +;
    sub_tiles: -;
    mul_tiles: *;
    div_tiles: /;
}

macro_rules! operators {
    ($($trait:ident $method:ident $op:tt $name:literal $tiles:ident;)+) => {$(
        impl<T: Element> $trait<T> for &BlockedArray<T> {
            type Output = BlockedArray<T>;
            fn $method(self, scalar: T) -> BlockedArray<T> {
                self.unary($name, Arc::new(PerElement(move |v: T| v $op scalar)))
            }
        }

        impl<T: Element> $trait<T> for BlockedArray<T> {
            type Output = BlockedArray<T>;
            fn $method(self, scalar: T) -> BlockedArray<T> {
                (&self).$method(scalar)
            }
        }

        impl<T: Element> $trait<&BlockedArray<T>> for &BlockedArray<T> {
            type Output = Result<BlockedArray<T>, ArrayError>;
            fn $method(self, other: &BlockedArray<T>) -> Self::Output {
                self.binary(other, $name, $tiles::<T>)
            }
        }

        impl<T: Element> $trait<BlockedArray<T>> for &BlockedArray<T> {
            type Output = Result<BlockedArray<T>, ArrayError>;
            fn $method(self, other: BlockedArray<T>) -> Self::Output {
                self.binary(&other, $name, $tiles::<T>)
            }
        }

        impl<T: Element> $trait<&BlockedArray<T>> for BlockedArray<T> {
            type Output = Result<BlockedArray<T>, ArrayError>;
            fn $method(self, other: &BlockedArray<T>) -> Self::Output {
                self.binary(other, $name, $tiles::<T>)
            }
        }

        impl<T: Element> $trait<BlockedArray<T>> for BlockedArray<T> {
            type Output = Result<BlockedArray<T>, ArrayError>;
            fn $method(self, other: BlockedArray<T>) -> Self::Output {
                self.binary(&other, $name, $tiles::<T>)
            }
        }
    )+};
}

operators! {
    Add add + "add" add_tiles;
    Sub sub - "sub" sub_tiles;
    Mul mul * "mul" mul_tiles;
    Div div / "div" div_tiles;
}

/// A scalar on the left (`1.0 - &x`), for each element type.
macro_rules! scalar_left {
    ($($t:ty),+) => {$(
        scalar_left!(@one $t, Add add + "add");
        scalar_left!(@one $t, Sub sub - "rsub");
        scalar_left!(@one $t, Mul mul * "mul");
        scalar_left!(@one $t, Div div / "rdiv");
    )+};
    (@one $t:ty, $trait:ident $method:ident $op:tt $name:literal) => {
        impl $trait<&BlockedArray<$t>> for $t {
            type Output = BlockedArray<$t>;
            fn $method(self, array: &BlockedArray<$t>) -> BlockedArray<$t> {
                let scalar = self;
                array.unary($name, Arc::new(PerElement(move |v: $t| scalar $op v)))
            }
        }

        impl $trait<BlockedArray<$t>> for $t {
            type Output = BlockedArray<$t>;
            fn $method(self, array: BlockedArray<$t>) -> BlockedArray<$t> {
                self.$method(&array)
            }
        }
    };
}

scalar_left!(f32, f64, i32, i64, u32, u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_on_both_sides() {
        let x = BlockedArray::from_vec(vec![1.0f64, 2.0, 4.0], 2).unwrap();
        assert_eq!(
            (1.0 - &x)
                .compute()
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            vec![0.0, -1.0, -3.0]
        );
        assert_eq!(
            (8.0 / &x)
                .compute()
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            vec![8.0, 4.0, 2.0]
        );
        assert_eq!(
            (&x / 2.0)
                .compute()
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            vec![0.5, 1.0, 2.0]
        );
        assert_eq!(
            (&x - 1.0)
                .compute()
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            vec![0.0, 1.0, 3.0]
        );
    }

    #[test]
    fn arrays_with_different_chunks_align() {
        let x = BlockedArray::from_vec((0..10).collect::<Vec<i64>>(), 3).unwrap();
        let y = BlockedArray::from_vec((0..10).collect::<Vec<i64>>(), 4).unwrap();
        let z = ((&x * &y).unwrap() - &x).unwrap();
        assert_eq!(z.grid().chunks(), x.grid().chunks());
        let expected: Vec<i64> = (0..10).map(|i| i * i - i).collect();
        assert_eq!(
            z.compute().unwrap().into_iter().collect::<Vec<_>>(),
            expected
        );
    }

    #[test]
    fn map_blocks_checks_the_shape() {
        let x = BlockedArray::<f64>::ones(&[4], &[2]).unwrap();
        let bad = x.map_blocks("shrink", |b| {
            b.slice(ndarray::s![..1]).to_owned().into_dyn()
        });
        assert!(bad.compute().is_err());
    }
}
