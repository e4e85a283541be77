//! The rows of the drawn tree, as `argo get` prints them: single-child
//! wrappers (retries of one attempt, the KFP executor DAG, the root DAG
//! under the entrypoint) and KFP driver pods folded into the user's task,
//! each node shown once whatever the map holds.

use std::collections::HashSet;

use super::{Dag, Node, Phase};

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
