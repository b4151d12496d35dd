//! [`timeit`]: IPython's `%timeit` for Rust closures, and the [`Timing`] it returns.
//!
//! The semantics follow IPython: the closure runs in a loop of `loops` calls, and the loop's
//! total time divided by `loops` is one *run*; `repeat` runs (7 by default) give the mean,
//! the standard deviation (of the population, as IPython computes it) and the best. Unless
//! set, `loops` is the first of 1, 2, 5, 10, 20, 50, ... for which one run lasts at least
//! 0.2 s (the autorange of Python's `timeit` module), so fast code is timed over many calls
//! and the clock's resolution does not matter. Every value the closure returns goes through
//! [`std::hint::black_box`], so the optimiser cannot delete the work being measured.

use std::fmt;
use std::hint::black_box;
use std::time::Instant;

use crate::display::units::format_seconds;
use crate::display::{MimeBundle, Render, escape_html};
use crate::interrupt::{InterruptCheck, Interrupted};

/// How to time a closure: loops per run, number of runs, and the autorange's target.
///
/// ```
/// use rhpc::time::Timeit;
///
/// let timing = Timeit::new().loops(100).repeat(3).run(|| (0..1000u64).sum::<u64>())?;
/// assert_eq!((timing.loops(), timing.repeats()), (100, 3));
/// # Ok::<(), rhpc::Interrupted>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeit {
    loops: Option<usize>,
    repeat: usize,
    min_run: f64,
}

impl Default for Timeit {
    fn default() -> Self {
        Timeit {
            loops: None,
            repeat: 7,
            min_run: 0.2,
        }
    }
}

/// Times `work` with IPython's defaults: loops chosen so a run lasts at least 0.2 s, 7 runs.
///
/// ```
/// use rhpc::time::timeit;
///
/// let timing = timeit(|| (0..10_000u64).map(|x| x * x).sum::<u64>())?;
/// assert_eq!(timing.repeats(), 7);
/// assert!(timing.best() <= timing.mean());
/// println!("{timing}"); // 4.1 µs ± 35.2 ns per loop (mean ± std. dev. of 7 runs, 50,000 loops each)
/// # Ok::<(), rhpc::Interrupted>(())
/// ```
pub fn timeit<R>(work: impl FnMut() -> R) -> Result<Timing, Interrupted> {
    Timeit::new().run(work)
}

impl Timeit {
    /// IPython's defaults: automatic loop count, 7 runs, runs of at least 0.2 s.
    ///
    /// ```
    /// assert_eq!(rhpc::time::Timeit::new(), rhpc::time::Timeit::default());
    /// ```
    pub fn new() -> Timeit {
        Timeit::default()
    }

    /// A fixed number of calls per run (`%timeit -n`); at least 1.
    ///
    /// ```
    /// let timing = rhpc::time::Timeit::new().loops(5).repeat(2).run(|| ())?;
    /// assert_eq!(timing.loops(), 5);
    /// # Ok::<(), rhpc::Interrupted>(())
    /// ```
    pub fn loops(mut self, loops: usize) -> Timeit {
        self.loops = Some(loops.max(1));
        self
    }

    /// The number of runs (`%timeit -r`); at least 1.
    ///
    /// ```
    /// let timing = rhpc::time::Timeit::new().loops(1).repeat(4).run(|| ())?;
    /// assert_eq!(timing.runs().len(), 4);
    /// # Ok::<(), rhpc::Interrupted>(())
    /// ```
    pub fn repeat(mut self, repeat: usize) -> Timeit {
        self.repeat = repeat.max(1);
        self
    }

    /// How long one run must last when the loop count is chosen automatically (0.2 s by
    /// default; shorter makes quick looks quicker and noisier).
    ///
    /// ```
    /// let quick = rhpc::time::Timeit::new().min_run(0.01).repeat(3);
    /// let timing = quick.run(|| std::thread::sleep(std::time::Duration::from_millis(2)))?;
    /// assert!(timing.loops() <= 5);
    /// # Ok::<(), rhpc::Interrupted>(())
    /// ```
    pub fn min_run(mut self, seconds: f64) -> Timeit {
        self.min_run = if seconds.is_finite() {
            seconds.max(0.0)
        } else {
            0.2
        };
        self
    }

    /// Times `work` against the wall clock. Checks for interrupts between runs.
    ///
    /// ```
    /// let timing = rhpc::time::Timeit::new().repeat(3).run(|| 2 + 2)?;
    /// assert!(timing.loops() >= 1);
    /// # Ok::<(), rhpc::Interrupted>(())
    /// ```
    pub fn run<R>(&self, work: impl FnMut() -> R) -> Result<Timing, Interrupted> {
        let origin = Instant::now();
        self.run_with_clock(move || origin.elapsed().as_secs_f64(), work)
    }

    /// Times `work` against another clock, which returns seconds from any fixed origin: a
    /// CPU-time clock, a GPU's event timer, or a simulated clock in tests.
    ///
    /// ```
    /// use std::cell::Cell;
    /// use rhpc::time::Timeit;
    ///
    /// // A simulated clock: each call of the work takes exactly 1 ms.
    /// let now = Cell::new(0.0);
    /// let timing = Timeit::new().run_with_clock(|| now.get(), || now.set(now.get() + 1e-3))?;
    /// assert_eq!(timing.loops(), 200); // 1, 2, 5, ..., 200: the first run of >= 0.2 s
    /// assert!((timing.mean() - 1e-3).abs() < 1e-12);
    /// # Ok::<(), rhpc::Interrupted>(())
    /// ```
    pub fn run_with_clock<R>(
        &self,
        mut clock: impl FnMut() -> f64,
        mut work: impl FnMut() -> R,
    ) -> Result<Timing, Interrupted> {
        let check = InterruptCheck::new();
        let mut one_run = |loops: usize| -> Result<f64, Interrupted> {
            check.check()?;
            let start = clock();
            for _ in 0..loops {
                black_box(work());
            }
            Ok(clock() - start)
        };
        let loops = match self.loops {
            Some(loops) => loops,
            None => autorange(self.min_run, &mut one_run)?,
        };
        let runs = (0..self.repeat)
            .map(|_| Ok(one_run(loops)? / loops as f64))
            .collect::<Result<Vec<f64>, Interrupted>>()?;
        Ok(Timing::from_runs(loops, runs))
    }
}

/// The first loop count in 1, 2, 5, 10, 20, 50, ... whose run lasts at least `min_run`.
fn autorange(
    min_run: f64,
    one_run: &mut impl FnMut(usize) -> Result<f64, Interrupted>,
) -> Result<usize, Interrupted> {
    let mut decade = 1usize;
    loop {
        for step in [1, 2, 5] {
            let loops = decade.saturating_mul(step);
            if one_run(loops)? >= min_run || loops == usize::MAX {
                return Ok(loops);
            }
        }
        decade = decade.saturating_mul(10);
    }
}

/// The result of [`timeit`]: seconds per loop for each run.
///
/// Shows as IPython does, `1.23 ms ± 4.50 µs per loop (mean ± std. dev. of 7 runs, 100 loops
/// each)`, as text and as HTML; a warning follows when the slowest run took more than four
/// times the fastest (often a cache warming up).
///
/// ```
/// use rhpc::time::Timing;
///
/// let timing = Timing::from_runs(100, vec![1.0e-3, 1.2e-3, 0.8e-3]);
/// assert!((timing.mean() - 1.0e-3).abs() < 1e-15);
/// assert_eq!(timing.best(), 0.8e-3);
/// assert_eq!(
///     timing.to_string(),
///     "1.00 ms ± 163 µs per loop (mean ± std. dev. of 3 runs, 100 loops each)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    loops: usize,
    runs: Vec<f64>,
}

impl Timing {
    /// A timing from measured runs (seconds per loop) of `loops` calls each: for times taken
    /// elsewhere, such as a Python benchmark's.
    ///
    /// ```
    /// let timing = rhpc::time::Timing::from_runs(1, vec![2.0]);
    /// assert_eq!(timing.std(), 0.0);
    /// ```
    pub fn from_runs(loops: usize, runs: Vec<f64>) -> Timing {
        Timing { loops, runs }
    }

    /// Calls per run.
    ///
    /// ```
    /// assert_eq!(rhpc::time::Timing::from_runs(10, vec![1.0]).loops(), 10);
    /// ```
    pub fn loops(&self) -> usize {
        self.loops
    }

    /// Number of runs.
    ///
    /// ```
    /// assert_eq!(rhpc::time::Timing::from_runs(10, vec![1.0, 2.0]).repeats(), 2);
    /// ```
    pub fn repeats(&self) -> usize {
        self.runs.len()
    }

    /// Seconds per loop, one value per run, in the order measured.
    ///
    /// ```
    /// assert_eq!(rhpc::time::Timing::from_runs(1, vec![3.0, 1.0]).runs(), [3.0, 1.0]);
    /// ```
    pub fn runs(&self) -> &[f64] {
        &self.runs
    }

    /// Mean seconds per loop over the runs (0 when there are none).
    ///
    /// ```
    /// assert_eq!(rhpc::time::Timing::from_runs(1, vec![1.0, 3.0]).mean(), 2.0);
    /// ```
    pub fn mean(&self) -> f64 {
        if self.runs.is_empty() {
            return 0.0;
        }
        self.runs.iter().sum::<f64>() / self.runs.len() as f64
    }

    /// Standard deviation of the runs (population, dividing by the number of runs, as
    /// IPython's `TimeitResult.stdev`).
    ///
    /// ```
    /// assert_eq!(rhpc::time::Timing::from_runs(1, vec![1.0, 3.0]).std(), 1.0);
    /// ```
    pub fn std(&self) -> f64 {
        if self.runs.is_empty() {
            return 0.0;
        }
        let mean = self.mean();
        let variance =
            self.runs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / self.runs.len() as f64;
        variance.sqrt()
    }

    /// The fastest run's seconds per loop: the least disturbed measurement.
    ///
    /// ```
    /// assert_eq!(rhpc::time::Timing::from_runs(1, vec![2.0, 1.5]).best(), 1.5);
    /// ```
    pub fn best(&self) -> f64 {
        self.runs.iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// The slowest run's seconds per loop.
    ///
    /// ```
    /// assert_eq!(rhpc::time::Timing::from_runs(1, vec![2.0, 1.5]).worst(), 2.0);
    /// ```
    pub fn worst(&self) -> f64 {
        self.runs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }

    /// IPython's caching warning, when the slowest run took over 4 times the fastest.
    ///
    /// ```
    /// let timing = rhpc::time::Timing::from_runs(1, vec![1e-3, 5e-3]);
    /// assert!(timing.warning().is_some_and(|w| w.contains("5.00 times longer")));
    /// ```
    pub fn warning(&self) -> Option<String> {
        let (best, worst) = (self.best(), self.worst());
        (worst > 4.0 * best && worst > 1e-6).then(|| {
            format!(
                "The slowest run took {:.2} times longer than the fastest. This could mean \
                 that an intermediate result is being cached.",
                worst / best
            )
        })
    }

    /// The part in parentheses: `mean ± std. dev. of 7 runs, 100 loops each`.
    fn counts(&self) -> String {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        format!(
            "mean ± std. dev. of {} run{}, {} loop{} each",
            self.repeats(),
            plural(self.repeats()),
            thousands(self.loops),
            plural(self.loops)
        )
    }
}

/// `1234567` as `1,234,567`, as IPython prints loop counts.
fn thousands(value: usize) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

impl fmt::Display for Timing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ± {} per loop ({})",
            format_seconds(self.mean()),
            format_seconds(self.std()),
            self.counts()
        )
    }
}

impl Render for Timing {
    fn render(&self) -> MimeBundle {
        let mut plain = self.to_string();
        let mut html = format!(
            "<div class=\"rhpc-timing\"><b>{}</b> ± {} per loop <span style=\"opacity:0.7\">({}; \
             best {})</span>",
            format_seconds(self.mean()),
            format_seconds(self.std()),
            escape_html(&self.counts()),
            format_seconds(self.best())
        );
        if let Some(warning) = self.warning() {
            plain = format!("{warning}\n{plain}");
            html.push_str(&format!(
                "<div style=\"opacity:0.7\"><i>{}</i></div>",
                escape_html(&warning)
            ));
        }
        html.push_str("</div>");
        MimeBundle::text(plain).with("text/html", html)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_closure_of_known_duration_is_measured_within_tolerance() {
        // A sleep lasts at least what was asked, plus scheduling delay; bound both sides
        // generously (a busy machine may add milliseconds) so the test tests the arithmetic,
        // not the machine.
        let timing = Timeit::new()
            .repeat(3)
            .min_run(0.02)
            .run(|| std::thread::sleep(Duration::from_millis(2)))
            .expect("no interrupts outside the kernel");
        assert!(timing.best() >= 2e-3, "{timing}");
        assert!(timing.mean() < 50e-3, "{timing}");
        // Ten calls always last 20 ms, so the autorange stops at 10 loops at the latest.
        assert!(timing.loops() <= 10, "{timing}");
    }

    #[test]
    fn statistics_on_a_simulated_clock_are_exact() {
        // Alternating 1 ms and 3 ms calls: every run of an even loop count averages 2 ms.
        let now = Cell::new(0.0);
        let calls = Cell::new(0u64);
        let timing = Timeit::new()
            .loops(10)
            .repeat(5)
            .run_with_clock(
                || now.get(),
                || {
                    calls.set(calls.get() + 1);
                    let step = if calls.get().is_multiple_of(2) {
                        3e-3
                    } else {
                        1e-3
                    };
                    now.set(now.get() + step);
                },
            )
            .expect("no interrupts outside the kernel");
        assert_eq!(calls.get(), 50);
        assert!((timing.mean() - 2e-3).abs() < 1e-12);
        assert!(timing.std() < 1e-12);
        assert!(timing.warning().is_none());
    }

    #[test]
    fn autorange_stops_at_the_first_run_long_enough() {
        let now = Cell::new(0.0);
        let timing = Timeit::new()
            .repeat(2)
            .run_with_clock(|| now.get(), || now.set(now.get() + 0.03))
            .expect("no interrupts outside the kernel");
        // 1 x 30 ms, 2 x 30 ms, 5 x 30 ms are too short; 10 x 30 ms = 0.3 s is enough.
        assert_eq!(timing.loops(), 10);
    }

    #[test]
    fn text_follows_ipython() {
        let timing = Timing::from_runs(1000, vec![1.5e-6; 7]);
        assert_eq!(
            timing.to_string(),
            "1.50 µs ± 0.00 ns per loop (mean ± std. dev. of 7 runs, 1,000 loops each)"
        );
        let single = Timing::from_runs(1, vec![2.0]);
        assert!(
            single
                .to_string()
                .ends_with("(mean ± std. dev. of 1 run, 1 loop each)")
        );
        let bundle = Timing::from_runs(1, vec![1e-3, 9e-3]).render();
        assert!(
            bundle
                .plain_text()
                .starts_with("The slowest run took 9.00 times")
        );
        assert!(bundle.get("text/html").is_some());
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(5), "5");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
