//! [`ReductionKernel`]: CuPy's `ReductionKernel` — map each element, combine the mapped
//! values pairwise, post-map the total into the output.

use crate::gpu::{Device, DeviceArray, Element, Stream};

use super::args::Arg;
use super::elementwise::first_device;
use super::error::JitError;
use super::kernel::{Code, KernelCore};
use super::signature::parse_type;

/// A kernel that reduces arrays to one value, in CuPy's notation.
///
/// `map` is an expression of the inputs' element `i` (and `i`, `n`); `reduce` combines two
/// values `a` and `b` and must be associative and commutative (the order of combination is
/// not fixed: threads and blocks reduce in parallel); `identity` is the value that changes
/// nothing (`0` for a sum); `post_map` assigns the output from the total `a`. Values are
/// accumulated in the output's type unless [`with_reduce_type`](Self::with_reduce_type) says
/// otherwise.
///
/// ```
/// use rhpc::gpu::Device;
/// use rhpc::jit::ReductionKernel;
///
/// let l2norm = ReductionKernel::new(
///     "T x", "T y", "x * x", "a + b", "y = sqrt(a)", "0", "l2norm",
/// )?;
/// let x = Device::best().to_device(&[3.0f64, 4.0])?;
/// assert_eq!(l2norm.reduce::<f64>(rhpc::args![&x])?, 5.0);
/// # Ok::<(), rhpc::jit::JitError>(())
/// ```
#[derive(Debug)]
pub struct ReductionKernel {
    core: KernelCore,
}

impl ReductionKernel {
    /// Defines a reduction (CuPy's argument order): input parameters, one output parameter,
    /// map expression, reduce expression over `a` and `b`, post-map statement, identity,
    /// name. Nothing is compiled yet.
    ///
    /// ```
    /// let sum = rhpc::jit::ReductionKernel::new("T x", "T total", "x", "a + b", "total = a", "0", "sum")?;
    /// assert_eq!(sum.name(), "sum");
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn new(
        in_params: &str,
        out_params: &str,
        map_expr: &str,
        reduce_expr: &str,
        post_map_expr: &str,
        identity: &str,
        name: &str,
    ) -> Result<ReductionKernel, JitError> {
        let core = KernelCore::new(
            name,
            in_params,
            out_params,
            Code::Reduction {
                map: map_expr.to_owned(),
                reduce: reduce_expr.to_owned(),
                post_map: post_map_expr.to_owned(),
                identity: identity.to_owned(),
                accumulator: None,
            },
        )?;
        let signature_error = |text: &str, message: String| JitError::Signature {
            kernel: name.to_owned(),
            text: text.to_owned(),
            message,
        };
        if let Some(clash) = core
            .inputs()
            .iter()
            .chain(core.outputs())
            .find(|p| p.name == "a" || p.name == "b")
        {
            return Err(signature_error(
                in_params,
                format!(
                    "`{}` is reserved in reductions (the reduce operands)",
                    clash.name
                ),
            ));
        }
        if core.outputs().len() != 1 || core.outputs().iter().any(|p| p.raw) {
            return Err(signature_error(
                out_params,
                "a reduction has exactly one output, not raw".into(),
            ));
        }
        Ok(ReductionKernel { core })
    }

    /// Accumulates in `type_name` (`float64`, or a placeholder) instead of the output's type:
    /// summing `float32` data in `float64` keeps the rounding error small.
    ///
    /// ```
    /// use rhpc::gpu::Device;
    /// use rhpc::jit::ReductionKernel;
    ///
    /// let mean = ReductionKernel::new(
    ///     "float32 x", "float32 m", "x", "a + b", "m = a / n", "0", "mean",
    /// )?.with_reduce_type("float64")?;
    /// let x = Device::best().to_device(&[1.0f32, 2.0, 3.0, 4.0])?;
    /// assert_eq!(mean.reduce::<f32>(rhpc::args![&x])?, 2.5);
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn with_reduce_type(mut self, type_name: &str) -> Result<ReductionKernel, JitError> {
        let spec = parse_type(type_name).map_err(|message| JitError::Signature {
            kernel: self.core.name.clone(),
            text: type_name.to_owned(),
            message,
        })?;
        if let Code::Reduction { accumulator, .. } = &mut self.core.code {
            *accumulator = Some(spec);
        }
        Ok(self)
    }

    /// Adds code before the kernel (helper functions, constants).
    ///
    /// ```
    /// let k = rhpc::jit::ReductionKernel::new("T x", "T y", "x", "a + b", "y = a", "0", "s")?
    ///     .with_preamble("/* helpers */");
    /// # let _ = k;
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn with_preamble(mut self, preamble: &str) -> ReductionKernel {
        self.core.preamble = preamble.to_owned();
        self
    }

    /// Adds compiler options (part of the cache key).
    ///
    /// ```
    /// let k = rhpc::jit::ReductionKernel::new("T x", "T y", "x", "a + b", "y = a", "0", "s")?
    ///     .with_options(["-O2"]);
    /// # let _ = k;
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn with_options<S: Into<String>>(
        mut self,
        options: impl IntoIterator<Item = S>,
    ) -> ReductionKernel {
        self.core.options = options.into_iter().map(Into::into).collect();
        self
    }

    /// The kernel's name.
    ///
    /// ```
    /// let k = rhpc::jit::ReductionKernel::new("T x", "T y", "x", "a + b", "y = a", "0", "total")?;
    /// assert_eq!(k.name(), "total");
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.core.name
    }

    /// Reduces `inputs` into a new one-element array of type `T` on their device.
    ///
    /// ```
    /// use rhpc::gpu::Device;
    /// use rhpc::jit::ReductionKernel;
    ///
    /// let max = ReductionKernel::new("T x", "T m", "x", "max(a, b)", "m = a", "0", "max_of")?;
    /// let x = Device::best().to_device(&[3u32, 9, 4])?;
    /// let m = max.call::<u32>(rhpc::args![&x])?; // stays on the device
    /// assert_eq!(m.to_host()?, vec![9]);
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn call<'a, T: Element>(
        &self,
        inputs: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<DeviceArray<T>, JitError> {
        self.core.call(inputs)
    }

    /// Reduces `inputs` and copies the result to the host (one device-to-host transfer).
    ///
    /// ```
    /// use rhpc::gpu::Device;
    /// use rhpc::jit::ReductionKernel;
    ///
    /// let count = ReductionKernel::new("T x, T t", "int64 c", "x > t ? 1 : 0", "a + b", "c = a", "0", "count_above")?;
    /// let x = Device::best().to_device(&[0.5f32, 1.5, 2.5])?;
    /// assert_eq!(count.reduce::<i64>(rhpc::args![&x, 1.0f32])?, 2);
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn reduce<'a, T: Element>(
        &self,
        inputs: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<T, JitError> {
        let result = self.core.call::<T>(inputs)?.to_host()?;
        Ok(result.first().copied().unwrap_or_default())
    }

    /// Runs the reduction with inputs then the output (a `&mut` one-element array) on the
    /// arrays' device's default stream.
    ///
    /// ```
    /// use rhpc::gpu::Device;
    /// use rhpc::jit::ReductionKernel;
    ///
    /// let sum = ReductionKernel::new("T x", "T s", "x", "a + b", "s = a", "0", "sum_into")?;
    /// let device = Device::best();
    /// let x = device.to_device(&[1i32, 2, 3])?;
    /// let mut s = device.zeros::<i32>(1)?;
    /// sum.call_into(rhpc::args![&x, &mut s])?;
    /// assert_eq!(s.to_host()?, vec![6]);
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn call_into<'a>(&self, args: impl IntoIterator<Item = Arg<'a>>) -> Result<(), JitError> {
        let args: Vec<Arg<'a>> = args.into_iter().collect();
        let device = first_device(&self.core.name, &args)?;
        self.core.launch(&device.default_stream(), args)
    }

    /// Queues the reduction on `stream` with inputs then the output.
    ///
    /// ```
    /// use rhpc::gpu::Device;
    /// use rhpc::jit::ReductionKernel;
    ///
    /// let sum = ReductionKernel::new("T x", "T s", "x", "a + b", "s = a", "0", "sum_on")?;
    /// let device = Device::best();
    /// let stream = device.new_stream()?;
    /// let x = device.to_device(&[1.0f32; 1000])?;
    /// let mut s = device.zeros::<f32>(1)?;
    /// sum.launch(&stream, rhpc::args![&x, &mut s])?;
    /// stream.synchronize()?;
    /// assert_eq!(s.to_host()?, vec![1000.0]);
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn launch<'a>(
        &self,
        stream: &Stream,
        args: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<(), JitError> {
        self.core.launch(stream, args)
    }

    /// The source generated for `device` and these arguments.
    ///
    /// ```
    /// use rhpc::gpu::Device;
    /// let sum = rhpc::jit::ReductionKernel::new("T x", "T s", "x", "a + b", "s = a", "0", "sum_src")?;
    /// let x = Device::host().to_device(&[1.0f64])?;
    /// assert!(sum.source_for(&Device::host(), rhpc::args![&x])?.contains("rhpc_partial"));
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
