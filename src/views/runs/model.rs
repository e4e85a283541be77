//! What the runs screens read off a Workflow: the KFP run's display name,
//! pipeline and run id, the phase (and a shutdown on its way), times, and
//! the task progress from `status.nodes` with the KFP plumbing left out.

use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;
use serde_json::Value;

use super::dag::{Dag, Phase};
use crate::views::columns;

pub const RUN_NAME: &str = "pipelines.kubeflow.org/run_name";
pub const RUN_ID: &str = "pipeline/runid";
pub const POD_NAME_FORMAT: &str = "workflows.argoproj.io/pod-name-format";

/// One run as the table shows it.
#[derive(Debug, Clone)]
pub struct Summary {
    pub display: String,
    pub experiment: Option<String>,
    pub pipeline: Option<String>,
    pub run_id: Option<String>,
    /// The phase word (`Pending` when the controller has not written one).
    pub phase_word: String,
    pub phase: Phase,
    /// `spec.shutdown` while the run has not finished.
    pub shutdown: Option<String>,
    /// Tasks finished / all tasks, when the nodes say.
    pub progress: Option<(usize, usize)>,
    pub started: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    pub message: Option<String>,
}

impl Summary {
    /// The STATUS word: the phase, or what a requested shutdown makes of it.
    pub fn status_word(&self) -> String {
        match &self.shutdown {
            Some(s) if !self.phase.finished() => {
                if s == "Stop" {
                    "Stopping".into()
                } else {
                    "Terminating".into()
                }
            }
            _ => self.phase_word.clone(),
        }
    }
}

/// The pipeline name the KFP compiler writes into its driver arguments.
fn pipeline_from_drivers(wf: &DynamicObject) -> Option<String> {
    let templates = wf.data.pointer("/spec/templates")?.as_array()?;
    templates.iter().find_map(|t| {
        let args = t.pointer("/container/args")?.as_array()?;
        let i = args
            .iter()
            .position(|a| a.as_str() == Some("--pipeline_name"))?;
        args.get(i + 1)?
            .as_str()
            .filter(|s| !s.is_empty())
            .map(String::from)
    })
}

/// The root DAG's tasks in the KFP pipeline spec (`components-root`).
fn kfp_task_count(wf: &DynamicObject) -> usize {
    wf.data
        .pointer("/spec/arguments/parameters")
        .and_then(Value::as_array)
        .and_then(|ps| {
            ps.iter()
                .find(|p| p.get("name").and_then(Value::as_str) == Some("components-root"))
        })
        .and_then(|p| p.get("value").and_then(Value::as_str))
        .and_then(|v| serde_json::from_str::<Value>(v).ok())
        .and_then(|v| {
            v.pointer("/dag/tasks")
                .and_then(Value::as_object)
                .map(|m| m.len())
        })
        .unwrap_or(0)
}

/// A run's display name: the KFP run name, else the workflow's name.
pub fn display_name(wf: &DynamicObject) -> String {
    columns::annotation(wf, RUN_NAME)
        .or_else(|| columns::label(wf, RUN_NAME))
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| columns::name(wf))
        .to_string()
}

pub fn summary(wf: &DynamicObject, dag: &Dag) -> Summary {
    let phase_word = columns::str_at(wf, "/status/phase")
        .filter(|p| !p.is_empty())
        .unwrap_or("Pending")
        .to_string();
    let phase = Phase::parse(Some(&phase_word));
    let (done, total) = dag.progress();
    // Tasks not started yet are in the pipeline spec, not in the nodes.
    let total = total.max(kfp_task_count(wf));
    let progress = if total > 0 {
        Some((done, total))
    } else {
        // No nodes yet: Argo's own count, when it wrote one.
        columns::str_at(wf, "/status/progress").and_then(|p| {
            let (a, b) = p.split_once('/')?;
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        })
    };
    Summary {
        display: display_name(wf),
        experiment: None,
        pipeline: pipeline_from_drivers(wf)
            .or_else(|| columns::str_at(wf, "/spec/workflowTemplateRef/name").map(String::from)),
        run_id: columns::label(wf, RUN_ID).map(String::from),
        phase,
        phase_word,
        shutdown: columns::str_at(wf, "/spec/shutdown")
            .filter(|s| !s.is_empty())
            .map(String::from),
        progress,
        started: columns::time_at(wf, "/status/startedAt"),
        finished: columns::time_at(wf, "/status/finishedAt"),
        message: columns::str_at(wf, "/status/message")
            .filter(|m| !m.is_empty())
            .map(String::from),
    }
}

/// The run parameters a user set: the workflow's arguments without the
/// KFP compiler's component and implementation blobs.
pub fn parameters(wf: &DynamicObject) -> Vec<(String, String)> {
    wf.data
        .pointer("/spec/arguments/parameters")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    let name = p.get("name")?.as_str()?;
                    if name.starts_with("components-") || name.starts_with("implementations-") {
                        return None;
                    }
                    let value = p.get("value").and_then(Value::as_str).unwrap_or_default();
                    Some((name.to_string(), value.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A workflow with its tree and summary, computed once per object version.
#[derive(Debug, Clone)]
pub struct RunRow {
    pub wf: Arc<DynamicObject>,
    pub dag: Arc<Dag>,
    pub summary: Arc<Summary>,
}

impl RunRow {
    pub fn new(wf: Arc<DynamicObject>) -> RunRow {
        let dag = Dag::from_workflow(columns::name(&wf), &wf.data);
        let summary = summary(&wf, &dag);
        RunRow {
            wf,
            dag: Arc::new(dag),
            summary: Arc::new(summary),
        }
    }

    /// Pod names of format v1 are the node ids.
    pub fn pod_v1(&self) -> bool {
        columns::annotation(&self.wf, POD_NAME_FORMAT) == Some("v1")
    }
}
