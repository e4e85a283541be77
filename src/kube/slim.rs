//! What kftui keeps of a watched object: only what screens read. Objects
//! are slimmed as they arrive, before they are buffered, so thousands of
//! pods cost what their rows need rather than what the server sends
//! (managedFields alone are often half of an object). The YAML and describe
//! screens fetch the whole object when they open.
//!
//! Every kind loses `managedFields` and the `last-applied-configuration`
//! annotation. Pods, the kind clusters have by the thousand, keep only the
//! fields listed in [`POD_SPEC`] and all of their status.

use kube::api::{DynamicObject, ObjectMeta};
use serde_json::{Map, Value};

use super::kinds::{self, Kind};

/// Pod spec fields kept: what the pod, notebook, job, GPU and run screens read.
const POD_SPEC: &[&str] = &[
    "nodeName",
    "containers",
    "initContainers",
    "priorityClassName",
    "restartPolicy",
    "nodeSelector",
    "schedulerName",
];

/// Container fields kept (of `containers` and `initContainers`).
const CONTAINER: &[&str] = &[
    "name",
    "image",
    "command",
    "args",
    "resources",
    "ports",
    "restartPolicy",
];

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
        obj.data = slim_pod(std::mem::take(&mut obj.data));
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
        generate_name: m.generate_name,
        generation: m.generation,
        resource_version: m.resource_version,
        finalizers: m.finalizers.filter(|f| !f.is_empty()),
        ..ObjectMeta::default()
    }
}

fn keep(value: Value, fields: &[&str]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| fields.contains(&k.as_str()))
                .collect::<Map<String, Value>>(),
        ),
        other => other,
    }
}

fn slim_pod(data: Value) -> Value {
    let Value::Object(mut top) = data else {
        return data;
    };
    let mut out = Map::new();
    if let Some(spec) = top.remove("spec") {
        let mut spec = keep(spec, POD_SPEC);
        if let Some(map) = spec.as_object_mut() {
            for list in ["containers", "initContainers"] {
                if let Some(Value::Array(cs)) = map.get_mut(list) {
                    for c in cs.iter_mut() {
                        *c = keep(std::mem::take(c), CONTAINER);
                    }
                }
            }
        }
        out.insert("spec".into(), spec);
    }
    if let Some(status) = top.remove("status") {
        out.insert("status".into(), status);
    }
    Value::Object(out)
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
            "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": true}]}
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
            "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": true}]}
        });
        assert_eq!(slim.data, want);
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
