//! The kernel cache: compiled kernels kept in memory per device and on disk, with statistics.
//!
//! An entry's key is the SHA-256 of everything the compiled code depends on: the generated
//! source (which holds the user's code and the bound types), the compile options, the
//! compiler's identity, the device's architecture and rhpc's version. On disk an entry is
//! two files in `$RHPC_CACHE_DIR/kernels` (by default `~/.cache/rhpc/kernels`):
//! `<key>.so` (host) or `<key>.ptx` (CUDA), and `<key>.json` holding the full key text and
//! the SHA-256 of the code file. Both are written to temporary names and renamed into place,
//! so readers never see half a file; an entry whose key text or checksum does not match is
//! a miss that is rebuilt, never a crash.
//!
//! The memory cache and the statistics are process-wide: under rhpc-kernel every cell links
//! the same rhpc library, so they are one per notebook session.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::display::units::format_seconds;
use crate::display::{MimeBundle, Render, Table};

use super::cuda::CudaKernels;
use super::error::JitError;
use super::host::HostModule;

/// Compiled code, loaded and ready to run.
pub(crate) enum Module {
    Host(HostModule),
    Cuda(CudaKernels),
}

/// What a cache entry depends on, and its hash.
pub(crate) struct Key {
    pub(crate) hash: String,
    text: String,
}

impl Key {
    /// A key over named parts (`source`, `compiler`, `arch`, ...); rhpc's version is added.
    pub(crate) fn new(parts: &[(&str, &str)]) -> Key {
        let mut text = format!("rhpc {}\n", env!("CARGO_PKG_VERSION"));
        for (name, value) in parts {
            // Length-prefixed, so no two different part lists give the same text.
            let _ = write!(text, "{name} {}\n{value}\n", value.len());
        }
        Key {
            hash: hex(&Sha256::digest(text.as_bytes())),
            text,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// The cache directory: `$RHPC_CACHE_DIR`, else the user's cache directory + `rhpc`
/// (`~/.cache/rhpc` on Linux), else a folder in the temporary directory.
///
/// ```
/// let dir = rhpc::jit::cache_dir();
/// assert!(dir.ends_with("rhpc") || std::env::var_os("RHPC_CACHE_DIR").is_some());
/// ```
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RHPC_CACHE_DIR").filter(|dir| !dir.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("rhpc")
}

/// Where compiled kernels go: `<cache_dir>/kernels`, or a per-process temporary folder when
/// that cannot be created (a read-only home): kernels still work, just without reuse.
fn kernels_dir() -> (PathBuf, bool) {
    let dir = cache_dir().join("kernels");
    if std::fs::create_dir_all(&dir).is_ok() {
        return (dir, true);
    }
    let fallback = std::env::temp_dir().join(format!("rhpc-kernels-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&fallback);
    (fallback, false)
}

/// A name no other writer uses, for a file about to be renamed into place.
fn temporary_name(dir: &Path, stem: &str, extension: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    dir.join(format!(
        "{stem}.{}.{}.tmp.{extension}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Counters and times of one cached kernel variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    /// The kernel's name.
    pub kernel: String,
    /// The device it was compiled for (`host`, `cuda:0`).
    pub device: String,
    /// Its parameters with their types, e.g. `x float32[], s float32, z float32[]`.
    pub variant: String,
    /// Calls that found the kernel loaded in this process.
    pub memory_hits: u64,
    /// Loads from the disk cache.
    pub disk_hits: u64,
    /// Compilations (nothing usable cached).
    pub misses: u64,
    /// Of the misses, those that found a corrupt or mismatched entry and replaced it.
    pub recovered: u64,
    /// The last compilation: generate, compile, store and load.
    pub compile_time: Option<Duration>,
    /// The last load from disk: check, read and load.
    pub load_time: Option<Duration>,
}

/// The cache's statistics, as [`cache_info`] returns them; renders as a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheInfo {
    /// The directory holding compiled kernels.
    pub dir: PathBuf,
    /// One entry per kernel variant used in this process, in first-use order.
    pub entries: Vec<CacheEntry>,
}

impl CacheInfo {
    /// Memory and disk hits of all entries.
    ///
    /// ```
    /// let info = rhpc::jit::cache_info();
    /// assert!(info.hits() >= info.entries.iter().map(|e| e.disk_hits).sum::<u64>());
    /// ```
    pub fn hits(&self) -> u64 {
        self.entries
            .iter()
            .map(|e| e.memory_hits + e.disk_hits)
            .sum()
    }

    /// Compilations of all entries.
    ///
    /// ```
    /// let _ = rhpc::jit::cache_info().misses();
    /// ```
    pub fn misses(&self) -> u64 {
        self.entries.iter().map(|e| e.misses).sum()
    }

    /// The entry of kernel `name` (the first variant used), if it has been called.
    ///
    /// ```
    /// assert!(rhpc::jit::cache_info().entry("never called").is_none());
    /// ```
    pub fn entry(&self, name: &str) -> Option<&CacheEntry> {
        self.entries.iter().find(|entry| entry.kernel == name)
    }
}

impl Render for CacheInfo {
    fn render(&self) -> MimeBundle {
        let mut table = Table::new([
            "kernel",
            "device",
            "types",
            "memory hits",
            "disk hits",
            "misses",
            "cold compile",
            "warm load",
        ])
        .caption(format!("kernel cache: {}", self.dir.display()));
        let time =
            |t: Option<Duration>| t.map_or("-".to_owned(), |t| format_seconds(t.as_secs_f64()));
        for entry in &self.entries {
            table.push_row([
                entry.kernel.clone(),
                entry.device.clone(),
                entry.variant.clone(),
                entry.memory_hits.to_string(),
                entry.disk_hits.to_string(),
                if entry.recovered > 0 {
                    format!("{} ({} recovered)", entry.misses, entry.recovered)
                } else {
                    entry.misses.to_string()
                },
                time(entry.compile_time),
                time(entry.load_time),
            ]);
        }
        table.render()
    }
}

struct Stats {
    /// Key hash -> entry.
    by_key: HashMap<String, CacheEntry>,
    order: Vec<String>,
}

fn stats() -> MutexGuard<'static, Stats> {
    static STATS: OnceLock<Mutex<Stats>> = OnceLock::new();
    STATS
        .get_or_init(|| {
            Mutex::new(Stats {
                by_key: HashMap::new(),
                order: Vec::new(),
            })
        })
        .lock()
        // Counters stay meaningful after a panic elsewhere.
        .unwrap_or_else(PoisonError::into_inner)
}

fn memory() -> MutexGuard<'static, HashMap<String, Arc<Module>>> {
    static MEMORY: OnceLock<Mutex<HashMap<String, Arc<Module>>>> = OnceLock::new();
    MEMORY
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Bumped by [`clear_memory_cache`]; kernels drop variants loaded in an older generation.
pub(crate) fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// The statistics of every kernel variant used in this process.
///
/// ```
/// use rhpc::gpu::Device;
/// use rhpc::jit::{ElementwiseKernel, Kernel, cache_info};
///
/// let double = ElementwiseKernel::new("T x", "T y", "y = 2 * x", "double_it")?;
/// let x = Device::host().to_device(&[1.0f64, 2.0])?;
/// double.call::<f64>(rhpc::args![&x])?;
/// double.call::<f64>(rhpc::args![&x])?;
/// let entry = cache_info().entry("double_it").cloned().unwrap();
/// assert!(entry.memory_hits >= 1);
/// # Ok::<(), rhpc::jit::JitError>(())
/// ```
pub fn cache_info() -> CacheInfo {
    let stats = stats();
    CacheInfo {
        dir: cache_dir().join("kernels"),
        entries: stats
            .order
            .iter()
            .filter_map(|key| stats.by_key.get(key).cloned())
            .collect(),
    }
}

/// Forgets the kernels loaded in this process, so the next call of each loads it from disk
/// (to see what a fresh session would pay). Statistics are kept.
///
/// ```
/// rhpc::jit::clear_memory_cache();
/// ```
pub fn clear_memory_cache() {
    memory().clear();
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// Which kernel variant a lookup is for (for the statistics).
pub(crate) struct Request<'a> {
    pub(crate) kernel: &'a str,
    pub(crate) device: &'a str,
    pub(crate) variant: &'a str,
    pub(crate) key: Key,
    /// File extension of the compiled code: `so` or `ptx`.
    pub(crate) extension: &'static str,
}

fn update(request: &Request, change: impl FnOnce(&mut CacheEntry)) {
    let mut stats = stats();
    let stats = &mut *stats;
    let entry = stats
        .by_key
        .entry(request.key.hash.clone())
        .or_insert_with(|| {
            stats.order.push(request.key.hash.clone());
            CacheEntry {
                kernel: request.kernel.to_owned(),
                device: request.device.to_owned(),
                variant: request.variant.to_owned(),
                memory_hits: 0,
                disk_hits: 0,
                misses: 0,
                recovered: 0,
                compile_time: None,
                load_time: None,
            }
        });
    change(entry);
}

/// Counts a call that found its kernel already loaded in the kernel object.
pub(crate) fn record_memory_hit(key_hash: &str) {
    if let Some(entry) = stats().by_key.get_mut(key_hash) {
        entry.memory_hits += 1;
    }
}

/// What the disk holds for a key.
enum OnDisk {
    Absent,
    /// Present but unusable: mismatched key, wrong checksum, unreadable.
    Invalid,
    Valid(PathBuf),
}

fn read_entry(dir: &Path, request: &Request) -> OnDisk {
    let meta_path = dir.join(format!("{}.json", request.key.hash));
    let code_path = dir.join(format!("{}.{}", request.key.hash, request.extension));
    let Ok(meta) = std::fs::read_to_string(&meta_path) else {
        return OnDisk::Absent;
    };
    let Ok(meta) = serde_json::from_str::<serde_json::Value>(&meta) else {
        return OnDisk::Invalid;
    };
    if meta["key"].as_str() != Some(request.key.text.as_str()) {
        return OnDisk::Invalid;
    }
    match std::fs::read(&code_path) {
        Ok(code) if meta["sha256"].as_str() == Some(hex(&Sha256::digest(&code)).as_str()) => {
            OnDisk::Valid(code_path)
        }
        _ => OnDisk::Invalid,
    }
}

/// Moves freshly built code into the cache under its key; returns its final path.
fn store(dir: &Path, request: &Request, built: &Path) -> std::io::Result<PathBuf> {
    let code = std::fs::read(built)?;
    let code_path = dir.join(format!("{}.{}", request.key.hash, request.extension));
    std::fs::rename(built, &code_path)?;
    let meta = serde_json::json!({
        "key": request.key.text,
        "sha256": hex(&Sha256::digest(&code)),
        "kernel": request.kernel,
        "variant": request.variant,
        "device": request.device,
    });
    let meta_tmp = temporary_name(dir, &request.key.hash, "json");
    std::fs::write(&meta_tmp, meta.to_string())?;
    std::fs::rename(&meta_tmp, dir.join(format!("{}.json", request.key.hash)))?;
    Ok(code_path)
}

/// The loaded kernel for `request`: from memory, from disk through `load`, or built into a
/// file by `build`, stored, and loaded.
pub(crate) fn fetch(
    request: &Request,
    load: impl Fn(&Path) -> Result<Module, JitError>,
    build: impl FnOnce(&Path) -> Result<(), JitError>,
) -> Result<Arc<Module>, JitError> {
    if let Some(module) = memory().get(&request.key.hash).cloned() {
        update(request, |entry| entry.memory_hits += 1);
        return Ok(module);
    }
    let started = Instant::now();
    let (dir, persistent) = kernels_dir();
    let disk = read_entry(&dir, request);
    if let OnDisk::Valid(path) = &disk
        && let Ok(module) = load(path)
    {
        let module = Arc::new(module);
        memory().insert(request.key.hash.clone(), module.clone());
        update(request, |entry| {
            entry.disk_hits += 1;
            entry.load_time = Some(started.elapsed());
        });
        return Ok(module);
    }
    // A miss: absent, invalid, or present but not loadable. Build it again.
    let recovered = !matches!(disk, OnDisk::Absent);
    let built = temporary_name(&dir, &request.key.hash, request.extension);
    let result = build(&built).and_then(|()| {
        let path = if persistent {
            store(&dir, request, &built).unwrap_or_else(|_| built.clone())
        } else {
            built.clone()
        };
        load(&path)
    });
    let _ = std::fs::remove_file(&built);
    let module = Arc::new(result?);
    memory().insert(request.key.hash.clone(), module.clone());
    update(request, |entry| {
        entry.misses += 1;
        entry.recovered += u64::from(recovered);
        entry.compile_time = Some(started.elapsed());
    });
    Ok(module)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_every_part() {
        let a = Key::new(&[("source", "x"), ("arch", "y")]);
        let b = Key::new(&[("source", "x"), ("arch", "z")]);
        let c = Key::new(&[("source", "x\narch 1\ny"), ("arch", "")]);
        assert_ne!(a.hash, b.hash);
        assert_ne!(a.hash, c.hash);
        assert_eq!(a.hash.len(), 64);
        assert_eq!(a.hash, Key::new(&[("source", "x"), ("arch", "y")]).hash);
    }

    #[test]
    fn corrupt_and_mismatched_entries_are_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let request = Request {
            kernel: "k",
            device: "host",
            variant: "",
            key: Key::new(&[("source", "test")]),
            extension: "bin",
        };
        assert!(matches!(read_entry(dir.path(), &request), OnDisk::Absent));
        let built = dir.path().join("built");
        std::fs::write(&built, b"code").unwrap();
        let path = store(dir.path(), &request, &built).unwrap();
        assert!(matches!(read_entry(dir.path(), &request), OnDisk::Valid(_)));
        std::fs::write(&path, b"cod3").unwrap();
        assert!(matches!(read_entry(dir.path(), &request), OnDisk::Invalid));
        let other = Request {
            key: Key::new(&[("source", "other")]),
            ..request
        };
        std::fs::copy(
            dir.path()
                .join(format!("{}.json", Key::new(&[("source", "test")]).hash)),
            dir.path().join(format!("{}.json", other.key.hash)),
        )
        .unwrap();
        assert!(matches!(read_entry(dir.path(), &other), OnDisk::Invalid));
    }
}
