//! Training jobs: the replica pods the training operator (v1 jobs) and
//! JobSet (v2 TrainJob) create, and the job statuses they report.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::{name_of, namespace_of, owner_ref};
use crate::clock::rfc3339;
use crate::ids;
use crate::resources::{self, ResourceType};

/// The `spec` key holding the replica specs of a v1 job kind.
pub fn replica_specs_key(kind: &str) -> &'static str {
    match kind {
        "PyTorchJob" => "pytorchReplicaSpecs",
        "TFJob" => "tfReplicaSpecs",
        "MPIJob" => "mpiReplicaSpecs",
        "XGBoostJob" => "xgbReplicaSpecs",
        "JAXJob" => "jaxReplicaSpecs",
        _ => "replicaSpecs",
    }
}

/// The training operator's controller name for a kind.
pub fn operator_name(kind: &str) -> String {
    format!("{}-controller", kind.to_lowercase())
}

/// Whether a replica type is the one whose completion ends the job.
fn is_leader(replica: &str) -> bool {
    matches!(replica, "Master" | "Chief" | "Launcher")
}

/// The replica types of a v1 job, leaders first, with their replica counts.
pub fn replicas(rt: &ResourceType, job: &Value) -> Vec<(String, u32, Value)> {
    let key = replica_specs_key(rt.kind);
    let mut out: Vec<(String, u32, Value)> = job
        .pointer(&format!("/spec/{key}"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let n = v.get("replicas").and_then(Value::as_u64).unwrap_or(1);
                    (k.clone(), u32::try_from(n).unwrap_or(1), v.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by_key(|(k, _, _)| (!is_leader(k), k.clone()));
    out
}

fn labels(rt: &ResourceType, job: &str, replica: &str, index: u32) -> Map<String, Value> {
    let mut l = Map::new();
    l.insert("training.kubeflow.org/job-name".into(), json!(job));
    l.insert(
        "training.kubeflow.org/operator-name".into(),
        json!(operator_name(rt.kind)),
    );
    l.insert(
        "training.kubeflow.org/replica-index".into(),
        json!(index.to_string()),
    );
    l.insert(
        "training.kubeflow.org/replica-type".into(),
        json!(replica.to_lowercase()),
    );
    if is_leader(replica) {
        l.insert("training.kubeflow.org/job-role".into(), json!("master"));
    }
    l
}

/// The selector `replicaStatuses` report for a replica type.
pub fn replica_selector(rt: &ResourceType, job: &str, replica: &str) -> String {
    format!(
        "training.kubeflow.org/job-name={job},training.kubeflow.org/operator-name={},training.kubeflow.org/replica-type={}",
        operator_name(rt.kind),
        replica.to_lowercase()
    )
}

fn distributed_env(
    rt: &ResourceType,
    job: &Value,
    replica: &str,
    index: u32,
    world: u32,
    rank: u32,
) -> Vec<Value> {
    let name = name_of(job);
    match rt.kind {
        "PyTorchJob" => vec![
            json!({"name": "MASTER_PORT", "value": "23456"}),
            json!({"name": "MASTER_ADDR", "value": format!("{name}-master-0")}),
            json!({"name": "WORLD_SIZE", "value": world.to_string()}),
            json!({"name": "RANK", "value": rank.to_string()}),
            json!({"name": "PYTHONUNBUFFERED", "value": "1"}),
        ],
        "TFJob" => vec![json!({"name": "TF_CONFIG", "value": json!({
            "cluster": {},
            "task": {"type": replica.to_lowercase(), "index": index},
            "environment": "cloud"
        }).to_string()})],
        _ => vec![json!({"name": "PYTHONUNBUFFERED", "value": "1"})],
    }
}

/// The pods of a v1 job, in creation order (no status).
pub fn replica_pods(rt: &ResourceType, job: &Value) -> Vec<Value> {
    let name = name_of(job);
    let ns = namespace_of(job);
    let reps = replicas(rt, job);
    let world: u32 = reps.iter().map(|(_, n, _)| *n).sum();
    let mut rank = 0;
    let mut pods = Vec::new();
    for (replica, count, spec) in reps {
        let restart = match spec.get("restartPolicy").and_then(Value::as_str) {
            Some("Always") => "Always",
            Some("OnFailure") => "OnFailure",
            _ => "Never",
        };
        for index in 0..count {
            let mut pod_spec = spec
                .pointer("/template/spec")
                .cloned()
                .unwrap_or_else(|| json!({"containers": []}));
            if let Some(Value::Array(cs)) = pod_spec.get_mut("containers")
                && let Some(first) = cs.first_mut().and_then(Value::as_object_mut)
            {
                let env = first.entry("env").or_insert_with(|| json!([]));
                if let Value::Array(env) = env {
                    env.extend(distributed_env(rt, job, &replica, index, world, rank));
                }
            }
            if let Some(s) = pod_spec.as_object_mut() {
                s.insert("restartPolicy".into(), json!(restart));
                s.insert(
                    "hostname".into(),
                    json!(format!("{name}-{}-{index}", replica.to_lowercase())),
                );
                s.insert("subdomain".into(), json!(name));
            }
            let mut l = spec
                .pointer("/template/metadata/labels")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            l.extend(labels(rt, name, &replica, index));
            let mut meta = json!({
                "name": format!("{name}-{}-{index}", replica.to_lowercase()),
                "namespace": ns,
                "labels": l,
                "ownerReferences": [owner_ref(rt, job)],
            });
            if let (Some(a), Some(m)) = (
                spec.pointer("/template/metadata/annotations"),
                meta.as_object_mut(),
            ) {
                m.insert("annotations".into(), a.clone());
            }
            pods.push(
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": pod_spec}),
            );
            rank += 1;
        }
    }
    pods
}

/// The pods of a TrainJob's JobSet (no status).
pub fn trainjob_pods(job: &Value) -> Vec<Value> {
    let name = name_of(job);
    let ns = namespace_of(job);
    let trainer = job
        .pointer("/spec/trainer")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let nodes = trainer.get("numNodes").and_then(Value::as_u64).unwrap_or(1);
    let image = trainer
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or("pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime");
    let job_uid = {
        let mut rng = fastrand::Rng::with_seed(ids::hash64(&format!("job/{name}/{}", ns)));
        ids::uid(&mut rng)
    };
    let mut pods = Vec::new();
    for i in 0..nodes {
        let mut rng = fastrand::Rng::with_seed(ids::hash64(&format!("{ns}/{name}/{i}")));
        let mut container = json!({
            "name": "node",
            "image": image,
            "env": [
                {"name": "PET_NNODES", "value": nodes.to_string()},
                {"name": "PET_NPROC_PER_NODE", "value": "auto"},
                {"name": "PET_NODE_RANK", "value": i.to_string()},
                {"name": "PET_MASTER_ADDR", "value": format!("{name}-node-0-0.{name}")},
                {"name": "PET_MASTER_PORT", "value": "29400"},
            ],
            "ports": [{"containerPort": 29400, "protocol": "TCP"}],
        });
        if let Some(c) = container.as_object_mut() {
            for key in ["command", "args"] {
                if let Some(v) = trainer.get(key) {
                    c.insert(key.into(), v.clone());
                }
            }
            if let Some(r) = trainer.get("resourcesPerNode") {
                c.insert("resources".into(), r.clone());
            }
        }
        pods.push(json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": format!("{name}-node-0-{i}-{}", ids::suffix(&mut rng, 5)),
                "namespace": ns,
                "labels": {
                    "jobset.sigs.k8s.io/jobset-name": name,
                    "jobset.sigs.k8s.io/replicatedjob-name": "node",
                    "jobset.sigs.k8s.io/job-index": "0",
                    "jobset.sigs.k8s.io/replicatedjob-replicas": "1",
                    "batch.kubernetes.io/job-completion-index": i.to_string(),
                    "batch.kubernetes.io/job-name": format!("{name}-node-0"),
                    "job-name": format!("{name}-node-0"),
                    "trainer.kubeflow.org/trainjob-ancestor-step": "trainer",
                },
                "ownerReferences": [{
                    "apiVersion": "batch/v1", "kind": "Job", "name": format!("{name}-node-0"),
                    "uid": job_uid, "controller": true, "blockOwnerDeletion": true,
                }],
            },
            "spec": {
                "containers": [container],
                "restartPolicy": "OnFailure",
                "hostname": format!("{name}-node-0-{i}"),
                "subdomain": name,
            },
        }));
    }
    pods
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy)]
pub enum JobPhase {
    Created(Timestamp),
    Running {
        created: Timestamp,
        started: Timestamp,
    },
    Succeeded {
        created: Timestamp,
        started: Timestamp,
        finished: Timestamp,
    },
    Failed {
        created: Timestamp,
        started: Timestamp,
        finished: Timestamp,
    },
}

fn v1_condition(
    kind: &str,
    ctype: &str,
    status: bool,
    reason: &str,
    message: String,
    at: Timestamp,
) -> Value {
    let _ = kind;
    json!({
        "type": ctype, "status": if status { "True" } else { "False" }, "reason": reason,
        "message": message, "lastUpdateTime": rfc3339(at), "lastTransitionTime": rfc3339(at),
    })
}

/// Replica counts per replica type: (active, succeeded, failed).
pub type ReplicaCounts = BTreeMap<String, (u32, u32, u32)>;

/// A v1 job status.
pub fn v1_status(rt: &ResourceType, job: &Value, phase: JobPhase, counts: &ReplicaCounts) -> Value {
    let kind = rt.kind;
    let name = name_of(job);
    let ns = namespace_of(job);
    let mut conditions = Vec::new();
    let created_at = match phase {
        JobPhase::Created(c) | JobPhase::Running { created: c, .. } => c,
        JobPhase::Succeeded { created, .. } | JobPhase::Failed { created, .. } => created,
    };
    conditions.push(v1_condition(
        kind,
        "Created",
        true,
        &format!("{kind}Created"),
        format!("{kind} {name} is created."),
        created_at,
    ));
    let mut status = Map::new();
    match phase {
        JobPhase::Created(_) => {}
        JobPhase::Running { started, .. } => {
            conditions.push(v1_condition(
                kind,
                "Running",
                true,
                &format!("{kind}Running"),
                format!("{kind} {ns}/{name} is running."),
                started,
            ));
            status.insert("startTime".into(), json!(rfc3339(started)));
        }
        JobPhase::Succeeded {
            started, finished, ..
        } => {
            conditions.push(v1_condition(
                kind,
                "Running",
                false,
                &format!("{kind}Running"),
                format!("{kind} {ns}/{name} is running."),
                finished,
            ));
            conditions.push(v1_condition(
                kind,
                "Succeeded",
                true,
                &format!("{kind}Succeeded"),
                format!("{kind} {ns}/{name} successfully completed."),
                finished,
            ));
            status.insert("startTime".into(), json!(rfc3339(started)));
            status.insert("completionTime".into(), json!(rfc3339(finished)));
        }
        JobPhase::Failed {
            started, finished, ..
        } => {
            let failed: Vec<String> = counts
                .iter()
                .filter(|(_, (_, _, f))| *f > 0)
                .map(|(k, (_, _, f))| format!("{f} {k} replica(s) failed"))
                .collect();
            conditions.push(v1_condition(
                kind,
                "Running",
                false,
                &format!("{kind}Running"),
                format!("{kind} {ns}/{name} is running."),
                finished,
            ));
            conditions.push(v1_condition(
                kind,
                "Failed",
                true,
                &format!("{kind}Failed"),
                format!(
                    "{kind} {ns}/{name} has failed because {}.",
                    failed.join(", ")
                ),
                finished,
            ));
            status.insert("startTime".into(), json!(rfc3339(started)));
            status.insert("completionTime".into(), json!(rfc3339(finished)));
        }
    }
    let mut replica_statuses = Map::new();
    for (replica, (active, succeeded, failed)) in counts {
        let mut r = Map::new();
        if *active > 0 {
            r.insert("active".into(), json!(active));
        }
        if *succeeded > 0 {
            r.insert("succeeded".into(), json!(succeeded));
        }
        if *failed > 0 {
            r.insert("failed".into(), json!(failed));
        }
        r.insert(
            "selector".into(),
            json!(replica_selector(rt, name, replica)),
        );
        let mut match_labels = Map::new();
        for part in replica_selector(rt, name, replica).split(',') {
            if let Some((k, v)) = part.split_once('=') {
                match_labels.insert(k.into(), json!(v));
            }
        }
        r.insert("labelSelector".into(), json!({"matchLabels": match_labels}));
        replica_statuses.insert(replica.clone(), Value::Object(r));
    }
    status.insert("conditions".into(), Value::Array(conditions));
    status.insert("replicaStatuses".into(), Value::Object(replica_statuses));
    status.insert(
        "lastReconcileTime".into(),
        json!(rfc3339(crate::clock::now())),
    );
    Value::Object(status)
}

fn v2_condition(ctype: &str, status: bool, reason: &str, message: &str, at: Timestamp) -> Value {
    json!({"type": ctype, "status": if status { "True" } else { "False" }, "reason": reason,
           "message": message, "lastTransitionTime": rfc3339(at)})
}

/// A TrainJob status. `progress` is the trainer's percentage while running.
pub fn trainjob_status(
    job: &Value,
    phase: JobPhase,
    counts: (u32, u32, u32),
    progress: Option<(u32, Vec<(String, String)>)>,
) -> Value {
    let nodes = job
        .pointer("/spec/trainer/numNodes")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let (active, succeeded, failed) = counts;
    let mut conditions = Vec::new();
    let mut trainer_status = None;
    match phase {
        JobPhase::Created(_) | JobPhase::Running { .. } => {
            if let Some((pct, metrics)) = progress {
                trainer_status = Some(json!({
                    "progressPercentage": pct,
                    "lastUpdatedTime": rfc3339(crate::clock::now()),
                    "metrics": metrics.into_iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
                }));
            }
        }
        JobPhase::Succeeded { finished, .. } => {
            conditions.push(v2_condition(
                "Complete",
                true,
                "JobsCompleted",
                "jobset completed successfully",
                finished,
            ));
            trainer_status =
                Some(json!({"progressPercentage": 100, "lastUpdatedTime": rfc3339(finished)}));
        }
        JobPhase::Failed { finished, .. } => {
            conditions.push(v2_condition(
                "Failed",
                true,
                "FailedJobs",
                "jobset failed: child job node-0 failed",
                finished,
            ));
        }
    }
    let _ = nodes;
    let mut status = json!({
        "conditions": conditions,
        "jobsStatus": [{"name": "node", "ready": active, "active": active, "succeeded": succeeded,
                        "failed": failed, "suspended": 0}],
    });
    if let (Some(ts), Some(m)) = (trainer_status, status.as_object_mut()) {
        m.insert("trainerStatus".into(), ts);
    }
    status
}

/// Whether the job asks to be suspended: `runPolicy.suspend` for the v1
/// kinds, `spec.suspend` for TrainJob.
pub fn suspend_requested(rt: &ResourceType, job: &Value) -> bool {
    let pointer = if is_v1_job(rt) {
        "/spec/runPolicy/suspend"
    } else {
        "/spec/suspend"
    };
    job.pointer(pointer).and_then(Value::as_bool) == Some(true)
}

/// The status of a suspended job, as the training operator (v1: a
/// `Suspended` condition with reason `<Kind>Suspended`, no start time, no
/// active replicas) or the trainer with JobSet (v2) writes it.
pub fn suspended_status(rt: &ResourceType, job: &Value) -> Value {
    let now = crate::clock::now();
    let name = name_of(job);
    if !is_v1_job(rt) {
        return json!({
            "conditions": [v2_condition("Suspended", true, "Suspended", "TrainJob is suspended", now)],
            "jobsStatus": [{"name": "node", "ready": 0, "active": 0, "succeeded": 0,
                            "failed": 0, "suspended": 1}],
        });
    }
    let kind = rt.kind;
    let ns = namespace_of(job);
    let created = job
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(crate::clock::parse)
        .unwrap_or(now);
    let mut replica_statuses = Map::new();
    for (replica, _, _) in replicas(rt, job) {
        replica_statuses.insert(
            replica.clone(),
            json!({"selector": replica_selector(rt, name, &replica)}),
        );
    }
    json!({
        "conditions": [
            v1_condition(kind, "Created", true, &format!("{kind}Created"),
                format!("{kind} {name} is created."), created),
            v1_condition(kind, "Running", false, &format!("{kind}Suspended"),
                format!("{kind} {ns}/{name} is suspended."), now),
            v1_condition(kind, "Suspended", true, &format!("{kind}Suspended"),
                format!("{kind} {ns}/{name} is suspended."), now),
        ],
        "replicaStatuses": replica_statuses,
    })
}

/// Whether the kind is a training-operator v1 job.
pub fn is_v1_job(rt: &ResourceType) -> bool {
    resources::TRAINING_V1_JOBS.iter().any(|r| r.id == rt.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Value {
        json!({"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob",
            "metadata": {"name": "j", "namespace": "ns", "uid": "u"},
            "spec": {"pytorchReplicaSpecs": {
                "Worker": {"replicas": 2, "restartPolicy": "OnFailure", "template": {"spec": {"containers": [{"name": "pytorch", "image": "x"}]}}},
                "Master": {"replicas": 1, "template": {"spec": {"containers": [{"name": "pytorch", "image": "x"}]}}}}}})
    }

    #[test]
    fn pods_follow_operator_naming() {
        let pods = replica_pods(&resources::PYTORCH_JOB, &job());
        let names: Vec<&str> = pods.iter().map(name_of).collect();
        assert_eq!(names, vec!["j-master-0", "j-worker-0", "j-worker-1"]);
        assert_eq!(
            pods[0]["metadata"]["labels"]["training.kubeflow.org/replica-type"],
            "master"
        );
        assert_eq!(
            pods[0]["metadata"]["labels"]["training.kubeflow.org/job-role"],
            "master"
        );
        assert_eq!(
            pods[2]["metadata"]["labels"]["training.kubeflow.org/replica-index"],
            "1"
        );
        assert_eq!(pods[2]["spec"]["restartPolicy"], "OnFailure");
        assert_eq!(pods[2]["spec"]["containers"][0]["env"][3]["value"], "2");
    }

    #[test]
    fn suspended_jobs_say_so_in_their_conditions() {
        let mut j = job();
        assert!(!suspend_requested(&resources::PYTORCH_JOB, &j));
        j["spec"]["runPolicy"] = json!({"suspend": true});
        assert!(suspend_requested(&resources::PYTORCH_JOB, &j));
        let st = suspended_status(&resources::PYTORCH_JOB, &j);
        let conds = st["conditions"].as_array().expect("conditions");
        let suspended = conds
            .iter()
            .find(|c| c["type"] == "Suspended")
            .expect("Suspended");
        assert_eq!(suspended["status"], "True");
        assert_eq!(suspended["reason"], "PyTorchJobSuspended");
        assert!(st.get("startTime").is_none());
        let tj = json!({"metadata": {"name": "t", "namespace": "ns"}, "spec": {"suspend": true}});
        assert!(suspend_requested(&resources::TRAIN_JOB, &tj));
        let st = suspended_status(&resources::TRAIN_JOB, &tj);
        assert_eq!(st["conditions"][0]["type"], "Suspended");
        assert_eq!(st["jobsStatus"][0]["suspended"], 1);
    }

    #[test]
    fn status_lists_conditions_in_order() {
        let t = crate::clock::now();
        let mut counts = ReplicaCounts::new();
        counts.insert("Master".into(), (0, 1, 0));
        let s = v1_status(
            &resources::PYTORCH_JOB,
            &job(),
            JobPhase::Succeeded {
                created: t,
                started: t,
                finished: t,
            },
            &counts,
        );
        let types: Vec<&str> = s["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["type"].as_str())
            .collect();
        assert_eq!(types, vec!["Created", "Running", "Succeeded"]);
        assert_eq!(s["replicaStatuses"]["Master"]["succeeded"], 1);
    }
}
