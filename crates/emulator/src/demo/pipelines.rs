//! Demo KFP v2 runs, as the KFP backend submits them to Argo: one finished,
//! one running and one failed run in `ml-research`, plus a finished run in
//! `vision-team`, each with its driver and executor pods and a
//! `status.nodes` DAG.

use serde_json::{Map, Value};

use super::{Demo, ago};
use crate::clock::rfc3339;
use crate::ids;
use crate::kubeflow::argo::{self, NodeState, NodeType, WorkflowState};
use crate::kubeflow::kfp::{self, Component};
use crate::names::*;
use crate::resources;

/// How far a demo run got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Succeeded,
    /// Running: this many Pod nodes have finished, the next one runs.
    Running(usize),
    /// The executor of the named component exits 1.
    Failed,
}

/// Simulated seconds each Pod node takes.
const STEP_SECS: i64 = 40;

fn training_pipeline(fail_train: bool) -> Vec<Component> {
    let train_script = if fail_train {
        "python train.py --epochs 5 --data /tmp/inputs/dataset && echo 'CUDA out of memory' && exit 1"
    } else {
        "python train.py --epochs 5 --data /tmp/inputs/dataset"
    };
    vec![
        Component::new(
            "load-data",
            "python:3.11",
            "python -c 'import pandas; print(\"loading dataset\")'",
            0,
        ),
        Component::new(
            "preprocess",
            "python:3.11",
            "python preprocess.py --normalize",
            0,
        ),
        Component::new(
            "train-model",
            "pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime",
            train_script,
            1,
        ),
        Component::new(
            "evaluate",
            "python:3.11",
            "python evaluate.py --metrics accuracy,f1",
            0,
        ),
    ]
}

fn run(
    demo: &mut Demo,
    ns: &str,
    pipeline: &str,
    age: i64,
    outcome: Outcome,
    components: &[Component],
) {
    let suffix = ids::suffix(&mut demo.rng, 5);
    let name = format!("{pipeline}-{suffix}");
    let run_id = ids::uid(&mut demo.rng);
    let wf = kfp::workflow(&name, ns, pipeline, &run_id, components);
    let (index, wf) = demo.add_indexed(&resources::WORKFLOW, wf, age);
    let plan = argo::plan(&wf);
    let started = age - 1;
    let pods: Vec<&argo::PlannedNode> = plan.pods().collect();
    let node_names = [NODE_CPU_0, NODE_CPU_1];
    let mut nodes = Map::new();
    let mut completed = Vec::new();
    let mut failed_node: Option<String> = None;
    let mut done_pods = 0usize;
    let mut t = started;
    for (i, node) in pods.iter().enumerate() {
        if let Outcome::Running(n) = outcome
            && i > n
        {
            break;
        }
        if failed_node.is_some() {
            break;
        }
        let Some(pod) = argo::pod_for(&wf, node) else {
            continue;
        };
        let gpu = crate::kubeflow::pod_gpus(&pod) > 0;
        let host = if gpu { NODE_A100 } else { node_names[i % 2] };
        let running_now = matches!(outcome, Outcome::Running(n) if i == n);
        let stored = if running_now {
            demo.running_pod(pod, host, t, &[])
        } else {
            demo.finished_pod(pod, host, t, t - STEP_SECS)
        };
        let exit = stored
            .pointer("/status/containerStatuses")
            .and_then(Value::as_array)
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c.get("name").and_then(Value::as_str) == Some("main"))
                    .and_then(|c| c.pointer("/state/terminated/exitCode"))
                    .and_then(Value::as_i64)
            });
        let phase = if running_now {
            "Running"
        } else if exit.unwrap_or(0) != 0 {
            "Failed"
        } else {
            "Succeeded"
        };
        if phase == "Failed" {
            failed_node = Some(node.id.clone());
        }
        if phase != "Running" {
            completed.push(node.id.clone());
            done_pods += 1;
        }
        let state = NodeState {
            phase,
            started: Some(rfc3339(ago(t))),
            finished: (phase != "Running").then(|| rfc3339(ago(t - STEP_SECS))),
            host: Some(host.to_string()),
            message: (phase == "Failed").then(|| "Error (exit code 1)".to_string()),
            exit_code: (phase != "Running").then(|| i32::try_from(exit.unwrap_or(0)).unwrap_or(1)),
            progress: format!("{}/1", i32::from(phase != "Running")),
        };
        nodes.insert(node.id.clone(), argo::node_status(&name, node, &state));
        t -= STEP_SECS;
    }
    let wf_phase = match outcome {
        Outcome::Succeeded => "Succeeded",
        Outcome::Running(_) => "Running",
        Outcome::Failed => "Failed",
    };
    let finished = (wf_phase != "Running").then(|| rfc3339(ago(t)));
    // DAG nodes take the state of the run around them.
    for node in plan.nodes.iter().filter(|n| n.node_type == NodeType::Dag) {
        let members: Vec<&str> = plan
            .pods()
            .filter(|p| p.id.starts_with(&node.id) || node.boundary.is_none())
            .map(|p| p.id.as_str())
            .collect();
        let total = members.len().max(1);
        let state = NodeState {
            phase: wf_phase,
            started: Some(rfc3339(ago(started))),
            finished: finished.clone(),
            host: None,
            message: failed_node
                .as_ref()
                .filter(|_| wf_phase == "Failed")
                .map(|id| format!("child '{id}' failed")),
            exit_code: None,
            progress: format!("{}/{}", done_pods.min(total), total),
        };
        nodes.insert(node.id.clone(), argo::node_status(&name, node, &state));
    }
    let total = pods.len();
    let status = argo::workflow_status(
        &WorkflowState {
            phase: wf_phase,
            started: Some(rfc3339(ago(started))),
            finished,
            progress: format!("{done_pods}/{total}"),
            message: failed_node
                .as_ref()
                .filter(|_| wf_phase == "Failed")
                .map(|id| format!("child '{id}' failed")),
            completed_pods: completed,
        },
        nodes,
    );
    demo.set_status(index, status);
    if let Some((_, v)) = demo.objects.get_mut(index) {
        argo::set_phase_labels(v, wf_phase);
    }
}

/// The demo runs.
pub fn build(demo: &mut Demo) {
    run(
        demo,
        ML_RESEARCH,
        "training-pipeline",
        2 * 86400,
        Outcome::Succeeded,
        &training_pipeline(false),
    );
    run(
        demo,
        ML_RESEARCH,
        "training-pipeline",
        3 * 3600,
        Outcome::Failed,
        &training_pipeline(true),
    );
    run(
        demo,
        ML_RESEARCH,
        "training-pipeline",
        // Older than its finished steps, so every timestamp is in the past.
        230,
        Outcome::Running(4),
        &training_pipeline(false),
    );
    let hello = [Component::new(
        "hello-world",
        "python:3.11",
        "echo 'Hello, World!'",
        0,
    )];
    run(
        demo,
        VISION_TEAM,
        "hello-world",
        86400,
        Outcome::Succeeded,
        &hello,
    );
}
