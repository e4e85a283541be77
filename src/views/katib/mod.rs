//! `:katib`: Katib experiments (kubeflow.org/v1beta1 Experiment) with the
//! state and the controller's reason, algorithm, objective, trial counts,
//! the best trial and how long it ran. `enter` opens the experiment with its
//! trials table and charts; `ctrl-d` deletes it (trials go with it).

pub mod chart;
pub mod detail;
pub mod form;
pub mod header;
pub mod model;
pub mod space;
pub mod train;
pub mod trial;
pub mod trials;

use std::any::Any;

use jiff::Timestamp;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use self::model::ExperimentRow;
use super::columns;
use super::resources::{table_nav, table_order};
use super::table::{self, Cell, Column, SortKey, TableModel, TableState, Tone};
use super::{Cx, Filter, Handled, Subscriptions, View, ViewEvent};
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::kube::kinds;
use crate::kube::types::{AccessKey, ApiOp, ObjRef, WatchKey};

/// The experiments watch for a scope.
pub fn key(scope: &Scope) -> WatchKey {
    WatchKey::in_namespace(&kinds::EXPERIMENT, scope.namespace())
}

/// The table columns.
pub struct ExperimentsModel {
    pub now: Timestamp,
    cols: Vec<Column>,
}

const C_NAME: Column = Column::new("NAME", 8, 32);
const C_NS: Column = Column::new("NAMESPACE", 9, 20);
const C_STATUS: Column = Column::new("STATUS", 14, 32);
const C_ALGORITHM: Column = Column::new("ALGORITHM", 6, 20).optional();
const C_OBJECTIVE: Column = Column::new("OBJECTIVE", 24, 28);
const C_TRIALS: Column = Column::new("TRIALS", 6, 14).right();
const C_BEST: Column = Column::new("BEST", 6, 40).optional();
const C_DURATION: Column = Column::new("DURATION", 8, 8).right().optional();
const C_AGE: Column = Column::new("AGE", 3, 6).right();

impl ExperimentsModel {
    pub fn new(now: Timestamp, all_ns: bool) -> ExperimentsModel {
        let mut cols = vec![C_NAME];
        if all_ns {
            cols.push(C_NS);
        }
        cols.extend([
            C_STATUS,
            C_OBJECTIVE,
            C_TRIALS,
            C_DURATION,
            C_AGE,
            C_BEST,
            C_ALGORITHM,
        ]);
        ExperimentsModel { now, cols }
    }

    fn column(&self, col: usize) -> &'static str {
        self.cols.get(col).map(|c| c.title).unwrap_or("")
    }

    fn duration(&self, row: &ExperimentRow) -> Option<i64> {
        model::duration(&row.obj, row.status.phase.finished(), self.now)
    }
}

impl TableModel<ExperimentRow> for ExperimentsModel {
    fn columns(&self) -> &[Column] {
        &self.cols
    }

    fn key(&self, row: &ExperimentRow) -> String {
        columns::uid(&row.obj)
    }

    fn cell(&self, row: &ExperimentRow, col: usize) -> Cell {
        let obj = &row.obj;
        match self.column(col) {
            "NAME" => Cell::new(columns::name(obj)),
            "NAMESPACE" => Cell::new(columns::namespace(obj)),
            "STATUS" => Cell::tone(row.status.text(), row.status.phase.tone()),
            "ALGORITHM" => Cell::new(row.algorithm()),
            "OBJECTIVE" => Cell::new(row.objective.text()),
            "TRIALS" => Cell::new(row.counts.text()),
            "BEST" => match &row.best {
                Some(b) if b.value.is_some() => Cell::tone(b.text(), Tone::Ok),
                _ => Cell::tone("-", Tone::Dim),
            },
            "DURATION" => match self.duration(row) {
                Some(s) => Cell::new(columns::human_duration(s)),
                None => Cell::tone("-", Tone::Dim),
            },
            "AGE" => columns::age_cell(obj, self.now),
            _ => Cell::default(),
        }
    }

    fn sort_key(&self, row: &ExperimentRow, col: usize) -> SortKey {
        match self.column(col) {
            "AGE" => columns::age_sort(&row.obj),
            "TRIALS" => SortKey::Num(row.counts.succeeded),
            "DURATION" => self
                .duration(row)
                .map(SortKey::Num)
                .unwrap_or(SortKey::Missing),
            _ => SortKey::Text(self.cell(row, col).text),
        }
    }

    fn search_text(&self, row: &ExperimentRow) -> String {
        format!(
            "{} {} {} {}",
            columns::name(&row.obj),
            columns::namespace(&row.obj),
            row.algorithm(),
            row.status.text()
        )
        .to_lowercase()
    }
}

/// Access questions for experiment actions in a namespace.
pub fn access_keys(scope: &Scope) -> Vec<AccessKey> {
    ["create", "delete"]
        .into_iter()
        .map(|verb| AccessKey {
            verb,
            kind: &kinds::EXPERIMENT,
            namespace: scope.namespace().map(str::to_string),
        })
        .collect()
}

/// A pending delete confirmation: dialog id and target.
pub type PendingDelete = Option<(u64, ObjRef)>;

/// Asks to delete an experiment (or says why it cannot be).
pub fn ask_delete(obj: &DynamicObject, cx: &mut Cx) -> PendingDelete {
    let target = ObjRef::of(&kinds::EXPERIMENT, obj);
    if let Some(reason) = cx.denied("delete", &kinds::EXPERIMENT, target.namespace.as_deref()) {
        cx.error(format!("cannot delete {}: {reason}", target.name));
        return None;
    }
    let trials = columns::i64_at(obj, "/status/trials").unwrap_or(0);
    let id = cx.confirm(
        "Delete Experiment",
        format!(
            "Delete {target}? Its {trials} trial(s), their jobs and pods and its suggestion are removed with it."
        ),
        "Delete",
        Vec::new(),
    );
    Some((id, target))
}

/// Sends the delete a confirmed dialog asked for.
pub fn on_confirm(pending: &mut PendingDelete, event: &ViewEvent, cx: &mut Cx) -> bool {
    match event {
        ViewEvent::Confirmed { id, .. } if pending.as_ref().is_some_and(|p| p.0 == *id) => {
            if let Some((_, target)) = pending.take() {
                cx.info(format!("deleting {target}…"));
                cx.api(ApiOp::Delete {
                    target,
                    dry_run: false,
                });
            }
            true
        }
        _ => false,
    }
}

/// The experiments list.
pub struct ExperimentsView {
    pub table: TableState<ExperimentRow>,
    seen: Option<(Scope, u64)>,
    dirty: bool,
    pending_delete: PendingDelete,
}

impl Default for ExperimentsView {
    fn default() -> Self {
        ExperimentsView {
            table: TableState::default(),
            seen: None,
            dirty: true,
            pending_delete: None,
        }
    }
}

impl ExperimentsView {
    pub fn selected(&self) -> Option<&ExperimentRow> {
        self.table.selected_row()
    }
}

const HINTS: &[Action] = &[
    Action::New,
    Action::Enter,
    Action::Delete,
    Action::Yaml,
    Action::SortNext,
    Action::Filter,
];

impl View for ExperimentsView {
    fn title(&self) -> String {
        "katib".into()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["katib", "list"]
    }

    fn hints(&self) -> &'static [Action] {
        HINTS
    }

    fn subscriptions(&self, scope: &Scope, subs: &mut Subscriptions) {
        subs.watches.insert(key(scope));
        subs.access.extend(access_keys(scope));
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        let model = ExperimentsModel::new(cx.now, cx.scope.namespace().is_none());
        if table_nav(&mut self.table, &model, action, cx.page) == Handled::Yes {
            return Handled::Yes;
        }
        if table_order(&mut self.table, model.columns().len(), action) {
            self.dirty = true;
            return Handled::Yes;
        }
        match action {
            Action::New => {
                if let Some(reason) = cx.denied("create", &kinds::EXPERIMENT, cx.scope.namespace())
                {
                    cx.error(format!("cannot create experiments: {reason}"));
                    return Handled::Yes;
                }
                let ns = cx
                    .scope
                    .namespace()
                    .map(str::to_string)
                    .or_else(|| cx.cluster.map(|c| c.namespace.clone()))
                    .unwrap_or_else(|| "default".into());
                cx.push(Box::new(form::ExperimentForm::new(ns, cx)));
            }
            Action::Enter | Action::Delete | Action::Yaml | Action::Describe => {
                let Some(row) = self.selected().cloned() else {
                    cx.info("no experiment selected");
                    return Handled::Yes;
                };
                match action {
                    Action::Enter => cx.push(Box::new(detail::ExperimentDetail::new(row.obj))),
                    Action::Delete => self.pending_delete = ask_delete(&row.obj, cx),
                    Action::Yaml => cx.push(Box::new(super::yaml::YamlView::new(
                        ObjRef::of(&kinds::EXPERIMENT, &row.obj),
                        &row.obj,
                    ))),
                    _ => cx.push(Box::new(super::describe::DescribeView::new(
                        &kinds::EXPERIMENT,
                        row.obj.clone(),
                    ))),
                }
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        if on_confirm(&mut self.pending_delete, event, cx) {
            Handled::Yes
        } else {
            Handled::No
        }
    }

    fn sync(&mut self, cx: &mut Cx) {
        let k = key(cx.scope);
        let version = cx
            .store
            .get(&k)
            .map(|s| s.version + u64::from(s.listed))
            .unwrap_or(0);
        let seen = (cx.scope.clone(), version);
        if !self.dirty && self.seen.as_ref() == Some(&seen) {
            return;
        }
        let rows: Vec<ExperimentRow> = cx
            .store
            .get(&k)
            .map(|set| set.iter().map(|o| ExperimentRow::new(o.clone())).collect())
            .unwrap_or_default();
        let model = ExperimentsModel::new(cx.now, cx.scope.namespace().is_none());
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
        let k = key(&state.scope);
        let (marker, empty) =
            super::resources::watch_status(std::slice::from_ref(&k), "experiments", state);
        let model = ExperimentsModel::new(state.now, state.scope.namespace().is_none());
        let scope = if state.scope.namespace().is_none() {
            "all"
        } else {
            state.scope.label()
        };
        let frame = table::Frame {
            title: "experiments",
            scope: Some(scope),
            marker,
            empty: &empty,
            focused: state.prompt.is_none() && state.confirm.is_none(),
        };
        table::render(&self.table, &model, &frame, &state.theme, area, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
