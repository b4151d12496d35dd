//! [`ElementwiseKernel`]: CuPy's `ElementwiseKernel` — an operation on element `i` of every
//! array, compiled for the device at first call and run over all elements.

use super::error::JitError;
use super::kernel::{Code, KernelCore};
use super::traits::{HasCore, Kernel};

/// A kernel that applies an operation to each element, in CuPy's notation.
///
/// The parameters are typed (`float32 x`) or use placeholders (`T x`) bound by each call's
/// arguments; each argument is an array (element `i` is passed) or a scalar. In the
/// operation, `i` is the element's index and `n` the number of elements. It is compiled at
/// its first call for the device of its arrays (NVRTC on CUDA, the C compiler on the host)
/// and the result is cached in memory and on disk ([`cache_info`](super::cache_info)).
/// Calls are the methods of the [`Kernel`] trait (in the prelude).
///
/// ```
/// use rhpc::prelude::*;
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
/// let z = squared_diff.call::<f32>(args![&x, &y])?;
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
    /// use rhpc::jit::{ElementwiseKernel, Kernel};
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
}

impl HasCore for ElementwiseKernel {
    fn core(&self) -> &KernelCore {
        &self.core
    }

    fn core_mut(&mut self) -> &mut KernelCore {
        &mut self.core
    }
}

impl Kernel for ElementwiseKernel {}
