//! [`Kernel`]: what elementwise and reduction kernels offer their callers — calling, launching
//! on a stream, options and the generated source — written once for both.

use crate::gpu::{Device, DeviceArray, Element, Stream};

use super::args::{Arg, arg_device};
use super::error::JitError;
use super::kernel::KernelCore;

mod sealed {
    /// Gives the shared machinery to [`Kernel`](super::Kernel)'s provided methods; only
    /// rhpc's kernel types have it.
    pub trait HasCore {
        /// The kernel's parameters, code and compiled variants.
        fn core(&self) -> &super::KernelCore;
        /// The same, for the builder methods.
        fn core_mut(&mut self) -> &mut super::KernelCore;
    }
}

pub(crate) use sealed::HasCore;

/// The calls every generated kernel ([`ElementwiseKernel`](super::ElementwiseKernel),
/// [`ReductionKernel`](super::ReductionKernel)) supports; in the prelude.
///
/// ```
/// use rhpc::prelude::*;
///
/// let scale = ElementwiseKernel::new("T x, T s", "T y", "y = x * s", "scale")?;
/// let x = Device::best().to_device(&[1i64, 2, 3])?;
/// let y = scale.call::<i64>(args![&x, 10i64])?;
/// assert_eq!(y.to_host()?, vec![10, 20, 30]);
/// # Ok::<(), rhpc::jit::JitError>(())
/// ```
pub trait Kernel: HasCore + Sized {
    /// The kernel's name.
    ///
    /// ```
    /// use rhpc::jit::{ElementwiseKernel, Kernel};
    /// let kernel = ElementwiseKernel::new("float32 x", "float32 y", "y = x", "id")?;
    /// assert_eq!(kernel.name(), "id");
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    fn name(&self) -> &str {
        &self.core().name
    }

    /// Adds code before the kernel (helper functions, constants), as CuPy's `preamble`. It is
    /// C on the host and CUDA C++ on a GPU.
    ///
    /// ```
    /// use rhpc::prelude::*;
    ///
    /// let kernel = ElementwiseKernel::new("float64 x", "float64 y", "y = cube(x)", "cubes")?
    ///     .with_preamble("static inline double cube(double v) { return v * v * v; }");
    /// let x = Device::host().to_device(&[2.0f64])?;
    /// assert_eq!(kernel.call::<f64>(args![&x])?.to_host()?, vec![8.0]);
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    fn with_preamble(mut self, preamble: &str) -> Self {
        self.core_mut().preamble = preamble.to_owned();
        self
    }

    /// Adds compiler options (C compiler flags on the host, NVRTC options on CUDA); they are
    /// part of the cache key.
    ///
    /// ```
    /// use rhpc::jit::{ElementwiseKernel, Kernel};
    /// let kernel = ElementwiseKernel::new("float32 x", "float32 y", "y = x", "copy")?
    ///     .with_options(["-O2"]);
    /// # let _ = kernel;
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    fn with_options<S: Into<String>>(mut self, options: impl IntoIterator<Item = S>) -> Self {
        self.core_mut().options = options.into_iter().map(Into::into).collect();
        self
    }

    /// Runs the kernel on `inputs` and returns its single output, a new array of type `T` on
    /// their device (queued on its default stream): shaped like the inputs for an
    /// elementwise kernel, one element for a reduction.
    ///
    /// ```
    /// use rhpc::prelude::*;
    ///
    /// let max = ReductionKernel::new("T x", "T m", "x", "max(a, b)", "m = a", "0", "max_of")?;
    /// let x = Device::best().to_device(&[3u32, 9, 4])?;
    /// let m = max.call::<u32>(args![&x])?; // stays on the device
    /// assert_eq!(m.to_host()?, vec![9]);
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    fn call<'a, T: Element>(
        &self,
        inputs: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<DeviceArray<T>, JitError> {
        self.core().call(inputs)
    }

    /// Runs the kernel with inputs then outputs (`&mut` arrays) on the arrays' device's
    /// default stream.
    ///
    /// ```
    /// use rhpc::prelude::*;
    ///
    /// let split = ElementwiseKernel::new(
    ///     "float64 x", "float64 whole, float64 part", "whole = floor(x); part = x - whole", "split",
    /// )?;
    /// let device = Device::best();
    /// let x = device.to_device(&[1.25f64, 2.5])?;
    /// let (mut whole, mut part) = (device.zeros::<f64>(2)?, device.zeros::<f64>(2)?);
    /// split.call_into(args![&x, &mut whole, &mut part])?;
    /// assert_eq!(whole.to_host()?, vec![1.0, 2.0]);
    /// assert_eq!(part.to_host()?, vec![0.25, 0.5]);
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    fn call_into<'a>(&self, args: impl IntoIterator<Item = Arg<'a>>) -> Result<(), JitError> {
        let args: Vec<Arg<'a>> = args.into_iter().collect();
        let device = first_device(&self.core().name, &args)?;
        self.core().launch(&device.default_stream(), args)
    }

    /// Queues the kernel on `stream` with inputs then outputs (asynchronous on a GPU).
    ///
    /// ```
    /// use rhpc::prelude::*;
    ///
    /// let device = Device::best();
    /// let timeline = GpuTimeline::new("one kernel");
    /// let stream = device.new_stream()?.with_timeline(&timeline);
    /// let inc = ElementwiseKernel::new("T x", "T y", "y = x + 1", "inc")?;
    /// let x = device.to_device(&[1u32, 2])?;
    /// let mut y = device.zeros::<u32>(2)?;
    /// inc.launch(&stream, args![&x, &mut y])?;
    /// stream.synchronize()?;
    /// assert_eq!(timeline.ops()?[0].name, "inc");
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    fn launch<'a>(
        &self,
        stream: &Stream,
        args: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<(), JitError> {
        self.core().launch(stream, args)
    }

    /// The source generated for `device` and these arguments (inputs, or inputs and
    /// outputs): C for the host, CUDA C++ for a GPU. Shows what will be compiled.
    ///
    /// ```
    /// use rhpc::prelude::*;
    ///
    /// let kernel = ElementwiseKernel::new("T x", "T y", "y = x * x", "square")?;
    /// let x = Device::host().to_device(&[1.0f32])?;
    /// let source = kernel.source_for(&Device::host(), args![&x])?;
    /// assert!(source.contains("typedef float T;"));
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    fn source_for<'a>(
        &self,
        device: &Device,
        args: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<String, JitError> {
        let args: Vec<Arg<'a>> = args.into_iter().collect();
        self.core().source_for(device, &args)
    }
}

/// The device of the first array argument (where a call without a stream runs).
pub(crate) fn first_device(kernel: &str, args: &[Arg<'_>]) -> Result<Device, JitError> {
    args.iter()
        .find_map(arg_device)
        .cloned()
        .ok_or_else(|| JitError::Arguments {
            kernel: kernel.to_owned(),
            message: "needs at least one array argument to know the device".into(),
        })
}
