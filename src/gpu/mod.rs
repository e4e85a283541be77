//! This host's GPUs through NVML (crate nvml-wrapper): a local source, not
//! Kubernetes. NVML is opened once per process and the device handles and
//! their static facts are cached (as bottom does); each sample then asks
//! every device for what changes. Any single query may fail (NotSupported
//! on that board, no permission): that field is `None` and shown as N/A,
//! the device stays.

pub mod procs;
pub mod sampler;
pub mod state;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use nvml_wrapper::enum_wrappers::device::{Clock, PcieUtilCounter, TemperatureSensor};
use nvml_wrapper::enums::device::UsedGpuMemory;
use nvml_wrapper::error::NvmlError;
use nvml_wrapper::{Device, Nvml};

pub use state::HostState;

/// Environment variable naming the NVML library (tests point it at a stub).
pub const LIB_ENV: &str = "KFTUI_NVML_LIB";

/// What does not change while the process runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub index: u32,
    pub name: Option<String>,
    pub uuid: Option<String>,
    pub memory_total: Option<u64>,
    /// Milliwatts.
    pub power_limit_mw: Option<u32>,
    pub mig: Option<Mig>,
}

/// MIG mode: what is in force and what applies after the next reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mig {
    pub current: bool,
    pub pending: bool,
}

/// One device at one moment. `None` = the query failed (shown as N/A).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSample {
    pub info: Arc<DeviceInfo>,
    /// Percent.
    pub util_gpu: Option<u32>,
    pub util_mem: Option<u32>,
    /// Bytes.
    pub mem_used: Option<u64>,
    pub mem_total: Option<u64>,
    /// Degrees Celsius.
    pub temp_c: Option<u32>,
    /// Milliwatts.
    pub power_mw: Option<u32>,
    /// Percent of the fan's maximum.
    pub fan_pct: Option<u32>,
    /// MHz.
    pub sm_clock: Option<u32>,
    pub mem_clock: Option<u32>,
    /// KB/s.
    pub pcie_tx: Option<u32>,
    pub pcie_rx: Option<u32>,
    /// False when the process list could not be read.
    pub procs_known: bool,
}

impl DeviceSample {
    /// Memory used as a percentage of the total.
    pub fn mem_pct(&self) -> Option<u32> {
        match (self.mem_used, self.mem_total) {
            (Some(u), Some(t)) if t > 0 => Some(((u as f64 / t as f64) * 100.0).round() as u32),
            _ => None,
        }
    }
}

/// Compute (CUDA context) or graphics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProcKind {
    Compute,
    Graphics,
    /// Listed by both.
    Both,
}

impl ProcKind {
    pub fn letter(self) -> &'static str {
        match self {
            ProcKind::Compute => "C",
            ProcKind::Graphics => "G",
            ProcKind::Both => "C+G",
        }
    }
}

/// A process holding a context on a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuProcess {
    pub device: u32,
    pub pid: u32,
    /// Bytes; `None` when NVML cannot say (e.g. no permission, WDDM).
    pub gpu_mem: Option<u64>,
    pub kind: ProcKind,
    /// From /proc; `None` when the process is gone or hidden.
    pub user: Option<String>,
    pub command: Option<String>,
    /// Runs as the same user as kftui.
    pub own: bool,
}

/// Everything one sample saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub driver: Option<String>,
    pub devices: Vec<DeviceSample>,
    pub processes: Vec<GpuProcess>,
}

/// What the sampler sends into the app's channel (as `Msg::GpuHost`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostReport {
    Sample(Arc<Snapshot>),
    /// No local GPU, and why ("NVML library not found: ...").
    Unavailable(String),
}

/// NVML opened, with its devices.
pub struct Host {
    devices: Vec<(Device<'static>, Arc<DeviceInfo>)>,
    driver: Option<String>,
    proc_cache: procs::ProcCache,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("devices", &self.devices.len())
            .field("driver", &self.driver)
            .finish()
    }
}

/// Which library to open: `KFTUI_NVML_LIB`, else the configured path, else
/// NVML's default name (`libnvidia-ml.so`).
pub fn lib_path(configured: Option<&Path>) -> Option<PathBuf> {
    std::env::var_os(LIB_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| configured.map(Path::to_path_buf))
}

/// Why NVML cannot be used, in words for "no local GPU: <reason>".
pub fn init_reason(e: &NvmlError, lib: Option<&Path>) -> String {
    let name = lib
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "libnvidia-ml.so".into());
    match e {
        NvmlError::LibloadingError(inner) => {
            let inner = inner.to_string();
            if inner.contains(&name) {
                format!("NVML library not found ({inner})")
            } else {
                format!("NVML library not found ({name}: {inner})")
            }
        }
        NvmlError::FailedToLoadSymbol(s) => format!("{name} is not a usable NVML library ({s})"),
        NvmlError::DriverNotLoaded => "the NVIDIA driver is not loaded".into(),
        NvmlError::NoPermission => "no permission to talk to the NVIDIA driver".into(),
        NvmlError::LibRmVersionMismatch => {
            "the NVIDIA driver and its NVML library are different versions".into()
        }
        other => format!("NVML did not start: {other}"),
    }
}

impl Host {
    /// Opens NVML from `lib` (or the default library) and caches the
    /// devices. The library stays loaded for the rest of the process: a
    /// process opens it once (`shared`), tests a few times.
    pub fn open(lib: Option<&Path>) -> Result<Host, String> {
        let nvml = match lib {
            Some(p) => Nvml::builder().lib_path(OsStr::new(p.as_os_str())).init(),
            None => Nvml::init(),
        }
        .map_err(|e| init_reason(&e, lib))?;
        let nvml: &'static Nvml = Box::leak(Box::new(nvml));
        let count = nvml
            .device_count()
            .map_err(|e| format!("NVML cannot count the devices: {e}"))?;
        if count == 0 {
            return Err("no NVIDIA devices found".into());
        }
        let mut devices = Vec::new();
        let mut last_error = None;
        for index in 0..count {
            match nvml.device_by_index(index) {
                Ok(d) => {
                    let info = Arc::new(device_info(&d, index));
                    devices.push((d, info));
                }
                Err(e) => {
                    tracing::warn!("NVML device {index}: {e}");
                    last_error = Some(e);
                }
            }
        }
        if devices.is_empty() {
            return Err(match last_error {
                Some(e) => format!("no NVIDIA device could be opened: {e}"),
                None => "no NVIDIA devices found".into(),
            });
        }
        Ok(Host {
            devices,
            driver: nvml.sys_driver_version().ok(),
            proc_cache: procs::ProcCache::default(),
        })
    }

    /// The process-wide host, opened on the first call that succeeds with
    /// the library that call names; later calls get the same host. A
    /// failure is not kept: the next start tries again (a driver loaded
    /// since, a library installed).
    pub fn shared(lib: Option<&Path>) -> Result<&'static Mutex<Host>, String> {
        static SHARED: Mutex<Option<&'static Mutex<Host>>> = Mutex::new(None);
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(host) = *shared {
            return Ok(host);
        }
        let host: &'static Mutex<Host> = Box::leak(Box::new(Mutex::new(Host::open(lib)?)));
        *shared = Some(host);
        Ok(host)
    }

    pub fn devices(&self) -> impl Iterator<Item = &DeviceInfo> {
        self.devices.iter().map(|(_, i)| i.as_ref())
    }

    pub fn driver(&self) -> Option<&str> {
        self.driver.as_deref()
    }

    /// Asks every device for what changes, and who runs on it.
    pub fn sample(&mut self) -> Snapshot {
        let mut devices = Vec::with_capacity(self.devices.len());
        let mut raw: Vec<(u32, u32, Option<u64>, ProcKind)> = Vec::new();
        for (d, info) in &self.devices {
            let util = d.utilization_rates().ok();
            let mem = d.memory_info().ok();
            let compute = d.running_compute_processes();
            let graphics = d.running_graphics_processes();
            let procs_known = compute.is_ok() || graphics.is_ok();
            for (list, kind) in [(compute, ProcKind::Compute), (graphics, ProcKind::Graphics)] {
                for p in list.into_iter().flatten() {
                    let used = match p.used_gpu_memory {
                        UsedGpuMemory::Used(b) => Some(b),
                        UsedGpuMemory::Unavailable => None,
                    };
                    match raw
                        .iter_mut()
                        .find(|r| r.0 == info.index && r.1 == p.pid && r.3 != kind)
                    {
                        Some(r) => {
                            r.3 = ProcKind::Both;
                            r.2 = r.2.max(used);
                        }
                        None => raw.push((info.index, p.pid, used, kind)),
                    }
                }
            }
            devices.push(DeviceSample {
                info: info.clone(),
                util_gpu: util.as_ref().map(|u| u.gpu),
                util_mem: util.as_ref().map(|u| u.memory),
                mem_used: mem.as_ref().map(|m| m.used),
                mem_total: mem.as_ref().map(|m| m.total).or(info.memory_total),
                temp_c: d.temperature(TemperatureSensor::Gpu).ok(),
                power_mw: d.power_usage().ok(),
                fan_pct: d.fan_speed(0).ok(),
                sm_clock: d.clock_info(Clock::SM).ok(),
                mem_clock: d.clock_info(Clock::Memory).ok(),
                pcie_tx: d.pcie_throughput(PcieUtilCounter::Send).ok(),
                pcie_rx: d.pcie_throughput(PcieUtilCounter::Receive).ok(),
                procs_known,
            });
        }
        let mut processes: Vec<GpuProcess> = raw
            .into_iter()
            .map(|(device, pid, gpu_mem, kind)| {
                let who = self.proc_cache.lookup(pid);
                GpuProcess {
                    device,
                    pid,
                    gpu_mem,
                    kind,
                    user: who.user,
                    command: who.command,
                    own: who.own,
                }
            })
            .collect();
        self.proc_cache
            .retain(|pid| processes.iter().any(|p| p.pid == pid));
        processes.sort_by(|a, b| {
            (a.device, std::cmp::Reverse(a.gpu_mem), a.pid).cmp(&(
                b.device,
                std::cmp::Reverse(b.gpu_mem),
                b.pid,
            ))
        });
        Snapshot {
            driver: self.driver.clone(),
            devices,
            processes,
        }
    }
}

fn device_info(d: &Device<'static>, index: u32) -> DeviceInfo {
    DeviceInfo {
        index: d.index().unwrap_or(index),
        name: d.name().ok(),
        uuid: d.uuid().ok(),
        memory_total: d.memory_info().ok().map(|m| m.total),
        power_limit_mw: d
            .enforced_power_limit()
            .or_else(|_| d.power_management_limit())
            .ok(),
        mig: d.mig_mode().ok().map(|m| Mig {
            current: m.current == 1,
            pending: m.pending == 1,
        }),
    }
}
