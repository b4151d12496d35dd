//! [`JitError`] and [`CompileFailure`]: what goes wrong when defining, compiling, loading or
//! calling a kernel, with compiler errors mapped back to the line of the user's code.
//!
//! Generated code marks each piece of user code with a `#line 1 "operation"` directive (or
//! `map`, `reduce`, `post_map`, `identity`, `preamble`, `source`), so both the C compiler and
//! NVRTC report positions inside what the user wrote rather than inside generated code.

use std::fmt;

use crate::gpu::{GpuError, Shape};
use crate::interrupt::Interrupted;

/// An error from defining, compiling or calling a kernel.
///
/// ```
/// use rhpc::jit::{ElementwiseKernel, JitError};
///
/// let error = ElementwiseKernel::new("flaot32 x", "float32 y", "y = x", "typo").unwrap_err();
/// assert!(matches!(error, JitError::Signature { .. }));
/// assert!(error.to_string().contains("flaot32"));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum JitError {
    /// A parameter list that does not parse.
    #[error("kernel `{kernel}`: bad parameter list `{text}`: {message}")]
    Signature {
        /// The kernel's name.
        kernel: String,
        /// The parameter list as given.
        text: String,
        /// What is wrong with it.
        message: String,
    },
    /// Arguments that do not fit the parameters (count, type, device).
    #[error("kernel `{kernel}`: {message}")]
    Arguments {
        /// The kernel's name.
        kernel: String,
        /// What does not fit.
        message: String,
    },
    /// An array argument whose shape differs from the others'.
    #[error("kernel `{kernel}`: argument `{param}` has shape {found}, expected {expected}")]
    ShapeMismatch {
        /// The kernel's name.
        kernel: String,
        /// The parameter.
        param: String,
        /// The shape of the kernel's other arrays.
        expected: Shape,
        /// The argument's shape.
        found: Shape,
    },
    /// The kernel's code does not compile.
    #[error("{0}")]
    Compile(Box<CompileFailure>),
    /// No compiler for this device: no C compiler for the host, or no NVRTC for CUDA.
    #[error("no compiler for {target} kernels: {detail}")]
    NoCompiler {
        /// `host` or `CUDA`.
        target: &'static str,
        /// What was looked for.
        detail: String,
    },
    /// Compiled code that could not be loaded.
    #[error("kernel `{kernel}`: cannot load the compiled code: {detail}")]
    Load {
        /// The kernel's name.
        kernel: String,
        /// Why.
        detail: String,
    },
    /// Something this kernel cannot do on this device.
    #[error("kernel `{kernel}`: {message}")]
    Unsupported {
        /// The kernel's name.
        kernel: String,
        /// What and why.
        message: String,
    },
    /// An error from the device: memory, transfers, the driver.
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// The user interrupted a running kernel.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
}

impl JitError {
    /// Whether this error is an interrupt by the user (from the kernel or from a wait).
    ///
    /// ```
    /// assert!(rhpc::jit::JitError::from(rhpc::Interrupted).is_interrupted());
    /// ```
    pub fn is_interrupted(&self) -> bool {
        matches!(
            self,
            JitError::Interrupted(_) | JitError::Gpu(GpuError::Interrupted(_))
        )
    }
}

/// A compiler's verdict on a kernel's code, located in the user's code.
///
/// ```
/// use rhpc::jit::{ElementwiseKernel, JitError, Kernel};
/// use rhpc::gpu::Device;
///
/// let kernel = ElementwiseKernel::new("float32 x", "float32 y", "y = x + w", "broken")?;
/// let x = Device::host().to_device(&[1.0f32])?;
/// match kernel.call::<f32>(rhpc::args![&x]) {
///     Err(JitError::Compile(failure)) => {
///         assert_eq!(failure.section.as_deref(), Some("operation"));
///         assert_eq!(failure.line, Some(1));
///         assert!(failure.message.contains('w'));
///     }
///     other => panic!("expected a compile error, got {other:?}"),
/// }
/// # Ok::<(), JitError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CompileFailure {
    /// The kernel's name.
    pub kernel: String,
    /// The compiler that refused it (`gcc-12`, `NVRTC 12.8`).
    pub compiler: String,
    /// The piece of user code the first error is in (`operation`, `map`, `reduce`,
    /// `post_map`, `identity`, `preamble`, `source`), if it is in user code.
    pub section: Option<String>,
    /// The line within that piece, from 1.
    pub line: Option<u32>,
    /// The column, from 1, when the compiler gives it.
    pub column: Option<u32>,
    /// The compiler's message for the first error.
    pub message: String,
    /// The offending line of user code.
    pub source_line: Option<String>,
    /// The compiler's whole output.
    pub log: String,
}

impl fmt::Display for CompileFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "kernel `{}` does not compile ({})",
            self.kernel, self.compiler
        )?;
        if let Some(section) = &self.section {
            write!(f, ": {section}")?;
            if let Some(line) = self.line {
                write!(f, " line {line}")?;
            }
            if let Some(column) = self.column {
                write!(f, ", column {column}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let (Some(line), Some(text)) = (self.line, &self.source_line) {
            let gutter = line.to_string();
            write!(f, "\n  {gutter} | {text}")?;
            if let Some(column) = self.column {
                let pad = " ".repeat(gutter.len());
                let indent = " ".repeat((column as usize).saturating_sub(1));
                write!(f, "\n  {pad} | {indent}^")?;
            }
        }
        Ok(())
    }
}

/// One `error:` line of a compiler's output: file, line, column and message.
struct Located<'a> {
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

/// Parses `file:line:col: error: message` (GCC, Clang) and `file(line): error: message`
/// (NVRTC).
fn parse_error_line(text: &str) -> Option<Located<'_>> {
    let (location, message) = text
        .split_once(": error: ")
        .or_else(|| text.split_once(": fatal error: "))?;
    if let Some(open) = location.rfind('(')
        && location.ends_with(')')
    {
        return Some(Located {
            file: &location[..open],
            line: location[open + 1..location.len() - 1].parse().ok(),
            column: None,
            message,
        });
    }
    let mut parts = location.rsplitn(3, ':');
    let last = parts.next()?;
    let middle = parts.next();
    let first = parts.next();
    Some(match (first, middle) {
        (Some(file), Some(line)) => Located {
            file,
            line: line.parse().ok(),
            column: last.parse().ok(),
            message,
        },
        (None, Some(file)) => Located {
            file,
            line: last.parse().ok(),
            column: None,
            message,
        },
        _ => Located {
            file: location,
            line: None,
            column: None,
            message,
        },
    })
}

/// Builds the [`CompileFailure`] for a compiler's output; `sections` maps the `#line` file
/// names of user code to that code, to quote the offending line.
pub(crate) fn compile_failure(
    kernel: &str,
    compiler: &str,
    log: &str,
    sections: &[(&'static str, String)],
) -> JitError {
    let errors: Vec<Located> = log.lines().filter_map(parse_error_line).collect();
    // The first error in user code explains the most; otherwise the first error at all.
    let chosen = errors
        .iter()
        .find(|error| sections.iter().any(|(name, _)| *name == error.file))
        .or(errors.first());
    let failure = match chosen {
        Some(error) => {
            let section = sections.iter().find(|(name, _)| *name == error.file);
            CompileFailure {
                kernel: kernel.to_owned(),
                compiler: compiler.to_owned(),
                section: section.map(|(name, _)| (*name).to_owned()),
                line: error.line,
                column: error.column,
                message: error.message.trim().to_owned(),
                source_line: section.zip(error.line).and_then(|((_, code), line)| {
                    code.lines()
                        .nth((line as usize).saturating_sub(1))
                        .map(str::to_owned)
                }),
                log: log.to_owned(),
            }
        }
        None => CompileFailure {
            kernel: kernel.to_owned(),
            compiler: compiler.to_owned(),
            section: None,
            line: None,
            column: None,
            message: log
                .lines()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("the compiler failed without a message")
                .trim()
                .to_owned(),
            source_line: None,
            log: log.to_owned(),
        },
    };
    JitError::Compile(Box::new(failure))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sections() -> Vec<(&'static str, String)> {
        vec![("operation", "z = x +\n  (y * w)".to_owned())]
    }

    #[test]
    fn gcc_errors_point_into_user_code() {
        let log = "generated.c: In function 'rhpc_elementwise':\n\
                   operation:2:9: error: 'w' undeclared (first use in this function)\n";
        let JitError::Compile(failure) = compile_failure("k", "gcc", log, &sections()) else {
            panic!("not a compile error")
        };
        assert_eq!(failure.section.as_deref(), Some("operation"));
        assert_eq!((failure.line, failure.column), (Some(2), Some(9)));
        assert_eq!(failure.source_line.as_deref(), Some("  (y * w)"));
        let text = failure.to_string();
        assert!(text.contains("operation line 2, column 9"), "{text}");
        assert!(text.ends_with("|         ^"), "{text}");
    }

    #[test]
    fn nvrtc_errors_point_into_user_code() {
        let log = "operation(1): error: identifier \"w\" is undefined\n\n1 error detected";
        let JitError::Compile(failure) = compile_failure("k", "NVRTC", log, &sections()) else {
            panic!("not a compile error")
        };
        assert_eq!(failure.line, Some(1));
        assert_eq!(failure.column, None);
        assert!(failure.message.contains("undefined"));
    }

    #[test]
    fn other_failures_keep_the_first_line() {
        let JitError::Compile(failure) =
            compile_failure("k", "cc", "\ncc: internal compiler error\n", &sections())
        else {
            panic!("not a compile error")
        };
        assert_eq!(failure.section, None);
        assert_eq!(failure.message, "cc: internal compiler error");
    }
}
