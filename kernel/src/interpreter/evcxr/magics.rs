//! Kernel commands that sit in front of evcxr: `:help`, `:time`.
//!
//! A cell whose first line is one of these is handled here; every other `:` command
//! (`:dep`, `:vars`, `:opt`, ...) passes through to evcxr unchanged.

use std::sync::Arc;

use crate::interpreter::{CellIo, MimeBundle, StreamName};

use super::output::CellTiming;

/// A recognised kernel command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Magic<'a> {
    /// `:help`: this kernel's commands, then evcxr's.
    Help,
    /// `:time` followed by code (the rest of its line and the cell's other lines).
    Time {
        /// The code to run and time.
        code: &'a str,
    },
}

/// One line per command, for `:help`.
pub const HELP: &[(&str, &str)] = &[
    (
        ":help",
        "list the kernel's commands (this text), then evcxr's",
    ),
    (
        ":time",
        "run the rest of the cell and report its wall-clock and CPU time (IPython's %%time)",
    ),
    ("?NAME", "show the documentation of NAME in the pager"),
];

/// The kernel command in `code`, if its first line is one.
pub fn parse(code: &str) -> Option<Magic<'_>> {
    let trimmed = code.trim_start();
    let (first_line, rest) = trimmed.split_once('\n').unwrap_or((trimmed, ""));
    let mut words = first_line.split_whitespace();
    match words.next()? {
        ":help" if words.next().is_none() && rest.trim().is_empty() => Some(Magic::Help),
        ":time" => {
            let inline = first_line.trim_start()[":time".len()..].trim();
            let code = if inline.is_empty() {
                rest
            } else {
                &trimmed[trimmed.find(inline)?..]
            };
            Some(Magic::Time { code })
        }
        _ => None,
    }
}

/// `:help`'s text: ours, then what evcxr says about its own commands.
pub fn help_text(evcxr_help: &str) -> String {
    let width = HELP.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    let mut text = String::from("rhpc kernel commands:\n");
    for (name, description) in HELP {
        text.push_str(&format!("  {name:<width$}  {description}\n"));
    }
    text.push_str("\nevcxr commands:\n");
    text.push_str(evcxr_help.trim_end());
    text.push('\n');
    text
}

/// The `:help` bundle from evcxr's own `:help` output.
pub fn help_bundle(evcxr_help: Option<MimeBundle>) -> MimeBundle {
    let evcxr_text = evcxr_help
        .as_ref()
        .and_then(|bundle| bundle.get("text/plain"))
        .and_then(|text| text.as_str())
        .unwrap_or("")
        .to_owned();
    let mut bundle = MimeBundle::new();
    bundle.insert("text/plain".into(), help_text(&evcxr_text).into());
    bundle
}

/// Reports a timed cell's times, in IPython's words.
pub fn report_time(io: &Arc<dyn CellIo>, timing: Option<CellTiming>) {
    let Some(timing) = timing else {
        return;
    };
    io.stream(
        StreamName::Stdout,
        &format!(
            "CPU times: user {}, sys: {}, total: {}\nWall time: {}\n",
            format_seconds(timing.user),
            format_seconds(timing.system),
            format_seconds(timing.user + timing.system),
            format_seconds(timing.wall)
        ),
    );
}

/// Seconds in IPython's style: `2.5 s`, `130 ms`, `41.2 µs`, `870 ns`.
fn format_seconds(seconds: f64) -> String {
    let (value, unit) = match seconds {
        s if s >= 1.0 => (s, "s"),
        s if s >= 1e-3 => (s * 1e3, "ms"),
        s if s >= 1e-6 => (s * 1e6, "µs"),
        s => (s * 1e9, "ns"),
    };
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_kernel_commands_only() {
        assert_eq!(parse(":help"), Some(Magic::Help));
        assert_eq!(parse("  :help\n"), Some(Magic::Help));
        assert_eq!(
            parse(":time\nlet x = 1;\nx"),
            Some(Magic::Time {
                code: "let x = 1;\nx"
            })
        );
        assert_eq!(
            parse(":time fib(30)"),
            Some(Magic::Time { code: "fib(30)" })
        );
        assert_eq!(parse(":timing"), None);
        assert_eq!(parse(":vars"), None);
        assert_eq!(parse("let x = 1;"), None);
    }

    #[test]
    fn times_use_adaptive_units() {
        assert_eq!(format_seconds(2.5), "2.50 s");
        assert_eq!(format_seconds(0.13), "130 ms");
        assert_eq!(format_seconds(0.0000412), "41.2 µs");
        assert_eq!(format_seconds(0.0), "0.00 ns");
    }

    #[test]
    fn help_lists_every_command_on_its_own_line() {
        let text = help_text(":vars    List variables");
        for (name, _) in HELP {
            assert!(
                text.lines().any(|line| line.trim_start().starts_with(name)),
                "{name}"
            );
        }
        assert!(text.ends_with(":vars    List variables\n"));
    }
}
