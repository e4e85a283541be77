//! One experiment: a header (state and why, objective with its metric
//! strategies, algorithm and settings, early stopping, trial counts, the
//! parameter spaces, the best trial, conditions), the trials table (one
//! column per parameter and per metric, the best trial marked, sortable,
//! `f` shows all / running / failed) and the two charts, all kept current
//! from the watches. `enter` opens a trial, `p` charts the next parameter.

use std::any::Any;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use jiff::Timestamp;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Direction as Dir, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::chart::{self, ChartData};
pub use super::header::suggestion_key;
use super::header::{header, header_line, suggestion_line};
use super::model::{self, ExperimentRow, Objective, Param, TrialRow, fmt_num};
use super::{PendingDelete, ask_delete, on_confirm};
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::kube::kinds;
use crate::kube::types::{ObjRef, WatchKey};
use crate::views::columns;
use crate::views::resources::table_nav;
use crate::views::table::{self, Cell, Column, SortKey, TableModel, TableState, Tone};
use crate::views::{Cx, Handled, Subscriptions, View, ViewEvent};

/// Column titles must live as long as the program; parameter and metric
/// names are interned once each.
fn intern(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(n) = set.get(name) {
        return n;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    set.insert(leaked);
    leaked
}

/// Which trials the table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Show {
    #[default]
    All,
    Running,
    Failed,
}

impl Show {
    fn next(self) -> Show {
        match self {
            Show::All => Show::Running,
            Show::Running => Show::Failed,
            Show::Failed => Show::All,
        }
    }

    fn keeps(self, t: &TrialRow) -> bool {
        match self {
            Show::All => true,
            Show::Running => !t.status.phase.finished(),
            Show::Failed => t.status.phase.failed(),
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Show::All => "all",
            Show::Running => "running",
            Show::Failed => "failed",
        }
    }
}

/// The trials table: name, status, a column per parameter and metric,
/// duration.
pub struct TrialsModel {
    pub now: Timestamp,
    pub objective: Objective,
    pub best: String,
    /// `<experiment>-`: trial names start with it, the TRIAL column leaves
    /// it out.
    pub prefix: String,
    cols: Vec<Column>,
    params: usize,
}

impl TrialsModel {
    pub fn new(now: Timestamp, objective: &Objective, params: &[Param], best: &str) -> TrialsModel {
        let mut cols = vec![Column::new("TRIAL", 8, 40), Column::new("STATUS", 7, 18)];
        for p in params {
            cols.push(Column::new(intern(&p.name), 4, 14).right());
        }
        for m in objective.metrics() {
            cols.push(Column::new(intern(m), 4, 12).right());
        }
        cols.push(Column::new("DURATION", 8, 8).right());
        TrialsModel {
            now,
            objective: objective.clone(),
            best: best.to_string(),
            prefix: String::new(),
            cols,
            params: params.len(),
        }
    }

    fn duration(&self, t: &TrialRow) -> Option<i64> {
        model::duration(&t.obj, t.status.phase.finished(), self.now)
    }

    fn metric_of(&self, t: &TrialRow, col: usize) -> Option<f64> {
        t.metric(&self.objective, self.cols[col].title)
    }
}

impl TableModel<Arc<TrialRow>> for TrialsModel {
    fn columns(&self) -> &[Column] {
        &self.cols
    }

    fn key(&self, t: &Arc<TrialRow>) -> String {
        t.name().to_string()
    }

    fn cell(&self, t: &Arc<TrialRow>, col: usize) -> Cell {
        let last = self.cols.len() - 1;
        match col {
            0 => {
                let short = t
                    .name()
                    .strip_prefix(self.prefix.as_str())
                    .filter(|s| !s.is_empty())
                    .unwrap_or(t.name());
                if t.name() == self.best {
                    Cell::tone(format!("★ {short}"), Tone::Ok)
                } else {
                    Cell::new(format!("  {short}"))
                }
            }
            1 => Cell::tone(t.status.text(), t.status.phase.tone()),
            c if c == last => match self.duration(t) {
                Some(s) => Cell::new(columns::human_duration(s)),
                None => Cell::tone("-", Tone::Dim),
            },
            c if c < 2 + self.params => match t.param(self.cols[c].title) {
                Some(v) => Cell::new(v.parse::<f64>().map(fmt_num).unwrap_or(v.to_string())),
                None => Cell::tone("-", Tone::Dim),
            },
            c => match self.metric_of(t, c) {
                Some(v) => Cell::new(fmt_num(v)),
                None => Cell::tone("-", Tone::Dim),
            },
        }
    }

    fn sort_key(&self, t: &Arc<TrialRow>, col: usize) -> SortKey {
        // Numbers sort as numbers: scaled to keep six decimals.
        let scaled = |v: f64| SortKey::Num((v * 1e6).round() as i64);
        let last = self.cols.len() - 1;
        match col {
            0 => SortKey::Text(t.name().to_string()),
            1 => SortKey::Text(t.status.text()),
            c if c == last => self
                .duration(t)
                .map(SortKey::Num)
                .unwrap_or(SortKey::Missing),
            c if c < 2 + self.params => match t.param(self.cols[c].title) {
                Some(v) => v
                    .parse::<f64>()
                    .map(scaled)
                    .unwrap_or(SortKey::Text(v.to_string())),
                None => SortKey::Missing,
            },
            // Trials without the metric sort after every value.
            c => self
                .metric_of(t, c)
                .map(scaled)
                .unwrap_or(SortKey::Num(i64::MAX)),
        }
    }

    fn search_text(&self, t: &Arc<TrialRow>) -> String {
        format!("{} {}", t.name(), t.status.text()).to_lowercase()
    }
}

/// The watches behind one experiment's screens.
pub fn experiment_key(obj: &DynamicObject) -> WatchKey {
    WatchKey::in_namespace(&kinds::EXPERIMENT, Some(columns::namespace(obj)))
}

pub fn trials_key(obj: &DynamicObject) -> WatchKey {
    WatchKey::in_namespace(&kinds::TRIAL, Some(columns::namespace(obj))).with_labels(Some(format!(
        "{}={}",
        model::EXPERIMENT_LABEL,
        columns::name(obj)
    )))
}

pub struct ExperimentDetail {
    pub row: ExperimentRow,
    pub params: Vec<Param>,
    pub table: TableState<Arc<TrialRow>>,
    pub trials: Vec<Arc<TrialRow>>,
    /// Rows by trial name, kept while their object is unchanged.
    cache: std::collections::HashMap<String, Arc<TrialRow>>,
    pub show: Show,
    pub param: usize,
    pub chart: ChartData,
    /// True once the experiment was seen gone from a listed watch.
    pub gone: bool,
    seen: Option<u64>,
    dirty: bool,
    pending_delete: PendingDelete,
}

impl ExperimentDetail {
    pub fn new(obj: Arc<DynamicObject>) -> ExperimentDetail {
        let row = ExperimentRow::new(obj);
        ExperimentDetail {
            params: model::params(&row.obj),
            row,
            table: TableState::default(),
            trials: Vec::new(),
            cache: Default::default(),
            show: Show::All,
            param: 0,
            chart: ChartData::default(),
            gone: false,
            seen: None,
            dirty: true,
            pending_delete: None,
        }
    }

    pub fn model(&self, now: Timestamp) -> TrialsModel {
        let best = self
            .row
            .best
            .as_ref()
            .map(|b| b.trial.as_str())
            .unwrap_or("");
        let mut m = TrialsModel::new(now, &self.row.objective, &self.params, best);
        m.prefix = format!("{}-", columns::name(&self.row.obj));
        m
    }

    fn rebuild(&mut self, now: Timestamp, page: usize) {
        let model = self.model(now);
        let shown: Vec<Arc<TrialRow>> = self
            .trials
            .iter()
            .filter(|t| self.show.keeps(t))
            .cloned()
            .collect();
        self.table.rebuild(shown, &model);
        self.table.scroll_into_view(page.saturating_sub(1));
        self.chart = ChartData::new(&self.trials, &self.row.objective, &self.params, self.param);
    }
}

const HINTS: &[Action] = &[
    Action::Enter,
    Action::TrialFilter,
    Action::NextParam,
    Action::TrainBest,
    Action::SortNext,
    Action::Delete,
];

impl View for ExperimentDetail {
    fn title(&self) -> String {
        columns::name(&self.row.obj).to_string()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["katib_detail", "list"]
    }

    fn hints(&self) -> &'static [Action] {
        HINTS
    }

    fn subscriptions(&self, _scope: &Scope, subs: &mut Subscriptions) {
        subs.watches.insert(experiment_key(&self.row.obj));
        subs.watches.insert(trials_key(&self.row.obj));
        subs.watches.insert(suggestion_key(&self.row.obj));
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        let model = self.model(cx.now);
        if table_nav(&mut self.table, &model, action, cx.page) == Handled::Yes {
            return Handled::Yes;
        }
        match action {
            Action::SortNext => {
                self.table.sort = ((self.table.sort.0 + 1) % model.columns().len(), false);
                self.dirty = true;
            }
            Action::SortReverse => {
                self.table.sort.1 = !self.table.sort.1;
                self.dirty = true;
            }
            Action::TrialFilter => {
                self.show = self.show.next();
                self.dirty = true;
                cx.info(format!("showing {} trials", self.show.word()));
            }
            Action::NextParam => {
                if !self.params.is_empty() {
                    self.param = (self.param + 1) % self.params.len();
                    self.dirty = true;
                }
            }
            Action::Enter => match self.table.selected_row() {
                Some(t) => cx.push(Box::new(super::trial::TrialDetail::new(
                    t.obj.clone(),
                    self.row.objective.clone(),
                ))),
                None => cx.info("no trial selected"),
            },
            Action::TrainBest => {
                let (trial, assignments) = match &self.row.best {
                    Some(b) if !b.assignments.is_empty() => {
                        (b.trial.clone(), b.assignments.clone())
                    }
                    _ => (String::new(), Vec::new()),
                };
                super::train::open(&self.row.obj, &trial, &assignments, cx);
            }
            Action::Delete => self.pending_delete = ask_delete(&self.row.obj, cx),
            Action::Yaml => cx.push(Box::new(crate::views::yaml::YamlView::new(
                ObjRef::of(&kinds::EXPERIMENT, &self.row.obj),
                &self.row.obj,
            ))),
            Action::Describe => cx.push(Box::new(crate::views::describe::DescribeView::new(
                &kinds::EXPERIMENT,
                self.row.obj.clone(),
            ))),
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
        let (ek, tk) = (experiment_key(&self.row.obj), trials_key(&self.row.obj));
        let version = [&ek, &tk]
            .iter()
            .map(|k| {
                cx.store
                    .get(k)
                    .map(|s| s.version + u64::from(s.listed))
                    .unwrap_or(0)
            })
            .sum();
        if !self.dirty && self.seen == Some(version) {
            return;
        }
        if let Some(set) = cx.store.get(&ek) {
            let uid = self.row.obj.metadata.uid.clone();
            let name = columns::name(&self.row.obj).to_string();
            let fresh = set
                .iter()
                .find(|o| uid.is_some() && o.metadata.uid == uid || columns::name(o) == name);
            match fresh {
                Some(o) => {
                    if !Arc::ptr_eq(o, &self.row.obj) {
                        self.row = ExperimentRow::new(o.clone());
                        self.params = model::params(&self.row.obj);
                    }
                    self.gone = false;
                }
                None if set.listed => self.gone = true,
                None => {}
            }
        }
        // Only changed trials are read again.
        let mut cache = std::mem::take(&mut self.cache);
        self.trials = cx
            .store
            .get(&tk)
            .map(|set| {
                set.iter()
                    .map(|o| {
                        let name = columns::name(o);
                        match cache.remove(name) {
                            Some(r) if Arc::ptr_eq(&r.obj, o) => r,
                            _ => Arc::new(TrialRow::new(o.clone())),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.cache = self
            .trials
            .iter()
            .map(|t| (t.name().to_string(), t.clone()))
            .collect();
        if self.param >= self.params.len() {
            self.param = 0;
        }
        self.rebuild(cx.now, cx.page);
        self.seen = Some(version);
        self.dirty = false;
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        let mut lines = header(&self.row, &self.params, state.now);
        let sk = suggestion_key(&self.row.obj);
        let suggestion = state.store.get(&sk).and_then(|set| {
            set.iter()
                .find(|o| columns::name(o) == columns::name(&self.row.obj))
        });
        if let Some((problem, text)) = suggestion.map(|o| suggestion_line(o)) {
            // A failing suggestion service is the experiment's problem:
            // said right under its status.
            let at = if problem { 1 } else { lines.len() };
            lines.insert(at.min(lines.len()), ("Suggestion", text));
        }
        let mut head: Vec<Line> = Vec::new();
        if self.gone {
            head.push(Line::from(Span::styled(
                " This experiment was deleted.",
                t.warn,
            )));
        }
        head.extend(
            lines
                .into_iter()
                .map(|(k, v)| header_line(k, v, t, &self.row)),
        );
        let max_head = (area.height / 4).max(3);
        let head_h = (head.len() as u16).min(max_head);
        let rest = area.height.saturating_sub(head_h);
        // Small terminals give the charts the larger half.
        let charts_h = match rest {
            r if r < 12 => 0,
            r if r < 20 => r / 2 + 1,
            r => r / 2,
        };
        let [head_area, table_area, charts_area] = Layout::default()
            .direction(Dir::Vertical)
            .constraints([
                Constraint::Length(head_h),
                Constraint::Length(rest - charts_h),
                Constraint::Length(charts_h),
            ])
            .areas(area);
        Paragraph::new(head).render(head_area, buf);
        let (marker, _) =
            crate::views::resources::watch_status(&[trials_key(&self.row.obj)], "trials", state);
        let title = format!("trials[{}]", self.show.word());
        let empty = match self.show {
            Show::All => "No trials yet".to_string(),
            s => format!("No {} trials (f shows all)", s.word()),
        };
        let frame = table::Frame {
            title: &title,
            scope: None,
            marker,
            empty: &empty,
            focused: state.prompt.is_none() && state.confirm.is_none(),
        };
        table::render(
            &self.table,
            &self.model(state.now),
            &frame,
            t,
            table_area,
            buf,
        );
        if charts_h > 0 {
            let [left, right] = Layout::default()
                .direction(Dir::Horizontal)
                .constraints([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(charts_area);
            chart::render_progress(&self.chart, t, left, buf);
            chart::render_scatter(&self.chart, t, right, buf);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
