//! `?`: the keys of the current screen, generated from the keymap itself, so
//! help can never disagree with what the keys do.

use std::any::Any;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::{Cx, Handled, View};
use crate::app::action::Action;
use crate::app::state::State;

/// Lines of the help overlay for the current view.
pub fn help_lines(state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    let layers = state.view().layers();
    let mut lines = vec![Line::from(vec![
        Span::styled("Commands ", t.title),
        Span::styled(
            ":nb :runs :katib :jobs :gpu :onnx :pods :events :ns NAME :ctx NAME :q   filter: /text  /!text  /-l key=value",
            t.dim,
        ),
    ])];
    let mut last_layer = String::new();
    for (layer, keys, desc) in state.keymap.help_rows(layers) {
        if layer != last_layer {
            lines.push(Line::from(Span::styled(layer.to_string(), t.title)));
            last_layer = layer;
        }
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<22}"), t.hint_key),
            Span::styled(desc.to_string(), t.base),
        ]));
    }
    lines
}

/// Draws the help overlay centred over `area`.
pub fn render_overlay(state: &State, scroll: usize, area: Rect, buf: &mut Buffer) {
    let lines = help_lines(state);
    let width = area.width.saturating_sub(4).min(100);
    let height = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    Clear.render(rect, buf);
    let max_scroll = (lines.len() as u16).saturating_sub(height.saturating_sub(2));
    let more = if max_scroll > 0 {
        format!(
            "j/k scroll {}/{} ",
            (scroll as u16).min(max_scroll) + 1,
            max_scroll + 1
        )
    } else {
        String::new()
    };
    let t = &state.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border_focus)
        .title(Line::from(vec![
            Span::styled(format!(" help: {} ", state.view().title()), t.title),
            Span::styled(format!("esc to close  {more}"), t.dim),
        ]));
    Paragraph::new(lines)
        .block(block)
        .style(t.base)
        .scroll(((scroll as u16).min(max_scroll), 0))
        .render(rect, buf);
}

/// Placeholder view; only used if the stack were ever empty.
pub struct EmptyView;

impl View for EmptyView {
    fn title(&self) -> String {
        String::new()
    }

    fn layers(&self) -> &'static [&'static str] {
        &[]
    }

    fn on_action(&mut self, _action: Action, _cx: &mut Cx) -> Handled {
        Handled::No
    }

    fn render(&self, _state: &State, _area: Rect, _buf: &mut Buffer) {}

    fn as_any(&self) -> &dyn Any {
        self
    }
}
