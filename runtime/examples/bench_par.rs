//! `make bench-par`: the course's matrix-multiply table (naive i-k-j, float64) with rhpc's
//! serial, parallel and tiled kernels beside pure Python, Numba and numpy.
//!
//! `bench/bench_par.py` times the Python side first and writes its times as JSON; this
//! program times the Rust kernels the same way (autorange to runs of at least 0.1 s, best
//! of 5, in three rounds), merges both into one [`Comparison`] with pure Python as the baseline, prints it as
//! Markdown, and checks the targets. Without the JSON file (`cargo run --example
//! bench_par`) it prints the Rust columns alone, with serial as the baseline.
//!
//! Usage: `bench_par [PYTHON_JSON] [--sizes 64,128,256,512]`

use std::process::ExitCode;

use rhpc::par::{cores, matmul, threads};
use rhpc::time::{Comparison, Timeit};

/// Passes over all sizes and kernels; each cell keeps its best.
const ROUNDS: usize = 3;

/// Python implementations in the JSON file, with their column names.
const PYTHON_COLUMNS: [(&str, &str); 4] = [
    ("python", "pure Python"),
    ("numba", "Numba @njit"),
    ("numba_parallel", "Numba prange"),
    ("numpy", "numpy (BLAS)"),
];

struct Options {
    python_json: Option<String>,
    sizes: Vec<usize>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        python_json: None,
        sizes: vec![64, 128, 256, 512],
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--sizes" {
            let list = args.next().ok_or("--sizes needs a list such as 64,128")?;
            options.sizes = list
                .split(',')
                .map(|s| {
                    s.trim()
                        .parse::<usize>()
                        .map_err(|e| format!("size {s:?}: {e}"))
                })
                .collect::<Result<_, _>>()?;
        } else {
            options.python_json = Some(arg);
        }
    }
    Ok(options)
}

/// Adds the Python side's times (seconds per call, per size and implementation).
fn add_python(table: &mut Comparison, path: &str, sizes: &[usize]) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    for &n in sizes {
        let Some(row) = json["times"].get(n.to_string()) else {
            continue;
        };
        for (key, column) in PYTHON_COLUMNS {
            if let Some(seconds) = row[key].as_f64() {
                if row[format!("{key}_estimated")].as_bool() == Some(true) {
                    table.record_estimate(n, column, seconds);
                } else {
                    table.record(n, column, seconds);
                }
            }
        }
    }
    if let Some(note) = json["note"].as_str() {
        println!("{note}");
    }
    Ok(())
}

fn run() -> Result<(), String> {
    let options = parse_options()?;
    let timeit = Timeit::new().repeat(5).min_run(0.1);
    let mut table = rhpc::time::compare("matrix multiply, n x n float64").baseline(
        if options.python_json.is_some() {
            "pure Python"
        } else {
            "rhpc serial"
        },
    );
    if let Some(path) = &options.python_json {
        add_python(&mut table, path, &options.sizes)?;
    }
    let error = |e: rhpc::par::ParError| e.to_string();
    type Kernel = fn(&[f64], &[f64], usize) -> Result<Vec<f64>, rhpc::par::ParError>;
    let kernels: [(&str, Kernel); 3] = [
        ("rhpc serial", matmul::serial),
        ("rhpc parallel", matmul::parallel),
        ("rhpc tiled", matmul::tiled),
    ];
    // Rounds over every size and kernel, keeping each cell's best: on a shared machine a
    // burst of someone else's work then spoils one round of every kernel, not all of one.
    let mut best = vec![f64::INFINITY; options.sizes.len() * kernels.len()];
    for _ in 0..ROUNDS {
        for (size_index, &n) in options.sizes.iter().enumerate() {
            let (a, b) = (matmul::random_matrix(n, 1), matmul::random_matrix(n, 2));
            let expected = matmul::serial(&a, &b, n).map_err(error)?;
            for (kernel_index, (name, kernel)) in kernels.iter().enumerate() {
                let result = kernel(&a, &b, n).map_err(error)?;
                if result
                    .iter()
                    .zip(&expected)
                    .any(|(x, y)| (x - y).abs() > 1e-9)
                {
                    return Err(format!("{name} computed a wrong product at n = {n}"));
                }
                let timing = timeit
                    .run(|| kernel(&a, &b, n))
                    .map_err(|e| e.to_string())?;
                let cell = &mut best[size_index * kernels.len() + kernel_index];
                *cell = cell.min(timing.best());
            }
        }
    }
    for (size_index, &n) in options.sizes.iter().enumerate() {
        for (kernel_index, (name, _)) in kernels.iter().enumerate() {
            table.record(n, name, best[size_index * kernels.len() + kernel_index]);
        }
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "rhpc: {} cores, pool of {} threads; load average at the end: {}",
        cores(),
        threads(),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("\n{}", table.table().to_markdown());
    print_targets(&table, &options.sizes);
    Ok(())
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
        row(
            "serial at least as fast as Numba @njit",
            n,
            ratio(n, "rhpc serial", "Numba @njit"),
            1.0,
        );
    }
    for &n in sizes.iter().filter(|&&n| n >= 256) {
        row(
            "parallel >= 1.8x serial (2 cores)",
            n,
            ratio(n, "rhpc parallel", "rhpc serial"),
            1.8,
        );
    }
    if sizes.contains(&512) {
        // Within 2x of numpy: numpy's time over tiled's at least 0.5.
        row(
            "tiled within 2x of numpy",
            512,
            ratio(512, "rhpc tiled", "numpy (BLAS)"),
            0.5,
        );
    }
    println!("{}", targets.to_markdown());
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
