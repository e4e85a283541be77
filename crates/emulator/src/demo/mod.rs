//! The demo Kubeflow cluster.

use std::sync::Arc;

use crate::clock::SimClock;
use crate::store::Store;

/// Loads the demo cluster into `store`.
pub fn load(_store: &Arc<Store>, _seed: u64, _clock: &SimClock) {}
