//! Memory and first rows at scale: prints figures, asserts nothing.
//!
//! For each size (5,000 and 100,000 pods by default; `KFTUI_SCALE=5000,20000`
//! to choose) the emulator runs in a child process (`kftui sim --scale N`,
//! so its memory is not counted) and kftui's real runtime opens the
//! all-namespaces pods screen against it. Printed:
//!
//! - the API's own LIST time (all pages of 500, parsed, dropped), for
//!   comparison;
//! - time to the first rows on screen and to the full list on screen;
//! - RSS and live heap with the list held, and the per-pod cost;
//! - the per-pod cost of the objects as the server sends them (full
//!   DynamicObjects with managedFields: what kftui held before it slimmed
//!   them) against the slim copies it holds now.
//!
//! Run with `cargo bench --bench scale`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kftui::app::runtime::Runtime;
use kftui::app::state::{Connection, Scope, State};
use kftui::app::update::settle;
use kftui::kube::client;
use kftui::kube::kinds;
use kftui::kube::pod::Pod;
use kftui::kube::types::WatchKey;
use kftui::testing::{render, state};
use kftui::views::registry;
use kube::api::{Api, DynamicObject, ListParams};

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

fn live() -> isize {
    LIVE.load(std::sync::atomic::Ordering::Relaxed)
}

fn mib(bytes: isize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
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

/// The emulator in its own process.
struct Sim {
    child: Child,
    kubeconfig: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Sim {
    fn start(scale: u32) -> Sim {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        let child = Command::new(env!("CARGO_BIN_EXE_kftui"))
            .args(["sim", "--no-controllers", "--scale", &scale.to_string()])
            .arg("--kubeconfig-out")
            .arg(&kubeconfig)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("kftui sim starts");
        let deadline = Instant::now() + Duration::from_secs(300);
        while !kubeconfig.exists() {
            assert!(Instant::now() < deadline, "the emulator did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(200));
        Sim {
            child,
            kubeconfig,
            _dir: dir,
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Pods whose cost as sent and slimmed is measured.
const SAMPLE: usize = 2_000;

fn rows(s: &State) -> usize {
    let key = WatchKey::all(&kinds::POD);
    s.store.get(&key).map(|set| set.len()).unwrap_or(0)
}

async fn measure(scale: u32) {
    let sim = Sim::start(scale);
    let kubeconfig = kube::config::Kubeconfig::read_from(&sim.kubeconfig).expect("kubeconfig");
    let (kc, info) = client::connect(&kubeconfig, None).await.expect("connects");
    let total: usize = {
        let api: Api<DynamicObject> = Api::all_with(kc.client.clone(), &kinds::POD.api_resource());
        let lp = ListParams::default().limit(1);
        let l = api.list(&lp).await.expect("list");
        l.items.len() + l.metadata.remaining_item_count.unwrap_or(0) as usize
    };

    let rss_before = rss_mib("VmRSS:");
    let heap_before = live();
    let root = registry::open("pods", None)
        .and_then(Result::ok)
        .expect("pods");
    let mut s = state(root);
    s.size = (120, 40);
    s.scope = Scope::All;
    s.connection = Connection::Connected(info);
    let mut rt = Runtime::new(Some(kc.clone()), Some(kubeconfig), None);
    let t = Instant::now();
    let effects = settle(&mut s);
    rt.perform(&s, effects);
    rt.reconcile(&s);
    let mut first_rows = None;
    let mut loading_seen = None;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        rt.step(&mut s, Some(Instant::now() + Duration::from_millis(50)))
            .await;
        let n = rows(&s);
        if n > 0 && first_rows.is_none() {
            let screen = render(&s);
            first_rows = Some(t.elapsed());
            loading_seen = screen.lines().nth(2).and_then(|l| {
                l.find("loading")
                    .map(|i| l[i..].chars().take(24).collect::<String>())
            });
        }
        let listed = s
            .store
            .get(&WatchKey::all(&kinds::POD))
            .is_some_and(|set| set.listed);
        if listed {
            let _ = render(&s);
            break;
        }
        if Instant::now() > deadline {
            println!("  gave up waiting for the list ({n} of {total})");
            return;
        }
    }
    let full_list = t.elapsed();
    trim();
    let held = live() - heap_before;
    let rss_held = rss_mib("VmRSS:");
    let peak_held = rss_mib("VmHWM:");

    // Then the API's own LIST time, after kftui's figures so that the full
    // objects parsed here do not count in its RSS; what objects cost as
    // sent and slimmed is sampled over the first pages.
    let api: Api<DynamicObject> = Api::all_with(kc.client.clone(), &kinds::POD.api_resource());
    let t = Instant::now();
    let mut sample: Vec<DynamicObject> = Vec::new();
    let mut token: Option<String> = None;
    let heap0 = live();
    let mut full_bytes = 0;
    loop {
        let mut lp = ListParams::default().limit(500);
        lp.continue_token = token.clone();
        let page = api.list(&lp).await.expect("list page");
        if sample.len() < SAMPLE {
            sample.extend(page.items);
            full_bytes = live() - heap0;
        }
        token = page.metadata.continue_.filter(|c| !c.is_empty());
        if token.is_none() {
            break;
        }
    }
    let list_time = t.elapsed();
    let sampled = sample.len().max(1);
    let json_bytes: usize = sample
        .iter()
        .take(200)
        .map(|o| serde_json::to_vec(o).map(|v| v.len()).unwrap_or(0))
        .sum::<usize>()
        / sample.len().clamp(1, 200);
    let heap1 = live();
    let slim: Vec<DynamicObject> = sample
        .iter()
        .cloned()
        .map(|o| kftui::kube::slim::project(&kinds::POD, o))
        .collect();
    let slim_bytes = live() - heap1;
    let parts = breakdown(&slim);
    drop(slim);
    // The projection kftui holds now, parsed from the JSON as the watcher
    // parses it (strings the store already holds are shared, not counted).
    let texts: Vec<String> = sample
        .iter()
        .map(|o| serde_json::to_string(o).unwrap_or_default())
        .collect();
    let heap2 = live();
    let pods: Vec<Pod> = texts
        .iter()
        .filter_map(|t| serde_json::from_str::<kftui::kube::pod::PodWire>(t).ok())
        .map(|w| w.pod)
        .collect();
    let pod_bytes = live() - heap2 + (pods.len() * 16) as isize;
    let pod_parts = pod_breakdown(&pods);
    drop(pods);
    drop(texts);
    drop(sample);
    trim();
    println!("{scale} pods ({total} listed; about {json_bytes} bytes of JSON each as served)");
    println!(
        "  API LIST, all pages of 500: {:.0} ms",
        list_time.as_secs_f64() * 1e3
    );
    println!(
        "  first rows on screen: {:.0} ms ({}); full list on screen: {:.0} ms (LIST + {:.0} ms)",
        first_rows
            .map(|d| d.as_secs_f64() * 1e3)
            .unwrap_or(f64::NAN),
        loading_seen.unwrap_or_else(|| "no loading marker seen".into()),
        full_list.as_secs_f64() * 1e3,
        (full_list.as_secs_f64() - list_time.as_secs_f64()) * 1e3
    );
    println!(
        "  RSS {} MiB (peak {} MiB, {} MiB before opening the screen); live heap held by the screen {:.1} MiB",
        rss_held,
        peak_held,
        rss_before,
        mib(held)
    );
    println!(
        "  per pod: {:.0} B held by kftui; as sent (full DynamicObject) {:.0} B, slimmed DynamicObject (before) {:.0} B, typed projection (now) {:.0} B",
        held as f64 / total.max(1) as f64,
        full_bytes as f64 / sampled as f64,
        slim_bytes as f64 / sampled as f64,
        pod_bytes as f64 / sampled as f64,
    );
    let (strings, string_bytes) = kftui::kube::pod::interned();
    let (lists, conds) = kftui::kube::pod::shared_lists();
    println!(
        "  interned strings: {strings} ({:.1} MiB, {:.0} B per pod); distinct container lists {lists}, condition lists {conds}",
        mib(string_bytes as isize),
        string_bytes as f64 / total.max(1) as f64
    );
    let n = slim_len(sampled);
    let per = |b: isize| b as f64 / n;
    let held_per = held as f64 / total.max(1) as f64;
    let mut line = String::from("  slimmed DynamicObject (before), per pod:");
    for (what, b) in &parts {
        line.push_str(&format!(" {what} {:.0} B,", per(*b)));
    }
    line.pop();
    println!("{line}");
    let owned: isize = pod_parts.iter().map(|(_, b)| *b).sum();
    let mut line = String::from("  typed projection (now), per pod:");
    for (what, b) in &pod_parts {
        line.push_str(&format!(" {what} {:.0} B,", per(*b)));
    }
    line.push_str(&format!(
        " rest of what kftui holds (store map and keys, table rows, interned strings) {:.0} B",
        held_per - per(owned)
    ));
    println!("{line}");

    drop(rt);
    drop(s);
    trim();
}

/// What each projected pod owns on the heap, by part (strings it shares
/// through the interner are left out; its unique strings are counted).
fn pod_breakdown(pods: &[Pod]) -> Vec<(&'static str, isize)> {
    use kftui::kube::pod::{Container, ContainerStatus, State, Terminated};
    use std::mem::size_of;
    let text = |s: &str| s.len() + 16;
    let container = |c: &Container| {
        size_of::<Container>()
            + (c.command.len() + c.args.len()) * 16
            + (c.requests.len() + c.limits.len()) * 32
            + c.ports.len() * size_of::<kftui::kube::pod::Port>()
    };
    // Words are interned; a termination and a last state are boxed.
    let status = |c: &ContainerStatus| {
        let boxed = |s: Option<&State>| match s {
            Some(State::Terminated(_)) => size_of::<Terminated>(),
            _ => 0,
        };
        size_of::<ContainerStatus>()
            + boxed(c.state.as_ref())
            + boxed(c.last_state.as_deref())
            + c.last_state.as_ref().map_or(0, |_| size_of::<State>())
    };
    let mut inline = 0;
    let mut unique = 0;
    let mut meta = 0;
    let mut spec = 0;
    let mut st = 0;
    for p in pods {
        inline += size_of::<Pod>() + 16;
        unique += p.name.len()
            + p.uid.as_deref().map(text).unwrap_or(0)
            + p.pod_ip.as_deref().map(text).unwrap_or(0);
        meta += (p.labels.len() + p.annotations.len() + p.node_selector.len()) * 32
            + p.owners.len() * size_of::<kftui::kube::pod::Owner>()
            + p.finalizers.len() * 16;
        // Container and condition lists are shared by the pods that have
        // the same: counted once per distinct list, below.
        st += p
            .container_statuses
            .iter()
            .chain(p.init_container_statuses.iter())
            .chain(p.ephemeral_container_statuses.iter())
            .map(status)
            .sum::<usize>();
    }
    let mut seen = std::collections::HashSet::new();
    for p in pods {
        for list in [&p.containers, &p.init_containers] {
            if seen.insert(std::sync::Arc::as_ptr(list) as *const u8 as usize) {
                spec += list.iter().map(container).sum::<usize>() + 16;
            }
        }
        if seen.insert(std::sync::Arc::as_ptr(&p.conditions) as *const u8 as usize) {
            spec += p.conditions.len() * size_of::<kftui::kube::pod::Condition>() + 16;
        }
    }
    vec![
        ("Pod+Arc inline", inline as isize),
        ("unique text (name, uid, IP)", unique as isize),
        ("label/annotation/owner slices", meta as isize),
        ("container statuses", st as isize),
        ("shared container and condition lists", spec as isize),
    ]
}

fn slim_len(n: usize) -> f64 {
    n.max(1) as f64
}

/// Live heap taken by `f` and its result.
fn heap_of<T>(f: impl FnOnce() -> T) -> (isize, T) {
    let before = live();
    let v = f();
    (live() - before, v)
}

/// Where the bytes of the slim pods go, measured by copying each part
/// alone (a copy is built at the size the parse builds it).
fn breakdown(slim: &[DynamicObject]) -> Vec<(&'static str, isize)> {
    let n = slim.len() as isize;
    let inline = n * (std::mem::size_of::<DynamicObject>() as isize + 16);
    let (meta, m) = heap_of(|| {
        slim.iter()
            .map(|o| kube::api::ObjectMeta {
                labels: None,
                ..o.metadata.clone()
            })
            .collect::<Vec<_>>()
    });
    let meta = meta - (m.capacity() * std::mem::size_of::<kube::api::ObjectMeta>()) as isize;
    drop(m);
    let (labels, l) = heap_of(|| {
        slim.iter()
            .map(|o| o.metadata.labels.clone())
            .collect::<Vec<_>>()
    });
    let labels = labels
        - (l.capacity() * std::mem::size_of::<Option<std::collections::BTreeMap<String, String>>>())
            as isize;
    drop(l);
    let (data, d) = heap_of(|| slim.iter().map(|o| o.data.clone()).collect::<Vec<_>>());
    let data = data - (d.capacity() * std::mem::size_of::<serde_json::Value>()) as isize;
    drop(d);
    vec![
        ("object+Arc inline", inline),
        ("metadata heap w/o labels", meta),
        ("labels", labels),
        ("data Value", data),
    ]
}

fn main() {
    kftui::app::runtime::tune_allocator();
    let sizes: Vec<u32> = std::env::var("KFTUI_SCALE")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![5_000, 100_000]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    for n in sizes {
        rt.block_on(measure(n));
    }
}
