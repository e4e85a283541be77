//! What the host GPU sampler costs: 8 stub GPUs (tests/nvml_stub) sampled at
//! 1 Hz through the real sampler thread and the app's channel into the pane
//! state, as CPU time of the whole process (getrusage) over wall time, in
//! percent of one core (target < 0.5 %). Also the cost of one sample alone.
//! `GPU_BENCH_SAMPLES` sets the length of the 1 Hz run (default 10).

#[path = "../tests/nvml_stub/mod.rs"]
mod nvml_stub;

use std::time::{Duration, Instant};

use kftui::app::msg::Msg;
use kftui::gpu::sampler::Sampler;
use kftui::gpu::{Host, HostReport, HostState};

fn cpu_time() -> Duration {
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn main() {
    let me = std::process::id();
    let procs: Vec<String> = (0..8)
        .flat_map(|d| {
            [
                format!("{d}:{me}:C:{}", (d + 1) << 30),
                format!("{d}:1:G:{}", 64 << 20),
            ]
        })
        .collect();
    let stub = nvml_stub::Stub::new(&format!(
        "devices=8\nmig=3\nfail=5:fan\nprocs={}\n",
        procs.join(",")
    ));

    // One sample alone, many times.
    let mut host = Host::open(Some(&stub.lib)).expect("the stub opens");
    let n = 2_000;
    let (c0, w0) = (cpu_time(), Instant::now());
    let mut devices = 0;
    for _ in 0..n {
        devices += host.sample().devices.len();
    }
    let (cpu, wall) = (cpu_time() - c0, w0.elapsed());
    assert_eq!(devices, 8 * n);
    let per_sample = cpu / n as u32;
    println!(
        "one sample of 8 stub GPUs (16 processes): {:.1} µs CPU, {:.1} µs wall (mean of {n})",
        per_sample.as_secs_f64() * 1e6,
        wall.as_secs_f64() * 1e6 / n as f64
    );
    println!(
        "  at 1 Hz that is {:.4} % of one core",
        per_sample.as_secs_f64() * 100.0
    );

    // The real sampler thread at 1 Hz into the channel and the pane state.
    let samples: u64 = std::env::var("GPU_BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let consumer = std::thread::spawn(move || {
        let mut state = HostState::default();
        while state.samples < samples {
            match rx.blocking_recv() {
                Some(Msg::GpuHost(report)) => state.apply(report),
                Some(_) => {}
                None => break,
            }
        }
        state
    });
    let (c0, w0) = (cpu_time(), Instant::now());
    let sampler = Sampler::start(Some(stub.lib.clone()), Duration::from_secs(1), move |r| {
        if matches!(r, HostReport::Unavailable(_)) {
            panic!("the stub should open");
        }
        tx.send(Msg::GpuHost(r)).is_ok()
    })
    .expect("sampler thread");
    let state = consumer.join().expect("consumer");
    let (cpu, wall) = (cpu_time() - c0, w0.elapsed());
    let _ = sampler.stop().join();
    assert_eq!(state.samples, samples);
    assert_eq!(state.snapshot().map(|s| s.devices.len()), Some(8));
    println!(
        "sampler at 1 Hz, 8 stub GPUs, {samples} samples: {:.3} ms CPU over {:.2} s wall = {:.4} % of one core (target < 0.5 %)",
        cpu.as_secs_f64() * 1e3,
        wall.as_secs_f64(),
        cpu.as_secs_f64() / wall.as_secs_f64() * 100.0
    );
    println!(
        "NVML calls the stub answered: {} in all, {:.0} per sample of 8 GPUs",
        stub.calls(),
        stub.calls() as f64 / (n as u64 + samples) as f64
    );
}
