//! `:gpu` at cluster scale: prints figures, asserts nothing.
//!
//! 1,000 GPU nodes with 8 GPUs each (8,000 GPUs), 20,000 pods of which
//! 6,900 hold GPUs (6,000 with one, 900 with two: 7,800 of the 8,000
//! GPUs), a quota per namespace. Printed:
//!
//! - the model rebuild after the listings arrive (nodes, pods, quotas);
//! - frame render time (median, p99) of each cluster table at 120x40,
//!   target p99 < 4 ms;
//! - one DCGM scrape of 8,000 GPUs: the exporter's text (as the emulator's
//!   DCGM stand-in writes it) parsed, joined to the pods and the model
//!   rebuilt, target < 20 ms (and, for comparison, the prometheus-parse
//!   crate's time on the same text);
//! - RSS with all of it held.
//!
//! Run with `cargo bench --bench gpu`.

use std::time::{Duration, Instant};

use kftui::app::msg::Msg;
use kftui::app::payload::Payload;
use kftui::kube::gpu_metrics::{GpuReading, GpuScrape, parse_exposition};
use kftui::kube::kinds;
use kftui::kube::types::{WatchKey, WatchUpdate};
use kftui::testing::{obj, press, render, send, state};
use kftui::views::gpu::GpuView;
use kftui::views::gpu::config::GpuConfig;
use kftui::views::registry;
use kftui_emulator::proxy::dcgm::{GpuSample, render as exposition};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

const NODES: usize = 1_000;
const GPUS_PER_NODE: usize = 8;
const PODS: usize = 20_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn node(i: usize) -> kube::api::DynamicObject {
    obj(json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": format!("gpu-{i:04}"), "uid": format!("node-{i}"),
            "labels": {"nvidia.com/gpu.product": if i.is_multiple_of(2) { "NVIDIA-A100-SXM4-80GB" } else { "NVIDIA-H100-80GB-HBM3" },
                       "nvidia.com/gpu.count": "8", "nvidia.com/gpu.memory": "81920"}},
        "spec": if i.is_multiple_of(50) { json!({"unschedulable": true}) } else { json!({}) },
        "status": {"allocatable": {"cpu": "96", "memory": "1Ti", "nvidia.com/gpu": "8"},
                   "capacity": {"cpu": "96", "memory": "1Ti", "nvidia.com/gpu": "8"}}
    }))
}

/// Pod `i`: which node and how many GPUs (0 for CPU pods).
fn placement(i: usize) -> (usize, usize) {
    // 6,000 one-GPU pods, 900 two-GPU pods: 7,800 of 8,000 GPUs held.
    match i {
        i if i < 6_000 => (i / 6, 1),
        i if i < 6_900 => ((i - 6_000) + 100, 2),
        i => (i % NODES, 0),
    }
}

fn pod(i: usize) -> kube::api::DynamicObject {
    let (n, gpus) = placement(i);
    let ns = format!("team-{:02}", i % 40);
    let mut resources = json!({"requests": {"cpu": "1"}});
    if gpus > 0 {
        resources = json!({"requests": {"cpu": "4", "nvidia.com/gpu": gpus.to_string()},
                           "limits": {"nvidia.com/gpu": gpus.to_string()}});
    }
    let labels = match i % 3 {
        0 => json!({"notebook-name": format!("nb-{i}")}),
        1 => json!({"training.kubeflow.org/job-name": format!("job-{i}"),
                    "training.kubeflow.org/replica-type": "worker", "training.kubeflow.org/replica-index": "0"}),
        _ => {
            json!({"serving.kserve.io/inferenceservice": format!("svc-{i}"), "component": "predictor"})
        }
    };
    obj(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("pod-{i:05}"), "namespace": ns, "uid": format!("pod-{i}"),
                     "labels": labels, "creationTimestamp": "2025-06-01T10:00:00Z"},
        "spec": {"nodeName": format!("gpu-{n:04}"), "containers": [{"name": "main", "image": "x", "resources": resources}]},
        "status": {"phase": "Running", "startTime": "2025-06-01T10:00:00Z"}
    }))
}

fn samples() -> Vec<GpuSample> {
    let mut holders: Vec<Vec<(String, String, String)>> = vec![Vec::new(); NODES];
    for i in 0..PODS {
        let (n, gpus) = placement(i);
        for _ in 0..gpus {
            holders[n].push((
                format!("team-{:02}", i % 40),
                format!("pod-{i:05}"),
                "main".into(),
            ));
        }
    }
    let mut out = Vec::with_capacity(NODES * GPUS_PER_NODE);
    for (n, held) in holders.iter().enumerate() {
        for g in 0..GPUS_PER_NODE {
            let holder = held.get(g).cloned();
            let util = if holder.is_some() {
                ((n * 7 + g * 13) % 100) as f64
            } else {
                0.0
            };
            out.push(GpuSample {
                node: format!("gpu-{n:04}"),
                index: g as u32,
                uuid: format!("GPU-{n:08x}-{g:04x}-0000-0000-000000000000"),
                model: "NVIDIA A100-SXM4-80GB".into(),
                memory_mib: 81920,
                holder,
                load: None,
                util_percent: util,
                fb_used_mib: util * 400.0,
                temp_c: 40.0 + util * 0.3,
                power_w: 60.0 + util * 3.0,
            });
        }
    }
    out
}

fn main() {
    let rss0 = rss_mib();
    let root = registry::open("gpu", None)
        .and_then(Result::ok)
        .expect("gpu screen");
    let mut s = state(root);
    s.size = (120, 40);
    let nodes: Vec<_> = (0..NODES).map(node).collect();
    let pods: Vec<_> = (0..PODS).map(pod).collect();
    let quotas: Vec<_> = (0..40)
        .map(|i| {
            obj(json!({"apiVersion": "v1", "kind": "ResourceQuota",
                "metadata": {"name": "kf-resource-quota", "namespace": format!("team-{i:02}"), "uid": format!("q-{i}")},
                "spec": {"hard": {"requests.nvidia.com/gpu": "200"}},
                "status": {"hard": {"requests.nvidia.com/gpu": "200"}, "used": {"requests.nvidia.com/gpu": "195"}}}))
        })
        .collect();
    let t = Instant::now();
    send(
        &mut s,
        Msg::Watch(WatchKey::all(&kinds::NODE), WatchUpdate::Reset(nodes)),
    );
    send(
        &mut s,
        Msg::Watch(WatchKey::all(&kinds::POD), WatchUpdate::Reset(pods)),
    );
    send(
        &mut s,
        Msg::Watch(
            WatchKey::all(&kinds::RESOURCE_QUOTA),
            WatchUpdate::Reset(quotas),
        ),
    );
    let listed = t.elapsed();
    let view = |s: &kftui::app::state::State| -> (usize, usize, i64) {
        let v = s
            .view()
            .as_any()
            .downcast_ref::<GpuView>()
            .expect("gpu view");
        (
            v.cluster.nodes.len(),
            v.cluster.holders.len(),
            v.cluster.totals.allocatable,
        )
    };
    let (n, h, gpus) = view(&s);
    println!("gpu bench: {n} GPU nodes, {gpus} GPUs, {PODS} pods ({h} holding GPUs)");
    println!(
        "  listings applied + model built:   {:8.1} ms",
        listed.as_secs_f64() * 1e3
    );

    // One DCGM scrape: text -> parsed -> joined -> model rebuilt.
    let text = exposition(&samples());
    println!(
        "  exporter text: {:.1} MiB, {} lines",
        text.len() as f64 / 1048576.0,
        text.lines().count()
    );
    // For comparison: the prometheus-parse crate on the same text.
    let t = Instant::now();
    let theirs = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
        .expect("prometheus-parse");
    println!(
        "  (prometheus-parse on the same text: {:.1} ms, {} samples)",
        t.elapsed().as_secs_f64() * 1e3,
        theirs.samples.len()
    );
    let spec = GpuConfig::default().scrape();
    let mut parse = Vec::new();
    let mut join = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let gpus = parse_exposition(&text).expect("parses");
        let p = t.elapsed();
        let scrape = GpuScrape {
            spec: spec.clone(),
            result: Ok(GpuReading {
                via: "bench".into(),
                gpus,
            }),
        };
        let t = Instant::now();
        send(&mut s, Msg::Other(Payload::new(scrape)));
        join.push(t.elapsed());
        parse.push(p);
    }
    parse.sort();
    join.sort();
    let total: Vec<Duration> = parse.iter().zip(&join).map(|(a, b)| *a + *b).collect();
    let mut total = total;
    total.sort();
    println!(
        "  DCGM scrape parse (8,000 GPUs):   {:8.1} ms median",
        percentile(&parse, 0.5).as_secs_f64() * 1e3
    );
    println!(
        "  join + model rebuild:             {:8.1} ms median",
        percentile(&join, 0.5).as_secs_f64() * 1e3
    );
    println!(
        "  scrape parsed and joined:         {:8.1} ms median, {:.1} ms max (target < 20 ms)",
        percentile(&total, 0.5).as_secs_f64() * 1e3,
        total.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );

    // Frames of each table (the model does not change between frames).
    for (key, name) in [
        ("1", "nodes"),
        ("2", "holders"),
        ("3", "idle"),
        ("4", "quota"),
        ("5", "pending"),
    ] {
        press(&mut s, &[key]);
        let mut times = Vec::with_capacity(300);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        for i in 0..300 {
            if i % 3 == 0 {
                press(&mut s, &["j"]);
            }
            let t = Instant::now();
            terminal
                .draw(|f| kftui::views::chrome::draw(f, &s))
                .expect("draws");
            times.push(t.elapsed());
        }
        assert!(render(&s).contains("gpu"));
        times.sort();
        println!(
            "  frame {name:8} median {:6.2} ms  p99 {:6.2} ms (target p99 < 4 ms)",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3
        );
    }
    println!(
        "  RSS: {:.0} MiB with everything held ({:.0} MiB at start)",
        rss_mib(),
        rss0
    );
}
