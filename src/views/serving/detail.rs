//! Details of one InferenceService: readiness and the last failure in
//! words, the predictor, conditions, components with their URLs and
//! traffic, the predictor pods with their status, and the events of the
//! service and its pods. `l` opens the first predictor pod's
//! `kserve-container` log in the log pane.

use std::any::Any;
use std::sync::Arc;

use jiff::Timestamp;
use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use serde_json::Value;

use super::{IsvcRow, act_on, model};
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::app::store::Store;
use crate::app::theme::Theme;
use crate::kube::kinds;
use crate::kube::types::WatchKey;
use crate::views::columns;
use crate::views::pager::Pager;
use crate::views::{Cx, Filter, Handled, Subscriptions, View, ViewEvent};

/// The container that serves the model in a predictor pod.
pub const SERVING_CONTAINER: &str = "kserve-container";

pub struct IsvcDetail {
    pub obj: Arc<DynamicObject>,
    pub row: IsvcRow,
    pub pager: Pager,
    /// The predictor pods, oldest first.
    pub pods: Vec<Arc<DynamicObject>>,
    /// Open the log as soon as the pods are known (`l` from the list).
    logs_pending: bool,
    seen: u64,
}

struct Keys {
    isvc: WatchKey,
    pods: WatchKey,
    events: WatchKey,
}

impl Keys {
    fn new(obj: &DynamicObject) -> Keys {
        let ns = Some(columns::namespace(obj));
        Keys {
            isvc: WatchKey::in_namespace(&kinds::INFERENCE_SERVICE, ns),
            pods: WatchKey::in_namespace(&kinds::POD, ns)
                .with_labels(Some(model::pod_selector(columns::name(obj)))),
            events: WatchKey::in_namespace(&kinds::EVENT, ns),
        }
    }

    fn all(&self) -> [&WatchKey; 3] {
        [&self.isvc, &self.pods, &self.events]
    }

    fn version(&self, store: &Store) -> u64 {
        self.all()
            .iter()
            .map(|k| {
                store
                    .get(k)
                    .map(|s| s.version + u64::from(s.listed))
                    .unwrap_or(0)
            })
            .sum()
    }
}

impl IsvcDetail {
    pub fn new(obj: Arc<DynamicObject>, open_logs: bool) -> IsvcDetail {
        IsvcDetail {
            row: IsvcRow::new(obj.clone()),
            obj,
            pager: Pager::default(),
            pods: Vec::new(),
            logs_pending: open_logs,
            seen: u64::MAX,
        }
    }

    fn open_logs(&mut self, cx: &mut Cx) {
        let Some(pod) = self.pods.first() else {
            cx.error(format!(
                "{} has no predictor pod yet",
                columns::name(&self.obj)
            ));
            return;
        };
        let names = crate::views::logs::container_names(pod);
        cx.push(Box::new(crate::views::logs::LogsView::new(
            columns::namespace(pod),
            columns::name(pod),
            names,
            Some(SERVING_CONTAINER),
            cx.config,
        )));
    }
}

/// A pod's status word, init containers first (`Init:CrashLoopBackOff`).
pub fn pod_status(pod: &DynamicObject) -> String {
    let statuses = |key: &str| -> Vec<Value> {
        pod.data
            .pointer(&format!("/status/{key}"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for c in statuses("initContainerStatuses") {
        if let Some(r) = c.pointer("/state/waiting/reason").and_then(Value::as_str)
            && r != "PodInitializing"
        {
            return format!("Init:{r}");
        }
    }
    crate::views::registry::pod_status(pod)
}

fn pod_line(pod: &DynamicObject, now: Timestamp) -> String {
    let all = |key: &str| -> Vec<Value> {
        pod.data
            .pointer(&format!("/status/{key}"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let cs = all("containerStatuses");
    let ready = cs
        .iter()
        .filter(|c| c.get("ready").and_then(Value::as_bool) == Some(true))
        .count();
    let restarts: i64 = cs
        .iter()
        .chain(all("initContainerStatuses").iter())
        .filter_map(|c| c.get("restartCount").and_then(Value::as_i64))
        .sum();
    format!(
        "  {}  {}  {ready}/{}  restarts {restarts}  {}  {}",
        columns::name(pod),
        pod_status(pod),
        cs.len(),
        columns::str_at(pod, "/spec/nodeName").unwrap_or("-"),
        columns::age(columns::created(pod), now),
    )
}

/// The last termination message of a failing init container.
fn init_failure(pod: &DynamicObject) -> Option<String> {
    pod.data
        .pointer("/status/initContainerStatuses")
        .and_then(Value::as_array)?
        .iter()
        .find_map(|c| {
            let msg = c
                .pointer("/lastState/terminated/message")
                .and_then(Value::as_str)?;
            Some(format!(
                "{}: {}",
                c.get("name").and_then(Value::as_str).unwrap_or("?"),
                msg.trim()
            ))
        })
}

/// The details text.
pub fn lines(
    row: &IsvcRow,
    pods: &[Arc<DynamicObject>],
    events: &[&Arc<DynamicObject>],
    now: Timestamp,
) -> Vec<String> {
    let obj = &row.obj;
    let mut out = vec![
        format!("Ready         {}", row.ready.text()),
        format!(
            "URL           {}",
            columns::str_at(obj, "/status/url").unwrap_or("-")
        ),
    ];
    if let Some(a) = columns::str_at(obj, "/status/address/url") {
        out.push(format!("Address       {a}"));
    }
    if !row.ready.is_ready() {
        let what = row.ready.failing.as_deref().unwrap_or("Ready");
        let reason = row.ready.reason.as_deref().unwrap_or("no reason given");
        out.push(format!("Failure       {what}: {reason}"));
        if let Some(m) = &row.ready.message {
            out.push(format!("              {m}"));
        }
    }
    if let Some(info) = obj.data.pointer("/status/modelStatus/lastFailureInfo") {
        out.push(format!(
            "Last failure  {}: {}",
            info.get("reason").and_then(Value::as_str).unwrap_or("?"),
            info.get("message").and_then(Value::as_str).unwrap_or("")
        ));
    }
    let p = &row.predictor;
    out.push(String::new());
    out.push("Predictor".into());
    out.push(format!(
        "  format      {}",
        p.format.as_deref().unwrap_or("-")
    ));
    out.push(format!(
        "  runtime     {}",
        p.runtime.as_deref().unwrap_or("(chosen by KServe)")
    ));
    out.push(format!(
        "  storageUri  {}",
        p.storage_uri.as_deref().unwrap_or("-")
    ));
    out.push(format!(
        "  protocol    {}",
        p.protocol.as_deref().unwrap_or("v1")
    ));
    if let Some(state) = columns::str_at(obj, "/status/modelStatus/states/targetModelState") {
        out.push(format!("  model       {state}"));
    }
    out.push(format!("  traffic     {}", model::traffic_text(obj)));
    out.push(String::new());
    out.push("Conditions".into());
    out.extend(model::condition_lines(obj));
    out.push(String::new());
    out.push("Components".into());
    out.extend(model::component_lines(obj));
    out.push(String::new());
    out.push(format!("Predictor pods ({})", pods.len()));
    if pods.is_empty() {
        out.push("  (none)".into());
    }
    for pod in pods {
        out.push(pod_line(pod, now));
        if let Some(f) = init_failure(pod) {
            out.push(format!("    {f}"));
        }
    }
    out.push(String::new());
    out.push("Events".into());
    if events.is_empty() {
        out.push("  (none)".into());
    }
    for e in events {
        let kind = columns::str_at(e, "/type").unwrap_or("Normal");
        let reason = columns::str_at(e, "/reason").unwrap_or("");
        let msg = columns::str_at(e, "/message").unwrap_or("");
        let who = columns::str_at(e, "/involvedObject/name").unwrap_or("");
        out.push(format!("  {kind:<8} {reason:<12} {who}: {msg}"));
    }
    out
}

fn highlight(line: &str, theme: &Theme) -> Vec<Span<'static>> {
    if line.starts_with("  Warning ") || line.contains(" NO  ") || line.ends_with(" NO") {
        return vec![Span::styled(line.to_string(), theme.warn)];
    }
    for (head, bad) in [("Failure       ", true), ("Ready         ", false)] {
        if let Some(rest) = line.strip_prefix(head) {
            let style = if bad || !rest.starts_with("True") {
                theme.error
            } else {
                theme.ok
            };
            return vec![
                Span::styled(head.to_string(), theme.yaml_key),
                Span::styled(rest.to_string(), style),
            ];
        }
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

impl View for IsvcDetail {
    fn title(&self) -> String {
        columns::name(&self.obj).to_string()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["isvc", "details", "pager"]
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::Run, Action::Logs, Action::Yaml, Action::Describe]
    }

    fn subscriptions(&self, _scope: &Scope, subs: &mut Subscriptions) {
        subs.watches
            .extend(Keys::new(&self.obj).all().into_iter().cloned());
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        match action {
            Action::Logs => {
                self.open_logs(cx);
                Handled::Yes
            }
            Action::Yaml | Action::Describe | Action::Run => {
                act_on(&self.row, action, cx);
                Handled::Yes
            }
            a if self.pager.act(a, cx.page) => Handled::Yes,
            _ => Handled::No,
        }
    }

    fn on_event(&mut self, _event: &ViewEvent, _cx: &mut Cx) -> Handled {
        Handled::No
    }

    fn sync(&mut self, cx: &mut Cx) {
        let keys = Keys::new(&self.obj);
        let version = keys.version(cx.store);
        if version == self.seen {
            return;
        }
        self.seen = version;
        let ns = columns::namespace(&self.obj).to_string();
        let name = columns::name(&self.obj).to_string();
        let listed = cx.store.get(&keys.isvc).is_some_and(|s| s.listed);
        match cx
            .store
            .get(&keys.isvc)
            .and_then(|s| s.by_name(Some(&ns), &name))
            .filter(|o| columns::uid(o) == columns::uid(&self.obj))
            .cloned()
        {
            Some(obj) => self.obj = obj,
            None if listed => {
                self.pager.set_lines(vec![format!(
                    "InferenceService {ns}/{name} no longer exists."
                )]);
                return;
            }
            None => {}
        }
        self.row = IsvcRow::new(self.obj.clone());
        // The few pods of this screen, as objects (rebuilt on change only).
        let mut pods: Vec<Arc<DynamicObject>> = cx
            .store
            .get(&keys.pods)
            .map(|s| s.pods_dynamic())
            .unwrap_or_default();
        pods.sort_by_key(|p| columns::created(p));
        let mut events: Vec<&Arc<DynamicObject>> = Vec::new();
        if let Some(set) = cx.store.get(&keys.events) {
            let ours: Vec<String> = std::iter::once(columns::uid(&self.obj))
                .chain(pods.iter().map(|p| columns::uid(p)))
                .collect();
            events = set
                .iter()
                .filter(|e| {
                    columns::str_at(e, "/involvedObject/uid")
                        .is_some_and(|u| ours.iter().any(|o| o == u))
                })
                .collect();
            events.sort_by_key(|e| {
                columns::time_at(e, "/lastTimestamp").or_else(|| columns::created(e))
            });
        }
        self.pager
            .set_lines(lines(&self.row, &pods, &events, cx.now));
        self.pods = pods;
        let pods_listed = cx.store.get(&keys.pods).is_some_and(|s| s.listed);
        if self.logs_pending && pods_listed {
            self.logs_pending = false;
            self.open_logs(cx);
        }
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
            Span::styled(" InferenceService", t.title),
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
