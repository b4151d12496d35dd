//! [`Event`]: a marker in a stream's queue, to wait for and to time work between two markers.
//!
//! Waiting is interruptible: instead of blocking inside the driver, [`Event::synchronize`]
//! polls the event and checks [`InterruptCheck`] between polls, backing off from a few
//! microseconds to a millisecond, so short waits stay short and a long kernel can still be
//! stopped from the notebook.

use std::time::{Duration, Instant};

use cudarc::driver::CudaEvent;

use crate::interrupt::InterruptCheck;

use super::cuda;
use super::error::GpuError;

/// A point in a stream's work, recorded with [`Stream::record_event`](super::Stream::record_event).
///
/// ```
/// use rhpc::gpu::Device;
///
/// let device = Device::best();
/// let stream = device.default_stream();
/// let x = device.to_device(&vec![1.0f32; 1 << 20])?;
/// let mut y = device.zeros::<f32>(1 << 20)?;
/// let start = stream.record_event()?;
/// stream.copy_device(&x, &mut y)?;
/// let end = stream.record_event()?;
/// end.synchronize()?;
/// println!("copy took {:?}", start.elapsed(&end)?);
/// # Ok::<(), rhpc::gpu::GpuError>(())
/// ```
pub struct Event {
    inner: EventInner,
}

pub(crate) enum EventInner {
    /// Host work is synchronous: the event is the moment it was recorded.
    Host(Instant),
    Cuda(CudaEvent),
}

impl Event {
    pub(crate) fn new(inner: EventInner) -> Event {
        Event { inner }
    }

    /// Whether the work before this event has finished.
    ///
    /// ```
    /// let event = rhpc::gpu::Device::host().default_stream().record_event()?;
    /// assert!(event.is_complete()?);
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn is_complete(&self) -> Result<bool, GpuError> {
        match &self.inner {
            EventInner::Host(_) => Ok(true),
            EventInner::Cuda(event) => cuda::call("cuEventQuery", || event.try_is_complete()),
        }
    }

    /// Waits until the work before this event has finished; returns `Interrupted` if the
    /// user interrupts first (the work itself goes on on the device).
    ///
    /// ```
    /// rhpc::gpu::Device::host().default_stream().record_event()?.synchronize()?;
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn synchronize(&self) -> Result<(), GpuError> {
        let check = InterruptCheck::new();
        let mut pause = Duration::from_micros(5);
        while !self.is_complete()? {
            check.check()?;
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(1));
        }
        Ok(())
    }

    /// The time from this event to `end`, once both have completed (waits for them).
    ///
    /// ```
    /// let stream = rhpc::gpu::Device::host().default_stream();
    /// let start = stream.record_event()?;
    /// let end = stream.record_event()?;
    /// assert!(start.elapsed(&end)? < std::time::Duration::from_secs(1));
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn elapsed(&self, end: &Event) -> Result<Duration, GpuError> {
        Ok(Duration::from_secs_f64(self.seconds_to(end)?.max(0.0)))
    }

    /// Signed seconds from this event to `end` (negative if `end` came first).
    pub(crate) fn seconds_to(&self, end: &Event) -> Result<f64, GpuError> {
        match (&self.inner, &end.inner) {
            (EventInner::Host(start), EventInner::Host(stop)) => Ok(if stop >= start {
                stop.duration_since(*start).as_secs_f64()
            } else {
                -start.duration_since(*stop).as_secs_f64()
            }),
            (EventInner::Cuda(start), EventInner::Cuda(stop)) => {
                self.synchronize()?;
                end.synchronize()?;
                let ms = cuda::call("cuEventElapsedTime", || start.elapsed_ms(stop))?;
                Ok(f64::from(ms) / 1e3)
            }
            _ => Err(GpuError::DeviceMismatch {
                operation: "Event::elapsed",
                expected: self.device_kind().into(),
                found: end.device_kind().into(),
            }),
        }
    }

    fn device_kind(&self) -> &'static str {
        match self.inner {
            EventInner::Host(_) => "host",
            EventInner::Cuda(_) => "cuda",
        }
    }
}
