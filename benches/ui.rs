//! UI benchmark: prints figures, asserts nothing.
//!
//! - frame render time (median, p99) of the pods table at 1k, 10k and 100k rows
//! - time to apply a full listing of 100k pods (update + settle)
//! - peak RSS with 100k rows loaded
//! - redraws per second while idle (must be 0), from the real runtime loop
//! - process start to first frame of the real binary in demo mode (tmux)
//!
//! Run with `cargo bench --bench ui`.

use std::time::{Duration, Instant};

use kftui::app::msg::Msg;
use kftui::app::runtime::Runtime;
use kftui::kube::kinds;
use kftui::kube::types::{WatchKey, WatchUpdate};
use kftui::testing::{pod, press, send, state};
use kftui::views::registry;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn table_frames(rows: usize) {
    let root = registry::open("pods", None)
        .and_then(Result::ok)
        .expect("pods screen");
    let mut s = state(root);
    s.size = (120, 40);
    let pods: Vec<_> = (0..rows)
        .map(|i| {
            pod(
                "ml-research",
                &format!("worker-{i:06}"),
                if i % 13 == 0 { "Pending" } else { "Running" },
                (i % 5000) as i64,
            )
        })
        .collect();
    let t = Instant::now();
    send(
        &mut s,
        Msg::Watch(
            WatchKey::in_namespace(&kinds::POD, Some("ml-research")),
            WatchUpdate::Reset(pods),
        ),
    );
    let load = t.elapsed();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    let mut times = Vec::new();
    for i in 0..400 {
        // Move around so frames differ: page down, and jump to the end now and then.
        press(&mut s, &[if i % 50 == 49 { "G" } else { "pgdn" }]);
        let t = Instant::now();
        terminal
            .draw(|f| kftui::views::chrome::draw(f, &s))
            .expect("draw");
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "table {rows:>6} rows: frame median {:>7.3} ms  p99 {:>7.3} ms  (listing applied in {:>7.1} ms)",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        load.as_secs_f64() * 1e3
    );
    if rows == 100_000 {
        println!(
            "peak RSS with 100k rows loaded: {} MiB (now {} MiB)",
            rss_kib("VmHWM:") / 1024,
            rss_kib("VmRSS:") / 1024
        );
    }
}

fn idle_redraws() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let root = registry::open("pods", None).and_then(Result::ok).expect("pods screen");
        let mut s = state(root);
        let mut runtime = Runtime::new(None, None, None);
        let backend = kftui::testing::CountingBackend::new(80, 24);
        let frames = backend.frames.clone();
        let mut terminal = Terminal::new(backend).expect("test backend");
        let tx = runtime.sender();
        let idle = Duration::from_secs(3);
        let sampler = async {
            // A key after start, then nothing at all.
            tokio::time::sleep(Duration::from_millis(100)).await;
            let _ = tx.send(Msg::Key(kftui::testing::key("j")));
            tokio::time::sleep(Duration::from_millis(200)).await;
            let busy = frames.load(std::sync::atomic::Ordering::Relaxed);
            tokio::time::sleep(idle).await;
            let after = frames.load(std::sync::atomic::Ordering::Relaxed);
            (busy, after - busy)
        };
        tokio::select! {
            r = runtime.run(&mut terminal, &mut s) => println!("idle: the loop ended early: {r:?}"),
            (busy, idle_frames) = sampler => println!(
                "idle: {busy} frames while starting and handling one key, then {:.2} redraws/s over {:.0} s idle",
                idle_frames as f64 / idle.as_secs_f64(),
                idle.as_secs_f64()
            ),
        }
    });
}

fn startup() {
    let bin = env!("CARGO_BIN_EXE_kftui");
    if std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_err()
    {
        println!("startup: tmux not found, skipped");
        return;
    }
    let dir = std::env::temp_dir().join(format!("kftui-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let socket = dir.join("tmux.sock");
    let mut samples = Vec::new();
    for i in 0..7 {
        let report = dir.join(format!("first-frame-{i}"));
        let spawned = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or(0);
        let cmd = format!(
            "env HOME={home} XDG_CONFIG_HOME={home}/c XDG_STATE_HOME={home}/s XDG_DATA_HOME={home}/d KFTUI_FIRST_FRAME_REPORT={report} KFTUI_SPAWNED_AT={spawned} {bin} --demo",
            home = dir.display(),
            report = report.display()
        );
        let status = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args([
                "new-session",
                "-d",
                "-x",
                "80",
                "-y",
                "24",
                "-s",
                &format!("b{i}"),
                &cmd,
            ])
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            println!("startup: tmux failed to start");
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && !report.exists() {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(20));
        if let Some(us) = std::fs::read_to_string(&report)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
        {
            samples.push(Duration::from_micros(us));
        }
        let _ = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(["kill-session", "-t", &format!("b{i}")])
            .status();
    }
    let _ = std::process::Command::new("tmux")
        .arg("-S")
        .arg(&socket)
        .arg("kill-server")
        .stderr(std::process::Stdio::null())
        .status();
    let _ = std::fs::remove_dir_all(&dir);
    if samples.is_empty() {
        println!("startup: no first frame reported");
        return;
    }
    samples.sort();
    println!(
        "process start to first frame (kftui --demo, 80x24, {} runs): median {:.1} ms, max {:.1} ms",
        samples.len(),
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        samples.last().map(|d| d.as_secs_f64() * 1e3).unwrap_or(0.0)
    );
}

fn main() {
    for rows in [1_000, 10_000, 100_000] {
        table_frames(rows);
    }
    idle_redraws();
    startup();
}
