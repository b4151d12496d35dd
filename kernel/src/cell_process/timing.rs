//! How long a cell ran: wall-clock and CPU time of its code alone (not its compilation).
//!
//! Measured around the call into the cell's library and sent to the kernel as a
//! [`Record::CellTiming`](crate::bridge::Record::CellTiming), which `:time` reports.
//! CPU time covers every thread of the process, so a parallel cell shows more CPU than wall
//! time, as with IPython's `%%time`.

use std::time::Instant;

use crate::bridge::Record;

/// A point in time, by the wall clock and by the process's CPU accounting.
pub struct Stamp {
    wall: Instant,
    user: f64,
    system: f64,
}

fn seconds(time: libc::timeval) -> f64 {
    time.tv_sec as f64 + time.tv_usec as f64 * 1e-6
}

impl Stamp {
    /// Now.
    pub fn now() -> Stamp {
        // SAFETY: getrusage fills the zeroed struct we pass.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            libc::getrusage(libc::RUSAGE_SELF, &mut usage);
            usage
        };
        Stamp {
            wall: Instant::now(),
            user: seconds(usage.ru_utime),
            system: seconds(usage.ru_stime),
        }
    }

    /// The record of what happened since this stamp, for a cell whose compiled code was
    /// `reused` (the compile time it saved) or compiled for this run (`None`).
    pub fn elapsed(&self, reused: Option<f64>) -> Record {
        let now = Stamp::now();
        Record::CellTiming {
            wall: now.wall.duration_since(self.wall).as_secs_f64(),
            user: (now.user - self.user).max(0.0),
            system: (now.system - self.system).max(0.0),
            reused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_work_shows_cpu_time() {
        let stamp = Stamp::now();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let Record::CellTiming {
            wall,
            user,
            system,
            reused: None,
        } = stamp.elapsed(None)
        else {
            panic!("not a timing record");
        };
        assert!(wall > 0.0 && user + system > 0.0);
    }
}
