//! The frame around every screen: header (context, user, namespace scope,
//! read-only marker, connection), breadcrumbs, footer (key hints, last
//! message), the `:`/`/` prompt, the confirmation dialog and the help overlay.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::Confirm;
use crate::app::prompt::PromptKind;
use crate::app::state::{Connection, Level, State};
use crate::kube::types::SyncStatus;

/// Where the current view draws.
pub fn body_area(size: (u16, u16)) -> Rect {
    let (w, h) = size;
    Rect {
        x: 0,
        y: 2,
        width: w,
        height: h.saturating_sub(4),
    }
}

/// Table rows that fit in the body (frame and header row excluded).
pub fn page_rows(size: (u16, u16)) -> usize {
    body_area(size).height.saturating_sub(3).max(1) as usize
}

/// The whole screen.
pub fn draw(frame: &mut Frame, state: &State) {
    let area = frame.area();
    let buf = frame.buffer_mut();
    buf.set_style(area, state.theme.base);
    if area.height < 6 || area.width < 20 {
        Paragraph::new("kftui needs at least 20x6")
            .style(state.theme.warn)
            .render(area, buf);
        return;
    }
    header(state, Rect { height: 1, ..area }, buf);
    breadcrumbs(
        state,
        Rect {
            y: 1,
            height: 1,
            ..area
        },
        buf,
    );
    let body = body_area((area.width, area.height));
    state.view().render(state, body, buf);
    let hints_row = Rect {
        y: area.height - 2,
        height: 1,
        ..area
    };
    let last_row = Rect {
        y: area.height - 1,
        height: 1,
        ..area
    };
    hints(state, hints_row, buf);
    if let Some(prompt) = &state.prompt {
        let lead = match prompt.kind {
            PromptKind::Command => ":",
            PromptKind::Filter => "/",
        };
        let mut spans = vec![
            Span::styled(lead, state.theme.hint_key),
            Span::styled(prompt.input.text().to_string(), state.theme.header_value),
        ];
        if let Some(rest) = prompt.suggestion() {
            spans.push(Span::styled(rest.to_string(), state.theme.dim));
        }
        if prompt.completions.len() > 1 {
            let others: Vec<&str> = prompt
                .completions
                .iter()
                .take(6)
                .map(String::as_str)
                .collect();
            spans.push(Span::styled(
                format!("   [{}]", others.join(" ")),
                state.theme.dim,
            ));
        }
        Paragraph::new(Line::from(spans)).render(last_row, buf);
        let x = last_row.x + 1 + prompt.input.cursor() as u16;
        frame.set_cursor_position(Position::new(x.min(area.width - 1), last_row.y));
    } else {
        notice(state, last_row, buf);
    }
    let buf = frame.buffer_mut();
    if let Some(confirm) = &state.confirm {
        dialog(state, confirm, body, buf);
    }
    if let Some(help) = &state.help {
        super::help::render_overlay(state, help.scroll, body, buf);
    }
}

/// Connection words and how they should look. Only trouble with the
/// server itself counts here: a kind the user may not list, or one the
/// cluster does not serve, is that screen's problem, not the connection's.
pub fn connection_label(state: &State) -> (String, ratatui::style::Style) {
    let t = &state.theme;
    match &state.connection {
        Connection::Offline(_) => ("○ offline".into(), t.error),
        Connection::Connecting => ("◌ connecting".into(), t.warn),
        Connection::Connected(_) => {
            let now = state.now.as_second();
            let mut stale: Option<i64> =
                state.trouble.as_ref().map(|tr| now - tr.since.as_second());
            // A watch asked for but not yet started is still syncing.
            let mut syncing = crate::app::update::subscriptions(state)
                .watches
                .iter()
                .any(|k| state.store.get(k).is_none());
            for set in state.store.sets.values() {
                match &set.status {
                    s if s.is_connection_failure() => {
                        let since = set.stale_since.map(|s| now - s.as_second()).unwrap_or(0);
                        stale = Some(stale.map_or(since, |s: i64| s.max(since)));
                    }
                    SyncStatus::Connecting | SyncStatus::Resyncing => syncing = true,
                    _ => {}
                }
            }
            match (stale, syncing) {
                (Some(secs), _) => (
                    format!(
                        "◌ stale {}, reconnecting",
                        super::columns::human_duration(secs.max(0))
                    ),
                    t.error,
                ),
                (None, true) => ("◌ syncing".into(), t.warn),
                (None, false) => ("● live".into(), t.ok),
            }
        }
    }
}

fn header(state: &State, area: Rect, buf: &mut Buffer) {
    let t = &state.theme;
    let mut spans = vec![Span::styled(" kftui ", t.title)];
    let mut field = |k: &str, v: String| {
        spans.push(Span::styled(format!(" {k}:"), t.header_key));
        spans.push(Span::styled(v, t.header_value));
    };
    match &state.connection {
        Connection::Connected(c) => {
            field("ctx", c.context.clone());
            if area.width >= 100 {
                field("cluster", c.cluster.clone());
            }
            field("user", c.user.clone());
        }
        Connection::Offline(reason) => field("cluster", super::table::truncate(reason, 40)),
        Connection::Connecting => {}
    }
    field("ns", state.scope.label().to_string());
    if state.readonly.is_some() {
        spans.push(Span::styled(" [read-only]", t.warn));
    }
    let (conn, style) = connection_label(state);
    let right = format!("{conn} ");
    Paragraph::new(Line::from(spans)).render(area, buf);
    let w = unicode_width::UnicodeWidthStr::width(right.as_str()) as u16;
    if area.width > w + 30 {
        buf.set_string(area.x + area.width - w, area.y, right, style);
    }
}

fn breadcrumbs(state: &State, area: Rect, buf: &mut Buffer) {
    let t = &state.theme;
    let crumbs = state.breadcrumbs();
    let mut spans = vec![Span::raw(" ")];
    let n = crumbs.len();
    for (i, c) in crumbs.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", t.dim));
        }
        spans.push(Span::styled(c, if i + 1 == n { t.info } else { t.dim }));
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}

fn hints(state: &State, area: Rect, buf: &mut Buffer) {
    let t = &state.theme;
    let view = state.view();
    let layers = view.layers();
    let mut spans = vec![Span::raw(" ")];
    let mut actions: Vec<crate::app::action::Action> = view.hints().to_vec();
    use crate::app::action::Action;
    for a in [Action::Command, Action::Help, Action::Back] {
        if !actions.contains(&a) {
            actions.push(a);
        }
    }
    let mut width = 1usize;
    for a in actions {
        let Some(key) = state.keymap.key_for(layers, a) else {
            continue;
        };
        let chunk = format!("<{key}> {}  ", a.short());
        width += chunk.len();
        if width > area.width as usize {
            break;
        }
        spans.push(Span::styled(format!("<{key}>"), t.hint_key));
        spans.push(Span::styled(format!(" {}  ", a.short()), t.dim));
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}

fn notice(state: &State, area: Rect, buf: &mut Buffer) {
    let t = &state.theme;
    let line = match &state.notice {
        Some(n) => {
            let style = match n.level {
                Level::Info => t.info,
                Level::Error => t.error,
            };
            Line::from(Span::styled(format!(" {}", n.text), style))
        }
        None => match (&state.readonly, &state.connection) {
            (_, Connection::Offline(reason)) => {
                Line::from(Span::styled(format!(" {reason}"), t.error))
            }
            (Some(reason), _) => Line::from(Span::styled(
                format!(" {reason}: changes are disabled"),
                t.dim,
            )),
            _ => Line::default(),
        },
    };
    Paragraph::new(line).render(area, buf);
}

fn dialog(state: &State, c: &Confirm, area: Rect, buf: &mut Buffer) {
    let t = &state.theme;
    let width = area.width.saturating_sub(4).min(64);
    let text_lines = (c.message.len() as u16)
        .div_ceil(width.saturating_sub(2).max(1))
        .max(1);
    let options = c.options.len() as u16 + u16::from(!c.options.is_empty());
    let height = (text_lines + options + 4).min(area.height);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    };
    Clear.render(rect, buf);
    let mut lines = vec![
        Line::from(Span::styled(c.message.clone(), t.base)),
        Line::default(),
    ];
    for (i, (label, on)) in c.options.iter().enumerate() {
        let mark = if *on { "[x]" } else { "[ ]" };
        let style = if c.option_focus == Some(i) {
            t.selected
        } else {
            t.base
        };
        lines.push(Line::from(Span::styled(format!("{mark} {label}"), style)));
    }
    if !c.options.is_empty() {
        lines.push(Line::default());
    }
    let button = |label: &str, focused: bool| {
        Span::styled(
            format!("[ {label} ]"),
            if focused { t.selected } else { t.base },
        )
    };
    lines.push(Line::from(vec![
        button("Cancel", !c.yes_focused),
        Span::raw("   "),
        button(&c.action_label, c.yes_focused),
        Span::styled("   y/n", t.dim),
    ]));
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.warn)
                .title(Span::styled(format!(" {} ", c.title), t.warn)),
        )
        .render(rect, buf);
}
