//! GPU arrays with explicit transfers, on CUDA or on the host: the course's CuPy chapter.
//!
//! A [`Device`] is a CUDA GPU ([`Device::cuda`]) or the host ([`Device::host`]);
//! [`Device::best`] picks a GPU when a driver and a GPU are present and otherwise says so in
//! one line and uses the host, so a notebook runs the same on a GPU node and a laptop.
//! [`devices`] lists what the machine has.
//!
//! A [`DeviceArray`] lives in the device's memory and is reached only by explicit transfers
//! (the CUDA program's four steps: allocate, copy in, launch, copy out):
//!
//! ```
//! use rhpc::gpu::Device;
//!
//! let device = Device::best();
//! let x = device.to_device(&[1.0f32, 2.0, 3.0])?; // allocate + host to device
//! let mut y = device.zeros::<f32>(3)?;            // allocate
//! y.copy_from(&x)?;                               // device to device
//! assert_eq!(y.to_host()?, vec![1.0, 2.0, 3.0]);  // device to host
//! # Ok::<(), rhpc::gpu::GpuError>(())
//! ```
//!
//! [`Stream`]s queue copies and kernel launches asynchronously; [`PinnedBuffer`]s make
//! copies fast and truly asynchronous; [`Event`]s time work on the device; a
//! [`GpuTimeline`] records what streams did and draws it with the bandwidth reached. Kernels
//! that run on these arrays are in [`crate::jit`].
//!
//! CUDA is reached through `cudarc` with the driver loaded at run time: rhpc builds without a
//! CUDA toolkit, and without a driver every CUDA call returns [`GpuError::NoDriver`].

mod array;
pub(crate) mod cuda;
mod device;
mod dtype;
mod error;
mod event;
mod pinned;
mod shape;
mod stream;
mod timeline;

pub use array::DeviceArray;
pub(crate) use array::Storage;
pub use device::{Device, DeviceInfo, DeviceKind, DeviceList, devices};
pub use dtype::{DType, Element, Scalar};
pub use error::GpuError;
pub use event::Event;
pub use pinned::{HostSource, HostTarget, PinnedBuffer};
pub use shape::Shape;
pub use stream::Stream;
pub use timeline::{GpuTimeline, OpKind, TimedOp};
