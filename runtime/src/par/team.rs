//! A pool's team: the pool's threads working through the blocks of one call after another
//! without a wake-up per call, and a caller that waits without going to sleep.
//!
//! Why not rayon's `broadcast` alone: each call of it from outside the pool puts the caller to
//! sleep and, when the threads have parked, wakes them. On a virtual machine a sleeping CPU
//! must be scheduled again by the hypervisor before it runs anything. Measured on this
//! project's 2-vCPU machine (matrix multiply, n = 256, about 500 µs of work per thread): the
//! first block started 70 to 130 µs after the call, and the caller ran again 30 to 50 µs after
//! the last block ended, a quarter of the call. OpenMP, and so Numba's `prange`, avoids both:
//! its threads spin for a while after a parallel region, and the master waits by spinning.
//! The team does the same:
//!
//! - a call posts its job and takes blocks itself, one at a time from a shared counter, as
//!   do the pool's threads attending the team (so a thread the host slows down takes fewer),
//!   all but the thread bound to the caller's CPU: the caller works in its place, so a call
//!   still runs on as many threads as the pool has, one per CPU;
//! - when no block is left, the caller waits for the others by yielding its CPU (it sleeps
//!   only when that lasts longer than [`CALLER_SPIN`]), and attending threads look for the
//!   next job, yielding between looks, for up to [`SPIN`] before they go back to the pool;
//! - threads not attending are enlisted through rayon (`spawn_broadcast`), which wakes them:
//!   the first call of a burst pays one wake-up, the calls after it none;
//! - other work for the pool ([`announce`](Team::announce), called whenever the pool is
//!   looked up for `install` or a parallel iterator) sends attending threads back to rayon
//!   at once.
//!
//! The environment variable `RHPC_POOL_SPIN_US` sets another [`SPIN`] (0: threads go back to
//! the pool as soon as a job is done, as with plain rayon), as `GOMP_SPINCOUNT` does for
//! OpenMP.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use rayon::ThreadPool;

use crate::interrupt::Interrupted;
// Every update under the team's locks is a single assignment.
use crate::poison::lock;

/// How long threads stay attending after their last block: several times the gap between
/// back-to-back calls of a timing loop, short enough to cost nothing a person would notice.
pub(crate) const SPIN: Duration = Duration::from_micros(300);

/// How long a caller waits by yielding before it sleeps until the job is done. Waking it
/// costs tens of microseconds, nothing against a job this long.
pub(crate) const CALLER_SPIN: Duration = Duration::from_millis(2);

/// The work of one call: run block `index` for every index below the job's block count.
pub(crate) type Task<'a> = dyn Fn(usize) -> Result<(), Interrupted> + Sync + 'a;

/// [`SPIN`], or what `RHPC_POOL_SPIN_US` says.
fn spin_from_env() -> Duration {
    std::env::var("RHPC_POOL_SPIN_US")
        .ok()
        .and_then(|us| us.trim().parse().ok())
        .map_or(SPIN, Duration::from_micros)
}

/// One call's blocks and how far they have got.
struct Job {
    /// The call's task, its lifetime erased. Dereferenced only for a block claimed below the
    /// block count, and the call does not return before every such block has finished (see
    /// [`Team::run`]), so it always points to a live task.
    task: *const Task<'static>,
    blocks: usize,
    /// The next block to claim; values past `blocks` mean none is left.
    next: AtomicUsize,
    /// The pool thread that must not take blocks: the caller works in its place.
    stand_in_for: usize,
    finished: AtomicUsize,
    interrupted: AtomicBool,
    /// The first panic of a block, raised again in the caller.
    panic: Mutex<Option<Box<dyn Any + Send>>>,
    /// Whether every block has finished, for a caller that sleeps.
    done: Mutex<bool>,
    wake: Condvar,
}

// SAFETY: `task` points to a `Sync` closure (shared use from any thread is sound) that lives
// as long as it is used (see the field's comment); every other field is Send and Sync.
unsafe impl Send for Job {}
// SAFETY: as for Send.
unsafe impl Sync for Job {}

impl Job {
    /// Claims and runs blocks until none is left.
    fn work(&self) {
        loop {
            let index = self.next.fetch_add(1, Ordering::AcqRel);
            if index >= self.blocks {
                return;
            }
            // SAFETY: this thread alone claimed `index`, which is below `blocks`, and the
            // call waits until `finished` counts it, so the task is alive (see `task`).
            let task = unsafe { &*self.task };
            match catch_unwind(AssertUnwindSafe(|| task(index))) {
                Ok(Ok(())) => {}
                Ok(Err(Interrupted)) => self.interrupted.store(true, Ordering::Release),
                Err(payload) => {
                    lock(&self.panic).get_or_insert(payload);
                }
            }
            if self.finished.fetch_add(1, Ordering::AcqRel) + 1 == self.blocks {
                *lock(&self.done) = true;
                self.wake.notify_all();
            }
        }
    }

    fn has_blocks_left(&self) -> bool {
        self.next.load(Ordering::SeqCst) < self.blocks
    }

    fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire) == self.blocks
    }

    /// Waits until every block has finished: yielding for up to [`CALLER_SPIN`], then
    /// asleep. While yielding, enlists threads once more (unless `enlisted` already) if too
    /// few are attending while blocks remain: they may have left just as the job was posted.
    fn wait(&self, team: &Arc<Team>, pool: &ThreadPool, mut enlisted: bool) {
        let start = Instant::now();
        while !self.is_finished() {
            if start.elapsed() >= CALLER_SPIN {
                let mut done = lock(&self.done);
                while !*done {
                    done = self.wake.wait(done).unwrap_or_else(PoisonError::into_inner);
                }
                return;
            }
            if !enlisted
                && self.has_blocks_left()
                && team.attending.load(Ordering::SeqCst) < team.helpers()
            {
                team.enlist(pool);
                enlisted = true;
            }
            std::thread::yield_now();
        }
    }
}

/// The team of one pool: the job being worked on and who attends to it.
pub(crate) struct Team {
    threads: usize,
    /// The CPU each pool thread is bound to, by thread index (empty when unbound).
    cpus: Vec<usize>,
    job: Mutex<Option<Arc<Job>>>,
    /// Bumped after each job is posted, so attending threads notice without locking.
    posted: AtomicU64,
    /// Bumped when other work for the pool is coming: attending threads go back to it.
    work_coming: AtomicU64,
    /// Threads attending or enlisted to: a hint for when to enlist more.
    attending: AtomicUsize,
    /// Held by the call using the team; a second call at the same time goes through rayon.
    caller: Mutex<()>,
    spin: Duration,
}

impl Team {
    /// The team of a pool of `threads` threads, thread i bound to `cpus[i]` (or unbound if
    /// `cpus` is empty), attending for [`SPIN`] (or `RHPC_POOL_SPIN_US`) after each job.
    pub(crate) fn new(threads: usize, cpus: Vec<usize>) -> Team {
        Team::attending_for(threads, cpus, spin_from_env())
    }

    fn attending_for(threads: usize, cpus: Vec<usize>, spin: Duration) -> Team {
        Team {
            threads,
            cpus,
            job: Mutex::new(None),
            posted: AtomicU64::new(0),
            work_coming: AtomicU64::new(0),
            attending: AtomicUsize::new(0),
            caller: Mutex::new(()),
            spin,
        }
    }

    /// Tells attending threads that other work for the pool is coming: they go back to it
    /// as soon as they have no block to run.
    pub(crate) fn announce(&self) {
        self.work_coming.fetch_add(1, Ordering::AcqRel);
    }

    /// Runs `task` on blocks `0..blocks` on the threads of `pool`, whose team this is, and
    /// returns once all have finished: `Err` if any was interrupted; a block's panic is raised
    /// again here. Returns `None`, running nothing, while another call is using the team.
    pub(crate) fn run(
        self: &Arc<Self>,
        pool: &ThreadPool,
        blocks: usize,
        task: &Task<'_>,
    ) -> Option<Result<(), Interrupted>> {
        let _turn = match self.caller.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        // SAFETY: only the lifetime changes. The pointer is used by `Job::work` for claimed
        // blocks alone, and `wait` below, which cannot panic or return early, returns only
        // once every claimed block has finished; after that no block is left to claim.
        let task = unsafe { std::mem::transmute::<*const Task<'_>, *const Task<'static>>(task) };
        let job = Arc::new(Job {
            task,
            blocks,
            next: AtomicUsize::new(0),
            stand_in_for: self.thread_on_callers_cpu(),
            finished: AtomicUsize::new(0),
            interrupted: AtomicBool::new(false),
            panic: Mutex::new(None),
            done: Mutex::new(blocks == 0),
            wake: Condvar::new(),
        });
        *lock(&self.job) = Some(Arc::clone(&job));
        self.posted.fetch_add(1, Ordering::SeqCst);
        let enlisted = self.attending.load(Ordering::SeqCst) < self.helpers();
        if enlisted {
            self.enlist(pool);
        }
        job.work();
        job.wait(self, pool, enlisted);
        lock(&self.job).take();
        if let Some(payload) = lock(&job.panic).take() {
            resume_unwind(payload);
        }
        Some(if job.interrupted.load(Ordering::Acquire) {
            Err(Interrupted)
        } else {
            Ok(())
        })
    }

    /// How many pool threads work beside the caller: all but the one it stands in for.
    fn helpers(&self) -> usize {
        self.threads.saturating_sub(1)
    }

    /// The pool thread bound to the CPU the caller runs on, or else the last: the one the
    /// caller stands in for.
    fn thread_on_callers_cpu(&self) -> usize {
        // SAFETY: sched_getcpu has no preconditions; it returns -1 on failure.
        let cpu = usize::try_from(unsafe { libc::sched_getcpu() }).ok();
        cpu.and_then(|cpu| self.cpus.iter().position(|&bound| bound == cpu))
            .unwrap_or(self.threads.saturating_sub(1))
    }

    /// Sends every thread of `pool` to attend the team (those already attending find a
    /// second turn queued, which ends at once if no job comes).
    fn enlist(self: &Arc<Self>, pool: &ThreadPool) {
        self.attending.fetch_add(self.threads, Ordering::SeqCst);
        // Work announced from now on sends the threads back, even before they arrive.
        let called_away = self.work_coming.load(Ordering::Acquire);
        let team = Arc::clone(self);
        pool.spawn_broadcast(move |_| team.attend(called_away));
    }

    /// The job posted, if any.
    fn current(&self) -> Option<Arc<Job>> {
        lock(&self.job).clone()
    }

    /// Whether the calling thread may take blocks of `job`: every pool thread but the one
    /// the caller stands in for.
    fn may_work(job: &Job) -> bool {
        rayon::current_thread_index() != Some(job.stand_in_for)
    }

    /// One thread's turn: runs the blocks of each job posted, yielding between looks, until
    /// no job has come for the team's spin time, other work has come for the pool since the
    /// work count was `called_away`, or a job comes whose caller stands in for this thread.
    fn attend(&self, called_away: u64) {
        let mut seen = None;
        let mut idle_since = Instant::now();
        loop {
            let posted = self.posted.load(Ordering::SeqCst);
            if seen != Some(posted) {
                seen = Some(posted);
                match self.current() {
                    // The caller works on this thread's CPU in its place: yielding here would
                    // take turns on that CPU from the caller (measured: calls 40% slower).
                    Some(job) if !Team::may_work(&job) => {
                        self.attending.fetch_sub(1, Ordering::SeqCst);
                        return;
                    }
                    Some(job) => job.work(),
                    None => {}
                }
                idle_since = Instant::now();
            }
            let leave = self.work_coming.load(Ordering::Acquire) != called_away
                || idle_since.elapsed() >= self.spin;
            if leave {
                self.attending.fetch_sub(1, Ordering::SeqCst);
                // A job posted while this thread was leaving may have seen it attending and
                // not enlisted anyone: look once more (the caller's check and this one are
                // ordered by SeqCst, so one of the two sees the other). A job this thread
                // has seen has no block left for it, so this goes round at most once per job.
                match self.current() {
                    Some(job) if job.has_blocks_left() && Team::may_work(&job) => {
                        self.attending.fetch_add(1, Ordering::SeqCst);
                        continue;
                    }
                    _ => return,
                }
            }
            std::thread::yield_now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(threads: usize) -> ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a small pool starts")
    }

    /// Waits up to ten seconds for `done`.
    fn eventually(done: impl Fn() -> bool) -> bool {
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if done() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        done()
    }

    /// Runs eight blocks of `each` long on the team; returns how many the pool's threads ran.
    fn blocks_run_by_the_pool(pool: &ThreadPool, team: &Arc<Team>, each: Duration) -> usize {
        let on_pool = AtomicUsize::new(0);
        let task = |_| {
            if rayon::current_thread_index().is_some() {
                on_pool.fetch_add(1, Ordering::SeqCst);
            }
            std::thread::sleep(each);
            Ok(())
        };
        assert_eq!(team.run(pool, 8, &task), Some(Ok(())));
        on_pool.load(Ordering::SeqCst)
    }

    #[test]
    fn every_block_runs_once_on_the_caller_or_the_pools_threads() {
        let (pool, team) = (pool(2), Arc::new(Team::new(2, Vec::new())));
        for blocks in [0, 1, 2, 7, 64] {
            let runs: Vec<AtomicUsize> = (0..blocks).map(|_| AtomicUsize::new(0)).collect();
            let task = |index: usize| {
                runs[index].fetch_add(1, Ordering::SeqCst);
                Ok(())
            };
            assert_eq!(team.run(&pool, blocks, &task), Some(Ok(())));
            assert!(runs.iter().all(|r| r.load(Ordering::SeqCst) == 1));
        }
        // Blocks long enough that the pool's threads arrive while some are left: the caller
        // does not run them all.
        assert!(blocks_run_by_the_pool(&pool, &team, Duration::from_millis(20)) > 0);
    }

    #[test]
    fn interrupts_and_panics_reach_the_caller_after_every_block() {
        let (pool, team) = (pool(2), Arc::new(Team::new(2, Vec::new())));
        let finished = AtomicUsize::new(0);
        let interrupted = |index: usize| {
            finished.fetch_add(1, Ordering::SeqCst);
            if index == 3 { Err(Interrupted) } else { Ok(()) }
        };
        assert_eq!(team.run(&pool, 8, &interrupted), Some(Err(Interrupted)));
        assert_eq!(finished.load(Ordering::SeqCst), 8);

        let panicking = |index: usize| {
            assert_ne!(index, 5, "block five fails");
            Ok(())
        };
        let caught = catch_unwind(AssertUnwindSafe(|| team.run(&pool, 8, &panicking)));
        let message = caught
            .err()
            .and_then(|payload| payload.downcast_ref::<String>().cloned());
        assert!(message.is_some_and(|m| m.contains("block five fails")));
        // The team still works afterwards.
        assert_eq!(team.run(&pool, 4, &|_| Ok(())), Some(Ok(())));
    }

    #[test]
    fn threads_attend_until_other_work_comes_or_the_spin_ends() {
        let pool = pool(2);
        // A spin far longer than the test waits: only the announcement can end it.
        let team = Arc::new(Team::attending_for(2, Vec::new(), Duration::from_secs(600)));
        assert_eq!(team.run(&pool, 2, &|_| Ok(())), Some(Ok(())));
        let attending = || team.attending.load(Ordering::SeqCst);
        // Thread 0 attends; thread 1, which the caller stood in for, may have left already.
        assert!(eventually(|| attending() >= 1));
        team.announce();
        assert!(eventually(|| attending() == 0));
        assert_eq!(pool.install(|| 1 + 1), 2);

        let short = Arc::new(Team::attending_for(2, Vec::new(), Duration::from_millis(1)));
        assert_eq!(short.run(&pool, 2, &|_| Ok(())), Some(Ok(())));
        assert!(eventually(|| short.attending.load(Ordering::SeqCst) == 0));
    }

    #[test]
    fn the_caller_works_in_place_of_one_pool_thread() {
        // A pool of one thread: the caller is that thread, so the pool runs no block.
        let (pool, team) = (pool(1), Arc::new(Team::new(1, Vec::new())));
        assert_eq!(
            blocks_run_by_the_pool(&pool, &team, Duration::from_millis(2)),
            0
        );
    }

    #[test]
    fn a_second_caller_at_the_same_time_is_turned_away() {
        let (pool, team) = (pool(1), Arc::new(Team::new(1, Vec::new())));
        let turned_away = AtomicBool::new(false);
        let inner = |_| {
            turned_away.store(team.run(&pool, 1, &|_| Ok(())).is_none(), Ordering::SeqCst);
            Ok(())
        };
        assert_eq!(team.run(&pool, 1, &inner), Some(Ok(())));
        assert!(turned_away.load(Ordering::SeqCst));
    }
}
