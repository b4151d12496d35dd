//! Exports `rhpc_host_*` symbols from the binary's dynamic symbol table, so code compiled
//! into notebook cells (loaded with dlopen into the cell process, which runs this binary)
//! can find process-wide state with `dlsym(RTLD_DEFAULT, ...)`. See `cell_process`.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic-symbol=rhpc_host_*");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
