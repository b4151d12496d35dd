//! `make bench-par`: the course's matrix-multiply table (naive i-k-j, float64) with rhpc's
//! serial, parallel and tiled kernels beside pure Python, Numba and numpy.
//!
//! Two modes:
//! - `bench_par --measure OUT.json [--sizes 64,128]` times the Rust kernels once, the way
//!   `bench/bench_par.py` times the Python ones (autorange to runs of at least 0.1 s, best of
//!   5, the kernels taking turns run by run), and writes the same JSON shape:
//!   `{"times": {"64": {"rhpc_serial": seconds, ...}}}`;
//! - `bench_par FILE.json...` merges passes written by either side, keeping each cell's
//!   best, prints the table as Markdown with pure Python as the baseline, and checks the
//!   issue's targets.
//!
//! The Makefile alternates Python and Rust passes: on a machine shared with other work, a
//! busy moment then spoils one pass of every implementation rather than all of one, and the
//! best of the passes compares like with like.

use std::collections::BTreeMap;
use std::process::ExitCode;

use rhpc::par::{cores, matmul, threads};
use rhpc::time::{Comparison, Timeit};

/// Every implementation: its key in the JSON files and its column in the table.
const COLUMNS: [(&str, &str); 7] = [
    ("python", "pure Python"),
    ("numba", "Numba @njit"),
    ("numba_parallel", "Numba prange"),
    ("numpy", "numpy (BLAS)"),
    ("rhpc_serial", "rhpc serial"),
    ("rhpc_parallel", "rhpc parallel"),
    ("rhpc_tiled", "rhpc tiled"),
];

type Kernel = fn(&[f64], &[f64], usize) -> Result<Vec<f64>, rhpc::par::ParError>;

/// The Rust kernels with their JSON keys.
const KERNELS: [(&str, Kernel); 3] = [
    ("rhpc_serial", matmul::serial),
    ("rhpc_parallel", matmul::parallel),
    ("rhpc_tiled", matmul::tiled),
];

/// Seconds per call by size, then by implementation key; whether the value is an estimate.
type Times = BTreeMap<usize, BTreeMap<String, (f64, bool)>>;

/// Runs of each kernel, of which the best counts (as `bench/bench_par.py`'s REPEAT).
const REPEAT: usize = 5;

/// Times the Rust kernels at each size, after checking their products. Each kernel's loop
/// count comes first (autorange to runs of at least 0.1 s); then the runs go in turns
/// (serial, parallel, tiled, serial, ...), so a busy moment on a shared machine spoils one
/// run of each rather than every run of one, and the parallel and serial kernels that the
/// targets compare are timed over the same stretch of time.
fn measure(sizes: &[usize]) -> Result<serde_json::Value, String> {
    let mut times = serde_json::Map::new();
    for &n in sizes {
        let (a, b) = (matmul::random_matrix(n, 1), matmul::random_matrix(n, 2));
        let expected = matmul::serial(&a, &b, n).map_err(|e| e.to_string())?;
        let mut loops = Vec::new();
        for (key, kernel) in KERNELS {
            let result = kernel(&a, &b, n).map_err(|e| e.to_string())?;
            if result
                .iter()
                .zip(&expected)
                .any(|(x, y)| (x - y).abs() > 1e-9)
            {
                return Err(format!("{key} computed a wrong product at n = {n}"));
            }
            let autorange = Timeit::new().repeat(1).min_run(0.1);
            loops.push(time(&autorange, kernel, (&a, &b, n))?.loops());
        }
        let mut best = [f64::INFINITY; KERNELS.len()];
        for _ in 0..REPEAT {
            for ((cell, (_, kernel)), &loops) in best.iter_mut().zip(KERNELS).zip(&loops) {
                let run = Timeit::new().loops(loops).repeat(1);
                *cell = cell.min(time(&run, kernel, (&a, &b, n))?.best());
            }
        }
        let row: serde_json::Map<_, _> = KERNELS
            .iter()
            .zip(best)
            .map(|((key, _), seconds)| ((*key).to_owned(), seconds.into()))
            .collect();
        times.insert(n.to_string(), row.into());
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let note = format!(
        "rust side: {} cores, pool of {} threads, load average {}",
        cores(),
        threads(),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    Ok(serde_json::json!({ "times": times, "note": note }))
}

/// Times `kernel` on `(a, b, n)` as `timeit` says.
fn time(
    timeit: &Timeit,
    kernel: Kernel,
    (a, b, n): (&[f64], &[f64], usize),
) -> Result<rhpc::time::Timing, String> {
    timeit.run(|| kernel(a, b, n)).map_err(|e| e.to_string())
}

/// Reads the passes and keeps each cell's best time.
fn merge(paths: &[String]) -> Result<Times, String> {
    let mut best = Times::new();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
        if let Some(note) = json["note"].as_str() {
            println!("{path}: {note}");
        }
        let Some(sizes) = json["times"].as_object() else {
            return Err(format!("{path}: no \"times\""));
        };
        for (size, row) in sizes {
            let n: usize = size
                .parse()
                .map_err(|e| format!("{path}: size {size:?}: {e}"))?;
            for (key, _) in COLUMNS {
                let Some(seconds) = row[key].as_f64() else {
                    continue;
                };
                let estimated = row[format!("{key}_estimated")].as_bool() == Some(true);
                let cell = best
                    .entry(n)
                    .or_default()
                    .entry(key.into())
                    .or_insert((f64::INFINITY, true));
                // A measurement beats an estimate; otherwise the faster wins.
                if (cell.1 && !estimated) || (cell.1 == estimated && seconds < cell.0) {
                    *cell = (seconds, estimated);
                }
            }
        }
    }
    Ok(best)
}

fn report(times: &Times) {
    let mut table = rhpc::time::compare("matrix multiply, n x n float64").baseline("pure Python");
    for (&n, row) in times {
        for (key, column) in COLUMNS {
            match row.get(key) {
                Some(&(seconds, true)) => table.record_estimate(n, column, seconds),
                Some(&(seconds, false)) => table.record(n, column, seconds),
                None => {}
            }
        }
    }
    println!("\n{}", table.table().to_markdown());
    print_targets(&table, &times.keys().copied().collect::<Vec<_>>());
}

/// The targets, each with its measured ratio.
fn print_targets(table: &Comparison, sizes: &[usize]) {
    let ratio = |n: usize, a: &str, b: &str| Some(table.seconds(n, b)? / table.seconds(n, a)?);
    let mut targets = rhpc::display::Table::new(["target", "n", "measured", "met"]);
    let mut row = |target: &str, n: usize, value: Option<f64>, goal: f64| {
        if let Some(value) = value {
            let met = if value >= goal { "yes" } else { "no" };
            targets.push_row([
                target.to_owned(),
                n.to_string(),
                format!("{value:.2}x"),
                met.to_owned(),
            ]);
        }
    };
    for &n in sizes {
        let measured = ratio(n, "rhpc serial", "Numba @njit");
        row("serial at least as fast as Numba @njit", n, measured, 1.0);
    }
    for &n in sizes.iter().filter(|&&n| n >= 256) {
        let measured = ratio(n, "rhpc parallel", "rhpc serial");
        row("parallel >= 1.8x serial (2 cores)", n, measured, 1.8);
    }
    if sizes.contains(&512) {
        // Within 2x of numpy: numpy's time over tiled's at least 0.5.
        let measured = ratio(512, "rhpc tiled", "numpy (BLAS)");
        row(
            "tiled within 2x of numpy (numpy time / tiled time)",
            512,
            measured,
            0.5,
        );
    }
    println!("{}", targets.to_markdown());
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut sizes = vec![64, 128, 256, 512];
    let mut measure_to = None;
    let mut inputs = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--sizes" => {
                let list = args.next().ok_or("--sizes needs a list such as 64,128")?;
                sizes = list
                    .split(',')
                    .map(|s| s.trim().parse().map_err(|e| format!("size {s:?}: {e}")))
                    .collect::<Result<_, _>>()?;
            }
            "--measure" => measure_to = Some(args.next().ok_or("--measure needs a file")?),
            _ => inputs.push(arg),
        }
    }
    if let Some(out) = measure_to {
        let json = measure(&sizes)?;
        return std::fs::write(&out, json.to_string()).map_err(|e| format!("{out}: {e}"));
    }
    if inputs.is_empty() {
        // No passes given: measure now and show the Rust columns alone.
        let json = measure(&sizes)?;
        let path = std::env::temp_dir().join(format!("bench_par-{}.json", std::process::id()));
        std::fs::write(&path, json.to_string()).map_err(|e| e.to_string())?;
        inputs.push(path.to_string_lossy().into_owned());
    }
    report(&merge(&inputs)?);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench_par: {message}");
            ExitCode::FAILURE
        }
    }
}
