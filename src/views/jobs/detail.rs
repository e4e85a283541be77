//! Details of one training job: the spec summary (image, command, replicas
//! per role, resources, run policy), the first failure in words, conditions,
//! every replica pod (role, index, phase, node, restarts, exit code and
//! reason) and the events of the job and its pods, scheduling and quota
//! trouble first. The list's actions work here too.

use std::any::Any;
use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use serde_json::Value;

use super::model::{self, Replica};
use super::{JobRow, PendingDelete, act_on, on_confirm};
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::app::store::Store;
use crate::app::theme::Theme;
use crate::kube::kinds::{self, Kind};
use crate::kube::pod::Pod;
use crate::kube::types::{LogSpec, LogUpdate, WatchKey};
use crate::views::columns;
use crate::views::logs::{neutralise, split_timestamp};
use crate::views::pager::Pager;
use crate::views::{Cx, Filter, Handled, Subscriptions, View, ViewEvent};

pub struct JobDetail {
    pub kind: &'static Kind,
    pub obj: Arc<DynamicObject>,
    pub row: Option<JobRow>,
    pub pager: Pager,
    /// The replica pods, in role and index order.
    pub replicas: Vec<Replica>,
    /// The first failed replica's last log lines: (stream, replica, lines).
    pub failed_log: Option<(LogSpec, String, Vec<String>)>,
    /// The details text without the failed replica's log.
    base: Vec<String>,
    seen: u64,
    pending_delete: PendingDelete,
}

/// The watches behind the details of one job.
pub struct DetailKeys {
    pub job: WatchKey,
    pub pods: WatchKey,
    pub events: WatchKey,
}

impl DetailKeys {
    pub fn new(kind: &'static Kind, obj: &DynamicObject) -> DetailKeys {
        let ns = Some(columns::namespace(obj));
        DetailKeys {
            job: WatchKey::in_namespace(kind, ns),
            pods: WatchKey::in_namespace(&kinds::POD, ns)
                .with_labels(Some(model::pod_selector(kind, columns::name(obj)))),
            events: WatchKey::in_namespace(&kinds::EVENT, ns),
        }
    }

    fn all(&self) -> [&WatchKey; 3] {
        [&self.job, &self.pods, &self.events]
    }

    fn version(&self, store: &Store) -> u64 {
        self.all()
            .iter()
            .map(|k| store.get(k).map(|s| s.version).unwrap_or(0))
            .sum()
    }
}

impl JobDetail {
    pub fn new(kind: &'static Kind, obj: Arc<DynamicObject>) -> JobDetail {
        JobDetail {
            kind,
            obj,
            row: None,
            pager: Pager {
                wrap: true,
                ..Pager::default()
            },
            replicas: Vec::new(),
            failed_log: None,
            base: Vec::new(),
            seen: u64::MAX,
            pending_delete: None,
        }
    }

    fn keys(&self) -> DetailKeys {
        DetailKeys::new(self.kind, &self.obj)
    }

    /// The details with the failed replica's last log lines after the pods.
    fn show(&mut self) {
        let mut out = self.base.clone();
        if let Some((_, who, lines)) = &self.failed_log {
            let at = out
                .iter()
                .position(|l| l == "Events")
                .map(|i| i.saturating_sub(1))
                .unwrap_or(out.len());
            let mut section = vec![format!("Last log lines of {who}")];
            if lines.is_empty() {
                section.push("  (reading…)".into());
            }
            section.extend(lines.iter().map(|l| format!("  {l}")));
            section.push(String::new());
            out.splice(at + 1..at + 1, section);
        }
        self.pager.set_lines(out);
    }
}

/// Lines kept from a failed replica's log.
const FAILED_TAIL: usize = 10;

fn event_time(e: &DynamicObject) -> Option<Timestamp> {
    columns::time_at(e, "/lastTimestamp")
        .or_else(|| columns::time_at(e, "/eventTime"))
        .or_else(|| columns::created(e))
}

/// Events that explain a Pending replica: no node with the GPUs, or quota.
fn is_blocking(e: &DynamicObject) -> bool {
    let reason = columns::str_at(e, "/reason").unwrap_or("");
    let msg = columns::str_at(e, "/message").unwrap_or("");
    reason == "FailedScheduling"
        || reason == "FailedCreate" && msg.contains("quota")
        || msg.contains("exceeded quota")
        || msg.contains("Insufficient")
}

fn joined(v: Option<&Value>) -> String {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn resources_text(c: &Value) -> String {
    let mut parts = Vec::new();
    let r = c.get("resources");
    for (k, v) in r
        .and_then(|r| r.get("limits").or_else(|| r.get("requests")))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let v = v
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string());
        parts.push(format!("{k} {v}"));
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(" · ")
    }
}

/// The details text for a job, its replica pods and the namespace's events.
pub fn lines(
    row: &JobRow,
    pods: &[&Arc<Pod>],
    events: &[&Arc<DynamicObject>],
    now: Timestamp,
    disabled: &[(String, String)],
) -> Vec<String> {
    let (kind, obj) = (row.kind, &row.obj);
    let mut out = Vec::new();
    out.push(format!(
        "{:<14}{}/{}",
        kind.kind,
        columns::namespace(obj),
        columns::name(obj)
    ));
    match &row.status.message {
        Some(m) => out.push(format!("Status        {}: {m}", row.status.text())),
        None => out.push(format!("Status        {}", row.status.text())),
    }
    let mut reps: Vec<Replica> = pods.iter().map(|p| model::replica(p)).collect();
    model::sort_replicas(&mut reps);
    if let Some(why) = model::first_failure(&row.status, &reps)
        .filter(|why| row.status.message.as_ref() != Some(why))
    {
        out.push(format!("Failure       {why}"));
    }
    let roles = row
        .roles
        .iter()
        .map(|r| format!("{} {}/{}", r.name, r.active, r.total))
        .collect::<Vec<_>>()
        .join(" · ");
    out.push(format!(
        "Replicas      {}",
        if roles.is_empty() { "-".into() } else { roles }
    ));
    if let Some(rt) = model::runtime(kind, obj) {
        let rk = columns::str_at(obj, "/spec/runtimeRef/kind").unwrap_or("TrainingRuntime");
        out.push(format!("Runtime       {rk}/{rt}"));
    }
    // One block per role whose container differs from the previous one's.
    let mut distinct: Vec<&Value> = row.roles.iter().map(|r| &r.container).collect();
    distinct.dedup();
    let mut shown: Vec<&Value> = Vec::new();
    for r in &row.roles {
        if shown.contains(&&r.container) {
            continue;
        }
        shown.push(&r.container);
        let role = if distinct.len() > 1 {
            format!(" ({})", r.name)
        } else {
            String::new()
        };
        out.push(format!(
            "Image         {}{role}",
            r.container
                .get("image")
                .and_then(Value::as_str)
                .unwrap_or("-")
        ));
        let cmd = [
            joined(r.container.get("command")),
            joined(r.container.get("args")),
        ]
        .join(" ");
        if !cmd.trim().is_empty() {
            out.push(format!("Command       {}", cmd.trim()));
        }
        out.push(format!(
            "Resources     {} (each){}",
            resources_text(&r.container),
            if r.restart_policy.is_empty() {
                String::new()
            } else {
                format!(" · restart {}", r.restart_policy)
            }
        ));
    }
    let policy = if model::is_trainjob(kind) {
        obj.data.get("spec")
    } else {
        obj.data.pointer("/spec/runPolicy")
    };
    let get = |k: &str| {
        policy.and_then(|p| p.get(k)).map(|v| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        })
    };
    let mut pol = vec![format!("suspend {}", model::suspend_requested(kind, obj))];
    for (k, label) in [
        ("cleanPodPolicy", "cleanPodPolicy"),
        ("backoffLimit", "backoffLimit"),
        ("ttlSecondsAfterFinished", "TTL"),
        ("activeDeadlineSeconds", "deadline"),
    ] {
        if let Some(v) = get(k) {
            pol.push(format!("{label} {v}"));
        }
    }
    out.push(format!("Run policy    {}", pol.join(" · ")));
    let duration = model::duration(kind, obj, row.status.state, now)
        .map(columns::human_duration)
        .unwrap_or_else(|| "-".into());
    out.push(format!(
        "Created       {} ago · duration {duration}",
        columns::age(columns::created(obj), now)
    ));
    for (what, why) in disabled {
        out.push(format!("Not allowed   {what}: {why}"));
    }
    out.push(String::new());
    out.push("Conditions".into());
    let conds = obj
        .data
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty());
    match conds {
        Some(conds) => {
            for c in conds {
                let g = |f: &str| c.get(f).and_then(Value::as_str).unwrap_or("");
                out.push(format!(
                    "  {:<11} {:<6} {:<22} {}",
                    g("type"),
                    g("status"),
                    g("reason"),
                    g("message")
                ));
            }
        }
        None => out.push("  <none>".into()),
    }
    out.push(String::new());
    out.push("Replica pods".into());
    out.push(format!(
        "  {:<20} {:<8} {:>3} {:<10} {:<16} {:>4} {:>4}  REASON",
        "POD", "ROLE", "IDX", "PHASE", "NODE", "RST", "EXIT"
    ));
    if reps.is_empty() {
        out.push("  <none>".into());
    }
    for r in &reps {
        out.push(format!(
            "  {:<20} {:<8} {:>3} {:<10} {:<16} {:>4} {:>4}  {}",
            crate::views::table::truncate(&r.pod, 20),
            r.role,
            r.index,
            r.phase,
            r.node,
            r.restarts,
            r.exit_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into()),
            r.reason.as_deref().unwrap_or("-")
        ));
    }
    out.push(String::new());
    out.push("Events".into());
    let pod_names: Vec<&str> = reps.iter().map(|r| r.pod.as_str()).collect();
    let name = columns::name(obj);
    let mut evs: Vec<&&Arc<DynamicObject>> = events
        .iter()
        .filter(|e| {
            let n = columns::str_at(e, "/involvedObject/name").unwrap_or("");
            let k = columns::str_at(e, "/involvedObject/kind").unwrap_or("");
            (k == kind.kind && n == name) || (k == "Pod" && pod_names.contains(&n))
        })
        .collect();
    evs.sort_by_key(|e| (!is_blocking(e), event_time(e)));
    if evs.is_empty() {
        out.push("  <none>".into());
    }
    for e in evs {
        let g = |p: &str| columns::str_at(e, p).unwrap_or("");
        out.push(format!(
            "  {:<8} {:<18} {:>5}  {}: {}",
            g("/type"),
            g("/reason"),
            columns::age(event_time(e), now),
            g("/involvedObject/name"),
            g("/message").replace('\n', " ")
        ));
    }
    out
}

fn highlight(line: &str, theme: &Theme) -> Vec<Span<'static>> {
    if line.starts_with("  Warning ") || line.starts_with("Not allowed") {
        return vec![Span::styled(line.to_string(), theme.warn)];
    }
    if let Some(rest) = line.strip_prefix("Failure       ") {
        return vec![
            Span::styled(line[..14].to_string(), theme.yaml_key),
            Span::styled(rest.to_string(), theme.error),
        ];
    }
    if let Some(rest) = line.strip_prefix("Status        ") {
        let style = if rest.starts_with("Running") || rest.starts_with("Succeeded") {
            theme.ok
        } else if rest.starts_with("Failed") {
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

impl View for JobDetail {
    fn title(&self) -> String {
        columns::name(&self.obj).to_string()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["jobs", "details", "pager"]
    }

    fn hints(&self) -> &'static [Action] {
        &[
            Action::Suspend,
            Action::Logs,
            Action::AllLogs,
            Action::Yaml,
            Action::Delete,
        ]
    }

    fn subscriptions(&self, _scope: &Scope, subs: &mut Subscriptions) {
        let keys = self.keys();
        subs.watches.extend(keys.all().into_iter().cloned());
        let scope = Scope::Namespace(columns::namespace(&self.obj).to_string());
        subs.access.extend(super::access_keys(&scope));
        if let Some((spec, _, _)) = &self.failed_log {
            subs.logs.insert(spec.clone());
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        match action {
            Action::Suspend | Action::Logs | Action::Delete | Action::Yaml | Action::Describe => {
                if let Some(p) = self.row.clone().and_then(|row| act_on(&row, action, cx)) {
                    self.pending_delete = Some(p);
                }
                Handled::Yes
            }
            Action::AllLogs => {
                if self.replicas.is_empty() {
                    cx.error(format!(
                        "{} has no replica pods yet",
                        columns::name(&self.obj)
                    ));
                } else {
                    cx.push(Box::new(super::logs::MergedLogs::new(
                        columns::namespace(&self.obj),
                        columns::name(&self.obj),
                        &self.replicas,
                    )));
                }
                Handled::Yes
            }
            a if self.pager.act(a, cx.page) => Handled::Yes,
            _ => Handled::No,
        }
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        if let ViewEvent::Logs { spec, update } = event
            && let Some((want, _, lines)) = &mut self.failed_log
            && want == spec
        {
            match update {
                LogUpdate::Lines(new) => {
                    lines.extend(new.iter().map(|l| {
                        let clean = neutralise(l);
                        split_timestamp(&clean).1.to_string()
                    }));
                    let excess = lines.len().saturating_sub(FAILED_TAIL);
                    lines.drain(..excess);
                }
                LogUpdate::Ended(Some(why)) if lines.is_empty() => {
                    lines.push(format!("(no log: {why})"));
                }
                LogUpdate::Ended(_) => {}
            }
            self.show();
            return Handled::Yes;
        }
        let handled = on_confirm(&mut self.pending_delete, event, cx);
        if handled == Handled::Yes {
            cx.pop();
        }
        handled
    }

    fn sync(&mut self, cx: &mut Cx) {
        let keys = self.keys();
        let version = keys.version(cx.store) + cx.access.len() as u64;
        if version == self.seen {
            return;
        }
        self.seen = version;
        let ns = columns::namespace(&self.obj).to_string();
        let Some(obj) = cx
            .store
            .get(&keys.job)
            .and_then(|s| s.by_name(Some(&ns), columns::name(&self.obj)))
            .filter(|o| columns::uid(o) == columns::uid(&self.obj))
            .cloned()
        else {
            if cx.store.get(&keys.job).is_some_and(|s| s.listed) {
                self.pager.set_lines(vec![format!(
                    "{} {} no longer exists.",
                    self.kind.kind,
                    columns::name(&self.obj)
                )]);
                self.row = None;
            } else if self.row.is_none() {
                // Not listed yet: show what was opened.
                self.row = Some(JobRow::new(self.kind, self.obj.clone()));
            }
            return;
        };
        self.obj = obj;
        let row = JobRow::new(self.kind, self.obj.clone());
        let pods: Vec<&Arc<Pod>> = cx
            .store
            .get(&keys.pods)
            .map(|s| s.pods().collect())
            .unwrap_or_default();
        let events: Vec<&Arc<DynamicObject>> = cx
            .store
            .get(&keys.events)
            .map(|s| s.iter().collect())
            .unwrap_or_default();
        let disabled: Vec<(String, String)> = [("patch", "suspend/resume"), ("delete", "delete")]
            .into_iter()
            .filter_map(|(verb, what)| {
                cx.denied(verb, self.kind, Some(&ns))
                    .map(|why| (what.to_string(), why))
            })
            .collect();
        self.base = lines(&row, &pods, &events, cx.now, &disabled);
        let mut reps: Vec<Replica> = pods.iter().map(|p| model::replica(p)).collect();
        model::sort_replicas(&mut reps);
        // The first failed replica's last lines, read once (no follow).
        let failed = reps
            .iter()
            .find(|r| r.phase == "Failed" || r.exit_code.is_some_and(|c| c != 0));
        match failed {
            Some(r) if self.failed_log.as_ref().map(|f| &f.0.pod) != Some(&r.pod) => {
                let spec = LogSpec {
                    namespace: ns.clone(),
                    pod: r.pod.clone(),
                    container: None,
                    previous: false,
                    tail_lines: Some(FAILED_TAIL as i64),
                    follow: false,
                };
                self.failed_log = Some((spec, format!("{}-{}", r.role, r.index), Vec::new()));
            }
            Some(_) => {}
            None => self.failed_log = None,
        }
        self.replicas = reps;
        self.show();
        self.row = Some(row);
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
            Span::styled(format!(" {}", self.kind.kind), t.title),
            Span::styled(
                format!(
                    " {}/{} ",
                    columns::namespace(&self.obj),
                    columns::name(&self.obj)
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
