//! Embeds the rhpc crate's source in the kernel binary, so a kernel installed anywhere (a
//! copied binary, `cargo install`) can still give every session `rhpc` when the repository it
//! was built from is gone. The manifest is made standalone: `workspace = true` entries take
//! the workspace's values, and dev-dependencies and examples (not needed to build the
//! library) are dropped.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

/// Writes `$OUT_DIR/runtime_source.rs`: `FILES`, a list of (relative path, contents).
pub fn embed(workspace: &Path, out_dir: &Path) -> Result<(), String> {
    let runtime = workspace.join("runtime");
    let manifest = standalone_manifest(workspace, &runtime)?;
    let manifest_path = out_dir.join("rhpc-Cargo.toml");
    std::fs::write(&manifest_path, manifest).map_err(|e| e.to_string())?;
    println!(
        "cargo:rerun-if-changed={}",
        workspace.join("Cargo.toml").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        runtime.join("Cargo.toml").display()
    );

    let mut files = vec![("Cargo.toml".to_owned(), manifest_path)];
    let mut sources = Vec::new();
    collect(&runtime.join("src"), &mut sources)?;
    sources.sort();
    for path in sources {
        let relative = path.strip_prefix(&runtime).map_err(|e| e.to_string())?;
        files.push((relative.to_string_lossy().into_owned(), path));
    }
    println!("cargo:rerun-if-changed={}", runtime.join("src").display());

    let mut code = String::from("/// The rhpc crate's files: (path in the crate, contents).\n");
    code.push_str("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (relative, path) in files {
        let _ = writeln!(
            code,
            "    ({relative:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join("runtime_source.rs"), code).map_err(|e| e.to_string())
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn read_table(path: &Path) -> Result<Table, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.parse::<Table>()
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn standalone_manifest(workspace: &Path, runtime: &Path) -> Result<String, String> {
    let root = read_table(&workspace.join("Cargo.toml"))?;
    let mut manifest = read_table(&runtime.join("Cargo.toml"))?;
    let shared = root.get("workspace").and_then(Value::as_table);
    let package_values = shared
        .and_then(|w| w.get("package"))
        .and_then(Value::as_table);
    let dependency_values = shared
        .and_then(|w| w.get("dependencies"))
        .and_then(Value::as_table);

    if let Some(Value::Table(package)) = manifest.get_mut("package") {
        for (key, value) in package.iter_mut() {
            if inherits(value) {
                *value = package_values
                    .and_then(|p| p.get(key.as_str()))
                    .cloned()
                    .ok_or_else(|| format!("workspace.package has no `{key}`"))?;
            }
        }
    }
    if let Some(Value::Table(dependencies)) = manifest.get_mut("dependencies") {
        for (name, spec) in dependencies.iter_mut() {
            if inherits(spec) {
                *spec = inherited_dependency(name, spec, dependency_values)?;
            }
        }
    }
    for unneeded in ["dev-dependencies", "example", "bench", "test"] {
        manifest.remove(unneeded);
    }
    Ok(manifest.to_string())
}

fn inherits(value: &Value) -> bool {
    value
        .as_table()
        .and_then(|t| t.get("workspace"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// A `name.workspace = true` dependency: the workspace's spec plus local keys (features,
/// optional).
fn inherited_dependency(
    name: &str,
    local: &Value,
    shared: Option<&Table>,
) -> Result<Value, String> {
    let base = shared
        .and_then(|d| d.get(name))
        .cloned()
        .ok_or_else(|| format!("workspace.dependencies has no `{name}`"))?;
    let mut spec = match base {
        Value::String(version) => {
            let mut table = Table::new();
            table.insert("version".into(), Value::String(version));
            table
        }
        Value::Table(table) => table,
        other => return Err(format!("unexpected spec for `{name}`: {other}")),
    };
    for (key, value) in local.as_table().into_iter().flatten() {
        if key == "features" {
            let mut features = spec
                .get("features")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            features.extend(value.as_array().cloned().unwrap_or_default());
            spec.insert("features".into(), Value::Array(features));
        } else if key != "workspace" {
            spec.insert(key.clone(), value.clone());
        }
    }
    Ok(Value::Table(spec))
}
