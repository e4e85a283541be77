//! What the `:isvc` screens read from a KServe InferenceService
//! (serving.kserve.io/v1beta1): readiness with the failing condition's
//! reason, the predictor (model format, runtime, storage URI, protocol),
//! the traffic split between the latest and previous revision, and the
//! conditions in words.

use kube::api::DynamicObject;
use serde_json::Value;

use crate::views::table::Tone;

/// Readiness as the `Ready` condition says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ready {
    /// "True", "False" or "Unknown".
    pub status: String,
    /// The reason of the first failing condition (PredictorReady first).
    pub reason: Option<String>,
    /// Its message.
    pub message: Option<String>,
    /// The condition type that fails.
    pub failing: Option<String>,
}

impl Ready {
    pub fn is_ready(&self) -> bool {
        self.status == "True"
    }

    /// `True`, or `False (RevisionFailed)`.
    pub fn text(&self) -> String {
        match &self.reason {
            Some(r) if !self.is_ready() => format!("{} ({r})", self.status),
            _ => self.status.clone(),
        }
    }

    pub fn tone(&self) -> Tone {
        match self.status.as_str() {
            "True" => Tone::Ok,
            "False" => Tone::Error,
            _ => Tone::Warn,
        }
    }
}

fn conditions(obj: &DynamicObject) -> &[Value] {
    obj.data
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The `Ready` condition and, when it is not True, the first failing
/// condition's reason (the component conditions before `Ready`).
pub fn ready(obj: &DynamicObject) -> Ready {
    let cs = conditions(obj);
    let status = cs
        .iter()
        .find(|c| s(c, "type") == Some("Ready"))
        .and_then(|c| s(c, "status"))
        .unwrap_or("Unknown")
        .to_string();
    let mut out = Ready {
        status,
        reason: None,
        message: None,
        failing: None,
    };
    if out.is_ready() {
        return out;
    }
    let order = ["PredictorReady", "IngressReady", "Ready"];
    let failing = order
        .iter()
        .filter_map(|t| cs.iter().find(|c| s(c, "type") == Some(t)))
        .chain(cs.iter())
        .find(|c| s(c, "status") != Some("True") && s(c, "reason").is_some());
    if let Some(c) = failing {
        out.reason = s(c, "reason").map(String::from);
        out.message = s(c, "message").map(String::from);
        out.failing = s(c, "type").map(String::from);
    } else if let Some(info) = obj.data.pointer("/status/modelStatus/lastFailureInfo") {
        out.reason = s(info, "reason").map(String::from);
        out.message = s(info, "message").map(String::from);
    }
    out
}

/// The predictor's model as `format runtime storageUri` pieces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Predictor {
    pub format: Option<String>,
    pub runtime: Option<String>,
    pub storage_uri: Option<String>,
    /// `v1` or `v2` as the spec says (KServe defaults to v1).
    pub protocol: Option<String>,
}

impl Predictor {
    /// `sklearn · gs://…` for the table.
    pub fn text(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        parts.extend(self.format.as_deref());
        parts.extend(self.runtime.as_deref());
        parts.extend(self.storage_uri.as_deref());
        if parts.is_empty() {
            "-".into()
        } else {
            parts.join(" ")
        }
    }

    /// Whether requests go as Open Inference Protocol v2.
    pub fn is_v2(&self) -> bool {
        self.protocol.as_deref() == Some("v2")
    }
}

/// The predictor: the `model` form, or the older per-framework form
/// (`predictor.sklearn`, `predictor.onnx`, …).
pub fn predictor(obj: &DynamicObject) -> Predictor {
    let Some(p) = obj.data.pointer("/spec/predictor") else {
        return Predictor::default();
    };
    if let Some(m) = p.get("model") {
        return Predictor {
            format: m
                .pointer("/modelFormat/name")
                .and_then(Value::as_str)
                .map(String::from),
            runtime: s(m, "runtime").map(String::from),
            storage_uri: s(m, "storageUri").map(String::from),
            protocol: s(m, "protocolVersion").map(String::from),
        };
    }
    const FRAMEWORKS: &[&str] = &[
        "sklearn",
        "xgboost",
        "tensorflow",
        "pytorch",
        "triton",
        "onnx",
        "pmml",
        "lightgbm",
        "paddle",
        "huggingface",
    ];
    for f in FRAMEWORKS {
        if let Some(m) = p.get(*f) {
            return Predictor {
                format: Some(f.to_string()),
                runtime: s(m, "runtime").map(String::from),
                storage_uri: s(m, "storageUri").map(String::from),
                protocol: s(m, "protocolVersion").map(String::from),
            };
        }
    }
    if p.get("containers").is_some() {
        return Predictor {
            format: Some("custom".into()),
            ..Predictor::default()
        };
    }
    Predictor::default()
}

/// The predictor's traffic: `(latest percent, previous percent)`.
pub fn traffic(obj: &DynamicObject) -> Option<(i64, i64)> {
    let t = obj
        .data
        .pointer("/status/components/predictor/traffic")
        .and_then(Value::as_array)?;
    let mut latest = 0;
    let mut previous = 0;
    for e in t {
        let pct = e.get("percent").and_then(Value::as_i64).unwrap_or(0);
        if e.get("latestRevision").and_then(Value::as_bool) == Some(true) {
            latest += pct;
        } else {
            previous += pct;
        }
    }
    Some((latest, previous))
}

/// `100%` or `90% / 10% prev` for a canary.
pub fn traffic_text(obj: &DynamicObject) -> String {
    match traffic(obj) {
        None => "-".into(),
        Some((l, 0)) => format!("{l}%"),
        Some((l, p)) => format!("{l}% / {p}% prev"),
    }
}

/// The condition lines: `PredictorReady  False  RevisionFailed: message`.
pub fn condition_lines(obj: &DynamicObject) -> Vec<String> {
    let mut said: Vec<&str> = Vec::new();
    let mut out: Vec<String> = conditions(obj)
        .iter()
        .map(|c| {
            let t = s(c, "type").unwrap_or("?");
            let st = s(c, "status").unwrap_or("Unknown");
            let word = match st {
                "True" => "yes",
                "False" => "NO",
                _ => "unknown",
            };
            let mut line = format!("  {t:<28} {word}");
            if st != "True" {
                if let Some(r) = s(c, "reason") {
                    line.push_str(&format!("  {r}"));
                }
                // A message shared by several conditions is said once.
                if let Some(m) = s(c, "message") {
                    if said.contains(&m) {
                        line.push_str(" (as above)");
                    } else {
                        said.push(m);
                        line.push_str(&format!(": {m}"));
                    }
                }
            }
            line
        })
        .collect();
    if out.is_empty() {
        out.push("  (no conditions yet: the controller has not reconciled it)".into());
    }
    out
}

/// The component URLs and revisions (`predictor`, `transformer`,
/// `explainer`).
pub fn component_lines(obj: &DynamicObject) -> Vec<String> {
    let mut out = Vec::new();
    let Some(cs) = obj
        .data
        .pointer("/status/components")
        .and_then(Value::as_object)
    else {
        return vec!["  (none reported)".into()];
    };
    for (name, c) in cs {
        out.push(format!("  {name}"));
        if let Some(u) = s(c, "url") {
            out.push(format!("    url       {u}"));
        }
        if let Some(r) = s(c, "latestReadyRevision") {
            out.push(format!("    ready     {r}"));
        }
        if let Some(r) = s(c, "latestCreatedRevision") {
            out.push(format!("    created   {r}"));
        }
        if let Some(t) = c.get("traffic").and_then(Value::as_array) {
            for e in t {
                out.push(format!(
                    "    traffic   {}% {}{}",
                    e.get("percent").and_then(Value::as_i64).unwrap_or(0),
                    s(e, "revisionName").unwrap_or("?"),
                    if e.get("latestRevision").and_then(Value::as_bool) == Some(true) {
                        " (latest)"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    out
}

/// The label that selects the predictor pods.
pub fn pod_selector(name: &str) -> String {
    format!("serving.kserve.io/inferenceservice={name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> DynamicObject {
        serde_json::from_value(v).expect("object")
    }

    #[test]
    fn readiness_names_the_failing_condition() {
        let o = obj(json!({"metadata": {"name": "x"}, "status": {"conditions": [
            {"type": "IngressReady", "status": "True"},
            {"type": "PredictorReady", "status": "False", "reason": "RevisionFailed", "message": "boom"},
            {"type": "Ready", "status": "False", "reason": "RevisionFailed"},
        ]}}));
        let r = ready(&o);
        assert_eq!(r.text(), "False (RevisionFailed)");
        assert_eq!(r.failing.as_deref(), Some("PredictorReady"));
        assert_eq!(r.message.as_deref(), Some("boom"));
        let none = obj(json!({"metadata": {"name": "x"}}));
        assert_eq!(ready(&none).text(), "Unknown");
    }

    #[test]
    fn predictor_forms_and_traffic() {
        let o = obj(
            json!({"metadata": {"name": "x"}, "spec": {"predictor": {"sklearn": {"storageUri": "gs://m"}}},
            "status": {"components": {"predictor": {"traffic": [
                {"latestRevision": true, "percent": 90, "revisionName": "x-2"},
                {"latestRevision": false, "percent": 10, "revisionName": "x-1"}]}}}}),
        );
        assert_eq!(predictor(&o).text(), "sklearn gs://m");
        assert!(!predictor(&o).is_v2());
        assert_eq!(traffic_text(&o), "90% / 10% prev");
        let m = obj(
            json!({"metadata": {"name": "x"}, "spec": {"predictor": {"model": {
            "modelFormat": {"name": "onnx"}, "runtime": "triton", "protocolVersion": "v2", "storageUri": "s3://b"}}}}),
        );
        assert_eq!(predictor(&m).text(), "onnx triton s3://b");
        assert!(predictor(&m).is_v2());
        assert_eq!(traffic_text(&m), "-");
    }
}
