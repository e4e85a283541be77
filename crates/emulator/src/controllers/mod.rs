//! Simulated controllers.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::SimClock;
use crate::store::Store;

/// Starts every controller.
pub fn spawn(
    _store: Arc<Store>,
    _clock: SimClock,
    _seed: u64,
    _shutdown: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    Vec::new()
}
