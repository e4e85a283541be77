//! What the jobs screens read from a training job: its state (from
//! conditions, else replica or JobSet counts), replicas per role, GPUs, the
//! runtime, how long it ran, and its replica pods with why they failed.
//! Works for every kubeflow.org/v1 job kind and for trainer v2 TrainJob.

use jiff::Timestamp;
use kube::api::DynamicObject;
use serde_json::Value;

use crate::kube::kinds::{self, Kind};
use crate::kube::pod::{Pod, State as PodState};
use crate::views::columns;
use crate::views::table::Tone;

/// Label the training operator puts on a v1 job's pods.
pub const V1_JOB_LABEL: &str = "training.kubeflow.org/job-name";
pub const V1_ROLE_LABEL: &str = "training.kubeflow.org/replica-type";
pub const V1_INDEX_LABEL: &str = "training.kubeflow.org/replica-index";
/// Labels JobSet puts on a TrainJob's pods.
pub const JOBSET_LABEL: &str = "jobset.sigs.k8s.io/jobset-name";
pub const JOBSET_ROLE_LABEL: &str = "jobset.sigs.k8s.io/replicatedjob-name";
pub const JOBSET_INDEX_LABEL: &str = "batch.kubernetes.io/job-completion-index";

pub fn is_trainjob(kind: &Kind) -> bool {
    std::ptr::eq(kind, &kinds::TRAIN_JOB)
}

/// The `spec` key holding a v1 job's replica specs.
pub fn replica_specs_key(kind: &Kind) -> &'static str {
    match kind.kind {
        "PyTorchJob" => "pytorchReplicaSpecs",
        "TFJob" => "tfReplicaSpecs",
        "MPIJob" => "mpiReplicaSpecs",
        "XGBoostJob" => "xgbReplicaSpecs",
        "JAXJob" => "jaxReplicaSpecs",
        "PaddleJob" => "paddleReplicaSpecs",
        _ => "replicaSpecs",
    }
}

/// The label selector that finds a job's pods.
pub fn pod_selector(kind: &Kind, name: &str) -> String {
    if is_trainjob(kind) {
        format!("{JOBSET_LABEL}={name}")
    } else {
        format!("{V1_JOB_LABEL}={name}")
    }
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Created,
    Running,
    Restarting,
    Succeeded,
    Failed,
    Suspended,
}

impl State {
    pub fn word(self) -> &'static str {
        match self {
            State::Created => "Created",
            State::Running => "Running",
            State::Restarting => "Restarting",
            State::Succeeded => "Succeeded",
            State::Failed => "Failed",
            State::Suspended => "Suspended",
        }
    }

    pub fn tone(self) -> Tone {
        match self {
            State::Running | State::Succeeded => Tone::Ok,
            State::Failed => Tone::Error,
            State::Restarting => Tone::Warn,
            State::Created | State::Suspended => Tone::Dim,
        }
    }

    pub fn finished(self) -> bool {
        matches!(self, State::Succeeded | State::Failed)
    }
}

/// A job's state and, for a TrainJob read from JobSet counts, `ready/total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub state: State,
    pub counts: Option<String>,
    /// The message of the condition that decided the state.
    pub message: Option<String>,
}

impl Status {
    pub fn text(&self) -> String {
        match &self.counts {
            Some(c) => format!("{} {c}", self.state.word()),
            None => self.state.word().to_string(),
        }
    }
}

fn conditions(obj: &DynamicObject) -> &[Value] {
    obj.data
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn get<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// True when the job asks to be suspended (`runPolicy.suspend` for v1
/// kinds, `spec.suspend` for TrainJob).
pub fn suspend_requested(kind: &Kind, obj: &DynamicObject) -> bool {
    let pointer = if is_trainjob(kind) {
        "/spec/suspend"
    } else {
        "/spec/runPolicy/suspend"
    };
    obj.data.pointer(pointer).and_then(Value::as_bool) == Some(true)
}

/// The state from the conditions (a finished or suspended condition wins,
/// else the latest true one), else from replica or JobSet counts.
pub fn status(kind: &Kind, obj: &DynamicObject) -> Status {
    let conds = conditions(obj);
    let truthy = |t: &str| {
        conds
            .iter()
            .find(|c| get(c, "type") == t && get(c, "status") == "True")
    };
    let word = |t: &str| match t {
        "Created" => Some(State::Created),
        "Running" => Some(State::Running),
        "Restarting" => Some(State::Restarting),
        "Succeeded" | "Complete" => Some(State::Succeeded),
        "Failed" => Some(State::Failed),
        "Suspended" => Some(State::Suspended),
        _ => None,
    };
    for t in ["Failed", "Succeeded", "Complete", "Suspended"] {
        if let Some(c) = truthy(t) {
            return Status {
                state: word(t).unwrap_or(State::Created),
                counts: None,
                message: Some(get(c, "message").to_string()).filter(|m| !m.is_empty()),
            };
        }
    }
    if suspend_requested(kind, obj) {
        return Status {
            state: State::Suspended,
            counts: None,
            message: None,
        };
    }
    // The latest true condition among the rest.
    let latest = conds
        .iter()
        .filter(|c| get(c, "status") == "True")
        .filter_map(|c| Some((word(get(c, "type"))?, c)))
        .next_back();
    if let Some((state, c)) = latest
        && state != State::Created
    {
        return Status {
            state,
            counts: None,
            message: Some(get(c, "message").to_string()).filter(|m| !m.is_empty()),
        };
    }
    // No decisive condition: read the counts.
    if is_trainjob(kind) {
        let total: i64 = replicas(kind, obj).iter().map(|r| r.total).sum();
        let (ready, active) = jobs_status(obj);
        if active > 0 {
            return Status {
                state: State::Running,
                counts: Some(format!("{ready}/{}", total.max(active))),
                message: None,
            };
        }
    } else {
        let active: i64 = replicas(kind, obj).iter().map(|r| r.active).sum();
        if active > 0 {
            return Status {
                state: State::Running,
                counts: None,
                message: None,
            };
        }
    }
    Status {
        state: State::Created,
        counts: None,
        message: latest.map(|(_, c)| get(c, "message").to_string()),
    }
}

/// Ready and active pods summed over a TrainJob's `status.jobsStatus`.
fn jobs_status(obj: &DynamicObject) -> (i64, i64) {
    (
        columns::jobs_total(obj, "ready"),
        columns::jobs_total(obj, "active"),
    )
}

/// One replica role of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    /// As the spec names it (`Master`, `Worker`, `node`).
    pub name: String,
    pub total: i64,
    /// Running (v1: `active`; TrainJob: `ready`) replicas.
    pub active: i64,
    pub succeeded: i64,
    pub failed: i64,
    /// The first container's image, command, args, resources.
    pub container: Value,
    pub restart_policy: String,
}

impl Role {
    /// `M`, `W`, `PS`, `N`: the short form used in the REPLICAS column.
    pub fn short(&self) -> String {
        match self.name.as_str() {
            "PS" => "PS".into(),
            n => n
                .chars()
                .next()
                .map(|c| c.to_ascii_uppercase().to_string())
                .unwrap_or_default(),
        }
    }

    /// GPUs each replica asks for, with the resource name.
    pub fn gpus(&self) -> Option<(i64, String)> {
        gpus_of(self.container.get("resources"))
    }
}

/// GPUs in a `resources` object (limits first, then requests).
pub fn gpus_of(resources: Option<&Value>) -> Option<(i64, String)> {
    let r = resources?;
    for part in ["limits", "requests"] {
        if let Some(m) = r.get(part).and_then(Value::as_object) {
            for (k, v) in m {
                if k.ends_with("/gpu") {
                    let n = v
                        .as_str()
                        .and_then(|s| s.parse().ok())
                        .or_else(|| v.as_i64())
                        .unwrap_or(0);
                    return Some((n, k.clone()));
                }
            }
        }
    }
    None
}

fn count(v: Option<&Value>, key: &str) -> i64 {
    v.and_then(|s| s.get(key))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

/// Replica roles, leaders first (Master, Chief, Launcher), then by name.
pub fn replicas(kind: &Kind, obj: &DynamicObject) -> Vec<Role> {
    if is_trainjob(kind) {
        let trainer = obj.data.pointer("/spec/trainer");
        let total = trainer
            .and_then(|t| t.get("numNodes"))
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let (ready, _) = jobs_status(obj);
        let js = obj
            .data
            .pointer("/status/jobsStatus")
            .and_then(Value::as_array)
            .and_then(|a| a.first());
        let mut container = serde_json::Map::new();
        for key in ["image", "command", "args"] {
            if let Some(v) = trainer.and_then(|t| t.get(key)) {
                container.insert(key.into(), v.clone());
            }
        }
        if let Some(r) = trainer.and_then(|t| t.get("resourcesPerNode")) {
            container.insert("resources".into(), r.clone());
        }
        return vec![Role {
            name: "node".into(),
            total,
            active: ready,
            succeeded: count(js, "succeeded"),
            failed: count(js, "failed"),
            container: Value::Object(container),
            restart_policy: "OnFailure".into(),
        }];
    }
    let key = replica_specs_key(kind);
    let Some(specs) = obj
        .data
        .pointer(&format!("/spec/{key}"))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let statuses = obj.data.pointer("/status/replicaStatuses");
    let mut out: Vec<Role> = specs
        .iter()
        .map(|(name, spec)| {
            let st = statuses.and_then(|s| s.get(name));
            Role {
                name: name.clone(),
                total: spec.get("replicas").and_then(Value::as_i64).unwrap_or(1),
                active: count(st, "active"),
                succeeded: count(st, "succeeded"),
                failed: count(st, "failed"),
                container: spec
                    .pointer("/template/spec/containers/0")
                    .cloned()
                    .unwrap_or(Value::Null),
                restart_policy: get(spec, "restartPolicy").to_string(),
            }
        })
        .collect();
    let leader = |n: &str| matches!(n, "Master" | "Chief" | "Launcher");
    out.sort_by_key(|r| (!leader(&r.name), r.name.clone()));
    out
}

/// `M 1/1 W 2/2`: running over wanted, per role.
pub fn replicas_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| format!("{} {}/{}", r.short(), r.active, r.total))
        .collect::<Vec<_>>()
        .join(" ")
}

/// GPUs the whole job asks for, with the resource name of the first role
/// that asks.
pub fn gpus(roles: &[Role]) -> Option<(i64, String)> {
    let mut vendor = None;
    let mut n = 0;
    for r in roles {
        if let Some((g, v)) = r.gpus() {
            n += g * r.total;
            vendor.get_or_insert(v);
        }
    }
    vendor.map(|v| (n, v))
}

/// The TrainJob's runtime (`ClusterTrainingRuntime/torch-distributed`).
pub fn runtime(kind: &Kind, obj: &DynamicObject) -> Option<String> {
    if !is_trainjob(kind) {
        return None;
    }
    let name = columns::str_at(obj, "/spec/runtimeRef/name")?;
    Some(name.to_string())
}

fn condition_time(obj: &DynamicObject, types: &[&str]) -> Option<Timestamp> {
    conditions(obj)
        .iter()
        .filter(|c| types.contains(&get(c, "type")) && get(c, "status") == "True")
        .filter_map(|c| get(c, "lastTransitionTime").parse().ok())
        .next_back()
}

/// When the job started and ended (end `None` while running). v1 kinds say
/// in `startTime`/`completionTime`; a TrainJob only in its conditions and
/// creation time.
pub fn times(kind: &Kind, obj: &DynamicObject) -> (Option<Timestamp>, Option<Timestamp>) {
    if is_trainjob(kind) {
        (
            columns::created(obj),
            condition_time(obj, &["Complete", "Failed"]),
        )
    } else {
        (
            columns::time_at(obj, "/status/startTime"),
            columns::time_at(obj, "/status/completionTime"),
        )
    }
}

/// DURATION: how long it has run, `-` when unknown (not started, suspended).
pub fn duration(kind: &Kind, obj: &DynamicObject, state: State, now: Timestamp) -> Option<i64> {
    let (start, end) = times(kind, obj);
    if end.is_none() && matches!(state, State::Created | State::Suspended) {
        return None;
    }
    if end.is_none() && state.finished() {
        return None;
    }
    columns::duration_secs(start, end, now)
}

/// A replica pod, as the detail lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Replica {
    pub pod: String,
    pub role: String,
    pub index: i64,
    pub phase: String,
    pub node: String,
    pub restarts: i64,
    pub exit_code: Option<i64>,
    /// OOMKilled, Error, ImagePullBackOff, Unschedulable…
    pub reason: Option<String>,
    pub message: Option<String>,
}

/// Reads a replica pod.
pub fn replica(pod: &Pod) -> Replica {
    let role = pod
        .label(V1_ROLE_LABEL)
        .or_else(|| pod.label(JOBSET_ROLE_LABEL))
        .unwrap_or("-")
        .to_string();
    let index = pod
        .label(V1_INDEX_LABEL)
        .or_else(|| pod.label(JOBSET_INDEX_LABEL))
        .and_then(|i| i.parse().ok())
        .unwrap_or(0);
    let mut restarts = 0;
    let mut exit_code = None;
    let mut reason = None;
    let mut message = None;
    let text = |s: Option<&str>| s.map(str::to_string);
    for c in pod.container_statuses.iter() {
        restarts += c.restart_count;
        let terminated = c
            .state
            .as_ref()
            .and_then(PodState::terminated)
            .or_else(|| c.last_state.as_deref().and_then(PodState::terminated));
        if let Some(t) = terminated
            && (exit_code.is_none() || t.exit_code != 0)
        {
            exit_code = Some(t.exit_code);
            reason = text(t.reason.as_deref());
            message = text(t.message.as_deref());
        }
        if let Some(w @ PodState::Waiting { .. }) = &c.state {
            reason = text(w.reason());
            message = text(w.message());
        }
    }
    if reason.is_none()
        && let Some(c) = pod
            .condition("PodScheduled")
            .filter(|c| &*c.status == "False")
    {
        reason = Some(c.reason.as_deref().unwrap_or("").to_string());
        message = Some(c.message.as_deref().unwrap_or("").to_string());
    }
    Replica {
        pod: pod.name().to_string(),
        role,
        index,
        phase: pod.phase().unwrap_or("Pending").to_string(),
        node: pod.node().unwrap_or("-").to_string(),
        restarts,
        exit_code,
        reason: reason.filter(|r| !r.is_empty()),
        message: message.filter(|m| !m.is_empty()),
    }
}

/// Replicas in role order (leaders first), then by index.
pub fn sort_replicas(reps: &mut [Replica]) {
    let leader = |r: &str| matches!(r, "master" | "chief" | "launcher");
    reps.sort_by(|a, b| {
        (!leader(&a.role), &a.role, a.index).cmp(&(!leader(&b.role), &b.role, b.index))
    });
}

/// The first failure worth spelling out: a failed or crashing replica with
/// its exit code and reason, else one that cannot be scheduled, else the
/// job's own failure message.
pub fn first_failure(status: &Status, reps: &[Replica]) -> Option<String> {
    let failed = reps
        .iter()
        .find(|r| r.phase == "Failed" || r.exit_code.is_some_and(|c| c != 0))
        .or_else(|| {
            reps.iter().find(|r| {
                r.reason
                    .as_deref()
                    .is_some_and(|x| x.contains("BackOff") || x == "ErrImagePull")
            })
        });
    if let Some(r) = failed {
        let mut text = format!("{}-{} ({})", r.role, r.index, r.pod);
        match (r.exit_code, &r.reason) {
            (Some(code), Some(reason)) => text.push_str(&format!(" exited {code}: {reason}")),
            (Some(code), None) => text.push_str(&format!(" exited {code}")),
            (None, Some(reason)) => text.push_str(&format!(": {reason}")),
            (None, None) => text.push_str(" failed"),
        }
        if let Some(m) = &r.message {
            text.push_str(&format!(" — {}", m.replace('\n', " ")));
        }
        return Some(text);
    }
    if let Some(r) = reps
        .iter()
        .find(|r| r.phase == "Pending" && r.reason.as_deref() == Some("Unschedulable"))
    {
        return Some(format!(
            "{}-{} is Pending: {}",
            r.role,
            r.index,
            r.message.as_deref().unwrap_or("cannot be scheduled")
        ));
    }
    match status.state {
        State::Failed => status.message.clone(),
        _ => None,
    }
}
