//! Parsing a pod's JSON straight into a [`Pod`]: borrowed text where the
//! JSON has no escapes, interned once, and nothing built of the parts no
//! screen reads.

use std::borrow::Cow;
use std::sync::Arc;

use jiff::Timestamp;
use kube::api::{ApiResource, DynamicObject, ObjectMeta};
use kube::core::DynamicResourceScope;
use serde::de::{Deserializer, Visitor};
use serde::{Deserialize, de};

use super::{
    Condition, Container, ContainerStatus, Owner, Pod, Port, State, Str, Terminated, intern,
    share_conditions, share_containers,
};

type S<'a> = Cow<'a, str>;

/// A JSON scalar as text: quantities are strings, but a number is read too.
struct Text<'a>(S<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or number")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

fn i(s: &Option<Text>) -> Option<Str> {
    s.as_ref().map(|t| intern(&t.0))
}

/// An ordered list of pairs from a JSON map.
struct Pairs<'a>(Vec<(S<'a>, Option<Text<'a>>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Pairs<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Pairs<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map")
            }
            fn visit_unit<E>(self) -> Result<Pairs<'a>, E> {
                Ok(Pairs(Vec::new()))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut m: A) -> Result<Pairs<'a>, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<Text<'a>>()? {
                    out.push((k.0, m.next_value::<Option<Text<'a>>>()?));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

fn pairs(p: Option<Pairs>) -> Box<[(Str, Str)]> {
    p.map(|p| {
        p.0.iter()
            .map(|(k, v)| (intern(k), intern(v.as_ref().map(|t| &*t.0).unwrap_or(""))))
            .collect()
    })
    .unwrap_or_default()
}

fn texts(v: Option<Vec<Text>>) -> Box<[Str]> {
    v.map(|v| v.iter().map(|t| intern(&t.0)).collect())
        .unwrap_or_default()
}

fn time(s: &Option<Text>) -> Option<Timestamp> {
    s.as_ref().and_then(|t| t.0.parse().ok())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WOwner<'a> {
    #[serde(borrow)]
    api_version: Option<Text<'a>>,
    #[serde(borrow)]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    name: Option<Text<'a>>,
    #[serde(borrow)]
    uid: Option<Text<'a>>,
    controller: Option<bool>,
    block_owner_deletion: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WMeta<'a> {
    #[serde(borrow)]
    name: Option<Text<'a>>,
    #[serde(borrow)]
    namespace: Option<Text<'a>>,
    #[serde(borrow)]
    uid: Option<Text<'a>>,
    #[serde(borrow)]
    resource_version: Option<Text<'a>>,
    generation: Option<i64>,
    #[serde(borrow)]
    labels: Option<Pairs<'a>>,
    #[serde(borrow)]
    annotations: Option<Pairs<'a>>,
    #[serde(borrow)]
    owner_references: Option<Vec<WOwner<'a>>>,
    #[serde(borrow)]
    finalizers: Option<Vec<Text<'a>>>,
    #[serde(borrow)]
    creation_timestamp: Option<Text<'a>>,
    #[serde(borrow)]
    deletion_timestamp: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WResources<'a> {
    #[serde(borrow)]
    requests: Option<Pairs<'a>>,
    #[serde(borrow)]
    limits: Option<Pairs<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WPort<'a> {
    #[serde(borrow)]
    name: Option<Text<'a>>,
    container_port: Option<i64>,
    #[serde(borrow)]
    protocol: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WContainer<'a> {
    #[serde(borrow)]
    name: Option<Text<'a>>,
    #[serde(borrow)]
    image: Option<Text<'a>>,
    #[serde(borrow)]
    command: Option<Vec<Text<'a>>>,
    #[serde(borrow)]
    args: Option<Vec<Text<'a>>>,
    #[serde(borrow)]
    resources: Option<WResources<'a>>,
    #[serde(borrow)]
    ports: Option<Vec<WPort<'a>>>,
    #[serde(borrow)]
    restart_policy: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WSpec<'a> {
    #[serde(borrow)]
    node_name: Option<Text<'a>>,
    #[serde(borrow)]
    containers: Option<Vec<WContainer<'a>>>,
    #[serde(borrow)]
    init_containers: Option<Vec<WContainer<'a>>>,
    #[serde(borrow)]
    priority_class_name: Option<Text<'a>>,
    #[serde(borrow)]
    restart_policy: Option<Text<'a>>,
    #[serde(borrow)]
    node_selector: Option<Pairs<'a>>,
    #[serde(borrow)]
    scheduler_name: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WCondition<'a> {
    #[serde(borrow, rename = "type")]
    type_: Option<Text<'a>>,
    #[serde(borrow)]
    status: Option<Text<'a>>,
    #[serde(borrow)]
    reason: Option<Text<'a>>,
    #[serde(borrow)]
    message: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WStateOf<'a> {
    #[serde(borrow)]
    reason: Option<Text<'a>>,
    #[serde(borrow)]
    message: Option<Text<'a>>,
    #[serde(borrow)]
    started_at: Option<Text<'a>>,
    #[serde(borrow)]
    finished_at: Option<Text<'a>>,
    exit_code: Option<i64>,
    signal: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WState<'a> {
    #[serde(borrow)]
    waiting: Option<WStateOf<'a>>,
    #[serde(borrow)]
    running: Option<WStateOf<'a>>,
    #[serde(borrow)]
    terminated: Option<WStateOf<'a>>,
}

impl WState<'_> {
    fn build(self) -> Option<State> {
        if let Some(t) = self.terminated {
            return Some(State::Terminated(Box::new(Terminated {
                exit_code: t.exit_code.unwrap_or(0),
                signal: t.signal,
                reason: i(&t.reason),
                message: i(&t.message),
                started_at: time(&t.started_at),
                finished_at: time(&t.finished_at),
            })));
        }
        if let Some(w) = self.waiting {
            return Some(State::Waiting {
                reason: i(&w.reason),
                message: i(&w.message),
            });
        }
        self.running.map(|r| State::Running {
            started_at: time(&r.started_at),
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WStatus<'a> {
    #[serde(borrow)]
    name: Option<Text<'a>>,
    ready: Option<bool>,
    started: Option<bool>,
    restart_count: Option<i64>,
    #[serde(borrow)]
    image: Option<Text<'a>>,
    #[serde(borrow)]
    state: Option<WState<'a>>,
    #[serde(borrow)]
    last_state: Option<WState<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WPodStatus<'a> {
    #[serde(borrow)]
    phase: Option<Text<'a>>,
    #[serde(borrow)]
    reason: Option<Text<'a>>,
    #[serde(borrow)]
    message: Option<Text<'a>>,
    #[serde(borrow)]
    nominated_node_name: Option<Text<'a>>,
    #[serde(borrow, rename = "hostIP")]
    host_ip: Option<Text<'a>>,
    #[serde(borrow, rename = "podIP")]
    pod_ip: Option<Text<'a>>,
    #[serde(borrow)]
    start_time: Option<Text<'a>>,
    #[serde(borrow)]
    conditions: Option<Vec<WCondition<'a>>>,
    #[serde(borrow)]
    container_statuses: Option<Vec<WStatus<'a>>>,
    #[serde(borrow)]
    init_container_statuses: Option<Vec<WStatus<'a>>>,
    #[serde(borrow)]
    ephemeral_container_statuses: Option<Vec<WStatus<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WPod<'a> {
    #[serde(borrow)]
    metadata: Option<WMeta<'a>>,
    #[serde(borrow)]
    spec: Option<WSpec<'a>>,
    #[serde(borrow)]
    status: Option<WPodStatus<'a>>,
}

/// Annotations never shown and often large.
pub(super) const DROPPED_ANNOTATIONS: &[&str] =
    &["kubectl.kubernetes.io/last-applied-configuration"];

fn containers(v: Option<Vec<WContainer>>) -> Arc<[Container]> {
    let list: Vec<Container> = v
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let res = c.resources.unwrap_or_default();
            Container {
                name: i(&c.name).unwrap_or_else(|| intern("")),
                image: i(&c.image),
                command: texts(c.command),
                args: texts(c.args),
                requests: pairs(res.requests),
                limits: pairs(res.limits),
                ports: c
                    .ports
                    .unwrap_or_default()
                    .iter()
                    .map(|p| Port {
                        name: i(&p.name),
                        container_port: p.container_port.unwrap_or(0),
                        protocol: i(&p.protocol),
                    })
                    .collect(),
                restart_policy: i(&c.restart_policy),
            }
        })
        .collect();
    share_containers(list)
}

fn statuses(v: Option<Vec<WStatus>>) -> Box<[ContainerStatus]> {
    v.unwrap_or_default()
        .into_iter()
        .map(|c| ContainerStatus {
            name: i(&c.name).unwrap_or_else(|| intern("")),
            ready: c.ready.unwrap_or(false),
            started: c.started,
            restart_count: c.restart_count.unwrap_or(0),
            image: i(&c.image),
            state: c.state.and_then(WState::build),
            last_state: c.last_state.and_then(WState::build).map(Box::new),
        })
        .collect()
}

impl WPod<'_> {
    fn build(self) -> Pod {
        let m = self.metadata.unwrap_or_default();
        let spec = self.spec.unwrap_or_default();
        let st = self.status.unwrap_or_default();
        let mut annotations = m.annotations;
        if let Some(a) = annotations.as_mut() {
            a.0.retain(|(k, _)| !DROPPED_ANNOTATIONS.contains(&&**k));
        }
        Pod {
            name: m.name.map(|t| t.0.into()).unwrap_or_default(),
            namespace: i(&m.namespace),
            uid: m.uid.map(|t| Arc::from(&*t.0)),
            generation: m.generation,
            labels: pairs(m.labels),
            annotations: pairs(annotations),
            owners: m
                .owner_references
                .unwrap_or_default()
                .iter()
                .map(|o| Owner {
                    api_version: i(&o.api_version).unwrap_or_else(|| intern("")),
                    kind: i(&o.kind).unwrap_or_else(|| intern("")),
                    name: i(&o.name).unwrap_or_else(|| intern("")),
                    uid: i(&o.uid).unwrap_or_else(|| intern("")),
                    controller: o.controller,
                    block_owner_deletion: o.block_owner_deletion,
                })
                .collect(),
            finalizers: texts(m.finalizers),
            created: time(&m.creation_timestamp),
            deleted: time(&m.deletion_timestamp),
            node: i(&spec.node_name),
            containers: containers(spec.containers),
            init_containers: containers(spec.init_containers),
            priority_class: i(&spec.priority_class_name),
            restart_policy: i(&spec.restart_policy),
            node_selector: pairs(spec.node_selector),
            scheduler: i(&spec.scheduler_name),
            phase: i(&st.phase),
            reason: i(&st.reason),
            message: i(&st.message),
            nominated_node: i(&st.nominated_node_name),
            host_ip: i(&st.host_ip),
            pod_ip: st.pod_ip.map(|t| Arc::from(&*t.0)),
            start_time: time(&st.start_time),
            conditions: share_conditions(
                st.conditions
                    .unwrap_or_default()
                    .iter()
                    .map(|c| Condition {
                        type_: i(&c.type_).unwrap_or_else(|| intern("")),
                        status: i(&c.status).unwrap_or_else(|| intern("")),
                        reason: i(&c.reason),
                        message: i(&c.message),
                    })
                    .collect(),
            ),
            container_statuses: statuses(st.container_statuses),
            init_container_statuses: statuses(st.init_container_statuses),
            ephemeral_container_statuses: statuses(st.ephemeral_container_statuses),
        }
    }
}

impl<'de> Deserialize<'de> for Pod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pod, D::Error> {
        Ok(WPod::deserialize(d)?.build())
    }
}

// ----- the watcher's pod -----

/// A pod as the watcher lists and watches it: the projection, and the
/// metadata the watcher itself reads (the resourceVersion it resumes from).
#[derive(Clone, Debug)]
pub struct PodWire {
    pub pod: Pod,
    meta: ObjectMeta,
}

impl<'de> Deserialize<'de> for PodWire {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PodWire, D::Error> {
        let mut w = WPod::deserialize(d)?;
        // The resourceVersion is the watcher's, to resume from; the store
        // does not keep it (YAML fetches the whole pod).
        let meta = ObjectMeta {
            resource_version: w
                .metadata
                .as_mut()
                .and_then(|m| m.resource_version.take())
                .map(|t| t.0.into_owned()),
            ..ObjectMeta::default()
        };
        Ok(PodWire {
            pod: w.build(),
            meta,
        })
    }
}

impl kube::Resource for PodWire {
    type DynamicType = ApiResource;
    type Scope = DynamicResourceScope;

    fn kind(dt: &ApiResource) -> Cow<'_, str> {
        DynamicObject::kind(dt)
    }
    fn group(dt: &ApiResource) -> Cow<'_, str> {
        DynamicObject::group(dt)
    }
    fn version(dt: &ApiResource) -> Cow<'_, str> {
        DynamicObject::version(dt)
    }
    fn plural(dt: &ApiResource) -> Cow<'_, str> {
        DynamicObject::plural(dt)
    }
    fn meta(&self) -> &ObjectMeta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.meta
    }
}
