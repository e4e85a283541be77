//! The new notebook form, keyboard only: name, image, CPU, memory, GPUs,
//! workspace and data volumes, PodDefault configurations. Values are checked
//! in place; the server is asked with a dry run before the real create (PVC
//! first, then the Notebook, as the Kubeflow web app does). A failed submit
//! keeps every value and says why; the form is saved as a draft as you type.

use std::any::Any;
use std::collections::BTreeMap;

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use serde_json::{Value, json};

use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::kube::errors::ApiFailure;
use crate::kube::kinds;
use crate::kube::types::WatchKey;
pub use crate::views::form::{Field, Input, Submit};
use crate::views::form::{FieldId, Form, Outcome, Request, Step, Submitter, checks};
use crate::views::{Cx, Handled, Subscriptions, View, ViewEvent, columns};

/// Images offered, as in Kubeflow's notebooks web app.
pub const IMAGES: &[&str] = &[
    "kubeflownotebookswg/jupyter-scipy:v1.9.0",
    "kubeflownotebookswg/jupyter-pytorch-full:v1.9.0",
    "kubeflownotebookswg/jupyter-pytorch-cuda-full:v1.9.0",
    "kubeflownotebookswg/jupyter-tensorflow-full:v1.9.0",
    "kubeflownotebookswg/jupyter-tensorflow-cuda-full:v1.9.0",
    "kubeflownotebookswg/codeserver-python:v1.9.0",
    "kubeflownotebookswg/rstudio-tidyverse:v1.9.0",
];
const CUSTOM: &str = "custom image…";
const GPU_COUNTS: &[&str] = &["none", "1", "2", "4", "8"];
const VENDORS: &[&str] = &["nvidia.com/gpu", "amd.com/gpu"];
const WORKSPACE: &[&str] = &["new volume", "existing volume", "none"];

/// Form fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum F {
    Name,
    Image,
    CustomImage,
    Cpu,
    Memory,
    Gpus,
    GpuVendor,
    Workspace,
    WorkspaceSize,
    WorkspaceExisting,
    DataVolumes,
    Configurations,
    Create,
}

impl FieldId for F {
    fn key(self) -> &'static str {
        match self {
            F::Name => "name",
            F::Image => "image",
            F::CustomImage => "custom_image",
            F::Cpu => "cpu",
            F::Memory => "memory",
            F::Gpus => "gpus",
            F::GpuVendor => "gpu_vendor",
            F::Workspace => "workspace",
            F::WorkspaceSize => "workspace_size",
            F::WorkspaceExisting => "workspace_existing",
            F::DataVolumes => "data_volumes",
            F::Configurations => "configurations",
            F::Create => "create",
        }
    }
}

pub struct NotebookForm {
    pub namespace: String,
    /// The fields, focus, errors and draft (the shared form).
    pub form: Form<F>,
    pub submit: Submitter,
    user: String,
    /// A workspace PVC this form already created (a retry may reuse it).
    created_pvc: Option<String>,
    /// Which PodDefault adds which labels.
    pod_default_labels: BTreeMap<String, Vec<String>>,
    seen: u64,
}

impl std::ops::Deref for NotebookForm {
    type Target = Form<F>;
    fn deref(&self) -> &Form<F> {
        &self.form
    }
}

impl std::ops::DerefMut for NotebookForm {
    fn deref_mut(&mut self) -> &mut Form<F> {
        &mut self.form
    }
}

fn visible(form: &Form<F>, id: F) -> bool {
    match id {
        F::CustomImage => form.value(F::Image) == CUSTOM,
        F::GpuVendor => form.value(F::Gpus) != "none",
        F::WorkspaceSize => form.value(F::Workspace) == WORKSPACE[0],
        F::WorkspaceExisting => form.value(F::Workspace) == WORKSPACE[1],
        _ => true,
    }
}

/// Checks one field; `None` when it is fine.
fn check(form: &Form<F>, id: F) -> Option<String> {
    let v = form.value(id);
    let v = v.trim();
    match id {
        F::Name => checks::name(v, 52),
        F::CustomImage if form.visible(id) => checks::image(v),
        F::Cpu | F::Memory | F::WorkspaceSize if form.visible(id) => checks::quantity(v),
        F::WorkspaceExisting if form.visible(id) && v.is_empty() => {
            Some("no existing volume in this namespace; choose 'new volume'".into())
        }
        _ => None,
    }
}

impl NotebookForm {
    pub fn new(namespace: String, cx: &Cx) -> NotebookForm {
        let mut image_options: Vec<&str> = IMAGES.to_vec();
        image_options.push(CUSTOM);
        let fields = vec![
            Field::new(F::Name, "Name", Input::text("")),
            Field::new(F::Image, "Image", Input::choice(&image_options)),
            Field::new(F::CustomImage, "Custom image", Input::text("")),
            Field::new(F::Cpu, "CPU", Input::text("0.5")),
            Field::new(F::Memory, "Memory", Input::text("1Gi")),
            Field::new(F::Gpus, "GPUs", Input::choice(GPU_COUNTS)),
            Field::new(F::GpuVendor, "GPU vendor", Input::choice(VENDORS)),
            Field::new(F::Workspace, "Workspace", Input::choice(WORKSPACE)),
            Field::new(F::WorkspaceSize, "Workspace size", Input::text("10Gi")),
            Field::new(F::WorkspaceExisting, "Existing volume", Input::choice(&[])),
            Field::new(F::DataVolumes, "Data volumes", Input::multi()),
            Field::new(F::Configurations, "Configurations", Input::multi()),
            Field::new(F::Create, "", Input::Button),
        ];
        let mut form = Form::new(fields, format!("notebook-new-{namespace}"), visible, check);
        form.load_draft(cx);
        NotebookForm {
            namespace,
            form,
            submit: Submitter::default(),
            user: cx.cluster.map(|c| c.user.clone()).unwrap_or_default(),
            created_pvc: None,
            pod_default_labels: BTreeMap::new(),
            seen: u64::MAX,
        }
    }

    pub fn draft_name(&self) -> String {
        self.form.draft_name.clone()
    }

    fn image(&self) -> String {
        match self.value(F::Image).as_str() {
            CUSTOM => self.value(F::CustomImage).trim().to_string(),
            other => other.to_string(),
        }
    }

    fn workspace_claim(&self) -> Option<String> {
        match self.value(F::Workspace).as_str() {
            w if w == WORKSPACE[0] => Some(format!("{}-workspace", self.value(F::Name).trim())),
            w if w == WORKSPACE[1] => Some(self.value(F::WorkspaceExisting)),
            _ => None,
        }
    }

    /// The PVC to create for a new workspace.
    pub fn pvc_body(&self) -> Option<Value> {
        if self.value(F::Workspace) != WORKSPACE[0] {
            return None;
        }
        let name = self.workspace_claim()?;
        Some(json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": self.namespace},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": self.value(F::WorkspaceSize).trim()}}
            }
        }))
    }

    /// The Notebook as the Kubeflow notebooks web app would create it.
    pub fn notebook_body(&self) -> Value {
        let name = self.value(F::Name).trim().to_string();
        let image = self.image();
        let cpu = self.value(F::Cpu).trim().to_string();
        let memory = self.value(F::Memory).trim().to_string();
        let mut limits = serde_json::Map::new();
        limits.insert("cpu".into(), json!(cpu));
        limits.insert("memory".into(), json!(memory));
        if let Ok(n) = self.value(F::Gpus).parse::<u32>() {
            limits.insert(self.value(F::GpuVendor), json!(n.to_string()));
        }
        let mut mounts = vec![json!({"name": "dshm", "mountPath": "/dev/shm"})];
        let mut volumes = vec![json!({"name": "dshm", "emptyDir": {"medium": "Memory"}})];
        if let Some(claim) = self.workspace_claim().filter(|c| !c.is_empty()) {
            mounts.push(json!({"name": claim, "mountPath": super::model::WORKSPACE_MOUNT}));
            volumes.push(json!({"name": claim, "persistentVolumeClaim": {"claimName": claim}}));
        }
        for claim in self
            .value(F::DataVolumes)
            .split(',')
            .filter(|c| !c.is_empty())
        {
            mounts.push(json!({"name": claim, "mountPath": format!("/home/jovyan/{claim}")}));
            volumes.push(json!({"name": claim, "persistentVolumeClaim": {"claimName": claim}}));
        }
        let server_type = if image.contains("codeserver") {
            "group-one"
        } else if image.contains("rstudio") {
            "group-two"
        } else {
            "jupyter"
        };
        let mut labels = serde_json::Map::new();
        labels.insert("app".into(), json!(name));
        for pd in self
            .value(F::Configurations)
            .split(',')
            .filter(|c| !c.is_empty())
        {
            for label in self.pod_default_labels.get(pd).into_iter().flatten() {
                labels.insert(label.clone(), json!("true"));
            }
        }
        json!({
            "apiVersion": "kubeflow.org/v1",
            "kind": "Notebook",
            "metadata": {
                "name": name,
                "namespace": self.namespace,
                "labels": labels,
                "annotations": {
                    "notebooks.kubeflow.org/server-type": server_type,
                    "notebooks.kubeflow.org/creator": self.user,
                }
            },
            "spec": {"template": {"spec": {
                "serviceAccountName": "default-editor",
                "containers": [{
                    "name": name,
                    "image": image,
                    "imagePullPolicy": "IfNotPresent",
                    "ports": [{"containerPort": 8888, "name": "notebook-port", "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": limits},
                    "volumeMounts": mounts
                }],
                "volumes": volumes
            }}}
        })
    }

    fn start_submit(&mut self, cx: &mut Cx) {
        self.error = None;
        if self.submit.refuse_if_busy(cx) {
            return;
        }
        if !self.validate() {
            cx.error("fix the marked fields first");
            return;
        }
        // The workspace volume first (unless an earlier try made it),
        // then the Notebook that mounts it.
        let mut requests = Vec::new();
        if let Some(pvc) = self.pvc_body().filter(|_| self.created_pvc.is_none()) {
            requests.push(
                Request::new("workspace volume", &kinds::PVC, &self.namespace, pvc)
                    .saying("creating the workspace volume…"),
            );
        }
        let mut notebook = Request::new(
            "notebook",
            &kinds::NOTEBOOK,
            &self.namespace,
            self.notebook_body(),
        );
        if !requests.is_empty() {
            notebook = notebook.saying("creating the notebook…");
        }
        requests.push(notebook);
        // The Notebook's dry run first, as the Kubeflow web app asks.
        let dry_runs: Vec<Request> = requests.iter().rev().cloned().collect();
        self.submit.start_with(&dry_runs, requests, cx);
    }

    /// Puts a server error where it belongs: on a field if it names one.
    fn fail(&mut self, what: &str, e: &ApiFailure, cx: &mut Cx) {
        let field = if e.reason == "AlreadyExists" && what == "notebook" {
            Some(F::Name)
        } else {
            checks::field_in_message(
                e,
                &[
                    ("metadata.name", F::Name),
                    ("image", F::Image),
                    ("cpu", F::Cpu),
                    ("memory", F::Memory),
                    ("storage", F::WorkspaceSize),
                    ("gpu", F::Gpus),
                ],
            )
        };
        self.form.fail_at(field, what, e, cx);
    }

    fn refresh_options(&mut self, cx: &Cx) {
        let pvc_key = WatchKey::in_namespace(&kinds::PVC, Some(&self.namespace));
        let pd_key = WatchKey::in_namespace(&kinds::POD_DEFAULT, Some(&self.namespace));
        let version = [&pvc_key, &pd_key]
            .iter()
            .map(|k| cx.store.get(k).map(|s| s.version).unwrap_or(0))
            .sum::<u64>();
        if version == self.seen {
            return;
        }
        self.seen = version;
        let mut pvcs: Vec<String> = cx
            .store
            .get(&pvc_key)
            .map(|s| s.iter().map(|o| columns::name(o).to_string()).collect())
            .unwrap_or_default();
        pvcs.sort();
        let mut pds: Vec<(String, Vec<String>)> = cx
            .store
            .get(&pd_key)
            .map(|s| {
                s.iter()
                    .map(|o| {
                        let labels = o
                            .data
                            .pointer("/spec/selector/matchLabels")
                            .and_then(Value::as_object)
                            .map(|m| m.keys().cloned().collect())
                            .unwrap_or_default();
                        (columns::name(o).to_string(), labels)
                    })
                    .collect()
            })
            .unwrap_or_default();
        pds.sort();
        self.pod_default_labels = pds.iter().cloned().collect();
        self.field_mut(F::WorkspaceExisting)
            .input
            .set_options(pvcs.clone());
        self.field_mut(F::DataVolumes).input.set_options(pvcs);
        self.field_mut(F::Configurations)
            .input
            .set_options(pds.into_iter().map(|(n, _)| n).collect());
    }
}

impl View for NotebookForm {
    fn title(&self) -> String {
        "new notebook".into()
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
        subs.watches
            .insert(WatchKey::in_namespace(&kinds::PVC, Some(&self.namespace)));
        subs.watches.insert(WatchKey::in_namespace(
            &kinds::POD_DEFAULT,
            Some(&self.namespace),
        ));
    }

    fn text_focus(&self) -> bool {
        self.form.text_focus()
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        if action == Action::EditYaml {
            let text = crate::views::editor::to_text(&self.notebook_body());
            let origin = if self.pvc_body().is_some() && self.created_pvc.is_none() {
                "from the form (the new workspace volume is not in this YAML: the form creates it)"
            } else {
                "from the form"
            };
            let editor = crate::views::editor::EditorView::new(
                &kinds::NOTEBOOK,
                &self.namespace,
                &text,
                format!("editor-notebook-new-{}", self.namespace),
                origin,
                cx,
            );
            cx.push(Box::new(editor.from_form(self.form.draft_name.clone())));
            return Handled::Yes;
        }
        match self.form.on_action(action, cx) {
            Outcome::Submit => self.start_submit(cx),
            Outcome::Done => {}
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
                what: "notebook",
                failure,
                dry_run: false,
            } => {
                let mut text = failure.clone();
                if let Some(pvc) = &self.created_pvc {
                    text.message = format!(
                        "{} (workspace volume {pvc} was created and will be reused)",
                        failure.message
                    );
                }
                self.fail("notebook", &text, cx);
            }
            Step::Failed { what, failure, .. } => self.fail(what, failure, cx),
            Step::Created {
                what: "workspace volume",
                ..
            } => self.created_pvc = self.workspace_claim(),
            Step::Created { .. } => {
                self.form.delete_draft(cx);
                cx.info(format!(
                    "created notebook {}/{}",
                    self.namespace,
                    self.value(F::Name).trim()
                ));
                cx.pop();
            }
        }
        Handled::Yes
    }

    fn sync(&mut self, cx: &mut Cx) {
        self.refresh_options(cx);
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        let title = Line::from(vec![
            Span::styled(" New notebook", t.title),
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
