//! Demo training jobs: a running PyTorchJob (master and two workers on the
//! A100 node), a finished TFJob, a running TrainJob (trainer v2, two nodes
//! on the H100 node) and a failed PyTorchJob, with their replica pods.

use serde_json::{Value, json};

use super::{Demo, ago};
use crate::kubeflow::training::{self, JobPhase, ReplicaCounts};
use crate::names::*;
use crate::resources::{self, ResourceType};

/// What a demo job is doing.
#[derive(Debug, Clone, Copy)]
enum State {
    Running,
    Succeeded { ran: i64 },
    Failed { ran: i64 },
}

fn replica(
    container: &str,
    image: &str,
    replicas: u32,
    gpus: u32,
    epochs: u32,
    restart: &str,
) -> Value {
    let mut resources = json!({"limits": {"cpu": "4", "memory": "16Gi"}, "requests": {"cpu": "2", "memory": "8Gi"}});
    if gpus > 0 {
        resources["limits"]["nvidia.com/gpu"] = json!(gpus.to_string());
        resources["requests"]["nvidia.com/gpu"] = json!(gpus.to_string());
    }
    json!({
        "replicas": replicas,
        "restartPolicy": restart,
        "template": {
            "metadata": {"annotations": {"sidecar.istio.io/inject": "false"}},
            "spec": {"containers": [{
                "name": container,
                "image": image,
                "imagePullPolicy": "IfNotPresent",
                "command": ["python3", "/opt/train/train.py"],
                "args": ["--epochs", epochs.to_string(), "--backend", "nccl"],
                "resources": resources,
            }]},
        },
    })
}

/// Adds `job`, its replica pods on `node` and its status.
fn v1_job(
    demo: &mut Demo,
    rt: &'static ResourceType,
    job: Value,
    node: &str,
    age: i64,
    state: State,
) {
    let (index, job) = demo.add_indexed(rt, job, age);
    let pods = training::replica_pods(rt, &job);
    let mut counts: ReplicaCounts = ReplicaCounts::new();
    for pod in pods {
        let replica_type = pod
            .pointer("/metadata/labels/training.kubeflow.org~1replica-type")
            .and_then(Value::as_str)
            .unwrap_or("worker")
            .to_string();
        // replicaStatuses are keyed by the spec's replica name (Master, Worker).
        let key = training::replicas(rt, &job)
            .into_iter()
            .map(|(k, _, _)| k)
            .find(|k| k.to_lowercase() == replica_type)
            .unwrap_or(replica_type);
        let entry = counts.entry(key).or_insert((0, 0, 0));
        match state {
            State::Running => {
                demo.running_pod(pod, node, age - 3, &[]);
                entry.0 += 1;
            }
            State::Succeeded { ran } => {
                demo.finished_pod(pod, node, age - 3, age - 3 - ran);
                entry.1 += 1;
            }
            State::Failed { ran } => {
                let stored = demo.finished_pod(pod, node, age - 3, age - 3 - ran);
                let failed =
                    stored.pointer("/status/phase").and_then(Value::as_str) == Some("Failed");
                if failed { entry.2 += 1 } else { entry.1 += 1 }
            }
        }
    }
    let created = ago(age);
    let started = ago(age - 5);
    let phase = match state {
        State::Running => JobPhase::Running { created, started },
        State::Succeeded { ran } => JobPhase::Succeeded {
            created,
            started,
            finished: ago(age - 5 - ran),
        },
        State::Failed { ran } => JobPhase::Failed {
            created,
            started,
            finished: ago(age - 5 - ran),
        },
    };
    if let State::Failed { .. } = state
        && counts.values().all(|(_, _, f)| *f == 0)
        && let Some(first) = counts.values_mut().next()
    {
        // The job failed even though the pods' programs exited cleanly.
        first.2 = first.1.max(1);
        first.1 = 0;
    }
    let status = training::v1_status(rt, &job, phase, &counts);
    demo.set_status(index, status);
}

fn pytorch_job(name: &str, ns: &str, workers: u32, gpus: u32, epochs: u32) -> Value {
    let image = "docker.io/kubeflowkatib/pytorch-mnist-gpu:v0.19.0";
    json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "runPolicy": {"cleanPodPolicy": "None", "backoffLimit": 3},
            "pytorchReplicaSpecs": {
                "Master": replica("pytorch", image, 1, gpus, epochs, "OnFailure"),
                "Worker": replica("pytorch", image, workers, gpus, epochs, "OnFailure"),
            },
        },
    })
}

fn tf_job(name: &str, ns: &str) -> Value {
    let image = "kubeflow/tf-mnist-with-summaries:latest";
    json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "runPolicy": {"cleanPodPolicy": "None"},
            "tfReplicaSpecs": {
                "Worker": replica("tensorflow", image, 2, 1, 8, "OnFailure"),
            },
        },
    })
}

fn train_job(demo: &mut Demo, name: &str, ns: &str, age: i64) {
    let job = json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "runtimeRef": {"apiGroup": "trainer.kubeflow.org", "kind": "ClusterTrainingRuntime", "name": "torch-distributed"},
            "trainer": {
                "numNodes": 2,
                "image": "pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime",
                "command": ["torchrun", "/workspace/train.py"],
                "args": ["--epochs", "20", "--model", "llama-3.2-1b"],
                "resourcesPerNode": {"limits": {"nvidia.com/gpu": "1"}, "requests": {"nvidia.com/gpu": "1"}},
            },
        },
    });
    let (index, job) = demo.add_indexed(&resources::TRAIN_JOB, job, age);
    let pods = training::trainjob_pods(&job);
    let n = u32::try_from(pods.len()).unwrap_or(1);
    for pod in pods {
        demo.running_pod(pod, NODE_H100, age - 4, &[]);
    }
    let status = training::trainjob_status(
        &job,
        JobPhase::Running {
            created: ago(age),
            started: ago(age - 6),
        },
        (n, 0, 0),
        None,
    );
    demo.set_status(index, status);
}

/// The demo training jobs.
pub fn build(demo: &mut Demo) {
    v1_job(
        demo,
        &resources::PYTORCH_JOB,
        pytorch_job("resnet50-ddp", ML_RESEARCH, 2, 1, 30),
        NODE_A100,
        1800,
        State::Running,
    );
    v1_job(
        demo,
        &resources::PYTORCH_JOB,
        pytorch_job("bert-finetune", NLP_TEAM, 1, 1, 3),
        NODE_T4,
        6 * 3600,
        State::Failed { ran: 900 },
    );
    v1_job(
        demo,
        &resources::TF_JOB,
        tf_job("mnist-tf", VISION_TEAM),
        NODE_T4,
        86400,
        State::Succeeded { ran: 1200 },
    );
    train_job(demo, "llama-finetune", ML_RESEARCH, 600);
}
