//! Human-readable numbers: durations, byte counts and rates in adaptive units.

/// A duration in seconds, in the unit that keeps 3 significant digits readable:
/// `812 ns`, `3.41 µs`, `27.6 ms`, `1.52 s`, `2 min 05 s`.
///
/// ```
/// use rhpc::display::units::format_seconds;
/// assert_eq!(format_seconds(0.0000034), "3.40 µs");
/// assert_eq!(format_seconds(0.0276), "27.6 ms");
/// assert_eq!(format_seconds(1.5), "1.50 s");
/// assert_eq!(format_seconds(125.0), "2 min 05 s");
/// ```
pub fn format_seconds(seconds: f64) -> String {
    if !seconds.is_finite() {
        return format!("{seconds} s");
    }
    // Round to three significant digits first, so 0.9999e-3 becomes "1.00 ms", not "1000 µs".
    let seconds = round_significant(seconds, 3);
    let magnitude = seconds.abs();
    if magnitude >= 60.0 {
        let minutes = (seconds / 60.0).floor();
        return format!(
            "{} min {:02} s",
            minutes as i64,
            (seconds - minutes * 60.0).round() as i64
        );
    }
    let (value, unit) = if magnitude >= 1.0 || magnitude == 0.0 {
        (seconds, "s")
    } else if magnitude >= 1e-3 {
        (seconds * 1e3, "ms")
    } else if magnitude >= 1e-6 {
        (seconds * 1e6, "µs")
    } else {
        (seconds * 1e9, "ns")
    };
    format!("{} {unit}", three_digits(value))
}

/// `value` rounded to `digits` significant digits.
fn round_significant(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let scale = 10f64.powi(digits - 1 - value.abs().log10().floor() as i32);
    (value * scale).round() / scale
}

/// A byte count in binary units: `512 B`, `1.50 KiB`, `64.0 MiB`, `2.00 GiB`.
///
/// ```
/// use rhpc::display::units::format_bytes;
/// assert_eq!(format_bytes(512.0), "512 B");
/// assert_eq!(format_bytes(64.0 * 1024.0 * 1024.0), "64.0 MiB");
/// ```
pub fn format_bytes(bytes: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{} B", value.round() as i64)
    } else {
        format!("{} {}", three_digits(value), UNITS[unit])
    }
}

/// A transfer rate in decimal gigabytes per second (the unit of memory bandwidth).
///
/// ```
/// assert_eq!(rhpc::display::units::format_rate(17.3e9), "17.3 GB/s");
/// ```
pub fn format_rate(bytes_per_second: f64) -> String {
    let (value, unit) = if bytes_per_second >= 1e9 {
        (bytes_per_second / 1e9, "GB/s")
    } else if bytes_per_second >= 1e6 {
        (bytes_per_second / 1e6, "MB/s")
    } else if bytes_per_second >= 1e3 {
        (bytes_per_second / 1e3, "kB/s")
    } else {
        (bytes_per_second, "B/s")
    };
    format!("{} {unit}", three_digits(value))
}

/// `value` with three significant digits (`3.40`, `27.6`, `812`).
///
/// ```
/// assert_eq!(rhpc::display::units::three_digits(3.4), "3.40");
/// assert_eq!(rhpc::display::units::three_digits(812.3), "812");
/// ```
pub fn three_digits(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_their_unit() {
        assert_eq!(format_seconds(8.12e-7), "812 ns");
        assert_eq!(format_seconds(0.0), "0.00 s");
        assert_eq!(format_seconds(-0.002), "-2.00 ms");
        assert_eq!(format_seconds(0.99999e-3), "1.00 ms");
        assert_eq!(format_seconds(59.9999), "1 min 00 s");
    }

    #[test]
    fn bytes_and_rates() {
        assert_eq!(format_bytes(1536.0), "1.50 KiB");
        assert_eq!(format_rate(950.0), "950 B/s");
        assert_eq!(format_rate(2.5e6), "2.50 MB/s");
    }
}
