//! What the `:gpu` screen keeps of the DCGM scrapes: the latest reading,
//! utilisation history for the sparklines (cluster-wide and per node), and
//! per holding pod since when its utilisation stayed under the idle
//! threshold. Updated once per scrape, never per frame.

use std::collections::{HashMap, VecDeque};

use jiff::Timestamp;

use crate::kube::gpu_metrics::{GpuMetric, GpuReading, GpuScrape};

/// Samples kept per sparkline (10 minutes at one scrape every 5 s).
pub const HISTORY: usize = 120;

/// A pod's GPUs as the exporter saw them in the latest scrape.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodUse {
    /// Mean utilisation over its GPUs (percent).
    pub util: f64,
    pub fb_used_mib: f64,
    pub gpus: usize,
    /// Highest utilisation over the idle window (Prometheus only).
    pub window_max: Option<f64>,
}

/// How long a pod has stayed under the threshold, from kftui's own scrapes.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// The first scrape that saw the pod.
    pub first_seen: Timestamp,
    /// Since when every scrape saw it under the threshold (`None`: the last
    /// one did not).
    pub below_since: Option<Timestamp>,
}

#[derive(Debug, Clone, Default)]
pub struct Metrics {
    pub reading: Option<GpuReading>,
    /// Why the last scrape has no reading (kept next to an older reading).
    pub error: Option<String>,
    pub at: Option<Timestamp>,
    /// Per `namespace/pod`, from the latest reading.
    pub pods: HashMap<(String, String), PodUse>,
    /// Per node, mean utilisation of its GPUs in the latest reading.
    pub nodes: HashMap<String, f64>,
    pub cluster_history: VecDeque<f64>,
    pub node_history: HashMap<String, VecDeque<f64>>,
    pub tracks: HashMap<(String, String), Track>,
    /// Bumps on every scrape.
    pub version: u64,
}

fn push(h: &mut VecDeque<f64>, v: f64) {
    if h.len() == HISTORY {
        h.pop_front();
    }
    h.push_back(v);
}

fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// The per-pod view of a reading.
pub fn per_pod(gpus: &[GpuMetric]) -> HashMap<(String, String), PodUse> {
    let mut out: HashMap<(String, String), PodUse> = HashMap::new();
    for g in gpus.iter().filter(|g| !g.pod.is_empty()) {
        let u = out.entry((g.namespace.clone(), g.pod.clone())).or_default();
        // A running mean over the pod's GPUs.
        u.gpus += 1;
        u.util += (g.util.unwrap_or(0.0) - u.util) / u.gpus as f64;
        u.fb_used_mib += g.fb_used_mib.unwrap_or(0.0);
        if let Some(m) = g.window_max {
            u.window_max = Some(u.window_max.map_or(m, |w| w.max(m)));
        }
    }
    out
}

impl Metrics {
    /// Takes one scrape's answer at `now`.
    pub fn apply(&mut self, scrape: &GpuScrape, now: Timestamp, threshold: f64) {
        self.version += 1;
        self.at = Some(now);
        let reading = match &scrape.result {
            Err(e) => {
                self.error = Some(e.clone());
                return;
            }
            Ok(r) => r,
        };
        self.error = None;
        let gpus = &reading.gpus;
        if let Some(m) = mean(gpus.iter().filter_map(|g| g.util)) {
            push(&mut self.cluster_history, m);
        }
        let mut per_node: HashMap<&str, (f64, usize)> = HashMap::new();
        for g in gpus {
            if let Some(u) = g.util {
                let e = per_node.entry(g.hostname.as_str()).or_default();
                e.0 += u;
                e.1 += 1;
            }
        }
        self.nodes = per_node
            .into_iter()
            .map(|(n, (s, c))| (n.to_string(), s / c as f64))
            .collect();
        for (n, u) in &self.nodes {
            push(self.node_history.entry(n.clone()).or_default(), *u);
        }
        self.node_history.retain(|n, _| self.nodes.contains_key(n));
        self.pods = per_pod(gpus);
        for (k, u) in &self.pods {
            let t = self.tracks.entry(k.clone()).or_insert(Track {
                first_seen: now,
                below_since: None,
            });
            if u.util < threshold {
                t.below_since.get_or_insert(now);
            } else {
                t.below_since = None;
            }
        }
        let pods = &self.pods;
        self.tracks.retain(|k, _| pods.contains_key(k));
        self.reading = Some(reading.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::gpu_metrics::{MetricsSource, ScrapeSpec};

    fn scrape(util: f64) -> GpuScrape {
        let g = |gpu: &str, pod: &str, u: f64| GpuMetric {
            hostname: "n1".into(),
            gpu: gpu.into(),
            namespace: "ml".into(),
            pod: pod.into(),
            util: Some(u),
            fb_used_mib: Some(100.0),
            ..GpuMetric::default()
        };
        GpuScrape {
            spec: ScrapeSpec {
                source: MetricsSource::Prometheus { url: "x".into() },
                every_secs: 5,
                window_secs: 60,
            },
            result: Ok(GpuReading {
                via: "test".into(),
                gpus: vec![g("0", "busy", 90.0), g("1", "idle", util), g("2", "", 0.0)],
            }),
        }
    }

    #[test]
    fn tracks_idle_pods_and_history() {
        let mut m = Metrics::default();
        let t0 = Timestamp::UNIX_EPOCH;
        let t1 = t0 + jiff::SignedDuration::from_secs(5);
        m.apply(&scrape(1.0), t0, 5.0);
        m.apply(&scrape(2.0), t1, 5.0);
        let idle = &m.tracks[&("ml".to_string(), "idle".to_string())];
        assert_eq!(idle.below_since, Some(t0));
        assert_eq!(m.tracks[&("ml".into(), "busy".into())].below_since, None);
        assert_eq!(m.cluster_history.len(), 2);
        assert!((m.nodes["n1"] - 92.0 / 3.0).abs() < 1e-9);
        m.apply(&scrape(50.0), t1, 5.0);
        assert_eq!(m.tracks[&("ml".into(), "idle".into())].below_since, None);
        let err = GpuScrape {
            result: Err("forbidden".into()),
            ..scrape(0.0)
        };
        m.apply(&err, t1, 5.0);
        assert_eq!(m.error.as_deref(), Some("forbidden"));
        assert!(m.reading.is_some(), "the last reading stays");
    }
}
