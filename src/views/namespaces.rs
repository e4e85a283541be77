//! `:ns`: the namespaces the user can reach, with their Kubeflow profile:
//! owner, contributors (from the profile's RoleBindings), GPU quota used/hard,
//! notebook and pod counts. A profile user who may not list namespaces still
//! gets a picker: profiles they can read, the kubeconfig namespace and names
//! they typed, with a line saying why the list is short. Enter sets the scope.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use serde_json::Value;

use super::resources::{table_nav, table_order};
use super::table::{self, Cell, Column, SortKey, TableModel, TableState, Tone};
use super::{Cx, Filter, Handled, Subscriptions, View, columns};
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::app::store::Store;
use crate::kube::kinds::{self, Kind};
use crate::kube::types::{SyncStatus, WatchKey};

/// Where a row's namespace name came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Listed,
    Profile,
    Kubeconfig,
    Typed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NsRow {
    pub name: String,
    pub source: Source,
    pub phase: Option<String>,
    pub owner: Option<String>,
    pub contributors: Vec<(String, String)>,
    /// (used, hard) of `requests.nvidia.com/gpu`.
    pub gpu_quota: Option<(String, String)>,
    /// `None` when the count could not be read.
    pub notebooks: Option<usize>,
    pub pods: Option<usize>,
    pub created: Option<Timestamp>,
}

/// Kinds counted or read per namespace.
const PER_NS: [&Kind; 4] = [
    &kinds::ROLE_BINDING,
    &kinds::RESOURCE_QUOTA,
    &kinds::NOTEBOOK,
    &kinds::POD,
];

fn cluster_key(kind: &'static Kind) -> WatchKey {
    let key = WatchKey::all(kind);
    if std::ptr::eq(kind, &kinds::POD) || std::ptr::eq(kind, &kinds::NOTEBOOK) {
        key.metadata_only()
    } else {
        key
    }
}

fn ns_key(kind: &'static Kind, ns: &str) -> WatchKey {
    let key = WatchKey::in_namespace(kind, Some(ns));
    if std::ptr::eq(kind, &kinds::POD) || std::ptr::eq(kind, &kinds::NOTEBOOK) {
        key.metadata_only()
    } else {
        key
    }
}

fn forbidden(store: &Store, key: &WatchKey) -> Option<String> {
    match store.get(key).map(|s| &s.status) {
        Some(SyncStatus::Retrying {
            kind: crate::kube::errors::FailureKind::Forbidden,
            error,
            ..
        }) => Some(error.clone()),
        _ => None,
    }
}

/// How many pods `ns` has, from the cluster-wide watch or the per-namespace one.
fn pods_in(store: &Store, ns: &str) -> Option<usize> {
    if let Some(set) = store.get(&cluster_key(&kinds::POD)).filter(|s| s.listed) {
        return Some(set.pods().filter(|p| p.namespace() == ns).count());
    }
    let set = store.get(&ns_key(&kinds::POD, ns)).filter(|s| s.listed)?;
    Some(set.len())
}

/// Objects of `kind` in `ns`, from the cluster-wide watch or the per-namespace one.
fn objects_in<'a>(
    store: &'a Store,
    kind: &'static Kind,
    ns: &str,
) -> Option<Vec<&'a Arc<DynamicObject>>> {
    if let Some(set) = store.get(&cluster_key(kind)).filter(|s| s.listed) {
        return Some(set.iter().filter(|o| columns::namespace(o) == ns).collect());
    }
    let set = store.get(&ns_key(kind, ns)).filter(|s| s.listed)?;
    Some(set.iter().collect())
}

/// Builds the rows from whatever could be listed, plus known names.
pub fn rows(store: &Store, known: &[(String, Source)]) -> Vec<NsRow> {
    let mut names: BTreeMap<String, NsRow> = BTreeMap::new();
    let blank = |name: &str, source| NsRow {
        name: name.to_string(),
        source,
        phase: None,
        owner: None,
        contributors: Vec::new(),
        gpu_quota: None,
        notebooks: None,
        pods: None,
        created: None,
    };
    if let Some(set) = store.get(&WatchKey::all(&kinds::NAMESPACE)) {
        for ns in set.iter() {
            let name = columns::name(ns);
            let row = names
                .entry(name.to_string())
                .or_insert_with(|| blank(name, Source::Listed));
            row.phase = columns::str_at(ns, "/status/phase").map(str::to_string);
            row.created = columns::created(ns);
        }
    }
    if let Some(set) = store.get(&WatchKey::all(&kinds::PROFILE)) {
        for p in set.iter() {
            let name = columns::name(p);
            let row = names
                .entry(name.to_string())
                .or_insert_with(|| blank(name, Source::Profile));
            row.owner = columns::str_at(p, "/spec/owner/name").map(str::to_string);
            row.created = row.created.or(columns::created(p));
        }
    }
    for (name, source) in known {
        names
            .entry(name.clone())
            .or_insert_with(|| blank(name, *source));
    }
    for row in names.values_mut() {
        if let Some(bindings) = objects_in(store, &kinds::ROLE_BINDING, &row.name) {
            row.contributors = bindings
                .iter()
                .filter_map(|b| {
                    let user = columns::annotation(b, "user")?;
                    let role = columns::annotation(b, "role").unwrap_or("?");
                    (Some(user) != row.owner.as_deref())
                        .then(|| (user.to_string(), role.to_string()))
                })
                .collect();
            row.contributors.sort();
        }
        if let Some(quotas) = objects_in(store, &kinds::RESOURCE_QUOTA, &row.name) {
            row.gpu_quota = quotas.iter().find_map(|q| {
                let hard = q
                    .data
                    .pointer("/status/hard/requests.nvidia.com~1gpu")
                    .or_else(|| q.data.pointer("/spec/hard/requests.nvidia.com~1gpu"))?;
                let used = q.data.pointer("/status/used/requests.nvidia.com~1gpu");
                let text = |v: Option<&Value>| {
                    v.and_then(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .or_else(|| Some(v.to_string()))
                    })
                    .unwrap_or_else(|| "0".into())
                };
                Some((text(used), text(Some(hard))))
            });
        }
        row.notebooks = objects_in(store, &kinds::NOTEBOOK, &row.name).map(|v| v.len());
        row.pods = pods_in(store, &row.name);
    }
    names.into_values().collect()
}

struct NsModel {
    now: Timestamp,
}

const COLS: [Column; 8] = [
    Column::new("NAME", 8, 32),
    Column::new("STATUS", 6, 10),
    Column::new("OWNER", 5, 28).optional(),
    Column::new("CONTRIBUTORS", 6, 40).optional(),
    Column::new("GPU QUOTA", 5, 9).right(),
    Column::new("NOTEBOOKS", 3, 9).right(),
    Column::new("PODS", 3, 6).right(),
    Column::new("AGE", 3, 6).right(),
];

fn count(n: Option<usize>) -> Cell {
    match n {
        Some(n) => Cell::new(n.to_string()),
        None => Cell::tone("?", Tone::Dim),
    }
}

impl TableModel<NsRow> for NsModel {
    fn columns(&self) -> &[Column] {
        &COLS
    }

    fn key(&self, row: &NsRow) -> String {
        row.name.clone()
    }

    fn cell(&self, row: &NsRow, col: usize) -> Cell {
        match col {
            0 => Cell::new(row.name.clone()),
            1 => match (&row.phase, row.source) {
                (Some(p), _) => Cell::tone(p.clone(), columns::phase_tone(p)),
                (None, Source::Profile) => Cell::tone("Profile", Tone::Info),
                (None, Source::Kubeconfig) => Cell::tone("kubeconfig", Tone::Dim),
                (None, _) => Cell::tone("typed", Tone::Dim),
            },
            2 => Cell::new(row.owner.clone().unwrap_or_else(|| "-".into())),
            3 => {
                let text = row
                    .contributors
                    .iter()
                    .map(|(u, r)| format!("{}({r})", u.split('@').next().unwrap_or(u)))
                    .collect::<Vec<_>>()
                    .join(" ");
                Cell::new(if text.is_empty() { "-".into() } else { text })
            }
            4 => match &row.gpu_quota {
                Some((used, hard)) => {
                    let full = used == hard;
                    Cell::tone(
                        format!("{used}/{hard}"),
                        if full { Tone::Warn } else { Tone::Normal },
                    )
                }
                None => Cell::tone("-", Tone::Dim),
            },
            5 => count(row.notebooks),
            6 => count(row.pods),
            _ => Cell::tone(columns::age(row.created, self.now), Tone::Dim),
        }
    }

    fn sort_key(&self, row: &NsRow, col: usize) -> SortKey {
        match col {
            5 => SortKey::Num(row.notebooks.map(|n| n as i64).unwrap_or(-1)),
            6 => SortKey::Num(row.pods.map(|n| n as i64).unwrap_or(-1)),
            7 => row
                .created
                .map(|t| SortKey::Num(-t.as_second()))
                .unwrap_or(SortKey::Missing),
            _ => SortKey::Text(self.cell(row, col).text),
        }
    }

    fn search_text(&self, row: &NsRow) -> String {
        format!("{} {}", row.name, row.owner.as_deref().unwrap_or("")).to_lowercase()
    }
}

#[derive(Default)]
pub struct NamespacesView {
    pub table: TableState<NsRow>,
    /// Namespaces whose kinds are watched one by one (cluster-wide was refused).
    per_ns: BTreeSet<String>,
    /// Why the list may be short.
    pub notice: Option<String>,
    seen: Option<(u64, Vec<(String, Source)>)>,
    dirty: bool,
}

impl NamespacesView {
    fn known(cx: &Cx) -> Vec<(String, Source)> {
        let mut known: Vec<(String, Source)> = Vec::new();
        if let Some(c) = cx.cluster {
            known.push((c.namespace.clone(), Source::Kubeconfig));
        }
        if let Some(ns) = cx.scope.namespace() {
            known.push((ns.to_string(), Source::Typed));
        }
        for ns in cx.recent_namespaces {
            known.push((ns.clone(), Source::Typed));
        }
        known
    }
}

impl View for NamespacesView {
    fn title(&self) -> String {
        "namespaces".into()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["list"]
    }

    fn hints(&self) -> &'static [Action] {
        &[
            Action::Enter,
            Action::AllNamespaces,
            Action::Filter,
            Action::Describe,
        ]
    }

    fn subscriptions(&self, _scope: &Scope, subs: &mut Subscriptions) {
        subs.watches.insert(WatchKey::all(&kinds::NAMESPACE));
        subs.watches.insert(WatchKey::all(&kinds::PROFILE));
        for kind in PER_NS {
            subs.watches.insert(cluster_key(kind));
            for ns in &self.per_ns {
                subs.watches.insert(ns_key(kind, ns));
            }
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        let model = NsModel { now: cx.now };
        if table_nav(&mut self.table, &model, action, cx.page) == Handled::Yes {
            return Handled::Yes;
        }
        if table_order(&mut self.table, COLS.len(), action) {
            self.dirty = true;
            return Handled::Yes;
        }
        match action {
            Action::Enter => {
                if let Some(row) = self.table.selected_row() {
                    cx.out.scope = Some(Scope::Namespace(row.name.clone()));
                    cx.pop();
                }
            }
            Action::Describe | Action::Yaml => {
                let name = self.table.selected_row().map(|r| r.name.clone());
                let obj = name.and_then(|n| {
                    cx.store
                        .get(&WatchKey::all(&kinds::PROFILE))
                        .and_then(|s| s.by_name(None, &n).cloned())
                        .map(|o| (&kinds::PROFILE, o))
                        .or_else(|| {
                            cx.store
                                .get(&WatchKey::all(&kinds::NAMESPACE))
                                .and_then(|s| s.by_name(None, &n).cloned())
                                .map(|o| (&kinds::NAMESPACE, o))
                        })
                });
                match obj {
                    Some((kind, o)) if action == Action::Yaml => cx.push(Box::new(
                        super::yaml::YamlView::new(crate::kube::types::ObjRef::of(kind, &o), &o),
                    )),
                    Some((kind, o)) => {
                        cx.push(Box::new(super::describe::DescribeView::new(kind, o)))
                    }
                    None => cx.info("nothing readable about this namespace"),
                }
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn sync(&mut self, cx: &mut Cx) {
        let known = Self::known(cx);
        let version: u64 = cx
            .store
            .sets
            .iter()
            .filter(|(k, _)| {
                std::ptr::eq(k.kind, &kinds::NAMESPACE)
                    || std::ptr::eq(k.kind, &kinds::PROFILE)
                    || PER_NS.iter().any(|p| std::ptr::eq(*p, k.kind))
            })
            .map(|(_, s)| s.version)
            .sum();
        let seen = (version, known.clone());
        if !self.dirty && self.seen.as_ref() == Some(&seen) {
            return;
        }
        let rows = rows(cx.store, &known);
        // Kinds refused cluster-wide are watched namespace by namespace.
        let refused: Vec<&Kind> = PER_NS
            .iter()
            .copied()
            .filter(|k| forbidden(cx.store, &cluster_key(k)).is_some())
            .collect();
        self.per_ns = if refused.is_empty() {
            BTreeSet::new()
        } else {
            rows.iter().map(|r| r.name.clone()).collect()
        };
        self.notice = forbidden(cx.store, &WatchKey::all(&kinds::NAMESPACE)).map(|_| {
            let profiles = if forbidden(cx.store, &WatchKey::all(&kinds::PROFILE)).is_some() {
                ""
            } else {
                "profiles you can read, "
            };
            let user = cx.cluster.map(|c| format!(" as {}", c.user)).unwrap_or_default();
            format!(
                "You may not list namespaces{user} (403 Forbidden), so this list shows {profiles}your kubeconfig namespace and names you typed. :ns NAME adds one."
            )
        });
        self.table.rebuild(rows, &NsModel { now: cx.now });
        self.seen = Some(seen);
        self.dirty = false;
    }

    fn filter(&self) -> Option<&Filter> {
        Some(&self.table.filter)
    }

    fn set_filter(&mut self, filter: Filter, _cx: &mut Cx) -> bool {
        self.table.filter = Filter {
            labels: None,
            ..filter
        };
        self.dirty = true;
        true
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        let note_rows = self
            .notice
            .as_ref()
            .map(|n| (n.len() as u16).div_ceil(area.width.max(1)) + 1)
            .unwrap_or(0);
        let (table_area, note_area) = match &self.notice {
            Some(_) if area.height > note_rows + 6 => (
                Rect {
                    y: area.y + note_rows,
                    height: area.height - note_rows,
                    ..area
                },
                Some(Rect {
                    height: note_rows,
                    ..area
                }),
            ),
            _ => (area, None),
        };
        let marker = match &state.scope {
            Scope::All => Some(("scope: all namespaces".to_string(), Tone::Info)),
            Scope::Namespace(ns) => Some((format!("scope: {ns}"), Tone::Info)),
        };
        let frame = table::Frame {
            title: "namespaces",
            scope: None,
            marker,
            empty: "No namespaces visible: type :ns NAME to pick one",
            focused: state.prompt.is_none(),
        };
        table::render(
            &self.table,
            &NsModel { now: state.now },
            &frame,
            t,
            table_area,
            buf,
        );
        if let (Some(note), Some(r)) = (&self.notice, note_area) {
            Paragraph::new(Line::from(Span::styled(note.clone(), t.warn)))
                .wrap(ratatui::widgets::Wrap { trim: true })
                .render(r, buf);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
