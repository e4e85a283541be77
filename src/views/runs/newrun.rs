//! A new run of a pipeline version: its name, the experiment (from the KFP
//! API), and the pipeline's root parameters typed from its spec with their
//! defaults filled in. Values are checked against their types before
//! anything is sent; a refused submit keeps every value and says why.

use std::any::Any;

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};
use serde_json::{Value, json};

use crate::app::action::Action;
use crate::app::line::LineInput;
use crate::app::state::State;
use crate::kube::kfp::Endpoint;
use crate::views::{Cx, Handled, View, ViewEvent};

/// One root parameter of the pipeline.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    /// KFP's parameterType: STRING, NUMBER_INTEGER, NUMBER_DOUBLE, BOOLEAN…
    pub kind: String,
    pub input: LineInput,
    pub error: Option<String>,
}

impl Param {
    /// The typed JSON value, or why the text is not one.
    pub fn value(&self) -> Result<Value, String> {
        let t = self.input.text().trim();
        match self.kind.as_str() {
            "NUMBER_INTEGER" => t
                .parse::<i64>()
                .map(|n| json!(n))
                .map_err(|_| format!("{t:?} is not a whole number")),
            "NUMBER_DOUBLE" => t
                .parse::<f64>()
                .map(|n| json!(n))
                .map_err(|_| format!("{t:?} is not a number")),
            "BOOLEAN" => match t {
                "true" => Ok(json!(true)),
                "false" => Ok(json!(false)),
                _ => Err(format!("{t:?} is not true or false")),
            },
            "LIST" | "STRUCT" => serde_json::from_str(t).map_err(|e| format!("not JSON: {e}")),
            _ => Ok(json!(self.input.text())),
        }
    }
}

/// The root parameters of a pipeline version, defaults filled in.
pub fn params_of(version: &Value) -> Vec<Param> {
    version
        .pointer("/pipeline_spec/root/inputDefinitions/parameters")
        .and_then(Value::as_object)
        .map(|ps| {
            ps.iter()
                .map(|(name, p)| {
                    let default = match p.get("defaultValue") {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Null) | None => String::new(),
                        Some(other) => other.to_string(),
                    };
                    Param {
                        name: name.clone(),
                        kind: p
                            .get("parameterType")
                            .and_then(Value::as_str)
                            .unwrap_or("STRING")
                            .to_string(),
                        input: LineInput::new(&default),
                        error: None,
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

pub struct NewRunForm {
    pub namespace: String,
    pub pipeline_id: String,
    pub pipeline: String,
    pub version_id: String,
    pub name: LineInput,
    /// (id, name) from the KFP API.
    pub experiments: Vec<(String, String)>,
    pub experiment: usize,
    pub params: Vec<Param>,
    /// 0: name, 1: experiment, 2..: parameters.
    pub focus: usize,
    pub error: Option<String>,
    endpoint: Endpoint,
    asked: Option<u64>,
    asked_once: bool,
    submitting: Option<u64>,
    /// The experiment to select once the experiments are listed.
    want_experiment: Option<String>,
}

impl NewRunForm {
    pub fn new(namespace: &str, pipeline_id: &str, pipeline: &str, version: &Value) -> NewRunForm {
        NewRunForm {
            namespace: namespace.to_string(),
            pipeline_id: pipeline_id.to_string(),
            pipeline: pipeline.to_string(),
            version_id: version
                .get("pipeline_version_id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            name: LineInput::new(&format!("Run of {pipeline}")),
            experiments: Vec::new(),
            experiment: 0,
            params: params_of(version),
            focus: 0,
            error: None,
            endpoint: Endpoint::default(),
            asked: None,
            asked_once: false,
            submitting: None,
            want_experiment: None,
        }
    }

    /// "Re-run with changes": the name, the values of an earlier run
    /// (parameters it set replace the defaults) and its experiment.
    pub fn prefill(&mut self, name: &str, values: &[(String, String)], experiment: Option<String>) {
        self.name.set(name);
        for p in &mut self.params {
            if let Some((_, v)) = values.iter().find(|(k, _)| *k == p.name) {
                p.input.set(v);
            }
        }
        self.want_experiment = experiment;
    }

    /// Requests in flight (experiments, submit).
    pub fn pending(&self) -> Vec<u64> {
        [self.asked, self.submitting]
            .into_iter()
            .flatten()
            .collect()
    }

    fn fields(&self) -> usize {
        2 + self.params.len()
    }

    fn submit(&mut self, cx: &mut Cx) {
        if let Some(reason) = cx.readonly {
            self.error = Some(format!("cannot create runs: {reason}"));
            return;
        }
        let mut values = serde_json::Map::new();
        let mut first_bad = None;
        for (i, p) in self.params.iter_mut().enumerate() {
            match p.value() {
                Ok(v) => {
                    p.error = None;
                    values.insert(p.name.clone(), v);
                }
                Err(e) => {
                    p.error = Some(e);
                    first_bad.get_or_insert(i + 2);
                }
            }
        }
        if self.name.text().trim().is_empty() {
            first_bad = Some(0);
            self.error = Some("the run needs a name".into());
        }
        let Some((exp_id, _)) = self.experiments.get(self.experiment).cloned() else {
            self.error =
                Some("no experiment to put the run in (the KFP API listed none yet)".into());
            return;
        };
        if let Some(f) = first_bad {
            self.focus = f;
            if self.error.is_none() {
                self.error = Some("fix the marked values".into());
            }
            return;
        }
        self.error = None;
        let body = json!({
            "display_name": self.name.text().trim(),
            "experiment_id": exp_id,
            "pipeline_version_reference": {"pipeline_id": self.pipeline_id,
                "pipeline_version_id": self.version_id},
            "runtime_config": {"parameters": values},
        });
        self.submitting = Some(cx.api(self.endpoint.create_run(body)));
        cx.info(format!("creating {}…", self.name.text().trim()));
    }

    fn input_mut(&mut self) -> Option<&mut LineInput> {
        match self.focus {
            0 => Some(&mut self.name),
            1 => None,
            i => self.params.get_mut(i - 2).map(|p| &mut p.input),
        }
    }
}

impl View for NewRunForm {
    fn title(&self) -> String {
        format!("new run of {}", self.pipeline)
    }

    fn layers(&self) -> &'static [&'static str] {
        &["form"]
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::NextField, Action::Submit]
    }

    fn text_focus(&self) -> bool {
        self.focus != 1
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        let n = self.fields();
        match action {
            Action::NextField | Action::Down | Action::Enter => self.focus = (self.focus + 1) % n,
            Action::PrevField | Action::Up => self.focus = (self.focus + n - 1) % n,
            Action::Left | Action::Right | Action::Toggle if self.focus == 1 => {
                let m = self.experiments.len().max(1);
                self.experiment = if action == Action::Left {
                    (self.experiment + m - 1) % m
                } else {
                    (self.experiment + 1) % m
                };
            }
            Action::Submit => self.submit(cx),
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_key(&mut self, key: KeyEvent, _cx: &mut Cx) -> Handled {
        match self.input_mut().map(|line| line.key(key)) {
            Some(true) => Handled::Yes,
            _ => Handled::No,
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Cx) -> Handled {
        match self.input_mut() {
            Some(line) => {
                line.paste(text);
                Handled::Yes
            }
            None => Handled::No,
        }
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        let ViewEvent::Api { id, result } = event else {
            return Handled::No;
        };
        if self.asked == Some(*id) {
            self.asked = None;
            match result {
                Ok(v) => {
                    self.experiments = v
                        .get("experiments")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|e| {
                            Some((
                                e.get("experiment_id")?.as_str()?.to_string(),
                                e.get("display_name")?.as_str()?.to_string(),
                            ))
                        })
                        .collect();
                    if let Some(want) = &self.want_experiment
                        && let Some(i) = self.experiments.iter().position(|(id, _)| id == want)
                    {
                        self.experiment = i;
                    }
                }
                Err(e) => self.error = Some(format!("the experiments: {e}")),
            }
            return Handled::Yes;
        }
        if self.submitting == Some(*id) {
            self.submitting = None;
            match result {
                Ok(run) => {
                    let name = run
                        .get("display_name")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    cx.info(format!("created run {name}: :runs lists it"));
                    cx.pop();
                }
                Err(e) => self.error = Some(format!("the KFP API refused the run: {e}")),
            }
            return Handled::Yes;
        }
        Handled::No
    }

    fn sync(&mut self, cx: &mut Cx) {
        if !self.asked_once {
            self.asked_once = true;
            self.endpoint = cx.config.kfp.endpoint();
            self.asked = Some(cx.api(self.endpoint.list_experiments(&self.namespace)));
        }
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(Line::from(vec![
                Span::styled(" new run", t.title),
                Span::styled(
                    format!(" {} · {} ", self.pipeline, self.namespace),
                    t.header_value,
                ),
            ]));
        let inner = block.inner(area);
        block.render(area, buf);
        let mark = |i: usize| if i == self.focus { t.selected } else { t.base };
        let mut lines = vec![Line::from(vec![
            Span::styled(format!("{:<22}", "Name"), t.yaml_key),
            Span::styled(format!("[{}]", self.name.text()), mark(0)),
        ])];
        let exp = self
            .experiments
            .get(self.experiment)
            .map(|(_, n)| n.as_str())
            .unwrap_or("(asking the KFP API…)");
        lines.push(Line::from(vec![
            Span::styled(format!("{:<22}", "Experiment"), t.yaml_key),
            Span::styled(format!("< {exp} >"), mark(1)),
        ]));
        lines.push(Line::from(""));
        lines.push(Line::styled("Parameters", t.yaml_key));
        if self.params.is_empty() {
            lines.push(Line::styled("  none", t.dim));
        }
        for (i, p) in self.params.iter().enumerate() {
            let mut spans = vec![
                Span::styled(format!("  {:<20}", p.name), t.base),
                Span::styled(format!("[{}]", p.input.text()), mark(i + 2)),
                Span::styled(format!("  {}", p.kind), t.dim),
            ];
            if let Some(e) = &p.error {
                spans.push(Span::styled(format!("  ✗ {e}"), t.error));
            }
            lines.push(Line::from(spans));
        }
        lines.push(Line::from(""));
        if let Some(e) = &self.error {
            lines.push(Line::styled(e.clone(), t.error));
        }
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .render(inner, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
