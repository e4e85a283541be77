//! `:gpu` against the API emulator over real HTTP, through the real
//! runtime, one emulator for all of it. As the admin with the DCGM
//! exporter: allocatable/requested/free per node equal what the pods on
//! each node request (counted here from the API, independently of the
//! screen), utilisation joined from the exporter in `gpu-operator`, the
//! holders with their Kubeflow owners, the idle demo notebook among the
//! idle holders (honestly "for the ... observed" from kftui's own scrapes),
//! the quota used against the hard limit, the Pending 16-GPU notebook with
//! the scheduler's message, and `enter` opening the idle notebook's
//! details. With Prometheus configured: the idle notebook idle for the
//! whole window (max_over_time), snapshots at 80x24 and 120x40. As the
//! read-only user: the exporter refused (services/proxy), said in words,
//! and the allocation view still there.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, ResourceQuota};
use kftui::app::runtime::Runtime;
use kftui::app::state::{Connection, Scope, State};
use kftui::kube::client;
use kftui::testing::{render, state};
use kftui::views::gpu::{GpuView, Tab};
use kftui::views::notebooks::detail::NotebookDetail;
use kftui::views::registry;
use kftui_emulator::{DemoUser, Emulator, EmulatorConfig};
use kube::Api;
use kube::api::ListParams;

mod common;

use common::driver::Driver;

fn gpu(s: &State) -> &GpuView {
    s.stack
        .iter()
        .rev()
        .find_map(|v| v.as_any().downcast_ref::<GpuView>())
        .expect("the gpu view is on the stack")
}

/// True once nodes, pods and quotas are completely listed.
fn listed(s: &State) -> bool {
    kftui::views::gpu::keys()
        .iter()
        .all(|k| s.store.get(k).is_some_and(|set| set.listed))
}

/// GPUs each node's non-terminal pods request, from the API.
async fn requested_per_node(client: kube::Client) -> BTreeMap<String, i64> {
    let pods: Api<Pod> = Api::all(client);
    let mut out = BTreeMap::new();
    for p in pods.list(&ListParams::default()).await.expect("pods").items {
        let status = p.status.clone().unwrap_or_default();
        if matches!(status.phase.as_deref(), Some("Succeeded" | "Failed")) {
            continue;
        }
        let Some(spec) = p.spec else { continue };
        let Some(node) = spec.node_name.clone() else {
            continue;
        };
        let n: i64 = spec
            .containers
            .iter()
            .filter_map(|c| {
                let r = c.resources.as_ref()?;
                let q = r
                    .requests
                    .as_ref()
                    .and_then(|m| m.get("nvidia.com/gpu"))
                    .or_else(|| r.limits.as_ref().and_then(|m| m.get("nvidia.com/gpu")))?;
                q.0.parse::<i64>().ok()
            })
            .sum();
        *out.entry(node).or_default() += n;
    }
    out
}

async fn driver(emu: &Emulator, context: Option<&str>, prometheus: bool) -> Driver {
    let kubeconfig = emu.kubeconfig();
    let (client, info) = client::connect(&kubeconfig, context)
        .await
        .expect("connects");
    let root = registry::open("gpu", None).expect("screen").expect("opens");
    let mut s = state(root);
    s.size = (160, 40);
    s.scope = Scope::Namespace("ml-research".into());
    s.connection = Connection::Connected(info);
    if prometheus {
        s.config.gpu.prometheus_url = Some("http://prometheus-k8s.monitoring.svc:9090".into());
    }
    let rt = Runtime::new(Some(client), Some(kubeconfig), None);
    Driver::new(rt, s)
}

fn snapshots(s: &mut State, name: &str) {
    let size = s.size;
    for (w, h) in [(80, 24), (120, 40)] {
        s.size = (w, h);
        let screen = render(s);
        insta::with_settings!({
            filters => vec![
                // Measured utilisation (its width too) and sparklines.
                (r" *\d+%", " NN%"),
                (r"[▁▂▃▄▅▆▇█]+", "~"),
                // The host pane (its own snapshots are in gpu_host.rs):
                // waiting for NVML or the reason this machine has none.
                (r"│(?:no local GPU: |opening NVML…)[^│]*│", "│[host pane: no local GPU]│"),
            ]
        }, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        });
    }
    s.size = size;
}

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen.lines().find(|l| l.contains(needle)).unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gpu_allocations_holders_idle_quota_and_dcgm() {
    let emu = Emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator starts");
    let admin = emu.client(DemoUser::Admin).await.expect("admin client");
    let expected = requested_per_node(admin.clone()).await;

    // ---- admin, DCGM exporter found by name ----
    let mut d = driver(&emu, None, false).await;
    let screen = d
        .until("GPU nodes with DCGM utilisation", 60, |s, scr| {
            let v = gpu(s);
            listed(s)
                && v.cluster.nodes.len() == 3
                && v.metrics.reading.is_some()
                && v.cluster.nodes.iter().all(|n| n.util.is_some())
                && scr.contains("gpu-a100-0")
        })
        .await;
    let v = gpu(&d.s);
    for n in &v.cluster.nodes {
        let want = expected.get(&n.name).copied().unwrap_or(0);
        assert_eq!(n.requested, want, "requested on {}", n.name);
        assert_eq!(n.free, n.allocatable - want, "free on {}", n.name);
        let row = line_with(&screen, &n.name);
        assert!(
            row.contains(&format!(" {} ", n.allocatable)) && row.contains(&n.product),
            "{row}"
        );
    }
    let a100 = v
        .cluster
        .nodes
        .iter()
        .find(|n| n.name == "gpu-a100-0")
        .expect("a100");
    assert_eq!(a100.allocatable, 8);
    assert!(
        a100.requested >= 3,
        "jupyter-alice (1) and pytorch-dev (2) at least"
    );
    let t4 = v
        .cluster
        .nodes
        .iter()
        .find(|n| n.name == "gpu-t4-0")
        .expect("t4");
    assert_eq!(t4.product, "Tesla-T4");
    assert_eq!(v.cluster.models.len(), 3);
    assert_eq!(
        v.cluster.totals.allocatable,
        v.cluster.nodes.iter().map(|n| n.allocatable).sum::<i64>()
    );
    assert!(
        screen.contains("DCGM: 20 GPUs, nvidia-dcgm-exporter (gpu-operator) via service proxy"),
        "{screen}"
    );

    // Holders with their owners and measured use.
    d.keys(&["2"]);
    let screen = d
        .until("holders with utilisation", 30, |s, scr| {
            gpu(s).tab == Tab::Holders && scr.contains("Notebook jupyter-alice")
        })
        .await;
    let v = gpu(&d.s);
    let owner_of = |pod_prefix: &str| {
        v.cluster
            .holders
            .iter()
            .find(|h| h.pod.starts_with(pod_prefix))
            .unwrap_or_else(|| panic!("holder {pod_prefix}: {:?}", v.cluster.holders))
    };
    let nb = owner_of("jupyter-alice-0");
    assert_eq!(nb.owner.text(), "Notebook jupyter-alice");
    assert_eq!((nb.gpus, nb.node.as_str()), (1, "gpu-a100-0"));
    assert!(nb.util.is_some_and(|u| u < 5.0), "idle: {:?}", nb.util);
    let llm = owner_of("llm-chat-predictor");
    assert_eq!(llm.owner.text(), "InferenceService llm-chat (predictor)");
    assert!(
        llm.util.is_some_and(|u| u > 0.0 && u < 30.0),
        "light: {:?}",
        llm.util
    );
    let workers: Vec<_> = v
        .cluster
        .holders
        .iter()
        .filter(|h| h.owner.kind == "PyTorchJob")
        .collect();
    assert!(!workers.is_empty(), "{:?}", v.cluster.holders);
    assert!(
        workers.iter().all(|h| h.util.is_some_and(|u| u >= 40.0)),
        "busy: {workers:?}"
    );
    assert!(
        workers
            .iter()
            .any(|h| h.owner.part.starts_with("worker ") || h.owner.part.starts_with("master ")),
        "{workers:?}"
    );
    assert!(
        line_with(&screen, "Notebook jupyter-alice").contains("ml-research"),
        "{screen}"
    );

    // Idle holders, from kftui's own scrapes: the idle notebook, honestly
    // only for as long as it has been observed.
    d.keys(&["3"]);
    let screen = d
        .until("the idle notebook", 30, |s, scr| {
            gpu(s)
                .cluster
                .idle
                .iter()
                .any(|h| h.pod == "jupyter-alice-0")
                && scr.contains("observed")
        })
        .await;
    let v = gpu(&d.s);
    let idle = v
        .cluster
        .idle
        .iter()
        .find(|h| h.pod == "jupyter-alice-0")
        .expect("idle nb");
    let i = idle.idle.as_ref().expect("idle");
    assert!(!i.prometheus && !i.whole_window, "{i:?}");
    assert!(
        v.cluster.idle.iter().all(|h| h.owner.kind != "PyTorchJob"),
        "training is busy: {:?}",
        v.cluster.idle
    );
    assert!(
        line_with(&screen, "Notebook jupyter-alice").contains("idle for the"),
        "{screen}"
    );

    // Quota used against the hard limit, as the quota controller says.
    let quota: Api<ResourceQuota> = Api::namespaced(admin.clone(), "ml-research");
    let q = quota.get("kf-resource-quota").await.expect("quota");
    let st = q.status.expect("status");
    let hard: i64 = st
        .hard
        .as_ref()
        .and_then(|h| h.get("requests.nvidia.com/gpu"))
        .map(|q| q.0.parse().expect("n"))
        .expect("hard");
    let used: i64 = st
        .used
        .as_ref()
        .and_then(|h| h.get("requests.nvidia.com/gpu"))
        .map(|q| q.0.parse().expect("n"))
        .expect("used");
    d.keys(&["4"]);
    let screen = d
        .until("the quota table", 30, |s, _| gpu(s).tab == Tab::Quota)
        .await;
    let v = gpu(&d.s);
    let ml = v
        .cluster
        .namespaces
        .iter()
        .find(|n| n.namespace == "ml-research")
        .expect("ml-research");
    assert_eq!((ml.quota_used, ml.quota_hard), (Some(used), Some(hard)));
    assert!(ml.in_use > 0 && ml.pending == 1, "{ml:?}");
    assert!(
        line_with(&screen, "│ml-research ").contains(&format!("{used}/{hard}")),
        "{screen}"
    );

    // Pending for GPUs, with the scheduler's words.
    d.keys(&["5"]);
    let screen = d
        .until("the pending notebook", 30, |s, scr| {
            gpu(s).tab == Tab::Pending && scr.contains("big-gpu-notebook")
        })
        .await;
    let p = &gpu(&d.s).cluster.pending;
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].gpus, 16);
    assert!(
        p[0].message.contains("Insufficient nvidia.com/gpu"),
        "{:?}",
        p[0]
    );
    assert!(
        line_with(&screen, "big-gpu-notebook").contains("Insufficient nvidia.com/gpu"),
        "{screen}"
    );

    // enter on a node lists its holders; enter on the idle notebook opens it.
    d.keys(&["1", "g", "enter"]);
    let v = gpu(&d.s);
    assert_eq!(
        (v.tab, v.node_filter.as_deref()),
        (Tab::Holders, Some("gpu-a100-0"))
    );
    assert!(v.holders.rows.iter().all(|h| h.node == "gpu-a100-0") && !v.holders.rows.is_empty());
    d.keys(&["esc"]);
    assert_eq!(gpu(&d.s).node_filter, None);
    d.keys(&["3", "/"]);
    d.text("jupyter-alice");
    d.keys(&["enter", "enter"]);
    let screen = d
        .until("the idle notebook's details", 30, |s, _| {
            s.view().as_any().downcast_ref::<NotebookDetail>().is_some()
        })
        .await;
    assert!(screen.contains("jupyter-alice"), "{screen}");
    d.keys(&["esc"]);
    assert!(d.s.view().as_any().downcast_ref::<GpuView>().is_some());
    // tab moves the focus to the host pane and back.
    d.keys(&["tab"]);
    assert_eq!(gpu(&d.s).focus, kftui::views::gpu::Focus::Host);
    d.keys(&["tab"]);
    assert_eq!(gpu(&d.s).focus, kftui::views::gpu::Focus::Cluster);
    drop(d);

    // ---- admin, Prometheus: idle for the whole window ----
    let mut d = driver(&emu, None, true).await;
    d.until(
        "Prometheus says the notebook idled all window",
        60,
        |s, _| {
            let v = gpu(s);
            listed(s)
                && v.cluster.nodes.len() == 3
                && v.cluster.idle.iter().any(|h| {
                    h.pod == "jupyter-alice-0"
                        && h.idle
                            .as_ref()
                            .is_some_and(|i| i.prometheus && i.whole_window)
                })
        },
    )
    .await;
    d.keys(&["3"]);
    let screen = d
        .until("the idle table", 30, |s, scr| {
            gpu(s).tab == Tab::Idle && scr.contains("(Prometheus)")
        })
        .await;
    let v = gpu(&d.s);
    assert_eq!(
        v.cluster.idle.len(),
        1,
        "only the idle notebook: {:?}",
        v.cluster.idle
    );
    assert!(
        screen.contains("GPUs, Prometheus prometheus-k8s (monitoring) via service proxy"),
        "{screen}"
    );
    assert_eq!(v.cluster.totals.idle_gpus, 1);
    snapshots(&mut d.s, "gpu_idle_prometheus");
    d.keys(&["1"]);
    snapshots(&mut d.s, "gpu_nodes");
    drop(d);

    // ---- read-only user: the exporter is refused, allocations remain ----
    let mut d = driver(&emu, Some("kftui-demo-readonly"), false).await;
    let screen = d
        .until("the exporter refused", 60, |s, _| {
            let v = gpu(s);
            listed(s) && v.metrics.error.is_some() && v.cluster.nodes.len() == 3
        })
        .await;
    let v = gpu(&d.s);
    let e = v.metrics.error.as_deref().unwrap_or_default();
    assert!(
        e.contains("you may not read nvidia-dcgm-exporter in gpu-operator")
            && e.contains("services/proxy"),
        "{e}"
    );
    assert!(v.metrics.reading.is_none());
    assert!(v.cluster.nodes.iter().all(|n| n.util.is_none()));
    assert!(
        screen.contains("DCGM: no utilisation: you may not read"),
        "{screen}"
    );
    let now = requested_per_node(admin.clone()).await;
    for n in &v.cluster.nodes {
        assert_eq!(
            n.requested,
            now.get(&n.name).copied().unwrap_or(0),
            "{}: {:?}",
            n.name,
            v.cluster.holders
        );
    }
    drop(d);
    emu.shutdown().await;
}
