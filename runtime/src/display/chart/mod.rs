//! Charts from plain Rust data: [`LineChart`], [`BarChart`] (grouped) and [`ScatterChart`],
//! drawn as SVG that follows JupyterLab's light and dark themes and needs no JavaScript, so
//! nbconvert's HTML export and a plain `<img>` show them too.
//!
//! Drawn by hand on [`SvgDoc`](super::svg::SvgDoc) rather than with a plotting crate: the
//! charts here are a few dozen shapes each (about 600 lines for all three), while plotters'
//! SVG backend lays text out with a font engine and an embedded font, writes fixed colours
//! (no theme variables) and adds a large dependency tree to every notebook's first compile.
//!
//! ```
//! use rhpc::display::chart::{AxisScale, LineChart, Series};
//! use rhpc::display::Render;
//!
//! let threads = [1.0, 2.0, 4.0];
//! let chart = LineChart::new("strong scaling")
//!     .x_label("threads")
//!     .y_label("speed-up")
//!     .x_scale(AxisScale::Log2)
//!     .series(Series::line("measured", vec![(1.0, 1.0), (2.0, 1.95), (4.0, 2.0)]).labelled())
//!     .series(Series::line("ideal", threads.iter().map(|&t| (t, t)).collect()).dashed());
//! assert!(chart.render().get("image/svg+xml").is_some());
//! ```

mod axes;
mod bar;
mod line;
mod scatter;

pub use axes::AxisScale;
pub use bar::BarChart;
pub use line::{LineChart, Series};
pub use scatter::ScatterChart;
