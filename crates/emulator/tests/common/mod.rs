//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::time::Duration;

use kftui_emulator::{DemoUser, Emulator, EmulatorConfig};
use kube::api::{ApiResource, GroupVersionKind};

/// An emulator with its controllers running `speed` times faster than real time.
pub async fn start(speed: f64) -> (Emulator, kube::Client) {
    let cfg = EmulatorConfig {
        speed,
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start(cfg).await.expect("start emulator");
    let client = emu.client(DemoUser::Admin).await.expect("admin client");
    (emu, client)
}

pub fn notebook_ar() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("kubeflow.org", "v1", "Notebook"),
        "notebooks",
    )
}

/// Polls `check` every 50 ms until it returns `Some` or `secs` pass.
pub async fn eventually<T, F, Fut>(secs: u64, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        if let Some(v) = check().await {
            return Some(v);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}
