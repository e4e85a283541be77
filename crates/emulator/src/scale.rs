//! Generated load for benchmarks.

use crate::store::Store;

/// Adds generated objects.
pub fn generate(_store: &Store, _scale: u32, _seed: u64) {}
