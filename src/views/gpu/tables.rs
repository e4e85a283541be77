//! The cluster pane's five tables: nodes, holders, idle holders, quota per
//! namespace, and pods waiting for GPUs.

use jiff::Timestamp;

use super::model::{Holder, NodeRow, NsRow, Pending};
use crate::views::columns;
use crate::views::table::{Cell, Column, SortKey, TableModel, Tone};

/// "63%", or "-" without a measurement.
pub fn pct(v: Option<f64>) -> Cell {
    match v {
        Some(v) => Cell::tone(
            format!("{:.0}%", v),
            if v >= 50.0 {
                Tone::Ok
            } else if v < 5.0 {
                Tone::Warn
            } else {
                Tone::Normal
            },
        ),
        None => Cell::tone("-", Tone::Dim),
    }
}

fn mib(v: Option<f64>) -> Cell {
    match v {
        Some(v) if v >= 1024.0 => Cell::new(format!("{:.1}Gi", v / 1024.0)),
        Some(v) => Cell::new(format!("{v:.0}Mi")),
        None => Cell::tone("-", Tone::Dim),
    }
}

fn num(v: Option<f64>) -> SortKey {
    v.map_or(SortKey::Missing, |v| SortKey::Num((v * 1000.0) as i64))
}

pub struct NodesModel;

const NODE_COLS: &[Column] = &[
    Column::new("NODE", 6, 28),
    Column::new("GPU MODEL", 9, 26),
    Column::new("ALLOC", 5, 5).right(),
    Column::new("REQ", 3, 4).right(),
    Column::new("FREE", 4, 4).right(),
    Column::new("UTIL", 4, 5).right(),
    Column::new("MEMORY", 6, 8).right().optional(),
    Column::new("STATE", 5, 40).optional(),
];

/// Cordoned, taints, MIG, GFD's count when it disagrees.
pub fn node_state(n: &NodeRow) -> String {
    let mut s = Vec::new();
    if n.cordoned {
        s.push("cordoned".to_string());
    }
    if !n.taints.is_empty() {
        s.push(format!("tainted {}", n.taints.join(",")));
    }
    if let Some(m) = &n.mig {
        s.push(format!("MIG {m}"));
    }
    if let Some(c) = n.count_label.filter(|c| *c != n.allocatable) {
        s.push(format!("GFD counts {c}"));
    }
    if s.is_empty() {
        "ready".into()
    } else {
        s.join(" · ")
    }
}

impl TableModel<NodeRow> for NodesModel {
    fn columns(&self) -> &[Column] {
        NODE_COLS
    }
    fn key(&self, r: &NodeRow) -> String {
        r.name.clone()
    }
    fn cell(&self, r: &NodeRow, col: usize) -> Cell {
        match col {
            0 => Cell::new(&r.name),
            1 => Cell::new(&r.product),
            2 => Cell::new(r.allocatable.to_string()),
            3 => Cell::new(r.requested.to_string()),
            4 => Cell::tone(
                r.free.to_string(),
                if r.free == 0 { Tone::Warn } else { Tone::Ok },
            ),
            5 => pct(r.util),
            6 => mib(r.memory_mib.map(|m| m as f64)),
            7 => {
                let s = node_state(r);
                let tone = if r.cordoned {
                    Tone::Error
                } else if r.taints.is_empty() {
                    Tone::Dim
                } else {
                    Tone::Warn
                };
                Cell::tone(s, tone)
            }
            _ => Cell::default(),
        }
    }
    fn sort_key(&self, r: &NodeRow, col: usize) -> SortKey {
        match col {
            2 => SortKey::Num(r.allocatable),
            3 => SortKey::Num(r.requested),
            4 => SortKey::Num(r.free),
            5 => num(r.util),
            _ => SortKey::Text(self.cell(r, col).text),
        }
    }
    fn search_text(&self, r: &NodeRow) -> String {
        format!("{} {} {}", r.name, r.product, node_state(r)).to_lowercase()
    }
}

pub struct HoldersModel {
    pub now: Timestamp,
}

const HOLDER_COLS: &[Column] = &[
    Column::new("NAMESPACE", 9, 16),
    Column::new("OWNER", 10, 44),
    Column::new("GPUS", 4, 4).right(),
    Column::new("UTIL", 4, 5).right(),
    Column::new("SINCE", 5, 6).right(),
    Column::new("NODE", 6, 20).optional(),
    Column::new("MEM USED", 8, 8).right().optional(),
    Column::new("POD", 8, 40).optional(),
];

impl TableModel<Holder> for HoldersModel {
    fn columns(&self) -> &[Column] {
        HOLDER_COLS
    }
    fn key(&self, r: &Holder) -> String {
        r.uid.clone()
    }
    fn cell(&self, r: &Holder, col: usize) -> Cell {
        match col {
            0 => Cell::new(&r.namespace),
            1 => Cell::new(r.owner.text()),
            2 => Cell::new(r.gpus.to_string()),
            3 => pct(r.util),
            4 => Cell::new(columns::age(r.since, self.now)),
            5 => Cell::new(&r.node),
            6 => mib(r.fb_used_mib),
            7 => Cell::new(&r.pod),
            _ => Cell::default(),
        }
    }
    fn sort_key(&self, r: &Holder, col: usize) -> SortKey {
        match col {
            2 => SortKey::Num(r.gpus),
            3 => num(r.util),
            4 => SortKey::Num(-r.since.map_or(0, |t| t.as_second())),
            _ => SortKey::Text(self.cell(r, col).text),
        }
    }
    fn search_text(&self, r: &Holder) -> String {
        format!("{} {} {} {}", r.namespace, r.owner.text(), r.pod, r.node).to_lowercase()
    }
}

pub struct IdleModel {
    pub window: String,
}

/// The WASTED column, sorted on by default (descending).
pub const IDLE_WASTED: usize = 4;

const IDLE_COLS: &[Column] = &[
    Column::new("NAMESPACE", 9, 16),
    Column::new("OWNER", 10, 40),
    Column::new("GPUS", 4, 4).right(),
    Column::new("UTIL", 4, 5).right(),
    Column::new("GPU-H", 5, 7).right(),
    Column::new("IDLE", 8, 34),
    Column::new("POD", 8, 40).optional(),
];

impl IdleModel {
    /// "idle ≥ 30m (Prometheus)", "idle 42m", "idle for the 6m observed"
    /// (kftui has not yet watched for the whole window).
    pub fn idle_text(&self, r: &Holder) -> String {
        let Some(i) = &r.idle else {
            return String::new();
        };
        if i.prometheus {
            format!("idle ≥ {} (Prometheus)", self.window)
        } else if i.whole_window {
            format!("idle {}", columns::human_duration(i.secs))
        } else {
            format!("idle for the {} observed", columns::human_duration(i.secs))
        }
    }
}

impl TableModel<Holder> for IdleModel {
    fn columns(&self) -> &[Column] {
        IDLE_COLS
    }
    fn key(&self, r: &Holder) -> String {
        r.uid.clone()
    }
    fn cell(&self, r: &Holder, col: usize) -> Cell {
        match col {
            0 => Cell::new(&r.namespace),
            1 => Cell::new(r.owner.text()),
            2 => Cell::new(r.gpus.to_string()),
            3 => pct(r.util),
            4 => Cell::new(format!(
                "{:.1}",
                r.idle.as_ref().map_or(0.0, |i| i.wasted(r.gpus))
            )),
            5 => {
                let whole = r.idle.as_ref().is_some_and(|i| i.whole_window);
                Cell::tone(
                    self.idle_text(r),
                    if whole { Tone::Warn } else { Tone::Dim },
                )
            }
            6 => Cell::new(&r.pod),
            _ => Cell::default(),
        }
    }
    fn sort_key(&self, r: &Holder, col: usize) -> SortKey {
        match col {
            2 => SortKey::Num(r.gpus),
            3 => num(r.util),
            IDLE_WASTED => num(r.idle.as_ref().map(|i| i.wasted(r.gpus))),
            _ => SortKey::Text(self.cell(r, col).text),
        }
    }
    fn search_text(&self, r: &Holder) -> String {
        format!("{} {} {}", r.namespace, r.owner.text(), r.pod).to_lowercase()
    }
}

pub struct QuotaModel;

const QUOTA_COLS: &[Column] = &[
    Column::new("NAMESPACE", 9, 24),
    Column::new("IN USE", 6, 6).right(),
    Column::new("QUOTA", 7, 9).right(),
    Column::new("PENDING", 7, 14).right(),
    Column::new("QUOTA OBJECT", 8, 30).optional(),
];

impl TableModel<NsRow> for QuotaModel {
    fn columns(&self) -> &[Column] {
        QUOTA_COLS
    }
    fn key(&self, r: &NsRow) -> String {
        r.namespace.clone()
    }
    fn cell(&self, r: &NsRow, col: usize) -> Cell {
        match col {
            0 => Cell::new(&r.namespace),
            1 => Cell::new(r.in_use.to_string()),
            2 => match r.quota_hard {
                Some(h) => {
                    let used = r.quota_used.unwrap_or(r.in_use);
                    let tone = if used >= h { Tone::Warn } else { Tone::Normal };
                    Cell::tone(format!("{used}/{h}"), tone)
                }
                None => Cell::tone("none", Tone::Dim),
            },
            3 => match r.pending {
                0 => Cell::tone("-", Tone::Dim),
                n => Cell::tone(format!("{n} ({} GPUs)", r.pending_gpus), Tone::Warn),
            },
            4 => Cell::new(r.quota_name.clone().unwrap_or_else(|| "-".into())),
            _ => Cell::default(),
        }
    }
    fn sort_key(&self, r: &NsRow, col: usize) -> SortKey {
        match col {
            1 => SortKey::Num(r.in_use),
            3 => SortKey::Num(r.pending as i64),
            _ => SortKey::Text(self.cell(r, col).text),
        }
    }
}

pub struct PendingModel {
    pub now: Timestamp,
}

const PENDING_COLS: &[Column] = &[
    Column::new("NAMESPACE", 9, 16),
    Column::new("OWNER", 10, 36),
    Column::new("GPUS", 4, 4).right(),
    Column::new("WAITING", 7, 7).right(),
    Column::new("SCHEDULER SAYS", 14, 120),
];

impl TableModel<Pending> for PendingModel {
    fn columns(&self) -> &[Column] {
        PENDING_COLS
    }
    fn key(&self, r: &Pending) -> String {
        r.uid.clone()
    }
    fn cell(&self, r: &Pending, col: usize) -> Cell {
        match col {
            0 => Cell::new(&r.namespace),
            1 => Cell::new(r.owner.text()),
            2 => Cell::new(r.gpus.to_string()),
            3 => Cell::new(columns::age(r.since, self.now)),
            4 => {
                let text = match (r.reason.as_str(), r.message.as_str()) {
                    ("", "") => "not scheduled yet".to_string(),
                    (reason, "") => reason.to_string(),
                    (_, m) => m.to_string(),
                };
                Cell::tone(text, Tone::Warn)
            }
            _ => Cell::default(),
        }
    }
    fn sort_key(&self, r: &Pending, col: usize) -> SortKey {
        match col {
            2 => SortKey::Num(r.gpus),
            3 => SortKey::Num(-r.since.map_or(0, |t| t.as_second())),
            _ => SortKey::Text(self.cell(r, col).text),
        }
    }
    fn search_text(&self, r: &Pending) -> String {
        format!("{} {} {} {}", r.namespace, r.owner.text(), r.pod, r.message).to_lowercase()
    }
}
