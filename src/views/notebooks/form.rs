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
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};
use serde_json::{Value, json};

use crate::app::action::Action;
use crate::app::command::is_dns_label;
use crate::app::effect::Effect;
use crate::app::line::LineInput;
use crate::app::state::{Scope, State};
use crate::kube::errors::ApiFailure;
use crate::kube::kinds;
use crate::kube::quantity;
use crate::kube::types::{ApiOp, WatchKey};
use crate::views::table::truncate;
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

impl F {
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

/// How a field takes input.
#[derive(Debug, Clone)]
pub enum Input {
    Text(Box<LineInput>),
    Choice {
        options: Vec<String>,
        index: usize,
    },
    Multi {
        options: Vec<String>,
        on: Vec<bool>,
        cursor: usize,
    },
    Button,
}

impl Input {
    fn choice(options: &[&str]) -> Input {
        Input::Choice {
            options: options.iter().map(|s| s.to_string()).collect(),
            index: 0,
        }
    }

    /// The value as text (a choice's option, a multi's selected options joined).
    pub fn value(&self) -> String {
        match self {
            Input::Text(l) => l.text().to_string(),
            Input::Choice { options, index } => options.get(*index).cloned().unwrap_or_default(),
            Input::Multi { options, on, .. } => options
                .iter()
                .zip(on)
                .filter(|(_, o)| **o)
                .map(|(n, _)| n.clone())
                .collect::<Vec<_>>()
                .join(","),
            Input::Button => String::new(),
        }
    }

    fn set_value(&mut self, v: &str) {
        match self {
            Input::Text(l) => l.set(v),
            Input::Choice { options, index } => {
                if let Some(i) = options.iter().position(|o| o == v) {
                    *index = i;
                }
            }
            Input::Multi { options, on, .. } => {
                let wanted: Vec<&str> = v.split(',').collect();
                for (o, flag) in options.iter().zip(on.iter_mut()) {
                    *flag = wanted.contains(&o.as_str());
                }
            }
            Input::Button => {}
        }
    }

    /// Replaces a choice's or multi's options, keeping what was chosen.
    fn set_options(&mut self, new: Vec<String>) {
        let current = self.value();
        match self {
            Input::Choice { options, index } => {
                *options = new;
                *index = options.iter().position(|o| *o == current).unwrap_or(0);
            }
            Input::Multi {
                options,
                on,
                cursor,
            } => {
                let chosen: Vec<&str> = current.split(',').collect();
                *on = new.iter().map(|o| chosen.contains(&o.as_str())).collect();
                *options = new;
                *cursor = (*cursor).min(options.len().saturating_sub(1));
            }
            _ => {}
        }
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    pub id: F,
    pub label: &'static str,
    pub input: Input,
    pub error: Option<String>,
}

/// Where a submit is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submit {
    Idle,
    /// Waiting for dry runs: (request id, what).
    DryRun(Vec<(u64, &'static str)>),
    CreatingPvc(u64),
    CreatingNotebook(u64),
}

pub struct NotebookForm {
    pub namespace: String,
    pub fields: Vec<Field>,
    pub focus: F,
    /// A problem that belongs to no single field (server errors).
    pub error: Option<String>,
    pub submit: Submit,
    user: String,
    /// A workspace PVC this form already created (a retry may reuse it).
    created_pvc: Option<String>,
    /// Which PodDefault adds which labels.
    pod_default_labels: BTreeMap<String, Vec<String>>,
    seen: u64,
}

fn text(v: &str) -> Input {
    Input::Text(Box::new(LineInput::new(v)))
}

impl NotebookForm {
    pub fn new(namespace: String, cx: &Cx) -> NotebookForm {
        let mut image_options: Vec<&str> = IMAGES.to_vec();
        image_options.push(CUSTOM);
        let fields = vec![
            Field {
                id: F::Name,
                label: "Name",
                input: text(""),
                error: None,
            },
            Field {
                id: F::Image,
                label: "Image",
                input: Input::choice(&image_options),
                error: None,
            },
            Field {
                id: F::CustomImage,
                label: "Custom image",
                input: text(""),
                error: None,
            },
            Field {
                id: F::Cpu,
                label: "CPU",
                input: text("0.5"),
                error: None,
            },
            Field {
                id: F::Memory,
                label: "Memory",
                input: text("1Gi"),
                error: None,
            },
            Field {
                id: F::Gpus,
                label: "GPUs",
                input: Input::choice(GPU_COUNTS),
                error: None,
            },
            Field {
                id: F::GpuVendor,
                label: "GPU vendor",
                input: Input::choice(VENDORS),
                error: None,
            },
            Field {
                id: F::Workspace,
                label: "Workspace",
                input: Input::choice(WORKSPACE),
                error: None,
            },
            Field {
                id: F::WorkspaceSize,
                label: "Workspace size",
                input: text("10Gi"),
                error: None,
            },
            Field {
                id: F::WorkspaceExisting,
                label: "Existing volume",
                input: Input::Choice {
                    options: Vec::new(),
                    index: 0,
                },
                error: None,
            },
            Field {
                id: F::DataVolumes,
                label: "Data volumes",
                input: Input::Multi {
                    options: Vec::new(),
                    on: Vec::new(),
                    cursor: 0,
                },
                error: None,
            },
            Field {
                id: F::Configurations,
                label: "Configurations",
                input: Input::Multi {
                    options: Vec::new(),
                    on: Vec::new(),
                    cursor: 0,
                },
                error: None,
            },
            Field {
                id: F::Create,
                label: "",
                input: Input::Button,
                error: None,
            },
        ];
        let mut form = NotebookForm {
            namespace,
            fields,
            focus: F::Name,
            error: None,
            submit: Submit::Idle,
            user: cx.cluster.map(|c| c.user.clone()).unwrap_or_default(),
            created_pvc: None,
            pod_default_labels: BTreeMap::new(),
            seen: u64::MAX,
        };
        if let Some(draft) = cx.drafts.get(&form.draft_name()) {
            form.restore(draft);
        }
        form
    }

    pub fn draft_name(&self) -> String {
        format!("notebook-new-{}", self.namespace)
    }

    pub fn field(&self, id: F) -> &Field {
        // Every F has exactly one field, built in `new`.
        self.fields
            .iter()
            .find(|f| f.id == id)
            .unwrap_or(&self.fields[0])
    }

    fn field_mut(&mut self, id: F) -> &mut Field {
        let i = self.fields.iter().position(|f| f.id == id).unwrap_or(0);
        &mut self.fields[i]
    }

    pub fn value(&self, id: F) -> String {
        self.field(id).input.value()
    }

    /// Sets a field's value (as typed or chosen); used by drafts and tests.
    pub fn set(&mut self, id: F, v: &str) {
        self.field_mut(id).input.set_value(v);
    }

    fn visible(&self, id: F) -> bool {
        match id {
            F::CustomImage => self.value(F::Image) == CUSTOM,
            F::GpuVendor => self.value(F::Gpus) != "none",
            F::WorkspaceSize => self.value(F::Workspace) == WORKSPACE[0],
            F::WorkspaceExisting => self.value(F::Workspace) == WORKSPACE[1],
            _ => true,
        }
    }

    fn visible_ids(&self) -> Vec<F> {
        self.fields
            .iter()
            .map(|f| f.id)
            .filter(|id| self.visible(*id))
            .collect()
    }

    fn move_focus(&mut self, delta: isize) {
        let ids = self.visible_ids();
        let at = ids.iter().position(|i| *i == self.focus).unwrap_or(0) as isize;
        let n = ids.len() as isize;
        self.focus = ids[((at + delta).rem_euclid(n)) as usize];
    }

    fn draft(&self) -> String {
        let map: BTreeMap<&str, String> = self
            .fields
            .iter()
            .filter(|f| !matches!(f.input, Input::Button))
            .map(|f| (f.id.key(), f.input.value()))
            .collect();
        serde_json::to_string(&map).unwrap_or_default()
    }

    fn restore(&mut self, draft: &str) {
        let Ok(map) = serde_json::from_str::<BTreeMap<String, String>>(draft) else {
            return;
        };
        let ids: Vec<F> = self.fields.iter().map(|f| f.id).collect();
        for id in ids {
            if let Some(v) = map.get(id.key()) {
                self.set(id, v);
            }
        }
    }

    fn save_draft(&self, cx: &mut Cx) {
        cx.out.effects.push(Effect::SaveDraft {
            name: self.draft_name(),
            text: self.draft(),
        });
    }

    /// Checks one field; `None` when it is fine.
    pub fn check(&self, id: F) -> Option<String> {
        let v = self.value(id);
        let v = v.trim();
        match id {
            F::Name => {
                if v.is_empty() {
                    Some("a name is required".into())
                } else if v.len() > 52 {
                    Some("at most 52 characters".into())
                } else if !is_dns_label(v) || !v.starts_with(|c: char| c.is_ascii_lowercase()) {
                    Some("lowercase letters, digits and '-', starting with a letter".into())
                } else {
                    None
                }
            }
            F::CustomImage if self.visible(id) => {
                if v.is_empty() || v.contains(char::is_whitespace) {
                    Some("an image reference, e.g. registry/name:tag".into())
                } else {
                    None
                }
            }
            F::Cpu | F::Memory | F::WorkspaceSize if self.visible(id) => {
                quantity::positive(v).err()
            }
            F::Memory => None,
            F::WorkspaceExisting if self.visible(id) && v.is_empty() => {
                Some("no existing volume in this namespace; choose 'new volume'".into())
            }
            _ => None,
        }
    }

    /// Checks every visible field, marks problems; true when all are fine.
    pub fn validate(&mut self) -> bool {
        let ids = self.visible_ids();
        let mut first_bad = None;
        for id in ids {
            let err = self.check(id);
            if err.is_some() && first_bad.is_none() {
                first_bad = Some(id);
            }
            self.field_mut(id).error = err;
        }
        if let Some(id) = first_bad {
            self.focus = id;
        }
        first_bad.is_none()
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
        if self.submit != Submit::Idle {
            cx.info("already submitting…");
            return;
        }
        if !self.validate() {
            cx.error("fix the marked fields first");
            return;
        }
        let mut pending = vec![(
            cx.api(ApiOp::Create {
                kind: &kinds::NOTEBOOK,
                namespace: Some(self.namespace.clone()),
                body: self.notebook_body(),
                dry_run: true,
            }),
            "notebook",
        )];
        if let Some(pvc) = self.pvc_body().filter(|_| self.created_pvc.is_none()) {
            pending.push((
                cx.api(ApiOp::Create {
                    kind: &kinds::PVC,
                    namespace: Some(self.namespace.clone()),
                    body: pvc,
                    dry_run: true,
                }),
                "workspace volume",
            ));
        }
        self.submit = Submit::DryRun(pending);
        cx.info("checking with the server (dry run)…");
    }

    fn create_notebook(&mut self, cx: &mut Cx) {
        let id = cx.api(ApiOp::Create {
            kind: &kinds::NOTEBOOK,
            namespace: Some(self.namespace.clone()),
            body: self.notebook_body(),
            dry_run: false,
        });
        self.submit = Submit::CreatingNotebook(id);
    }

    /// Puts a server error where it belongs: on a field if it names one.
    fn fail(&mut self, what: &str, e: &ApiFailure, cx: &mut Cx) {
        self.submit = Submit::Idle;
        let msg = &e.message;
        let field = if e.reason == "AlreadyExists" && what == "notebook" {
            Some(F::Name)
        } else if e.code == Some(422) {
            [
                ("metadata.name", F::Name),
                ("image", F::Image),
                ("cpu", F::Cpu),
                ("memory", F::Memory),
                ("storage", F::WorkspaceSize),
                ("gpu", F::Gpus),
            ]
            .iter()
            .find(|(needle, _)| msg.contains(needle))
            .map(|(_, f)| *f)
        } else {
            None
        };
        let text = format!("{what}: {msg}");
        match field {
            Some(f) => {
                self.field_mut(f).error = Some(msg.clone());
                self.focus = if self.visible(f) { f } else { F::Create };
                self.error = Some(text.clone());
            }
            None => self.error = Some(text.clone()),
        }
        cx.error(text);
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
        matches!(self.field(self.focus).input, Input::Text(_))
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        let focus = self.focus;
        match action {
            Action::NextField | Action::Down => self.move_focus(1),
            Action::PrevField | Action::Up => self.move_focus(-1),
            Action::Submit => self.start_submit(cx),
            Action::Enter => {
                if focus == F::Create {
                    self.start_submit(cx);
                } else {
                    self.move_focus(1);
                }
            }
            Action::Back => {
                cx.info("draft kept: n opens the form again with these values");
                cx.pop();
            }
            Action::Left | Action::Right | Action::Toggle => {
                let step: isize = if action == Action::Left { -1 } else { 1 };
                match &mut self.field_mut(focus).input {
                    Input::Choice { options, index } if !options.is_empty() => {
                        *index =
                            ((*index as isize + step).rem_euclid(options.len() as isize)) as usize;
                    }
                    Input::Multi {
                        options,
                        on,
                        cursor,
                    } if !options.is_empty() => {
                        if action == Action::Toggle {
                            if let Some(flag) = on.get_mut(*cursor) {
                                *flag = !*flag;
                            }
                        } else {
                            *cursor = ((*cursor as isize + step).rem_euclid(options.len() as isize))
                                as usize;
                        }
                    }
                    Input::Text(l) => {
                        let code = if action == Action::Left {
                            crossterm::event::KeyCode::Left
                        } else {
                            crossterm::event::KeyCode::Right
                        };
                        l.key(KeyEvent::from(code));
                    }
                    Input::Button if action == Action::Toggle => self.start_submit(cx),
                    _ => {}
                }
                let err = self.check(focus);
                self.field_mut(focus).error = err;
                self.save_draft(cx);
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        let focus = self.focus;
        let Input::Text(line) = &mut self.field_mut(focus).input else {
            return Handled::No;
        };
        if !line.key(key) {
            return Handled::No;
        }
        // Re-check as the user types, but only clear or update an error
        // already shown, so a half-typed value is not scolded.
        if self.field(focus).error.is_some() {
            let err = self.check(focus);
            self.field_mut(focus).error = err;
        }
        self.save_draft(cx);
        Handled::Yes
    }

    fn on_paste(&mut self, text: &str, cx: &mut Cx) -> Handled {
        let focus = self.focus;
        if let Input::Text(line) = &mut self.field_mut(focus).input {
            line.paste(text);
            self.save_draft(cx);
            return Handled::Yes;
        }
        Handled::No
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        let ViewEvent::Api { id, result } = event else {
            return Handled::No;
        };
        match self.submit.clone() {
            Submit::DryRun(mut pending) => {
                let Some(pos) = pending.iter().position(|(p, _)| p == id) else {
                    return Handled::No;
                };
                let (_, what) = pending.remove(pos);
                if let Err(e) = result {
                    self.fail(what, e, cx);
                    return Handled::Yes;
                }
                if !pending.is_empty() {
                    self.submit = Submit::DryRun(pending);
                    return Handled::Yes;
                }
                match self.pvc_body().filter(|_| self.created_pvc.is_none()) {
                    Some(pvc) => {
                        let id = cx.api(ApiOp::Create {
                            kind: &kinds::PVC,
                            namespace: Some(self.namespace.clone()),
                            body: pvc,
                            dry_run: false,
                        });
                        self.submit = Submit::CreatingPvc(id);
                        cx.info("creating the workspace volume…");
                    }
                    None => self.create_notebook(cx),
                }
            }
            Submit::CreatingPvc(p) if p == *id => match result {
                Ok(_) => {
                    self.created_pvc = self.workspace_claim();
                    self.create_notebook(cx);
                    cx.info("creating the notebook…");
                }
                Err(e) => self.fail("workspace volume", e, cx),
            },
            Submit::CreatingNotebook(p) if p == *id => match result {
                Ok(_) => {
                    self.submit = Submit::Idle;
                    cx.out.effects.push(Effect::DeleteDraft {
                        name: self.draft_name(),
                    });
                    cx.info(format!(
                        "created notebook {}/{}",
                        self.namespace,
                        self.value(F::Name).trim()
                    ));
                    cx.pop();
                }
                Err(e) => {
                    let mut text = e.clone();
                    if let Some(pvc) = &self.created_pvc {
                        text.message = format!(
                            "{} (workspace volume {pvc} was created and will be reused)",
                            e.message
                        );
                    }
                    self.fail("notebook", &text, cx);
                }
            },
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn sync(&mut self, cx: &mut Cx) {
        self.refresh_options(cx);
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(Line::from(vec![
                Span::styled(" New notebook", t.title),
                Span::styled(format!(" in {} ", self.namespace), t.header_value),
            ]));
        let inner = block.inner(area);
        block.render(area, buf);
        let label_w = 16usize;
        let input_w = (inner.width as usize)
            .saturating_sub(label_w + 2)
            .clamp(10, 44);
        let mut lines: Vec<Line> = Vec::new();
        for id in self.visible_ids() {
            let f = self.field(id);
            let focused = self.focus == id;
            let label_style = if focused { t.hint_key } else { t.header_key };
            let mut spans = vec![Span::styled(
                format!(
                    "{}{:<w$}",
                    if focused { "›" } else { " " },
                    f.label,
                    w = label_w - 1
                ),
                label_style,
            )];
            match &f.input {
                Input::Text(l) => {
                    let value = l.text();
                    let shown = truncate(value, input_w);
                    let style = if focused { t.header_value } else { t.base };
                    let cursor = l.cursor().min(shown.chars().count());
                    let (before, after): (String, String) = (
                        shown.chars().take(cursor).collect(),
                        shown.chars().skip(cursor).collect(),
                    );
                    spans.push(Span::styled("[", t.dim));
                    spans.push(Span::styled(before, style));
                    if focused {
                        let mut rest = after.chars();
                        let at = rest.next().map(String::from).unwrap_or_else(|| " ".into());
                        spans.push(Span::styled(at, style.add_modifier(Modifier::REVERSED)));
                        spans.push(Span::styled(rest.collect::<String>(), style));
                    } else {
                        spans.push(Span::styled(after, style));
                    }
                    let pad = input_w.saturating_sub(
                        value.chars().count().min(input_w)
                            + usize::from(focused && l.cursor() >= value.chars().count()),
                    );
                    spans.push(Span::styled(format!("{}]", " ".repeat(pad)), t.dim));
                }
                Input::Choice { options, index } => {
                    let v = options
                        .get(*index)
                        .map(String::as_str)
                        .unwrap_or("(none available)");
                    let style = if focused { t.selected } else { t.base };
                    spans.push(Span::styled(format!("‹ {} ›", truncate(v, input_w)), style));
                    if options.len() > 1 {
                        spans.push(Span::styled(
                            format!(" {}/{}", index + 1, options.len()),
                            t.dim,
                        ));
                    }
                }
                Input::Multi {
                    options,
                    on,
                    cursor,
                } => {
                    if options.is_empty() {
                        spans.push(Span::styled("(none in this namespace)", t.dim));
                    }
                    for (i, (o, flag)) in options.iter().zip(on).enumerate() {
                        let mark = if *flag { "[x]" } else { "[ ]" };
                        let style = if focused && i == *cursor {
                            t.selected
                        } else {
                            t.base
                        };
                        spans.push(Span::styled(format!("{mark} {o}"), style));
                        spans.push(Span::raw("  "));
                    }
                }
                Input::Button => {
                    spans.clear();
                    let label = match &self.submit {
                        Submit::Idle => "[ Create ]",
                        _ => "[ Creating… ]",
                    };
                    spans.push(Span::raw(" ".repeat(label_w)));
                    spans.push(Span::styled(
                        label,
                        if focused { t.selected } else { t.title },
                    ));
                    spans.push(Span::styled(
                        "   ctrl-s create · esc close (draft kept)",
                        t.dim,
                    ));
                }
            }
            lines.push(Line::from(spans));
            if let Some(err) = &f.error {
                lines.push(Line::from(vec![
                    Span::raw(" ".repeat(label_w)),
                    Span::styled(format!("✗ {err}"), t.error),
                ]));
            }
        }
        if let Some(err) = &self.error {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(err.clone(), t.error)));
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
