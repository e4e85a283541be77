//! The Argo workflow controller: walks each unfinished Workflow's DAG,
//! creates the pod of every Pod node whose dependencies succeeded, and
//! rewrites `status.nodes` and the workflow phase from the pods' states,
//! so a new run advances node by node as the kubelet finishes its pods.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::Ctx;
use crate::kubeflow::argo::{self, NodeState, NodeType, Plan, PlannedNode, WorkflowState};
use crate::kubeflow::{name_of, namespace_of};
use crate::ops::{self, Target};
use crate::resources;

fn is_done(wf: &Value) -> bool {
    matches!(
        wf.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed" | "Error")
    )
}

fn s<'a>(v: &'a Value, p: &str) -> Option<&'a str> {
    v.pointer(p).and_then(Value::as_str)
}

/// The main container's terminated state of a pod.
fn main_terminated(pod: &Value) -> Option<&Value> {
    pod.pointer("/status/containerStatuses")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some("main"))
        .and_then(|c| c.pointer("/state/terminated"))
}

struct Walk<'a> {
    plan: &'a Plan,
    pods: BTreeMap<String, Value>,
    phases: BTreeMap<String, Option<String>>,
}

impl Walk<'_> {
    fn phase(&mut self, node: &PlannedNode) -> Option<String> {
        if let Some(p) = self.phases.get(&node.id) {
            return p.clone();
        }
        let p = match node.node_type {
            NodeType::Pod => self
                .pods
                .get(&node.id)
                .map(|pod| s(pod, "/status/phase").unwrap_or("Pending").to_string()),
            NodeType::Dag => {
                let members: Vec<PlannedNode> = self.plan.members(&node.id).cloned().collect();
                let phases: Vec<Option<String>> = members.iter().map(|m| self.phase(m)).collect();
                if phases.iter().any(|p| p.as_deref() == Some("Failed")) {
                    Some("Failed".into())
                } else if !phases.is_empty()
                    && phases.iter().all(|p| p.as_deref() == Some("Succeeded"))
                {
                    Some("Succeeded".into())
                } else if phases.iter().any(Option::is_some) {
                    Some("Running".into())
                } else {
                    None
                }
            }
        };
        self.phases.insert(node.id.clone(), p.clone());
        p
    }

    fn ready(&mut self, node: &PlannedNode) -> bool {
        let deps_ok = node.depends_on.iter().all(|d| {
            let Some(dep) = self.plan.get(d).cloned() else {
                return true;
            };
            self.phase(&dep).as_deref() == Some("Succeeded")
        });
        deps_ok
            && match node
                .boundary
                .as_ref()
                .and_then(|b| self.plan.get(b))
                .cloned()
            {
                Some(parent) => self.ready(&parent),
                None => true,
            }
    }
}

/// Advances every unfinished workflow.
pub fn reconcile(ctx: &mut Ctx) {
    // The phase label is indexed, so finished runs are skipped unparsed.
    let workflows: Vec<Value> = ctx.store.read(|v| {
        v.table(&resources::WORKFLOW)
            .values()
            .filter(|o| {
                !matches!(
                    o.meta.label("workflows.argoproj.io/phase"),
                    Some("Succeeded" | "Failed" | "Error")
                )
            })
            .map(|o| o.value())
            .collect()
    });
    for wf in workflows.iter().filter(|w| !is_done(w)) {
        one(ctx, wf);
    }
}

fn one(ctx: &mut Ctx, wf: &Value) {
    let plan = argo::plan(wf);
    if plan.nodes.is_empty() {
        return;
    }
    let ns = namespace_of(wf).to_string();
    let wf_name = name_of(wf).to_string();
    let mut pods = BTreeMap::new();
    for node in plan.pods() {
        let pod_name = argo::pod_name(&wf_name, &node.template, &node.name);
        if let Ok(p) = ops::get(&ctx.store, &resources::POD, Some(&ns), &pod_name) {
            pods.insert(node.id.clone(), p.value());
        }
    }
    let mut walk = Walk {
        plan: &plan,
        pods,
        phases: BTreeMap::new(),
    };
    let root = plan.nodes[0].clone();
    // `spec.shutdown` (Terminate or Stop): no new pods; running ones are
    // killed and their nodes fail with Argo's message.
    let shutdown = s(wf, "/spec/shutdown")
        .filter(|v| matches!(*v, "Terminate" | "Stop"))
        .map(String::from);
    let mut killed: Vec<String> = Vec::new();
    if let Some(strategy) = &shutdown {
        let now = crate::clock::rfc3339(crate::clock::now());
        for (id, pod) in walk.pods.iter_mut() {
            if matches!(s(pod, "/status/phase"), Some("Succeeded" | "Failed")) {
                continue;
            }
            let pod_name = crate::kubeflow::name_of(pod).to_string();
            let r = ops::modify(
                &ctx.store,
                &resources::POD,
                Some(&ns),
                &pod_name,
                Target::Status,
                |p| kill_pod(p, &now, strategy),
            );
            match r {
                Ok(Some(p)) => *pod = p.value(),
                Ok(None) => {}
                Err(e) => tracing::debug!(error = ?e, "killing workflow pod"),
            }
            killed.push(id.clone());
        }
    }
    let failed = walk.phase(&root).as_deref() == Some("Failed");
    if !failed && shutdown.is_none() {
        let waiting: Vec<PlannedNode> = plan
            .pods()
            .filter(|n| !walk.pods.contains_key(&n.id))
            .cloned()
            .collect();
        for node in waiting {
            if walk.ready(&node)
                && let Some(pod) = argo::pod_for(wf, &node)
            {
                match ops::ensure(&ctx.store, &resources::POD, Some(&ns), pod) {
                    Ok(p) => {
                        walk.pods.insert(node.id.clone(), p.value());
                    }
                    Err(e) => tracing::debug!(error = ?e, "creating workflow pod"),
                }
            }
        }
        walk.phases.clear();
    }
    let root_phase = match &shutdown {
        Some(_) => "Failed".to_string(),
        None => walk.phase(&root).unwrap_or_else(|| "Running".into()),
    };
    let mut nodes = Map::new();
    let mut completed = Vec::new();
    let mut done_pods = 0;
    let mut first_start: Option<String> = None;
    let mut last_finish: Option<String> = None;
    for node in &plan.nodes {
        let Some(phase) = walk.phase(node) else {
            continue;
        };
        let (started, finished, host, exit_code) = match node.node_type {
            NodeType::Pod => {
                let pod = &walk.pods[&node.id];
                let term = main_terminated(pod);
                if term.is_some() {
                    completed.push(node.id.clone());
                    done_pods += 1;
                }
                (
                    s(pod, "/status/startTime").map(String::from),
                    term.and_then(|t| t.get("finishedAt"))
                        .and_then(Value::as_str)
                        .map(String::from),
                    s(pod, "/spec/nodeName").map(String::from),
                    term.and_then(|t| t.get("exitCode"))
                        .and_then(Value::as_i64)
                        .and_then(|c| i32::try_from(c).ok()),
                )
            }
            NodeType::Dag => (None, None, None, None),
        };
        if let Some(st) = &started
            && first_start.as_ref().is_none_or(|f| st < f)
        {
            first_start = Some(st.clone());
        }
        if let Some(f) = &finished
            && last_finish.as_ref().is_none_or(|l| f > l)
        {
            last_finish = Some(f.clone());
        }
        let dag_done = matches!(phase.as_str(), "Succeeded" | "Failed");
        let state = NodeState {
            phase: &phase,
            started: started.or_else(|| first_start.clone()),
            finished: finished.or_else(|| {
                if dag_done && node.node_type == NodeType::Dag {
                    last_finish.clone()
                } else {
                    None
                }
            }),
            host,
            message: match &shutdown {
                Some(strategy) if killed.contains(&node.id) => {
                    Some(format!("workflow shutdown with strategy:  {strategy}"))
                }
                _ => (phase == "Failed" && node.node_type == NodeType::Pod)
                    .then(|| "Error (exit code 1)".to_string()),
            },
            exit_code,
            progress: if node.node_type == NodeType::Pod {
                format!(
                    "{}/1",
                    i32::from(matches!(phase.as_str(), "Succeeded" | "Failed"))
                )
            } else {
                String::new()
            },
        };
        nodes.insert(node.id.clone(), argo::node_status(&wf_name, node, &state));
    }
    argo::prune_children(&mut nodes);
    // A DAG runs from its first pod's start to its last pod's finish.
    for node in plan.nodes.iter().filter(|n| n.node_type == NodeType::Dag) {
        let under: Vec<&Value> = plan
            .pods()
            .filter(|p| inside(&plan, p, &node.id))
            .filter_map(|p| nodes.get(&p.id))
            .collect();
        let first = under
            .iter()
            .filter_map(|n| n.get("startedAt").and_then(Value::as_str))
            .min()
            .map(String::from);
        let last = under
            .iter()
            .filter_map(|n| n.get("finishedAt").and_then(Value::as_str))
            .max()
            .map(String::from);
        if let Some(n) = nodes.get_mut(&node.id).and_then(Value::as_object_mut) {
            if let Some(f) = first {
                n.insert("startedAt".into(), Value::String(f));
            }
            if n.contains_key("finishedAt")
                && let Some(l) = last
            {
                n.insert("finishedAt".into(), Value::String(l));
            }
        }
    }
    let total = plan.pods().count();
    for n in nodes
        .values_mut()
        .filter(|n| n.get("type").and_then(Value::as_str) == Some("DAG"))
    {
        n["progress"] = Value::String(format!("{done_pods}/{total}"));
    }
    let done = matches!(root_phase.as_str(), "Succeeded" | "Failed");
    if shutdown.is_some() && last_finish.is_none() {
        last_finish = Some(crate::clock::rfc3339(crate::clock::now()));
    }
    let status = argo::workflow_status(
        &WorkflowState {
            phase: &root_phase,
            started: first_start.or_else(|| s(wf, "/metadata/creationTimestamp").map(String::from)),
            finished: if done { last_finish } else { None },
            progress: format!("{done_pods}/{total}"),
            message: match &shutdown {
                Some(strategy) => Some(format!("Stopped with strategy '{strategy}'")),
                None => (root_phase == "Failed").then(|| "child failed".to_string()),
            },
            completed_pods: completed,
        },
        nodes,
    );
    let r = ops::modify(
        &ctx.store,
        &resources::WORKFLOW,
        Some(&ns),
        &wf_name,
        Target::Main,
        |v| {
            if let Some(m) = v.as_object_mut() {
                m.insert("status".into(), status);
            }
            argo::set_phase_labels(v, &root_phase);
        },
    );
    if let Err(e) = r {
        tracing::debug!(error = ?e, "updating workflow status");
    }
}

/// A pod's status after Argo kills it for a shutdown: every container that
/// has not finished terminated with 143 (SIGTERM), the pod Failed.
fn kill_pod(pod: &mut Value, now: &str, strategy: &str) {
    let Some(status) = pod.get_mut("status").and_then(Value::as_object_mut) else {
        return;
    };
    status.insert("phase".into(), Value::String("Failed".into()));
    status.insert(
        "message".into(),
        Value::String(format!("workflow shutdown with strategy:  {strategy}")),
    );
    if let Some(cs) = status
        .get_mut("containerStatuses")
        .and_then(Value::as_array_mut)
    {
        for c in cs {
            if c.pointer("/state/terminated").is_some() {
                continue;
            }
            let started = c
                .pointer("/state/running/startedAt")
                .cloned()
                .unwrap_or_else(|| Value::String(now.to_string()));
            c["state"] = serde_json::json!({"terminated": {
                "exitCode": 143, "reason": "Error", "startedAt": started, "finishedAt": now}});
            c["ready"] = Value::Bool(false);
        }
    }
}

/// Whether Pod node `pod` lies inside DAG `dag` (through its boundaries).
fn inside(plan: &Plan, pod: &PlannedNode, dag: &str) -> bool {
    let mut at = pod.boundary.as_deref();
    for _ in 0..=plan.nodes.len() {
        match at {
            Some(b) if b == dag => return true,
            Some(b) => at = plan.get(b).and_then(|n| n.boundary.as_deref()),
            None => return false,
        }
    }
    false
}
