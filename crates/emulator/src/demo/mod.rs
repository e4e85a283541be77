//! The demo Kubeflow cluster (documented in `DEMO.md`): three profiles with
//! contributors and a GPU quota, GPU and CPU nodes, notebooks, KFP runs as
//! Argo workflows, Katib experiments, training jobs, an InferenceService and
//! the system pods around them. Deterministic for a seed; timestamps are
//! relative to the start time.

mod cluster;
pub mod katib;
mod notebooks;
mod pipelines;
mod serving;
mod training;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::clock::{self, rfc3339};
use crate::ids;
use crate::kubeflow::events::{self, EventSpec};
use crate::kubeflow::set_meta;
use crate::ops::defaults;
use crate::podstatus::{self, Phase, Placement, PreviousRun};
use crate::resources::{self, ResourceType};
use crate::store::Store;

/// A node's name and address, for placing pods.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    pub name: String,
    pub ip: String,
    pub pod_cidr: u8,
}

/// Collects demo objects.
pub struct Demo {
    pub rng: fastrand::Rng,
    pub objects: Vec<(&'static ResourceType, Value)>,
    pub seed: u64,
    pub nodes: Vec<NodeInfo>,
    next_ip: u32,
    next_event: u64,
}

/// Timestamp `secs` seconds before the demo started.
pub fn ago(secs: i64) -> Timestamp {
    clock::ago(secs)
}

impl Demo {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(seed),
            objects: Vec::new(),
            seed,
            nodes: Vec::new(),
            next_ip: 10,
            next_event: seed.wrapping_mul(0x9e37_79b9),
        }
    }

    /// Stamps server-set metadata on `v` (created `age` seconds ago), stores
    /// it and returns the stamped object.
    pub fn add(&mut self, rt: &'static ResourceType, mut v: Value, age: i64) -> Value {
        let uid = ids::uid(&mut self.rng);
        set_meta(&mut v, "uid", json!(uid));
        set_meta(&mut v, "creationTimestamp", json!(rfc3339(ago(age))));
        if rt.custom {
            set_meta(&mut v, "generation", json!(1));
        }
        if let Some(m) = v.as_object_mut() {
            m.insert("apiVersion".into(), json!(rt.api_version()));
            m.insert("kind".into(), json!(rt.kind));
        }
        self.objects.push((rt, v.clone()));
        v
    }

    /// Replaces `status` of the object stored at `index`.
    pub fn set_status(&mut self, index: usize, status: Value) {
        if let Some((_, v)) = self.objects.get_mut(index)
            && let Some(m) = v.as_object_mut()
        {
            m.insert("status".into(), status);
        }
    }

    /// Adds `v` like [`Demo::add`] and returns its index and the stamped object.
    pub fn add_indexed(&mut self, rt: &'static ResourceType, v: Value, age: i64) -> (usize, Value) {
        let index = self.objects.len();
        let stored = self.add(rt, v, age);
        (index, stored)
    }

    /// A fresh pod IP on `node`.
    pub fn pod_ip(&mut self, node: &str) -> String {
        self.next_ip += 1;
        let cidr = self
            .nodes
            .iter()
            .find(|n| n.name == node)
            .map_or(0, |n| n.pod_cidr);
        format!("10.244.{cidr}.{}", self.next_ip % 250 + 2)
    }

    /// Where a pod scheduled `age` seconds ago on `node` runs.
    pub fn placement(&mut self, node: &str, age: i64) -> Placement {
        let host_ip = self
            .nodes
            .iter()
            .find(|n| n.name == node)
            .map_or_else(|| "10.0.0.1".to_string(), |n| n.ip.clone());
        Placement {
            node: node.to_string(),
            host_ip,
            pod_ip: self.pod_ip(node),
            scheduled: ago(age),
        }
    }

    /// Records an event about `involved`.
    #[allow(clippy::too_many_arguments)]
    pub fn event(
        &mut self,
        involved: &Value,
        reason: &str,
        message: &str,
        kind: &str,
        component: &str,
        host: Option<&str>,
        ages: (i64, i64),
        count: u32,
    ) {
        self.next_event = self.next_event.wrapping_add(0x1357_9bdf);
        let spec = EventSpec {
            involved,
            reason,
            message,
            kind,
            component,
            host,
            field_path: None,
            first: ago(ages.0),
            last: ago(ages.1),
            count,
        };
        let ev = events::event(&spec, self.next_event);
        self.add(&resources::EVENT, ev, ages.0);
    }

    /// Applies API defaults to a pod, places it and sets its status, records
    /// the kubelet's start-up events, and stores it.
    pub fn running_pod(
        &mut self,
        pod: Value,
        node: &str,
        age: i64,
        previous: &[PreviousRun],
    ) -> Value {
        self.placed_pod(pod, node, age, PodState::Running, previous)
    }

    /// Like [`Demo::running_pod`] for a pod whose containers ran from
    /// `age` to `finished_ago` seconds ago.
    pub fn finished_pod(&mut self, pod: Value, node: &str, age: i64, finished_ago: i64) -> Value {
        self.placed_pod(pod, node, age, PodState::Finished(finished_ago), &[])
    }

    fn placed_pod(
        &mut self,
        mut pod: Value,
        node: &str,
        age: i64,
        state: PodState,
        previous: &[PreviousRun],
    ) -> Value {
        defaults::pod(&mut pod);
        if let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) {
            spec.insert("nodeName".into(), json!(node));
        }
        let placement = self.placement(node, age);
        let started = ago(age - 4);
        let phase = match state {
            PodState::Running => Phase::Running(started),
            PodState::Finished(f) => Phase::Finished(started, ago(f)),
        };
        // Stamp first so the status can use the uid.
        let uid = ids::uid(&mut self.rng);
        set_meta(&mut pod, "uid", json!(uid));
        let status = podstatus::placed(&pod, &placement, phase, previous);
        if let Some(m) = pod.as_object_mut() {
            m.insert("status".into(), status);
        }
        let stored = self.add_with_uid(&resources::POD, pod, age, uid);
        self.startup_events(&stored, node, age);
        stored
    }

    fn add_with_uid(
        &mut self,
        rt: &'static ResourceType,
        mut v: Value,
        age: i64,
        uid: String,
    ) -> Value {
        set_meta(&mut v, "uid", json!(uid));
        set_meta(&mut v, "creationTimestamp", json!(rfc3339(ago(age))));
        if let Some(m) = v.as_object_mut() {
            m.insert("apiVersion".into(), json!(rt.api_version()));
            m.insert("kind".into(), json!(rt.kind));
        }
        self.objects.push((rt, v.clone()));
        v
    }

    /// Scheduled / Pulling / Pulled / Created / Started for each container.
    pub fn startup_events(&mut self, pod: &Value, node: &str, age: i64) {
        let ns = pod
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let name = pod
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        // Events expire after an hour on a real cluster.
        if age > 3600 {
            return;
        }
        self.event(
            pod,
            "Scheduled",
            &format!("Successfully assigned {ns}/{name} to {node}"),
            "Normal",
            "default-scheduler",
            None,
            (age, age),
            1,
        );
        let containers = podstatus::names(pod, "containers");
        for (c, image) in containers {
            let t = age - 3;
            self.event(
                pod,
                "Pulled",
                &format!("Container image \"{image}\" already present on machine"),
                "Normal",
                "kubelet",
                Some(node),
                (t, t),
                1,
            );
            self.event(
                pod,
                "Created",
                &format!("Created container: {c}"),
                "Normal",
                "kubelet",
                Some(node),
                (t, t),
                1,
            );
            self.event(
                pod,
                "Started",
                &format!("Started container {c}"),
                "Normal",
                "kubelet",
                Some(node),
                (t, t),
                1,
            );
        }
    }

    /// A pending pod the scheduler cannot place.
    pub fn unschedulable_pod(&mut self, mut pod: Value, message: &str, age: i64) -> Value {
        defaults::pod(&mut pod);
        let status = podstatus::unschedulable(&pod, message, ago(age));
        if let Some(m) = pod.as_object_mut() {
            m.insert("status".into(), status);
        }
        self.add(&resources::POD, pod, age)
    }
}

enum PodState {
    Running,
    Finished(i64),
}

/// Builds the demo cluster objects in creation order.
pub fn build(seed: u64) -> Vec<(&'static ResourceType, Value)> {
    let mut demo = Demo::new(seed);
    cluster::build(&mut demo);
    notebooks::build(&mut demo);
    pipelines::build(&mut demo);
    katib::build(&mut demo);
    training::build(&mut demo);
    serving::build(&mut demo);
    cluster::monitoring(&mut demo);
    cluster::quota_usage(&mut demo);
    demo.objects
}

/// Loads the demo cluster into `store`.
pub fn load(store: &Store, seed: u64) {
    store.bulk_load(build(seed));
}
