//! What the Katib screens read from an Experiment and its Trials: the
//! objective with its metric strategies, the parameter spaces, the state with
//! the controller's reason, trial counts, the best trial, and per trial its
//! assignments, metrics (the value the strategy selects), state and times.

use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;
use serde_json::Value;

use crate::views::columns;

pub use super::trials::{TrialRow, progression};
use crate::views::table::Tone;

/// Label the Katib controller puts on trials and their pods.
pub const EXPERIMENT_LABEL: &str = "katib.kubeflow.org/experiment";
pub const TRIAL_LABEL: &str = "katib.kubeflow.org/trial";

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A number Katib writes as a string (or, in hand-written YAML, a number).
pub fn num(v: Option<&Value>) -> Option<f64> {
    let v = v?;
    v.as_f64()
        .or_else(|| v.as_str().and_then(|x| x.trim().parse().ok()))
        .filter(|x: &f64| x.is_finite())
}

/// A value as short as it reads well: `0.0012`, `96`, `1.5e-5`.
pub fn fmt_num(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-4..1e6).contains(&a) {
        return format!("{x:.2e}");
    }
    if x.fract() == 0.0 {
        return format!("{x:.0}");
    }
    let digits = (3 - a.log10().floor() as i32).clamp(0, 8) as usize;
    let t = format!("{x:.digits$}");
    if t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        t
    }
}

/// Which way the objective goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Minimize,
    Maximize,
}

impl Direction {
    pub fn word(self) -> &'static str {
        match self {
            Direction::Minimize => "minimize",
            Direction::Maximize => "maximize",
        }
    }

    /// True when `a` is better than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Minimize => a < b,
            Direction::Maximize => a > b,
        }
    }
}

/// The experiment's objective.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    pub direction: Direction,
    pub metric: String,
    pub goal: Option<f64>,
    pub additional: Vec<String>,
    /// Metric name and strategy (`min`, `max`, `latest`), objective first.
    pub strategies: Vec<(String, String)>,
}

impl Objective {
    pub fn of(obj: &DynamicObject) -> Objective {
        let o = obj.data.pointer("/spec/objective").unwrap_or(&Value::Null);
        let direction = if s(o, "type") == "maximize" {
            Direction::Maximize
        } else {
            Direction::Minimize
        };
        let metric = s(o, "objectiveMetricName").to_string();
        let additional: Vec<String> = o
            .get("additionalMetricNames")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let given: Vec<(String, String)> = o
            .get("metricStrategies")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|m| (s(m, "name").to_string(), s(m, "value").to_string()))
                    .collect()
            })
            .unwrap_or_default();
        // Katib's default: every metric follows the objective's direction.
        let default = match direction {
            Direction::Minimize => "min",
            Direction::Maximize => "max",
        };
        let strategies = std::iter::once(&metric)
            .chain(additional.iter())
            .filter(|m| !m.is_empty())
            .map(|m| {
                let st = given
                    .iter()
                    .find(|(n, _)| n == m)
                    .map(|(_, v)| v.clone())
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| default.to_string());
                (m.clone(), st)
            })
            .collect();
        Objective {
            direction,
            goal: num(o.get("goal")),
            metric,
            additional,
            strategies,
        }
    }

    /// `minimize loss`, with the goal when there is one.
    pub fn text(&self) -> String {
        let mut t = format!("{} {}", self.direction.word(), self.metric);
        if let Some(g) = self.goal {
            t.push_str(&format!(" → {}", fmt_num(g)));
        }
        t
    }

    pub fn strategy(&self, metric: &str) -> &str {
        self.strategies
            .iter()
            .find(|(n, _)| n == metric)
            .map(|(_, v)| v.as_str())
            .unwrap_or("latest")
    }

    /// Every metric: the objective, then the additional ones.
    pub fn metrics(&self) -> Vec<&str> {
        std::iter::once(self.metric.as_str())
            .chain(self.additional.iter().map(String::as_str))
            .filter(|m| !m.is_empty())
            .collect()
    }
}

/// One searched parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub kind: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub step: Option<String>,
    pub list: Vec<String>,
    pub distribution: Option<String>,
}

impl Param {
    /// True for a numeric space over two or more orders of magnitude.
    pub fn log_scale(&self) -> bool {
        matches!((self.min, self.max), (Some(lo), Some(hi)) if lo > 0.0 && hi / lo >= 100.0)
            || self.distribution.as_deref() == Some("logUniform")
    }

    /// `double 0.01..0.05`, `int 80..100 step 4`, `categorical sgd|adam`.
    pub fn space(&self) -> String {
        if !self.list.is_empty() {
            return format!("{} {}", self.kind, self.list.join("|"));
        }
        let f = |x: Option<f64>| x.map(fmt_num).unwrap_or_else(|| "?".into());
        let mut t = format!("{} {}..{}", self.kind, f(self.min), f(self.max));
        if let Some(st) = &self.step {
            t.push_str(&format!(" step {st}"));
        }
        if let Some(d) = &self.distribution {
            t.push_str(&format!(" {d}"));
        }
        t
    }
}

pub fn params(obj: &DynamicObject) -> Vec<Param> {
    obj.data
        .pointer("/spec/parameters")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let fs = p.get("feasibleSpace").unwrap_or(&Value::Null);
                    Param {
                        name: s(p, "name").to_string(),
                        kind: s(p, "parameterType").to_string(),
                        min: num(fs.get("min")),
                        max: num(fs.get("max")),
                        step: fs
                            .get("step")
                            .and_then(|v| v.as_str().map(str::to_string).or(Some(v.to_string())))
                            .filter(|v| !v.is_empty() && v != "null"),
                        list: fs
                            .get("list")
                            .and_then(Value::as_array)
                            .map(|l| {
                                l.iter()
                                    .map(|x| {
                                        x.as_str().map(str::to_string).unwrap_or(x.to_string())
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                        distribution: fs
                            .get("distribution")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Where an experiment or a trial is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Created,
    Running,
    Restarting,
    Succeeded,
    Failed,
    EarlyStopped,
    Killed,
    MetricsUnavailable,
}

impl Phase {
    pub fn word(self) -> &'static str {
        match self {
            Phase::Created => "Created",
            Phase::Running => "Running",
            Phase::Restarting => "Restarting",
            Phase::Succeeded => "Succeeded",
            Phase::Failed => "Failed",
            Phase::EarlyStopped => "EarlyStopped",
            Phase::Killed => "Killed",
            Phase::MetricsUnavailable => "MetricsUnavailable",
        }
    }

    pub fn tone(self) -> Tone {
        match self {
            Phase::Succeeded => Tone::Ok,
            Phase::Running => Tone::Info,
            Phase::Failed | Phase::MetricsUnavailable => Tone::Error,
            Phase::Restarting | Phase::Killed => Tone::Warn,
            Phase::EarlyStopped | Phase::Created => Tone::Dim,
        }
    }

    pub fn finished(self) -> bool {
        !matches!(self, Phase::Created | Phase::Running | Phase::Restarting)
    }

    pub fn failed(self) -> bool {
        matches!(
            self,
            Phase::Failed | Phase::MetricsUnavailable | Phase::Killed
        )
    }
}

/// A state with the condition that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub phase: Phase,
    /// The condition's reason without the `Experiment`/`Trial` prefix.
    pub reason: String,
    pub message: String,
}

impl Status {
    /// `Succeeded MaxTrialsReached`, `Running`.
    pub fn text(&self) -> String {
        let generic = [
            "",
            "Created",
            "Running",
            "Succeeded",
            "Failed",
            "Restarting",
        ];
        if generic.contains(&self.reason.as_str()) || self.reason == self.phase.word() {
            self.phase.word().to_string()
        } else {
            format!("{} {}", self.phase.word(), self.reason)
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

/// The state from the conditions: a finished one wins, else the latest
/// true one.
pub fn status(obj: &DynamicObject) -> Status {
    let conds = conditions(obj);
    let phase = |t: &str| match t {
        "Created" => Some(Phase::Created),
        "Running" => Some(Phase::Running),
        "Restarting" => Some(Phase::Restarting),
        "Succeeded" => Some(Phase::Succeeded),
        "Failed" => Some(Phase::Failed),
        "EarlyStopped" => Some(Phase::EarlyStopped),
        "Killed" => Some(Phase::Killed),
        "MetricsUnavailable" => Some(Phase::MetricsUnavailable),
        _ => None,
    };
    let truthy: Vec<(Phase, &Value)> = conds
        .iter()
        .filter(|c| s(c, "status") == "True")
        .filter_map(|c| Some((phase(s(c, "type"))?, c)))
        .collect();
    let pick = truthy
        .iter()
        .filter(|(p, _)| p.finished())
        .max_by_key(|(p, _)| *p)
        .or_else(|| truthy.last());
    match pick {
        Some((p, c)) => {
            let reason = s(c, "reason");
            let reason = reason
                .strip_prefix("Experiment")
                .or_else(|| reason.strip_prefix("Trial"))
                .unwrap_or(reason);
            Status {
                phase: *p,
                reason: reason.to_string(),
                message: s(c, "message").to_string(),
            }
        }
        None => Status {
            phase: Phase::Created,
            reason: String::new(),
            message: String::new(),
        },
    }
}

/// Trial counts from the experiment's status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: i64,
    pub succeeded: i64,
    pub running: i64,
    pub failed: i64,
    pub early_stopped: i64,
    pub max: Option<i64>,
}

impl Counts {
    pub fn of(obj: &DynamicObject) -> Counts {
        let n = |p: &str| columns::i64_at(obj, p).unwrap_or(0);
        Counts {
            total: n("/status/trials"),
            succeeded: n("/status/trialsSucceeded"),
            running: n("/status/trialsRunning"),
            failed: n("/status/trialsFailed")
                + n("/status/trialsKilled")
                + n("/status/trialMetricsUnavailable"),
            early_stopped: n("/status/trialsEarlyStopped"),
            max: columns::i64_at(obj, "/spec/maxTrialCount"),
        }
    }

    /// `10/1/1/0/12`: succeeded / running / failed / early-stopped / max.
    pub fn text(&self) -> String {
        let max = self
            .max
            .map(|m| m.to_string())
            .unwrap_or_else(|| "-".into());
        format!(
            "{}/{}/{}/{}/{max}",
            self.succeeded, self.running, self.failed, self.early_stopped
        )
    }
}

/// One observed metric of a trial.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub name: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub latest: Option<f64>,
    /// As the collector wrote it (`unavailable` when it found nothing).
    pub latest_text: String,
}

impl Metric {
    pub fn pick(&self, strategy: &str) -> Option<f64> {
        match strategy {
            "min" => self.min.or(self.latest),
            "max" => self.max.or(self.latest),
            _ => self.latest,
        }
    }
}

pub fn metrics_at(v: Option<&Value>) -> Vec<Metric> {
    v.and_then(|o| o.get("metrics"))
        .and_then(Value::as_array)
        .map(|ms| {
            ms.iter()
                .map(|m| Metric {
                    name: s(m, "name").to_string(),
                    min: num(m.get("min")),
                    max: num(m.get("max")),
                    latest: num(m.get("latest")),
                    latest_text: m
                        .get("latest")
                        .map(|x| x.as_str().map(str::to_string).unwrap_or(x.to_string()))
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `name=value` pairs from a `parameterAssignments` list.
pub fn assignments_at(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|p| {
                    let val = p
                        .get("value")
                        .map(|x| x.as_str().map(str::to_string).unwrap_or(x.to_string()))
                        .unwrap_or_default();
                    (s(p, "name").to_string(), val)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The best trial from `status.currentOptimalTrial`.
#[derive(Debug, Clone, PartialEq)]
pub struct Best {
    pub trial: String,
    pub value: Option<f64>,
    pub assignments: Vec<(String, String)>,
}

impl Best {
    pub fn of(obj: &DynamicObject, objective: &Objective) -> Option<Best> {
        let cur = obj.data.pointer("/status/currentOptimalTrial")?;
        let trial = s(cur, "bestTrialName").to_string();
        let assignments = assignments_at(cur.get("parameterAssignments"));
        let value = metrics_at(cur.get("observation"))
            .iter()
            .find(|m| m.name == objective.metric)
            .and_then(|m| m.pick(objective.strategy(&objective.metric)));
        (!trial.is_empty() || value.is_some()).then_some(Best {
            trial,
            value,
            assignments,
        })
    }

    /// `0.0231 lr=0.012 bs=96`.
    pub fn text(&self) -> String {
        let mut parts = vec![self.value.map(fmt_num).unwrap_or_else(|| "-".into())];
        parts.extend(self.assignments.iter().map(|(k, v)| format!("{k}={v}")));
        parts.join(" ")
    }
}

/// How long something ran: start to completion, or to now while running.
pub fn duration(obj: &DynamicObject, finished: bool, now: Timestamp) -> Option<i64> {
    let start = columns::time_at(obj, "/status/startTime");
    let end = columns::time_at(obj, "/status/completionTime");
    if finished && end.is_none() {
        return None;
    }
    columns::duration_secs(start, end, now)
}

/// An experiment with what the screens read from it.
#[derive(Debug, Clone)]
pub struct ExperimentRow {
    pub obj: Arc<DynamicObject>,
    pub status: Status,
    pub objective: Objective,
    pub counts: Counts,
    pub best: Option<Best>,
}

impl ExperimentRow {
    pub fn new(obj: Arc<DynamicObject>) -> ExperimentRow {
        let objective = Objective::of(&obj);
        ExperimentRow {
            status: status(&obj),
            counts: Counts::of(&obj),
            best: Best::of(&obj, &objective),
            objective,
            obj,
        }
    }

    pub fn algorithm(&self) -> &str {
        columns::str_at(&self.obj, "/spec/algorithm/algorithmName").unwrap_or("-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_short() {
        assert_eq!(fmt_num(0.012345678), "0.01235");
        assert_eq!(fmt_num(96.0), "96");
        assert_eq!(fmt_num(0.00001), "1.00e-5");
        assert_eq!(fmt_num(0.9123), "0.9123");
        assert_eq!(fmt_num(0.0), "0");
    }
}
