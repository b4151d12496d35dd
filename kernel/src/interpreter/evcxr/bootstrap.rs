//! Code the kernel runs in every new cell process before the user's first cell.
//!
//! It installs a panic hook that reports each panic to the kernel as a
//! [bridge record](crate::bridge::Record::Panic) instead of printing Rust's default message
//! (and, since evcxr sets `RUST_BACKTRACE=1`, a backtrace of generated code). Cells share the
//! toolchain's `libstd` as a dynamic library, so a hook set by one cell serves them all; it
//! is set again whenever the cell process restarts. The cell has no dependencies, so it
//! escapes its JSON by hand. It ends in `;`: a block without one is the cell's value, which
//! evcxr would first try to display, costing a failed compilation.

use crate::bridge::{PREFIX, REPORTS_MARKER};

/// The Rust source of the bootstrap cell.
pub fn source() -> String {
    let prefix = PREFIX.escape_unicode();
    format!(
        r#"{{
    fn rhpc_json(text: &str) -> String {{
        let mut out = String::from("\"");
        for c in text.chars() {{
            match c {{
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{{:04x}}", c as u32)),
                c => out.push(c),
            }}
        }}
        out.push('"');
        out
    }}
    // This cell runs on the cell process's main thread, which the cells' libstd did not
    // start and so does not name: remember its id instead.
    let rhpc_main_thread = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {{
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "Box<dyn Any>".to_string());
        let current = std::thread::current();
        let thread = if current.id() == rhpc_main_thread {{
            "main".to_string()
        }} else {{
            current.name().unwrap_or("<unnamed>").to_string()
        }};
        let location = match info.location() {{
            Some(l) => rhpc_json(&format!("{{}}:{{}}:{{}}", l.file(), l.line(), l.column())),
            None => "null".to_string(),
        }};
        println!(
            "{prefix}{{{{\"op\":\"panic\",\"thread\":{{}},\"message\":{{}},\"location\":{{}}}}}}",
            rhpc_json(&thread),
            rhpc_json(&message),
            location
        );
    }}));
    // SAFETY: the cell process runs one cell at a time; nothing else touches the environment.
    // evcxr sets RUST_BACKTRACE=1; std would then follow an allocation failure's message
    // with a backtrace of the kernel's own frames.
    unsafe {{
        std::env::set_var("{REPORTS_MARKER}", "1");
        std::env::remove_var("RUST_BACKTRACE");
    }}
}};"#
    )
}
