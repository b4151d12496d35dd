//! Axis scales: data values to pixels, and "nice" tick positions (1, 2, 5 × 10ⁿ).

/// Maps a data interval onto a pixel interval, linearly or logarithmically.
///
/// ```
/// use rhpc::display::scale::Scale;
///
/// let x = Scale::linear((0.0, 10.0), (50.0, 550.0));
/// assert_eq!(x.map(5.0), 300.0);
/// let threads = Scale::log2((1.0, 16.0), (0.0, 400.0));
/// assert_eq!(threads.map(4.0), 200.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    domain: (f64, f64),
    range: (f64, f64),
    log_base: Option<f64>,
}

impl Scale {
    /// A linear scale; an empty domain is widened so nothing divides by zero.
    pub fn linear(domain: (f64, f64), range: (f64, f64)) -> Scale {
        let domain = if domain.0 == domain.1 {
            (domain.0 - 0.5, domain.1 + 0.5)
        } else {
            domain
        };
        Scale {
            domain,
            range,
            log_base: None,
        }
    }

    /// A base-2 logarithmic scale (thread counts, problem sizes); the domain must be
    /// positive.
    pub fn log2(domain: (f64, f64), range: (f64, f64)) -> Scale {
        Scale::logarithmic(2.0, domain, range)
    }

    /// A base-10 logarithmic scale (speed-ups, times spanning decades); the domain must be
    /// positive.
    ///
    /// ```
    /// use rhpc::display::scale::Scale;
    /// let speedup = Scale::log10((1.0, 1000.0), (300.0, 0.0));
    /// assert_eq!(speedup.map(10.0), 200.0);
    /// assert_eq!(speedup.ticks(5), vec![1.0, 10.0, 100.0, 1000.0]);
    /// ```
    pub fn log10(domain: (f64, f64), range: (f64, f64)) -> Scale {
        Scale::logarithmic(10.0, domain, range)
    }

    fn logarithmic(base: f64, domain: (f64, f64), range: (f64, f64)) -> Scale {
        let low = domain.0.max(f64::MIN_POSITIVE);
        let high = if domain.1 <= low {
            low * base
        } else {
            domain.1
        };
        Scale {
            domain: (low, high),
            range,
            log_base: Some(base),
        }
    }

    fn transform(&self, value: f64) -> f64 {
        match self.log_base {
            Some(base) => value.max(f64::MIN_POSITIVE).log(base),
            None => value,
        }
    }

    /// The pixel position of `value`.
    pub fn map(&self, value: f64) -> f64 {
        let (d0, d1) = (self.transform(self.domain.0), self.transform(self.domain.1));
        let t = (self.transform(value) - d0) / (d1 - d0);
        self.range.0 + t * (self.range.1 - self.range.0)
    }

    /// The domain.
    pub fn domain(&self) -> (f64, f64) {
        self.domain
    }

    /// About `count` tick values inside the domain: nice numbers on a linear scale, powers
    /// of the base on a logarithmic one (with 2 and 5 between powers of ten when the domain
    /// spans less than two decades).
    ///
    /// ```
    /// use rhpc::display::scale::Scale;
    /// let ticks = Scale::linear((0.0, 0.97), (0.0, 1.0)).ticks(5);
    /// assert_eq!(ticks, vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8]);
    /// ```
    pub fn ticks(&self, count: usize) -> Vec<f64> {
        let (low, high) = self.domain;
        if let Some(base) = self.log_base {
            let powers = powers_between(base, low, high);
            if base == 10.0 && powers.len() < 3 {
                let multiples = [1.0, 2.0, 5.0];
                let mut decade = 10f64.powi(low.log10().floor() as i32);
                let mut ticks = Vec::new();
                while decade <= high {
                    let in_range = multiples.iter().map(|m| m * decade);
                    ticks.extend(
                        in_range.filter(|t| *t >= low * (1.0 - 1e-9) && *t <= high * (1.0 + 1e-9)),
                    );
                    decade *= 10.0;
                }
                return ticks;
            }
            return powers;
        }
        let step = nice_step((high - low) / count.max(1) as f64);
        let first = (low / step).ceil() as i64;
        let last = (high / step).floor() as i64;
        (first..=last).map(|i| i as f64 * step).collect()
    }
}

/// The powers of `base` in `[low, high]`.
fn powers_between(base: f64, low: f64, high: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut tick = base.powi((low.ln() / base.ln() - 1e-9).ceil() as i32);
    while tick <= high * (1.0 + 1e-9) {
        ticks.push(tick);
        tick *= base;
    }
    ticks
}

/// The nice number (1, 2 or 5 × 10ⁿ) nearest above `rough`.
fn nice_step(rough: f64) -> f64 {
    if rough.is_nan() || rough <= 0.0 || !rough.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(rough.log10().floor());
    let fraction = rough / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// The interval `[0, max]` (or `[min, max]` when values go negative), padded by 5% at the
/// top, for bars and lines that should start from zero.
///
/// ```
/// assert_eq!(rhpc::display::scale::zero_based([1.0, 4.0, 2.0]), (0.0, 4.2));
/// ```
pub fn zero_based(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let high = if high == low { low + 1.0 } else { high };
    (low, high + (high - low) * 0.05)
}

/// A tick label: integers without decimals, others with as few as needed.
///
/// ```
/// use rhpc::display::scale::tick_label;
/// assert_eq!(tick_label(2.0), "2");
/// assert_eq!(tick_label(0.25), "0.25");
/// assert_eq!(tick_label(1500000.0), "1.5M");
/// ```
pub fn tick_label(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1e9 {
        return format!("{}G", trim(value / 1e9));
    }
    if magnitude >= 1e6 {
        return format!("{}M", trim(value / 1e6));
    }
    if magnitude >= 1e4 {
        return format!("{}k", trim(value / 1e3));
    }
    trim(value)
}

fn trim(value: f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(0.13), 0.2);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(0.0), 1.0);
    }

    #[test]
    fn log_ticks_are_powers_of_two() {
        let ticks = Scale::log2((1.0, 12.0), (0.0, 1.0)).ticks(5);
        assert_eq!(ticks, vec![1.0, 2.0, 4.0, 8.0]);
    }

    #[test]
    fn short_log10_domains_get_intermediate_ticks() {
        let ticks = Scale::log10((1.5, 30.0), (0.0, 1.0)).ticks(5);
        assert_eq!(ticks, vec![2.0, 5.0, 10.0, 20.0]);
    }

    #[test]
    fn degenerate_domains_do_not_divide_by_zero() {
        let scale = Scale::linear((3.0, 3.0), (0.0, 100.0));
        assert_eq!(scale.map(3.0), 50.0);
    }
}
