//! Drawing task graphs as SVG: every task when the graph is small, one node per key prefix
//! when it is not (a 40,000-task reduction drawn task by task is a hairball, and a slow
//! one to render).
//!
//! Tasks are laid out top to bottom by [`layout`](super::layout): what a task needs sits
//! above it. Each task is a box coloured by its prefix (the same colours as in the task
//! stream) and labelled with it; hovering shows the full key.

use std::collections::HashMap;

use super::graph::Graph;
use super::layout::{Spacing, layered};
use crate::display::svg::{Anchor, Paint, SvgDoc, color_index, series_color};
use crate::display::{MimeBundle, Render};

/// Above this many tasks, [`Graph::visualize`] summarises by prefix.
///
/// ```
/// assert!(rhpc::tasks::SUMMARY_THRESHOLD >= 100);
/// ```
pub const SUMMARY_THRESHOLD: usize = 300;

const FONT: f64 = 11.0;
/// Rough width of one character at [`FONT`], for fitting labels.
const CHAR_WIDTH: f64 = 6.6;
const NODE_HEIGHT: f64 = 22.0;

/// One box to draw.
struct Box {
    label: String,
    tooltip: String,
    prefix: String,
    layer: usize,
}

impl Graph {
    /// The graph as a picture: every task up to [`SUMMARY_THRESHOLD`] tasks, else one box
    /// per key prefix with task counts.
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// fn inc(x: u32) -> u32 { x + 1 }
    /// fn add(a: u32, b: u32) -> u32 { a + b }
    /// let total = delayed!(add(delayed!(inc(1)), delayed!(inc(2))));
    /// let svg = total.graph().visualize().to_svg();
    /// assert!(svg.contains(">inc<") && svg.contains(">add<"));
    /// ```
    pub fn visualize(&self) -> SvgDoc {
        if self.len() > SUMMARY_THRESHOLD {
            self.visualize_prefixes()
        } else {
            self.visualize_tasks()
        }
    }

    /// Every task as its own box, whatever the size.
    ///
    /// ```
    /// let x = rhpc::tasks::Delayed::named("x", 1);
    /// assert!(x.graph().visualize_tasks().to_svg().contains("<title>x</title>"));
    /// ```
    pub fn visualize_tasks(&self) -> SvgDoc {
        let levels = self.levels();
        let boxes: Vec<Box> = (0..self.len())
            .map(|task| Box {
                label: self.key(task).prefix().to_owned(),
                tooltip: self.key(task).to_string(),
                prefix: self.key(task).prefix().to_owned(),
                layer: levels[task],
            })
            .collect();
        let mut edges: Vec<(usize, usize, usize)> = Vec::new();
        for task in 0..self.len() {
            for &dep in self.dependencies(task) {
                edges.push((dep as usize, task, 1));
            }
        }
        let title = format!(
            "{} tasks, {} roots, depth {}",
            self.len(),
            self.roots().len(),
            self.depth()
        );
        draw(&title, &boxes, &edges, 1200.0)
    }

    /// One box per key prefix (`inc × 20000`), with arrows where tasks of one prefix feed
    /// tasks of another; an arrow's width grows with the number of task edges.
    ///
    /// ```
    /// use rhpc::prelude::*;
    /// fn inc(x: u32) -> u32 { x + 1 }
    /// let xs: Vec<Delayed<u32>> = (0..500).map(|i| delayed!(inc(i))).collect();
    /// let total = Delayed::combine("sum", &xs, |v| v.iter().copied().sum::<u32>());
    /// let svg = total.graph().visualize().to_svg();
    /// assert!(svg.contains("inc × 500"));
    /// ```
    pub fn visualize_prefixes(&self) -> SvgDoc {
        let levels = self.levels();
        let mut group_of_prefix: HashMap<&str, usize> = HashMap::new();
        let mut boxes: Vec<Box> = Vec::new();
        let mut counts: Vec<usize> = Vec::new();
        let mut task_group = Vec::with_capacity(self.len());
        for (key, &level) in self.keys().zip(&levels) {
            let prefix = key.prefix();
            let group = *group_of_prefix.entry(prefix).or_insert_with(|| {
                boxes.push(Box {
                    label: String::new(),
                    tooltip: String::new(),
                    prefix: prefix.to_owned(),
                    layer: usize::MAX,
                });
                counts.push(0);
                boxes.len() - 1
            });
            counts[group] += 1;
            boxes[group].layer = boxes[group].layer.min(level);
            task_group.push(group);
        }
        let mut edge_counts: HashMap<(usize, usize), usize> = HashMap::new();
        for task in 0..self.len() {
            for &dep in self.dependencies(task) {
                let (from, to) = (task_group[dep as usize], task_group[task]);
                if from != to {
                    *edge_counts.entry((from, to)).or_default() += 1;
                }
            }
        }
        // Compress layers to 0, 1, 2... keeping their order.
        let mut used: Vec<usize> = boxes.iter().map(|b| b.layer).collect();
        used.sort_unstable();
        used.dedup();
        for (group, b) in boxes.iter_mut().enumerate() {
            b.layer = used.binary_search(&b.layer).unwrap_or(0);
            b.label = format!("{} × {}", b.prefix, counts[group]);
            b.tooltip = format!("{} tasks with prefix {}", counts[group], b.prefix);
        }
        let mut edges: Vec<(usize, usize, usize)> = edge_counts
            .into_iter()
            .map(|((a, b), n)| (a, b, n))
            .collect();
        edges.sort_unstable();
        let title = format!(
            "{} tasks in {} groups (summarised by prefix), depth {}",
            self.len(),
            boxes.len(),
            self.depth()
        );
        draw(&title, &boxes, &edges, 900.0)
    }
}

/// Text colour readable on a series colour: white on dark ones, near-black on light ones.
fn text_paint(prefix: &str) -> Paint {
    let hex = series_color(color_index(prefix));
    let channel =
        |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(128);
    let luminance = 0.299 * f64::from(channel(1))
        + 0.587 * f64::from(channel(3))
        + 0.114 * f64::from(channel(5));
    if luminance > 150.0 {
        Paint::Rgb(31, 31, 31)
    } else {
        Paint::Rgb(255, 255, 255)
    }
}

/// Draws boxes on their layers with curved edges `(from, to, multiplicity)`.
fn draw(title: &str, boxes: &[Box], edges: &[(usize, usize, usize)], max_width: f64) -> SvgDoc {
    let layers: Vec<usize> = boxes.iter().map(|b| b.layer).collect();
    let pairs: Vec<(usize, usize)> = edges.iter().map(|&(a, b, _)| (a, b)).collect();
    let widest_label = boxes
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(1);
    let preferred = (widest_label as f64 * CHAR_WIDTH + 24.0).max(50.0);
    let spacing = Spacing {
        node: preferred,
        layer: 56.0,
        max_width,
        max_height: 1400.0,
        margin: 24.0,
    };
    let layout = layered(&layers, &pairs, spacing);
    let top = 30.0;
    // Wide enough for the title, whatever the graph's width.
    let width = layout.width.max(title.chars().count() as f64 * 7.0 + 24.0);
    let mut doc = SvgDoc::new(width, layout.height + top, title);
    doc.text(12.0, 18.0, title, 12.0, Anchor::Start, Paint::Muted);
    let offset = ((width - layout.width) / 2.0, top);
    let box_width = (layout.spacing - 6.0).clamp(2.0, preferred - 6.0);
    let box_height = NODE_HEIGHT.min((spacing.layer * 0.5).max(4.0));
    let position = |node: usize| {
        let (x, y) = layout.positions[node];
        (x + offset.0, y + offset.1)
    };
    let heaviest = edges.iter().map(|e| e.2).max().unwrap_or(1) as f64;
    for &(from, to, count) in edges {
        let (x1, y1) = position(from);
        let (x2, y2) = position(to);
        let (y1, y2) = (y1 + box_height / 2.0, y2 - box_height / 2.0);
        let middle = (y1 + y2) / 2.0;
        let width = 1.0 + 3.0 * (count as f64).ln() / heaviest.ln().max(1.0);
        doc.path(
            &format!(
                "M {x1:.1} {y1:.1} C {x1:.1} {middle:.1}, {x2:.1} {middle:.1}, {x2:.1} {y2:.1}"
            ),
            Paint::Muted,
            Paint::None,
            width,
        );
    }
    let show_labels = box_width >= widest_label as f64 * CHAR_WIDTH * 0.75;
    for (node, b) in boxes.iter().enumerate() {
        let (x, y) = position(node);
        let fill = Paint::Series(color_index(&b.prefix));
        doc.rect(
            x - box_width / 2.0,
            y - box_height / 2.0,
            box_width,
            box_height,
            fill,
            Some(&b.tooltip),
        );
        if show_labels {
            doc.text(
                x,
                y + FONT * 0.35,
                &b.label,
                FONT,
                Anchor::Middle,
                text_paint(&b.prefix),
            );
        }
    }
    doc
}

impl Render for Graph {
    /// A graph shows as its picture.
    fn render(&self) -> MimeBundle {
        self.visualize().render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::Delayed;

    fn add(a: u64, b: u64) -> u64 {
        a + b
    }

    fn tree(leaves: u64) -> Delayed<u64> {
        let mut level: Vec<Delayed<u64>> = (0..leaves).map(Delayed::new).collect();
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|p| match p {
                    [a, b] => crate::delayed!(add(a, b)),
                    [a] => a.clone(),
                    _ => unreachable!("chunks(2) gives one or two"),
                })
                .collect();
        }
        level.remove(0)
    }

    #[test]
    fn small_graphs_draw_every_task_and_edge() {
        let graph = tree(8).graph();
        let svg = graph.visualize().to_svg();
        assert_eq!(svg.matches("<rect").count(), 1 + graph.len()); // background + tasks
        assert_eq!(svg.matches("<path").count(), 14);
        assert!(svg.contains(">add<"));
    }

    #[test]
    fn big_graphs_are_summarised_by_prefix() {
        let graph = tree(1000).graph();
        assert!(graph.len() > SUMMARY_THRESHOLD);
        let svg = graph.visualize().to_svg();
        assert!(svg.contains("value × 1000"));
        assert!(svg.contains("add × 999"));
        assert!(svg.len() < 10_000, "{} bytes", svg.len());
    }

    #[test]
    fn text_stays_readable_on_every_colour() {
        for prefix in [
            "inc", "add", "sum", "value", "load", "x", "y", "z", "mul", "f",
        ] {
            assert!(matches!(text_paint(prefix), Paint::Rgb(_, _, _)));
        }
    }
}
