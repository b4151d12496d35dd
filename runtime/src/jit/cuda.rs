//! The CUDA backend of kernels: NVRTC compiles generated (or raw) CUDA C++ to PTX for the
//! device's architecture, the driver loads it, and launches go through cudarc.
//!
//! NVRTC is loaded at run time like the driver (see [`crate::gpu`]): without it, compiling
//! for CUDA is a [`JitError::NoCompiler`], never a panic. Compilation uses `--fmad=false` so
//! elementwise arithmetic rounds as on the host.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use cudarc::driver::{CudaFunction, CudaModule, CudaStream, LaunchConfig, PushKernelArg};
use cudarc::nvrtc::{CompileError, CompileOptions, Ptx};

use crate::gpu::cuda::call;
use crate::gpu::{GpuError, Scalar};
use crate::panic_payload::panic_message;

use super::args::{Arg, ArgInner, Bound};
use super::error::{JitError, compile_failure};

/// Whether `libnvrtc.so` can be loaded (looked up once per process).
fn nvrtc_present() -> bool {
    static PRESENT: OnceLock<bool> = OnceLock::new();
    // SAFETY: only tries to open the library by name.
    *PRESENT.get_or_init(|| unsafe { cudarc::nvrtc::sys::is_culib_present() })
}

fn no_nvrtc(detail: impl Into<String>) -> JitError {
    JitError::NoCompiler {
        target: "CUDA",
        detail: detail.into(),
    }
}

/// `NVRTC 12.8`: the compiler's identity for messages and for the cache key.
pub(crate) fn nvrtc_version() -> Result<String, JitError> {
    if !nvrtc_present() {
        return Err(no_nvrtc(
            "libnvrtc.so could not be loaded (install the CUDA toolkit's NVRTC, e.g. the \
             cuda-nvrtc package, and put it on LD_LIBRARY_PATH)",
        ));
    }
    let version = catch_unwind(|| {
        let (mut major, mut minor) = (0i32, 0i32);
        // SAFETY: writes two ints through valid pointers.
        unsafe { cudarc::nvrtc::sys::nvrtcVersion(&mut major, &mut minor) };
        (major, minor)
    })
    .map_err(|panic| no_nvrtc(panic_message(panic.as_ref())))?;
    Ok(format!("NVRTC {}.{}", version.0, version.1))
}

/// Compiles CUDA `source` to PTX for `arch` (`compute_80`).
pub(crate) fn compile(
    kernel: &str,
    source: &str,
    options: &[String],
    arch: &str,
    sections: &[(&'static str, String)],
) -> Result<String, JitError> {
    let compiler = nvrtc_version()?;
    if source.contains('\0') {
        return Err(JitError::Arguments {
            kernel: kernel.to_owned(),
            message: "kernel source contains a NUL character".into(),
        });
    }
    let mut flags = vec![format!("--gpu-architecture={arch}"), "--fmad=false".into()];
    flags.extend(options.iter().cloned());
    let opts = CompileOptions {
        options: flags,
        name: Some(format!("{kernel}.cu")),
        ..CompileOptions::default()
    };
    let compiled = catch_unwind(AssertUnwindSafe(|| {
        cudarc::nvrtc::compile_ptx_with_opts(source, opts)
    }))
    .map_err(|panic| no_nvrtc(panic_message(panic.as_ref())))?;
    match compiled {
        Ok(ptx) => {
            let bytes = ptx.as_bytes().unwrap_or_default();
            let text = String::from_utf8_lossy(bytes);
            Ok(text.trim_end_matches('\0').to_owned())
        }
        Err(CompileError::CompileError { log, .. }) => Err(compile_failure(
            kernel,
            &compiler,
            &log.to_string_lossy(),
            sections,
        )),
        Err(other) => Err(compile_failure(
            kernel,
            &compiler,
            &format!("{other:?}"),
            sections,
        )),
    }
}

/// A loaded PTX module and the functions taken from it.
pub(crate) struct CudaKernels {
    functions: Vec<(String, CudaFunction)>,
    _module: Arc<CudaModule>,
}

impl CudaKernels {
    /// Loads the PTX at `path` into `device`'s context and looks up `names`.
    pub(crate) fn load(
        path: &Path,
        context: &Arc<cudarc::driver::CudaContext>,
        names: &[&str],
    ) -> Result<CudaKernels, String> {
        let ptx = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        if ptx.contains('\0') {
            return Err("the PTX file is corrupt".into());
        }
        let module = call("cuModuleLoadData", || {
            context.load_module(Ptx::from_src(ptx))
        })
        .map_err(|e| e.to_string())?;
        let functions = names
            .iter()
            .map(|name| {
                if name.contains('\0') {
                    return Err(format!("bad kernel name {name:?}"));
                }
                call("cuModuleGetFunction", || module.load_function(name))
                    .map(|function| ((*name).to_owned(), function))
                    .map_err(|e| format!("no kernel named `{name}` in the module: {e}"))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(CudaKernels {
            functions,
            _module: module,
        })
    }

    pub(crate) fn function(&self, name: &str) -> Result<&CudaFunction, JitError> {
        self.functions
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, function)| function)
            .ok_or_else(|| JitError::Load {
                kernel: name.to_owned(),
                detail: "the loaded module has no such function".into(),
            })
    }
}

/// One argument of a CUDA launch.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param {
    /// A device pointer.
    Pointer(u64),
    Scalar(Scalar),
}

/// Launches `function` on `stream` with `grid` × `block` threads.
pub(crate) fn launch(
    function: &CudaFunction,
    stream: &CudaStream,
    grid: (u32, u32, u32),
    block: (u32, u32, u32),
    params: &[Param],
) -> Result<(), GpuError> {
    let mut builder = stream.launch_builder(function);
    for param in params {
        match param {
            Param::Pointer(pointer) => builder.arg(pointer),
            Param::Scalar(Scalar::F32(value)) => builder.arg(value),
            Param::Scalar(Scalar::F64(value)) => builder.arg(value),
            Param::Scalar(Scalar::I32(value)) => builder.arg(value),
            Param::Scalar(Scalar::I64(value)) => builder.arg(value),
            Param::Scalar(Scalar::U32(value)) => builder.arg(value),
            Param::Scalar(Scalar::U64(value)) => builder.arg(value),
        };
    }
    let config = LaunchConfig {
        grid_dim: grid,
        block_dim: block,
        shared_mem_bytes: 0,
    };
    // SAFETY: the parameters match the kernel's signature: generated kernels by
    // construction (codegen.rs), raw kernels by the caller's promise (RawKernel::launch).
    call("cuLaunchKernel", || unsafe { builder.launch(config) }).map(|_| ())
}

/// Blocks for a grid-stride loop over `n` elements: enough to fill the device, no more.
pub(crate) fn grid_for(n: usize, block: u32, multiprocessors: usize, per_sm: usize) -> u32 {
    let needed = n.div_ceil(block as usize).max(1);
    let cap = (multiprocessors.max(1) * per_sm).max(1);
    u32::try_from(needed.min(cap)).unwrap_or(u32::MAX)
}

/// The launch parameters for `args` on a CUDA stream, with the guards that order the
/// arrays' accesses on it (keep them until the launch is queued).
pub(crate) fn cuda_params<'s>(
    args: &'s mut [Arg<'_>],
    bound: &[Bound],
    stream: &'s CudaStream,
    kernel: &str,
) -> Result<(Vec<Param>, Vec<cudarc::driver::SyncOnDrop<'s>>), JitError> {
    let mut params = Vec::with_capacity(args.len());
    let mut guards = Vec::new();
    for (index, arg) in args.iter_mut().enumerate() {
        let pointer = match &mut arg.0 {
            ArgInner::Array(array) => array.cuda_ptr(stream),
            ArgInner::ArrayMut(array) => array.cuda_ptr_mut(stream),
            ArgInner::Scalar(scalar) => {
                let dtype = bound.get(index).map_or(scalar.dtype(), |b| b.dtype);
                params.push(Param::Scalar(scalar.cast(dtype)));
                continue;
            }
        };
        let (pointer, guard) = pointer.ok_or_else(|| JitError::Arguments {
            kernel: kernel.to_owned(),
            message: "an array is not in CUDA memory".into(),
        })?;
        params.push(Param::Pointer(pointer));
        guards.push(guard);
    }
    Ok((params, guards))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_fill_the_device_without_excess() {
        assert_eq!(grid_for(0, 256, 80, 32), 1);
        assert_eq!(grid_for(1000, 256, 80, 32), 4);
        assert_eq!(grid_for(1 << 30, 256, 80, 32), 2560);
    }

    #[test]
    fn without_nvrtc_compiling_is_an_error() {
        if nvrtc_present() {
            return;
        }
        let error = compile(
            "k",
            "extern \"C\" __global__ void k() {}",
            &[],
            "compute_80",
            &[],
        )
        .unwrap_err();
        assert!(matches!(error, JitError::NoCompiler { .. }), "{error}");
    }
}
