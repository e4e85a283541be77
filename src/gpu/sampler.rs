//! The host GPU sampler: a plain thread that samples NVML at the configured
//! interval and sends each snapshot into the app's channel. The runtime runs
//! it only while a view subscribes (`SamplerKey::GpuHost`); stopping it
//! leaves NVML open, so the next start costs no second initialisation.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::{Host, HostReport, lib_path};
use crate::app::config::GpuConfig;
use crate::app::msg::Msg;
use crate::views::SamplerKey;

/// Shortest interval accepted from the configuration.
pub const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// A running sampler thread.
pub struct Sampler {
    stop: mpsc::Sender<()>,
    handle: JoinHandle<()>,
}

impl Sampler {
    /// Starts sampling the process-wide host (opened from `lib` on first
    /// use, in the thread, so the UI never waits for NVML). `send` returns
    /// false when nobody listens any more.
    pub fn start(
        lib: Option<PathBuf>,
        interval: Duration,
        send: impl Fn(HostReport) -> bool + Send + 'static,
    ) -> std::io::Result<Sampler> {
        let (stop, stopped) = mpsc::channel::<()>();
        let interval = interval.max(MIN_INTERVAL);
        let handle = std::thread::Builder::new()
            .name("gpu-sampler".into())
            .spawn(move || {
                let host = match Host::shared(lib.as_deref()) {
                    Ok(h) => h,
                    Err(reason) => {
                        tracing::info!("no local GPU: {reason}");
                        send(HostReport::Unavailable(reason));
                        return;
                    }
                };
                loop {
                    let snap = host.lock().unwrap_or_else(|e| e.into_inner()).sample();
                    if !send(HostReport::Sample(Arc::new(snap))) {
                        return;
                    }
                    match stopped.recv_timeout(interval) {
                        Err(RecvTimeoutError::Timeout) => {}
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            })?;
        Ok(Sampler { stop, handle })
    }

    /// Asks the thread to end (it finishes a sample under way first) and
    /// returns it, for whoever wants to wait.
    pub fn stop(self) -> JoinHandle<()> {
        let _ = self.stop.send(());
        self.handle
    }
}

/// The samplers the runtime keeps equal to the views' subscriptions.
#[derive(Default)]
pub struct Samplers {
    gpu_host: Option<Sampler>,
    stopped: Vec<JoinHandle<()>>,
}

impl Samplers {
    /// Starts what is wanted and stops what is not.
    pub fn reconcile(
        &mut self,
        wanted: &BTreeSet<SamplerKey>,
        config: &GpuConfig,
        tx: &UnboundedSender<Msg>,
    ) {
        self.stopped.retain(|h| !h.is_finished());
        let want = wanted.contains(&SamplerKey::GpuHost);
        match (want, self.gpu_host.is_some()) {
            (true, false) => {
                let sink = tx.clone();
                match Sampler::start(
                    lib_path(config.nvml_lib.as_deref()),
                    config.interval(),
                    move |r| sink.send(Msg::GpuHost(r)).is_ok(),
                ) {
                    Ok(s) => self.gpu_host = Some(s),
                    Err(e) => {
                        let _ = tx.send(Msg::GpuHost(HostReport::Unavailable(format!(
                            "cannot start the sampler thread: {e}"
                        ))));
                    }
                }
            }
            (false, true) => {
                if let Some(s) = self.gpu_host.take() {
                    self.stopped.push(s.stop());
                }
            }
            _ => {}
        }
    }

    /// Which samplers are running.
    pub fn running(&self) -> BTreeSet<SamplerKey> {
        self.gpu_host.iter().map(|_| SamplerKey::GpuHost).collect()
    }

    /// Waits for stopped sampler threads to end (tests: after this no
    /// stopped sampler calls NVML again).
    pub fn join_stopped(&mut self) {
        for h in self.stopped.drain(..) {
            let _ = h.join();
        }
    }
}

impl Drop for Samplers {
    fn drop(&mut self) {
        if let Some(s) = self.gpu_host.take() {
            drop(s.stop());
        }
    }
}
