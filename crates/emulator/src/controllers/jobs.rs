//! The Katib experiment controller and the training operators.
//!
//! A running Experiment keeps `parallelTrialCount` trials going until
//! `maxTrialCount`, sampling each trial's parameters (Bayesian sampling
//! narrows around the best trial so far); each trial's pod runs a short
//! training whose metrics come from a fixed objective function of the
//! parameters, and the experiment's status (with `currentOptimalTrial`)
//! follows. Training jobs (training-operator v1 kinds and TrainJob) get
//! their replica pods, whose logs show a falling loss, and a status that
//! follows the pods.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::Ctx;
use crate::clock;
use crate::ids;
use crate::kubeflow::katib::{self, Assignment, TrialSummary};
use crate::kubeflow::training::{self, JobPhase, ReplicaCounts};
use crate::kubeflow::{name_of, namespace_of};
use crate::ops::{self, DeleteOptions, Target};
use crate::resources::{self, ResourceType};

fn condition_true(v: &Value, ctype: &str) -> bool {
    v.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("type").and_then(Value::as_str) == Some(ctype)
                    && c.get("status").and_then(Value::as_str) == Some("True")
            })
        })
}

fn created_at(v: &Value) -> Timestamp {
    v.pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(clock::parse)
        .unwrap_or_else(clock::now)
}

fn label<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.pointer("/metadata/labels")
        .and_then(|l| l.get(key))
        .and_then(Value::as_str)
}

/// Drops fields that change on every reconcile, for comparing statuses.
fn stable(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "lastReconcileTime" | "lastUpdatedTime"))
                .map(|(k, x)| (k.clone(), stable(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(stable).collect()),
        other => other.clone(),
    }
}

fn write_status(ctx: &Ctx, rt: &ResourceType, obj: &Value, status: Value) {
    if obj.get("status").map(stable) == Some(stable(&status)) {
        return;
    }
    let target = if rt.status_subresource {
        Target::Status
    } else {
        Target::Main
    };
    let r = ops::modify(
        &ctx.store,
        rt,
        Some(namespace_of(obj)),
        name_of(obj),
        target,
        |v| {
            if let Some(m) = v.as_object_mut() {
                m.insert("status".into(), status);
            }
        },
    );
    if let Err(e) = r {
        tracing::debug!(error = ?e, kind = rt.kind, "updating status");
    }
}

fn pod_phase(pod: &Value) -> &str {
    pod.pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("Pending")
}

fn pod_started(pod: &Value) -> Option<Timestamp> {
    pod.pointer("/status/startTime")
        .and_then(Value::as_str)
        .and_then(clock::parse)
}

fn pod_finished(pod: &Value) -> Option<Timestamp> {
    pod.pointer("/status/containerStatuses")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|c| {
            c.pointer("/state/terminated/finishedAt")
                .and_then(Value::as_str)
                .and_then(clock::parse)
        })
        .max()
}

fn assignments_of(trial: &Value) -> Vec<Assignment> {
    trial
        .pointer("/spec/parameterAssignments")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| {
                    Some((
                        p.get("name")?.as_str()?.to_string(),
                        p.get("value")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn epochs_of(pod: &Value) -> u32 {
    let argv: Vec<String> = pod
        .pointer("/spec/containers/0")
        .map(crate::processes::argv)
        .unwrap_or_default();
    crate::processes::flag(&argv, "--epochs")
        .and_then(|e| e.parse().ok())
        .unwrap_or(5)
}

/// Runs every unfinished experiment one step.
pub fn reconcile_experiments(ctx: &mut Ctx) {
    let experiments = ctx.store.read(|v| v.values(&resources::EXPERIMENT, None));
    for exp in experiments
        .iter()
        .filter(|e| !condition_true(e, "Succeeded") && !condition_true(e, "Failed"))
    {
        experiment(ctx, exp);
    }
}

fn experiment(ctx: &mut Ctx, exp: &Value) {
    let ns = namespace_of(exp).to_string();
    let name = name_of(exp).to_string();
    let (trials, pods) = ctx.store.read(|v| {
        let trials: Vec<Value> = v
            .values(&resources::TRIAL, Some(&ns))
            .into_iter()
            .filter(|t| label(t, "katib.kubeflow.org/experiment") == Some(name.as_str()))
            .collect();
        let pods: Vec<Value> = v
            .values(&resources::POD, Some(&ns))
            .into_iter()
            .filter(|p| label(p, "katib.kubeflow.org/experiment") == Some(name.as_str()))
            .collect();
        (trials, pods)
    });
    let mut summaries = Vec::new();
    for trial in &trials {
        let tname = name_of(trial);
        let assignments = assignments_of(trial);
        if condition_true(trial, "Succeeded")
            || condition_true(trial, "MetricsUnavailable")
            || condition_true(trial, "Failed")
        {
            let observation = Some(
                trial
                    .pointer("/status/observation")
                    .cloned()
                    .unwrap_or_else(|| json!({"metrics": []})),
            );
            summaries.push(TrialSummary {
                name: tname.to_string(),
                objective: observation
                    .as_ref()
                    .and_then(|o| katib::objective_of(exp, o)),
                assignments,
                observation,
            });
            continue;
        }
        let pod = pods
            .iter()
            .find(|p| label(p, "katib.kubeflow.org/trial") == Some(tname))
            .cloned();
        let pod = match pod {
            Some(p) => p,
            None => match ops::ensure(
                &ctx.store,
                &resources::POD,
                Some(&ns),
                katib::trial_pod(trial),
            ) {
                Ok(p) => p.value(),
                Err(e) => {
                    tracing::debug!(error = ?e, "creating trial pod");
                    continue;
                }
            },
        };
        let created = created_at(trial);
        let (status, observation) = match pod_phase(&pod) {
            "Succeeded" | "Failed" => {
                let obs = katib::observation(&assignments, epochs_of(&pod));
                let at = pod_finished(&pod).unwrap_or_else(clock::now);
                if katib::objective_of(exp, &obs).is_none() {
                    // The worker never printed the objective metric.
                    let metric = exp
                        .pointer("/spec/objective/objectiveMetricName")
                        .and_then(Value::as_str)
                        .unwrap_or("accuracy");
                    let st =
                        katib::trial_unavailable_status(created, pod_started(&pod), at, metric);
                    let obs = st.get("observation").cloned();
                    (st, obs)
                } else {
                    (
                        katib::trial_status(created, pod_started(&pod), Some((at, obs.clone()))),
                        Some(obs),
                    )
                }
            }
            "Running" => (katib::trial_status(created, pod_started(&pod), None), None),
            _ => (katib::trial_status(created, None, None), None),
        };
        write_status(ctx, &resources::TRIAL, trial, status);
        summaries.push(TrialSummary {
            name: tname.to_string(),
            objective: observation
                .as_ref()
                .and_then(|o| katib::objective_of(exp, o)),
            assignments,
            observation,
        });
    }
    let max = exp
        .pointer("/spec/maxTrialCount")
        .and_then(Value::as_u64)
        .unwrap_or(12) as usize;
    let parallel = exp
        .pointer("/spec/parallelTrialCount")
        .and_then(Value::as_u64)
        .unwrap_or(3) as usize;
    let maximize = exp.pointer("/spec/objective/type").and_then(Value::as_str) != Some("minimize");
    let mut active = summaries.iter().filter(|t| t.observation.is_none()).count();
    let stop = katib::finish_reason(exp, &summaries).is_some_and(|f| f != katib::Finish::MaxTrials);
    while !stop && active < parallel && summaries.len() < max {
        let best = summaries
            .iter()
            .filter(|t| t.objective.is_some())
            .max_by(|a, b| {
                let o = a
                    .objective
                    .partial_cmp(&b.objective)
                    .unwrap_or(std::cmp::Ordering::Equal);
                if maximize { o } else { o.reverse() }
            })
            .map(|t| t.assignments.clone());
        let n = summaries.len() as u64;
        let assignments = katib::sample(exp, n, ctx.seed, best.as_deref());
        let mut rng =
            fastrand::Rng::with_seed(ids::hash64(&format!("{}/{ns}/{name}/trial/{n}", ctx.seed)));
        let tname = format!("{name}-{}", ids::suffix(&mut rng, 8));
        match ops::create(
            &ctx.store,
            &resources::TRIAL,
            Some(&ns),
            katib::trial_for(exp, &tname, &assignments),
            &Default::default(),
        ) {
            Ok(t) => {
                let _ = ops::ensure(
                    &ctx.store,
                    &resources::POD,
                    Some(&ns),
                    katib::trial_pod(&t.value()),
                );
            }
            Err(e) => {
                tracing::debug!(error = ?e, "creating trial");
                break;
            }
        }
        summaries.push(TrialSummary {
            name: tname,
            assignments,
            objective: None,
            observation: None,
        });
        active += 1;
    }
    let done = katib::finish_reason(exp, &summaries).is_some();
    let started = created_at(exp);
    let status = katib::experiment_status(exp, &summaries, started, done.then(clock::now));
    write_status(ctx, &resources::EXPERIMENT, exp, status);
    // The suggestion service reports what it handed out.
    let suggestions: Vec<Value> = summaries
        .iter()
        .map(|t| json!({"name": t.name, "parameterAssignments": t.assignments.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>()}))
        .collect();
    let count = suggestions.len();
    let _ = ops::modify(
        &ctx.store,
        &resources::SUGGESTION,
        Some(&ns),
        &name,
        Target::Status,
        |v| {
            if let Some(s) = v.get_mut("status").and_then(Value::as_object_mut) {
                s.insert("suggestionCount".into(), json!(count));
                s.insert("suggestions".into(), Value::Array(suggestions));
            }
            if let Some(s) = v.get_mut("spec").and_then(Value::as_object_mut) {
                s.insert("requests".into(), json!(count));
            }
        },
    );
}

/// Gives every unfinished training job its pods and a status that follows them.
pub fn reconcile_training(ctx: &mut Ctx) {
    for rt in resources::TRAINING_V1_JOBS
        .iter()
        .copied()
        .chain([&resources::TRAIN_JOB])
    {
        let jobs = ctx.store.read(|v| v.values(rt, None));
        for job in jobs.iter().filter(|j| {
            !condition_true(j, "Succeeded")
                && !condition_true(j, "Failed")
                && !condition_true(j, "Complete")
        }) {
            training_job(ctx, rt, job);
        }
    }
}

fn training_job(ctx: &mut Ctx, rt: &'static ResourceType, job: &Value) {
    let ns = namespace_of(job).to_string();
    let is_v1 = training::is_v1_job(rt);
    let wanted = if is_v1 {
        training::replica_pods(rt, job)
    } else {
        training::trainjob_pods(job)
    };
    if training::suspend_requested(rt, job) {
        // Suspended: the operator removes the replica pods (they come back
        // when the job is resumed) and says so in a condition.
        for want in &wanted {
            let _ = ops::delete(
                &ctx.store,
                &resources::POD,
                Some(&ns),
                name_of(want),
                &DeleteOptions::default(),
            );
        }
        if !condition_true(job, "Suspended") {
            write_status(ctx, rt, job, training::suspended_status(rt, job));
        }
        return;
    }
    let mut pods = Vec::new();
    for want in wanted {
        let pod = match ops::get(&ctx.store, &resources::POD, Some(&ns), name_of(&want)) {
            Ok(p) => p.value(),
            Err(_) => match ops::ensure(&ctx.store, &resources::POD, Some(&ns), want) {
                Ok(p) => p.value(),
                Err(e) => {
                    tracing::debug!(error = ?e, "creating replica pod");
                    continue;
                }
            },
        };
        pods.push(pod);
    }
    let mut counts: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new();
    let spec_names: Vec<String> = if is_v1 {
        training::replicas(rt, job)
            .into_iter()
            .map(|(k, _, _)| k)
            .collect()
    } else {
        Vec::new()
    };
    for pod in &pods {
        let rtype = label(pod, "training.kubeflow.org/replica-type").unwrap_or("node");
        let key = spec_names
            .iter()
            .find(|k| k.to_lowercase() == rtype)
            .cloned()
            .unwrap_or_else(|| rtype.to_string());
        let e = counts.entry(key).or_insert((0, 0, 0));
        match pod_phase(pod) {
            "Succeeded" => e.1 += 1,
            "Failed" => e.2 += 1,
            _ => e.0 += 1,
        }
    }
    let (active, succeeded, failed) = counts
        .values()
        .fold((0, 0, 0), |a, c| (a.0 + c.0, a.1 + c.1, a.2 + c.2));
    let created = created_at(job);
    let started = pods.iter().filter_map(pod_started).min();
    let finished = pods
        .iter()
        .filter_map(pod_finished)
        .max()
        .unwrap_or_else(clock::now);
    let running = pods.iter().any(|p| pod_phase(p) == "Running");
    let phase = match started {
        Some(started) if failed > 0 && active == 0 => JobPhase::Failed {
            created,
            started,
            finished,
        },
        Some(started) if active == 0 && succeeded > 0 => JobPhase::Succeeded {
            created,
            started,
            finished,
        },
        Some(started) if running => JobPhase::Running { created, started },
        _ => JobPhase::Created(created),
    };
    let status = if is_v1 {
        let counts: ReplicaCounts = counts;
        training::v1_status(rt, job, phase, &counts)
    } else {
        training::trainjob_status(job, phase, (active, succeeded, failed), None)
    };
    write_status(ctx, rt, job, status);
}
