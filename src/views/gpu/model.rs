//! The cluster's GPUs as the `:gpu` screen shows them, derived once per
//! change of the watched nodes, pods and quotas or per scrape (never per
//! frame): per node what Feature Discovery says of the GPUs, allocatable,
//! requested and free; totals per GPU model; every pod holding GPUs with
//! its Kubeflow owner and measured use; the idle ones; per namespace the
//! GPUs in use against the quota; pods waiting for GPUs and why.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;
use serde_json::Value;

use super::metrics::Metrics;
use super::owner::{self, Owner};
use super::pods;
use crate::app::store::ObjectSet;
use crate::kube::quantity;

/// One GPU node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRow {
    pub name: String,
    /// `nvidia.com/gpu.product` (or the vendor's resource name).
    pub product: String,
    pub memory_mib: Option<i64>,
    /// `nvidia.com/gpu.count` as GFD saw it.
    pub count_label: Option<i64>,
    /// MIG strategy and config, when GFD reports them.
    pub mig: Option<String>,
    pub allocatable: i64,
    pub requested: i64,
    pub free: i64,
    pub cordoned: bool,
    /// `key=value:Effect` of each taint.
    pub taints: Vec<String>,
    /// Mean measured utilisation of its GPUs.
    pub util: Option<f64>,
    pub holders: usize,
}

/// GPUs of one model across nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelTotal {
    pub product: String,
    pub nodes: usize,
    pub allocatable: i64,
    pub requested: i64,
    pub free: i64,
}

/// How long a holder has been idle and how that is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Idle {
    /// Seconds idle (at least, for Prometheus: the window).
    pub secs: i64,
    /// True when idle for the whole window; false when kftui has only
    /// observed `secs` so far.
    pub whole_window: bool,
    /// From Prometheus' history rather than kftui's own scrapes.
    pub prometheus: bool,
}

impl Idle {
    /// GPU-hours held idle.
    pub fn wasted(&self, gpus: i64) -> f64 {
        gpus as f64 * self.secs as f64 / 3600.0
    }
}

/// A pod holding GPUs.
#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    /// What the pod says, shared between the model and the tables (a
    /// scrape copies only the measured part).
    pub pod_info: Arc<HolderPod>,
    pub util: Option<f64>,
    pub fb_used_mib: Option<f64>,
    pub idle: Option<Idle>,
}

/// The part of a holder its pod says.
#[derive(Debug, Clone, PartialEq)]
pub struct HolderPod {
    pub uid: String,
    pub namespace: String,
    pub pod: String,
    pub node: String,
    pub gpus: i64,
    pub owner: Owner,
    pub since: Option<Timestamp>,
}

impl std::ops::Deref for Holder {
    type Target = HolderPod;

    fn deref(&self) -> &HolderPod {
        &self.pod_info
    }
}

/// A namespace's GPUs.
#[derive(Debug, Clone, PartialEq)]
pub struct NsRow {
    pub namespace: String,
    /// Requested by its scheduled, non-terminal pods.
    pub in_use: i64,
    /// What the quota controller counts (every non-terminal pod).
    pub quota_used: Option<i64>,
    pub quota_hard: Option<i64>,
    pub quota_name: Option<String>,
    pub pending: usize,
    pub pending_gpus: i64,
}

/// A pod waiting for GPUs.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub uid: String,
    pub namespace: String,
    pub pod: String,
    pub gpus: i64,
    pub owner: Owner,
    pub since: Option<Timestamp>,
    pub reason: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Totals {
    pub nodes: usize,
    pub allocatable: i64,
    pub requested: i64,
    pub free: i64,
    pub holders: usize,
    pub pending_pods: usize,
    pub idle_holders: usize,
    pub idle_gpus: i64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cluster {
    pub nodes: Vec<NodeRow>,
    pub models: Vec<ModelTotal>,
    pub holders: Vec<Holder>,
    pub idle: Vec<Holder>,
    pub namespaces: Vec<NsRow>,
    pub pending: Vec<Pending>,
    pub totals: Totals,
}

/// The idle rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdleRule {
    pub threshold: f64,
    pub window_secs: i64,
}

fn node_label<'a>(n: &'a DynamicObject, k: &str) -> Option<&'a str> {
    n.metadata.labels.as_ref()?.get(k).map(String::as_str)
}

fn int_at(v: Option<&Value>) -> i64 {
    match v {
        Some(Value::String(s)) => quantity::parse(s).map(|q| q.round() as i64).unwrap_or(0),
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        _ => 0,
    }
}

fn node_gpus(n: &DynamicObject) -> (i64, &'static str) {
    for r in pods::GPU_RESOURCES {
        let k = r.replace('/', "~1");
        let a = int_at(n.data.pointer(&format!("/status/allocatable/{k}")));
        if a > 0 {
            return (a, r);
        }
        let c = int_at(n.data.pointer(&format!("/status/capacity/{k}")));
        if c > 0 {
            return (0, r);
        }
    }
    (0, pods::GPU_RESOURCES[0])
}

fn node_row(n: &DynamicObject, requested: i64, holders: usize, util: Option<f64>) -> NodeRow {
    let (allocatable, resource) = node_gpus(n);
    let mig = {
        let strategy = node_label(n, "nvidia.com/mig.strategy");
        let config = node_label(n, "nvidia.com/mig.config");
        let capable = node_label(n, "nvidia.com/mig.capable");
        match (strategy, config) {
            (Some(s), Some(c)) => Some(format!("{s} {c}")),
            (Some(s), None) => Some(s.to_string()),
            (None, Some(c)) => Some(c.to_string()),
            (None, None) if capable == Some("true") => Some("capable".into()),
            _ => None,
        }
    };
    let taints = n
        .data
        .pointer("/spec/taints")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| {
            let s = |k: &str| t.get(k).and_then(Value::as_str).unwrap_or("");
            match s("value") {
                "" => format!("{}:{}", s("key"), s("effect")),
                v => format!("{}={v}:{}", s("key"), s("effect")),
            }
        })
        .collect();
    NodeRow {
        name: n.metadata.name.clone().unwrap_or_default(),
        product: node_label(n, "nvidia.com/gpu.product")
            .map(str::to_string)
            .unwrap_or_else(|| resource.to_string()),
        memory_mib: node_label(n, "nvidia.com/gpu.memory").and_then(|m| m.parse().ok()),
        count_label: node_label(n, "nvidia.com/gpu.count").and_then(|m| m.parse().ok()),
        mig,
        allocatable,
        requested,
        free: (allocatable - requested).max(0),
        cordoned: n
            .data
            .pointer("/spec/unschedulable")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        taints,
        util,
        holders,
    }
}

/// The quota's `requests.nvidia.com/gpu` (hard, used).
fn quota_gpus(q: &DynamicObject) -> (Option<i64>, Option<i64>) {
    let key = "requests.nvidia.com~1gpu";
    let hard = q
        .data
        .pointer(&format!("/status/hard/{key}"))
        .or_else(|| q.data.pointer(&format!("/spec/hard/{key}")))
        .map(|v| int_at(Some(v)));
    let used = q
        .data
        .pointer(&format!("/status/used/{key}"))
        .map(|v| int_at(Some(v)));
    (hard, used)
}

fn idle_of(
    h: &Holder,
    key: &(String, String),
    metrics: &Metrics,
    rule: IdleRule,
    now: Timestamp,
) -> Option<Idle> {
    let u = metrics.pods.get(key)?;
    if let Some(max) = u.window_max {
        let old_enough = h
            .since
            .is_some_and(|s| now.as_second() - s.as_second() >= rule.window_secs);
        return (max < rule.threshold && old_enough).then_some(Idle {
            secs: rule.window_secs,
            whole_window: true,
            prometheus: true,
        });
    }
    let since = metrics.tracks.get(key)?.below_since?;
    let secs = (now.as_second() - since.as_second()).max(0);
    Some(Idle {
        secs,
        whole_window: secs >= rule.window_secs,
        prometheus: false,
    })
}

/// Builds the model. `nodes`, `pods`, `quotas` are the watched sets.
pub fn build(
    nodes: Option<&ObjectSet>,
    pods_set: Option<&ObjectSet>,
    quotas: Option<&ObjectSet>,
    metrics: &Metrics,
    rule: IdleRule,
    now: Timestamp,
) -> Cluster {
    join(&base(nodes, pods_set, quotas), metrics, rule, now)
}

/// What the watched objects alone say (no utilisation, no idle holders):
/// rebuilt when they change, not on every scrape.
pub fn base(
    nodes: Option<&ObjectSet>,
    pods_set: Option<&ObjectSet>,
    quotas: Option<&ObjectSet>,
) -> Cluster {
    let mut requested: HashMap<&str, (i64, usize)> = HashMap::new();
    let mut holders = Vec::new();
    let mut pending = Vec::new();
    let mut ns: BTreeMap<String, NsRow> = BTreeMap::new();
    let ns_row = |ns: &mut BTreeMap<String, NsRow>, name: &str| {
        if !ns.contains_key(name) {
            ns.insert(
                name.to_string(),
                NsRow {
                    namespace: name.to_string(),
                    in_use: 0,
                    quota_used: None,
                    quota_hard: None,
                    quota_name: None,
                    pending: 0,
                    pending_gpus: 0,
                },
            );
        }
    };
    let all: Vec<&Arc<crate::kube::pod::Pod>> =
        pods_set.map(|s| s.pods().collect()).unwrap_or_default();
    for p in all {
        if pods::is_terminal(p) {
            continue;
        }
        let (gpus, _) = pods::gpus(p);
        if gpus == 0 {
            continue;
        }
        let namespace = pods::namespace(p);
        ns_row(&mut ns, namespace);
        match pods::node_name(p) {
            Some(node) => {
                let e = requested.entry(node).or_default();
                e.0 += gpus;
                e.1 += 1;
                if let Some(r) = ns.get_mut(namespace) {
                    r.in_use += gpus;
                }
                holders.push(Holder {
                    pod_info: Arc::new(HolderPod {
                        uid: pods::uid(p).to_string(),
                        namespace: namespace.to_string(),
                        pod: pods::name(p).to_string(),
                        node: node.to_string(),
                        gpus,
                        owner: owner::of(p),
                        since: pods::start_time(p),
                    }),
                    util: None,
                    fb_used_mib: None,
                    idle: None,
                });
            }
            None => {
                let (reason, message) = pods::unscheduled(p).unwrap_or_default();
                if let Some(r) = ns.get_mut(namespace) {
                    r.pending += 1;
                    r.pending_gpus += gpus;
                }
                pending.push(Pending {
                    uid: pods::uid(p).to_string(),
                    namespace: namespace.to_string(),
                    pod: pods::name(p).to_string(),
                    gpus,
                    owner: owner::of(p),
                    since: p.created(),
                    reason,
                    message,
                });
            }
        }
    }
    for q in quotas.into_iter().flat_map(|s| s.iter()) {
        let (hard, used) = quota_gpus(q);
        if hard.is_none() {
            continue;
        }
        let name = q.metadata.namespace.as_deref().unwrap_or("");
        ns_row(&mut ns, name);
        if let Some(r) = ns.get_mut(name) {
            r.quota_hard = Some(
                r.quota_hard
                    .map_or(hard.unwrap_or(0), |h| h.min(hard.unwrap_or(0))),
            );
            r.quota_used = used.or(r.quota_used);
            r.quota_name = q.metadata.name.clone();
        }
    }
    let mut node_rows: Vec<NodeRow> = nodes
        .into_iter()
        .flat_map(|s| s.iter())
        .filter_map(|n| {
            let name = n.metadata.name.as_deref().unwrap_or("");
            let (req, count) = requested.get(name).copied().unwrap_or_default();
            let row = node_row(n, req, count, None);
            (row.allocatable > 0 || row.count_label.unwrap_or(0) > 0 || req > 0).then_some(row)
        })
        .collect();
    node_rows.sort_by(|a, b| a.name.cmp(&b.name));
    let mut models: BTreeMap<String, ModelTotal> = BTreeMap::new();
    let mut totals = Totals::default();
    for n in &node_rows {
        let m = models.entry(n.product.clone()).or_insert(ModelTotal {
            product: n.product.clone(),
            nodes: 0,
            allocatable: 0,
            requested: 0,
            free: 0,
        });
        m.nodes += 1;
        m.allocatable += n.allocatable;
        m.requested += n.requested;
        m.free += n.free;
        totals.nodes += 1;
        totals.allocatable += n.allocatable;
        totals.requested += n.requested;
        totals.free += n.free;
    }
    holders.sort_by(|a, b| (&a.namespace, &a.pod).cmp(&(&b.namespace, &b.pod)));
    pending.sort_by(|a, b| (&a.namespace, &a.pod).cmp(&(&b.namespace, &b.pod)));
    totals.holders = holders.len();
    totals.pending_pods = pending.len();
    Cluster {
        nodes: node_rows,
        models: models.into_values().collect(),
        holders,
        idle: Vec::new(),
        namespaces: ns.into_values().collect(),
        pending,
        totals,
    }
}

/// The base model with the latest scrape joined in: utilisation per node
/// and holder, and the idle holders, most GPU-hours wasted first.
pub fn join(base: &Cluster, metrics: &Metrics, rule: IdleRule, now: Timestamp) -> Cluster {
    let mut c = base.clone();
    for n in &mut c.nodes {
        n.util = metrics.nodes.get(&n.name).copied();
    }
    let mut key = (String::new(), String::new());
    for h in &mut c.holders {
        key.0.clone_from(&h.pod_info.namespace);
        key.1.clone_from(&h.pod_info.pod);
        if let Some(u) = metrics.pods.get(&key) {
            h.util = Some(u.util);
            h.fb_used_mib = Some(u.fb_used_mib);
        }
        h.idle = idle_of(h, &key, metrics, rule, now);
    }
    let mut idle: Vec<Holder> = c
        .holders
        .iter()
        .filter(|h| h.idle.is_some())
        .cloned()
        .collect();
    let wasted = |h: &Holder| h.idle.as_ref().map_or(0.0, |i| i.wasted(h.gpus));
    idle.sort_by(|a, b| {
        wasted(b)
            .total_cmp(&wasted(a))
            .then_with(|| (&a.namespace, &a.pod).cmp(&(&b.namespace, &b.pod)))
    });
    let whole = |h: &&Holder| h.idle.as_ref().is_some_and(|i| i.whole_window);
    c.totals.idle_holders = idle.iter().filter(whole).count();
    c.totals.idle_gpus = idle.iter().filter(whole).map(|h| h.gpus).sum();
    c.idle = idle;
    c
}
