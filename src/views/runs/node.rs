//! One node of a run: type and template, phase, exit code and message,
//! times and resources, its pod and containers (or that the pod is gone and
//! where its logs were archived), the KFP driver folded into it, inputs and
//! outputs (parameters with values, artifacts with where they are), and
//! `l` for the logs of its `main` container.

use std::any::Any;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::dag::{self, Node};
use super::detail::{pods_key, row_pod};
use super::model::RunRow;
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::app::store::Store;
use crate::app::theme::Theme;
use crate::kube::pod::State as Ctr;
use crate::views::columns;
use crate::views::pager::Pager;
use crate::views::{Cx, Filter, Handled, Subscriptions, View};

/// What the store knows of a node's pod.
pub enum PodState<'a> {
    Listed(&'a crate::kube::pod::Pod),
    /// The pod watch is listed and the pod is not in it.
    Gone,
    /// Not known yet (the watch is still listing).
    Unknown,
}

pub fn pod_state<'a>(store: &'a Store, run: &RunRow, pod: &str) -> PodState<'a> {
    match store.get(&pods_key(&run.wf)) {
        Some(set) => match set.pod_by_name(Some(columns::namespace(&run.wf)), pod) {
            Some(p) => PodState::Listed(p),
            None if set.listed => PodState::Gone,
            None => PodState::Unknown,
        },
        None => PodState::Unknown,
    }
}

/// Where a node's archived logs are, when Argo recorded them.
pub fn archived_logs(node: &Node) -> Option<String> {
    node.artifacts
        .iter()
        .find(|(dir, name, _)| *dir == "out" && name == "main-logs")
        .map(|(_, _, uri)| uri.clone())
}

/// Opens the logs of a node's pod (its `main` container), or says why not.
pub fn open_logs(run: &RunRow, id: &str, cx: &mut Cx) {
    let Some(node) = run.dag.get(id) else {
        cx.error(format!("node {id} is not in the run any more"));
        return;
    };
    let Some(pod) = row_pod(run, id) else {
        cx.info(format!(
            "{} is a {} node: it has no pod of its own; pick a step under it",
            node.display,
            if node.kind.is_empty() {
                "pod-less"
            } else {
                node.kind.as_str()
            }
        ));
        return;
    };
    let ns = columns::namespace(&run.wf).to_string();
    match pod_state(cx.store, run, &pod) {
        PodState::Gone => {
            let where_ = archived_logs(node)
                .map(|u| format!("its logs are archived at {u}"))
                .unwrap_or_else(|| "no archived logs are recorded for it".into());
            cx.error(format!(
                "pod {pod} of {} is gone (deleted or garbage-collected); {where_}",
                node.display
            ));
        }
        PodState::Listed(p) => {
            let names = p.containers.iter().map(|c| c.name.to_string()).collect();
            cx.push(Box::new(crate::views::logs::LogsView::new(
                &ns,
                &pod,
                names,
                Some("main"),
                cx.config,
            )));
        }
        PodState::Unknown => {
            cx.push(Box::new(crate::views::logs::LogsView::new(
                &ns,
                &pod,
                vec!["main".into(), "wait".into()],
                Some("main"),
                cx.config,
            )));
        }
    }
}

fn when(t: Option<jiff::Timestamp>) -> String {
    t.map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "-".into())
}

/// The details text of a node.
pub fn lines(run: &RunRow, row: &dag::Row, store: &Store, now: jiff::Timestamp) -> Vec<String> {
    let mut out = Vec::new();
    let Some(n) = run.dag.get(&row.id) else {
        return vec![format!("Node {} is not in the run any more.", row.id)];
    };
    out.push(format!("Step          {}", row.label));
    let template = if n.template.is_empty() {
        "-"
    } else {
        n.template.as_str()
    };
    out.push(format!(
        "Node          {} · {} · template {template}",
        n.name,
        if n.kind.is_empty() {
            "?"
        } else {
            n.kind.as_str()
        }
    ));
    let mut phase = if n.phase_word.is_empty() {
        "Pending (no phase written)".to_string()
    } else {
        n.phase_word.clone()
    };
    if let Some(code) = &n.exit_code {
        phase.push_str(&format!(" · exit code {code}"));
    }
    out.push(format!("Phase         {phase}"));
    if let Some(m) = &n.message {
        out.push(format!("Message       {}", m.replace('\n', " ")));
    }
    out.push(format!(
        "Started       {} · finished {} · duration {}",
        when(n.started),
        when(n.finished),
        n.duration_secs(now)
            .map(columns::human_duration)
            .unwrap_or_else(|| "-".into())
    ));
    if !n.resources.is_empty() {
        let r: Vec<String> = n
            .resources
            .iter()
            .map(|(k, v)| format!("{k} {}", columns::human_duration(*v)))
            .collect();
        out.push(format!(
            "Resources     {} (resource-seconds)",
            r.join(" · ")
        ));
    }
    if let Some(h) = &n.host {
        out.push(format!("Host          {h}"));
    }
    match row_pod(run, &n.id) {
        Some(pod) => match pod_state(store, run, &pod) {
            PodState::Listed(p) => {
                out.push(format!(
                    "Pod           {pod} · {}",
                    crate::views::registry::status_of(p)
                ));
                for c in p.container_statuses.iter() {
                    let name = &c.name;
                    let (word, detail) = match &c.state {
                        Some(state) => {
                            let mut d = Vec::new();
                            let word = match state {
                                Ctr::Waiting { .. } => "waiting",
                                Ctr::Running { .. } => "running",
                                Ctr::Terminated(t) => {
                                    d.push(format!("exit {}", t.exit_code));
                                    "terminated"
                                }
                            };
                            if let Some(r) = state.reason() {
                                d.push(r.to_string());
                            }
                            (word.to_string(), d.join(", "))
                        }
                        None => ("unknown".into(), String::new()),
                    };
                    let detail = if detail.is_empty() {
                        String::new()
                    } else {
                        format!(" ({detail})")
                    };
                    out.push(format!("  container {name}: {word}{detail}"));
                }
            }
            PodState::Gone => {
                let logs = archived_logs(n)
                    .map(|u| format!("logs archived at {u}"))
                    .unwrap_or_else(|| "no archived logs recorded".into());
                out.push(format!(
                    "Pod           {pod} · gone (deleted or garbage-collected); {logs}"
                ));
            }
            PodState::Unknown => out.push(format!("Pod           {pod}")),
        },
        None => out.push("Pod           none (not a pod node)".into()),
    }
    if let Some(d) = row.driver.as_ref().and_then(|d| run.dag.get(d)) {
        out.push(format!(
            "KFP driver    {} · {}{}",
            dag::pod_name(columns::name(&run.wf), d, run.pod_v1()).unwrap_or_default(),
            d.phase_word,
            d.message
                .as_ref()
                .map(|m| format!(" · {m}"))
                .unwrap_or_default()
        ));
    }
    if row.folded.len() > 1 {
        out.push(format!(
            "Folded        {} Argo nodes (r shows them): {}",
            row.folded.len(),
            row.folded
                .iter()
                .filter_map(|id| run.dag.get(id))
                .map(|n| format!("{} ({})", n.display, n.kind))
                .collect::<Vec<_>>()
                .join(" > ")
        ));
    }
    let section = |out: &mut Vec<String>, title: &str, ps: &[(String, String)]| {
        out.push(String::new());
        out.push(title.to_string());
        if ps.is_empty() {
            out.push("  <none>".into());
        }
        for (k, v) in ps {
            out.push(format!("  {k} = {}", v.replace('\n', " ")));
        }
    };
    // A folded KFP task: the outer nodes' inputs are the task's.
    let mut inputs = n.inputs.clone();
    let mut outputs = n.outputs.clone();
    let mut arts = n.artifacts.clone();
    for id in row.folded.iter().rev().skip(1) {
        if let Some(outer) = run.dag.get(id) {
            inputs.extend(outer.inputs.iter().cloned());
            outputs.extend(outer.outputs.iter().cloned());
            arts.extend(outer.artifacts.iter().cloned());
        }
    }
    section(&mut out, "Inputs", &inputs);
    section(&mut out, "Outputs", &outputs);
    out.push(String::new());
    out.push("Artifacts".into());
    if arts.is_empty() {
        out.push("  <none>".into());
    }
    for (dir, name, uri) in &arts {
        out.push(format!("  {dir:<3} {name:<24} {uri}"));
    }
    out
}

fn highlight(line: &str, theme: &Theme) -> Vec<Span<'static>> {
    if line.starts_with("Message") || line.contains("gone (") {
        return vec![Span::styled(line.to_string(), theme.warn)];
    }
    if !line.starts_with(' ') && !line.is_empty() {
        let split = line.find("  ").unwrap_or(line.len());
        return vec![
            Span::styled(line[..split].to_string(), theme.yaml_key),
            Span::styled(line[split..].to_string(), theme.base),
        ];
    }
    vec![Span::styled(line.to_string(), theme.base)]
}

pub struct NodeDetail {
    pub run: RunRow,
    pub row: dag::Row,
    pub pager: Pager,
    seen: Option<u64>,
}

impl NodeDetail {
    pub fn new(run: RunRow, row: dag::Row) -> NodeDetail {
        NodeDetail {
            run,
            row,
            pager: Pager {
                wrap: true,
                ..Pager::default()
            },
            seen: None,
        }
    }
}

impl View for NodeDetail {
    fn title(&self) -> String {
        self.row.label.clone()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["details", "pager"]
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::Logs, Action::Search, Action::Wrap]
    }

    fn subscriptions(&self, _scope: &Scope, subs: &mut Subscriptions) {
        let scope = Scope::Namespace(columns::namespace(&self.run.wf).to_string());
        subs.watches.insert(super::key(&scope, None));
        subs.watches.insert(pods_key(&self.run.wf));
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        match action {
            Action::Logs => {
                super::node::open_logs(&self.run, &self.row.id, cx);
                Handled::Yes
            }
            a if self.pager.act(a, cx.page) => Handled::Yes,
            _ => Handled::No,
        }
    }

    fn sync(&mut self, cx: &mut Cx) {
        let scope = Scope::Namespace(columns::namespace(&self.run.wf).to_string());
        let wf_v = cx
            .store
            .get(&super::key(&scope, None))
            .map(|s| s.version)
            .unwrap_or(0);
        let pod_v = cx
            .store
            .get(&pods_key(&self.run.wf))
            .map(|s| s.version)
            .unwrap_or(0);
        let v = wf_v.wrapping_mul(1_000_003).wrapping_add(pod_v);
        if self.seen == Some(v) {
            return;
        }
        self.seen = Some(v);
        let uid = columns::uid(&self.run.wf);
        if let Some(wf) = cx
            .store
            .get(&super::key(&scope, None))
            .and_then(|s| s.iter().find(|o| columns::uid(o) == uid))
            && !std::sync::Arc::ptr_eq(wf, &self.run.wf)
        {
            self.run = RunRow::new(wf.clone());
        }
        self.pager
            .set_lines(lines(&self.run, &self.row, cx.store, cx.now));
    }

    fn filter(&self) -> Option<&Filter> {
        Some(&self.pager.filter)
    }

    fn set_filter(&mut self, filter: Filter, cx: &mut Cx) -> bool {
        self.pager.set_filter(filter, cx.page);
        true
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        let title = vec![
            Span::styled(" node", t.title),
            Span::styled(
                format!(" {} · {} ", self.row.label, self.run.summary.display),
                t.header_value,
            ),
        ];
        self.pager.render(title, highlight, t, area, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
