//! The experiment's two charts (ratatui `Chart`, braille markers): the
//! objective per finished trial in completion order with the best-so-far
//! line and the goal line, and the objective against one parameter (log
//! scale when the parameter spans two or more orders of magnitude).
//! Points are computed when the data changes, not per frame.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph, Widget};

use super::model::{Objective, Param, TrialRow, progression};
use crate::app::theme::Theme;

/// Points for both charts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartData {
    pub metric: String,
    /// (n, value) per finished trial, in completion order.
    pub values: Vec<(f64, f64)>,
    /// (n, best so far).
    pub best: Vec<(f64, f64)>,
    pub goal: Option<f64>,
    /// The parameter on the scatter's x axis.
    pub param: String,
    pub log: bool,
    /// Category names when the parameter is categorical (x is the index).
    pub categories: Vec<String>,
    /// (x, value); x is log10 of the parameter under a log scale.
    pub scatter: Vec<(f64, f64)>,
}

impl ChartData {
    pub fn new(
        trials: &[std::sync::Arc<TrialRow>],
        objective: &Objective,
        params: &[Param],
        param: usize,
    ) -> ChartData {
        let prog = progression(trials, objective);
        let values = prog
            .iter()
            .enumerate()
            .map(|(i, (v, _))| ((i + 1) as f64, *v))
            .collect();
        let best = prog
            .iter()
            .enumerate()
            .map(|(i, (_, b))| ((i + 1) as f64, *b))
            .collect();
        let mut out = ChartData {
            metric: objective.metric.clone(),
            values,
            best,
            goal: objective.goal,
            ..ChartData::default()
        };
        let Some(p) = params.get(param) else {
            return out;
        };
        out.param = p.name.clone();
        out.log = p.list.is_empty() && p.log_scale();
        out.categories = p.list.clone();
        out.scatter = trials
            .iter()
            .filter_map(|t| {
                let y = t.metric(objective, &objective.metric)?;
                let raw = t.param(&p.name)?;
                let x = if !p.list.is_empty() {
                    p.list.iter().position(|c| c == raw)? as f64
                } else {
                    let v: f64 = raw.parse().ok()?;
                    if out.log {
                        if v <= 0.0 {
                            return None;
                        }
                        v.log10()
                    } else {
                        v
                    }
                };
                Some((x, y))
            })
            .collect();
        out
    }
}

/// An axis label: three significant digits.
fn label(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-3..1e5).contains(&a) {
        return format!("{x:.1e}");
    }
    let digits = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let t = format!("{x:.digits$}");
    if t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        t
    }
}

/// Bounds with a little room, never empty; never below zero when every
/// value is at or above it.
fn bounds(xs: impl Iterator<Item = f64>) -> [f64; 2] {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in xs {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    let [a, b] = padded(lo, hi);
    if lo >= 0.0 { [a.max(0.0), b] } else { [a, b] }
}

fn padded(lo: f64, hi: f64) -> [f64; 2] {
    if !lo.is_finite() || !hi.is_finite() {
        return [0.0, 1.0];
    }
    if hi - lo < 1e-12 {
        let pad = if lo.abs() > 1e-12 {
            lo.abs() * 0.1
        } else {
            1.0
        };
        return [lo - pad, hi + pad];
    }
    let pad = (hi - lo) * 0.05;
    [lo - pad, hi + pad]
}

fn empty(block: Block, text: &str, theme: &Theme, area: Rect, buf: &mut Buffer) {
    Paragraph::new(Span::styled(text.to_string(), theme.dim))
        .block(block)
        .render(area, buf);
}

/// The objective per trial with best-so-far and goal.
pub fn render_progress(data: &ChartData, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(
            format!(" {} per trial ", data.metric),
            theme.title,
        ));
    if data.values.is_empty() {
        empty(block, " no finished trial yet", theme, area, buf);
        return;
    }
    let n = data.values.len() as f64;
    let goal_line: Vec<(f64, f64)> = data
        .goal
        .map(|g| vec![(1.0, g), (n.max(2.0), g)])
        .unwrap_or_default();
    let y = bounds(data.values.iter().map(|p| p.1).chain(data.goal));
    let x = [1.0, n.max(2.0)];
    let mut sets = vec![
        Dataset::default()
            .name("trial")
            .marker(Marker::Braille)
            .graph_type(GraphType::Scatter)
            .style(theme.info)
            .data(&data.values),
        Dataset::default()
            .name("best")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.ok)
            .data(&data.best),
    ];
    if !goal_line.is_empty() {
        sets.push(
            Dataset::default()
                .name("goal")
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.warn)
                .data(&goal_line),
        );
    }
    Chart::new(sets)
        .block(block)
        .x_axis(Axis::default().style(theme.dim).bounds(x).labels(vec![
            Span::raw("1"),
            Span::raw(format!("{}", data.values.len())),
        ]))
        .y_axis(
            Axis::default()
                .style(theme.dim)
                .bounds(y)
                .labels(vec![Span::raw(label(y[0])), Span::raw(label(y[1]))]),
        )
        .render(area, buf);
}

/// The objective against the chosen parameter.
pub fn render_scatter(data: &ChartData, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let scale = if data.log { " (log)" } else { "" };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(
            format!(" {} vs {}{scale} ", data.metric, data.param),
            theme.title,
        ));
    if data.param.is_empty() {
        empty(block, " no parameters", theme, area, buf);
        return;
    }
    if data.scatter.is_empty() {
        empty(block, " no finished trial yet", theme, area, buf);
        return;
    }
    let x = if data.categories.is_empty() {
        let xs = data.scatter.iter().map(|p| p.0);
        padded(
            xs.clone().fold(f64::INFINITY, f64::min),
            xs.fold(f64::NEG_INFINITY, f64::max),
        )
    } else {
        [-0.5, data.categories.len() as f64 - 0.5]
    };
    let y = bounds(data.scatter.iter().map(|p| p.1));
    let xlabel = |v: f64| {
        if data.log {
            label(10f64.powf(v))
        } else {
            label(v)
        }
    };
    let xlabels: Vec<Span> = if data.categories.is_empty() {
        vec![Span::raw(xlabel(x[0])), Span::raw(xlabel(x[1]))]
    } else {
        data.categories
            .iter()
            .map(|c| Span::raw(c.clone()))
            .collect()
    };
    Chart::new(vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Scatter)
            .style(theme.info)
            .data(&data.scatter),
    ])
    .block(block)
    .x_axis(Axis::default().style(theme.dim).bounds(x).labels(xlabels))
    .y_axis(
        Axis::default()
            .style(theme.dim)
            .bounds(y)
            .labels(vec![Span::raw(label(y[0])), Span::raw(label(y[1]))]),
    )
    .render(area, buf);
}
