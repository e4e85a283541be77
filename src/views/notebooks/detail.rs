//! Details of one notebook: status and why, image and resources, conditions,
//! its pod and containers, volumes with their PVCs, and events (warnings
//! first in colour). The same actions as the list work here.

use std::any::Any;
use std::sync::Arc;

use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use serde_json::Value;

use super::model::{self, Phase};
use super::{Keys, NbRow, PendingDelete, act_on, on_confirm, rows};
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::app::theme::Theme;
use crate::kube::kinds;
use crate::kube::types::WatchKey;
use crate::views::columns;
use crate::views::pager::Pager;
use crate::views::{Cx, Filter, Handled, Subscriptions, View, ViewEvent};

pub struct NotebookDetail {
    pub nb: Arc<DynamicObject>,
    pub row: Option<NbRow>,
    pub pager: Pager,
    seen: u64,
    pending_delete: Option<PendingDelete>,
}

impl NotebookDetail {
    pub fn new(nb: Arc<DynamicObject>) -> NotebookDetail {
        NotebookDetail {
            nb,
            row: None,
            pager: Pager {
                wrap: true,
                ..Pager::default()
            },
            seen: u64::MAX,
            pending_delete: None,
        }
    }

    fn scope(&self) -> Scope {
        Scope::Namespace(columns::namespace(&self.nb).to_string())
    }

    fn pvc_key(&self) -> WatchKey {
        WatchKey::in_namespace(&kinds::PVC, Some(columns::namespace(&self.nb)))
    }
}

/// The details text for a joined row; `pvcs` gives size and phase of claims.
pub fn lines(
    row: &NbRow,
    pvcs: &dyn Fn(&str) -> Option<(String, String)>,
    cx_now: jiff::Timestamp,
    disabled: &[(String, String)],
) -> Vec<String> {
    let nb = &row.nb;
    let mut out = Vec::new();
    out.push(format!(
        "Notebook      {}/{}",
        columns::namespace(nb),
        columns::name(nb)
    ));
    match &row.status.reason {
        Some(reason) => out.push(format!(
            "Status        {}: {}",
            row.status.phase.word(),
            reason.replace('\n', " ")
        )),
        None => out.push(format!("Status        {}", row.status.phase.word())),
    }
    out.push(format!("Image         {}", model::image(nb)));
    let mut res = Vec::new();
    for r in ["cpu", "memory"] {
        if let Some(v) = model::resource(nb, r) {
            res.push(format!("{r} {v}"));
        }
    }
    match model::gpus(nb) {
        Some((n, vendor)) => res.push(format!("gpu {n} ({vendor})")),
        None => res.push("no GPU".into()),
    }
    out.push(format!("Resources     {}", res.join(" · ")));
    out.push(format!(
        "Created       {} ago · last activity {}",
        columns::age(columns::created(nb), cx_now),
        model::last_activity(nb)
            .map(|t| format!("{} ago", columns::age(Some(t), cx_now)))
            .unwrap_or_else(|| "-".into())
    ));
    for (what, why) in disabled {
        out.push(format!("Not allowed   {what}: {why}"));
    }
    out.push(String::new());
    out.push("Conditions".into());
    let conds = nb
        .data
        .pointer("/status/conditions")
        .and_then(Value::as_array);
    match conds.filter(|c| !c.is_empty()) {
        Some(conds) => {
            for c in conds {
                let get = |f: &str| c.get(f).and_then(Value::as_str).unwrap_or("");
                out.push(format!(
                    "  {:<16} {:<6} {:<16} {}",
                    get("type"),
                    get("status"),
                    get("reason"),
                    get("message")
                ));
            }
        }
        None => out.push("  <none>".into()),
    }
    out.push(String::new());
    match &row.pod {
        Some(pod) => {
            out.push(format!(
                "Pod           {} · {} · node {}",
                columns::name(pod),
                crate::views::registry::pod_status(pod),
                columns::str_at(pod, "/spec/nodeName").unwrap_or("<none>")
            ));
            let statuses = pod
                .data
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array);
            for c in statuses.into_iter().flatten() {
                let name = c.get("name").and_then(Value::as_str).unwrap_or("");
                let state = c
                    .get("state")
                    .and_then(Value::as_object)
                    .and_then(|m| m.keys().next().cloned())
                    .unwrap_or_else(|| "unknown".into());
                let restarts = c.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
                let ready = c.get("ready").and_then(Value::as_bool).unwrap_or(false);
                out.push(format!(
                    "  container {name}: {state}, ready {ready}, restarts {restarts}"
                ));
            }
        }
        None if row.status.phase == Phase::Stopped => {
            out.push("Pod           none (stopped)".into())
        }
        None => out.push("Pod           not created yet".into()),
    }
    out.push(String::new());
    out.push("Volumes".into());
    let vols = model::volumes(nb);
    if vols.is_empty() {
        out.push("  <none>".into());
    }
    for v in vols {
        let mount = v.mount.unwrap_or_else(|| "-".into());
        match v.claim {
            Some(claim) => {
                let (size, phase) =
                    pvcs(&claim).unwrap_or_else(|| ("?".into(), "not found".into()));
                let role = if mount == model::WORKSPACE_MOUNT {
                    " (workspace)"
                } else {
                    ""
                };
                out.push(format!("  {claim:<28} {mount:<24} {size:>6} {phase}{role}"));
            }
            None => out.push(format!("  {:<28} {mount:<24} (not a PVC)", v.name)),
        }
    }
    out.push(String::new());
    out.push("Events".into());
    if row.events.is_empty() {
        out.push("  <none>".into());
    }
    for e in &row.events {
        let get = |p: &str| columns::str_at(e, p).unwrap_or("");
        out.push(format!(
            "  {:<8} {:<18} {:>5}  {}",
            get("/type"),
            get("/reason"),
            columns::age(super::event_time(e), cx_now),
            get("/message").replace('\n', " ")
        ));
    }
    out
}

fn highlight(line: &str, theme: &Theme) -> Vec<Span<'static>> {
    if line.starts_with("  Warning ") || line.starts_with("Not allowed") {
        return vec![Span::styled(line.to_string(), theme.warn)];
    }
    if let Some(rest) = line.strip_prefix("Status        ") {
        let style = if rest.starts_with("Running") {
            theme.ok
        } else if rest.starts_with("Unschedulable") || rest.starts_with("Error") {
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

impl View for NotebookDetail {
    fn title(&self) -> String {
        columns::name(&self.nb).to_string()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["notebooks", "details", "pager"]
    }

    fn hints(&self) -> &'static [Action] {
        &[
            Action::StopStart,
            Action::Connect,
            Action::Logs,
            Action::Yaml,
            Action::Delete,
        ]
    }

    fn subscriptions(&self, _scope: &Scope, subs: &mut Subscriptions) {
        let scope = self.scope();
        let keys = Keys::for_scope(&scope, None);
        subs.watches.extend(keys.all().into_iter().cloned());
        subs.watches.insert(self.pvc_key());
        subs.access.extend(super::access_keys(&scope));
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        match action {
            Action::StopStart
            | Action::Connect
            | Action::Logs
            | Action::Delete
            | Action::Yaml
            | Action::Describe => {
                if let Some((dialog, target, workspace)) =
                    self.row.clone().and_then(|row| act_on(&row, action, cx))
                {
                    self.pending_delete = Some(PendingDelete {
                        dialog,
                        target,
                        workspace,
                    });
                }
                Handled::Yes
            }
            a if self.pager.act(a, cx.page) => Handled::Yes,
            _ => Handled::No,
        }
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        let handled = on_confirm(&mut self.pending_delete, event, cx);
        if handled == Handled::Yes {
            cx.pop();
        }
        handled
    }

    fn sync(&mut self, cx: &mut Cx) {
        let keys = Keys::for_scope(&self.scope(), None);
        let pvc_key = self.pvc_key();
        let version = keys.version(cx.store)
            + cx.store.get(&pvc_key).map(|s| s.version).unwrap_or(0)
            + cx.access.len() as u64;
        if version == self.seen {
            return;
        }
        self.seen = version;
        let uid = columns::uid(&self.nb);
        let Some(row) = rows(cx.store, &keys)
            .into_iter()
            .find(|r| columns::uid(&r.nb) == uid)
        else {
            // Gone (deleted) or not listed yet: keep what was shown.
            if cx.store.get(&keys.notebooks).is_some_and(|s| s.listed) {
                self.pager.set_lines(vec![format!(
                    "Notebook {} no longer exists.",
                    columns::name(&self.nb)
                )]);
            }
            return;
        };
        self.nb = row.nb.clone();
        let pvcs = cx.store.get(&pvc_key);
        let lookup = |claim: &str| -> Option<(String, String)> {
            let pvc = pvcs?.by_name(None, claim)?;
            Some((
                columns::str_at(pvc, "/spec/resources/requests/storage")
                    .unwrap_or("?")
                    .to_string(),
                columns::str_at(pvc, "/status/phase")
                    .unwrap_or("Pending")
                    .to_string(),
            ))
        };
        let ns = columns::namespace(&self.nb).to_string();
        let disabled: Vec<(String, String)> = [("patch", "stop/start"), ("delete", "delete")]
            .into_iter()
            .filter_map(|(verb, what)| {
                cx.denied(verb, &kinds::NOTEBOOK, Some(&ns))
                    .map(|why| (what.to_string(), why))
            })
            .collect();
        self.pager
            .set_lines(lines(&row, &lookup, cx.now, &disabled));
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
            Span::styled(" notebook", t.title),
            Span::styled(
                format!(
                    " {}/{} ",
                    columns::namespace(&self.nb),
                    columns::name(&self.nb)
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
