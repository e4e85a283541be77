//! Katib: sampling parameter assignments (random, grid, a simple Bayesian
//! stand-in), trials built from the experiment's trial template, trial
//! pods, observations from the objective function, and experiment status.

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::{name_of, namespace_of, owner_ref};
use crate::clock::rfc3339;
use crate::ids;
use crate::processes::objective;
use crate::resources;

/// One sampled parameter value, as Katib writes it (a string).
pub type Assignment = (String, String);

fn feasible(p: &Value) -> (f64, f64) {
    let f = |k: &str| {
        p.pointer(&format!("/feasibleSpace/{k}")).and_then(|v| {
            v.as_str()
                .and_then(|s| s.parse().ok())
                .or_else(|| v.as_f64())
        })
    };
    (f("min").unwrap_or(0.0), f("max").unwrap_or(1.0))
}

fn format_value(kind: &str, x: f64) -> String {
    if kind == "int" {
        format!("{}", x.round() as i64)
    } else {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Samples an assignment for trial number `n` of `experiment`. Bayesian
/// optimisation narrows around `best` (the best assignment so far).
pub fn sample(
    experiment: &Value,
    n: u64,
    seed: u64,
    best: Option<&[Assignment]>,
) -> Vec<Assignment> {
    let algorithm = experiment
        .pointer("/spec/algorithm/algorithmName")
        .and_then(Value::as_str)
        .unwrap_or("random");
    let key = format!(
        "{seed}/{}/{}/{n}",
        namespace_of(experiment),
        name_of(experiment)
    );
    let mut rng = fastrand::Rng::with_seed(ids::hash64(&key));
    let params = experiment
        .pointer("/spec/parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for (i, p) in params.iter().enumerate() {
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let kind = p
            .get("parameterType")
            .and_then(Value::as_str)
            .unwrap_or("double");
        if kind == "categorical" || kind == "discrete" {
            let list: Vec<String> = p
                .pointer("/feasibleSpace/list")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            let pick = if algorithm == "grid" {
                (n as usize / (i + 1)) % list.len().max(1)
            } else {
                rng.usize(..list.len().max(1))
            };
            out.push((name, list.get(pick).cloned().unwrap_or_default()));
            continue;
        }
        let (lo, hi) = feasible(p);
        let log = lo > 0.0 && hi / lo >= 100.0;
        let unit = match algorithm {
            "grid" => {
                let steps = 4.0;
                ((n / (i as u64 * 4 + 1)) % 5) as f64 / steps
            }
            "bayesianoptimization" | "tpe" => {
                let center = best
                    .and_then(|b| b.iter().find(|(k, _)| *k == name))
                    .and_then(|(_, v)| v.parse::<f64>().ok())
                    .map(|v| {
                        if log {
                            (v.ln() - lo.ln()) / (hi.ln() - lo.ln())
                        } else {
                            (v - lo) / (hi - lo)
                        }
                    });
                match center {
                    Some(c) if n >= 3 => {
                        let radius = 0.5 / (1.0 + n as f64 / 3.0);
                        (c + (rng.f64() * 2.0 - 1.0) * radius).clamp(0.0, 1.0)
                    }
                    _ => rng.f64(),
                }
            }
            _ => rng.f64(),
        };
        let x = if log {
            (lo.ln() + unit * (hi.ln() - lo.ln())).exp()
        } else {
            lo + unit * (hi - lo)
        };
        out.push((name, format_value(kind, x)));
    }
    out
}

fn value_of<'a>(assignments: &'a [Assignment], names: &[&str]) -> Option<&'a str> {
    assignments
        .iter()
        .find(|(k, _)| names.contains(&k.as_str()))
        .map(|(_, v)| v.as_str())
}

/// The learning rate and batch size of an assignment (defaults if absent).
pub fn lr_and_batch(assignments: &[Assignment]) -> (f64, f64) {
    let lr = value_of(assignments, &["learning_rate", "lr"])
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.01);
    let bs = value_of(assignments, &["batch_size", "batch-size"])
        .and_then(|v| v.parse().ok())
        .unwrap_or(64.0);
    (lr, bs)
}

/// The observation a finished trial with these assignments reports.
pub fn observation(assignments: &[Assignment], epochs: u32) -> Value {
    let (lr, bs) = lr_and_batch(assignments);
    let acc_first = objective::trial_accuracy_at(lr, bs, 1, epochs);
    let acc = objective::trial_accuracy(lr, bs);
    let loss_first = objective::trial_loss_at(lr, bs, 1, epochs);
    let loss = objective::trial_loss_at(lr, bs, epochs, epochs);
    json!({"metrics": [
        {"name": "accuracy", "latest": format!("{acc:.4}"), "min": format!("{acc_first:.4}"), "max": format!("{acc:.4}")},
        {"name": "loss", "latest": format!("{loss:.4}"), "min": format!("{loss:.4}"), "max": format!("{loss_first:.4}")},
    ]})
}

fn substitute(v: &Value, values: &[(String, String)]) -> Value {
    match v {
        Value::String(s) => {
            let mut out = s.clone();
            for (k, val) in values {
                out = out.replace(&format!("${{trialParameters.{k}}}"), val);
            }
            Value::String(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, values)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), substitute(x, values)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The Trial the experiment controller creates for `assignments`.
pub fn trial_for(experiment: &Value, trial_name: &str, assignments: &[Assignment]) -> Value {
    let exp_name = name_of(experiment);
    let template = experiment
        .pointer("/spec/trialTemplate")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let params: Vec<(String, String)> = template
        .get("trialParameters")
        .and_then(Value::as_array)
        .map(|tps| {
            tps.iter()
                .filter_map(|tp| {
                    let name = tp.get("name")?.as_str()?;
                    let reference = tp.get("reference")?.as_str()?;
                    let value = assignments.iter().find(|(k, _)| k == reference)?.1.clone();
                    Some((name.to_string(), value))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut run_spec = substitute(template.get("trialSpec").unwrap_or(&json!({})), &params);
    if let Some(m) = run_spec.as_object_mut() {
        let meta = m.entry("metadata").or_insert_with(|| json!({}));
        if let Some(meta) = meta.as_object_mut() {
            meta.insert("name".into(), json!(trial_name));
            meta.insert("namespace".into(), json!(namespace_of(experiment)));
        }
    }
    json!({
        "apiVersion": "kubeflow.org/v1beta1",
        "kind": "Trial",
        "metadata": {
            "name": trial_name,
            "namespace": namespace_of(experiment),
            "labels": {"katib.kubeflow.org/experiment": exp_name},
            "ownerReferences": [owner_ref(&resources::EXPERIMENT, experiment)],
        },
        "spec": {
            "objective": experiment.pointer("/spec/objective").cloned().unwrap_or_else(|| json!({})),
            "parameterAssignments": assignments.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
            "runSpec": run_spec,
            "primaryContainerName": template.get("primaryContainerName").cloned().unwrap_or(json!("training-container")),
            "metricsCollector": experiment.pointer("/spec/metricsCollectorSpec").cloned().unwrap_or_else(|| json!({"collector": {"kind": "StdOut"}})),
            "successCondition": "status.conditions.#(type==\"Complete\")#|#(status==\"True\")#",
            "failureCondition": "status.conditions.#(type==\"Failed\")#|#(status==\"True\")#",
        },
    })
}

/// The pod of a trial's Job (no status).
pub fn trial_pod(trial: &Value) -> Value {
    let name = name_of(trial);
    let ns = namespace_of(trial);
    let exp = trial
        .pointer("/metadata/labels/katib.kubeflow.org~1experiment")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut spec = trial
        .pointer("/spec/runSpec/spec/template/spec")
        .cloned()
        .unwrap_or_else(|| json!({"containers": []}));
    let metrics: Vec<String> = trial
        .pointer("/spec/objective/objectiveMetricName")
        .and_then(Value::as_str)
        .into_iter()
        .map(str::to_string)
        .chain(
            trial
                .pointer("/spec/objective/additionalMetricNames")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string),
        )
        .collect();
    let metrics = if metrics.is_empty() {
        "accuracy;loss".to_string()
    } else {
        metrics.join(";")
    };
    let otype = trial
        .pointer("/spec/objective/type")
        .and_then(Value::as_str)
        .unwrap_or("maximize")
        .to_string();
    if let Some(Value::Array(cs)) = spec.get_mut("containers") {
        cs.push(json!({
            "name": "metrics-logger-and-collector",
            "image": "docker.io/kubeflowkatib/file-metrics-collector:v0.19.0",
            "args": ["-t", name, "-m", metrics, "-o-type", otype, "-s-db",
                     "katib-db-manager.kubeflow:6789", "-path", "/var/log/katib/metrics.log", "-format", "TEXT"],
            "resources": {"limits": {"cpu": "500m", "memory": "100Mi"}, "requests": {"cpu": "50m", "memory": "10Mi"}},
        }));
    }
    let mut rng = fastrand::Rng::with_seed(ids::hash64(&format!("{ns}/{name}")));
    let job_uid = ids::uid(&mut rng);
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("{name}-{}", ids::suffix(&mut rng, 5)),
            "namespace": ns,
            "labels": {
                "katib.kubeflow.org/experiment": exp,
                "katib.kubeflow.org/trial": name,
                "batch.kubernetes.io/job-name": name,
                "job-name": name,
                "batch.kubernetes.io/controller-uid": job_uid,
                "controller-uid": job_uid,
            },
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": name, "uid": job_uid,
                                 "controller": true, "blockOwnerDeletion": true}],
        },
        "spec": spec,
    })
}

fn katib_condition(ctype: &str, status: bool, reason: &str, message: &str, at: Timestamp) -> Value {
    json!({"type": ctype, "status": if status { "True" } else { "False" }, "reason": reason,
           "message": message, "lastUpdateTime": rfc3339(at), "lastTransitionTime": rfc3339(at)})
}

/// A trial's status.
pub fn trial_status(
    created: Timestamp,
    started: Option<Timestamp>,
    finished: Option<(Timestamp, Value)>,
) -> Value {
    let mut conditions = vec![katib_condition(
        "Created",
        true,
        "TrialCreated",
        "Trial is created",
        created,
    )];
    let mut s = Map::new();
    if let Some(st) = started {
        s.insert("startTime".into(), json!(rfc3339(st)));
    }
    match (&finished, started) {
        (Some((at, obs)), _) => {
            conditions.push(katib_condition(
                "Running",
                false,
                "TrialRunning",
                "Trial is running",
                *at,
            ));
            conditions.push(katib_condition(
                "Succeeded",
                true,
                "TrialSucceeded",
                "Trial has succeeded",
                *at,
            ));
            s.insert("completionTime".into(), json!(rfc3339(*at)));
            s.insert("observation".into(), obs.clone());
        }
        (None, Some(st)) => conditions.push(katib_condition(
            "Running",
            true,
            "TrialRunning",
            "Trial is running",
            st,
        )),
        (None, None) => {}
    }
    s.insert("conditions".into(), Value::Array(conditions));
    Value::Object(s)
}

/// Why an experiment is done before (or at) its max trial count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    MaxTrials,
    GoalReached,
    MaxFailed,
}

/// Whether the experiment is done: too many failed trials, the goal
/// reached, or every trial made and finished.
pub fn finish_reason(experiment: &Value, trials: &[TrialSummary]) -> Option<Finish> {
    let spec = |k: &str| {
        experiment
            .pointer(&format!("/spec/{k}"))
            .and_then(Value::as_u64)
    };
    let failed = trials
        .iter()
        .filter(|t| t.observation.is_some() && t.objective.is_none())
        .count() as u64;
    if let Some(max_failed) = spec("maxFailedTrialCount")
        && failed >= max_failed.max(1)
    {
        return Some(Finish::MaxFailed);
    }
    let minimize = experiment
        .pointer("/spec/objective/type")
        .and_then(Value::as_str)
        == Some("minimize");
    let goal = experiment.pointer("/spec/objective/goal").and_then(|g| {
        g.as_f64()
            .or_else(|| g.as_str().and_then(|s| s.parse().ok()))
    });
    if let Some(goal) = goal
        && trials
            .iter()
            .filter_map(|t| t.objective)
            .any(|v| if minimize { v <= goal } else { v >= goal })
    {
        return Some(Finish::GoalReached);
    }
    let max = spec("maxTrialCount").unwrap_or(12) as usize;
    (trials.len() >= max && trials.iter().all(|t| t.observation.is_some()))
        .then_some(Finish::MaxTrials)
}

/// A finished trial whose collector found no value for the objective.
pub fn trial_unavailable_status(
    created: Timestamp,
    started: Option<Timestamp>,
    at: Timestamp,
    metric: &str,
) -> Value {
    let mut s = trial_status(created, started, None);
    let conditions = vec![
        katib_condition("Created", true, "TrialCreated", "Trial is created", created),
        katib_condition("Running", false, "TrialRunning", "Trial is running", at),
        katib_condition(
            "MetricsUnavailable",
            true,
            "MetricsUnavailable",
            &format!("Metrics are not available: the worker never printed {metric}"),
            at,
        ),
    ];
    if let Some(m) = s.as_object_mut() {
        m.insert("conditions".into(), Value::Array(conditions));
        m.insert("completionTime".into(), json!(rfc3339(at)));
        m.insert(
            "observation".into(),
            json!({"metrics": [{"name": metric, "min": "unavailable", "max": "unavailable", "latest": "unavailable"}]}),
        );
    }
    s
}

/// What the experiment controller knows about one trial.
#[derive(Debug, Clone)]
pub struct TrialSummary {
    pub name: String,
    pub assignments: Vec<Assignment>,
    /// The objective value once finished.
    pub objective: Option<f64>,
    pub observation: Option<Value>,
}

/// The experiment's status from its trials.
pub fn experiment_status(
    experiment: &Value,
    trials: &[TrialSummary],
    started: Timestamp,
    finished: Option<Timestamp>,
) -> Value {
    let maximize = experiment
        .pointer("/spec/objective/type")
        .and_then(Value::as_str)
        != Some("minimize");
    let created = experiment
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(crate::clock::parse)
        .unwrap_or(started);
    let succeeded: Vec<&TrialSummary> = trials.iter().filter(|t| t.objective.is_some()).collect();
    let running: Vec<&TrialSummary> = trials.iter().filter(|t| t.observation.is_none()).collect();
    let unavailable: Vec<&TrialSummary> = trials
        .iter()
        .filter(|t| t.observation.is_some() && t.objective.is_none())
        .collect();
    let best = succeeded.iter().copied().max_by(|a, b| {
        let (x, y) = (a.objective.unwrap_or(0.0), b.objective.unwrap_or(0.0));
        let ord = x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal);
        if maximize { ord } else { ord.reverse() }
    });
    let mut conditions = vec![katib_condition(
        "Created",
        true,
        "ExperimentCreated",
        "Experiment is created",
        created,
    )];
    match finished {
        None => conditions.push(katib_condition(
            "Running",
            true,
            "ExperimentRunning",
            "Experiment is running",
            started,
        )),
        Some(at) => {
            conditions.push(katib_condition(
                "Running",
                false,
                "ExperimentRunning",
                "Experiment is running",
                at,
            ));
            let (ctype, reason, message) = match finish_reason(experiment, trials) {
                Some(Finish::GoalReached) => (
                    "Succeeded",
                    "ExperimentGoalReached",
                    "Experiment has succeeded because Objective goal has reached",
                ),
                Some(Finish::MaxFailed) => (
                    "Failed",
                    "ExperimentMaxFailedTrialsReached",
                    "Experiment has failed because max failed count has reached",
                ),
                _ => (
                    "Succeeded",
                    "ExperimentMaxTrialsReached",
                    "Experiment has succeeded because max trial count has reached",
                ),
            };
            conditions.push(katib_condition(ctype, true, reason, message, at));
        }
    }
    let mut s = json!({
        "startTime": rfc3339(started),
        "conditions": conditions,
        "trials": trials.len(),
        "trialsSucceeded": succeeded.len(),
        "succeededTrialList": succeeded.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        "currentOptimalTrial": match best {
            Some(b) => json!({
                "bestTrialName": b.name,
                "parameterAssignments": b.assignments.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
                "observation": b.observation.clone().unwrap_or_else(|| json!({"metrics": []})),
            }),
            None => json!({"bestTrialName": "", "parameterAssignments": [], "observation": {"metrics": []}}),
        },
    });
    if let Some(m) = s.as_object_mut() {
        if !running.is_empty() {
            m.insert("trialsRunning".into(), json!(running.len()));
            m.insert(
                "runningTrialList".into(),
                json!(running.iter().map(|t| t.name.clone()).collect::<Vec<_>>()),
            );
        }
        if !unavailable.is_empty() {
            m.insert("trialMetricsUnavailable".into(), json!(unavailable.len()));
            m.insert(
                "metricsUnavailableTrialList".into(),
                json!(
                    unavailable
                        .iter()
                        .map(|t| t.name.clone())
                        .collect::<Vec<_>>()
                ),
            );
        }
        if let Some(f) = finished {
            m.insert("completionTime".into(), json!(rfc3339(f)));
        }
    }
    s
}

/// The objective value (accuracy) a finished trial reports.
pub fn objective_value(observation: &Value) -> Option<f64> {
    metric_value(observation, "accuracy")
}

/// The latest value of `metric` in an observation.
pub fn metric_value(observation: &Value, metric: &str) -> Option<f64> {
    observation
        .get("metrics")?
        .as_array()?
        .iter()
        .find(|m| m.get("name").and_then(Value::as_str) == Some(metric))?
        .get("latest")?
        .as_str()?
        .parse()
        .ok()
}

/// The experiment's objective value in an observation (its
/// `objectiveMetricName`, accuracy when unnamed).
pub fn objective_of(experiment: &Value, observation: &Value) -> Option<f64> {
    let metric = experiment
        .pointer("/spec/objective/objectiveMetricName")
        .and_then(Value::as_str)
        .unwrap_or("accuracy");
    metric_value(observation, metric)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn experiment(algorithm: &str) -> Value {
        json!({"metadata": {"name": "e", "namespace": "ns", "uid": "u"},
            "spec": {"algorithm": {"algorithmName": algorithm},
                "objective": {"type": "maximize", "objectiveMetricName": "accuracy"},
                "parameters": [
                    {"name": "learning_rate", "parameterType": "double", "feasibleSpace": {"min": "0.001", "max": "0.1"}},
                    {"name": "batch_size", "parameterType": "int", "feasibleSpace": {"min": "16", "max": "256"}}],
                "trialTemplate": {"primaryContainerName": "training-container",
                    "trialParameters": [{"name": "learningRate", "reference": "learning_rate"}, {"name": "batchSize", "reference": "batch_size"}],
                    "trialSpec": {"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": {"containers": [
                        {"name": "training-container", "image": "x", "command": ["python", "--lr=${trialParameters.learningRate}", "--batch-size=${trialParameters.batchSize}"]}]}}}}}}})
    }

    #[test]
    fn samples_within_bounds_deterministically() {
        let e = experiment("random");
        for n in 0..20 {
            let a = sample(&e, n, 42, None);
            let (lr, bs) = lr_and_batch(&a);
            assert!((0.001..=0.1).contains(&lr), "{lr}");
            assert!((16.0..=256.0).contains(&bs), "{bs}");
            assert_eq!(a, sample(&e, n, 42, None));
        }
    }

    #[test]
    fn trial_substitutes_parameters() {
        let e = experiment("random");
        let t = trial_for(
            &e,
            "e-abc",
            &[
                ("learning_rate".into(), "0.01".into()),
                ("batch_size".into(), "64".into()),
            ],
        );
        assert_eq!(
            t["spec"]["runSpec"]["spec"]["template"]["spec"]["containers"][0]["command"][1],
            "--lr=0.01"
        );
        let pod = trial_pod(&t);
        assert_eq!(
            pod["metadata"]["labels"]["katib.kubeflow.org/trial"],
            "e-abc"
        );
        assert_eq!(pod["spec"]["containers"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn best_trial_is_the_maximum() {
        let e = experiment("random");
        let mk = |name: &str, lr: &str| {
            let a = vec![
                ("learning_rate".to_string(), lr.to_string()),
                ("batch_size".to_string(), "96".to_string()),
            ];
            let obs = observation(&a, 5);
            TrialSummary {
                name: name.into(),
                objective: objective_value(&obs),
                observation: Some(obs),
                assignments: a,
            }
        };
        let trials = vec![mk("t1", "0.1"), mk("t2", "0.01"), mk("t3", "0.001")];
        let s = experiment_status(&e, &trials, crate::clock::now(), None);
        assert_eq!(s["currentOptimalTrial"]["bestTrialName"], "t2");
        assert_eq!(s["trialsSucceeded"], 3);
    }

    #[test]
    fn minimize_loss_picks_the_lowest_and_unprinted_metrics_fail() {
        let mut e = experiment("random");
        e["spec"]["objective"] =
            json!({"type": "minimize", "objectiveMetricName": "loss", "goal": 0.0001});
        e["spec"]["maxTrialCount"] = json!(3);
        e["spec"]["maxFailedTrialCount"] = json!(2);
        let mk = |name: &str, lr: &str| {
            let a = vec![
                ("learning_rate".to_string(), lr.to_string()),
                ("batch_size".to_string(), "96".to_string()),
            ];
            let obs = observation(&a, 5);
            TrialSummary {
                name: name.into(),
                objective: objective_of(&e, &obs),
                observation: Some(obs),
                assignments: a,
            }
        };
        let trials = vec![mk("t1", "0.1"), mk("t2", "0.01"), mk("t3", "0.001")];
        let losses: Vec<f64> = trials.iter().filter_map(|t| t.objective).collect();
        assert_eq!(losses.len(), 3);
        let s = experiment_status(&e, &trials, crate::clock::now(), Some(crate::clock::now()));
        assert_eq!(
            s["currentOptimalTrial"]["bestTrialName"], "t2",
            "lowest loss"
        );
        assert_eq!(finish_reason(&e, &trials), Some(Finish::MaxTrials));
        // A metric no worker prints: every trial is unavailable, the
        // experiment fails once maxFailedTrialCount is reached.
        e["spec"]["objective"]["objectiveMetricName"] = json!("f1_score");
        let bad: Vec<TrialSummary> = ["t1", "t2"]
            .iter()
            .map(|n| {
                let obs = observation(&[], 5);
                TrialSummary {
                    name: n.to_string(),
                    objective: objective_of(&e, &obs),
                    observation: Some(obs),
                    assignments: vec![],
                }
            })
            .collect();
        assert_eq!(finish_reason(&e, &bad), Some(Finish::MaxFailed));
        let s = experiment_status(&e, &bad, crate::clock::now(), Some(crate::clock::now()));
        assert_eq!(s["trialMetricsUnavailable"], 2);
        let failed = s["conditions"]
            .as_array()
            .and_then(|c| c.last())
            .cloned()
            .unwrap_or_default();
        assert_eq!(failed["type"], "Failed");
        assert_eq!(failed["reason"], "ExperimentMaxFailedTrialsReached");
    }
}
