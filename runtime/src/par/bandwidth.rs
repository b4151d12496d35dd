//! [`bandwidth`]: the memory bandwidth this machine achieves, measured STREAM-style, so a
//! notebook can say how close a memory-bound kernel comes to the hardware's limit.
//!
//! Two of STREAM's kernels over arrays much larger than the caches: *copy* `c[i] = a[i]`
//! (16 bytes moved per element) and *triad* `a[i] = b[i] + s * c[i]` (24 bytes). Bytes are
//! counted as STREAM counts them (reads plus writes, not the extra read a cache does before
//! writing a line), so the figures compare with published STREAM results. Arrays are split
//! into one equal block per thread and each thread first touches its own block, so on
//! multi-socket machines the memory sits next to the thread that uses it.

use rayon::prelude::*;

use crate::display::units::{format_bytes, format_rate};
use crate::display::{MimeBundle, Render, Table};
use crate::time::{Timeit, Timing};

use super::{ParError, current_num_threads, install, with_threads};

/// Settings of a bandwidth measurement.
///
/// ```
/// let small = rhpc::par::StreamBench::new().elements(1 << 16).repeat(2).threads(1).run()?;
/// assert!(small.copy_rate() > 0.0 && small.triad_rate() > 0.0);
/// # Ok::<(), rhpc::par::ParError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamBench {
    elements: usize,
    repeat: usize,
    threads: Option<usize>,
}

impl Default for StreamBench {
    fn default() -> Self {
        StreamBench {
            elements: 1 << 24,
            repeat: 5,
            threads: None,
        }
    }
}

/// Measures copy and triad bandwidth with the defaults: three arrays of 2²⁴ doubles
/// (128 MiB each, four times a 32 MiB last-level cache), best of 5, on the session's pool.
///
/// ```no_run
/// let measured = rhpc::par::bandwidth()?;
/// println!("{measured}"); // copy 18.2 GB/s, triad 19.0 GB/s (2 threads, 3 x 128 MiB)
/// # Ok::<(), rhpc::par::ParError>(())
/// ```
pub fn bandwidth() -> Result<Bandwidth, ParError> {
    StreamBench::new().run()
}

impl StreamBench {
    /// The defaults: 2²⁴ elements per array, best of 5, the session's pool.
    ///
    /// ```
    /// assert_eq!(rhpc::par::StreamBench::new(), rhpc::par::StreamBench::default());
    /// ```
    pub fn new() -> StreamBench {
        StreamBench::default()
    }

    /// Doubles per array (each array takes 8 bytes per element). Use at least four times
    /// the last-level cache, or the result measures the cache.
    ///
    /// ```
    /// let bench = rhpc::par::StreamBench::new().elements(1 << 20);
    /// # let _ = bench;
    /// ```
    pub fn elements(mut self, elements: usize) -> StreamBench {
        self.elements = elements;
        self
    }

    /// Passes per kernel; the best counts.
    ///
    /// ```
    /// let bench = rhpc::par::StreamBench::new().repeat(10);
    /// # let _ = bench;
    /// ```
    pub fn repeat(mut self, repeat: usize) -> StreamBench {
        self.repeat = repeat.max(1);
        self
    }

    /// Threads to use (the session's pool by default).
    ///
    /// ```
    /// let bench = rhpc::par::StreamBench::new().threads(1);
    /// # let _ = bench;
    /// ```
    pub fn threads(mut self, threads: usize) -> StreamBench {
        self.threads = Some(threads);
        self
    }

    /// Runs the measurement; checks for interrupts between passes.
    ///
    /// ```
    /// assert!(rhpc::par::StreamBench::new().elements(0).run().is_err());
    /// ```
    pub fn run(&self) -> Result<Bandwidth, ParError> {
        if self.elements == 0 {
            return Err(ParError::Empty("a bandwidth test needs elements"));
        }
        let measure = || -> Result<Bandwidth, ParError> {
            let threads = current_num_threads();
            let block = self.elements.div_ceil(threads);
            let mut a = vec![0.0f64; self.elements];
            let mut b = vec![0.0f64; self.elements];
            let mut c = vec![0.0f64; self.elements];
            // First touch, in the same blocks the kernels use.
            a.par_chunks_mut(block)
                .zip(b.par_chunks_mut(block))
                .zip(c.par_chunks_mut(block))
                .for_each(|((a, b), c)| {
                    a.fill(1.0);
                    b.fill(2.0);
                    c.fill(0.0);
                });
            let timeit = Timeit::new().loops(1).repeat(self.repeat);
            let copy = timeit.run(|| copy(&mut c, &a, block))?;
            let triad = timeit.run(|| triad(&mut a, &b, &c, 3.0, block))?;
            Ok(Bandwidth {
                elements: self.elements,
                threads,
                copy,
                triad,
            })
        };
        match self.threads {
            Some(threads) => with_threads(threads, measure)?,
            None => install(measure)?,
        }
    }
}

/// STREAM copy, `dest[i] = source[i]`, in parallel blocks of `block` elements.
fn copy(dest: &mut [f64], source: &[f64], block: usize) {
    dest.par_chunks_mut(block)
        .zip(source.par_chunks(block))
        .for_each(|(dest, source)| dest.copy_from_slice(source));
}

/// STREAM triad, `a[i] = b[i] + scalar * c[i]`, in parallel blocks of `block` elements.
fn triad(a: &mut [f64], b: &[f64], c: &[f64], scalar: f64, block: usize) {
    a.par_chunks_mut(block)
        .zip(b.par_chunks(block))
        .zip(c.par_chunks(block))
        .for_each(|((a, b), c)| {
            for ((a, &b), &c) in a.iter_mut().zip(b).zip(c) {
                *a = b + scalar * c;
            }
        });
}

/// Measured bandwidth: best and mean of copy and triad.
///
/// ```
/// let measured = rhpc::par::StreamBench::new().elements(1 << 16).repeat(2).run()?;
/// assert!(measured.to_string().contains("copy"));
/// assert_eq!(measured.elements(), 1 << 16);
/// # Ok::<(), rhpc::par::ParError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Bandwidth {
    elements: usize,
    threads: usize,
    copy: Timing,
    triad: Timing,
}

impl Bandwidth {
    /// Doubles per array.
    ///
    /// ```
    /// let m = rhpc::par::StreamBench::new().elements(1024).repeat(1).run()?;
    /// assert_eq!(m.elements(), 1024);
    /// # Ok::<(), rhpc::par::ParError>(())
    /// ```
    pub fn elements(&self) -> usize {
        self.elements
    }

    /// Threads used.
    ///
    /// ```
    /// let m = rhpc::par::StreamBench::new().elements(1024).repeat(1).threads(2).run()?;
    /// assert_eq!(m.threads(), 2);
    /// # Ok::<(), rhpc::par::ParError>(())
    /// ```
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Best copy bandwidth, bytes per second.
    ///
    /// ```
    /// let m = rhpc::par::StreamBench::new().elements(1024).repeat(1).run()?;
    /// assert!(m.copy_rate() > 0.0);
    /// # Ok::<(), rhpc::par::ParError>(())
    /// ```
    pub fn copy_rate(&self) -> f64 {
        self.copy_bytes() / self.copy.best()
    }

    /// Best triad bandwidth, bytes per second.
    ///
    /// ```
    /// let m = rhpc::par::StreamBench::new().elements(1024).repeat(1).run()?;
    /// assert!(m.triad_rate() > 0.0);
    /// # Ok::<(), rhpc::par::ParError>(())
    /// ```
    pub fn triad_rate(&self) -> f64 {
        self.triad_bytes() / self.triad.best()
    }

    fn copy_bytes(&self) -> f64 {
        16.0 * self.elements as f64
    }

    fn triad_bytes(&self) -> f64 {
        24.0 * self.elements as f64
    }

    /// A table: kernel, bytes per pass, best and mean rate, best time.
    ///
    /// ```
    /// let m = rhpc::par::StreamBench::new().elements(1024).repeat(1).run()?;
    /// assert_eq!(m.table().rows().len(), 2);
    /// # Ok::<(), rhpc::par::ParError>(())
    /// ```
    pub fn table(&self) -> Table {
        let mut table = Table::new(["kernel", "bytes per pass", "best", "mean", "time (best)"])
            .caption(format!(
                "memory bandwidth, {} thread{}, 3 arrays of {}",
                self.threads,
                if self.threads == 1 { "" } else { "s" },
                format_bytes(8.0 * self.elements as f64)
            ));
        for (name, bytes, timing) in [
            ("copy: c = a", self.copy_bytes(), &self.copy),
            ("triad: a = b + s c", self.triad_bytes(), &self.triad),
        ] {
            table.push_row([
                name.to_owned(),
                format_bytes(bytes),
                format_rate(bytes / timing.best()),
                format_rate(bytes / timing.mean()),
                crate::display::units::format_seconds(timing.best()),
            ]);
        }
        table
    }
}

impl std::fmt::Display for Bandwidth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "copy {}, triad {} ({} threads, 3 x {})",
            format_rate(self.copy_rate()),
            format_rate(self.triad_rate()),
            self.threads,
            format_bytes(8.0 * self.elements as f64)
        )
    }
}

impl Render for Bandwidth {
    fn render(&self) -> MimeBundle {
        self.table().render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_compute_what_stream_defines() {
        let (mut a, b) = (vec![0.0; 10], (0..10).map(f64::from).collect::<Vec<_>>());
        copy(&mut a, &b, 3);
        assert_eq!(a, b);
        let c = vec![2.0; 10];
        triad(&mut a, &b, &c, 3.0, 4);
        assert!(a.iter().zip(&b).all(|(a, b)| *a == b + 6.0));
    }

    #[test]
    fn a_small_run_reports_rates() {
        let measured = StreamBench::new()
            .elements(1000)
            .repeat(1)
            .threads(3)
            .run()
            .expect("a small run succeeds");
        assert_eq!(measured.threads(), 3);
        assert!(measured.copy_rate().is_finite());
        let bundle = measured.render();
        let text = bundle.plain_text();
        assert!(text.contains("copy: c = a") && text.contains("B/s"));
    }
}
