//! New experiment (`n` in `:katib`) on the shared form, from a template for
//! random, grid, Bayesian or TPE search, pre-filled as the Kubeflow docs'
//! example is: learning_rate 0.01-0.05 and batch_size 80-100, minimize
//! `loss` with goal 0.001, 12 trials, 3 in parallel. Parameters are written
//! one per comma: `name type min..max[/step]` or `name categorical a|b`.
//! Bad spaces (min > max, an empty list), a command that leaves out a
//! parameter's `${trialParameters.x}` or names an unknown one are refused
//! in place; the server is asked with a dry run before the create, and a
//! refusal keeps every value.

use std::any::Any;
use std::sync::Arc;

use crossterm::event::KeyEvent;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use serde_json::{Value, json};

use crate::app::action::Action;
use crate::app::state::State;
use crate::kube::errors::ApiFailure;
use crate::kube::kinds;
use crate::views::form::{
    Field, FieldId, Form, Input, Outcome, Request, Step, Submit, Submitter, checks,
};
use crate::views::{Cx, Handled, View, ViewEvent};

pub use super::space::{Space, parse_params, placeholders};

pub const ALGORITHMS: &[&str] = &["random", "grid", "bayesianoptimization", "tpe"];
const DIRECTIONS: &[&str] = &["minimize", "maximize"];
const EARLY: &[&str] = &["none", "medianstop"];
const GPU_COUNTS: &[&str] = &["none", "1", "2", "4", "8"];

pub const DEFAULT_PARAMS: &str = "learning_rate double 0.01..0.05, batch_size int 80..100";
pub const DEFAULT_IMAGE: &str = "docker.io/kubeflowkatib/pytorch-mnist-cpu:v0.19.0";
pub const DEFAULT_COMMAND: &str = "python3 /opt/pytorch-mnist/mnist.py --epochs=1 --lr=${trialParameters.learning_rate} --batch-size=${trialParameters.batch_size}";
/// Grid search needs a step for every double parameter.
pub const GRID_PARAMS: &str = "learning_rate double 0.01..0.05/0.01, batch_size int 80..100/10";

/// Form fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum E {
    Algorithm,
    Name,
    Direction,
    Metric,
    Goal,
    Additional,
    Parameters,
    MaxTrials,
    Parallel,
    MaxFailed,
    EarlyStopping,
    Image,
    Command,
    Gpus,
    Create,
}

impl FieldId for E {
    fn key(self) -> &'static str {
        match self {
            E::Algorithm => "algorithm",
            E::Name => "name",
            E::Direction => "direction",
            E::Metric => "metric",
            E::Goal => "goal",
            E::Additional => "additional",
            E::Parameters => "parameters",
            E::MaxTrials => "max_trials",
            E::Parallel => "parallel",
            E::MaxFailed => "max_failed",
            E::EarlyStopping => "early_stopping",
            E::Image => "image",
            E::Command => "command",
            E::Gpus => "gpus",
            E::Create => "create",
        }
    }
}

fn check(form: &Form<E>, id: E) -> Option<String> {
    let v = form.value(id);
    let grid = form.value(E::Algorithm) == "grid";
    match id {
        E::Name => checks::name(&v, 63),
        E::Metric if v.trim().is_empty() => Some("the metric the workers print, e.g. loss".into()),
        E::Goal if !v.trim().is_empty() && v.trim().parse::<f64>().is_err() => {
            Some("a number, or empty for none".into())
        }
        E::Parameters => parse_params(&v, grid).err(),
        E::MaxTrials => checks::count(&v, 1, 10_000),
        E::Parallel => checks::count(&v, 1, 1_000).or_else(|| {
            let p: u32 = v.trim().parse().ok()?;
            let m: u32 = form.trimmed(E::MaxTrials).parse().ok()?;
            (p > m).then(|| format!("more than the {m} trials in all"))
        }),
        E::MaxFailed => checks::count(&v, 0, 10_000),
        E::Image => checks::image(&v),
        E::Command => {
            if v.trim().is_empty() {
                return Some("the command each trial runs".into());
            }
            let params = parse_params(&form.value(E::Parameters), grid).ok()?;
            let used = placeholders(&v);
            if let Some(u) = used.iter().find(|u| !params.iter().any(|p| &p.name == *u)) {
                return Some(format!("${{trialParameters.{u}}} names no parameter"));
            }
            params
                .iter()
                .find(|p| !used.contains(&p.name))
                .map(|p| {
                    format!(
                        "{} is never passed: add ${{trialParameters.{}}} (every trial would run the same)",
                        p.name, p.name
                    )
                })
        }
        _ => None,
    }
}

pub struct ExperimentForm {
    pub namespace: String,
    pub form: Form<E>,
    pub submit: Submitter,
}

impl std::ops::Deref for ExperimentForm {
    type Target = Form<E>;
    fn deref(&self) -> &Form<E> {
        &self.form
    }
}

impl std::ops::DerefMut for ExperimentForm {
    fn deref_mut(&mut self) -> &mut Form<E> {
        &mut self.form
    }
}

impl ExperimentForm {
    pub fn new(namespace: String, cx: &Cx) -> ExperimentForm {
        let fields = vec![
            Field::new(E::Algorithm, "Algorithm", Input::choice(ALGORITHMS)),
            Field::new(E::Name, "Name", Input::text("random-search")),
            Field::new(E::Direction, "Objective", Input::choice(DIRECTIONS)),
            Field::new(E::Metric, "Metric", Input::text("loss")),
            Field::new(E::Goal, "Goal", Input::text("0.001")),
            Field::new(E::Additional, "Also record", Input::text("")),
            Field::new(E::Parameters, "Parameters", Input::text(DEFAULT_PARAMS)),
            Field::new(E::MaxTrials, "Max trials", Input::text("12")),
            Field::new(E::Parallel, "Parallel", Input::text("3")),
            Field::new(E::MaxFailed, "Max failed", Input::text("3")),
            Field::new(E::EarlyStopping, "Early stop", Input::choice(EARLY)),
            Field::new(E::Image, "Image", Input::text(DEFAULT_IMAGE)),
            Field::new(E::Command, "Command", Input::text(DEFAULT_COMMAND)),
            Field::new(E::Gpus, "GPUs/trial", Input::choice(GPU_COUNTS)),
            Field::new(E::Create, "", Input::Button),
        ];
        let mut form = Form::new(
            fields,
            format!("experiment-new-{namespace}"),
            |_, _| true,
            check,
        );
        form.load_draft(cx);
        ExperimentForm {
            namespace,
            form,
            submit: Submitter::default(),
        }
    }

    /// The Experiment the form describes (call after `validate`).
    pub fn body(&self) -> Value {
        let grid = self.value(E::Algorithm) == "grid";
        let params = parse_params(&self.value(E::Parameters), grid).unwrap_or_default();
        let num = |id: E| self.trimmed(id).parse::<u32>().unwrap_or(1);
        let mut objective = json!({
            "type": self.value(E::Direction),
            "objectiveMetricName": self.trimmed(E::Metric),
        });
        if let Ok(g) = self.trimmed(E::Goal).parse::<f64>() {
            objective["goal"] = json!(g);
        }
        let additional: Vec<String> = self
            .value(E::Additional)
            .split([',', ' '])
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect();
        if !additional.is_empty() {
            objective["additionalMetricNames"] = json!(additional);
        }
        let parameters: Vec<Value> = params
            .iter()
            .map(|p| {
                let fs = if p.list.is_empty() {
                    let mut fs = json!({"min": p.min, "max": p.max});
                    if let Some(st) = &p.step {
                        fs["step"] = json!(st);
                    }
                    fs
                } else {
                    json!({"list": p.list})
                };
                json!({"name": p.name, "parameterType": p.kind, "feasibleSpace": fs})
            })
            .collect();
        let trial_params: Vec<Value> = params
            .iter()
            .map(|p| json!({"name": p.name, "description": p.name, "reference": p.name}))
            .collect();
        let mut container = json!({
            "name": "training-container",
            "image": self.trimmed(E::Image),
            "command": self.value(E::Command).split_whitespace().collect::<Vec<_>>(),
        });
        if let Ok(n) = self.value(E::Gpus).parse::<u32>() {
            container["resources"] = json!({"limits": {"nvidia.com/gpu": n.to_string()}});
        }
        let mut spec = json!({
            "objective": objective,
            "algorithm": {"algorithmName": self.value(E::Algorithm)},
            "parallelTrialCount": num(E::Parallel),
            "maxTrialCount": num(E::MaxTrials),
            "maxFailedTrialCount": self.trimmed(E::MaxFailed).parse::<u32>().unwrap_or(0),
            "parameters": parameters,
            "trialTemplate": {
                "primaryContainerName": "training-container",
                "trialParameters": trial_params,
                "trialSpec": {
                    "apiVersion": "batch/v1",
                    "kind": "Job",
                    "spec": {"template": {
                        "metadata": {"annotations": {"sidecar.istio.io/inject": "false"}},
                        "spec": {"containers": [container], "restartPolicy": "Never"},
                    }},
                },
            },
        });
        if self.value(E::EarlyStopping) == "medianstop" {
            spec["earlyStopping"] = json!({"algorithmName": "medianstop", "algorithmSettings": [
                {"name": "min_trials_required", "value": "3"}, {"name": "start_step", "value": "2"}]});
        }
        json!({
            "apiVersion": kinds::EXPERIMENT.api_version(),
            "kind": "Experiment",
            "metadata": {"name": self.trimmed(E::Name), "namespace": self.namespace},
            "spec": spec,
        })
    }

    /// The experiment as a request to create.
    pub fn request(&self) -> Request {
        Request::new(
            "experiment",
            &kinds::EXPERIMENT,
            &self.namespace,
            self.body(),
        )
        .saying("creating Experiment…")
    }

    fn start_submit(&mut self, cx: &mut Cx) {
        self.form.error = None;
        if self.submit.refuse_if_busy(cx) {
            return;
        }
        if let Some(reason) = cx.denied("create", &kinds::EXPERIMENT, Some(&self.namespace)) {
            let text = format!("cannot create Experiment: {reason}");
            self.form.error = Some(text.clone());
            cx.error(text);
            return;
        }
        if !self.form.validate() {
            cx.error("fix the marked fields first");
            return;
        }
        self.submit.start(vec![self.request()], cx);
    }

    fn fail(&mut self, what: &str, e: &ApiFailure, cx: &mut Cx) {
        let field = if e.reason == "AlreadyExists" || e.code == Some(409) {
            Some(E::Name)
        } else {
            checks::field_in_message(
                e,
                &[
                    ("metadata.name", E::Name),
                    ("parameters", E::Parameters),
                    ("objective", E::Metric),
                    ("algorithm", E::Algorithm),
                    ("maxTrialCount", E::MaxTrials),
                    ("parallelTrialCount", E::Parallel),
                    ("trialTemplate", E::Command),
                ],
            )
        };
        self.form.fail_at(field, what, e, cx);
    }

    /// A template change brings its parameter spaces, unless edited.
    fn algorithm_changed(&mut self, before: &str) {
        let old = if before == "grid" {
            GRID_PARAMS
        } else {
            DEFAULT_PARAMS
        };
        let new = if self.value(E::Algorithm) == "grid" {
            GRID_PARAMS
        } else {
            DEFAULT_PARAMS
        };
        if self.value(E::Parameters) == old {
            self.set(E::Parameters, new);
        }
        let name = self.value(E::Name);
        let old_name = format!("{}-search", short(before));
        if name == old_name {
            let n = format!("{}-search", short(&self.value(E::Algorithm)));
            self.set(E::Name, &n);
        }
    }
}

fn short(algorithm: &str) -> &str {
    match algorithm {
        "bayesianoptimization" => "bayesian",
        a => a,
    }
}

impl View for ExperimentForm {
    fn title(&self) -> String {
        "new experiment".into()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["form"]
    }

    fn hints(&self) -> &'static [Action] {
        &[
            Action::NextField,
            Action::Toggle,
            Action::Submit,
            Action::Back,
        ]
    }

    fn text_focus(&self) -> bool {
        self.form.text_focus()
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        if action == Action::EditYaml {
            let text = crate::views::editor::to_text(&self.body());
            let editor = crate::views::editor::EditorView::new(
                &kinds::EXPERIMENT,
                &self.namespace,
                &text,
                format!("editor-experiment-new-{}", self.namespace),
                "from the new-experiment form",
                cx,
            );
            cx.push(Box::new(editor.from_form(self.form.draft_name.clone())));
            return Handled::Yes;
        }
        let before = self.value(E::Algorithm);
        match self.form.on_action(action, cx) {
            Outcome::Submit => self.start_submit(cx),
            Outcome::Done => {
                if self.value(E::Algorithm) != before {
                    self.algorithm_changed(&before);
                    self.form.save_draft(cx);
                }
            }
            Outcome::Ignored => return Handled::No,
        }
        Handled::Yes
    }

    fn on_key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        self.form.on_key(key, cx)
    }

    fn on_paste(&mut self, text: &str, cx: &mut Cx) -> Handled {
        self.form.on_paste(text, cx)
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        match self.submit.on_event(event, cx) {
            Step::NotMine => return Handled::No,
            Step::Pending => {}
            Step::Failed {
                failure, dry_run, ..
            } => self.fail(if dry_run { "dry run" } else { "create" }, failure, cx),
            Step::Created { object, .. } => {
                self.form.delete_draft(cx);
                cx.info(format!(
                    "created Experiment {}/{}",
                    self.namespace,
                    self.trimmed(E::Name)
                ));
                cx.pop();
                if let Ok(obj) = serde_json::from_value::<DynamicObject>(object.clone()) {
                    cx.push(Box::new(super::detail::ExperimentDetail::new(Arc::new(
                        obj,
                    ))));
                }
            }
        }
        Handled::Yes
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        let title = Line::from(vec![
            Span::styled(" New Experiment", t.title),
            Span::styled(format!(" in {} ", self.namespace), t.header_value),
        ]);
        let button = match &self.submit.state {
            Submit::Idle => "[ Create ]",
            _ => "[ Creating… ]",
        };
        self.form.render(
            t,
            title,
            button,
            "   ctrl-s create · esc close (draft kept)",
            area,
            buf,
        );
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
