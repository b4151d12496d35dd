//! [`PinnedBuffer`]: page-locked host memory, the fast and truly asynchronous end of a
//! transfer; and the [`HostSource`] / [`HostTarget`] traits that let streams copy from and
//! to either pinned buffers or ordinary slices.
//!
//! A GPU can only copy from page-locked memory by DMA. From ordinary (pageable) memory the
//! driver first copies through a staging buffer and the transfer cannot overlap host work;
//! from pinned memory it runs at full PCIe/NVLink speed while the host goes on. On the host
//! backend a pinned buffer is an ordinary allocation, so the same code runs there.

use cudarc::driver::PinnedHostSlice;

use super::array::host_zeros;
use super::cuda;
use super::device::Device;
use super::dtype::Element;
use super::error::GpuError;

/// A host buffer the device can copy to and from asynchronously.
///
/// ```
/// use rhpc::gpu::Device;
///
/// let device = Device::best();
/// let mut staging = device.pinned::<f32>(4)?;
/// staging.as_mut_slice()?.copy_from_slice(&[1.0, 2.0, 3.0, 4.0]);
/// let stream = device.new_stream()?;
/// let mut x = device.zeros::<f32>(4)?;
/// stream.copy_to_device(&staging, &mut x)?; // returns at once on a GPU
/// stream.synchronize()?;
/// assert_eq!(x.to_host()?, vec![1.0, 2.0, 3.0, 4.0]);
/// # Ok::<(), rhpc::gpu::GpuError>(())
/// ```
pub struct PinnedBuffer<T: Element> {
    device: Device,
    /// Elements in use: a CUDA allocation has at least one.
    len: usize,
    data: PinnedData<T>,
}

pub(crate) enum PinnedData<T> {
    Host(Vec<T>),
    Cuda(PinnedHostSlice<T>),
}

impl Device {
    /// A zero-filled pinned host buffer of `len` elements for transfers with this device.
    ///
    /// ```
    /// let buffer = rhpc::gpu::Device::host().pinned::<u32>(8)?;
    /// assert_eq!(buffer.len(), 8);
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn pinned<T: Element>(&self, len: usize) -> Result<PinnedBuffer<T>, GpuError> {
        let data = match self.cuda_device() {
            None => PinnedData::Host(host_zeros(len)?),
            Some(device) => {
                let context = &device.context;
                // Plain page-locked memory (flags 0): cudarc's default is write-combined,
                // which the host reads an order of magnitude slower.
                // SAFETY: the memory is zero-filled below before it can be read. At least one
                // element: the driver refuses a zero-byte allocation.
                let mut slice = cuda::alloc(device.ordinal, len * size_of::<T>(), || unsafe {
                    context.alloc_pinned_with_flags::<T>(len.max(1), 0)
                })?;
                let zeros = cuda::call("cuMemHostAlloc", || slice.as_mut_slice())?;
                zeros.fill(T::default());
                PinnedData::Cuda(slice)
            }
        };
        Ok(PinnedBuffer {
            device: self.clone(),
            len,
            data,
        })
    }
}

impl<T: Element> PinnedBuffer<T> {
    /// A pinned buffer holding a copy of `values`.
    ///
    /// ```
    /// let device = rhpc::gpu::Device::host();
    /// let buffer = rhpc::gpu::PinnedBuffer::from_slice(&device, &[1i32, 2])?;
    /// assert_eq!(buffer.to_vec()?, vec![1, 2]);
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn from_slice(device: &Device, values: &[T]) -> Result<PinnedBuffer<T>, GpuError> {
        let mut buffer = device.pinned(values.len())?;
        buffer.as_mut_slice()?.copy_from_slice(values);
        Ok(buffer)
    }

    /// The number of elements.
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::Device::host().pinned::<f64>(3)?.len(), 3);
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer has no element.
    ///
    /// ```
    /// assert!(rhpc::gpu::Device::host().pinned::<f64>(0)?.is_empty());
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The device this buffer was allocated for.
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::Device::host().pinned::<f64>(1)?.device().id(), "host");
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The contents, after any copy queued into or out of the buffer has finished.
    ///
    /// ```
    /// let buffer = rhpc::gpu::Device::host().pinned::<u64>(2)?;
    /// assert_eq!(buffer.as_slice()?, &[0, 0]);
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn as_slice(&self) -> Result<&[T], GpuError> {
        let all = match &self.data {
            PinnedData::Host(data) => data.as_slice(),
            PinnedData::Cuda(slice) => cuda::call("cuEventSynchronize", || slice.as_slice())?,
        };
        Ok(&all[..self.len])
    }

    /// The contents for writing, after any queued copy has finished.
    ///
    /// ```
    /// let mut buffer = rhpc::gpu::Device::host().pinned::<i64>(2)?;
    /// buffer.as_mut_slice()?[1] = 5;
    /// assert_eq!(buffer.to_vec()?, vec![0, 5]);
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn as_mut_slice(&mut self) -> Result<&mut [T], GpuError> {
        let all = match &mut self.data {
            PinnedData::Host(data) => data.as_mut_slice(),
            PinnedData::Cuda(slice) => cuda::call("cuEventSynchronize", || slice.as_mut_slice())?,
        };
        Ok(&mut all[..self.len])
    }

    /// A copy of the contents in an ordinary vector.
    ///
    /// ```
    /// let buffer = rhpc::gpu::Device::host().pinned::<f32>(1)?;
    /// assert_eq!(buffer.to_vec()?, vec![0.0]);
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn to_vec(&self) -> Result<Vec<T>, GpuError> {
        Ok(self.as_slice()?.to_vec())
    }

    pub(crate) fn data(&self) -> &PinnedData<T> {
        &self.data
    }

    pub(crate) fn data_mut(&mut self) -> &mut PinnedData<T> {
        &mut self.data
    }
}

mod sealed {
    use super::{Element, PinnedBuffer};

    /// Host memory as a stream sees it.
    pub enum HostRef<'a, T: Element> {
        Pageable(&'a [T]),
        Pinned(&'a PinnedBuffer<T>),
    }

    /// Writable host memory as a stream sees it.
    pub enum HostMut<'a, T: Element> {
        Pageable(&'a mut [T]),
        Pinned(&'a mut PinnedBuffer<T>),
    }

    pub trait Source<T: Element> {
        fn host_ref(&self) -> HostRef<'_, T>;
    }

    pub trait Target<T: Element> {
        fn host_mut(&mut self) -> HostMut<'_, T>;
    }
}

pub(crate) use sealed::{HostMut, HostRef};

/// Host memory a stream can copy to a device: a slice, a `Vec` or a [`PinnedBuffer`].
///
/// ```
/// use rhpc::gpu::{Device, HostSource};
///
/// fn upload<S: HostSource<f32> + ?Sized>(src: &S) -> Result<(), rhpc::gpu::GpuError> {
///     let device = Device::host();
///     let mut x = device.zeros::<f32>(2)?;
///     device.default_stream().copy_to_device(src, &mut x)
/// }
/// upload(&[1.0f32, 2.0][..])?;
/// upload(&vec![1.0f32, 2.0])?;
/// # Ok::<(), rhpc::gpu::GpuError>(())
/// ```
pub trait HostSource<T: Element>: sealed::Source<T> {}

/// Host memory a stream can copy a device array into: a slice, a `Vec` or a [`PinnedBuffer`].
///
/// ```
/// use rhpc::gpu::Device;
///
/// let device = Device::host();
/// let x = device.to_device(&[1u32, 2])?;
/// let mut out = vec![0u32; 2];
/// device.default_stream().copy_to_host(&x, &mut out)?;
/// assert_eq!(out, vec![1, 2]);
/// # Ok::<(), rhpc::gpu::GpuError>(())
/// ```
pub trait HostTarget<T: Element>: sealed::Target<T> {}

impl<T: Element> sealed::Source<T> for [T] {
    fn host_ref(&self) -> HostRef<'_, T> {
        HostRef::Pageable(self)
    }
}
impl<T: Element> sealed::Source<T> for Vec<T> {
    fn host_ref(&self) -> HostRef<'_, T> {
        HostRef::Pageable(self)
    }
}
impl<T: Element> sealed::Source<T> for PinnedBuffer<T> {
    fn host_ref(&self) -> HostRef<'_, T> {
        HostRef::Pinned(self)
    }
}
impl<T: Element> sealed::Target<T> for [T] {
    fn host_mut(&mut self) -> HostMut<'_, T> {
        HostMut::Pageable(self)
    }
}
impl<T: Element> sealed::Target<T> for Vec<T> {
    fn host_mut(&mut self) -> HostMut<'_, T> {
        HostMut::Pageable(self)
    }
}
impl<T: Element> sealed::Target<T> for PinnedBuffer<T> {
    fn host_mut(&mut self) -> HostMut<'_, T> {
        HostMut::Pinned(self)
    }
}
impl<T: Element> HostSource<T> for [T] {}
impl<T: Element> HostSource<T> for Vec<T> {}
impl<T: Element> HostSource<T> for PinnedBuffer<T> {}
impl<T: Element> HostTarget<T> for [T] {}
impl<T: Element> HostTarget<T> for Vec<T> {}
impl<T: Element> HostTarget<T> for PinnedBuffer<T> {}
