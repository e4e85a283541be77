//! `:nb`: Kubeflow notebooks. The table joins each Notebook with its pod
//! (label `notebook-name`) and the events the notebook controller re-emits on
//! it, to say why a notebook is not running. Stop/start, connect
//! (port-forward), logs, delete (keeping the workspace by default) and a new
//! notebook form hang off it.

pub mod detail;
pub mod form;
pub mod model;

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use self::model::{Phase, Status};
use super::columns;
use super::resources::{table_nav, table_order};
use super::table::{self, Cell, Column, SortKey, TableModel, TableState, Tone};
use super::{Cx, Filter, Handled, Subscriptions, View, ViewEvent};
use crate::app::action::Action;
use crate::app::effect::Effect;
use crate::app::state::{Scope, State};
use crate::app::store::Store;
use crate::kube::kinds::{self, Kind};
use crate::kube::pod::Pod;
use crate::kube::types::{AccessKey, ApiOp, ForwardSpec, ObjRef, PatchBody, WatchKey};

/// A notebook with what the table joins onto it.
#[derive(Debug, Clone)]
pub struct NbRow {
    pub nb: Arc<DynamicObject>,
    pub pod: Option<Arc<DynamicObject>>,
    pub status: Status,
    pub events: Vec<Arc<DynamicObject>>,
}

/// The watches behind the notebooks screens for a scope.
pub struct Keys {
    pub notebooks: WatchKey,
    pub pods: WatchKey,
    pub events: WatchKey,
}

impl Keys {
    pub fn for_scope(scope: &Scope, labels: Option<String>) -> Keys {
        let ns = scope.namespace();
        Keys {
            notebooks: WatchKey::in_namespace(&kinds::NOTEBOOK, ns).with_labels(labels),
            pods: WatchKey::in_namespace(&kinds::POD, ns)
                .with_labels(Some(model::POD_LABEL.into())),
            events: WatchKey::in_namespace(&kinds::EVENT, ns)
                .with_fields(Some("involvedObject.kind=Notebook".into())),
        }
    }

    pub fn all(&self) -> [&WatchKey; 3] {
        [&self.notebooks, &self.pods, &self.events]
    }

    fn version(&self, store: &Store) -> u64 {
        self.all()
            .iter()
            .map(|k| store.get(k).map(|s| s.version).unwrap_or(0))
            .sum::<u64>()
    }
}

/// Joins notebooks with pods and events.
pub fn rows(store: &Store, keys: &Keys) -> Vec<NbRow> {
    rows_cached(store, keys, &mut RowCache::default())
}

/// Rows of the last rebuild by notebook, with the objects they came from. The
/// store hands out a new `Arc` for every changed object, so a row whose
/// notebook, pod and events are the same allocations is still right: a watch
/// event recomputes one row, not all of them.
///
/// It also holds each notebook pod as a `DynamicObject` built from the
/// store's projection (with the pod it came from, so its address is not
/// reused): one per notebook, rebuilt only when the pod changes.
#[derive(Default)]
pub struct RowCache(
    HashMap<usize, (Option<usize>, Vec<usize>, NbRow)>,
    HashMap<usize, (Arc<Pod>, Arc<DynamicObject>)>,
);

fn addr(o: &Arc<DynamicObject>) -> usize {
    Arc::as_ptr(o) as usize
}

/// [`rows`], reusing what `cache` holds and refilling it.
pub fn rows_cached(store: &Store, keys: &Keys, cache: &mut RowCache) -> Vec<NbRow> {
    let Some(notebooks) = store.get(&keys.notebooks) else {
        cache.0.clear();
        cache.1.clear();
        return Vec::new();
    };
    let mut pods: HashMap<(&str, &str), Arc<DynamicObject>> = HashMap::new();
    let mut converted = HashMap::new();
    if let Some(set) = store.get(&keys.pods) {
        for p in set.pods() {
            if let Some(nb) = p.label(model::POD_LABEL) {
                let at = Arc::as_ptr(p) as usize;
                let obj = match cache.1.remove(&at) {
                    Some((_, obj)) => obj,
                    None => Arc::new(p.to_dynamic()),
                };
                converted.insert(at, (p.clone(), obj.clone()));
                pods.insert((p.namespace(), nb), obj);
            }
        }
    }
    cache.1 = converted;
    let mut events: HashMap<(&str, &str), Vec<&Arc<DynamicObject>>> = HashMap::new();
    if let Some(set) = store.get(&keys.events) {
        for e in set.iter() {
            let name = columns::str_at(e, "/involvedObject/name").unwrap_or("");
            events
                .entry((columns::namespace(e), name))
                .or_default()
                .push(e);
        }
    }
    let mut next = HashMap::with_capacity(cache.0.len());
    let out = notebooks
        .iter()
        .map(|nb| {
            let key = (columns::namespace(nb), columns::name(nb));
            let pod = pods.get(&key).cloned();
            let evs: &[&Arc<DynamicObject>] = events.get(&key).map(Vec::as_slice).unwrap_or(&[]);
            let pod_addr = pod.as_ref().map(addr);
            let ev_addrs: Vec<usize> = evs.iter().map(|e| addr(e)).collect();
            let row = match cache.0.remove(&addr(nb)) {
                Some((p, e, row)) if p == pod_addr && e == ev_addrs => row,
                _ => {
                    let mut evs: Vec<&Arc<DynamicObject>> = evs.to_vec();
                    evs.sort_by_key(|e| event_time(e));
                    // Events from before the notebook's current life do not explain it.
                    let born = columns::created(nb);
                    evs.retain(|e| born.is_none() || event_time(e) >= born);
                    NbRow {
                        status: model::status(nb, pod.as_deref(), &evs),
                        nb: nb.clone(),
                        pod,
                        events: evs.into_iter().cloned().collect(),
                    }
                }
            };
            next.insert(addr(nb), (pod_addr, ev_addrs, row.clone()));
            row
        })
        .collect();
    cache.0 = next;
    out
}

pub fn event_time(e: &DynamicObject) -> Option<Timestamp> {
    columns::time_at(e, "/lastTimestamp")
        .or_else(|| columns::time_at(e, "/eventTime"))
        .or_else(|| columns::created(e))
}

/// Table columns.
pub struct NbModel {
    pub now: Timestamp,
    cols: Vec<Column>,
    all_ns: bool,
}

const C_NAME: Column = Column::new("NAME", 8, 40);
const C_NS: Column = Column::new("NAMESPACE", 9, 20);
const C_STATUS: Column = Column::new("STATUS", 7, 13);
const C_IMAGE: Column = Column::new("IMAGE", 8, 40).optional();
const C_CPU: Column = Column::new("CPU", 3, 5).right();
const C_MEM: Column = Column::new("MEMORY", 6, 7).right();
const C_GPU: Column = Column::new("GPU", 3, 8);
const C_VOL: Column = Column::new("VOLUMES", 7, 30).optional();
const C_ACT: Column = Column::new("LAST ACTIVITY", 6, 13).right().optional();
const C_AGE: Column = Column::new("AGE", 3, 6).right();

impl NbModel {
    pub fn new(now: Timestamp, all_ns: bool) -> NbModel {
        let mut cols = vec![C_NAME];
        if all_ns {
            cols.push(C_NS);
        }
        cols.extend([C_STATUS, C_CPU, C_MEM, C_GPU, C_ACT, C_AGE, C_IMAGE, C_VOL]);
        NbModel { now, cols, all_ns }
    }

    fn column(&self, col: usize) -> &'static str {
        self.cols.get(col).map(|c| c.title).unwrap_or("")
    }
}

impl TableModel<NbRow> for NbModel {
    fn columns(&self) -> &[Column] {
        &self.cols
    }

    fn key(&self, row: &NbRow) -> String {
        columns::uid(&row.nb)
    }

    fn cell(&self, row: &NbRow, col: usize) -> Cell {
        let nb = &row.nb;
        match self.column(col) {
            "NAME" => Cell::new(columns::name(nb)),
            "NAMESPACE" => Cell::new(columns::namespace(nb)),
            "STATUS" => Cell::tone(row.status.phase.word(), row.status.phase.tone()),
            "IMAGE" => Cell::tone(columns::short_image(model::image(nb)), Tone::Dim),
            "CPU" => Cell::new(model::resource(nb, "cpu").unwrap_or_else(|| "-".into())),
            "MEMORY" => Cell::new(model::resource(nb, "memory").unwrap_or_else(|| "-".into())),
            "GPU" => match model::gpus(nb) {
                Some((n, vendor)) => Cell::tone(format!("{n} {vendor}"), Tone::Info),
                None => Cell::tone("-", Tone::Dim),
            },
            "VOLUMES" => Cell::new(
                model::volumes(nb)
                    .into_iter()
                    .filter_map(|v| v.claim)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            "LAST ACTIVITY" => Cell::tone(
                model::last_activity(nb)
                    .map(|t| format!("{} ago", columns::age(Some(t), self.now)))
                    .unwrap_or_else(|| "-".into()),
                Tone::Dim,
            ),
            "AGE" => columns::age_cell(nb, self.now),
            _ => Cell::default(),
        }
    }

    fn sort_key(&self, row: &NbRow, col: usize) -> SortKey {
        match self.column(col) {
            "AGE" => columns::age_sort(&row.nb),
            "GPU" => SortKey::Num(model::gpus(&row.nb).map(|g| g.0).unwrap_or(0)),
            "LAST ACTIVITY" => model::last_activity(&row.nb)
                .map(|t| SortKey::Num(-t.as_second()))
                .unwrap_or(SortKey::Missing),
            _ => SortKey::Text(self.cell(row, col).text),
        }
    }

    fn search_text(&self, row: &NbRow) -> String {
        let mut s = format!(
            "{} {} {} {}",
            columns::name(&row.nb),
            columns::namespace(&row.nb),
            row.status.phase.word(),
            model::image(&row.nb)
        );
        if self.all_ns {
            s.push(' ');
        }
        s.to_lowercase()
    }
}

/// What a delete confirmation was for.
struct PendingDelete {
    dialog: u64,
    target: ObjRef,
    workspace: Option<String>,
}

/// The notebooks list.
pub struct NotebooksView {
    pub table: TableState<NbRow>,
    seen: Option<(Scope, Option<String>, u64)>,
    dirty: bool,
    pending_delete: Option<PendingDelete>,
    cache: RowCache,
}

impl Default for NotebooksView {
    fn default() -> Self {
        NotebooksView {
            table: TableState::default(),
            seen: None,
            dirty: true,
            pending_delete: None,
            cache: RowCache::default(),
        }
    }
}

/// Access questions for notebook actions in a namespace.
pub fn access_keys(scope: &Scope) -> Vec<AccessKey> {
    ["create", "patch", "delete"]
        .into_iter()
        .map(|verb| AccessKey {
            verb,
            kind: &kinds::NOTEBOOK,
            namespace: scope.namespace().map(str::to_string),
        })
        .collect()
}

/// The patch that stops (with the current time) or starts a notebook.
pub fn stop_start_patch(stop: bool, now: Timestamp) -> serde_json::Value {
    let value = if stop {
        serde_json::Value::String(now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
    } else {
        serde_json::Value::Null
    };
    serde_json::json!({"metadata": {"annotations": {model::STOPPED: value}}})
}

/// Shared notebook actions, used by the list and the details screen.
pub fn act_on(row: &NbRow, action: Action, cx: &mut Cx) -> Option<(u64, ObjRef, Option<String>)> {
    let nb = &row.nb;
    let target = ObjRef::of(&kinds::NOTEBOOK, nb);
    let ns = target.namespace.clone();
    let refuse = |cx: &mut Cx, verb: &'static str, what: &str| -> bool {
        match cx.denied(verb, &kinds::NOTEBOOK, ns.as_deref()) {
            Some(reason) => {
                cx.error(format!("cannot {what}: {reason}"));
                true
            }
            None => false,
        }
    };
    match action {
        Action::StopStart => {
            let stop = !model::is_stopped(nb);
            if refuse(cx, "patch", if stop { "stop" } else { "start" }) {
                return None;
            }
            cx.api(ApiOp::Patch {
                target: target.clone(),
                patch: PatchBody::Merge(stop_start_patch(stop, cx.now)),
                dry_run: false,
            });
            cx.info(format!(
                "{} {}…",
                if stop { "stopping" } else { "starting" },
                target.name
            ));
        }
        Action::Connect => {
            let pod = match (&row.pod, row.status.phase) {
                (Some(p), Phase::Running) => p,
                (None, Phase::Running) => {
                    cx.error(format!(
                        "the pod of {} is not listed yet; try again in a moment",
                        target.name
                    ));
                    return None;
                }
                _ => {
                    cx.error(format!(
                        "{} is {}: only a running notebook can be connected",
                        target.name,
                        row.status.phase.word().to_lowercase()
                    ));
                    return None;
                }
            };
            // Port-forwarding changes nothing, so read-only mode allows it.
            let ns = ns.clone().unwrap_or_default();
            let id = cx.id();
            let spec = ForwardSpec {
                id,
                namespace: ns.clone(),
                pod: columns::name(pod).to_string(),
                pod_port: model::port(nb),
                path: format!("/notebook/{ns}/{}/", target.name),
                label: format!("notebook {ns}/{}", target.name),
            };
            cx.out.effects.push(Effect::StartForward(spec));
            cx.info(format!(
                "opening a port-forward to {}… (:forwards lists it)",
                target.name
            ));
        }
        Action::Logs => match &row.pod {
            Some(pod) => {
                let names = super::logs::container_names(pod);
                cx.push(Box::new(super::logs::LogsView::new(
                    columns::namespace(pod),
                    columns::name(pod),
                    names,
                    Some(&target.name),
                    cx.config,
                )))
            }
            None => cx.error(format!(
                "{} has no pod ({})",
                target.name,
                row.status.phase.word().to_lowercase()
            )),
        },
        Action::Delete => {
            if refuse(cx, "delete", "delete") {
                return None;
            }
            let workspace = model::workspace_claim(nb);
            let options = workspace
                .iter()
                .map(|w| (format!("Keep the workspace volume {w}"), true))
                .collect();
            let id = cx.confirm(
                "Delete notebook",
                format!(
                    "Delete notebook {}? Its server stops and its pod is removed.",
                    target
                ),
                "Delete",
                options,
            );
            return Some((id, target, workspace));
        }
        Action::Yaml => cx.push(Box::new(super::yaml::YamlView::new(target, nb))),
        Action::Describe => cx.push(Box::new(super::describe::DescribeView::new(
            &kinds::NOTEBOOK,
            nb.clone(),
        ))),
        _ => {}
    }
    None
}

/// Sends the deletes a confirmed dialog asked for.
fn confirmed_delete(p: PendingDelete, options: &[bool], cx: &mut Cx) {
    cx.api(ApiOp::Delete {
        target: p.target.clone(),
        dry_run: false,
    });
    let keep = options.first().copied().unwrap_or(true);
    if let (Some(claim), false) = (p.workspace, keep) {
        cx.api(ApiOp::Delete {
            target: ObjRef {
                kind: &kinds::PVC,
                namespace: p.target.namespace.clone(),
                name: claim,
            },
            dry_run: false,
        });
    }
    cx.info(format!("deleting {}…", p.target));
}

/// Handles a confirmation addressed to a pending delete.
fn on_confirm(pending: &mut Option<PendingDelete>, event: &ViewEvent, cx: &mut Cx) -> Handled {
    match event {
        ViewEvent::Confirmed { id, options }
            if pending.as_ref().is_some_and(|p| p.dialog == *id) =>
        {
            if let Some(p) = pending.take() {
                confirmed_delete(p, options, cx);
            }
            Handled::Yes
        }
        _ => Handled::No,
    }
}

impl NotebooksView {
    pub fn selected(&self) -> Option<&NbRow> {
        self.table.selected_row()
    }
}

const HINTS: &[Action] = &[
    Action::New,
    Action::StopStart,
    Action::Connect,
    Action::Logs,
    Action::Delete,
    Action::Filter,
];

/// Kinds whose access the notebooks screens check.
pub const KIND: &Kind = &kinds::NOTEBOOK;

impl View for NotebooksView {
    fn title(&self) -> String {
        "notebooks".into()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["notebooks", "list"]
    }

    fn hints(&self) -> &'static [Action] {
        HINTS
    }

    fn subscriptions(&self, scope: &Scope, subs: &mut Subscriptions) {
        let keys = Keys::for_scope(scope, self.table.filter.labels.clone());
        subs.watches.extend(keys.all().into_iter().cloned());
        subs.access.extend(access_keys(scope));
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        let model = NbModel::new(cx.now, cx.scope.namespace().is_none());
        if table_nav(&mut self.table, &model, action, cx.page) == Handled::Yes {
            return Handled::Yes;
        }
        if table_order(&mut self.table, model.columns().len(), action) {
            self.dirty = true;
            return Handled::Yes;
        }
        match action {
            Action::New => {
                let ns = cx.scope.namespace().map(str::to_string);
                if let Some(reason) = cx.denied("create", &kinds::NOTEBOOK, ns.as_deref()) {
                    cx.error(format!("cannot create notebooks: {reason}"));
                    return Handled::Yes;
                }
                let fallback = cx
                    .cluster
                    .map(|c| c.namespace.clone())
                    .unwrap_or_else(|| "default".into());
                let form = form::NotebookForm::new(ns.unwrap_or(fallback), cx);
                cx.push(Box::new(form));
            }
            Action::Forwards => cx.push(Box::<super::contexts::ForwardsView>::default()),
            Action::Enter => {
                if let Some(row) = self.selected() {
                    cx.push(Box::new(detail::NotebookDetail::new(row.nb.clone())));
                }
            }
            Action::StopStart
            | Action::Connect
            | Action::Logs
            | Action::Delete
            | Action::Yaml
            | Action::Describe => {
                let Some(row) = self.selected().cloned() else {
                    cx.info("no notebook selected");
                    return Handled::Yes;
                };
                if let Some((dialog, target, workspace)) = act_on(&row, action, cx) {
                    self.pending_delete = Some(PendingDelete {
                        dialog,
                        target,
                        workspace,
                    });
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
        let keys = Keys::for_scope(cx.scope, self.table.filter.labels.clone());
        let version = keys.version(cx.store);
        let seen = (cx.scope.clone(), self.table.filter.labels.clone(), version);
        if !self.dirty && self.seen.as_ref() == Some(&seen) {
            return;
        }
        let model = NbModel::new(cx.now, cx.scope.namespace().is_none());
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
        let keys = Keys::for_scope(&state.scope, self.table.filter.labels.clone());
        let (marker, empty) = super::resources::watch_status(
            &[keys.notebooks.clone(), keys.pods.clone()],
            "notebooks",
            state,
        );
        let model = NbModel::new(state.now, state.scope.namespace().is_none());
        // The selected notebook's problem, in full, under the table.
        let reason = self
            .selected()
            .and_then(|r| r.status.reason.as_ref().map(|reason| (r, reason)))
            .filter(|(r, _)| r.status.phase != Phase::Running);
        // One line, or two when the reason is long.
        let reason_rows = reason
            .map(|(r, text)| {
                let len = r.status.phase.word().len() + columns::name(&r.nb).len() + text.len() + 4;
                if len > area.width as usize { 2 } else { 1 }
            })
            .unwrap_or(0);
        let (table_area, reason_area) = if reason_rows > 0 && area.height > 6 + reason_rows {
            (
                Rect {
                    height: area.height - reason_rows,
                    ..area
                },
                Some(Rect {
                    y: area.y + area.height - reason_rows,
                    height: reason_rows,
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
            title: "notebooks",
            scope: Some(scope),
            marker,
            empty: &empty,
            focused: state.prompt.is_none() && state.confirm.is_none(),
        };
        table::render(&self.table, &model, &frame, &state.theme, table_area, buf);
        if let (Some((row, reason)), Some(r)) = (reason, reason_area) {
            let t = &state.theme;
            let line = Line::from(vec![
                Span::styled(
                    format!(" {} ", row.status.phase.word()),
                    row.status.phase.tone().style(t),
                ),
                Span::styled(format!("{}: ", columns::name(&row.nb)), t.header_value),
                Span::styled(reason.replace('\n', " "), t.warn),
            ]);
            Paragraph::new(line)
                .wrap(ratatui::widgets::Wrap { trim: true })
                .render(r, buf);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
