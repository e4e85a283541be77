//! Demo notebooks, as the Kubeflow notebooks web app creates them: the
//! Notebook, its workspace PVC, the controller's Service and StatefulSet
//! pod, and their events.

use serde_json::{Value, json};

use super::{Demo, ago};
use crate::clock::rfc3339;
use crate::kubeflow::notebook;
use crate::names::*;
use crate::podstatus::PreviousRun;
use crate::resources;
use crate::scheduler::{self, NodeState, Request};

/// What a demo notebook is doing.
enum State {
    /// Running on a node; the pod is `pod_age` seconds old.
    Running { node: &'static str, pod_age: i64 },
    /// Running, with one OOM restart `restart_ago` seconds ago.
    Restarted {
        node: &'static str,
        pod_age: i64,
        restart_ago: i64,
    },
    /// Stopped `stopped_ago` seconds ago.
    Stopped { stopped_ago: i64 },
    /// Waiting for GPUs no node has.
    Unschedulable,
}

struct Spec {
    ns: &'static str,
    name: &'static str,
    creator: &'static str,
    image: &'static str,
    server_type: &'static str,
    cpu: &'static str,
    memory: &'static str,
    gpus: u32,
    age: i64,
    state: State,
}

fn notebook_object(s: &Spec, last_activity: &str) -> Value {
    let mut requests = json!({"cpu": s.cpu, "memory": s.memory});
    let mut limits = json!({"cpu": s.cpu, "memory": s.memory});
    if s.gpus > 0 {
        requests["nvidia.com/gpu"] = json!(s.gpus.to_string());
        limits["nvidia.com/gpu"] = json!(s.gpus.to_string());
    }
    let workspace = format!("{}-workspace", s.name);
    let mut annotations = json!({
        "notebooks.kubeflow.org/server-type": s.server_type,
        "notebooks.kubeflow.org/creator": s.creator,
        LAST_ACTIVITY_ANNOTATION: last_activity,
        "notebooks.kubeflow.org/last_activity_check_timestamp": last_activity,
    });
    if let State::Stopped { stopped_ago } = s.state {
        annotations[STOP_ANNOTATION] = json!(rfc3339(ago(stopped_ago)));
    }
    if s.server_type == "group-one" {
        annotations["notebooks.kubeflow.org/http-rewrite-uri"] = json!("/");
    }
    json!({
        "metadata": {"name": s.name, "namespace": s.ns, "labels": {"app": s.name}, "annotations": annotations},
        "spec": {"template": {"spec": {
            "containers": [{
                "name": s.name,
                "image": s.image,
                "imagePullPolicy": "IfNotPresent",
                "resources": {"requests": requests, "limits": limits},
                "volumeMounts": [
                    {"mountPath": "/home/jovyan", "name": workspace},
                    {"mountPath": "/dev/shm", "name": "dshm"},
                ],
            }],
            "serviceAccountName": "default-editor",
            "volumes": [
                {"name": workspace, "persistentVolumeClaim": {"claimName": workspace}},
                {"name": "dshm", "emptyDir": {"medium": "Memory"}},
            ],
        }}},
    })
}

fn workspace_pvc(demo: &mut Demo, s: &Spec) {
    let uid = crate::ids::uid(&mut demo.rng);
    demo.add(
        &resources::PERSISTENT_VOLUME_CLAIM,
        json!({
            "metadata": {"name": format!("{}-workspace", s.name), "namespace": s.ns,
                "annotations": {"pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes",
                                "volume.beta.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
                                "volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com"},
                "finalizers": ["kubernetes.io/pvc-protection"]},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}},
                     "storageClassName": "gp3", "volumeMode": "Filesystem", "volumeName": format!("pvc-{uid}")},
            "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "20Gi"}},
        }),
        s.age,
    );
}

fn nodes(demo: &Demo) -> Vec<NodeState> {
    demo.objects
        .iter()
        .filter(|(rt, _)| rt.id == resources::NODE.id)
        .map(|(_, v)| NodeState::of(v))
        .collect()
}

fn one(demo: &mut Demo, s: Spec) {
    let activity = match s.state {
        State::Stopped { stopped_ago } => rfc3339(ago(stopped_ago + 3600)),
        _ => rfc3339(ago(90)),
    };
    let index = demo.objects.len();
    let nb = demo.add(&resources::NOTEBOOK, notebook_object(&s, &activity), s.age);
    workspace_pvc(demo, &s);
    let mut svc = notebook::service_for(&nb);
    svc["spec"]["clusterIP"] = json!(format!("10.96.{}.{}", 40 + index % 50, 10 + index % 200));
    crate::ops::defaults::service(&mut svc, String::new());
    demo.add(&resources::SERVICE, svc, s.age - 2);
    let pod = match s.state {
        State::Running { node, pod_age } => {
            Some(demo.running_pod(notebook::pod_for(&nb), node, pod_age, &[]))
        }
        State::Restarted {
            node,
            pod_age,
            restart_ago,
        } => {
            let previous = PreviousRun {
                container: s.name.to_string(),
                started: ago(pod_age - 4),
                finished: ago(restart_ago),
                exit_code: 137,
                reason: "OOMKilled".into(),
            };
            let pod = demo.running_pod(notebook::pod_for(&nb), node, pod_age, &[previous]);
            demo.event(
                &pod,
                "BackOff",
                &format!(
                    "Back-off restarting failed container {} in pod {}-0_{}({})",
                    s.name,
                    s.name,
                    s.ns,
                    pod.pointer("/metadata/uid")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                ),
                "Warning",
                "kubelet",
                Some(node),
                (restart_ago, restart_ago - 8),
                2,
            );
            Some(pod)
        }
        State::Stopped { .. } => None,
        State::Unschedulable => {
            let pod = notebook::pod_for(&nb);
            let message = match scheduler::place(&Request::of(&pod), &nodes(demo)) {
                Err(m) => m,
                Ok(_) => "0/5 nodes are available: 5 Insufficient nvidia.com/gpu.".into(),
            };
            let pod = demo.unschedulable_pod(pod, &message, s.age - 2);
            let count = u32::try_from(s.age / 120).unwrap_or(1).max(1);
            demo.event(
                &pod,
                "FailedScheduling",
                &message,
                "Warning",
                "default-scheduler",
                None,
                (s.age - 2, 30),
                count,
            );
            demo.event(
                &nb,
                "FailedScheduling",
                &format!("Reissued from pod/{}-0: {message}", s.name),
                "Warning",
                "notebook-controller",
                None,
                (s.age - 2, 30),
                count,
            );
            Some(pod)
        }
    };
    let status = notebook::status_from_pod(&nb, pod.as_ref());
    if let Some((_, v)) = demo.objects.get_mut(index)
        && let Some(m) = v.as_object_mut()
    {
        m.insert("status".into(), status);
    }
}

/// The demo notebooks.
pub fn build(demo: &mut Demo) {
    let specs = [
        Spec {
            ns: ML_RESEARCH,
            name: NOTEBOOK_JUPYTER_ALICE,
            creator: ALICE,
            image: "kubeflownotebookswg/jupyter-pytorch-cuda-full:v1.9.0",
            server_type: "jupyter",
            cpu: "4",
            memory: "16Gi",
            gpus: 1,
            age: 6 * 86400,
            state: State::Running {
                node: NODE_A100,
                pod_age: 2 * 86400,
            },
        },
        Spec {
            ns: ML_RESEARCH,
            name: NOTEBOOK_PYTORCH_DEV,
            creator: ALICE,
            image: "kubeflownotebookswg/jupyter-pytorch-cuda-full:v1.9.0",
            server_type: "jupyter",
            cpu: "8",
            memory: "64Gi",
            gpus: 2,
            age: 3 * 86400,
            state: State::Restarted {
                node: NODE_A100,
                pod_age: 86400,
                restart_ago: 5 * 3600,
            },
        },
        Spec {
            ns: ML_RESEARCH,
            name: NOTEBOOK_OLD_EXPERIMENTS,
            creator: BOB,
            image: "kubeflownotebookswg/jupyter-scipy:v1.9.0",
            server_type: "jupyter",
            cpu: "1",
            memory: "4Gi",
            gpus: 0,
            age: 40 * 86400,
            state: State::Stopped {
                stopped_ago: 9 * 86400,
            },
        },
        Spec {
            ns: ML_RESEARCH,
            name: NOTEBOOK_BIG_GPU,
            creator: ALICE,
            image: "kubeflownotebookswg/jupyter-pytorch-cuda-full:v1.9.0",
            server_type: "jupyter",
            cpu: "32",
            memory: "256Gi",
            gpus: 16,
            age: 25 * 60,
            state: State::Unschedulable,
        },
        Spec {
            ns: VISION_TEAM,
            name: NOTEBOOK_VISION,
            creator: BOB,
            image: "kubeflownotebookswg/codeserver-python:v1.9.0",
            server_type: "group-one",
            cpu: "2",
            memory: "8Gi",
            gpus: 0,
            age: 10 * 86400,
            state: State::Running {
                node: NODE_CPU_0,
                pod_age: 4 * 86400,
            },
        },
        Spec {
            ns: NLP_TEAM,
            name: NOTEBOOK_NLP,
            creator: CAROL,
            image: "kubeflownotebookswg/jupyter-scipy:v1.9.0",
            server_type: "jupyter",
            cpu: "2",
            memory: "8Gi",
            gpus: 0,
            age: 2 * 86400,
            state: State::Running {
                node: NODE_CPU_1,
                pod_age: 2 * 86400 - 30,
            },
        },
    ];
    for s in specs {
        one(demo, s);
    }
}
