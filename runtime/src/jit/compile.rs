//! Compiling through the cache: a kernel's source, for a device, becomes a loaded module —
//! from memory, from disk, or from the C compiler or NVRTC — under a key that names
//! everything the code depends on.

use std::sync::Arc;

use crate::gpu::Device;

use super::cache::{self, Key, Module, Request};
use super::cuda::{self, CudaKernels};
use super::error::JitError;
use super::host::{HostModule, compiler};

/// What to compile: a kernel's generated (or raw) source, and how to name and find it.
pub(crate) struct Compilation<'a> {
    pub(crate) kernel: &'a str,
    /// `elementwise`, `reduction` or `raw`.
    pub(crate) kind: &'a str,
    /// The bound parameter types, for the statistics.
    pub(crate) variant: &'a str,
    pub(crate) source: &'a str,
    pub(crate) options: &'a [String],
    /// The user's code by section, to quote in compile errors.
    pub(crate) sections: &'a [(&'static str, String)],
    /// The functions to look up in a CUDA module.
    pub(crate) names: &'a [&'a str],
}

impl Compilation<'_> {
    fn load_error(&self, detail: String) -> JitError {
        JitError::Load {
            kernel: self.kernel.to_owned(),
            detail,
        }
    }
}

/// Compiles for `device` through the cache; returns the key's hash and the module.
pub(crate) fn compile_cached(
    what: &Compilation<'_>,
    device: &Device,
) -> Result<(String, Arc<Module>), JitError> {
    let device_id = device.id();
    let arch = device.arch();
    let (target, compiler_identity, extension) = match device.cuda_device() {
        None => ("host", compiler()?.identity.clone(), "so"),
        Some(_) => ("cuda", cuda::nvrtc_version()?, "ptx"),
    };
    let request = Request {
        kernel: what.kernel,
        device: &device_id,
        variant: what.variant,
        key: Key::new(&[
            ("kind", what.kind),
            ("target", target),
            ("source", what.source),
            ("options", &what.options.join(" ")),
            ("compiler", &compiler_identity),
            ("arch", &arch),
        ]),
        extension,
    };
    let module = match device.cuda_device() {
        None => {
            let compiler = compiler()?;
            cache::fetch(
                &request,
                |path| {
                    HostModule::load(path)
                        .map(Module::Host)
                        .map_err(|detail| what.load_error(detail))
                },
                |output| {
                    compiler.compile(
                        what.kernel,
                        what.source,
                        what.options,
                        what.sections,
                        output,
                    )
                },
            )?
        }
        Some(cuda_device) => cache::fetch(
            &request,
            |path| {
                CudaKernels::load(path, &cuda_device.context, what.names)
                    .map(Module::Cuda)
                    .map_err(|detail| what.load_error(detail))
            },
            |output| {
                let ptx =
                    cuda::compile(what.kernel, what.source, what.options, &arch, what.sections)?;
                std::fs::write(output, ptx)
                    .map_err(|e| what.load_error(format!("cannot write {}: {e}", output.display())))
            },
        )?,
    };
    Ok((request.key.hash, module))
}
