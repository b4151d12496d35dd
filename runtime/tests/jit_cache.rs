//! The kernel cache across processes: a cold compile, a warm load in a new process, recovery
//! from corrupt and mismatched entries, and an unwritable cache directory.
//!
//! Each "process" is this test binary run again with only [`child_process_entry`] selected
//! and `RHPC_TEST_CHILD` set; the child calls a kernel, checks its result, and prints its
//! cache statistics on one line for the parent to read.

use std::path::{Path, PathBuf};
use std::process::Command;

use rhpc::args;
use rhpc::gpu::Device;
use rhpc::jit::{ElementwiseKernel, Kernel, cache_info, clear_memory_cache};

const CHILD: &str = "RHPC_TEST_CHILD";

/// What one child process saw.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    disk_hits: u64,
    misses: u64,
    recovered: u64,
}

#[test]
fn child_process_entry() {
    if std::env::var_os(CHILD).is_none() {
        return; // only does something when the tests below run it as a child
    }
    let kernel = ElementwiseKernel::new(
        "float64 x, float64 y",
        "float64 z",
        "z = x * y + 1",
        "cached_fma_free",
    )
    .unwrap();
    let device = Device::host();
    let x = device.to_device(&[1.0, 2.0, 3.0]).unwrap();
    let y = device.to_device(&[4.0, 5.0, 6.0]).unwrap();
    let z = kernel.call::<f64>(args![&x, &y]).unwrap();
    assert_eq!(z.to_host().unwrap(), vec![5.0, 11.0, 19.0]);
    let info = cache_info();
    let entry = info.entry("cached_fma_free").unwrap();
    println!(
        "RHPC_CHILD {} {} {}",
        entry.disk_hits, entry.misses, entry.recovered
    );
}

/// Runs the child with `RHPC_CACHE_DIR=cache` and returns what it saw.
fn run_child(cache: &Path) -> Seen {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process_entry",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("RHPC_CACHE_DIR", cache)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout
        .lines()
        // The test harness may print its own words before ours on the same line.
        .find_map(|line| line.split_once("RHPC_CHILD ").map(|(_, report)| report))
        .unwrap_or_else(|| panic!("no report from the child:\n{stdout}"));
    let numbers: Vec<u64> = line
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    Seen {
        disk_hits: numbers[0],
        misses: numbers[1],
        recovered: numbers[2],
    }
}

/// The cache's files with `extension`.
fn entries(cache: &Path, extension: &str) -> Vec<PathBuf> {
    let dir = cache.join("kernels");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|files| {
            files
                .filter_map(|f| f.ok().map(|f| f.path()))
                .filter(|p| p.extension().is_some_and(|e| e == extension))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

const COLD: Seen = Seen {
    disk_hits: 0,
    misses: 1,
    recovered: 0,
};
const WARM: Seen = Seen {
    disk_hits: 1,
    misses: 0,
    recovered: 0,
};
const RECOVERED: Seen = Seen {
    disk_hits: 0,
    misses: 1,
    recovered: 1,
};

#[test]
fn a_new_process_loads_what_an_earlier_one_compiled() {
    let cache = tempfile::tempdir().unwrap();
    assert_eq!(run_child(cache.path()), COLD);
    assert_eq!(entries(cache.path(), "so").len(), 1);
    assert_eq!(entries(cache.path(), "json").len(), 1);
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(cache.path().join("kernels"))
        .unwrap()
        .filter_map(|f| f.ok())
        .filter(|f| f.file_name().to_string_lossy().contains(".tmp."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(run_child(cache.path()), WARM);
    assert_eq!(run_child(cache.path()), WARM);
}

#[test]
fn a_corrupt_library_is_rebuilt() {
    let cache = tempfile::tempdir().unwrap();
    assert_eq!(run_child(cache.path()), COLD);
    let library = &entries(cache.path(), "so")[0];
    let mut bytes = std::fs::read(library).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(library, &bytes).unwrap();
    assert_eq!(run_child(cache.path()), RECOVERED);
    assert_eq!(run_child(cache.path()), WARM);

    // A truncated file, as a crash during a copy would leave.
    std::fs::write(library, &bytes[..100]).unwrap();
    assert_eq!(run_child(cache.path()), RECOVERED);
}

#[test]
fn a_mismatched_or_garbled_entry_is_a_miss() {
    let cache = tempfile::tempdir().unwrap();
    assert_eq!(run_child(cache.path()), COLD);
    let meta = &entries(cache.path(), "json")[0];
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(meta).unwrap()).unwrap();
    json["key"] = serde_json::Value::String("rhpc 0.0.0\nsomething else".into());
    std::fs::write(meta, json.to_string()).unwrap();
    assert_eq!(run_child(cache.path()), RECOVERED);
    std::fs::write(meta, "{ not json").unwrap();
    assert_eq!(run_child(cache.path()), RECOVERED);
    assert_eq!(run_child(cache.path()), WARM);
}

#[test]
fn an_unwritable_cache_directory_still_runs_kernels() {
    let cache = tempfile::tempdir().unwrap();
    // A file where the directory should be: the cache cannot be created.
    let blocked = cache.path().join("blocked");
    std::fs::write(&blocked, b"not a directory").unwrap();
    assert_eq!(run_child(&blocked), COLD);
    assert_eq!(run_child(&blocked), COLD);
}

#[test]
fn clearing_the_memory_cache_reloads_from_disk() {
    let kernel = ElementwiseKernel::new("T x", "T y", "y = x - 1", "reload_from_disk").unwrap();
    let x = Device::host().to_device(&[5u64, 6]).unwrap();
    assert_eq!(
        kernel.call::<u64>(args![&x]).unwrap().to_host().unwrap(),
        vec![4, 5]
    );
    assert_eq!(
        kernel.call::<u64>(args![&x]).unwrap().to_host().unwrap(),
        vec![4, 5]
    );
    let before = cache_info().entry("reload_from_disk").cloned().unwrap();
    assert!(before.memory_hits >= 1, "{before:?}");
    clear_memory_cache();
    assert_eq!(
        kernel.call::<u64>(args![&x]).unwrap().to_host().unwrap(),
        vec![4, 5]
    );
    let after = cache_info().entry("reload_from_disk").cloned().unwrap();
    assert_eq!(after.disk_hits, before.disk_hits + 1, "{after:?}");
    assert!(after.load_time.is_some());
    let table = rhpc::display::Render::render(&cache_info());
    assert!(table.plain_text().contains("reload_from_disk"));
}
