//! core/v1 Events as components record them (`involvedObject`, reason,
//! counts, first/last timestamps, source and reporting component).

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::clock::rfc3339;

/// What happened, to what, according to whom.
#[derive(Debug, Clone)]
pub struct EventSpec<'a> {
    pub involved: &'a Value,
    pub reason: &'a str,
    pub message: &'a str,
    /// `Normal` or `Warning`.
    pub kind: &'a str,
    pub component: &'a str,
    pub host: Option<&'a str>,
    pub field_path: Option<&'a str>,
    pub first: Timestamp,
    pub last: Timestamp,
    pub count: u32,
}

/// The Event object for `spec`, named `<object>.<suffix>`.
pub fn event(spec: &EventSpec<'_>, suffix: u64) -> Value {
    let meta = spec
        .involved
        .get("metadata")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let s = |k: &str| {
        meta.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let ns = match s("namespace") {
        n if n.is_empty() => "default".to_string(),
        n => n,
    };
    let mut involved = json!({
        "kind": spec.involved.get("kind").and_then(Value::as_str).unwrap_or_default(),
        "name": s("name"),
        "uid": s("uid"),
        "apiVersion": spec.involved.get("apiVersion").and_then(Value::as_str).unwrap_or_default(),
        "resourceVersion": s("resourceVersion"),
    });
    if let Some(m) = involved.as_object_mut() {
        if !s("namespace").is_empty() {
            m.insert("namespace".into(), json!(s("namespace")));
        }
        if let Some(fp) = spec.field_path {
            m.insert("fieldPath".into(), json!(fp));
        }
    }
    let mut source = json!({"component": spec.component});
    if let (Some(h), Some(m)) = (spec.host, source.as_object_mut()) {
        m.insert("host".into(), json!(h));
    }
    let mut ev = json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": format!("{}.{suffix:016x}", s("name")),
            "namespace": ns,
        },
        "involvedObject": involved,
        "reason": spec.reason,
        "message": spec.message,
        "source": source,
        "firstTimestamp": rfc3339(spec.first),
        "lastTimestamp": rfc3339(spec.last),
        "count": spec.count,
        "type": spec.kind,
        "reportingComponent": spec.component,
        "reportingInstance": spec.host.unwrap_or_default(),
    });
    if spec.host.is_none()
        && let Some(m) = ev.as_object_mut()
    {
        m.insert(
            "reportingInstance".into(),
            json!(format!("{}-0", spec.component)),
        );
    }
    ev
}
