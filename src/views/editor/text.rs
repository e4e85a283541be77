//! The editing surface of the YAML editor: the text in a
//! `ratatui_textarea::TextArea` (cursor movement, editing keys, undo and
//! redo), drawn by kftui itself so each line gets its number, its syntax
//! colours and a mark in the gutter when a problem sits on it. Search is a
//! one-line prompt (`ctrl-f`) whose text is then found forwards or
//! backwards from the cursor (`ctrl-n` / `ctrl-p`), the matches shown.

use std::cell::Cell;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use ratatui_textarea::{CursorMove, TextArea};

use super::highlight;
use crate::app::line::LineInput;
use crate::app::theme::Theme;

/// The text being edited, its view position and search.
pub struct YamlEditor {
    area: TextArea<'static>,
    /// First line shown (kept by the last render so scrolling is steady).
    top: Cell<usize>,
    /// The search prompt while it is open.
    pub prompt: Option<LineInput>,
    /// The last text searched for.
    pub pattern: String,
    /// 0-based lines that have a problem.
    pub marked: Vec<usize>,
}

fn area_of(text: &str) -> TextArea<'static> {
    let lines: Vec<String> = text
        .replace("\r\n", "\n")
        .lines()
        .map(str::to_string)
        .collect();
    let mut area = TextArea::new(if lines.is_empty() {
        vec![String::new()]
    } else {
        lines
    });
    area.set_tab_length(2);
    area.set_max_histories(500);
    area
}

impl YamlEditor {
    pub fn new(text: &str) -> YamlEditor {
        YamlEditor {
            area: area_of(text),
            top: Cell::new(0),
            prompt: None,
            pattern: String::new(),
            marked: Vec::new(),
        }
    }

    /// The text, lines joined with newlines (and one at the end).
    pub fn text(&self) -> String {
        let mut s = self.area.lines().join("\n");
        if !s.ends_with('\n') {
            s.push('\n');
        }
        s
    }

    pub fn lines(&self) -> &[String] {
        self.area.lines()
    }

    /// (row, column), 0-based, column in characters.
    pub fn cursor(&self) -> (usize, usize) {
        let c = self.area.cursor();
        (c.0, c.1)
    }

    pub fn jump(&mut self, row: usize, col: usize) {
        let clamp = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        self.area
            .move_cursor(CursorMove::Jump(clamp(row), clamp(col)));
    }

    /// An editing key; true when the text changed.
    pub fn key(&mut self, key: KeyEvent) -> bool {
        if let Some(p) = &mut self.prompt {
            match key.code {
                KeyCode::Enter => {
                    self.pattern = p.text().to_string();
                    self.prompt = None;
                    self.find(true);
                }
                KeyCode::Esc => self.prompt = None,
                _ => {
                    p.key(key);
                }
            }
            return false;
        }
        let before = self.area.lines().len();
        match key.code {
            // A new line keeps the indentation of the one before, one step
            // deeper after a key that opens a block.
            KeyCode::Enter if key.modifiers == KeyModifiers::NONE => {
                let (row, col) = self.cursor();
                let line = self.area.lines().get(row).cloned().unwrap_or_default();
                let head: String = line.chars().take(col).collect();
                let mut indent: String = head.chars().take_while(|c| *c == ' ').collect();
                let t = head.trim_end();
                if t.ends_with(':') && !t.trim_start().starts_with('#') {
                    indent.push_str("  ");
                } else if let Some(item) = head.trim_start().strip_prefix("- ")
                    && !item.is_empty()
                {
                    indent.push_str("  ");
                }
                self.area.insert_newline();
                self.area.insert_str(indent);
                true
            }
            _ => {
                let changed = self.area.input(key);
                changed || self.area.lines().len() != before
            }
        }
    }

    /// Inserts pasted text at the cursor; a whole document replaces an
    /// empty editor. True when the text changed.
    pub fn paste(&mut self, text: &str) -> bool {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        if let Some(p) = &mut self.prompt {
            p.paste(text.lines().next().unwrap_or(""));
            return false;
        }
        if text.is_empty() {
            return false;
        }
        self.area.insert_str(text)
    }

    pub fn undo(&mut self) -> bool {
        self.area.undo()
    }

    pub fn redo(&mut self) -> bool {
        self.area.redo()
    }

    /// Opens the search prompt with the last pattern.
    pub fn open_search(&mut self) {
        self.prompt = Some(LineInput::new(&self.pattern));
    }

    /// Moves the cursor to the next (or previous) match of the pattern,
    /// wrapping around; false when there is none.
    pub fn find(&mut self, forward: bool) -> bool {
        let pat: Vec<char> = self.pattern.to_lowercase().chars().collect();
        if pat.is_empty() {
            return false;
        }
        let lines: Vec<Vec<char>> = self
            .area
            .lines()
            .iter()
            .map(|l| l.to_lowercase().chars().collect())
            .collect();
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for (r, l) in lines.iter().enumerate() {
            if l.len() >= pat.len() {
                for c in 0..=l.len() - pat.len() {
                    if l[c..c + pat.len()] == pat[..] {
                        hits.push((r, c));
                    }
                }
            }
        }
        let at = self.cursor();
        let next = if forward {
            hits.iter().find(|h| **h > at).or(hits.first())
        } else {
            hits.iter().rev().find(|h| **h < at).or(hits.last())
        };
        match next.copied() {
            Some((r, c)) => {
                self.jump(r, c);
                true
            }
            None => false,
        }
    }

    /// Draws the lines with the gutter into `area`.
    pub fn render(&self, t: &Theme, focused: bool, area: Rect, buf: &mut Buffer) {
        let lines = self.area.lines();
        let height = area.height as usize;
        if height == 0 || area.width == 0 {
            return;
        }
        let (row, col) = self.cursor();
        let mut top = self.top.get().min(lines.len().saturating_sub(1));
        if row < top {
            top = row;
        } else if row >= top + height {
            top = row + 1 - height;
        }
        self.top.set(top);
        let digits = lines.len().to_string().len().max(2);
        let gutter = digits + 3;
        let text_w = (area.width as usize).saturating_sub(gutter).max(1);
        let left = col.saturating_sub(text_w.saturating_sub(1));
        let pat: Vec<char> = self.pattern.to_lowercase().chars().collect();
        let mark = if t.ascii { "x" } else { "✗" };
        let mut out: Vec<Line> = Vec::new();
        for (i, line) in lines.iter().enumerate().skip(top).take(height) {
            let bad = self.marked.contains(&i);
            let mut spans = vec![
                Span::styled(if bad { mark } else { " " }, t.error),
                Span::styled(
                    format!("{:>digits$} ", i + 1),
                    if i == row { t.header_value } else { t.dim },
                ),
                Span::styled("│", t.border),
            ];
            spans.extend(styled_line(
                line,
                t,
                &pat,
                (focused && i == row).then_some(col),
                left,
                text_w,
            ));
            out.push(Line::from(spans));
        }
        Paragraph::new(out).render(area, buf);
    }
}

/// One text line, from character `left`, at most `width` characters, with
/// syntax colours, search matches and the cursor.
fn styled_line(
    line: &str,
    t: &Theme,
    pat: &[char],
    cursor: Option<usize>,
    left: usize,
    width: usize,
) -> Vec<Span<'static>> {
    let mut chars: Vec<(char, Style)> = Vec::new();
    for (tok, s) in highlight::tokens(line) {
        let style = tok.style(t);
        chars.extend(s.chars().map(|c| (c, style)));
    }
    if !pat.is_empty() && chars.len() >= pat.len() {
        let lower: Vec<char> = chars
            .iter()
            .map(|(c, _)| c.to_lowercase().next().unwrap_or(*c))
            .collect();
        let mut c = 0;
        while c + pat.len() <= lower.len() {
            if lower[c..c + pat.len()] == pat[..] {
                for x in &mut chars[c..c + pat.len()] {
                    x.1 = t.matched;
                }
                c += pat.len();
            } else {
                c += 1;
            }
        }
    }
    if let Some(at) = cursor {
        if at >= chars.len() {
            chars.resize(at, (' ', t.base));
            chars.push((' ', t.base.add_modifier(Modifier::REVERSED)));
        } else {
            chars[at].1 = chars[at].1.add_modifier(Modifier::REVERSED);
        }
    }
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut run_style: Option<Style> = None;
    for (c, s) in chars.into_iter().skip(left).take(width) {
        if run_style != Some(s) && !run.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut run),
                run_style.unwrap_or_default(),
            ));
        }
        run_style = Some(s);
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, run_style.unwrap_or_default()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::key;

    fn typed(e: &mut YamlEditor, s: &str) {
        for c in s.chars() {
            let k = if c == '\n' {
                key("enter")
            } else {
                KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
            };
            e.key(k);
        }
    }

    #[test]
    fn undo_and_redo_restore_the_text() {
        let mut e = YamlEditor::new("a: 1\n");
        e.jump(0, 4);
        typed(&mut e, "0");
        assert_eq!(e.text(), "a: 10\n");
        assert!(e.undo());
        assert_eq!(e.text(), "a: 1\n");
        assert!(e.redo());
        assert_eq!(e.text(), "a: 10\n");
    }

    #[test]
    fn enter_keeps_the_indentation() {
        let mut e = YamlEditor::new("spec:");
        e.jump(0, 5);
        typed(&mut e, "\nreplicas: 2\n- x");
        assert_eq!(e.text(), "spec:\n  replicas: 2\n  - x\n");
    }

    #[test]
    fn search_finds_forwards_and_backwards_and_wraps() {
        let mut e = YamlEditor::new("image: a\nname: b\nimage: c\n");
        e.open_search();
        for c in "IMAGE".chars() {
            e.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        e.key(key("enter"));
        assert!(e.prompt.is_none());
        assert_eq!(e.cursor(), (2, 0), "the next match after the cursor");
        assert!(e.find(true));
        assert_eq!(e.cursor(), (0, 0), "wraps to the first");
        assert!(e.find(false));
        assert_eq!(e.cursor(), (2, 0), "backwards wraps to the last");
        e.pattern = "nothing".into();
        assert!(!e.find(true));
    }

    #[test]
    fn paste_inserts_a_whole_document() {
        let mut e = YamlEditor::new("");
        assert!(e.paste("apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: x\r\n"));
        assert_eq!(
            e.text(),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n"
        );
        assert!(e.undo(), "a paste is one undo step");
        assert_eq!(e.text(), "\n");
    }
}
