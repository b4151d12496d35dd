//! [`ElementwiseKernel`]: CuPy's `ElementwiseKernel` — an operation on element `i` of every
//! array, compiled for the device at first call and run over all elements.

use crate::gpu::{Device, DeviceArray, Element, Stream};

use super::args::Arg;
use super::error::JitError;
use super::kernel::{Code, KernelCore};

/// A kernel that applies an operation to each element, in CuPy's notation.
///
/// The parameters are typed (`float32 x`) or use placeholders (`T x`) bound by each call's
/// arguments; each argument is an array (element `i` is passed) or a scalar. In the
/// operation, `i` is the element's index and `n` the number of elements. It is compiled at
/// its first call for the device of its arrays (NVRTC on CUDA, the C compiler on the host)
/// and the result is cached in memory and on disk ([`cache_info`](super::cache_info)).
///
/// ```
/// use rhpc::gpu::Device;
/// use rhpc::jit::ElementwiseKernel;
///
/// let squared_diff = ElementwiseKernel::new(
///     "float32 x, float32 y",
///     "float32 z",
///     "z = (x - y) * (x - y)",
///     "squared_diff",
/// )?;
/// let device = Device::best();
/// let x = device.to_device(&[1.0f32, 2.0, 3.0])?;
/// let y = device.to_device(&[3.0f32, 2.0, 1.0])?;
/// let z = squared_diff.call::<f32>(rhpc::args![&x, &y])?;
/// assert_eq!(z.to_host()?, vec![4.0, 0.0, 4.0]);
/// # Ok::<(), rhpc::jit::JitError>(())
/// ```
#[derive(Debug)]
pub struct ElementwiseKernel {
    core: KernelCore,
}

impl ElementwiseKernel {
    /// Defines a kernel: input parameters, output parameters, the operation (C code run for
    /// each element), and a name (an identifier). Nothing is compiled yet.
    ///
    /// ```
    /// use rhpc::jit::ElementwiseKernel;
    ///
    /// // Generic over T, with a scalar argument `a`.
    /// let axpy = ElementwiseKernel::new("T a, T x, T y", "T z", "z = a * x + y", "axpy")?;
    /// assert_eq!(axpy.name(), "axpy");
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn new(
        in_params: &str,
        out_params: &str,
        operation: &str,
        name: &str,
    ) -> Result<ElementwiseKernel, JitError> {
        Ok(ElementwiseKernel {
            core: KernelCore::new(
                name,
                in_params,
                out_params,
                Code::Elementwise {
                    operation: operation.to_owned(),
                },
            )?,
        })
    }

    /// Adds code before the kernel (helper functions, constants), as CuPy's `preamble`.
    ///
    /// ```
    /// use rhpc::gpu::Device;
    /// use rhpc::jit::ElementwiseKernel;
    ///
    /// let kernel = ElementwiseKernel::new("float64 x", "float64 y", "y = cube(x)", "cubes")?
    ///     .with_preamble("static inline double cube(double v) { return v * v * v; }");
    /// # if !Device::best().is_cuda() {
    /// let x = Device::host().to_device(&[2.0f64])?;
    /// assert_eq!(kernel.call::<f64>(rhpc::args![&x])?.to_host()?, vec![8.0]);
    /// # }
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn with_preamble(mut self, preamble: &str) -> ElementwiseKernel {
        self.core.preamble = preamble.to_owned();
        self
    }

    /// Adds compiler options (C compiler flags on the host, NVRTC options on CUDA); they are
    /// part of the cache key.
    ///
    /// ```
    /// let kernel = rhpc::jit::ElementwiseKernel::new("float32 x", "float32 y", "y = x", "copy")?
    ///     .with_options(["-ffast-math"]);
    /// # let _ = kernel;
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn with_options<S: Into<String>>(
        mut self,
        options: impl IntoIterator<Item = S>,
    ) -> ElementwiseKernel {
        self.core.options = options.into_iter().map(Into::into).collect();
        self
    }

    /// The kernel's name.
    ///
    /// ```
    /// let kernel = rhpc::jit::ElementwiseKernel::new("float32 x", "float32 y", "y = x", "id")?;
    /// assert_eq!(kernel.name(), "id");
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.core.name
    }

    /// Runs the kernel on `inputs` and returns its single output, a new array of type `T`
    /// with the inputs' shape, on their device (queued on its default stream).
    ///
    /// ```
    /// use rhpc::gpu::Device;
    /// use rhpc::jit::ElementwiseKernel;
    ///
    /// let scale = ElementwiseKernel::new("T x, T s", "T y", "y = x * s", "scale")?;
    /// let x = Device::best().to_device(&[1i64, 2, 3])?;
    /// let y = scale.call::<i64>(rhpc::args![&x, 10i64])?;
    /// assert_eq!(y.to_host()?, vec![10, 20, 30]);
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn call<'a, T: Element>(
        &self,
        inputs: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<DeviceArray<T>, JitError> {
        self.core.call(inputs)
    }

    /// Runs the kernel with inputs then outputs (`&mut` arrays of the inputs' shape) on the
    /// arrays' device's default stream.
    ///
    /// ```
    /// use rhpc::gpu::Device;
    /// use rhpc::jit::ElementwiseKernel;
    ///
    /// let split = ElementwiseKernel::new(
    ///     "float64 x", "float64 whole, float64 part", "whole = floor(x); part = x - whole", "split",
    /// )?;
    /// let device = Device::best();
    /// let x = device.to_device(&[1.25f64, 2.5])?;
    /// let (mut whole, mut part) = (device.zeros::<f64>(2)?, device.zeros::<f64>(2)?);
    /// split.call_into(rhpc::args![&x, &mut whole, &mut part])?;
    /// assert_eq!(whole.to_host()?, vec![1.0, 2.0]);
    /// assert_eq!(part.to_host()?, vec![0.25, 0.5]);
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn call_into<'a>(&self, args: impl IntoIterator<Item = Arg<'a>>) -> Result<(), JitError> {
        let args: Vec<Arg<'a>> = args.into_iter().collect();
        let device = first_device(&self.core.name, &args)?;
        self.core.launch(&device.default_stream(), args)
    }

    /// Queues the kernel on `stream` with inputs then outputs (asynchronous on a GPU).
    ///
    /// ```
    /// use rhpc::gpu::{Device, GpuTimeline};
    /// use rhpc::jit::ElementwiseKernel;
    ///
    /// let device = Device::best();
    /// let timeline = GpuTimeline::new("one kernel");
    /// let stream = device.new_stream()?.with_timeline(&timeline);
    /// let inc = ElementwiseKernel::new("T x", "T y", "y = x + 1", "inc")?;
    /// let x = device.to_device(&[1u32, 2])?;
    /// let mut y = device.zeros::<u32>(2)?;
    /// inc.launch(&stream, rhpc::args![&x, &mut y])?;
    /// stream.synchronize()?;
    /// assert_eq!(timeline.ops()?[0].name, "inc");
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn launch<'a>(
        &self,
        stream: &Stream,
        args: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<(), JitError> {
        self.core.launch(stream, args)
    }

    /// The source generated for `device` and these arguments (inputs, or inputs and
    /// outputs): C for the host, CUDA C++ for a GPU. Shows what will be compiled.
    ///
    /// ```
    /// use rhpc::gpu::Device;
    /// use rhpc::jit::ElementwiseKernel;
    ///
    /// let kernel = ElementwiseKernel::new("T x", "T y", "y = x * x", "square")?;
    /// let x = Device::host().to_device(&[1.0f32])?;
    /// let source = kernel.source_for(&Device::host(), rhpc::args![&x])?;
    /// assert!(source.contains("typedef float T;"));
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn source_for<'a>(
        &self,
        device: &Device,
        args: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<String, JitError> {
        let args: Vec<Arg<'a>> = args.into_iter().collect();
        self.core.source_for(device, &args)
    }
}

/// The device of the first array argument (where an un-streamed call runs).
pub(crate) fn first_device(kernel: &str, args: &[Arg<'_>]) -> Result<Device, JitError> {
    args.iter()
        .find_map(super::args::arg_device)
        .cloned()
        .ok_or_else(|| JitError::Arguments {
            kernel: kernel.to_owned(),
            message: "needs at least one array argument to know the device".into(),
        })
}
