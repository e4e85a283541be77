//! One trial: its parameter assignments, every observation metric (min,
//! max, latest; why there is none when there is none), conditions, the
//! worker (the trial template's Job, PyTorchJob, TFJob ...) with its pods.
//! `l` opens the worker container's log, `m` the metrics collector's.

use std::any::Any;
use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use serde_json::Value;

use super::model::{self, Objective, TrialRow, fmt_num};
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::app::theme::Theme;
use crate::kube::kinds;
use crate::kube::types::{ObjRef, WatchKey};
use crate::views::columns;
use crate::views::logs::{LogsView, container_names};
use crate::views::pager::Pager;
use crate::views::{Cx, Filter, Handled, Subscriptions, View};

/// The metrics collector sidecar's name as Katib injects it.
pub const COLLECTOR: &str = "metrics-logger-and-collector";

pub struct TrialDetail {
    pub row: TrialRow,
    pub objective: Objective,
    pub pods: Vec<Arc<DynamicObject>>,
    pub pager: Pager,
    seen: Option<u64>,
}

pub fn trial_key(obj: &DynamicObject) -> WatchKey {
    WatchKey::in_namespace(&kinds::TRIAL, Some(columns::namespace(obj))).with_labels(
        columns::label(obj, model::EXPERIMENT_LABEL)
            .map(|e| format!("{}={e}", model::EXPERIMENT_LABEL)),
    )
}

pub fn pods_key(obj: &DynamicObject) -> WatchKey {
    WatchKey::in_namespace(&kinds::POD, Some(columns::namespace(obj))).with_labels(Some(format!(
        "{}={}",
        model::TRIAL_LABEL,
        columns::name(obj)
    )))
}

impl TrialDetail {
    pub fn new(obj: Arc<DynamicObject>, objective: Objective) -> TrialDetail {
        TrialDetail {
            row: TrialRow::new(obj),
            objective,
            pods: Vec::new(),
            pager: Pager {
                wrap: true,
                ..Pager::default()
            },
            seen: None,
        }
    }

    fn primary(&self) -> Option<&str> {
        columns::str_at(&self.row.obj, "/spec/primaryContainerName")
    }

    fn open_logs(&self, container: Option<&str>, cx: &mut Cx) {
        let Some(pod) = self.pods.first() else {
            cx.info(format!("{} has no pods (yet)", self.row.name()));
            return;
        };
        let names = container_names(pod);
        if let Some(c) = container
            && !names.iter().any(|n| n == c)
        {
            cx.error(format!(
                "pod {} has no {c} container (it has {})",
                columns::name(pod),
                names.join(", ")
            ));
            return;
        }
        cx.push(Box::new(LogsView::new(
            columns::namespace(pod),
            columns::name(pod),
            names,
            container,
            cx.config,
        )));
    }
}

fn cond_lines(obj: &DynamicObject, now: Timestamp, out: &mut Vec<String>) {
    let conds = obj
        .data
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if conds.is_empty() {
        return;
    }
    out.push(String::new());
    out.push("Conditions".into());
    for c in conds {
        let g = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let at = g("lastTransitionTime")
            .parse::<Timestamp>()
            .ok()
            .map(|t| columns::age(Some(t), now))
            .unwrap_or_else(|| "-".into());
        out.push(format!(
            "  {:<20}{:<6}{:<24}{:>6}  {}",
            g("type"),
            g("status"),
            g("reason"),
            at,
            g("message")
        ));
    }
}

/// The details text.
pub fn lines(
    row: &TrialRow,
    objective: &Objective,
    pods: &[Arc<DynamicObject>],
    now: Timestamp,
) -> Vec<String> {
    let obj = &row.obj;
    let mut out = vec![
        format!(
            "Trial         {}/{}",
            columns::namespace(obj),
            columns::name(obj)
        ),
        format!(
            "Experiment    {}",
            columns::label(obj, model::EXPERIMENT_LABEL).unwrap_or("-")
        ),
    ];
    let mut status = row.status.text();
    if !row.status.message.is_empty() {
        status.push_str(&format!(": {}", row.status.message));
    }
    out.push(format!("Status        {status}"));
    if let Some(d) = model::duration(obj, row.status.phase.finished(), now) {
        out.push(format!("Duration      {}", columns::human_duration(d)));
    }
    out.push(String::new());
    out.push("Parameters".into());
    if row.assignments.is_empty() {
        out.push("  (none)".into());
    }
    for (k, v) in &row.assignments {
        out.push(format!("  {k:<24}{v}"));
    }
    out.push(String::new());
    out.push(format!(
        "Metrics       {:<16}{:>10}{:>10}{:>10}  strategy",
        "", "min", "max", "latest"
    ));
    if row.metrics.is_empty() {
        out.push("  (none reported)".into());
    }
    let f = |x: Option<f64>| x.map(fmt_num).unwrap_or_else(|| "-".into());
    for m in &row.metrics {
        let latest = m
            .latest
            .map(fmt_num)
            .unwrap_or_else(|| m.latest_text.clone());
        out.push(format!(
            "  {:<28}{:>10}{:>10}{:>10}  {}",
            m.name,
            f(m.min),
            f(m.max),
            latest,
            objective.strategy(&m.name)
        ));
    }
    if let Some(why) = row.no_metrics_reason(objective) {
        out.push(format!("No metrics    {why}"));
    }
    cond_lines(obj, now, &mut out);
    // The worker from the trial template.
    out.push(String::new());
    let kind = columns::str_at(obj, "/spec/runSpec/kind").unwrap_or("?");
    let api = columns::str_at(obj, "/spec/runSpec/apiVersion").unwrap_or("");
    out.push(format!(
        "Worker        {kind} {} ({api})",
        columns::name(obj)
    ));
    let primary = columns::str_at(obj, "/spec/primaryContainerName").unwrap_or("-");
    out.push(format!("Primary       {primary}"));
    let collector =
        columns::str_at(obj, "/spec/metricsCollector/collector/kind").unwrap_or("StdOut");
    out.push(format!("Collector     {collector}"));
    out.push(String::new());
    out.push(format!("Pods ({})", pods.len()));
    if pods.is_empty() {
        out.push("  (none: not started yet, or removed after the trial finished)".into());
    }
    for p in pods {
        let phase = columns::str_at(p, "/status/phase").unwrap_or("Pending");
        let node = columns::str_at(p, "/spec/nodeName").unwrap_or("-");
        let containers = p
            .data
            .pointer("/status/containerStatuses")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        let name = c.get("name").and_then(Value::as_str).unwrap_or("?");
                        let st = c.get("state").and_then(Value::as_object);
                        let word = st
                            .and_then(|s| s.keys().next().cloned())
                            .unwrap_or_else(|| "?".into());
                        let code = c
                            .pointer("/state/terminated/exitCode")
                            .and_then(Value::as_i64)
                            .map(|x| format!(" exit {x}"))
                            .unwrap_or_default();
                        format!("{name} {word}{code}")
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        out.push(format!(
            "  {:<40}{:<10}{:<16}{containers}",
            columns::name(p),
            phase,
            node
        ));
    }
    out
}

fn highlight(line: &str, theme: &Theme) -> Vec<Span<'static>> {
    if let Some(rest) = line.strip_prefix("No metrics    ") {
        return vec![
            Span::styled(line[..14].to_string(), theme.yaml_key),
            Span::styled(rest.to_string(), theme.warn),
        ];
    }
    if let Some(rest) = line.strip_prefix("Status        ") {
        let style = if rest.starts_with("Succeeded") || rest.starts_with("Running") {
            theme.ok
        } else if rest.starts_with("Failed") || rest.starts_with("MetricsUnavailable") {
            theme.error
        } else {
            theme.warn
        };
        return vec![
            Span::styled(line[..14].to_string(), theme.yaml_key),
            Span::styled(rest.to_string(), style),
        ];
    }
    if !line.starts_with(' ') && !line.is_empty() {
        let split = line.find("  ").unwrap_or(line.len());
        return vec![
            Span::styled(line[..split].to_string(), theme.yaml_key),
            Span::styled(line[split..].to_string(), theme.base),
        ];
    }
    vec![Span::styled(line.to_string(), theme.base)]
}

impl View for TrialDetail {
    fn title(&self) -> String {
        self.row.name().to_string()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["katib_trial", "details", "pager"]
    }

    fn hints(&self) -> &'static [Action] {
        &[
            Action::Logs,
            Action::MetricsLogs,
            Action::TrainBest,
            Action::Yaml,
        ]
    }

    fn subscriptions(&self, _scope: &Scope, subs: &mut Subscriptions) {
        subs.watches.insert(trial_key(&self.row.obj));
        subs.watches.insert(pods_key(&self.row.obj));
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        match action {
            Action::Logs => {
                let primary = self.primary().map(str::to_string);
                self.open_logs(primary.as_deref(), cx);
            }
            Action::MetricsLogs => self.open_logs(Some(COLLECTOR), cx),
            Action::TrainBest => super::train::open_trial(&self.row.obj, cx),
            Action::Yaml => cx.push(Box::new(crate::views::yaml::YamlView::new(
                ObjRef::of(&kinds::TRIAL, &self.row.obj),
                &self.row.obj,
            ))),
            Action::Describe => cx.push(Box::new(crate::views::describe::DescribeView::new(
                &kinds::TRIAL,
                self.row.obj.clone(),
            ))),
            a if self.pager.act(a, cx.page) => {}
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn sync(&mut self, cx: &mut Cx) {
        let (tk, pk) = (trial_key(&self.row.obj), pods_key(&self.row.obj));
        let version = [&tk, &pk]
            .iter()
            .map(|k| {
                cx.store
                    .get(k)
                    .map(|s| s.version + u64::from(s.listed))
                    .unwrap_or(0)
            })
            .sum();
        if self.seen == Some(version) {
            return;
        }
        self.seen = Some(version);
        let name = self.row.name().to_string();
        if let Some(o) = cx
            .store
            .get(&tk)
            .and_then(|s| s.iter().find(|o| columns::name(o) == name))
        {
            self.row = TrialRow::new(o.clone());
        }
        // The few pods of this screen, as objects (rebuilt on change only).
        let mut pods: Vec<Arc<DynamicObject>> = cx
            .store
            .get(&pk)
            .map(|s| s.pods_dynamic())
            .unwrap_or_default();
        pods.sort_by(|a, b| columns::name(a).cmp(columns::name(b)));
        self.pods = pods;
        self.pager
            .set_lines(lines(&self.row, &self.objective, &self.pods, cx.now));
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
        let title = vec![
            Span::styled(" Trial", t.title),
            Span::styled(
                format!(
                    " {}/{} ",
                    columns::namespace(&self.row.obj),
                    self.row.name()
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
