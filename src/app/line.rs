//! A one-line text input (command line, filter, form fields) on top of
//! `ratatui-textarea`, so editing keys (ctrl-a/e/u/w, alt-b/f, undo) behave
//! the same everywhere.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};

/// A single line of editable text.
#[derive(Clone, Debug, Default)]
pub struct LineInput {
    area: TextArea<'static>,
}

impl LineInput {
    pub fn new(text: &str) -> LineInput {
        let mut input = LineInput::default();
        input.set(text);
        input
    }

    pub fn text(&self) -> &str {
        self.area.lines().first().map(String::as_str).unwrap_or("")
    }

    /// Replaces the text and puts the cursor at its end.
    pub fn set(&mut self, text: &str) {
        let line = text.replace(['\n', '\r'], " ");
        self.area = TextArea::new(vec![line]);
        self.area.move_cursor(CursorMove::End);
    }

    /// Character index of the cursor.
    pub fn cursor(&self) -> usize {
        self.area.cursor().1
    }

    /// Edits with a key; false when the key is not an editing key (enter,
    /// tab, up/down are left to the caller).
    pub fn key(&mut self, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Enter
            | KeyCode::Tab
            | KeyCode::BackTab
            | KeyCode::Up
            | KeyCode::Down
            | KeyCode::Esc => false,
            KeyCode::Char('m') | KeyCode::Char('j')
                if key.modifiers.contains(KeyModifiers::CONTROL) =>
            {
                false
            }
            // Shell habit: ctrl-u clears to the start of the line (not undo).
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.area.delete_line_by_head();
                true
            }
            _ => {
                self.area.input(key);
                true
            }
        }
    }

    /// Inserts pasted text as one line.
    pub fn paste(&mut self, text: &str) {
        self.area.insert_str(text.replace(['\n', '\r'], " "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(input: &mut LineInput, code: KeyCode, mods: KeyModifiers) -> bool {
        input.key(KeyEvent::new(code, mods))
    }

    #[test]
    fn edits_like_a_shell_line() {
        let mut l = LineInput::new("ns ml");
        assert_eq!(l.cursor(), 5);
        assert!(press(&mut l, KeyCode::Char('-'), KeyModifiers::NONE));
        assert_eq!(l.text(), "ns ml-");
        assert!(press(&mut l, KeyCode::Backspace, KeyModifiers::NONE));
        assert!(press(&mut l, KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(l.text(), "ns ");
        assert!(!press(&mut l, KeyCode::Enter, KeyModifiers::NONE));
        assert!(!press(&mut l, KeyCode::Tab, KeyModifiers::NONE));
        assert!(press(&mut l, KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!(l.text(), "");
        l.paste("ns a\nb");
        assert_eq!(l.text(), "ns a b");
        l.set("x\ny");
        assert_eq!(l.text(), "x y");
    }
}
