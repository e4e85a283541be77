//! Which Kubeflow object a GPU pod works for, from the labels and owner
//! references the controllers set: the notebook controller's
//! `notebook-name`, Katib's `katib.kubeflow.org/trial` (over the training
//! job it runs), Argo's `workflows.argoproj.io/workflow` with the node name
//! annotation (a KFP step), the Training Operator's
//! `training.kubeflow.org/job-name` + `replica-type` + `replica-index`,
//! JobSet's `jobset.sigs.k8s.io/jobset-name` for a Trainer v2 TrainJob,
//! KServe's `serving.kserve.io/inferenceservice` + `component`; else the
//! controlling owner reference; else the pod itself.

use crate::kube::pod::Pod;

use super::pods;
use crate::kube::kinds::{self, Kind};
use crate::kube::types::ObjRef;

/// A holder's owner as the screen shows it, and what `enter` opens.
#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    /// "Notebook", "PyTorchJob", "Trial", "Run", "InferenceService", or
    /// the owner reference's kind.
    pub kind: String,
    pub name: String,
    /// The part of it: "worker 1", "predictor", a pipeline step.
    pub part: String,
    /// The object whose screen `enter` opens.
    pub opens: Option<ObjRef>,
}

impl Owner {
    /// "Notebook jupyter-alice", "PyTorchJob mnist (worker 1)".
    pub fn text(&self) -> String {
        if self.part.is_empty() {
            format!("{} {}", self.kind, self.name)
        } else {
            format!("{} {} ({})", self.kind, self.name, self.part)
        }
    }
}

fn at(kind: &'static Kind, pod: &Pod, name: &str) -> Option<ObjRef> {
    Some(ObjRef {
        kind,
        namespace: Some(pods::namespace(pod).to_string()),
        name: name.to_string(),
    })
}

fn owner(kind: &str, name: &str, part: String, opens: Option<ObjRef>) -> Owner {
    Owner {
        kind: kind.to_string(),
        name: name.to_string(),
        part,
        opens,
    }
}

/// Resolves the owner of `pod`.
pub fn of(pod: &Pod) -> Owner {
    let label = |k: &str| pods::label(pod, k);
    if let Some(trial) = label("katib.kubeflow.org/trial") {
        let opens =
            label("katib.kubeflow.org/experiment").and_then(|e| at(&kinds::EXPERIMENT, pod, e));
        let part = label("katib.kubeflow.org/experiment")
            .map(|e| format!("experiment {e}"))
            .unwrap_or_default();
        return owner("Trial", trial, part, opens);
    }
    if let Some(wf) = label("workflows.argoproj.io/workflow") {
        let step = pods::annotation(pod, "workflows.argoproj.io/node-name")
            .map(|n| n.rsplit('.').next().unwrap_or(n).to_string())
            .unwrap_or_default();
        return owner("Run", wf, step, at(&kinds::WORKFLOW, pod, wf));
    }
    if let Some(nb) = label("notebook-name") {
        return owner("Notebook", nb, String::new(), at(&kinds::NOTEBOOK, pod, nb));
    }
    if let Some(job) = label("training.kubeflow.org/job-name") {
        let kind = pods::owner(pod)
            .and_then(|(k, _)| kinds::ALL.iter().copied().find(|x| x.kind == k))
            .or_else(|| {
                // The operator's name says the kind when no reference does.
                let op = label("training.kubeflow.org/operator-name")?;
                let k = op.strip_suffix("-controller")?;
                kinds::ALL
                    .iter()
                    .copied()
                    .find(|x| x.kind.eq_ignore_ascii_case(k))
            })
            .unwrap_or(&kinds::PYTORCH_JOB);
        let part = match (
            label("training.kubeflow.org/replica-type"),
            label("training.kubeflow.org/replica-index"),
        ) {
            (Some(t), Some(i)) => format!("{} {i}", t.to_lowercase()),
            (Some(t), None) => t.to_lowercase(),
            _ => String::new(),
        };
        return owner(kind.kind, job, part, at(kind, pod, job));
    }
    if let Some(js) = label("jobset.sigs.k8s.io/jobset-name") {
        let part = match (
            label("jobset.sigs.k8s.io/replicatedjob-name"),
            label("jobset.sigs.k8s.io/job-index"),
        ) {
            (Some(r), Some(i)) => format!("{r} {i}"),
            (Some(r), None) => r.to_string(),
            _ => String::new(),
        };
        // Trainer v2 names the JobSet after its TrainJob.
        return owner("TrainJob", js, part, at(&kinds::TRAIN_JOB, pod, js));
    }
    if let Some(isvc) = label("serving.kserve.io/inferenceservice") {
        let part = label("component").unwrap_or("predictor").to_string();
        return owner(
            "InferenceService",
            isvc,
            part,
            at(&kinds::INFERENCE_SERVICE, pod, isvc),
        );
    }
    if let Some((kind, name)) = pods::owner(pod) {
        return owner(kind, name, String::new(), None);
    }
    owner("Pod", pods::name(pod), String::new(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(labels: serde_json::Value, owners: serde_json::Value) -> Pod {
        let obj: kube::api::DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p-0", "namespace": "ml", "labels": labels, "ownerReferences": owners,
                         "annotations": {"workflows.argoproj.io/node-name": "run-1.train"}},
        }))
        .expect("pod");
        Pod::from_dynamic(&obj)
    }

    #[test]
    fn owners_from_controller_labels() {
        let nb = of(&pod(
            serde_json::json!({"notebook-name": "jupyter-alice", "statefulset": "jupyter-alice"}),
            serde_json::json!([]),
        ));
        assert_eq!(nb.text(), "Notebook jupyter-alice");
        assert_eq!(nb.opens.map(|o| o.kind.id), Some("notebooks"));
        let job = of(&pod(
            serde_json::json!({"training.kubeflow.org/job-name": "mnist", "training.kubeflow.org/replica-type": "Worker", "training.kubeflow.org/replica-index": "1"}),
            serde_json::json!([{"apiVersion": "kubeflow.org/v1", "kind": "TFJob", "name": "mnist", "uid": "u", "controller": true}]),
        ));
        assert_eq!(job.text(), "TFJob mnist (worker 1)");
        let trial = of(&pod(
            serde_json::json!({"katib.kubeflow.org/trial": "t-1", "katib.kubeflow.org/experiment": "e", "training.kubeflow.org/job-name": "t-1"}),
            serde_json::json!([]),
        ));
        assert_eq!(trial.text(), "Trial t-1 (experiment e)");
        assert_eq!(trial.opens.map(|o| o.kind.id), Some("experiments"));
        let step = of(&pod(
            serde_json::json!({"workflows.argoproj.io/workflow": "run-1"}),
            serde_json::json!([]),
        ));
        assert_eq!(step.text(), "Run run-1 (train)");
        let tj = of(&pod(
            serde_json::json!({"jobset.sigs.k8s.io/jobset-name": "llm", "jobset.sigs.k8s.io/replicatedjob-name": "node", "jobset.sigs.k8s.io/job-index": "0"}),
            serde_json::json!([]),
        ));
        assert_eq!(tj.text(), "TrainJob llm (node 0)");
        let isvc = of(&pod(
            serde_json::json!({"serving.kserve.io/inferenceservice": "iris", "component": "predictor"}),
            serde_json::json!([]),
        ));
        assert_eq!(isvc.text(), "InferenceService iris (predictor)");
        let rs = of(&pod(
            serde_json::json!({}),
            serde_json::json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "u"}]),
        ));
        assert_eq!(rs.text(), "ReplicaSet web-1");
        assert!(rs.opens.is_none());
        assert_eq!(
            of(&pod(serde_json::json!({}), serde_json::json!([]))).text(),
            "Pod p-0"
        );
    }
}
