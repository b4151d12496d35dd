//! What every chart shares: the page layout, axis scales and domains, grid lines with tick
//! labels, the title and the legend. Charts draw their marks between [`Frame::begin`] and
//! the axes it returns.

use crate::display::scale::{Scale, tick_label};
use crate::display::svg::{Anchor, Paint, SvgDoc};

/// How an axis maps values to positions.
///
/// ```
/// use rhpc::display::chart::{AxisScale, LineChart, Series};
/// let chart = LineChart::new("t").x_scale(AxisScale::Log2).series(Series::line("s", vec![(1.0, 1.0), (4.0, 3.0)]));
/// assert!(chart.to_svg().contains(">4<"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AxisScale {
    /// Evenly spaced values.
    #[default]
    Linear,
    /// Powers of two evenly spaced: thread counts, problem sizes.
    Log2,
    /// Powers of ten evenly spaced: speed-ups and times that span decades.
    Log10,
}

/// The builder methods every chart has: axis labels and picture size. The chart type needs
/// fields `x_label: String`, `y_label: String` and `size: (f64, f64)`.
macro_rules! common_setters {
    ($chart:ident) => {
        #[doc = "The x axis' label."]
        #[doc = ""]
        #[doc = concat!("```\nlet chart = rhpc::display::chart::", stringify!($chart), "::new(\"t\").x_label(\"threads\");\nassert!(chart.to_svg().contains(\">threads<\"));\n```")]
        pub fn x_label(mut self, label: impl Into<String>) -> $chart {
            self.x_label = label.into();
            self
        }

        #[doc = "The y axis' label."]
        #[doc = ""]
        #[doc = concat!("```\nlet chart = rhpc::display::chart::", stringify!($chart), "::new(\"t\").y_label(\"GB/s\");\nassert!(chart.to_svg().contains(\">GB/s<\"));\n```")]
        pub fn y_label(mut self, label: impl Into<String>) -> $chart {
            self.y_label = label.into();
            self
        }

        #[doc = "The picture's size in pixels (640 x 380 by default; at least 200 x 150)."]
        #[doc = ""]
        #[doc = concat!("```\nlet chart = rhpc::display::chart::", stringify!($chart), "::new(\"t\").size(800.0, 300.0);\nassert!(chart.to_svg().contains(\"width=\\\"800\\\"\"));\n```")]
        pub fn size(mut self, width: f64, height: f64) -> $chart {
            self.size = (width.max(200.0), height.max(150.0));
            self
        }
    };
}

pub(super) use common_setters;

/// The plot area inside the picture, in pixels.
#[derive(Debug, Clone, Copy)]
pub(super) struct Area {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

/// One legend entry: a name and how its mark looks.
pub(super) struct LegendEntry {
    pub name: String,
    pub paint: Paint,
    pub swatch: Swatch,
}

/// The legend's sample of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Swatch {
    /// A filled square (bars, shaded regions).
    Block,
    /// A solid line.
    Line,
    /// A dashed line.
    Dashed,
    /// A dot.
    Dot,
}

/// The page: size, title, axis labels and legend.
pub(super) struct Frame<'a> {
    pub width: f64,
    pub height: f64,
    pub title: &'a str,
    pub description: String,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub legend: Vec<LegendEntry>,
}

const LEFT: f64 = 72.0;
const RIGHT: f64 = 24.0;
const TITLE_Y: f64 = 22.0;
const LEGEND_ROW: f64 = 18.0;
const BOTTOM: f64 = 48.0;
/// Pixels between the plot area's edge and the first or last data position, so markers at
/// the ends are not cut in half.
pub(super) const INSET: f64 = 12.0;

impl Frame<'_> {
    /// Rows the legend needs, laying entries left to right.
    fn legend_rows(&self) -> usize {
        let mut rows = 0;
        let mut x = f64::INFINITY;
        for entry in &self.legend {
            let width = legend_width(&entry.name);
            if x + width > self.width - RIGHT {
                rows += 1;
                x = LEFT;
            }
            x += width;
        }
        rows
    }

    /// The plot area left once title, legend and axis labels have their space.
    pub fn area(&self) -> Area {
        let top = TITLE_Y + 14.0 + LEGEND_ROW * self.legend_rows() as f64;
        Area {
            left: LEFT,
            top,
            right: self.width - RIGHT,
            bottom: self.height - BOTTOM,
        }
    }

    /// Starts the picture: title, legend, and the y axis with grid lines.
    pub fn begin(&self, y: &Scale) -> SvgDoc {
        let area = self.area();
        let mut doc = SvgDoc::new(self.width, self.height, &self.description);
        doc.title(LEFT, TITLE_Y, self.title, Anchor::Start);
        self.draw_legend(&mut doc);
        for tick in y.ticks(6) {
            let py = y.map(tick);
            doc.line(area.left, py, area.right, py, Paint::Grid, 1.0, false);
            doc.text(
                area.left - 6.0,
                py + 4.0,
                &tick_label(tick),
                11.0,
                Anchor::End,
                Paint::Muted,
            );
        }
        doc.line(
            area.left,
            area.bottom,
            area.right,
            area.bottom,
            Paint::Foreground,
            1.0,
            false,
        );
        doc.line(
            area.left,
            area.top,
            area.left,
            area.bottom,
            Paint::Foreground,
            1.0,
            false,
        );
        doc.vertical_text(
            18.0,
            (area.top + area.bottom) / 2.0,
            self.y_label,
            12.0,
            Paint::Muted,
        );
        doc.text(
            (area.left + area.right) / 2.0,
            self.height - 10.0,
            self.x_label,
            12.0,
            Anchor::Middle,
            Paint::Muted,
        );
        doc
    }

    fn draw_legend(&self, doc: &mut SvgDoc) {
        let mut x = f64::INFINITY;
        let mut y = TITLE_Y + 2.0;
        for entry in &self.legend {
            let width = legend_width(&entry.name);
            if x + width > self.width - RIGHT {
                x = LEFT;
                y += LEGEND_ROW;
            }
            let mid = y + 6.0;
            match entry.swatch {
                Swatch::Block => doc.rect(x, mid - 5.0, 12.0, 10.0, entry.paint, None),
                Swatch::Dot => doc.circle(x + 6.0, mid, 4.0, entry.paint, None),
                Swatch::Line | Swatch::Dashed => doc.line(
                    x,
                    mid,
                    x + 18.0,
                    mid,
                    entry.paint,
                    2.0,
                    entry.swatch == Swatch::Dashed,
                ),
            }
            doc.text(
                x + 22.0,
                mid + 4.0,
                &entry.name,
                11.0,
                Anchor::Start,
                Paint::Foreground,
            );
            x += width;
        }
    }
}

/// The width a legend entry takes: swatch, gap, and an estimate of the text's width.
fn legend_width(name: &str) -> f64 {
    34.0 + 6.5 * name.chars().count() as f64
}

/// The x axis of a numeric chart: tick marks and labels under the plot area.
pub(super) fn draw_x_ticks(doc: &mut SvgDoc, area: Area, x: &Scale) {
    for tick in x.ticks(8) {
        let px = x.map(tick);
        doc.line(
            px,
            area.bottom,
            px,
            area.bottom + 4.0,
            Paint::Foreground,
            1.0,
            false,
        );
        doc.text(
            px,
            area.bottom + 17.0,
            &tick_label(tick),
            11.0,
            Anchor::Middle,
            Paint::Muted,
        );
    }
}

/// A scale of `kind` over the finite values given (and only the positive ones on a log
/// scale), onto `range`. Linear scales start at zero when `from_zero`; log scales get a
/// little room above and below so the extreme points are not on the frame.
pub(super) fn scale_for(
    kind: AxisScale,
    values: impl IntoIterator<Item = f64>,
    from_zero: bool,
    range: (f64, f64),
) -> Scale {
    let values: Vec<f64> = values
        .into_iter()
        .filter(|v| v.is_finite() && (kind == AxisScale::Linear || *v > 0.0))
        .collect();
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if values.is_empty() {
        return Scale::linear((0.0, 1.0), range);
    }
    match kind {
        AxisScale::Linear if from_zero => {
            Scale::linear(crate::display::scale::zero_based(values), range)
        }
        AxisScale::Linear => {
            let pad = (high - low) * 0.05;
            Scale::linear((low - pad, high + pad), range)
        }
        AxisScale::Log2 => Scale::log2((low, high), range),
        AxisScale::Log10 => Scale::log10((low / 1.3, high * 1.3), range),
    }
}

/// A short label for a data value: `1.93`, `431`, `1.5M`.
pub(super) fn value_label(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 || magnitude == 0.0 {
        tick_label(value.round())
    } else if magnitude >= 10.0 {
        tick_label((value * 10.0).round() / 10.0)
    } else {
        tick_label((value * 100.0).round() / 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_labels_keep_three_digits() {
        assert_eq!(value_label(1.934), "1.93");
        assert_eq!(value_label(43.14), "43.1");
        assert_eq!(value_label(431.4), "431");
        assert_eq!(value_label(2192.0), "2192");
    }

    #[test]
    fn scales_ignore_values_they_cannot_show() {
        let log = scale_for(
            AxisScale::Log10,
            [0.0, -1.0, 10.0, 100.0],
            false,
            (0.0, 1.0),
        );
        assert!(log.domain().0 > 0.0);
        let empty = scale_for(AxisScale::Linear, [f64::NAN], true, (0.0, 1.0));
        assert_eq!(empty.domain(), (0.0, 1.0));
    }
}
