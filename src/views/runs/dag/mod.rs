//! A workflow's `status.nodes` as the tree `argo get` prints: each node
//! placed once under its retry or step group, else its `boundaryID`, else
//! whoever lists it as a child; siblings in the order the graph reaches
//! them. The KFP view folds v2 plumbing (driver pods, the executor DAG
//! wrapper, the root DAG under the entrypoint, single-attempt retries) into
//! the user's task. Whatever the map holds (unknown ids, cycles, missing
//! fields), every node is shown once and nothing panics.

pub mod graph;
pub mod layout;
mod node;
mod tree;

pub use node::{Node, Phase, artifact_uri, fnv32a, pod_name};
pub use tree::{Row, first_failure, rows};

use std::collections::{HashMap, HashSet, VecDeque};

use serde_json::Value;

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
