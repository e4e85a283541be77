//! Reading a Kubeflow Notebook the way the notebooks web app does: its status
//! (from the stop annotation, status.containerState, conditions, the pod and
//! events), its image, resources, GPUs and volumes.

use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;
use serde_json::Value;

use crate::views::columns;
use crate::views::table::Tone;

/// The annotation whose presence stops a notebook (value: RFC 3339 time).
pub const STOPPED: &str = "kubeflow-resource-stopped";
/// Updated by the notebook controller from Jupyter's activity API.
pub const LAST_ACTIVITY: &str = "notebooks.kubeflow.org/last-activity";
/// Label that ties a notebook's pod to it.
pub const POD_LABEL: &str = "notebook-name";
/// Where Kubeflow mounts the workspace volume.
pub const WORKSPACE_MOUNT: &str = "/home/jovyan";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Running,
    Starting,
    Stopping,
    Stopped,
    /// No node can take the pod (e.g. not enough GPUs).
    Unschedulable,
    Error,
}

impl Phase {
    pub fn word(self) -> &'static str {
        match self {
            Phase::Running => "Running",
            Phase::Starting => "Starting",
            Phase::Stopping => "Stopping",
            Phase::Stopped => "Stopped",
            Phase::Unschedulable => "Unschedulable",
            Phase::Error => "Error",
        }
    }

    pub fn tone(self) -> Tone {
        match self {
            Phase::Running => Tone::Ok,
            Phase::Starting | Phase::Stopping => Tone::Warn,
            Phase::Stopped => Tone::Dim,
            Phase::Unschedulable | Phase::Error => Tone::Error,
        }
    }
}

/// A notebook's state and the reason for it, when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub phase: Phase,
    pub reason: Option<String>,
}

impl Status {
    fn new(phase: Phase, reason: Option<&str>) -> Status {
        Status {
            phase,
            reason: reason.filter(|r| !r.is_empty()).map(str::to_string),
        }
    }
}

const ERROR_REASONS: &[&str] = &[
    "ImagePullBackOff",
    "ErrImagePull",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "InvalidImageName",
    "RunContainerError",
    "OOMKilled",
];

pub fn is_stopped(nb: &DynamicObject) -> bool {
    columns::annotation(nb, STOPPED).is_some()
}

fn ready_replicas(nb: &DynamicObject) -> i64 {
    columns::i64_at(nb, "/status/readyReplicas").unwrap_or(0)
}

/// Derives the status. `pod` is the notebook's pod if it exists; `events`
/// are events about the notebook or its pod, oldest first.
pub fn status(
    nb: &DynamicObject,
    pod: Option<&DynamicObject>,
    events: &[&Arc<DynamicObject>],
) -> Status {
    if is_stopped(nb) {
        return if pod.is_some() || ready_replicas(nb) > 0 {
            Status::new(Phase::Stopping, Some("stopping the notebook server"))
        } else {
            Status::new(Phase::Stopped, None)
        };
    }
    let state = nb.data.pointer("/status/containerState");
    if ready_replicas(nb) > 0 && state.and_then(|s| s.get("running")).is_some() {
        return Status::new(Phase::Running, None);
    }
    if let Some(t) = state.and_then(|s| s.get("terminated")) {
        let reason = t
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or("terminated");
        let msg = t.get("message").and_then(Value::as_str);
        return Status::new(Phase::Error, Some(&join(reason, msg)));
    }
    if let Some(w) = state.and_then(|s| s.get("waiting")) {
        let reason = w.get("reason").and_then(Value::as_str).unwrap_or("");
        let msg = w.get("message").and_then(Value::as_str);
        let phase = if ERROR_REASONS.contains(&reason) {
            Phase::Error
        } else {
            Phase::Starting
        };
        return Status::new(phase, Some(&join(reason, msg)));
    }
    // Scheduling problems, from the notebook's conditions, then the pod's.
    for obj in std::iter::once(nb).chain(pod) {
        if let Some(s) = unschedulable(obj) {
            return s;
        }
    }
    if let Some(pod) = pod {
        let statuses = pod
            .data
            .pointer("/status/containerStatuses")
            .and_then(Value::as_array);
        for c in statuses.into_iter().flatten() {
            if let Some(w) = c.pointer("/state/waiting") {
                let reason = w.get("reason").and_then(Value::as_str).unwrap_or("");
                let msg = w.get("message").and_then(Value::as_str);
                let phase = if ERROR_REASONS.contains(&reason) {
                    Phase::Error
                } else {
                    Phase::Starting
                };
                return Status::new(phase, Some(&join(reason, msg)));
            }
        }
        if columns::str_at(pod, "/status/phase") == Some("Running") && ready_replicas(nb) > 0 {
            return Status::new(Phase::Running, None);
        }
    }
    // The newest warning event, if it is about scheduling or is the last word.
    if let Some(e) = events
        .iter()
        .rev()
        .find(|e| columns::str_at(e, "/type") == Some("Warning"))
    {
        let reason = columns::str_at(e, "/reason").unwrap_or("");
        let msg = columns::str_at(e, "/message");
        let phase = if reason == "FailedScheduling" {
            Phase::Unschedulable
        } else {
            Phase::Starting
        };
        return Status::new(phase, Some(msg.unwrap_or(reason)));
    }
    Status::new(
        Phase::Starting,
        Some("waiting for the notebook server to start"),
    )
}

fn unschedulable(obj: &DynamicObject) -> Option<Status> {
    let conds = obj.data.pointer("/status/conditions")?.as_array()?;
    conds.iter().find_map(|c| {
        let get = |f: &str| c.get(f).and_then(Value::as_str);
        let is_sched = get("type") == Some("PodScheduled") && get("status") == Some("False");
        (is_sched || get("reason") == Some("Unschedulable"))
            .then(|| Status::new(Phase::Unschedulable, get("message").or(get("reason"))))
    })
}

fn join(reason: &str, message: Option<&str>) -> String {
    match message.filter(|m| !m.is_empty()) {
        Some(m) if !reason.is_empty() => format!("{reason}: {m}"),
        Some(m) => m.to_string(),
        None => reason.to_string(),
    }
}

/// The notebook's main container (named like the notebook, else the first).
pub fn container(nb: &DynamicObject) -> Option<&Value> {
    let cs = nb
        .data
        .pointer("/spec/template/spec/containers")?
        .as_array()?;
    let name = columns::name(nb);
    cs.iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
        .or_else(|| cs.first())
}

pub fn image(nb: &DynamicObject) -> &str {
    container(nb)
        .and_then(|c| c.get("image"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// A resource request (falling back to the limit), e.g. ("cpu") -> "500m".
pub fn resource(nb: &DynamicObject, name: &str) -> Option<String> {
    let c = container(nb)?;
    ["requests", "limits"].iter().find_map(|part| {
        let v = c.pointer(&format!("/resources/{part}/{}", name.replace('/', "~1")))?;
        v.as_str()
            .map(str::to_string)
            .or_else(|| Some(v.to_string()))
    })
}

/// GPU count and vendor ("nvidia", "amd").
pub fn gpus(nb: &DynamicObject) -> Option<(i64, &'static str)> {
    for (key, vendor) in [("nvidia.com/gpu", "nvidia"), ("amd.com/gpu", "amd")] {
        let c = container(nb)?;
        let v = c
            .pointer(&format!("/resources/limits/{}", key.replace('/', "~1")))
            .or_else(|| c.pointer(&format!("/resources/requests/{}", key.replace('/', "~1"))));
        let n = v.and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        });
        if let Some(n) = n.filter(|n| *n > 0) {
            return Some((n, vendor));
        }
    }
    None
}

/// A volume: its PVC (if any) and where the main container mounts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub name: String,
    pub claim: Option<String>,
    pub mount: Option<String>,
}

pub fn volumes(nb: &DynamicObject) -> Vec<Volume> {
    let mounts: Vec<(String, String)> = container(nb)
        .and_then(|c| c.get("volumeMounts"))
        .and_then(Value::as_array)
        .map(|ms| {
            ms.iter()
                .filter_map(|m| {
                    Some((
                        m.get("name")?.as_str()?.to_string(),
                        m.get("mountPath")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    nb.data
        .pointer("/spec/template/spec/volumes")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter_map(|v| {
                    let name = v.get("name")?.as_str()?.to_string();
                    let claim = v
                        .pointer("/persistentVolumeClaim/claimName")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    let mount = mounts
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, p)| p.clone());
                    Some(Volume { name, claim, mount })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The PVC mounted as the workspace, if any.
pub fn workspace_claim(nb: &DynamicObject) -> Option<String> {
    volumes(nb)
        .into_iter()
        .find(|v| v.mount.as_deref() == Some(WORKSPACE_MOUNT))
        .and_then(|v| v.claim)
}

pub fn last_activity(nb: &DynamicObject) -> Option<Timestamp> {
    columns::annotation(nb, LAST_ACTIVITY).and_then(|s| s.parse().ok())
}

/// The port Jupyter listens on (the first container port, else 8888).
pub fn port(nb: &DynamicObject) -> u16 {
    container(nb)
        .and_then(|c| c.pointer("/ports/0/containerPort"))
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(8888)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::obj;

    fn nb(extra: Value) -> DynamicObject {
        let mut base = serde_json::json!({
            "apiVersion": "kubeflow.org/v1", "kind": "Notebook",
            "metadata": {"name": "nb", "namespace": "ns", "annotations": {}},
            "spec": {"template": {"spec": {
                "containers": [{"name": "nb", "image": "kubeflownotebookswg/jupyter-pytorch-cuda-full:v1.9.0",
                    "ports": [{"containerPort": 8888, "name": "notebook-port"}],
                    "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"nvidia.com/gpu": "2"}},
                    "volumeMounts": [{"name": "ws", "mountPath": "/home/jovyan"}, {"name": "data", "mountPath": "/data"}]}],
                "volumes": [{"name": "ws", "persistentVolumeClaim": {"claimName": "nb-workspace"}},
                    {"name": "data", "persistentVolumeClaim": {"claimName": "datasets"}},
                    {"name": "dshm", "emptyDir": {"medium": "Memory"}}]}}}
        });
        json_patch::merge(&mut base, &extra);
        obj(base)
    }

    #[test]
    fn reads_spec_fields() {
        let n = nb(serde_json::json!({}));
        assert_eq!(
            columns::short_image(image(&n)),
            "jupyter-pytorch-cuda-full:v1.9.0"
        );
        assert_eq!(resource(&n, "cpu").as_deref(), Some("500m"));
        assert_eq!(resource(&n, "memory").as_deref(), Some("1Gi"));
        assert_eq!(gpus(&n), Some((2, "nvidia")));
        assert_eq!(workspace_claim(&n).as_deref(), Some("nb-workspace"));
        assert_eq!(volumes(&n).len(), 3);
        assert_eq!(port(&n), 8888);
    }

    #[test]
    fn statuses() {
        let running = nb(
            serde_json::json!({"status": {"readyReplicas": 1, "containerState": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}, "conditions": []}}),
        );
        assert_eq!(status(&running, None, &[]).phase, Phase::Running);

        let stopped = nb(
            serde_json::json!({"metadata": {"annotations": {STOPPED: "2025-01-01T00:00:00Z"}}, "status": {"readyReplicas": 0, "containerState": {}, "conditions": []}}),
        );
        assert_eq!(status(&stopped, None, &[]).phase, Phase::Stopped);
        let pod = obj(
            serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nb-0"}}),
        );
        assert_eq!(status(&stopped, Some(&pod), &[]).phase, Phase::Stopping);

        let pulling = nb(
            serde_json::json!({"status": {"readyReplicas": 0, "containerState": {"waiting": {"reason": "ImagePullBackOff", "message": "back-off pulling image"}}, "conditions": []}}),
        );
        let s = status(&pulling, None, &[]);
        assert_eq!(
            (s.phase, s.reason.as_deref()),
            (
                Phase::Error,
                Some("ImagePullBackOff: back-off pulling image")
            )
        );

        let pending = nb(
            serde_json::json!({"status": {"readyReplicas": 0, "containerState": {}, "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."}]}}),
        );
        let s = status(&pending, None, &[]);
        assert_eq!(s.phase, Phase::Unschedulable);
        assert!(
            s.reason
                .as_deref()
                .is_some_and(|r| r.contains("Insufficient nvidia.com/gpu"))
        );

        let fresh = nb(serde_json::json!({}));
        let event = Arc::new(obj(
            serde_json::json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"},
            "type": "Warning", "reason": "FailedScheduling", "message": "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
            "involvedObject": {"kind": "Notebook", "name": "nb"}}),
        ));
        let s = status(&fresh, None, &[&event]);
        assert_eq!(s.phase, Phase::Unschedulable);
        assert_eq!(status(&fresh, None, &[]).phase, Phase::Starting);
    }
}
