//! The list screen for any resource kind: a `ListSpec` (kinds, columns as
//! data) plus the shared table gives `:pods`, `:runs`, `:jobs` and the rest.
//! Screens with more to do (notebooks) wrap the same parts.

use std::any::Any;
use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::columns;
use super::table::{self, Cell, Column, SortKey, TableModel, TableState, Tone};
use super::{Cx, Filter, Handled, Subscriptions, View};
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::app::store::Store;
use crate::kube::errors::FailureKind;
use crate::kube::kinds::{self, Kind};
use crate::kube::pod::Pod;
use crate::kube::types::{ApiOp, ObjRef, SyncStatus, WatchKey};

/// What a cell function may look at besides its row.
pub struct RowCx {
    pub now: Timestamp,
}

/// One column: its header and how to fill and sort it.
pub struct ColumnDef {
    pub col: Column,
    pub cell: fn(&Row, &RowCx) -> Cell,
    /// Sort by text of the cell when `None`.
    pub sort: Option<fn(&Row) -> SortKey>,
    /// Only shown in all-namespaces mode.
    pub all_ns_only: bool,
}

impl ColumnDef {
    /// A column shown in every mode, sorted by its text.
    pub const fn new(col: Column, cell: fn(&Row, &RowCx) -> Cell) -> ColumnDef {
        ColumnDef {
            col,
            cell,
            sort: None,
            all_ns_only: false,
        }
    }

    /// Sorts by `sort` instead of the cell text.
    pub const fn sorted(mut self, sort: fn(&Row) -> SortKey) -> ColumnDef {
        self.sort = Some(sort);
        self
    }
}

/// A row: an object and the kind it came from (lists may merge kinds).
/// A pod row holds the pod's projection in `pod`, and `obj` is an empty
/// placeholder: read a row through its accessors (`name`, `namespace`,
/// `created`, `key`, `target`, `dynamic`) unless its kind is known.
#[derive(Debug, Clone)]
pub struct Row {
    pub kind: &'static Kind,
    pub obj: Arc<DynamicObject>,
    pub pod: Option<Arc<Pod>>,
}

static NO_OBJECT: std::sync::LazyLock<Arc<DynamicObject>> = std::sync::LazyLock::new(|| {
    Arc::new(DynamicObject {
        types: None,
        metadata: Default::default(),
        data: serde_json::Value::Null,
    })
});

impl Row {
    pub fn new(kind: &'static Kind, obj: Arc<DynamicObject>) -> Row {
        Row {
            kind,
            obj,
            pod: None,
        }
    }

    pub fn of_pod(kind: &'static Kind, pod: Arc<Pod>) -> Row {
        Row {
            kind,
            obj: NO_OBJECT.clone(),
            pod: Some(pod),
        }
    }

    pub fn name(&self) -> &str {
        match &self.pod {
            Some(p) => p.name(),
            None => columns::name(&self.obj),
        }
    }

    pub fn namespace(&self) -> &str {
        match &self.pod {
            Some(p) => p.namespace(),
            None => columns::namespace(&self.obj),
        }
    }

    pub fn created(&self) -> Option<Timestamp> {
        match &self.pod {
            Some(p) => p.created(),
            None => columns::created(&self.obj),
        }
    }

    /// The store's key of the object (its uid).
    pub fn key(&self) -> String {
        match &self.pod {
            Some(p) => p.key_string(),
            None => columns::uid(&self.obj),
        }
    }

    pub fn target(&self) -> ObjRef {
        match &self.pod {
            Some(p) => ObjRef {
                kind: self.kind,
                namespace: p.namespace.as_ref().map(|n| n.to_string()),
                name: p.name().to_string(),
            },
            None => ObjRef::of(self.kind, &self.obj),
        }
    }

    /// The object as a `DynamicObject` (a pod's built from its projection),
    /// for the one row a YAML, describe or logs screen opens on.
    pub fn dynamic(&self) -> Arc<DynamicObject> {
        match &self.pod {
            Some(p) => Arc::new(p.to_dynamic()),
            None => self.obj.clone(),
        }
    }
}

/// Describes a list screen.
pub struct ListSpec {
    pub title: &'static str,
    pub kinds: &'static [&'static Kind],
    pub columns: &'static [ColumnDef],
    /// Initial sort column and direction.
    pub sort: (usize, bool),
    /// Keep only rows passing this (e.g. nodes that have GPUs).
    pub keep: Option<fn(&Row) -> bool>,
    /// Label selector that finds an object's pods, for `l`.
    pub pods_of: Option<fn(&Row) -> Option<String>>,
}

/// The table model for a spec at one moment.
pub struct SpecModel<'a> {
    pub spec: &'a ListSpec,
    pub cols: Vec<Column>,
    defs: Vec<&'a ColumnDef>,
    cx: RowCx,
}

impl<'a> SpecModel<'a> {
    pub fn new(spec: &'a ListSpec, all_ns: bool, now: Timestamp) -> SpecModel<'a> {
        let defs: Vec<&ColumnDef> = spec
            .columns
            .iter()
            .filter(|d| all_ns || !d.all_ns_only)
            .collect();
        SpecModel {
            spec,
            cols: defs.iter().map(|d| d.col).collect(),
            defs,
            cx: RowCx { now },
        }
    }
}

impl TableModel<Row> for SpecModel<'_> {
    fn columns(&self) -> &[Column] {
        &self.cols
    }

    fn key(&self, row: &Row) -> String {
        row.key()
    }

    fn cell(&self, row: &Row, col: usize) -> Cell {
        self.defs
            .get(col)
            .map(|d| (d.cell)(row, &self.cx))
            .unwrap_or_default()
    }

    fn sort_key(&self, row: &Row, col: usize) -> SortKey {
        match self.defs.get(col) {
            Some(ColumnDef { sort: Some(f), .. }) => f(row),
            Some(d) => SortKey::Text((d.cell)(row, &self.cx).text),
            None => SortKey::Missing,
        }
    }

    fn search_text(&self, row: &Row) -> String {
        let mut text = format!("{} {}", row.name(), row.namespace());
        if self.spec.kinds.len() > 1 {
            text.push(' ');
            text.push_str(row.kind.kind);
        }
        text.to_lowercase()
    }
}

/// The list's rows and how current they are, rebuilt from the store.
pub struct ListData {
    pub table: TableState<Row>,
    /// Versions of the sets the rows were built from.
    seen: Vec<(WatchKey, u64)>,
    dirty: bool,
}

impl ListData {
    pub fn new(sort: (usize, bool)) -> ListData {
        ListData {
            table: TableState {
                sort,
                ..TableState::default()
            },
            seen: Vec::new(),
            dirty: true,
        }
    }

    pub fn keys(spec: &ListSpec, scope: &Scope, filter: &Filter) -> Vec<WatchKey> {
        spec.kinds
            .iter()
            .map(|k| {
                WatchKey::in_namespace(k, scope.namespace()).with_labels(filter.labels.clone())
            })
            .collect()
    }

    /// Rebuilds rows when a watched set changed, or the filter or sort did.
    pub fn sync(&mut self, spec: &ListSpec, store: &Store, scope: &Scope, now: Timestamp) {
        let keys = ListData::keys(spec, scope, &self.table.filter);
        let versions: Vec<(WatchKey, u64)> = keys
            .iter()
            .map(|k| (k.clone(), store.get(k).map(|s| s.version).unwrap_or(0)))
            .collect();
        if !self.dirty && versions == self.seen {
            return;
        }
        let mut rows = Vec::new();
        for (key, kind) in keys.iter().zip(spec.kinds) {
            if let Some(set) = store.get(key) {
                rows.extend(set.objects.values().map(|o| Row::new(kind, o.clone())));
                rows.extend(set.pods().map(|p| Row::of_pod(kind, p.clone())));
            }
        }
        if let Some(keep) = spec.keep {
            rows.retain(keep);
        }
        let model = SpecModel::new(spec, scope.namespace().is_none(), now);
        self.table.rebuild(rows, &model);
        self.seen = versions;
        self.dirty = false;
    }

    pub fn invalidate(&mut self) {
        self.dirty = true;
    }
}

/// The frame marker ("loading 1,500/5,019", "stale 12s, reconnecting",
/// "forbidden") and the text for an empty table, from the state of the
/// watches behind a list, in the words of their failure.
pub fn watch_status(
    keys: &[WatchKey],
    title: &str,
    state: &State,
) -> (Option<(String, Tone)>, String) {
    let now = state.now;
    let mut marker: Option<(String, Tone)> = None;
    let mut empty = format!("No {title} in {}", state.scope.label());
    // The worst news wins the marker: failures, then loading, then syncing.
    let mut rank = 0;
    let mut set_marker = |r: u8, m: (String, Tone), e: Option<String>, empty: &mut String| {
        if r > rank {
            rank = r;
            marker = Some(m);
        }
        if let Some(e) = e {
            *empty = e;
        }
    };
    for key in keys {
        let Some(set) = state.store.get(key) else {
            set_marker(
                2,
                ("connecting…".into(), Tone::Info),
                Some("Loading…".into()),
                &mut empty,
            );
            continue;
        };
        let stale = || {
            let since = set
                .stale_since
                .map(|t| columns::age(Some(t), now))
                .unwrap_or_else(|| "0s".into());
            format!("stale {since}, reconnecting")
        };
        match &set.status {
            SyncStatus::Retrying { error, kind, .. } => {
                let what = match kind {
                    FailureKind::Forbidden => "forbidden".to_string(),
                    FailureKind::NotFound => "not served".to_string(),
                    _ if set.listed => stale(),
                    // Never listed: the failure itself is the news.
                    _ => error.clone(),
                };
                let e = (!set.listed || set.is_empty()).then(|| match kind {
                    FailureKind::Forbidden => format!("You may not list {key}. {error}"),
                    FailureKind::NotFound => {
                        format!("The cluster does not serve {key}. {error}")
                    }
                    _ => format!("{key}: {error}"),
                });
                set_marker(5, (what, Tone::Error), e, &mut empty);
            }
            _ if set.listed && state.trouble.is_some() => {
                set_marker(4, (stale(), Tone::Error), None, &mut empty);
            }
            SyncStatus::Connecting | SyncStatus::Resyncing | SyncStatus::Live => {
                if let Some(p) = set.progress() {
                    set_marker(
                        3,
                        (format!("loading {p}"), Tone::Info),
                        Some("Loading…".into()),
                        &mut empty,
                    );
                } else if set.status == SyncStatus::Resyncing {
                    set_marker(1, ("resyncing".into(), Tone::Info), None, &mut empty);
                } else if !set.listed {
                    set_marker(
                        2,
                        ("connecting…".into(), Tone::Info),
                        Some("Loading…".into()),
                        &mut empty,
                    );
                }
            }
        }
    }
    (marker, empty)
}

/// A list screen for one `ListSpec`.
pub struct ResourceList {
    pub spec: &'static ListSpec,
    pub data: ListData,
    /// The scope rows were last built for.
    scope: Option<Scope>,
    /// Pending delete confirmation: dialog id and target.
    pending_delete: Option<(u64, ObjRef)>,
}

impl ResourceList {
    pub fn new(spec: &'static ListSpec) -> ResourceList {
        ResourceList {
            spec,
            data: ListData::new(spec.sort),
            scope: None,
            pending_delete: None,
        }
    }

    pub fn selected(&self) -> Option<&Row> {
        self.data.table.selected_row()
    }
}

/// Navigation shared by every table screen. Returns `No` for other actions.
pub fn table_nav<T>(
    table: &mut TableState<T>,
    model: &dyn TableModel<T>,
    action: Action,
    page: usize,
) -> Handled {
    let page_rows = page.saturating_sub(1).max(1);
    match action {
        Action::Up => table.move_by(-1, page, model),
        Action::Down => table.move_by(1, page, model),
        Action::PageUp => table.move_by(-(page_rows as isize), page, model),
        Action::PageDown => table.move_by(page_rows as isize, page, model),
        Action::Top => table.select(0, page, model),
        Action::Bottom => table.select(usize::MAX, page, model),
        _ => return Handled::No,
    }
    Handled::Yes
}

/// `>`/`<` (next sort column, reverse) and `esc` clearing a filter, as
/// every table screen has them. True when the order or the filter changed,
/// so the rows need building again.
pub fn table_order<T>(table: &mut TableState<T>, columns: usize, action: Action) -> bool {
    match action {
        Action::SortNext => table.sort = ((table.sort.0 + 1) % columns.max(1), false),
        Action::SortReverse => table.sort.1 = !table.sort.1,
        Action::Back if !table.filter.is_empty() => table.filter = Filter::default(),
        _ => return false,
    }
    true
}

/// `y`, `d`, `l`, `ctrl-d` on a row of any list.
pub fn object_action(
    row: &Row,
    pods_of: Option<fn(&Row) -> Option<String>>,
    action: Action,
    cx: &mut Cx,
) -> Option<(u64, ObjRef)> {
    let target = row.target();
    match action {
        Action::Yaml => cx.push(Box::new(super::yaml::YamlView::new(target, &row.dynamic()))),
        Action::Describe | Action::Enter => cx.push(Box::new(super::describe::DescribeView::new(
            row.kind,
            row.dynamic(),
        ))),
        Action::Logs => {
            if let Some(pod) = &row.pod {
                cx.push(Box::new(super::logs::LogsView::for_pod_of(pod, cx.config)));
            } else if std::ptr::eq(row.kind, &kinds::POD) {
                cx.push(Box::new(super::logs::LogsView::for_pod(
                    &row.obj, cx.config,
                )));
            } else if let Some(selector) = pods_of.and_then(|f| f(row)) {
                let mut pods = ResourceList::new(&registry_specs::PODS);
                pods.data.table.filter = Filter {
                    text: format!("-l {selector}"),
                    labels: Some(selector),
                    ..Filter::default()
                };
                cx.push(Box::new(pods));
            } else {
                cx.info(format!("{} has no logs of its own", row.kind.kind));
            }
        }
        Action::Delete => {
            if let Some(reason) = cx.denied("delete", row.kind, target.namespace.as_deref()) {
                cx.error(format!("cannot delete: {reason}"));
                return None;
            }
            let id = cx.confirm(
                format!("Delete {}", row.kind.kind),
                format!("Delete {target}? This cannot be undone."),
                "Delete",
                Vec::new(),
            );
            return Some((id, target));
        }
        _ => {}
    }
    None
}

/// Specs used from here (pods, for `l` on objects that own pods).
pub mod registry_specs {
    pub use crate::views::registry::PODS;
}

impl View for ResourceList {
    fn title(&self) -> String {
        self.spec.title.to_string()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["list"]
    }

    fn hints(&self) -> &'static [Action] {
        &[
            Action::Filter,
            Action::Describe,
            Action::Yaml,
            Action::Logs,
            Action::Delete,
            Action::Help,
        ]
    }

    fn subscriptions(&self, scope: &Scope, subs: &mut Subscriptions) {
        subs.watches
            .extend(ListData::keys(self.spec, scope, &self.data.table.filter));
        for kind in self.spec.kinds {
            subs.access.insert(crate::kube::types::AccessKey {
                verb: "delete",
                kind,
                namespace: scope.namespace().map(str::to_string),
            });
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        let model = SpecModel::new(self.spec, cx.scope.namespace().is_none(), cx.now);
        if table_nav(&mut self.data.table, &model, action, cx.page) == Handled::Yes {
            return Handled::Yes;
        }
        if table_order(&mut self.data.table, model.columns().len(), action) {
            self.data.invalidate();
            return Handled::Yes;
        }
        match action {
            Action::Yaml | Action::Describe | Action::Enter | Action::Logs | Action::Delete => {
                let Some(row) = self.selected().cloned() else {
                    return Handled::Yes;
                };
                if let Some(pending) = object_action(&row, self.spec.pods_of, action, cx) {
                    self.pending_delete = Some(pending);
                }
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_event(&mut self, event: &super::ViewEvent, cx: &mut Cx) -> Handled {
        if let super::ViewEvent::Confirmed { id, .. } = event
            && let Some((pending, target)) = self.pending_delete.take()
        {
            if pending == *id {
                cx.api(ApiOp::Delete {
                    target,
                    dry_run: false,
                });
                return Handled::Yes;
            }
            self.pending_delete = Some((pending, target));
        }
        Handled::No
    }

    fn sync(&mut self, cx: &mut Cx) {
        if self.scope.as_ref() != Some(cx.scope) {
            self.scope = Some(cx.scope.clone());
            self.data.invalidate();
        }
        self.data.sync(self.spec, cx.store, cx.scope, cx.now);
        let page = cx.page;
        self.data.table.scroll_into_view(page);
    }

    fn filter(&self) -> Option<&Filter> {
        Some(&self.data.table.filter)
    }

    fn set_filter(&mut self, filter: Filter, _cx: &mut Cx) -> bool {
        self.data.table.filter = filter;
        self.data.invalidate();
        true
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        render_list(self.spec, &self.data, state, area, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Draws a spec's table with its scope, marker and empty text.
pub fn render_list(spec: &ListSpec, data: &ListData, state: &State, area: Rect, buf: &mut Buffer) {
    let all_ns = state.scope.namespace().is_none();
    let model = SpecModel::new(spec, all_ns, state.now);
    let keys = ListData::keys(spec, &state.scope, &data.table.filter);
    let (marker, empty) = watch_status(&keys, spec.title, state);
    let scope = if spec.kinds.iter().any(|k| k.namespaced) {
        Some(if all_ns { "all" } else { state.scope.label() })
    } else {
        None
    };
    let frame = table::Frame {
        title: spec.title,
        scope,
        marker,
        empty: &empty,
        focused: state.prompt.is_none() && state.confirm.is_none(),
    };
    table::render(&data.table, &model, &frame, &state.theme, area, buf);
}

// ----- Column helpers shared by the specs -----

pub const fn name_col() -> ColumnDef {
    ColumnDef {
        col: Column::new("NAME", 8, 48),
        cell: |r, _| Cell::new(r.name()),
        sort: None,
        all_ns_only: false,
    }
}

pub const fn namespace_col() -> ColumnDef {
    ColumnDef {
        col: Column::new("NAMESPACE", 9, 24),
        cell: |r, _| Cell::new(r.namespace()),
        sort: None,
        all_ns_only: true,
    }
}

pub const fn age_col() -> ColumnDef {
    ColumnDef {
        col: Column::new("AGE", 3, 7).right(),
        cell: |r, cx| Cell::tone(columns::age(r.created(), cx.now), Tone::Dim),
        sort: Some(|r| match r.created() {
            Some(t) => SortKey::Num(-t.as_second()),
            None => SortKey::Missing,
        }),
        all_ns_only: false,
    }
}
