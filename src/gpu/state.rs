//! What the host GPU pane shows, changed only by [`HostState::apply`] (called
//! from the pure update on `Msg::GpuHost`).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use super::{HostReport, Snapshot};

/// Samples kept per device for the sparklines.
pub const HISTORY: usize = 60;

/// The last `HISTORY` values of one device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// GPU utilisation, percent; a failed query is not recorded.
    pub util: VecDeque<u32>,
    /// Memory used, percent of total.
    pub mem: VecDeque<u32>,
}

fn push(q: &mut VecDeque<u32>, v: Option<u32>) {
    if let Some(v) = v {
        if q.len() == HISTORY {
            q.pop_front();
        }
        q.push_back(v.min(100));
    }
}

/// Where the host's GPUs stand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HostStatus {
    /// No sample yet (the sampler is starting or NVML is opening).
    #[default]
    Waiting,
    Unavailable(String),
    Live(Arc<Snapshot>),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostState {
    pub status: HostStatus,
    /// By device index.
    pub history: BTreeMap<u32, History>,
    /// Samples received so far.
    pub samples: u64,
}

impl HostState {
    /// Takes one report from the sampler.
    pub fn apply(&mut self, report: HostReport) {
        match report {
            HostReport::Unavailable(reason) => {
                self.status = HostStatus::Unavailable(reason);
            }
            HostReport::Sample(snap) => {
                self.samples += 1;
                for d in &snap.devices {
                    let h = self.history.entry(d.info.index).or_default();
                    push(&mut h.util, d.util_gpu);
                    push(&mut h.mem, d.mem_pct());
                }
                self.history
                    .retain(|i, _| snap.devices.iter().any(|d| d.info.index == *i));
                self.status = HostStatus::Live(snap);
            }
        }
    }

    pub fn snapshot(&self) -> Option<&Snapshot> {
        match &self.status {
            HostStatus::Live(s) => Some(s),
            _ => None,
        }
    }

    /// The words after "no local GPU: ", when there is none.
    pub fn unavailable(&self) -> Option<&str> {
        match &self.status {
            HostStatus::Unavailable(r) => Some(r),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::{DeviceInfo, DeviceSample};

    fn sample(util: Option<u32>, used: u64) -> HostReport {
        let info = Arc::new(DeviceInfo {
            index: 3,
            name: Some("GPU".into()),
            uuid: None,
            memory_total: Some(100),
            power_limit_mw: None,
            mig: None,
        });
        HostReport::Sample(Arc::new(Snapshot {
            driver: None,
            devices: vec![DeviceSample {
                info,
                util_gpu: util,
                util_mem: None,
                mem_used: Some(used),
                mem_total: Some(100),
                temp_c: None,
                power_mw: None,
                fan_pct: None,
                sm_clock: None,
                mem_clock: None,
                pcie_tx: None,
                pcie_rx: None,
                procs_known: true,
            }],
            processes: vec![],
        }))
    }

    #[test]
    fn history_keeps_the_last_sixty_and_skips_failed_queries() {
        let mut s = HostState::default();
        assert_eq!(s.status, HostStatus::Waiting);
        for i in 0..70 {
            s.apply(sample(Some(i), 25));
        }
        s.apply(sample(None, 50));
        let h = &s.history[&3];
        assert_eq!(h.util.len(), HISTORY);
        assert_eq!(h.util.front(), Some(&10));
        assert_eq!(h.util.back(), Some(&69));
        assert_eq!(h.mem.len(), HISTORY);
        assert_eq!(h.mem.back(), Some(&50));
        assert_eq!(s.samples, 71);
        assert!(s.snapshot().is_some());
        s.apply(HostReport::Unavailable("gone".into()));
        assert_eq!(s.unavailable(), Some("gone"));
        assert!(s.snapshot().is_none());
    }
}
