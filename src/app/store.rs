//! Objects held from watches, one set per `WatchKey`. Only `update` writes
//! here; views read. Each set carries a version that bumps on every change so
//! views can cache derived rows cheaply.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;

use crate::kube::types::{SyncStatus, WatchKey, WatchUpdate};

/// The objects of one watch and how current they are.
#[derive(Debug, Clone)]
pub struct ObjectSet {
    /// By uid (or `namespace/name` when the server sent no uid).
    pub objects: HashMap<String, Arc<DynamicObject>>,
    pub status: SyncStatus,
    /// When the set last stopped being live, for the "stale" marker.
    pub stale_since: Option<Timestamp>,
    /// Bumps on every change to `objects` or `status`.
    pub version: u64,
    /// True once a complete listing arrived.
    pub listed: bool,
}

impl Default for ObjectSet {
    fn default() -> Self {
        ObjectSet {
            objects: HashMap::new(),
            status: SyncStatus::Connecting,
            stale_since: None,
            version: 0,
            listed: false,
        }
    }
}

impl ObjectSet {
    pub fn is_live(&self) -> bool {
        self.status == SyncStatus::Live
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<DynamicObject>> {
        self.objects.values()
    }

    pub fn by_name(&self, namespace: Option<&str>, name: &str) -> Option<&Arc<DynamicObject>> {
        self.objects.values().find(|o| {
            o.metadata.name.as_deref() == Some(name)
                && (namespace.is_none() || o.metadata.namespace.as_deref() == namespace)
        })
    }
}

/// The key an object is stored under.
pub fn object_key(obj: &DynamicObject) -> String {
    match &obj.metadata.uid {
        Some(uid) => uid.clone(),
        None => format!(
            "{}/{}",
            obj.metadata.namespace.as_deref().unwrap_or(""),
            obj.metadata.name.as_deref().unwrap_or("")
        ),
    }
}

/// Drops what kftui never shows and that can be large.
pub fn slim(mut obj: DynamicObject) -> DynamicObject {
    obj.metadata.managed_fields = None;
    if let Some(a) = obj.metadata.annotations.as_mut() {
        a.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
    obj
}

/// Every watched set.
#[derive(Debug, Clone, Default)]
pub struct Store {
    pub sets: HashMap<WatchKey, ObjectSet>,
}

impl Store {
    pub fn get(&self, key: &WatchKey) -> Option<&ObjectSet> {
        self.sets.get(key)
    }

    /// Applies one update; `now` stamps the start of staleness.
    pub fn apply(&mut self, key: WatchKey, update: WatchUpdate, now: Timestamp) {
        let set = self.sets.entry(key).or_default();
        set.version += 1;
        match update {
            WatchUpdate::Reset(objects) => {
                set.objects = objects
                    .into_iter()
                    .map(|o| {
                        let o = slim(o);
                        (object_key(&o), Arc::new(o))
                    })
                    .collect();
                set.listed = true;
                set.status = SyncStatus::Live;
                set.stale_since = None;
            }
            WatchUpdate::Applied(o) => {
                let o = slim(o);
                set.objects.insert(object_key(&o), Arc::new(o));
            }
            WatchUpdate::Deleted(o) => {
                set.objects.remove(&object_key(&o));
            }
            WatchUpdate::Status(status) => {
                match &status {
                    SyncStatus::Live => set.stale_since = None,
                    SyncStatus::Retrying { .. } => {
                        set.stale_since.get_or_insert(now);
                    }
                    SyncStatus::Connecting => {}
                }
                set.status = status;
            }
        }
    }

    /// Forgets sets no longer watched.
    pub fn retain(&mut self, keep: impl Fn(&WatchKey) -> bool) {
        self.sets.retain(|k, _| keep(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::kinds;

    fn pod(uid: &str, name: &str) -> DynamicObject {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "ns", "uid": uid,
                "managedFields": [{"manager": "x"}],
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "keep": "1"}},
        }))
        .expect("pod")
    }

    #[test]
    fn updates_track_objects_status_and_staleness() {
        let key = WatchKey::all(&kinds::POD);
        let mut store = Store::default();
        let t0 = Timestamp::UNIX_EPOCH;
        store.apply(
            key.clone(),
            WatchUpdate::Reset(vec![pod("a", "pa"), pod("b", "pb")]),
            t0,
        );
        let set = store.get(&key).expect("set");
        assert!(set.is_live() && set.listed);
        assert_eq!(set.objects.len(), 2);
        let a = set.by_name(Some("ns"), "pa").expect("pa");
        assert!(a.metadata.managed_fields.is_none());
        assert_eq!(a.metadata.annotations.as_ref().map(|m| m.len()), Some(1));

        store.apply(key.clone(), WatchUpdate::Deleted(pod("a", "pa")), t0);
        store.apply(key.clone(), WatchUpdate::Applied(pod("c", "pc")), t0);
        let retry = SyncStatus::Retrying {
            error: "boom".into(),
            attempts: 1,
            forbidden: false,
        };
        store.apply(key.clone(), WatchUpdate::Status(retry.clone()), t0);
        let later = t0 + jiff::SignedDuration::from_secs(5);
        store.apply(key.clone(), WatchUpdate::Status(retry), later);
        let set = store.get(&key).expect("set");
        assert_eq!(set.objects.len(), 2);
        assert!(set.by_name(None, "pa").is_none());
        assert_eq!(
            set.stale_since,
            Some(t0),
            "staleness starts at the first failure"
        );
        assert_eq!(set.version, 5);

        store.apply(key.clone(), WatchUpdate::Status(SyncStatus::Live), later);
        assert_eq!(store.get(&key).and_then(|s| s.stale_since), None);
        store.retain(|_| false);
        assert!(store.get(&key).is_none());
    }
}
