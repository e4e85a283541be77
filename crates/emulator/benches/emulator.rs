//! Emulator benchmark (`cargo bench -p kftui-emulator`, harness = false).
//! Prints: listing 10k pods through kube-rs (ms), watch events per second
//! delivered to a kube-rs client, and the process RSS with 100k pods.

use std::time::Instant;

use futures::TryStreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kftui_emulator::{DemoUser, Emulator, EmulatorConfig};
use kube::api::{Api, ListParams, PostParams, WatchEvent, WatchParams};
use serde_json::json;

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

async fn list_10k() -> anyhow::Result<()> {
    let emu = Emulator::start(EmulatorConfig {
        scale: 10_000,
        ..EmulatorConfig::default()
    })
    .await?;
    let client = emu.client(DemoUser::Admin).await?;
    let pods: Api<Pod> = Api::all(client);
    let mut best = f64::MAX;
    let mut n = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let list = pods.list(&ListParams::default()).await?;
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        n = list.items.len();
    }
    println!("list of {n} pods (kube-rs, typed, best of 5): {best:.1} ms");
    emu.shutdown().await;
    Ok(())
}

async fn watch_rate() -> anyhow::Result<()> {
    let emu = Emulator::start(EmulatorConfig {
        controllers: false,
        ..EmulatorConfig::default()
    })
    .await?;
    let client = emu.client(DemoUser::Admin).await?;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    let rv = cms
        .list(&ListParams::default().limit(1))
        .await?
        .metadata
        .resource_version
        .unwrap_or_default();
    const N: usize = 5_000;
    let mut tasks = Vec::new();
    for w in 0..8 {
        let cms = cms.clone();
        tasks.push(tokio::spawn(async move {
            for i in (w..N).step_by(8) {
                let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": format!("bench-{i}")}, "data": {"i": i.to_string()}}))?;
                cms.create(&PostParams::default(), &cm).await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    // Replay all N creations from the watch cache and time the delivery.
    let t = Instant::now();
    let mut stream = Box::pin(cms.watch(&WatchParams::default(), &rv).await?);
    let mut got = 0;
    while got < N {
        match stream.try_next().await? {
            Some(WatchEvent::Added(_)) => got += 1,
            Some(_) => {}
            None => break,
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "watch: {got} events delivered to kube-rs in {:.1} ms = {:.0} events/s",
        secs * 1000.0,
        got as f64 / secs
    );
    emu.shutdown().await;
    Ok(())
}

async fn rss_100k() -> anyhow::Result<()> {
    let before = rss_mib();
    let t = Instant::now();
    let emu = Emulator::start(EmulatorConfig {
        scale: 100_000,
        ..EmulatorConfig::default()
    })
    .await?;
    let started = t.elapsed().as_secs_f64();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let after = rss_mib();
    println!(
        "RSS with 100k pods + 10k runs + 10k trials: {after:.0} MiB (process before start: {before:.0} MiB; startup {started:.1} s)"
    );
    emu.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    list_10k().await?;
    watch_rate().await?;
    rss_100k().await?;
    Ok(())
}
