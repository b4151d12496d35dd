//! # rhpc: HPC for Rust notebooks
//!
//! The runtime every rhpc notebook can use with no setup. Its modules follow the chapters
//! of the course it grows from:
//!
//! - [`array`]: blocked arrays (Dask's `dask.array`): big arrays as grids of `ndarray`
//!   chunks, with fused elementwise operations, tree reductions, rechunking and matmul;
//! - [`bag`]: bags (Dask's `dask.bag`): partitioned collections of any items, from
//!   iterators or text files, with map, filter, folds, frequencies and group-by;
//! - [`display`]: rich output in the notebook (HTML, SVG, live-updating displays), and plain
//!   text everywhere else;
//! - [`interrupt`]: cooperative interrupts, so long operations stop when the user presses
//!   the notebook's stop button and keep every variable;
//! - [`gpu`]: devices (CUDA or the host), device arrays with explicit transfers, pinned
//!   buffers, streams, events and transfer timelines (the course's CuPy chapter);
//! - [`jit`]: CuPy-style elementwise, reduction and raw kernels compiled at first call for
//!   the device (NVRTC on CUDA, native code on the host) and cached on disk (the Numba and
//!   CuPy kernel chapters);
//! - [`tasks`]: Dask-style task graphs (`delayed!`, compute, schedulers), futures on local
//!   workers, graph pictures, task streams and progress bars;
//! - [`par`]: parallel iterators (rayon), thread pools by size, scaling studies with an
//!   Amdahl fit, memory bandwidth, and the course's matrix multiply;
//! - [`time`]: `timeit` and `time` as in IPython, and speed-up tables (`compare`);
//! - `frame` (cargo feature `frame`): partitioned dataframes on arrow (Dask's
//!   `dask.dataframe`): CSV by glob, column arithmetic, filters, tree group-bys.
//!
//! ```
//! use rhpc::prelude::*;
//!
//! let table = Html::new("<b>bold</b>");
//! assert!(table.render().get("text/html").is_some());
//! ```
//!
//! ## State across notebook cells
//!
//! A notebook kernel compiles each cell into its own library, and evcxr links ordinary
//! (rlib) dependencies statically into each one: a `static` would be a different object in
//! every cell. rhpc is also built as a dynamic library, which evcxr prefers, so under the
//! kernel all cells share one copy of rhpc and of the crates inside it (rayon's thread pool
//! among them). Use parallel iterators through the re-exports in `rhpc::par` rather than a
//! separate `:dep rayon`, which would bring a second copy.

#![deny(missing_docs)]

pub mod array;
pub mod bag;
pub mod display;
#[cfg(feature = "frame")]
pub mod frame;
pub mod gpu;
pub mod interrupt;
pub mod jit;
mod panic_payload;
pub mod par;
mod partitions;
mod poison;
pub mod tasks;
pub mod time;
mod tree;

pub use interrupt::Interrupted;

/// Everything a notebook usually needs: `use rhpc::prelude::*;`.
pub mod prelude {
    pub use crate::args;
    pub use crate::array::BlockedArray;
    pub use crate::bag::Bag;
    pub use crate::delayed;
    pub use crate::display::Table;
    pub use crate::display::chart::{AxisScale, BarChart, LineChart, ScatterChart, Series};
    pub use crate::display::{
        DisplayHandle, EvcxrDisplay, Html, Latex, Markdown, MimeBundle, Png, Render, Svg,
        clear_output, display,
    };
    #[cfg(feature = "frame")]
    pub use crate::frame::{DataFrame, col, lit};
    pub use crate::gpu::{Device, DeviceArray, GpuError, GpuTimeline, PinnedBuffer, Stream};
    pub use crate::interrupt::{InterruptCheck, Interrupted};
    pub use crate::jit::{
        ElementwiseKernel, JitError, Kernel, RawKernel, ReductionKernel, cache_info,
    };
    pub use crate::par::{
        IndexedParallelIterator, IntoParallelIterator, IntoParallelRefIterator,
        IntoParallelRefMutIterator, ParError, ParallelIterator, ParallelSlice, ParallelSliceMut,
        bandwidth, scaling, weak_scaling, with_threads,
    };
    pub use crate::tasks::{
        Client, Compute, Delayed, Future, FutureStatus, Scheduler, Synchronous, TaskStream,
        Threads, as_completed, compute,
    };
    pub use crate::time::{Timeit, compare, time, timeit};
}
