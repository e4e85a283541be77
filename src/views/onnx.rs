//! `:onnx [PATH]`: the local test-inference pane. Open a model, see what it
//! expects, write a request, run it, benchmark it. No cluster involved.
//!
//! The view is pure like every other: it asks the ONNX worker for everything
//! (runs, benchmarks, templates, even directory listings) through
//! `Effect::Worker` and renders what comes back. Requests carry ids, so a late
//! answer to an older request is ignored; the worker itself lets the latest
//! run win.

use std::any::Any;
use std::path::PathBuf;

use crossterm::event::KeyEvent;
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};
use ratatui_textarea::{CursorMove, TextArea};

use super::table::truncate;
use super::{Cx, Handled, View, ViewEvent};
use crate::app::action::Action;
use crate::app::effect::{Effect, Payload};
use crate::app::line::LineInput;
use crate::app::state::State;
use crate::app::theme::Theme;
use crate::onnx::format::{
    FormatOptions, describe_value, format_duration, format_float, format_value, human_bytes,
};
use crate::onnx::pane::{BrowseReply, PaneRequest, TemplateReply};
use crate::onnx::{
    BenchResult, ExampleModel, InputError, LoadOptions, ModelInfo, OnnxCommand, OnnxError,
    OnnxEvent, Provider, RunResult, RuntimeInfo, TemplateKind,
};

/// Draft name under which the request text is kept between runs of kftui.
pub const DRAFT: &str = "onnx-request";
/// Benchmark size: warm-up runs, then timed runs.
pub const BENCH_WARMUP: usize = 20;
pub const BENCH_RUNS: usize = 500;

#[derive(Debug, Clone, PartialEq)]
pub enum RuntimeStatus {
    Unknown,
    Ready(RuntimeInfo),
    Unavailable(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ModelStatus {
    None,
    Loading(PathBuf),
    Loaded(Box<ModelInfo>),
    Failed { path: PathBuf, error: String },
}

/// What the output pane shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Empty,
    Running {
        id: u64,
        since: Timestamp,
    },
    Benching {
        id: u64,
        since: Timestamp,
        done: usize,
        total: usize,
    },
    Ran(Box<RunResult>),
    Benched(Box<BenchResult>),
    Failed(String),
    Cancelled(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Open,
    Editor,
    Output,
}

/// An entry of the open prompt's list.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub path: String,
    pub note: &'static str,
}

pub struct OnnxView {
    started: bool,
    /// A path given with `:onnx PATH`, loaded on start.
    pending_path: Option<String>,
    pub runtime: RuntimeStatus,
    pub model: ModelStatus,
    pub provider: Provider,
    pub focus: Focus,
    editor: TextArea<'static>,
    path: LineInput,
    completions: Vec<String>,
    examples: Vec<ExampleModel>,
    pub selected: usize,
    browse_id: u64,
    template_id: u64,
    template_next: usize,
    request_id: u64,
    pub output: Output,
    pub scroll: usize,
}

impl Default for OnnxView {
    fn default() -> Self {
        OnnxView::new(None)
    }
}

impl OnnxView {
    pub fn new(path: Option<&str>) -> OnnxView {
        let mut editor = TextArea::default();
        editor.set_placeholder_text("request JSON: ctrl-t inserts a template");
        OnnxView {
            started: false,
            pending_path: path.map(str::to_string),
            runtime: RuntimeStatus::Unknown,
            model: ModelStatus::None,
            provider: Provider::Cpu,
            focus: Focus::Open,
            editor,
            path: LineInput::default(),
            completions: Vec::new(),
            examples: Vec::new(),
            selected: 0,
            browse_id: 0,
            template_id: 0,
            template_next: 0,
            request_id: 0,
            output: Output::Empty,
            scroll: 0,
        }
    }

    /// The request text in the editor.
    pub fn request_text(&self) -> String {
        self.editor.lines().join("\n")
    }

    pub fn path_text(&self) -> &str {
        self.path.text()
    }

    pub fn model_info(&self) -> Option<&ModelInfo> {
        match &self.model {
            ModelStatus::Loaded(info) => Some(info),
            _ => None,
        }
    }

    /// The open prompt's list: completions of what was typed, else recent
    /// models and the shipped examples.
    pub fn choices(&self, recent: &[String]) -> Vec<Choice> {
        if !self.path.text().is_empty() {
            return self
                .completions
                .iter()
                .map(|c| Choice {
                    path: c.clone(),
                    note: if c.ends_with('/') { "directory" } else { "" },
                })
                .collect();
        }
        let mut out: Vec<Choice> = recent
            .iter()
            .map(|p| Choice {
                path: p.clone(),
                note: "recent",
            })
            .collect();
        for e in &self.examples {
            let path = e.path.display().to_string();
            if !out.iter().any(|c| c.path == path) {
                out.push(Choice {
                    path,
                    note: "example",
                });
            }
        }
        out
    }

    fn send(cx: &mut Cx, request: PaneRequest) {
        cx.out.effects.push(Effect::Worker(Payload::new(request)));
    }

    fn browse(&mut self, cx: &mut Cx) {
        self.browse_id = cx.id();
        Self::send(
            cx,
            PaneRequest::Browse {
                id: self.browse_id,
                partial: self.path.text().to_string(),
            },
        );
    }

    fn load(&mut self, path: &str, cx: &mut Cx) {
        let path = path.trim();
        if path.is_empty() {
            cx.error("type the path of an .onnx file");
            return;
        }
        let path = expand_home(path);
        self.model = ModelStatus::Loading(path.clone());
        self.output = Output::Empty;
        Self::send(
            cx,
            PaneRequest::Engine(OnnxCommand::Load {
                path,
                options: LoadOptions {
                    provider: self.provider,
                    ..LoadOptions::default()
                },
            }),
        );
    }

    fn start(&mut self, cx: &mut Cx) {
        self.started = true;
        if let Some(draft) = cx.drafts.get(DRAFT) {
            self.set_editor(draft, false);
        }
        Self::send(
            cx,
            PaneRequest::Engine(OnnxCommand::Init {
                library: cx.config.onnx.runtime_library.clone(),
            }),
        );
        self.browse(cx);
        if let Some(path) = self.pending_path.take() {
            self.load(&path, cx);
        }
    }

    /// Replaces the editor text; through the editor's history, so undo
    /// (ctrl-u) brings the old text back.
    fn set_editor(&mut self, text: &str, keep_history: bool) {
        if keep_history && !self.editor.is_empty() {
            self.editor.select_all();
            self.editor.cut();
            self.editor.insert_str(text);
        } else {
            let lines: Vec<String> = text.lines().map(str::to_string).collect();
            let placeholder = self.editor.placeholder_text().to_string();
            self.editor = TextArea::new(if lines.is_empty() {
                vec![String::new()]
            } else {
                lines
            });
            self.editor.set_placeholder_text(placeholder);
        }
        self.editor.move_cursor(CursorMove::Top);
        self.editor.move_cursor(CursorMove::Head);
    }

    fn submit(&mut self, bench: bool, cx: &mut Cx) {
        if self.model_info().is_none() {
            cx.error("no model is loaded: ctrl-o opens one");
            return;
        }
        let text = self.request_text();
        self.request_id = cx.id();
        let id = self.request_id;
        let command = if bench {
            self.output = Output::Benching {
                id,
                since: cx.now,
                done: 0,
                total: BENCH_WARMUP + BENCH_RUNS,
            };
            OnnxCommand::Bench {
                request_id: id,
                text: text.clone(),
                warmup: BENCH_WARMUP,
                runs: BENCH_RUNS,
            }
        } else {
            self.output = Output::Running { id, since: cx.now };
            OnnxCommand::Run {
                request_id: id,
                text: text.clone(),
            }
        };
        self.scroll = 0;
        Self::send(cx, PaneRequest::Engine(command));
        cx.out.effects.push(Effect::SaveDraft {
            name: DRAFT.into(),
            text,
        });
    }

    fn template(&mut self, cx: &mut Cx) {
        let Some(info) = self.model_info().cloned() else {
            cx.error("no model is loaded: ctrl-o opens one");
            return;
        };
        const KINDS: [TemplateKind; 3] = [
            TemplateKind::Example,
            TemplateKind::Zeros,
            TemplateKind::Random { seed: 0 },
        ];
        let mut kind = KINDS[self.template_next % KINDS.len()];
        if let TemplateKind::Random { seed } = &mut kind {
            *seed = self.template_next as u64;
        }
        self.template_next += 1;
        self.template_id = cx.id();
        Self::send(
            cx,
            PaneRequest::Template {
                id: self.template_id,
                info: Box::new(info),
                kind,
            },
        );
    }

    fn on_open_key(&mut self, action: Action, cx: &mut Cx) -> Handled {
        let choices = self.choices(cx.recent_models);
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => {
                self.selected = (self.selected + 1).min(choices.len().saturating_sub(1));
            }
            Action::NextField => {
                // Complete as far as the candidates agree, like a shell.
                let paths: Vec<String> = choices.iter().map(|c| c.path.clone()).collect();
                let common = crate::onnx::complete::common_prefix(&paths);
                if !self.path.text().is_empty() && common.len() > self.path.text().len() {
                    self.path.set(&common);
                    self.selected = 0;
                    self.browse(cx);
                } else if let Some(c) = choices.get(self.selected) {
                    self.path.set(&c.path);
                    self.selected = 0;
                    self.browse(cx);
                }
            }
            Action::Enter => {
                let typed = self.path.text().to_string();
                let pick = choices.get(self.selected).map(|c| c.path.clone());
                let target = match pick {
                    // A typed path that is a complete candidate, or a picked one.
                    Some(p) if typed.is_empty() || p.starts_with(&typed) => p,
                    _ => typed,
                };
                if target.ends_with('/') {
                    self.path.set(&target);
                    self.selected = 0;
                    self.browse(cx);
                } else {
                    self.load(&target, cx);
                }
            }
            Action::Back => {
                // Out of the text field, so `:` and `-` work again.
                self.focus = if self.model_info().is_some() {
                    Focus::Editor
                } else {
                    Focus::Output
                };
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_event_payload(&mut self, payload: &Payload, cx: &mut Cx) -> Handled {
        if let Some(event) = payload.get::<OnnxEvent>() {
            self.on_onnx(event, cx);
            return Handled::Yes;
        }
        if let Some(reply) = payload.get::<BrowseReply>() {
            if reply.id == self.browse_id {
                self.completions = reply.completions.clone();
                if reply.partial.is_empty() {
                    self.examples = reply.examples.clone();
                }
                let n = self.choices(cx.recent_models).len();
                self.selected = self.selected.min(n.saturating_sub(1));
            }
            return Handled::Yes;
        }
        if let Some(reply) = payload.get::<TemplateReply>() {
            if reply.id == self.template_id {
                match &reply.result {
                    Ok(text) => {
                        self.set_editor(text, true);
                        self.focus = Focus::Editor;
                        cx.info(format!(
                            "{} template (ctrl-t: next kind, ctrl-u: undo)",
                            template_name(reply.kind)
                        ));
                    }
                    Err(e) => {
                        // No example beside the model: go straight to zeros.
                        if reply.kind == TemplateKind::Example {
                            self.template(cx);
                        } else {
                            cx.error(e.clone());
                        }
                    }
                }
            }
            return Handled::Yes;
        }
        Handled::No
    }

    fn on_onnx(&mut self, event: &OnnxEvent, cx: &mut Cx) {
        match event {
            OnnxEvent::RuntimeReady(info) => self.runtime = RuntimeStatus::Ready(info.clone()),
            OnnxEvent::RuntimeUnavailable(reason) => {
                self.runtime = RuntimeStatus::Unavailable(reason.clone());
            }
            OnnxEvent::Loaded(info) => {
                let first =
                    !matches!(&self.model, ModelStatus::Loaded(old) if old.path == info.path);
                self.model = ModelStatus::Loaded(Box::new(info.clone()));
                self.focus = Focus::Editor;
                cx.out.recent_model = Some(info.path.display().to_string());
                self.path.set("");
                if first {
                    self.template_next = 0;
                    if self.editor.is_empty() {
                        self.template(cx);
                    }
                }
            }
            OnnxEvent::LoadFailed { path, error } => {
                self.model = ModelStatus::Failed {
                    path: path.clone(),
                    error: error.to_string(),
                };
                self.focus = Focus::Open;
            }
            OnnxEvent::RunDone { request_id, result } if *request_id == self.request_id => {
                self.output = Output::Ran(Box::new(result.clone()));
            }
            OnnxEvent::RunFailed { request_id, error } if *request_id == self.request_id => {
                if let OnnxError::Input(InputError::Json { line, column, .. }) = error {
                    // Put the cursor where the JSON went wrong.
                    let row = line.saturating_sub(1).min(u16::MAX as usize) as u16;
                    let col = column.saturating_sub(1).min(u16::MAX as usize) as u16;
                    self.editor.move_cursor(CursorMove::Jump(row, col));
                }
                self.output = Output::Failed(error.to_string());
            }
            OnnxEvent::RunCancelled { request_id, reason } if *request_id == self.request_id => {
                self.output = Output::Cancelled(reason.to_string());
            }
            OnnxEvent::BenchProgress {
                request_id,
                done,
                total,
            } if *request_id == self.request_id => {
                if let Output::Benching {
                    done: d, total: t, ..
                } = &mut self.output
                {
                    *d = *done;
                    *t = *total;
                }
            }
            OnnxEvent::BenchDone { request_id, result } if *request_id == self.request_id => {
                self.output = Output::Benched(Box::new(result.clone()));
            }
            _ => {}
        }
    }

    fn busy(&self) -> bool {
        matches!(
            self.output,
            Output::Running { .. } | Output::Benching { .. }
        )
    }
}

fn template_name(kind: TemplateKind) -> &'static str {
    match kind {
        TemplateKind::Zeros => "zeros",
        TemplateKind::Random { .. } => "random",
        TemplateKind::Example => "example",
    }
}

fn expand_home(path: &str) -> PathBuf {
    // Expanding `~` reads an environment variable, not a file: fine in update.
    match path.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(rest))
            .unwrap_or_else(|| PathBuf::from(path)),
        None => PathBuf::from(path),
    }
}

impl View for OnnxView {
    fn title(&self) -> String {
        match &self.model {
            ModelStatus::Loaded(info) => format!(
                "onnx {}",
                info.path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ),
            _ => "onnx".into(),
        }
    }

    fn layers(&self) -> &'static [&'static str] {
        match self.focus {
            Focus::Open => &["onnx_open"],
            Focus::Editor => &["onnx"],
            Focus::Output => &["onnx_output", "onnx"],
        }
    }

    fn hints(&self) -> &'static [Action] {
        match self.focus {
            Focus::Open => &[Action::Enter, Action::NextField, Action::Back],
            Focus::Editor | Focus::Output => &[
                Action::Run,
                Action::Bench,
                Action::Template,
                Action::Open,
                Action::NextField,
                Action::Back,
            ],
        }
    }

    fn text_focus(&self) -> bool {
        self.focus != Focus::Output
    }

    fn reopen(&mut self, arg: Option<&str>, cx: &mut Cx) -> bool {
        if let Some(path) = arg {
            self.load(path, cx);
        }
        true
    }

    fn sync(&mut self, cx: &mut Cx) {
        if !self.started {
            self.start(cx);
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        if self.focus == Focus::Open {
            return self.on_open_key(action, cx);
        }
        match action {
            Action::Run => self.submit(false, cx),
            Action::Bench => self.submit(true, cx),
            Action::Template => self.template(cx),
            Action::Bind => match self.model_info() {
                // Pick an InferenceService to compare this model with.
                Some(info) => cx.push(Box::new(super::serving::IsvcView::binding(
                    &info.path.display().to_string(),
                ))),
                None => cx.error("no model is loaded: ctrl-o opens one"),
            },
            Action::Open => {
                self.focus = Focus::Open;
                self.selected = 0;
                self.browse(cx);
            }
            Action::Clear => {
                self.focus = Focus::Editor;
                self.editor.select_all();
                self.editor.cut();
            }
            Action::Cancel => {
                if self.busy() {
                    Self::send(cx, PaneRequest::Engine(OnnxCommand::Cancel));
                } else {
                    cx.info("nothing is running");
                }
            }
            Action::Provider => {
                self.provider = match self.provider {
                    Provider::Cpu => Provider::Cuda,
                    Provider::Cuda => Provider::Cpu,
                };
                match self.model_info().map(|i| i.path.display().to_string()) {
                    Some(path) => self.load(&path, cx),
                    None => cx.info(format!("provider: {}", self.provider)),
                }
            }
            Action::NextField => {
                self.focus = match self.focus {
                    Focus::Editor => Focus::Output,
                    _ => Focus::Editor,
                };
            }
            Action::Enter if self.focus == Focus::Output => self.focus = Focus::Editor,
            Action::Back if self.focus == Focus::Editor => {
                // Leaving the editor keeps its text; esc again leaves the pane.
                self.focus = Focus::Output;
                cx.out.effects.push(Effect::SaveDraft {
                    name: DRAFT.into(),
                    text: self.request_text(),
                });
            }
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::Down => self.scroll += 1,
            Action::PageUp => self.scroll = self.scroll.saturating_sub(cx.page / 2),
            Action::PageDown => self.scroll += cx.page / 2,
            Action::Top => self.scroll = 0,
            Action::Bottom => self.scroll = usize::MAX / 2,
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
        match self.focus {
            Focus::Open => {
                if self.path.key(key) {
                    self.selected = 0;
                    self.browse(cx);
                    return Handled::Yes;
                }
                Handled::No
            }
            Focus::Editor => {
                self.editor.input(key);
                Handled::Yes
            }
            Focus::Output => Handled::No,
        }
    }

    fn on_paste(&mut self, text: &str, cx: &mut Cx) -> Handled {
        match self.focus {
            Focus::Open => {
                self.path.paste(text);
                self.browse(cx);
            }
            Focus::Editor | Focus::Output => {
                self.focus = Focus::Editor;
                self.editor.insert_str(text);
            }
        }
        Handled::Yes
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        match event {
            ViewEvent::Other(payload) => self.on_event_payload(payload, cx),
            _ => Handled::No,
        }
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        if self.focus == Focus::Open || self.model_info().is_none() {
            self.render_open(state, area, buf);
            return;
        }
        let Some(info) = self.model_info() else {
            return;
        };
        let info_lines = info_lines(info, &self.runtime, t, area.width);
        let info_h = (info_lines.len() as u16 + 2).min(area.height / 3).max(4);
        let [top, rest] =
            Layout::vertical([Constraint::Length(info_h), Constraint::Min(0)]).areas(area);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border)
            .title(Line::from(vec![
                Span::styled(" model ", t.title),
                Span::styled(format!("{} ", info.path.display()), t.header_value),
            ]));
        let inner = block.inner(top);
        block.render(top, buf);
        Paragraph::new(info_lines).render(inner, buf);

        let (edit_area, out_area) = if rest.width >= 110 {
            let [a, b] =
                Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                    .areas(rest);
            (a, b)
        } else {
            let [a, b] = Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(rest);
            (a, b)
        };
        let editing = self.focus == Focus::Editor;
        let mut editor = self.editor.clone();
        editor.set_block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(if editing { t.border_focus } else { t.border })
                .title(Span::styled(" request ", t.title)),
        );
        editor.set_style(t.base);
        editor.set_cursor_line_style(Style::default());
        editor.set_placeholder_style(t.dim);
        editor.set_cursor_style(if editing {
            t.selected
        } else {
            Style::default()
        });
        (&editor).render(edit_area, buf);

        let out_block = Block::default()
            .borders(Borders::ALL)
            .border_style(if editing { t.border } else { t.border_focus })
            .title(Span::styled(format!(" {} ", self.output_title()), t.title));
        let out_inner = out_block.inner(out_area);
        out_block.render(out_area, buf);
        let lines = self.output_lines(t, state.now, out_inner.width);
        let max_scroll = lines.len().saturating_sub(out_inner.height as usize);
        let scroll = self.scroll.min(max_scroll);
        Paragraph::new(lines.into_iter().skip(scroll).collect::<Vec<_>>())
            .wrap(Wrap { trim: false })
            .render(out_inner, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl OnnxView {
    fn output_title(&self) -> &'static str {
        match self.output {
            Output::Benched(_) | Output::Benching { .. } => "benchmark",
            _ => "output",
        }
    }

    fn render_open(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(Span::styled(" Open an ONNX model ", t.title));
        let inner = block.inner(area);
        block.render(area, buf);
        let width = inner.width as usize;
        let mut lines: Vec<Line> = Vec::new();
        let typed = self.path.text();
        let cursor = self.path.cursor().min(typed.chars().count());
        let before: String = typed.chars().take(cursor).collect();
        let after: String = typed.chars().skip(cursor).collect();
        let mut after_chars = after.chars();
        let at = after_chars.next().map(String::from).unwrap_or(" ".into());
        lines.push(Line::from(vec![
            Span::styled("path ", t.header_key),
            Span::styled(before, t.header_value),
            Span::styled(
                at,
                if self.focus == Focus::Open {
                    t.selected
                } else {
                    t.base
                },
            ),
            Span::styled(after_chars.collect::<String>(), t.header_value),
        ]));
        match &self.model {
            ModelStatus::Loading(path) => lines.push(Line::styled(
                format!("loading {} …", path.display()),
                t.info,
            )),
            ModelStatus::Failed { error, .. } => {
                lines.push(Line::styled(format!("✗ {error}"), t.error));
            }
            _ => lines.push(Line::raw("")),
        }
        let choices = self.choices(&state.recent_models);
        let status = runtime_line(&self.runtime, t);
        let reserved = lines.len() + 3;
        let room = (inner.height as usize).saturating_sub(reserved).max(1);
        let first = self.selected.saturating_sub(room.saturating_sub(1));
        if choices.is_empty() {
            lines.push(Line::styled(
                if typed.is_empty() {
                    "type a path; tab completes"
                } else {
                    "no .onnx file or directory matches"
                },
                t.dim,
            ));
        }
        for (i, c) in choices.iter().enumerate().skip(first).take(room) {
            let mark = if i == self.selected { "›" } else { " " };
            let note = if c.note.is_empty() {
                String::new()
            } else {
                format!("  {}", c.note)
            };
            let text = truncate(
                &format!("{mark} {}", c.path),
                width.saturating_sub(note.len()),
            );
            let style = if i == self.selected {
                t.selected
            } else {
                t.base
            };
            lines.push(Line::from(vec![
                Span::styled(text, style),
                Span::styled(note, t.dim),
            ]));
        }
        let used = lines.len();
        let pad = (inner.height as usize).saturating_sub(used + 2);
        lines.extend(std::iter::repeat_n(Line::raw(""), pad));
        lines.push(status);
        lines.push(Line::styled(
            "enter opens · tab completes · esc back",
            t.dim,
        ));
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
    }

    fn output_lines(&self, t: &Theme, now: Timestamp, width: u16) -> Vec<Line<'static>> {
        let mut lines: Vec<Line<'static>> = Vec::new();
        match &self.output {
            Output::Empty => {
                if let RuntimeStatus::Unavailable(reason) = &self.runtime {
                    lines.push(Line::styled(reason.clone(), t.error));
                } else {
                    lines.push(Line::styled("ctrl-r runs the request", t.dim));
                    lines.push(Line::styled("ctrl-b benchmarks it", t.dim));
                    lines.push(Line::styled("ctrl-p switches CPU / CUDA", t.dim));
                }
            }
            Output::Running { since, .. } => {
                lines.push(Line::styled(
                    format!("running… {} (ctrl-x cancels)", elapsed(*since, now)),
                    t.info,
                ));
            }
            Output::Benching {
                since, done, total, ..
            } => {
                lines.push(Line::styled(
                    format!(
                        "benchmark {done}/{total} runs… {} (ctrl-x cancels)",
                        elapsed(*since, now)
                    ),
                    t.info,
                ));
                let w = (width as usize).saturating_sub(2).min(40);
                let filled = (*done * w).checked_div(*total).unwrap_or(0);
                lines.push(Line::styled(
                    format!("{}{}", "█".repeat(filled), "░".repeat(w - filled)),
                    t.bar,
                ));
            }
            Output::Failed(error) => {
                lines.push(Line::styled(format!("✗ {error}"), t.error));
                lines.push(Line::styled("your request text is unchanged", t.dim));
            }
            Output::Cancelled(reason) => {
                lines.push(Line::styled(format!("run {reason}"), t.warn));
            }
            Output::Ran(result) => run_lines(result, t, width, &mut lines),
            Output::Benched(result) => bench_lines(result, t, width, &mut lines),
        }
        lines
    }
}

fn elapsed(since: Timestamp, now: Timestamp) -> String {
    let ms = now
        .duration_since(since)
        .as_millis()
        .clamp(0, i128::from(u32::MAX));
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn runtime_line(runtime: &RuntimeStatus, t: &Theme) -> Line<'static> {
    match runtime {
        RuntimeStatus::Unknown => Line::styled("ONNX Runtime: starting…", t.dim),
        RuntimeStatus::Ready(info) => Line::styled(
            format!(
                "ONNX Runtime {} ({}){}",
                info.version,
                info.source,
                if info.cuda_available {
                    " · CUDA build"
                } else {
                    ""
                }
            ),
            t.dim,
        ),
        RuntimeStatus::Unavailable(reason) => Line::styled(reason.clone(), t.error),
    }
}

fn info_lines(
    info: &ModelInfo,
    runtime: &RuntimeStatus,
    t: &Theme,
    width: u16,
) -> Vec<Line<'static>> {
    let w = (width as usize).saturating_sub(2);
    let mut lines = Vec::new();
    let version = match runtime {
        RuntimeStatus::Ready(r) => format!(" · ONNX Runtime {}", r.version),
        _ => String::new(),
    };
    lines.push(Line::from(vec![
        Span::styled(
            format!(
                "{} · loaded in {} · ",
                human_bytes(u128::from(info.file_size)),
                format_duration(info.load_time)
            ),
            t.base,
        ),
        Span::styled(format!("{}", info.provider), t.ok),
        Span::styled(version, t.base),
    ]));
    if let Some(note) = &info.provider_note {
        lines.push(Line::styled(truncate(note, w), t.warn));
    }
    for (label, specs) in [("in ", &info.inputs), ("out", &info.outputs)] {
        for spec in specs.iter() {
            lines.push(Line::from(vec![
                Span::styled(format!("{label} "), t.header_key),
                Span::styled(spec.name.clone(), t.header_value),
                Span::styled(
                    truncate(&format!("  {} {}", spec.type_text(), spec.shape_text()), w),
                    t.base,
                ),
            ]));
        }
    }
    let opsets: Vec<String> = info
        .opsets
        .iter()
        .map(|(d, v)| format!("{d} {v}"))
        .collect();
    let mut meta = vec![format!("opset {}", opsets.join(", "))];
    if !info.producer_name.is_empty() {
        meta.push(format!(
            "producer {} {}",
            info.producer_name, info.producer_version
        ));
    }
    if !info.graph_name.is_empty() {
        meta.push(format!("graph {}", info.graph_name));
    }
    lines.push(Line::styled(truncate(&meta.join(" · "), w), t.dim));
    if !info.custom_metadata.is_empty() {
        let kv: Vec<String> = info
            .custom_metadata
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        lines.push(Line::styled(
            truncate(&format!("metadata {}", kv.join(", ")), w),
            t.dim,
        ));
    }
    lines
}

/// Bar of `fraction` (0..=1) in `width` cells, with eighth-block precision.
fn bar(fraction: f64, width: usize) -> String {
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let eighths = (fraction.clamp(0.0, 1.0) * width as f64 * 8.0).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    s.push_str(PARTS[eighths % 8]);
    s
}

fn run_lines(result: &RunResult, t: &Theme, width: u16, lines: &mut Vec<Line<'static>>) {
    let bar_w = (width as usize).saturating_sub(30).clamp(5, 30);
    for class in result.classifications.iter().take(8) {
        if let Some(best) = class.argmax() {
            lines.push(Line::from(vec![
                Span::styled(
                    if result.classifications.len() > 1 {
                        format!("row {}: predicted ", class.row)
                    } else {
                        "predicted ".into()
                    },
                    t.base,
                ),
                Span::styled(best.label.clone(), t.ok),
                Span::styled(format!(" ({})", format_float(best.score, 4)), t.dim),
            ]));
        }
        let label_w = class
            .top
            .iter()
            .map(|c| c.label.chars().count())
            .max()
            .unwrap_or(1)
            .min(16);
        for c in &class.top {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<label_w$} ", truncate(&c.label, label_w)),
                    t.base,
                ),
                Span::styled(format!("{:<bar_w$}", bar(c.score, bar_w)), t.bar),
                Span::styled(format!(" {}", format_float(c.score, 4)), t.dim),
            ]));
        }
    }
    if result.classifications.len() > 8 {
        lines.push(Line::styled(
            format!("… {} more rows", result.classifications.len() - 8),
            t.dim,
        ));
    }
    for note in &result.notes {
        lines.push(Line::styled(format!("note: {note}"), t.warn));
    }
    let options = FormatOptions::default();
    for output in &result.outputs {
        lines.push(Line::from(vec![
            Span::styled(output.name.clone(), t.header_value),
            Span::styled(format!("  {}", describe_value(&output.value)), t.dim),
        ]));
        for l in format_value(&output.value, &options).lines() {
            lines.push(Line::styled(format!("  {l}"), t.base));
        }
    }
    let tm = &result.timings;
    lines.push(Line::styled(
        format!(
            "{} · inference {} · total {}",
            result.format,
            format_duration(tm.inference),
            format_duration(tm.total)
        ),
        t.dim,
    ));
}

fn bench_lines(result: &BenchResult, t: &Theme, width: u16, lines: &mut Vec<Line<'static>>) {
    let s = &result.stats;
    lines.push(Line::styled(
        format!(
            "{} runs after {} warm-up · wall {}",
            s.count,
            result.warmup,
            format_duration(result.wall)
        ),
        t.base,
    ));
    lines.push(Line::from(vec![
        Span::styled("p50 ", t.header_key),
        Span::styled(format_duration(s.p50), t.ok),
        Span::styled("  p90 ", t.header_key),
        Span::styled(format_duration(s.p90), t.header_value),
        Span::styled("  p99 ", t.header_key),
        Span::styled(format_duration(s.p99), t.header_value),
    ]));
    lines.push(Line::styled(
        format!(
            "min {} · mean {} · max {}",
            format_duration(s.min),
            format_duration(s.mean),
            format_duration(s.max)
        ),
        t.dim,
    ));
    let mut throughput = format!("{} runs/s", format_float(s.throughput_per_s, 4));
    if let Some(rows) = result.rows_per_s() {
        throughput.push_str(&format!(" · {} rows/s", format_float(rows, 4)));
    }
    lines.push(Line::styled(throughput, t.base));
    let h = &s.histogram;
    let max = h.max_count().max(1);
    let bar_w = (width as usize).saturating_sub(22).clamp(5, 40);
    for (i, count) in h.counts.iter().enumerate() {
        let (lo, _) = h.bucket_range(i);
        lines.push(Line::from(vec![
            Span::styled(format!("{:>10} ", format_duration(lo)), t.dim),
            Span::styled(
                format!("{:<bar_w$}", bar(*count as f64 / max as f64, bar_w)),
                t.bar,
            ),
            Span::styled(format!(" {count}"), t.dim),
        ]));
    }
    if h.overflow > 0 {
        lines.push(Line::styled(
            format!("{:>10} {} slower than p99", "", h.overflow),
            t.dim,
        ));
    }
}
