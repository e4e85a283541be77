//! What a deployed model is asked and what it answered, as data: the
//! protocol and path of a request (by its top-level key), the example
//! request, and the answer read into words (status, latency, the body's
//! message for an error, whether it is a response of the protocol asked).

use serde_json::{Value, json};

use crate::kube::errors::ApiFailure;

/// The iris example request shipped with the models.
const IRIS_REQUEST: &str = include_str!("../../../assets/models/iris_logreg.input.json");

/// Which protocol a request speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    V1,
    V2,
}

/// The path a request goes to, by its top-level key.
pub fn route(model: &str, request: &str) -> Result<(Protocol, String), String> {
    let v: Value =
        serde_json::from_str(request).map_err(|e| format!("the request is not JSON: {e}"))?;
    if v.get("instances").is_some() {
        Ok((Protocol::V1, format!("/v1/models/{model}:predict")))
    } else if v.get("inputs").is_some() {
        Ok((Protocol::V2, format!("/v2/models/{model}/infer")))
    } else {
        Err("the request is neither KServe v1 (\"instances\") nor Open Inference Protocol v2 (\"inputs\")".into())
    }
}

/// The example request in the service's protocol.
pub fn example_request(v2: bool) -> String {
    let v1: Value = serde_json::from_str(IRIS_REQUEST).unwrap_or_else(|_| json!({"instances": []}));
    if !v2 {
        return serde_json::to_string_pretty(&v1).unwrap_or_default();
    }
    let rows: Vec<Value> = v1
        .get("instances")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let data: Vec<Value> = rows
        .iter()
        .flat_map(|r| r.as_array().cloned().unwrap_or_default())
        .collect();
    serde_json::to_string_pretty(&json!({"inputs": [{
        "name": "features", "datatype": "FP32", "shape": [rows.len(), 4], "data": data}]}))
    .unwrap_or_default()
}

/// What a service answered, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// HTTP status; `None` when no answer came (timeout, connection).
    pub status: Option<u16>,
    pub latency_ms: Option<f64>,
    /// One line: "ok", or why not.
    pub summary: String,
    /// The body, pretty-printed when it is JSON.
    pub body: Vec<String>,
    pub ok: bool,
    /// The body as JSON, when it is.
    pub json: Option<Value>,
}

impl Answer {
    /// A request that was not sent, and why.
    pub fn unsent(why: impl Into<String>) -> Answer {
        Answer {
            status: None,
            latency_ms: None,
            summary: why.into(),
            body: Vec::new(),
            ok: false,
            json: None,
        }
    }
}

/// The message an error body carries: KServe's `{"error": …}`, a
/// Kubernetes Status `message`, an HTML page's title and text, or the text.
pub fn body_message(body: &str) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        for key in ["error", "message", "detail"] {
            if let Some(m) = v.get(key).and_then(Value::as_str) {
                return m.to_string();
            }
        }
        return v.to_string().chars().take(200).collect();
    }
    if body.trim_start().starts_with('<') {
        let mut text = String::new();
        let mut in_tag = false;
        for c in body.chars() {
            match c {
                '<' => {
                    in_tag = true;
                    text.push(' ');
                }
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        let words: Vec<&str> = text.split_whitespace().collect();
        return format!(
            "(HTML) {}",
            words.join(" ").chars().take(200).collect::<String>()
        );
    }
    body.trim().chars().take(200).collect()
}

/// Reads the service proxy's answer.
pub fn answer(protocol: Protocol, result: &Result<Value, ApiFailure>) -> Answer {
    let v = match result {
        Ok(v) => v,
        Err(e) => {
            return Answer {
                status: e.code,
                summary: format!("no answer: {}", e.message),
                ..Answer::unsent("")
            };
        }
    };
    let status = v.get("status").and_then(Value::as_u64).map(|s| s as u16);
    let latency_ms = v.get("latency_ms").and_then(Value::as_f64);
    let body = v.get("body").and_then(Value::as_str).unwrap_or_default();
    let parsed = serde_json::from_str::<Value>(body).ok();
    let lines: Vec<String> = match &parsed {
        Some(j) => serde_json::to_string_pretty(j)
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect(),
        None => body.lines().map(String::from).collect(),
    };
    let code = status.unwrap_or(0);
    let (ok, summary) = if !(200..300).contains(&code) {
        (false, format!("HTTP {code}: {}", body_message(body)))
    } else {
        let want = match protocol {
            Protocol::V1 => "predictions",
            Protocol::V2 => "outputs",
        };
        match &parsed {
            Some(j) if j.get(want).is_some() => (true, format!("HTTP {code} OK")),
            _ => (
                false,
                format!(
                    "HTTP {code}, but the answer has no \"{want}\": not a {} response",
                    if protocol == Protocol::V1 {
                        "KServe v1"
                    } else {
                        "v2"
                    }
                ),
            ),
        }
    };
    Answer {
        status,
        latency_ms,
        summary,
        body: lines,
        ok,
        json: parsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_messages() {
        assert_eq!(
            route("m", r#"{"instances": []}"#).map(|r| r.1),
            Ok("/v1/models/m:predict".to_string())
        );
        assert_eq!(
            route("m", &example_request(true)).map(|r| r.0),
            Ok(Protocol::V2)
        );
        assert!(route("m", "{").is_err());
        assert!(route("m", r#"{"x": 1}"#).unwrap_err().contains("neither"));
        assert_eq!(body_message(r#"{"error": "boom"}"#), "boom");
        assert_eq!(
            body_message("<html><title>500</title><p>bad  thing</p></html>"),
            "(HTML) 500 bad thing"
        );
    }
}
