//! [`GpuError`]: everything that can go wrong with devices, arrays, streams and transfers.

use crate::interrupt::Interrupted;

use super::shape::Shape;

/// An error from a device, an array operation, a stream or a transfer.
///
/// ```
/// use rhpc::gpu::{Device, GpuError};
///
/// let host = Device::host();
/// let x = host.to_device(&[1.0f32, 2.0, 3.0])?;
/// let mut too_small = [0.0f32; 2];
/// let error = x.copy_to(&mut too_small).unwrap_err();
/// assert!(matches!(error, GpuError::ShapeMismatch { .. }));
/// assert!(error.to_string().contains("(3,)"));
/// # Ok::<(), GpuError>(())
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GpuError {
    /// No CUDA driver library (`libcuda.so`) could be loaded on this machine.
    #[error("no CUDA driver: {detail}")]
    NoDriver {
        /// What was looked for and not found.
        detail: String,
    },
    /// A CUDA device index that does not exist.
    #[error("no CUDA device {index}: this machine has {count} CUDA device(s)")]
    NoDevice {
        /// The index asked for.
        index: usize,
        /// How many devices the driver reports.
        count: usize,
    },
    /// A CUDA driver call failed.
    #[error("CUDA driver call {call} failed: {message}")]
    Driver {
        /// What was being done.
        call: &'static str,
        /// The driver's error name and description.
        message: String,
    },
    /// An allocation did not fit in the device's (or the host's) memory.
    #[error("out of memory on {device}: could not allocate {bytes} bytes")]
    OutOfMemory {
        /// The device that ran out.
        device: String,
        /// The size of the failed allocation.
        bytes: usize,
    },
    /// Two arrays (or an array and a host buffer) whose shapes must agree do not.
    #[error("shape mismatch in {operation}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// The operation that needed matching shapes.
        operation: &'static str,
        /// The shape required.
        expected: Shape,
        /// The shape given.
        found: Shape,
    },
    /// A new shape with a different number of elements.
    #[error("cannot reshape an array of {len} elements to {shape}")]
    BadReshape {
        /// Elements in the array.
        len: usize,
        /// The shape asked for.
        shape: Shape,
    },
    /// An operation mixed arrays or streams of different devices.
    #[error("device mismatch in {operation}: {expected} and {found}")]
    DeviceMismatch {
        /// The operation.
        operation: &'static str,
        /// The device it runs on.
        expected: String,
        /// The other device involved.
        found: String,
    },
    /// The user interrupted a wait.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
}
