//! A workflow's `status.nodes` as the tree `argo get` prints: each node
//! placed once under its retry or step group, else its `boundaryID`, else
//! whoever lists it as a child; siblings in the order the graph reaches
//! them. The KFP view folds v2 plumbing (driver pods, the executor DAG
//! wrapper, the root DAG under the entrypoint, single-attempt retries) into
//! the user's task. Whatever the map holds (unknown ids, cycles, missing
//! fields), every node is shown once and nothing panics.

use std::collections::{HashMap, HashSet, VecDeque};

use jiff::Timestamp;
use serde_json::Value;

use crate::views::table::Tone;

/// A node's phase, as icons and tones know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    Pending,
    Running,
    Succeeded,
    Skipped,
    Failed,
    Error,
}

impl Phase {
    pub fn parse(word: Option<&str>) -> Phase {
        match word {
            Some("Running") => Phase::Running,
            Some("Succeeded") => Phase::Succeeded,
            Some("Skipped" | "Omitted") => Phase::Skipped,
            Some("Failed") => Phase::Failed,
            Some("Error") => Phase::Error,
            _ => Phase::Pending,
        }
    }

    /// `argo get`'s icons; an ASCII set for terminals without UTF-8.
    pub fn icon(self, ascii: bool) -> &'static str {
        match (self, ascii) {
            (Phase::Pending, false) => "◷",
            (Phase::Running, false) => "●",
            (Phase::Succeeded, false) => "✔",
            (Phase::Skipped, false) => "○",
            (Phase::Failed, false) => "✖",
            (Phase::Error, false) => "⚠",
            (Phase::Pending, true) => ".",
            (Phase::Running, true) => "*",
            (Phase::Succeeded, true) => "+",
            (Phase::Skipped, true) => "o",
            (Phase::Failed, true) => "x",
            (Phase::Error, true) => "!",
        }
    }

    pub fn tone(self) -> Tone {
        match self {
            Phase::Pending => Tone::Warn,
            Phase::Running => Tone::Info,
            Phase::Succeeded => Tone::Ok,
            Phase::Skipped => Tone::Dim,
            Phase::Failed | Phase::Error => Tone::Error,
        }
    }

    pub fn finished(self) -> bool {
        matches!(
            self,
            Phase::Succeeded | Phase::Skipped | Phase::Failed | Phase::Error
        )
    }

    pub fn failed(self) -> bool {
        matches!(self, Phase::Failed | Phase::Error)
    }
}

/// One entry of `status.nodes`, read leniently.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub display: String,
    /// Argo's `type`: Pod, DAG, Steps, StepGroup, Retry, TaskGroup, Skipped…
    pub kind: String,
    /// The phase word as written (empty when missing).
    pub phase_word: String,
    pub template: String,
    pub boundary: Option<String>,
    pub children: Vec<String>,
    pub started: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    pub message: Option<String>,
    pub host: Option<String>,
    pub exit_code: Option<String>,
    pub inputs: Vec<(String, String)>,
    pub outputs: Vec<(String, String)>,
    /// Artifacts: direction ("in"/"out"), name, where it is stored.
    pub artifacts: Vec<(&'static str, String, String)>,
    pub resources: Vec<(String, i64)>,
}

impl Node {
    pub fn phase(&self) -> Phase {
        Phase::parse(Some(self.phase_word.as_str()))
    }

    /// A KFP v2 driver pod (plumbing, not the user's work).
    pub fn is_driver(&self) -> bool {
        self.kind == "Pod"
            && matches!(
                self.template.as_str(),
                "system-dag-driver" | "system-container-driver"
            )
    }

    /// The KFP task a driver prepares (its `task-name` input, else its
    /// display name without `-driver`).
    pub fn driven_task(&self) -> String {
        self.inputs
            .iter()
            .find(|(k, v)| k == "task-name" && !v.is_empty() && !v.contains("{{"))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| {
                self.display
                    .strip_suffix("-driver")
                    .unwrap_or(&self.display)
                    .to_string()
            })
    }

    /// Seconds from start to finish (to now while it runs); `None` when a
    /// time is missing, or a finished node says no finish time.
    pub fn duration_secs(&self, now: Timestamp) -> Option<i64> {
        if self.finished.is_none() && self.phase().finished() {
            return None;
        }
        crate::views::columns::duration_secs(self.started, self.finished, now)
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn time(v: &Value, key: &str) -> Option<Timestamp> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .filter(|t| crate::views::columns::known(*t))
}

fn params(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(|io| io.get("parameters"))
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    let name = text(p, "name")?;
                    let value = text(p, "value")
                        .or_else(|| text(p, "default"))
                        .unwrap_or_default();
                    Some((name, value))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Where an Argo artifact lives, as a URI when the location says enough.
pub fn artifact_uri(a: &Value) -> String {
    if let Some(s3) = a.get("s3") {
        let key = text(s3, "key").unwrap_or_default();
        return match text(s3, "bucket") {
            Some(b) => format!("s3://{b}/{key}"),
            None => format!("s3 key {key}"),
        };
    }
    if let Some(g) = a.get("gcs") {
        return format!(
            "gs://{}/{}",
            text(g, "bucket").unwrap_or_default(),
            text(g, "key").unwrap_or_default()
        );
    }
    for (k, field) in [("http", "url"), ("artifactory", "url"), ("git", "repo")] {
        if let Some(u) = a.get(k).and_then(|x| text(x, field)) {
            return u;
        }
    }
    for k in ["oss", "hdfs", "azure"] {
        if let Some(x) = a.get(k) {
            return format!(
                "{k} {}",
                text(x, "key")
                    .or_else(|| text(x, "path"))
                    .unwrap_or_default()
            );
        }
    }
    text(a, "path").unwrap_or_else(|| "-".into())
}

fn artifacts(v: Option<&Value>, dir: &'static str) -> Vec<(&'static str, String, String)> {
    v.and_then(|io| io.get("artifacts"))
        .and_then(Value::as_array)
        .map(|xs| {
            xs.iter()
                .filter_map(|a| Some((dir, text(a, "name")?, artifact_uri(a))))
                .collect()
        })
        .unwrap_or_default()
}

impl Node {
    /// Reads one node; `key` is its key in the map (the truth when `id` is
    /// missing or disagrees).
    pub fn parse(key: &str, v: &Value) -> Node {
        let id = key.to_string();
        let name = text(v, "name").unwrap_or_else(|| id.clone());
        let display = text(v, "displayName")
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| name.rsplit('.').next().unwrap_or(&name).to_string());
        let mut artifacts_all = artifacts(v.get("inputs"), "in");
        artifacts_all.extend(artifacts(v.get("outputs"), "out"));
        Node {
            name,
            display,
            kind: text(v, "type").unwrap_or_default(),
            phase_word: text(v, "phase").unwrap_or_default(),
            template: text(v, "templateName").unwrap_or_default(),
            boundary: text(v, "boundaryID").filter(|b| !b.is_empty() && *b != id),
            children: v
                .get("children")
                .and_then(Value::as_array)
                .map(|c| {
                    c.iter()
                        .filter_map(Value::as_str)
                        .filter(|c| *c != id)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            started: time(v, "startedAt"),
            finished: time(v, "finishedAt"),
            message: text(v, "message").filter(|m| !m.is_empty()),
            host: text(v, "hostNodeName"),
            exit_code: v.get("outputs").and_then(|o| text(o, "exitCode")),
            inputs: params(v.get("inputs")),
            outputs: params(v.get("outputs")),
            artifacts: artifacts_all,
            resources: v
                .get("resourcesDuration")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, x)| Some((k.clone(), x.as_i64()?)))
                        .collect()
                })
                .unwrap_or_default(),
            id,
        }
    }
}

/// A workflow's nodes with each node's place in the tree.
#[derive(Debug, Clone, Default)]
pub struct Dag {
    pub workflow: String,
    pub nodes: HashMap<String, Node>,
    /// Children in display order, by parent id.
    pub kids: HashMap<String, Vec<String>>,
    /// Nodes without a parent, the workflow's root first.
    pub tops: Vec<String>,
    /// What was wrong with the map (shown under the tree).
    pub problems: Vec<String>,
    /// Some node is KFP v2 plumbing.
    pub kfp: bool,
}

/// Types whose `children` are their own (attempts, group members).
fn owns_children(kind: &str) -> bool {
    matches!(kind, "Retry" | "StepGroup" | "TaskGroup")
}

impl Dag {
    /// Reads `status.nodes` of a workflow body (`{"status": {"nodes": …}}`).
    pub fn from_workflow(workflow: &str, body: &Value) -> Dag {
        let mut problems = Vec::new();
        let nodes: HashMap<String, Node> = match body.pointer("/status/nodes") {
            None | Some(Value::Null) => HashMap::new(),
            Some(Value::Object(m)) => m
                .iter()
                .filter_map(|(k, v)| {
                    if v.is_object() {
                        Some((k.clone(), Node::parse(k, v)))
                    } else {
                        problems.push(format!("node {k} is not an object"));
                        None
                    }
                })
                .collect(),
            Some(_) => {
                problems.push("status.nodes is not a map of nodes".into());
                HashMap::new()
            }
        };
        Dag::build(workflow, nodes, problems)
    }

    /// Places `nodes` in a tree.
    pub fn build(workflow: &str, nodes: HashMap<String, Node>, mut problems: Vec<String>) -> Dag {
        let mut ids: Vec<&String> = nodes.keys().collect();
        ids.sort();
        let mut missing: Vec<String> = Vec::new();
        for id in &ids {
            for c in &nodes[*id].children {
                if !nodes.contains_key(c) && !missing.contains(c) {
                    missing.push(c.clone());
                }
            }
        }
        for m in &missing {
            problems.push(format!("a child {m} is not in status.nodes"));
        }
        // One parent per node.
        let mut parent: HashMap<&str, &str> = HashMap::new();
        for id in &ids {
            let n = &nodes[*id];
            if owns_children(&n.kind) {
                for c in &n.children {
                    if nodes.contains_key(c) && c != *id {
                        parent.entry(c.as_str()).or_insert(id.as_str());
                    }
                }
            }
        }
        for id in &ids {
            if parent.contains_key(id.as_str()) {
                continue;
            }
            if let Some(b) = &nodes[*id].boundary {
                if nodes.contains_key(b) {
                    parent.insert(id.as_str(), b.as_str());
                    continue;
                }
                problems.push(format!("{}: boundary {b} is not in status.nodes", id));
            }
        }
        for id in &ids {
            for c in &nodes[*id].children {
                if nodes.contains_key(c) && c != *id && !parent.contains_key(c.as_str()) {
                    parent.insert(c.as_str(), id.as_str());
                }
            }
        }
        // Break cycles: walking up from any node must end at a top.
        for id in &ids {
            let mut seen: HashSet<&str> = HashSet::new();
            let mut at: &str = id.as_str();
            seen.insert(at);
            while let Some(&p) = parent.get(at) {
                if !seen.insert(p) {
                    // `at` -> `p` closes a loop: cut it there.
                    parent.remove(at);
                    problems.push(format!("nodes form a cycle through {at}"));
                    break;
                }
                at = p;
            }
        }
        // Display order: breadth-first over `children` from the root, so a
        // DAG's tasks read in dependency order; nodes no child link reaches
        // follow by start time.
        let root = nodes
            .contains_key(workflow)
            .then(|| workflow.to_string())
            .or_else(|| {
                ids.iter()
                    .filter(|i| !parent.contains_key(i.as_str()))
                    .min_by_key(|i| (nodes[**i].started, (**i).clone()))
                    .map(|i| (*i).clone())
            });
        let mut order: HashMap<&str, usize> = HashMap::new();
        let mut queue: VecDeque<&str> = VecDeque::new();
        let mut starts: Vec<&str> = root.iter().map(String::as_str).collect();
        let mut others: Vec<&String> = ids
            .iter()
            .filter(|i| !parent.contains_key(i.as_str()))
            .copied()
            .collect();
        others.sort_by_key(|i| (nodes[*i].started, (*i).clone()));
        starts.extend(others.iter().map(|s| s.as_str()));
        for s in starts {
            if order.contains_key(s) {
                continue;
            }
            let next = order.len();
            order.insert(s, next);
            queue.push_back(s);
            while let Some(at) = queue.pop_front() {
                let Some(n) = nodes.get(at) else { continue };
                for c in &n.children {
                    if nodes.contains_key(c) && !order.contains_key(c.as_str()) {
                        let next = order.len();
                        order.insert(c.as_str(), next);
                        queue.push_back(c.as_str());
                    }
                }
            }
        }
        let rank = |id: &str| {
            (
                order.get(id).copied().unwrap_or(usize::MAX),
                nodes[id].started,
                id.to_string(),
            )
        };
        let mut kids: HashMap<String, Vec<String>> = HashMap::new();
        for (c, p) in &parent {
            kids.entry(p.to_string()).or_default().push(c.to_string());
        }
        for list in kids.values_mut() {
            list.sort_by_key(|id| rank(id));
        }
        let mut tops: Vec<String> = ids
            .iter()
            .filter(|i| !parent.contains_key(i.as_str()))
            .map(|i| (*i).clone())
            .collect();
        tops.sort_by_key(|id| (root.as_deref() != Some(id.as_str()), rank(id)));
        if tops.len() > 1 {
            problems.push(format!(
                "{} nodes are not under the workflow's root",
                tops.len() - 1
            ));
        }
        let kfp = nodes.values().any(Node::is_driver);
        Dag {
            workflow: workflow.to_string(),
            nodes,
            kids,
            tops,
            problems,
            kfp,
        }
    }

    pub fn get(&self, id: &str) -> Option<&Node> {
        self.nodes.get(id)
    }

    pub fn children(&self, id: &str) -> &[String] {
        self.kids.get(id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// True when any node is KFP v2 plumbing.
    pub fn is_kfp(&self) -> bool {
        self.kfp
    }

    /// The user's tasks: (done, total). Pods that are not plumbing, a retry
    /// counted once.
    pub fn progress(&self) -> (usize, usize) {
        let attempts: HashSet<&str> = self
            .nodes
            .values()
            .filter(|p| p.kind == "Retry")
            .flat_map(|p| p.children.iter().map(String::as_str))
            .collect();
        let mut done = 0;
        let mut total = 0;
        for n in self.nodes.values() {
            let in_retry = attempts.contains(n.id.as_str());
            let counts = (n.kind == "Pod" && !n.is_driver() && !in_retry) || n.kind == "Retry";
            if counts {
                total += 1;
                if n.phase().finished() {
                    done += 1;
                }
            }
        }
        (done, total)
    }
}

/// A line of the drawn tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// For each ancestor level below the top: does its line continue here?
    pub lines: Vec<bool>,
    /// The last child of its parent.
    pub last: bool,
    pub label: String,
    /// The node whose details the row shows (the innermost of a fold).
    pub id: String,
    /// Nodes folded into this row, outermost first (the id among them).
    pub folded: Vec<String>,
    /// A KFP driver pod folded into the task.
    pub driver: Option<String>,
    pub phase: Phase,
    pub depth: usize,
}

impl Row {
    /// Tree glyphs before the icon.
    pub fn prefix(&self, ascii: bool) -> String {
        if self.depth == 0 {
            return String::new();
        }
        let (branch, pipe, end) = if ascii {
            ("|-", "| ", "`-")
        } else {
            ("├─", "│ ", "└─")
        };
        let mut out = String::new();
        for on in &self.lines {
            out.push_str(if *on { pipe } else { "  " });
        }
        out.push_str(if self.last { end } else { branch });
        out
    }
}

struct Walker<'a> {
    dag: &'a Dag,
    raw: bool,
    out: Vec<Row>,
    seen: HashSet<String>,
}

/// What a node shows as: the chain of nodes folded into its row and the
/// children drawn under it (id, driver folded in, label override).
struct Shown {
    chain: Vec<String>,
    /// A driver of a folded inner node (the KFP root DAG's).
    driver: Option<String>,
    kids: Vec<(String, Option<String>, Option<String>)>,
}

impl Walker<'_> {
    /// Children of `id` as drawn: (id, driver folded in, label override).
    fn visible(&self, id: &str) -> Vec<(String, Option<String>, Option<String>)> {
        let kids = self.dag.children(id);
        if self.raw {
            return kids.iter().map(|k| (k.clone(), None, None)).collect();
        }
        let mut out: Vec<(String, Option<String>, Option<String>)> = Vec::new();
        let mut drivers: Vec<&Node> = Vec::new();
        for k in kids {
            let Some(n) = self.dag.get(k) else { continue };
            if n.is_driver() {
                drivers.push(n);
            } else {
                out.push((k.clone(), None, None));
            }
        }
        for d in drivers {
            let task = d.driven_task();
            let host = out.iter_mut().find(|(k, drv, _)| {
                drv.is_none() && self.dag.get(k).is_some_and(|n| n.display == task)
            });
            match host {
                Some(entry) => entry.1 = Some(d.id.clone()),
                // The task has not started past its driver: the driver is
                // the task for now.
                None => out.push((d.id.clone(), None, Some(task))),
            }
        }
        let rank = |id: &str| kids.iter().position(|k| k == id).unwrap_or(usize::MAX);
        out.sort_by_key(|(k, _, _)| rank(k));
        out
    }

    /// Follows single-child wrappers down from `id`.
    fn shown(&self, id: &str) -> Shown {
        let mut chain = vec![id.to_string()];
        let mut kids = self.visible(id);
        let mut driver = None;
        if !self.raw {
            while kids.len() == 1 {
                let at = chain.last().cloned().unwrap_or_default();
                let Some(n) = self.dag.get(&at) else { break };
                let only = kids[0].0.clone();
                let only_driver = kids[0].1.clone();
                let Some(c) = self.dag.get(&only) else { break };
                // A KFP DAG (the root) inside the entrypoint DAG: its driver
                // folds into the row with it.
                let kfp_dag = n.kind == "DAG" && c.kind == "DAG" && self.dag.is_kfp();
                let wrapper = n.kind == "Retry" || n.template == "system-container-executor";
                if !(wrapper && only_driver.is_none() || kfp_dag && driver.is_none())
                    || chain.contains(&only)
                {
                    break;
                }
                if only_driver.is_some() {
                    driver = only_driver;
                }
                kids = self.visible(&only);
                chain.push(only);
            }
        }
        Shown {
            chain,
            driver,
            kids,
        }
    }

    fn walk(
        &mut self,
        id: &str,
        driver: Option<String>,
        label: Option<String>,
        lines: &[bool],
        last: bool,
        depth: usize,
    ) {
        if !self.seen.insert(id.to_string()) {
            return;
        }
        let dag = self.dag;
        let Some(node) = dag.get(id) else { return };
        let shown = self.shown(id);
        for c in &shown.chain {
            self.seen.insert(c.clone());
        }
        let inner = shown
            .chain
            .last()
            .cloned()
            .unwrap_or_else(|| id.to_string());
        let phase = dag
            .get(&inner)
            .map(Node::phase)
            .unwrap_or_else(|| node.phase());
        let driver = driver.or(shown.driver);
        self.out.push(Row {
            lines: lines.to_vec(),
            last,
            label: label.unwrap_or_else(|| node.display.clone()),
            id: inner,
            folded: shown.chain.clone(),
            driver,
            phase,
            depth,
        });
        let mut child_lines = lines.to_vec();
        if depth > 0 {
            child_lines.push(!last);
        }
        let kids: Vec<_> = shown
            .kids
            .into_iter()
            .filter(|(k, _, _)| !self.seen.contains(k))
            .collect();
        let n = kids.len();
        for (i, (k, drv, lbl)) in kids.into_iter().enumerate() {
            self.walk(&k, drv, lbl, &child_lines, i + 1 == n, depth + 1);
        }
    }
}

/// The tree's rows; `raw` shows every Argo node unfolded.
pub fn rows(dag: &Dag, raw: bool) -> Vec<Row> {
    let mut w = Walker {
        dag,
        raw,
        out: Vec::new(),
        seen: HashSet::new(),
    };
    for top in &dag.tops {
        w.walk(top, None, None, &[], true, 0);
    }
    w.out
}

/// The first failed node that explains a failure: a failed Pod (not a
/// wrapper), else any failed node; the deepest such in display order.
pub fn first_failure<'a>(dag: &'a Dag, rows: &[Row]) -> Option<&'a Node> {
    rows.iter()
        .filter_map(|r| dag.get(&r.id))
        .find(|n| n.kind == "Pod" && n.phase().failed())
        .or_else(|| {
            let mut failed: Vec<&Node> = dag
                .nodes
                .values()
                .filter(|n| n.kind == "Pod" && n.phase().failed())
                .collect();
            failed.sort_by_key(|n| (n.started, n.id.clone()));
            failed.into_iter().next()
        })
}

/// FNV-1a, 32 bits: Argo's hash for node ids and pod names.
pub fn fnv32a(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The pod Argo creates for a Pod node (pod name format v2 unless `v1`).
pub fn pod_name(workflow: &str, node: &Node, v1: bool) -> Option<String> {
    if node.kind != "Pod" {
        return None;
    }
    if v1 || node.template.is_empty() {
        return Some(node.id.clone());
    }
    if node.name == workflow {
        return Some(workflow.to_string());
    }
    let mut prefix = format!("{workflow}-{}", node.template);
    let mut cut = prefix.len().min(242);
    while !prefix.is_char_boundary(cut) {
        cut -= 1;
    }
    prefix.truncate(cut);
    Some(format!("{prefix}-{}", fnv32a(&node.name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(id: &str, kind: &str, phase: &str, extra: Value) -> (String, Value) {
        let mut v = json!({"id": id, "name": id, "displayName": id, "type": kind, "phase": phase});
        json_patch::merge(&mut v, &extra);
        (id.to_string(), v)
    }

    fn dag(nodes: Vec<(String, Value)>) -> Dag {
        let map: serde_json::Map<String, Value> = nodes.into_iter().collect();
        Dag::from_workflow("w", &json!({"status": {"nodes": map}}))
    }

    fn labels(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| format!("{}{} {}", r.prefix(true), r.phase.icon(true), r.label))
            .collect()
    }

    #[test]
    fn retries_nest_as_attempts_and_single_attempts_fold() {
        let d = dag(vec![
            node("w", "DAG", "Succeeded", json!({"children": ["w-r", "w-s"]})),
            node(
                "w-r",
                "Retry",
                "Succeeded",
                json!({"displayName": "step1", "boundaryID": "w", "children": ["w-a0", "w-a1"]}),
            ),
            node(
                "w-a0",
                "Pod",
                "Failed",
                json!({"displayName": "step1(0)", "boundaryID": "w", "message": "exit 1"}),
            ),
            node(
                "w-a1",
                "Pod",
                "Succeeded",
                json!({"displayName": "step1(1)", "boundaryID": "w"}),
            ),
            node(
                "w-s",
                "Retry",
                "Succeeded",
                json!({"displayName": "step2", "boundaryID": "w", "children": ["w-b0"]}),
            ),
            node(
                "w-b0",
                "Pod",
                "Succeeded",
                json!({"displayName": "step2(0)", "boundaryID": "w"}),
            ),
        ]);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let folded = rows(&d, false);
        assert_eq!(
            labels(&folded),
            vec![
                "+ w",
                "|-+ step1",
                "| |-x step1(0)",
                "| `-+ step1(1)",
                "`-+ step2"
            ]
        );
        assert_eq!(folded[4].id, "w-b0");
        let raw = rows(&d, true);
        assert_eq!(raw.len(), 6);
        assert_eq!(d.progress(), (2, 2));
    }

    #[test]
    fn broken_maps_show_every_node_once_and_say_what_is_wrong() {
        let d = dag(vec![
            node("w", "DAG", "Running", json!({"children": ["a", "ghost"]})),
            node(
                "a",
                "Pod",
                "Running",
                json!({"children": ["b"], "boundaryID": "b"}),
            ),
            node(
                "b",
                "Pod",
                "Pending",
                json!({"children": ["a"], "boundaryID": "a"}),
            ),
            node("lost", "Pod", "Failed", json!({"boundaryID": "nowhere"})),
        ]);
        let r = rows(&d, true);
        let mut ids: Vec<&str> = r.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, vec!["a", "b", "lost", "w"]);
        let text = d.problems.join("; ");
        assert!(text.contains("ghost"), "{text}");
        assert!(text.contains("cycle"), "{text}");
        assert!(text.contains("nowhere"), "{text}");
        // Not a map at all.
        let bad = Dag::from_workflow("w", &json!({"status": {"nodes": [1, 2]}}));
        assert!(bad.nodes.is_empty() && !bad.problems.is_empty());
    }

    #[test]
    fn pod_names_follow_argo_v2() {
        let n = Node::parse(
            "w-1",
            &json!({"name": "w.a", "type": "Pod", "templateName": "step"}),
        );
        assert_eq!(
            pod_name("w", &n, false).as_deref(),
            Some(format!("w-step-{}", fnv32a("w.a")).as_str())
        );
        assert_eq!(pod_name("w", &n, true).as_deref(), Some("w-1"));
        // The FNV-1a test vector.
        assert_eq!(fnv32a("a"), 0xe40c_292c);
    }
}
