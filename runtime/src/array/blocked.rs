//! [`BlockedArray`]: the array type itself: its chunk grid, its lazy blocks, and turning it
//! into tasks (compute, persist, graphs).

use std::ops::Range;
use std::sync::Arc;

use ndarray::{ArrayD, Slice};

use super::block::Block;
use super::chunks::ChunkGrid;
use super::element::Element;
use super::error::ArrayError;
use crate::partitions::persist_tasks;
use crate::tasks::{AnyDelayed, Compute, Graph, Outputs, TaskError, Value};

/// The fan-in of tree reductions unless [`with_fan_in`](BlockedArray::with_fan_in) says
/// otherwise: each combining task takes up to this many partial results.
pub const DEFAULT_FAN_IN: usize = 8;

/// A lazy n-dimensional array cut into chunks, each chunk an [`ndarray`] array computed
/// by a task (Dask's `dask.array`).
///
/// Operations build tasks and run nothing; [`compute`](BlockedArray::compute) (or
/// [`Compute::run`] with any scheduler, task stream and progress bar) runs them.
/// Elementwise operations fuse: `(x + 1) * 2` is one task per block, and
/// `((x + 1) * 2).sum()` folds each block without writing the intermediate arrays.
///
/// ```
/// use rhpc::array::BlockedArray;
///
/// let x = BlockedArray::<f64>::ones(&[1000, 1000], &[250, 500])?;
/// assert_eq!(x.grid().nblocks(), 8);
/// let y = (&x + 1.0) * 2.0;                       // lazy, fused
/// assert_eq!(y.sum().compute()?, 4.0e6);
/// assert_eq!(y.compute()?[[999, 999]], 4.0);
/// # Ok::<(), rhpc::array::ArrayError>(())
/// ```
pub struct BlockedArray<T> {
    pub(crate) grid: ChunkGrid,
    pub(crate) blocks: Arc<Vec<Block<T>>>,
    pub(crate) fan_in: usize,
    /// What made the array (`ones`, `add`...), for its repr.
    pub(crate) name: &'static str,
}

impl<T> Clone for BlockedArray<T> {
    fn clone(&self) -> Self {
        BlockedArray {
            grid: self.grid.clone(),
            blocks: self.blocks.clone(),
            fan_in: self.fan_in,
            name: self.name,
        }
    }
}

impl<T: Element> BlockedArray<T> {
    pub(crate) fn from_blocks(grid: ChunkGrid, blocks: Vec<Block<T>>, name: &'static str) -> Self {
        BlockedArray {
            grid,
            blocks: Arc::new(blocks),
            fan_in: DEFAULT_FAN_IN,
            name,
        }
    }

    /// The same kind of array (fan-in kept) with other blocks.
    pub(crate) fn derive<U: Element>(
        &self,
        grid: ChunkGrid,
        blocks: Vec<Block<U>>,
        name: &'static str,
    ) -> BlockedArray<U> {
        BlockedArray {
            grid,
            blocks: Arc::new(blocks),
            fan_in: self.fan_in,
            name,
        }
    }

    /// An array whose blocks are made by `make` from each block's ranges, one task each
    /// (key prefix `name`).
    pub(crate) fn from_block_fn<F>(grid: ChunkGrid, name: &'static str, make: F) -> Self
    where
        F: Fn(&[Range<usize>]) -> ArrayD<T> + Send + Sync + 'static,
    {
        let make = Arc::new(make);
        let blocks = (0..grid.nblocks())
            .map(|b| {
                let ranges = grid.block_ranges(b);
                let make = make.clone();
                Block::task(AnyDelayed::task(name, Vec::new(), move |_| {
                    Ok(Arc::new(make(&ranges)) as Value)
                }))
            })
            .collect();
        BlockedArray::from_blocks(grid, blocks, name)
    }

    /// The array's shape.
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::<i64>::zeros(&[3, 4], &[2, 2])?;
    /// assert_eq!(x.shape(), &[3, 4]);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn shape(&self) -> &[usize] {
        self.grid.shape()
    }

    /// The number of dimensions.
    ///
    /// ```
    /// assert_eq!(rhpc::array::BlockedArray::<f32>::zeros(&[3, 4], &[2, 2])?.ndim(), 2);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn ndim(&self) -> usize {
        self.grid.ndim()
    }

    /// The number of elements.
    ///
    /// ```
    /// assert_eq!(rhpc::array::BlockedArray::<f32>::zeros(&[3, 4], &[2, 2])?.len(), 12);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.grid.len()
    }

    /// Whether the array has no elements.
    ///
    /// ```
    /// assert!(!rhpc::array::BlockedArray::<f32>::zeros(&[3], &[2])?.is_empty());
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.grid.is_empty()
    }

    /// The chunk grid: chunk sizes along each axis.
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::<f64>::zeros(&[5], &[2])?;
    /// assert_eq!(x.grid().chunks(), &[vec![2, 2, 1]]);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn grid(&self) -> &ChunkGrid {
        &self.grid
    }

    /// The element type's name (`float64`).
    ///
    /// ```
    /// assert_eq!(rhpc::array::BlockedArray::<i32>::zeros(&[1], &[1])?.dtype(), "int32");
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn dtype(&self) -> &'static str {
        T::DTYPE
    }

    /// The size of the whole array in bytes.
    ///
    /// ```
    /// assert_eq!(rhpc::array::BlockedArray::<f64>::zeros(&[10, 10], &[5, 5])?.nbytes(), 800);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn nbytes(&self) -> usize {
        self.len() * std::mem::size_of::<T>()
    }

    /// The fan-in reductions on this array (and arrays made from it) use.
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::<f64>::zeros(&[8], &[1])?;
    /// assert_eq!(x.fan_in(), rhpc::array::DEFAULT_FAN_IN);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn fan_in(&self) -> usize {
        self.fan_in
    }

    /// The same array with reductions combining `fan_in` partial results per task
    /// (Dask's `split_every`; at least 2).
    ///
    /// ```
    /// use rhpc::array::BlockedArray;
    /// let x = BlockedArray::<f64>::ones(&[16], &[1])?;
    /// let pairwise = x.with_fan_in(2)?.sum();
    /// assert_eq!(pairwise.graph().len(), 16 + 16 + 8 + 4 + 2 + 1); // blocks, sums, tree
    /// assert_eq!(pairwise.compute()?, 16.0);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn with_fan_in(&self, fan_in: usize) -> Result<BlockedArray<T>, ArrayError> {
        if fan_in < 2 {
            return Err(ArrayError::BadFanIn(fan_in));
        }
        let mut array = self.clone();
        array.fan_in = fan_in;
        Ok(array)
    }

    /// One task per block, giving the block as an `ArrayD<T>` (fused operations are
    /// applied in it), in row-major block order.
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::<f64>::ones(&[4], &[2])?;
    /// assert_eq!(x.to_delayed().len(), 2);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn to_delayed(&self) -> Vec<AnyDelayed> {
        (0..self.grid.nblocks())
            .map(|b| self.blocks[b].materialize(&self.grid.block_shape(b)))
            .collect()
    }

    /// The task graph computing the array.
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::<f64>::ones(&[4], &[2])?;
    /// let y = (&x + 1.0) * 2.0;
    /// assert_eq!(y.graph().len(), 4);            // 2 blocks + 2 fused add-mul tasks
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn graph(&self) -> Graph {
        Graph::new(&self.to_delayed())
    }

    /// A picture of the task graph (one box per prefix beyond 300 tasks).
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::<f64>::ones(&[4], &[2])?;
    /// assert!(x.visualize().to_svg().contains("ones"));
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn visualize(&self) -> crate::display::svg::SvgDoc {
        self.graph().visualize()
    }

    /// Computes the array with the default scheduler (threads over all cores).
    ///
    /// ```
    /// let x = rhpc::array::BlockedArray::from_vec(vec![1.0, 2.0, 3.0], 2)?;
    /// assert_eq!(x.compute()?.as_slice(), Some(&[1.0, 2.0, 3.0][..]));
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn compute(&self) -> Result<ArrayD<T>, TaskError> {
        Compute::default().run(self)
    }

    /// Computes the array with the given scheduler.
    ///
    /// ```
    /// use rhpc::tasks::Synchronous;
    /// let x = rhpc::array::BlockedArray::<u32>::ones(&[3], &[1])?;
    /// assert_eq!(x.compute_with(&Synchronous)?.sum(), 3);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn compute_with(
        &self,
        scheduler: &dyn crate::tasks::Scheduler,
    ) -> Result<ArrayD<T>, TaskError> {
        Compute::with_borrowed(scheduler).run(self)
    }

    /// Computes every block now (with `how`) and returns an array holding them: later
    /// graphs start from these blocks instead of recomputing them.
    ///
    /// ```
    /// use rhpc::tasks::Compute;
    /// let x = rhpc::array::BlockedArray::<f64>::random(&[100], &[10], 7)?;
    /// let kept = ((&x * 2.0) + 1.0).persist(&Compute::default())?;
    /// assert_eq!(kept.graph().len(), 10);           // ready blocks, nothing to run
    /// assert_eq!(kept.compute()?, ((&x * 2.0) + 1.0).compute()?);
    /// # Ok::<(), rhpc::array::ArrayError>(())
    /// ```
    pub fn persist(&self, how: &Compute<'_>) -> Result<BlockedArray<T>, TaskError> {
        let tasks = persist_tasks(how, &self.to_delayed())?;
        let blocks = tasks.into_iter().map(Block::task).collect();
        Ok(self.derive(self.grid.clone(), blocks, self.name))
    }
}

impl<T: Element> Outputs for BlockedArray<T> {
    type Values = ArrayD<T>;

    fn nodes(&self, into: &mut Vec<AnyDelayed>) {
        into.extend(self.to_delayed());
    }

    /// Assembles the blocks into one array.
    fn values(&self, values: &mut std::vec::IntoIter<Value>) -> Result<ArrayD<T>, TaskError> {
        let mut out = ArrayD::from_elem(self.shape().to_vec(), T::ZERO);
        for b in 0..self.grid.nblocks() {
            let value = values.next().ok_or_else(|| {
                TaskError::Scheduler("a scheduler returned too few values".into())
            })?;
            let chunk = value.downcast_ref::<ArrayD<T>>().ok_or_else(|| {
                TaskError::Scheduler(format!("block {b} is not an array of {}", T::DTYPE))
            })?;
            let ranges = self.grid.block_ranges(b);
            let mut target = out.slice_each_axis_mut(|axis| {
                let r = &ranges[axis.axis.index()];
                Slice::from(r.start..r.end)
            });
            if target.shape() != chunk.shape() {
                return Err(TaskError::Scheduler(format!(
                    "block {b} has shape {:?}, not {:?}",
                    chunk.shape(),
                    target.shape()
                )));
            }
            target.assign(chunk);
        }
        Ok(out)
    }
}
