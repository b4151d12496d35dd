//! Making blocked arrays: from data in memory (a `Vec`, an `ndarray`), from a function of
//! the index, constant arrays and random arrays.
//!
//! Arrays from memory are cut into chunks at once and held as ready values (like a
//! persisted Dask array); the others are one task per block that makes the block when
//! computed, so a huge array of ones or random numbers costs nothing until then.

use std::sync::Arc;

use ndarray::{ArrayD, IxDyn, Slice};

use super::block::Block;
use super::blocked::BlockedArray;
use super::chunks::ChunkGrid;
use super::element::Element;
use super::error::ArrayError;
use super::random::uniform01;
use crate::tasks::AnyDelayed;
use crate::tree::fresh_name;

impl<T: Element> BlockedArray<T> {
    /// An array holding `data` (any dimension), cut into chunks of `chunk_shape`.
    ///
    /// ```
    /// use rhpc::array::BlockedArray;
    /// let data = ndarray::Array2::from_shape_fn((4, 6), |(i, j)| (i * 6 + j) as i64);
    /// let x = BlockedArray::from_array(data.clone(), &[2, 4])?;
    /// assert_eq!(x.grid().nblocks(), 4);
    /// assert_eq!(x.compute()?, data.into_dyn());
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn from_array<D: ndarray::Dimension>(
        data: ndarray::Array<T, D>,
        chunk_shape: &[usize],
    ) -> Result<BlockedArray<T>, ArrayError> {
        let data = data.into_dyn();
        let grid = ChunkGrid::regular(data.shape(), chunk_shape)?;
        let base = fresh_name("array");
        let blocks = (0..grid.nblocks())
            .map(|b| {
                let ranges = grid.block_ranges(b);
                let chunk = data
                    .slice_each_axis(|axis| {
                        let r = &ranges[axis.axis.index()];
                        Slice::from(r.start..r.end)
                    })
                    .as_standard_layout()
                    .into_owned();
                Block::task(AnyDelayed::value(format!("{base}{b:x}"), Arc::new(chunk)))
            })
            .collect();
        Ok(BlockedArray::from_blocks(grid, blocks, "array"))
    }

    /// A 1-D array holding `data`, in chunks of `chunk` elements.
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::from_vec((0..10).collect::<Vec<u64>>(), 4)?;
    /// assert_eq!(x.grid().chunks(), &[vec![4, 4, 2]]);
    /// assert_eq!(x.sum().compute()?, 45);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn from_vec(data: Vec<T>, chunk: usize) -> Result<BlockedArray<T>, ArrayError> {
        BlockedArray::from_array(ndarray::Array1::from(data), &[chunk])
    }

    /// An array whose element at index `[i, j, ...]` is `f(&[i, j, ...])`, made block by
    /// block when computed.
    ///
    /// ```
    /// use rhpc::array::BlockedArray;
    /// let x = BlockedArray::from_shape_fn(&[3, 3], &[2, 2], |ix| (ix[0] * 10 + ix[1]) as i32)?;
    /// assert_eq!(x.compute()?[[2, 1]], 21);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn from_shape_fn<F>(
        shape: &[usize],
        chunk_shape: &[usize],
        f: F,
    ) -> Result<BlockedArray<T>, ArrayError>
    where
        F: Fn(&[usize]) -> T + Send + Sync + 'static,
    {
        let grid = ChunkGrid::regular(shape, chunk_shape)?;
        Ok(BlockedArray::from_block_fn(
            grid,
            "from_shape_fn",
            move |ranges| {
                let shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
                let mut global = vec![0; ranges.len()];
                ArrayD::from_shape_fn(IxDyn(&shape), |local| {
                    for (axis, g) in global.iter_mut().enumerate() {
                        *g = ranges[axis].start + local[axis];
                    }
                    f(&global)
                })
            },
        ))
    }

    /// An array of `value` everywhere.
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::full(&[2, 2], &[1, 2], 7u32)?;
    /// assert_eq!(x.sum().compute()?, 28);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn full(
        shape: &[usize],
        chunk_shape: &[usize],
        value: T,
    ) -> Result<BlockedArray<T>, ArrayError> {
        BlockedArray::constant(shape, chunk_shape, value, "full")
    }

    fn constant(
        shape: &[usize],
        chunk_shape: &[usize],
        value: T,
        name: &'static str,
    ) -> Result<BlockedArray<T>, ArrayError> {
        let grid = ChunkGrid::regular(shape, chunk_shape)?;
        Ok(BlockedArray::from_block_fn(grid, name, move |ranges| {
            let shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
            ArrayD::from_elem(IxDyn(&shape), value)
        }))
    }

    /// An array of zeros.
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::<f64>::zeros(&[3], &[2])?;
    /// assert_eq!(x.compute()?.sum(), 0.0);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn zeros(shape: &[usize], chunk_shape: &[usize]) -> Result<BlockedArray<T>, ArrayError> {
        BlockedArray::constant(shape, chunk_shape, T::ZERO, "zeros")
    }

    /// An array of ones.
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::<i64>::ones(&[3], &[2])?;
    /// assert_eq!(x.compute()?.sum(), 3);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn ones(shape: &[usize], chunk_shape: &[usize]) -> Result<BlockedArray<T>, ArrayError> {
        BlockedArray::constant(shape, chunk_shape, T::ONE, "ones")
    }

    /// Uniform random values in `[low, high)` (integers: `low..high`), the same for a
    /// given `seed` whatever the chunking.
    ///
    /// ```
    /// use rhpc::array::BlockedArray;
    /// let dice = BlockedArray::<i64>::uniform(&[1000], &[100], 1, 7, 42)?;
    /// let values = dice.compute()?;
    /// assert!(values.iter().all(|&v| (1..7).contains(&v)));
    /// let again = BlockedArray::<i64>::uniform(&[1000], &[300], 1, 7, 42)?;
    /// assert_eq!(again.compute()?, values);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn uniform(
        shape: &[usize],
        chunk_shape: &[usize],
        low: T,
        high: T,
        seed: u64,
    ) -> Result<BlockedArray<T>, ArrayError> {
        let grid = ChunkGrid::regular(shape, chunk_shape)?;
        let strides: Vec<usize> = (0..shape.len())
            .map(|axis| shape[axis + 1..].iter().product())
            .collect();
        let (low, span) = (low.to_f64(), high.to_f64() - low.to_f64());
        Ok(BlockedArray::from_block_fn(grid, "random", move |ranges| {
            let shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
            ArrayD::from_shape_fn(IxDyn(&shape), |local| {
                let flat: usize = (0..ranges.len())
                    .map(|axis| (ranges[axis].start + local[axis]) * strides[axis])
                    .sum();
                let value = low + uniform01(seed, flat as u64) * span;
                T::from_f64(if T::FLOAT { value } else { value.floor() })
            })
        }))
    }
}

impl BlockedArray<f64> {
    /// Uniform random numbers in `[0, 1)` (NumPy's `random`), the same for a given seed
    /// whatever the chunking.
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::random(&[100, 100], &[50, 50], 1)?;
    /// let mean = x.mean().compute()?;
    /// assert!((mean - 0.5).abs() < 0.02);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn random(
        shape: &[usize],
        chunk_shape: &[usize],
        seed: u64,
    ) -> Result<BlockedArray<f64>, ArrayError> {
        BlockedArray::uniform(shape, chunk_shape, 0.0, 1.0, seed)
    }
}
