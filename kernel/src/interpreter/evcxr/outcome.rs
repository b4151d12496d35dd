//! A cell's outcome, from evcxr's result and what the cell process reported.
//!
//! The sources, in order of precedence: compile errors and a dead cell process (evcxr's
//! result), a panic that ended the cell (the output router), an interrupt, and a refused
//! read of standard input. A cell that got through all of them has a value or none.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use evcxr::EvalOutputs;
use serde_json::Value;

use super::errors;
use super::output::{CellReport, PanicReport};
use crate::interpreter::{CellError, InputError, MimeBundle};

/// Per-cell flags set from other threads while the cell runs.
#[derive(Default)]
pub struct CellFlags {
    /// The user interrupted this cell.
    pub interrupted: AtomicBool,
    /// The cell tried to read stdin the frontend cannot provide.
    pub stdin_denied: AtomicBool,
}

/// Turns evcxr's result and what the cell reported into the cell's outcome.
pub fn classify(
    result: Result<EvalOutputs, evcxr::Error>,
    report: &CellReport,
    flags: &CellFlags,
    code: &str,
    variables_before: &[String],
) -> Result<Option<MimeBundle>, CellError> {
    let interrupted = flags.interrupted.load(Ordering::SeqCst);
    if let (Ok(_), Some(panic)) = (&result, &report.panic) {
        return Err(panic_error(panic.clone()));
    }
    match result {
        Err(evcxr::Error::CompilationErrors(errors)) => Err(errors::compile_error(&errors, code)),
        Err(evcxr::Error::SubprocessTerminated(message)) => Err(if interrupted {
            interrupted_error(
                "the cell did not stop within the grace period, so its process was restarted",
                variables_before,
            )
        } else {
            crashed_error(&message, report, variables_before)
        }),
        Err(evcxr::Error::TypeRedefinedVariablesLost(lost)) => Err(CellError::new(
            "VariablesLost",
            format!(
                "a type was redefined, so these variables were lost: {}",
                lost.join(", ")
            ),
        )),
        Err(other) => Err(errors::other_error(&other)),
        Ok(_) if interrupted => Err(interrupted_error(
            "the cell stopped after an interrupt; variables are kept",
            &[],
        )),
        Ok(_) if flags.stdin_denied.load(Ordering::SeqCst) => Err(CellError::new(
            "StdinNotAvailable",
            InputError::NotAllowed.to_string(),
        )),
        Ok(outputs) => Ok(to_bundle(outputs)),
    }
}

fn panic_error(report: PanicReport) -> CellError {
    let mut traceback = vec![format!("\x1b[1;31mpanic\x1b[0m: {}", report.message)];
    // Locations inside the cell's generated crate mean nothing to the user.
    if let Some(location) = report.location.filter(|l| !l.starts_with("src/lib.rs")) {
        traceback.push(format!("  at {location}"));
    }
    traceback.push("Variables defined before this cell are kept.".into());
    CellError {
        ename: "panic".into(),
        evalue: report.message,
        traceback,
    }
}

/// `; variables lost: a, b`, or nothing when none were lost.
pub fn lost_note(variables: &[String]) -> String {
    if variables.is_empty() {
        String::new()
    } else {
        format!("; variables lost: {}", variables.join(", "))
    }
}

fn interrupted_error(reason: &str, lost: &[String]) -> CellError {
    CellError::new("Interrupted", format!("{reason}{}", lost_note(lost)))
}

fn crashed_error(message: &str, report: &CellReport, lost: &[String]) -> CellError {
    let status = message
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or(message)
        .trim()
        .replace("Subprocess terminated with status: ", "");
    let cause = match &report.allocation_failure {
        Some(failure) => format!("ran out of memory ({failure})"),
        None => describe_status(&status),
    };
    let mut error = CellError::new(
        "CellProcessDied",
        format!(
            "the cell's process {cause}; it was restarted{}",
            lost_note(lost)
        ),
    );
    let details: Vec<String> = message
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    if details.len() > 1 {
        error.traceback.extend(details);
    }
    error
}

/// What an exit status (as std formats it: `exit status: 3`, `signal: 11 (SIGSEGV)`) means.
fn describe_status(status: &str) -> String {
    if let Some(code) = status.strip_prefix("exit status: ") {
        return format!("exited with status {code} (the cell called `std::process::exit`?)");
    }
    let meaning = [
        (
            "SIGABRT",
            "aborted (`std::process::abort`, or a failed allocation)",
        ),
        ("SIGSEGV", "an invalid memory access (segmentation fault)"),
        ("SIGBUS", "an invalid memory access (bus error)"),
        ("SIGILL", "an illegal instruction"),
        ("SIGFPE", "an arithmetic fault"),
        (
            "SIGKILL",
            "killed (often the system's out-of-memory killer)",
        ),
    ]
    .into_iter()
    .find(|(name, _)| status.contains(name));
    match meaning {
        Some((_, meaning)) => format!("died of {status}: {meaning}"),
        None => format!("died ({status})"),
    }
}

/// evcxr's MIME map as a Jupyter bundle (JSON types parsed); `None` for no value.
fn to_bundle(outputs: EvalOutputs) -> Option<MimeBundle> {
    let content: HashMap<String, String> = outputs.content_by_mime_type;
    // A cell ending in a unit expression (`println!(..)` without `;`) has no value to show.
    let unit = content.len() == 1 && content.get("text/plain").is_some_and(|t| t == "()");
    if content.is_empty() || unit {
        return None;
    }
    let mut bundle = MimeBundle::new();
    for (mime, text) in content {
        let value = if mime.ends_with("json") {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        } else {
            Value::String(text)
        };
        bundle.insert(mime, value);
    }
    Some(bundle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crashes_name_the_status_and_the_lost_variables() {
        let error = crashed_error(
            "bye\nSubprocess terminated with status: signal: 6 (SIGABRT)",
            &CellReport::default(),
            &["a".into(), "b".into()],
        );
        assert_eq!(error.ename, "CellProcessDied");
        assert!(
            error.evalue.contains("signal: 6 (SIGABRT)"),
            "{}",
            error.evalue
        );
        assert!(
            error.evalue.ends_with("variables lost: a, b"),
            "{}",
            error.evalue
        );
        assert!(error.traceback.iter().any(|line| line == "bye"));
    }

    #[test]
    fn crashes_say_what_happened() {
        let died = |status: &str, report: &CellReport| {
            crashed_error(
                &format!("Subprocess terminated with status: {status}"),
                report,
                &[],
            )
            .evalue
        };
        assert!(died("exit status: 3", &CellReport::default()).contains("exited with status 3"));
        assert!(died("signal: 11 (SIGSEGV)", &CellReport::default()).contains("invalid memory"));
        let oom = CellReport {
            allocation_failure: Some("memory allocation of 64 bytes failed".into()),
            ..CellReport::default()
        };
        assert!(died("signal: 6 (SIGABRT)", &oom).contains("ran out of memory"));
    }

    #[test]
    fn unit_values_are_not_shown() {
        let mut outputs = EvalOutputs::new();
        outputs
            .content_by_mime_type
            .insert("text/plain".into(), "()".into());
        assert_eq!(to_bundle(outputs), None);
    }

    #[test]
    fn json_mime_types_are_parsed() {
        let mut outputs = EvalOutputs::new();
        outputs
            .content_by_mime_type
            .insert("application/json".into(), "{\"a\": 1}".into());
        let bundle = to_bundle(outputs).unwrap();
        assert_eq!(bundle["application/json"]["a"], 1);
    }
}
