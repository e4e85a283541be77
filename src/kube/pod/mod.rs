//! What kftui keeps of a pod: a typed projection ([`Pod`]) of the fields the
//! screens read, parsed straight from the JSON as it arrives, with the
//! strings pods repeat (namespaces, node names, images, label keys and
//! values, owner kinds, condition words, resource names and quantities)
//! interned: 100,000 pods of a few hundred ReplicaSets hold one copy of each.
//!
//! Other kinds stay `DynamicObject`s. A screen that needs a pod as a
//! `DynamicObject` (describe, a detail screen's few pods) asks
//! [`Pod::to_dynamic`]; the YAML screen fetches the whole object.

use std::collections::HashSet;
use std::hash::Hash;
use std::sync::{Arc, LazyLock, Mutex};

use jiff::Timestamp;

mod dynamic;
mod parse;
#[cfg(test)]
mod tests;

pub use parse::PodWire;

/// A shared, immutable string.
pub type Str = Arc<str>;

// ----- interner -----

/// One shared copy of each value: strings, and the lists pods of one
/// template repeat whole (their containers, their conditions).
struct Pool<T: ?Sized> {
    set: HashSet<Arc<T>>,
    /// Size at which the next sweep of values no pod holds any more runs.
    sweep_at: usize,
}

impl<T: ?Sized + Hash + Eq> Pool<T> {
    fn new() -> Mutex<Pool<T>> {
        Mutex::new(Pool {
            set: HashSet::new(),
            sweep_at: 4096,
        })
    }
}

fn share<T: ?Sized + Hash + Eq, Q: ?Sized + Hash + Eq>(
    pool: &Mutex<Pool<T>>,
    value: &Q,
    make: impl FnOnce() -> Arc<T>,
) -> Arc<T>
where
    Arc<T>: std::borrow::Borrow<Q>,
{
    let mut p = pool.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = p.set.get(value) {
        return v.clone();
    }
    if p.set.len() >= p.sweep_at {
        // Forget values only the pool holds (pods deleted since).
        p.set.retain(|v| Arc::strong_count(v) > 1);
        p.sweep_at = (p.set.len() * 2).max(4096);
    }
    let v = make();
    p.set.insert(v.clone());
    v
}

static STRINGS: LazyLock<Mutex<Pool<str>>> = LazyLock::new(Pool::new);
static CONTAINERS: LazyLock<Mutex<Pool<[Container]>>> = LazyLock::new(Pool::new);
static CONDITIONS: LazyLock<Mutex<Pool<[Condition]>>> = LazyLock::new(Pool::new);

/// The one shared copy of `s`.
pub fn intern(s: &str) -> Str {
    share(&STRINGS, s, || Arc::from(s))
}

/// The one shared copy of a list of containers (pods of one template have
/// the same).
pub fn share_containers(list: Vec<Container>) -> Arc<[Container]> {
    share(&CONTAINERS, list.as_slice(), || Arc::from(list.clone()))
}

/// The one shared copy of a list of conditions (without their times, pods
/// in one state have the same).
pub fn share_conditions(list: Vec<Condition>) -> Arc<[Condition]> {
    share(&CONDITIONS, list.as_slice(), || Arc::from(list.clone()))
}

/// How many strings the interner holds and their bytes, for the bench.
pub fn interned() -> (usize, usize) {
    let i = STRINGS.lock().unwrap_or_else(|e| e.into_inner());
    let bytes = i.set.iter().map(|s| s.len() + 16).sum();
    (i.set.len(), bytes)
}

/// How many distinct container and condition lists are shared, for the
/// bench.
pub fn shared_lists() -> (usize, usize) {
    let c = CONTAINERS.lock().map(|p| p.set.len()).unwrap_or(0);
    let k = CONDITIONS.lock().map(|p| p.set.len()).unwrap_or(0);
    (c, k)
}

// ----- the projection -----

/// A container of `spec.containers` / `spec.initContainers`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Container {
    pub name: Str,
    pub image: Option<Str>,
    pub command: Box<[Str]>,
    pub args: Box<[Str]>,
    /// `resources.requests` and `resources.limits`, in the server's order.
    pub requests: Box<[(Str, Str)]>,
    pub limits: Box<[(Str, Str)]>,
    pub ports: Box<[Port]>,
    pub restart_policy: Option<Str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Port {
    pub name: Option<Str>,
    pub container_port: i64,
    pub protocol: Option<Str>,
}

/// A condition of `status.conditions`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Condition {
    pub type_: Str,
    pub status: Str,
    pub reason: Option<Str>,
    pub message: Option<Str>,
}

/// A container's state (`state` or `lastState` of a container status).
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    Waiting {
        reason: Option<Str>,
        message: Option<Str>,
    },
    Running {
        started_at: Option<Timestamp>,
    },
    /// Boxed: the rarer state, and the largest.
    Terminated(Box<Terminated>),
}

/// A terminated container's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Terminated {
    pub exit_code: i64,
    pub signal: Option<i64>,
    pub reason: Option<Str>,
    pub message: Option<Str>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}

/// A container status of `status.containerStatuses` (and the init and
/// ephemeral lists).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContainerStatus {
    pub name: Str,
    pub ready: bool,
    pub started: Option<bool>,
    pub restart_count: i64,
    pub image: Option<Str>,
    pub state: Option<State>,
    /// Boxed: most containers never restarted.
    pub last_state: Option<Box<State>>,
}

/// An owner reference.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Owner {
    pub api_version: Str,
    pub kind: Str,
    pub name: Str,
    pub uid: Str,
    pub controller: Option<bool>,
    pub block_owner_deletion: Option<bool>,
}

/// What kftui keeps of a pod.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pod {
    pub name: Box<str>,
    pub namespace: Option<Str>,
    pub uid: Option<Str>,
    pub generation: Option<i64>,
    pub labels: Box<[(Str, Str)]>,
    /// Without `last-applied-configuration`.
    pub annotations: Box<[(Str, Str)]>,
    pub owners: Box<[Owner]>,
    pub finalizers: Box<[Str]>,
    pub created: Option<Timestamp>,
    pub deleted: Option<Timestamp>,
    // spec
    pub node: Option<Str>,
    /// Shared by the pods of one template ([`share_containers`]).
    pub containers: Arc<[Container]>,
    pub init_containers: Arc<[Container]>,
    pub priority_class: Option<Str>,
    pub restart_policy: Option<Str>,
    pub node_selector: Box<[(Str, Str)]>,
    pub scheduler: Option<Str>,
    // status
    pub phase: Option<Str>,
    pub reason: Option<Str>,
    pub message: Option<Str>,
    pub nominated_node: Option<Str>,
    pub host_ip: Option<Str>,
    pub pod_ip: Option<Str>,
    /// `status.startTime`.
    pub start_time: Option<Timestamp>,
    /// Shared by the pods in one state ([`share_conditions`]).
    pub conditions: Arc<[Condition]>,
    pub container_statuses: Box<[ContainerStatus]>,
    pub init_container_statuses: Box<[ContainerStatus]>,
    pub ephemeral_container_statuses: Box<[ContainerStatus]>,
}

fn find<'a>(pairs: &'a [(Str, Str)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| &**k == key).map(|(_, v)| &**v)
}

/// Accessors the screens read pods through.
impl Pod {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("")
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        find(&self.labels, key)
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        find(&self.annotations, key)
    }

    /// `spec.nodeName`.
    pub fn node(&self) -> Option<&str> {
        self.node.as_deref()
    }

    /// `status.phase`.
    pub fn phase(&self) -> Option<&str> {
        self.phase.as_deref()
    }

    /// `metadata.creationTimestamp`, when a real time.
    pub fn created(&self) -> Option<Timestamp> {
        self.created.filter(|t| crate::views::columns::known(*t))
    }

    /// `status.startTime`, when a real time.
    pub fn started(&self) -> Option<Timestamp> {
        self.start_time.filter(|t| crate::views::columns::known(*t))
    }

    pub fn is_terminating(&self) -> bool {
        self.deleted.is_some()
    }

    /// The condition of `type_`.
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| &*c.type_ == type_)
    }

    /// The key the store keeps the pod under: its uid, else
    /// `namespace/name`.
    pub fn key(&self) -> Str {
        match &self.uid {
            Some(uid) => uid.clone(),
            None => Arc::from(format!("{}/{}", self.namespace(), self.name)),
        }
    }

    /// The key as the store of other kinds spells it.
    pub fn key_string(&self) -> String {
        self.key().to_string()
    }

    /// The count of a resource (`nvidia.com/gpu`) the pod's containers
    /// request, limits counted where no request is given.
    pub fn resource_count(&self, resource: &str) -> i64 {
        self.containers
            .iter()
            .map(|c| {
                find(&c.requests, resource)
                    .or_else(|| find(&c.limits, resource))
                    .and_then(|q| q.parse::<i64>().ok())
                    .unwrap_or(0)
            })
            .sum()
    }

    /// Sum of `restartCount` over the containers.
    pub fn restarts(&self) -> i64 {
        self.container_statuses
            .iter()
            .map(|c| c.restart_count)
            .sum()
    }
}

impl Container {
    pub fn request(&self, resource: &str) -> Option<&str> {
        find(&self.requests, resource)
    }

    pub fn limit(&self, resource: &str) -> Option<&str> {
        find(&self.limits, resource)
    }
}

impl State {
    /// The termination, when the container terminated.
    pub fn terminated(&self) -> Option<&Terminated> {
        match self {
            State::Terminated(t) => Some(t),
            _ => None,
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            State::Waiting { reason, .. } => reason.as_deref(),
            State::Terminated(t) => t.reason.as_deref(),
            State::Running { .. } => None,
        }
    }

    pub fn message(&self) -> Option<&str> {
        match self {
            State::Waiting { message, .. } => message.as_deref(),
            State::Terminated(t) => t.message.as_deref(),
            State::Running { .. } => None,
        }
    }
}
