//! Real-cluster reliability, through the real runtime and the real watcher
//! code against the emulator: the connection marker through an API server
//! restart and a graceful shutdown (with no key pressed), redraws only
//! while something is stale, a forbidden kind that is not a connection
//! problem, failures in their own words, and start-up without a terminal.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use kftui::app::runtime::Runtime;
use kftui::app::state::{Connection, Scope, State};
use kftui::app::update::needs_tick;
use kftui::kube::client;
use kftui::testing::{CountingBackend, state};
use kftui::views::registry;
use kftui_emulator::{DemoUser, Emulator, EmulatorConfig, GracefulShutdown};
use ratatui::Terminal;

mod common;
use common::driver::Driver;

async fn driver(emu: &Emulator, user: DemoUser, screen: &str) -> Driver {
    let kubeconfig = emu.kubeconfig();
    let (client, info) = client::connect(&kubeconfig, Some(user.context()))
        .await
        .expect("connects");
    let root = registry::open(screen, None)
        .expect("screen")
        .expect("opens");
    let mut s = state(root);
    s.scope = Scope::Namespace(info.namespace.clone());
    s.connection = Connection::Connected(info);
    Driver::new(Runtime::new(Some(client), Some(kubeconfig), None), s)
}

fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or("")
}

fn title(screen: &str) -> &str {
    screen.lines().nth(2).unwrap_or("")
}

fn notice(s: &State) -> String {
    s.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

/// Runs the real event loop (frames included) for `secs`; returns the frames
/// drawn and the last screen.
async fn run_for(d: &mut Driver, secs: f64) -> (u64, String) {
    let backend = CountingBackend::new(80, 24);
    let frames = backend.frames.clone();
    let mut terminal = Terminal::new(backend).expect("terminal");
    let _ = tokio::time::timeout(
        Duration::from_secs_f64(secs),
        d.rt.run(&mut terminal, &mut d.s),
    )
    .await;
    let buf = terminal.backend().inner.buffer().clone();
    let mut screen = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            screen.push_str(buf[(x, y)].symbol());
        }
        screen.push('\n');
    }
    (frames.load(Ordering::Relaxed), screen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marker_follows_restart_and_graceful_shutdown() {
    let emu = Emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator starts");
    let server = emu.url();
    // Config maps: a quiet kind, so nothing but the watch itself can bring
    // the marker back (no object changes to ride on).
    let mut d = driver(&emu, DemoUser::Admin, "configmaps").await;
    d.until("live", 20, |s, screen| {
        header(screen).contains("● live")
            && !needs_tick(s)
            && s.store.sets.values().all(|set| set.listed)
            && !s.access.is_empty()
    })
    .await;

    // Live and idle: no frame at all (the first is the initial draw). A
    // second first lets late answers land (the list's expected size, the
    // first readiness probe), which on a loaded machine can come after the
    // list.
    let _ = run_for(&mut d, 1.0).await;
    let before = d.rt.stats.messages;
    let (frames, _) = run_for(&mut d, 2.5).await;
    eprintln!(
        "idle: {frames} frames, {} messages",
        d.rt.stats.messages - before
    );
    assert!(frames <= 1, "an idle live screen redraws: {frames} frames");

    // A killed and restarted server: stale at once, in the failure's words.
    let t = Instant::now();
    emu.faults().restart(Duration::from_secs(4));
    let screen = d
        .until("stale after the restart", 10, |_, screen| {
            header(screen).contains("◌ stale")
        })
        .await;
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(
        title(&screen).contains("stale"),
        "the screen's own marker: {screen}"
    );
    d.until("the refusal in plain words", 10, |s, _| {
        notice(s).contains(&format!("cannot reach {server}: connection refused"))
    })
    .await;
    // While stale the loop redraws once a second and the counter counts.
    let (frames, screen) = run_for(&mut d, 2.2).await;
    assert!(frames >= 2, "stale Ns must count: {frames} frames");
    assert!(
        header(&screen).contains("◌ stale 2s") || header(&screen).contains("◌ stale 3s"),
        "{screen}"
    );
    // Back up with a fresh watch cache (every old resourceVersion is 410
    // Expired): live again within 10 s of recovery, no key pressed.
    d.until("live after the restart", 4 + 10, |s, screen| {
        header(screen).contains("● live") && !title(screen).contains("stale") && !needs_tick(s)
    })
    .await;
    let back = t.elapsed();
    assert!(back < Duration::from_secs(4 + 10), "{back:?}");
    assert!(
        d.s.store
            .sets
            .values()
            .all(|set| set.listed && set.is_live()),
        "every watch re-listed"
    );

    // A graceful shutdown: readyz fails first while everything still works,
    // then new requests are refused (429 + Retry-After), open watches stay.
    let t = Instant::now();
    let how = GracefulShutdown {
        not_ready: Duration::from_secs(4),
        rejecting: Duration::from_secs(6),
        reject_status: 429,
        down: Duration::from_secs(1),
    };
    emu.faults().graceful_shutdown(how);
    d.until("not live while shutting down", 10, |_, screen| {
        header(screen).contains("◌ stale")
    })
    .await;
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(
        notice(&d.s).contains("the API server is not ready: shutdown failed: reason withheld"),
        "{}",
        notice(&d.s)
    );
    let recovered = how.not_ready + how.rejecting + how.down;
    d.until(
        "live after the shutdown",
        (recovered + Duration::from_secs(10)).as_secs(),
        |s, screen| header(screen).contains("● live") && !needs_tick(s),
    )
    .await;
    assert!(t.elapsed() < recovered + Duration::from_secs(10));
    assert!(
        t.elapsed() >= how.not_ready,
        "live while the server said not ready"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_kind_is_not_a_connection_problem() {
    let emu = Emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator starts");
    let mut d = driver(&emu, DemoUser::ReadOnly, "pods").await;
    d.until("pods live", 20, |_, screen| {
        header(screen).contains("● live")
    })
    .await;
    d.command("secrets");
    let screen = d
        .until("secrets refused, the header live", 20, |_, screen| {
            title(screen).contains("forbidden") && header(screen).contains("● live")
        })
        .await;
    assert!(header(&screen).contains("● live"), "{screen}");
    assert!(title(&screen).contains("forbidden"), "{screen}");
    assert!(
        screen.contains("not allowed") && screen.contains("cannot list resource \"secrets\""),
        "{screen}"
    );
    assert!(!needs_tick(&d.s), "a forbidden kind needs no ticking");
    emu.shutdown().await;

    // A server that refuses connections says so, not "cannot list".
    let dead = Emulator::start(EmulatorConfig {
        controllers: false,
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts");
    let url = dead.url();
    let mut d = driver(&dead, DemoUser::Admin, "runs").await;

    // Data that real objects have: a Workflow that never started has no
    // status.startedAt (and a zero finishedAt): DURATION is "-", not 56y.
    let wf: kube::api::DynamicObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": "never-started", "namespace": "ml-research"},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "x"}}]}
    }))
    .expect("workflow");
    let api: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(
        dead.client(DemoUser::Admin).await.expect("client"),
        "ml-research",
        &kftui::kube::kinds::WORKFLOW.api_resource(),
    );
    api.create(&Default::default(), &wf).await.expect("created");
    let screen = d
        .until("the new run", 20, |_, screen| {
            screen.contains("never-started")
        })
        .await;
    let row = screen
        .lines()
        .find(|l| l.contains("never-started"))
        .unwrap_or_default();
    let cells: Vec<&str> = row.trim_matches('│').split_whitespace().collect();
    assert!(
        cells.contains(&"-"),
        "DURATION of a run that never started: {row}"
    );
    assert!(
        !cells
            .iter()
            .skip(2)
            .any(|c| c.chars().next().is_some_and(|d| d.is_ascii_digit())
                && (c.contains('y') || c.contains('d'))),
        "no duration from the epoch: {row}"
    );

    // A TrainJob whose conditions are empty while its child jobs run (as
    // the Trainer leaves them until the end) reads its state from jobsStatus.
    let tj: kube::api::DynamicObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob",
        "metadata": {"name": "no-conditions", "namespace": "ml-research"},
        "spec": {"runtimeRef": {"name": "torch-distributed"}}
    }))
    .expect("trainjob");
    let jobs: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(
        dead.client(DemoUser::Admin).await.expect("client"),
        "ml-research",
        &kftui::kube::kinds::TRAIN_JOB.api_resource(),
    );
    jobs.create(&Default::default(), &tj)
        .await
        .expect("created");
    let status = serde_json::json!({"status": {"conditions": [], "jobsStatus": [
        {"name": "node", "active": 3, "ready": 3, "succeeded": 0, "failed": 0, "suspended": 0}
    ]}});
    jobs.patch_status(
        "no-conditions",
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Merge(&status),
    )
    .await
    .expect("status patched");
    d.command("jobs");
    let screen = d
        .until("the TrainJob's state", 20, |_, screen| {
            screen
                .lines()
                .any(|l| l.contains("no-conditions") && l.contains("Running 3/3"))
        })
        .await;
    assert!(screen.contains("TrainJob"), "{screen}");

    // A node whose kubelet does not answer: the log pane says so in its body.
    dead.faults().kubelet_unreachable("gpu-a100-0", true);
    d.command("pods");
    d.until("pods", 20, |_, screen| screen.contains("jupyter-alice-0"))
        .await;
    d.keys(&["/"]);
    d.text("jupyter-alice-0");
    d.keys(&["enter", "l"]);
    let screen = d
        .until("the log failure", 20, |_, screen| {
            screen.contains("did not answer")
        })
        .await;
    let body: String = screen.lines().skip(3).collect::<Vec<_>>().join(" ");
    assert!(
        body.contains("the node gpu-a100-0 did not answer for the log"),
        "{screen}"
    );
    assert!(body.contains("10250"), "the server's own words: {screen}");
    d.keys(&["esc", "esc"]);

    dead.shutdown().await;
    let screen = d
        .until("the refusal", 20, |_, screen| {
            screen.contains("connection refused")
        })
        .await;
    assert!(
        screen.contains(&format!("cannot reach {url}: connection refused")),
        "{screen}"
    );
    assert!(!screen.contains("cannot list"), "{screen}");
    assert!(header(&screen).contains("◌ stale"), "{screen}");
}

#[test]
fn without_a_terminal_kftui_says_so_and_exits_2() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kftui"))
        .args(["--demo"])
        .env("HOME", std::env::temp_dir())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("kftui runs");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("kftui needs an interactive terminal"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(out.stdout.is_empty());
}
