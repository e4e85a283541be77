//! The bottom input line: `:` commands (with completion and history) and `/`
//! filters or searches (applied to the view as the user types).

use super::line::LineInput;
use crate::views::Filter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Command,
    Filter,
}

/// An open prompt.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: LineInput,
    /// Completions of the current text, best first.
    pub completions: Vec<String>,
    /// Which completion tab last inserted.
    pub completion_pick: Option<usize>,
    /// Position while walking history with up/down.
    pub history_pos: Option<usize>,
    /// The view's filter before the prompt opened, restored on esc.
    pub saved_filter: Option<Filter>,
}

impl Prompt {
    pub fn command() -> Prompt {
        Prompt {
            kind: PromptKind::Command,
            input: LineInput::default(),
            completions: Vec::new(),
            completion_pick: None,
            history_pos: None,
            saved_filter: None,
        }
    }

    pub fn filter(current: Option<Filter>) -> Prompt {
        Prompt {
            kind: PromptKind::Filter,
            input: LineInput::new(current.as_ref().map(|f| f.text.as_str()).unwrap_or("")),
            saved_filter: current,
            ..Prompt::command()
        }
    }

    /// The greyed-out rest of the first completion, shown after the cursor.
    pub fn suggestion(&self) -> Option<&str> {
        let text = self.input.text();
        self.completions
            .first()
            .and_then(|c| c.strip_prefix(text))
            .filter(|rest| !rest.is_empty())
    }
}
