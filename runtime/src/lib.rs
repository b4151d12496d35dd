//! # rhpc: HPC for Rust notebooks
//!
//! The runtime every rhpc notebook can use with no setup. Its modules follow the chapters
//! of the course it grows from:
//!
//! - [`display`]: rich output in the notebook (HTML, SVG, live-updating displays), and plain
//!   text everywhere else;
//! - [`interrupt`]: cooperative interrupts, so long operations stop when the user presses
//!   the notebook's stop button and keep every variable;
//! - [`par`]: parallel iterators (rayon), thread pools by size, scaling studies with an
//!   Amdahl fit, memory bandwidth, and the course's matrix multiply;
//! - [`time`]: `timeit` and `time` as in IPython, and speed-up tables (`compare`).
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

pub mod display;
pub mod interrupt;
pub mod par;
pub mod time;

pub use interrupt::Interrupted;

/// Everything a notebook usually needs: `use rhpc::prelude::*;`.
pub mod prelude {
    pub use crate::display::Table;
    pub use crate::display::chart::{AxisScale, BarChart, LineChart, ScatterChart, Series};
    pub use crate::display::{
        DisplayHandle, EvcxrDisplay, Html, Latex, Markdown, MimeBundle, Png, Render, Svg,
        clear_output, display,
    };
    pub use crate::interrupt::{InterruptCheck, Interrupted};
    pub use crate::par::{
        IndexedParallelIterator, IntoParallelIterator, IntoParallelRefIterator,
        IntoParallelRefMutIterator, ParError, ParallelIterator, ParallelSlice, ParallelSliceMut,
        bandwidth, scaling, weak_scaling, with_threads,
    };
    pub use crate::time::{Timeit, compare, time, timeit};
}
