//! The interpreter behind the kernel: one hook per request, in the style of xeus.
//!
//! The server owns everything the protocol needs (execution counts, busy/idle status, parent
//! headers, history, aborting queued cells); an [`Interpreter`] only runs code and answers
//! questions about it. Output produced while a cell runs goes through [`CellIo`], so it
//! reaches the frontend live. [`evcxr`] is the Rust implementation; the server's tests use a
//! small fake.
//!
//! Every method takes `&self`: completion, inspection and `is_complete` must be answerable
//! while `execute` is busy on another thread (a long cell must not freeze the editor), so
//! implementations choose their own locking.

pub mod evcxr;
pub mod is_complete;

use std::sync::Arc;

use serde_json::{Map, Value};

/// A MIME bundle: MIME type to content (a string, or JSON for `*json` types).
pub type MimeBundle = Map<String, Value>;

/// Which output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamName {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl StreamName {
    /// The protocol's name for the stream.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamName::Stdout => "stdout",
            StreamName::Stderr => "stderr",
        }
    }
}

/// A rich output event produced while a cell runs.
#[derive(Debug, Clone, PartialEq)]
pub enum DisplayEvent {
    /// `display_data`: show a bundle, optionally under an id that can be updated later.
    Show {
        /// The MIME bundle.
        data: MimeBundle,
        /// Per-MIME metadata.
        metadata: Map<String, Value>,
        /// Transient display id, for later updates.
        display_id: Option<String>,
    },
    /// `update_display_data`: replace every output shown under `display_id`.
    Update {
        /// The MIME bundle.
        data: MimeBundle,
        /// Per-MIME metadata.
        metadata: Map<String, Value>,
        /// The id given when it was first shown.
        display_id: String,
    },
    /// `clear_output`: clear the cell's output, now or (with `wait`) when new output arrives.
    Clear {
        /// Wait for the next output before clearing (avoids flicker).
        wait: bool,
    },
}

/// Why a request for input got no input.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputError {
    /// The frontend said it cannot answer input requests (`allow_stdin` false).
    #[error(
        "standard input is not available: the frontend sent allow_stdin=false \
         (nbconvert and papermill do); pass the value in the notebook instead"
    )]
    NotAllowed,
    /// The kernel was interrupted while waiting.
    #[error("interrupted while waiting for input")]
    Interrupted,
    /// The frontend went away or answered with an error.
    #[error("no input received: {0}")]
    Failed(String),
}

/// The frontend, as seen by a running cell.
///
/// Output that code prints after its cell has finished (a background thread, say) still
/// goes to the last cell's `CellIo`, as in IPython.
pub trait CellIo: Send + Sync {
    /// Text on stdout or stderr.
    fn stream(&self, name: StreamName, text: &str);
    /// A rich display event.
    fn display(&self, event: DisplayEvent);
    /// Asks the user for a line of input; blocks until the frontend answers.
    fn input(&self, prompt: &str, password: bool) -> Result<String, InputError>;
}

/// A cell that did not complete: the protocol's `ename`, `evalue` and `traceback`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// Short error class, for example `CompileError` or `panic`.
    pub ename: String,
    /// One-line message.
    pub evalue: String,
    /// Lines shown to the user (may contain ANSI colours).
    pub traceback: Vec<String>,
}

impl CellError {
    /// An error whose traceback is just its message.
    pub fn new(ename: impl Into<String>, evalue: impl Into<String>) -> CellError {
        let evalue = evalue.into();
        let ename = ename.into();
        CellError {
            traceback: vec![format!("{ename}: {evalue}")],
            ename,
            evalue,
        }
    }
}

/// Completion candidates for `code` at the cursor; offsets are byte offsets into `code`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Completions {
    /// Replacement texts.
    pub matches: Vec<String>,
    /// Start of the text to replace.
    pub start: usize,
    /// End of the text to replace.
    pub end: usize,
    /// Extra information (for example `_jupyter_types_experimental`).
    pub metadata: Map<String, Value>,
}

/// The answer to `is_complete_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completeness {
    /// Ready to run.
    Complete,
    /// More input is needed; `indent` is the suggested indentation of the next line.
    Incomplete {
        /// Whitespace for the next line.
        indent: String,
    },
    /// Can never parse, whatever follows.
    Invalid,
    /// Cannot tell.
    Unknown,
}

/// Static facts about the language, for `kernel_info_reply`.
#[derive(Debug, Clone)]
pub struct LanguageInfo {
    /// `rust`.
    pub name: String,
    /// The compiler's version.
    pub version: String,
    /// `text/rust`.
    pub mimetype: String,
    /// `.rs`.
    pub file_extension: String,
    /// Pygments lexer name.
    pub pygments_lexer: String,
    /// CodeMirror mode.
    pub codemirror_mode: String,
    /// nbconvert exporter.
    pub nbconvert_exporter: String,
    /// Banner shown by consoles.
    pub banner: String,
    /// Links for the Help menu: (text, url).
    pub help_links: Vec<(String, String)>,
}

/// Runs code and answers questions about it. See the module docs for the contract.
pub trait Interpreter: Send + Sync + 'static {
    /// Facts for `kernel_info_reply`. Called once; must not wait for a slow start-up.
    fn language_info(&self) -> LanguageInfo;

    /// Runs one cell, streaming its output through `io`. Returns the cell's value as a MIME
    /// bundle (or `None` when the cell has no value), or the error that stopped it.
    fn execute(&self, code: &str, io: Arc<dyn CellIo>) -> Result<Option<MimeBundle>, CellError>;

    /// If `code` asks for help instead of running (Rust cells use `?name`, as IPython does),
    /// the documentation to show in the pager. The default asks [`Interpreter::inspect`].
    fn page(&self, code: &str) -> Option<MimeBundle> {
        let name = code.trim().strip_prefix('?')?.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return None;
        }
        self.inspect(name, name.len(), 1)
    }

    /// Evaluates one expression for `user_expressions`, without output of its own.
    fn evaluate(&self, expression: &str) -> Result<MimeBundle, CellError>;

    /// Completions at byte offset `cursor`.
    fn complete(&self, code: &str, cursor: usize) -> Completions;

    /// Documentation or the type of the name at byte offset `cursor`, if any.
    fn inspect(&self, code: &str, cursor: usize, detail_level: u8) -> Option<MimeBundle>;

    /// Whether `code` is ready to run. The default is the lexical check for Rust.
    fn is_complete(&self, code: &str) -> Completeness {
        is_complete::classify(code)
    }

    /// Asks the running cell to stop. Returns at once; the cell's `execute` then returns an
    /// error. Does nothing when no cell runs.
    fn interrupt(&self);

    /// Releases everything (child processes, temporary files) before the kernel exits.
    fn shutdown(&self);
}
