//! `:runs`: pipeline runs from the Argo Workflows they execute as (KFP v2
//! runs and plain Argo workflows alike). The table names each run by its KFP
//! run name and counts the user's tasks without KFP plumbing; `enter` opens
//! the run's DAG (detail), with node details and logs under it. Terminate
//! and stop set `spec.shutdown`; delete asks first; both are refused, with
//! the reason, under `--readonly` or when the server says no.

pub mod actions;
pub mod catalog;
pub mod dag;
pub mod detail;
pub mod login;
pub mod model;
pub mod newrun;
pub mod node;
pub mod source;

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

pub use self::actions::{Pending, access_keys, act_on, on_confirm, shutdown_patch};
use self::model::RunRow;
use self::source::Kfp;
use super::columns;
use super::resources::{self, table_nav};
use super::table::{self, Cell, Column, SortKey, TableModel, TableState, Tone};
use super::{Cx, Filter, Handled, Subscriptions, View, ViewEvent};
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::app::store::Store;
use crate::kube::kinds;
use crate::kube::types::WatchKey;

/// The watch behind the runs screens for a scope.
pub fn key(scope: &Scope, labels: Option<String>) -> WatchKey {
    WatchKey::in_namespace(&kinds::WORKFLOW, scope.namespace()).with_labels(labels)
}

/// Rows of the last rebuild by workflow allocation: a watch event rebuilds
/// the tree of the run that changed, not of every run.
#[derive(Default)]
pub struct RowCache(HashMap<usize, RunRow>);

fn addr(o: &Arc<DynamicObject>) -> usize {
    Arc::as_ptr(o) as usize
}

/// The runs of a watch, reusing what `cache` holds and refilling it.
pub fn rows_cached(store: &Store, key: &WatchKey, cache: &mut RowCache) -> Vec<RunRow> {
    let Some(set) = store.get(key) else {
        cache.0.clear();
        return Vec::new();
    };
    let mut next = HashMap::with_capacity(set.objects.len());
    let rows: Vec<RunRow> = set
        .iter()
        .map(|wf| {
            let row = cache
                .0
                .remove(&addr(wf))
                .unwrap_or_else(|| RunRow::new(wf.clone()));
            next.insert(addr(wf), row.clone());
            row
        })
        .collect();
    cache.0 = next;
    rows
}

/// "MM-DD HH:MM" in UTC, `-` when unknown.
pub fn short_time(t: Option<Timestamp>) -> String {
    t.map(|t| t.strftime("%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".into())
}

/// The source line on the frame's bottom border, cut to fit and leaving
/// `reserve` columns on the right (for the scroll position).
pub fn draw_source(
    kfp: &Kfp,
    area: Rect,
    buf: &mut Buffer,
    style: ratatui::style::Style,
    reserve: u16,
) {
    let room = area.width.saturating_sub(reserve + 4) as usize;
    if area.height < 3 || room < 12 {
        return;
    }
    let text = format!(" {} ", table::truncate(&kfp.source_line(), room));
    buf.set_string(area.x + 1, area.y + area.height - 1, text, style);
}

/// A run's STATUS cell: icon and word.
pub fn status_cell(row: &RunRow, ascii: bool) -> Cell {
    let s = &row.summary;
    let word = s.status_word();
    let tone = if s.shutdown.is_some() && !s.phase.finished() {
        Tone::Warn
    } else {
        s.phase.tone()
    };
    Cell::tone(format!("{} {word}", s.phase.icon(ascii)), tone)
}

pub fn duration_text(row: &RunRow, now: Timestamp) -> String {
    columns::duration_secs(row.summary.started, row.summary.finished, now)
        .map(columns::human_duration)
        .unwrap_or_else(|| "-".into())
}

/// Table columns.
pub struct RunsModel {
    pub now: Timestamp,
    pub ascii: bool,
    pub kfp: Arc<Kfp>,
    cols: Vec<Column>,
}

const C_RUN: Column = Column::new("RUN", 10, 44);
const C_NS: Column = Column::new("NAMESPACE", 9, 20);
const C_EXP: Column = Column::new("EXPERIMENT", 6, 24).optional();
const C_PIPE: Column = Column::new("PIPELINE", 8, 28).optional();
const C_STATUS: Column = Column::new("STATUS", 8, 14);
const C_PROGRESS: Column = Column::new("PROGRESS", 5, 8).right();
const C_STARTED: Column = Column::new("STARTED", 11, 11).optional();
const C_DURATION: Column = Column::new("DURATION", 5, 8).right();
const C_AGE: Column = Column::new("AGE", 3, 6).right();

impl RunsModel {
    /// `experiments`: whether any run knows its experiment (the column is
    /// left out when none does, as with Workflows alone).
    pub fn new(now: Timestamp, all_ns: bool, ascii: bool, kfp: Arc<Kfp>) -> RunsModel {
        let mut cols = vec![C_RUN];
        if all_ns {
            cols.push(C_NS);
        }
        if kfp.has_experiments() {
            cols.push(C_EXP);
        }
        cols.extend([C_PIPE, C_STATUS, C_PROGRESS, C_STARTED, C_DURATION, C_AGE]);
        RunsModel {
            now,
            ascii,
            kfp,
            cols,
        }
    }

    fn experiment<'a>(&'a self, row: &'a RunRow) -> Option<&'a str> {
        row.summary
            .experiment
            .as_deref()
            .or_else(|| self.kfp.experiment(row.summary.run_id.as_deref()))
    }

    fn column(&self, col: usize) -> &'static str {
        self.cols.get(col).map(|c| c.title).unwrap_or("")
    }

    /// The AGE column's index (the default sort).
    pub fn age_column(&self) -> usize {
        self.cols.len() - 1
    }
}

impl TableModel<RunRow> for RunsModel {
    fn columns(&self) -> &[Column] {
        &self.cols
    }

    fn key(&self, row: &RunRow) -> String {
        columns::uid(&row.wf)
    }

    fn cell(&self, row: &RunRow, col: usize) -> Cell {
        let s = &row.summary;
        let dash = || Cell::tone("-", Tone::Dim);
        match self.column(col) {
            "RUN" => Cell::new(s.display.clone()),
            "NAMESPACE" => Cell::new(columns::namespace(&row.wf)),
            "EXPERIMENT" => self.experiment(row).map(Cell::new).unwrap_or_else(dash),
            "PIPELINE" => s.pipeline.clone().map(Cell::new).unwrap_or_else(dash),
            "STATUS" => status_cell(row, self.ascii),
            "PROGRESS" => match s.progress {
                Some((d, t)) => Cell::new(format!("{d}/{t}")),
                None => dash(),
            },
            "STARTED" => Cell::tone(short_time(s.started), Tone::Dim),
            "DURATION" => match columns::duration_secs(s.started, s.finished, self.now) {
                Some(secs) => Cell::new(columns::human_duration(secs)),
                None => dash(),
            },
            "AGE" => columns::age_cell(&row.wf, self.now),
            _ => Cell::default(),
        }
    }

    fn sort_key(&self, row: &RunRow, col: usize) -> SortKey {
        let s = &row.summary;
        match self.column(col) {
            "AGE" => columns::age_sort(&row.wf),
            "STARTED" => s
                .started
                .map(|t| SortKey::Num(-t.as_second()))
                .unwrap_or(SortKey::Missing),
            "DURATION" => columns::duration_secs(s.started, s.finished, self.now)
                .map(SortKey::Num)
                .unwrap_or(SortKey::Missing),
            _ => SortKey::Text(self.cell(row, col).text),
        }
    }

    fn search_text(&self, row: &RunRow) -> String {
        let s = &row.summary;
        format!(
            "{} {} {} {} {} {} {}",
            s.display,
            columns::name(&row.wf),
            columns::namespace(&row.wf),
            s.pipeline.as_deref().unwrap_or(""),
            self.experiment(row).unwrap_or(""),
            s.status_word(),
            if self
                .kfp
                .runs
                .get(s.run_id.as_deref().unwrap_or(""))
                .is_some_and(|k| k.archived)
            {
                "archived"
            } else {
                ""
            },
        )
        .to_lowercase()
    }
}

/// The runs list.
pub struct RunsView {
    pub table: TableState<RunRow>,
    seen: Option<(Scope, Option<String>, u64)>,
    dirty: bool,
    pending: Option<(u64, Pending)>,
    cache: RowCache,
    /// What the KFP API said, and which source is in use.
    pub kfp: Arc<Kfp>,
    /// Requests to the KFP API in flight: runs, experiments.
    asked: (Option<u64>, Option<u64>),
    /// Rows and scope when the KFP API was last asked.
    asked_for: Option<(Scope, usize)>,
    /// Rows that are Workflows (the rest come from the KFP API alone).
    workflow_rows: usize,
    /// "Re-run with changes": the versions request and the run it is for.
    rerun: Option<(u64, RunRow)>,
    /// The Dex password prompt, while open.
    pub login: Option<login::LoginPrompt>,
    /// The user cancelled the prompt: not asked again until ctrl-r.
    login_declined: bool,
}

impl Default for RunsView {
    fn default() -> Self {
        RunsView::new(None)
    }
}

impl RunsView {
    /// The list, filtered by `arg` (an experiment, pipeline or name) when given.
    pub fn new(arg: Option<&str>) -> RunsView {
        let mut table = TableState {
            sort: (usize::MAX, false),
            ..TableState::default()
        };
        if let Some(f) = arg.and_then(|a| Filter::parse(a).ok()) {
            table.filter = f;
        }
        RunsView {
            table,
            seen: None,
            dirty: true,
            pending: None,
            cache: RowCache::default(),
            kfp: Arc::new(Kfp::default()),
            asked: (None, None),
            asked_for: None,
            workflow_rows: 0,
            rerun: None,
            login: None,
            login_declined: false,
        }
    }

    pub fn selected(&self) -> Option<&RunRow> {
        self.table.selected_row()
    }

    fn model(&self, now: Timestamp, all_ns: bool, ascii: bool) -> RunsModel {
        RunsModel::new(now, all_ns, ascii, self.kfp.clone())
    }

    /// Opens the new-run form pre-filled from `row`, with the pipeline
    /// version the versions answer names.
    fn open_rerun(
        &self,
        row: &RunRow,
        result: &Result<serde_json::Value, crate::kube::errors::ApiFailure>,
        cx: &mut Cx,
    ) {
        let v = match result {
            Ok(v) => v,
            Err(e) => {
                cx.error(format!("the pipeline of {}: {e}", row.summary.display));
                return;
            }
        };
        let k = row
            .summary
            .run_id
            .as_deref()
            .and_then(|id| self.kfp.runs.get(id));
        let (pid, vid) = k.and_then(|k| k.pipeline.clone()).unwrap_or_default();
        let versions = v
            .get("pipeline_versions")
            .and_then(serde_json::Value::as_array)
            .cloned()
            .unwrap_or_default();
        let Some(version) = versions
            .iter()
            .find(|x| x.get("pipeline_version_id").and_then(|i| i.as_str()) == Some(vid.as_str()))
            .or_else(|| versions.first())
        else {
            cx.error(format!(
                "the pipeline of {} has no versions",
                row.summary.display
            ));
            return;
        };
        let ns = columns::namespace(&row.wf);
        let pipeline = row.summary.pipeline.clone().unwrap_or_else(|| pid.clone());
        let mut form = newrun::NewRunForm::new(ns, &pid, &pipeline, version);
        form.prefill(
            &format!("Re-run of {}", row.summary.display),
            &model::parameters(&row.wf),
            k.and_then(|k| k.experiment_id.clone()),
        );
        cx.push(Box::new(form));
    }

    /// Request ids of the KFP API calls in flight (runs, experiments).
    pub fn kfp_pending(&self) -> Vec<u64> {
        [self.asked.0, self.asked.1].into_iter().flatten().collect()
    }

    /// Asks the KFP API for the scope's runs and experiments when the runs
    /// the Workflows show changed since it was last asked (the API has no
    /// watch).
    fn ask_kfp(&mut self, cx: &mut Cx) {
        let Some(ns) = cx.scope.namespace().map(str::to_string) else {
            if self.kfp.source == source::Source::Asking {
                Arc::make_mut(&mut self.kfp).source = source::Source::WorkflowsOnly(
                    "it lists runs by namespace; all namespaces show the Workflows".into(),
                );
            }
            return;
        };
        // Once the Workflows are listed, so the runs to ask about are known.
        let listed = cx
            .store
            .get(&key(cx.scope, self.table.filter.labels.clone()))
            .is_some_and(|s| s.listed);
        let now = (cx.scope.clone(), self.workflow_rows);
        if !listed || self.asked != (None, None) || self.asked_for.as_ref() == Some(&now) {
            return;
        }
        let e = cx.config.kfp.endpoint();
        if self.kfp.endpoint != e {
            Arc::make_mut(&mut self.kfp).endpoint = e.clone();
        }
        self.asked = (
            Some(cx.api(e.list_runs(&ns))),
            Some(cx.api(e.list_experiments(&ns))),
        );
        self.asked_for = Some(now);
    }
}

const HINTS: &[Action] = &[
    Action::Enter,
    Action::New,
    Action::Terminate,
    Action::Stop,
    Action::Delete,
    Action::Filter,
];

impl View for RunsView {
    fn title(&self) -> String {
        "runs".into()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["runs", "list"]
    }

    fn hints(&self) -> &'static [Action] {
        HINTS
    }

    fn subscriptions(&self, scope: &Scope, subs: &mut Subscriptions) {
        subs.watches
            .insert(key(scope, self.table.filter.labels.clone()));
        subs.access.extend(access_keys(scope));
    }

    fn text_focus(&self) -> bool {
        self.login.is_some()
    }

    fn on_key(&mut self, key: crossterm::event::KeyEvent, _cx: &mut Cx) -> Handled {
        match self.login.as_mut() {
            Some(p) => {
                p.on_key(key);
                Handled::Yes
            }
            None => Handled::No,
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Cx) -> Handled {
        match self.login.as_mut() {
            Some(p) => {
                p.on_paste(text);
                Handled::Yes
            }
            None => Handled::No,
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        if self.login.is_some() {
            return self.login_action(action, cx);
        }
        let model = self.model(cx.now, cx.scope.namespace().is_none(), false);
        if table_nav(&mut self.table, &model, action, cx.page) == Handled::Yes {
            return Handled::Yes;
        }
        match action {
            Action::SortNext => {
                let n = model.columns().len();
                self.table.sort = ((self.table.sort.0.min(n - 1) + 1) % n, false);
                self.dirty = true;
            }
            Action::SortReverse => {
                self.table.sort.1 = !self.table.sort.1;
                self.dirty = true;
            }
            Action::Back if !self.table.filter.is_empty() => {
                self.table.filter = Filter::default();
                self.dirty = true;
            }
            Action::Enter => {
                if let Some(row) = self.selected() {
                    let mut d = detail::RunDetail::new(row.wf.clone());
                    d.kfp = self.kfp.clone();
                    cx.push(Box::new(d));
                }
            }
            Action::Logs => {
                let Some(row) = self.selected().cloned() else {
                    return Handled::Yes;
                };
                // The run's pods; the run's page has each step's logs.
                let r = resources::Row::new(&kinds::WORKFLOW, row.wf.clone());
                resources::object_action(&r, super::registry::RUNS.pods_of, action, cx);
            }
            Action::Refresh => {
                self.asked_for = None;
                self.login_declined = false;
                return Handled::No;
            }
            Action::New => {
                let Some(row) = self.selected().cloned() else {
                    return Handled::Yes;
                };
                let known = row
                    .summary
                    .run_id
                    .as_deref()
                    .and_then(|id| self.kfp.runs.get(id))
                    .and_then(|r| r.pipeline.clone());
                match (known, self.kfp.unavailable()) {
                    (_, Some(why)) => cx.error(format!(
                        "a new run needs the KFP API, which is not in use: {why}"
                    )),
                    (None, None) => cx.error(format!(
                        "the KFP API does not say which pipeline {} ran; start one from :pipelines",
                        row.summary.display
                    )),
                    (Some((pid, _)), None) => {
                        let id = cx.api(self.kfp.endpoint.list_versions(&pid));
                        cx.info(format!("reading the pipeline of {}…", row.summary.display));
                        self.rerun = Some((id, row));
                    }
                }
            }
            Action::Terminate
            | Action::Stop
            | Action::Retry
            | Action::Archive
            | Action::Delete
            | Action::Yaml
            | Action::Describe => {
                let Some(row) = self.selected().cloned() else {
                    cx.info("no run selected");
                    return Handled::Yes;
                };
                if let Some(p) = act_on(&row, action, &self.kfp, cx) {
                    self.pending = Some(p);
                }
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        if self.login_event(event, cx) {
            return Handled::Yes;
        }
        if let ViewEvent::Api { id, result } = event
            && let Some((rid, row)) = self.rerun.clone()
            && rid == *id
        {
            self.rerun = None;
            self.open_rerun(&row, result, cx);
            return Handled::Yes;
        }
        if let ViewEvent::Api { id, result } = event {
            let runs = self.asked.0 == Some(*id);
            if runs || self.asked.1 == Some(*id) {
                let had = self.kfp.has_experiments();
                let kfp = Arc::make_mut(&mut self.kfp);
                match result {
                    Ok(v) if runs => kfp.apply_runs(v),
                    Ok(v) => kfp.apply_experiments(v),
                    Err(e) => kfp.source = source::Source::WorkflowsOnly(e.to_string()),
                }
                if let Err(e) = result {
                    self.prompt_for(e);
                }
                if runs {
                    self.asked.0 = None;
                } else {
                    self.asked.1 = None;
                }
                if had != self.kfp.has_experiments() {
                    // EXPERIMENT came or went: the columns moved; sort by AGE.
                    self.table.sort.0 = usize::MAX;
                }
                self.dirty = true;
                return Handled::Yes;
            }
            // A KFP action went through: ask again for what it changed.
            if result.is_ok() {
                self.asked_for = None;
            }
            return Handled::No;
        }
        if on_confirm(&mut self.pending, event, cx) {
            Handled::Yes
        } else {
            Handled::No
        }
    }

    fn sync(&mut self, cx: &mut Cx) {
        self.ask_kfp(cx);
        let key = key(cx.scope, self.table.filter.labels.clone());
        let version = cx.store.get(&key).map(|s| s.version).unwrap_or(0);
        let seen = (cx.scope.clone(), self.table.filter.labels.clone(), version);
        if !self.dirty && self.seen.as_ref() == Some(&seen) {
            return;
        }
        let mut rows = rows_cached(cx.store, &key, &mut self.cache);
        self.workflow_rows = rows.len();
        // Runs the KFP API keeps whose Workflow is gone; archived runs only
        // when asked for (`:runs archived`, or `/archived`).
        let known: std::collections::HashSet<String> = rows
            .iter()
            .filter_map(|r| r.summary.run_id.clone())
            .collect();
        let archived_too = self.table.filter.needle.contains("archived");
        if let Some(ns) = cx.scope.namespace() {
            let mut extra: Vec<&source::KfpRun> = self
                .kfp
                .runs
                .values()
                .filter(|r| !known.contains(&r.run_id))
                .collect();
            extra.sort_by(|a, b| a.run_id.cmp(&b.run_id));
            for r in extra {
                if let Some(obj) = r.as_workflow(ns) {
                    rows.push(RunRow::new(Arc::new(obj)));
                }
            }
        }
        rows.retain(|r| {
            archived_too
                || !self
                    .kfp
                    .runs
                    .get(r.summary.run_id.as_deref().unwrap_or(""))
                    .is_some_and(|k| k.archived)
        });
        let model = self.model(cx.now, cx.scope.namespace().is_none(), false);
        if self.table.sort.0 >= model.columns().len() {
            self.table.sort = (model.age_column(), false);
        }
        self.table.rebuild(rows, &model);
        self.table.scroll_into_view(cx.page.saturating_sub(1));
        self.seen = Some(seen);
        self.dirty = false;
    }

    fn filter(&self) -> Option<&Filter> {
        Some(&self.table.filter)
    }

    fn set_filter(&mut self, filter: Filter, _cx: &mut Cx) -> bool {
        self.table.filter = filter;
        self.dirty = true;
        true
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let key = key(&state.scope, self.table.filter.labels.clone());
        let (marker, empty) = resources::watch_status(&[key], "runs", state);
        let all = state.scope.namespace().is_none();
        let model = self.model(state.now, all, state.theme.ascii);
        let scope = if all { "all" } else { state.scope.label() };
        // The source, on the bottom border.
        let frame = table::Frame {
            title: "runs",
            scope: Some(scope),
            marker,
            empty: &empty,
            focused: state.prompt.is_none() && state.confirm.is_none(),
        };
        table::render(&self.table, &model, &frame, &state.theme, area, buf);
        draw_source(&self.kfp, area, buf, state.theme.dim, 12);
        if let Some(p) = &self.login {
            p.render(&state.theme, area, buf);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
