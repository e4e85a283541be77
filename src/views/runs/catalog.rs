//! `:pipelines` and `:kfp-experiments`: what the KFP API lists for the
//! namespace (`:experiments` is Katib's). `enter` on an experiment lists
//! its runs; on a pipeline, its versions with their root parameters
//! (name, type, default). The KFP API has no watch: asked on open, on a
//! namespace change and on `ctrl-r`.

use std::any::Any;

use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::Value;

use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::kube::kfp::Endpoint;
use crate::views::pager::{Pager, plain};
use crate::views::resources::table_nav;
use crate::views::table::{self, Cell, Column, SortKey, TableModel, TableState, Tone};
use crate::views::{Cx, Filter, Handled, View, ViewEvent, columns};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    Pipelines,
    Experiments,
}

impl What {
    fn title(self) -> &'static str {
        match self {
            What::Pipelines => "pipelines",
            What::Experiments => "kfp experiments",
        }
    }

    fn list_key(self) -> &'static str {
        match self {
            What::Pipelines => "pipelines",
            What::Experiments => "experiments",
        }
    }

    fn id_key(self) -> &'static str {
        match self {
            What::Pipelines => "pipeline_id",
            What::Experiments => "experiment_id",
        }
    }
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn created(v: &Value) -> Option<Timestamp> {
    v.get("created_at")
        .and_then(Value::as_str)
        .and_then(|t| t.parse().ok())
        .filter(|t| columns::known(*t))
}

struct Model {
    what: What,
    now: Timestamp,
    cols: Vec<Column>,
}

impl Model {
    fn new(what: What, now: Timestamp) -> Model {
        let cols = match what {
            What::Pipelines => vec![
                Column::new("NAME", 8, 40),
                Column::new("DESCRIPTION", 10, 60).optional(),
                Column::new("ID", 8, 36).optional(),
                Column::new("AGE", 3, 6).right(),
            ],
            What::Experiments => vec![
                Column::new("NAME", 8, 40),
                Column::new("STATE", 6, 10),
                Column::new("ID", 8, 36).optional(),
                Column::new("AGE", 3, 6).right(),
            ],
        };
        Model { what, now, cols }
    }
}

impl TableModel<Value> for Model {
    fn columns(&self) -> &[Column] {
        &self.cols
    }

    fn key(&self, row: &Value) -> String {
        s(row, self.what.id_key()).to_string()
    }

    fn cell(&self, row: &Value, col: usize) -> Cell {
        match self.cols.get(col).map(|c| c.title) {
            Some("NAME") => Cell::new(s(row, "display_name")),
            Some("DESCRIPTION") => Cell::tone(s(row, "description"), Tone::Dim),
            Some("STATE") => Cell::new(s(row, "storage_state")),
            Some("ID") => Cell::tone(s(row, self.what.id_key()), Tone::Dim),
            Some("AGE") => Cell::tone(columns::age(created(row), self.now), Tone::Dim),
            _ => Cell::default(),
        }
    }

    fn sort_key(&self, row: &Value, col: usize) -> SortKey {
        match self.cols.get(col).map(|c| c.title) {
            Some("AGE") => created(row)
                .map(|t| SortKey::Num(-t.as_second()))
                .unwrap_or(SortKey::Missing),
            _ => SortKey::Text(self.cell(row, col).text),
        }
    }
}

/// A KFP API list.
pub struct CatalogView {
    pub what: What,
    pub table: TableState<Value>,
    pub error: Option<String>,
    /// Everything the API listed (the table holds what the filter keeps).
    all: Vec<Value>,
    endpoint: Endpoint,
    asked: Option<u64>,
    asked_for: Option<Scope>,
    answered: bool,
    /// A pipeline whose versions were asked for: request, name, id.
    versions: Option<(u64, String, String)>,
}

impl CatalogView {
    pub fn new(what: What) -> CatalogView {
        CatalogView {
            what,
            table: TableState::default(),
            error: None,
            all: Vec::new(),
            endpoint: Endpoint::default(),
            asked: None,
            asked_for: None,
            answered: false,
            versions: None,
        }
    }

    /// The request in flight, if any.
    pub fn pending(&self) -> Option<u64> {
        self.asked
    }
}

/// The text of a pipeline's versions: each with its root parameters.
pub fn versions_text(pipeline: &str, answer: &Value) -> Vec<String> {
    let mut out = vec![
        format!("Pipeline      {pipeline}"),
        "              n: a new run of the newest version".to_string(),
        String::new(),
    ];
    let versions = answer
        .get("pipeline_versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if versions.is_empty() {
        out.push("No versions.".into());
    }
    for v in &versions {
        out.push(format!(
            "Version       {} ({})",
            s(v, "display_name"),
            s(v, "pipeline_version_id")
        ));
        out.push("  Parameters".into());
        let params = v
            .pointer("/pipeline_spec/root/inputDefinitions/parameters")
            .and_then(Value::as_object);
        match params.filter(|p| !p.is_empty()) {
            Some(ps) => {
                for (name, p) in ps {
                    let default = p
                        .get("defaultValue")
                        .map(|d| match d {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .unwrap_or_else(|| "(required)".into());
                    out.push(format!(
                        "    {name:<20} {:<16} default {default}",
                        s(p, "parameterType")
                    ));
                }
            }
            None => out.push("    <none>".into()),
        }
        out.push(String::new());
    }
    out
}

/// A pipeline's versions, as text.
pub struct VersionsView {
    pub title: String,
    pub pager: Pager,
    pub pipeline_id: String,
    pub namespace: String,
    /// The API's answer (`pipeline_versions`).
    pub versions: Value,
}

impl View for VersionsView {
    fn title(&self) -> String {
        self.title.clone()
    }
    fn layers(&self) -> &'static [&'static str] {
        &["pipeline", "pager"]
    }
    fn hints(&self) -> &'static [Action] {
        &[Action::New]
    }
    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        if action == Action::New {
            // The newest version (the API lists them newest first).
            match self.versions.pointer("/pipeline_versions/0") {
                Some(v) => cx.push(Box::new(super::newrun::NewRunForm::new(
                    &self.namespace,
                    &self.pipeline_id,
                    &self.title,
                    v,
                ))),
                None => cx.error(format!("{} has no version to run", self.title)),
            }
            return Handled::Yes;
        }
        if self.pager.act(action, cx.page) {
            Handled::Yes
        } else {
            Handled::No
        }
    }
    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        let title = vec![
            ratatui::text::Span::styled(" pipeline", t.title),
            ratatui::text::Span::styled(format!(" {} ", self.title), t.header_value),
        ];
        self.pager.render(title, plain, t, area, buf);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl View for CatalogView {
    fn title(&self) -> String {
        self.what.title().into()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["list"]
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::Enter, Action::Filter, Action::Refresh]
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        let model = Model::new(self.what, cx.now);
        if table_nav(&mut self.table, &model, action, cx.page) == Handled::Yes {
            return Handled::Yes;
        }
        match action {
            Action::Refresh => {
                self.asked_for = None;
                return Handled::No;
            }
            Action::Back if !self.table.filter.is_empty() => {
                self.table.filter = Filter::default();
                self.table.rebuild(self.all.clone(), &model);
            }
            Action::Enter => {
                let Some(row) = self.table.selected_row().cloned() else {
                    return Handled::Yes;
                };
                match self.what {
                    What::Experiments => cx.push(Box::new(super::RunsView::new(Some(s(
                        &row,
                        "display_name",
                    ))))),
                    What::Pipelines => {
                        let id = cx.api(self.endpoint.list_versions(s(&row, "pipeline_id")));
                        self.versions = Some((
                            id,
                            s(&row, "display_name").to_string(),
                            s(&row, "pipeline_id").to_string(),
                        ));
                        cx.info(format!(
                            "reading the versions of {}…",
                            s(&row, "display_name")
                        ));
                    }
                }
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        let ViewEvent::Api { id, result } = event else {
            return Handled::No;
        };
        if let Some((vid, name, pid)) = &self.versions
            && vid == id
        {
            let (name, pid) = (name.clone(), pid.clone());
            self.versions = None;
            match result {
                Ok(v) => cx.push(Box::new(VersionsView {
                    pager: Pager::new(versions_text(&name, v)),
                    title: name,
                    pipeline_id: pid,
                    namespace: cx.scope.namespace().unwrap_or("default").to_string(),
                    versions: v.clone(),
                })),
                Err(e) => cx.error(format!("the versions of {name}: {e}")),
            }
            return Handled::Yes;
        }
        if self.asked != Some(*id) {
            return Handled::No;
        }
        self.asked = None;
        self.answered = true;
        let model = Model::new(self.what, cx.now);
        match result {
            Ok(v) => {
                self.error = None;
                self.all = v
                    .get(self.what.list_key())
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                self.table.rebuild(self.all.clone(), &model);
            }
            Err(e) => {
                self.error = Some(e.to_string());
                self.all.clear();
                self.table.rebuild(Vec::new(), &model);
            }
        }
        Handled::Yes
    }

    fn sync(&mut self, cx: &mut Cx) {
        let Some(ns) = cx.scope.namespace() else {
            return;
        };
        if self.asked.is_some() || self.asked_for.as_ref() == Some(cx.scope) {
            return;
        }
        self.endpoint = cx.config.kfp.endpoint();
        let op = match self.what {
            What::Pipelines => self.endpoint.list_pipelines(ns),
            What::Experiments => self.endpoint.list_experiments(ns),
        };
        self.asked = Some(cx.api(op));
        self.asked_for = Some(cx.scope.clone());
    }

    fn filter(&self) -> Option<&Filter> {
        Some(&self.table.filter)
    }

    fn set_filter(&mut self, filter: Filter, cx: &mut Cx) -> bool {
        self.table.filter = filter;
        let model = Model::new(self.what, cx.now);
        self.table.rebuild(self.all.clone(), &model);
        true
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let model = Model::new(self.what, state.now);
        let (marker, empty) = match (&self.error, self.answered, state.scope.namespace()) {
            (_, _, None) => (
                None,
                "The KFP API lists by namespace: pick one (:ns).".to_string(),
            ),
            (Some(e), _, _) => (
                Some(("KFP API unavailable".to_string(), Tone::Error)),
                format!(
                    "The KFP API at {} did not answer: {e}",
                    self.endpoint.label()
                ),
            ),
            (None, false, _) => (
                Some(("asking the KFP API…".to_string(), Tone::Info)),
                "Loading…".to_string(),
            ),
            (None, true, _) => (
                None,
                format!("No {} in {}", self.what.title(), state.scope.label()),
            ),
        };
        let frame = table::Frame {
            title: self.what.title(),
            scope: Some(state.scope.label()),
            marker,
            empty: &empty,
            focused: state.prompt.is_none() && state.confirm.is_none(),
        };
        table::render(&self.table, &model, &frame, &state.theme, area, buf);
        let text = format!(
            " source: KFP API ({}, service proxy) ",
            self.endpoint.label()
        );
        if area.height > 2 && (area.width as usize) > text.chars().count() + 12 {
            buf.set_string(area.x + 1, area.y + area.height - 1, text, state.theme.dim);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
