//! Keeping a pool's threads awake between back-to-back parallel calls.
//!
//! rayon parks a thread that finds no work after a few rounds of looking. Waking a parked
//! thread is cheap on bare metal, but on a virtual machine its CPU has gone idle and the
//! hypervisor must schedule it again: measured here, the blocks of a parallel matrix
//! multiply started 52 to 130 µs (median 90 µs) after the call, 15% of a 600 µs product at
//! n = 256. OpenMP, and so Numba's `prange`, keeps its threads spinning for a while after a
//! parallel region instead. After each block-parallel call rhpc does the same with the pool's
//! own threads: each runs a short job that yields its CPU in a loop for up to [`SPIN`], and
//! returns at once when anyone asks the pool for work again ([`Awake::announce`]), so the
//! next call finds its threads running.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::ThreadPool;

/// How long threads stay awake after a call: several times the gap between back-to-back
/// calls of a timing loop, short enough to cost nothing a person would notice. The
/// environment variable `RHPC_POOL_SPIN_US` sets another (0 turns keeping awake off), as
/// `GOMP_SPINCOUNT` does for OpenMP.
pub(crate) const SPIN: Duration = Duration::from_micros(300);

/// [`SPIN`], or what `RHPC_POOL_SPIN_US` says.
fn spin_from_env() -> Duration {
    std::env::var("RHPC_POOL_SPIN_US")
        .ok()
        .and_then(|us| us.trim().parse().ok())
        .map_or(SPIN, Duration::from_micros)
}

/// One pool's wake-up word, bumped whenever work for the pool is coming, and how many of
/// its threads are being kept awake.
#[derive(Debug)]
pub(crate) struct Awake {
    work_coming: AtomicU64,
    waiting: AtomicUsize,
    spin: Duration,
}

impl Default for Awake {
    fn default() -> Awake {
        Awake::for_at_most(spin_from_env())
    }
}

impl Awake {
    /// Keeps threads awake for at most `spin` after each call.
    fn for_at_most(spin: Duration) -> Awake {
        Awake {
            work_coming: AtomicU64::new(0),
            waiting: AtomicUsize::new(0),
            spin,
        }
    }

    /// Tells threads kept awake that work is coming: they return to the pool at once, free
    /// to take it.
    pub(crate) fn announce(&self) {
        self.work_coming.fetch_add(1, Ordering::AcqRel);
    }

    /// Keeps every thread of `pool` awake for up to [`SPIN`], or until the next
    /// [`announce`](Awake::announce). Returns at once; the waiting runs on the pool.
    pub(crate) fn keep_awake(self: &Arc<Self>, pool: &ThreadPool) {
        if self.spin.is_zero() {
            return;
        }
        let seen = self.work_coming.load(Ordering::Acquire);
        let awake = Arc::clone(self);
        pool.spawn_broadcast(move |_| {
            awake.waiting.fetch_add(1, Ordering::AcqRel);
            let until = Instant::now() + awake.spin;
            // Yielding rather than spinning: a thread of the caller's that shares this CPU
            // (the caller itself, preparing its next call) runs at once.
            while awake.work_coming.load(Ordering::Acquire) == seen && Instant::now() < until {
                std::thread::yield_now();
            }
            awake.waiting.fetch_sub(1, Ordering::AcqRel);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Waits up to `limit` for `done`.
    fn eventually(limit: Duration, done: impl Fn() -> bool) -> bool {
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if done() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        done()
    }

    #[test]
    fn threads_stay_awake_until_work_is_announced_or_the_spin_ends() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        // A spin far longer than the test waits: only the announcement can end it.
        let awake = Arc::new(Awake::for_at_most(Duration::from_secs(600)));
        awake.keep_awake(&pool);
        let waiting = || awake.waiting.load(Ordering::Acquire);
        assert!(eventually(Duration::from_secs(10), || waiting() == 2));
        awake.announce();
        assert!(eventually(Duration::from_secs(10), || waiting() == 0));
        assert_eq!(pool.install(|| 1 + 1), 2);

        let short = Arc::new(Awake::for_at_most(Duration::from_millis(1)));
        short.keep_awake(&pool);
        let waiting = || short.waiting.load(Ordering::Acquire);
        assert!(eventually(Duration::from_secs(10), || waiting() == 0));
    }
}
