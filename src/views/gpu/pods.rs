//! Every read of a pod's fields the `:gpu` screen makes, in one place:
//! GPU requests, node, phase, scheduling condition, owner labels and
//! references, start time, namespace and name. Should the store keep pods
//! in another shape, only this file changes.

use jiff::Timestamp;
use kube::api::DynamicObject;
use serde_json::Value;

use crate::kube::quantity;

/// The GPU resources counted, as device plugins name them.
pub const GPU_RESOURCES: [&str; 2] = ["nvidia.com/gpu", "amd.com/gpu"];

pub fn namespace(pod: &DynamicObject) -> &str {
    pod.metadata.namespace.as_deref().unwrap_or("")
}

pub fn name(pod: &DynamicObject) -> &str {
    pod.metadata.name.as_deref().unwrap_or("")
}

pub fn uid(pod: &DynamicObject) -> &str {
    pod.metadata.uid.as_deref().unwrap_or("")
}

pub fn node_name(pod: &DynamicObject) -> Option<&str> {
    pod.data
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
}

pub fn phase(pod: &DynamicObject) -> &str {
    pod.data
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("Unknown")
}

/// Succeeded and Failed pods hold nothing (the scheduler and quota agree).
pub fn is_terminal(pod: &DynamicObject) -> bool {
    matches!(phase(pod), "Succeeded" | "Failed")
}

pub fn label<'a>(pod: &'a DynamicObject, key: &str) -> Option<&'a str> {
    pod.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(key))
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

pub fn annotation<'a>(pod: &'a DynamicObject, key: &str) -> Option<&'a str> {
    pod.metadata
        .annotations
        .as_ref()
        .and_then(|l| l.get(key))
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// The controlling owner (kind, name), else the first owner.
pub fn owner(pod: &DynamicObject) -> Option<(&str, &str)> {
    let refs = pod.metadata.owner_references.as_ref()?;
    let r = refs
        .iter()
        .find(|r| r.controller == Some(true))
        .or_else(|| refs.first())?;
    Some((r.kind.as_str(), r.name.as_str()))
}

/// When the kubelet started the pod (else its creation).
pub fn start_time(pod: &DynamicObject) -> Option<Timestamp> {
    pod.data
        .pointer("/status/startTime")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .or_else(|| pod.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

/// `PodScheduled=False`: the scheduler's reason and message.
pub fn unscheduled(pod: &DynamicObject) -> Option<(String, String)> {
    let conds = pod.data.pointer("/status/conditions")?.as_array()?;
    let c = conds.iter().find(|c| {
        c.get("type").and_then(Value::as_str) == Some("PodScheduled")
            && c.get("status").and_then(Value::as_str) == Some("False")
    })?;
    let text = |k: &str| {
        c.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Some((text("reason"), text("message")))
}

/// A container's request for `resource`, the limit when no request is set
/// (the API server defaults requests of extended resources to the limit).
fn container_gpus(c: &Value, resource: &str) -> i64 {
    let key = resource.replace('/', "~1");
    let q = c
        .pointer(&format!("/resources/requests/{key}"))
        .or_else(|| c.pointer(&format!("/resources/limits/{key}")));
    match q {
        Some(Value::String(s)) => quantity::parse(s).map(|v| v.round() as i64).unwrap_or(0),
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        _ => 0,
    }
}

/// GPUs of `resource` the pod holds as the scheduler counts them: the
/// larger of the containers' sum and the largest init container (init
/// containers run one at a time, before the others).
pub fn gpus_of(pod: &DynamicObject, resource: &str) -> i64 {
    let list = |p: &str| {
        pod.data
            .pointer(p)
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .map(|c| container_gpus(c, resource))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let sum: i64 = list("/spec/containers").iter().sum();
    let init = list("/spec/initContainers").into_iter().max().unwrap_or(0);
    sum.max(init)
}

/// Every GPU the pod holds, of any vendor, with the resource name of the
/// largest share.
pub fn gpus(pod: &DynamicObject) -> (i64, &'static str) {
    let mut total = 0;
    let mut resource = GPU_RESOURCES[0];
    let mut best = 0;
    for r in GPU_RESOURCES {
        let n = gpus_of(pod, r);
        total += n;
        if n > best {
            best = n;
            resource = r;
        }
    }
    (total, resource)
}

/// The containers asking for GPUs, in order.
pub fn gpu_containers(pod: &DynamicObject) -> Vec<&str> {
    pod.data
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| GPU_RESOURCES.iter().any(|r| container_gpus(c, r) > 0))
        .filter_map(|c| c.get("name").and_then(Value::as_str))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(v: serde_json::Value) -> DynamicObject {
        serde_json::from_value(v).expect("pod")
    }

    #[test]
    fn gpus_count_as_the_scheduler_does() {
        let p = pod(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "ns",
                "ownerReferences": [{"apiVersion": "v1", "kind": "X", "name": "other", "uid": "1"},
                                    {"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob", "name": "j", "uid": "2", "controller": true}]},
            "spec": {"nodeName": "n",
                "initContainers": [{"name": "init", "resources": {"limits": {"nvidia.com/gpu": "3"}}}],
                "containers": [
                    {"name": "a", "resources": {"requests": {"nvidia.com/gpu": "1"}, "limits": {"nvidia.com/gpu": "1"}}},
                    {"name": "b", "resources": {"limits": {"nvidia.com/gpu": 1}}},
                    {"name": "c", "resources": {"limits": {"amd.com/gpu": "2"}}},
                    {"name": "d"}]},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes"}]}
        }));
        assert_eq!(
            gpus_of(&p, "nvidia.com/gpu"),
            3,
            "the init container's 3 beat 1+1"
        );
        assert_eq!(gpus_of(&p, "amd.com/gpu"), 2);
        assert_eq!(gpus(&p), (5, "nvidia.com/gpu"));
        assert_eq!(gpu_containers(&p), vec!["a", "b", "c"]);
        assert_eq!(owner(&p), Some(("PyTorchJob", "j")));
        assert_eq!(node_name(&p), Some("n"));
        assert_eq!(
            unscheduled(&p),
            Some(("Unschedulable".into(), "0/3 nodes".into()))
        );
        assert!(!is_terminal(&p));
    }
}
