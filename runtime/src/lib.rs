//! # rhpc: HPC for Rust notebooks
//!
//! The runtime every rhpc notebook can use with no setup. Its modules follow the chapters
//! of the course it grows from: parallel loops and timing, JIT-compiled kernels, GPU arrays
//! with explicit transfers, and task graphs. They arrive in their own changes; see the
//! repository's README for what is available.

#![deny(missing_docs)]
