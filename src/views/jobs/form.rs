//! Launch a training job from a template (`n` in `:jobs`), on the shared
//! form: PyTorchJob DDP (master + N workers), TFJob workers (the MNIST
//! example of the Kubeflow docs) or a TrainJob on a training runtime. The
//! form asks for what users change most; the server is asked with a dry run
//! (`dryRun=All`) before the real create. A refusal (409 name taken, 422,
//! 403 quota) is shown in the server's words on the field it names, every
//! value kept, and the form is saved as a draft as you type.

use std::any::Any;
use std::sync::Arc;

use crossterm::event::KeyEvent;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use serde_json::{Map, Value, json};

use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::kube::errors::ApiFailure;
use crate::kube::kinds::{self, Kind};
use crate::kube::types::WatchKey;
use crate::views::form::{
    Field, FieldId, Form, Input, Outcome, Request, Step, Submit, Submitter, checks,
};
use crate::views::{Cx, Handled, Subscriptions, View, ViewEvent};

pub const TEMPLATES: &[&str] = &["PyTorchJob DDP", "TFJob workers", "TrainJob"];
const GPU_COUNTS: &[&str] = &["none", "1", "2", "4", "8"];
const VENDORS: &[&str] = &["nvidia.com/gpu", "amd.com/gpu"];
const RUNTIMES: &[&str] = &[
    "torch-distributed",
    "deepspeed-distributed",
    "mlx-distributed",
];

/// Default image and command per template.
fn template_defaults(template: &str) -> (&'static str, &'static str) {
    match template {
        "TFJob workers" => (
            "kubeflow/tf-mnist-with-summaries:latest",
            "python /var/tf_mnist/mnist_with_summaries.py --log_dir=/train/logs",
        ),
        "TrainJob" => (
            "pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime",
            "torchrun /workspace/train.py",
        ),
        _ => (
            "docker.io/kubeflowkatib/pytorch-mnist-gpu:v0.19.0",
            "python3 /opt/pytorch-mnist/mnist.py --epochs=1",
        ),
    }
}

/// Form fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum J {
    Template,
    Name,
    Image,
    Command,
    Workers,
    Gpus,
    GpuVendor,
    Cpu,
    Memory,
    Runtime,
    Queue,
    Launch,
}

impl FieldId for J {
    fn key(self) -> &'static str {
        match self {
            J::Template => "template",
            J::Name => "name",
            J::Image => "image",
            J::Command => "command",
            J::Workers => "workers",
            J::Gpus => "gpus",
            J::GpuVendor => "gpu_vendor",
            J::Cpu => "cpu",
            J::Memory => "memory",
            J::Runtime => "runtime",
            J::Queue => "queue",
            J::Launch => "launch",
        }
    }
}

fn visible(form: &Form<J>, id: J) -> bool {
    let trainjob = form.value(J::Template) == "TrainJob";
    match id {
        J::GpuVendor => form.value(J::Gpus) != "none",
        J::Runtime => trainjob,
        _ => true,
    }
}

fn check(form: &Form<J>, id: J) -> Option<String> {
    let v = form.value(id);
    match id {
        J::Name => checks::name(&v, 63),
        J::Image => checks::image(&v),
        J::Command if v.trim().is_empty() => Some("a command to run, e.g. python3 train.py".into()),
        J::Workers => checks::count(&v, 1, 256),
        J::Cpu | J::Memory => checks::quantity(&v),
        J::Queue if !v.trim().is_empty() => checks::name(&v, 63),
        _ => None,
    }
}

pub struct JobForm {
    pub namespace: String,
    pub form: Form<J>,
    pub submit: Submitter,
    /// The runtimes watch's version last read into the Runtime choice.
    runtimes_seen: u64,
}

/// The cluster's ClusterTrainingRuntimes (trainer v2).
pub fn runtimes_key() -> WatchKey {
    WatchKey::all(&kinds::CLUSTER_TRAINING_RUNTIME)
}

impl std::ops::Deref for JobForm {
    type Target = Form<J>;
    fn deref(&self) -> &Form<J> {
        &self.form
    }
}

impl std::ops::DerefMut for JobForm {
    fn deref_mut(&mut self) -> &mut Form<J> {
        &mut self.form
    }
}

impl JobForm {
    pub fn new(namespace: String, cx: &Cx) -> JobForm {
        let (image, command) = template_defaults(TEMPLATES[0]);
        let fields = vec![
            Field::new(J::Template, "Template", Input::choice(TEMPLATES)),
            Field::new(J::Name, "Name", Input::text("")),
            Field::new(J::Image, "Image", Input::text(image)),
            Field::new(J::Command, "Command", Input::text(command)),
            Field::new(J::Workers, "Workers", Input::text("2")),
            Field::new(J::Gpus, "GPUs/worker", Input::choice(GPU_COUNTS)),
            Field::new(J::GpuVendor, "GPU vendor", Input::choice(VENDORS)),
            Field::new(J::Cpu, "CPU", Input::text("1")),
            Field::new(J::Memory, "Memory", Input::text("2Gi")),
            Field::new(J::Runtime, "Runtime", Input::choice(RUNTIMES)),
            Field::new(J::Queue, "Kueue queue", Input::text("")),
            Field::new(J::Launch, "", Input::Button),
        ];
        let mut form = Form::new(fields, format!("job-new-{namespace}"), visible, check);
        form.load_draft(cx);
        JobForm {
            namespace,
            form,
            submit: Submitter::default(),
            runtimes_seen: 0,
        }
    }

    /// The kind the chosen template creates.
    pub fn kind(&self) -> &'static Kind {
        match self.value(J::Template).as_str() {
            "TFJob workers" => &kinds::TF_JOB,
            "TrainJob" => &kinds::TRAIN_JOB,
            _ => &kinds::PYTORCH_JOB,
        }
    }

    /// A template change brings its image and command, unless edited.
    fn template_changed(&mut self, before: &str) {
        let (old_image, old_cmd) = template_defaults(before);
        let (image, cmd) = template_defaults(&self.value(J::Template));
        if self.value(J::Image) == old_image {
            self.set(J::Image, image);
        }
        if self.value(J::Command) == old_cmd {
            self.set(J::Command, cmd);
        }
    }

    fn resources(&self) -> Value {
        let mut limits = Map::new();
        limits.insert("cpu".into(), json!(self.trimmed(J::Cpu)));
        limits.insert("memory".into(), json!(self.trimmed(J::Memory)));
        if let Ok(n) = self.value(J::Gpus).parse::<u32>() {
            limits.insert(self.value(J::GpuVendor), json!(n.to_string()));
        }
        json!({"limits": limits.clone(), "requests": limits})
    }

    fn command(&self) -> Vec<String> {
        self.value(J::Command)
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }

    fn metadata(&self) -> Value {
        let mut meta = json!({"name": self.trimmed(J::Name), "namespace": self.namespace});
        let queue = self.trimmed(J::Queue);
        if !queue.is_empty() {
            meta["labels"] = json!({"kueue.x-k8s.io/queue-name": queue});
        }
        meta
    }

    /// The job the form describes.
    pub fn body(&self) -> Value {
        let workers: u32 = self.trimmed(J::Workers).parse().unwrap_or(1);
        let kind = self.kind();
        let container = |name: &str| {
            json!({
                "name": name,
                "image": self.trimmed(J::Image),
                "command": self.command(),
                "resources": self.resources(),
            })
        };
        let replica = |n: u32, name: &str| {
            json!({
                "replicas": n,
                "restartPolicy": "OnFailure",
                "template": {"spec": {"containers": [container(name)]}},
            })
        };
        let spec = match kind.kind {
            "TFJob" => json!({
                "runPolicy": {"cleanPodPolicy": "None"},
                "tfReplicaSpecs": {"Worker": replica(workers, "tensorflow")},
            }),
            "TrainJob" => json!({
                "runtimeRef": {"apiGroup": "trainer.kubeflow.org", "kind": "ClusterTrainingRuntime",
                               "name": self.value(J::Runtime)},
                "trainer": {
                    "numNodes": workers,
                    "image": self.trimmed(J::Image),
                    "command": self.command(),
                    "resourcesPerNode": self.resources(),
                },
            }),
            _ => json!({
                "runPolicy": {"cleanPodPolicy": "None"},
                "pytorchReplicaSpecs": {
                    "Master": replica(1, "pytorch"),
                    "Worker": replica(workers, "pytorch"),
                },
            }),
        };
        json!({
            "apiVersion": kind.api_version(),
            "kind": kind.kind,
            "metadata": self.metadata(),
            "spec": spec,
        })
    }

    /// The job as a request to create.
    pub fn request(&self) -> Request {
        Request::new("job", self.kind(), &self.namespace, self.body())
            .saying(format!("creating {}…", self.kind().kind))
    }

    fn start_submit(&mut self, cx: &mut Cx) {
        self.form.error = None;
        if self.submit.refuse_if_busy(cx) {
            return;
        }
        if let Some(reason) = cx.denied("create", self.kind(), Some(&self.namespace)) {
            let text = format!("cannot create {}: {reason}", self.kind().kind);
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

    /// A refusal in plain words, on the field it names.
    fn fail(&mut self, what: &str, e: &ApiFailure, cx: &mut Cx) {
        let field = if e.reason == "AlreadyExists" || e.code == Some(409) {
            Some(J::Name)
        } else {
            checks::field_in_message(
                e,
                &[
                    ("metadata.name", J::Name),
                    ("image", J::Image),
                    ("command", J::Command),
                    ("replicas", J::Workers),
                    ("numNodes", J::Workers),
                    ("cpu", J::Cpu),
                    ("memory", J::Memory),
                    ("gpu", J::Gpus),
                ],
            )
        };
        self.form.fail_at(field, what, e, cx);
    }
}

impl View for JobForm {
    fn title(&self) -> String {
        "launch job".into()
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

    fn subscriptions(&self, _scope: &Scope, subs: &mut Subscriptions) {
        subs.watches.insert(runtimes_key());
    }

    /// The Runtime choice offers the cluster's ClusterTrainingRuntimes when
    /// it lists any (else the usual names).
    fn sync(&mut self, cx: &mut Cx) {
        let Some(set) = cx.store.get(&runtimes_key()) else {
            return;
        };
        if set.version == self.runtimes_seen || !set.listed {
            return;
        }
        self.runtimes_seen = set.version;
        let mut names: Vec<String> = set.iter().filter_map(|o| o.metadata.name.clone()).collect();
        names.sort();
        if !names.is_empty() {
            self.field_mut(J::Runtime).input.set_options(names);
        }
    }

    fn text_focus(&self) -> bool {
        self.form.text_focus()
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        if action == Action::EditYaml {
            let text = crate::views::editor::to_text(&self.body());
            let editor = crate::views::editor::EditorView::new(
                self.kind(),
                &self.namespace,
                &text,
                format!("editor-job-new-{}", self.namespace),
                "from the launch form",
                cx,
            );
            cx.push(Box::new(editor.from_form(self.form.draft_name.clone())));
            return Handled::Yes;
        }
        let before = self.value(J::Template);
        match self.form.on_action(action, cx) {
            Outcome::Submit => self.start_submit(cx),
            Outcome::Done => {
                if self.value(J::Template) != before {
                    self.template_changed(&before);
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
                    "created {} {}/{}",
                    self.kind().kind,
                    self.namespace,
                    self.trimmed(J::Name)
                ));
                cx.pop();
                if let Ok(obj) = serde_json::from_value::<DynamicObject>(object.clone()) {
                    cx.push(Box::new(super::detail::JobDetail::new(
                        self.kind(),
                        Arc::new(obj),
                    )));
                }
            }
        }
        Handled::Yes
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        let title = Line::from(vec![
            Span::styled(format!(" Launch {}", self.kind().kind), t.title),
            Span::styled(format!(" in {} ", self.namespace), t.header_value),
        ]);
        let button = match &self.submit.state {
            Submit::Idle => "[ Launch ]",
            _ => "[ Launching… ]",
        };
        self.form.render(
            t,
            title,
            button,
            "   ctrl-s launch · esc close (draft kept)",
            area,
            buf,
        );
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
