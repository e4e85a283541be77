//! Drawing the remote test pane from its state: the path in use, the local
//! model, the request editor, and below it the answer, the two answers
//! side by side with the differences marked, the local model list, or the
//! benchmark (its fields, a progress bar, the figures).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::compare::{self, Comparison, TensorDiff};
use super::remote::{Focus, LocalStatus, Pane, RemoteInferView, route};
use crate::app::state::State;
use crate::app::theme::Theme;

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else {
        format!("{v:.2} ms")
    }
}

/// A text progress bar `[#####.....]`.
pub fn bar(fraction: f64, width: usize) -> String {
    let filled = ((fraction.clamp(0.0, 1.0)) * width as f64).round() as usize;
    format!("[{}{}]", "█".repeat(filled), "·".repeat(width - filled))
}

pub fn remote(v: &RemoteInferView, state: &State, area: Rect, buf: &mut Buffer) {
    let t = &state.theme;
    let [head, local, editor, out] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Percentage(35),
        Constraint::Min(3),
    ])
    .areas(area);
    let path = v.last_path.clone().unwrap_or_else(|| {
        route(&v.model, &v.request_text())
            .map(|r| r.1)
            .unwrap_or_else(|_| "?".into())
    });
    Paragraph::new(Line::from(vec![
        Span::styled(" POST ", t.title),
        Span::styled(path, t.header_value),
        Span::styled(format!(" {}", v.via_text(&state.config)), t.dim),
    ]))
    .render(head, buf);
    let local_line = match &v.local {
        None => Line::from(vec![
            Span::styled(" local: ", t.title),
            Span::styled("none (ctrl-o picks a model to compare with)", t.dim),
        ]),
        Some(l) => {
            let (word, style) = match &l.status {
                LocalStatus::Loading => ("loading…".to_string(), t.dim),
                LocalStatus::Ready => ("ready, ctrl-e compares".to_string(), t.ok),
                LocalStatus::Failed(why) => (format!("failed: {why}"), t.error),
            };
            Line::from(vec![
                Span::styled(" local: ", t.title),
                Span::styled(format!("{} ", l.name()), t.header_value),
                Span::styled(word, style),
            ])
        }
    };
    Paragraph::new(local_line).render(local, buf);
    let mut ed = v.editor.clone();
    ed.set_block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(if v.focus == Focus::Editor {
                t.border_focus
            } else {
                t.border
            })
            .title(" request (ctrl-r send) "),
    );
    ed.set_cursor_line_style(Style::default());
    ed.render(editor, buf);
    match v.focus {
        Focus::Pick => return pick(v, state, out, buf),
        Focus::BenchForm => return bench_lines(v, t, out, buf),
        Focus::Editor => {}
    }
    match v.pane {
        Pane::Answer => answer(v, t, out, buf),
        Pane::Compare => side_by_side(v, t, out, buf),
        Pane::Bench => bench_lines(v, t, out, buf),
    }
}

fn boxed(title: &str, t: &Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(t.border)
        .title(Span::styled(format!(" {title} "), t.title))
}

fn answer(v: &RemoteInferView, t: &Theme, area: Rect, buf: &mut Buffer) {
    let mut lines: Vec<Line> = Vec::new();
    match &v.answer {
        _ if v.busy() => lines.push(Line::from(Span::styled("sending…", t.dim))),
        None => lines.push(Line::from(Span::styled(
            "ctrl-r sends the request to the deployed model",
            t.dim,
        ))),
        Some(a) => {
            let mut head = vec![Span::styled(
                a.summary.clone(),
                if a.ok { t.ok } else { t.error },
            )];
            if let Some(l) = a.latency_ms {
                head.push(Span::styled(format!("  {}", ms(l)), t.dim));
            }
            lines.push(Line::from(head));
            lines.extend(a.body.iter().map(|l| Line::from(l.clone())));
        }
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(boxed("response", t))
        .render(area, buf);
}

fn pick(v: &RemoteInferView, state: &State, area: Rect, buf: &mut Buffer) {
    let t = &state.theme;
    let choices = v.choices(&state.recent_models);
    let mut lines: Vec<Line> = Vec::new();
    if choices.is_empty() {
        lines.push(Line::from(Span::styled(
            "no recent models and no shipped examples: open one in :onnx first",
            t.dim,
        )));
    }
    for (i, c) in choices.iter().enumerate() {
        let style = if i == v.pick { t.selected } else { t.base };
        lines.push(Line::from(Span::styled(format!(" {c} "), style)));
    }
    Paragraph::new(lines)
        .block(boxed("local model to compare with (enter picks)", t))
        .render(area, buf);
}

fn diff_line(d: &TensorDiff, t: &Theme) -> Line<'static> {
    let mark = if d.differs() { "✖" } else { "✔" };
    Line::from(vec![
        Span::styled(format!("{mark} "), if d.differs() { t.error } else { t.ok }),
        Span::raw(format!("{} ↔ {} ", d.local, d.remote)),
        Span::styled(
            format!(
                "max |Δ| {} at {}",
                compare::fmt_diff(d.max_abs_diff),
                d.at_text()
            ),
            if d.differs() { t.error } else { t.dim },
        ),
    ])
}

fn verdict_lines(c: &Comparison, t: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(
        c.verdict(),
        if c.agrees() { t.ok } else { t.error },
    ))];
    lines.extend(c.tensors.iter().map(|d| diff_line(d, t)));
    lines.extend(
        c.notes
            .iter()
            .map(|n| Line::from(Span::styled(n.clone(), t.dim))),
    );
    lines
}

fn side_by_side(v: &RemoteInferView, t: &Theme, area: Rect, buf: &mut Buffer) {
    let Some(run) = &v.compare else {
        return answer(v, t, area, buf);
    };
    let block = boxed("local ↔ deployed", t);
    let inner = block.inner(area);
    block.render(area, buf);
    let mut top: Vec<Line> = Vec::new();
    match (&run.remote, &run.local, &run.result) {
        (_, _, Some(c)) => top.extend(verdict_lines(c, t)),
        (Some(a), _, None) if !a.ok => top.push(Line::from(Span::styled(
            format!("deployed: {}", a.summary),
            t.error,
        ))),
        (_, Some(Err(e)), None) => {
            top.push(Line::from(Span::styled(format!("local: {e}"), t.error)));
        }
        _ => top.push(Line::from(Span::styled("running on both…", t.dim))),
    }
    let top_h = (top.len() as u16)
        .min(inner.height.saturating_sub(2))
        .max(1);
    let [head, cols] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(0)]).areas(inner);
    Paragraph::new(top)
        .wrap(Wrap { trim: false })
        .render(head, buf);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(cols);
    let name = v.local.as_ref().map(|l| l.name()).unwrap_or_default();
    let local_ms = match &run.local {
        Some(Ok(r)) => format!(
            "ONNX Runtime {}",
            ms(r.timings.total.as_secs_f64() * 1000.0)
        ),
        _ => String::new(),
    };
    let remote_head = match &run.remote {
        Some(a) => format!(
            "{}{}",
            a.status
                .map(|s| format!("HTTP {s}"))
                .unwrap_or("no answer".into()),
            a.latency_ms
                .map(|l| format!(" {}", ms(l)))
                .unwrap_or_default()
        ),
        None => String::new(),
    };
    let rows = run
        .result
        .as_ref()
        .map(|c| c.rows.as_slice())
        .unwrap_or(&[]);
    let column = |local: bool| -> Vec<Line<'static>> {
        let (head, sub) = if local {
            (format!("local {name}"), local_ms.clone())
        } else {
            (format!("deployed {}", v.model), remote_head.clone())
        };
        let mut lines = vec![
            Line::from(Span::styled(head, t.title)),
            Line::from(Span::styled(sub, t.dim)),
        ];
        for r in rows {
            let label = if local { &r.local } else { &r.remote };
            let text = label.clone().unwrap_or_else(|| "-".into());
            let (mark, style) = if r.same() {
                ("  ", t.base)
            } else {
                ("✖ ", t.error)
            };
            lines.push(Line::from(vec![
                Span::styled(mark, style),
                Span::styled(format!("row {} ", r.row), t.dim),
                Span::styled(text, style),
            ]));
        }
        lines
    };
    Paragraph::new(column(true)).render(left, buf);
    Paragraph::new(column(false)).render(right, buf);
}

fn bench_lines(v: &RemoteInferView, t: &Theme, area: Rect, buf: &mut Buffer) {
    let mut lines: Vec<Line> = Vec::new();
    let field = |label: &str, text: &str, on: bool| {
        Line::from(vec![
            Span::styled(format!("{label:<12}"), t.header_key),
            Span::styled(
                format!(" {text} "),
                if on && v.focus == Focus::BenchForm {
                    t.selected
                } else {
                    t.header_value
                },
            ),
        ])
    };
    lines.push(field(
        "requests",
        v.bench_requests.text(),
        v.bench_field == 0,
    ));
    lines.push(field(
        "concurrency",
        v.bench_concurrency.text(),
        v.bench_field == 1,
    ));
    if v.focus == Focus::BenchForm {
        lines.push(Line::from(Span::styled(
            "enter starts · tab next field · esc back (1 = sequential)",
            t.dim,
        )));
    }
    if let Some(b) = &v.bench {
        let width = (area.width as usize).saturating_sub(24).clamp(10, 50);
        let state = if b.finished() {
            if b.cancelled { "cancelled" } else { "done" }
        } else {
            "running (ctrl-x stops)"
        };
        lines.push(Line::from(vec![
            Span::styled(bar(b.fraction(), width), t.bar),
            Span::raw(format!(" {}/{} {state}", b.done(), b.total)),
        ]));
        if let Some(f) = b.figures() {
            lines.push(Line::from(vec![
                Span::styled("p50 ", t.header_key),
                Span::raw(ms(f.p50)),
                Span::styled("  p90 ", t.header_key),
                Span::raw(ms(f.p90)),
                Span::styled("  p99 ", t.header_key),
                Span::raw(ms(f.p99)),
            ]));
            lines.push(Line::from(Span::styled(
                format!(
                    "min {}  mean {}  max {}  ({} answered)",
                    ms(f.min),
                    ms(f.mean),
                    ms(f.max),
                    b.latencies.len()
                ),
                t.dim,
            )));
        }
        lines.push(Line::from(vec![
            Span::styled("errors ", t.header_key),
            Span::styled(
                b.errors.to_string(),
                if b.errors > 0 { t.error } else { t.ok },
            ),
            Span::styled(
                b.first_error
                    .as_ref()
                    .map(|e| format!("  first: {e}"))
                    .unwrap_or_default(),
                t.error,
            ),
        ]));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(boxed("benchmark (deployed model)", t))
        .render(area, buf);
}
