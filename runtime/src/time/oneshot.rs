//! [`time`]: IPython's `%time`, one run of a closure with its wall-clock and CPU time.
//!
//! CPU time is the whole process's (all threads, from `getrusage`), as IPython reports it, so
//! parallel code shows more CPU time than wall time: their ratio is the number of cores that
//! were busy on average.

use std::fmt;
use std::time::Instant;

use crate::display::units::format_seconds;
use crate::display::{MimeBundle, Render, escape_html};

/// What [`time`] measured, with the closure's result in [`value`](Timed::value).
///
/// ```
/// let timed = rhpc::time::time(|| 6 * 7);
/// assert_eq!(timed.value, 42);
/// assert!(timed.to_string().starts_with("CPU times: user "));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Timed<T> {
    /// What the closure returned.
    pub value: T,
    /// Elapsed wall-clock seconds.
    pub wall: f64,
    /// CPU seconds in user mode, summed over the process's threads.
    pub user: f64,
    /// CPU seconds in the kernel (system calls, page faults).
    pub system: f64,
}

/// Runs `work` once and measures it, like IPython's `%time`.
///
/// ```
/// use rhpc::time::time;
///
/// let timed = time(|| std::thread::sleep(std::time::Duration::from_millis(5)));
/// assert!(timed.wall >= 0.005);
/// assert!(timed.cpu() < timed.wall); // sleeping uses no CPU
/// ```
pub fn time<T>(work: impl FnOnce() -> T) -> Timed<T> {
    let (user0, system0) = cpu_times();
    let start = Instant::now();
    let value = work();
    let wall = start.elapsed().as_secs_f64();
    let (user1, system1) = cpu_times();
    Timed {
        value,
        wall,
        user: (user1 - user0).max(0.0),
        system: (system1 - system0).max(0.0),
    }
}

impl<T> Timed<T> {
    /// User plus system CPU seconds.
    ///
    /// ```
    /// let timed = rhpc::time::time(|| ());
    /// assert_eq!(timed.cpu(), timed.user + timed.system);
    /// ```
    pub fn cpu(&self) -> f64 {
        self.user + self.system
    }

    /// CPU time over wall time: about the number of cores kept busy.
    ///
    /// ```
    /// let timed = rhpc::time::time(|| (0..1_000_000u64).sum::<u64>());
    /// assert!(timed.busy_cores() >= 0.0);
    /// ```
    pub fn busy_cores(&self) -> f64 {
        if self.wall > 0.0 {
            self.cpu() / self.wall
        } else {
            0.0
        }
    }
}

/// The process's (user, system) CPU seconds so far.
fn cpu_times() -> (f64, f64) {
    // SAFETY: getrusage only writes the struct we pass; zeroed is a valid `rusage`.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return (0.0, 0.0);
        }
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    (seconds(usage.ru_utime), seconds(usage.ru_stime))
}

impl<T> fmt::Display for Timed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CPU times: user {}, sys: {}, total: {}\nWall time: {}",
            format_seconds(self.user),
            format_seconds(self.system),
            format_seconds(self.cpu()),
            format_seconds(self.wall)
        )
    }
}

impl<T> Render for Timed<T> {
    fn render(&self) -> MimeBundle {
        let html = format!(
            "<div class=\"rhpc-timing\">Wall time: <b>{}</b>; CPU times: user {}, sys {}, total \
             {} <span style=\"opacity:0.7\">({:.1} cores busy on average)</span></div>",
            escape_html(&format_seconds(self.wall)),
            format_seconds(self.user),
            format_seconds(self.system),
            format_seconds(self.cpu()),
            self.busy_cores()
        );
        MimeBundle::text(self.to_string()).with("text/html", html)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_work_shows_cpu_time() {
        // Spin (not sleep) for 30 ms: the process's CPU clock must advance. (No upper bound:
        // other tests run on other threads of this process meanwhile.)
        let timed = time(|| {
            let start = Instant::now();
            let mut spins = 0u64;
            while start.elapsed().as_secs_f64() < 0.03 {
                spins = std::hint::black_box(spins + 1);
            }
            spins
        });
        assert!(timed.value > 0);
        assert!(timed.wall >= 0.03);
        assert!(timed.cpu() > 0.0);
        assert!(timed.render().plain_text().contains("Wall time: "));
    }
}
