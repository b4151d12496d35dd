//! Facts about the language for `kernel_info_reply`: the compiler version, links, banner.

use crate::interpreter::LanguageInfo;

/// Rust, with the version of the `rustc` on `PATH`.
pub fn language_info() -> LanguageInfo {
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned());
    // "rustc 1.95.0 (59807616e 2026-04-14)" -> "1.95.0"
    let version = rustc
        .as_deref()
        .and_then(|text| text.split_whitespace().nth(1))
        .unwrap_or("unknown")
        .to_owned();
    LanguageInfo {
        name: "rust".into(),
        version: version.clone(),
        mimetype: "text/rust".into(),
        file_extension: ".rs".into(),
        pygments_lexer: "rust".into(),
        codemirror_mode: "rust".into(),
        nbconvert_exporter: "script".into(),
        banner: format!(
            "rhpc-kernel {} - Rust {version} cells through evcxr",
            env!("CARGO_PKG_VERSION")
        ),
        help_links: vec![
            (
                "Rust standard library".into(),
                "https://doc.rust-lang.org/std/".into(),
            ),
            (
                "The Rust book".into(),
                "https://doc.rust-lang.org/book/".into(),
            ),
            ("rayon".into(), "https://docs.rs/rayon".into()),
        ],
    }
}
