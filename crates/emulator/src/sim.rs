//! `kftui sim`: runs the emulator as a standalone server until ctrl-c or
//! SIGTERM, with optional periodic failure injection ("chaos") flags.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use crate::config::{DemoUser, EmulatorConfig};
use crate::emulator::Emulator;
use crate::faults::Faults;

/// Command-line arguments of `kftui sim`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct SimArgs {
    /// Port on 127.0.0.1 to listen on (0 picks a free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Where to write the kubeconfig (default: a file in the temp directory).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig_out: Option<PathBuf>,
    /// Generated load on top of the demo cluster (N pods, N/10 workflows, N/10 trials).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub scale: u32,
    /// Seed for the simulated cluster.
    #[arg(long, value_name = "S", default_value_t = 42)]
    pub seed: u64,
    /// How much faster than real time simulated activities run.
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    pub speed: f64,
    /// Do not run the simulated controllers (a static cluster).
    #[arg(long)]
    pub no_controllers: bool,
    /// Let requests without credentials read as the read-only user
    /// (kubectl sends tokens only over TLS, so plain-HTTP kubectl needs it).
    #[arg(long)]
    pub anonymous_read_only: bool,
    /// Drop all open watches every SECS seconds.
    #[arg(long, value_name = "SECS")]
    pub chaos_drop_watches_every: Option<f64>,
    /// Simulate an apiserver restart with compacted history every SECS seconds.
    #[arg(long, value_name = "SECS")]
    pub chaos_compact_every: Option<f64>,
    /// Fail all requests with this status code (500, 503, 429) periodically.
    #[arg(long, value_name = "CODE")]
    pub chaos_fail_code: Option<u16>,
    /// How often to start a failure window (seconds).
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub chaos_fail_every: f64,
    /// How long each failure window lasts (seconds).
    #[arg(long, value_name = "SECS", default_value_t = 3.0)]
    pub chaos_fail_for: f64,
    /// Add this much latency (milliseconds) to every request.
    #[arg(long, value_name = "MS")]
    pub chaos_latency_ms: Option<u64>,
}

fn every(secs: f64, faults: Faults, action: fn(&Faults)) -> tokio::task::JoinHandle<()> {
    let period = Duration::from_secs_f64(secs.max(0.1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.tick().await;
        loop {
            tick.tick().await;
            action(&faults);
        }
    })
}

fn start_chaos(args: &SimArgs, faults: &Faults) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    if let Some(s) = args.chaos_drop_watches_every {
        tasks.push(every(s, faults.clone(), Faults::drop_watches));
    }
    if let Some(s) = args.chaos_compact_every {
        tasks.push(every(s, faults.clone(), Faults::compact_history));
    }
    if let Some(code) = args.chaos_fail_code {
        let faults = faults.clone();
        let period = Duration::from_secs_f64(args.chaos_fail_every.max(0.1));
        let length = Duration::from_secs_f64(args.chaos_fail_for.max(0.0));
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.tick().await;
            loop {
                tick.tick().await;
                faults.fail_requests(code, length);
            }
        }));
    }
    if let Some(ms) = args.chaos_latency_ms {
        faults.add_latency(
            Duration::from_millis(ms),
            Duration::from_secs(u64::from(u32::MAX)),
        );
    }
    tasks
}

async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Starts the emulator, writes the kubeconfig, prints one line with the URL
/// and the kubeconfig path, and runs until ctrl-c or SIGTERM.
pub async fn run_sim(args: SimArgs) -> anyhow::Result<()> {
    let emulator = Emulator::start(EmulatorConfig {
        port: args.port,
        scale: args.scale,
        seed: args.seed,
        speed: args.speed,
        controllers: !args.no_controllers,
        anonymous: args.anonymous_read_only.then_some(DemoUser::ReadOnly),
    })
    .await
    .context("starting the emulator")?;
    let path = match &args.kubeconfig_out {
        Some(p) => p.clone(),
        None => std::env::temp_dir().join(format!(
            "kftui-demo-kubeconfig-{}.yaml",
            emulator.url().rsplit(':').next().unwrap_or("0")
        )),
    };
    emulator.write_kubeconfig(&path)?;
    let chaos = start_chaos(&args, &emulator.faults());
    println!(
        "kftui emulator listening on {} (kubeconfig: {})",
        emulator.url(),
        path.display()
    );
    terminated().await;
    for task in chaos {
        task.abort();
    }
    emulator.shutdown().await;
    Ok(())
}
