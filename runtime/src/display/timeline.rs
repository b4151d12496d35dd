//! [`Timeline`]: a Gantt chart of what ran where and when.
//!
//! Rows are workers (threads, GPU streams), spans are pieces of work coloured by category
//! (a task's key prefix, "host to device", ...). Idle time shows as gaps. Used by the task
//! stream and the GPU transfer timeline. Thousands of spans stay light: spans closer than a
//! pixel in the same row and category are drawn as one.

use super::bundle::MimeBundle;
use super::render::Render;
use super::scale::{Scale, tick_label};
use super::svg::{Anchor, Paint, SvgDoc, color_index};
use super::units::format_seconds;

/// One piece of work.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Index of the row it ran on.
    pub row: usize,
    /// Start, in seconds from the timeline's origin.
    pub start: f64,
    /// End, in seconds.
    pub end: f64,
    /// Colour group (a task prefix, a transfer direction).
    pub category: String,
    /// Hover text.
    pub label: String,
}

/// A Gantt chart.
///
/// ```
/// use rhpc::display::{Render, Timeline};
///
/// let mut timeline = Timeline::new("two workers");
/// let a = timeline.add_row("worker 0");
/// let b = timeline.add_row("worker 1");
/// timeline.add_span(a, 0.0, 0.5, "inc", "inc-1");
/// timeline.add_span(b, 0.1, 0.4, "add", "add-2");
/// assert_eq!(timeline.wall_time(), 0.5);
/// assert!((timeline.busy_time() - 0.8).abs() < 1e-12);
/// let svg = timeline.render();
/// assert!(svg.get("image/svg+xml").unwrap().as_str().unwrap().contains("worker 1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    title: String,
    rows: Vec<String>,
    spans: Vec<Span>,
}

const WIDTH: f64 = 900.0;
const ROW_HEIGHT: f64 = 22.0;
const LEFT: f64 = 120.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 36.0;

impl Timeline {
    /// An empty timeline.
    pub fn new(title: impl Into<String>) -> Timeline {
        Timeline {
            title: title.into(),
            ..Timeline::default()
        }
    }

    /// Adds a row; returns its index.
    pub fn add_row(&mut self, name: impl Into<String>) -> usize {
        self.rows.push(name.into());
        self.rows.len() - 1
    }

    /// Adds a span of work on `row` from `start` to `end` seconds.
    pub fn add_span(
        &mut self,
        row: usize,
        start: f64,
        end: f64,
        category: impl Into<String>,
        label: impl Into<String>,
    ) {
        self.spans.push(Span {
            row,
            start,
            end: end.max(start),
            category: category.into(),
            label: label.into(),
        });
    }

    /// The rows' names.
    pub fn rows(&self) -> &[String] {
        &self.rows
    }

    /// The spans, in the order added.
    pub fn spans(&self) -> &[Span] {
        &self.spans
    }

    /// From the earliest start to the latest end, in seconds.
    pub fn wall_time(&self) -> f64 {
        let start = self
            .spans
            .iter()
            .map(|s| s.start)
            .fold(f64::INFINITY, f64::min);
        let end = self
            .spans
            .iter()
            .map(|s| s.end)
            .fold(f64::NEG_INFINITY, f64::max);
        if self.spans.is_empty() {
            0.0
        } else {
            end - start
        }
    }

    /// The total length of all spans, in seconds.
    pub fn busy_time(&self) -> f64 {
        self.spans.iter().map(|s| s.end - s.start).sum()
    }

    /// The categories present, in first-seen order.
    pub fn categories(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        for span in &self.spans {
            if !seen.contains(&span.category.as_str()) {
                seen.push(&span.category);
            }
        }
        seen
    }

    fn svg(&self) -> SvgDoc {
        let categories = self.categories();
        let legend_rows = categories.len().div_ceil(6).max(1) as f64;
        let plot_height = ROW_HEIGHT * self.rows.len().max(1) as f64;
        let height = TOP + plot_height + 34.0 + 20.0 * legend_rows + 8.0;
        let mut doc = SvgDoc::new(WIDTH, height, &self.summary());
        doc.title(LEFT, 22.0, &self.title, Anchor::Start);

        let origin = self
            .spans
            .iter()
            .map(|s| s.start)
            .fold(f64::INFINITY, f64::min);
        let origin = if origin.is_finite() { origin } else { 0.0 };
        let wall = self.wall_time().max(1e-9);
        let x = Scale::linear((0.0, wall), (LEFT, WIDTH - RIGHT));

        for (index, name) in self.rows.iter().enumerate() {
            let y = TOP + ROW_HEIGHT * index as f64;
            if index % 2 == 1 {
                doc.rect(LEFT, y, WIDTH - RIGHT - LEFT, ROW_HEIGHT, Paint::Grid, None);
            }
            doc.text(
                LEFT - 8.0,
                y + ROW_HEIGHT * 0.7,
                name,
                11.0,
                Anchor::End,
                Paint::Muted,
            );
        }
        for bar in merged_bars(&self.spans, |t| x.map(t - origin)) {
            let y = TOP + ROW_HEIGHT * bar.row as f64 + 3.0;
            let tooltip = if bar.count == 1 {
                format!("{} ({})", bar.label, format_seconds(bar.seconds))
            } else {
                format!(
                    "{} × {} ({} busy)",
                    bar.count,
                    bar.category,
                    format_seconds(bar.seconds)
                )
            };
            // A one-pixel gap after each visible bar separates back-to-back tasks.
            let width = bar.x1 - bar.x0;
            let gap = if width > 2.0 * MIN_VISIBLE { 1.0 } else { 0.0 };
            doc.rect(
                bar.x0,
                y,
                (width - gap).max(1.0),
                ROW_HEIGHT - 6.0,
                Paint::Series(color_index(bar.category)),
                Some(&tooltip),
            );
        }

        let axis_y = TOP + plot_height;
        doc.line(
            LEFT,
            axis_y,
            WIDTH - RIGHT,
            axis_y,
            Paint::Foreground,
            1.0,
            false,
        );
        let (unit_name, unit) = time_unit(wall);
        for tick in Scale::linear((0.0, wall / unit), (0.0, 1.0)).ticks(8) {
            let px = x.map(tick * unit);
            doc.line(px, axis_y, px, axis_y + 4.0, Paint::Foreground, 1.0, false);
            doc.text(
                px,
                axis_y + 16.0,
                &tick_label(tick),
                10.0,
                Anchor::Middle,
                Paint::Muted,
            );
        }
        doc.text(
            WIDTH - RIGHT,
            axis_y + 30.0,
            &format!("time ({unit_name})"),
            11.0,
            Anchor::End,
            Paint::Muted,
        );

        for (index, category) in categories.iter().enumerate() {
            let column = (index % 6) as f64;
            let line = (index / 6) as f64;
            let lx = LEFT + column * 125.0;
            let ly = axis_y + 40.0 + line * 20.0;
            doc.rect(
                lx,
                ly,
                12.0,
                12.0,
                Paint::Series(color_index(category)),
                None,
            );
            doc.text(
                lx + 17.0,
                ly + 10.0,
                category,
                11.0,
                Anchor::Start,
                Paint::Foreground,
            );
        }
        doc
    }

    /// One line: rows, spans, wall and busy time.
    pub fn summary(&self) -> String {
        format!(
            "{}: {} spans on {} rows over {}, {} busy",
            self.title,
            self.spans.len(),
            self.rows.len(),
            format_seconds(self.wall_time()),
            format_seconds(self.busy_time())
        )
    }
}

/// The unit ticks are labelled in, for a total of `seconds`.
fn time_unit(seconds: f64) -> (&'static str, f64) {
    if seconds >= 2.0 {
        ("s", 1.0)
    } else if seconds >= 2e-3 {
        ("ms", 1e-3)
    } else if seconds >= 2e-6 {
        ("µs", 1e-6)
    } else {
        ("ns", 1e-9)
    }
}

struct Bar<'a> {
    row: usize,
    x0: f64,
    x1: f64,
    category: &'a str,
    label: &'a str,
    count: usize,
    seconds: f64,
}

/// Bars narrower than this many pixels merge with their neighbours.
const MIN_VISIBLE: f64 = 3.0;

/// Spans as pixel bars, merging neighbours less than a pixel apart in one row and category
/// when one of them is too narrow to see on its own.
fn merged_bars(spans: &[Span], to_px: impl Fn(f64) -> f64) -> Vec<Bar<'_>> {
    let mut order: Vec<&Span> = spans.iter().collect();
    order.sort_by(|a, b| {
        (a.row, a.start)
            .partial_cmp(&(b.row, b.start))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut bars: Vec<Bar> = Vec::new();
    for span in order {
        let (x0, x1) = (to_px(span.start), to_px(span.end));
        if let Some(last) = bars.last_mut()
            && last.row == span.row
            && last.category == span.category
            && x0 - last.x1 < 1.0
            // Spans wide enough to see stay apart, so task boundaries show.
            && (x1 - x0 < MIN_VISIBLE || last.x1 - last.x0 < MIN_VISIBLE)
        {
            last.x1 = last.x1.max(x1);
            last.count += 1;
            last.seconds += span.end - span.start;
            continue;
        }
        bars.push(Bar {
            row: span.row,
            x0,
            x1,
            category: &span.category,
            label: &span.label,
            count: 1,
            seconds: span.end - span.start,
        });
    }
    bars
}

impl Render for Timeline {
    fn render(&self) -> MimeBundle {
        self.svg().render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_spans_merge_into_few_bars() {
        let mut timeline = Timeline::new("dense");
        let row = timeline.add_row("w");
        for i in 0..10_000 {
            let start = i as f64 * 1e-6;
            timeline.add_span(row, start, start + 0.9e-6, "inc", format!("inc-{i}"));
        }
        let bars = merged_bars(timeline.spans(), |t| t * 1e5);
        assert!(bars.len() < 10, "{} bars", bars.len());
        assert_eq!(bars.iter().map(|b| b.count).sum::<usize>(), 10_000);
        assert!(
            timeline
                .render()
                .get("image/svg+xml")
                .unwrap()
                .as_str()
                .unwrap()
                .len()
                < 20_000
        );
    }

    #[test]
    fn gaps_and_categories_stay_separate() {
        let spans = vec![
            Span {
                row: 0,
                start: 0.0,
                end: 1.0,
                category: "a".into(),
                label: "a".into(),
            },
            Span {
                row: 0,
                start: 2.0,
                end: 3.0,
                category: "a".into(),
                label: "a".into(),
            },
            Span {
                row: 0,
                start: 3.0,
                end: 4.0,
                category: "b".into(),
                label: "b".into(),
            },
        ];
        assert_eq!(merged_bars(&spans, |t| t * 100.0).len(), 3);
    }

    #[test]
    fn back_to_back_visible_spans_stay_apart() {
        let spans: Vec<Span> = (0..4)
            .map(|i| Span {
                row: 0,
                start: f64::from(i),
                end: f64::from(i + 1),
                category: "task".into(),
                label: format!("task {i}"),
            })
            .collect();
        assert_eq!(merged_bars(&spans, |t| t * 50.0).len(), 4);
        assert_eq!(merged_bars(&spans, |t| t * 0.5).len(), 1);
    }

    #[test]
    fn empty_timelines_render() {
        let timeline = Timeline::new("empty");
        assert_eq!(timeline.wall_time(), 0.0);
        assert!(timeline.render().plain_text().contains("0 spans"));
    }
}
