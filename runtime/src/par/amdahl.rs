//! Fitting the serial fraction of a program to measured speed-ups, by Amdahl's law (strong
//! scaling: fixed total work) or Gustafson's (weak scaling: fixed work per thread).
//!
//! Amdahl: on n threads a program with serial fraction s runs in `s + (1 - s) / n` of its
//! one-thread time, so `t(n) - 1/n = s (1 - 1/n)` with `t = 1 / speed-up`: a line through the
//! origin in s, fitted by least squares on the normalised times. Gustafson: the scaled
//! speed-up is `n - s (n - 1)`, so `n - S(n) = s (n - 1)`, fitted the same way.

use std::fmt;

/// Which law a fit follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Law {
    /// Strong scaling: `S(n) = 1 / (s + (1 - s) / n)`, bounded by `1 / s`.
    Amdahl,
    /// Weak scaling: `S(n) = n - s (n - 1)`, unbounded.
    Gustafson,
}

/// A fitted serial fraction.
///
/// ```
/// use rhpc::par::{AmdahlFit, Law};
///
/// // Speed-ups of a program that is 10% serial.
/// let points: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0]
///     .iter()
///     .map(|&n| (n, 1.0 / (0.1 + 0.9 / n)))
///     .collect();
/// let fit = AmdahlFit::fit(Law::Amdahl, &points).expect("points beyond one thread");
/// assert!((fit.serial_fraction() - 0.1).abs() < 1e-12);
/// assert!((fit.max_speedup() - 10.0).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AmdahlFit {
    law: Law,
    serial_fraction: f64,
    rms_error: f64,
}

impl AmdahlFit {
    /// Fits `law` to `(threads, speed-up)` points by least squares. `None` without a point
    /// above one thread, or with non-finite values only.
    ///
    /// ```
    /// use rhpc::par::{AmdahlFit, Law};
    /// assert!(AmdahlFit::fit(Law::Amdahl, &[(1.0, 1.0)]).is_none());
    /// let weak = AmdahlFit::fit(Law::Gustafson, &[(1.0, 1.0), (4.0, 3.7)]).expect("a point");
    /// assert!((weak.serial_fraction() - 0.1).abs() < 1e-12);
    /// ```
    pub fn fit(law: Law, points: &[(f64, f64)]) -> Option<AmdahlFit> {
        let usable: Vec<(f64, f64)> = points
            .iter()
            .copied()
            .filter(|(n, s)| n.is_finite() && s.is_finite() && *n >= 1.0 && *s > 0.0)
            .collect();
        // Each point as (u, v) with v = s * u.
        let pairs: Vec<(f64, f64)> = usable
            .iter()
            .map(|&(n, speedup)| match law {
                Law::Amdahl => (1.0 - 1.0 / n, 1.0 / speedup - 1.0 / n),
                Law::Gustafson => (n - 1.0, n - speedup),
            })
            .collect();
        let denominator: f64 = pairs.iter().map(|(u, _)| u * u).sum();
        if denominator <= 0.0 {
            return None;
        }
        let numerator: f64 = pairs.iter().map(|(u, v)| u * v).sum();
        let serial_fraction = (numerator / denominator).clamp(0.0, 1.0);
        let mut fit = AmdahlFit {
            law,
            serial_fraction,
            rms_error: 0.0,
        };
        let squares: f64 = usable
            .iter()
            .map(|&(n, speedup)| (fit.predict(n) - speedup).powi(2))
            .sum();
        fit.rms_error = (squares / usable.len() as f64).sqrt();
        Some(fit)
    }

    /// The law fitted.
    ///
    /// ```
    /// use rhpc::par::{AmdahlFit, Law};
    /// assert_eq!(AmdahlFit::fit(Law::Amdahl, &[(2.0, 2.0)]).map(|f| f.law()), Some(Law::Amdahl));
    /// ```
    pub fn law(&self) -> Law {
        self.law
    }

    /// The serial fraction s, in [0, 1].
    ///
    /// ```
    /// use rhpc::par::{AmdahlFit, Law};
    /// let perfect = AmdahlFit::fit(Law::Amdahl, &[(2.0, 2.0), (4.0, 4.0)]).expect("points");
    /// assert_eq!(perfect.serial_fraction(), 0.0);
    /// ```
    pub fn serial_fraction(&self) -> f64 {
        self.serial_fraction
    }

    /// The predicted speed-up on `threads` threads.
    ///
    /// ```
    /// use rhpc::par::{AmdahlFit, Law};
    /// let half = AmdahlFit::fit(Law::Amdahl, &[(2.0, 4.0 / 3.0)]).expect("a point");
    /// assert!((half.predict(1000.0) - 2.0).abs() < 0.01);
    /// ```
    pub fn predict(&self, threads: f64) -> f64 {
        let s = self.serial_fraction;
        match self.law {
            Law::Amdahl => 1.0 / (s + (1.0 - s) / threads),
            Law::Gustafson => threads - s * (threads - 1.0),
        }
    }

    /// The largest speed-up any number of threads can give: `1 / s` under Amdahl's law,
    /// unbounded (infinite) under Gustafson's or with no serial part.
    ///
    /// ```
    /// use rhpc::par::{AmdahlFit, Law};
    /// let fit = AmdahlFit::fit(Law::Amdahl, &[(2.0, 1.6)]).expect("a point");
    /// assert!((fit.max_speedup() - 4.0).abs() < 1e-9);
    /// ```
    pub fn max_speedup(&self) -> f64 {
        match self.law {
            Law::Amdahl if self.serial_fraction > 0.0 => 1.0 / self.serial_fraction,
            _ => f64::INFINITY,
        }
    }

    /// Root-mean-square distance between the measured and the fitted speed-ups.
    ///
    /// ```
    /// use rhpc::par::{AmdahlFit, Law};
    /// let fit = AmdahlFit::fit(Law::Amdahl, &[(2.0, 2.0), (4.0, 4.0)]).expect("points");
    /// assert_eq!(fit.rms_error(), 0.0);
    /// ```
    pub fn rms_error(&self) -> f64 {
        self.rms_error
    }
}

impl fmt::Display for AmdahlFit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let law = match self.law {
            Law::Amdahl => "Amdahl",
            Law::Gustafson => "Gustafson",
        };
        write!(
            f,
            "{law}'s law fit: serial fraction {:.1}%",
            self.serial_fraction * 100.0
        )?;
        if self.max_speedup().is_finite() {
            write!(
                f,
                ", at most {:.1}x on any number of threads",
                self.max_speedup()
            )?;
        }
        write!(f, " (rms error {:.2})", self.rms_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amdahl(s: f64, n: f64) -> f64 {
        1.0 / (s + (1.0 - s) / n)
    }

    #[test]
    fn recovers_the_serial_fraction_of_synthetic_data() {
        for s in [0.0, 0.02, 0.1, 0.5, 1.0] {
            let points: Vec<(f64, f64)> = [1.0, 2.0, 3.0, 4.0, 8.0, 16.0]
                .iter()
                .map(|&n| (n, amdahl(s, n)))
                .collect();
            let fit = AmdahlFit::fit(Law::Amdahl, &points).expect("points beyond one thread");
            assert!((fit.serial_fraction() - s).abs() < 1e-12, "s = {s}: {fit}");
            assert!(fit.rms_error() < 1e-9);
        }
    }

    #[test]
    fn noisy_data_gives_a_close_fit() {
        // ±3% deterministic noise on a 5% serial program.
        let noise = [1.0, 1.03, 0.97, 1.02, 0.98, 1.01];
        let points: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 6.0, 8.0, 12.0]
            .iter()
            .zip(noise)
            .map(|(&n, e)| (n, amdahl(0.05, n) * e))
            .collect();
        let fit = AmdahlFit::fit(Law::Amdahl, &points).expect("points beyond one thread");
        assert!((fit.serial_fraction() - 0.05).abs() < 0.01, "{fit}");
        assert!(fit.rms_error() > 0.0);
    }

    #[test]
    fn gustafson_recovers_weak_scaling() {
        let points: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0]
            .iter()
            .map(|&n| (n, n - 0.2 * (n - 1.0)))
            .collect();
        let fit = AmdahlFit::fit(Law::Gustafson, &points).expect("points beyond one thread");
        assert!((fit.serial_fraction() - 0.2).abs() < 1e-12);
        assert!(fit.max_speedup().is_infinite());
    }

    #[test]
    fn superlinear_and_bad_points_are_clamped_or_skipped() {
        let fit = AmdahlFit::fit(Law::Amdahl, &[(2.0, 2.5), (f64::NAN, 1.0), (4.0, -1.0)])
            .expect("one usable point");
        assert_eq!(fit.serial_fraction(), 0.0);
        assert!(AmdahlFit::fit(Law::Amdahl, &[]).is_none());
    }
}
