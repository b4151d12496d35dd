//! [`compare`]: speed-up tables like the course's, rows are problem sizes and columns are
//! implementations, each cell a time and its speed-up over a baseline column; shown as an
//! HTML table and a grouped bar chart of the speed-ups.
//!
//! Cells hold the *best* run of each [`Timing`] (the least disturbed one), as the course's
//! table reports "best of 3". Times measured elsewhere (a Python benchmark's) are added with
//! [`Comparison::record`], and an extrapolated time (pure Python at a size too slow to run)
//! with [`Comparison::record_estimate`], which the table marks.

use std::fmt::Display;

use crate::display::chart::{AxisScale, BarChart};
use crate::display::units::format_seconds;
use crate::display::{MimeBundle, Render, Table};
use crate::interrupt::Interrupted;

use super::timeit::{Timeit, Timing};

/// A speed-up table under construction.
///
/// ```
/// use rhpc::time::compare;
///
/// let mut table = compare("sum of squares").baseline("iterator");
/// for n in [1_000u64, 100_000] {
///     table.record(n, "iterator", 2e-6 * n as f64 / 1000.0);
///     table.record(n, "formula", 5e-9);
/// }
/// assert_eq!(table.speedup(1000, "formula"), Some(400.0));
/// assert!(table.table().to_text().contains("400x"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    title: String,
    size_label: String,
    baseline: Option<String>,
    sizes: Vec<String>,
    implementations: Vec<String>,
    entries: Vec<Entry>,
    timeit: Timeit,
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    size: usize,
    implementation: usize,
    seconds: f64,
    estimated: bool,
}

/// Starts a comparison titled `title`.
///
/// ```
/// let table = rhpc::time::compare("matrix multiply");
/// assert!(table.sizes().is_empty());
/// ```
pub fn compare(title: impl Into<String>) -> Comparison {
    Comparison::new(title)
}

impl Comparison {
    /// An empty comparison; sizes are labelled `n`, the baseline is the first implementation
    /// recorded, and [`time`](Comparison::time) uses `Timeit::new()`.
    ///
    /// ```
    /// let table = rhpc::time::Comparison::new("t");
    /// assert!(table.implementations().is_empty());
    /// ```
    pub fn new(title: impl Into<String>) -> Comparison {
        Comparison {
            title: title.into(),
            size_label: "n".into(),
            baseline: None,
            sizes: Vec::new(),
            implementations: Vec::new(),
            entries: Vec::new(),
            timeit: Timeit::new(),
        }
    }

    /// The heading of the size column.
    ///
    /// ```
    /// let mut table = rhpc::time::compare("t").size_label("elements");
    /// table.record(10, "a", 1.0);
    /// assert!(table.table().to_text().contains("\nelements"));
    /// ```
    pub fn size_label(mut self, label: impl Into<String>) -> Comparison {
        self.size_label = label.into();
        self
    }

    /// The implementation speed-ups are measured against.
    ///
    /// ```
    /// let mut table = rhpc::time::compare("t").baseline("slow");
    /// table.record(1, "fast", 1.0);
    /// table.record(1, "slow", 4.0);
    /// assert_eq!(table.speedup(1, "fast"), Some(4.0));
    /// ```
    pub fn baseline(mut self, implementation: impl Into<String>) -> Comparison {
        self.baseline = Some(implementation.into());
        self
    }

    /// How [`time`](Comparison::time) measures.
    ///
    /// ```
    /// use rhpc::time::{compare, Timeit};
    /// let mut table = compare("t").timeit(Timeit::new().loops(3).repeat(2));
    /// let timing = table.time(8, "noop", || ())?;
    /// assert_eq!((timing.loops(), timing.repeats()), (3, 2));
    /// # Ok::<(), rhpc::Interrupted>(())
    /// ```
    pub fn timeit(mut self, timeit: Timeit) -> Comparison {
        self.timeit = timeit;
        self
    }

    fn index(list: &mut Vec<String>, key: String) -> usize {
        match list.iter().position(|k| *k == key) {
            Some(index) => index,
            None => {
                list.push(key);
                list.len() - 1
            }
        }
    }

    fn insert(&mut self, size: String, implementation: &str, seconds: f64, estimated: bool) {
        let size = Self::index(&mut self.sizes, size);
        let implementation = Self::index(&mut self.implementations, implementation.to_owned());
        self.entries
            .retain(|e| !(e.size == size && e.implementation == implementation));
        self.entries.push(Entry {
            size,
            implementation,
            seconds,
            estimated,
        });
    }

    /// Times `work` for one cell and records its best run; returns the whole timing.
    ///
    /// ```
    /// let mut table = rhpc::time::compare("t");
    /// let timing = table.time(100, "sum", || (0..100u64).sum::<u64>())?;
    /// assert_eq!(table.seconds(100, "sum"), Some(timing.best()));
    /// # Ok::<(), rhpc::Interrupted>(())
    /// ```
    pub fn time<R>(
        &mut self,
        size: impl Display,
        implementation: &str,
        work: impl FnMut() -> R,
    ) -> Result<Timing, Interrupted> {
        let timing = self.timeit.run(work)?;
        self.insert(size.to_string(), implementation, timing.best(), false);
        Ok(timing)
    }

    /// Records a time measured elsewhere, in seconds per call.
    ///
    /// ```
    /// let mut table = rhpc::time::compare("t");
    /// table.record(64, "numpy", 19e-6);
    /// assert_eq!(table.seconds(64, "numpy"), Some(19e-6));
    /// ```
    pub fn record(&mut self, size: impl Display, implementation: &str, seconds: f64) {
        self.insert(size.to_string(), implementation, seconds, false);
    }

    /// Records an estimated (extrapolated) time; the table shows it as `(est.)` and speed-ups
    /// computed from it as `~`.
    ///
    /// ```
    /// let mut table = rhpc::time::compare("t").baseline("python");
    /// table.record_estimate(512, "python", 8.0);
    /// table.record(512, "rust", 0.01);
    /// let text = table.table().to_text();
    /// assert!(text.contains("8.00 s (est.)") && text.contains("~800x"));
    /// ```
    pub fn record_estimate(&mut self, size: impl Display, implementation: &str, seconds: f64) {
        self.insert(size.to_string(), implementation, seconds, true);
    }

    fn entry(&self, size: &str, implementation: &str) -> Option<&Entry> {
        let size = self.sizes.iter().position(|s| s == size)?;
        let implementation = self
            .implementations
            .iter()
            .position(|i| i == implementation)?;
        self.entries
            .iter()
            .find(|e| e.size == size && e.implementation == implementation)
    }

    /// The recorded seconds for a cell.
    ///
    /// ```
    /// assert_eq!(rhpc::time::compare("t").seconds(1, "x"), None);
    /// ```
    pub fn seconds(&self, size: impl Display, implementation: &str) -> Option<f64> {
        self.entry(&size.to_string(), implementation)
            .map(|e| e.seconds)
    }

    /// The baseline's name: the one set, or the first implementation recorded.
    ///
    /// ```
    /// let mut table = rhpc::time::compare("t");
    /// table.record(1, "first", 1.0);
    /// assert_eq!(table.baseline_name(), Some("first"));
    /// ```
    pub fn baseline_name(&self) -> Option<&str> {
        self.baseline
            .as_deref()
            .or(self.implementations.first().map(String::as_str))
    }

    /// Baseline time over this cell's time, when both are recorded.
    ///
    /// ```
    /// let mut table = rhpc::time::compare("t");
    /// table.record(1, "base", 3.0);
    /// table.record(1, "other", 1.5);
    /// assert_eq!(table.speedup(1, "other"), Some(2.0));
    /// ```
    pub fn speedup(&self, size: impl Display, implementation: &str) -> Option<f64> {
        let size = size.to_string();
        let baseline = self.entry(&size, self.baseline_name()?)?;
        let entry = self.entry(&size, implementation)?;
        (entry.seconds > 0.0).then(|| baseline.seconds / entry.seconds)
    }

    /// The sizes, in the order first recorded.
    ///
    /// ```
    /// let mut table = rhpc::time::compare("t");
    /// table.record(128, "a", 1.0);
    /// table.record(64, "a", 1.0);
    /// assert_eq!(table.sizes(), ["128", "64"]);
    /// ```
    pub fn sizes(&self) -> &[String] {
        &self.sizes
    }

    /// The implementations, in the order first recorded.
    ///
    /// ```
    /// let mut table = rhpc::time::compare("t");
    /// table.record(1, "b", 1.0);
    /// table.record(1, "a", 1.0);
    /// assert_eq!(table.implementations(), ["b", "a"]);
    /// ```
    pub fn implementations(&self) -> &[String] {
        &self.implementations
    }

    /// The table: baseline cells show the time, the others `time, speed-up`.
    ///
    /// ```
    /// let mut table = rhpc::time::compare("t");
    /// table.record(64, "python", 15.7e-3);
    /// table.record(64, "numba", 36e-6);
    /// assert_eq!(table.table().rows()[0], ["64", "15.7 ms", "36.0 µs, 436x"]);
    /// ```
    pub fn table(&self) -> Table {
        let baseline = self.baseline_name().unwrap_or_default();
        let header =
            std::iter::once(self.size_label.clone()).chain(self.implementations.iter().cloned());
        let mut table = Table::new(header).caption(format!(
            "{}: time per call (best run) and speed-up over {baseline}",
            self.title
        ));
        for size in &self.sizes {
            let mut row = vec![size.clone()];
            for implementation in &self.implementations {
                row.push(self.cell(size, implementation, baseline));
            }
            table.push_row(row);
        }
        table
    }

    fn cell(&self, size: &str, implementation: &str, baseline: &str) -> String {
        let Some(entry) = self.entry(size, implementation) else {
            return "—".into();
        };
        let mut text = format_seconds(entry.seconds);
        if entry.estimated {
            text.push_str(" (est.)");
        }
        if implementation != baseline
            && let (Some(speedup), Some(base)) = (
                self.speedup(size, implementation),
                self.entry(size, baseline),
            )
        {
            let approximate = if entry.estimated || base.estimated {
                "~"
            } else {
                ""
            };
            text.push_str(&format!(", {approximate}{}x", speedup_label(speedup)));
        }
        text
    }

    /// A grouped bar chart of the speed-ups over the baseline (a log scale when they span
    /// more than a decade and a half).
    ///
    /// ```
    /// let mut table = rhpc::time::compare("t");
    /// table.record(64, "python", 1.0);
    /// table.record(64, "rust", 0.002);
    /// assert!(table.chart().to_svg().contains(">500x<"));
    /// ```
    pub fn chart(&self) -> BarChart {
        let baseline = self.baseline_name().unwrap_or_default();
        let mut chart = BarChart::new(format!("{}: speed-up over {baseline}", self.title))
            .categories(self.sizes.iter().cloned())
            .x_label(self.size_label.clone())
            .y_label(format!("speed-up over {baseline}"))
            .value_suffix("x");
        let mut all = Vec::new();
        for implementation in self.implementations.iter().filter(|i| *i != baseline) {
            let values: Vec<f64> = self
                .sizes
                .iter()
                .map(|size| self.speedup(size, implementation).unwrap_or(f64::NAN))
                .collect();
            all.extend(values.iter().copied().filter(|v| v.is_finite() && *v > 0.0));
            chart = chart.series(implementation.clone(), values);
        }
        let low = all.iter().copied().fold(f64::INFINITY, f64::min);
        let high = all.iter().copied().fold(0.0, f64::max);
        if high / low > 30.0 {
            chart = chart.y_scale(AxisScale::Log10);
        }
        chart
    }
}

/// A speed-up with three significant digits: `1.93`, `19.3`, `431`.
fn speedup_label(speedup: f64) -> String {
    crate::display::units::three_digits(speedup)
}

impl Render for Comparison {
    fn render(&self) -> MimeBundle {
        let table = self.table();
        let chart = self.chart().to_svg();
        MimeBundle::text(table.to_text()).with(
            "text/html",
            format!(
                "{}<div class=\"rhpc-figure\">{chart}</div>",
                table.to_html()
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course_table() -> Comparison {
        let mut table = compare("matmul").baseline("python");
        for (n, python, numba) in [(64, 15.7e-3, 36e-6), (128, 123e-3, 333e-6)] {
            table.record(n, "python", python);
            table.record(n, "numba", numba);
        }
        table
    }

    #[test]
    fn cells_show_time_and_speedup() {
        let table = course_table().table();
        assert_eq!(table.rows()[1], ["128", "123 ms", "333 µs, 369x"]);
    }

    #[test]
    fn missing_cells_show_a_dash_and_rerecording_replaces() {
        let mut table = course_table();
        table.record(256, "numba", 2.78e-3);
        table.record(64, "numba", 18e-6);
        assert_eq!(table.table().rows()[2], ["256", "—", "2.78 ms"]);
        assert_eq!(table.speedup(64, "numba").map(f64::round), Some(872.0));
    }

    #[test]
    fn rendering_has_a_table_and_a_chart_that_parse() {
        let bundle = course_table().render();
        let html = bundle
            .get("text/html")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let wrapped = format!("<div>{html}</div>");
        let document = roxmltree::Document::parse(&wrapped).expect("well-formed markup");
        let texts: Vec<&str> = document.descendants().filter_map(|n| n.text()).collect();
        assert!(texts.contains(&"436x"), "{texts:?}");
        assert!(texts.contains(&"15.7 ms"));
    }
}
