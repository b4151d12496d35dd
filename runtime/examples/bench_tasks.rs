//! Benchmark of `rhpc::tasks` (run by `make bench-tasks`, beside Dask's bench/bench_tasks.py).
//!
//! 1. Overhead per task: a tree reduction of 20,000 `inc` leaves summed pairwise by `add`
//!    (39,999 tasks), built with `delayed!` and computed by the synchronous scheduler and
//!    the threads scheduler, and the same tree submitted as futures to a client.
//! 2. Parallel speed-up: 64 independent tasks of 5 ms each (sleeping, and spinning on the
//!    CPU) on as many workers as cores, against running them one after another.
//!
//! Prints a table, and with `--json FILE` writes the figures for the comparison script.

use std::time::{Duration, Instant};

use rhpc::delayed;
use rhpc::tasks::{Client, Compute, Delayed, Future, Synchronous, TaskError, Threads};

const LEAVES: u64 = 20_000;
const REPEATS: usize = 7;
const SMALL_TASKS: usize = 64;
const SMALL_TASK: Duration = Duration::from_millis(5);

fn inc(x: u64) -> u64 {
    x + 1
}

fn add(a: u64, b: u64) -> u64 {
    a + b
}

/// Pairs neighbours until one value is left (an odd one out moves up a level).
fn reduce<T: Clone>(mut level: Vec<T>, mut pair: impl FnMut(&T, &T) -> T) -> T {
    while level.len() > 1 {
        let mut next: Vec<T> = level.chunks_exact(2).map(|p| pair(&p[0], &p[1])).collect();
        if level.len() % 2 == 1 {
            next.extend(level.last().cloned());
        }
        level = next;
    }
    level.remove(0)
}

fn tree() -> Delayed<u64> {
    let leaves: Vec<Delayed<u64>> = (0..LEAVES).map(|i| delayed!(inc(i))).collect();
    reduce(leaves, |a, b| delayed!(add(a, b)))
}

/// The answer every run must give: the sum of 1..=LEAVES.
fn expected() -> u64 {
    LEAVES * (LEAVES + 1) / 2
}

/// The median and the best of `REPEATS` timings of `run`, in seconds.
fn measure(mut run: impl FnMut() -> Result<(), TaskError>) -> Result<(f64, f64), TaskError> {
    let mut times = Vec::new();
    for _ in 0..REPEATS {
        let start = Instant::now();
        run()?;
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times[0]))
}

fn check(value: u64) -> Result<(), TaskError> {
    if value == expected() {
        Ok(())
    } else {
        Err(TaskError::Scheduler(format!("wrong sum {value}")))
    }
}

fn futures_tree(client: &Client) -> Result<u64, TaskError> {
    let leaves: Vec<Future<u64>> = client.map(inc, 0..LEAVES);
    reduce(leaves, |a, b| client.submit(add, (a, b))).result()
}

fn small_tasks(spin: bool) -> Vec<Delayed<()>> {
    (0..SMALL_TASKS)
        .map(|i| {
            Delayed::new(i).then(if spin { "spin" } else { "sleep" }, move |_| {
                if spin {
                    let start = Instant::now();
                    while start.elapsed() < SMALL_TASK {
                        std::hint::spin_loop();
                    }
                } else {
                    std::thread::sleep(SMALL_TASK);
                }
            })
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let json_path = std::env::args().skip_while(|a| a != "--json").nth(1);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let tasks = tree().graph().len();
    let per_task = |seconds: f64| seconds / tasks as f64;

    let (build, _) = measure(|| {
        std::hint::black_box(tree());
        Ok(())
    })?;
    let total = tree();
    let (sync, _) = measure(|| check(total.compute_with(&Synchronous)?))?;
    let threads = Threads::new(cores)?;
    let (threaded, _) = measure(|| check(total.compute_with(&threads)?))?;
    let client = Client::with_workers(cores)?;
    let (futures, _) = measure(|| check(futures_tree(&client)?))?;

    let mut speedups = Vec::new();
    for spin in [false, true] {
        let work = small_tasks(spin);
        let (one, _) = measure(|| Compute::with(Synchronous).run(&work).map(drop))?;
        let (many, _) = measure(|| Compute::with_borrowed(&threads).run(&work).map(drop))?;
        speedups.push((one, many, one / many));
    }

    println!(
        "rhpc::tasks on {cores} cores: tree reduction of {LEAVES} leaves ({tasks} tasks), medians of {REPEATS}"
    );
    println!("| measure | per task |");
    println!("|---|---|");
    println!(
        "| build the graph (`delayed!`) | {:.3} µs |",
        per_task(build) * 1e6
    );
    println!("| compute, synchronous | {:.3} µs |", per_task(sync) * 1e6);
    println!("| compute, threads | {:.3} µs |", per_task(threaded) * 1e6);
    println!(
        "| futures (`map` + `submit`) | {:.3} µs |",
        per_task(futures) * 1e6
    );
    for (name, (one, many, speedup)) in ["sleep", "spin"].iter().zip(&speedups) {
        println!(
            "| {SMALL_TASKS} × 5 ms {name}: {:.1} ms alone, {:.1} ms on {cores} workers | {speedup:.2}x |",
            one * 1e3,
            many * 1e3
        );
    }
    if let Some(path) = json_path {
        let json = serde_json::json!({
            "cores": cores,
            "tasks": tasks,
            "build_per_task": per_task(build),
            "sync_per_task": per_task(sync),
            "threads_per_task": per_task(threaded),
            "futures_per_task": per_task(futures),
            "sleep_speedup": speedups[0].2,
            "spin_speedup": speedups[1].2,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&json)?)?;
    }
    Ok(())
}
