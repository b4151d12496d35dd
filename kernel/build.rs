//! Build steps for the kernel binary:
//! - exports `rhpc_host_*` symbols from the binary's dynamic symbol table, so code compiled
//!   into notebook cells (loaded with dlopen into the cell process, which runs this binary)
//!   can find process-wide state with `dlsym(RTLD_DEFAULT, ...)` (see `cell_process`);
//! - embeds the rhpc crate's source (see `build/embed_runtime.rs`).

#[path = "build/embed_runtime.rs"]
mod embed_runtime;

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic-symbol=rhpc_host_*");
    }
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/embed_runtime.rs");
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let workspace = std::path::Path::new(&manifest_dir).join("..");
    if let Err(error) = embed_runtime::embed(&workspace, std::path::Path::new(&out_dir)) {
        panic!("cannot embed the rhpc runtime's source: {error}");
    }
}
