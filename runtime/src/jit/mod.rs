//! JIT-compiled, cached kernels in CuPy's style, on CUDA or on the host: the course's Numba
//! and CuPy kernel chapters.
//!
//! - [`ElementwiseKernel`]: an operation on element `i` of each array
//!   (`"z = (x - y) * (x - y)"`), with typed (`float32 x`) or generic (`T x`) parameters and
//!   scalar arguments;
//! - [`ReductionKernel`]: map, reduce, post-map and identity, reducing arrays to one value;
//! - [`RawKernel`]: CUDA C++ source launched with a grid and a block (CUDA only).
//!
//! Elementwise and reduction kernels are called through the [`Kernel`] trait (in the
//! prelude): `call`, `call_into`, `launch` on a stream, `source_for`.
//!
//! Kernel code is C (C++ on CUDA) and is trusted like an `unsafe` block: rhpc checks the
//! arguments' types, shapes and devices, but not what the code does with them. Indexing a
//! `raw` array out of bounds is undefined behaviour (on the host, typically a crash of the
//! process running the cell; on a GPU, a failed launch).
//!
//! A kernel is compiled at its first call for the device its arrays are on: by NVRTC for a
//! GPU, by the system C compiler for the host, where it then runs in parallel over chunks on
//! every core. Elementwise and reduction kernels compute the same results on both
//! (floating-point contraction is off on both, so arithmetic rounds as in plain Rust).
//!
//! Compiled kernels are cached in memory and on disk under [`cache_dir`], keyed by a hash of
//! the source, the types, the options, the compiler, the device's architecture and rhpc's
//! version: a re-run notebook, or a new process, loads them instead of compiling again.
//! [`cache_info`] shows hits, misses and times. A compile error names the line of your code
//! and quotes the compiler ([`CompileFailure`]).
//!
//! ```
//! use rhpc::prelude::*;
//!
//! let device = Device::best();
//! let x = device.to_device(&[1.0f32, 2.0, 3.0])?;
//! let y = device.to_device(&[1.0f32, 1.0, 1.0])?;
//!
//! let squared_diff = ElementwiseKernel::new(
//!     "float32 x, float32 y", "float32 z", "z = (x - y) * (x - y)", "squared_diff",
//! )?;
//! let z = squared_diff.call::<f32>(args![&x, &y])?;
//!
//! let sum = ReductionKernel::new("T x", "T s", "x", "a + b", "s = a", "0", "sum")?;
//! assert_eq!(sum.reduce::<f32>(args![&z])?, 5.0);
//! # Ok::<(), rhpc::jit::JitError>(())
//! ```

mod args;
mod cache;
mod codegen;
mod compile;
mod cuda;
mod elementwise;
mod error;
mod host;
mod kernel;
mod raw;
mod reduction;
mod signature;
mod traits;

pub use args::Arg;
pub use cache::{CacheEntry, CacheInfo, cache_dir, cache_info, clear_memory_cache};
pub use elementwise::ElementwiseKernel;
pub use error::{CompileFailure, JitError};
pub use raw::{Dim3, RawKernel};
pub use reduction::ReductionKernel;
pub use traits::Kernel;
