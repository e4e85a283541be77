//! The shapes of Kubeflow objects and of what their controllers create —
//! notebook pods and services, training replica pods, Argo workflow nodes
//! and pods, Katib trials, events — shared by the demo fixtures and the
//! simulated controllers so both produce the same objects.

pub mod argo;
pub mod events;
pub mod katib;
pub mod kfp;
pub mod notebook;
pub mod training;

use serde_json::{Value, json};

use crate::resources::ResourceType;

/// A controller ownerReference to `owner` (an object of type `rt`).
pub fn owner_ref(rt: &ResourceType, owner: &Value) -> Value {
    json!({
        "apiVersion": rt.api_version(),
        "kind": rt.kind,
        "name": owner.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default(),
        "uid": owner.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default(),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// `metadata.name` of an object.
pub fn name_of(v: &Value) -> &str {
    v.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// `metadata.namespace` of an object.
pub fn namespace_of(v: &Value) -> &str {
    v.pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Sets `metadata.<key>` (creating `metadata` if needed).
pub fn set_meta(v: &mut Value, key: &str, value: Value) {
    if let Some(obj) = v.as_object_mut() {
        let meta = obj.entry("metadata").or_insert_with(|| json!({}));
        if let Some(m) = meta.as_object_mut() {
            m.insert(key.to_string(), value);
        }
    }
}

/// The number of `nvidia.com/gpu` a container requests.
pub fn container_gpus(c: &Value) -> u32 {
    let q = c
        .pointer("/resources/limits/nvidia.com~1gpu")
        .or_else(|| c.pointer("/resources/requests/nvidia.com~1gpu"));
    match q {
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
        _ => 0,
    }
}

/// The GPUs a pod requests (all containers).
pub fn pod_gpus(pod: &Value) -> u32 {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| cs.iter().map(container_gpus).sum())
        .unwrap_or(0)
}
