//! Rechunking: the same array cut into other chunks, each new block copied from the old
//! blocks it overlaps (blocks that do not change are kept as they are, fusion included).

use super::blocked::BlockedArray;
use super::chunks::ChunkGrid;
use super::element::Element;
use super::error::ArrayError;

impl<T: Element> BlockedArray<T> {
    /// The array in chunks of `chunk_shape`.
    ///
    /// ```
    /// use rhpc::array::BlockedArray;
    /// let x = BlockedArray::from_shape_fn(&[6, 6], &[6, 1], |ix| (ix[0] * 6 + ix[1]) as u64)?;
    /// let y = x.rechunk(&[2, 3])?;
    /// assert_eq!(y.grid().nblocks(), 6);
    /// assert_eq!(y.compute()?, x.compute()?);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn rechunk(&self, chunk_shape: &[usize]) -> Result<BlockedArray<T>, ArrayError> {
        let grid = ChunkGrid::regular(self.shape(), chunk_shape)?;
        self.rechunk_to(grid.chunks().to_vec())
    }

    /// The array cut into explicit chunk sizes per axis (Dask's `chunks=((2, 3), (4,))`).
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::from_vec((0..5).collect::<Vec<i32>>(), 5)?;
    /// let y = x.rechunk_to(vec![vec![1, 4]])?;
    /// assert_eq!(y.grid().chunks(), &[vec![1, 4]]);
    /// assert_eq!(y.compute()?, x.compute()?);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn rechunk_to(&self, chunks: Vec<Vec<usize>>) -> Result<BlockedArray<T>, ArrayError> {
        let grid = ChunkGrid::with_shape(self.shape(), chunks)?;
        if grid == self.grid {
            return Ok(self.clone());
        }
        let blocks = (0..grid.nblocks())
            .map(|b| self.region_block(&grid.block_ranges(b), "rechunk"))
            .collect();
        Ok(self.derive(grid, blocks, "rechunk"))
    }
}
