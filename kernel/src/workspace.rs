//! Build directories that outlive a session, so what one session compiled the next reuses.
//!
//! evcxr compiles cells in a crate directory of its own (`EVCXR_TMPDIR`), by default a fresh
//! temporary directory per session, which makes every new session rebuild its dependencies
//! (rhpc and everything under it) from scratch. Instead each kernel takes one of a few
//! persistent *slots* under `$RHPC_CACHE_DIR/sessions` (default: the user's cache directory),
//! holding an exclusive lock on it for its lifetime: concurrent kernels use different slots,
//! successive kernels find their dependencies already built. A new slot is seeded with this
//! repository's `Cargo.lock`, so dependencies resolve to the versions already in the local
//! cargo registry (no network needed).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// How many sessions can keep a warm build at once.
const SLOTS: usize = 8;
const SEED_LOCK: &str = include_str!("../../Cargo.lock");

/// The toolchain's own shared libraries (`libstd-*.so`), which cells link dynamically.
///
/// evcxr builds cells with cargo's `rpath`, a path *relative* to where each library was
/// built; evcxr then loads a copy from one directory up, so the relative path only resolves
/// when the build directory is shallow enough for the extra `..` to stop at `/` (as under
/// `/tmp`). Our build slots are deeper, so the cell process gets the directory through
/// `LD_LIBRARY_PATH` instead.
pub fn toolchain_library_dir() -> Option<PathBuf> {
    let output = std::process::Command::new("rustc")
        .args(["--print", "target-libdir"])
        .output()
        .ok()?;
    let dir = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
    (output.status.success() && dir.is_dir()).then_some(dir)
}

/// The toolchain's own `rustc` and `cargo` (`<sysroot>/bin`), from its `target-libdir`
/// (`<sysroot>/lib/rustlib/<target>/lib`), when both are there.
///
/// `rustc` and `cargo` on `PATH` are usually rustup's proxies, which pick a toolchain and
/// start it: 13 to 17 ms a call here. evcxr resolves its own compiler once, but the
/// rust-analyzer inside it starts cargo (and cargo starts rustc) about thirty times while a
/// session starts; naming the binaries in `RUSTC` and `CARGO`, which both honour, skips the
/// proxy each time (measured: a warm session's first cell 2.70-2.97 s, against 2.82-3.43 s
/// through the proxies, sessions alternating).
pub fn toolchain_binaries(toolchain_libs: &Path) -> Option<(PathBuf, PathBuf)> {
    let bin = toolchain_libs.ancestors().nth(4)?.join("bin");
    let (rustc, cargo) = (bin.join("rustc"), bin.join("cargo"));
    (rustc.is_file() && cargo.is_file()).then_some((rustc, cargo))
}

/// `LD_LIBRARY_PATH` with `dir` in front of what it already holds.
pub fn library_path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_owned()];
    if let Some(existing) = std::env::var_os("LD_LIBRARY_PATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    std::env::join_paths(paths).unwrap_or_else(|_| dir.as_os_str().to_owned())
}

/// A locked build directory, released when dropped (or when the process exits).
#[derive(Debug)]
pub struct SessionDir {
    path: PathBuf,
    _lock: File,
}

impl SessionDir {
    /// The directory evcxr should use.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The cache root: `$RHPC_CACHE_DIR`, else `rhpc` under the user's cache directory.
pub fn cache_root() -> Option<PathBuf> {
    std::env::var_os("RHPC_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|dir| dir.join("rhpc")))
}

/// Locks the first free slot under `root/sessions/<runtime>`: each rhpc source folder has
/// its slots, so sessions built against one checkout never pick up another's build.
pub fn acquire(root: &Path, runtime: Option<&Path>) -> io::Result<SessionDir> {
    let sessions = root.join("sessions").join(runtime_key(runtime));
    std::fs::create_dir_all(&sessions)?;
    for slot in 0..SLOTS {
        let path = sessions.join(format!("slot-{slot}"));
        std::fs::create_dir_all(&path)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path.join(".lock"))?;
        // SAFETY: flock on a descriptor we own; LOCK_NB makes it return at once.
        let locked = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
        if locked {
            let seed = path.join("Cargo.lock");
            if !seed.exists() {
                std::fs::write(&seed, SEED_LOCK)?;
            }
            return Ok(SessionDir { path, _lock: lock });
        }
    }
    Err(io::Error::new(
        io::ErrorKind::WouldBlock,
        format!(
            "all {SLOTS} build slots under {} are in use",
            sessions.display()
        ),
    ))
}

/// A short, stable name for the rhpc source folder a session uses.
fn runtime_key(runtime: Option<&Path>) -> String {
    use sha2::{Digest, Sha256};
    match runtime {
        None => "no-rhpc".to_owned(),
        Some(path) => {
            let digest = Sha256::digest(path.as_os_str().as_encoded_bytes());
            format!("rhpc-{}", &hex::encode(digest)[..12])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_toolchains_binaries_sit_in_its_sysroots_bin() {
        let sysroot = std::env::temp_dir().join(format!("rhpc-sysroot-{}", std::process::id()));
        let libs = sysroot.join("lib/rustlib/x86_64-unknown-linux-gnu/lib");
        std::fs::create_dir_all(&libs).unwrap();
        std::fs::create_dir_all(sysroot.join("bin")).unwrap();
        std::fs::write(sysroot.join("bin/rustc"), "").unwrap();
        // No cargo in this toolchain: nothing is named, the proxies on PATH stay in use.
        assert_eq!(toolchain_binaries(&libs), None);
        std::fs::write(sysroot.join("bin/cargo"), "").unwrap();
        assert_eq!(
            toolchain_binaries(&libs),
            Some((sysroot.join("bin/rustc"), sysroot.join("bin/cargo")))
        );
        std::fs::remove_dir_all(&sysroot).unwrap();
    }

    #[test]
    fn concurrent_sessions_get_different_slots_and_reuse_freed_ones() {
        let root = std::env::temp_dir().join(format!("rhpc-slots-{}", std::process::id()));
        let runtime = Some(Path::new("/checkout/runtime"));
        let first = acquire(&root, runtime).unwrap();
        let second = acquire(&root, runtime).unwrap();
        assert_ne!(first.path(), second.path());
        assert!(first.path().join("Cargo.lock").is_file());
        let first_path = first.path().to_owned();
        drop(first);
        assert_eq!(acquire(&root, runtime).unwrap().path(), first_path);
        // Another rhpc source folder builds elsewhere.
        let other = acquire(&root, Some(Path::new("/elsewhere/runtime"))).unwrap();
        assert_ne!(other.path().parent(), first_path.parent());
        let _ = std::fs::remove_dir_all(root);
    }
}
