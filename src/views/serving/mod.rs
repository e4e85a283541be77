//! `:isvc`: KServe InferenceServices (serving.kserve.io/v1beta1). The
//! table says whether each is Ready (and, when not, the failing
//! condition's reason), its URL, the predictor's model format, runtime and
//! storage URI, and the traffic split between the latest and previous
//! revision. Enter opens the details: conditions in words, components and
//! URLs, predictor pods and events; `l` there reads the `kserve-container`
//! log.

pub mod answer;
pub mod bench;
pub mod compare;
pub mod detail;
pub mod model;
pub mod remote;
mod render;

use std::any::Any;
use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::columns;
use super::resources::{table_nav, table_order};
use super::table::{self, Cell, Column, SortKey, TableModel, TableState, Tone};
use super::{Cx, Filter, Handled, Subscriptions, View, ViewEvent};
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::app::store::Store;
use crate::kube::kinds;
use crate::kube::types::{ObjRef, WatchKey};

/// An InferenceService with what the table reads from it.
#[derive(Debug, Clone)]
pub struct IsvcRow {
    pub obj: Arc<DynamicObject>,
    pub ready: model::Ready,
    pub predictor: model::Predictor,
}

impl IsvcRow {
    pub fn new(obj: Arc<DynamicObject>) -> IsvcRow {
        IsvcRow {
            ready: model::ready(&obj),
            predictor: model::predictor(&obj),
            obj,
        }
    }

    pub fn target(&self) -> ObjRef {
        ObjRef::of(&kinds::INFERENCE_SERVICE, &self.obj)
    }
}

/// The InferenceService watch for a scope.
pub fn key(scope: &Scope, labels: Option<String>) -> WatchKey {
    WatchKey::in_namespace(&kinds::INFERENCE_SERVICE, scope.namespace()).with_labels(labels)
}

/// Every InferenceService in the store for this key.
pub fn rows(store: &Store, key: &WatchKey) -> Vec<IsvcRow> {
    store
        .get(key)
        .map(|set| set.iter().map(|o| IsvcRow::new(o.clone())).collect())
        .unwrap_or_default()
}

const C_NAME: Column = Column::new("NAME", 8, 32);
const C_NS: Column = Column::new("NAMESPACE", 9, 20);
const C_READY: Column = Column::new("READY", 5, 24);
const C_URL: Column = Column::new("URL", 10, 50).optional();
const C_PREDICTOR: Column = Column::new("PREDICTOR", 9, 60).optional();
const C_TRAFFIC: Column = Column::new("TRAFFIC", 7, 16);
const C_AGE: Column = Column::new("AGE", 3, 6).right();

/// The table columns.
pub struct IsvcModel {
    pub now: Timestamp,
    cols: Vec<Column>,
}

impl IsvcModel {
    pub fn new(now: Timestamp, all_ns: bool) -> IsvcModel {
        let mut cols = vec![C_NAME];
        if all_ns {
            cols.push(C_NS);
        }
        cols.extend([C_READY, C_TRAFFIC, C_AGE, C_PREDICTOR, C_URL]);
        IsvcModel { now, cols }
    }

    fn column(&self, col: usize) -> &'static str {
        self.cols.get(col).map(|c| c.title).unwrap_or("")
    }
}

impl TableModel<IsvcRow> for IsvcModel {
    fn columns(&self) -> &[Column] {
        &self.cols
    }

    fn key(&self, row: &IsvcRow) -> String {
        columns::uid(&row.obj)
    }

    fn cell(&self, row: &IsvcRow, col: usize) -> Cell {
        let obj = &row.obj;
        match self.column(col) {
            "NAME" => Cell::new(columns::name(obj)),
            "NAMESPACE" => Cell::new(columns::namespace(obj)),
            "READY" => Cell::tone(row.ready.text(), row.ready.tone()),
            "URL" => match columns::str_at(obj, "/status/url") {
                Some(u) => Cell::new(u),
                None => Cell::tone("-", Tone::Dim),
            },
            "PREDICTOR" => Cell::new(row.predictor.text()),
            "TRAFFIC" => Cell::new(model::traffic_text(obj)),
            "AGE" => columns::age_cell(obj, self.now),
            _ => Cell::default(),
        }
    }

    fn sort_key(&self, row: &IsvcRow, col: usize) -> SortKey {
        match self.column(col) {
            "AGE" => columns::age_sort(&row.obj),
            _ => SortKey::Text(self.cell(row, col).text),
        }
    }

    fn search_text(&self, row: &IsvcRow) -> String {
        format!(
            "{} {} {} {}",
            columns::name(&row.obj),
            columns::namespace(&row.obj),
            row.ready.text(),
            row.predictor.text()
        )
        .to_lowercase()
    }
}

/// Actions shared by the list and the details.
pub fn act_on(row: &IsvcRow, action: Action, cx: &mut Cx) {
    let target = row.target();
    match action {
        Action::Yaml => cx.push(Box::new(super::yaml::YamlView::new(target, &row.obj))),
        Action::Describe => cx.push(Box::new(super::describe::DescribeView::new(
            &kinds::INFERENCE_SERVICE,
            row.obj.clone(),
        ))),
        Action::Logs => cx.push(Box::new(detail::IsvcDetail::new(row.obj.clone(), true))),
        Action::Run => cx.push(Box::new(remote_view(row, None))),
        _ => {}
    }
}

/// The test pane of a service, with a local model to compare with.
pub fn remote_view(row: &IsvcRow, local: Option<&str>) -> remote::RemoteInferView {
    let v = remote::RemoteInferView::new(
        columns::namespace(&row.obj),
        columns::name(&row.obj),
        row.predictor.is_v2(),
    )
    .with_url(columns::str_at(&row.obj, "/status/url").map(String::from));
    match local {
        Some(path) => v.with_local(path),
        None => v,
    }
}

/// The InferenceServices list.
pub struct IsvcView {
    pub table: TableState<IsvcRow>,
    seen: Option<(Scope, Option<String>, u64)>,
    dirty: bool,
    /// A local model (from `:onnx`) to bind to the service picked here.
    pub bind: Option<String>,
}

impl Default for IsvcView {
    fn default() -> Self {
        IsvcView {
            table: TableState::default(),
            seen: None,
            dirty: true,
            bind: None,
        }
    }
}

impl IsvcView {
    /// The list as a picker: enter or `t` opens the picked service's test
    /// pane with the local model `path` to compare with.
    pub fn binding(path: &str) -> IsvcView {
        IsvcView {
            bind: Some(path.to_string()),
            ..IsvcView::default()
        }
    }

    pub fn selected(&self) -> Option<&IsvcRow> {
        self.table.selected_row()
    }
}

const HINTS: &[Action] = &[
    Action::Enter,
    Action::Run,
    Action::Logs,
    Action::Yaml,
    Action::Filter,
];

impl View for IsvcView {
    fn title(&self) -> String {
        match &self.bind {
            Some(p) => format!("bind {p} to an inferenceservice"),
            None => "inferenceservices".into(),
        }
    }

    fn layers(&self) -> &'static [&'static str] {
        &["isvc", "list"]
    }

    fn hints(&self) -> &'static [Action] {
        HINTS
    }

    fn subscriptions(&self, scope: &Scope, subs: &mut Subscriptions) {
        subs.watches
            .insert(key(scope, self.table.filter.labels.clone()));
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        let model = IsvcModel::new(cx.now, cx.scope.namespace().is_none());
        if table_nav(&mut self.table, &model, action, cx.page) == Handled::Yes {
            return Handled::Yes;
        }
        if table_order(&mut self.table, model.columns().len(), action) {
            self.dirty = true;
            return Handled::Yes;
        }
        if let Some(path) = &self.bind
            && matches!(action, Action::Enter | Action::Run)
        {
            match self.selected() {
                Some(row) => {
                    let view = remote_view(row, Some(path));
                    cx.pop();
                    cx.push(Box::new(view));
                }
                None => cx.info("no InferenceService selected"),
            }
            return Handled::Yes;
        }
        match action {
            Action::Enter => {
                if let Some(row) = self.selected() {
                    cx.push(Box::new(detail::IsvcDetail::new(row.obj.clone(), false)));
                }
            }
            Action::Logs | Action::Yaml | Action::Describe | Action::Run => {
                let Some(row) = self.selected().cloned() else {
                    cx.info("no InferenceService selected");
                    return Handled::Yes;
                };
                act_on(&row, action, cx);
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_event(&mut self, _event: &ViewEvent, _cx: &mut Cx) -> Handled {
        Handled::No
    }

    fn sync(&mut self, cx: &mut Cx) {
        let key = key(cx.scope, self.table.filter.labels.clone());
        let version = cx
            .store
            .get(&key)
            .map(|s| s.version + u64::from(s.listed))
            .unwrap_or(0);
        let seen = (cx.scope.clone(), self.table.filter.labels.clone(), version);
        if !self.dirty && self.seen.as_ref() == Some(&seen) {
            return;
        }
        let model = IsvcModel::new(cx.now, cx.scope.namespace().is_none());
        self.table.rebuild(rows(cx.store, &key), &model);
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
        let k = key(&state.scope, self.table.filter.labels.clone());
        let (marker, empty) = super::resources::watch_status(&[k], "inference services", state);
        let model = IsvcModel::new(state.now, state.scope.namespace().is_none());
        let scope = if state.scope.namespace().is_none() {
            "all"
        } else {
            state.scope.label()
        };
        let frame = table::Frame {
            title: "inferenceservices",
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
