//! The experiment detail's header: state and why, the Suggestion, objective
//! and metric strategies, best trial, algorithm and settings, early
//! stopping, trial counts, parameter spaces and conditions, in words.

use jiff::Timestamp;
use kube::api::DynamicObject;
use ratatui::text::{Line, Span};
use serde_json::Value;

use super::model::{self, ExperimentRow, Param, Phase};
use crate::app::theme::Theme;
use crate::kube::kinds;
use crate::kube::types::WatchKey;
use crate::views::columns;

pub fn suggestion_key(obj: &DynamicObject) -> WatchKey {
    WatchKey::in_namespace(&kinds::SUGGESTION, Some(columns::namespace(obj)))
}

/// The Suggestion in words, and whether it is in trouble.
pub fn suggestion_line(obj: &DynamicObject) -> (bool, String) {
    let count = columns::i64_at(obj, "/status/suggestionCount").unwrap_or(0);
    let algorithm = columns::str_at(obj, "/spec/algorithm/algorithmName").unwrap_or("-");
    let st = model::status(obj);
    let conds = obj
        .data
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let not_ready = conds.iter().find(|c| {
        c.get("type").and_then(Value::as_str) == Some("DeploymentReady")
            && c.get("status").and_then(Value::as_str) == Some("False")
    });
    let mut text = format!("{algorithm} · {count} suggestion(s) · {}", st.phase.word());
    let problem = if st.phase == Phase::Failed {
        text.push_str(&format!(": {}", st.message));
        true
    } else if let Some(c) = not_ready.filter(|_| !st.phase.finished()) {
        let msg = c.get("message").and_then(Value::as_str).unwrap_or("");
        text.push_str(&format!(" · service not ready: {msg}"));
        true
    } else {
        false
    };
    (problem, text)
}

fn settings(v: Option<&Value>) -> String {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|s| {
                    format!(
                        "{}={}",
                        s.get("name").and_then(Value::as_str).unwrap_or(""),
                        s.get("value").and_then(Value::as_str).unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// The header lines: label and text.
pub fn header(
    row: &ExperimentRow,
    params: &[Param],
    now: Timestamp,
) -> Vec<(&'static str, String)> {
    let obj = &row.obj;
    let mut out = Vec::new();
    let mut status = row.status.text();
    if !row.status.message.is_empty() {
        status.push_str(&format!(": {}", row.status.message));
    }
    out.push(("Status", status));
    let o = &row.objective;
    let mut objective = o.text();
    if !o.additional.is_empty() {
        objective.push_str(&format!(" · also {}", o.additional.join(", ")));
    }
    let strategies = o
        .strategies
        .iter()
        .map(|(m, s)| format!("{m}={s}"))
        .collect::<Vec<_>>()
        .join(" ");
    objective.push_str(&format!(" · strategies {strategies}"));
    out.push(("Objective", objective));
    out.push((
        "Best",
        match &row.best {
            Some(b) if b.value.is_some() => format!("{} {}={}", b.trial, o.metric, b.text()),
            _ => "no finished trial yet".into(),
        },
    ));
    let mut algorithm = row.algorithm().to_string();
    let s = settings(obj.data.pointer("/spec/algorithm/algorithmSettings"));
    if !s.is_empty() {
        algorithm.push_str(&format!(" ({s})"));
    }
    let early = match columns::str_at(obj, "/spec/earlyStopping/algorithmName") {
        Some(e) => {
            let s = settings(obj.data.pointer("/spec/earlyStopping/algorithmSettings"));
            if s.is_empty() {
                e.to_string()
            } else {
                format!("{e} ({s})")
            }
        }
        None => "none".into(),
    };
    let n = |p: &str| {
        columns::i64_at(obj, p)
            .map(|x| x.to_string())
            .unwrap_or_else(|| "-".into())
    };
    out.push((
        "Algorithm",
        format!(
            "{algorithm} · early stopping {early} · parallel {} · max {} · max failed {}",
            n("/spec/parallelTrialCount"),
            n("/spec/maxTrialCount"),
            n("/spec/maxFailedTrialCount")
        ),
    ));
    out.push((
        "Parameters",
        params
            .iter()
            .map(|p| format!("{} {}", p.name, p.space()))
            .collect::<Vec<_>>()
            .join(" · "),
    ));
    let c = &row.counts;
    let mut trials = format!(
        "{} succeeded · {} running · {} failed · {} early-stopped",
        c.succeeded, c.running, c.failed, c.early_stopped
    );
    if let Some(max) = c.max {
        trials.push_str(&format!(" · of {max}"));
    }
    if let Some(d) = model::duration(obj, row.status.phase.finished(), now) {
        trials.push_str(&format!(" · ran {}", columns::human_duration(d)));
    }
    out.push(("Trials", trials));
    let conds = obj
        .data
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let t = c.get("type").and_then(Value::as_str).unwrap_or("?");
                    let yes = c.get("status").and_then(Value::as_str) == Some("True");
                    format!("{t} {}", if yes { "yes" } else { "no" })
                })
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .unwrap_or_default();
    if !conds.is_empty() {
        out.push(("Conditions", conds));
    }
    out
}

pub fn header_line(
    key: &'static str,
    value: String,
    t: &Theme,
    row: &ExperimentRow,
) -> Line<'static> {
    let style = match key {
        "Status" => row.status.phase.tone().style(t),
        "Suggestion" if value.contains(" · Failed") || value.contains("not ready") => t.error,
        "Best" => t.ok,
        _ => t.header_value,
    };
    let style = if key == "Status" && row.status.phase == Phase::Failed {
        t.error
    } else {
        style
    };
    Line::from(vec![
        Span::styled(format!(" {key:<11}"), t.header_key),
        Span::styled(value, style),
    ])
}
