//! The state every request handler shares.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::api::watch::WatchContext;
use crate::clock::SimClock;
use crate::faults::Faults;
use crate::proxy::ServiceRegistry;
use crate::store::Store;

/// Shared server state.
pub struct AppState {
    pub store: Arc<Store>,
    pub faults: Faults,
    pub clock: SimClock,
    pub seed: u64,
    /// The user of requests without credentials, if anonymous access is on.
    pub anonymous: Option<crate::auth::User>,
    /// In-cluster services reachable through the service proxy.
    pub services: ServiceRegistry,
    /// The local HTTP responder standing in for processes listening in pods
    /// (port-forward relays to it).
    pub pod_listener: SocketAddr,
    /// How often open watches that allow bookmarks get one.
    pub bookmark_interval: Duration,
    /// Flips to `true` when the emulator shuts down.
    pub shutdown: watch::Receiver<bool>,
    /// `127.0.0.1:PORT`, for `/api`'s `serverAddressByClientCIDRs`.
    pub server_address: String,
}

impl AppState {
    /// What watch streams need.
    pub fn watch_context(&self) -> WatchContext {
        WatchContext {
            store: self.store.clone(),
            faults: self.faults.clone(),
            bookmark_interval: self.bookmark_interval,
            shutdown: self.shutdown.clone(),
        }
    }
}

/// The handle handlers receive.
pub type SharedState = Arc<AppState>;
