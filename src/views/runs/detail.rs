//! One run's page: what the run is (name, pipeline, status, parameters),
//! its DAG drawn as `argo get` draws it (KFP tasks folded, `r` for the raw
//! Argo nodes), and for a failed run the failed step and why, spelled out
//! under the tree. `enter` opens a node, `l` its logs, `f`/`R` jump to the
//! failed and running nodes; terminate, stop and delete as on the list.

use std::any::Any;
use std::sync::Arc;

use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use super::dag::{self, Phase};
use super::model::{self, RunRow};
use super::source::Kfp;
use super::{Pending, act_on, duration_text, key, on_confirm, short_time};
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::app::theme::Theme;
use crate::kube::kinds;
use crate::kube::types::{LogSpec, LogUpdate, WatchKey};
use crate::views::columns;
use crate::views::table::{Tone, truncate};
use crate::views::{Cx, Handled, Subscriptions, View, ViewEvent};

/// The pods of one workflow (to tell a node's pod state, or that it is gone).
pub fn pods_key(wf: &DynamicObject) -> WatchKey {
    WatchKey::in_namespace(&kinds::POD, Some(columns::namespace(wf))).with_labels(Some(format!(
        "workflows.argoproj.io/workflow={}",
        columns::name(wf)
    )))
}

pub struct RunDetail {
    pub row: RunRow,
    /// Every Argo node unfolded.
    pub raw: bool,
    pub rows: Vec<dag::Row>,
    pub selected: usize,
    /// The workflow is no longer listed.
    pub gone: bool,
    seen: Option<(u64, bool)>,
    pending: Option<(u64, Pending)>,
    /// What the list knew of the KFP API when it opened this page.
    pub kfp: Arc<Kfp>,
    /// The failed step's log tail, read once for the summary under the tree.
    pub failed_logs: Option<LogSpec>,
    pub last_lines: Vec<String>,
    /// Graph mode: the DAG laid out in layers instead of the tree.
    pub graph_mode: bool,
    /// The layout of `rows`, computed when they change (graph mode only).
    pub graph: Option<dag::layout::Layout>,
}

/// Lines of the failed step's log shown under the tree.
const LAST_LINES: usize = 4;

impl RunDetail {
    pub fn new(wf: Arc<DynamicObject>) -> RunDetail {
        let row = RunRow::new(wf);
        let rows = dag::rows(&row.dag, false);
        RunDetail {
            row,
            raw: false,
            rows,
            selected: 0,
            gone: false,
            seen: None,
            pending: None,
            kfp: Arc::new(Kfp::default()),
            failed_logs: None,
            last_lines: Vec::new(),
            graph_mode: false,
            graph: None,
        }
    }

    /// Lays the rows out again when graph mode shows them.
    fn relayout_graph(&mut self) {
        self.graph = self
            .graph_mode
            .then(|| dag::layout::layout(&self.row.dag, &self.rows));
    }

    fn scope(&self) -> Scope {
        Scope::Namespace(columns::namespace(&self.row.wf).to_string())
    }

    pub fn selected_row(&self) -> Option<&dag::Row> {
        self.rows.get(self.selected)
    }

    /// Rebuilds the tree rows, keeping the selected node.
    fn relayout(&mut self) {
        let keep = self.selected_row().map(|r| r.id.clone());
        self.rows = dag::rows(&self.row.dag, self.raw);
        self.selected = keep
            .and_then(|id| {
                self.rows
                    .iter()
                    .position(|r| r.id == id || r.folded.contains(&id))
            })
            .unwrap_or(0)
            .min(self.rows.len().saturating_sub(1));
        self.relayout_graph();
    }

    /// Moves to the next row after the selection (wrapping) that `want` picks.
    fn jump(&mut self, want: impl Fn(Phase) -> bool, what: &str, cx: &mut Cx) {
        let n = self.rows.len();
        let hit = (1..=n)
            .map(|d| (self.selected + d) % n.max(1))
            .find(|&i| self.rows.get(i).is_some_and(|r| want(r.phase)));
        match hit {
            Some(i) => self.selected = i,
            None => cx.info(format!("no {what} node in this run")),
        }
    }

    /// Reads the tail of the failed step's main container once, while its
    /// pod is there.
    fn want_failed_logs(&mut self, cx: &mut Cx) {
        if self.failed_logs.is_some() || !self.row.summary.phase.failed() {
            return;
        }
        let Some(node) = dag::first_failure(&self.row.dag, &self.rows) else {
            return;
        };
        let Some(pod) = row_pod(&self.row, &node.id) else {
            return;
        };
        if let super::node::PodState::Listed(_) = super::node::pod_state(cx.store, &self.row, &pod)
        {
            self.failed_logs = Some(LogSpec {
                namespace: columns::namespace(&self.row.wf).to_string(),
                pod,
                container: Some("main".into()),
                previous: false,
                tail_lines: Some(LAST_LINES as i64),
                follow: false,
            });
        }
    }

    /// The lines above the tree.
    pub fn header(&self, now: jiff::Timestamp, ascii: bool) -> Vec<(String, String, Tone)> {
        let wf = &self.row.wf;
        let s = &self.row.summary;
        let mut out = vec![(
            "Run".to_string(),
            format!(
                "{}  {}/{}",
                s.display,
                columns::namespace(wf),
                columns::name(wf)
            ),
            Tone::Normal,
        )];
        let mut pipe = s.pipeline.clone().unwrap_or_else(|| "-".into());
        if let Some(id) = &s.run_id {
            pipe.push_str(&format!(" · run id {id}"));
        }
        out.push(("Pipeline".into(), pipe, Tone::Normal));
        if let Some(exp) = self.kfp.experiment(s.run_id.as_deref()) {
            out.push(("Experiment".into(), exp.to_string(), Tone::Normal));
        }
        let mut status = format!("{} {}", s.phase.icon(ascii), s.status_word());
        status.push_str(&format!(
            " · started {} · duration {}",
            short_time(s.started),
            duration_text(&self.row, now)
        ));
        if let Some((d, t)) = s.progress {
            status.push_str(&format!(" · tasks {d}/{t}"));
        }
        let tone = if s.shutdown.is_some() && !s.phase.finished() {
            Tone::Warn
        } else {
            s.phase.tone()
        };
        out.push(("Status".into(), status, tone));
        let params = model::parameters(wf);
        let ptext = if params.is_empty() {
            "none".to_string()
        } else {
            params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        out.push(("Parameters".into(), ptext, Tone::Normal));
        out
    }

    /// What went wrong, under the tree: the failed step, its exit code and
    /// message, the run's message, and problems with the node map.
    pub fn trouble(&self, ascii: bool) -> Vec<(String, Tone)> {
        let s = &self.row.summary;
        let d = &self.row.dag;
        let mut out = Vec::new();
        if self.gone {
            out.push((
                format!(
                    "The workflow {} no longer exists.",
                    columns::name(&self.row.wf)
                ),
                Tone::Warn,
            ));
        }
        if s.phase.failed() {
            let icon = s.phase.icon(ascii);
            match dag::first_failure(d, &self.rows) {
                Some(n) => {
                    let task = self
                        .rows
                        .iter()
                        .find(|r| r.id == n.id)
                        .map(|r| r.label.clone())
                        .unwrap_or_else(|| n.display.clone());
                    let mut line = format!("{icon} {task} failed");
                    if let Some(code) = &n.exit_code {
                        line.push_str(&format!(": exit code {code}"));
                    }
                    if let Some(m) = &n.message {
                        line.push_str(&format!(" · {}", m.replace('\n', " ")));
                    }
                    out.push((line, Tone::Error));
                    for l in &self.last_lines {
                        out.push((format!("  │ {l}"), Tone::Dim));
                    }
                    if let Some(m) = &s.message {
                        out.push((format!("  run: {}", m.replace('\n', " ")), Tone::Warn));
                    }
                }
                None => out.push((
                    format!(
                        "{icon} {}: {}",
                        s.phase_word,
                        s.message
                            .as_deref()
                            .unwrap_or("no step failed; the run says no more")
                    ),
                    Tone::Error,
                )),
            }
        }
        if !d.problems.is_empty() {
            let icon = Phase::Error.icon(ascii);
            let mut text = d
                .problems
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ");
            if d.problems.len() > 3 {
                text.push_str(&format!(" (+{} more)", d.problems.len() - 3));
            }
            out.push((format!("{icon} status.nodes: {text}"), Tone::Warn));
        }
        out
    }
}

fn put(buf: &mut Buffer, x: u16, y: u16, w: u16, text: &str, style: ratatui::style::Style) {
    if w == 0 {
        return;
    }
    buf.set_stringn(x, y, truncate(text, w as usize), w as usize, style);
}

/// Pod name shown for a row (the innermost node's pod).
pub fn row_pod(row: &RunRow, id: &str) -> Option<String> {
    let node = row.dag.get(id)?;
    dag::pod_name(columns::name(&row.wf), node, row.pod_v1())
}

const HINTS: &[Action] = &[
    Action::Enter,
    Action::Logs,
    Action::RawNodes,
    Action::NextFailed,
    Action::Graph,
    Action::Terminate,
    Action::Delete,
];

impl View for RunDetail {
    fn title(&self) -> String {
        self.row.summary.display.clone()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["run", "runs", "list"]
    }

    fn hints(&self) -> &'static [Action] {
        HINTS
    }

    fn subscriptions(&self, _scope: &Scope, subs: &mut Subscriptions) {
        let scope = self.scope();
        subs.watches.insert(key(&scope, None));
        subs.watches.insert(pods_key(&self.row.wf));
        subs.access.extend(super::access_keys(&scope));
        if let Some(spec) = &self.failed_logs {
            subs.logs.insert(spec.clone());
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        let n = self.rows.len();
        let page = cx.page.saturating_sub(8).max(1);
        if let Some(g) = self.graph.as_ref().filter(|_| self.graph_mode) {
            let at = self.selected;
            let moved = match action {
                Action::Up => Some(g.vertical(at, -1)),
                Action::Down => Some(g.vertical(at, 1)),
                Action::PageUp => Some(g.vertical(at, -(page as isize / 4).max(1))),
                Action::PageDown => Some(g.vertical(at, (page as isize / 4).max(1))),
                Action::Left => Some(g.sideways(at, -1)),
                Action::Right => Some(g.sideways(at, 1)),
                _ => None,
            };
            if let Some(to) = moved {
                if let Some(to) = to {
                    self.selected = to;
                }
                return Handled::Yes;
            }
        }
        match action {
            Action::Graph => {
                self.graph_mode = !self.graph_mode;
                self.relayout_graph();
                cx.info(if self.graph_mode {
                    "graph: ↑↓ between layers, ←→ within a layer (v: tree)"
                } else {
                    "tree (v: graph)"
                });
            }
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Action::PageUp => self.selected = self.selected.saturating_sub(page),
            Action::PageDown => self.selected = (self.selected + page).min(n.saturating_sub(1)),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = n.saturating_sub(1),
            Action::RawNodes => {
                self.raw = !self.raw;
                self.relayout();
                cx.info(if self.raw {
                    "raw Argo nodes (r: KFP tasks)"
                } else {
                    "KFP tasks, plumbing folded (r: raw Argo nodes)"
                });
            }
            Action::NextFailed => self.jump(Phase::failed, "failed", cx),
            Action::NextRunning => self.jump(|p| p == Phase::Running, "running", cx),
            Action::Enter => {
                if let Some(r) = self.selected_row().cloned() {
                    cx.push(Box::new(super::node::NodeDetail::new(self.row.clone(), r)));
                }
            }
            Action::Logs => {
                if let Some(r) = self.selected_row().cloned() {
                    super::node::open_logs(&self.row, &r.id, cx);
                }
            }
            Action::Terminate
            | Action::Stop
            | Action::Retry
            | Action::Archive
            | Action::Delete
            | Action::Yaml
            | Action::Describe => {
                let row = self.row.clone();
                if let Some(p) = act_on(&row, action, &self.kfp, cx) {
                    self.pending = Some(p);
                }
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        if let ViewEvent::Logs { spec, update } = event
            && self.failed_logs.as_ref() == Some(spec)
        {
            match update {
                LogUpdate::Lines(lines) => {
                    self.last_lines.extend(
                        lines
                            .iter()
                            .map(|l| crate::views::logs::split_timestamp(l).1)
                            .map(crate::views::logs::neutralise),
                    );
                    let excess = self.last_lines.len().saturating_sub(LAST_LINES);
                    self.last_lines.drain(..excess);
                }
                LogUpdate::Ended(Some(why)) if self.last_lines.is_empty() => {
                    self.last_lines
                        .push(format!("(its log could not be read: {why})"));
                }
                LogUpdate::Ended(_) => {}
            }
            return Handled::Yes;
        }
        if on_confirm(&mut self.pending, event, cx) {
            Handled::Yes
        } else {
            Handled::No
        }
    }

    fn sync(&mut self, cx: &mut Cx) {
        self.want_failed_logs(cx);
        let k = key(&self.scope(), None);
        let Some(set) = cx.store.get(&k) else { return };
        let version = (set.version, self.raw);
        if self.seen == Some(version) {
            return;
        }
        self.seen = Some(version);
        if columns::annotation(&self.row.wf, super::source::KFP_ONLY).is_some() {
            return;
        }
        let uid = columns::uid(&self.row.wf);
        match set.iter().find(|o| columns::uid(o) == uid) {
            Some(wf) if !Arc::ptr_eq(wf, &self.row.wf) => {
                self.row = RunRow::new(wf.clone());
                self.gone = false;
                self.relayout();
            }
            Some(_) => self.gone = false,
            None if set.listed => self.gone = true,
            None => {}
        }
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t: &Theme = &state.theme;
        let ascii = t.ascii;
        let title = Line::from(vec![
            Span::styled(" run", t.title),
            Span::styled(format!(" {} ", self.row.summary.display), t.header_value),
            Span::styled(if self.raw { "[raw nodes] " } else { "" }, t.warn),
        ]);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(title);
        let inner = block.inner(area);
        block.render(area, buf);
        super::draw_source(&self.kfp, area, buf, t.dim, 2);
        if inner.height < 4 || inner.width < 20 {
            return;
        }
        let (x, w) = (inner.x, inner.width);
        let mut y = inner.y;
        let bottom = inner.y + inner.height;
        for (k, v, tone) in self.header(state.now, ascii) {
            if y >= bottom {
                return;
            }
            put(buf, x, y, 11, &k, t.yaml_key);
            put(buf, x + 11, y, w.saturating_sub(11), &v, tone.style(t));
            y += 1;
        }
        let trouble = self.trouble(ascii);
        let trouble_rows = (trouble.len() as u16).min(inner.height.saturating_sub(8));
        let tree_bottom = bottom.saturating_sub(trouble_rows);
        y += 1;
        if y + 1 >= tree_bottom {
            return;
        }
        if let Some(g) = self.graph.as_ref().filter(|_| self.graph_mode) {
            put(buf, x, y, w, &dag::graph::status(g, self.selected), t.dim);
            let area = Rect {
                x,
                y: y + 1,
                width: w,
                height: tree_bottom - y - 1,
            };
            dag::graph::render(g, self.selected, t, area, buf);
        } else {
            self.render_tree(state, x, w, y, tree_bottom, buf);
        }
        for (y, (line, tone)) in (tree_bottom..).zip(trouble.iter().take(trouble_rows as usize)) {
            put(buf, x, y, w, line, tone.style(t));
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl RunDetail {
    /// The `argo get` tree with its columns, rows `y..tree_bottom`.
    fn render_tree(
        &self,
        state: &State,
        x: u16,
        w: u16,
        mut y: u16,
        tree_bottom: u16,
        buf: &mut Buffer,
    ) {
        let t: &Theme = &state.theme;
        let ascii = t.ascii;
        // Columns: STEP, POD (when there is room), DURATION, MESSAGE.
        let show_pod = w >= 110;
        let step_w = self
            .rows
            .iter()
            .map(|r| r.prefix(ascii).chars().count() + 2 + r.label.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, (w as usize * 2 / 5).max(4)) as u16;
        let pod_w: u16 = if show_pod {
            self.rows
                .iter()
                .filter_map(|r| row_pod(&self.row, &r.id))
                .map(|p| p.chars().count())
                .max()
                .unwrap_or(3)
                .clamp(3, 60) as u16
        } else {
            0
        };
        let dur_w: u16 = 8;
        let mut cols: Vec<(&str, u16, u16)> = Vec::new();
        let mut cx_ = x;
        cols.push(("STEP", cx_, step_w));
        cx_ += step_w + 1;
        if show_pod {
            cols.push(("POD", cx_, pod_w));
            cx_ += pod_w + 1;
        }
        cols.push(("DURATION", cx_, dur_w));
        cx_ += dur_w + 1;
        let msg_w = (x + w).saturating_sub(cx_);
        cols.push(("MESSAGE", cx_, msg_w));
        for (title, cx0, cw) in &cols {
            put(buf, *cx0, y, *cw, title, t.table_header);
        }
        y += 1;
        let body = (tree_bottom - y) as usize;
        if self.rows.is_empty() {
            let kfp_only = columns::annotation(&self.row.wf, super::source::KFP_ONLY).is_some();
            let text = if kfp_only {
                "Its Workflow is gone (garbage-collected): the KFP API keeps the run, not its nodes."
            } else if self.row.dag.nodes.is_empty() {
                "No nodes yet: the workflow controller has not started this run."
            } else {
                "No nodes to show."
            };
            put(buf, x + 1, y, w.saturating_sub(1), text, t.dim);
        }
        let offset = if self.selected >= body {
            self.selected + 1 - body
        } else {
            0
        };
        for (i, r) in self.rows.iter().enumerate().skip(offset).take(body) {
            let sel = i == self.selected;
            if sel {
                buf.set_style(
                    Rect {
                        x,
                        y,
                        width: w,
                        height: 1,
                    },
                    t.selected,
                );
            }
            let style = |tone: Tone| if sel { t.selected } else { tone.style(t) };
            let node = self.row.dag.get(&r.id);
            let prefix = r.prefix(ascii);
            let plen = prefix.chars().count() as u16;
            put(buf, x, y, step_w, &prefix, style(Tone::Dim));
            let icon = r.phase.icon(ascii);
            put(
                buf,
                x + plen,
                y,
                step_w.saturating_sub(plen),
                icon,
                style(r.phase.tone()),
            );
            put(
                buf,
                x + plen + 2,
                y,
                step_w.saturating_sub(plen + 2),
                &r.label,
                style(Tone::Normal),
            );
            let mut ci = 1;
            if show_pod {
                let pod = row_pod(&self.row, &r.id).unwrap_or_default();
                put(buf, cols[1].1, y, pod_w, &pod, style(Tone::Dim));
                ci = 2;
            }
            let dur = node
                .and_then(|n| n.duration_secs(state.now))
                .map(columns::human_duration)
                .unwrap_or_else(|| "-".into());
            put(buf, cols[ci].1, y, dur_w, &dur, style(Tone::Normal));
            let msg = node
                .and_then(|n| n.message.clone())
                .unwrap_or_default()
                .replace('\n', " ");
            put(buf, cols[ci + 1].1, y, msg_w, &msg, style(Tone::Warn));
            y += 1;
        }
    }
}
