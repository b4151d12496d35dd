//! Thread pools by size: [`with_threads`] runs work on n threads, [`set_threads`] sizes the
//! pool the whole session uses, [`install`] runs work on that pool.
//!
//! Pools are cached per thread count, so a notebook that calls `with_threads(4, ..)` in every
//! cell reuses one pool of 4 threads instead of starting new threads each time, and the cache
//! holds at most [`MAX_CACHED_POOLS`] pools (least recently used goes first): the threads a
//! session owns stay bounded however many sizes a scaling study tries.
//!
//! The cache and the session size are process-wide statics. That is deliberate and safe here:
//! under rhpc-kernel every cell links the one shared rhpc library (see the crate docs), so
//! there is one cache per kernel session, not one per cell.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use rayon::{ThreadPool, ThreadPoolBuilder};

use super::ParError;
use super::team::Team;
use crate::interrupt::Interrupted;
use crate::poison::lock;

/// The most pools kept alive at once; asking for another size drops the least recently used.
pub const MAX_CACHED_POOLS: usize = 6;

/// The most threads one pool may have: enough to study oversubscription on any machine,
/// few enough that a typo (`with_threads(40000, ..)`) fails cleanly instead of exhausting
/// the process.
pub const MAX_THREADS: usize = 512;

/// A cached pool: its size, the pool, and its team (see `team`).
type Cached = (usize, Arc<ThreadPool>, Arc<Team>);

/// Cached pools, most recently used last.
static POOLS: Mutex<Vec<Cached>> = Mutex::new(Vec::new());

/// The session's thread count; 0 means "not set": use every core.
static SESSION_THREADS: AtomicUsize = AtomicUsize::new(0);

/// The number of cores this process may use (`available_parallelism`, which honours CPU
/// affinity and cgroup limits), at least 1, as found the first time it is asked.
///
/// Found once because std reads the cgroup's quota files on every query: 40 µs each, measured
/// here, paid twice per parallel call when it was asked each time (a matrix multiply at
/// n = 256 then spent 80 µs of its 700 before any thread started).
///
/// ```
/// assert!(rhpc::par::cores() >= 1);
/// assert_eq!(rhpc::par::cores(), rhpc::par::cores());
/// ```
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The number of threads parallel iterators use here: the size of the pool this code runs
/// in, or of rayon's global pool outside any.
///
/// ```
/// let inside = rhpc::par::with_threads(3, rhpc::par::current_num_threads)?;
/// assert_eq!(inside, 3);
/// # Ok::<(), rhpc::par::ParError>(())
/// ```
pub fn current_num_threads() -> usize {
    rayon::current_num_threads()
}

fn validate(threads: usize) -> Result<(), ParError> {
    if threads == 0 {
        return Err(ParError::NoThreads);
    }
    if threads > MAX_THREADS {
        return Err(ParError::TooManyThreads {
            requested: threads,
            limit: MAX_THREADS,
        });
    }
    Ok(())
}

fn lock_pools() -> MutexGuard<'static, Vec<Cached>> {
    // A panic while holding the lock cannot leave the list inconsistent (every update is a
    // single push or remove), so a poisoned lock is still usable.
    lock(&POOLS)
}

/// The pool of `threads` threads, from the cache or newly started.
///
/// ```
/// let pool = rhpc::par::pool(2)?;
/// assert_eq!(pool.current_num_threads(), 2);
/// // The same size gives the same pool.
/// assert!(std::sync::Arc::ptr_eq(&pool, &rhpc::par::pool(2)?));
/// # Ok::<(), rhpc::par::ParError>(())
/// ```
pub fn pool(threads: usize) -> Result<Arc<ThreadPool>, ParError> {
    let (pool, team) = cached_pool(threads)?;
    // Work for the pool is coming: threads attending its team go back to it at once.
    team.announce();
    Ok(pool)
}

/// The pool of `threads` threads and its team, from the cache or newly started.
fn cached_pool(threads: usize) -> Result<(Arc<ThreadPool>, Arc<Team>), ParError> {
    validate(threads)?;
    let mut pools = lock_pools();
    if let Some(index) = pools.iter().position(|(size, ..)| *size == threads) {
        let entry = pools.remove(index);
        let found = (Arc::clone(&entry.1), Arc::clone(&entry.2));
        pools.push(entry);
        return Ok(found);
    }
    let cpus = allowed_cpus();
    // Thread i is bound to CPU bound_to[i]: round robin over the CPUs this process may use.
    let bound_to: Vec<usize> = cpus.iter().copied().cycle().take(threads).collect();
    let binding = bound_to.clone();
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(move |index| format!("rhpc-{threads}-{index}"))
        .start_handler(move |index| bind_to(binding.get(index).copied()))
        .build()
        .map_err(|source| ParError::Pool { threads, source })?;
    let (pool, team) = (Arc::new(pool), Arc::new(Team::new(threads, bound_to)));
    pools.push((threads, Arc::clone(&pool), Arc::clone(&team)));
    // Dropping the last handle to an evicted pool stops its threads once their work is done.
    while pools.len() > MAX_CACHED_POOLS {
        pools.remove(0);
    }
    Ok((pool, team))
}

/// The CPUs this process may run on, in order.
fn allowed_cpus() -> Vec<usize> {
    // SAFETY: sched_getaffinity writes at most size_of::<cpu_set_t>() bytes into the set.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&cpu| libc::CPU_ISSET(cpu, &set))
            .collect()
    }
}

/// Binds the calling thread to `cpu`, if any.
///
/// Why: on a virtual machine the scheduler often wakes a pool thread on the CPU of the
/// thread that woke it, and the two then share one core for milliseconds until the load
/// balancer moves one: measured here, two threads each spinning 100 µs took 191 µs. Bound
/// threads, as `OMP_PROC_BIND` does for OpenMP, always start on their own core.
fn bind_to(cpu: Option<usize>) {
    let Some(cpu) = cpu else {
        return;
    };
    // SAFETY: the set is a plain bitmask initialised by CPU_ZERO/CPU_SET; failure is harmless
    // (the thread stays unbound).
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

/// The thread counts of the pools cached now, least recently used first.
///
/// ```
/// rhpc::par::pool(1)?;
/// assert!(rhpc::par::cached_pools().contains(&1));
/// assert!(rhpc::par::cached_pools().len() <= rhpc::par::MAX_CACHED_POOLS);
/// # Ok::<(), rhpc::par::ParError>(())
/// ```
pub fn cached_pools() -> Vec<usize> {
    lock_pools().iter().map(|(size, ..)| *size).collect()
}

/// Runs `work` on a pool of `threads` threads: parallel iterators inside it use exactly that
/// many threads. Returns what `work` returns.
///
/// ```
/// use rhpc::par::*;
///
/// let sum: u64 = with_threads(2, || (0..1_000u64).into_par_iter().sum())?;
/// assert_eq!(sum, 499_500);
/// assert!(with_threads(0, || ()).is_err());
/// # Ok::<(), ParError>(())
/// ```
pub fn with_threads<R, F>(threads: usize, work: F) -> Result<R, ParError>
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    Ok(pool(threads)?.install(work))
}

/// Sets the number of threads the session works with: [`install`] and rhpc's own parallel
/// helpers (matrix multiply, bandwidth, the default of scaling studies) use a pool of this
/// size from now on. The kernel's `:threads N` command calls it.
///
/// Plain parallel iterators outside [`install`] run on rayon's global pool, which is sized
/// once, when first used (by the `RAYON_NUM_THREADS` environment variable, or every core),
/// and cannot change afterwards; wrap code in [`install`] or [`with_threads`] to use another
/// size.
///
/// ```
/// rhpc::par::set_threads(2)?;
/// assert_eq!(rhpc::par::threads(), 2);
/// assert_eq!(rhpc::par::install(rhpc::par::current_num_threads)?, 2);
/// assert!(rhpc::par::set_threads(0).is_err());
/// rhpc::par::reset_threads();
/// # Ok::<(), rhpc::par::ParError>(())
/// ```
pub fn set_threads(threads: usize) -> Result<(), ParError> {
    // Start the pool now, so an impossible size fails here rather than in a later cell.
    pool(threads)?;
    SESSION_THREADS.store(threads, Ordering::SeqCst);
    Ok(())
}

/// Goes back to the default session size: every core.
///
/// ```
/// rhpc::par::reset_threads();
/// assert_eq!(rhpc::par::threads(), rhpc::par::cores());
/// ```
pub fn reset_threads() {
    SESSION_THREADS.store(0, Ordering::SeqCst);
}

/// The session's thread count: what [`set_threads`] set, or the number of [`cores`].
///
/// ```
/// assert!(rhpc::par::threads() >= 1);
/// ```
pub fn threads() -> usize {
    match SESSION_THREADS.load(Ordering::SeqCst) {
        0 => cores(),
        set => set,
    }
}

/// Runs `work` on the session's pool ([`threads`] threads); code already running inside a
/// pool (in [`with_threads`], or a parallel iterator's task) stays on that pool, so helpers
/// built on `install` follow the thread count their caller chose.
///
/// ```
/// use rhpc::par::*;
///
/// let squares: Vec<u32> = install(|| (0..4u32).into_par_iter().map(|x| x * x).collect())?;
/// assert_eq!(squares, [0, 1, 4, 9]);
/// assert_eq!(with_threads(3, || install(current_num_threads))??, 3);
/// # Ok::<(), ParError>(())
/// ```
pub fn install<R, F>(work: F) -> Result<R, ParError>
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    if rayon::current_thread_index().is_some() {
        return Ok(work());
    }
    with_threads(threads(), work)
}

/// The number of threads [`for_each_block`] will use from here: the current pool's inside
/// one, the session's outside.
pub(crate) fn block_threads() -> usize {
    if rayon::current_thread_index().is_some() {
        current_num_threads()
    } else {
        threads()
    }
}

/// Runs `task` on every block in parallel, and fails if any task was interrupted.
///
/// Called from outside any pool (a notebook cell, `main`), the blocks go to the session
/// pool's team (see `team`): the caller and the pool's threads claim them one at a time, so
/// work split into more blocks than threads (such as matmul's guided schedule) lets a thread
/// the host slows down take fewer, and threads still attending from the previous call start
/// at once. Called from inside a pool, or while another call has the team, they go out by
/// rayon's `broadcast`, which gives thread i of the pool blocks i, i + threads, ... (A
/// parallel iterator would wake one thread, which wakes the next when it splits the work: on
/// a virtual machine each wake-up costs 20 to 40 µs, and the chain showed as 80 µs per call.)
pub(crate) fn for_each_block<B, F>(blocks: Vec<B>, task: F) -> Result<(), ParError>
where
    B: Send,
    F: Fn(B) -> Result<(), Interrupted> + Sync,
{
    if blocks.len() <= 1 {
        // One block runs where it is: handing it to the pool would only add a wake-up, and
        // inside a pool would send it to thread 0 (the serial products of a parallel loop
        // would then all queue there).
        blocks.into_iter().try_for_each(&task)?;
        return Ok(());
    }
    let slots: Vec<Mutex<Option<B>>> = blocks.into_iter().map(|b| Mutex::new(Some(b))).collect();
    let run_block = |index: usize| -> Result<(), Interrupted> {
        // Each slot is taken by exactly one thread; a poisoned lock only means another block
        // panicked, and that panic reaches the caller anyway.
        let block = lock(&slots[index]).take();
        block.map_or(Ok(()), &task)
    };
    let broadcast = |context: rayon::BroadcastContext<'_>| -> Result<(), Interrupted> {
        (context.index()..slots.len())
            .step_by(context.num_threads())
            .try_for_each(run_block)
    };
    let results = if rayon::current_thread_index().is_some() {
        rayon::broadcast(broadcast)
    } else {
        let (pool, team) = cached_pool(threads())?;
        if let Some(result) = team.run(&pool, slots.len(), &run_block) {
            return Ok(result?);
        }
        // Another call has the team: its threads come back to rayon once that call's job
        // is done instead of waiting for more.
        team.announce();
        pool.broadcast(broadcast)
    };
    results.into_iter().collect::<Result<(), Interrupted>>()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_stays_bounded_and_reuses_pools() {
        for size in 1..=MAX_CACHED_POOLS + 4 {
            assert_eq!(with_threads(size, current_num_threads).ok(), Some(size));
        }
        assert!(cached_pools().len() <= MAX_CACHED_POOLS);
        let again = pool(3).ok();
        let same = pool(3).ok();
        assert!(matches!((again, same), (Some(a), Some(b)) if Arc::ptr_eq(&a, &b)));
    }

    #[test]
    fn blocks_all_run_inside_and_outside_pools() {
        let done = AtomicUsize::new(0);
        let task = |n: usize| {
            done.fetch_add(n, Ordering::SeqCst);
            Ok(())
        };
        assert!(for_each_block(vec![1, 2, 3], task).is_ok());
        assert!(with_threads(2, || for_each_block(vec![10, 20], task)).is_ok_and(|r| r.is_ok()));
        assert_eq!(done.load(Ordering::SeqCst), 36);
        assert!(matches!(
            for_each_block(vec![1, 2], |n| if n == 2 {
                Err(Interrupted)
            } else {
                Ok(())
            }),
            Err(ParError::Interrupted(_))
        ));
    }

    #[test]
    fn a_single_block_runs_on_the_calling_thread() {
        let caller = with_threads(2, || {
            let here = rayon::current_thread_index();
            let ran_on = Mutex::new(None);
            let done = for_each_block(vec![()], |()| {
                *ran_on.lock().expect("no panics") = Some(rayon::current_thread_index());
                Ok(())
            });
            (here, done.is_ok(), ran_on.into_inner().expect("no panics"))
        });
        assert!(matches!(caller, Ok((here, true, Some(there))) if here == there));
    }

    #[test]
    fn sizes_are_validated() {
        assert!(matches!(pool(0), Err(ParError::NoThreads)));
        assert!(matches!(
            pool(MAX_THREADS + 1),
            Err(ParError::TooManyThreads { .. })
        ));
    }
}
