//! The keyboard form shared by the create screens (notebooks, training jobs):
//! text fields, choice lists, multi-selects and a submit button, with focus,
//! in-place errors, the submit state machine ([`submit`]), drafts saved as the user types and restored when the form
//! opens again, and the rendering. A screen declares its fields (an id enum
//! implementing [`FieldId`]), says which are visible and how each is checked,
//! and turns the values into objects; the form does the rest.

pub mod checks;
pub mod submit;

pub use submit::{Request, Step, Submit, Submitter};

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};
use std::collections::BTreeMap;

use crate::app::action::Action;
use crate::app::effect::Effect;
use crate::app::line::LineInput;
use crate::app::theme::Theme;
use crate::kube::errors::ApiFailure;
use crate::views::table::truncate;
use crate::views::{Cx, Handled};

/// A field's identity: one variant per field of a form.
pub trait FieldId: Copy + Eq + std::fmt::Debug + Send + 'static {
    /// The field's key in the saved draft.
    fn key(self) -> &'static str;
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
    pub fn text(v: &str) -> Input {
        Input::Text(Box::new(LineInput::new(v)))
    }

    pub fn choice(options: &[&str]) -> Input {
        Input::Choice {
            options: options.iter().map(|s| s.to_string()).collect(),
            index: 0,
        }
    }

    /// A multi-select whose options come later (`set_options`).
    pub fn multi() -> Input {
        Input::Multi {
            options: Vec::new(),
            on: Vec::new(),
            cursor: 0,
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

    pub fn set_value(&mut self, v: &str) {
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
    pub fn set_options(&mut self, new: Vec<String>) {
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
pub struct Field<K> {
    pub id: K,
    pub label: &'static str,
    pub input: Input,
    pub error: Option<String>,
}

impl<K> Field<K> {
    pub fn new(id: K, label: &'static str, input: Input) -> Field<K> {
        Field {
            id,
            label,
            input,
            error: None,
        }
    }
}

/// What the owner of a form must do after an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing more: the form took it.
    Done,
    /// The user asked to submit.
    Submit,
    /// Not a form action.
    Ignored,
}

/// Which fields are shown, given the values.
pub type Visible<K> = fn(&Form<K>, K) -> bool;
/// What is wrong with a field's value, given all values; `None` when fine.
pub type Check<K> = fn(&Form<K>, K) -> Option<String>;

/// A form: fields in order, focus, errors, the draft it is saved under.
#[derive(Debug, Clone)]
pub struct Form<K: FieldId> {
    pub fields: Vec<Field<K>>,
    pub focus: K,
    /// A problem that belongs to no single field (server errors).
    pub error: Option<String>,
    pub draft_name: String,
    visible: Visible<K>,
    check: Check<K>,
}

impl<K: FieldId> Form<K> {
    /// A form over `fields` (at least one), focused on the first; the draft
    /// under `draft_name` is restored when `cx` holds one.
    pub fn new(
        fields: Vec<Field<K>>,
        draft_name: String,
        visible: Visible<K>,
        check: Check<K>,
    ) -> Form<K> {
        let focus = fields[0].id;
        Form {
            fields,
            focus,
            error: None,
            draft_name,
            visible,
            check,
        }
    }

    pub fn field(&self, id: K) -> &Field<K> {
        // Every id has exactly one field, declared by the owner.
        self.fields
            .iter()
            .find(|f| f.id == id)
            .unwrap_or(&self.fields[0])
    }

    pub fn field_mut(&mut self, id: K) -> &mut Field<K> {
        let i = self.fields.iter().position(|f| f.id == id).unwrap_or(0);
        &mut self.fields[i]
    }

    pub fn value(&self, id: K) -> String {
        self.field(id).input.value()
    }

    /// The value with surrounding blanks removed.
    pub fn trimmed(&self, id: K) -> String {
        self.value(id).trim().to_string()
    }

    /// Sets a field's value (as typed or chosen); used by drafts and tests.
    pub fn set(&mut self, id: K, v: &str) {
        self.field_mut(id).input.set_value(v);
    }

    pub fn visible(&self, id: K) -> bool {
        (self.visible)(self, id)
    }

    pub fn check(&self, id: K) -> Option<String> {
        (self.check)(self, id)
    }

    pub fn visible_ids(&self) -> Vec<K> {
        self.fields
            .iter()
            .map(|f| f.id)
            .filter(|id| self.visible(*id))
            .collect()
    }

    /// The submit button's id (the first button).
    fn button(&self) -> K {
        self.fields
            .iter()
            .find(|f| matches!(f.input, Input::Button))
            .map(|f| f.id)
            .unwrap_or(self.fields[self.fields.len() - 1].id)
    }

    pub fn move_focus(&mut self, delta: isize) {
        let ids = self.visible_ids();
        if ids.is_empty() {
            return;
        }
        let at = ids.iter().position(|i| *i == self.focus).unwrap_or(0) as isize;
        let n = ids.len() as isize;
        self.focus = ids[((at + delta).rem_euclid(n)) as usize];
    }

    /// True while a text field has focus.
    pub fn text_focus(&self) -> bool {
        matches!(self.field(self.focus).input, Input::Text(_))
    }

    /// The values as saved in a draft (JSON object of key to text).
    pub fn draft(&self) -> String {
        let map: BTreeMap<&str, String> = self
            .fields
            .iter()
            .filter(|f| !matches!(f.input, Input::Button))
            .map(|f| (f.id.key(), f.input.value()))
            .collect();
        serde_json::to_string(&map).unwrap_or_default()
    }

    /// Sets the values a draft holds; ignores one that is not a draft.
    pub fn restore(&mut self, draft: &str) {
        let Ok(map) = serde_json::from_str::<BTreeMap<String, String>>(draft) else {
            return;
        };
        let ids: Vec<K> = self.fields.iter().map(|f| f.id).collect();
        for id in ids {
            if let Some(v) = map.get(id.key()) {
                self.set(id, v);
            }
        }
    }

    /// Restores the saved draft, if any.
    pub fn load_draft(&mut self, cx: &Cx) {
        if let Some(draft) = cx.drafts.get(&self.draft_name) {
            let draft = draft.clone();
            self.restore(&draft);
        }
    }

    pub fn save_draft(&self, cx: &mut Cx) {
        cx.out.effects.push(Effect::SaveDraft {
            name: self.draft_name.clone(),
            text: self.draft(),
        });
    }

    pub fn delete_draft(&self, cx: &mut Cx) {
        cx.out.effects.push(Effect::DeleteDraft {
            name: self.draft_name.clone(),
        });
    }

    /// Checks every visible field, marks problems and focuses the first bad
    /// one; true when all are fine.
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

    /// Shows a server's refusal: on `field` when it names one (focused when
    /// visible, else the button is), and in full under the form and in the
    /// notice line.
    pub fn fail_at(&mut self, field: Option<K>, what: &str, e: &ApiFailure, cx: &mut Cx) {
        let msg = e.message.clone();
        let text = format!("{what}: {msg}");
        if let Some(f) = field {
            self.field_mut(f).error = Some(msg);
            self.focus = if self.visible(f) { f } else { self.button() };
        }
        self.error = Some(text.clone());
        cx.error(text);
    }

    /// Handles the form's own actions (`form` keymap layer).
    pub fn on_action(&mut self, action: Action, cx: &mut Cx) -> Outcome {
        let focus = self.focus;
        match action {
            Action::NextField | Action::Down => self.move_focus(1),
            Action::PrevField | Action::Up => self.move_focus(-1),
            Action::Submit => return Outcome::Submit,
            Action::Enter => {
                if matches!(self.field(focus).input, Input::Button) {
                    return Outcome::Submit;
                }
                self.move_focus(1);
            }
            Action::Back => {
                cx.info("draft kept: n opens the form again with these values");
                cx.pop();
            }
            Action::Left | Action::Right | Action::Toggle => {
                let step: isize = if action == Action::Left { -1 } else { 1 };
                let mut submit = false;
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
                    Input::Button if action == Action::Toggle => submit = true,
                    _ => {}
                }
                let err = self.check(focus);
                self.field_mut(focus).error = err;
                self.save_draft(cx);
                if submit {
                    return Outcome::Submit;
                }
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Done
    }

    /// Typed keys into the focused text field.
    pub fn on_key(&mut self, key: KeyEvent, cx: &mut Cx) -> Handled {
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

    pub fn on_paste(&mut self, text: &str, cx: &mut Cx) -> Handled {
        let focus = self.focus;
        if let Input::Text(line) = &mut self.field_mut(focus).input {
            line.paste(text);
            self.save_draft(cx);
            return Handled::Yes;
        }
        Handled::No
    }

    /// Draws the form in a bordered block titled `title`; the button reads
    /// `button`, followed by `hint`.
    pub fn render(
        &self,
        t: &Theme,
        title: Line<'static>,
        button: &str,
        hint: &str,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(title);
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
                Input::Text(l) => text_spans(&mut spans, l, focused, input_w, t),
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
                    spans.push(Span::raw(" ".repeat(label_w)));
                    spans.push(Span::styled(
                        button.to_string(),
                        if focused { t.selected } else { t.title },
                    ));
                    spans.push(Span::styled(hint.to_string(), t.dim));
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
}

/// A text field: `[value   ]` with a reversed cursor when focused.
fn text_spans(
    spans: &mut Vec<Span<'static>>,
    l: &LineInput,
    focused: bool,
    input_w: usize,
    t: &Theme,
) {
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
