//! The host backend of kernels: generated C compiled by the system's C compiler into a shared
//! library, loaded with `libloading`, and run in parallel over chunks of the arrays.
//!
//! The compiler is `$CC` or `cc`, called as `cc -O3 -march=native -ffp-contract=off
//! -fno-math-errno -fPIC -shared` (without `-march=native` when the compiler does not know
//! it). Its identity for the cache is its resolved path, size and modification time: cheap
//! to read (no process to start, which matters for a warm load in a fresh process) and
//! changed by any upgrade.
//!
//! Work is split into chunks of [`CHUNK`] elements run by rayon's pool; each chunk checks
//! for interrupts before it starts, so a long kernel stops within one chunk's time.

use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use libloading::Library;
use rayon::prelude::*;

use crate::interrupt::{InterruptCheck, Interrupted};

use super::error::{JitError, compile_failure};

/// Elements per chunk of parallel work (1 MiB of `f32`s per array): large enough that the
/// per-chunk overhead is lost in the noise, small enough to balance threads and to answer
/// an interrupt quickly.
pub(crate) const CHUNK: usize = 1 << 18;

/// `void rhpc_elementwise(void *const *args, long long begin, long long end, long long n)`.
type ElementwiseFn = unsafe extern "C" fn(*const *mut c_void, i64, i64, i64);
/// `void rhpc_partial(void *const *args, long long begin, long long end, long long n, void *out)`.
type PartialFn = unsafe extern "C" fn(*const *mut c_void, i64, i64, i64, *mut c_void);
/// `void rhpc_finish(void *const *args, const void *partials, long long count, long long n)`.
type FinishFn = unsafe extern "C" fn(*const *mut c_void, *const c_void, i64, i64);

/// The system C compiler.
pub(crate) struct Compiler {
    command: PathBuf,
    /// `gcc-12`, for messages.
    pub(crate) name: String,
    /// Path, size and modification time: what the cache key records.
    pub(crate) identity: String,
}

/// Finds `$CC` or `cc` on `PATH` (once per process: it does not move while we run).
pub(crate) fn compiler() -> Result<&'static Compiler, JitError> {
    static COMPILER: OnceLock<Result<Compiler, String>> = OnceLock::new();
    COMPILER
        .get_or_init(find_compiler)
        .as_ref()
        .map_err(|detail| JitError::NoCompiler {
            target: "host",
            detail: detail.clone(),
        })
}

fn find_compiler() -> Result<Compiler, String> {
    let wanted = std::env::var("CC")
        .ok()
        .filter(|cc| !cc.trim().is_empty())
        .unwrap_or_else(|| "cc".to_owned());
    let path = if wanted.contains('/') {
        Some(PathBuf::from(&wanted))
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(&wanted))
                .find(|candidate| candidate.is_file())
        })
    };
    let path = path.ok_or_else(|| {
        format!(
            "`{wanted}` is not on PATH; install a C compiler (Debian/Ubuntu: apt-get install \
             gcc) or set CC"
        )
    })?;
    let resolved = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    let meta = std::fs::metadata(&resolved).map_err(|e| format!("{}: {e}", path.display()))?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |t| t.as_secs());
    Ok(Compiler {
        name: resolved
            .file_name()
            .map_or_else(|| wanted.clone(), |n| n.to_string_lossy().into_owned()),
        identity: format!("{} {} {modified}", resolved.display(), meta.len()),
        command: path,
    })
}

impl Compiler {
    /// Compiles C `source` into the shared library `output`.
    pub(crate) fn compile(
        &self,
        kernel: &str,
        source: &str,
        options: &[String],
        sections: &[(&'static str, String)],
        output: &Path,
    ) -> Result<(), JitError> {
        let source_path = output.with_extension("c");
        std::fs::write(&source_path, source).map_err(|e| JitError::Load {
            kernel: kernel.to_owned(),
            detail: format!("cannot write {}: {e}", source_path.display()),
        })?;
        let run = |native: bool| {
            let mut command = Command::new(&self.command);
            // Plain ASCII messages ('x', not ‘x’) in every locale.
            command.env("LC_ALL", "C");
            command.args(["-O3", "-std=gnu11", "-ffp-contract=off", "-fno-math-errno"]);
            if native {
                command.arg("-march=native");
            }
            command
                .args(["-fPIC", "-shared", "-o"])
                .arg(output)
                .arg(&source_path)
                .args(options)
                .arg("-lm")
                .output()
        };
        let mut result = run(true);
        // A compiler that does not know -march=native (some cross or non-x86 compilers).
        if let Ok(output) = &result
            && !output.status.success()
            && String::from_utf8_lossy(&output.stderr).contains("march")
        {
            result = run(false);
        }
        let _ = std::fs::remove_file(&source_path);
        let output = result.map_err(|e| JitError::NoCompiler {
            target: "host",
            detail: format!("cannot run {}: {e}", self.command.display()),
        })?;
        if output.status.success() {
            Ok(())
        } else {
            let log = String::from_utf8_lossy(&output.stderr);
            Err(compile_failure(kernel, &self.name, &log, sections))
        }
    }
}

/// A loaded host kernel library and the entry points it has.
pub(crate) struct HostModule {
    elementwise: Option<ElementwiseFn>,
    partial: Option<PartialFn>,
    finish: Option<FinishFn>,
    /// Keeps the code mapped while the function pointers above are in use.
    _library: Library,
}

impl HostModule {
    /// Loads the library at `path`.
    pub(crate) fn load(path: &Path) -> Result<HostModule, String> {
        // SAFETY: the library was built by us from generated C (its checksum was verified
        // for disk entries); its initialisers are the C runtime's only.
        let library = unsafe { Library::new(path) }.map_err(|e| e.to_string())?;
        // SAFETY: the symbols, when present, have exactly these signatures (codegen.rs).
        let elementwise = unsafe { library.get::<ElementwiseFn>(b"rhpc_elementwise\0") }
            .ok()
            .map(|symbol| *symbol);
        let partial = unsafe { library.get::<PartialFn>(b"rhpc_partial\0") }
            .ok()
            .map(|symbol| *symbol);
        let finish = unsafe { library.get::<FinishFn>(b"rhpc_finish\0") }
            .ok()
            .map(|symbol| *symbol);
        if elementwise.is_none() && (partial.is_none() || finish.is_none()) {
            return Err(format!("{} has no rhpc kernel in it", path.display()));
        }
        Ok(HostModule {
            elementwise,
            partial,
            finish,
            _library: library,
        })
    }
}

/// A pointer shared by the threads of one call.
#[derive(Clone, Copy)]
struct Shared<P: Copy>(P);
// SAFETY: used only for pointers to a call's arrays, scalars and partial results, alive
// until the call returns; threads write disjoint elements (each chunk its own range of the
// outputs, its own partial slot).
unsafe impl<P: Copy> Send for Shared<P> {}
unsafe impl<P: Copy> Sync for Shared<P> {}

impl<P: Copy> Shared<P> {
    /// The pointer. A method, so closures capture the whole `Shared` (which is `Send`)
    /// rather than its field (which is not).
    fn get(self) -> P {
        self.0
    }
}

/// The chunks `[begin, end)` that `0..n` is split into.
fn chunks(n: usize) -> Vec<(usize, usize)> {
    (0..n.div_ceil(CHUNK))
        .map(|k| (k * CHUNK, ((k + 1) * CHUNK).min(n)))
        .collect()
}

/// Runs `work` on every chunk in parallel, skipping the rest once the user interrupts.
fn for_each_chunk(
    n: usize,
    work: impl Fn(usize, (usize, usize)) + Sync,
) -> Result<(), Interrupted> {
    let check = InterruptCheck::new();
    for_each_chunk_until(n, || check.is_interrupted(), work)
}

/// [`for_each_chunk`] with the interrupt test given: `interrupted` is asked before each chunk.
fn for_each_chunk_until(
    n: usize,
    interrupted: impl Fn() -> bool + Sync,
    work: impl Fn(usize, (usize, usize)) + Sync,
) -> Result<(), Interrupted> {
    let stopped = AtomicBool::new(false);
    let parts = chunks(n);
    let run = |(index, range): (usize, &(usize, usize))| {
        if stopped.load(Ordering::Relaxed) || interrupted() {
            stopped.store(true, Ordering::Relaxed);
        } else {
            work(index, *range);
        }
    };
    if parts.len() <= 1 {
        parts.iter().enumerate().for_each(run);
    } else {
        parts.par_iter().enumerate().for_each(run);
    }
    if stopped.load(Ordering::Relaxed) {
        Err(Interrupted)
    } else {
        Ok(())
    }
}

impl HostModule {
    /// Runs an elementwise kernel over `n` elements; `args` holds one pointer per parameter.
    pub(crate) fn run_elementwise(&self, args: &[*mut c_void], n: usize) -> Result<(), JitError> {
        let function = self
            .elementwise
            .ok_or_else(|| missing("rhpc_elementwise"))?;
        let pointers = Shared(args.as_ptr());
        for_each_chunk(n, |_, (begin, end)| {
            // SAFETY: `args` matches the generated signature (one pointer per parameter, in
            // order) and every array holds `n` elements; chunks write disjoint ranges.
            unsafe { function(pointers.get(), begin as i64, end as i64, n as i64) }
        })?;
        Ok(())
    }

    /// Runs a reduction over `n` elements: one partial value of `accumulator_size` bytes per
    /// chunk, then the finish over the partials, which writes the outputs.
    pub(crate) fn run_reduction(
        &self,
        args: &[*mut c_void],
        n: usize,
        accumulator_size: usize,
    ) -> Result<(), JitError> {
        let partial = self.partial.ok_or_else(|| missing("rhpc_partial"))?;
        let finish = self.finish.ok_or_else(|| missing("rhpc_finish"))?;
        let count = n.div_ceil(CHUNK);
        // u64 slots keep every accumulator type aligned.
        let mut partials = vec![0u64; (count * accumulator_size).div_ceil(8).max(1)];
        let base = Shared(partials.as_mut_ptr().cast::<u8>());
        let pointers = Shared(args.as_ptr());
        for_each_chunk(n, |index, (begin, end)| {
            // SAFETY: as for elementwise; each chunk writes its own accumulator slot.
            unsafe {
                let out = base.get().add(index * accumulator_size);
                partial(
                    pointers.get(),
                    begin as i64,
                    end as i64,
                    n as i64,
                    out.cast(),
                );
            }
        })?;
        // SAFETY: `partials` holds `count` accumulators written above.
        unsafe {
            finish(
                pointers.get(),
                partials.as_ptr().cast(),
                count as i64,
                n as i64,
            )
        };
        Ok(())
    }
}

fn missing(symbol: &str) -> JitError {
    JitError::Load {
        kernel: symbol.to_owned(),
        detail: format!("the compiled library has no {symbol}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_range_once() {
        assert!(chunks(0).is_empty());
        assert_eq!(chunks(5), vec![(0, 5)]);
        let parts = chunks(2 * CHUNK + 1);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2], (2 * CHUNK, 2 * CHUNK + 1));
    }

    #[test]
    fn an_interrupt_skips_the_remaining_chunks() {
        use std::sync::atomic::AtomicUsize;
        let done = AtomicUsize::new(0);
        let n = 64 * CHUNK;
        // Interrupted once four chunks have run.
        let result = for_each_chunk_until(
            n,
            || done.load(Ordering::SeqCst) >= 4,
            |_, _| {
                done.fetch_add(1, Ordering::SeqCst);
            },
        );
        assert_eq!(result, Err(Interrupted));
        assert!(done.load(Ordering::SeqCst) < 64);
        let all = AtomicUsize::new(0);
        let result = for_each_chunk_until(
            n,
            || false,
            |_, _| {
                all.fetch_add(1, Ordering::SeqCst);
            },
        );
        assert_eq!((result, all.load(Ordering::SeqCst)), (Ok(()), 64));
    }

    #[test]
    fn the_compiler_is_found_and_identified() {
        let compiler = compiler().unwrap();
        assert!(!compiler.name.is_empty());
        assert!(compiler.identity.contains('/'));
    }
}
