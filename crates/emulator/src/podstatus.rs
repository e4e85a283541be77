//! Pod status documents as kubelet and the scheduler write them: pending
//! and unschedulable, container creating, running, and terminated. Shared
//! by the demo fixtures and the simulated kubelet so both look the same.

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::clock::rfc3339;
use crate::ids;
use crate::processes::{self, Program};

/// `(name, image)` of each container under `spec.{key}` (`containers`, `initContainers`).
pub(crate) fn names(pod: &Value, key: &str) -> Vec<(String, String)> {
    pod.pointer(&format!("/spec/{key}"))
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    (
                        c.get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        c.get("image")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn qos(pod: &Value) -> String {
    pod.pointer("/status/qosClass")
        .and_then(Value::as_str)
        .map(String::from)
        .unwrap_or_else(|| crate::ops::defaults::qos_class(pod).to_string())
}

fn condition(kind: &str, status: bool, at: Timestamp) -> Value {
    json!({
        "type": kind,
        "status": if status { "True" } else { "False" },
        "lastProbeTime": null,
        "lastTransitionTime": rfc3339(at),
    })
}

fn image_id(image: &str) -> String {
    let repo = image.split(':').next().unwrap_or(image);
    let repo = if repo.contains('/') && repo.split('/').next().is_some_and(|h| h.contains('.')) {
        repo.to_string()
    } else {
        format!("docker.io/{repo}")
    };
    format!(
        "{repo}@sha256:{:016x}{:016x}{:016x}{:016x}",
        ids::hash64(image),
        ids::hash64(&format!("{image}1")),
        ids::hash64(&format!("{image}2")),
        ids::hash64(&format!("{image}3"))
    )
}

fn container_id(pod_uid: &str, name: &str, restart: i64) -> String {
    let k = format!("{pod_uid}/{name}/{restart}");
    format!(
        "containerd://{:016x}{:016x}{:016x}{:016x}",
        ids::hash64(&k),
        ids::hash64(&format!("{k}a")),
        ids::hash64(&format!("{k}b")),
        ids::hash64(&format!("{k}c"))
    )
}

/// Where a pod runs.
#[derive(Debug, Clone)]
pub struct Placement {
    pub node: String,
    pub host_ip: String,
    pub pod_ip: String,
    pub scheduled: Timestamp,
}

/// What each container is doing.
#[derive(Debug, Clone, Copy)]
pub enum Phase {
    /// Images are being pulled.
    Creating,
    /// Started at this time.
    Running(Timestamp),
    /// Ran from the first to the second time and exited.
    Finished(Timestamp, Timestamp),
}

/// A previous run of a container (restart history).
#[derive(Debug, Clone)]
pub struct PreviousRun {
    pub container: String,
    pub started: Timestamp,
    pub finished: Timestamp,
    pub exit_code: i32,
    pub reason: String,
}

fn terminated(
    exit_code: i32,
    reason: &str,
    started: Timestamp,
    finished: Timestamp,
    cid: &str,
) -> Value {
    json!({"terminated": {
        "exitCode": exit_code, "reason": reason,
        "startedAt": rfc3339(started), "finishedAt": rfc3339(finished), "containerID": cid,
    }})
}

fn ips(p: &Placement) -> (Value, Value) {
    (json!([{"ip": p.host_ip}]), json!([{"ip": p.pod_ip}]))
}

/// The status of a pod the scheduler could not place.
pub fn unschedulable(pod: &Value, message: &str, at: Timestamp) -> Value {
    json!({
        "phase": "Pending",
        "conditions": [{
            "type": "PodScheduled", "status": "False", "lastProbeTime": null,
            "lastTransitionTime": rfc3339(at), "reason": "Unschedulable", "message": message,
        }],
        "qosClass": qos(pod),
    })
}

/// The status of a placed pod in `phase`. `previous` adds restart history.
pub fn placed(pod: &Value, placement: &Placement, phase: Phase, previous: &[PreviousRun]) -> Value {
    let uid = pod
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (host_ips, pod_ips) = ips(placement);
    let sched = placement.scheduled;
    let inits = names(pod, "initContainers");
    let containers = names(pod, "containers");
    let mut init_statuses = Vec::new();
    let mut statuses = Vec::new();
    let mut all_exit_zero = true;
    let (start_time, containers_started, ready) = match phase {
        Phase::Creating => (sched, None, false),
        Phase::Running(s) => (sched, Some(s), true),
        Phase::Finished(s, _) => (sched, Some(s), false),
    };
    for (name, image) in &inits {
        let state = match containers_started {
            Some(s) => terminated(0, "Completed", s, s, &container_id(uid, name, 0)),
            None => json!({"waiting": {"reason": "PodInitializing"}}),
        };
        init_statuses.push(json!({
            "name": name, "image": image, "imageID": image_id(image),
            "containerID": container_id(uid, name, 0),
            "ready": containers_started.is_some(), "restartCount": 0, "started": false,
            "state": state, "lastState": {},
        }));
    }
    for (name, image) in &containers {
        let prev = previous.iter().find(|p| &p.container == name);
        let restarts = i64::from(prev.is_some());
        let cid = container_id(uid, name, restarts);
        let state = match phase {
            Phase::Creating => json!({"waiting": {"reason": "ContainerCreating"}}),
            Phase::Running(s) => {
                let s = match prev {
                    Some(p) => p
                        .finished
                        .checked_add(jiff::SignedDuration::from_secs(8))
                        .unwrap_or(s),
                    None => s,
                };
                json!({"running": {"startedAt": rfc3339(s)}})
            }
            Phase::Finished(s, f) => {
                let program: Program = processes::program_for(pod, name, false);
                let code = program.exit_code;
                all_exit_zero &= code == 0;
                terminated(code, program.exit_reason(), s, f, &cid)
            }
        };
        let last_state = match prev {
            Some(p) => terminated(
                p.exit_code,
                &p.reason,
                p.started,
                p.finished,
                &container_id(uid, name, 0),
            ),
            None => json!({}),
        };
        let mut cs = json!({
            "name": name, "image": image, "imageID": image_id(image),
            "ready": ready, "restartCount": restarts,
            "started": matches!(phase, Phase::Running(_)),
            "state": state, "lastState": last_state,
        });
        if !matches!(phase, Phase::Creating)
            && let Some(m) = cs.as_object_mut()
        {
            m.insert("containerID".into(), json!(cid));
        }
        statuses.push(cs);
    }
    let (pod_phase, ready_at, initialized) = match phase {
        Phase::Creating => ("Pending", sched, !inits.is_empty()),
        Phase::Running(s) => ("Running", s, true),
        Phase::Finished(_, f) => (if all_exit_zero { "Succeeded" } else { "Failed" }, f, true),
    };
    let sandbox_ready = !matches!(phase, Phase::Finished(..));
    let mut conditions = vec![
        condition("PodReadyToStartContainers", sandbox_ready, sched),
        condition(
            "Initialized",
            initialized || inits.is_empty(),
            containers_started.unwrap_or(sched),
        ),
        condition("Ready", ready, ready_at),
        condition("ContainersReady", ready, ready_at),
        condition("PodScheduled", true, sched),
    ];
    if matches!(phase, Phase::Creating) {
        for c in conditions.iter_mut().take(4).skip(2) {
            if let Some(m) = c.as_object_mut() {
                m.insert("reason".into(), json!("ContainersNotReady"));
                let names: Vec<&str> = containers.iter().map(|(n, _)| n.as_str()).collect();
                m.insert(
                    "message".into(),
                    json!(format!(
                        "containers with unready status: [{}]",
                        names.join(" ")
                    )),
                );
            }
        }
    }
    if matches!(phase, Phase::Finished(..)) {
        for c in conditions.iter_mut().take(4).skip(2) {
            if let Some(m) = c.as_object_mut() {
                m.insert("reason".into(), json!("PodCompleted"));
            }
        }
    }
    let mut status = json!({
        "phase": pod_phase,
        "conditions": conditions,
        "hostIP": placement.host_ip,
        "hostIPs": host_ips,
        "podIP": placement.pod_ip,
        "podIPs": pod_ips,
        "startTime": rfc3339(start_time),
        "containerStatuses": statuses,
        "qosClass": qos(pod),
    });
    if !init_statuses.is_empty()
        && let Some(m) = status.as_object_mut()
    {
        m.insert("initContainerStatuses".into(), Value::Array(init_statuses));
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_pod_status_roundtrips_through_the_api_type() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "n", "uid": "u"},
            "spec": {"containers": [{"name": "a", "image": "busybox:1.36"}],
                     "initContainers": [{"name": "i", "image": "busybox:1.36"}]}});
        let t = crate::clock::ago(60);
        let p = Placement {
            node: "n1".into(),
            host_ip: "10.0.0.1".into(),
            pod_ip: "10.244.0.5".into(),
            scheduled: t,
        };
        let status = placed(&pod, &p, Phase::Running(t), &[]);
        assert_eq!(status["phase"], "Running");
        let mut full = pod.clone();
        full["status"] = status;
        let typed: k8s_openapi::api::core::v1::Pod =
            serde_json::from_value(full.clone()).expect("typed");
        let back = serde_json::to_value(typed).expect("json");
        // kube-apiserver writes `lastProbeTime: null`; the typed client drops nulls.
        if let Some(Value::Array(cs)) = full.pointer_mut("/status/conditions") {
            for c in cs.iter_mut().filter_map(Value::as_object_mut) {
                c.retain(|_, v| !v.is_null());
            }
        }
        assert_eq!(back, full);
    }
}
