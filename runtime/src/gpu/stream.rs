//! [`Stream`]: a queue of copies and kernel launches that run in order on one device.
//!
//! On a GPU, work on a stream runs asynchronously: calls return once the work is queued, and
//! work on different streams may overlap (a copy on one while a kernel runs on another).
//! Copies from pageable host memory are the exception (the driver stages them), which is
//! why [`PinnedBuffer`](super::PinnedBuffer) exists. On the host backend every operation
//! completes before the call returns, so code written for streams runs unchanged there.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use cudarc::driver::CudaStream;
use cudarc::driver::sys::CUevent_flags;

use super::array::{DeviceArray, Storage};
use super::cuda;
use super::device::Device;
use super::dtype::Element;
use super::error::GpuError;
use super::event::{Event, EventInner};
use super::pinned::{HostMut, HostRef, HostSource, HostTarget, PinnedData};
use super::shape::Shape;
use super::timeline::{GpuTimeline, OpKind};

/// An in-order queue of work on one device.
///
/// ```
/// use rhpc::gpu::{Device, GpuTimeline};
///
/// let device = Device::best();
/// let timeline = GpuTimeline::new("upload and download");
/// let stream = device.new_stream()?.with_timeline(&timeline);
/// let host = device.pinned::<f32>(1 << 20)?;
/// let mut x = device.zeros::<f32>(1 << 20)?;
/// let mut back = device.pinned::<f32>(1 << 20)?;
/// stream.copy_to_device(&host, &mut x)?;
/// stream.copy_to_host(&x, &mut back)?;
/// stream.synchronize()?;
/// assert_eq!(timeline.ops()?.len(), 2);
/// # Ok::<(), rhpc::gpu::GpuError>(())
/// ```
#[derive(Clone)]
pub struct Stream {
    device: Device,
    inner: Inner,
    label: String,
    timeline: Option<GpuTimeline>,
}

#[derive(Clone)]
enum Inner {
    Host,
    Cuda(Arc<CudaStream>),
}

impl Device {
    /// The device's default stream (what [`DeviceArray`]'s own copy methods use).
    ///
    /// ```
    /// let stream = rhpc::gpu::Device::host().default_stream();
    /// assert_eq!(stream.label(), "default");
    /// ```
    pub fn default_stream(&self) -> Stream {
        let inner = match self.cuda_device() {
            None => Inner::Host,
            Some(cuda) => Inner::Cuda(cuda.stream.clone()),
        };
        Stream {
            device: self.clone(),
            inner,
            label: "default".into(),
            timeline: None,
        }
    }

    /// A new stream, whose work may overlap with other streams' work on a GPU.
    ///
    /// ```
    /// let stream = rhpc::gpu::Device::host().new_stream()?;
    /// assert!(stream.label().starts_with("stream "));
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn new_stream(&self) -> Result<Stream, GpuError> {
        // Only names streams in timelines; not state a session depends on.
        static STREAMS: AtomicUsize = AtomicUsize::new(1);
        let inner = match self.cuda_device() {
            None => Inner::Host,
            Some(cuda) => Inner::Cuda(cuda::call("cuStreamCreate", || cuda.context.new_stream())?),
        };
        Ok(Stream {
            device: self.clone(),
            inner,
            label: format!("stream {}", STREAMS.fetch_add(1, Ordering::Relaxed)),
            timeline: None,
        })
    }
}

impl Stream {
    /// The device this stream runs on.
    ///
    /// ```
    /// let stream = rhpc::gpu::Device::host().default_stream();
    /// assert_eq!(stream.device().id(), "host");
    /// ```
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The stream's name in timelines.
    ///
    /// ```
    /// let stream = rhpc::gpu::Device::host().default_stream().with_label("copies");
    /// assert_eq!(stream.label(), "copies");
    /// ```
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The same stream under another name in timelines.
    ///
    /// ```
    /// let stream = rhpc::gpu::Device::host().default_stream().with_label("kernels");
    /// assert_eq!(stream.label(), "kernels");
    /// ```
    pub fn with_label(mut self, label: impl Into<String>) -> Stream {
        self.label = label.into();
        self
    }

    /// The same stream, recording each copy and kernel launch into `timeline`.
    ///
    /// ```
    /// let timeline = rhpc::gpu::GpuTimeline::new("t");
    /// let stream = rhpc::gpu::Device::host().default_stream().with_timeline(&timeline);
    /// # let _ = stream;
    /// ```
    pub fn with_timeline(mut self, timeline: &GpuTimeline) -> Stream {
        self.timeline = Some(timeline.clone());
        self
    }

    /// Queues a copy of host memory (a slice, `Vec` or [`PinnedBuffer`](super::PinnedBuffer))
    /// into `dst`, which
    /// must have as many elements.
    ///
    /// ```
    /// let device = rhpc::gpu::Device::host();
    /// let mut x = device.zeros::<f32>(2)?;
    /// device.default_stream().copy_to_device(&[1.0f32, 2.0][..], &mut x)?;
    /// assert_eq!(x.to_host()?, vec![1.0, 2.0]);
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn copy_to_device<T: Element, S: HostSource<T> + ?Sized>(
        &self,
        src: &S,
        dst: &mut DeviceArray<T>,
    ) -> Result<(), GpuError> {
        let src = src.host_ref();
        let len = match &src {
            HostRef::Pageable(slice) => slice.len(),
            HostRef::Pinned(buffer) => {
                self.device.expect_same(buffer.device(), "copy_to_device")?;
                buffer.len()
            }
        };
        self.device.expect_same(dst.device(), "copy_to_device")?;
        dst.expect_shape(Shape::vector(len), "copy_to_device")?;
        if len == 0 {
            return Ok(());
        }
        let bytes = dst.nbytes();
        self.timed(OpKind::HostToDevice, "host to device", bytes, || {
            match (&self.inner, src, dst.storage_mut()) {
                (Inner::Host, HostRef::Pageable(slice), Storage::Host(data)) => {
                    data.copy_from_slice(slice);
                    Ok(())
                }
                (Inner::Host, HostRef::Pinned(buffer), Storage::Host(data)) => {
                    data.copy_from_slice(buffer.as_slice()?);
                    Ok(())
                }
                (Inner::Cuda(stream), HostRef::Pageable(slice), Storage::Cuda(data)) => {
                    cuda::call("cuMemcpyHtoDAsync", || stream.memcpy_htod(slice, data))
                }
                (Inner::Cuda(stream), HostRef::Pinned(buffer), Storage::Cuda(data)) => {
                    match buffer.data() {
                        PinnedData::Cuda(pinned) => {
                            cuda::call("cuMemcpyHtoDAsync", || stream.memcpy_htod(pinned, data))
                        }
                        PinnedData::Host(_) => Err(self.mismatch("copy_to_device")),
                    }
                }
                _ => Err(self.mismatch("copy_to_device")),
            }
        })
    }

    /// Queues a copy of `src` into host memory (a slice, `Vec` or
    /// [`PinnedBuffer`](super::PinnedBuffer)) with as many elements. Into pageable memory the
    /// copy has finished when this returns; into a pinned buffer, after
    /// [`synchronize`](Stream::synchronize).
    ///
    /// ```
    /// let device = rhpc::gpu::Device::host();
    /// let x = device.to_device(&[5i32, 6])?;
    /// let mut out = device.pinned::<i32>(2)?;
    /// let stream = device.default_stream();
    /// stream.copy_to_host(&x, &mut out)?;
    /// stream.synchronize()?;
    /// assert_eq!(out.to_vec()?, vec![5, 6]);
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn copy_to_host<T: Element, D: HostTarget<T> + ?Sized>(
        &self,
        src: &DeviceArray<T>,
        dst: &mut D,
    ) -> Result<(), GpuError> {
        let dst = dst.host_mut();
        let len = match &dst {
            HostMut::Pageable(slice) => slice.len(),
            HostMut::Pinned(buffer) => {
                self.device.expect_same(buffer.device(), "copy_to_host")?;
                buffer.len()
            }
        };
        self.device.expect_same(src.device(), "copy_to_host")?;
        src.expect_shape(Shape::vector(len), "copy_to_host")?;
        if len == 0 {
            return Ok(());
        }
        self.timed(
            OpKind::DeviceToHost,
            "device to host",
            src.nbytes(),
            || match (&self.inner, src.storage(), dst) {
                (Inner::Host, Storage::Host(data), HostMut::Pageable(slice)) => {
                    slice.copy_from_slice(data);
                    Ok(())
                }
                (Inner::Host, Storage::Host(data), HostMut::Pinned(buffer)) => {
                    buffer.as_mut_slice()?.copy_from_slice(data);
                    Ok(())
                }
                (Inner::Cuda(stream), Storage::Cuda(data), HostMut::Pageable(slice)) => {
                    cuda::call("cuMemcpyDtoHAsync", || stream.memcpy_dtoh(data, slice))
                }
                (Inner::Cuda(stream), Storage::Cuda(data), HostMut::Pinned(buffer)) => {
                    match buffer.data_mut() {
                        PinnedData::Cuda(pinned) => {
                            cuda::call("cuMemcpyDtoHAsync", || stream.memcpy_dtoh(data, pinned))
                        }
                        PinnedData::Host(_) => Err(self.mismatch("copy_to_host")),
                    }
                }
                _ => Err(self.mismatch("copy_to_host")),
            },
        )
    }

    /// Queues a device-to-device copy of `src` into `dst` (same device, same length).
    ///
    /// ```
    /// let device = rhpc::gpu::Device::host();
    /// let x = device.to_device(&[1u64, 2])?;
    /// let mut y = device.zeros::<u64>(2)?;
    /// device.default_stream().copy_device(&x, &mut y)?;
    /// assert_eq!(y.to_host()?, vec![1, 2]);
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn copy_device<T: Element>(
        &self,
        src: &DeviceArray<T>,
        dst: &mut DeviceArray<T>,
    ) -> Result<(), GpuError> {
        self.device.expect_same(src.device(), "copy_device")?;
        self.device.expect_same(dst.device(), "copy_device")?;
        dst.expect_shape(src.shape(), "copy_device")?;
        if src.is_empty() {
            return Ok(());
        }
        self.timed(
            OpKind::DeviceToDevice,
            "device to device",
            src.nbytes(),
            || match (&self.inner, src.storage(), dst.storage_mut()) {
                (Inner::Host, Storage::Host(from), Storage::Host(to)) => {
                    to.copy_from_slice(from);
                    Ok(())
                }
                (Inner::Cuda(stream), Storage::Cuda(from), Storage::Cuda(to)) => {
                    cuda::call("cuMemcpyDtoDAsync", || stream.memcpy_dtod(from, to))
                }
                _ => Err(self.mismatch("copy_device")),
            },
        )
    }

    /// Waits until all queued work has finished; `Interrupted` if the user interrupts first.
    ///
    /// ```
    /// rhpc::gpu::Device::host().default_stream().synchronize()?;
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn synchronize(&self) -> Result<(), GpuError> {
        match &self.inner {
            Inner::Host => Ok(()),
            Inner::Cuda(_) => self.record_event()?.synchronize(),
        }
    }

    /// Marks the current end of the queue; time work between two events with
    /// [`Event::elapsed`].
    ///
    /// ```
    /// let event = rhpc::gpu::Device::host().default_stream().record_event()?;
    /// assert!(event.is_complete()?);
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn record_event(&self) -> Result<Event, GpuError> {
        Ok(Event::new(match &self.inner {
            Inner::Host => EventInner::Host(std::time::Instant::now()),
            Inner::Cuda(stream) => EventInner::Cuda(cuda::call("cuEventRecord", || {
                stream.record_event(Some(CUevent_flags::CU_EVENT_DEFAULT))
            })?),
        }))
    }

    /// The CUDA stream, or `None` on the host.
    pub(crate) fn cuda_stream(&self) -> Option<&Arc<CudaStream>> {
        match &self.inner {
            Inner::Host => None,
            Inner::Cuda(stream) => Some(stream),
        }
    }

    /// Runs `op`, recording it into the stream's timeline (if any) as `bytes` moved.
    pub(crate) fn timed<R, E: From<GpuError>>(
        &self,
        kind: OpKind,
        name: &str,
        bytes: usize,
        op: impl FnOnce() -> Result<R, E>,
    ) -> Result<R, E> {
        let Some(timeline) = &self.timeline else {
            return op();
        };
        let start = self.record_event()?;
        let result = op()?;
        let end = self.record_event()?;
        timeline.push(&self.label, &self.device, kind, name, bytes, start, end);
        Ok(result)
    }

    fn mismatch(&self, operation: &'static str) -> GpuError {
        GpuError::DeviceMismatch {
            operation,
            expected: self.device.id(),
            found: "memory of another backend".into(),
        }
    }
}
