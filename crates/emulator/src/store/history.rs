//! The bounded change log watches resume from, like the apiserver's watch
//! cache over etcd: changes older than the floor are gone and a watch
//! asking for them gets 410 Gone.

use std::collections::VecDeque;
use std::sync::Arc;

use super::object::StoredObject;

/// ADDED, MODIFIED or DELETED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
        }
    }
}

/// One committed write.
#[derive(Debug)]
pub struct Change {
    pub rv: u64,
    pub kind_id: usize,
    pub kind: ChangeKind,
    /// The object after the change (for deletes: its last state stamped with
    /// the deletion's resourceVersion).
    pub object: StoredObject,
    /// The object before the change, if it existed.
    pub previous: Option<StoredObject>,
}

/// A watch asked for history that has been compacted away.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("too old resource version: {requested} ({floor})")]
pub struct TooOld {
    pub requested: u64,
    pub floor: u64,
}

/// The change log.
pub struct History {
    changes: VecDeque<Arc<Change>>,
    limit: usize,
    /// A watch from resourceVersion `r` can be served iff `r >= floor`.
    floor: u64,
}

impl History {
    pub fn new(limit: usize, floor: u64) -> Self {
        Self {
            changes: VecDeque::new(),
            limit: limit.max(1),
            floor,
        }
    }

    pub fn floor(&self) -> u64 {
        self.floor
    }

    pub fn push(&mut self, change: Change) {
        if self.changes.len() >= self.limit
            && let Some(old) = self.changes.pop_front()
        {
            self.floor = old.rv;
        }
        self.changes.push_back(Arc::new(change));
    }

    /// Drops all history; watches may resume only from `rv` on.
    pub fn reset(&mut self, rv: u64) {
        self.changes.clear();
        self.floor = rv;
    }

    /// Up to `max` changes with resourceVersion greater than `after`.
    pub fn since(&self, after: u64, max: usize) -> Result<Vec<Arc<Change>>, TooOld> {
        if after < self.floor {
            return Err(TooOld {
                requested: after,
                floor: self.floor,
            });
        }
        let start = self.changes.partition_point(|c| c.rv <= after);
        Ok(self.changes.range(start..).take(max).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::POD;
    use serde_json::json;

    fn change(rv: u64) -> Change {
        Change {
            rv,
            kind_id: POD.id,
            kind: ChangeKind::Added,
            object: StoredObject::encode(&POD, &json!({"metadata": {"name": "p"}})),
            previous: None,
        }
    }

    #[test]
    fn eviction_raises_floor() {
        let mut h = History::new(2, 1);
        for rv in 2..=4 {
            h.push(change(rv));
        }
        assert_eq!(h.floor(), 2);
        assert!(h.since(1, 10).is_err());
        let got: Vec<u64> = h
            .since(2, 10)
            .map(|v| v.iter().map(|c| c.rv).collect())
            .unwrap_or_default();
        assert_eq!(got, vec![3, 4]);
        assert_eq!(h.since(4, 10).map(|v| v.len()).ok(), Some(0));
        h.reset(9);
        assert!(h.since(4, 10).is_err());
        assert!(h.since(9, 10).is_ok());
    }
}
