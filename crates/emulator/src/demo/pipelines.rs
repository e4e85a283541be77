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
    // A DAG node exists once a pod under it does, and reads as its pods do:
    // failed when one failed, succeeded when all did, else running.
    let phase_of = |id: &str| {
        nodes
            .get(id)
            .and_then(|n| n.get("phase"))
            .and_then(Value::as_str)
            .map(String::from)
    };
    let mut dags = Vec::new();
    for node in plan.nodes.iter().filter(|n| n.node_type == NodeType::Dag) {
        let under: Vec<&argo::PlannedNode> =
            plan.pods().filter(|p| within(&plan, p, &node.id)).collect();
        let phases: Vec<Option<String>> = under.iter().map(|p| phase_of(&p.id)).collect();
        if phases.iter().all(Option::is_none) {
            continue;
        }
        let failed_child = under
            .iter()
            .zip(&phases)
            .find(|(_, ph)| ph.as_deref() == Some("Failed"))
            .map(|(p, _)| p.id.clone());
        let phase = if failed_child.is_some() {
            "Failed"
        } else if phases.iter().all(|p| p.as_deref() == Some("Succeeded")) {
            "Succeeded"
        } else {
            "Running"
        };
        let done = phases
            .iter()
            .filter(|p| matches!(p.as_deref(), Some("Succeeded" | "Failed")))
            .count();
        let time_of = |key: &str, first: bool| {
            let times = under
                .iter()
                .filter_map(|p| nodes.get(&p.id)?.get(key)?.as_str().map(String::from));
            if first { times.min() } else { times.max() }
        };
        let state = NodeState {
            phase,
            started: time_of("startedAt", true),
            finished: (phase != "Running")
                .then(|| time_of("finishedAt", false))
                .flatten(),
            host: None,
            message: failed_child.map(|id| format!("child '{id}' failed")),
            exit_code: None,
            progress: format!("{done}/{}", under.len()),
        };
        dags.push((node.id.clone(), argo::node_status(&name, node, &state)));
    }
    nodes.extend(dags);
    argo::prune_children(&mut nodes);
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

/// Whether Pod node `pod` lies inside DAG `dag` (through its boundaries).
fn within(plan: &argo::Plan, pod: &argo::PlannedNode, dag: &str) -> bool {
    let mut at = pod.boundary.as_deref();
    let mut steps = 0;
    while let Some(b) = at {
        if b == dag {
            return true;
        }
        steps += 1;
        if steps > plan.nodes.len() {
            return false;
        }
        at = plan.get(b).and_then(|n| n.boundary.as_deref());
    }
    false
}
