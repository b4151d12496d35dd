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
    /// `:timeit [-n N] [-r R] code`: time code in a loop, as IPython's `%timeit` does.
    Timeit {
        /// Loops per run (`-n`); chosen automatically when absent.
        loops: Option<u64>,
        /// Runs (`-r`); rhpc's default (7) when absent.
        repeat: Option<u64>,
        /// The expression or block to time.
        code: &'a str,
    },
    /// `:threads N`: size the session's parallel pool.
    Threads {
        /// The thread count.
        threads: usize,
    },
    /// A kernel command with arguments it cannot take; holds its usage line.
    Malformed {
        /// How the command is used.
        usage: &'static str,
    },
    /// `:rhpc_features a b`: rebuild the session's rhpc with these cargo features.
    RhpcFeatures {
        /// Feature names (separated by spaces or commas).
        features: Vec<&'a str>,
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
    (
        ":timeit [-n N] [-r R] CODE",
        "time CODE (rest of the line, or the lines below): R runs of N loops, N chosen automatically",
    ),
    (
        ":threads N",
        "size the parallel pool used by rhpc (and rayon, from a new session) to N threads",
    ),
    (
        ":rhpc_features F..",
        "rebuild rhpc with optional cargo features (e.g. `frame`); the session starts over",
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
        ":timeit" => Some(parse_timeit(first_line, rest)),
        ":threads" => {
            let threads = words.next().and_then(|n| n.parse::<usize>().ok());
            Some(match threads {
                Some(threads) if threads > 0 && words.next().is_none() => {
                    Magic::Threads { threads }
                }
                _ => Magic::Malformed {
                    usage: ":threads N (a positive number of threads)",
                },
            })
        }
        ":rhpc_features" if rest.trim().is_empty() => Some(Magic::RhpcFeatures {
            features: words
                .flat_map(|word| word.split(','))
                .filter(|feature| !feature.is_empty())
                .collect(),
        }),
        _ => None,
    }
}

const TIMEIT_USAGE: &str = ":timeit [-n LOOPS] [-r RUNS] <expression or block>";

/// `:timeit`'s options and code: the rest of the first line, or the lines below it.
fn parse_timeit<'a>(first_line: &'a str, rest: &'a str) -> Magic<'a> {
    let malformed = Magic::Malformed {
        usage: TIMEIT_USAGE,
    };
    let mut remaining = first_line.trim_start()[":timeit".len()..].trim_start();
    let (mut loops, mut repeat) = (None, None);
    while let Some(flag @ ("-n" | "-r")) = remaining.get(..2) {
        let after = remaining[2..].trim_start();
        let end = after.find(char::is_whitespace).unwrap_or(after.len());
        let Some(value) = after[..end].parse::<u64>().ok().filter(|v| *v > 0) else {
            return malformed;
        };
        if flag == "-n" {
            loops = Some(value);
        } else {
            repeat = Some(value);
        }
        remaining = after[end..].trim_start();
    }
    let code = if remaining.trim().is_empty() {
        rest
    } else {
        remaining
    };
    if code.trim().is_empty() {
        return malformed;
    }
    Magic::Timeit {
        loops,
        repeat,
        code,
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
    let mut text = format!(
        "CPU times: user {}, sys: {}, total: {}\nWall time: {}\n",
        format_seconds(timing.user),
        format_seconds(timing.system),
        format_seconds(timing.user + timing.system),
        format_seconds(timing.wall)
    );
    if let Some(compile) = timing.reused {
        text.push_str(&format!(
            "Compiled code reused from an identical earlier run (compiling took {})\n",
            format_seconds(compile)
        ));
    }
    io.stream(StreamName::Stdout, &text);
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
        assert_eq!(
            parse(":rhpc_features frame, gpu"),
            Some(Magic::RhpcFeatures {
                features: vec!["frame", "gpu"]
            })
        );
        assert_eq!(parse(":vars"), None);
        assert_eq!(parse("let x = 1;"), None);
    }

    #[test]
    fn timeit_takes_options_and_inline_or_following_code() {
        assert_eq!(
            parse(":timeit -n 10 -r3 fib(20)"),
            Some(Magic::Timeit {
                loops: Some(10),
                repeat: Some(3),
                code: "fib(20)"
            })
        );
        assert_eq!(
            parse(":timeit\nlet v = vec![1; 100];\nv.len()"),
            Some(Magic::Timeit {
                loops: None,
                repeat: None,
                code: "let v = vec![1; 100];\nv.len()"
            })
        );
        assert_eq!(
            parse(":timeit -n x f()"),
            Some(Magic::Malformed {
                usage: TIMEIT_USAGE
            })
        );
        assert_eq!(
            parse(":timeit"),
            Some(Magic::Malformed {
                usage: TIMEIT_USAGE
            })
        );
        assert_eq!(parse(":threads 4"), Some(Magic::Threads { threads: 4 }));
        assert!(matches!(parse(":threads 0"), Some(Magic::Malformed { .. })));
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
