//! Slicing by ranges: `x.slice(&[10..20, 0..5])`, lazily; the result's chunks are the
//! parts of the old chunks inside the ranges (blocks entirely inside are kept as they are).

use std::ops::Range;

use super::blocked::BlockedArray;
use super::chunks::ChunkGrid;
use super::element::Element;
use super::error::ArrayError;

impl<T: Element> BlockedArray<T> {
    /// The elements in `ranges` (one per axis).
    ///
    /// ```
    /// use rhpc::array::BlockedArray;
    /// let x = BlockedArray::from_shape_fn(&[10, 10], &[4, 4], |ix| (ix[0] * 10 + ix[1]) as i64)?;
    /// let y = x.slice(&[2..5, 8..10])?;
    /// assert_eq!(y.shape(), &[3, 2]);
    /// assert_eq!(y.grid().chunks(), &[vec![2, 1], vec![2]]);
    /// assert_eq!(y.compute()?[[0, 0]], 28);
    /// assert!(x.slice(&[0..11, 0..1]).is_err());
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn slice(&self, ranges: &[Range<usize>]) -> Result<BlockedArray<T>, ArrayError> {
        if ranges.len() != self.ndim() {
            return Err(ArrayError::WrongDimensions {
                operation: "slice",
                expected: self.ndim(),
                ndim: ranges.len(),
            });
        }
        for (axis, (range, &len)) in ranges.iter().zip(self.shape()).enumerate() {
            if range.start > range.end || range.end > len {
                return Err(ArrayError::BadRange {
                    axis,
                    start: range.start,
                    end: range.end,
                    len,
                });
            }
        }
        // The new chunks: each old chunk's part inside the range, empty parts dropped.
        let chunks = ranges
            .iter()
            .enumerate()
            .map(|(axis, range)| {
                (0..self.grid.chunks()[axis].len())
                    .filter_map(|i| {
                        let r = self.grid.chunk_range(axis, i);
                        let (start, end) = (r.start.max(range.start), r.end.min(range.end));
                        end.checked_sub(start).filter(|&n| n > 0)
                    })
                    .collect()
            })
            .collect();
        let grid = ChunkGrid::from_sizes(chunks)?;
        let blocks = (0..grid.nblocks())
            .map(|b| {
                let region: Vec<Range<usize>> = grid
                    .block_ranges(b)
                    .iter()
                    .zip(ranges)
                    .map(|(r, offset)| r.start + offset.start..r.end + offset.start)
                    .collect();
                self.region_block(&region, "getitem")
            })
            .collect();
        Ok(self.derive(grid, blocks, "getitem"))
    }

    /// The elements in `range` along `axis`, all of the others.
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::<f64>::ones(&[4, 6], &[2, 2])?;
    /// assert_eq!(x.slice_axis(1, 1..4)?.shape(), &[4, 3]);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn slice_axis(
        &self,
        axis: usize,
        range: Range<usize>,
    ) -> Result<BlockedArray<T>, ArrayError> {
        if axis >= self.ndim() {
            return Err(ArrayError::BadAxis {
                axis,
                ndim: self.ndim(),
            });
        }
        let mut ranges: Vec<Range<usize>> = self.shape().iter().map(|&n| 0..n).collect();
        ranges[axis] = range;
        self.slice(&ranges)
    }
}
