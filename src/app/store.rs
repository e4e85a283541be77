//! Objects held from watches, one set per `WatchKey`. Only `update` writes
//! here; views read. Each set carries a version that bumps on every change so
//! views can cache derived rows cheaply.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;

use crate::kube::pod::{Pod, Str};
use crate::kube::types::{SyncStatus, WatchKey, WatchUpdate};

/// Objects of a re-listing, swapped in when it completes.
#[derive(Debug, Clone, Default)]
struct Pending {
    objects: HashMap<String, Arc<DynamicObject>>,
    pods: HashMap<Str, Arc<Pod>>,
}

/// A listing in progress.
#[derive(Debug, Clone, Default)]
pub struct Loading {
    /// Objects of a re-listing, swapped in when it completes (the rows shown
    /// meanwhile are the previous listing's). `None` for a first listing,
    /// whose pages go straight into the set so rows show as they arrive.
    pending: Option<Pending>,
    /// Objects received so far.
    pub received: usize,
    /// How many the server said there are, when it said.
    pub expected: Option<usize>,
}

/// The objects of one watch and how current they are.
#[derive(Debug, Clone)]
pub struct ObjectSet {
    /// By uid (or `namespace/name` when the server sent no uid). Empty for
    /// pods, which are in `pods`.
    pub objects: HashMap<String, Arc<DynamicObject>>,
    /// The pods of a pod watch ([`is_pods`]), by the same key.
    pub pods: HashMap<Str, Arc<Pod>>,
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
            pods: HashMap::new(),
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

    /// The objects of a set of any kind but pods (a pod set's are in
    /// [`ObjectSet::pods`]; debug builds stop a reader that asks here).
    pub fn iter(&self) -> impl Iterator<Item = &Arc<DynamicObject>> {
        debug_assert!(
            self.pods.is_empty(),
            "a pod set holds Pods: read it with pods()"
        );
        self.objects.values()
    }

    /// The pods of a pod set.
    pub fn pods(&self) -> impl Iterator<Item = &Arc<Pod>> {
        self.pods.values()
    }

    /// How many objects (or pods) the set holds.
    pub fn len(&self) -> usize {
        self.objects.len() + self.pods.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn pod_by_name(&self, namespace: Option<&str>, name: &str) -> Option<&Arc<Pod>> {
        self.pods.values().find(|p| {
            p.name() == name && (namespace.is_none() || p.namespace.as_deref() == namespace)
        })
    }

    /// The pods as `DynamicObject`s with what the projection holds: for the
    /// few pods of a detail screen, never a whole cluster's.
    pub fn pods_dynamic(&self) -> Vec<Arc<DynamicObject>> {
        self.pods().map(|p| Arc::new(p.to_dynamic())).collect()
    }

    pub fn by_name(&self, namespace: Option<&str>, name: &str) -> Option<&Arc<DynamicObject>> {
        debug_assert!(self.pods.is_empty(), "a pod set: use pod_by_name()");
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

fn pod_entry(p: Pod) -> (Str, Arc<Pod>) {
    (p.key(), Arc::new(p))
}

/// True when the store keeps `key`'s objects as [`Pod`]s.
pub fn is_pods(key: &WatchKey) -> bool {
    std::ptr::eq(key.kind, &crate::kube::kinds::POD) || key.kind.id == crate::kube::kinds::POD.id
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
        // Pods come as `Pod`s from the watcher; tests and fixtures may hand
        // them over as `DynamicObject`s.
        let update = if is_pods(&key) {
            match update {
                WatchUpdate::Reset(objects) => {
                    let set = self.sets.entry(key).or_default();
                    set.version += 1;
                    set.pods = objects
                        .iter()
                        .map(|o| pod_entry(Pod::from_dynamic(o)))
                        .collect();
                    set.objects.clear();
                    set.listed = true;
                    set.loading = None;
                    set.live(now);
                    return;
                }
                WatchUpdate::Page(objects) => {
                    WatchUpdate::PodPage(objects.iter().map(Pod::from_dynamic).collect())
                }
                WatchUpdate::Applied(o) => WatchUpdate::PodApplied(Pod::from_dynamic(&o)),
                WatchUpdate::Deleted(o) => WatchUpdate::PodDeleted(Pod::from_dynamic(&o)),
                other => other,
            }
        } else {
            update
        };
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
                    pending: set.listed.then(Pending::default),
                    received: 0,
                    expected,
                });
                if !set.listed {
                    set.objects.clear();
                    set.pods.clear();
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
                    Some(p) => &mut p.objects,
                    None => &mut set.objects,
                };
                into.extend(objects.into_iter().map(|o| (object_key(&o), Arc::new(o))));
            }
            WatchUpdate::PodPage(pods) => {
                let loading = set.loading.get_or_insert_with(Loading::default);
                loading.received += pods.len();
                let into = match loading.pending.as_mut() {
                    Some(p) => &mut p.pods,
                    None => &mut set.pods,
                };
                into.extend(pods.into_iter().map(pod_entry));
            }
            WatchUpdate::Listed => {
                if let Some(Loading {
                    pending: Some(p), ..
                }) = set.loading.take()
                {
                    set.objects = p.objects;
                    set.pods = p.pods;
                }
                set.objects.shrink_to_fit();
                set.pods.shrink_to_fit();
                set.listed = true;
                set.live(now);
            }
            WatchUpdate::Applied(o) => {
                let (k, o) = entry(kind, o);
                set.objects.insert(k, o);
            }
            WatchUpdate::PodApplied(p) => {
                let (k, p) = pod_entry(p);
                set.pods.insert(k, p);
            }
            WatchUpdate::Deleted(o) => {
                set.objects.remove(&object_key(&o));
            }
            WatchUpdate::PodDeleted(p) => {
                set.pods.remove(&p.key());
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
        assert_eq!(set.len(), 2);
        assert!(set.objects.is_empty(), "pods are kept as pods");
        let a = set.pod_by_name(Some("ns"), "pa").expect("pa");
        assert_eq!(a.annotations.len(), 1);
        assert_eq!(a.annotation("keep"), Some("1"));

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
        assert_eq!(set.pods.len(), 2);
        assert!(set.pod_by_name(None, "pa").is_none());
        assert!(set.pod_by_name(None, "pc").is_some());
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
