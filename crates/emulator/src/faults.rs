//! Failure injection for client tests: drop every open watch, fail or slow
//! down all requests for a while, simulate etcd compaction so resuming
//! watches get 410 Gone, or take the server process through a restart or a
//! graceful shutdown (see [`crate::lifecycle`]).

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::lifecycle::{GracefulShutdown, Lifecycle};
use crate::store::Store;

#[derive(Debug, Default, Clone, Copy)]
struct Window<T> {
    value: T,
    until: Option<Instant>,
}

impl<T: Copy> Window<T> {
    fn active(&self) -> Option<T> {
        self.until
            .filter(|u| Instant::now() < *u)
            .map(|_| self.value)
    }
}

struct FaultState {
    failure: Mutex<Window<u16>>,
    latency: Mutex<Window<Duration>>,
    drop_epoch: watch::Sender<u64>,
    store: Arc<Store>,
    lifecycle: Lifecycle,
    /// Nodes whose kubelet does not answer (logs, exec, port-forward).
    dead_kubelets: Mutex<std::collections::BTreeSet<String>>,
}

/// A cloneable handle on the emulator's fault injector.
#[derive(Clone)]
pub struct Faults {
    inner: Arc<FaultState>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults").finish_non_exhaustive()
    }
}

impl Faults {
    pub(crate) fn new(store: Arc<Store>) -> Self {
        let (drop_epoch, _) = watch::channel(0);
        Self {
            inner: Arc::new(FaultState {
                failure: Mutex::new(Window::default()),
                latency: Mutex::new(Window::default()),
                drop_epoch,
                lifecycle: Lifecycle::new(store.clone()),
                dead_kubelets: Mutex::default(),
                store,
            }),
        }
    }

    /// Cuts every open watch connection now, as a network failure or an
    /// apiserver restart would. Clients resume from their last
    /// resourceVersion.
    pub fn drop_watches(&self) {
        self.inner.drop_epoch.send_modify(|e| *e += 1);
        tracing::info!("fault: dropped all open watches");
    }

    /// Answers every request with `code` (e.g. 500, 503, 429) for `duration`.
    /// Note that kube-rs clients retry 429, 503 and 504 by default.
    pub fn fail_requests(&self, code: u16, duration: Duration) {
        let code = if (400..=599).contains(&code) {
            code
        } else {
            500
        };
        *self.inner.failure.lock() = Window {
            value: code,
            until: Instant::now().checked_add(duration),
        };
        tracing::info!(code, ?duration, "fault: failing requests");
    }

    /// Delays every request by `delay` for `duration`.
    pub fn add_latency(&self, delay: Duration, duration: Duration) {
        *self.inner.latency.lock() = Window {
            value: delay,
            until: Instant::now().checked_add(duration),
        };
        tracing::info!(?delay, ?duration, "fault: adding latency");
    }

    /// Simulates an apiserver restart with etcd compaction: open watches are
    /// cut and the history is truncated, so watches resuming from an old
    /// resourceVersion get `410 Gone` (reason `Expired`) and must re-list.
    pub fn compact_history(&self) {
        self.inner.store.compact();
        self.drop_watches();
        tracing::info!("fault: compacted history");
    }

    /// Kills and restarts the server process: every connection is cut now,
    /// connections are refused for `down`, then a new process serves from a
    /// fresh watch cache (every older resourceVersion answers `410 Expired`,
    /// lists start from a higher resourceVersion). Returns at once.
    pub fn restart(&self, down: Duration) {
        self.inner.lifecycle.restart(down);
    }

    /// Takes the server through a graceful shutdown (readyz failing, then
    /// new requests refused, then down) and a new process. Returns at once.
    pub fn graceful_shutdown(&self, how: GracefulShutdown) {
        self.inner.lifecycle.graceful_shutdown(how);
    }

    /// Ends a restart or shutdown now.
    pub fn recover(&self) {
        self.inner.lifecycle.recover();
    }

    /// Makes the kubelet of `node` unreachable from the API server (or
    /// reachable again): log requests for its pods fail with 500, as the
    /// apiserver's dial to port 10250 does.
    pub fn kubelet_unreachable(&self, node: &str, unreachable: bool) {
        let mut dead = self.inner.dead_kubelets.lock();
        if unreachable {
            dead.insert(node.to_string());
        } else {
            dead.remove(node);
        }
    }

    pub(crate) fn kubelet_down(&self, node: &str) -> bool {
        self.inner.dead_kubelets.lock().contains(node)
    }

    pub(crate) fn lifecycle(&self) -> &Lifecycle {
        &self.inner.lifecycle
    }

    /// Stops any failure and latency injection.
    pub fn clear(&self) {
        *self.inner.failure.lock() = Window::default();
        *self.inner.latency.lock() = Window::default();
    }

    /// The status code to fail the current request with, if any.
    pub(crate) fn current_failure(&self) -> Option<u16> {
        self.inner.failure.lock().active()
    }

    /// The latency to add to the current request, if any.
    pub(crate) fn current_latency(&self) -> Option<Duration> {
        self.inner.latency.lock().active()
    }

    /// Changes whenever watches must be dropped.
    pub(crate) fn drop_signal(&self) -> watch::Receiver<u64> {
        self.inner.drop_epoch.subscribe()
    }
}
