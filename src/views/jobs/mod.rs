//! `:jobs`: every training job kind in one table — PyTorchJob, TFJob,
//! MPIJob, XGBoostJob, JAXJob, PaddleJob (kubeflow.org/v1) and TrainJob
//! (trainer.kubeflow.org/v1alpha1). Kinds the cluster does not serve are
//! skipped; kinds the user may not list are named once under the table.
//! Suspend/resume, delete, logs per replica and the details hang off it.

pub mod detail;
pub mod form;
pub mod logs;
pub mod model;

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use serde_json::json;

use self::model::{Role, State as JobState, Status};
use super::columns;
use super::resources::{table_nav, table_order};
use super::table::{self, Cell, Column, SortKey, TableModel, TableState, Tone};
use super::{Cx, Filter, Handled, Subscriptions, View, ViewEvent};
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::app::store::Store;
use crate::kube::errors::FailureKind;
use crate::kube::kinds::{self, Kind};
use crate::kube::types::{AccessKey, ApiOp, ObjRef, PatchBody, SyncStatus, WatchKey};

/// The training job kinds, in the order the KIND column sorts them.
pub static KINDS: &[&Kind] = &[
    &kinds::PYTORCH_JOB,
    &kinds::TF_JOB,
    &kinds::MPI_JOB,
    &kinds::XGBOOST_JOB,
    &kinds::JAX_JOB,
    &kinds::PADDLE_JOB,
    &kinds::TRAIN_JOB,
];

/// A job with what the table reads from it.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub kind: &'static Kind,
    pub obj: Arc<DynamicObject>,
    pub status: Status,
    pub roles: Vec<Role>,
}

impl JobRow {
    pub fn new(kind: &'static Kind, obj: Arc<DynamicObject>) -> JobRow {
        JobRow {
            status: model::status(kind, &obj),
            roles: model::replicas(kind, &obj),
            kind,
            obj,
        }
    }

    pub fn target(&self) -> ObjRef {
        ObjRef::of(self.kind, &self.obj)
    }
}

/// The job watches for a scope.
pub fn keys(scope: &Scope, labels: Option<String>) -> Vec<WatchKey> {
    KINDS
        .iter()
        .map(|k| WatchKey::in_namespace(k, scope.namespace()).with_labels(labels.clone()))
        .collect()
}

/// What the cluster says about each kind's watch.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct KindsState {
    /// Watches worth a marker (served and allowed).
    pub live: Vec<WatchKey>,
    /// Kinds the user may not list, by kind name.
    pub forbidden: Vec<&'static str>,
}

pub fn kinds_state(store: &Store, keys: &[WatchKey]) -> KindsState {
    let mut out = KindsState::default();
    for key in keys {
        match store.get(key).map(|s| &s.status) {
            Some(SyncStatus::Retrying {
                kind: FailureKind::NotFound,
                ..
            }) => {}
            Some(SyncStatus::Retrying {
                kind: FailureKind::Forbidden,
                ..
            }) => out.forbidden.push(key.kind.kind),
            _ => out.live.push(key.clone()),
        }
    }
    out
}

/// Every job in the store for these keys.
pub fn rows(store: &Store, keys: &[WatchKey]) -> Vec<JobRow> {
    rows_cached(store, keys, &mut RowCache::default())
}

/// Rows of the last rebuild by object allocation: the store hands out a new
/// `Arc` for every changed object, so one watch event re-reads one job.
#[derive(Default)]
pub struct RowCache(HashMap<usize, JobRow>);

/// [`rows`], reusing the rows of unchanged jobs.
pub fn rows_cached(store: &Store, keys: &[WatchKey], cache: &mut RowCache) -> Vec<JobRow> {
    let mut next = HashMap::with_capacity(cache.0.len());
    let mut out = Vec::new();
    for key in keys {
        if let Some(set) = store.get(key) {
            for o in set.iter() {
                let addr = Arc::as_ptr(o) as usize;
                let row = cache
                    .0
                    .remove(&addr)
                    .unwrap_or_else(|| JobRow::new(key.kind, o.clone()));
                next.insert(addr, row.clone());
                out.push(row);
            }
        }
    }
    cache.0 = next;
    out
}

fn version(store: &Store, keys: &[WatchKey]) -> u64 {
    keys.iter()
        .map(|k| {
            store
                .get(k)
                .map(|s| s.version + u64::from(s.listed))
                .unwrap_or(0)
        })
        .sum()
}

/// The table columns.
pub struct JobsModel {
    pub now: Timestamp,
    cols: Vec<Column>,
}

const C_NAME: Column = Column::new("NAME", 8, 40);
const C_NS: Column = Column::new("NAMESPACE", 9, 20);
const C_KIND: Column = Column::new("KIND", 4, 10);
const C_STATUS: Column = Column::new("STATUS", 7, 16);
const C_REPLICAS: Column = Column::new("REPLICAS", 8, 20);
const C_GPUS: Column = Column::new("GPUS", 4, 4).right();
const C_RUNTIME: Column = Column::new("RUNTIME", 7, 24).optional();
const C_DURATION: Column = Column::new("DURATION", 8, 8).right();
const C_AGE: Column = Column::new("AGE", 3, 6).right();

impl JobsModel {
    pub fn new(now: Timestamp, all_ns: bool) -> JobsModel {
        let mut cols = vec![C_NAME];
        if all_ns {
            cols.push(C_NS);
        }
        cols.extend([
            C_KIND, C_STATUS, C_REPLICAS, C_GPUS, C_DURATION, C_AGE, C_RUNTIME,
        ]);
        JobsModel { now, cols }
    }

    fn column(&self, col: usize) -> &'static str {
        self.cols.get(col).map(|c| c.title).unwrap_or("")
    }

    fn duration(&self, row: &JobRow) -> Option<i64> {
        model::duration(row.kind, &row.obj, row.status.state, self.now)
    }
}

impl TableModel<JobRow> for JobsModel {
    fn columns(&self) -> &[Column] {
        &self.cols
    }

    fn key(&self, row: &JobRow) -> String {
        columns::uid(&row.obj)
    }

    fn cell(&self, row: &JobRow, col: usize) -> Cell {
        let obj = &row.obj;
        match self.column(col) {
            "NAME" => Cell::new(columns::name(obj)),
            "NAMESPACE" => Cell::new(columns::namespace(obj)),
            "KIND" => Cell::tone(row.kind.kind, Tone::Info),
            "STATUS" => Cell::tone(row.status.text(), row.status.state.tone()),
            "REPLICAS" => Cell::new(model::replicas_text(&row.roles)),
            "GPUS" => match model::gpus(&row.roles) {
                Some((n, _)) if n > 0 => Cell::tone(n.to_string(), Tone::Info),
                _ => Cell::tone("-", Tone::Dim),
            },
            "RUNTIME" => match model::runtime(row.kind, obj) {
                Some(r) => Cell::new(r),
                None => Cell::tone("-", Tone::Dim),
            },
            "DURATION" => match self.duration(row) {
                Some(s) => Cell::new(columns::human_duration(s)),
                None => Cell::tone("-", Tone::Dim),
            },
            "AGE" => columns::age_cell(obj, self.now),
            _ => Cell::default(),
        }
    }

    fn sort_key(&self, row: &JobRow, col: usize) -> SortKey {
        match self.column(col) {
            "AGE" => columns::age_sort(&row.obj),
            "GPUS" => SortKey::Num(model::gpus(&row.roles).map(|g| g.0).unwrap_or(0)),
            "DURATION" => self
                .duration(row)
                .map(SortKey::Num)
                .unwrap_or(SortKey::Missing),
            _ => SortKey::Text(self.cell(row, col).text),
        }
    }

    fn search_text(&self, row: &JobRow) -> String {
        format!(
            "{} {} {} {}",
            columns::name(&row.obj),
            columns::namespace(&row.obj),
            row.kind.kind,
            row.status.state.word()
        )
        .to_lowercase()
    }
}

/// Access questions for job actions in a namespace.
pub fn access_keys(scope: &Scope) -> Vec<AccessKey> {
    let mut out = Vec::new();
    for kind in KINDS {
        for verb in ["create", "patch", "delete"] {
            out.push(AccessKey {
                verb,
                kind,
                namespace: scope.namespace().map(str::to_string),
            });
        }
    }
    out
}

/// The merge patch that suspends or resumes a job.
pub fn suspend_patch(kind: &Kind, suspend: bool) -> serde_json::Value {
    if model::is_trainjob(kind) {
        json!({"spec": {"suspend": suspend}})
    } else {
        json!({"spec": {"runPolicy": {"suspend": suspend}}})
    }
}

/// A pending delete confirmation: dialog id and target.
pub type PendingDelete = Option<(u64, ObjRef)>;

/// Actions shared by the list and the details; a delete asks first and
/// returns the dialog to wait for.
pub fn act_on(row: &JobRow, action: Action, cx: &mut Cx) -> PendingDelete {
    let target = row.target();
    let ns = target.namespace.clone();
    match action {
        Action::Suspend => {
            let suspend = !model::suspend_requested(row.kind, &row.obj);
            let what = if suspend { "suspend" } else { "resume" };
            if let Some(reason) = cx.denied("patch", row.kind, ns.as_deref()) {
                cx.error(format!("cannot {what} {}: {reason}", target.name));
                return None;
            }
            if suspend && row.status.state.finished() {
                cx.error(format!(
                    "{} has {}: only an unfinished job can be suspended",
                    target.name,
                    row.status.state.word().to_lowercase()
                ));
                return None;
            }
            cx.api(ApiOp::Patch {
                target: target.clone(),
                patch: PatchBody::Merge(suspend_patch(row.kind, suspend)),
                dry_run: false,
            });
            cx.info(format!(
                "{} {}…",
                if suspend { "suspending" } else { "resuming" },
                target.name
            ));
        }
        Action::Delete => {
            if let Some(reason) = cx.denied("delete", row.kind, ns.as_deref()) {
                cx.error(format!("cannot delete {}: {reason}", target.name));
                return None;
            }
            let id = cx.confirm(
                format!("Delete {}", row.kind.kind),
                format!("Delete {target}? Its replica pods are removed too."),
                "Delete",
                Vec::new(),
            );
            return Some((id, target));
        }
        Action::Logs => {
            // The replica pods, to pick one by role and index; `l` there
            // opens its log.
            let selector = model::pod_selector(row.kind, &target.name);
            let mut pods = super::resources::ResourceList::new(&super::registry::PODS);
            pods.data.table.filter = Filter {
                text: format!("-l {selector}"),
                labels: Some(selector),
                ..Filter::default()
            };
            cx.push(Box::new(pods));
        }
        Action::Yaml => cx.push(Box::new(super::yaml::YamlView::new(target, &row.obj))),
        Action::Describe => cx.push(Box::new(super::describe::DescribeView::new(
            row.kind,
            row.obj.clone(),
        ))),
        _ => {}
    }
    None
}

/// Sends the delete a confirmed dialog asked for.
pub fn on_confirm(pending: &mut PendingDelete, event: &ViewEvent, cx: &mut Cx) -> Handled {
    match event {
        ViewEvent::Confirmed { id, .. } if pending.as_ref().is_some_and(|p| p.0 == *id) => {
            if let Some((_, target)) = pending.take() {
                cx.info(format!("deleting {target}…"));
                cx.api(ApiOp::Delete {
                    target,
                    dry_run: false,
                });
            }
            Handled::Yes
        }
        _ => Handled::No,
    }
}

/// The jobs list.
pub struct JobsView {
    pub table: TableState<JobRow>,
    seen: Option<(Scope, Option<String>, u64)>,
    dirty: bool,
    pending_delete: PendingDelete,
    cache: RowCache,
}

impl Default for JobsView {
    fn default() -> Self {
        JobsView {
            table: TableState::default(),
            seen: None,
            dirty: true,
            pending_delete: None,
            cache: RowCache::default(),
        }
    }
}

impl JobsView {
    pub fn selected(&self) -> Option<&JobRow> {
        self.table.selected_row()
    }
}

const HINTS: &[Action] = &[
    Action::New,
    Action::Suspend,
    Action::Logs,
    Action::Delete,
    Action::Enter,
    Action::Filter,
];

impl View for JobsView {
    fn title(&self) -> String {
        "jobs".into()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["jobs", "list"]
    }

    fn hints(&self) -> &'static [Action] {
        HINTS
    }

    fn subscriptions(&self, scope: &Scope, subs: &mut Subscriptions) {
        subs.watches
            .extend(keys(scope, self.table.filter.labels.clone()));
        subs.access.extend(access_keys(scope));
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        let model = JobsModel::new(cx.now, cx.scope.namespace().is_none());
        if table_nav(&mut self.table, &model, action, cx.page) == Handled::Yes {
            return Handled::Yes;
        }
        if table_order(&mut self.table, model.columns().len(), action) {
            self.dirty = true;
            return Handled::Yes;
        }
        match action {
            Action::Enter => {
                if let Some(row) = self.selected() {
                    cx.push(Box::new(detail::JobDetail::new(row.kind, row.obj.clone())));
                }
            }
            Action::New => {
                let ns = cx
                    .scope
                    .namespace()
                    .map(str::to_string)
                    .or_else(|| cx.cluster.map(|c| c.namespace.clone()))
                    .unwrap_or_else(|| "default".into());
                if let Some(reason) = cx.readonly {
                    cx.error(format!("cannot launch jobs: {reason}"));
                    return Handled::Yes;
                }
                cx.push(Box::new(form::JobForm::new(ns, cx)));
            }
            Action::CloneAsNew => {
                let Some(row) = self.selected().cloned() else {
                    cx.info("no job selected");
                    return Handled::Yes;
                };
                if let Some(reason) = cx.readonly {
                    cx.error(format!("cannot clone jobs: {reason}"));
                    return Handled::Yes;
                }
                let ns = row.obj.metadata.namespace.clone().unwrap_or_default();
                let name = row.obj.metadata.name.clone().unwrap_or_default();
                let text =
                    crate::views::editor::to_text(&crate::views::editor::cleaned_copy(&row.obj));
                let editor = crate::views::editor::EditorView::new(
                    row.kind,
                    &ns,
                    &text,
                    format!("editor-clone-{}-{ns}-{name}", row.kind.id),
                    format!("copy of {name}"),
                    cx,
                );
                cx.push(Box::new(editor));
            }
            Action::Suspend | Action::Logs | Action::Delete | Action::Yaml | Action::Describe => {
                let Some(row) = self.selected().cloned() else {
                    cx.info("no job selected");
                    return Handled::Yes;
                };
                if let Some(p) = act_on(&row, action, cx) {
                    self.pending_delete = Some(p);
                }
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        on_confirm(&mut self.pending_delete, event, cx)
    }

    fn sync(&mut self, cx: &mut Cx) {
        let keys = keys(cx.scope, self.table.filter.labels.clone());
        let seen = (
            cx.scope.clone(),
            self.table.filter.labels.clone(),
            version(cx.store, &keys),
        );
        if !self.dirty && self.seen.as_ref() == Some(&seen) {
            return;
        }
        let model = JobsModel::new(cx.now, cx.scope.namespace().is_none());
        self.table
            .rebuild(rows_cached(cx.store, &keys, &mut self.cache), &model);
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
        let t = &state.theme;
        let all = keys(&state.scope, self.table.filter.labels.clone());
        let ks = kinds_state(&state.store, &all);
        let (marker, empty) = super::resources::watch_status(&ks.live, "training jobs", state);
        let model = JobsModel::new(state.now, state.scope.namespace().is_none());
        // Under the table: the selected job's first failure, then the kinds
        // the user may not list.
        let mut notes: Vec<Line> = Vec::new();
        if let Some(row) = self.selected()
            && let Some(why) = model::first_failure(&row.status, &[])
                .filter(|_| row.status.state == JobState::Failed)
        {
            notes.push(Line::from(vec![
                Span::styled(
                    format!(" {} ", row.status.state.word()),
                    row.status.state.tone().style(t),
                ),
                Span::styled(format!("{}: ", columns::name(&row.obj)), t.header_value),
                Span::styled(why.replace('\n', " "), t.warn),
            ]));
        }
        if !ks.forbidden.is_empty() {
            notes.push(Line::from(Span::styled(
                format!(" not allowed to list: {}", ks.forbidden.join(", ")),
                t.warn,
            )));
        }
        let wanted: u16 = notes
            .iter()
            .map(|l| (l.width() as u16).div_ceil(area.width.max(1)).max(1))
            .sum();
        let (table_area, notes_area) = if wanted > 0 && area.height > 6 + wanted {
            (
                Rect {
                    height: area.height - wanted,
                    ..area
                },
                Some(Rect {
                    y: area.y + area.height - wanted,
                    height: wanted,
                    ..area
                }),
            )
        } else {
            (area, None)
        };
        let scope = if state.scope.namespace().is_none() {
            "all"
        } else {
            state.scope.label()
        };
        let frame = table::Frame {
            title: "jobs",
            scope: Some(scope),
            marker,
            empty: &empty,
            focused: state.prompt.is_none() && state.confirm.is_none(),
        };
        table::render(&self.table, &model, &frame, t, table_area, buf);
        if let Some(r) = notes_area {
            Paragraph::new(notes)
                .wrap(Wrap { trim: true })
                .render(r, buf);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
