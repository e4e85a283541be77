//! The host GPU pane, nvitop-like: a block of lines per device (index, name,
//! utilisation and memory bars, temperature, power, fan, clocks, PCIe, MIG)
//! with a 60-sample sparkline, then the processes on the GPUs with the
//! user's own marked. Drawn from `State::gpu_host` only; any screen can
//! embed it (the `:gpu-host` screen shows it alone).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use crate::app::state::State;
use crate::app::theme::Theme;
use crate::gpu::state::{HISTORY, History, HostStatus};
use crate::gpu::{DeviceSample, GpuProcess, Mig, Snapshot};

/// Inner width from which a device gets three lines and every column.
pub const WIDE: u16 = 100;

const NA: &str = "N/A";

/// Draws the pane into `area`; `focused` picks the border style (for
/// screens that hold several panes).
pub fn render_pane(state: &State, area: Rect, buf: &mut Buffer, focused: bool) {
    let t = &state.theme;
    let host = &state.gpu_host;
    let title = match &host.status {
        HostStatus::Live(s) => {
            let n = s.devices.len();
            let driver = s
                .driver
                .as_deref()
                .map(|d| format!(" · driver {d}"))
                .unwrap_or_default();
            format!(
                " this host · {n} GPU{}{driver} ",
                if n == 1 { "" } else { "s" }
            )
        }
        _ => " this host ".to_string(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { t.border_focus } else { t.border })
        .title(Span::styled(title, t.title));
    let inner = block.inner(area);
    block.render(area, buf);
    let lines = match &host.status {
        HostStatus::Waiting => vec![Line::from(Span::styled("opening NVML…", t.dim))],
        HostStatus::Unavailable(reason) => vec![Line::from(vec![
            Span::styled("no local GPU: ", t.warn),
            Span::styled(reason.clone(), t.base),
        ])],
        HostStatus::Live(snap) => body(snap, host, t, inner),
    };
    for (i, line) in lines.iter().take(inner.height as usize).enumerate() {
        buf.set_line(inner.x, inner.y + i as u16, line, inner.width);
    }
}

/// Device blocks, then as much of the process table as fits.
fn body(
    snap: &Snapshot,
    host: &crate::gpu::HostState,
    t: &Theme,
    area: Rect,
) -> Vec<Line<'static>> {
    let wide = area.width >= WIDE;
    let rows = area.height as usize;
    let n = snap.devices.len();
    // Room for the process header, the table header and a few rows.
    let reserve = if snap.processes.is_empty() {
        1
    } else {
        2 + snap.processes.len().min(3)
    };
    // Three lines a device when they fit (always when wide), else two.
    let per_device = if wide || rows >= n * 3 + reserve {
        3
    } else {
        2
    };
    let empty = History::default();
    let keep = reserve.min(3);
    let shown = if n * per_device + keep <= rows {
        n
    } else {
        // One row goes to "… N more".
        (rows.saturating_sub(keep + 1) / per_device).clamp(1, n)
    };
    let mut lines = Vec::new();
    for d in &snap.devices[..shown] {
        let h = host.history.get(&d.info.index).unwrap_or(&empty);
        device_lines(d, h, t, area.width, wide, per_device == 3, &mut lines);
    }
    if shown < snap.devices.len() {
        lines.push(Line::from(Span::styled(
            format!(
                "… {} more GPU{} (a taller terminal shows them)",
                snap.devices.len() - shown,
                if snap.devices.len() - shown == 1 {
                    ""
                } else {
                    "s"
                }
            ),
            t.dim,
        )));
    }
    let room = rows.saturating_sub(lines.len());
    process_lines(snap, t, area.width, room, &mut lines);
    lines
}

fn tone(t: &Theme, pct: Option<u32>) -> Style {
    match pct {
        None => t.dim,
        Some(p) if p >= 90 => t.error,
        Some(p) if p >= 60 => t.warn,
        Some(_) => t.ok,
    }
}

/// `[||||||      45%]`, `width` cells in all.
fn bar(pct: Option<u32>, label: &str, width: usize) -> String {
    let inner = width.saturating_sub(2).max(1);
    let mut cells: Vec<char> = vec![' '; inner];
    if let Some(p) = pct {
        let fill = (inner * p.min(100) as usize).div_ceil(100);
        for c in cells.iter_mut().take(fill) {
            *c = '|';
        }
    }
    let label: Vec<char> = label.chars().collect();
    if label.len() <= inner {
        let start = inner - label.len();
        cells[start..].copy_from_slice(&label);
    }
    format!("[{}]", cells.into_iter().collect::<String>())
}

/// The last `width` values as a sparkline, right-aligned.
fn spark(values: &std::collections::VecDeque<u32>, width: usize, ascii: bool) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    const ASCII: [char; 8] = ['_', '.', ',', '-', '=', '+', '*', '#'];
    let levels = if ascii { &ASCII } else { &BLOCKS };
    let take = width.min(values.len());
    let mut out: String = " ".repeat(width - take);
    for v in values.iter().skip(values.len() - take) {
        out.push(levels[((*v).min(100) as usize * 7 + 50) / 100]);
    }
    out
}

fn pct_label(p: Option<u32>) -> String {
    p.map(|p| format!("{p}%")).unwrap_or_else(|| NA.into())
}

fn gib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1u64 << 30) as f64)
}

fn mem_label(d: &DeviceSample, wide: bool) -> String {
    let unit = if wide { " GiB" } else { "G" };
    match (d.mem_used, d.mem_total) {
        (Some(u), Some(t)) => format!("{}/{}{unit}", gib(u), gib(t)),
        (None, Some(t)) => format!("{NA}/{}{unit}", gib(t)),
        _ => NA.into(),
    }
}

fn temp(d: &DeviceSample, ascii: bool) -> String {
    match d.temp_c {
        Some(c) if ascii => format!("{c}C"),
        Some(c) => format!("{c}°C"),
        None => format!("temp {NA}"),
    }
}

fn power(d: &DeviceSample) -> String {
    let w = |mw: Option<u32>| {
        mw.map(|m| format!("{}", (m + 500) / 1000))
            .unwrap_or_else(|| NA.into())
    };
    format!("{}/{} W", w(d.power_mw), w(d.info.power_limit_mw))
}

fn mig(m: Option<Mig>) -> String {
    let word = |b: bool| if b { "on" } else { "off" };
    match m {
        None => format!("MIG {NA}"),
        Some(m) if m.current == m.pending => format!("MIG {}", word(m.current)),
        Some(m) => format!("MIG {} (next {})", word(m.current), word(m.pending)),
    }
}

fn mhz(v: Option<u32>) -> String {
    v.map(|v| format!("{v} MHz")).unwrap_or_else(|| NA.into())
}

fn rate(kib: Option<u32>) -> String {
    match kib {
        None => NA.into(),
        Some(k) if k < 1024 => format!("{k} KiB/s"),
        Some(k) => format!("{:.1} MiB/s", k as f64 / 1024.0),
    }
}

fn device_lines(
    d: &DeviceSample,
    h: &History,
    t: &Theme,
    width: u16,
    wide: bool,
    third: bool,
    out: &mut Vec<Line<'static>>,
) {
    let i = &d.info;
    let name = i.name.clone().unwrap_or_else(|| format!("name {NA}"));
    let fan = format!("fan {}", pct_label(d.fan_pct));
    let mig_text = mig(i.mig);
    let mig_style = if i.mig.is_some_and(|m| m.current) {
        t.info.add_modifier(Modifier::BOLD)
    } else {
        t.dim
    };
    let sep = || Span::styled("  ", t.base);
    let mut first = vec![
        Span::styled(format!("{:>2} ", i.index), t.header_value),
        Span::styled(format!("{name:<24}"), t.header_value),
        sep(),
        Span::styled(temp(d, t.ascii), t.base),
        sep(),
        Span::styled(power(d), t.base),
        sep(),
        Span::styled(fan, t.base),
        sep(),
        Span::styled(mig_text, mig_style),
    ];
    if wide {
        first.push(sep());
        first.push(Span::styled(
            i.uuid.clone().unwrap_or_else(|| format!("UUID {NA}")),
            t.dim,
        ));
    }
    out.push(Line::from(first));
    let mem_pct = d.mem_pct();
    let w = width as usize;
    if wide {
        let bar_w = ((w - 3) / 2).saturating_sub(6).min(44);
        out.push(Line::from(vec![
            Span::styled("   GPU ", t.dim),
            Span::styled(
                bar(d.util_gpu, &pct_label(d.util_gpu), bar_w),
                tone(t, d.util_gpu),
            ),
            Span::styled("  MEM ", t.dim),
            Span::styled(
                bar(
                    mem_pct,
                    &format!("{} {}", mem_label(d, true), pct_label(mem_pct)),
                    bar_w,
                ),
                tone(t, mem_pct),
            ),
            Span::styled(format!("  mem util {}", pct_label(d.util_mem)), t.dim),
        ]));
        let mut third = vec![
            Span::styled("   SM ", t.dim),
            Span::styled(mhz(d.sm_clock), t.base),
            Span::styled("  MEM ", t.dim),
            Span::styled(mhz(d.mem_clock), t.base),
            Span::styled("  PCIe tx ", t.dim),
            Span::styled(rate(d.pcie_tx), t.base),
            Span::styled(" rx ", t.dim),
            Span::styled(rate(d.pcie_rx), t.base),
        ];
        // What is left goes to the sparklines: two thirds utilisation.
        let used: usize = third.iter().map(|s| s.content.chars().count()).sum();
        let room = w.saturating_sub(used + 12);
        let util_w = (room * 2 / 3).min(HISTORY);
        let mem_w = room.saturating_sub(util_w).min(HISTORY);
        third.extend([
            Span::styled("  util ", t.dim),
            Span::styled(spark(&h.util, util_w, t.ascii), t.bar),
            Span::styled(" mem ", t.dim),
            Span::styled(spark(&h.mem, mem_w, t.ascii), t.bar),
        ]);
        out.push(Line::from(third));
    } else {
        // "   GPU " + bar + " MEM " + bar + " " + sparkline
        let bar_w = (w.saturating_sub(13) / 4).clamp(8, 30);
        let spark_w = w.saturating_sub(14 + 2 * bar_w).min(HISTORY);
        out.push(Line::from(vec![
            Span::styled("   GPU ", t.dim),
            Span::styled(
                bar(d.util_gpu, &pct_label(d.util_gpu), bar_w),
                tone(t, d.util_gpu),
            ),
            Span::styled(" MEM ", t.dim),
            Span::styled(bar(mem_pct, &mem_label(d, false), bar_w), tone(t, mem_pct)),
            Span::styled(" ", t.base),
            Span::styled(spark(&h.util, spark_w, t.ascii), t.bar),
        ]));
        if third {
            out.push(Line::from(vec![
                Span::styled("   SM ", t.dim),
                Span::styled(mhz(d.sm_clock), t.base),
                Span::styled("  MEM ", t.dim),
                Span::styled(mhz(d.mem_clock), t.base),
                Span::styled("  PCIe tx ", t.dim),
                Span::styled(rate(d.pcie_tx), t.base),
                Span::styled(" rx ", t.dim),
                Span::styled(rate(d.pcie_rx), t.base),
                Span::styled(format!("  mem util {}", pct_label(d.util_mem)), t.dim),
            ]));
        }
    }
}

fn process_lines(
    snap: &Snapshot,
    t: &Theme,
    width: u16,
    room: usize,
    out: &mut Vec<Line<'static>>,
) {
    if room == 0 {
        return;
    }
    let unknown: Vec<String> = snap
        .devices
        .iter()
        .filter(|d| !d.procs_known)
        .map(|d| d.info.index.to_string())
        .collect();
    let note = if unknown.is_empty() {
        String::new()
    } else {
        format!(" · process list {NA} on GPU {}", unknown.join(","))
    };
    if snap.processes.is_empty() {
        out.push(Line::from(Span::styled(
            format!("no processes on the GPUs{note}"),
            t.dim,
        )));
        return;
    }
    let own = snap.processes.iter().filter(|p| p.own).count();
    out.push(Line::from(vec![
        Span::styled(format!("Processes: {}", snap.processes.len()), t.title),
        Span::styled(format!(" ({own} yours, marked *){note}"), t.dim),
    ]));
    if room < 2 {
        return;
    }
    let with_user = width >= 70;
    let header = if with_user {
        format!(
            "{:>3} {:>8} {:<10} {:<4} {:>9}  COMMAND",
            "GPU", "PID", "USER", "TYPE", "GPU-MEM"
        )
    } else {
        format!(
            "{:>3} {:>8} {:<4} {:>9}  COMMAND",
            "GPU", "PID", "TYPE", "GPU-MEM"
        )
    };
    out.push(Line::from(Span::styled(
        format!("{header:<w$}", w = width as usize),
        t.table_header,
    )));
    let rows = room - 2;
    let more = snap.processes.len().saturating_sub(rows);
    let shown = if more > 0 {
        rows.saturating_sub(1)
    } else {
        rows
    };
    for p in snap.processes.iter().take(shown) {
        out.push(process_line(p, t, with_user));
    }
    if more > 0 && rows > 0 {
        out.push(Line::from(Span::styled(
            format!("… {} more", snap.processes.len() - shown),
            t.dim,
        )));
    }
}

fn process_line(p: &GpuProcess, t: &Theme, with_user: bool) -> Line<'static> {
    let style = if p.own { t.header_value } else { t.base };
    let mem = p
        .gpu_mem
        .map(|b| format!("{}MiB", b >> 20))
        .unwrap_or_else(|| NA.into());
    let mark = if p.own { "*" } else { " " };
    let user = p.user.clone().unwrap_or_else(|| "?".into());
    let user: String = user.chars().take(10).collect();
    let command = p.command.clone().unwrap_or_else(|| "(gone)".into());
    let text = if with_user {
        format!(
            "{:>3} {mark}{:>7} {user:<10} {:<4} {mem:>9}  {command}",
            p.device,
            p.pid,
            p.kind.letter()
        )
    } else {
        format!(
            "{:>3} {mark}{:>7} {:<4} {mem:>9}  {command}",
            p.device,
            p.pid,
            p.kind.letter()
        )
    };
    Line::from(Span::styled(text, style))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_sparklines() {
        assert_eq!(bar(Some(50), "50%", 12), "[|||||  50%]");
        assert_eq!(bar(None, "N/A", 8), "[   N/A]");
        assert_eq!(bar(Some(100), "", 6), "[||||]");
        let v: std::collections::VecDeque<u32> = [0, 50, 100].into_iter().collect();
        assert_eq!(spark(&v, 5, false), "  ▁▅█");
        assert_eq!(spark(&v, 2, true), "=#");
        assert_eq!(rate(Some(1000)), "1000 KiB/s");
        assert_eq!(rate(Some(2048)), "2.0 MiB/s");
        assert_eq!(
            mig(Some(Mig {
                current: true,
                pending: false
            })),
            "MIG on (next off)"
        );
    }
}
