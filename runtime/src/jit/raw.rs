//! [`RawKernel`]: CuPy's `RawKernel` — CUDA C++ source written by the user, launched with an
//! explicit grid and block.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::gpu::{Device, OpKind, Stream};

use super::args::{Arg, ArgInner, expect_device};
use super::cache::{self, Module};
use super::compile::{Compilation, compile_cached};
use super::cuda::{self, cuda_params};
use super::error::JitError;
use super::kernel::check_name;
use super::traits::first_device;

/// Grid or block dimensions: `256`, `(16, 16)` or `(8, 8, 4)`.
///
/// ```
/// use rhpc::jit::Dim3;
/// assert_eq!(Dim3::from(256), Dim3 { x: 256, y: 1, z: 1 });
/// assert_eq!(Dim3::from((16, 16)).count(), 256);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dim3 {
    /// Extent along x.
    pub x: u32,
    /// Extent along y.
    pub y: u32,
    /// Extent along z.
    pub z: u32,
}

impl Dim3 {
    /// The number of blocks or threads.
    ///
    /// ```
    /// assert_eq!(rhpc::jit::Dim3::from((2, 3, 4)).count(), 24);
    /// ```
    pub fn count(&self) -> u64 {
        u64::from(self.x) * u64::from(self.y) * u64::from(self.z)
    }
}

impl From<u32> for Dim3 {
    fn from(x: u32) -> Dim3 {
        Dim3 { x, y: 1, z: 1 }
    }
}

impl From<(u32, u32)> for Dim3 {
    fn from((x, y): (u32, u32)) -> Dim3 {
        Dim3 { x, y, z: 1 }
    }
}

impl From<(u32, u32, u32)> for Dim3 {
    fn from((x, y, z): (u32, u32, u32)) -> Dim3 {
        Dim3 { x, y, z }
    }
}

/// A CUDA kernel from source, compiled with NVRTC at its first launch on a device and cached
/// like every kernel.
///
/// Arguments are passed as they are given: an array as a device pointer (`&x` for reading,
/// `&mut y` for writing), a number as a value of its own type, so pass `n as i32` to an `int`
/// parameter. It runs on CUDA devices only; on the host use [`ElementwiseKernel`] or
/// [`ReductionKernel`], which run on both.
///
/// [`ElementwiseKernel`]: super::ElementwiseKernel
/// [`ReductionKernel`]: super::ReductionKernel
///
/// ```no_run
/// use rhpc::gpu::Device;
/// use rhpc::jit::RawKernel;
///
/// let add = RawKernel::new(
///     r#"extern "C" __global__ void add(const float *x, const float *y, float *z, int n) {
///         int i = blockIdx.x * blockDim.x + threadIdx.x;
///         if (i < n) z[i] = x[i] + y[i];
///     }"#,
///     "add",
/// )?;
/// let gpu = Device::cuda(0)?;
/// let x = gpu.to_device(&[1.0f32; 1000])?;
/// let y = gpu.to_device(&[2.0f32; 1000])?;
/// let mut z = gpu.zeros::<f32>(1000)?;
/// // SAFETY: the arguments match the kernel's parameters, and it stays within n elements.
/// unsafe { add.launch(&gpu.default_stream(), (1000 + 255) / 256, 256, rhpc::args![&x, &y, &mut z, 1000i32])? };
/// assert_eq!(z.to_host()?, vec![3.0; 1000]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RawKernel {
    name: String,
    source: String,
    options: Vec<String>,
    modules: Mutex<HashMap<String, (u64, Arc<Module>)>>,
}

impl std::fmt::Debug for RawKernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawKernel")
            .field("name", &self.name)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl RawKernel {
    /// A kernel named `name` (its `extern "C" __global__` function) in CUDA `source`.
    ///
    /// ```
    /// let k = rhpc::jit::RawKernel::new("extern \"C\" __global__ void noop() {}", "noop")?;
    /// assert_eq!(k.name(), "noop");
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn new(source: &str, name: &str) -> Result<RawKernel, JitError> {
        check_name(name)?;
        Ok(RawKernel {
            name: name.to_owned(),
            source: source.to_owned(),
            options: Vec::new(),
            modules: Mutex::default(),
        })
    }

    /// Adds NVRTC options (part of the cache key), e.g. `--use_fast_math`.
    ///
    /// ```
    /// let k = rhpc::jit::RawKernel::new("extern \"C\" __global__ void k() {}", "k")?
    ///     .with_options(["--use_fast_math"]);
    /// # let _ = k;
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn with_options<S: Into<String>>(
        mut self,
        options: impl IntoIterator<Item = S>,
    ) -> RawKernel {
        self.options = options.into_iter().map(Into::into).collect();
        self
    }

    /// The kernel's name.
    ///
    /// ```
    /// let k = rhpc::jit::RawKernel::new("", "k")?;
    /// assert_eq!(k.name(), "k");
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Compiles (or loads from the cache) for `device` without launching: reports compile
    /// errors early. On the host it is [`JitError::Unsupported`].
    ///
    /// ```
    /// let k = rhpc::jit::RawKernel::new("extern \"C\" __global__ void k() {}", "k")?;
    /// let error = k.compile(&rhpc::gpu::Device::host()).unwrap_err();
    /// assert!(error.to_string().contains("CUDA"));
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn compile(&self, device: &Device) -> Result<(), JitError> {
        self.module(device).map(|_| ())
    }

    fn module(&self, device: &Device) -> Result<Arc<Module>, JitError> {
        if !device.is_cuda() {
            return Err(JitError::Unsupported {
                kernel: self.name.clone(),
                message: format!(
                    "a RawKernel is CUDA C++ and needs a CUDA device, not {}; use \
                     ElementwiseKernel or ReductionKernel, which also run on the host",
                    device.id()
                ),
            });
        }
        let generation = cache::generation();
        let id = device.id();
        if let Some((seen, module)) = self
            .modules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            && *seen == generation
        {
            return Ok(module.clone());
        }
        let sections = vec![("source", self.source.clone())];
        // `#line` makes NVRTC report positions in the user's source.
        let source = format!("#line 1 \"source\"\n{}", self.source);
        let (_, module) = compile_cached(
            &Compilation {
                kernel: &self.name,
                kind: "raw",
                variant: "raw",
                source: &source,
                options: &self.options,
                sections: &sections,
                names: &[&self.name],
            },
            device,
        )?;
        self.modules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, (generation, module.clone()));
        Ok(module)
    }

    /// Queues the kernel on `stream` with `grid` blocks of `block` threads.
    ///
    /// # Safety
    ///
    /// The arguments must match the kernel's parameters in number, order and type, and the
    /// kernel must stay within the arrays it is given: rhpc cannot check CUDA code.
    ///
    /// ```no_run
    /// # let k = rhpc::jit::RawKernel::new("extern \"C\" __global__ void k(float *x) { x[threadIdx.x] = 1; }", "k")?;
    /// let gpu = rhpc::gpu::Device::cuda(0)?;
    /// let mut x = gpu.zeros::<f32>(32)?;
    /// // SAFETY: one float per thread, 32 threads.
    /// unsafe { k.launch(&gpu.default_stream(), 1, 32, rhpc::args![&mut x])? };
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub unsafe fn launch<'a>(
        &self,
        stream: &Stream,
        grid: impl Into<Dim3>,
        block: impl Into<Dim3>,
        args: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<(), JitError> {
        let mut args: Vec<Arg<'a>> = args.into_iter().collect();
        expect_device(stream.device(), &args)?;
        let module = self.module(stream.device())?;
        let Module::Cuda(kernels) = &*module else {
            return Err(JitError::Load {
                kernel: self.name.clone(),
                detail: "not a CUDA module".into(),
            });
        };
        let Some(cuda_stream) = stream.cuda_stream() else {
            return Err(JitError::Unsupported {
                kernel: self.name.clone(),
                message: "needs a CUDA stream".into(),
            });
        };
        let (grid, block) = (grid.into(), block.into());
        let bytes: usize = args
            .iter()
            .map(|arg| match &arg.0 {
                ArgInner::Array(array) => array.nbytes(),
                ArgInner::ArrayMut(array) => array.nbytes(),
                ArgInner::Scalar(_) => 0,
            })
            .sum();
        stream.timed(OpKind::Kernel, &self.name, bytes, || {
            let (params, _guards) = cuda_params(&mut args, &[], cuda_stream, &self.name)?;
            cuda::launch(
                kernels.function(&self.name)?,
                cuda_stream,
                (grid.x, grid.y, grid.z),
                (block.x, block.y, block.z),
                &params,
            )?;
            Ok::<(), JitError>(())
        })
    }

    /// Launches on the arrays' device's default stream; see [`launch`](Self::launch).
    ///
    /// # Safety
    ///
    /// As for [`launch`](Self::launch).
    ///
    /// ```no_run
    /// # let k = rhpc::jit::RawKernel::new("extern \"C\" __global__ void k(float *x) { x[threadIdx.x] = 1; }", "k")?;
    /// let mut x = rhpc::gpu::Device::cuda(0)?.zeros::<f32>(32)?;
    /// // SAFETY: one float per thread, 32 threads.
    /// unsafe { k.call(1, 32, rhpc::args![&mut x])? };
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub unsafe fn call<'a>(
        &self,
        grid: impl Into<Dim3>,
        block: impl Into<Dim3>,
        args: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<(), JitError> {
        let args: Vec<Arg<'a>> = args.into_iter().collect();
        let device = first_device(&self.name, &args)?;
        // SAFETY: the caller's promise, passed on.
        unsafe { self.launch(&device.default_stream(), grid, block, args) }
    }
}
