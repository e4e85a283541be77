//! What the KFP API said about a namespace's runs and experiments, and
//! which source the runs screens use: the KFP API with the Workflows, or
//! the Workflows alone (and why).

use std::collections::HashMap;

use serde_json::Value;

use crate::kube::kfp::Endpoint;

/// Which source the screen uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Source {
    /// The KFP API has not answered yet.
    #[default]
    Asking,
    Kfp,
    /// The KFP API could not be used: why.
    WorkflowsOnly(String),
}

/// A run as the KFP API lists it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KfpRun {
    pub run_id: String,
    pub display: String,
    pub experiment: Option<String>,
    pub archived: bool,
    pub state: String,
    pub created: Option<String>,
    pub finished: Option<String>,
    pub error: Option<String>,
    /// Workflow name and namespace, when the API says.
    pub workflow: Option<(String, String)>,
    /// Pipeline id and version id the run was made from.
    pub pipeline: Option<(String, String)>,
    pub experiment_id: Option<String>,
}

/// The annotation that marks a row made from the KFP API alone.
pub const KFP_ONLY: &str = "kftui/kfp-only";

impl KfpRun {
    /// A stand-in Workflow for a run whose Workflow is gone (garbage-
    /// collected after its TTL): the KFP API's state and times, no nodes.
    pub fn as_workflow(&self, namespace: &str) -> Option<kube::api::DynamicObject> {
        let phase = match self.state.as_str() {
            "SUCCEEDED" => "Succeeded",
            "FAILED" | "CANCELED" => "Failed",
            "RUNNING" | "CANCELING" => "Running",
            "SKIPPED" => "Skipped",
            _ => "Pending",
        };
        let mut status = serde_json::json!({"phase": phase});
        if let Some(c) = &self.created {
            status["startedAt"] = Value::String(c.clone());
        }
        if let Some(f) = &self.finished {
            status["finishedAt"] = Value::String(f.clone());
        }
        let mut message =
            "only in the KFP API: its Workflow is gone (garbage-collected)".to_string();
        if let Some(e) = &self.error {
            message = format!("{e} ({message})");
        }
        status["message"] = Value::String(message);
        let name = self
            .workflow
            .as_ref()
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| self.run_id.clone());
        serde_json::from_value(serde_json::json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": name, "namespace": namespace, "uid": format!("kfp-{}", self.run_id),
                "creationTimestamp": self.created,
                "labels": {"pipeline/runid": self.run_id},
                "annotations": {"pipelines.kubeflow.org/run_name": self.display, KFP_ONLY: "true"}},
            "status": status
        }))
        .ok()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Kfp {
    pub endpoint: Endpoint,
    pub source: Source,
    pub runs: HashMap<String, KfpRun>,
    /// Experiment names by id.
    pub experiments: HashMap<String, String>,
}

impl Kfp {
    pub fn available(&self) -> bool {
        self.source == Source::Kfp
    }

    /// Why the KFP API is not in use, when it is not.
    pub fn unavailable(&self) -> Option<String> {
        match &self.source {
            Source::Kfp => None,
            Source::Asking => Some("the KFP API has not answered yet".into()),
            Source::WorkflowsOnly(why) => Some(why.clone()),
        }
    }

    /// The line the screens show about their source.
    pub fn source_line(&self) -> String {
        match &self.source {
            Source::Asking => format!(
                "source: Argo Workflows (asking the KFP API at {}…)",
                self.endpoint.label()
            ),
            Source::Kfp => format!(
                "source: KFP API ({}, {}) + Argo Workflows",
                self.endpoint.label(),
                self.endpoint.via()
            ),
            Source::WorkflowsOnly(why) => {
                format!("source: Argo Workflows only (KFP API: {why})")
            }
        }
    }

    /// The experiment of a run, by its run id.
    pub fn experiment(&self, run_id: Option<&str>) -> Option<&str> {
        self.runs.get(run_id?)?.experiment.as_deref()
    }

    pub fn has_experiments(&self) -> bool {
        self.runs.values().any(|r| r.experiment.is_some())
    }

    /// Reads a `ListRuns` answer.
    pub fn apply_runs(&mut self, v: &Value) {
        self.source = Source::Kfp;
        let runs = v.get("runs").and_then(Value::as_array);
        self.runs = runs
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let s = |k: &str| r.get(k).and_then(Value::as_str).map(String::from);
                let run_id = s("run_id")?;
                let experiment =
                    s("experiment_id").map(|id| self.experiments.get(&id).cloned().unwrap_or(id));
                Some((
                    run_id.clone(),
                    KfpRun {
                        run_id,
                        display: s("display_name").unwrap_or_default(),
                        experiment,
                        archived: s("storage_state").as_deref() == Some("ARCHIVED"),
                        state: s("state").unwrap_or_default(),
                        created: s("created_at"),
                        finished: s("finished_at").filter(|f| !f.starts_with("1970")),
                        error: r
                            .pointer("/error/message")
                            .and_then(Value::as_str)
                            .map(String::from),
                        pipeline: r
                            .pointer("/pipeline_version_reference/pipeline_id")
                            .and_then(Value::as_str)
                            .filter(|p| !p.is_empty())
                            .map(|p| {
                                (
                                    p.to_string(),
                                    r.pointer("/pipeline_version_reference/pipeline_version_id")
                                        .and_then(Value::as_str)
                                        .unwrap_or_default()
                                        .to_string(),
                                )
                            }),
                        experiment_id: s("experiment_id"),
                        workflow: r
                            .pointer("/run_details/workflow")
                            .and_then(Value::as_str)
                            .map(|w| {
                                (
                                    w.to_string(),
                                    r.pointer("/run_details/namespace")
                                        .and_then(Value::as_str)
                                        .unwrap_or_default()
                                        .to_string(),
                                )
                            }),
                    },
                ))
            })
            .collect();
    }

    /// Reads a `ListExperiments` answer (names replace ids in runs).
    pub fn apply_experiments(&mut self, v: &Value) {
        self.experiments = v
            .get("experiments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| {
                Some((
                    e.get("experiment_id")?.as_str()?.to_string(),
                    e.get("display_name")?.as_str()?.to_string(),
                ))
            })
            .collect();
        for r in self.runs.values_mut() {
            if let Some(name) = r
                .experiment
                .as_ref()
                .and_then(|id| self.experiments.get(id))
            {
                r.experiment = Some(name.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::kfp::Ingress;

    #[test]
    fn source_line_says_which_path() {
        let mut k = Kfp {
            source: Source::Kfp,
            ..Kfp::default()
        };
        assert_eq!(
            k.source_line(),
            "source: KFP API (ml-pipeline.kubeflow:8888, service proxy) + Argo Workflows"
        );
        k.endpoint.ingress = Some(Ingress {
            url: "https://kf.example".into(),
            login: "alice@example.com".into(),
        });
        assert_eq!(
            k.source_line(),
            "source: KFP API (https://kf.example/pipeline, Kubeflow endpoint, Dex login as alice@example.com) + Argo Workflows"
        );
    }
}
