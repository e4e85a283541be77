//! The object store: one table per kind ordered by `namespace/name` like
//! etcd keys, one global monotonically increasing resourceVersion, and a
//! bounded change history from which watches resume.
//!
//! Every write — from the HTTP API and from the simulated controllers —
//! goes through [`Store::write`], so everything produces the same watch
//! events.

pub mod history;
pub mod object;

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use parking_lot::RwLock;
use serde_json::Value;
use tokio::sync::watch;

pub use history::{Change, ChangeKind, History, TooOld};
pub use object::{ObjectIndex, StoredObject, object_key};

use crate::resources::{self, ResourceType};

/// Objects of one kind, ordered by key.
pub type Table = BTreeMap<Box<str>, StoredObject>;

struct StoreState {
    rv: u64,
    tables: Vec<Table>,
    history: History,
    rng: fastrand::Rng,
}

/// The shared object store.
pub struct Store {
    state: RwLock<StoreState>,
    latest: watch::Sender<u64>,
}

/// Read access to the tables, held under the store's read lock.
pub struct View<'a> {
    state: &'a StoreState,
}

impl View<'_> {
    pub fn resource_version(&self) -> u64 {
        self.state.rv
    }

    /// The table of `rt`.
    pub fn table(&self, rt: &ResourceType) -> &Table {
        &self.state.tables[rt.id]
    }

    pub fn get(
        &self,
        rt: &ResourceType,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<&StoredObject> {
        self.table(rt).get(object_key(namespace, name).as_str())
    }

    /// Objects of `rt` in key order, optionally within one namespace and
    /// strictly after key `after`.
    pub fn range<'b>(
        &'b self,
        rt: &ResourceType,
        namespace: Option<&str>,
        after: Option<&str>,
    ) -> impl Iterator<Item = (&'b Box<str>, &'b StoredObject)> + 'b {
        let prefix = namespace.map(|ns| format!("{ns}/"));
        let lower: Bound<&str> = match (after, prefix.as_deref()) {
            (Some(a), _) => Bound::Excluded(a),
            (None, Some(p)) => Bound::Included(p),
            (None, None) => Bound::Unbounded,
        };
        let lower_owned: Bound<Box<str>> = match lower {
            Bound::Excluded(a) => Bound::Excluded(a.into()),
            Bound::Included(a) => Bound::Included(a.into()),
            Bound::Unbounded => Bound::Unbounded,
        };
        self.table(rt)
            .range((lower_owned, Bound::Unbounded))
            .take_while(move |(k, _)| prefix.as_deref().is_none_or(|p| k.starts_with(p)))
    }

    /// Parsed copies of every object of `rt` (optionally in one namespace).
    pub fn values(&self, rt: &ResourceType, namespace: Option<&str>) -> Vec<Value> {
        self.range(rt, namespace, None)
            .map(|(_, o)| o.value())
            .collect()
    }
}

/// A write transaction, held under the store's write lock. Each
/// [`Txn::put`] or [`Txn::remove`] takes the next resourceVersion and is
/// recorded as a watch event.
pub struct Txn<'a> {
    state: &'a mut StoreState,
    record: bool,
}

impl Txn<'_> {
    pub fn view(&self) -> View<'_> {
        View { state: self.state }
    }

    pub fn get(
        &self,
        rt: &ResourceType,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<StoredObject> {
        self.state.tables[rt.id]
            .get(object_key(namespace, name).as_str())
            .cloned()
    }

    /// The resourceVersion the next write will get.
    pub fn next_resource_version(&self) -> u64 {
        self.state.rv + 1
    }

    /// A random number source for uids and generated names.
    pub fn rng(&mut self) -> &mut fastrand::Rng {
        &mut self.state.rng
    }

    /// Stores `value` (its `metadata.resourceVersion` is set here) and records
    /// an ADDED or MODIFIED event.
    pub fn put(&mut self, rt: &ResourceType, mut value: Value) -> StoredObject {
        self.state.rv += 1;
        let rv = self.state.rv;
        if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
        }
        let obj = StoredObject::encode(rt, &value);
        let key: Box<str> = obj.meta.key().into();
        let previous = self.state.tables[rt.id].insert(key, obj.clone());
        if self.record {
            let kind = if previous.is_some() {
                ChangeKind::Modified
            } else {
                ChangeKind::Added
            };
            self.state.history.push(Change {
                rv,
                kind_id: rt.id,
                kind,
                object: obj.clone(),
                previous,
            });
        }
        obj
    }

    /// Removes an object and records a DELETED event carrying its last state
    /// stamped with the deletion's resourceVersion.
    pub fn remove(
        &mut self,
        rt: &ResourceType,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<StoredObject> {
        let key = object_key(namespace, name);
        let old = self.state.tables[rt.id].remove(key.as_str())?;
        self.state.rv += 1;
        let rv = self.state.rv;
        let mut value = old.value();
        if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
        }
        let tomb = StoredObject::encode(rt, &value);
        if self.record {
            self.state.history.push(Change {
                rv,
                kind_id: rt.id,
                kind: ChangeKind::Deleted,
                object: tomb.clone(),
                previous: Some(old),
            });
        }
        Some(tomb)
    }
}

impl Store {
    /// An empty store keeping at most `history_limit` changes for watches.
    pub fn new(history_limit: usize, seed: u64) -> Self {
        let (latest, _) = watch::channel(1);
        Self {
            state: RwLock::new(StoreState {
                rv: 1,
                tables: resources::ALL.iter().map(|_| Table::new()).collect(),
                history: History::new(history_limit, 1),
                rng: fastrand::Rng::with_seed(seed ^ 0x5eed_0f57_00be),
            }),
            latest,
        }
    }

    /// Runs `f` under the read lock.
    pub fn read<R>(&self, f: impl FnOnce(&View<'_>) -> R) -> R {
        let state = self.state.read();
        f(&View { state: &state })
    }

    /// Runs `f` under the write lock; the changes it makes are published to
    /// watchers when it returns `Ok` (and also when it returns `Err` after
    /// having written, which the operations here never do).
    pub fn write<R, E>(&self, f: impl FnOnce(&mut Txn<'_>) -> Result<R, E>) -> Result<R, E> {
        let mut state = self.state.write();
        let before = state.rv;
        let out = f(&mut Txn {
            state: &mut state,
            record: true,
        });
        let after = state.rv;
        drop(state);
        if after != before {
            self.latest.send_replace(after);
        }
        out
    }

    /// Loads objects without recording history (startup fixtures and
    /// generated load); watches can only resume from after the load.
    pub fn bulk_load(&self, objects: impl IntoIterator<Item = (&'static ResourceType, Value)>) {
        let mut state = self.state.write();
        {
            let mut txn = Txn {
                state: &mut state,
                record: false,
            };
            for (rt, v) in objects {
                txn.put(rt, v);
            }
        }
        let rv = state.rv;
        state.history.reset(rv);
        drop(state);
        self.latest.send_replace(rv);
    }

    /// Loads already-encoded objects (the scale generator's fast path). The
    /// encoded JSON must carry `resourceVersion` equal to the value returned
    /// by `next_rv` when it was built.
    pub fn bulk_load_encoded(
        &self,
        build: impl FnOnce(&mut dyn FnMut() -> u64, &mut dyn FnMut(&'static ResourceType, StoredObject)),
    ) {
        let mut state = self.state.write();
        let mut rv = state.rv;
        let mut pending: Vec<(&'static ResourceType, StoredObject)> = Vec::new();
        build(
            &mut || {
                rv += 1;
                rv
            },
            &mut |rt, obj| pending.push((rt, obj)),
        );
        for (rt, obj) in pending {
            let key: Box<str> = obj.meta.key().into();
            state.tables[rt.id].insert(key, obj);
        }
        state.rv = rv;
        state.history.reset(rv);
        drop(state);
        self.latest.send_replace(rv);
    }

    pub fn resource_version(&self) -> u64 {
        self.state.read().rv
    }

    /// Changes with resourceVersion greater than `after`, at most `max` of
    /// them, and the store's resourceVersion at the time of reading.
    pub fn changes_since(&self, after: u64, max: usize) -> Result<(Vec<Arc<Change>>, u64), TooOld> {
        let state = self.state.read();
        let changes = state.history.since(after, max)?;
        let progress = match changes.last() {
            Some(c) if changes.len() == max => c.rv,
            _ => state.rv,
        };
        Ok((changes, progress))
    }

    /// The oldest resourceVersion a watch may resume from.
    pub fn history_floor(&self) -> u64 {
        self.state.read().history.floor()
    }

    /// Subscribes to "the resourceVersion moved" notifications.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.latest.subscribe()
    }

    /// Simulates an apiserver restart with etcd compaction: the history is
    /// dropped and the resourceVersion moves on, so every resuming watch and
    /// every outstanding continue token gets 410 Gone.
    pub fn compact(&self) {
        self.forget_history(1);
    }

    /// What a restarted apiserver's fresh watch cache looks like: nothing
    /// before now can be resumed from, and the resourceVersion has moved on
    /// (etcd kept taking writes from other clients while it was down).
    pub fn restart_watch_cache(&self) {
        self.forget_history(20);
    }

    fn forget_history(&self, advance: u64) {
        let mut state = self.state.write();
        state.rv += advance;
        let rv = state.rv;
        state.history.reset(rv);
        drop(state);
        self.latest.send_replace(rv);
    }
}
