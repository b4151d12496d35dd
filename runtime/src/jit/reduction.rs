//! [`ReductionKernel`]: CuPy's `ReductionKernel` — map each element, combine the mapped
//! values pairwise, post-map the total into the output.

use crate::gpu::Element;

use super::args::Arg;
use super::error::JitError;
use super::kernel::{Code, KernelCore};
use super::signature::parse_type;
use super::traits::{HasCore, Kernel};

/// A kernel that reduces arrays to one value, in CuPy's notation.
///
/// `map` is an expression of the inputs' element `i` (and `i`, `n`); `reduce` combines two
/// values `a` and `b` and must be associative and commutative (the order of combination is
/// not fixed: threads and blocks reduce in parallel); `identity` is the value that changes
/// nothing (`0` for a sum); `post_map` assigns the output from the total `a`. Values are
/// accumulated in the output's type unless [`with_reduce_type`](Self::with_reduce_type) says
/// otherwise. Calls are the methods of the [`Kernel`] trait (in the prelude), plus
/// [`reduce`](Self::reduce).
///
/// ```
/// use rhpc::prelude::*;
///
/// let l2norm = ReductionKernel::new(
///     "T x", "T y", "x * x", "a + b", "y = sqrt(a)", "0", "l2norm",
/// )?;
/// let x = Device::best().to_device(&[3.0f64, 4.0])?;
/// assert_eq!(l2norm.reduce::<f64>(args![&x])?, 5.0);
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
    /// use rhpc::jit::{Kernel, ReductionKernel};
    /// let sum = ReductionKernel::new("T x", "T total", "x", "a + b", "total = a", "0", "sum")?;
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
    /// use rhpc::prelude::*;
    ///
    /// let mean = ReductionKernel::new(
    ///     "float32 x", "float32 m", "x", "a + b", "m = a / n", "0", "mean",
    /// )?.with_reduce_type("float64")?;
    /// let x = Device::best().to_device(&[1.0f32, 2.0, 3.0, 4.0])?;
    /// assert_eq!(mean.reduce::<f32>(args![&x])?, 2.5);
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

    /// Reduces `inputs` and copies the result to the host (one device-to-host transfer).
    ///
    /// ```
    /// use rhpc::prelude::*;
    ///
    /// let count = ReductionKernel::new("T x, T t", "int64 c", "x > t ? 1 : 0", "a + b", "c = a", "0", "count_above")?;
    /// let x = Device::best().to_device(&[0.5f32, 1.5, 2.5])?;
    /// assert_eq!(count.reduce::<i64>(args![&x, 1.0f32])?, 2);
    /// # Ok::<(), rhpc::jit::JitError>(())
    /// ```
    pub fn reduce<'a, T: Element>(
        &self,
        inputs: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<T, JitError> {
        let result = self.core.call::<T>(inputs)?.to_host()?;
        Ok(result.first().copied().unwrap_or_default())
    }
}

impl HasCore for ReductionKernel {
    fn core(&self) -> &KernelCore {
        &self.core
    }

    fn core_mut(&mut self) -> &mut KernelCore {
        &mut self.core
    }
}

impl Kernel for ReductionKernel {}
