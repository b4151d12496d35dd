//! `make bench-gpu`: throughput of rhpc's kernels against the machine's memory bandwidth, and
//! the kernel cache's cold compile and warm load, each in a fresh process.
//!
//! Host rows: a STREAM triad (`a = b + s * c`) measured here gives the memory bandwidth; the
//! elementwise kernel `z = (x - y) * (x - y)` on `float32` arrays of 64 MiB and 256 MiB is
//! compared with it, counting 3 arrays of traffic as STREAM does. GPU rows, when a GPU is
//! present: pageable and pinned transfer bandwidth, and the kernel against a device-to-device
//! copy. Results go to stdout and, with `--json FILE`, to a file that `bench/bench_gpu.py`
//! completes with numpy and Numba measured in the same run.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rayon::prelude::*;
use rhpc::args;
use rhpc::gpu::Device;
use rhpc::jit::{ElementwiseKernel, Kernel, ReductionKernel, cache_info};
use serde_json::{Value, json};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const MIB: usize = 1 << 20;
const CHUNK: usize = 1 << 18;
const REPEATS: usize = 20;

/// Seconds taken by `f`.
fn time(f: impl FnOnce() -> Result<()>) -> Result<f64> {
    let start = Instant::now();
    f()?;
    Ok(start.elapsed().as_secs_f64())
}

/// The fastest of `repeats` runs of `f`, in seconds.
fn best_of(repeats: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..repeats {
        best = best.min(time(&mut f)?);
    }
    Ok(best)
}

fn squared_diff() -> Result<ElementwiseKernel> {
    Ok(ElementwiseKernel::new(
        "float32 x, float32 y",
        "float32 z",
        "z = (x - y) * (x - y)",
        "squared_diff",
    )?)
}

/// A vector of `len` copies of `value` on huge pages, as rhpc's host arrays (and numpy's)
/// are: the triad must not be slowed by TLB misses the kernels do not have.
fn huge_vec(len: usize, value: f32) -> Vec<f32> {
    let mut data: Vec<f32> = Vec::with_capacity(len);
    // SAFETY: advice about this vector's own (page-rounded) allocation, before first touch.
    unsafe {
        let start = (data.as_ptr() as usize).next_multiple_of(4096);
        let end = (data.as_ptr() as usize + len * 4) & !4095;
        if end > start {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
    data.resize(len, value);
    data
}

/// One STREAM triad `a = b + s * c` on all cores.
fn triad(a: &mut [f32], b: &[f32], c: &[f32], scalar: f32) {
    a.par_chunks_mut(CHUNK)
        .zip(b.par_chunks(CHUNK))
        .zip(c.par_chunks(CHUNK))
        .for_each(|((a, b), c)| {
            for ((a, b), c) in a.iter_mut().zip(b).zip(c) {
                *a = b + scalar * c;
            }
        });
}

/// Host rows for arrays of `mib` MiB: the triad, the elementwise kernel and a sum, run in
/// turn in each repeat so that load from other processes hits all three alike.
fn host_rows(mib: usize) -> Result<Value> {
    let len = mib * MIB / 4;
    let bytes = (len * 4) as f64;
    let device = Device::host();
    let values: Vec<f32> = (0..len).map(|i| (i % 1000) as f32).collect();
    let x = device.to_device(&values)?;
    let y = device.to_device(&vec![0.5f32; len])?;
    let mut z = device.zeros::<f32>(len)?;
    let kernel = squared_diff()?;
    let sum = ReductionKernel::new("T x", "T s", "x", "a + b", "s = a", "0", "sum")?;
    let mut total = device.zeros::<f32>(1)?;
    let (b, c, mut a) = (huge_vec(len, 1.0), huge_vec(len, 0.5), huge_vec(len, 0.0));
    // Compile (or load) and touch every page outside the timing.
    kernel.call_into(args![&x, &y, &mut z])?;
    sum.call_into(args![&x, &mut total])?;
    triad(&mut a, &b, &c, 3.0);
    let mut best = [f64::INFINITY; 3];
    for _ in 0..REPEATS {
        best[0] = best[0].min(time(|| {
            triad(&mut a, &b, &c, 3.0);
            Ok(())
        })?);
        best[1] = best[1].min(time(|| Ok(kernel.call_into(args![&x, &y, &mut z])?))?);
        best[2] = best[2].min(time(|| Ok(sum.call_into(args![&x, &mut total])?))?);
    }
    std::hint::black_box(&a);
    let bandwidth = 3.0 * bytes / best[0] / 1e9;
    let elementwise = 3.0 * bytes / best[1] / 1e9;
    Ok(json!({
        "mib": mib,
        "triad_gbs": bandwidth,
        "elementwise_seconds": best[1],
        "elementwise_gbs": elementwise,
        "elementwise_vs_bandwidth": elementwise / bandwidth,
        "sum_gbs": bytes / best[2] / 1e9,
    }))
}

/// Child mode: time defining a kernel and its first call, with the cache in
/// `$RHPC_CACHE_DIR`; print one JSON line.
fn first_call() -> Result<()> {
    let device = Device::host();
    let x = device.to_device(&vec![3.0f32; 1000])?;
    let y = device.to_device(&vec![1.0f32; 1000])?;
    let start = Instant::now();
    let kernel = squared_diff()?;
    let z = kernel.call::<f32>(args![&x, &y])?;
    let seconds = start.elapsed().as_secs_f64();
    if z.to_host()?.iter().any(|&v| v != 4.0) {
        return Err("wrong result".into());
    }
    let info = cache_info();
    let entry = info.entry("squared_diff").ok_or("no cache entry")?;
    println!(
        "{}",
        json!({
            "seconds": seconds,
            "disk_hits": entry.disk_hits,
            "misses": entry.misses,
            "load_seconds": entry.load_time.map(|t| t.as_secs_f64()),
            "compile_seconds": entry.compile_time.map(|t| t.as_secs_f64()),
        })
    );
    Ok(())
}

fn run_first_call(cache: &Path) -> Result<Value> {
    let output = Command::new(std::env::current_exe()?)
        .arg("--first-call")
        .env("RHPC_CACHE_DIR", cache)
        .output()?;
    if !output.status.success() {
        return Err(format!("child failed: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().ok_or("no output from the child")?;
    Ok(serde_json::from_str(line)?)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Cold compiles (each in a new cache) and warm loads (one warm cache), each in a new process.
fn cache_rows() -> Result<Value> {
    let root: PathBuf = std::env::temp_dir().join(format!("rhpc-bench-gpu-{}", std::process::id()));
    let mut cold = Vec::new();
    for run in 0..3 {
        let child = run_first_call(&root.join(format!("cold-{run}")))?;
        if child["misses"] != 1 {
            return Err(format!("a cold run did not compile: {child}").into());
        }
        cold.push(child["seconds"].as_f64().unwrap_or(f64::NAN));
    }
    let mut warm = Vec::new();
    let mut load = Vec::new();
    for _ in 0..7 {
        let child = run_first_call(&root.join("cold-0"))?;
        if child["disk_hits"] != 1 {
            return Err(format!("a warm run did not load from disk: {child}").into());
        }
        warm.push(child["seconds"].as_f64().unwrap_or(f64::NAN));
        load.push(child["load_seconds"].as_f64().unwrap_or(f64::NAN));
    }
    let _ = std::fs::remove_dir_all(&root);
    Ok(json!({
        "cold_first_call_seconds": median(cold),
        "warm_first_call_seconds": median(warm),
        "warm_load_seconds": median(load),
    }))
}

/// GPU rows: transfers (pageable and pinned) and the kernel against a device copy.
fn gpu_rows(gpu: &Device) -> Result<Value> {
    let len = 256 * MIB / 4;
    let bytes = (len * 4) as f64;
    let stream = gpu.default_stream();
    let host = vec![1.0f32; len];
    let mut back = vec![0.0f32; len];
    let pinned = rhpc::gpu::PinnedBuffer::from_slice(gpu, &host)?;
    let mut pinned_back = gpu.pinned::<f32>(len)?;
    let x = gpu.to_device(&host)?;
    let mut y = gpu.zeros::<f32>(len)?;
    let mut z = gpu.zeros::<f32>(len)?;
    let timed = |f: &mut dyn FnMut() -> Result<()>| -> Result<f64> {
        best_of(5, || {
            f()?;
            Ok(stream.synchronize()?)
        })
    };
    let h2d_pageable = timed(&mut || Ok(stream.copy_to_device(&host, &mut y)?))?;
    let h2d_pinned = timed(&mut || Ok(stream.copy_to_device(&pinned, &mut y)?))?;
    let d2h_pageable = timed(&mut || Ok(stream.copy_to_host(&x, &mut back)?))?;
    let d2h_pinned = timed(&mut || Ok(stream.copy_to_host(&x, &mut pinned_back)?))?;
    let copy = timed(&mut || Ok(stream.copy_device(&x, &mut y)?))?;
    let kernel = squared_diff()?;
    kernel.launch(&stream, args![&x, &y, &mut z])?;
    let elementwise = timed(&mut || Ok(kernel.launch(&stream, args![&x, &y, &mut z])?))?;
    Ok(json!({
        "device": gpu.to_string(),
        "h2d_pageable_gbs": bytes / h2d_pageable / 1e9,
        "h2d_pinned_gbs": bytes / h2d_pinned / 1e9,
        "d2h_pageable_gbs": bytes / d2h_pageable / 1e9,
        "d2h_pinned_gbs": bytes / d2h_pinned / 1e9,
        "device_copy_gbs": 2.0 * bytes / copy / 1e9,
        "elementwise_gbs": 3.0 * bytes / elementwise / 1e9,
    }))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--first-call") {
        return first_call();
    }
    let json_path = args
        .iter()
        .position(|a| a == "--json")
        .and_then(|i| args.get(i + 1));
    let host = Device::host();
    eprintln!("host: {} ({} threads)", host.name(), host.units());
    let mut sizes = Vec::new();
    for mib in [64, 256] {
        let row = host_rows(mib)?;
        eprintln!("{mib} MiB: {row}");
        sizes.push(row);
    }
    let cache = cache_rows()?;
    eprintln!("cache: {cache}");
    let gpu = match Device::cuda(0) {
        Ok(gpu) => gpu_rows(&gpu)?,
        Err(error) => json!({ "absent": error.to_string() }),
    };
    eprintln!("gpu: {gpu}");
    let report = json!({
        "host": { "name": host.name(), "threads": host.units() },
        "sizes": sizes,
        "cache": cache,
        "gpu": gpu,
    });
    match json_path {
        Some(path) => std::fs::write(path, serde_json::to_string_pretty(&report)?)?,
        None => println!("{}", serde_json::to_string_pretty(&report)?),
    }
    Ok(())
}
