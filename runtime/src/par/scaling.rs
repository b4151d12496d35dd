//! Scaling studies: time the same work on 1, 2, 4, ... threads and see how close the
//! speed-up comes to ideal.
//!
//! - Strong scaling ([`scaling`]): a fixed problem; speed-up `T(1) / T(n)`, efficiency
//!   `speed-up / n`, and an Amdahl's-law fit of the serial fraction.
//! - Weak scaling ([`weak_scaling`]): the work grows with the threads (the closure gets the
//!   thread count); scaled speed-up `n T(1) / T(n)`, efficiency `T(1) / T(n)`, and a
//!   Gustafson's-law fit.
//!
//! Each thread count runs on its own pool (see [`with_threads`]), timed with [`Timeit`]
//! (3 runs of at least 0.1 s by default) and measured by its best run. One thread is always
//! measured, as the baseline. Counts above the machine's [`cores`] are *oversubscribed*:
//! threads then take turns on a core, so those points are marked, shaded on the chart and
//! left out of the fit.

use crate::display::chart::{AxisScale, LineChart, Series};
use crate::display::svg::Paint;
use crate::display::units::{format_seconds, three_digits};
use crate::display::{MimeBundle, Render, Table};
use crate::time::{Timeit, Timing};

use super::amdahl::{AmdahlFit, Law};
use super::{ParError, cores, with_threads};

/// Fixed total work, or work per thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalingKind {
    /// Fixed total work (Amdahl).
    Strong,
    /// Fixed work per thread (Gustafson).
    Weak,
}

/// One thread count's measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingPoint {
    /// Threads in the pool.
    pub threads: usize,
    /// The timing (every run).
    pub timing: Timing,
    /// Speed-up over one thread (scaled speed-up for weak scaling).
    pub speedup: f64,
    /// Efficiency: speed-up per thread, 1 is ideal.
    pub efficiency: f64,
    /// More threads than cores.
    pub oversubscribed: bool,
}

/// How a scaling study measures.
///
/// ```
/// use rhpc::par::ScalingStudy;
/// use rhpc::time::Timeit;
///
/// let study = ScalingStudy::new(&[1, 2]).timeit(Timeit::new().loops(2).repeat(2));
/// let result = study.strong(|| (0..100_000u64).sum::<u64>())?;
/// assert_eq!(result.points().len(), 2);
/// # Ok::<(), rhpc::par::ParError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingStudy {
    threads: Vec<usize>,
    timeit: Timeit,
    title: Option<String>,
    cores: usize,
}

/// Strong scaling of `work` over these thread counts, with the default study settings.
///
/// ```
/// use rhpc::display::Render;
/// use rhpc::par::*;
///
/// let data: Vec<f64> = (0..200_000).map(f64::from).collect();
/// let study = scaling(|| data.par_iter().map(|x| x.sqrt()).sum::<f64>(), &[1, 2])?;
/// assert_eq!(study.points()[0].speedup, 1.0);
/// assert!(study.render().get("text/html").is_some());
/// # Ok::<(), ParError>(())
/// ```
pub fn scaling<R>(work: impl Fn() -> R + Sync, threads: &[usize]) -> Result<Scaling, ParError> {
    ScalingStudy::new(threads).strong(work)
}

/// Weak scaling: `work(n)` does n units of work on n threads.
///
/// ```
/// use rhpc::par::*;
///
/// let unit = 100_000u64;
/// let study = weak_scaling(|n| (0..n as u64 * unit).into_par_iter().sum::<u64>(), &[1, 2])?;
/// assert_eq!(study.kind(), ScalingKind::Weak);
/// # Ok::<(), ParError>(())
/// ```
pub fn weak_scaling<R>(
    work: impl Fn(usize) -> R + Sync,
    threads: &[usize],
) -> Result<Scaling, ParError> {
    ScalingStudy::new(threads).weak(work)
}

impl ScalingStudy {
    /// A study over these thread counts (1 is added; duplicates and zeros are dropped).
    ///
    /// ```
    /// let study = rhpc::par::ScalingStudy::new(&[4, 2, 2, 0]);
    /// assert_eq!(study.thread_counts(), [1, 2, 4]);
    /// ```
    pub fn new(threads: &[usize]) -> ScalingStudy {
        let mut counts: Vec<usize> = threads.iter().copied().filter(|&t| t > 0).collect();
        counts.push(1);
        counts.sort_unstable();
        counts.dedup();
        ScalingStudy {
            threads: counts,
            timeit: Timeit::new().repeat(3).min_run(0.1),
            title: None,
            cores: cores(),
        }
    }

    /// The thread counts that will be measured, in increasing order.
    ///
    /// ```
    /// assert_eq!(rhpc::par::ScalingStudy::new(&[]).thread_counts(), [1]);
    /// ```
    pub fn thread_counts(&self) -> &[usize] {
        &self.threads
    }

    /// How each thread count is timed.
    ///
    /// ```
    /// use rhpc::{par::ScalingStudy, time::Timeit};
    /// let study = ScalingStudy::new(&[2]).timeit(Timeit::new().repeat(5));
    /// # let _ = study;
    /// ```
    pub fn timeit(mut self, timeit: Timeit) -> ScalingStudy {
        self.timeit = timeit;
        self
    }

    /// The chart's and table's title.
    ///
    /// ```
    /// let study = rhpc::par::ScalingStudy::new(&[2]).title("sum of roots");
    /// # let _ = study;
    /// ```
    pub fn title(mut self, title: impl Into<String>) -> ScalingStudy {
        self.title = Some(title.into());
        self
    }

    /// Runs a strong-scaling study of `work`.
    ///
    /// ```
    /// use rhpc::{par::ScalingStudy, time::Timeit};
    /// let study = ScalingStudy::new(&[2]).timeit(Timeit::new().loops(1).repeat(1));
    /// assert_eq!(study.strong(|| ())?.points().len(), 2);
    /// # Ok::<(), rhpc::par::ParError>(())
    /// ```
    pub fn strong<R>(&self, work: impl Fn() -> R + Sync) -> Result<Scaling, ParError> {
        self.run(ScalingKind::Strong, |_| work())
    }

    /// Runs a weak-scaling study: `work(n)` must do n units of work.
    ///
    /// ```
    /// use rhpc::{par::ScalingStudy, time::Timeit};
    /// let study = ScalingStudy::new(&[2]).timeit(Timeit::new().loops(1).repeat(1));
    /// assert_eq!(study.weak(|n| n * 2)?.points()[1].threads, 2);
    /// # Ok::<(), rhpc::par::ParError>(())
    /// ```
    pub fn weak<R>(&self, work: impl Fn(usize) -> R + Sync) -> Result<Scaling, ParError> {
        self.run(ScalingKind::Weak, work)
    }

    fn run<R>(
        &self,
        kind: ScalingKind,
        work: impl Fn(usize) -> R + Sync,
    ) -> Result<Scaling, ParError> {
        let mut timings = Vec::with_capacity(self.threads.len());
        for &threads in &self.threads {
            let work = &work;
            let timing = with_threads(threads, || self.timeit.run(|| work(threads)))??;
            timings.push((threads, timing));
        }
        Ok(Scaling::from_timings(
            kind,
            self.title.clone().unwrap_or_else(|| match kind {
                ScalingKind::Strong => "strong scaling".into(),
                ScalingKind::Weak => "weak scaling".into(),
            }),
            self.cores,
            timings,
        ))
    }
}

/// The result of a scaling study: a point per thread count, the law's fit, a table and a
/// chart (shown together as the cell's value).
///
/// ```
/// use rhpc::par::{Scaling, ScalingKind};
/// use rhpc::time::Timing;
///
/// // Built from timings taken elsewhere: 1 s on one thread, 0.55 s on two, on 2 cores.
/// let timings = vec![(1, Timing::from_runs(1, vec![1.0])), (2, Timing::from_runs(1, vec![0.55]))];
/// let study = Scaling::from_timings(ScalingKind::Strong, "example", 2, timings);
/// assert!((study.points()[1].speedup - 1.818).abs() < 1e-3);
/// assert!((study.fit().map(|f| f.serial_fraction()).unwrap_or(0.0) - 0.1).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Scaling {
    kind: ScalingKind,
    title: String,
    cores: usize,
    points: Vec<ScalingPoint>,
    fit: Option<AmdahlFit>,
}

impl Scaling {
    /// A study from `(threads, timing)` pairs measured on a machine with `cores` cores; the
    /// baseline is the smallest thread count (normally 1), measured by best runs.
    ///
    /// ```
    /// use rhpc::par::{Scaling, ScalingKind};
    /// let study = Scaling::from_timings(ScalingKind::Weak, "t", 4, vec![]);
    /// assert!(study.points().is_empty() && study.fit().is_none());
    /// ```
    pub fn from_timings(
        kind: ScalingKind,
        title: impl Into<String>,
        cores: usize,
        mut timings: Vec<(usize, Timing)>,
    ) -> Scaling {
        timings.sort_by_key(|(threads, _)| *threads);
        let base = timings
            .first()
            .map(|(t, timing)| (*t as f64, timing.best()));
        let points: Vec<ScalingPoint> = timings
            .into_iter()
            .map(|(threads, timing)| {
                let n = threads as f64;
                let (base_threads, base_seconds) = base.unwrap_or((n, timing.best()));
                let ratio = base_seconds / timing.best();
                let (speedup, efficiency) = match kind {
                    ScalingKind::Strong => (ratio * base_threads, ratio * base_threads / n),
                    ScalingKind::Weak => (ratio * n, ratio),
                };
                ScalingPoint {
                    threads,
                    timing,
                    speedup,
                    efficiency,
                    oversubscribed: threads > cores,
                }
            })
            .collect();
        let law = match kind {
            ScalingKind::Strong => Law::Amdahl,
            ScalingKind::Weak => Law::Gustafson,
        };
        let fitted: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| !p.oversubscribed)
            .map(|p| (p.threads as f64, p.speedup))
            .collect();
        Scaling {
            kind,
            title: title.into(),
            cores,
            fit: AmdahlFit::fit(law, &fitted),
            points,
        }
    }

    /// Strong or weak.
    ///
    /// ```
    /// use rhpc::par::{Scaling, ScalingKind};
    /// assert_eq!(Scaling::from_timings(ScalingKind::Strong, "t", 2, vec![]).kind(), ScalingKind::Strong);
    /// ```
    pub fn kind(&self) -> ScalingKind {
        self.kind
    }

    /// The measurements, by increasing thread count.
    ///
    /// ```
    /// use rhpc::par::{Scaling, ScalingKind};
    /// assert!(Scaling::from_timings(ScalingKind::Strong, "t", 2, vec![]).points().is_empty());
    /// ```
    pub fn points(&self) -> &[ScalingPoint] {
        &self.points
    }

    /// The cores of the machine measured on.
    ///
    /// ```
    /// use rhpc::par::{Scaling, ScalingKind};
    /// assert_eq!(Scaling::from_timings(ScalingKind::Strong, "t", 8, vec![]).cores(), 8);
    /// ```
    pub fn cores(&self) -> usize {
        self.cores
    }

    /// Amdahl's (strong) or Gustafson's (weak) law fitted to the points within the cores;
    /// `None` without a measurement above one thread.
    ///
    /// ```
    /// use rhpc::par::{Scaling, ScalingKind};
    /// assert!(Scaling::from_timings(ScalingKind::Strong, "t", 2, vec![]).fit().is_none());
    /// ```
    pub fn fit(&self) -> Option<&AmdahlFit> {
        self.fit.as_ref()
    }

    /// The table: threads, best time, speed-up, efficiency, and a note on oversubscription.
    ///
    /// ```
    /// use rhpc::par::{Scaling, ScalingKind};
    /// use rhpc::time::Timing;
    /// let study = Scaling::from_timings(ScalingKind::Strong, "t", 1,
    ///     vec![(1, Timing::from_runs(1, vec![1.0])), (2, Timing::from_runs(1, vec![0.9]))]);
    /// assert_eq!(study.table().rows()[1], ["2", "900 ms", "1.11x", "56%", "more threads than cores"]);
    /// ```
    pub fn table(&self) -> Table {
        let speedup = match self.kind {
            ScalingKind::Strong => "speed-up",
            ScalingKind::Weak => "scaled speed-up",
        };
        let mut table = Table::new(["threads", "time (best)", speedup, "efficiency", ""])
            .caption(format!("{} ({} cores)", self.title, self.cores));
        for point in &self.points {
            table.push_row([
                point.threads.to_string(),
                format_seconds(point.timing.best()),
                format!("{}x", three_digits(point.speedup)),
                format!("{:.0}%", point.efficiency * 100.0),
                if point.oversubscribed {
                    "more threads than cores".into()
                } else {
                    String::new()
                },
            ]);
        }
        table
    }

    /// The chart: measured speed-up, the ideal line, the fitted law, and the oversubscribed
    /// range shaded.
    ///
    /// ```
    /// use rhpc::par::{Scaling, ScalingKind};
    /// use rhpc::time::Timing;
    /// let study = Scaling::from_timings(ScalingKind::Strong, "t", 2,
    ///     vec![(1, Timing::from_runs(1, vec![1.0])), (2, Timing::from_runs(1, vec![0.52]))]);
    /// assert!(study.chart().to_svg().contains(">1.92<"));
    /// ```
    pub fn chart(&self) -> LineChart {
        let max = self.points.last().map_or(1, |p| p.threads) as f64;
        let ideal: Vec<(f64, f64)> = self
            .points
            .iter()
            .map(|p| (p.threads as f64, p.threads as f64))
            .collect();
        let measured: Vec<(f64, f64)> = self
            .points
            .iter()
            .map(|p| (p.threads as f64, p.speedup))
            .collect();
        let y_label = match self.kind {
            ScalingKind::Strong => "speed-up over 1 thread",
            ScalingKind::Weak => "scaled speed-up",
        };
        let mut chart = LineChart::new(&self.title)
            .x_label("threads")
            .y_label(y_label)
            .x_scale(AxisScale::Log2)
            .series(Series::line("measured", measured).labelled())
            .series(Series::line("ideal", ideal).dashed().paint(Paint::Muted));
        if let Some(fit) = &self.fit {
            // The fitted curve, sampled finely between the thread counts on the log axis.
            let samples: Vec<(f64, f64)> = (0..=32)
                .map(|i| max.powf(f64::from(i) / 32.0))
                .map(|n| (n, fit.predict(n)))
                .collect();
            let name = format!("fit: {:.1}% serial", fit.serial_fraction() * 100.0);
            chart = chart.series(Series::line(name, samples).dashed());
        }
        if max > self.cores as f64 {
            chart = chart.shade_x(
                self.cores as f64,
                max,
                format!("more threads than cores ({})", self.cores),
            );
        }
        chart
    }
}

impl Render for Scaling {
    fn render(&self) -> MimeBundle {
        let table = self.table();
        let fit = self.fit.map(|f| f.to_string()).unwrap_or_default();
        MimeBundle::text(format!("{}\n{fit}", table.to_text())).with(
            "text/html",
            format!(
                "{}<p>{}</p><div class=\"rhpc-figure\">{}</div>",
                table.to_html(),
                crate::display::escape_html(&fit),
                self.chart().to_svg()
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synthetic(serial: f64, cores: usize, counts: &[usize]) -> Scaling {
        let timings = counts
            .iter()
            .map(|&n| {
                let seconds = serial + (1.0 - serial) / n.min(cores) as f64;
                (n, Timing::from_runs(1, vec![seconds]))
            })
            .collect();
        Scaling::from_timings(ScalingKind::Strong, "synthetic", cores, timings)
    }

    #[test]
    fn oversubscribed_points_are_marked_and_left_out_of_the_fit() {
        let study = synthetic(0.2, 4, &[1, 2, 4, 8, 16]);
        let marked: Vec<usize> = study
            .points()
            .iter()
            .filter(|p| p.oversubscribed)
            .map(|p| p.threads)
            .collect();
        assert_eq!(marked, [8, 16]);
        let fit = study.fit().expect("points within the cores");
        assert!((fit.serial_fraction() - 0.2).abs() < 1e-12);
        let svg = study.chart().to_svg();
        assert!(roxmltree::Document::parse(&svg).is_ok());
        assert!(svg.contains("more threads than cores (4)"));
        assert!(svg.contains("fit: 20.0% serial"));
    }

    #[test]
    fn weak_scaling_efficiency_is_time_ratio() {
        let timings = vec![
            (1, Timing::from_runs(1, vec![1.0])),
            (2, Timing::from_runs(1, vec![1.25])),
        ];
        let study = Scaling::from_timings(ScalingKind::Weak, "weak", 2, timings);
        assert_eq!(study.points()[1].efficiency, 0.8);
        assert_eq!(study.points()[1].speedup, 1.6);
        let fit = study.fit().expect("a point above one thread");
        assert_eq!(fit.law(), Law::Gustafson);
        assert!((fit.serial_fraction() - 0.4).abs() < 1e-12);
    }

    #[test]
    fn a_real_study_runs_every_count_on_its_own_pool() {
        let seen = std::sync::Mutex::new(Vec::new());
        let study = ScalingStudy::new(&[2, 3])
            .timeit(Timeit::new().loops(1).repeat(1))
            .strong(|| {
                seen.lock()
                    .expect("no panics")
                    .push(super::super::current_num_threads())
            })
            .expect("pools start");
        let counts: Vec<usize> = study.points().iter().map(|p| p.threads).collect();
        assert_eq!(counts, [1, 2, 3]);
        assert_eq!(*seen.lock().expect("no panics"), [1, 2, 3]);
        assert!(study.render().plain_text().contains("threads"));
    }
}
