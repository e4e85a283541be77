//! This host's GPUs through NVML, against a stub libnvidia-ml.so built from
//! tests/nvml_stub/nvml_stub.c: the values a sample reads, a query that
//! fails on one device, MIG, processes with our own marked, no library and
//! no GPU, the pane's frames, and the sampler running only while its screen
//! is visible, through the real runtime.

mod common;
mod nvml_stub;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kftui::app::msg::Msg;
use kftui::app::runtime::Runtime;
use kftui::app::state::State;
use kftui::gpu::state::HISTORY;
use kftui::gpu::{Host, HostReport, ProcKind, Snapshot};
use kftui::testing::{render, send, state};
use kftui::views::{SamplerKey, registry};

use common::driver::Driver;
use common::tmux::Session;
use nvml_stub::Stub;

const GIB: u64 = 1 << 30;
/// A pid no process has (above the kernel's pid_max limit of 2^22).
const GONE_PID: u32 = 4_194_400;

fn gpu_host_state() -> State {
    let root = registry::open("gpu-host", None)
        .expect("screen")
        .expect("opens");
    state(root)
}

fn my_uid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| kftui::gpu::procs::uid_in_status(&s))
        .expect("own uid")
}

/// The first line of GPU `index` in a rendered screen.
fn device_line(screen: &str, index: u32) -> &str {
    let prefix = format!("│{index:>2} NVIDIA");
    screen
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no line for GPU {index} in\n{screen}"))
}

#[test]
fn a_sample_reads_what_the_stub_says() {
    let me = std::process::id();
    let stub = Stub::new(&format!(
        "devices=4\nfail=1:temperature\nmig=2\nprocs=0:{me}:C:{},0:{me}:G:{},2:{GONE_PID}:G:{},3:1:C:{}\n",
        3 * GIB,
        GIB,
        64 << 20,
        2 * GIB
    ));
    let mut host = Host::open(Some(&stub.lib)).expect("the stub opens");
    assert_eq!(host.driver(), Some("550.54.15"));
    let infos: Vec<_> = host.devices().cloned().collect();
    assert_eq!(infos.len(), 4);
    for (i, info) in infos.iter().enumerate() {
        assert_eq!(info.index, i as u32);
        assert_eq!(info.name.as_deref(), Some("NVIDIA A100-SXM4-80GB"));
        assert_eq!(
            info.uuid.as_deref(),
            Some(format!("GPU-5a1b0000-0000-4000-8000-{i:012x}").as_str())
        );
        assert_eq!(info.memory_total, Some(80 * GIB));
        assert_eq!(info.power_limit_mw, Some(400_000));
        let mig = info.mig.expect("MIG mode readable");
        assert_eq!(mig.current, i == 2, "MIG on device 2 only");
        assert_eq!(mig.pending, i == 2);
    }

    let first = host.sample();
    let second = host.sample();
    for (k, snap) in [&first, &second].into_iter().enumerate() {
        assert_eq!(snap.devices.len(), 4);
        for (i, d) in snap.devices.iter().enumerate() {
            let i = i as u32;
            assert_eq!(d.util_gpu, Some((10 + 20 * i + 7 * k as u32) % 101));
            assert_eq!(d.util_mem, Some(5 + 10 * i));
            assert_eq!(d.mem_used, Some(u64::from(i + 1) * 4 * GIB));
            assert_eq!(d.mem_total, Some(80 * GIB));
            assert_eq!(d.mem_pct(), Some(((i + 1) as f64 * 5.0).round() as u32));
            // The one failing query: device 1's temperature; the rest reads.
            assert_eq!(d.temp_c, (i != 1).then_some(40 + 5 * i));
            assert_eq!(d.power_mw, Some(100_000 + 25_000 * i));
            assert_eq!(d.fan_pct, Some(30 + i));
            assert_eq!(d.sm_clock, Some(1410));
            assert_eq!(d.mem_clock, Some(1593));
            assert_eq!(d.pcie_tx, Some(1000 * (i + 1)));
            assert_eq!(d.pcie_rx, Some(2000 * (i + 1)));
            assert!(d.procs_known);
        }
    }

    // Processes: ours on device 0 as compute and graphics (one row, C+G,
    // the larger memory), a gone pid, and pid 1.
    let p = &second.processes;
    assert_eq!(p.len(), 3, "{p:#?}");
    let ours = &p[0];
    assert_eq!((ours.device, ours.pid), (0, me));
    assert_eq!(ours.kind, ProcKind::Both);
    assert_eq!(ours.gpu_mem, Some(3 * GIB));
    assert!(ours.own);
    let exe = std::env::current_exe().expect("exe");
    let exe_name = exe.file_name().expect("name").to_string_lossy();
    assert!(
        ours.command
            .as_deref()
            .is_some_and(|c| c.contains(&*exe_name)),
        "{:?}",
        ours.command
    );
    assert!(ours.user.is_some());
    let gone = &p[1];
    assert_eq!(
        (gone.device, gone.pid, gone.kind),
        (2, GONE_PID, ProcKind::Graphics)
    );
    assert_eq!(gone.gpu_mem, Some(64 << 20));
    assert_eq!(
        (gone.user.as_deref(), gone.command.as_deref()),
        (None, None)
    );
    assert!(!gone.own);
    let init = &p[2];
    assert_eq!(
        (init.device, init.pid, init.kind),
        (3, 1, ProcKind::Compute)
    );
    assert_eq!(init.user.as_deref(), Some("root"));
    assert_eq!(
        init.own,
        my_uid() == 0,
        "pid 1 is ours only when we are root"
    );

    // On screen: N/A where device 1's temperature would be, the others'
    // values beside it, MIG on for device 2, our process marked.
    let mut s = gpu_host_state();
    s.size = (120, 40);
    send(&mut s, Msg::GpuHost(HostReport::Sample(Arc::new(second))));
    let screen = render(&s);
    let d1 = device_line(&screen, 1);
    assert!(d1.contains("temp N/A"), "{d1}");
    assert!(d1.contains("125/400 W") && d1.contains("fan 31%"), "{d1}");
    assert!(device_line(&screen, 0).contains("40°C"), "{screen}");
    assert!(device_line(&screen, 2).contains("MIG on"), "{screen}");
    assert!(device_line(&screen, 3).contains("MIG off"), "{screen}");
    assert!(screen.contains("4 GPUs · driver 550.54.15"), "{screen}");
    let own_row = screen
        .lines()
        .find(|l| l.contains(&format!("*{me:>7}")))
        .unwrap_or_else(|| panic!("our process marked in\n{screen}"));
    assert!(
        own_row.contains("C+G") && own_row.contains("3072MiB"),
        "{own_row}"
    );
    assert!(screen.contains("(gone)"), "{screen}");
}

#[test]
fn no_library_no_driver_no_gpu_each_say_why() {
    let missing = tempfile::tempdir().expect("tempdir");
    let path = missing.path().join("libnvidia-ml.so.1");
    let reason = Host::open(Some(&path)).expect_err("nothing to load");
    assert!(reason.starts_with("NVML library not found ("), "{reason}");
    assert!(reason.contains("libnvidia-ml.so.1"), "{reason}");
    assert!(reason.contains("No such file"), "{reason}");

    let none = Stub::new("devices=0\n");
    assert_eq!(
        Host::open(Some(&none.lib)).expect_err("no devices"),
        "no NVIDIA devices found"
    );
    let no_driver = Stub::new("init=driver_not_loaded\n");
    assert_eq!(
        Host::open(Some(&no_driver.lib)).expect_err("no driver"),
        "the NVIDIA driver is not loaded"
    );

    let mut s = gpu_host_state();
    send(
        &mut s,
        Msg::GpuHost(HostReport::Unavailable(reason.clone())),
    );
    let screen = render(&s);
    assert!(
        screen.contains("no local GPU: NVML library not found ("),
        "{screen}"
    );
}

/// Samples from a 4-GPU stub with fixed process identities.
fn snapshot_state(samples: usize) -> State {
    let me = std::process::id();
    let stub = Stub::new(&format!(
        "devices=4\nfail=1:temperature,1:fan\nmig=2\nprocs=0:{me}:C:{},1:{GONE_PID}:C:{},3:{GONE_PID}:G:{}\n",
        12 * GIB,
        6 * GIB,
        256 << 20
    ));
    let mut host = Host::open(Some(&stub.lib)).expect("the stub opens");
    let mut s = gpu_host_state();
    for _ in 0..samples {
        let mut snap: Snapshot = host.sample();
        // The test's own pid, user and command line differ between runs.
        for p in snap.processes.iter_mut().filter(|p| p.own) {
            p.pid = 4242;
            p.user = Some("alice".into());
            p.command = Some("python train.py --epochs 10".into());
        }
        send(&mut s, Msg::GpuHost(HostReport::Sample(Arc::new(snap))));
    }
    s
}

#[test]
fn pane_snapshots() {
    let mut s = snapshot_state(HISTORY + 5);
    assert_eq!(s.gpu_host.history[&0].util.len(), HISTORY);
    for (w, h) in [(80, 24), (120, 40)] {
        s.size = (w, h);
        let screen = render(&s);
        assert!(screen.contains("*   4242"), "{screen}");
        insta::assert_snapshot!(format!("gpu_host_{w}x{h}"), screen);
    }
    // Any terminal size draws without a panic, down to nothing at all.
    for w in (0..=130).step_by(7) {
        for h in (0..=44).step_by(4) {
            s.size = (w, h);
            let _ = render(&s);
        }
    }

    // NO_COLOR (the test theme): nothing on screen has a colour.
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("terminal");
    s.size = (80, 24);
    terminal
        .draw(|f| kftui::views::chrome::draw(f, &s))
        .expect("draw");
    let buf = terminal.backend().buffer();
    assert!(
        buf.content()
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset),
        "a coloured cell under NO_COLOR"
    );

    // Many processes: as many rows as fit, then how many more.
    let many: Vec<String> = (0..40)
        .map(|i| format!("{}:{}:C:{}", i % 4, GONE_PID + i, (i + 1) << 20))
        .collect();
    let stub = Stub::new(&format!("devices=4\nprocs={}\n", many.join(",")));
    let mut host = Host::open(Some(&stub.lib)).expect("the stub opens");
    send(
        &mut s,
        Msg::GpuHost(HostReport::Sample(Arc::new(host.sample()))),
    );
    s.size = (80, 24);
    let screen = render(&s);
    assert!(
        screen.contains("Processes: 40 (0 yours, marked *)"),
        "{screen}"
    );
    let rows = screen.lines().filter(|l| l.contains("(gone)")).count();
    assert!(rows >= 3, "{screen}");
    assert!(
        screen.contains(&format!("… {} more", 40 - rows)),
        "{screen}"
    );

    // Eight GPUs fit at 80x24 (two lines each); where they do not, the
    // rest are counted, not cut off.
    let stub = Stub::new("devices=8\n");
    let mut host = Host::open(Some(&stub.lib)).expect("the stub opens");
    s.size = (80, 24);
    send(
        &mut s,
        Msg::GpuHost(HostReport::Sample(Arc::new(host.sample()))),
    );
    let screen = render(&s);
    for i in 0..8 {
        device_line(&screen, i);
    }
    assert!(screen.contains("no processes on the GPUs"), "{screen}");
    s.size = (80, 16);
    let screen = render(&s);
    assert!(
        screen.contains("… 4 more GPUs (a taller terminal shows them)"),
        "{screen}"
    );
    assert!(screen.contains("no processes on the GPUs"), "{screen}");
}

/// Steps the loop for `for_ms` without waiting for anything in particular.
async fn idle(d: &mut Driver, for_ms: u64) {
    let until = Instant::now() + Duration::from_millis(for_ms);
    while Instant::now() < until {
        d.rt.step(&mut d.s, Some(Instant::now() + Duration::from_millis(20)))
            .await;
    }
}

#[tokio::test]
async fn the_sampler_runs_only_while_its_screen_is_visible() {
    let stub = Stub::new("devices=4\nmig=2\n");
    let root = registry::open("namespaces", None)
        .expect("screen")
        .expect("opens");
    let mut s = state(root);
    let nowhere = tempfile::tempdir().expect("tempdir");
    s.config.gpu.nvml_lib = Some(nowhere.path().join("libnvidia-ml.so.1"));
    s.config.gpu.sample_interval = 0.05;
    let mut d = Driver::new(Runtime::new(None, None, None), s);

    // First without a library: the screen says why.
    d.command("gpu-host");
    d.until("the reason", 30, |_, screen| {
        screen.contains("no local GPU: NVML library not found")
    })
    .await;
    d.command("ns");
    assert!(d.rt.samplers.running().is_empty());

    // The library appears (configured now): the next start finds it.
    d.s.config.gpu.nvml_lib = Some(stub.lib.clone());
    idle(&mut d, 200).await;
    assert_eq!(stub.calls(), 0, "no NVML call while no GPU screen is open");
    assert_eq!(d.s.gpu_host.samples, 0);

    d.command("gpu-host");
    assert!(d.rt.samplers.running().contains(&SamplerKey::GpuHost));
    let screen = d
        .until("three samples on screen", 30, |s, screen| {
            s.gpu_host.samples >= 3 && screen.contains("NVIDIA A100-SXM4-80GB")
        })
        .await;
    assert!(screen.contains("MIG on"), "{screen}");
    assert_eq!(stub.inits(), 1);
    // `?` lists the keys from the keymap.
    d.keys(&["?"]);
    assert!(render(&d.s).contains("show keys"));
    d.keys(&["esc"]);

    // Another screen: the sampler stops and NVML is asked nothing more.
    d.command("ns");
    assert!(d.rt.samplers.running().is_empty());
    d.rt.samplers.join_stopped();
    let (calls, samples) = (stub.calls(), d.s.gpu_host.samples);
    idle(&mut d, 500).await;
    assert_eq!(stub.calls(), calls, "the stopped sampler still calls NVML");
    assert_eq!(d.s.gpu_host.samples, samples);

    // Back again: sampling resumes on the same NVML, not a second init.
    d.command("gpu-host");
    d.until("a new sample", 30, |s, _| s.gpu_host.samples > samples)
        .await;
    assert!(stub.calls() > calls);
    assert_eq!(stub.inits(), 1, "NVML stays initialised across stop/start");
}

/// The real binary in tmux at 80x24, NVML from `KFTUI_NVML_LIB`: the stub
/// (configured by environment here) lists kftui's own pid on GPU 0, so the
/// process row, its command line from /proc and the own-mark come from the
/// running binary.
#[test]
fn the_binary_shows_the_host_gpus_and_marks_its_own_process() {
    let stub = Stub::from_env();
    let s = Session::start(
        "gpuhost",
        80,
        24,
        &format!(
            "export KFTUI_NVML_LIB={lib} NVML_STUB_DEVICES=2 NVML_STUB_MIG=1 NVML_STUB_FAIL=0:pcie; export NVML_STUB_PROCS=0:$$:C:{mem}; exec $KFTUI --view gpu-host",
            lib = stub.lib.display(),
            mem = 5 * GIB,
        ),
    );
    let screen = s.wait_for("2 GPUs · driver 550.54.15", 20);
    // kftui replaced the pane's shell (exec), so it has the pane's pid, `$$` above.
    let pid = s.pane_pid();
    assert!(screen.contains("MIG on"), "{screen}");
    assert!(screen.contains("tx N/A rx N/A"), "{screen}");
    let own = s.wait_until("kftui's own process", 10, |scr| {
        scr.contains(&format!("*{pid:>7}"))
    });
    let row = own
        .lines()
        .find(|l| l.contains(&format!("*{pid:>7}")))
        .expect("own row");
    assert!(
        row.contains("5120MiB") && row.contains("kftui") && row.contains("--view gpu-host"),
        "{row}"
    );
    s.keys(&["C-c"]);
}
