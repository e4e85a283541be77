//! `d`: a kubectl-describe-like summary of an object (metadata, status,
//! conditions, containers) with the events that concern it, kept current from
//! the watches.

use std::any::Any;
use std::sync::Arc;

use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use serde_json::Value;

use super::columns;
use super::pager::Pager;
use super::{Cx, Filter, Handled, Subscriptions, View};
use crate::app::action::Action;
use crate::app::state::{Scope, State};
use crate::app::store::Store;
use crate::app::theme::Theme;
use crate::kube::kinds::{self, Kind};
use crate::kube::types::WatchKey;

pub struct DescribeView {
    pub kind: &'static Kind,
    pub obj: Arc<DynamicObject>,
    pub pager: Pager,
    seen: u64,
    /// For a pod: the store's projection `obj` was last built from.
    pod: Option<Arc<crate::kube::pod::Pod>>,
}

impl DescribeView {
    pub fn new(kind: &'static Kind, obj: Arc<DynamicObject>) -> DescribeView {
        DescribeView {
            kind,
            obj,
            pager: Pager {
                wrap: true,
                ..Pager::default()
            },
            seen: u64::MAX,
            pod: None,
        }
    }

    fn events_key(&self) -> WatchKey {
        WatchKey::in_namespace(&kinds::EVENT, self.obj.metadata.namespace.as_deref())
    }
}

/// Events about `obj` (matched by uid, else kind and name), newest last.
pub fn events_for<'a>(
    store: &'a Store,
    key: &WatchKey,
    obj: &DynamicObject,
) -> Vec<&'a Arc<DynamicObject>> {
    let Some(set) = store.get(key) else {
        return Vec::new();
    };
    let uid = obj.metadata.uid.as_deref();
    let name = obj.metadata.name.as_deref();
    let kind = obj.types.as_ref().map(|t| t.kind.as_str());
    let mut events: Vec<_> = set
        .iter()
        .filter(|e| {
            let io = e.data.get("involvedObject");
            let field = |f: &str| io.and_then(|o| o.get(f)).and_then(Value::as_str);
            match (uid, field("uid")) {
                (Some(u), Some(eu)) => u == eu,
                _ => field("name") == name && (kind.is_none() || field("kind") == kind),
            }
        })
        .collect();
    events.sort_by_key(|e| event_time(e));
    events
}

fn event_time(e: &DynamicObject) -> Option<jiff::Timestamp> {
    columns::time_at(e, "/lastTimestamp")
        .or_else(|| columns::time_at(e, "/eventTime"))
        .or_else(|| columns::created(e))
}

/// Builds the describe text.
pub fn describe(
    obj: &DynamicObject,
    events: &[&Arc<DynamicObject>],
    now: jiff::Timestamp,
) -> Vec<String> {
    let mut out = Vec::new();
    let m = &obj.metadata;
    out.push(format!("Name:         {}", m.name.as_deref().unwrap_or("")));
    if let Some(ns) = &m.namespace {
        out.push(format!("Namespace:    {ns}"));
    }
    if let Some(t) = &obj.types {
        out.push(format!("Kind:         {} ({})", t.kind, t.api_version));
    }
    out.push(format!(
        "Created:      {} ({} ago)",
        columns::created(obj)
            .map(|t| t.to_string())
            .unwrap_or_else(|| "-".into()),
        columns::age(columns::created(obj), now)
    ));
    for (title, map) in [("Labels", &m.labels), ("Annotations", &m.annotations)] {
        match map {
            Some(map) if !map.is_empty() => {
                for (i, (k, v)) in map.iter().enumerate() {
                    let head = if i == 0 {
                        format!("{title}:")
                    } else {
                        String::new()
                    };
                    out.push(format!("{head:<14}{k}={}", one_line(v, 100)));
                }
            }
            _ => out.push(format!("{:<14}<none>", format!("{title}:"))),
        }
    }
    if let Some(owners) = &m.owner_references {
        for o in owners {
            out.push(format!("Controlled By: {}/{}", o.kind, o.name));
        }
    }
    if let Some(phase) = columns::str_at(obj, "/status/phase") {
        out.push(format!("Status:       {phase}"));
    }
    for (label, ptr) in [
        ("Node:", "/spec/nodeName"),
        ("Pod IP:", "/status/podIP"),
        ("Message:", "/status/message"),
        ("Reason:", "/status/reason"),
        ("Progress:", "/status/progress"),
        ("URL:", "/status/url"),
    ] {
        if let Some(v) = columns::str_at(obj, ptr) {
            out.push(format!("{label:<14}{}", one_line(v, 200)));
        }
    }
    let containers = obj
        .data
        .pointer("/spec/containers")
        .or_else(|| obj.data.pointer("/spec/template/spec/containers"))
        .and_then(Value::as_array);
    if let Some(cs) = containers {
        out.push("Containers:".into());
        for c in cs {
            let get = |p: &str| c.pointer(p).and_then(Value::as_str).unwrap_or("-");
            out.push(format!("  {}:", get("/name")));
            out.push(format!("    Image:     {}", get("/image")));
            if let Some(res) = c.get("resources") {
                for part in ["requests", "limits"] {
                    if let Some(map) = res.get(part).and_then(Value::as_object) {
                        let text: Vec<String> = map
                            .iter()
                            .map(|(k, v)| {
                                format!(
                                    "{k}={}",
                                    v.as_str()
                                        .map(str::to_string)
                                        .unwrap_or_else(|| v.to_string())
                                )
                            })
                            .collect();
                        out.push(format!(
                            "    {:<10} {}",
                            format!("{}:", capitalise(part)),
                            text.join(", ")
                        ));
                    }
                }
            }
        }
    }
    if let Some(conds) = obj
        .data
        .pointer("/status/conditions")
        .and_then(Value::as_array)
    {
        out.push("Conditions:".into());
        out.push(format!(
            "  {:<24} {:<7} {:<22} MESSAGE",
            "TYPE", "STATUS", "REASON"
        ));
        for c in conds {
            let get = |f: &str| c.get(f).and_then(Value::as_str).unwrap_or("");
            out.push(format!(
                "  {:<24} {:<7} {:<22} {}",
                get("type"),
                get("status"),
                get("reason"),
                one_line(get("message"), 200)
            ));
        }
    }
    out.push("Events:".into());
    if events.is_empty() {
        out.push("  <none>".into());
    } else {
        out.push(format!(
            "  {:<8} {:<20} {:>6}  {:<22} MESSAGE",
            "TYPE", "REASON", "AGE", "FROM"
        ));
        for e in events {
            let get = |p: &str| columns::str_at(e, p).unwrap_or("");
            let count = columns::i64_at(e, "/count").filter(|c| *c > 1);
            let age = columns::age(event_time(e), now);
            let age = match count {
                Some(c) => format!("{age} (x{c})"),
                None => age,
            };
            out.push(format!(
                "  {:<8} {:<20} {:>6}  {:<22} {}",
                get("/type"),
                get("/reason"),
                age,
                get("/source/component"),
                one_line(get("/message"), 300)
            ));
        }
    }
    out
}

fn one_line(s: &str, max: usize) -> String {
    let flat = s.replace(['\n', '\r'], " ");
    super::table::truncate(&flat, max)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Describe lines are mostly "Key:   value"; colour the keys.
fn highlight(line: &str, theme: &Theme) -> Vec<Span<'static>> {
    if !line.starts_with(' ')
        && let Some(i) = line.find(':')
    {
        return vec![
            Span::styled(line[..=i].to_string(), theme.yaml_key),
            Span::styled(line[i + 1..].to_string(), theme.base),
        ];
    }
    if line.contains(" Warning ") || line.trim_start().starts_with("Warning ") {
        return vec![Span::styled(line.to_string(), theme.warn)];
    }
    vec![Span::styled(line.to_string(), theme.base)]
}

impl View for DescribeView {
    fn title(&self) -> String {
        format!("{} describe", columns::name(&self.obj))
    }

    fn layers(&self) -> &'static [&'static str] {
        &["pager"]
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::Search, Action::Wrap, Action::Back]
    }

    fn subscriptions(&self, _scope: &Scope, subs: &mut Subscriptions) {
        subs.watches.insert(self.events_key());
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        if self.pager.act(action, cx.page) {
            Handled::Yes
        } else {
            Handled::No
        }
    }

    fn sync(&mut self, cx: &mut Cx) {
        // Follow the live object: any watched set of this kind may hold it.
        let uid = columns::uid(&self.obj);
        let mut version = 0;
        for (key, set) in &cx.store.sets {
            if std::ptr::eq(key.kind, self.kind) || key.kind == self.kind {
                version += set.version;
                if let Some(o) = set.objects.get(&uid)
                    && !Arc::ptr_eq(o, &self.obj)
                {
                    self.obj = o.clone();
                }
                // Pods are kept as projections: built into an object when
                // the pod changes.
                if let Some(p) = set.pods.get(uid.as_str())
                    && !self.pod.as_ref().is_some_and(|q| Arc::ptr_eq(p, q))
                {
                    self.obj = Arc::new(p.to_dynamic());
                    self.pod = Some(p.clone());
                }
            }
        }
        let key = self.events_key();
        version += cx.store.get(&key).map(|s| s.version).unwrap_or(0);
        if version == self.seen {
            return;
        }
        self.seen = version;
        let events = events_for(cx.store, &key, &self.obj);
        self.pager.set_lines(describe(&self.obj, &events, cx.now));
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
            Span::styled(format!(" describe {}", self.kind.kind), t.title),
            Span::styled(format!(" {} ", columns::name(&self.obj)), t.header_value),
        ];
        self.pager.render(title, highlight, t, area, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
