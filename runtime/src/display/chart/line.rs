//! [`LineChart`]: series of (x, y) points as lines and markers, with dashed reference lines
//! and shaded x ranges. Scaling plots and scatter charts are drawn with it.

use crate::display::bundle::MimeBundle;
use crate::display::render::Render;
use crate::display::svg::{Anchor, Paint, SvgDoc};

use super::axes::{
    AxisScale, Frame, INSET, LegendEntry, Swatch, draw_x_ticks, scale_for, value_label,
};

/// One series of a [`LineChart`]: its points and how they are drawn.
///
/// ```
/// use rhpc::display::chart::Series;
/// use rhpc::display::svg::Paint;
///
/// let ideal = Series::line("ideal", vec![(1.0, 1.0), (2.0, 2.0)]).dashed().paint(Paint::Muted);
/// assert_eq!(ideal.name(), "ideal");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    name: String,
    points: Vec<(f64, f64)>,
    line: Option<bool>,
    markers: bool,
    labels: bool,
    paint: Option<Paint>,
}

impl Series {
    /// A solid line with a marker on each point.
    ///
    /// ```
    /// let series = rhpc::display::chart::Series::line("speed-up", vec![(1.0, 1.0)]);
    /// assert_eq!(series.points(), [(1.0, 1.0)]);
    /// ```
    pub fn line(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series {
            name: name.into(),
            points,
            line: Some(false),
            markers: true,
            labels: false,
            paint: None,
        }
    }

    /// Markers only, no line (a scatter series).
    ///
    /// ```
    /// let series = rhpc::display::chart::Series::scatter("runs", vec![(1.0, 2.0)]);
    /// assert_eq!(series.points().len(), 1);
    /// ```
    pub fn scatter(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series {
            line: None,
            ..Series::line(name, points)
        }
    }

    /// A dashed line without markers: a reference such as the ideal speed-up or a fit.
    ///
    /// ```
    /// let fit = rhpc::display::chart::Series::line("fit", vec![(1.0, 1.0)]).dashed();
    /// # let _ = fit;
    /// ```
    pub fn dashed(mut self) -> Series {
        self.line = Some(true);
        self.markers = false;
        self
    }

    /// Writes each point's y value beside its marker.
    ///
    /// ```
    /// use rhpc::display::chart::{LineChart, Series};
    /// let chart = LineChart::new("t").series(Series::line("s", vec![(1.0, 1.93)]).labelled());
    /// assert!(chart.to_svg().contains(">1.93<"));
    /// ```
    pub fn labelled(mut self) -> Series {
        self.labels = true;
        self
    }

    /// A fixed colour instead of the next one in the palette.
    ///
    /// ```
    /// use rhpc::display::{chart::Series, svg::Paint};
    /// let series = Series::line("s", vec![]).paint(Paint::Muted);
    /// # let _ = series;
    /// ```
    pub fn paint(mut self, paint: Paint) -> Series {
        self.paint = Some(paint);
        self
    }

    /// The series' name, shown in the legend.
    ///
    /// ```
    /// assert_eq!(rhpc::display::chart::Series::line("a", vec![]).name(), "a");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The series' points.
    ///
    /// ```
    /// assert!(rhpc::display::chart::Series::line("a", vec![]).points().is_empty());
    /// ```
    pub fn points(&self) -> &[(f64, f64)] {
        &self.points
    }
}

/// A shaded band across the plot between two x values, with a label.
#[derive(Debug, Clone, PartialEq)]
struct Shade {
    from: f64,
    to: f64,
    label: String,
}

/// A line chart.
///
/// ```
/// use rhpc::display::chart::{AxisScale, LineChart, Series};
/// use rhpc::display::Render;
///
/// let chart = LineChart::new("speed-up")
///     .x_label("threads")
///     .y_label("speed-up")
///     .x_scale(AxisScale::Log2)
///     .series(Series::line("measured", vec![(1.0, 1.0), (2.0, 1.9), (4.0, 2.0)]).labelled())
///     .series(Series::line("ideal", vec![(1.0, 1.0), (4.0, 4.0)]).dashed())
///     .shade_x(2.0, 4.0, "more threads than cores");
/// let svg = chart.to_svg();
/// assert!(svg.contains("measured") && svg.contains(">1.9<") && svg.contains("more threads"));
/// assert!(chart.render().get("image/svg+xml").is_some());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    title: String,
    x_label: String,
    y_label: String,
    x_scale: AxisScale,
    y_scale: AxisScale,
    y_from_zero: bool,
    series: Vec<Series>,
    shades: Vec<Shade>,
    size: (f64, f64),
}

impl LineChart {
    super::axes::common_setters!(LineChart);

    /// An empty chart with a title; linear axes, the y axis starting at zero.
    ///
    /// ```
    /// let chart = rhpc::display::chart::LineChart::new("empty");
    /// assert!(chart.to_svg().contains("empty"));
    /// ```
    pub fn new(title: impl Into<String>) -> LineChart {
        LineChart {
            title: title.into(),
            x_label: String::new(),
            y_label: String::new(),
            x_scale: AxisScale::Linear,
            y_scale: AxisScale::Linear,
            y_from_zero: true,
            series: Vec::new(),
            shades: Vec::new(),
            size: (640.0, 380.0),
        }
    }

    /// The x axis' scale.
    ///
    /// ```
    /// use rhpc::display::chart::{AxisScale, LineChart};
    /// let chart = LineChart::new("t").x_scale(AxisScale::Log10);
    /// # let _ = chart;
    /// ```
    pub fn x_scale(mut self, scale: AxisScale) -> LineChart {
        self.x_scale = scale;
        self
    }

    /// The y axis' scale.
    ///
    /// ```
    /// use rhpc::display::chart::{AxisScale, LineChart};
    /// let chart = LineChart::new("t").y_scale(AxisScale::Log10);
    /// # let _ = chart;
    /// ```
    pub fn y_scale(mut self, scale: AxisScale) -> LineChart {
        self.y_scale = scale;
        self
    }

    /// Whether a linear y axis starts at zero (the default) or fits the data.
    ///
    /// ```
    /// let chart = rhpc::display::chart::LineChart::new("t").y_from_zero(false);
    /// # let _ = chart;
    /// ```
    pub fn y_from_zero(mut self, from_zero: bool) -> LineChart {
        self.y_from_zero = from_zero;
        self
    }

    /// Adds a series.
    ///
    /// ```
    /// use rhpc::display::chart::{LineChart, Series};
    /// let chart = LineChart::new("t").series(Series::scatter("a", vec![(0.0, 1.0)]));
    /// assert!(chart.to_svg().contains("<circle"));
    /// ```
    pub fn series(mut self, series: Series) -> LineChart {
        self.series.push(series);
        self
    }

    /// Shades the band from `from` to `to` on the x axis, labelled (oversubscribed thread
    /// counts, a cache size exceeded).
    ///
    /// ```
    /// let chart = rhpc::display::chart::LineChart::new("t").shade_x(4.0, 8.0, "oversubscribed");
    /// assert!(chart.to_svg().contains("oversubscribed"));
    /// ```
    pub fn shade_x(mut self, from: f64, to: f64, label: impl Into<String>) -> LineChart {
        self.shades.push(Shade {
            from,
            to,
            label: label.into(),
        });
        self
    }

    fn paint_of(&self, index: usize) -> Paint {
        self.series[index].paint.unwrap_or(Paint::Series(index))
    }

    /// The chart as an SVG picture.
    ///
    /// ```
    /// use rhpc::display::chart::{LineChart, Series};
    /// let doc = LineChart::new("t").series(Series::line("a", vec![(0.0, 1.0), (1.0, 2.0)])).to_doc();
    /// assert_eq!(doc.size(), (640.0, 380.0));
    /// ```
    pub fn to_doc(&self) -> SvgDoc {
        let legend = self
            .series
            .iter()
            .enumerate()
            .map(|(index, series)| LegendEntry {
                name: series.name.clone(),
                paint: self.paint_of(index),
                swatch: match series.line {
                    Some(true) => Swatch::Dashed,
                    Some(false) => Swatch::Line,
                    None => Swatch::Dot,
                },
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
        let points = self.series.iter().flat_map(|s| s.points.iter());
        let x = scale_for(
            self.x_scale,
            points.clone().map(|p| p.0),
            false,
            (area.left + INSET, area.right - INSET),
        );
        let y = scale_for(
            self.y_scale,
            points.map(|p| p.1),
            self.y_from_zero,
            (area.bottom, area.top),
        );
        let mut doc = frame.begin(&y);
        for shade in &self.shades {
            let from = x.map(shade.from).clamp(area.left, area.right);
            let to = x.map(shade.to).clamp(area.left, area.right);
            doc.rect(
                from,
                area.top,
                to - from,
                area.bottom - area.top,
                Paint::Grid,
                Some(&shade.label),
            );
            doc.text(
                (from + to) / 2.0,
                area.top + 14.0,
                &shade.label,
                11.0,
                Anchor::Middle,
                Paint::Muted,
            );
        }
        draw_x_ticks(&mut doc, area, &x);
        for (index, series) in self.series.iter().enumerate() {
            let paint = self.paint_of(index);
            let shown: Vec<(f64, f64)> = series
                .points
                .iter()
                .copied()
                .filter(|&(vx, vy)| shows(self.x_scale, vx) && shows(self.y_scale, vy))
                .collect();
            let pixels: Vec<(f64, f64)> = shown
                .iter()
                .map(|&(vx, vy)| (x.map(vx), y.map(vy)))
                .collect();
            if let Some(dashed) = series.line {
                doc.polyline(&pixels, paint, 2.0, dashed);
            }
            for (&(px, py), &(vx, vy)) in pixels.iter().zip(&shown) {
                if series.markers {
                    let tip = format!("{}: {}, {}", series.name, value_label(vx), value_label(vy));
                    doc.circle(px, py, 4.0, paint, Some(&tip));
                }
                if series.labels {
                    doc.text(
                        px,
                        py - 8.0,
                        &value_label(vy),
                        10.0,
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
    /// assert!(rhpc::display::chart::LineChart::new("t").to_svg().starts_with("<svg"));
    /// ```
    pub fn to_svg(&self) -> String {
        self.to_doc().to_svg()
    }

    /// One line of text: the title and each series' last point.
    fn summary(&self) -> String {
        let last: Vec<String> = self
            .series
            .iter()
            .filter_map(|s| {
                s.points
                    .last()
                    .map(|(x, y)| format!("{} {} at {}", s.name, value_label(*y), value_label(*x)))
            })
            .collect();
        if last.is_empty() {
            self.title.clone()
        } else {
            format!("{}: {}", self.title, last.join("; "))
        }
    }
}

/// Whether `value` has a place on an axis of this scale (finite, and positive on a log one).
fn shows(scale: AxisScale, value: f64) -> bool {
    value.is_finite() && (scale == AxisScale::Linear || value > 0.0)
}

impl Render for LineChart {
    fn render(&self) -> MimeBundle {
        self.to_doc().render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_svg_parses_and_carries_labels() {
        let chart = LineChart::new("scaling <test>")
            .x_label("threads")
            .y_label("speed-up")
            .x_scale(AxisScale::Log2)
            .series(Series::line("measured", vec![(1.0, 1.0), (2.0, 1.87), (8.0, 2.1)]).labelled())
            .series(Series::line("ideal", vec![(1.0, 1.0), (8.0, 8.0)]).dashed())
            .shade_x(2.0, 8.0, "oversubscribed");
        let svg = chart.to_svg();
        let document = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
        let texts: Vec<&str> = document
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        for expected in [
            "scaling <test>",
            "threads",
            "speed-up",
            "measured",
            "ideal",
            "1.87",
            "oversubscribed",
            "8",
        ] {
            assert!(
                texts.contains(&expected),
                "{expected} missing from {texts:?}"
            );
        }
        assert_eq!(
            document
                .descendants()
                .filter(|n| n.has_tag_name("circle"))
                .count(),
            3
        );
    }

    #[test]
    fn points_without_a_place_are_skipped() {
        let chart = LineChart::new("t")
            .y_scale(AxisScale::Log10)
            .series(Series::line(
                "a",
                vec![(1.0, f64::NAN), (2.0, 0.0), (3.0, 1.0)],
            ));
        let svg = chart.to_svg();
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        assert_eq!(svg.matches("<circle").count(), 1);
    }
}
