//! Demo Katib experiments: a finished random search and a running Bayesian
//! optimisation over `learning_rate` and `batch_size` in `ml-research`,
//! each with its Suggestion, Trials (observations from the objective
//! function) and trial pods.

use serde_json::{Value, json};

use super::{Demo, ago};
use crate::clock::rfc3339;
use crate::ids;
use crate::kubeflow::katib::{self, TrialSummary};
use crate::names::*;
use crate::resources;

/// Simulated seconds one trial takes.
const TRIAL_SECS: i64 = 240;
/// Epochs each trial trains.
const EPOCHS: u32 = 5;

/// The Experiment object (no status).
pub fn experiment_object(
    ns: &str,
    name: &str,
    algorithm: &str,
    max_trials: u32,
    parallel: u32,
) -> Value {
    json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "objective": {
                "type": "maximize",
                "goal": 0.99,
                "objectiveMetricName": "accuracy",
                "additionalMetricNames": ["loss"],
            },
            "algorithm": {"algorithmName": algorithm},
            "parallelTrialCount": parallel,
            "maxTrialCount": max_trials,
            "maxFailedTrialCount": 3,
            "resumePolicy": "Never",
            "metricsCollectorSpec": {"collector": {"kind": "StdOut"}},
            "parameters": [
                {"name": "learning_rate", "parameterType": "double",
                 "feasibleSpace": {"min": "0.0001", "max": "0.1", "distribution": "logUniform"}},
                {"name": "batch_size", "parameterType": "int",
                 "feasibleSpace": {"min": "16", "max": "256"}},
            ],
            "trialTemplate": {
                "primaryContainerName": "training-container",
                "successCondition": "status.conditions.#(type==\"Complete\")#|#(status==\"True\")#",
                "failureCondition": "status.conditions.#(type==\"Failed\")#|#(status==\"True\")#",
                "retain": false,
                "trialParameters": [
                    {"name": "learningRate", "description": "Learning rate for the training model", "reference": "learning_rate"},
                    {"name": "batchSize", "description": "Batch size", "reference": "batch_size"},
                ],
                "trialSpec": {
                    "apiVersion": "batch/v1",
                    "kind": "Job",
                    "spec": {"template": {
                        "metadata": {"annotations": {"sidecar.istio.io/inject": "false"}},
                        "spec": {
                            "containers": [{
                                "name": "training-container",
                                "image": "ghcr.io/kubeflow/katib/pytorch-mnist-cpu:v0.19.0",
                                "command": ["python3", "/opt/pytorch-mnist/mnist.py", format!("--epochs={EPOCHS}"),
                                            "--batch-size=${trialParameters.batchSize}",
                                            "--lr=${trialParameters.learningRate}"],
                                "resources": {"limits": {"cpu": "1", "memory": "2Gi"}},
                            }],
                            "restartPolicy": "Never",
                        },
                    }},
                },
            },
        },
    })
}

/// The Suggestion the experiment controller keeps for `experiment`.
pub fn suggestion_object(
    experiment: &Value,
    trials: &[TrialSummary],
    started: i64,
    done: bool,
) -> Value {
    let name = crate::kubeflow::name_of(experiment);
    let ns = crate::kubeflow::namespace_of(experiment);
    let at = rfc3339(ago(started));
    let cond = |t: &str, status: &str, reason: &str, message: &str| {
        json!({"type": t, "status": status, "reason": reason, "message": message,
               "lastUpdateTime": at, "lastTransitionTime": at})
    };
    let mut conditions = vec![
        cond(
            "Created",
            "True",
            "SuggestionCreated",
            "Suggestion is created",
        ),
        cond(
            "DeploymentReady",
            if done { "False" } else { "True" },
            "DeploymentReady",
            "Deployment is ready",
        ),
        cond(
            "Running",
            if done { "False" } else { "True" },
            "SuggestionRunning",
            "Suggestion is running",
        ),
    ];
    if done {
        conditions.push(cond(
            "Succeeded",
            "True",
            "Succeeded",
            "Suggestion is succeeded, can't be restarted",
        ));
    }
    json!({
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": {"katib.kubeflow.org/experiment": name},
            "ownerReferences": [crate::kubeflow::owner_ref(&resources::EXPERIMENT, experiment)],
        },
        "spec": {
            "algorithm": experiment.pointer("/spec/algorithm").cloned().unwrap_or(json!({})),
            "requests": trials.len(),
            "resumePolicy": "Never",
        },
        "status": {
            "startTime": at,
            "suggestionCount": trials.len(),
            "suggestions": trials.iter().map(|t| json!({
                "name": t.name,
                "parameterAssignments": t.assignments.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "conditions": conditions,
        },
    })
}

fn experiment(
    demo: &mut Demo,
    ns: &str,
    name: &str,
    algorithm: &str,
    age: i64,
    trials_done: u32,
    running: u32,
) {
    let max = 12;
    let parallel = 3;
    let (index, exp) = demo.add_indexed(
        &resources::EXPERIMENT,
        experiment_object(ns, name, algorithm, max, parallel),
        age,
    );
    let started = age - 5;
    let mut summaries: Vec<TrialSummary> = Vec::new();
    let total = trials_done + running;
    for n in 0..total {
        let best = summaries
            .iter()
            .filter(|t| t.objective.is_some())
            .max_by(|a, b| {
                a.objective
                    .partial_cmp(&b.objective)
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .map(|t| t.assignments.clone());
        let assignments = katib::sample(&exp, u64::from(n), demo.seed, best.as_deref());
        let trial_name = format!("{name}-{}", ids::suffix(&mut demo.rng, 8));
        let created = started - i64::from(n / parallel) * (TRIAL_SECS + 10);
        let finished = n < trials_done;
        let trial = katib::trial_for(&exp, &trial_name, &assignments);
        let (tindex, trial) = demo.add_indexed(&resources::TRIAL, trial, created);
        let observation = finished.then(|| katib::observation(&assignments, EPOCHS));
        let status = katib::trial_status(
            ago(created),
            Some(ago(created - 3)),
            observation.clone().map(|o| (ago(created - TRIAL_SECS), o)),
        );
        demo.set_status(tindex, status);
        // The trial Jobs' pods of the most recent trials are still around.
        let pod = katib::trial_pod(&trial);
        if !finished {
            let node = if n % 2 == 0 { NODE_CPU_0 } else { NODE_CPU_1 };
            demo.running_pod(pod, node, created - 2, &[]);
        } else if n + 3 >= trials_done {
            let node = if n % 2 == 0 { NODE_CPU_0 } else { NODE_CPU_1 };
            demo.finished_pod(pod, node, created - 2, created - TRIAL_SECS);
        }
        summaries.push(TrialSummary {
            name: trial_name,
            objective: observation.as_ref().and_then(katib::objective_value),
            assignments,
            observation,
        });
    }
    let done = running == 0;
    let last = started - i64::from(total.div_ceil(parallel)) * (TRIAL_SECS + 10);
    let status = katib::experiment_status(
        &exp,
        &summaries,
        ago(started),
        done.then(|| ago(last.max(1))),
    );
    demo.set_status(index, status);
    let suggestion = suggestion_object(&exp, &summaries, started, done);
    demo.add(&resources::SUGGESTION, suggestion, started);
}

/// The demo experiments.
pub fn build(demo: &mut Demo) {
    experiment(
        demo,
        ML_RESEARCH,
        "mnist-random",
        "random",
        2 * 86400,
        12,
        0,
    );
    experiment(
        demo,
        ML_RESEARCH,
        "resnet-bayesian",
        "bayesianoptimization",
        3 * 250 + 120,
        6,
        3,
    );
    experiment(demo, NLP_TEAM, "bert-lr-sweep", "random", 5 * 86400, 8, 0);
}
