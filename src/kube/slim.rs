//! What kftui keeps of a watched object: only what screens read. Objects
//! are slimmed as they arrive, before they are buffered, so thousands of
//! pods cost what their rows need rather than what the server sends
//! (managedFields alone are often half of an object). The YAML and describe
//! screens fetch the whole object when they open.
//!
//! Every kind loses `managedFields` and the `last-applied-configuration`
//! annotation. Pods, the kind clusters have by the thousand, keep only what
//! [`POD`] names, and are slimmed while their JSON is parsed ([`SlimPod`]),
//! so the parts left out are never built at all: a list of pods costs its
//! slim copies plus one page of text, not a page of whole objects whose
//! freed memory the allocator then keeps. Their JSON maps are built at their
//! exact size (a map grown one key at a time keeps spare capacity that, for
//! the small maps a pod is made of, costs more than their content).

use std::borrow::Cow;
use std::fmt;

use kube::api::{ApiResource, DynamicObject, ObjectMeta, TypeMeta};
use kube::core::DynamicResourceScope;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::kinds::{self, Kind};

/// Which parts of a JSON value are kept.
#[derive(Debug)]
pub enum Keep {
    /// The whole value.
    All,
    /// Of a map, only these keys (each filtered in turn); of a list, each
    /// item filtered by the same rule.
    Only(&'static [(&'static str, Keep)]),
    /// Of a map, every key but these; of a list, each item likewise.
    Except(&'static [&'static str]),
}

use Keep::{All, Except, Only};

/// Container fields kept (of `containers` and `initContainers`).
const CONTAINER: Keep = Only(&[
    ("name", All),
    ("image", All),
    ("command", All),
    ("args", All),
    ("resources", All),
    ("ports", All),
    ("restartPolicy", All),
]);

/// Container status fields left out: IDs, image digests, and the mounts and
/// resources as the kubelet reports them.
const CONTAINER_STATUS: Keep = Except(&[
    "imageID",
    "containerID",
    "volumeMounts",
    "allocatedResources",
    "allocatedResourcesStatus",
    "resources",
    "user",
    "stopSignal",
]);

/// What the pod, notebook, job, GPU and run screens read of a pod.
pub const POD: Keep = Only(&[
    ("apiVersion", All),
    ("kind", All),
    ("metadata", Except(&["managedFields"])),
    (
        "spec",
        Only(&[
            ("nodeName", All),
            ("containers", CONTAINER),
            ("initContainers", CONTAINER),
            ("priorityClassName", All),
            ("restartPolicy", All),
            ("nodeSelector", All),
            ("schedulerName", All),
        ]),
    ),
    (
        "status",
        Only(&[
            ("phase", All),
            ("reason", All),
            ("message", All),
            ("nominatedNodeName", All),
            ("hostIP", All),
            ("podIP", All),
            ("startTime", All),
            (
                "conditions",
                Only(&[
                    ("type", All),
                    ("status", All),
                    ("reason", All),
                    ("message", All),
                ]),
            ),
            ("containerStatuses", CONTAINER_STATUS),
            ("initContainerStatuses", CONTAINER_STATUS),
            ("ephemeralContainerStatuses", CONTAINER_STATUS),
        ]),
    ),
]);

/// Annotations never shown and often large.
const DROPPED_ANNOTATIONS: &[&str] = &["kubectl.kubernetes.io/last-applied-configuration"];

/// True when the store's copy of `kind` leaves out parts of the body (YAML
/// must read the whole object from the server).
pub fn is_partial(kind: &Kind) -> bool {
    std::ptr::eq(kind, &kinds::POD)
}

/// The slim copy of `obj` for the store.
pub fn project(kind: &Kind, mut obj: DynamicObject) -> DynamicObject {
    obj.metadata = slim_meta(std::mem::take(&mut obj.metadata));
    if is_partial(kind) {
        let mut data = filter(std::mem::take(&mut obj.data), &POD);
        tidy_pod(&mut data);
        obj.data = data;
    }
    obj
}

fn slim_meta(m: ObjectMeta) -> ObjectMeta {
    let annotations = m.annotations.map(|mut a| {
        for k in DROPPED_ANNOTATIONS {
            a.remove(*k);
        }
        a
    });
    ObjectMeta {
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        labels: m.labels.filter(|l| !l.is_empty()),
        annotations: annotations.filter(|a| !a.is_empty()),
        owner_references: m.owner_references.filter(|o| !o.is_empty()),
        creation_timestamp: m.creation_timestamp,
        deletion_timestamp: m.deletion_timestamp,
        generation: m.generation,
        resource_version: m.resource_version,
        finalizers: m.finalizers.filter(|f| !f.is_empty()),
        ..ObjectMeta::default()
    }
}

impl Keep {
    /// The rule for `key` of a map, None when it is left out.
    fn field(&self, key: &str) -> Option<&Keep> {
        match self {
            All => Some(&All),
            Only(fields) => fields.iter().find(|(k, _)| *k == key).map(|(_, r)| r),
            Except(drop) => (!drop.contains(&key)).then_some(&All),
        }
    }
}

/// `value` with only what `keep` names, its maps and lists at exact size.
pub fn filter(value: Value, keep: &Keep) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter_map(|(k, v)| {
                    let rule = keep.field(&k)?;
                    Some((k, filter(v, rule)))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| filter(v, keep)).collect()),
        other => other,
    }
}

/// Drops the empty `lastState` maps the kubelet writes for every container
/// that never restarted.
fn tidy_pod(data: &mut Value) {
    for list in [
        "containerStatuses",
        "initContainerStatuses",
        "ephemeralContainerStatuses",
    ] {
        if let Some(Value::Array(cs)) = data.pointer_mut(&format!("/status/{list}")) {
            for c in cs.iter_mut().filter_map(Value::as_object_mut) {
                if c.get("lastState")
                    .and_then(Value::as_object)
                    .is_some_and(Map::is_empty)
                {
                    c.remove("lastState");
                }
            }
        }
    }
}

/// Parses JSON keeping only what a [`Keep`] names; what is left out is
/// skipped without being built.
struct Filtered<'k>(&'k Keep);

impl<'de> DeserializeSeed<'de> for Filtered<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        match self.0 {
            All => serde::Deserialize::deserialize(d),
            keep => d.deserialize_any(FilterVisitor(keep)),
        }
    }
}

struct FilterVisitor<'k>(&'k Keep);

impl<'de> Visitor<'de> for FilterVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(Filtered(self.0))? {
            items.push(v);
        }
        items.shrink_to_fit();
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut kept: Vec<(String, Value)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match self.0.field(&key) {
                Some(rule) => kept.push((key, map.next_value_seed(Filtered(rule))?)),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        // Collected at once: the map is built at its exact size.
        Ok(Value::Object(kept.into_iter().collect()))
    }
}

/// A pod slimmed while it is parsed: what the watcher of pods lists and
/// watches, so a page of whole pods is never built.
#[derive(Clone, Debug)]
pub struct SlimPod(pub DynamicObject);

impl<'de> serde::Deserialize<'de> for SlimPod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SlimPod, D::Error> {
        use serde::de::Error;
        let Value::Object(mut top) = Filtered(&POD).deserialize(d)? else {
            return Err(D::Error::custom("a pod is a JSON object"));
        };
        let text = |v: Option<Value>| match v {
            Some(Value::String(s)) => s,
            _ => String::new(),
        };
        let types = match (top.remove("apiVersion"), top.remove("kind")) {
            (None, None) => None,
            (a, k) => Some(TypeMeta {
                api_version: text(a),
                kind: text(k),
            }),
        };
        let metadata: ObjectMeta = match top.remove("metadata") {
            Some(m) => serde_json::from_value(m).map_err(D::Error::custom)?,
            None => ObjectMeta::default(),
        };
        let mut data = Value::Object(top);
        tidy_pod(&mut data);
        Ok(SlimPod(DynamicObject {
            types,
            metadata: slim_meta(metadata),
            data,
        }))
    }
}

impl kube::Resource for SlimPod {
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
        &self.0.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.0.metadata
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_keep_what_screens_read() {
        let pod: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "n", "uid": "u", "labels": {"a": "b"},
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "keep": "1"},
                "managedFields": [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}],
                "ownerReferences": [{"apiVersion": "v1", "kind": "X", "name": "o", "uid": "ou"}]},
            "spec": {"nodeName": "n1", "volumes": [{"name": "v"}], "tolerations": [{}],
                "containers": [{"name": "c", "image": "i", "env": [{"name": "E", "value": "1"}],
                    "resources": {"limits": {"nvidia.com/gpu": "1"}}, "volumeMounts": [{}],
                    "livenessProbe": {}}]},
            "status": {"phase": "Running", "qosClass": "Burstable", "podIP": "10.0.0.1",
                "podIPs": [{"ip": "10.0.0.1"}],
                "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                    "message": "0/3 nodes are available", "lastProbeTime": null,
                    "lastTransitionTime": "2026-01-01T00:00:00Z"}],
                "containerStatuses": [{"name": "c", "ready": true, "imageID": "sha256:x",
                    "containerID": "containerd://y", "lastState": {},
                    "state": {"waiting": {"reason": "ContainerCreating"}}}]}
        }))
        .expect("pod");
        let slim = project(&kinds::POD, pod);
        assert!(slim.metadata.managed_fields.is_none());
        assert_eq!(slim.metadata.annotations.as_ref().map(|a| a.len()), Some(1));
        assert_eq!(
            slim.metadata.owner_references.as_ref().map(Vec::len),
            Some(1)
        );
        let want = serde_json::json!({
            "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i",
                "resources": {"limits": {"nvidia.com/gpu": "1"}}}]},
            "status": {"phase": "Running", "podIP": "10.0.0.1",
                "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                    "message": "0/3 nodes are available"}],
                "containerStatuses": [{"name": "c", "ready": true,
                    "state": {"waiting": {"reason": "ContainerCreating"}}}]}
        });
        assert_eq!(slim.data, want);
    }

    #[test]
    fn pods_parsed_slim_equal_pods_slimmed() {
        let text = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "n", "uid": "u", "resourceVersion": "7",
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
                "managedFields": [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}]},
            "spec": {"nodeName": "n1", "volumes": [{"name": "v"}],
                "containers": [{"name": "c", "image": "i", "env": [], "ports": [{"containerPort": 80}]}]},
            "status": {"phase": "Pending", "hostIPs": [{"ip": "1"}],
                "conditions": [{"type": "Ready", "status": "False", "lastProbeTime": null}],
                "containerStatuses": [{"name": "c", "restartCount": 2, "lastState": {},
                    "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}
        })
        .to_string();
        let parsed: SlimPod = serde_json::from_str(&text).expect("slim pod parses");
        let whole: DynamicObject = serde_json::from_str(&text).expect("pod parses");
        let slimmed = project(&kinds::POD, whole);
        assert_eq!(parsed.0.data, slimmed.data);
        assert_eq!(parsed.0.metadata, slimmed.metadata);
        assert_eq!(parsed.0.types, slimmed.types);
        assert!(parsed.0.metadata.annotations.is_none());
        assert_eq!(
            parsed
                .0
                .data
                .pointer("/status/containerStatuses/0/state/terminated/reason"),
            Some(&Value::from("OOMKilled"))
        );
        assert!(
            parsed
                .0
                .data
                .pointer("/status/containerStatuses/0/lastState")
                .is_none()
        );
        // Not a pod at all: an error, not a panic.
        assert!(serde_json::from_str::<SlimPod>("[1, 2]").is_err());
        assert!(serde_json::from_str::<SlimPod>("{\"metadata\": 3}").is_err());
    }

    #[test]
    fn other_kinds_keep_their_body() {
        let nb: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "kubeflow.org/v1", "kind": "Notebook",
            "metadata": {"name": "x", "managedFields": [{"manager": "m"}]},
            "spec": {"template": {"spec": {"containers": [{"name": "x", "env": []}]}}}
        }))
        .expect("notebook");
        let body = nb.data.clone();
        let slim = project(&kinds::NOTEBOOK, nb);
        assert!(slim.metadata.managed_fields.is_none());
        assert_eq!(slim.data, body);
    }
}
