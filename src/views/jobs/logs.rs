//! Every replica's log of one job merged in time order, each line prefixed
//! with its replica (`[worker-1]`), following. One log stream per replica
//! pod; lines carry the server's timestamps, which order the merge.

use std::any::Any;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::model::Replica;
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::app::theme::Theme;
use crate::kube::types::{LogSpec, LogUpdate};
use crate::views::logs::{neutralise, split_timestamp};
use crate::views::pager::Pager;
use crate::views::{Cx, Filter, Handled, Subscriptions, View, ViewEvent};

/// Lines kept at most.
const CAP: usize = 20_000;
/// Lines asked of each replica's log at the start.
const TAIL: i64 = 500;

pub struct MergedLogs {
    pub job: String,
    pub namespace: String,
    /// (stream, `[role-index]` prefix) per replica.
    pub streams: Vec<(LogSpec, String)>,
    /// Merged lines as (timestamp, shown line), in time order.
    merged: Vec<(String, String)>,
    pub pager: Pager,
    pub ended: usize,
}

impl MergedLogs {
    pub fn new(namespace: &str, job: &str, replicas: &[Replica]) -> MergedLogs {
        let streams = replicas
            .iter()
            .map(|r| {
                (
                    LogSpec {
                        namespace: namespace.to_string(),
                        pod: r.pod.clone(),
                        container: None,
                        previous: false,
                        tail_lines: Some(TAIL),
                        follow: true,
                    },
                    format!("[{}-{}]", r.role, r.index),
                )
            })
            .collect();
        MergedLogs {
            job: job.to_string(),
            namespace: namespace.to_string(),
            streams,
            merged: Vec::new(),
            pager: Pager {
                follow: true,
                ..Pager::default()
            },
            ended: 0,
        }
    }

    /// Adds one stream's lines, keeping the merge in time order (a stable
    /// sort: lines of one replica stay in the order they came).
    pub fn add(&mut self, prefix: &str, lines: &[String], page: usize) {
        let start = self
            .merged
            .last()
            .map(|(ts, _)| ts.clone())
            .unwrap_or_default();
        let mut in_order = true;
        for l in lines {
            let clean = neutralise(l);
            let (ts, text) = split_timestamp(&clean);
            let ts = ts.unwrap_or("").to_string();
            in_order &= ts >= start;
            self.merged.push((ts, format!("{prefix} {text}")));
        }
        if !in_order {
            self.merged.sort_by(|a, b| a.0.cmp(&b.0));
        }
        let excess = self.merged.len().saturating_sub(CAP);
        self.merged.drain(..excess);
        let follow = self.pager.follow;
        self.pager
            .set_lines(self.merged.iter().map(|(_, l)| l.clone()));
        if follow {
            self.pager.follow = true;
            self.pager.act(Action::Bottom, page);
        }
    }
}

fn highlight(line: &str, theme: &Theme) -> Vec<Span<'static>> {
    match line.split_once(' ') {
        Some((prefix, rest)) if prefix.starts_with('[') => {
            let upper = rest.to_ascii_uppercase();
            let style = if upper.contains("ERROR") || upper.contains("TRACEBACK") {
                theme.error
            } else {
                theme.base
            };
            vec![
                Span::styled(format!("{prefix} "), theme.header_key),
                Span::styled(rest.to_string(), style),
            ]
        }
        _ => vec![Span::styled(line.to_string(), theme.base)],
    }
}

impl View for MergedLogs {
    fn title(&self) -> String {
        format!("{} logs (all replicas)", self.job)
    }

    fn layers(&self) -> &'static [&'static str] {
        &["logs", "pager"]
    }

    fn subscriptions(&self, _scope: &Scope, subs: &mut Subscriptions) {
        subs.logs
            .extend(self.streams.iter().map(|(s, _)| s.clone()));
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        if action == Action::Follow {
            self.pager.follow = !self.pager.follow;
            if self.pager.follow {
                self.pager.act(Action::Bottom, cx.page);
            }
            return Handled::Yes;
        }
        if self.pager.act(action, cx.page) {
            if matches!(action, Action::Up | Action::PageUp | Action::Top) {
                self.pager.follow = false;
            }
            return Handled::Yes;
        }
        Handled::No
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        let ViewEvent::Logs { spec, update } = event else {
            return Handled::No;
        };
        let Some(prefix) = self
            .streams
            .iter()
            .find(|(s, _)| s == spec)
            .map(|(_, p)| p.clone())
        else {
            return Handled::No;
        };
        match update {
            LogUpdate::Lines(lines) => self.add(&prefix, lines, cx.page),
            LogUpdate::Ended(reason) => {
                self.ended += 1;
                if let Some(why) = reason {
                    let ts = self
                        .merged
                        .last()
                        .map(|(t, _)| t.clone())
                        .unwrap_or_default();
                    self.merged.push((ts, format!("{prefix} ── {why} ──")));
                    self.add(&prefix, &[], cx.page);
                }
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
        let status = if self.pager.follow {
            "following"
        } else {
            "paused (f follows)"
        };
        let title = vec![
            Span::styled(format!(" {} logs", self.job), t.title),
            Span::styled(
                format!(
                    " {} replicas · {status}{} ",
                    self.streams.len(),
                    if self.ended > 0 {
                        format!(" · {} ended", self.ended)
                    } else {
                        String::new()
                    }
                ),
                t.header_value,
            ),
        ];
        self.pager.render(title, highlight, t, area, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
