//! The API server's process lifecycle, for clients that must survive it:
//! a restart (every connection cut, connections refused while it is down,
//! then a fresh watch cache so every old resourceVersion answers
//! `410 Expired`) and a graceful shutdown as kube-apiserver does it on
//! SIGTERM:
//!
//! 1. `/readyz` fails at once (`[-]shutdown failed: reason withheld`, HTTP
//!    500) while every request is still served (`--shutdown-delay-duration`);
//! 2. then new requests are answered `429` with `Retry-After: 5` and
//!    `Connection: close` (`--shutdown-send-retry-after`, filter
//!    `WithRetryAfter`); `/readyz`, `/livez`, `/healthz` and `/metrics` are
//!    exempt, and open watches stay open;
//! 3. then the listener closes and open connections are cut;
//! 4. and a new process comes up with a fresh watch cache.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::store::Store;

/// Where the server process is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Ready and serving.
    Serving,
    /// Shutting down, still serving: `/readyz` fails.
    NotReady,
    /// Shutting down: new requests are refused with `status` (429 as the
    /// real filter answers; other codes for clients that must cope with them).
    Rejecting { status: u16 },
    /// Not listening: connections are refused.
    Down,
}

/// How a graceful shutdown goes; each phase lasts as long as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GracefulShutdown {
    /// `/readyz` failing while requests are still served.
    pub not_ready: Duration,
    /// New requests refused with `reject_status`, open watches kept.
    pub rejecting: Duration,
    pub reject_status: u16,
    /// Not listening, before the new process is up.
    pub down: Duration,
}

impl Default for GracefulShutdown {
    fn default() -> Self {
        Self {
            not_ready: Duration::from_secs(3),
            rejecting: Duration::from_secs(60),
            reject_status: 429,
            down: Duration::from_secs(1),
        }
    }
}

/// The shared lifecycle: the server's accept loop and dispatcher read it.
#[derive(Clone)]
pub struct Lifecycle {
    phase: watch::Sender<Phase>,
    /// Bumped to cut every open connection.
    cut: watch::Sender<u64>,
    store: Arc<Store>,
    /// Bumped on every new change of plan, so an older plan's timers stop.
    plan: watch::Sender<u64>,
}

impl std::fmt::Debug for Lifecycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lifecycle")
            .field("phase", &*self.phase.borrow())
            .finish_non_exhaustive()
    }
}

impl Lifecycle {
    pub fn new(store: Arc<Store>) -> Self {
        Self {
            phase: watch::channel(Phase::Serving).0,
            cut: watch::channel(0).0,
            store,
            plan: watch::channel(0).0,
        }
    }

    pub fn phase(&self) -> Phase {
        *self.phase.borrow()
    }

    pub fn subscribe(&self) -> watch::Receiver<Phase> {
        self.phase.subscribe()
    }

    /// Changes when every open connection must be dropped.
    pub fn cut_signal(&self) -> watch::Receiver<u64> {
        self.cut.subscribe()
    }

    fn set(&self, phase: Phase) {
        if phase == Phase::Down {
            self.cut.send_modify(|c| *c += 1);
        }
        self.phase.send_replace(phase);
        tracing::info!(?phase, "emulator lifecycle");
    }

    /// A new process: a fresh watch cache (history dropped, the
    /// resourceVersion moved on as etcd's did meanwhile), then serving.
    fn come_back(&self) {
        self.store.restart_watch_cache();
        self.set(Phase::Serving);
    }

    fn new_plan(&self) -> watch::Receiver<u64> {
        self.plan.send_modify(|p| *p += 1);
        let mut rx = self.plan.subscribe();
        rx.mark_unchanged();
        rx
    }

    /// Runs `steps` (phase, how long) one after the other in the background,
    /// then comes back up; a later plan cancels this one.
    fn run_plan(&self, steps: Vec<(Phase, Duration)>) {
        let me = self.clone();
        let mut plan = self.new_plan();
        tokio::spawn(async move {
            for (phase, hold) in steps {
                me.set(phase);
                tokio::select! {
                    _ = tokio::time::sleep(hold) => {}
                    _ = plan.changed() => return,
                }
            }
            me.come_back();
        });
    }

    /// The process is killed and restarted: connections are cut at once,
    /// refused for `down`, then the new process serves from a fresh watch
    /// cache. Returns at once.
    pub fn restart(&self, down: Duration) {
        self.run_plan(vec![(Phase::Down, down)]);
    }

    /// A SIGTERM'd server going through the phases of `how`, then a new
    /// process. Returns at once.
    pub fn graceful_shutdown(&self, how: GracefulShutdown) {
        self.run_plan(vec![
            (Phase::NotReady, how.not_ready),
            (
                Phase::Rejecting {
                    status: how.reject_status,
                },
                how.rejecting,
            ),
            (Phase::Down, how.down),
        ]);
    }

    /// Ends any restart or shutdown now: serving again (from a fresh watch
    /// cache if the server had gone down or was going).
    pub fn recover(&self) {
        let _ = self.new_plan();
        if self.phase() != Phase::Serving {
            self.come_back();
        }
    }
}

/// The body `/readyz` answers while shutting down, as kube-apiserver words it.
pub const NOT_READY_BODY: &str = "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]etcd-readiness ok\n\
[+]informer-sync ok\n[+]poststarthook/start-apiextensions-informers ok\n\
[+]poststarthook/crd-informer-synced ok\n[-]shutdown failed: reason withheld\nreadyz check failed\n";

/// The body of the Retry-After answer.
pub const SHUTTING_DOWN: &str = "The apiserver is shutting down, please try again later.\n";

/// Paths the Retry-After filter never rejects.
pub fn exempt(path: &str) -> bool {
    ["/readyz", "/livez", "/healthz", "/metrics"]
        .iter()
        .any(|p| path.starts_with(p))
}
