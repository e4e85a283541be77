//! The runs screens at scale: prints figures, asserts nothing.
//!
//! - opening the emulator's 2,000-node run (`--scale`'s `load-big-dag`) to
//!   its first frame, in tree and in graph mode (target < 100 ms), and the
//!   graph layout alone;
//! - frame time p50/p99 while moving through the run, tree and graph
//!   (target < 4 ms);
//! - one node's phase change (a watch event) to the frame that shows it,
//!   p50/p99, tree and graph (target < 20 ms);
//! - RSS and live heap with 10,000 finished runs listed (the emulator's
//!   `--scale 100000` runs, in one namespace).
//!
//! Run with `cargo bench --bench runs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kftui::app::msg::Msg;
use kftui::app::state::{Scope, State};
use kftui::kube::types::WatchUpdate;
use kftui::testing::{obj, press, send, state};
use kftui::views::runs::dag::{self, Dag};
use kftui::views::runs::detail::RunDetail;
use kftui::views::runs::{self as runs, RunsView};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Value;

/// Counts live heap bytes, so the figure is kftui's data, not the allocator's.
struct Counting;

static LIVE: std::sync::atomic::AtomicIsize = std::sync::atomic::AtomicIsize::new(0);

// SAFETY: forwards to the system allocator and only counts.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, std::sync::atomic::Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        LIVE.fetch_sub(layout.size() as isize, std::sync::atomic::Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(
            new as isize - layout.size() as isize,
            std::sync::atomic::Ordering::Relaxed,
        );
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live_mib() -> f64 {
    LIVE.load(std::sync::atomic::Ordering::Relaxed) as f64 / (1024.0 * 1024.0)
}

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

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn pct(xs: &mut [Duration], p: f64) -> Duration {
    xs.sort();
    let i = ((xs.len() as f64 - 1.0) * p).round() as usize;
    xs.get(i).copied().unwrap_or_default()
}

fn draw(t: &mut Terminal<TestBackend>, s: &State) {
    t.draw(|f| kftui::views::chrome::draw(f, s)).expect("draw");
}

fn scope() -> Scope {
    Scope::Namespace("load-000".into())
}

/// Opens the run to its first frame; graph mode first when `graph`.
fn open(wf: &Value, graph: bool) -> (State, Terminal<TestBackend>, Duration) {
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let t = Instant::now();
    let o = Arc::new(obj(wf.clone()));
    let mut s = state(Box::new(RunDetail::new(o.clone())));
    s.size = (120, 40);
    s.scope = scope();
    send(
        &mut s,
        Msg::Watch(
            runs::key(&scope(), None),
            WatchUpdate::Reset(vec![(*o).clone()]),
        ),
    );
    if graph {
        press(&mut s, &["v"]);
    }
    draw(&mut term, &s);
    (s, term, t.elapsed())
}

fn frames(s: &mut State, term: &mut Terminal<TestBackend>, keys: &[&str]) -> Vec<Duration> {
    let mut out = Vec::new();
    for i in 0..400 {
        press(s, &[keys[i % keys.len()]]);
        let t = Instant::now();
        draw(term, s);
        out.push(t.elapsed());
    }
    out
}

/// A node's phase flips (Succeeded <-> Running) in a watch event; the time
/// until the frame that shows it is drawn.
fn phase_changes(s: &mut State, term: &mut Terminal<TestBackend>, wf: &Value) -> Vec<Duration> {
    let ids: Vec<String> = wf["status"]["nodes"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut cur = wf.clone();
    for i in 0..100 {
        let id = &ids[(i * 37) % ids.len()];
        let node = &mut cur["status"]["nodes"][id];
        let next = if node["phase"] == "Running" {
            "Succeeded"
        } else {
            "Running"
        };
        node["phase"] = Value::String(next.into());
        cur["metadata"]["resourceVersion"] = Value::String(format!("{}", 1000 + i));
        let o = obj(cur.clone());
        let t = Instant::now();
        send(
            s,
            Msg::Watch(runs::key(&scope(), None), WatchUpdate::Applied(o)),
        );
        draw(term, s);
        out.push(t.elapsed());
    }
    out
}

fn main() {
    let mut rng = fastrand::Rng::with_seed(7);
    let wf = kftui_emulator::scale::big_run("load-000", &mut rng);
    let nodes = wf["status"]["nodes"].as_object().map_or(0, |m| m.len());

    // The layout alone, over the rows the page shows.
    let d = Dag::from_workflow("load-big-dag", &wf);
    let rows = dag::rows(&d, false);
    let mut lay = Vec::new();
    let mut last = None;
    for _ in 0..20 {
        let t = Instant::now();
        last = Some(dag::layout::layout(&d, &rows));
        lay.push(t.elapsed());
    }
    let l = last.expect("a layout");
    println!(
        "2,000-node run: {nodes} nodes, {} rows; graph {} layers, {}x{} cells, {} boxes (with dummies)",
        rows.len(),
        l.layers.len(),
        l.width,
        l.height,
        l.boxes.len()
    );
    println!(
        "graph layout alone: median {}, max {} (target < 100 ms)",
        ms(pct(&mut lay, 0.5)),
        ms(pct(&mut lay, 1.0))
    );

    for graph in [false, true] {
        let mode = if graph { "graph" } else { "tree" };
        let mut opens: Vec<Duration> = (0..5).map(|_| open(&wf, graph).2).collect();
        let (mut s, mut term, _) = open(&wf, graph);
        println!(
            "{mode}: open to first frame median {}, max {} (target < 100 ms)",
            ms(pct(&mut opens, 0.5)),
            ms(pct(&mut opens, 1.0))
        );
        let keys: &[&str] = if graph {
            &["down", "right", "right", "down", "left"]
        } else {
            &["j", "j", "j", "pgdn", "k"]
        };
        let mut f = frames(&mut s, &mut term, keys);
        println!(
            "{mode}: frame p50 {}, p99 {} over {} frames (target p99 < 4 ms)",
            ms(pct(&mut f, 0.5)),
            ms(pct(&mut f, 0.99)),
            f.len()
        );
        let mut c = phase_changes(&mut s, &mut term, &wf);
        println!(
            "{mode}: one node's phase change to screen p50 {}, p99 {} over {} changes (target p99 < 20 ms)",
            ms(pct(&mut c, 0.5)),
            ms(pct(&mut c, 0.99)),
            c.len()
        );
    }

    // 10,000 finished runs listed.
    let rss_before = rss_mib("VmRSS:");
    let live_before = live_mib();
    let mut s = state(Box::new(RunsView::new(None)));
    s.size = (120, 40);
    s.scope = scope();
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let t = Instant::now();
    let objects: Vec<_> = (0..10_000u32)
        .map(|i| obj(kftui_emulator::scale::workflow("load-000", i, &mut rng)))
        .collect();
    let built = t.elapsed();
    let t = Instant::now();
    send(
        &mut s,
        Msg::Watch(runs::key(&scope(), None), WatchUpdate::Reset(objects)),
    );
    draw(&mut term, &s);
    let listed = t.elapsed();
    let rows = s
        .view()
        .as_any()
        .downcast_ref::<RunsView>()
        .map_or(0, |v| v.table.total);
    let mut f = frames(&mut s, &mut term, &["j", "j", "pgdn", "k"]);
    println!(
        "10,000 runs: {rows} rows listed in {} (fixtures built in {}); frame p99 {}",
        ms(listed),
        ms(built),
        ms(pct(&mut f, 0.99))
    );
    println!(
        "10,000 runs: RSS {} MiB ({} MiB before), live heap {:.1} MiB ({:.1} MiB for the runs, {:.1} KiB a run)",
        rss_mib("VmRSS:"),
        rss_before,
        live_mib(),
        live_mib() - live_before,
        (live_mib() - live_before) * 1024.0 / 10_000.0
    );
}
