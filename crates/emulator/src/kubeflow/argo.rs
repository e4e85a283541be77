//! Argo Workflows: expanding a workflow's templates into its node graph
//! (DAG and Pod nodes with Argo's node ids `<wf>-<fnv32a(node name)>` and
//! pod names `<wf>-<template>-<fnv32a(node name)>`), the pods Argo creates
//! for Pod nodes, and `status.nodes` entries. KFP v2 runs are workflows of
//! this shape (driver and executor templates).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{name_of, namespace_of, owner_ref};
use crate::ids;
use crate::resources;

/// Node type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    Dag,
    Pod,
}

impl NodeType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dag => "DAG",
            Self::Pod => "Pod",
        }
    }
}

/// One node of the expanded graph.
#[derive(Debug, Clone)]
pub struct PlannedNode {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub node_type: NodeType,
    pub template: String,
    /// The enclosing DAG node.
    pub boundary: Option<String>,
    /// Sibling nodes (same DAG) that must succeed first.
    pub depends_on: Vec<String>,
    /// Argo's `children`: inner roots for DAGs plus dependents.
    pub children: Vec<String>,
    /// Leaf Pod nodes of a DAG.
    pub outbound: Vec<String>,
}

/// The expanded workflow graph, parents before children.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub nodes: Vec<PlannedNode>,
}

impl Plan {
    pub fn get(&self, id: &str) -> Option<&PlannedNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// Pod nodes, in plan order.
    pub fn pods(&self) -> impl Iterator<Item = &PlannedNode> {
        self.nodes.iter().filter(|n| n.node_type == NodeType::Pod)
    }

    /// Direct members of DAG `id`.
    pub fn members<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a PlannedNode> + 'a {
        self.nodes
            .iter()
            .filter(move |n| n.boundary.as_deref() == Some(id))
    }
}

/// Argo's node id for `node_name` in workflow `wf`.
pub fn node_id(wf: &str, node_name: &str) -> String {
    if node_name == wf {
        wf.to_string()
    } else {
        format!("{wf}-{}", ids::fnv32a(node_name))
    }
}

/// Argo's (v2) pod name for a Pod node.
pub fn pod_name(wf: &str, template: &str, node_name: &str) -> String {
    let mut prefix = format!("{wf}-{template}");
    prefix.truncate(242);
    format!("{prefix}-{}", ids::fnv32a(node_name))
}

fn templates(wf: &Value) -> BTreeMap<String, Value> {
    wf.pointer("/spec/templates")
        .and_then(Value::as_array)
        .map(|ts| {
            ts.iter()
                .filter_map(|t| Some((t.get("name")?.as_str()?.to_string(), t.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// The task names a `depends` expression or `dependencies` list names.
pub fn task_dependencies(task: &Value) -> Vec<String> {
    let mut deps: Vec<String> = task
        .get("dependencies")
        .and_then(Value::as_array)
        .map(|d| {
            d.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    if let Some(expr) = task.get("depends").and_then(Value::as_str) {
        for token in
            expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        {
            if token.is_empty() {
                continue;
            }
            let name = match token.rsplit_once('.') {
                Some((
                    n,
                    "Succeeded" | "Failed" | "Skipped" | "Errored" | "Daemoned" | "AnySucceeded"
                    | "AllFailed" | "Omitted",
                )) => n,
                _ => token,
            };
            if !deps.iter().any(|d| d == name) {
                deps.push(name.to_string());
            }
        }
    }
    deps
}

fn order_tasks(tasks: &[Value]) -> Vec<Value> {
    let mut done: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut pending: Vec<Value> = tasks.to_vec();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|t| {
            let name = t
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let ready = task_dependencies(t).iter().all(|d| {
                done.contains(d)
                    || !tasks
                        .iter()
                        .any(|x| x.get("name").and_then(Value::as_str) == Some(d))
            });
            if ready {
                done.push(name);
                out.push(t.clone());
            }
            !ready
        });
        if pending.len() == before {
            out.append(&mut pending);
        }
    }
    out
}

struct Expander<'a> {
    wf: &'a str,
    templates: &'a BTreeMap<String, Value>,
    nodes: Vec<PlannedNode>,
}

impl Expander<'_> {
    fn expand(
        &mut self,
        template: &str,
        node_name: String,
        display: String,
        boundary: Option<String>,
        depth: usize,
    ) -> Option<String> {
        if depth > 16 {
            return None;
        }
        let t = self.templates.get(template)?.clone();
        let id = node_id(self.wf, &node_name);
        let tasks = t.pointer("/dag/tasks").and_then(Value::as_array).cloned();
        let steps = t.get("steps").and_then(Value::as_array).cloned();
        let node_type = if tasks.is_some() || steps.is_some() {
            NodeType::Dag
        } else {
            NodeType::Pod
        };
        let index = self.nodes.len();
        self.nodes.push(PlannedNode {
            id: id.clone(),
            name: node_name.clone(),
            display_name: display,
            node_type,
            template: template.to_string(),
            boundary,
            depends_on: Vec::new(),
            children: Vec::new(),
            outbound: Vec::new(),
        });
        // Steps are sequential groups: expressed as a chain of tasks.
        let tasks: Vec<Value> = match (tasks, steps) {
            (Some(t), _) => order_tasks(&t),
            (None, Some(groups)) => {
                let mut chain = Vec::new();
                let mut previous: Vec<String> = Vec::new();
                for group in groups.iter().filter_map(Value::as_array) {
                    let mut names = Vec::new();
                    for step in group {
                        let mut s = step.clone();
                        if let Some(m) = s.as_object_mut() {
                            m.insert("dependencies".into(), json!(previous));
                        }
                        names.push(
                            step.get("name")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string(),
                        );
                        chain.push(s);
                    }
                    previous = names;
                }
                chain
            }
            (None, None) => return Some(id),
        };
        let mut by_task: BTreeMap<String, String> = BTreeMap::new();
        for task in &tasks {
            let (Some(tname), Some(ttemplate)) = (
                task.get("name").and_then(Value::as_str),
                task.get("template").and_then(Value::as_str),
            ) else {
                continue;
            };
            let child = self.expand(
                ttemplate,
                format!("{node_name}.{tname}"),
                tname.to_string(),
                Some(id.clone()),
                depth + 1,
            );
            if let Some(child) = child {
                by_task.insert(tname.to_string(), child);
            }
        }
        let mut roots = Vec::new();
        let mut has_dependents: Vec<String> = Vec::new();
        for task in &tasks {
            let Some(child) = task
                .get("name")
                .and_then(Value::as_str)
                .and_then(|n| by_task.get(n))
                .cloned()
            else {
                continue;
            };
            let deps: Vec<String> = task_dependencies(task)
                .iter()
                .filter_map(|d| by_task.get(d).cloned())
                .collect();
            if deps.is_empty() {
                roots.push(child.clone());
            }
            for d in &deps {
                if let Some(n) = self.nodes.iter_mut().find(|n| &n.id == d) {
                    n.children.push(child.clone());
                }
                has_dependents.push(d.clone());
            }
            if let Some(n) = self.nodes.iter_mut().find(|n| n.id == child) {
                n.depends_on = deps;
            }
        }
        let leaves: Vec<String> = by_task
            .values()
            .filter(|c| !has_dependents.contains(c))
            .cloned()
            .collect();
        let mut outbound = Vec::new();
        for leaf in leaves {
            match self.nodes.iter().find(|n| n.id == leaf) {
                Some(n) if n.node_type == NodeType::Dag => outbound.extend(n.outbound.clone()),
                Some(_) => outbound.push(leaf),
                None => {}
            }
        }
        if let Some(n) = self.nodes.get_mut(index) {
            n.children.splice(0..0, roots);
            n.outbound = outbound;
        }
        Some(id)
    }
}

/// Expands the workflow's entrypoint into its node graph.
pub fn plan(wf: &Value) -> Plan {
    let name = name_of(wf).to_string();
    let templates = templates(wf);
    let entry = wf
        .pointer("/spec/entrypoint")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut ex = Expander {
        wf: &name,
        templates: &templates,
        nodes: Vec::new(),
    };
    ex.expand(&entry, name.clone(), name.clone(), None, 0);
    Plan { nodes: ex.nodes }
}

fn resolve(s: &str, wf: &Value) -> String {
    s.replace("{{workflow.name}}", name_of(wf))
        .replace("{{workflow.namespace}}", namespace_of(wf))
        .replace(
            "{{workflow.uid}}",
            wf.pointer("/metadata/uid")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
}

fn resolve_all(v: &Value, wf: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(resolve(s, wf)),
        Value::Array(a) => Value::Array(a.iter().map(|x| resolve_all(x, wf)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), resolve_all(x, wf)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The KFP component an executor node runs (`<wf>.root.<component>.executor`).
fn kfp_component(node: &PlannedNode) -> Option<&str> {
    let mut parts = node.name.rsplit('.');
    match (parts.next(), parts.next()) {
        (Some("executor"), Some(component)) => Some(component),
        _ => None,
    }
}

/// The main container for a Pod node: the template's container, with a KFP
/// executor's image and command taken from the workflow's
/// `implementations-<component>` parameter (what the KFP driver patches in).
fn main_container(wf: &Value, node: &PlannedNode, template: &Value) -> Value {
    let mut main = template
        .get("container")
        .or_else(|| template.get("script"))
        .cloned()
        .unwrap_or_else(|| json!({"image": "busybox:1.36"}));
    if let Some(component) = kfp_component(node) {
        let key = format!("implementations-{component}");
        let implementation = wf
            .pointer("/spec/arguments/parameters")
            .and_then(Value::as_array)
            .and_then(|ps| {
                ps.iter()
                    .find(|p| p.get("name").and_then(Value::as_str) == Some(&key))
            })
            .and_then(|p| p.get("value").and_then(Value::as_str))
            .and_then(|s| serde_json::from_str::<Value>(s).ok());
        if let (Some(imp), Some(m)) = (implementation, main.as_object_mut()) {
            for k in ["image", "command", "args"] {
                if let Some(v) = imp.get(k) {
                    m.insert(k.into(), v.clone());
                }
            }
            if let Some(r) = imp.get("resources") {
                m.insert("resources".into(), r.clone());
            }
        }
    }
    if let Some(m) = main.as_object_mut() {
        m.insert("name".into(), json!("main"));
        m.remove("source");
    }
    resolve_all(&main, wf)
}

const ARGOEXEC: &str = "quay.io/argoproj/argoexec:v3.5.10";

/// The pod Argo creates for Pod node `node` (no status).
pub fn pod_for(wf: &Value, plan_node: &PlannedNode) -> Option<Value> {
    let templates = templates(wf);
    let template = templates.get(&plan_node.template)?;
    let wf_name = name_of(wf);
    let mut labels = Map::new();
    labels.insert("workflows.argoproj.io/workflow".into(), json!(wf_name));
    labels.insert("workflows.argoproj.io/completed".into(), json!("false"));
    let mut annotations = Map::new();
    annotations.insert("workflows.argoproj.io/node-id".into(), json!(plan_node.id));
    annotations.insert(
        "workflows.argoproj.io/node-name".into(),
        json!(plan_node.name),
    );
    annotations.insert(
        "kubectl.kubernetes.io/default-container".into(),
        json!("main"),
    );
    for meta in [wf.pointer("/spec/podMetadata"), template.get("metadata")]
        .into_iter()
        .flatten()
    {
        if let Some(l) = meta.get("labels").and_then(Value::as_object) {
            labels.extend(l.clone());
        }
        if let Some(a) = meta.get("annotations").and_then(Value::as_object) {
            annotations.extend(a.clone());
        }
    }
    let argoexec = |role: &str| {
        json!({
            "name": role,
            "image": ARGOEXEC,
            "command": ["argoexec", role, "--loglevel", "info", "--log-format", "text"],
            "env": [{"name": "ARGO_POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}],
            "resources": {"requests": {"cpu": "10m", "memory": "64Mi"}},
        })
    };
    let mut init = vec![argoexec("init")];
    if let Some(extra) = template.get("initContainers").and_then(Value::as_array) {
        init.extend(extra.iter().map(|c| resolve_all(c, wf)));
    }
    let mut spec = json!({
        "initContainers": init,
        "containers": [argoexec("wait"), main_container(wf, plan_node, template)],
        "restartPolicy": "Never",
        "serviceAccountName": wf.pointer("/spec/serviceAccountName").and_then(Value::as_str).unwrap_or("default"),
        "volumes": [{"name": "var-run-argo", "emptyDir": {}}],
    });
    if let (Some(v), Some(s)) = (
        template.get("volumes").and_then(Value::as_array),
        spec.as_object_mut(),
    ) && let Some(Value::Array(vols)) = s.get_mut("volumes")
    {
        vols.extend(v.iter().cloned());
    }
    Some(json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": pod_name(wf_name, &plan_node.template, &plan_node.name),
            "namespace": namespace_of(wf),
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": [owner_ref(&resources::WORKFLOW, wf)],
        },
        "spec": spec,
    }))
}

/// A `status.nodes` entry.
pub struct NodeState<'a> {
    pub phase: &'a str,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub host: Option<String>,
    pub message: Option<String>,
    pub exit_code: Option<i32>,
    pub progress: String,
}

/// Renders a node's status entry.
pub fn node_status(wf_name: &str, node: &PlannedNode, state: &NodeState<'_>) -> Value {
    let mut n = json!({
        "id": node.id,
        "name": node.name,
        "displayName": node.display_name,
        "type": node.node_type.as_str(),
        "templateName": node.template,
        "templateScope": format!("local/{wf_name}"),
        "phase": state.phase,
        "progress": state.progress,
    });
    let Some(m) = n.as_object_mut() else { return n };
    if let Some(b) = &node.boundary {
        m.insert("boundaryID".into(), json!(b));
    }
    if let Some(s) = &state.started {
        m.insert("startedAt".into(), json!(s));
    }
    if let Some(f) = &state.finished {
        m.insert("finishedAt".into(), json!(f));
        let cpu = 1 + (ids::hash64(&node.id) % 9);
        m.insert(
            "resourcesDuration".into(),
            json!({"cpu": cpu, "memory": cpu * 7}),
        );
    }
    if !node.children.is_empty() {
        m.insert("children".into(), json!(node.children));
    }
    if node.node_type == NodeType::Dag && !node.outbound.is_empty() {
        m.insert("outboundNodes".into(), json!(node.outbound));
    }
    if let Some(h) = &state.host {
        m.insert("hostNodeName".into(), json!(h));
    }
    if let Some(msg) = &state.message {
        m.insert("message".into(), json!(msg));
    }
    if let Some(code) = state.exit_code {
        m.insert("outputs".into(), json!({"exitCode": code.to_string()}));
    }
    n
}

/// Drops `children` entries naming nodes not (yet) in `nodes`: Argo lists
/// a child once it has created it.
pub fn prune_children(nodes: &mut Map<String, Value>) {
    let ids: std::collections::HashSet<String> = nodes.keys().cloned().collect();
    for n in nodes.values_mut() {
        if let Some(Value::Array(kids)) = n.get_mut("children") {
            kids.retain(|k| k.as_str().is_some_and(|k| ids.contains(k)));
            if kids.is_empty()
                && let Some(m) = n.as_object_mut()
            {
                m.remove("children");
            }
        }
    }
}

/// The workflow-level status around `nodes`.
pub struct WorkflowState<'a> {
    pub phase: &'a str,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub progress: String,
    pub message: Option<String>,
    /// Ids of Pod nodes whose task results are complete.
    pub completed_pods: Vec<String>,
}

/// Renders `status` of a workflow.
pub fn workflow_status(state: &WorkflowState<'_>, nodes: Map<String, Value>) -> Value {
    let done = matches!(state.phase, "Succeeded" | "Failed" | "Error");
    let mut conditions = vec![
        json!({"type": "PodRunning", "status": if done || state.phase == "Pending" { "False" } else { "True" }}),
    ];
    if done {
        conditions.push(json!({"type": "Completed", "status": "True"}));
    }
    let mut status = json!({
        "phase": state.phase,
        "progress": state.progress,
        "nodes": nodes,
        "conditions": conditions,
        "artifactRepositoryRef": {"configMap": "artifact-repositories", "key": "default-v1"},
        "taskResultsCompletionStatus": state.completed_pods.iter().map(|id| (id.clone(), json!(true))).collect::<Map<String, Value>>(),
    });
    if let Some(m) = status.as_object_mut() {
        if let Some(s) = &state.started {
            m.insert("startedAt".into(), json!(s));
        }
        if let Some(f) = &state.finished {
            m.insert("finishedAt".into(), json!(f));
            m.insert(
                "resourcesDuration".into(),
                json!({"cpu": 42, "memory": 310}),
            );
        }
        if let Some(msg) = &state.message {
            m.insert("message".into(), json!(msg));
        }
    }
    status
}

/// Sets the phase labels Argo keeps on a workflow.
pub fn set_phase_labels(wf: &mut Value, phase: &str) {
    if let Some(labels) = wf
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.insert("workflows.argoproj.io/phase".into(), json!(phase));
        if matches!(phase, "Succeeded" | "Failed" | "Error") {
            labels.insert("workflows.argoproj.io/completed".into(), json!("true"));
        } else {
            labels.remove("workflows.argoproj.io/completed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wf() -> Value {
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": "w", "namespace": "ns", "uid": "u"},
            "spec": {"entrypoint": "main", "templates": [
                {"name": "main", "dag": {"tasks": [
                    {"name": "b", "template": "step", "depends": "a.Succeeded"},
                    {"name": "a", "template": "step"},
                    {"name": "c", "template": "step", "dependencies": ["a", "b"]}]}},
                {"name": "step", "container": {"image": "busybox", "command": ["echo", "{{workflow.name}}"]}}]}})
    }

    #[test]
    fn expands_dag_in_dependency_order() {
        let p = plan(&wf());
        let names: Vec<&str> = p.nodes.iter().map(|n| n.display_name.as_str()).collect();
        assert_eq!(names, vec!["w", "a", "b", "c"]);
        assert_eq!(p.nodes[0].id, "w");
        assert_eq!(p.nodes[0].children, vec![p.nodes[1].id.clone()]);
        assert_eq!(p.nodes[3].depends_on.len(), 2);
        assert_eq!(p.nodes[0].outbound, vec![p.nodes[3].id.clone()]);
        assert_eq!(p.nodes[1].id, format!("w-{}", ids::fnv32a("w.a")));
    }

    #[test]
    fn pods_are_named_like_argo() {
        let w = wf();
        let p = plan(&w);
        let pod = pod_for(&w, &p.nodes[1]).expect("pod");
        assert_eq!(
            pod["metadata"]["name"],
            format!("w-step-{}", ids::fnv32a("w.a"))
        );
        assert_eq!(
            pod["metadata"]["labels"]["workflows.argoproj.io/workflow"],
            "w"
        );
        assert_eq!(pod["spec"]["containers"][1]["command"][1], "w");
        assert_eq!(
            pod["metadata"]["annotations"]["workflows.argoproj.io/node-name"],
            "w.a"
        );
    }

    #[test]
    fn depends_expressions() {
        let t = json!({"depends": "(a.Succeeded || a.Skipped) && b-x"});
        assert_eq!(
            task_dependencies(&t),
            vec!["a".to_string(), "b-x".to_string()]
        );
    }
}
