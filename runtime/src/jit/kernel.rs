//! What elementwise and reduction kernels share: their parameters and code, the compiled
//! variants they keep (one per device and set of bound types), and running a call on the
//! host or on CUDA.

use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::{Arc, Mutex, PoisonError};

use cudarc::driver::DevicePtrMut;

use crate::gpu::cuda as driver;
use crate::gpu::{DType, Device, DeviceArray, Element, OpKind, Scalar, Shape, Stream};

use super::args::{Arg, ArgInner, Binding, Bound, Kind, bind, call_device, expect_device};
use super::cache::{self, Module};
use super::codegen::{self, Body, ELEMENTWISE, FINISH, PARTIAL, REDUCE_BLOCK, Target};
use super::compile::{Compilation, compile_cached};
use super::cuda::{self, CudaKernels, Param as CudaParam, cuda_params};
use super::error::JitError;
use super::host::HostModule;
use super::signature::{Param, TypeSpec, is_identifier, parse_params};

/// The user's code of a kernel.
#[derive(Debug)]
pub(crate) enum Code {
    Elementwise {
        operation: String,
    },
    Reduction {
        map: String,
        reduce: String,
        post_map: String,
        identity: String,
        /// The accumulator's type; by default the output's.
        accumulator: Option<TypeSpec>,
    },
}

/// One call, bound and checked, ready to run on a backend.
struct Prepared<'c, 'a> {
    /// Inputs then outputs.
    args: &'c mut [Arg<'a>],
    /// Their parameters with resolved types.
    bound: &'c [Bound],
    /// Elements the kernel runs over.
    n: usize,
    /// A reduction's accumulator type.
    accumulator: DType,
}

/// A compiled variant kept by a kernel object.
struct Variant {
    generation: u64,
    key_hash: String,
    module: Arc<Module>,
}

/// Parameters, code and compiled variants of an elementwise or reduction kernel.
pub struct KernelCore {
    pub(crate) name: String,
    inputs: Vec<Param>,
    outputs: Vec<Param>,
    pub(crate) code: Code,
    pub(crate) preamble: String,
    pub(crate) options: Vec<String>,
    variants: Mutex<HashMap<String, Variant>>,
}

impl std::fmt::Debug for KernelCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernel")
            .field("name", &self.name)
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

/// What code for `device` is generated as.
fn target_of(device: &Device) -> Target {
    if device.is_cuda() {
        Target::Cuda
    } else {
        Target::Host
    }
}

/// Parses a parameter list, naming the kernel in errors.
fn params(kernel: &str, text: &str) -> Result<Vec<Param>, JitError> {
    parse_params(text).map_err(|message| JitError::Signature {
        kernel: kernel.to_owned(),
        text: text.to_owned(),
        message,
    })
}

/// An error unless `name` can name a kernel (it names files and code sections).
pub(crate) fn check_name(name: &str) -> Result<(), JitError> {
    if is_identifier(name) {
        Ok(())
    } else {
        Err(JitError::Arguments {
            kernel: name.to_owned(),
            message: "a kernel's name must be an identifier (letters, digits, _)".into(),
        })
    }
}

impl KernelCore {
    pub(crate) fn new(
        name: &str,
        inputs: &str,
        outputs: &str,
        code: Code,
    ) -> Result<KernelCore, JitError> {
        check_name(name)?;
        let inputs_parsed = params(name, inputs)?;
        let outputs_parsed = params(name, outputs)?;
        if outputs_parsed.is_empty() {
            return Err(JitError::Signature {
                kernel: name.to_owned(),
                text: outputs.to_owned(),
                message: "a kernel needs at least one output".into(),
            });
        }
        if let Some(twice) = outputs_parsed
            .iter()
            .find(|out| inputs_parsed.iter().any(|input| input.name == out.name))
        {
            return Err(JitError::Signature {
                kernel: name.to_owned(),
                text: outputs.to_owned(),
                message: format!("`{}` is both an input and an output", twice.name),
            });
        }
        Ok(KernelCore {
            name: name.to_owned(),
            inputs: inputs_parsed,
            outputs: outputs_parsed,
            code,
            preamble: String::new(),
            options: Vec::new(),
            variants: Mutex::default(),
        })
    }

    pub(crate) fn inputs(&self) -> &[Param] {
        &self.inputs
    }

    pub(crate) fn outputs(&self) -> &[Param] {
        &self.outputs
    }

    fn is_reduction(&self) -> bool {
        matches!(self.code, Code::Reduction { .. })
    }

    /// Binds a call's arguments (inputs only, or inputs then outputs).
    fn bind_args(&self, args: &[Arg<'_>], with_outputs: bool) -> Result<Binding, JitError> {
        bind(
            &self.name,
            &self.inputs,
            &self.outputs,
            args,
            with_outputs,
            !self.is_reduction(),
        )
    }

    /// The shape the non-raw arrays share: the number of elements `i` runs over.
    fn extent(&self, binding: &Binding) -> Result<Shape, JitError> {
        binding
            .shape
            .ok_or_else(|| self.fail("needs a non-raw array argument to know its size"))
    }

    fn fail(&self, message: impl Into<String>) -> JitError {
        JitError::Arguments {
            kernel: self.name.clone(),
            message: message.into(),
        }
    }

    /// The reduction's accumulator type for a binding.
    fn accumulator(&self, binding: &Binding) -> Result<DType, JitError> {
        match &self.code {
            Code::Reduction {
                accumulator: Some(spec),
                ..
            } => binding
                .resolve(spec)
                .ok_or_else(|| self.fail(format!("no argument fixes the reduce type {spec}"))),
            _ => binding
                .outputs
                .first()
                .map(|out| out.dtype)
                .ok_or_else(|| self.fail("no output")),
        }
    }

    fn body(&self, binding: &Binding) -> Result<Body<'_>, JitError> {
        Ok(match &self.code {
            Code::Elementwise { operation } => Body::Elementwise { operation },
            Code::Reduction {
                map,
                reduce,
                post_map,
                identity,
                ..
            } => Body::Reduction {
                map,
                reduce,
                post_map,
                identity,
                accumulator: self.accumulator(binding)?,
            },
        })
    }

    /// The generated source for `device` and these arguments (inputs only, or inputs and
    /// outputs).
    pub(crate) fn source_for(&self, device: &Device, args: &[Arg<'_>]) -> Result<String, JitError> {
        let with_outputs = args.len() == self.inputs.len() + self.outputs.len();
        let binding = self.bind_args(args, with_outputs)?;
        let target = target_of(device);
        Ok(codegen::generate(target, &binding, &self.preamble, &self.body(&binding)?).source)
    }

    /// The compiled code for `device` and the types of `binding`.
    fn module(&self, device: &Device, binding: &Binding) -> Result<Arc<Module>, JitError> {
        let variant = binding.variant();
        let local = format!("{} {variant}", device.id());
        let generation = cache::generation();
        {
            let variants = self.variants.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(found) = variants.get(&local)
                && found.generation == generation
            {
                cache::record_memory_hit(&found.key_hash);
                return Ok(found.module.clone());
            }
        }
        let body = self.body(binding)?;
        let target = target_of(device);
        let generated = codegen::generate(target, binding, &self.preamble, &body);
        let kind = if self.is_reduction() {
            "reduction"
        } else {
            "elementwise"
        };
        let names: &[&str] = if self.is_reduction() {
            &[PARTIAL, FINISH]
        } else {
            &[ELEMENTWISE]
        };
        let (key_hash, module) = compile_cached(
            &Compilation {
                kernel: &self.name,
                kind,
                variant: &variant,
                source: &generated.source,
                options: &self.options,
                sections: &generated.sections,
                names,
            },
            device,
        )?;
        self.variants
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                local,
                Variant {
                    generation,
                    key_hash,
                    module: module.clone(),
                },
            );
        Ok(module)
    }

    /// Allocates the single output of type `T` and runs the kernel on the inputs' device's
    /// default stream.
    pub(crate) fn call<'a, T: Element>(
        &self,
        inputs: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<DeviceArray<T>, JitError> {
        let mut args: Vec<Arg<'_>> = inputs.into_iter().collect();
        let binding = self.bind_args(&args, false)?;
        let [output] = binding.outputs.as_slice() else {
            return Err(self.fail(format!(
                "has {} outputs: pass them with call_into",
                binding.outputs.len()
            )));
        };
        if output.dtype != T::DTYPE {
            return Err(self.fail(format!(
                "output `{}` is {}, but the call asks for {}",
                output.name,
                output.dtype,
                T::DTYPE.rust_name()
            )));
        }
        let device = call_device(&self.name, &binding)?;
        let shape = if self.is_reduction() {
            Shape::vector(1)
        } else {
            self.extent(&binding)?
        };
        let mut out = device.zeros::<T>(shape)?;
        args.push(Arg::from(&mut out));
        self.launch(&device.default_stream(), args)?;
        Ok(out)
    }

    /// Runs the kernel on `stream` with inputs then outputs.
    pub(crate) fn launch<'a>(
        &self,
        stream: &Stream,
        args: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<(), JitError> {
        let mut args: Vec<Arg<'_>> = args.into_iter().collect();
        let binding = self.bind_args(&args, true)?;
        let device = stream.device();
        expect_device(device, &args)?;
        if self.is_reduction() {
            for (output, arg) in binding.outputs.iter().zip(&args[self.inputs.len()..]) {
                if output.kind == Kind::Raw || operand_len(arg) != Some(1) {
                    return Err(self.fail(format!(
                        "the reduction's output `{}` must be an array of one element",
                        output.name
                    )));
                }
            }
        }
        let n = self.extent(&binding)?.len();
        let module = self.module(device, &binding)?;
        let bytes: usize = args.iter().filter_map(operand_bytes).sum();
        let bound: Vec<Bound> = binding
            .inputs
            .iter()
            .chain(&binding.outputs)
            .cloned()
            .collect();
        let call = Prepared {
            args: &mut args,
            bound: &bound,
            n,
            accumulator: self.accumulator(&binding)?,
        };
        stream.timed(OpKind::Kernel, &self.name, bytes, || match &*module {
            Module::Host(host) => self.run_host(host, call),
            Module::Cuda(kernels) => self.run_cuda(kernels, stream, call),
        })
    }

    fn run_host(&self, module: &HostModule, call: Prepared<'_, '_>) -> Result<(), JitError> {
        let Prepared {
            args,
            bound,
            n,
            accumulator,
        } = call;
        // Scalars are passed by address: first their values, in slots that do not move ...
        let slots: Vec<u64> = args
            .iter()
            .zip(bound)
            .map(|(arg, param)| match &arg.0 {
                ArgInner::Scalar(scalar) => u64::from_ne_bytes(scalar.cast(param.dtype).to_bytes()),
                _ => 0,
            })
            .collect();
        // ... then one pointer per parameter.
        let mut pointers: Vec<*mut c_void> = Vec::with_capacity(args.len());
        for (arg, slot) in args.iter_mut().zip(&slots) {
            let pointer = match &mut arg.0 {
                ArgInner::Array(array) => array.host_ptr(),
                ArgInner::ArrayMut(array) => array.host_ptr_mut(),
                ArgInner::Scalar(_) => Some(std::ptr::from_ref(slot).cast_mut().cast()),
            };
            pointers.push(pointer.ok_or_else(|| self.fail("an array is not in host memory"))?);
        }
        if n == 0 && !self.is_reduction() {
            return Ok(());
        }
        if self.is_reduction() {
            module.run_reduction(&pointers, n, accumulator.size())
        } else {
            module.run_elementwise(&pointers, n)
        }
    }

    fn run_cuda(
        &self,
        kernels: &CudaKernels,
        stream: &Stream,
        call: Prepared<'_, '_>,
    ) -> Result<(), JitError> {
        let Prepared {
            args,
            bound,
            n,
            accumulator,
        } = call;
        let (Some(cuda_stream), Some(device)) =
            (stream.cuda_stream(), stream.device().cuda_device())
        else {
            return Err(self.fail("a CUDA kernel needs a CUDA stream"));
        };
        let (params, _guards) = cuda_params(args, bound, cuda_stream, &self.name)?;
        let units = device.description.multiprocessors as usize;
        let n_param = CudaParam::Scalar(Scalar::I64(i64::try_from(n).unwrap_or(i64::MAX)));
        if !self.is_reduction() {
            if n == 0 {
                return Ok(());
            }
            let mut all = params;
            all.push(n_param);
            let grid = cuda::grid_for(n, 256, units, 32);
            cuda::launch(
                kernels.function(ELEMENTWISE)?,
                cuda_stream,
                (grid, 1, 1),
                (256, 1, 1),
                &all,
            )?;
            return Ok(());
        }
        let inputs = self.inputs.len();
        let blocks = cuda::grid_for(n, REDUCE_BLOCK, units, 4).min(1024);
        let bytes = blocks as usize * accumulator.size();
        let mut partials = driver::alloc(device.ordinal, bytes, || {
            cuda_stream.alloc_zeros::<u8>(bytes)
        })?;
        let (partials_pointer, partials_guard) = partials.device_ptr_mut(cuda_stream);
        let mut first: Vec<CudaParam> = params[..inputs].to_vec();
        first.push(n_param);
        first.push(CudaParam::Pointer(partials_pointer));
        cuda::launch(
            kernels.function(PARTIAL)?,
            cuda_stream,
            (blocks, 1, 1),
            (REDUCE_BLOCK, 1, 1),
            &first,
        )?;
        let mut second: Vec<CudaParam> = params[..inputs].to_vec();
        second.push(n_param);
        second.push(CudaParam::Pointer(partials_pointer));
        second.push(CudaParam::Scalar(Scalar::I64(i64::from(blocks))));
        second.extend_from_slice(&params[inputs..]);
        cuda::launch(
            kernels.function(FINISH)?,
            cuda_stream,
            (1, 1, 1),
            (REDUCE_BLOCK, 1, 1),
            &second,
        )?;
        drop(partials_guard);
        Ok(())
    }
}

fn operand_bytes(arg: &Arg<'_>) -> Option<usize> {
    match &arg.0 {
        ArgInner::Array(array) => Some(array.nbytes()),
        ArgInner::ArrayMut(array) => Some(array.nbytes()),
        ArgInner::Scalar(_) => None,
    }
}

fn operand_len(arg: &Arg<'_>) -> Option<usize> {
    match &arg.0 {
        ArgInner::Array(array) => Some(array.shape().len()),
        ArgInner::ArrayMut(array) => Some(array.shape().len()),
        ArgInner::Scalar(_) => None,
    }
}
