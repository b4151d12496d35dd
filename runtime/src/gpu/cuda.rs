//! The CUDA driver behind [`Device::cuda`](super::Device::cuda), reached through cudarc.
//!
//! cudarc loads `libcuda.so` when a function is first called and panics if the library or one
//! of its symbols is missing. Every driver call rhpc makes therefore goes through [`call`],
//! which first checks that the library is present (an error, never a panic, on a machine
//! without a driver) and turns any panic from cudarc into a [`GpuError::Driver`].

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, OnceLock};

use cudarc::driver::sys::{self, CUdevice_attribute};
use cudarc::driver::{CudaContext, CudaStream, DriverError};

use super::error::GpuError;
use crate::panic_payload::panic_message;

/// Whether `libcuda.so` can be loaded; looked up once per process (the answer cannot change).
fn driver_present() -> bool {
    static PRESENT: OnceLock<bool> = OnceLock::new();
    // SAFETY: only tries to open the library by name (dlopen); no symbol is called.
    *PRESENT.get_or_init(|| unsafe { sys::is_culib_present() })
}

/// Runs a driver call, turning driver errors and cudarc panics into [`GpuError`]s.
pub(crate) fn call<T>(
    what: &'static str,
    f: impl FnOnce() -> Result<T, DriverError>,
) -> Result<T, GpuError> {
    if !driver_present() {
        return Err(GpuError::NoDriver {
            detail: "libcuda.so could not be loaded (is an NVIDIA driver installed?); \
                     Device::host() runs the same code on the CPU"
                .into(),
        });
    }
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(driver_error(what, error)),
        Err(panic) => Err(GpuError::Driver {
            call: what,
            message: panic_message(panic.as_ref()),
        }),
    }
}

/// Like [`call`], for allocations: an out-of-memory result becomes [`GpuError::OutOfMemory`].
pub(crate) fn alloc<T>(
    ordinal: usize,
    bytes: usize,
    f: impl FnOnce() -> Result<T, DriverError>,
) -> Result<T, GpuError> {
    call("allocate", f).map_err(|error| match error {
        GpuError::Driver { ref message, .. } if message.contains("OUT_OF_MEMORY") => {
            GpuError::OutOfMemory {
                device: format!("cuda:{ordinal}"),
                bytes,
            }
        }
        other => other,
    })
}

fn driver_error(what: &'static str, error: DriverError) -> GpuError {
    // The driver's own name (CUDA_ERROR_OUT_OF_MEMORY) and sentence, when it can give them.
    let name = error
        .error_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|_| format!("{:?}", error.0));
    let text = error
        .error_string()
        .map(|text| text.to_string_lossy().into_owned())
        .unwrap_or_default();
    GpuError::Driver {
        call: what,
        message: format!("{name}: {text}"),
    }
}

/// The number of CUDA devices, or why there are none.
pub(crate) fn device_count() -> Result<usize, GpuError> {
    call("cuDeviceGetCount", || {
        cudarc::driver::result::init()?;
        CudaContext::device_count()
    })
    .map(|count| usize::try_from(count).unwrap_or(0))
}

/// The driver's CUDA version as (major, minor), e.g. (12, 8).
pub(crate) fn driver_version() -> Result<(u32, u32), GpuError> {
    call("cuDriverGetVersion", || {
        let mut version = 0i32;
        // SAFETY: writes one int through a valid pointer.
        unsafe { sys::cuDriverGetVersion(&mut version) }.result()?;
        Ok(version)
    })
    .map(|version| {
        let version = u32::try_from(version).unwrap_or(0);
        (version / 1000, (version % 1000) / 10)
    })
}

/// What a CUDA device is, as the table of devices shows it.
#[derive(Debug, Clone)]
pub(crate) struct Description {
    pub(crate) name: String,
    pub(crate) memory: usize,
    pub(crate) compute_capability: (u32, u32),
    pub(crate) multiprocessors: u32,
}

/// Describes device `ordinal` without creating a context on it (a context costs hundreds
/// of MiB of device memory, too much to pay for listing every GPU of a node).
pub(crate) fn describe(ordinal: usize) -> Result<Description, GpuError> {
    let count = device_count()?;
    if ordinal >= count {
        return Err(GpuError::NoDevice {
            index: ordinal,
            count,
        });
    }
    call("cuDeviceGetAttribute", || {
        use cudarc::driver::result::device;
        let dev = device::get(i32::try_from(ordinal).unwrap_or(i32::MAX))?;
        let attribute = |which| {
            // SAFETY: `dev` was returned by cuDeviceGet.
            unsafe { device::get_attribute(dev, which) }.map(|v| u32::try_from(v).unwrap_or(0))
        };
        Ok(Description {
            name: device::get_name(dev)?,
            // SAFETY: as above.
            memory: unsafe { device::total_mem(dev) }?,
            compute_capability: (
                attribute(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)?,
                attribute(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)?,
            ),
            multiprocessors: attribute(
                CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
            )?,
        })
    })
}

/// An open CUDA device: its primary context and default stream, and what it is.
#[derive(Debug)]
pub(crate) struct CudaDevice {
    pub(crate) ordinal: usize,
    pub(crate) context: Arc<CudaContext>,
    pub(crate) stream: Arc<CudaStream>,
    pub(crate) description: Description,
}

impl CudaDevice {
    /// Opens device `ordinal`, with an error (never a panic) when it cannot.
    pub(crate) fn open(ordinal: usize) -> Result<CudaDevice, GpuError> {
        let description = describe(ordinal)?;
        let context = call("cuDevicePrimaryCtxRetain", || CudaContext::new(ordinal))?;
        let stream = context.default_stream();
        Ok(CudaDevice {
            ordinal,
            context,
            stream,
            description,
        })
    }

    /// The NVRTC architecture name, `compute_80` for compute capability 8.0.
    pub(crate) fn arch(&self) -> String {
        let (major, minor) = self.description.compute_capability;
        format!("compute_{major}{minor}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_driver_calls_are_errors_not_panics() {
        if driver_present() {
            return; // a GPU machine: tests/cuda.rs covers it
        }
        assert!(matches!(device_count(), Err(GpuError::NoDriver { .. })));
        assert!(matches!(
            CudaDevice::open(0),
            Err(GpuError::NoDriver { .. })
        ));
    }

    #[test]
    fn panics_become_errors() {
        let message = panic_message(&"missing symbol cuFoo");
        assert_eq!(message, "missing symbol cuFoo");
    }
}
