//! Rich output: values that show themselves in the notebook as HTML, SVG, images or text.
//!
//! A type implements [`Render`] to describe itself as a [`MimeBundle`] (one representation
//! per MIME type, always including `text/plain`). Then:
//!
//! - as the last expression of a notebook cell it renders richly, through evcxr's
//!   `evcxr_display` convention ([`EvcxrDisplay`], in the prelude);
//! - [`display`] shows it at once, while the cell keeps running, and returns a
//!   [`DisplayHandle`] whose [`update`](DisplayHandle::update) replaces it in place (a live
//!   progress bar, a chart that fills in);
//! - [`clear_output`] clears the cell's output;
//! - [`ProgressBar`] shows how far a long job has got, live.
//!
//! Pictures are drawn with [`svg::SvgDoc`], whose colours follow JupyterLab's light or dark
//! theme; [`chart`] draws line, bar and scatter charts, [`Table`] tables from plain data,
//! [`Timeline`] Gantt charts; [`scale`] and [`units`] place ticks and format
//! durations, bytes and rates.
//!
//! Under rhpc-kernel these travel to the notebook over the kernel's display channel, a line
//! protocol on standard output documented in the kernel's `bridge` module: a line starting
//! with [`RECORD_PREFIX`] followed by one JSON object. Anywhere else (a plain `cargo run`, a
//! test) the `text/plain` form is printed instead, so the same code works in both places.
//!
//! ```
//! use rhpc::prelude::*;
//!
//! let handle = display(&Html::new("<p>starting</p>"));
//! handle.update(&Html::new("<p>done</p>"));
//! ```

mod bundle;
mod channel;
pub mod chart;
mod html;
pub mod progress;
mod render;
pub mod scale;
pub mod svg;
mod table;
mod timeline;
pub mod units;

pub use bundle::MimeBundle;
pub use channel::{DisplayHandle, RECORD_PREFIX, clear_output, display, in_kernel};
pub use html::escape_html;
pub use progress::ProgressBar;
pub use render::{EvcxrDisplay, Html, Json, Latex, Markdown, Png, Render, Svg};
pub use table::{Align, Table};
pub use timeline::{Span, Timeline};
