//! `l`: a pod's logs. Follows new lines, wraps, searches with highlight, shows
//! or hides timestamps, switches container and previous instance, and keeps a
//! bounded buffer. Control sequences in log text are neutralised on arrival.

use std::any::Any;

use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use serde_json::Value;

use super::pager::Pager;
use super::{Cx, Filter, Handled, Subscriptions, View, ViewEvent};
use crate::app::action::Action;
use crate::app::config::Config;
use crate::app::state::{Scope, State};
use crate::kube::types::{LogSpec, LogUpdate};

pub struct LogsView {
    pub namespace: String,
    pub pod: String,
    pub containers: Vec<String>,
    pub container: usize,
    pub previous: bool,
    pub timestamps: bool,
    /// Lines as received, each starting with the server's RFC 3339 timestamp.
    pub pager: Pager,
    /// Why the stream ended, when it did.
    pub ended: Option<String>,
    pub cap: usize,
    tail: i64,
}

impl LogsView {
    pub fn new(
        namespace: &str,
        pod: &str,
        containers: Vec<String>,
        preferred: Option<&str>,
        config: &Config,
    ) -> LogsView {
        let container = preferred
            .and_then(|p| containers.iter().position(|c| c == p))
            .unwrap_or(0);
        LogsView {
            namespace: namespace.to_string(),
            pod: pod.to_string(),
            containers,
            container,
            previous: false,
            timestamps: config.logs.timestamps,
            pager: Pager {
                follow: true,
                wrap: config.logs.wrap,
                ..Pager::default()
            },
            ended: None,
            cap: config.logs.buffer_lines.max(100),
            tail: config.logs.tail_lines,
        }
    }

    /// Logs of a pod object, its first container selected.
    pub fn for_pod(pod: &DynamicObject, config: &Config) -> LogsView {
        LogsView::new(
            pod.metadata.namespace.as_deref().unwrap_or("default"),
            pod.metadata.name.as_deref().unwrap_or(""),
            container_names(pod),
            None,
            config,
        )
    }

    /// Logs of a pod as the store keeps it, its first container selected.
    pub fn for_pod_of(pod: &crate::kube::pod::Pod, config: &Config) -> LogsView {
        LogsView::new(
            pod.namespace.as_deref().unwrap_or("default"),
            pod.name(),
            pod.containers.iter().map(|c| c.name.to_string()).collect(),
            None,
            config,
        )
    }

    pub fn spec(&self) -> LogSpec {
        LogSpec {
            namespace: self.namespace.clone(),
            pod: self.pod.clone(),
            container: self.containers.get(self.container).cloned(),
            previous: self.previous,
            tail_lines: Some(self.tail),
            follow: true,
        }
    }

    fn restart(&mut self) {
        self.pager.lines.clear();
        self.pager.scroll = 0;
        self.pager.follow = true;
        self.ended = None;
    }
}

/// `text` in lines of at most `width` characters, broken between words
/// (a word longer than a line gets a line of its own).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Container names of a pod, init containers excluded.
pub fn container_names(pod: &DynamicObject) -> Vec<String> {
    pod.data
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Makes a log line safe to draw: ANSI sequences removed, tabs expanded and
/// other control characters shown as `^X`, so log text cannot move the cursor,
/// change colours or retitle the terminal.
pub fn neutralise(line: &str) -> String {
    let stripped = strip_ansi_escapes::strip_str(line.replace('\t', "    "));
    let mut out = String::with_capacity(stripped.len());
    for ch in stripped.chars() {
        match ch {
            c if c.is_control() => {
                let code = c as u32;
                if code < 0x20 {
                    out.push('^');
                    out.push(char::from_u32(code + 0x40).unwrap_or('?'));
                } else {
                    out.push('�');
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Splits "2024-01-01T00:00:00.123Z text" into (timestamp, text).
pub fn split_timestamp(line: &str) -> (Option<&str>, &str) {
    match line.split_once(' ') {
        Some((ts, rest))
            if ts.len() >= 20 && ts.as_bytes().get(4) == Some(&b'-') && ts.contains('T') =>
        {
            (Some(ts), rest)
        }
        _ => (None, line),
    }
}

fn highlight_with_ts(line: &str, theme: &crate::app::theme::Theme) -> Vec<Span<'static>> {
    let (ts, text) = split_timestamp(line);
    let mut spans = Vec::new();
    if let Some(ts) = ts {
        spans.push(Span::styled(format!("{ts} "), theme.dim));
    }
    spans.extend(level_style(text, theme));
    spans
}

fn highlight_without_ts(line: &str, theme: &crate::app::theme::Theme) -> Vec<Span<'static>> {
    level_style(split_timestamp(line).1, theme)
}

fn level_style(text: &str, theme: &crate::app::theme::Theme) -> Vec<Span<'static>> {
    let upper = text
        .get(..40.min(text.len()))
        .unwrap_or(text)
        .to_ascii_uppercase();
    let style = if upper.contains("ERROR") || upper.contains("FATAL") || upper.contains("TRACEBACK")
    {
        theme.error
    } else if upper.contains("WARN") {
        theme.warn
    } else {
        theme.base
    };
    vec![Span::styled(text.to_string(), style)]
}

impl View for LogsView {
    fn title(&self) -> String {
        format!("{} logs", self.pod)
    }

    fn layers(&self) -> &'static [&'static str] {
        &["logs", "pager"]
    }

    fn hints(&self) -> &'static [Action] {
        &[
            Action::Follow,
            Action::Wrap,
            Action::Timestamps,
            Action::Containers,
            Action::Previous,
            Action::Search,
        ]
    }

    fn subscriptions(&self, _scope: &Scope, subs: &mut Subscriptions) {
        subs.logs.insert(self.spec());
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        match action {
            Action::Follow => {
                self.pager.follow = !self.pager.follow;
                if self.pager.follow {
                    self.pager.act(Action::Bottom, cx.page);
                }
            }
            Action::Timestamps => self.timestamps = !self.timestamps,
            Action::Previous => {
                self.previous = !self.previous;
                self.restart();
            }
            Action::Containers => {
                if self.containers.len() > 1 {
                    self.container = (self.container + 1) % self.containers.len();
                    self.restart();
                } else {
                    cx.info("this pod has one container");
                }
            }
            Action::Bottom => {
                self.pager.act(Action::Bottom, cx.page);
                self.pager.follow = true;
            }
            a if self.pager.act(a, cx.page) => {}
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        let ViewEvent::Logs { spec, update } = event else {
            return Handled::No;
        };
        if *spec != self.spec() {
            return Handled::No;
        }
        match update {
            LogUpdate::Lines(lines) => {
                self.pager
                    .push_lines(lines.iter().map(|l| neutralise(l)), self.cap, cx.page);
            }
            LogUpdate::Ended(reason) => {
                // A failure is said in the pane itself, not only in the title.
                if let Some(why) = reason {
                    let lines = wrap_words(&format!("── {why} ──"), 76);
                    self.pager.push_lines(lines, self.cap, cx.page);
                }
                self.ended = Some(
                    reason
                        .as_ref()
                        .map(|_| "failed".to_string())
                        .unwrap_or_else(|| "stream ended".into()),
                );
            }
        }
        Handled::Yes
    }

    fn filter(&self) -> Option<&Filter> {
        Some(&self.pager.filter)
    }

    fn set_filter(&mut self, filter: Filter, cx: &mut Cx) -> bool {
        self.pager.set_filter(filter, cx.page);
        true
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        let container = self
            .containers
            .get(self.container)
            .map(String::as_str)
            .unwrap_or("-");
        let mut title = vec![
            Span::styled(" logs", t.title),
            Span::styled(format!(" {}/{}", self.namespace, self.pod), t.header_value),
            Span::styled(format!(" [{container}"), t.info),
        ];
        if self.containers.len() > 1 {
            title.push(Span::styled(
                format!(" {}/{}", self.container + 1, self.containers.len()),
                t.dim,
            ));
        }
        title.push(Span::styled("]", t.info));
        if self.previous {
            title.push(Span::styled(" previous", t.warn));
        }
        let mut flags = Vec::new();
        if self.pager.follow {
            flags.push("follow");
        }
        if self.pager.wrap {
            flags.push("wrap");
        }
        if self.timestamps {
            flags.push("timestamps");
        }
        if !flags.is_empty() {
            title.push(Span::styled(format!(" {}", flags.join(" ")), t.ok));
        }
        if let Some(reason) = &self.ended {
            title.push(Span::styled(format!(" ({reason})"), t.dim));
        }
        title.push(Span::raw(" "));
        let hl = if self.timestamps {
            highlight_with_ts
        } else {
            highlight_without_ts
        };
        self.pager.render(title, hl, t, area, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_are_neutralised() {
        assert_eq!(neutralise("\x1b[31mred\x1b[0m plain"), "red plain");
        assert_eq!(neutralise("title\x1b]0;owned\x07 after"), "title after");
        assert_eq!(neutralise("a\tb"), "a    b");
        for nasty in [
            "bell\x07 cr\r",
            "nul\0",
            "\u{9b}31mx",
            "\x1bc reset",
            "\x1b[2J\x1b[H clear",
            "\x08\x08back",
        ] {
            let shown = neutralise(nasty);
            assert!(
                !shown.chars().any(|c| c.is_control()),
                "{nasty:?} -> {shown:?}"
            );
        }
        assert_eq!(neutralise("\x1b[2J\x1b[H clear"), " clear");
    }

    #[test]
    fn timestamps_split_off() {
        assert_eq!(
            split_timestamp("2024-05-01T10:00:00.123456789Z epoch 1 loss=0.5"),
            (Some("2024-05-01T10:00:00.123456789Z"), "epoch 1 loss=0.5")
        );
        assert_eq!(
            split_timestamp("no timestamp here"),
            (None, "no timestamp here")
        );
    }

    #[test]
    fn switching_container_restarts_the_stream() {
        let config = Config::default();
        let mut v = LogsView::new("ns", "p", vec!["a".into(), "b".into()], Some("b"), &config);
        assert_eq!(v.spec().container.as_deref(), Some("b"));
        v.pager.lines.push_back("old".into());
        v.container = 0;
        v.restart();
        assert!(v.pager.lines.is_empty());
        assert_eq!(v.spec().container.as_deref(), Some("a"));
        assert!(v.spec().follow);
    }
}
