//! `rhpc-kernel`: a Jupyter kernel for Rust, evaluating cells through evcxr.
//!
//! The crate is layered by dependency:
//!
//! - [`protocol`]: Jupyter messages on the wire (framing, signing, typed requests); no sockets.
//! - [`server`]: the protocol server over ZeroMQ; drives any [`interpreter::Interpreter`].
//! - [`interpreter`]: the interpreter trait and its evcxr implementation (the only module that
//!   touches evcxr), plus the lexical `is_complete` check.
//! - [`bridge`]: the line protocol by which code running in a cell talks to the kernel
//!   (rich displays, panics), shared with the `rhpc` runtime crate.
//! - [`cell_process`]: the child process evcxr runs cells in (our own binary, in another mode).
//! - [`cell_cache`]: cargo's rustc wrapper (our own binary, in a third mode), which reuses
//!   the compiled code of a cell run again unchanged.
//! - [`history`], [`kernelspec`]: the history file and `install`/`uninstall`.
//! - [`workspace`]: persistent build directories, so sessions reuse what earlier ones built.
//! - [`runtime_source`]: the rhpc crate's source, embedded for kernels without a checkout.

pub mod bridge;
pub mod cell_cache;
pub mod cell_process;
pub mod history;
pub mod interpreter;
pub mod kernelspec;
pub mod protocol;
pub mod runtime_source;
pub mod server;
pub mod workspace;
