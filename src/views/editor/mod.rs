//! The shared YAML editor pane: any object as YAML, with line numbers,
//! syntax colours, undo/redo, search and bracketed paste (see [`text`]);
//! checked as you type against the kind's `openAPIV3Schema` read from the
//! cluster's CRD (see [`check`]; when the user may not read CRDs, it says so
//! and leaves the checking to the server); submitted as a server-side dry
//! run and then a create through the shared submit machine of
//! `views::form`. Every problem is shown at its line: a mark in the gutter
//! and the message under the text. The text is saved as a draft on every
//! change, so a failed submit, an `esc` or a restart loses nothing.

pub mod check;
pub mod highlight;
pub mod lines;
pub mod text;

use std::any::Any;
use std::sync::Arc;

use crossterm::event::KeyEvent;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};
use serde_json::Value;

use self::check::{Problem, Schema};
use self::lines::LineIndex;
use self::text::YamlEditor;
use crate::app::action::Action;
use crate::app::effect::Effect;
use crate::app::state::State;
use crate::kube::errors::ApiFailure;
use crate::kube::kinds::{self, Kind};
use crate::kube::types::ApiOp;
use crate::views::form::{Request, Step, Submit, Submitter};
use crate::views::{Cx, Handled, View, ViewEvent};

/// Where the kind's schema stands.
#[derive(Debug)]
pub enum SchemaState {
    /// Not asked yet (asked on the first sync).
    ToAsk,
    Asking(u64),
    Ready(Box<Schema>),
    /// No client-side check, and why (the server still checks).
    Off(String),
}

pub struct EditorView {
    pub kind: &'static Kind,
    pub namespace: String,
    pub draft_name: String,
    pub editor: YamlEditor,
    pub submit: Submitter,
    pub schema: SchemaState,
    /// What the checks found in the current text.
    pub problems: Vec<Problem>,
    /// What the server said to the last submit, at lines.
    pub refused: Vec<Problem>,
    /// The last failure in words, shown under the text.
    pub error: Option<String>,
    /// Where the text came from ("from the launch form", "clone of x").
    pub origin: String,
    /// The form this editor was opened from, by its draft: on a create the
    /// form is closed too and its draft dropped.
    pub form_draft: Option<String>,
}

/// The object of `v` as YAML text for the editor.
pub fn to_text(v: &Value) -> String {
    serde_saphyr::to_string(v).unwrap_or_else(|e| format!("# cannot show as YAML: {e}\n"))
}

/// A copy of `obj` to create anew: server fields and status gone, the
/// name changed (`-copy`), everything else kept.
pub fn cleaned_copy(obj: &DynamicObject) -> Value {
    let mut v = serde_json::to_value(obj).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
    }
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
            "generation",
            "selfLink",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "ownerReferences",
            "finalizers",
            "generateName",
        ] {
            m.remove(k);
        }
        let name = m.get("name").and_then(Value::as_str).unwrap_or("job");
        let new = format!("{}-copy", name.chars().take(58).collect::<String>());
        m.insert("name".into(), Value::String(new));
        if let Some(a) = m.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove("kubectl.kubernetes.io/last-applied-configuration");
            if a.is_empty() {
                m.remove("annotations");
            }
        }
    }
    v
}

/// The cache key of the current cluster, user and context.
fn cache_key(cx: &Cx) -> Option<String> {
    cx.cluster
        .map(|c| format!("{}|{}|{}", c.server, c.user, c.context))
}

impl EditorView {
    /// An editor for a `kind` object in `namespace` holding `text`, or the
    /// draft saved under `draft_name` when there is one.
    pub fn new(
        kind: &'static Kind,
        namespace: &str,
        text: &str,
        draft_name: String,
        origin: impl Into<String>,
        cx: &Cx,
    ) -> EditorView {
        let mut origin = origin.into();
        let text = match cx.drafts.get(&draft_name) {
            Some(d) if d.trim() != text.trim() => {
                origin = format!("{origin} · your draft restored");
                d.clone()
            }
            _ => text.to_string(),
        };
        let mut v = EditorView {
            kind,
            namespace: namespace.to_string(),
            draft_name,
            editor: YamlEditor::new(&text),
            submit: Submitter::default(),
            schema: if kind.group.is_empty() {
                SchemaState::Off("a built-in kind: the server checks it".into())
            } else {
                SchemaState::ToAsk
            },
            problems: Vec::new(),
            refused: Vec::new(),
            error: None,
            origin,
            form_draft: None,
        };
        v.recheck();
        v
    }

    /// Opened from the form whose draft is `draft`.
    pub fn from_form(mut self, draft: String) -> EditorView {
        self.form_draft = Some(draft);
        self
    }

    /// Every problem shown now: the checks', then the server's.
    pub fn all_problems(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().chain(&self.refused)
    }

    /// Parses and checks the text; marks the lines.
    pub fn recheck(&mut self) {
        let text = self.editor.text();
        self.problems = match check::parse(&text) {
            Err(p) => vec![p],
            Ok(doc) => match &self.schema {
                SchemaState::Ready(s) if doc.is_object() => {
                    let index = LineIndex::new(&text);
                    let mut ps = s.check(&doc);
                    for p in &mut ps {
                        p.line = index.line_of(&p.path);
                    }
                    ps
                }
                _ => Vec::new(),
            },
        };
        self.mark();
    }

    fn mark(&mut self) {
        let mut marked: Vec<usize> = self.all_problems().filter_map(|p| p.line).collect();
        marked.sort_unstable();
        marked.dedup();
        self.editor.marked = marked;
    }

    fn changed(&mut self, cx: &mut Cx) {
        self.refused.clear();
        self.recheck();
        cx.out.effects.push(Effect::SaveDraft {
            name: self.draft_name.clone(),
            text: self.editor.text(),
        });
    }

    fn ask_schema(&mut self, cx: &mut Cx) {
        let Some(cache) = cache_key(cx) else {
            self.schema = SchemaState::Off("not connected: the server checks on submit".into());
            return;
        };
        let id = cx.api(ApiOp::CrdSchema {
            kind: self.kind,
            cache,
        });
        self.schema = SchemaState::Asking(id);
    }

    fn schema_answer(&mut self, result: &Result<Value, ApiFailure>, cx: &mut Cx) {
        let crd = crate::kube::crd::crd_name(self.kind);
        self.schema = match result {
            Ok(v) => match Schema::new(v) {
                Ok(s) => SchemaState::Ready(Box::new(s)),
                Err(e) => SchemaState::Off(e),
            },
            Err(e) if e.is_forbidden() => {
                let text = format!(
                    "you may not read the CRD {crd}: no schema check here, the server's dry run checks on submit"
                );
                cx.info(text.clone());
                SchemaState::Off(text)
            }
            Err(e) if e.code == Some(404) => SchemaState::Off(format!(
                "the cluster has no CRD {crd}: the server checks on submit"
            )),
            Err(e) => SchemaState::Off(format!("cannot read the CRD {crd}: {}", e.message)),
        };
        self.recheck();
    }

    /// Checks, then sends the dry run.
    fn start_submit(&mut self, cx: &mut Cx) {
        self.error = None;
        self.refused.clear();
        if self.submit.refuse_if_busy(cx) {
            return;
        }
        let text = self.editor.text();
        let mut doc = match check::parse(&text) {
            Ok(d) => d,
            Err(p) => return self.refuse_locally(vec![p], cx),
        };
        if !doc.is_object() {
            return self.refuse_locally(
                vec![Problem {
                    line: Some(0),
                    path: String::new(),
                    message: "not an object: expected apiVersion, kind, metadata, spec".into(),
                }],
                cx,
            );
        }
        let api_version = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind_name = doc.get("kind").and_then(Value::as_str).unwrap_or("");
        match kinds::from_type(api_version, kind_name) {
            Some(k) if std::ptr::eq(k, self.kind) => {}
            Some(k) => {
                self.kind = k;
                self.schema = SchemaState::ToAsk;
                self.ask_schema(cx);
            }
            None => {
                let line = LineIndex::new(&text).line_of("kind");
                return self.refuse_locally(
                    vec![Problem {
                        line,
                        path: "kind".into(),
                        message: format!(
                            "kind: {kind_name:?} of {api_version:?} is not a kind kftui knows"
                        ),
                    }],
                    cx,
                );
            }
        }
        self.recheck();
        if !self.problems.is_empty() {
            return self.refuse_locally(self.problems.clone(), cx);
        }
        let namespace = doc
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or(&self.namespace)
            .to_string();
        if self.kind.namespaced
            && let Some(m) = doc.get_mut("metadata").and_then(Value::as_object_mut)
        {
            m.insert("namespace".into(), Value::String(namespace.clone()));
        }
        if let Some(reason) = cx.denied("create", self.kind, Some(&namespace)) {
            let text = format!("cannot create {}: {reason}", self.kind.kind);
            self.error = Some(text.clone());
            cx.error(text);
            return;
        }
        let name = doc
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let request = Request {
            namespace: self.kind.namespaced.then(|| namespace.clone()),
            ..Request::new("object", self.kind, &namespace, doc)
        }
        .saying(format!("creating {} {name}…", self.kind.kind));
        self.namespace = namespace;
        self.submit.start(vec![request], cx);
    }

    fn refuse_locally(&mut self, problems: Vec<Problem>, cx: &mut Cx) {
        let first = problems.first().map(describe).unwrap_or_default();
        let text = match problems.len() {
            1 => format!("fix this first: {first}"),
            n => format!("fix these {n} problems first: {first} …"),
        };
        self.problems = problems;
        self.mark();
        if let Some(line) = self.problems.first().and_then(|p| p.line) {
            self.editor.jump(line, 0);
        }
        self.error = Some(text.clone());
        cx.error(text);
    }

    /// The server's refusal, each cause at its line.
    fn fail(&mut self, what: &str, e: &ApiFailure, cx: &mut Cx) {
        let text = self.editor.text();
        let index = LineIndex::new(&text);
        self.refused = e
            .causes
            .iter()
            .map(|(field, message)| Problem {
                line: index.line_of(field),
                path: field.clone(),
                message: format!("{field}: {message}"),
            })
            .collect();
        if self.refused.is_empty() && (e.code == Some(409) || e.reason == "AlreadyExists") {
            self.refused.push(Problem {
                line: index.line_of("metadata.name"),
                path: "metadata.name".into(),
                message: e.message.clone(),
            });
        }
        self.mark();
        if let Some(line) = self.refused.first().and_then(|p| p.line) {
            self.editor.jump(line, 0);
        }
        let text = format!("{what}: {}", e.message);
        self.error = Some(text.clone());
        cx.error(text);
    }

    fn created(&mut self, object: &Value, cx: &mut Cx) {
        cx.out.effects.push(Effect::DeleteDraft {
            name: self.draft_name.clone(),
        });
        let name = object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("?");
        cx.info(format!(
            "created {} {}/{name}",
            self.kind.kind, self.namespace
        ));
        cx.pop();
        if let Some(form) = self.form_draft.take() {
            cx.out.effects.push(Effect::DeleteDraft { name: form });
            cx.pop();
        }
        let is_job = crate::views::jobs::KINDS
            .iter()
            .any(|k| std::ptr::eq(*k, self.kind));
        if is_job && let Ok(obj) = serde_json::from_value::<DynamicObject>(object.clone()) {
            cx.push(Box::new(crate::views::jobs::detail::JobDetail::new(
                self.kind,
                Arc::new(obj),
            )));
        }
    }

    /// The problem to show under the text: the one on the cursor's line,
    /// else the first.
    fn shown_problem(&self) -> Option<&Problem> {
        let row = self.editor.cursor().0;
        self.all_problems()
            .find(|p| p.line == Some(row))
            .or_else(|| self.all_problems().next())
    }
}

/// "line 20: spec.x: ..." for a problem.
pub fn describe(p: &Problem) -> String {
    match p.line {
        Some(l) => format!("line {}: {}", l + 1, p.message),
        None => p.message.clone(),
    }
}

impl View for EditorView {
    fn title(&self) -> String {
        format!("edit {}", self.kind.kind)
    }

    fn layers(&self) -> &'static [&'static str] {
        &["editor"]
    }

    fn hints(&self) -> &'static [Action] {
        &[
            Action::Submit,
            Action::Search,
            Action::Undo,
            Action::Redo,
            Action::Back,
        ]
    }

    fn text_focus(&self) -> bool {
        true
    }

    fn sync(&mut self, cx: &mut Cx) {
        if matches!(self.schema, SchemaState::ToAsk) {
            self.ask_schema(cx);
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        if self.editor.prompt.is_some() && action == Action::Back {
            self.editor.prompt = None;
            return Handled::Yes;
        }
        match action {
            Action::Submit => self.start_submit(cx),
            Action::Search => self.editor.open_search(),
            Action::NextMatch | Action::PrevMatch => {
                if !self.editor.find(action == Action::NextMatch) {
                    cx.info(if self.editor.pattern.is_empty() {
                        "nothing to find: ctrl-f searches".to_string()
                    } else {
                        format!("{:?} is not in the text", self.editor.pattern)
                    });
                }
            }
            Action::Undo | Action::Redo => {
                let done = if action == Action::Undo {
                    self.editor.undo()
                } else {
                    self.editor.redo()
                };
                if done {
                    self.changed(cx);
                }
            }
            Action::Back => {
                cx.info("draft kept: the editor opens again with this text");
                cx.pop();
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        if self.editor.key(key) {
            self.changed(cx);
        }
        Handled::Yes
    }

    fn on_paste(&mut self, text: &str, cx: &mut Cx) -> Handled {
        if self.editor.paste(text) {
            self.changed(cx);
        }
        Handled::Yes
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        if let (SchemaState::Asking(asked), ViewEvent::Api { id, result }) = (&self.schema, event)
            && asked == id
        {
            self.schema_answer(result, cx);
            return Handled::Yes;
        }
        match self.submit.on_event(event, cx) {
            Step::NotMine => return Handled::No,
            Step::Pending => {}
            Step::Failed {
                failure, dry_run, ..
            } => self.fail(if dry_run { "dry run" } else { "create" }, failure, cx),
            Step::Created { object, .. } => self.created(object, cx),
        }
        Handled::Yes
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        let title = Line::from(vec![
            Span::styled(format!(" Edit {}", self.kind.kind), t.title),
            Span::styled(format!(" in {} ", self.namespace), t.header_value),
            Span::styled(format!("{} ", self.origin), t.dim),
        ]);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(title);
        let inner = block.inner(area);
        block.render(area, buf);
        let [text_area, msg_area, status_area] = Layout::vertical([
            Constraint::Min(1),
            Constraint::Length(2),
            Constraint::Length(1),
        ])
        .areas(inner);
        self.editor
            .render(t, self.editor.prompt.is_none(), text_area, buf);
        let count = self.all_problems().count();
        let mut msg: Vec<Line> = Vec::new();
        if let Some(p) = self.shown_problem() {
            let more = if count > 1 {
                format!("  ({count} problems)")
            } else {
                String::new()
            };
            let mark = if t.ascii { "x" } else { "✗" };
            msg.push(Line::from(vec![
                Span::styled(format!("{mark} {}", describe(p)), t.error),
                Span::styled(more, t.dim),
            ]));
        } else if let Some(e) = &self.error {
            msg.push(Line::from(Span::styled(e.clone(), t.error)));
        } else {
            let (row, col) = self.editor.cursor();
            let check = match &self.schema {
                SchemaState::Ready(_) => format!(
                    "✓ fits the schema of {}",
                    crate::kube::crd::crd_name(self.kind)
                ),
                SchemaState::Asking(_) | SchemaState::ToAsk => "reading the schema…".into(),
                SchemaState::Off(why) => why.clone(),
            };
            let check = if t.ascii {
                check.replace('✓', "ok:")
            } else {
                check
            };
            msg.push(Line::from(vec![
                Span::styled(format!("line {}, col {}  ", row + 1, col + 1), t.dim),
                Span::styled(check, t.info),
            ]));
        }
        if let Some(e) = &self.error
            && count > 0
        {
            msg.push(Line::from(Span::styled(e.clone(), t.dim)));
        }
        Paragraph::new(msg)
            .wrap(Wrap { trim: true })
            .render(msg_area, buf);
        let status = match (&self.editor.prompt, &self.submit.state) {
            (Some(p), _) => Line::from(vec![
                Span::styled("find: ", t.hint_key),
                Span::styled(format!("{}▏", p.text()), t.header_value),
                Span::styled("  enter find · esc cancel", t.dim),
            ]),
            (None, Submit::Idle) => Line::from(Span::styled(
                "ctrl-s submit (dry run first) · ctrl-f find · ctrl-n/p next · esc: draft kept",
                t.dim,
            )),
            (None, Submit::DryRun(_)) => {
                Line::from(Span::styled("checking with the server (dry run)…", t.info))
            }
            (None, Submit::Creating(..)) => Line::from(Span::styled("creating…", t.info)),
        };
        Paragraph::new(status).render(status_area, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
