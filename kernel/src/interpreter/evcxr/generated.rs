//! Rust code that kernel commands run as cells: `:timeit` and `:threads` call rhpc.
//!
//! The work happens in the cell process, with the user's variables and rhpc's shared
//! library, so the commands are written as ordinary cells calling rhpc's public API
//! (`rhpc::time::Timeit`, `rhpc::par::set_threads`) rather than as kernel code.

/// A cell timing `code` with `rhpc::time::Timeit`; its value is the `Timing`, which renders as
/// IPython's line (`1.2 ms ± 3 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)`)
/// and as HTML. Variables defined inside `code` are local to the timed block, as in IPython.
pub fn timeit(loops: Option<u64>, repeat: Option<u64>, code: &str) -> String {
    let mut builder = String::from("rhpc::time::Timeit::new()");
    if let Some(loops) = loops {
        builder.push_str(&format!(".loops({loops})"));
    }
    if let Some(repeat) = repeat {
        builder.push_str(&format!(".repeat({repeat})"));
    }
    // black_box keeps the optimiser from deleting work whose result is unused.
    format!("{builder}.run(|| {{ std::hint::black_box({{\n{code}\n}}); }})?")
}

/// A cell sizing the session's parallel pool to `threads`.
///
/// rhpc's operations and `rhpc::par::install` follow `set_threads` at once. Plain rayon
/// iterators run on rayon's global pool, which can be sized only before its first use: the
/// cell sizes it when it still can and says so when it cannot.
pub fn threads(threads: usize) -> String {
    format!(
        r#"{{
    rhpc::par::set_threads({threads})?;
    let sized_global = rhpc::par::rayon::ThreadPoolBuilder::new()
        .num_threads({threads})
        .build_global()
        .is_ok();
    let global = rhpc::par::rayon::current_num_threads();
    if sized_global || global == {threads} {{
        println!("Parallel work now uses {threads} threads.");
    }} else {{
        println!(
            "rhpc's parallel operations and rhpc::par::install now use {threads} threads. \
             Plain parallel iterators run on rayon's global pool, already started with {{global}} \
             threads in this session: use rhpc::par::install(|| ...) for them, or run :threads \
             first thing after a restart."
        );
    }}
}}"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeit_passes_only_the_options_given() {
        let code = timeit(Some(10), None, "fib(20)");
        assert!(
            code.starts_with("rhpc::time::Timeit::new().loops(10).run("),
            "{code}"
        );
        assert!(
            code.contains("fib(20)") && !code.contains(".repeat("),
            "{code}"
        );
        assert!(timeit(None, Some(3), "x").contains("Timeit::new().repeat(3).run("));
    }

    #[test]
    fn threads_sets_rhpc_and_tries_the_global_pool() {
        let code = threads(3);
        assert!(code.contains("rhpc::par::set_threads(3)?"), "{code}");
        assert!(code.contains("num_threads(3)"), "{code}");
    }
}
