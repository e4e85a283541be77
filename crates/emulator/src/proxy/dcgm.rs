//! A DCGM-exporter stand-in: `/metrics` in Prometheus text with
//! `DCGM_FI_DEV_GPU_UTIL`, `DCGM_FI_DEV_FB_USED`, `DCGM_FI_DEV_FB_FREE`,
//! `DCGM_FI_DEV_GPU_TEMP` and `DCGM_FI_DEV_POWER_USAGE` for every GPU of
//! every GPU node. A held GPU's utilisation follows its pod's workload
//! (see [`Load`]): training, tuning and pipeline pods are busy, notebooks
//! interactive, inference predictors light, and the demo's idle notebook
//! (`jupyter-alice`, started two days ago) reads about zero; the numbers
//! move with (simulated) time, and free GPUs read zero. Served for
//! Services named `nvidia-dcgm-exporter`. [`sample_at`] gives the same
//! numbers at any past moment, for the Prometheus stand-in's history.

use std::fmt::Write as _;

use axum::response::Response;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use super::{ProxyContext, ProxyRequest, ServiceBackend, ServiceTarget, reply};
use crate::ids;
use crate::resources;

/// One GPU's sample.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuSample {
    pub node: String,
    pub index: u32,
    pub uuid: String,
    pub model: String,
    pub memory_mib: u64,
    /// `namespace/pod/container` holding the GPU, if any.
    pub holder: Option<(String, String, String)>,
    pub load: Option<Load>,
    pub util_percent: f64,
    pub fb_used_mib: f64,
    pub temp_c: f64,
    pub power_w: f64,
}

fn gpu_request(container: &Value) -> u32 {
    let q = container
        .pointer("/resources/limits/nvidia.com~1gpu")
        .or_else(|| container.pointer("/resources/requests/nvidia.com~1gpu"));
    match q {
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
        _ => 0,
    }
}

/// What a GPU's holder does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// Training, Katib trials, pipeline steps: 50-100 %.
    Busy,
    /// A notebook someone works in: bursts around 30 %.
    Interactive,
    /// An inference predictor under light traffic: 5-15 %.
    Light,
    /// Held and unused: 0-1 %.
    Idle,
}

/// The workload a pod's labels say it runs.
pub fn load_of(pod: &Value) -> Load {
    let label = |k: &str| {
        pod.pointer("/metadata/labels")
            .and_then(|l| l.get(k))
            .and_then(Value::as_str)
    };
    if let Some(nb) = label("notebook-name") {
        // The demo's notebook left holding a GPU, its kernel long quiet.
        return if nb == crate::names::NOTEBOOK_JUPYTER_ALICE {
            Load::Idle
        } else {
            Load::Interactive
        };
    }
    if label("serving.kserve.io/inferenceservice").is_some() {
        return Load::Light;
    }
    Load::Busy
}

fn started_before(pod: &Value, t_unix: f64) -> bool {
    pod.pointer("/status/startTime")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .is_none_or(|s| (s.as_second() as f64) <= t_unix)
}

/// Samples every GPU in the cluster now.
pub fn sample(ctx: &ProxyContext) -> Vec<GpuSample> {
    sample_at(ctx, 0.0)
}

/// Samples every GPU `ago` seconds before now (pods started later hold
/// nothing then).
pub fn sample_at(ctx: &ProxyContext, ago: f64) -> Vec<GpuSample> {
    let t = ctx.clock.sim_secs_since(jiff::Timestamp::UNIX_EPOCH) - ago;
    let now_unix = crate::clock::now().as_second() as f64 - ago / ctx.clock.speed().max(1e-9);
    let (nodes, pods) = ctx.store.read(|v| {
        let nodes = v.values(&resources::NODE, None);
        let pods: Vec<Value> = v
            .range(&resources::POD, None, None)
            .filter(|(_, p)| p.meta.field(3) == "Running" && !p.meta.field(2).is_empty())
            .map(|(_, p)| p.value())
            .filter(|p| {
                p.pointer("/spec/containers")
                    .and_then(Value::as_array)
                    .is_some_and(|cs| cs.iter().any(|c| gpu_request(c) > 0))
                    && started_before(p, now_unix)
            })
            .collect();
        (nodes, pods)
    });
    let mut out = Vec::new();
    for node in nodes {
        let name = node
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let labels = node.pointer("/metadata/labels");
        let label = |k: &str| {
            labels
                .and_then(|l| l.get(k))
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let count: u32 = label("nvidia.com/gpu.count").parse().unwrap_or(0);
        if count == 0 {
            continue;
        }
        let model = label("nvidia.com/gpu.product").replace('-', " ");
        let memory_mib: u64 = label("nvidia.com/gpu.memory").parse().unwrap_or(0);
        let mut holders = Vec::new();
        for p in pods
            .iter()
            .filter(|p| p.pointer("/spec/nodeName").and_then(Value::as_str) == Some(&name))
        {
            let ns = p
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let pn = p
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            for c in p
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let cn = c.get("name").and_then(Value::as_str).unwrap_or_default();
                for _ in 0..gpu_request(c) {
                    holders.push((ns.to_string(), pn.to_string(), cn.to_string(), load_of(p)));
                }
            }
        }
        for index in 0..count {
            let key = format!("{}/{name}/{index}", ctx.seed);
            let h = ids::hash64(&key);
            let phase = (h % 628) as f64 / 100.0;
            let held = holders.get(index as usize).cloned();
            let load = held.as_ref().map(|h| h.3);
            let holder = held.map(|(ns, pod, c, _)| (ns, pod, c));
            let wave = (t / 40.0 + phase).sin();
            let jitter = ((t / 7.0 + phase * 3.0).sin() + 1.0) * 2.5;
            let util = match load {
                Some(Load::Busy) => (72.0 + 22.0 * wave + jitter).clamp(0.0, 100.0),
                Some(Load::Interactive) => (28.0 + 20.0 * wave + jitter).clamp(0.0, 100.0),
                Some(Load::Light) => (9.0 + 4.0 * wave + jitter * 0.4).clamp(0.0, 100.0),
                Some(Load::Idle) => (jitter * 0.2).floor(),
                None => 0.0,
            };
            let mem = memory_mib as f64;
            let fb = match load {
                Some(Load::Busy) => mem * (0.55 + 0.25 * (t / 90.0 + phase).sin().abs()),
                Some(Load::Interactive) => mem * 0.35,
                Some(Load::Light) => mem * 0.2,
                // A kernel that loaded a model once and went quiet.
                Some(Load::Idle) => mem * 0.08,
                None => 0.0,
            };
            out.push(GpuSample {
                node: name.clone(),
                index,
                uuid: format!(
                    "GPU-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                    h >> 32,
                    (h >> 16) & 0xffff,
                    h & 0xffff,
                    (h >> 8) & 0xffff,
                    h & 0xffff_ffff_ffff
                ),
                model: model.clone(),
                memory_mib,
                holder,
                load,
                util_percent: util.round(),
                fb_used_mib: fb.round(),
                temp_c: (34.0 + util * 0.4).round(),
                power_w: (60.0 + util * 3.2).round(),
            });
        }
    }
    out
}

fn labels(s: &GpuSample) -> String {
    let (ns, pod, container) = s.holder.clone().unwrap_or_default();
    format!(
        "gpu=\"{}\",UUID=\"{}\",pci_bus_id=\"00000000:{:02X}:00.0\",device=\"nvidia{}\",modelName=\"{}\",Hostname=\"{}\",DCGM_FI_DRIVER_VERSION=\"550.90.07\",container=\"{container}\",namespace=\"{ns}\",pod=\"{pod}\"",
        s.index,
        s.uuid,
        s.index * 16 + 7,
        s.index,
        s.model,
        s.node
    )
}

/// The Prometheus text exposition of `samples`.
pub fn render(samples: &[GpuSample]) -> String {
    type Metric = (&'static str, &'static str, fn(&GpuSample) -> f64);
    let metrics: [Metric; 5] = [
        ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", |s| {
            s.util_percent
        }),
        (
            "DCGM_FI_DEV_FB_USED",
            "Framebuffer memory used (in MiB).",
            |s| s.fb_used_mib,
        ),
        (
            "DCGM_FI_DEV_FB_FREE",
            "Framebuffer memory free (in MiB).",
            |s| s.memory_mib as f64 - s.fb_used_mib,
        ),
        ("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", |s| {
            s.temp_c
        }),
        ("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", |s| {
            s.power_w
        }),
    ];
    let mut out = String::new();
    for (name, help, value) in metrics {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for s in samples {
            let _ = writeln!(out, "{name}{{{}}} {}", labels(s), value(s));
        }
    }
    out
}

/// Serves `nvidia-dcgm-exporter` Services.
pub struct DcgmExporterBackend;

impl ServiceBackend for DcgmExporterBackend {
    fn serves(&self, _ctx: &ProxyContext, target: &ServiceTarget) -> bool {
        target.name == "nvidia-dcgm-exporter"
    }

    fn handle(
        &self,
        ctx: ProxyContext,
        _target: ServiceTarget,
        req: ProxyRequest,
    ) -> BoxFuture<'static, Response> {
        async move {
            match req.path.as_str() {
                "/metrics" => reply(200, "text/plain; version=0.0.4", render(&sample(&ctx))),
                "/health" | "/healthz" | "/" => reply(200, "text/plain", "OK"),
                _ => reply(404, "text/plain", "404 page not found"),
            }
        }
        .boxed()
    }
}
