//! evcxr errors as Jupyter errors: compile errors drawn like rustc draws them, pointing at
//! the cell's own lines.
//!
//! ```text
//! error[E0308]: mismatched types
//!  --> cell:1:14
//!   |
//! 1 | let y: i32 = "one";
//!   |              ^^^^^ expected `i32`, found `&str`
//!   |        --- expected due to this
//! ```

use std::collections::BTreeMap;

use evcxr::CompilationError;

use crate::interpreter::CellError;

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const BLUE: &str = "\x1b[1;34m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The Jupyter error for a cell that did not compile.
pub fn compile_error(errors: &[CompilationError], code: &str) -> CellError {
    let lines: Vec<&str> = code.lines().collect();
    let mut traceback = Vec::new();
    for error in errors {
        render(error, &lines, &mut traceback);
    }
    let evalue = errors
        .iter()
        .find(|e| e.level() == "error")
        .or(errors.first())
        .map_or_else(|| "compilation failed".to_owned(), |e| e.message());
    CellError {
        ename: "CompileError".into(),
        evalue,
        traceback,
    }
}

/// One underline: columns `start..end` (0-based chars) of a line, with its label.
struct Mark {
    start: usize,
    end: usize,
    label: String,
    primary: bool,
}

fn render(error: &CompilationError, lines: &[&str], out: &mut Vec<String>) {
    let level = error.level();
    let colour = if level == "error" { RED } else { YELLOW };
    let code = error.code().map(|c| format!("[{c}]")).unwrap_or_default();
    out.push(format!(
        "{colour}{level}{code}{RESET}{BOLD}: {}{RESET}",
        error.message()
    ));

    // Marks grouped by line, so a line with two labels is printed once.
    let mut marks: BTreeMap<usize, Vec<Mark>> = BTreeMap::new();
    let mut first = None;
    for message in error.spanned_messages() {
        let Some(span) = message.span else { continue };
        let Some(source) = lines.get(span.start_line.saturating_sub(1)) else {
            continue;
        };
        let start = span.start_column.saturating_sub(1);
        let end = if span.end_line == span.start_line {
            span.end_column.saturating_sub(1)
        } else {
            source.chars().count()
        };
        if first.is_none() || message.is_primary {
            first = first.or(Some((span.start_line, span.start_column)));
        }
        marks.entry(span.start_line).or_default().push(Mark {
            start,
            end: end.max(start + 1),
            label: label_text(&message.label, error).to_owned(),
            primary: message.is_primary,
        });
    }
    let gutter = marks.keys().last().map_or(1, |line| line.to_string().len());
    let pad = " ".repeat(gutter);
    if let Some((line, column)) = first {
        out.push(format!("{pad}{BLUE}-->{RESET} cell:{line}:{column}"));
        out.push(format!("{pad} {BLUE}|{RESET}"));
    }
    for (line, line_marks) in &marks {
        let source = lines.get(line - 1).copied().unwrap_or_default();
        out.push(format!("{BLUE}{line:>gutter$} |{RESET} {source}"));
        for mark in line_marks {
            let (symbol, mark_colour) = if mark.primary {
                ('^', colour)
            } else {
                ('-', BLUE)
            };
            let underline: String = std::iter::repeat_n(symbol, mark.end - mark.start).collect();
            out.push(format!(
                "{pad} {BLUE}|{RESET} {}{mark_colour}{underline} {}{RESET}",
                " ".repeat(mark.start),
                mark.label
            ));
        }
    }
    for help in error.help() {
        out.push(format!("{pad} {BLUE}={RESET} {BOLD}help{RESET}: {help}"));
    }
    if let Some(hint) = error.evcxr_extra_hint() {
        out.push(format!("{pad} {BLUE}={RESET} {BOLD}note{RESET}: {hint}"));
    }
    out.push(String::new());
}

/// evcxr labels some spans with the whole "error: message"; keep just the label.
fn label_text<'a>(label: &'a str, error: &CompilationError) -> &'a str {
    if label.ends_with(&error.message()) && label.contains(": ") {
        ""
    } else {
        label
    }
}

/// The error for an evcxr failure other than a compile error.
pub fn other_error(error: &evcxr::Error) -> CellError {
    CellError::new("EvalError", error.to_string())
}
