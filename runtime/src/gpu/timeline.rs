//! [`GpuTimeline`]: copies and kernel launches recorded from streams, shown as a Gantt chart
//! (one row per stream) with the bytes each moved and the bandwidth it reached.
//!
//! Recording costs two events per operation; times are read from the events only when the
//! timeline is shown, so recording never waits for the device.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use crate::display::units::{format_bytes, format_rate, format_seconds};
use crate::display::{MimeBundle, Render, Table, Timeline};

use super::device::Device;
use super::error::GpuError;
use super::event::Event;

/// What a recorded operation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// A copy from host memory to the device.
    HostToDevice,
    /// A copy from the device to host memory.
    DeviceToHost,
    /// A copy within device memory.
    DeviceToDevice,
    /// A kernel launch (bytes: the arrays it read and wrote).
    Kernel,
}

impl OpKind {
    /// The category name in charts: `host to device`, `kernel`, ...
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::OpKind::HostToDevice.name(), "host to device");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            OpKind::HostToDevice => "host to device",
            OpKind::DeviceToHost => "device to host",
            OpKind::DeviceToDevice => "device to device",
            OpKind::Kernel => "kernel",
        }
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One recorded operation with its times resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedOp {
    /// The stream's label.
    pub stream: String,
    /// The device's id.
    pub device: String,
    /// What it was.
    pub kind: OpKind,
    /// The kernel's name, or the copy's direction.
    pub name: String,
    /// Bytes moved (for kernels: read plus written).
    pub bytes: usize,
    /// Start, in seconds from the first operation recorded on the same device.
    pub start: f64,
    /// End, in seconds from the same origin.
    pub end: f64,
}

impl TimedOp {
    /// Bytes per second achieved.
    ///
    /// ```
    /// let op = rhpc::gpu::TimedOp {
    ///     stream: "s".into(), device: "host".into(), kind: rhpc::gpu::OpKind::Kernel,
    ///     name: "k".into(), bytes: 1_000_000, start: 0.0, end: 0.001,
    /// };
    /// assert!((op.bandwidth() - 1e9).abs() < 1.0);
    /// ```
    pub fn bandwidth(&self) -> f64 {
        let seconds = self.end - self.start;
        if seconds > 0.0 {
            self.bytes as f64 / seconds
        } else {
            0.0
        }
    }
}

struct Record {
    stream: String,
    device: String,
    kind: OpKind,
    name: String,
    bytes: usize,
    start: Event,
    end: Event,
}

/// A recording of transfers and kernel launches, shared by the streams that record into it.
///
/// ```
/// use rhpc::gpu::{Device, GpuTimeline, OpKind};
/// use rhpc::display::Render;
///
/// let device = Device::best();
/// let timeline = GpuTimeline::new("round trip");
/// let stream = device.default_stream().with_timeline(&timeline);
/// let host = vec![1.0f64; 1 << 16];
/// let mut x = device.zeros::<f64>(1 << 16)?;
/// let mut back = vec![0.0f64; 1 << 16];
/// stream.copy_to_device(&host, &mut x)?;
/// stream.copy_to_host(&x, &mut back)?;
/// let ops = timeline.ops()?;
/// assert_eq!(ops[0].kind, OpKind::HostToDevice);
/// assert_eq!(ops[1].bytes, 8 << 16);
/// assert!(timeline.render().get("text/html").is_some());
/// # Ok::<(), rhpc::gpu::GpuError>(())
/// ```
#[derive(Clone, Default)]
pub struct GpuTimeline {
    title: String,
    records: Arc<Mutex<Vec<Record>>>,
}

impl GpuTimeline {
    /// An empty timeline.
    ///
    /// ```
    /// assert!(rhpc::gpu::GpuTimeline::new("t").ops()?.is_empty());
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn new(title: impl Into<String>) -> GpuTimeline {
        GpuTimeline {
            title: title.into(),
            records: Arc::default(),
        }
    }

    /// Forgets every recorded operation.
    ///
    /// ```
    /// let timeline = rhpc::gpu::GpuTimeline::new("t");
    /// timeline.clear();
    /// ```
    pub fn clear(&self) {
        self.lock().clear();
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &self,
        stream: &str,
        device: &Device,
        kind: OpKind,
        name: &str,
        bytes: usize,
        start: Event,
        end: Event,
    ) {
        self.lock().push(Record {
            stream: stream.to_owned(),
            device: device.id(),
            kind,
            name: name.to_owned(),
            bytes,
            start,
            end,
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Record>> {
        // A panic while holding the lock cannot leave the Vec inconsistent.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The operations in the order recorded, with times (waits for them to finish).
    ///
    /// ```
    /// let timeline = rhpc::gpu::GpuTimeline::new("t");
    /// assert_eq!(timeline.ops()?.len(), 0);
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn ops(&self) -> Result<Vec<TimedOp>, GpuError> {
        let records = self.lock();
        let mut ops = Vec::with_capacity(records.len());
        for record in records.iter() {
            // The origin of each device's clock: its first recorded event.
            let origin = records
                .iter()
                .find(|other| other.device == record.device)
                .map_or(&record.start, |first| &first.start);
            ops.push(TimedOp {
                stream: record.stream.clone(),
                device: record.device.clone(),
                kind: record.kind,
                name: record.name.clone(),
                bytes: record.bytes,
                start: origin.seconds_to(&record.start)?,
                end: origin.seconds_to(&record.end)?,
            });
        }
        // Streams overlap: an operation queued later may have started earlier.
        let earliest = ops.iter().map(|op| op.start).fold(0.0, f64::min);
        for op in &mut ops {
            op.start -= earliest;
            op.end -= earliest;
        }
        Ok(ops)
    }

    /// Totals per kind of operation: count, bytes, busy time and bandwidth.
    ///
    /// ```
    /// let table = rhpc::gpu::GpuTimeline::new("t").summary()?;
    /// assert!(table.rows().is_empty());
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn summary(&self) -> Result<Table, GpuError> {
        let ops = self.ops()?;
        let mut table = Table::new(["operation", "count", "bytes", "time", "bandwidth"])
            .caption(format!("{}: totals", self.title));
        for kind in [
            OpKind::HostToDevice,
            OpKind::Kernel,
            OpKind::DeviceToDevice,
            OpKind::DeviceToHost,
        ] {
            let of_kind: Vec<&TimedOp> = ops.iter().filter(|op| op.kind == kind).collect();
            if of_kind.is_empty() {
                continue;
            }
            let bytes: usize = of_kind.iter().map(|op| op.bytes).sum();
            let seconds: f64 = of_kind.iter().map(|op| op.end - op.start).sum();
            table.push_row([
                kind.name().to_owned(),
                of_kind.len().to_string(),
                format_bytes(bytes as f64),
                format_seconds(seconds),
                if seconds > 0.0 {
                    format_rate(bytes as f64 / seconds)
                } else {
                    "-".to_owned()
                },
            ]);
        }
        Ok(table)
    }

    /// The Gantt chart: one row per stream, one bar per operation.
    ///
    /// ```
    /// let chart = rhpc::gpu::GpuTimeline::new("t").chart()?;
    /// assert!(chart.spans().is_empty());
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn chart(&self) -> Result<Timeline, GpuError> {
        let ops = self.ops()?;
        let mut chart = Timeline::new(self.title.clone());
        let mut rows: Vec<String> = Vec::new();
        for op in &ops {
            let row_name = format!("{} {}", op.device, op.stream);
            let row = match rows.iter().position(|name| *name == row_name) {
                Some(row) => row,
                None => {
                    rows.push(row_name.clone());
                    chart.add_row(row_name)
                }
            };
            let label = format!(
                "{}: {} at {}",
                op.name,
                format_bytes(op.bytes as f64),
                format_rate(op.bandwidth())
            );
            chart.add_span(row, op.start, op.end, op.kind.name(), label);
        }
        Ok(chart)
    }

    fn render_result(&self) -> Result<MimeBundle, GpuError> {
        let chart = self.chart()?.render();
        let summary = self.summary()?.render();
        let svg = chart
            .get("image/svg+xml")
            .and_then(|svg| svg.as_str())
            .unwrap_or("");
        let table = summary
            .get("text/html")
            .and_then(|html| html.as_str())
            .unwrap_or("");
        let plain = format!("{}\n{}", chart.plain_text(), summary.plain_text());
        Ok(MimeBundle::text(plain).with("text/html", format!("<div>{svg}{table}</div>")))
    }
}

impl Render for GpuTimeline {
    fn render(&self) -> MimeBundle {
        self.render_result()
            .unwrap_or_else(|error| MimeBundle::text(format!("{}: {error}", self.title)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_copies_are_recorded_with_bytes_and_bandwidth() {
        let device = Device::host();
        let timeline = GpuTimeline::new("test");
        let stream = device.default_stream().with_timeline(&timeline);
        let mut x = device.zeros::<f32>(1000).unwrap();
        stream.copy_to_device(&vec![1.0f32; 1000], &mut x).unwrap();
        let mut y = device.zeros::<f32>(1000).unwrap();
        stream.copy_device(&x, &mut y).unwrap();
        let ops = timeline.ops().unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[1].kind, OpKind::DeviceToDevice);
        assert!(ops.iter().all(|op| op.bytes == 4000 && op.end >= op.start));
        let summary = timeline.summary().unwrap();
        assert_eq!(summary.rows().len(), 2);
        let text = timeline.render().plain_text().to_owned();
        assert!(text.contains("2 spans"), "{text}");
    }
}
