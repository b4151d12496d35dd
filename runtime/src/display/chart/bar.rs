//! [`BarChart`]: grouped bars, one group per category (a problem size), one bar per series
//! (an implementation), each labelled with its value.

use crate::display::bundle::MimeBundle;
use crate::display::render::Render;
use crate::display::svg::{Anchor, Paint, SvgDoc};

use super::axes::{AxisScale, Frame, LegendEntry, Swatch, scale_for, value_label};

/// A grouped bar chart.
///
/// ```
/// use rhpc::display::chart::{AxisScale, BarChart};
/// use rhpc::display::Render;
///
/// let chart = BarChart::new("speed-up over Python")
///     .categories(["64", "128"])
///     .series("numba", vec![431.0, 370.0])
///     .series("rhpc", vec![520.0, 610.0])
///     .y_scale(AxisScale::Log10)
///     .value_suffix("x");
/// let svg = chart.to_svg();
/// assert!(svg.contains(">431x<") && svg.contains(">128<") && svg.contains(">rhpc<"));
/// assert!(chart.render().get("text/html").is_some());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    title: String,
    x_label: String,
    y_label: String,
    y_scale: AxisScale,
    suffix: String,
    categories: Vec<String>,
    series: Vec<(String, Vec<f64>)>,
    size: (f64, f64),
}

impl BarChart {
    super::axes::common_setters!(BarChart);

    /// An empty chart with a title and a linear y axis from zero.
    ///
    /// ```
    /// assert!(rhpc::display::chart::BarChart::new("empty").to_svg().contains("empty"));
    /// ```
    pub fn new(title: impl Into<String>) -> BarChart {
        BarChart {
            title: title.into(),
            x_label: String::new(),
            y_label: String::new(),
            y_scale: AxisScale::Linear,
            suffix: String::new(),
            categories: Vec::new(),
            series: Vec::new(),
            size: (640.0, 380.0),
        }
    }

    /// The groups along the x axis, in order.
    ///
    /// ```
    /// let chart = rhpc::display::chart::BarChart::new("t").categories(["a", "b"]);
    /// assert!(chart.to_svg().contains(">b<"));
    /// ```
    pub fn categories<S: Into<String>>(
        mut self,
        categories: impl IntoIterator<Item = S>,
    ) -> BarChart {
        self.categories = categories.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a series: one value per category (missing or non-finite values draw no bar).
    ///
    /// ```
    /// let chart = rhpc::display::chart::BarChart::new("t").categories(["a"]).series("s", vec![2.5]);
    /// assert!(chart.to_svg().contains(">2.5<"));
    /// ```
    pub fn series(mut self, name: impl Into<String>, values: Vec<f64>) -> BarChart {
        self.series.push((name.into(), values));
        self
    }

    /// The y axis' scale: [`AxisScale::Log10`] when values span decades (speed-ups over
    /// Python); bars then rise from the axis' lower end.
    ///
    /// ```
    /// use rhpc::display::chart::{AxisScale, BarChart};
    /// let chart = BarChart::new("t").y_scale(AxisScale::Log10);
    /// # let _ = chart;
    /// ```
    pub fn y_scale(mut self, scale: AxisScale) -> BarChart {
        self.y_scale = scale;
        self
    }

    /// Text after each bar's value label (`"x"` for speed-ups, `" GB/s"`).
    ///
    /// ```
    /// let chart = rhpc::display::chart::BarChart::new("t").categories(["a"]).series("s", vec![3.0]).value_suffix("x");
    /// assert!(chart.to_svg().contains(">3x<"));
    /// ```
    pub fn value_suffix(mut self, suffix: impl Into<String>) -> BarChart {
        self.suffix = suffix.into();
        self
    }

    /// The chart as an SVG picture.
    ///
    /// ```
    /// let doc = rhpc::display::chart::BarChart::new("t").to_doc();
    /// assert_eq!(doc.size(), (640.0, 380.0));
    /// ```
    pub fn to_doc(&self) -> SvgDoc {
        let legend = self
            .series
            .iter()
            .enumerate()
            .map(|(index, (name, _))| LegendEntry {
                name: name.clone(),
                paint: Paint::Series(index),
                swatch: Swatch::Block,
            })
            .collect();
        let frame = Frame {
            width: self.size.0,
            height: self.size.1,
            title: &self.title,
            description: self.summary(),
            x_label: &self.x_label,
            y_label: &self.y_label,
            legend,
        };
        let area = frame.area();
        let values = self
            .series
            .iter()
            .flat_map(|(_, values)| values.iter().copied());
        let y = scale_for(self.y_scale, values, true, (area.bottom, area.top));
        let mut doc = frame.begin(&y);
        let base = match self.y_scale {
            AxisScale::Linear => y.map(0.0).min(area.bottom),
            _ => area.bottom,
        };
        let group_width = (area.right - area.left) / self.categories.len().max(1) as f64;
        let bar_width = group_width * 0.8 / self.series.len().max(1) as f64;
        for (group, category) in self.categories.iter().enumerate() {
            let group_left = area.left + group_width * group as f64;
            doc.text(
                group_left + group_width / 2.0,
                area.bottom + 17.0,
                category,
                11.0,
                Anchor::Middle,
                Paint::Muted,
            );
            for (index, (name, values)) in self.series.iter().enumerate() {
                let Some(&value) = values.get(group) else {
                    continue;
                };
                if !value.is_finite() || (self.y_scale != AxisScale::Linear && value <= 0.0) {
                    continue;
                }
                let x = group_left + group_width * 0.1 + bar_width * index as f64;
                let top = y.map(value).clamp(area.top, area.bottom);
                let label = format!("{}{}", value_label(value), self.suffix);
                let tip = format!("{name}, {category}: {label}");
                doc.rect(
                    x + 1.0,
                    top.min(base),
                    bar_width - 2.0,
                    (base - top).abs(),
                    Paint::Series(index),
                    Some(&tip),
                );
                // Labels need room: skip them when bars are narrower than a short number.
                if bar_width >= 22.0 {
                    doc.text(
                        x + bar_width / 2.0,
                        top.min(base) - 4.0,
                        &label,
                        if bar_width >= 34.0 { 10.0 } else { 8.0 },
                        Anchor::Middle,
                        Paint::Foreground,
                    );
                }
            }
        }
        doc
    }

    /// The standalone SVG document.
    ///
    /// ```
    /// assert!(rhpc::display::chart::BarChart::new("t").to_svg().starts_with("<svg"));
    /// ```
    pub fn to_svg(&self) -> String {
        self.to_doc().to_svg()
    }

    fn summary(&self) -> String {
        format!(
            "{}: {} series over {} categories",
            self.title,
            self.series.len(),
            self.categories.len()
        )
    }
}

impl Render for BarChart {
    fn render(&self) -> MimeBundle {
        self.to_doc().render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_parse_and_carry_value_labels() {
        let chart = BarChart::new("bandwidth")
            .categories(["copy", "triad"])
            .series("1 thread", vec![12.5, 13.0])
            .series("2 threads", vec![19.0, f64::NAN])
            .value_suffix(" GB/s");
        let svg = chart.to_svg();
        let document = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let texts: Vec<&str> = document
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        for expected in [
            "bandwidth",
            "copy",
            "triad",
            "1 thread",
            "12.5 GB/s",
            "19 GB/s",
        ] {
            assert!(
                texts.contains(&expected),
                "{expected} missing from {texts:?}"
            );
        }
        // Three finite values, three bars with tooltips (plus the background and legend).
        let bars = document
            .descendants()
            .filter(|n| n.has_tag_name("rect") && n.children().any(|c| c.has_tag_name("title")))
            .count();
        assert_eq!(bars, 3);
    }
}
