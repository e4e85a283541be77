//! One trial as the Katib screens read it: assignments, metrics (the value
//! the metric strategy selects), state, times, why it has no metrics; and
//! the objective over the finished trials in completion order.

use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;

use super::model::{Metric, Objective, Phase, Status, assignments_at, metrics_at, status};
use crate::views::columns;

/// A trial with what the screens read from it.
#[derive(Debug, Clone)]
pub struct TrialRow {
    pub obj: Arc<DynamicObject>,
    /// `status.completionTime`, read once.
    pub completed: Option<Timestamp>,
    pub status: Status,
    pub assignments: Vec<(String, String)>,
    pub metrics: Vec<Metric>,
}

impl TrialRow {
    pub fn new(obj: Arc<DynamicObject>) -> TrialRow {
        TrialRow {
            completed: columns::time_at(&obj, "/status/completionTime"),
            status: status(&obj),
            assignments: assignments_at(obj.data.pointer("/spec/parameterAssignments")),
            metrics: metrics_at(obj.data.pointer("/status/observation")),
            obj,
        }
    }

    pub fn name(&self) -> &str {
        columns::name(&self.obj)
    }

    /// The value the strategy selects for `metric`.
    pub fn metric(&self, objective: &Objective, metric: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.name == metric)
            .and_then(|m| m.pick(objective.strategy(metric)))
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.assignments
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// When the trial finished, for the completion order.
    pub fn completed(&self) -> Option<Timestamp> {
        self.completed
    }

    /// Why a trial has no metrics, in words, when it has none.
    pub fn no_metrics_reason(&self, objective: &Objective) -> Option<String> {
        if self.metric(objective, &objective.metric).is_some() {
            return None;
        }
        Some(match self.status.phase {
            Phase::MetricsUnavailable => format!(
                "the metrics collector found no value for {} ({})",
                objective.metric,
                if self.status.message.is_empty() {
                    "was the metric printed as `name=value`?"
                } else {
                    self.status.message.as_str()
                }
            ),
            Phase::Failed => format!(
                "the worker failed before reporting {}: {}",
                objective.metric, self.status.message
            ),
            Phase::Killed => "the trial was killed".into(),
            Phase::EarlyStopped => "stopped early before the metric was recorded".into(),
            Phase::Succeeded => format!("the observation has no {}", objective.metric),
            _ => "not finished yet".into(),
        })
    }
}

/// Objective values of the finished trials in completion order, with the
/// best value so far after each.
pub fn progression(trials: &[Arc<TrialRow>], objective: &Objective) -> Vec<(f64, f64)> {
    let mut done: Vec<(Timestamp, &str, f64)> = trials
        .iter()
        .filter_map(|t| {
            let v = t.metric(objective, &objective.metric)?;
            let at = t.completed().or_else(|| columns::created(&t.obj))?;
            Some((at, t.name(), v))
        })
        .collect();
    done.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    let mut best: Option<f64> = None;
    done.iter()
        .map(|(_, _, v)| {
            let b = match best {
                Some(b) if !objective.direction.better(*v, b) => b,
                _ => *v,
            };
            best = Some(b);
            (*v, b)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::katib::model::Direction;

    #[test]
    fn progression_keeps_the_best_so_far() {
        let obj = |name: &str, at: &str, loss: &str| {
            Arc::new(TrialRow::new(Arc::new(
                serde_json::from_value(serde_json::json!({
                    "apiVersion": "kubeflow.org/v1beta1", "kind": "Trial",
                    "metadata": {"name": name},
                    "status": {"completionTime": at, "observation": {"metrics": [
                        {"name": "loss", "min": loss, "max": loss, "latest": loss}]}},
                }))
                .unwrap(),
            )))
        };
        let objective = Objective {
            direction: Direction::Minimize,
            metric: "loss".into(),
            goal: None,
            additional: vec![],
            strategies: vec![("loss".into(), "min".into())],
        };
        let trials = vec![
            obj("c", "2025-01-01T00:03:00Z", "0.2"),
            obj("a", "2025-01-01T00:01:00Z", "0.5"),
            obj("b", "2025-01-01T00:02:00Z", "0.3"),
        ];
        assert_eq!(
            progression(&trials, &objective),
            vec![(0.5, 0.5), (0.3, 0.3), (0.2, 0.2)]
        );
    }
}
