//! Blockwise matrix multiplication: block `(i, j)` of `a · b` is the sum over `l` of
//! `a[i, l] · b[l, j]`, one task per output block (the inner chunks of `b` are aligned to
//! `a`'s first).

use std::sync::Arc;

use ndarray::{Array2, ArrayD, Ix2};

use super::block::Block;
use super::blocked::BlockedArray;
use super::chunks::ChunkGrid;
use super::element::Element;
use super::error::ArrayError;
use crate::tasks::{AnyDelayed, Value};

fn matrix<T: Element>(value: &Value) -> Result<ndarray::ArrayView2<'_, T>, String> {
    value
        .downcast_ref::<ArrayD<T>>()
        .ok_or_else(|| format!("an input is not an array of {}", T::DTYPE))?
        .view()
        .into_dimensionality::<Ix2>()
        .map_err(|e| e.to_string())
}

impl<T: Element> BlockedArray<T> {
    /// The matrix product of two 2-D arrays.
    ///
    /// ```
    /// use rhpc::array::BlockedArray;
    /// let a = BlockedArray::from_shape_fn(&[4, 6], &[2, 3], |ix| (ix[0] + ix[1]) as f64)?;
    /// let b = BlockedArray::<f64>::ones(&[6, 5], &[2, 5])?;
    /// let c = a.matmul(&b)?;
    /// assert_eq!(c.shape(), &[4, 5]);
    /// let dense = a.compute()?.into_dimensionality::<ndarray::Ix2>().unwrap();
    /// let expected = dense.dot(&ndarray::Array2::<f64>::ones((6, 5)));
    /// assert_eq!(c.compute()?, expected.into_dyn());
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn matmul(&self, other: &BlockedArray<T>) -> Result<BlockedArray<T>, ArrayError> {
        for array in [self, other] {
            if array.ndim() != 2 {
                return Err(ArrayError::WrongDimensions {
                    operation: "matmul",
                    expected: 2,
                    ndim: array.ndim(),
                });
            }
        }
        if self.shape()[1] != other.shape()[0] {
            return Err(ArrayError::ShapeMismatch {
                left: self.shape().to_vec(),
                right: other.shape().to_vec(),
            });
        }
        let inner = self.grid.chunks()[1].clone();
        let other = other.rechunk_to(vec![inner.clone(), other.grid.chunks()[1].clone()])?;
        let grid = ChunkGrid::from_sizes(vec![
            self.grid.chunks()[0].clone(),
            other.grid.chunks()[1].clone(),
        ])?;
        let left = self.to_delayed();
        let right = other.to_delayed();
        let blocks = (0..grid.nblocks())
            .map(|o| {
                let (i, j) = (grid.block_position(o)[0], grid.block_position(o)[1]);
                let mut deps = Vec::with_capacity(2 * inner.len());
                for l in 0..inner.len() {
                    deps.push(left[self.grid.block_number(&[i, l])].clone());
                    deps.push(right[other.grid.block_number(&[l, j])].clone());
                }
                let shape = grid.block_shape(o);
                Block::task(AnyDelayed::task("matmul", deps, move |values| {
                    let mut out = Array2::from_elem((shape[0], shape[1]), T::ZERO);
                    for pair in values.chunks(2) {
                        let (a, b) = (matrix::<T>(&pair[0])?, matrix::<T>(&pair[1])?);
                        ndarray::linalg::general_mat_mul(T::ONE, &a, &b, T::ONE, &mut out);
                    }
                    Ok(Arc::new(out.into_dyn()) as Value)
                }))
            })
            .collect();
        Ok(self.derive(grid, blocks, "matmul"))
    }
}
