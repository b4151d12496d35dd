//! [`ChunkGrid`]: how an array's extent is cut into blocks, axis by axis.
//!
//! Each axis has a list of chunk sizes that add up to its length (Dask's `chunks` tuple);
//! blocks are numbered in row-major order over the grid of chunks.

use std::ops::Range;

use super::error::ArrayError;

/// The chunk sizes along each axis of an array.
///
/// ```
/// use rhpc::array::ChunkGrid;
/// let grid = ChunkGrid::regular(&[10, 7], &[4, 7])?;
/// assert_eq!(grid.chunks(), &[vec![4, 4, 2], vec![7]]);
/// assert_eq!(grid.grid_shape(), vec![3, 1]);
/// assert_eq!(grid.nblocks(), 3);
/// # Ok::<(), rhpc::array::ArrayError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkGrid {
    shape: Vec<usize>,
    chunks: Vec<Vec<usize>>,
}

impl ChunkGrid {
    /// Chunks of `chunk_shape` (the last ones along each axis may be smaller). A chunk
    /// length of 0 on an axis of length 0 gives no chunks there.
    ///
    /// ```
    /// let grid = rhpc::array::ChunkGrid::regular(&[5], &[2])?;
    /// assert_eq!(grid.chunks(), &[vec![2, 2, 1]]);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn regular(shape: &[usize], chunk_shape: &[usize]) -> Result<ChunkGrid, ArrayError> {
        let bad = || ArrayError::BadChunks {
            shape: shape.to_vec(),
            chunks: vec![chunk_shape.to_vec()],
        };
        if shape.len() != chunk_shape.len() {
            return Err(bad());
        }
        let mut chunks = Vec::with_capacity(shape.len());
        for (&len, &chunk) in shape.iter().zip(chunk_shape) {
            if chunk == 0 && len > 0 {
                return Err(bad());
            }
            let chunk = chunk.min(len);
            let mut sizes = vec![chunk; len.checked_div(chunk).unwrap_or(0)];
            if chunk > 0 && len % chunk != 0 {
                sizes.push(len % chunk);
            }
            chunks.push(sizes);
        }
        Ok(ChunkGrid {
            shape: shape.to_vec(),
            chunks,
        })
    }

    /// Explicit chunk sizes per axis (each list adds up to that axis' length; no zeros).
    ///
    /// ```
    /// let grid = rhpc::array::ChunkGrid::from_sizes(vec![vec![3, 1, 2]])?;
    /// assert_eq!(grid.shape(), &[6]);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn from_sizes(chunks: Vec<Vec<usize>>) -> Result<ChunkGrid, ArrayError> {
        let shape: Vec<usize> = chunks.iter().map(|c| c.iter().sum()).collect();
        if chunks.iter().flatten().any(|&c| c == 0) {
            return Err(ArrayError::BadChunks { shape, chunks });
        }
        Ok(ChunkGrid { shape, chunks })
    }

    /// Checks `chunks` against `shape` and builds the grid.
    pub(crate) fn with_shape(
        shape: &[usize],
        chunks: Vec<Vec<usize>>,
    ) -> Result<ChunkGrid, ArrayError> {
        let grid = ChunkGrid::from_sizes(chunks)?;
        if grid.shape != shape {
            return Err(ArrayError::BadChunks {
                shape: shape.to_vec(),
                chunks: grid.chunks,
            });
        }
        Ok(grid)
    }

    /// The array's shape.
    ///
    /// ```
    /// assert_eq!(rhpc::array::ChunkGrid::regular(&[3, 4], &[2, 2])?.shape(), &[3, 4]);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The chunk sizes along each axis.
    ///
    /// ```
    /// assert_eq!(rhpc::array::ChunkGrid::regular(&[3], &[2])?.chunks(), &[vec![2, 1]]);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn chunks(&self) -> &[Vec<usize>] {
        &self.chunks
    }

    /// The number of dimensions.
    ///
    /// ```
    /// assert_eq!(rhpc::array::ChunkGrid::regular(&[3, 4], &[2, 2])?.ndim(), 2);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// The number of elements.
    ///
    /// ```
    /// assert_eq!(rhpc::array::ChunkGrid::regular(&[3, 4], &[2, 2])?.len(), 12);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the array has no elements.
    ///
    /// ```
    /// assert!(rhpc::array::ChunkGrid::regular(&[0], &[0])?.is_empty());
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of chunks along each axis.
    ///
    /// ```
    /// assert_eq!(rhpc::array::ChunkGrid::regular(&[3, 4], &[2, 2])?.grid_shape(), vec![2, 2]);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn grid_shape(&self) -> Vec<usize> {
        self.chunks.iter().map(Vec::len).collect()
    }

    /// The number of blocks.
    ///
    /// ```
    /// assert_eq!(rhpc::array::ChunkGrid::regular(&[3, 4], &[2, 2])?.nblocks(), 4);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn nblocks(&self) -> usize {
        self.chunks.iter().map(Vec::len).product()
    }

    /// The largest chunk along each axis (Dask's `chunksize`).
    ///
    /// ```
    /// assert_eq!(rhpc::array::ChunkGrid::regular(&[5, 4], &[2, 3])?.chunk_shape(), vec![2, 3]);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn chunk_shape(&self) -> Vec<usize> {
        self.chunks
            .iter()
            .map(|c| c.iter().copied().max().unwrap_or(0))
            .collect()
    }

    /// The grid position of block `block` (row-major numbering).
    pub(crate) fn block_position(&self, block: usize) -> Vec<usize> {
        let mut position = vec![0; self.ndim()];
        let mut rest = block;
        for axis in (0..self.ndim()).rev() {
            let n = self.chunks[axis].len().max(1);
            position[axis] = rest % n;
            rest /= n;
        }
        position
    }

    /// The number of the block at grid position `position`.
    pub(crate) fn block_number(&self, position: &[usize]) -> usize {
        position
            .iter()
            .zip(&self.chunks)
            .fold(0, |n, (&p, sizes)| n * sizes.len() + p)
    }

    /// Where chunk `index` along `axis` starts and ends.
    pub(crate) fn chunk_range(&self, axis: usize, index: usize) -> Range<usize> {
        let sizes = &self.chunks[axis];
        let start: usize = sizes[..index].iter().sum();
        start..start + sizes[index]
    }

    /// The ranges of block `block` along every axis.
    pub(crate) fn block_ranges(&self, block: usize) -> Vec<Range<usize>> {
        self.block_position(block)
            .iter()
            .enumerate()
            .map(|(axis, &i)| self.chunk_range(axis, i))
            .collect()
    }

    /// The shape of block `block`.
    pub(crate) fn block_shape(&self, block: usize) -> Vec<usize> {
        self.block_position(block)
            .iter()
            .zip(&self.chunks)
            .map(|(&i, sizes)| sizes[i])
            .collect()
    }

    /// The grid without `axis` (what a reduction along it leaves).
    pub(crate) fn without_axis(&self, axis: usize) -> ChunkGrid {
        let mut grid = self.clone();
        grid.shape.remove(axis);
        grid.chunks.remove(axis);
        grid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_numbers_are_inverse() {
        let grid = ChunkGrid::regular(&[7, 5, 3], &[2, 2, 3]).unwrap();
        for block in 0..grid.nblocks() {
            assert_eq!(grid.block_number(&grid.block_position(block)), block);
        }
        assert_eq!(grid.nblocks(), 4 * 3);
    }

    #[test]
    fn bad_chunks_are_errors() {
        assert!(ChunkGrid::regular(&[4], &[0]).is_err());
        assert!(ChunkGrid::regular(&[4, 4], &[2]).is_err());
        assert!(ChunkGrid::from_sizes(vec![vec![2, 0]]).is_err());
        assert!(ChunkGrid::with_shape(&[5], vec![vec![2, 2]]).is_err());
    }

    #[test]
    fn empty_axes_have_no_chunks() {
        let grid = ChunkGrid::regular(&[0, 3], &[0, 2]).unwrap();
        assert_eq!(grid.nblocks(), 0);
        assert!(grid.is_empty());
    }
}
