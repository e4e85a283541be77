//! Objects held from watches, one set per `WatchKey`. Only `update` writes
//! here; views read. Each set carries a version that bumps on every change so
//! views can cache derived rows cheaply.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;

use crate::kube::types::{SyncStatus, WatchKey, WatchUpdate};

/// A listing in progress.
#[derive(Debug, Clone, Default)]
pub struct Loading {
    /// Objects of a re-listing, swapped in when it completes (the rows shown
    /// meanwhile are the previous listing's). `None` for a first listing,
    /// whose pages go straight into the set so rows show as they arrive.
    pending: Option<HashMap<String, Arc<DynamicObject>>>,
    /// Objects received so far.
    pub received: usize,
    /// How many the server said there are, when it said.
    pub expected: Option<usize>,
}

/// The objects of one watch and how current they are.
#[derive(Debug, Clone)]
pub struct ObjectSet {
    /// By uid (or `namespace/name` when the server sent no uid).
    pub objects: HashMap<String, Arc<DynamicObject>>,
    pub status: SyncStatus,
    /// When the set last stopped being live, for the "stale" marker.
    pub stale_since: Option<Timestamp>,
    /// When the watch last (re)started delivering, for telling watches that
    /// lived through a server outage without noticing.
    pub live_since: Option<Timestamp>,
    /// Bumps on every change to `objects` or `status`.
    pub version: u64,
    /// True once a complete listing arrived.
    pub listed: bool,
    /// A listing in progress.
    pub loading: Option<Loading>,
}

impl Default for ObjectSet {
    fn default() -> Self {
        ObjectSet {
            objects: HashMap::new(),
            status: SyncStatus::Connecting,
            stale_since: None,
            live_since: None,
            version: 0,
            listed: false,
            loading: None,
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

    /// "1,500/5,019" while a first listing is coming in.
    pub fn progress(&self) -> Option<String> {
        let l = self.loading.as_ref().filter(|l| l.pending.is_none())?;
        Some(match l.expected {
            Some(n) => format!("{}/{}", thousands(l.received), thousands(n.max(l.received))),
            None => thousands(l.received),
        })
    }

    fn live(&mut self, now: Timestamp) {
        self.status = SyncStatus::Live;
        self.stale_since = None;
        self.live_since = Some(now);
    }
}

/// 5019 as "5,019".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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

fn entry(
    kind: &'static crate::kube::kinds::Kind,
    o: DynamicObject,
) -> (String, Arc<DynamicObject>) {
    let o = crate::kube::slim::project(kind, o);
    (object_key(&o), Arc::new(o))
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
        let kind = key.kind;
        let set = self.sets.entry(key).or_default();
        set.version += 1;
        match update {
            WatchUpdate::Reset(objects) => {
                set.objects = objects.into_iter().map(|o| entry(kind, o)).collect();
                set.listed = true;
                set.loading = None;
                set.live(now);
            }
            WatchUpdate::Init => {
                let expected = set.loading.as_ref().and_then(|l| l.expected);
                set.loading = Some(Loading {
                    pending: set.listed.then(HashMap::new),
                    received: 0,
                    expected,
                });
                if !set.listed {
                    set.objects.clear();
                }
            }
            WatchUpdate::Expected(n) => {
                if let Some(l) = set.loading.as_mut() {
                    l.expected = Some(n);
                }
            }
            WatchUpdate::Page(objects) => {
                // Objects arrive slimmed by the watch.
                let loading = set.loading.get_or_insert_with(Loading::default);
                loading.received += objects.len();
                let into = match loading.pending.as_mut() {
                    Some(p) => p,
                    None => &mut set.objects,
                };
                into.extend(objects.into_iter().map(|o| (object_key(&o), Arc::new(o))));
            }
            WatchUpdate::Listed => {
                if let Some(Loading {
                    pending: Some(p), ..
                }) = set.loading.take()
                {
                    set.objects = p;
                }
                set.objects.shrink_to_fit();
                set.listed = true;
                set.live(now);
            }
            WatchUpdate::Applied(o) => {
                let (k, o) = entry(kind, o);
                set.objects.insert(k, o);
            }
            WatchUpdate::Deleted(o) => {
                set.objects.remove(&object_key(&o));
            }
            WatchUpdate::Status(status) => match status {
                SyncStatus::Live => set.live(now),
                SyncStatus::Retrying { .. } => {
                    set.stale_since.get_or_insert(now);
                    set.status = status;
                }
                SyncStatus::Connecting | SyncStatus::Resyncing => set.status = status,
            },
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
            kind: crate::kube::errors::FailureKind::Unreachable,
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
