//! The standard library's source as evcxr's rust-analyzer sees it: empty while the session
//! starts, the real one once something needs it (see [`super::std_reveal`] for when).
//!
//! evcxr runs rust-analyzer in the kernel to learn the types of a cell's variables. It
//! analyses a first snippet as it starts, and again once rhpc is added (the crate graph
//! changed); with the library's source each time, that is most of a new session's start
//! (measured on 2 cores: evcxr started in 4.0 s with the library's source, 0.7 s without).
//! rust-analyzer finds the library's source through `RUST_SRC_PATH` when it is set, so the
//! kernel sets it to a link in the build slot that names an empty library, and points the
//! link at the toolchain's real library (the `rust-src` component) later. rust-analyzer reads
//! the link again the next time the crate's `Cargo.toml` changes.
//!
//! A `RUST_SRC_PATH` the user set is left alone, and nothing is deferred without the
//! toolchain's library source (rust-analyzer would have none anyway).

use std::io;
use std::path::{Path, PathBuf};

/// The library folder rust-analyzer is shown, and the real one to show it later.
#[derive(Debug, Clone)]
pub struct DeferredStd {
    /// The kernel's folder in the build slot (`analyzer-std`), which holds the link.
    folder: PathBuf,
    link: PathBuf,
    real: PathBuf,
}

impl DeferredStd {
    /// Points `RUST_SRC_PATH` at a link under `build_dir` naming an empty library. `None`
    /// (and the environment untouched) when the user set `RUST_SRC_PATH`, the toolchain has
    /// no library source, or the link cannot be made. `toolchain_libs` is the toolchain's
    /// `lib/rustlib/<target>/lib` folder, next to which the library's source lives.
    ///
    /// # Safety
    /// Changes the process environment: call before other threads exist.
    pub unsafe fn install(build_dir: &Path, toolchain_libs: &Path) -> Option<DeferredStd> {
        if std::env::var_os("RUST_SRC_PATH").is_some() {
            return None;
        }
        let real = library_source(toolchain_libs).filter(|real| real.join("core").is_dir())?;
        let folder = build_dir.join("analyzer-std");
        let empty = folder.join("empty");
        let link = folder.join("library");
        let made = std::fs::create_dir_all(empty.join("core").join("src"))
            .and_then(|()| std::fs::write(empty.join("core").join("src").join("lib.rs"), ""))
            .and_then(|()| point(&link, &empty));
        if let Err(error) = made {
            log::warn!("the standard library is analysed twice at start-up: {error}");
            return None;
        }
        // SAFETY: the caller guarantees no other thread reads the environment meanwhile.
        unsafe { std::env::set_var("RUST_SRC_PATH", &link) };
        Some(DeferredStd { folder, link, real })
    }

    /// The kernel's folder in the build slot for this work, where the link lives.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Shows rust-analyzer the real library from its next reload on.
    pub fn reveal(&self) -> io::Result<()> {
        point(&self.link, &self.real)
    }
}

/// Where the `rust-src` component keeps the library's source, from the toolchain's
/// `lib/rustlib/<target>/lib` folder: `lib/rustlib/src/rust/library`.
fn library_source(toolchain_libs: &Path) -> Option<PathBuf> {
    Some(toolchain_libs.parent()?.parent()?.join("src/rust/library"))
}

/// Makes `link` a symbolic link to `target`, replacing what is there in one step.
fn point(link: &Path, target: &Path) -> io::Result<()> {
    let partial = link.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    std::os::unix::fs::symlink(target, &partial)?;
    std::fs::rename(&partial, link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_names_an_empty_library_then_the_real_one() {
        let root = std::env::temp_dir().join(format!("rhpc-deferred-std-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let libs = root.join("sysroot/lib/rustlib/x86_64-unknown-linux-gnu/lib");
        let real = root.join("sysroot/lib/rustlib/src/rust/library");
        std::fs::create_dir_all(&libs).unwrap();
        std::fs::create_dir_all(real.join("core/src")).unwrap();
        std::fs::write(real.join("core/src/lib.rs"), "pub mod real {}").unwrap();
        let slot = root.join("slot");
        std::fs::create_dir_all(&slot).unwrap();
        assert_eq!(library_source(&libs), Some(real.clone()));

        // Built by hand: `install` would also set the process's RUST_SRC_PATH.
        let link = slot.join("analyzer-std/library");
        let empty = slot.join("analyzer-std/empty");
        std::fs::create_dir_all(empty.join("core/src")).unwrap();
        std::fs::write(empty.join("core/src/lib.rs"), "").unwrap();
        point(&link, &empty).unwrap();
        let deferred = DeferredStd {
            folder: slot.join("analyzer-std"),
            link: link.clone(),
            real: real.clone(),
        };
        assert_eq!(
            std::fs::read_to_string(link.join("core/src/lib.rs")).unwrap(),
            ""
        );
        deferred.reveal().unwrap();
        assert_eq!(
            std::fs::read_to_string(link.join("core/src/lib.rs")).unwrap(),
            "pub mod real {}"
        );
        // Pointing again (a new session in the same slot) replaces the link.
        point(&link, &empty).unwrap();
        assert_eq!(
            std::fs::read_to_string(link.join("core/src/lib.rs")).unwrap(),
            ""
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
