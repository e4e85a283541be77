//! Test inference against a deployed InferenceService: the ONNX pane's
//! request format and keys (ctrl-r sends, ctrl-l clears), sent through the
//! API server's service proxy to the predictor Service. The request goes
//! as KServe v1 (`{"instances": …}` to `/v1/models/{name}:predict`) or
//! Open Inference Protocol v2 (`{"inputs": …}` to
//! `/v2/models/{name}/infer`), chosen by the request's top-level key. The
//! answer shows with its status code and latency; an error shows its
//! status and the body's message, and the request text stays as typed.

use std::any::Any;

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};
use ratatui_textarea::TextArea;
use serde_json::{Value, json};

use crate::app::action::Action;
use crate::app::state::State;
use crate::kube::errors::ApiFailure;
use crate::kube::types::ApiOp;
use crate::views::{Cx, Handled, View, ViewEvent};

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
                latency_ms: None,
                summary: format!("no answer: {}", e.message),
                body: Vec::new(),
                ok: false,
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
        match parsed {
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
    }
}

pub struct RemoteInferView {
    pub namespace: String,
    pub model: String,
    pub service: String,
    pub editor: TextArea<'static>,
    pub answer: Option<Answer>,
    /// The request in flight: (id, protocol, path).
    pending: Option<(u64, Protocol, String)>,
    /// The path of the last request sent.
    pub last_path: Option<String>,
}

impl RemoteInferView {
    pub fn new(namespace: &str, model: &str, v2: bool) -> RemoteInferView {
        let text = example_request(v2);
        RemoteInferView {
            namespace: namespace.to_string(),
            model: model.to_string(),
            service: format!("{model}-predictor"),
            editor: TextArea::new(text.lines().map(String::from).collect()),
            answer: None,
            pending: None,
            last_path: None,
        }
    }

    pub fn request_text(&self) -> String {
        self.editor.lines().join("\n")
    }

    pub fn busy(&self) -> bool {
        self.pending.is_some()
    }

    fn send(&mut self, cx: &mut Cx) {
        if self.busy() {
            cx.info("a request is already on its way");
            return;
        }
        let text = self.request_text();
        match route(&self.model, &text) {
            Err(why) => {
                self.answer = Some(Answer {
                    status: None,
                    latency_ms: None,
                    summary: why,
                    body: Vec::new(),
                    ok: false,
                });
            }
            Ok((protocol, path)) => {
                let id = cx.api(ApiOp::ServiceProxy {
                    namespace: self.namespace.clone(),
                    service: self.service.clone(),
                    port: None,
                    path: path.clone(),
                    body: text,
                });
                self.last_path = Some(path.clone());
                self.pending = Some((id, protocol, path));
            }
        }
    }
}

impl View for RemoteInferView {
    fn title(&self) -> String {
        format!("test {}", self.model)
    }

    fn layers(&self) -> &'static [&'static str] {
        &["onnx"]
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::Run, Action::Clear, Action::Back]
    }

    fn text_focus(&self) -> bool {
        true
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        match action {
            Action::Run => self.send(cx),
            Action::Clear => {
                self.editor.select_all();
                self.editor.cut();
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_key(&mut self, key: KeyEvent, _cx: &mut Cx) -> Handled {
        self.editor.input(key);
        Handled::Yes
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Cx) -> Handled {
        self.editor.insert_str(text);
        Handled::Yes
    }

    fn on_event(&mut self, event: &ViewEvent, _cx: &mut Cx) -> Handled {
        if let ViewEvent::Api { id, result } = event
            && let Some((want, protocol, _)) = &self.pending
            && want == id
        {
            self.answer = Some(answer(*protocol, result));
            self.pending = None;
            return Handled::Yes;
        }
        Handled::No
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        let [head, editor, out] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Percentage(45),
            Constraint::Min(3),
        ])
        .areas(area);
        let path = self.last_path.clone().unwrap_or_else(|| {
            route(&self.model, &self.request_text())
                .map(|r| r.1)
                .unwrap_or_else(|_| "?".into())
        });
        Paragraph::new(Line::from(vec![
            Span::styled(" POST ", t.title),
            Span::styled(path, t.header_value),
            Span::styled(
                format!(
                    " via API server service proxy → {}/{}",
                    self.namespace, self.service
                ),
                t.dim,
            ),
        ]))
        .render(head, buf);
        let mut ed = self.editor.clone();
        ed.set_block(
            Block::default()
                .borders(Borders::ALL)
                .title(" request (ctrl-r send) "),
        );
        ed.render(editor, buf);
        let mut lines: Vec<Line> = Vec::new();
        match (&self.pending, &self.answer) {
            (Some(_), _) => lines.push(Line::from(Span::styled("sending…", t.dim))),
            (None, None) => lines.push(Line::from(Span::styled(
                "ctrl-r sends the request to the deployed model",
                t.dim,
            ))),
            (None, Some(a)) => {
                let mut head = vec![Span::styled(
                    a.summary.clone(),
                    if a.ok { t.ok } else { t.error },
                )];
                if let Some(ms) = a.latency_ms {
                    head.push(Span::styled(format!("  {ms:.1} ms"), t.dim));
                }
                lines.push(Line::from(head));
                lines.extend(a.body.iter().map(|l| Line::from(l.clone())));
            }
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(" response "))
            .render(out, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
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
