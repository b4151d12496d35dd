//! The rhpc crate's source, carried inside the kernel binary.
//!
//! Every session gets `rhpc` as a path dependency. A kernel built from a checkout uses that
//! checkout's `runtime/`; a kernel whose checkout is gone (a copied binary, `cargo install`)
//! writes the copy embedded at build time (`build/embed_runtime.rs`) into the cache directory
//! once and uses that. The folder's name carries a hash of the contents, so a kernel built
//! from other sources never reuses a stale copy, and writing it is atomic (a temporary
//! folder renamed into place), so concurrent kernels can't see half a crate.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

include!(concat!(env!("OUT_DIR"), "/runtime_source.rs"));

/// The folder, under `root`, that holds the embedded crate (written if it is not there).
pub fn extract(root: &Path) -> io::Result<PathBuf> {
    let target = root.join("runtime").join(folder_name());
    if target.join("Cargo.toml").is_file() {
        return Ok(target);
    }
    let staging = root
        .join("runtime")
        .join(format!(".staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    for (relative, contents) in FILES {
        let path = staging.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, contents)?;
    }
    match std::fs::rename(&staging, &target) {
        Ok(()) => Ok(target),
        // Another kernel got there first: its copy is identical.
        Err(_) if target.join("Cargo.toml").is_file() => {
            let _ = std::fs::remove_dir_all(&staging);
            Ok(target)
        }
        Err(error) => Err(error),
    }
}

/// `rhpc-<version>-<hash of every path and content>`.
fn folder_name() -> String {
    let mut hash = Sha256::new();
    for (relative, contents) in FILES {
        hash.update(relative.as_bytes());
        hash.update([0]);
        hash.update((contents.len() as u64).to_le_bytes());
        hash.update(contents);
    }
    let digest = hex::encode(hash.finalize());
    format!("rhpc-{}-{}", env!("CARGO_PKG_VERSION"), &digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_crate_is_standalone_and_complete() {
        let manifest = FILES
            .iter()
            .find(|(path, _)| *path == "Cargo.toml")
            .map(|(_, contents)| String::from_utf8_lossy(contents).into_owned())
            .unwrap();
        assert!(!manifest.contains("workspace"), "{manifest}");
        assert!(manifest.contains("name = \"rhpc\""), "{manifest}");
        assert!(!manifest.contains("dev-dependencies"), "{manifest}");
        assert!(FILES.iter().any(|(path, _)| *path == "src/lib.rs"));
    }

    #[test]
    fn extraction_writes_the_crate_once_and_cargo_accepts_it() {
        let root = std::env::temp_dir().join(format!("rhpc-embedded-{}", std::process::id()));
        let first = extract(&root).unwrap();
        assert_eq!(extract(&root).unwrap(), first);
        assert!(first.join("src/lib.rs").is_file());
        // cargo reads the manifest and resolves it against the registry already on disk.
        let metadata = std::process::Command::new("cargo")
            .args([
                "metadata",
                "--offline",
                "--format-version",
                "1",
                "--no-deps",
            ])
            .arg("--manifest-path")
            .arg(first.join("Cargo.toml"))
            .output()
            .unwrap();
        assert!(
            metadata.status.success(),
            "{}",
            String::from_utf8_lossy(&metadata.stderr)
        );
        let _ = std::fs::remove_dir_all(root);
    }
}
