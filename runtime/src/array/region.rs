//! Cutting a region out of a blocked array: the block covering any box of indices, made
//! from the blocks it overlaps. Rechunking and slicing are both built on it.

use std::ops::Range;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn, Slice};

use super::block::Block;
use super::blocked::BlockedArray;
use super::element::Element;
use crate::tasks::{AnyDelayed, Value};

/// The chunks along one axis overlapping `range`, as chunk indices.
fn overlapping(sizes: &[usize], range: &Range<usize>) -> Vec<usize> {
    let mut start = 0;
    let mut out = Vec::new();
    for (i, &size) in sizes.iter().enumerate() {
        let end = start + size;
        if start < range.end && range.start < end {
            out.push(i);
        }
        start = end;
    }
    out
}

/// All grid positions in the box spanned by `axes` (one list of indices per axis).
fn positions(axes: &[Vec<usize>]) -> Vec<Vec<usize>> {
    axes.iter().fold(vec![Vec::new()], |acc, indices| {
        acc.into_iter()
            .flat_map(|prefix| {
                indices.iter().map(move |&i| {
                    let mut p = prefix.clone();
                    p.push(i);
                    p
                })
            })
            .collect()
    })
}

impl<T: Element> BlockedArray<T> {
    /// The block holding `region` (global index ranges, one per axis) of this array:
    /// an existing block when the region is one, else a `name` task copying from the
    /// blocks it overlaps.
    pub(crate) fn region_block(&self, region: &[Range<usize>], name: &'static str) -> Block<T> {
        let axes: Vec<Vec<usize>> = region
            .iter()
            .zip(self.grid.chunks())
            .map(|(range, sizes)| overlapping(sizes, range))
            .collect();
        let sources = positions(&axes);
        if let [only] = sources.as_slice() {
            let b = self.grid.block_number(only);
            if self.grid.block_ranges(b) == region {
                return self.blocks[b].clone();
            }
        }
        let mut deps = Vec::with_capacity(sources.len());
        let mut placements = Vec::with_capacity(sources.len());
        for position in &sources {
            let b = self.grid.block_number(position);
            let ranges = self.grid.block_ranges(b);
            // The overlap, in the source block's and in the region's coordinates.
            let (from, to): (Vec<Range<usize>>, Vec<Range<usize>>) = ranges
                .iter()
                .zip(region)
                .map(|(r, want)| {
                    let (start, end) = (r.start.max(want.start), r.end.min(want.end));
                    (
                        start - r.start..end - r.start,
                        start - want.start..end - want.start,
                    )
                })
                .unzip();
            deps.push(self.blocks[b].materialize(&self.grid.block_shape(b)));
            placements.push((from, to));
        }
        let shape: Vec<usize> = region.iter().map(|r| r.len()).collect();
        Block::task(AnyDelayed::task(name, deps, move |values| {
            let mut out = ArrayD::from_elem(IxDyn(&shape), T::ZERO);
            for (value, (from, to)) in values.iter().zip(&placements) {
                let source = value
                    .downcast_ref::<ArrayD<T>>()
                    .ok_or_else(|| format!("an input is not an array of {}", T::DTYPE))?;
                let part = source.slice_each_axis(|a| {
                    let r = &from[a.axis.index()];
                    Slice::from(r.start..r.end)
                });
                out.slice_each_axis_mut(|a| {
                    let r = &to[a.axis.index()];
                    Slice::from(r.start..r.end)
                })
                .assign(&part);
            }
            Ok(Arc::new(out) as Value)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlaps_and_boxes() {
        assert_eq!(overlapping(&[2, 2, 2], &(1..4)), vec![0, 1]);
        assert_eq!(overlapping(&[2, 2, 2], &(4..6)), vec![2]);
        assert_eq!(
            positions(&[vec![0, 1], vec![3]]),
            vec![vec![0, 3], vec![1, 3]]
        );
    }
}
