//! A [`Pod`] to and from a `DynamicObject`, for the few pods a detail or
//! describe screen shows and for fixtures.

use std::collections::BTreeMap;

use jiff::Timestamp;
use kube::api::{DynamicObject, ObjectMeta, TypeMeta};
use serde_json::{Map, Value, json};

use super::{Container, ContainerStatus, Owner, Pod, State, Str, Terminated, intern};

impl Pod {
    /// The projection of a pod held as a `DynamicObject` (tests, fixtures).
    pub fn from_dynamic(obj: &DynamicObject) -> Pod {
        serde_json::to_value(obj)
            .ok()
            .and_then(|v| serde_json::from_value::<Pod>(v).ok())
            .unwrap_or_default()
    }

    /// The pod as a `DynamicObject` with what the projection holds, for the
    /// few pods of a detail or describe screen.
    pub fn to_dynamic(&self) -> DynamicObject {
        let s = |v: &Str| Value::from(&**v);
        let ts = |t: Timestamp| Value::from(t.to_string());
        let map = |pairs: &[(Str, Str)]| -> Value {
            Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), s(v))).collect())
        };
        let mut obj = Map::new();
        let put = |m: &mut Map<String, Value>, k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.to_string(), v);
            }
        };
        let nonempty = |v: Value| match &v {
            Value::Object(m) if m.is_empty() => None,
            Value::Array(a) if a.is_empty() => None,
            _ => Some(v),
        };
        let container = |c: &Container| {
            let mut m = Map::new();
            m.insert("name".into(), s(&c.name));
            put(&mut m, "image", c.image.as_ref().map(s));
            put(
                &mut m,
                "command",
                nonempty(c.command.iter().map(s).collect()),
            );
            put(&mut m, "args", nonempty(c.args.iter().map(s).collect()));
            let mut res = Map::new();
            put(&mut res, "requests", nonempty(map(&c.requests)));
            put(&mut res, "limits", nonempty(map(&c.limits)));
            put(&mut m, "resources", nonempty(Value::Object(res)));
            let ports: Vec<Value> = c
                .ports
                .iter()
                .map(|p| {
                    let mut pm = Map::new();
                    put(&mut pm, "name", p.name.as_ref().map(s));
                    pm.insert("containerPort".into(), Value::from(p.container_port));
                    put(&mut pm, "protocol", p.protocol.as_ref().map(s));
                    Value::Object(pm)
                })
                .collect();
            put(&mut m, "ports", nonempty(Value::Array(ports)));
            put(&mut m, "restartPolicy", c.restart_policy.as_ref().map(s));
            Value::Object(m)
        };
        let state = |st: &State| match st {
            State::Waiting { reason, message } => {
                let mut m = Map::new();
                put(&mut m, "reason", reason.as_ref().map(s));
                put(&mut m, "message", message.as_ref().map(s));
                json!({ "waiting": m })
            }
            State::Running { started_at } => {
                let mut m = Map::new();
                put(&mut m, "startedAt", started_at.map(ts));
                json!({ "running": m })
            }
            State::Terminated(t) => {
                let Terminated {
                    exit_code,
                    signal,
                    reason,
                    message,
                    started_at,
                    finished_at,
                } = &**t;
                let mut m = Map::new();
                m.insert("exitCode".into(), Value::from(*exit_code));
                put(&mut m, "signal", signal.map(Value::from));
                put(&mut m, "reason", reason.as_ref().map(s));
                put(&mut m, "message", message.as_ref().map(s));
                put(&mut m, "startedAt", started_at.map(ts));
                put(&mut m, "finishedAt", finished_at.map(ts));
                json!({ "terminated": m })
            }
        };
        let status_list = |list: &[ContainerStatus]| -> Option<Value> {
            nonempty(
                list.iter()
                    .map(|c| {
                        let mut m = Map::new();
                        m.insert("name".into(), s(&c.name));
                        m.insert("ready".into(), Value::from(c.ready));
                        put(&mut m, "started", c.started.map(Value::from));
                        m.insert("restartCount".into(), Value::from(c.restart_count));
                        put(&mut m, "image", c.image.as_ref().map(s));
                        put(&mut m, "state", c.state.as_ref().map(state));
                        put(&mut m, "lastState", c.last_state.as_deref().map(state));
                        Value::Object(m)
                    })
                    .collect(),
            )
        };
        let mut spec = Map::new();
        put(&mut spec, "nodeName", self.node.as_ref().map(s));
        put(
            &mut spec,
            "containers",
            nonempty(self.containers.iter().map(container).collect()),
        );
        put(
            &mut spec,
            "initContainers",
            nonempty(self.init_containers.iter().map(container).collect()),
        );
        put(
            &mut spec,
            "priorityClassName",
            self.priority_class.as_ref().map(s),
        );
        put(
            &mut spec,
            "restartPolicy",
            self.restart_policy.as_ref().map(s),
        );
        put(
            &mut spec,
            "nodeSelector",
            nonempty(map(&self.node_selector)),
        );
        put(&mut spec, "schedulerName", self.scheduler.as_ref().map(s));
        let mut status = Map::new();
        put(&mut status, "phase", self.phase.as_ref().map(s));
        put(&mut status, "reason", self.reason.as_ref().map(s));
        put(&mut status, "message", self.message.as_ref().map(s));
        put(
            &mut status,
            "nominatedNodeName",
            self.nominated_node.as_ref().map(s),
        );
        put(&mut status, "hostIP", self.host_ip.as_ref().map(s));
        put(&mut status, "podIP", self.pod_ip.as_ref().map(s));
        put(&mut status, "startTime", self.start_time.map(ts));
        let conds: Vec<Value> = self
            .conditions
            .iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert("type".into(), s(&c.type_));
                m.insert("status".into(), s(&c.status));
                put(&mut m, "reason", c.reason.as_ref().map(s));
                put(&mut m, "message", c.message.as_ref().map(s));
                Value::Object(m)
            })
            .collect();
        put(&mut status, "conditions", nonempty(Value::Array(conds)));
        put(
            &mut status,
            "containerStatuses",
            status_list(&self.container_statuses),
        );
        put(
            &mut status,
            "initContainerStatuses",
            status_list(&self.init_container_statuses),
        );
        put(
            &mut status,
            "ephemeralContainerStatuses",
            status_list(&self.ephemeral_container_statuses),
        );
        put(&mut obj, "spec", nonempty(Value::Object(spec)));
        put(&mut obj, "status", nonempty(Value::Object(status)));
        let strings = |pairs: &[(Str, Str)]| -> Option<BTreeMap<String, String>> {
            (!pairs.is_empty()).then(|| {
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
        };
        let meta_time =
            |t: Option<Timestamp>| t.map(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time);
        DynamicObject {
            types: Some(TypeMeta {
                api_version: "v1".into(),
                kind: "Pod".into(),
            }),
            metadata: ObjectMeta {
                name: Some(self.name.to_string()),
                namespace: self.namespace.as_ref().map(|n| n.to_string()),
                uid: self.uid.as_ref().map(|n| n.to_string()),
                generation: self.generation,
                labels: strings(&self.labels),
                annotations: strings(&self.annotations),
                owner_references: (!self.owners.is_empty()).then(|| {
                    self.owners
                        .iter()
                        .map(
                            |o| k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
                                api_version: o.api_version.to_string(),
                                kind: o.kind.to_string(),
                                name: o.name.to_string(),
                                uid: o.uid.to_string(),
                                controller: o.controller,
                                block_owner_deletion: o.block_owner_deletion,
                            },
                        )
                        .collect()
                }),
                finalizers: (!self.finalizers.is_empty())
                    .then(|| self.finalizers.iter().map(|f| f.to_string()).collect()),
                creation_timestamp: meta_time(self.created),
                deletion_timestamp: meta_time(self.deleted),
                ..ObjectMeta::default()
            },
            data: Value::Object(obj),
        }
    }
}

impl Pod {
    /// A pod known by its metadata only (a metadata watch): name, labels,
    /// owners and times, no spec or status.
    pub fn from_meta(m: &ObjectMeta) -> Pod {
        let pairs = |map: &Option<BTreeMap<String, String>>, skip: &[&str]| -> Box<[(Str, Str)]> {
            map.iter()
                .flatten()
                .filter(|(k, _)| !skip.contains(&k.as_str()))
                .map(|(k, v)| (intern(k), intern(v)))
                .collect()
        };
        Pod {
            name: m.name.as_deref().unwrap_or("").into(),
            namespace: m.namespace.as_deref().map(intern),
            uid: m.uid.as_deref().map(Str::from),
            generation: m.generation,
            labels: pairs(&m.labels, &[]),
            annotations: pairs(&m.annotations, super::parse::DROPPED_ANNOTATIONS),
            owners: m
                .owner_references
                .iter()
                .flatten()
                .map(|o| Owner {
                    api_version: intern(&o.api_version),
                    kind: intern(&o.kind),
                    name: intern(&o.name),
                    uid: intern(&o.uid),
                    controller: o.controller,
                    block_owner_deletion: o.block_owner_deletion,
                })
                .collect(),
            finalizers: m.finalizers.iter().flatten().map(|f| intern(f)).collect(),
            created: m.creation_timestamp.as_ref().map(|t| t.0),
            deleted: m.deletion_timestamp.as_ref().map(|t| t.0),
            ..Pod::default()
        }
    }
}
