//! `[gpu]` in the config file: when a GPU holder counts as idle, and where
//! the DCGM numbers come from.
//!
//! ```toml
//! [gpu]
//! nvml_lib = "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1"  # this host's NVML
//! sample_interval = 1.0      # seconds between host samples
//! idle_threshold = 5          # percent
//! idle_window = "30m"         # "90s", "30m", "2h"
//! dcgm_service = "nvidia-dcgm-exporter"
//! dcgm_namespace = "gpu-operator"   # default: any namespace
//! dcgm_label = "app=nvidia-dcgm-exporter"  # instead of the name
//! prometheus_url = "http://prometheus-k8s.monitoring.svc:9090"
//! scrape_seconds = 5
//! ```

use serde::Deserialize;

use crate::kube::gpu_metrics::{MetricsSource, ScrapeSpec};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GpuConfig {
    /// Path of `libnvidia-ml.so`; NVML's default name when unset
    /// (`KFTUI_NVML_LIB` overrides both).
    pub nvml_lib: Option<std::path::PathBuf>,
    /// Seconds between samples of this host's GPUs while a GPU screen is
    /// visible.
    pub sample_interval: f64,
    /// A holder whose utilisation stayed under this (percent) is idle.
    pub idle_threshold: f64,
    /// For at least this long.
    pub idle_window: String,
    /// The DCGM exporter's Service name (the GPU operator's default).
    pub dcgm_service: String,
    /// Its namespace; unset: looked for in every namespace.
    pub dcgm_namespace: Option<String>,
    /// A label selector for the Service instead of its name.
    pub dcgm_label: Option<String>,
    /// A Prometheus server to ask instead of the exporter: an in-cluster
    /// `http://NAME.NAMESPACE.svc:PORT` URL goes through the API server's
    /// service proxy, any other URL is asked directly.
    pub prometheus_url: Option<String>,
    /// How often the metrics are read while `:gpu` is open.
    pub scrape_seconds: u64,
}

impl Default for GpuConfig {
    fn default() -> Self {
        GpuConfig {
            nvml_lib: None,
            sample_interval: 1.0,
            idle_threshold: 5.0,
            idle_window: "30m".into(),
            dcgm_service: "nvidia-dcgm-exporter".into(),
            dcgm_namespace: None,
            dcgm_label: None,
            prometheus_url: None,
            scrape_seconds: 5,
        }
    }
}

/// "90s", "30m", "2h", "1h30m" or plain seconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let t = text.trim();
    if let Ok(n) = t.parse::<u64>() {
        return Some(n);
    }
    let mut total = 0u64;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().ok()?;
        num.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => return None,
        };
    }
    num.is_empty().then_some(total).filter(|t| *t > 0)
}

impl GpuConfig {
    /// The host sampling interval; a nonsense value (negative, NaN) is 1 s.
    pub fn interval(&self) -> std::time::Duration {
        std::time::Duration::try_from_secs_f64(self.sample_interval)
            .unwrap_or(std::time::Duration::from_secs(1))
    }

    /// The idle window in seconds (30 minutes when the text is not a duration).
    pub fn window_secs(&self) -> u64 {
        parse_duration(&self.idle_window).unwrap_or(1800)
    }

    /// The scrape the `:gpu` screen subscribes to.
    pub fn scrape(&self) -> ScrapeSpec {
        let nonempty = |o: &Option<String>| o.clone().filter(|s| !s.trim().is_empty());
        let source = match nonempty(&self.prometheus_url) {
            Some(url) => MetricsSource::Prometheus {
                url: url.trim().to_string(),
            },
            None => MetricsSource::Exporter {
                namespace: nonempty(&self.dcgm_namespace),
                service: self.dcgm_service.clone(),
                label: nonempty(&self.dcgm_label),
            },
        };
        ScrapeSpec {
            source,
            every_secs: self.scrape_seconds.max(1),
            window_secs: self.window_secs(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sources() {
        assert_eq!(parse_duration("30m"), Some(1800));
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("5x"), None);
        let c: crate::app::config::Config = toml::from_str(
            "[gpu]\nidle_threshold = 10.0\nidle_window = \"2h\"\nprometheus_url = \"http://p.mon.svc:9090\"\n",
        )
        .expect("parses");
        assert_eq!(c.gpu.window_secs(), 7200);
        assert!(matches!(
            c.gpu.scrape().source,
            MetricsSource::Prometheus { .. }
        ));
        let d = GpuConfig::default().scrape();
        assert_eq!(d.every_secs, 5);
        assert!(
            matches!(d.source, MetricsSource::Exporter { ref service, .. } if service == "nvidia-dcgm-exporter")
        );
    }
}
