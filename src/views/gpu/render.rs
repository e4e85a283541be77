//! Drawing `:gpu`: the host pane on top, then the cluster pane: a summary
//! line with the cluster-wide utilisation sparkline, where the DCGM numbers
//! come from (or why there are none), the table tabs, the selected table,
//! and under the nodes table the selected node's sparkline and the totals
//! per GPU model.

use std::collections::VecDeque;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{Focus, GpuView, Tab, tables};
use crate::app::state::State;
use crate::app::theme::Theme;
use crate::views::resources::watch_status;
use crate::views::table::{self, Frame};

/// The host pane: this host's GPUs through NVML (`src/views/gpu_host`).
fn render_host_pane(state: &State, area: Rect, buf: &mut Buffer, focused: bool) {
    crate::views::gpu_host::render_pane(state, area, buf, focused);
}

/// Rows for the host pane: one line when there is no local GPU, room for
/// the devices (two lines each) and a few processes when there are, never
/// more than half the screen.
fn host_height(state: &State, area: Rect) -> u16 {
    match &state.gpu_host.status {
        crate::gpu::state::HostStatus::Live(snap) => {
            let want = 2 + 2 * snap.devices.len() as u16 + 4;
            want.min(area.height / 2).max(3)
        }
        _ => 3,
    }
}

/// A sparkline of percentages, the newest `width` samples.
pub fn sparkline(values: &VecDeque<f64>, width: usize, ascii: bool) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    const ASCII: [char; 8] = ['_', '.', ',', '-', '~', '=', '*', '#'];
    let glyphs = if ascii { &ASCII } else { &BLOCKS };
    let skip = values.len().saturating_sub(width);
    values
        .iter()
        .skip(skip)
        .map(|v| {
            let i = ((v.clamp(0.0, 100.0) / 100.0) * 7.0).round() as usize;
            glyphs[i.min(7)]
        })
        .collect()
}

fn line(area: Rect, y: u16, spans: Vec<Span<'static>>, buf: &mut Buffer) {
    if y >= area.y + area.height {
        return;
    }
    Paragraph::new(Line::from(spans)).render(
        Rect {
            x: area.x,
            y,
            width: area.width,
            height: 1,
        },
        buf,
    );
}

fn summary(v: &GpuView, t: &Theme, width: u16) -> Vec<Span<'static>> {
    let tot = &v.cluster.totals;
    let mut s = vec![
        Span::styled(format!(" {} GPUs", tot.allocatable), t.header_value),
        Span::styled(format!(" on {} nodes · ", tot.nodes), t.dim),
        Span::styled(format!("{} requested", tot.requested), t.header_value),
        Span::styled(" · ", t.dim),
        Span::styled(
            format!("{} free", tot.free),
            if tot.free == 0 { t.warn } else { t.ok },
        ),
    ];
    if tot.pending_pods > 0 {
        s.push(Span::styled(" · ", t.dim));
        s.push(Span::styled(
            format!("{} pending", tot.pending_pods),
            t.warn,
        ));
    }
    if tot.idle_holders > 0 {
        s.push(Span::styled(" · ", t.dim));
        s.push(Span::styled(
            match tot.idle_gpus {
                1 => "1 GPU idle".to_string(),
                n => format!("{n} GPUs idle"),
            },
            t.warn,
        ));
    }
    let used: usize = s.iter().map(|x| x.content.chars().count()).sum();
    if let Some(last) = v.metrics.cluster_history.back() {
        let room = (width as usize).saturating_sub(used + 12).min(40);
        if room >= 4 {
            s.push(Span::styled(format!(" · util {last:.0}% "), t.dim));
            s.push(Span::styled(
                sparkline(&v.metrics.cluster_history, room, t.ascii),
                t.info,
            ));
        }
    }
    s
}

fn source_line(v: &GpuView, t: &Theme) -> Vec<Span<'static>> {
    match (&v.metrics.error, &v.metrics.reading) {
        (Some(e), _) => vec![
            Span::styled(" DCGM: ", t.header_key),
            Span::styled(
                format!("no utilisation: {e}; allocations come from pods and nodes"),
                t.warn,
            ),
        ],
        (None, Some(r)) => vec![
            Span::styled(" DCGM: ", t.header_key),
            Span::styled(format!("{} GPUs, {}", r.gpus.len(), r.via), t.dim),
        ],
        (None, None) => vec![
            Span::styled(" DCGM: ", t.header_key),
            Span::styled("reading the exporter…", t.dim),
        ],
    }
}

fn tabs(v: &GpuView, t: &Theme) -> Vec<Span<'static>> {
    let mut s = vec![Span::raw(" ")];
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let count = match tab {
            Tab::Nodes => v.cluster.nodes.len(),
            Tab::Holders => v.cluster.holders.len(),
            Tab::Idle => v.cluster.idle.len(),
            Tab::Quota => v.cluster.namespaces.len(),
            Tab::Pending => v.cluster.pending.len(),
        };
        let text = format!("{} {} ({count})", i + 1, tab.title());
        let style = if *tab == v.tab { t.selected } else { t.dim };
        s.push(Span::styled(text, style));
        s.push(Span::raw("  "));
    }
    s
}

fn footer(v: &GpuView, t: &Theme, width: u16) -> Vec<Vec<Span<'static>>> {
    let mut out = Vec::new();
    if let Some(n) = v.nodes.selected_row() {
        let mut s = vec![
            Span::styled(format!(" {} ", n.name), t.header_value),
            Span::styled(format!("{}/{} GPUs free", n.free, n.allocatable), t.dim),
        ];
        if let (Some(u), Some(h)) = (n.util, v.metrics.node_history.get(&n.name)) {
            s.push(Span::styled(format!(" · util {u:.0}% "), t.dim));
            let room = (width as usize).saturating_sub(n.name.len() + 40).min(60);
            s.push(Span::styled(sparkline(h, room, t.ascii), t.info));
        }
        out.push(s);
    }
    let mut m = vec![Span::styled(" by model: ", t.header_key)];
    for (i, model) in v.cluster.models.iter().enumerate() {
        if i > 0 {
            m.push(Span::styled(" · ", t.dim));
        }
        m.push(Span::styled(
            format!(
                "{} {}/{} free",
                model.product, model.free, model.allocatable
            ),
            t.base,
        ));
    }
    out.push(m);
    out
}

pub fn render(v: &GpuView, state: &State, area: Rect, buf: &mut Buffer) {
    let t = &state.theme;
    if area.height < 8 {
        line(
            area,
            area.y,
            vec![Span::styled(" too small for :gpu", t.dim)],
            buf,
        );
        return;
    }
    let host_h = host_height(state, area);
    let host = Rect {
        height: host_h,
        ..area
    };
    let focused_view = state.prompt.is_none() && state.confirm.is_none();
    render_host_pane(state, host, buf, focused_view && v.focus == Focus::Host);

    let mut y = area.y + host_h;
    line(area, y, summary(v, t, area.width), buf);
    y += 1;
    line(area, y, source_line(v, t), buf);
    y += 1;
    line(area, y, tabs(v, t), buf);
    y += 1;
    let foot = if v.tab == Tab::Nodes {
        footer(v, t, area.width)
    } else {
        Vec::new()
    };
    let bottom = area.y + area.height;
    let foot_h = (foot.len() as u16).min(bottom.saturating_sub(y + 4));
    let table_area = Rect {
        x: area.x,
        y,
        width: area.width,
        height: bottom.saturating_sub(y + foot_h),
    };
    for (i, spans) in foot.into_iter().take(foot_h as usize).enumerate() {
        line(
            area,
            table_area.y + table_area.height + i as u16,
            spans,
            buf,
        );
    }

    let [nodes_k, pods_k, quotas_k] = super::keys();
    let focused = focused_view && v.focus == Focus::Cluster;
    let scope = v.node_filter.as_deref();
    let now = state.now;
    let frame =
        |title: &'static str, keys: &[crate::kube::types::WatchKey], empty_default: &str| {
            let (marker, empty) = watch_status(keys, title, state);
            let empty = if marker.is_none() {
                empty_default.to_string()
            } else {
                empty
            };
            (marker, empty, title)
        };
    match v.tab {
        Tab::Nodes => {
            let (marker, empty, title) = frame("gpu nodes", &[nodes_k, pods_k], "No node has GPUs");
            let f = Frame {
                title,
                scope: None,
                marker,
                empty: &empty,
                focused,
            };
            table::render(&v.nodes, &tables::NodesModel, &f, t, table_area, buf);
        }
        Tab::Holders => {
            let (marker, empty, title) = frame("gpu holders", &[pods_k], "No pod holds a GPU");
            let f = Frame {
                title,
                scope,
                marker,
                empty: &empty,
                focused,
            };
            table::render(
                &v.holders,
                &tables::HoldersModel { now },
                &f,
                t,
                table_area,
                buf,
            );
        }
        Tab::Idle => {
            let empty_default = if v.metrics.reading.is_none() {
                "Idle holders need GPU utilisation (DCGM); see the DCGM line above".to_string()
            } else {
                format!(
                    "No holder under {:.0}% utilisation (window {})",
                    v.rule.threshold, v.window_text
                )
            };
            let (marker, empty, title) = frame("idle gpu holders", &[pods_k], &empty_default);
            let f = Frame {
                title,
                scope: None,
                marker,
                empty: &empty,
                focused,
            };
            table::render(
                &v.idle,
                &tables::IdleModel {
                    window: v.window_text.clone(),
                },
                &f,
                t,
                table_area,
                buf,
            );
        }
        Tab::Quota => {
            let (marker, empty, title) = frame(
                "gpus per namespace",
                &[pods_k, quotas_k],
                "No namespace uses or limits GPUs",
            );
            let f = Frame {
                title,
                scope: None,
                marker,
                empty: &empty,
                focused,
            };
            table::render(&v.quota, &tables::QuotaModel, &f, t, table_area, buf);
        }
        Tab::Pending => {
            let (marker, empty, title) =
                frame("waiting for gpus", &[pods_k], "No pod is waiting for GPUs");
            let f = Frame {
                title,
                scope: None,
                marker,
                empty: &empty,
                focused,
            };
            table::render(
                &v.pending,
                &tables::PendingModel { now },
                &f,
                t,
                table_area,
                buf,
            );
        }
    }
}
