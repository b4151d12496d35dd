//! `rhpc-kernel install` / `uninstall`: the kernelspec that makes Jupyter find this kernel.
//!
//! The template and logos in the repository's `kernelspec/` folder are embedded in the
//! binary, so an installed kernel needs nothing but its own executable. `argv[0]` becomes the
//! absolute path of the running binary.

use std::path::{Path, PathBuf};

use serde_json::Value;

const TEMPLATE: &str = include_str!("../../kernelspec/kernel.json");
const FILES: [(&str, &[u8]); 3] = [
    (
        "logo-32x32.png",
        include_bytes!("../../kernelspec/logo-32x32.png"),
    ),
    (
        "logo-64x64.png",
        include_bytes!("../../kernelspec/logo-64x64.png"),
    ),
    (
        "logo-svg.svg",
        include_bytes!("../../kernelspec/logo-svg.svg"),
    ),
];

/// The default kernel name (the folder under `kernels/`).
pub const DEFAULT_NAME: &str = "rhpc";
/// The default name shown in launchers.
pub const DEFAULT_DISPLAY_NAME: &str = "Rust (rhpc)";

/// Where a kernelspec goes, as in `jupyter kernelspec install`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The user's Jupyter data directory.
    User,
    /// The active Python environment (`$VIRTUAL_ENV`, `$CONDA_PREFIX`, else `python3`'s
    /// `sys.prefix`).
    SysPrefix,
    /// `<prefix>/share/jupyter/kernels`.
    Prefix(PathBuf),
}

/// Why installing or uninstalling failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KernelspecError {
    /// No home or data directory could be determined.
    #[error("cannot find the Jupyter data directory (set JUPYTER_DATA_DIR)")]
    NoDataDir,
    /// No Python environment could be found for `--sys-prefix`.
    #[error("cannot find the Python environment for --sys-prefix: {0}")]
    NoSysPrefix(String),
    /// Nothing installed under that name.
    #[error("no kernelspec at {0}")]
    NotInstalled(PathBuf),
    /// A name that is not a plain folder name.
    #[error("invalid kernel name {0:?}: use letters, digits, '.', '_' and '-'")]
    InvalidName(String),
    /// A file could not be written or removed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl Location {
    /// The `kernels` folder for this location.
    pub fn kernels_dir(&self) -> Result<PathBuf, KernelspecError> {
        let data_dir = match self {
            Location::User => user_data_dir()?,
            Location::SysPrefix => sys_prefix()?.join("share").join("jupyter"),
            Location::Prefix(prefix) => prefix.join("share").join("jupyter"),
        };
        Ok(data_dir.join("kernels"))
    }
}

fn user_data_dir() -> Result<PathBuf, KernelspecError> {
    if let Some(dir) = std::env::var_os("JUPYTER_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if cfg!(target_os = "macos") {
        return dirs::home_dir()
            .map(|home| home.join("Library").join("Jupyter"))
            .ok_or(KernelspecError::NoDataDir);
    }
    dirs::data_dir()
        .map(|dir| dir.join("jupyter"))
        .ok_or(KernelspecError::NoDataDir)
}

fn sys_prefix() -> Result<PathBuf, KernelspecError> {
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(prefix) = std::env::var_os(var) {
            return Ok(PathBuf::from(prefix));
        }
    }
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.prefix)"])
        .output()
        .map_err(|error| KernelspecError::NoSysPrefix(format!("python3: {error}")))?;
    let prefix = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || prefix.is_empty() {
        return Err(KernelspecError::NoSysPrefix(
            "python3 did not print sys.prefix".into(),
        ));
    }
    Ok(PathBuf::from(prefix))
}

fn check_name(name: &str) -> Result<(), KernelspecError> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && name != "."
        && name != "..";
    if valid {
        Ok(())
    } else {
        Err(KernelspecError::InvalidName(name.to_owned()))
    }
}

/// The `kernel.json` for an executable at `executable`.
pub fn kernel_json(executable: &Path, display_name: &str) -> Value {
    // The template is part of this crate and parsed in its tests, so it is valid JSON.
    let mut spec: Value = serde_json::from_str(TEMPLATE).unwrap_or_default();
    spec["argv"][0] = Value::String(executable.to_string_lossy().into_owned());
    spec["display_name"] = Value::String(display_name.to_owned());
    spec
}

/// Writes the kernelspec `name` into `location`; returns its folder.
pub fn install(
    location: &Location,
    name: &str,
    display_name: &str,
    executable: &Path,
) -> Result<PathBuf, KernelspecError> {
    check_name(name)?;
    let dir = location.kernels_dir()?.join(name);
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| KernelspecError::Io { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let json =
        serde_json::to_string_pretty(&kernel_json(executable, display_name)).unwrap_or_default();
    let spec_path = dir.join("kernel.json");
    std::fs::write(&spec_path, json + "\n").map_err(io(&spec_path))?;
    for (file, bytes) in FILES {
        let path = dir.join(file);
        std::fs::write(&path, bytes).map_err(io(&path))?;
    }
    Ok(dir)
}

/// Removes the kernelspec `name` from `location`; returns the folder removed.
pub fn uninstall(location: &Location, name: &str) -> Result<PathBuf, KernelspecError> {
    check_name(name)?;
    let dir = location.kernels_dir()?.join(name);
    if !dir.join("kernel.json").exists() {
        return Err(KernelspecError::NotInstalled(dir));
    }
    std::fs::remove_dir_all(&dir).map_err(|source| KernelspecError::Io {
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_is_valid_and_filled_in() {
        let spec = kernel_json(Path::new("/opt/bin/rhpc-kernel"), "Rust (test)");
        assert_eq!(spec["argv"][0], "/opt/bin/rhpc-kernel");
        assert!(
            spec["argv"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "{connection_file}")
        );
        assert_eq!(spec["display_name"], "Rust (test)");
        assert_eq!(spec["language"], "rust");
        assert_eq!(spec["interrupt_mode"], "message");
    }

    #[test]
    fn install_and_uninstall_under_a_prefix() {
        let prefix = std::env::temp_dir().join(format!("rhpc-kernelspec-{}", std::process::id()));
        let location = Location::Prefix(prefix.clone());
        let dir = install(&location, "rhpc-test", "Rust", Path::new("/bin/true")).unwrap();
        assert_eq!(dir, prefix.join("share/jupyter/kernels/rhpc-test"));
        for file in [
            "kernel.json",
            "logo-32x32.png",
            "logo-64x64.png",
            "logo-svg.svg",
        ] {
            assert!(dir.join(file).is_file(), "{file} missing");
        }
        uninstall(&location, "rhpc-test").unwrap();
        assert!(!dir.exists());
        assert!(matches!(
            uninstall(&location, "rhpc-test"),
            Err(KernelspecError::NotInstalled(_))
        ));
        let _ = std::fs::remove_dir_all(prefix);
    }

    #[test]
    fn names_cannot_escape_the_kernels_folder() {
        for bad in ["", "..", "a/b", "x y"] {
            assert!(matches!(
                install(&Location::User, bad, "x", Path::new("/bin/true")),
                Err(KernelspecError::InvalidName(_))
            ));
        }
    }
}
