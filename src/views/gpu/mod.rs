//! `:gpu`: this host's GPUs (the host pane) and the cluster's. The cluster
//! pane answers "which GPUs are free, who holds them, are they busy?":
//! per node allocatable/requested/free from the watched nodes and pods,
//! the pods holding GPUs with their Kubeflow owner and measured use from
//! the DCGM exporter (or Prometheus), the holders idle for longer than the
//! configured window sorted by GPU-hours wasted, GPUs against each
//! namespace's quota, and the pods waiting for GPUs with the scheduler's
//! reason. `tab` moves focus between the panes; `1`-`5` or `[`/`]` pick the
//! cluster table; `enter` on a holder opens its owner's screen.

pub mod config;
pub mod metrics;
pub mod model;
pub mod owner;
pub mod pods;
mod render;
pub mod tables;

use std::any::Any;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::resources::{table_nav, table_order};
use super::table::{TableModel, TableState};
use super::{Cx, Filter, Handled, Subscriptions, View, ViewEvent};
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::kube::gpu_metrics::{GpuScrape, ScrapeSpec};
use crate::kube::kinds;
use crate::kube::types::{ApiOp, ObjRef, WatchKey};
use metrics::Metrics;
use model::{Cluster, Holder, IdleRule, NodeRow, NsRow, Pending};

/// Which pane has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    Host,
    #[default]
    Cluster,
}

/// The cluster pane's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Nodes,
    Holders,
    Idle,
    Quota,
    Pending,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Nodes,
        Tab::Holders,
        Tab::Idle,
        Tab::Quota,
        Tab::Pending,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Nodes => "nodes",
            Tab::Holders => "holders",
            Tab::Idle => "idle",
            Tab::Quota => "quota",
            Tab::Pending => "pending",
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    fn step(self, by: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        Tab::ALL[((self.index() as isize + by).rem_euclid(n)) as usize]
    }
}

/// The watches behind the cluster pane.
pub fn keys() -> [WatchKey; 3] {
    [
        WatchKey::all(&kinds::NODE),
        WatchKey::all(&kinds::POD),
        WatchKey::all(&kinds::RESOURCE_QUOTA),
    ]
}

pub struct GpuView {
    pub focus: Focus,
    pub tab: Tab,
    pub cluster: Cluster,
    /// What the watched objects alone say; `cluster` is it joined with
    /// the latest scrape.
    base: Cluster,
    pub metrics: Metrics,
    pub nodes: TableState<NodeRow>,
    pub holders: TableState<Holder>,
    pub idle: TableState<Holder>,
    pub quota: TableState<NsRow>,
    pub pending: TableState<Pending>,
    /// Holders of this node only (enter on a node).
    pub node_filter: Option<String>,
    /// The scrape subscribed to (from the config, set on the first sync).
    pub spec: Option<ScrapeSpec>,
    pub rule: IdleRule,
    /// The window as configured, for the idle column.
    pub window_text: String,
    /// The `[gpu]` configuration the scrape and rule come from.
    config: Option<config::GpuConfig>,
    seen: Option<[u64; 4]>,
    dirty: bool,
    /// A holder's owner being read, to open its screen.
    opening: Option<(u64, ObjRef)>,
}

impl Default for GpuView {
    fn default() -> Self {
        let idle = TableState {
            sort: (tables::IDLE_WASTED, true),
            ..TableState::default()
        };
        GpuView {
            focus: Focus::Cluster,
            tab: Tab::Nodes,
            cluster: Cluster::default(),
            base: Cluster::default(),
            metrics: Metrics::default(),
            nodes: TableState::default(),
            holders: TableState::default(),
            idle,
            quota: TableState::default(),
            pending: TableState::default(),
            node_filter: None,
            spec: None,
            rule: IdleRule {
                threshold: 5.0,
                window_secs: 1800,
            },
            window_text: "30m".into(),
            config: None,
            seen: None,
            dirty: true,
            opening: None,
        }
    }
}

impl GpuView {
    pub fn new(tab: Option<&str>) -> GpuView {
        let mut v = GpuView::default();
        if let Some(t) = tab.and_then(|a| Tab::ALL.iter().find(|t| t.title() == a)) {
            v.tab = *t;
        }
        v
    }

    fn rebuild_tables(&mut self, now: jiff::Timestamp, page: usize) {
        let holders: Vec<Holder> = self
            .cluster
            .holders
            .iter()
            .filter(|h| self.node_filter.as_ref().is_none_or(|n| &h.node == n))
            .cloned()
            .collect();
        self.nodes
            .rebuild(self.cluster.nodes.clone(), &tables::NodesModel);
        self.holders.rebuild(holders, &tables::HoldersModel { now });
        self.idle.rebuild(
            self.cluster.idle.clone(),
            &tables::IdleModel {
                window: self.window_text.clone(),
            },
        );
        self.quota
            .rebuild(self.cluster.namespaces.clone(), &tables::QuotaModel);
        self.pending
            .rebuild(self.cluster.pending.clone(), &tables::PendingModel { now });
        let page = page.saturating_sub(1);
        self.nodes.scroll_into_view(page);
        self.holders.scroll_into_view(page);
        self.idle.scroll_into_view(page);
        self.quota.scroll_into_view(page);
        self.pending.scroll_into_view(page);
    }

    /// The holder selected in the holders or idle table.
    pub fn selected_holder(&self) -> Option<&Holder> {
        match self.tab {
            Tab::Holders => self.holders.selected_row(),
            Tab::Idle => self.idle.selected_row(),
            _ => None,
        }
    }

    fn open_owner(&mut self, cx: &mut Cx) {
        let (owner, pod) = match self.tab {
            Tab::Holders | Tab::Idle => match self.selected_holder() {
                Some(h) => (h.owner.clone(), h.pod.clone()),
                None => return,
            },
            Tab::Pending => match self.pending.selected_row() {
                Some(p) => (p.owner.clone(), p.pod.clone()),
                None => return,
            },
            _ => return,
        };
        match owner.opens {
            Some(target) => {
                let id = cx.api(ApiOp::Get {
                    target: target.clone(),
                });
                cx.info(format!("opening {target}…"));
                self.opening = Some((id, target));
            }
            None => cx.info(format!(
                "{} is not a Kubeflow object kftui has a screen for (pod {pod})",
                owner.text()
            )),
        }
    }

    /// Pushes the screen of the object read for `enter`.
    fn opened(&mut self, target: &ObjRef, obj: DynamicObject, cx: &mut Cx) {
        let obj = Arc::new(obj);
        let k = target.kind;
        let view: Box<dyn View> = if std::ptr::eq(k, &kinds::NOTEBOOK) {
            Box::new(super::notebooks::detail::NotebookDetail::new(obj))
        } else if std::ptr::eq(k, &kinds::INFERENCE_SERVICE) {
            Box::new(super::serving::detail::IsvcDetail::new(obj, false))
        } else if std::ptr::eq(k, &kinds::WORKFLOW) {
            Box::new(super::runs::detail::RunDetail::new(obj))
        } else if std::ptr::eq(k, &kinds::EXPERIMENT) {
            Box::new(super::katib::detail::ExperimentDetail::new(obj))
        } else {
            Box::new(super::jobs::detail::JobDetail::new(k, obj))
        };
        cx.push(view);
    }

    fn table_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        let page = cx.page;
        let now = cx.now;
        macro_rules! on {
            ($t:expr, $m:expr) => {{
                let m = $m;
                if table_nav(&mut $t, &m, action, page) == Handled::Yes {
                    return true;
                }
                if table_order(&mut $t, m.columns().len(), action) {
                    self.dirty = true;
                    return true;
                }
            }};
        }
        match self.tab {
            Tab::Nodes => on!(self.nodes, tables::NodesModel),
            Tab::Holders => on!(self.holders, tables::HoldersModel { now }),
            Tab::Idle => on!(
                self.idle,
                tables::IdleModel {
                    window: self.window_text.clone()
                }
            ),
            Tab::Quota => on!(self.quota, tables::QuotaModel),
            Tab::Pending => on!(self.pending, tables::PendingModel { now }),
        }
        false
    }

    fn current_filter(&self) -> &Filter {
        match self.tab {
            Tab::Nodes => &self.nodes.filter,
            Tab::Holders => &self.holders.filter,
            Tab::Idle => &self.idle.filter,
            Tab::Quota => &self.quota.filter,
            Tab::Pending => &self.pending.filter,
        }
    }
}

const HINTS: &[Action] = &[
    Action::NextField,
    Action::Right,
    Action::Enter,
    Action::Filter,
    Action::SortNext,
];

impl View for GpuView {
    fn title(&self) -> String {
        "gpu".into()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["gpu", "list"]
    }

    fn hints(&self) -> &'static [Action] {
        HINTS
    }

    fn subscriptions(&self, _scope: &Scope, subs: &mut Subscriptions) {
        subs.watches.extend(keys());
        subs.samplers.insert(crate::views::SamplerKey::GpuHost);
        if let Some(spec) = &self.spec {
            subs.scrapes.insert(spec.clone());
        }
    }

    fn reopen(&mut self, arg: Option<&str>, _cx: &mut Cx) -> bool {
        if let Some(t) = arg.and_then(|a| Tab::ALL.iter().find(|t| t.title() == a)) {
            self.tab = *t;
        }
        true
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        match action {
            Action::NextField | Action::PrevField => {
                self.focus = match self.focus {
                    Focus::Host => Focus::Cluster,
                    Focus::Cluster => Focus::Host,
                };
                return Handled::Yes;
            }
            _ if self.focus == Focus::Host => {
                // The host pane takes its own keys; back and quit still work.
                return match action {
                    Action::Back | Action::Quit => Handled::No,
                    _ => Handled::Yes,
                };
            }
            Action::Left => {
                self.tab = self.tab.step(-1);
                return Handled::Yes;
            }
            Action::Right => {
                self.tab = self.tab.step(1);
                return Handled::Yes;
            }
            Action::Back if self.node_filter.is_some() && self.current_filter().is_empty() => {
                self.node_filter = None;
                self.dirty = true;
                return Handled::Yes;
            }
            _ => {}
        }
        if self.table_action(action, cx) {
            return Handled::Yes;
        }
        match action {
            Action::Enter => {
                if self.tab == Tab::Nodes {
                    if let Some(n) = self.nodes.selected_row() {
                        self.node_filter = Some(n.name.clone());
                        self.tab = Tab::Holders;
                        self.dirty = true;
                    }
                } else {
                    self.open_owner(cx);
                }
                Handled::Yes
            }
            _ => Handled::No,
        }
    }

    fn on_key(&mut self, key: KeyEvent, _cx: &mut Cx) -> Handled {
        if self.focus == Focus::Cluster
            && key.modifiers.difference(KeyModifiers::SHIFT).is_empty()
            && let KeyCode::Char(c @ '1'..='5') = key.code
        {
            self.tab = Tab::ALL[(c as u8 - b'1') as usize];
            return Handled::Yes;
        }
        Handled::No
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        match event {
            ViewEvent::Other(p) => {
                let Some(scrape) = p.get::<GpuScrape>() else {
                    return Handled::No;
                };
                if self.spec.as_ref() != Some(&scrape.spec) {
                    return Handled::No;
                }
                self.metrics.apply(scrape, cx.now, self.rule.threshold);
                Handled::Yes
            }
            ViewEvent::Api { id, result } => {
                let Some((want, target)) = self.opening.clone() else {
                    return Handled::No;
                };
                if *id != want {
                    return Handled::No;
                }
                self.opening = None;
                match result {
                    Ok(v) => match serde_json::from_value::<DynamicObject>(v.clone()) {
                        Ok(obj) => self.opened(&target, obj, cx),
                        Err(e) => cx.error(format!("cannot read {target}: {e}")),
                    },
                    Err(e) => cx.error(format!("cannot open {target}: {e}")),
                }
                Handled::Yes
            }
            _ => Handled::No,
        }
    }

    fn sync(&mut self, cx: &mut Cx) {
        if self.config.as_ref() != Some(&cx.config.gpu) {
            // First sync, or the configuration changed: a new scrape.
            let c = cx.config.gpu.clone();
            self.spec = Some(c.scrape());
            self.rule = IdleRule {
                threshold: c.idle_threshold,
                window_secs: c.window_secs() as i64,
            };
            self.window_text = c.idle_window.clone();
            self.metrics = Metrics::default();
            self.config = Some(c);
            self.dirty = true;
        }
        let [nodes, pods, quotas] = keys();
        let version = |k: &WatchKey| {
            cx.store
                .get(k)
                .map(|s| s.version * 2 + u64::from(s.listed))
                .unwrap_or(0)
        };
        let seen = [
            version(&nodes),
            version(&pods),
            version(&quotas),
            self.metrics.version,
        ];
        if !self.dirty && self.seen == Some(seen) {
            return;
        }
        // The objects' part only when they changed; a scrape only joins.
        if self.dirty || self.seen.is_none_or(|s| s[..3] != seen[..3]) {
            self.base = model::base(
                cx.store.get(&nodes),
                cx.store.get(&pods),
                cx.store.get(&quotas),
            );
        }
        self.cluster = model::join(&self.base, &self.metrics, self.rule, cx.now);
        self.rebuild_tables(cx.now, cx.page);
        self.seen = Some(seen);
        self.dirty = false;
    }

    fn filter(&self) -> Option<&Filter> {
        Some(self.current_filter())
    }

    fn set_filter(&mut self, filter: Filter, _cx: &mut Cx) -> bool {
        match self.tab {
            Tab::Nodes => self.nodes.filter = filter,
            Tab::Holders => self.holders.filter = filter,
            Tab::Idle => self.idle.filter = filter,
            Tab::Quota => self.quota.filter = filter,
            Tab::Pending => self.pending.filter = filter,
        }
        self.dirty = true;
        true
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        render::render(self, state, area, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
