//! Benchmark of rhpc's collections (run by `make bench-array`, beside bench/bench_array.py).
//!
//! 1. `((x + 1) * 2).sum()` over 5e7 `f64` (BENCH_N to change) in 5, 50 and 500 chunks,
//!    against a hand-written rayon loop over the same data (`par_iter().map().sum()`).
//!    The array is cut into chunks before timing (as `dask.array.from_array` is before
//!    Dask's timing); building the graph and computing it are timed together.
//! 2. A group-by mean over CSV files written here (BENCH_CSV_FILES files of
//!    BENCH_CSV_ROWS rows: a key among 100 names and two numbers), read, grouped and
//!    averaged by `rhpc::frame`; the Python script runs dask.dataframe on the same files.
//!
//! Prints a table, and with `--json FILE` writes the figures for the comparison script.

use std::io::Write;
use std::time::Instant;

use rayon::prelude::*;
use rhpc::array::{BlockedArray, uniform01};
use rhpc::frame::DataFrame;

const CHUNK_COUNTS: [usize; 3] = [5, 50, 500];
const REPEATS: usize = 7;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The median of `REPEATS` timings of `run`, in seconds, after one warm-up run.
fn median<E>(mut run: impl FnMut() -> Result<f64, E>) -> Result<(f64, f64), E> {
    let value = run()?;
    let mut times = Vec::new();
    for _ in 0..REPEATS {
        let start = Instant::now();
        std::hint::black_box(run()?);
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], value))
}

/// Writes the CSV files for the group-by (once; reused by later runs and by Python).
fn write_csv(dir: &std::path::Path, files: usize, rows: usize) -> std::io::Result<()> {
    let marker = dir.join(format!("done-{files}-{rows}"));
    if marker.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    for f in 0..files {
        let mut out =
            std::io::BufWriter::new(std::fs::File::create(dir.join(format!("part-{f:03}.csv")))?);
        writeln!(out, "name,x,y")?;
        for r in 0..rows {
            let i = (f * rows + r) as u64;
            let name = (uniform01(1, i) * 100.0) as u32;
            writeln!(
                out,
                "name{name:02},{:.4},{}",
                uniform01(2, i) * 100.0,
                i % 1000
            )?;
        }
    }
    std::fs::File::create(marker)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let json_path = std::env::args().skip_while(|a| a != "--json").nth(1);
    let n = env("BENCH_N", 50_000_000);
    let cores = rayon::current_num_threads();
    let data: Vec<f64> = (0..n as u64)
        .into_par_iter()
        .map(|i| uniform01(0, i))
        .collect();
    let expected = data.iter().map(|v| (v + 1.0) * 2.0).sum::<f64>();
    let check = |value: f64| -> Result<f64, String> {
        if (value - expected).abs() <= 1e-9 * expected.abs() {
            Ok(value)
        } else {
            Err(format!("wrong sum {value}, expected {expected}"))
        }
    };

    let (rayon_time, _) = median(|| check(data.par_iter().map(|v| (v + 1.0) * 2.0).sum::<f64>()))?;
    let mut arrays = Vec::new();
    for chunks in CHUNK_COUNTS {
        let x = BlockedArray::from_vec(data.clone(), n.div_ceil(chunks))?;
        let (time, _) = median(|| -> Result<f64, Box<dyn std::error::Error>> {
            Ok(check(((&x + 1.0) * 2.0).sum().compute()?)?)
        })?;
        let tasks = ((&x + 1.0) * 2.0).sum().graph().len();
        arrays.push((chunks, tasks, time));
    }
    drop(data);

    let csv_dir = std::path::PathBuf::from(
        std::env::var("BENCH_CSV_DIR").unwrap_or_else(|_| "target/bench-array-csv".into()),
    );
    let (files, rows) = (env("BENCH_CSV_FILES", 16), env("BENCH_CSV_ROWS", 250_000));
    write_csv(&csv_dir, files, rows)?;
    let pattern = format!("{}/part-*.csv", csv_dir.display());
    // Median time and group count of the group-by mean over the dataframe `read` gives.
    let time_groupby = |read: &dyn Fn() -> Result<DataFrame, rhpc::frame::FrameError>| {
        median(|| -> Result<f64, Box<dyn std::error::Error>> {
            let means = read()?.groupby(&["name"])?.mean("x")?.compute()?;
            Ok(means.num_rows() as f64)
        })
    };
    let (groupby_time, groups) = time_groupby(&|| DataFrame::read_csv(&pattern))?;

    // The same rows as Parquet (one file per CSV file, written by rhpc), grouped the same way.
    let parquet_dir = csv_dir.join("parquet");
    let _ = std::fs::remove_dir_all(&parquet_dir);
    DataFrame::read_csv(&pattern)?.to_parquet(&parquet_dir)?;
    let parquet_pattern = format!("{}/*.parquet", parquet_dir.display());
    let (parquet_time, parquet_groups) =
        time_groupby(&|| DataFrame::read_parquet(&parquet_pattern))?;
    assert_eq!(
        parquet_groups, groups,
        "Parquet and CSV give the same groups"
    );

    println!(
        "rhpc::array on {cores} cores: ((x + 1) * 2).sum() over {n} f64, medians of {REPEATS}"
    );
    println!("| chunks | tasks | rhpc | rayon loop | rhpc / rayon |");
    println!("|---|---|---|---|---|");
    for (chunks, tasks, time) in &arrays {
        println!(
            "| {chunks} | {tasks} | {:.1} ms | {:.1} ms | {:.2}x |",
            time * 1e3,
            rayon_time * 1e3,
            time / rayon_time
        );
    }
    println!(
        "rhpc::frame: read {files} CSV files × {rows} rows, group-by mean over {groups} groups: {:.1} ms",
        groupby_time * 1e3
    );
    println!(
        "rhpc::frame: the same as {files} Parquet files (snappy), group-by mean: {:.1} ms",
        parquet_time * 1e3
    );
    if let Some(path) = json_path {
        let json = serde_json::json!({
            "n": n,
            "cores": cores,
            "rayon": rayon_time,
            "arrays": arrays.iter().map(|(c, t, s)| serde_json::json!({"chunks": c, "tasks": t, "seconds": s})).collect::<Vec<_>>(),
            "groupby": {"seconds": groupby_time, "files": files, "rows": rows, "groups": groups, "pattern": pattern},
            "parquet": {"seconds": parquet_time, "pattern": parquet_pattern, "dir": parquet_dir},
        });
        std::fs::write(&path, serde_json::to_string_pretty(&json)?)?;
    }
    Ok(())
}
