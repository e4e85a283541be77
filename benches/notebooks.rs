//! Notebooks benchmark: prints figures, asserts nothing.
//!
//! 5,000 notebooks across 200 namespaces (with their pods) in the all-namespaces
//! notebooks table. A watch event that changes a visible notebook (stopped /
//! running) is sent into the runtime's channel; the time until the redrawn
//! frame shows the new status is measured (median, p99), and the process RSS
//! with that cluster loaded is printed.
//!
//! Run with `cargo bench --bench notebooks`.

use std::time::{Duration, Instant};

use kftui::app::msg::Msg;
use kftui::app::runtime::Runtime;
use kftui::app::state::Scope;
use kftui::kube::types::WatchUpdate;
use kftui::testing::{notebook, notebook_pod, obj, send, state};
use kftui::views::notebooks::Keys;
use kftui::views::registry;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

/// Counts live heap bytes, so the figure is kftui's data, not the allocator's.
struct Counting;

static LIVE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only counts.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), std::sync::atomic::Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        LIVE.fetch_sub(layout.size(), std::sync::atomic::Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live_mib() -> f64 {
    LIVE.load(std::sync::atomic::Ordering::Relaxed) as f64 / (1024.0 * 1024.0)
}

#[cfg(target_os = "linux")]
fn trim() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> i32;
    }
    // SAFETY: glibc's malloc_trim only returns free memory to the system.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(target_os = "linux"))]
fn trim() {}

const NAMESPACES: usize = 200;
const PER_NAMESPACE: usize = 25;

fn rss_mib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
            })
        })
        .unwrap_or(0)
        / 1024
}

fn nb(ns: usize, i: usize, stopped: bool) -> kube::api::DynamicObject {
    let name = format!("nb-{ns:03}-{i:02}");
    let mut extra =
        json!({"metadata": {"namespace": format!("team-{ns:03}"), "uid": format!("uid-{ns}-{i}")}});
    if stopped {
        extra = json!({"metadata": {"namespace": format!("team-{ns:03}"), "uid": format!("uid-{ns}-{i}"),
            "annotations": {"kubeflow-resource-stopped": "2025-05-01T00:00:00Z"}},
            "status": {"readyReplicas": 0, "containerState": {}}});
    }
    notebook(&name, extra)
}

fn pod(ns: usize, i: usize) -> kube::api::DynamicObject {
    let mut p = notebook_pod(&format!("nb-{ns:03}-{i:02}"));
    let mut v = serde_json::to_value(&p).expect("pod json");
    v["metadata"]["namespace"] = json!(format!("team-{ns:03}"));
    v["metadata"]["uid"] = json!(format!("pod-{ns}-{i}"));
    p = obj(v);
    p
}

fn screen_text(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buf = terminal.backend().buffer();
    let area = buf.area;
    (0..area.height)
        .map(|y| (0..area.width).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

fn main() {
    let rss_before = rss_mib("VmRSS:");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let root = registry::open("nb", None).and_then(Result::ok).expect("notebooks");
        let mut s = state(root);
        s.size = (120, 40);
        s.scope = Scope::All;
        let keys = Keys::for_scope(&Scope::All, None);
        let t = Instant::now();
        let notebooks: Vec<_> = (0..NAMESPACES)
            .flat_map(|ns| (0..PER_NAMESPACE).map(move |i| nb(ns, i, false)))
            .collect();
        let pods: Vec<_> = (0..NAMESPACES)
            .flat_map(|ns| (0..PER_NAMESPACE).map(move |i| pod(ns, i)))
            .collect();
        send(&mut s, Msg::Watch(keys.notebooks.clone(), WatchUpdate::Reset(notebooks)));
        send(&mut s, Msg::Watch(keys.pods.clone(), WatchUpdate::Reset(pods)));
        send(&mut s, Msg::Watch(keys.events.clone(), WatchUpdate::Reset(Vec::new())));
        let load = t.elapsed();

        let t = Instant::now();
        for _ in 0..10 {
            std::hint::black_box(kftui::views::notebooks::rows(&s.store, &keys));
        }
        println!("rows() for the whole cluster: {:.1} ms", t.elapsed().as_secs_f64() * 1e3 / 10.0);
        let mut cache = kftui::views::notebooks::RowCache::default();
        kftui::views::notebooks::rows_cached(&s.store, &keys, &mut cache);
        let t = Instant::now();
        for _ in 0..10 {
            std::hint::black_box(kftui::views::notebooks::rows_cached(&s.store, &keys, &mut cache));
        }
        println!("rows() from a warm cache: {:.1} ms", t.elapsed().as_secs_f64() * 1e3 / 10.0);
        let mut runtime = Runtime::new(None, None, None);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("backend");
        runtime.draw(&mut terminal, &s).expect("draw");
        let tx = runtime.sender();
        let mut times = Vec::new();
        let mut stopped = [false; PER_NAMESPACE];
        for round in 0..400 {
            // The first namespace's notebooks are on screen (sorted by namespace).
            let i = round % 12;
            stopped[i] = !stopped[i];
            let name = format!("nb-000-{i:02}");
            // The pod is still listed, so a stopped notebook reads "Stopping".
            let want = if stopped[i] { "Stopp" } else { "Running" };
            let start = Instant::now();
            let _ = tx.send(Msg::Watch(
                keys.notebooks.clone(),
                WatchUpdate::Applied(nb(0, i, stopped[i])),
            ));
            runtime
                .step(&mut s, Some(Instant::now() + Duration::from_secs(1)))
                .await;
            runtime.draw(&mut terminal, &s).expect("draw");
            let elapsed = start.elapsed();
            let shown = screen_text(&terminal)
                .iter()
                .any(|l| l.contains(&name) && l.contains(want));
            if !shown {
                println!("round {round}: {name} does not show {want}:");
                for l in screen_text(&terminal) {
                    println!("{l}");
                }
                return;
            }
            times.push(elapsed);
        }
        times.sort();
        let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
        println!(
            "notebooks: {} notebooks in {NAMESPACES} namespaces (+ pods), listing applied in {:.1} ms",
            NAMESPACES * PER_NAMESPACE,
            load.as_secs_f64() * 1e3
        );
        println!(
            "watch event to changed row on screen: median {:.3} ms  p99 {:.3} ms  ({} events)",
            pct(0.5).as_secs_f64() * 1e3,
            pct(0.99).as_secs_f64() * 1e3,
            times.len()
        );
        // Building 10,000 fixture objects leaves freed heap behind; give it
        // back so RSS shows what kftui holds.
        trim();
        println!(
            "RSS with the cluster loaded: {} MiB ({:.1} MiB live heap; peak RSS {} MiB while building fixtures; {} MiB before loading)",
            rss_mib("VmRSS:"),
            live_mib(),
            rss_mib("VmHWM:"),
            rss_before
        );
    });
}
