//! Every read of a pod's fields the `:gpu` screen makes, in one place:
//! GPU requests, node, phase, scheduling condition, owner labels and
//! references, start time, namespace and name, over the store's typed pod
//! projection (`crate::kube::pod::Pod`).

use jiff::Timestamp;

use crate::kube::pod::{Container, Pod};
use crate::kube::quantity;

/// The GPU resources counted, as device plugins name them.
pub const GPU_RESOURCES: [&str; 2] = ["nvidia.com/gpu", "amd.com/gpu"];

pub fn namespace(pod: &Pod) -> &str {
    pod.namespace()
}

pub fn name(pod: &Pod) -> &str {
    pod.name()
}

pub fn uid(pod: &Pod) -> &str {
    pod.uid.as_deref().unwrap_or("")
}

pub fn node_name(pod: &Pod) -> Option<&str> {
    pod.node().filter(|n| !n.is_empty())
}

pub fn phase(pod: &Pod) -> &str {
    pod.phase().unwrap_or("Unknown")
}

/// Succeeded and Failed pods hold nothing (the scheduler and quota agree).
pub fn is_terminal(pod: &Pod) -> bool {
    matches!(phase(pod), "Succeeded" | "Failed")
}

pub fn label<'a>(pod: &'a Pod, key: &str) -> Option<&'a str> {
    pod.label(key).filter(|v| !v.is_empty())
}

pub fn annotation<'a>(pod: &'a Pod, key: &str) -> Option<&'a str> {
    pod.annotation(key).filter(|v| !v.is_empty())
}

/// The controlling owner (kind, name), else the first owner.
pub fn owner(pod: &Pod) -> Option<(&str, &str)> {
    let r = pod
        .owners
        .iter()
        .find(|r| r.controller == Some(true))
        .or_else(|| pod.owners.first())?;
    Some((&*r.kind, &*r.name))
}

/// When the kubelet started the pod (else its creation).
pub fn start_time(pod: &Pod) -> Option<Timestamp> {
    pod.started().or_else(|| pod.created())
}

/// `PodScheduled=False`: the scheduler's reason and message.
pub fn unscheduled(pod: &Pod) -> Option<(String, String)> {
    let c = pod
        .condition("PodScheduled")
        .filter(|c| &*c.status == "False")?;
    Some((
        c.reason.as_deref().unwrap_or_default().to_string(),
        c.message.as_deref().unwrap_or_default().to_string(),
    ))
}

/// A container's request for `resource`, the limit when no request is set
/// (the API server defaults requests of extended resources to the limit).
fn container_gpus(c: &Container, resource: &str) -> i64 {
    c.request(resource)
        .or_else(|| c.limit(resource))
        .and_then(|q| quantity::parse(q).ok())
        .map(|v| v.round() as i64)
        .unwrap_or(0)
}

/// GPUs of `resource` the pod holds as the scheduler counts them: the
/// larger of the containers' sum and the largest init container (init
/// containers run one at a time, before the others).
pub fn gpus_of(pod: &Pod, resource: &str) -> i64 {
    let sum: i64 = pod
        .containers
        .iter()
        .map(|c| container_gpus(c, resource))
        .sum();
    let init = pod
        .init_containers
        .iter()
        .map(|c| container_gpus(c, resource))
        .max()
        .unwrap_or(0);
    sum.max(init)
}

/// Every GPU the pod holds, of any vendor, with the resource name of the
/// largest share.
pub fn gpus(pod: &Pod) -> (i64, &'static str) {
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
pub fn gpu_containers(pod: &Pod) -> Vec<&str> {
    pod.containers
        .iter()
        .filter(|c| GPU_RESOURCES.iter().any(|r| container_gpus(c, r) > 0))
        .map(|c| &*c.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(v: serde_json::Value) -> Pod {
        let obj: kube::api::DynamicObject = serde_json::from_value(v).expect("pod");
        Pod::from_dynamic(&obj)
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
