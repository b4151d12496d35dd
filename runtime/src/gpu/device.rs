//! [`Device`]: where arrays live and kernels run, a CUDA GPU or the host; and [`devices`],
//! the list of what this machine has.

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::display::units::format_bytes;
use crate::display::{MimeBundle, Render, Table};

use super::cuda::{self, CudaDevice};
use super::error::GpuError;

/// The two kinds of device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    /// An NVIDIA GPU through the CUDA driver.
    Cuda,
    /// The host CPU: arrays in host memory, kernels compiled to native code and run on all
    /// cores. The same programs run here when no GPU is present.
    Host,
}

/// A device: a CUDA GPU or the host. Cheap to clone (clones share the device).
///
/// ```
/// use rhpc::gpu::{Device, DeviceKind};
///
/// let host = Device::host();
/// assert_eq!(host.kind(), DeviceKind::Host);
/// assert_eq!(host.id(), "host");
///
/// // The best device there is: a GPU when a driver and a GPU are present.
/// let device = Device::best();
/// println!("running on {device}");
/// ```
#[derive(Clone)]
pub struct Device {
    backend: Arc<Backend>,
}

pub(crate) enum Backend {
    Host(&'static HostInfo),
    Cuda(CudaDevice),
}

/// What the host backend runs on.
#[derive(Debug)]
pub(crate) struct HostInfo {
    name: String,
    memory: usize,
    threads: usize,
    /// CPU model and features: compiled host kernels are only valid on the same CPU.
    arch: String,
}

impl HostInfo {
    fn get() -> &'static HostInfo {
        // The CPU and its memory do not change while the process runs.
        static INFO: OnceLock<HostInfo> = OnceLock::new();
        INFO.get_or_init(|| {
            let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
            let field = |key: &str| {
                cpuinfo
                    .lines()
                    .find(|line| line.starts_with(key))
                    .and_then(|line| line.split_once(':'))
                    .map(|(_, value)| value.trim().to_owned())
            };
            let name = field("model name").unwrap_or_else(|| std::env::consts::ARCH.to_owned());
            let flags = field("flags")
                .or_else(|| field("Features"))
                .unwrap_or_default();
            let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
            let memory = meminfo
                .lines()
                .find(|line| line.starts_with("MemTotal:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<usize>().ok())
                .map_or(0, |kib| kib * 1024);
            HostInfo {
                arch: format!("{} {name} {flags}", std::env::consts::ARCH),
                name,
                memory,
                threads: rayon::current_num_threads(),
            }
        })
    }
}

impl Device {
    /// The host backend: host memory and native kernels on every core.
    ///
    /// ```
    /// assert!(rhpc::gpu::Device::host().memory() > 0);
    /// ```
    pub fn host() -> Device {
        Device {
            backend: Arc::new(Backend::Host(HostInfo::get())),
        }
    }

    /// CUDA device `index`; an error (never a panic) without a driver or such a device.
    ///
    /// ```
    /// match rhpc::gpu::Device::cuda(0) {
    ///     Ok(gpu) => println!("found {gpu}"),
    ///     Err(error) => println!("no GPU here: {error}"),
    /// }
    /// ```
    pub fn cuda(index: usize) -> Result<Device, GpuError> {
        Ok(Device {
            backend: Arc::new(Backend::Cuda(CudaDevice::open(index)?)),
        })
    }

    /// CUDA device 0 when a driver and a GPU are present; otherwise the host, after printing
    /// one line that says why.
    ///
    /// ```
    /// let device = rhpc::gpu::Device::best();
    /// assert!(!device.name().is_empty());
    /// ```
    pub fn best() -> Device {
        Device::cuda(0).unwrap_or_else(|error| {
            let reason = match error {
                GpuError::NoDriver { .. } => "no CUDA driver found".to_owned(),
                GpuError::NoDevice { .. } => "the CUDA driver reports no device".to_owned(),
                other => other.to_string(),
            };
            let host = Device::host();
            println!(
                "rhpc::gpu: {reason}; using the host backend: {} ({} threads)",
                host.name(),
                host.units()
            );
            host
        })
    }

    /// Host or CUDA.
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::Device::host().kind(), rhpc::gpu::DeviceKind::Host);
    /// ```
    pub fn kind(&self) -> DeviceKind {
        match &*self.backend {
            Backend::Host(_) => DeviceKind::Host,
            Backend::Cuda(_) => DeviceKind::Cuda,
        }
    }

    /// Whether this is a CUDA device.
    ///
    /// ```
    /// assert!(!rhpc::gpu::Device::host().is_cuda());
    /// ```
    pub fn is_cuda(&self) -> bool {
        self.kind() == DeviceKind::Cuda
    }

    /// `host` or `cuda:N`: names the device in messages and in the kernel cache.
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::Device::host().id(), "host");
    /// ```
    pub fn id(&self) -> String {
        match &*self.backend {
            Backend::Host(_) => "host".to_owned(),
            Backend::Cuda(cuda) => format!("cuda:{}", cuda.ordinal),
        }
    }

    /// The GPU's or the CPU's model name.
    ///
    /// ```
    /// println!("{}", rhpc::gpu::Device::host().name());
    /// ```
    pub fn name(&self) -> &str {
        match &*self.backend {
            Backend::Host(info) => &info.name,
            Backend::Cuda(cuda) => &cuda.description.name,
        }
    }

    /// Total memory in bytes (device memory, or the host's RAM).
    ///
    /// ```
    /// assert!(rhpc::gpu::Device::host().memory() > 1 << 20);
    /// ```
    pub fn memory(&self) -> usize {
        match &*self.backend {
            Backend::Host(info) => info.memory,
            Backend::Cuda(cuda) => cuda.description.memory,
        }
    }

    /// The CUDA compute capability (8, 0) for an A100; `None` on the host.
    ///
    /// ```
    /// assert_eq!(rhpc::gpu::Device::host().compute_capability(), None);
    /// ```
    pub fn compute_capability(&self) -> Option<(u32, u32)> {
        match &*self.backend {
            Backend::Host(_) => None,
            Backend::Cuda(cuda) => Some(cuda.description.compute_capability),
        }
    }

    /// Parallel units: streaming multiprocessors on a GPU, threads on the host.
    ///
    /// ```
    /// assert!(rhpc::gpu::Device::host().units() >= 1);
    /// ```
    pub fn units(&self) -> usize {
        match &*self.backend {
            Backend::Host(info) => info.threads,
            Backend::Cuda(cuda) => cuda.description.multiprocessors as usize,
        }
    }

    /// This device as a row of the device table.
    ///
    /// ```
    /// let info = rhpc::gpu::Device::host().info();
    /// assert_eq!(info.id, "host");
    /// ```
    pub fn info(&self) -> DeviceInfo {
        DeviceInfo {
            id: self.id(),
            kind: self.kind(),
            name: self.name().to_owned(),
            memory: self.memory(),
            compute_capability: self.compute_capability(),
            units: self.units(),
        }
    }

    /// Waits for all work queued on this device, observing interrupts.
    ///
    /// ```
    /// rhpc::gpu::Device::host().synchronize()?;
    /// # Ok::<(), rhpc::gpu::GpuError>(())
    /// ```
    pub fn synchronize(&self) -> Result<(), GpuError> {
        self.default_stream().synchronize()
    }

    /// What compiled code for this device depends on: the CPU model and features, or the
    /// GPU's architecture.
    pub(crate) fn arch(&self) -> String {
        match &*self.backend {
            Backend::Host(info) => info.arch.clone(),
            Backend::Cuda(cuda) => cuda.arch(),
        }
    }

    /// The CUDA device, or `None` on the host.
    pub(crate) fn cuda_device(&self) -> Option<&CudaDevice> {
        match &*self.backend {
            Backend::Host(_) => None,
            Backend::Cuda(cuda) => Some(cuda),
        }
    }

    /// An error unless `other` is this device.
    pub(crate) fn expect_same(
        &self,
        other: &Device,
        operation: &'static str,
    ) -> Result<(), GpuError> {
        if self == other {
            Ok(())
        } else {
            Err(GpuError::DeviceMismatch {
                operation,
                expected: self.id(),
                found: other.id(),
            })
        }
    }
}

impl PartialEq for Device {
    fn eq(&self, other: &Device) -> bool {
        self.id() == other.id()
    }
}

impl Eq for Device {}

impl fmt::Debug for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Device({}: {})", self.id(), self.name())
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.id(), self.name())
    }
}

impl Render for Device {
    fn render(&self) -> MimeBundle {
        DeviceList {
            devices: vec![self.info()],
            note: None,
        }
        .render()
    }
}

/// One device as listed by [`devices`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// `host` or `cuda:N`.
    pub id: String,
    /// Host or CUDA.
    pub kind: DeviceKind,
    /// Model name.
    pub name: String,
    /// Total memory in bytes.
    pub memory: usize,
    /// CUDA compute capability, `None` on the host.
    pub compute_capability: Option<(u32, u32)>,
    /// Streaming multiprocessors, or host threads.
    pub units: usize,
}

/// The devices of this machine, as [`devices`] returns them; renders as a table.
///
/// ```
/// let list = rhpc::gpu::devices();
/// assert!(list.iter().any(|d| d.id == "host"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceList {
    devices: Vec<DeviceInfo>,
    note: Option<String>,
}

impl DeviceList {
    /// The devices, CUDA devices first, the host last.
    ///
    /// ```
    /// assert!(rhpc::gpu::devices().iter().count() >= 1);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &DeviceInfo> {
        self.devices.iter()
    }

    /// Why no CUDA device is listed, when none is.
    ///
    /// ```
    /// let list = rhpc::gpu::devices();
    /// if list.iter().all(|d| d.id == "host") {
    ///     assert!(list.note().is_some());
    /// }
    /// ```
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    fn table(&self) -> Table {
        let mut table = Table::new([
            "device",
            "name",
            "memory",
            "compute capability",
            "SMs / threads",
        ])
        .caption("devices");
        for device in &self.devices {
            table.push_row([
                device.id.clone(),
                device.name.clone(),
                format_bytes(device.memory as f64),
                device
                    .compute_capability
                    .map_or("-".to_owned(), |(major, minor)| format!("{major}.{minor}")),
                device.units.to_string(),
            ]);
        }
        table
    }
}

impl Render for DeviceList {
    fn render(&self) -> MimeBundle {
        let table = self.table().render();
        let note = self.note.as_deref().unwrap_or("");
        let plain = if note.is_empty() {
            table.plain_text().to_owned()
        } else {
            format!("{}\n{note}", table.plain_text())
        };
        let html = format!(
            "{}<p><small>{}</small></p>",
            table
                .get("text/html")
                .and_then(|html| html.as_str())
                .unwrap_or(""),
            crate::display::escape_html(note)
        );
        MimeBundle::text(plain).with("text/html", html)
    }
}

/// Every CUDA device the driver reports, then the host.
///
/// ```
/// let list = rhpc::gpu::devices();
/// println!("{}", rhpc::display::Render::render(&list).plain_text());
/// ```
pub fn devices() -> DeviceList {
    let mut devices = Vec::new();
    let mut note = None;
    match cuda::device_count() {
        Ok(0) => note = Some("the CUDA driver reports no device".to_owned()),
        Ok(count) => {
            for index in 0..count {
                match cuda::describe(index) {
                    Ok(description) => devices.push(DeviceInfo {
                        id: format!("cuda:{index}"),
                        kind: DeviceKind::Cuda,
                        name: description.name,
                        memory: description.memory,
                        compute_capability: Some(description.compute_capability),
                        units: description.multiprocessors as usize,
                    }),
                    Err(error) => note = Some(format!("cuda:{index}: {error}")),
                }
            }
            if let Ok((major, minor)) = cuda::driver_version() {
                note.get_or_insert_with(|| format!("CUDA driver {major}.{minor}"));
            }
        }
        Err(error) => note = Some(error.to_string()),
    }
    devices.push(Device::host().info());
    DeviceList { devices, note }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_is_always_listed_and_renders() {
        let list = devices();
        let host = list.iter().last().unwrap();
        assert_eq!(host.kind, DeviceKind::Host);
        assert!(host.units >= 1);
        let text = list.render().plain_text().to_owned();
        assert!(text.contains("host"), "{text}");
    }

    #[test]
    fn devices_compare_by_id() {
        assert_eq!(Device::host(), Device::host());
        assert!(Device::host().expect_same(&Device::host(), "test").is_ok());
        assert!(!Device::host().arch().is_empty());
    }
}
