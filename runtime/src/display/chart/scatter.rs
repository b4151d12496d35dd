//! [`ScatterChart`]: clouds of (x, y) points, one colour per series: a [`LineChart`] whose
//! series have markers and no lines, under a name that says so.

use crate::display::bundle::MimeBundle;
use crate::display::render::Render;

use super::axes::AxisScale;
use super::line::{LineChart, Series};

/// A scatter chart.
///
/// ```
/// use rhpc::display::chart::ScatterChart;
/// use rhpc::display::Render;
///
/// let runs = vec![(64.0, 0.04), (128.0, 0.33), (256.0, 2.8)];
/// let chart = ScatterChart::new("run times").x_label("n").y_label("ms").series("numba", runs);
/// assert_eq!(chart.to_svg().matches("<circle").count(), 3 + 1); // three points, one legend dot
/// assert!(chart.render().plain_text().contains("numba"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterChart {
    chart: LineChart,
}

impl ScatterChart {
    /// An empty scatter chart; linear axes fitted to the data.
    ///
    /// ```
    /// assert!(rhpc::display::chart::ScatterChart::new("t").to_svg().contains("t"));
    /// ```
    pub fn new(title: impl Into<String>) -> ScatterChart {
        ScatterChart {
            chart: LineChart::new(title).y_from_zero(false),
        }
    }

    /// The x axis' label.
    ///
    /// ```
    /// let chart = rhpc::display::chart::ScatterChart::new("t").x_label("size");
    /// assert!(chart.to_svg().contains("size"));
    /// ```
    pub fn x_label(self, label: impl Into<String>) -> ScatterChart {
        ScatterChart {
            chart: self.chart.x_label(label),
        }
    }

    /// The y axis' label.
    ///
    /// ```
    /// let chart = rhpc::display::chart::ScatterChart::new("t").y_label("time");
    /// assert!(chart.to_svg().contains("time"));
    /// ```
    pub fn y_label(self, label: impl Into<String>) -> ScatterChart {
        ScatterChart {
            chart: self.chart.y_label(label),
        }
    }

    /// The axes' scales.
    ///
    /// ```
    /// use rhpc::display::chart::{AxisScale, ScatterChart};
    /// let chart = ScatterChart::new("t").scales(AxisScale::Log2, AxisScale::Log10);
    /// # let _ = chart;
    /// ```
    pub fn scales(self, x: AxisScale, y: AxisScale) -> ScatterChart {
        ScatterChart {
            chart: self.chart.x_scale(x).y_scale(y),
        }
    }

    /// Adds a series of points.
    ///
    /// ```
    /// let chart = rhpc::display::chart::ScatterChart::new("t").series("a", vec![(1.0, 1.0)]);
    /// assert!(chart.to_svg().contains("a: 1, 1"));
    /// ```
    pub fn series(self, name: impl Into<String>, points: Vec<(f64, f64)>) -> ScatterChart {
        ScatterChart {
            chart: self.chart.series(Series::scatter(name, points)),
        }
    }

    /// The standalone SVG document.
    ///
    /// ```
    /// assert!(rhpc::display::chart::ScatterChart::new("t").to_svg().ends_with("</svg>"));
    /// ```
    pub fn to_svg(&self) -> String {
        self.chart.to_svg()
    }
}

impl Render for ScatterChart {
    fn render(&self) -> MimeBundle {
        self.chart.render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scatter_svg_parses_and_names_its_series() {
        let chart = ScatterChart::new("two clouds")
            .series("left", vec![(0.0, 0.0), (1.0, 1.0)])
            .series("right", vec![(5.0, 2.0)]);
        let svg = chart.to_svg();
        let document = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let titles: Vec<&str> = document
            .descendants()
            .filter(|n| n.has_tag_name("title"))
            .filter_map(|n| n.text())
            .collect();
        assert!(titles.contains(&"right: 5, 2"), "{titles:?}");
        assert!(svg.contains(">left<") && svg.contains(">right<"));
    }
}
