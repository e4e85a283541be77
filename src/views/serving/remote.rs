//! Test inference against a deployed InferenceService: the ONNX pane's
//! request format and keys (ctrl-r sends, ctrl-l clears), sent as KServe
//! v1 (`{"instances": …}` to `/v1/models/{name}:predict`) or Open
//! Inference Protocol v2 (`{"inputs": …}` to `/v2/models/{name}/infer`),
//! chosen by the request's top-level key. The request goes through the
//! API server's service proxy to the predictor Service, or, with
//! `[serving] via = "ingress"`, through the Kubeflow endpoint's Istio
//! gateway with the service's host and the Dex session (or a bearer
//! token); the header says which.
//!
//! With a local model as well (bound from the `:onnx` pane, or picked
//! here with ctrl-o), ctrl-e runs the same request on both, the local one
//! on the ONNX worker, and shows the answers side by side with the
//! differences marked. ctrl-b benchmarks the deployed model: N requests,
//! sequential or with a bounded number in flight, every answer a message.
//! An error shows its status and the body's message; the request text
//! stays as typed.

use std::any::Any;
use std::path::PathBuf;

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui_textarea::TextArea;
use serde_json::Value;

mod bench_flow;
mod via;

pub use super::answer::{Answer, Protocol, answer, body_message, example_request, route};
use super::bench::{self, RemoteBench};
use super::compare::{self, Comparison};
use crate::app::action::Action;
use crate::app::effect::{Effect, Payload};
use crate::app::line::LineInput;
use crate::app::state::State;
use crate::kube::types::GatewayAuth;
use crate::onnx::pane::{BrowseReply, PaneRequest};
use crate::onnx::{ExampleModel, LoadOptions, OnnxCommand, OnnxEvent, RunResult};
use crate::views::{Cx, Handled, View, ViewEvent};

/// Where the keys go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Editor,
    /// The local model list (ctrl-o).
    Pick,
    /// The benchmark's two fields (ctrl-b).
    BenchForm,
}

/// What the lower pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Answer,
    Compare,
    Bench,
}

/// The local model compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum LocalStatus {
    Loading,
    Ready,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Local {
    pub path: PathBuf,
    pub status: LocalStatus,
}

impl Local {
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }
}

/// One request on both models.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRun {
    pub remote_id: u64,
    pub local_id: u64,
    pub protocol: Protocol,
    pub remote: Option<Answer>,
    pub local: Option<Result<RunResult, String>>,
    pub result: Option<Comparison>,
}

/// Which path requests take, from the configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum Via {
    ServiceProxy,
    Gateway {
        url: String,
        host: String,
        auth: GatewayAuth,
    },
}

pub struct RemoteInferView {
    pub namespace: String,
    pub model: String,
    pub service: String,
    /// The InferenceService's URL (`status.url`): its host for the gateway.
    pub url: Option<String>,
    pub editor: TextArea<'static>,
    pub answer: Option<Answer>,
    /// The request in flight: (id, protocol, path).
    pending: Option<(u64, Protocol, String)>,
    /// The path of the last request sent.
    pub last_path: Option<String>,
    pub focus: Focus,
    pub pane: Pane,
    pub local: Option<Local>,
    pub examples: Vec<ExampleModel>,
    browse_id: u64,
    pub pick: usize,
    pub compare: Option<CompareRun>,
    pub bench: Option<RemoteBench>,
    bench_request: Option<(String, Value)>,
    pub bench_requests: LineInput,
    pub bench_concurrency: LineInput,
    pub bench_field: usize,
    onnx_started: bool,
}

impl RemoteInferView {
    pub fn new(namespace: &str, model: &str, v2: bool) -> RemoteInferView {
        let text = example_request(v2);
        RemoteInferView {
            namespace: namespace.to_string(),
            model: model.to_string(),
            service: format!("{model}-predictor"),
            url: None,
            editor: TextArea::new(text.lines().map(String::from).collect()),
            answer: None,
            pending: None,
            last_path: None,
            focus: Focus::Editor,
            pane: Pane::Answer,
            local: None,
            examples: Vec::new(),
            browse_id: 0,
            pick: 0,
            compare: None,
            bench: None,
            bench_request: None,
            bench_requests: LineInput::new(&bench::DEFAULT_REQUESTS.to_string()),
            bench_concurrency: LineInput::new("1"),
            bench_field: 0,
            onnx_started: false,
        }
    }

    /// With the InferenceService's URL (for the ingress path).
    pub fn with_url(mut self, url: Option<String>) -> RemoteInferView {
        self.url = url;
        self
    }

    /// With a local model to compare with, loaded when the view starts.
    pub fn with_local(mut self, path: impl Into<PathBuf>) -> RemoteInferView {
        self.local = Some(Local {
            path: path.into(),
            status: LocalStatus::Loading,
        });
        self
    }

    pub fn request_text(&self) -> String {
        self.editor.lines().join("\n")
    }

    pub fn busy(&self) -> bool {
        self.pending.is_some()
    }

    /// The request's protocol, path and JSON, or why it is not sent.
    fn prepare(&self) -> Result<(Protocol, String, Value), String> {
        let text = self.request_text();
        let (protocol, path) = route(&self.model, &text)?;
        let body: Value =
            serde_json::from_str(&text).map_err(|e| format!("the request is not JSON: {e}"))?;
        Ok((protocol, path, body))
    }

    /// Sends the request; returns its id and protocol.
    fn send_request(&mut self, cx: &mut Cx) -> Option<(u64, Protocol)> {
        let prepared = self
            .prepare()
            .and_then(|(p, path, body)| Ok((p, path.clone(), self.op(cx, &path, body)?)));
        match prepared {
            Err(why) => {
                self.answer = Some(Answer::unsent(why));
                self.pane = Pane::Answer;
                None
            }
            Ok((protocol, path, op)) => {
                let id = cx.api(op);
                self.last_path = Some(path.clone());
                self.pending = Some((id, protocol, path));
                Some((id, protocol))
            }
        }
    }

    fn send(&mut self, cx: &mut Cx) {
        if self.busy() {
            cx.info("a request is already on its way");
            return;
        }
        self.pane = Pane::Answer;
        self.send_request(cx);
    }

    fn worker(cx: &mut Cx, request: PaneRequest) {
        cx.out.effects.push(Effect::Worker(Payload::new(request)));
    }

    fn start_onnx(&mut self, cx: &mut Cx) {
        if self.onnx_started {
            return;
        }
        self.onnx_started = true;
        Self::worker(
            cx,
            PaneRequest::Engine(OnnxCommand::Init {
                library: cx.config.onnx.runtime_library.clone(),
            }),
        );
    }

    fn load_local(&mut self, path: PathBuf, cx: &mut Cx) {
        self.start_onnx(cx);
        self.local = Some(Local {
            path: path.clone(),
            status: LocalStatus::Loading,
        });
        Self::worker(
            cx,
            PaneRequest::Engine(OnnxCommand::Load {
                path,
                options: LoadOptions::default(),
            }),
        );
    }

    /// The same request on the deployed and the local model.
    fn compare(&mut self, cx: &mut Cx) {
        let Some(local) = self.local.clone() else {
            cx.error("no local model to compare with: ctrl-o picks one");
            return;
        };
        if let LocalStatus::Failed(why) = &local.status {
            cx.error(format!("the local model did not load: {why}"));
            return;
        }
        if self.busy() {
            cx.info("a request is already on its way");
            return;
        }
        let Some((remote_id, protocol)) = self.send_request(cx) else {
            return;
        };
        // The worker holds one model: load this one again (cheap when it is
        // loaded already) so the run is on it whatever the :onnx pane did.
        self.load_local(local.path.clone(), cx);
        let local_id = cx.id();
        Self::worker(
            cx,
            PaneRequest::Engine(OnnxCommand::Run {
                request_id: local_id,
                text: self.request_text(),
            }),
        );
        self.compare = Some(CompareRun {
            remote_id,
            local_id,
            protocol,
            remote: None,
            local: None,
            result: None,
        });
        self.pane = Pane::Compare;
    }

    fn finish_compare(&mut self) {
        let Some(c) = &mut self.compare else { return };
        if let (Some(remote), Some(Ok(local))) = (&c.remote, &c.local)
            && c.result.is_none()
        {
            if !remote.ok {
                return;
            }
            let r = remote
                .json
                .as_ref()
                .map(|j| compare::remote_side(c.protocol, j))
                .unwrap_or_default();
            c.result = Some(compare::compare(&compare::local_side(local), &r));
        }
    }

    fn on_onnx(&mut self, event: &OnnxEvent) -> Handled {
        match event {
            OnnxEvent::Loaded(info) => {
                if let Some(l) = &mut self.local
                    && l.path == info.path
                {
                    l.status = LocalStatus::Ready;
                }
                // The :onnx pane below may want to know too.
                Handled::No
            }
            OnnxEvent::LoadFailed { path, error } => {
                if let Some(l) = &mut self.local
                    && l.path == *path
                {
                    l.status = LocalStatus::Failed(error.to_string());
                    if let Some(c) = &mut self.compare
                        && c.local.is_none()
                    {
                        c.local = Some(Err(format!("the local model did not load: {error}")));
                    }
                }
                Handled::No
            }
            OnnxEvent::RuntimeUnavailable(why) => {
                if let Some(l) = &mut self.local {
                    l.status = LocalStatus::Failed(why.clone());
                }
                if let Some(c) = &mut self.compare
                    && c.local.is_none()
                {
                    c.local = Some(Err(why.clone()));
                }
                Handled::No
            }
            OnnxEvent::RunDone { request_id, result } => self.local_answer(*request_id, Ok(result)),
            OnnxEvent::RunFailed { request_id, error } => {
                self.local_answer(*request_id, Err(error.to_string()))
            }
            OnnxEvent::RunCancelled { request_id, reason } => {
                self.local_answer(*request_id, Err(reason.to_string()))
            }
            _ => Handled::No,
        }
    }

    fn local_answer(&mut self, id: u64, result: Result<&RunResult, String>) -> Handled {
        match &mut self.compare {
            Some(c) if c.local_id == id => {
                c.local = Some(result.cloned());
                self.finish_compare();
                Handled::Yes
            }
            _ => Handled::No,
        }
    }

    fn on_pick(&mut self, action: Action, cx: &mut Cx) -> Handled {
        let choices = self.choices(cx.recent_models);
        match action {
            Action::Up => self.pick = self.pick.saturating_sub(1),
            Action::Down => self.pick = (self.pick + 1).min(choices.len().saturating_sub(1)),
            Action::Enter => {
                if let Some(p) = choices.get(self.pick) {
                    self.load_local(PathBuf::from(p), cx);
                    self.focus = Focus::Editor;
                }
            }
            Action::Back => self.focus = Focus::Editor,
            _ => return Handled::No,
        }
        Handled::Yes
    }

    /// The local models offered: recent ones, then the shipped examples.
    pub fn choices(&self, recent: &[String]) -> Vec<String> {
        let mut out: Vec<String> = recent.to_vec();
        for e in &self.examples {
            let p = e.path.display().to_string();
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }
}

impl View for RemoteInferView {
    fn title(&self) -> String {
        format!("test {}", self.model)
    }

    fn layers(&self) -> &'static [&'static str] {
        match self.focus {
            Focus::Editor => &["isvc_test", "onnx"],
            Focus::Pick | Focus::BenchForm => &["onnx_open"],
        }
    }

    fn hints(&self) -> &'static [Action] {
        match self.focus {
            Focus::Editor => &[
                Action::Run,
                Action::Compare,
                Action::Bench,
                Action::Open,
                Action::Clear,
                Action::Back,
            ],
            Focus::Pick => &[Action::Enter, Action::Back],
            Focus::BenchForm => &[Action::Enter, Action::NextField, Action::Back],
        }
    }

    fn text_focus(&self) -> bool {
        self.focus != Focus::Pick
    }

    fn sync(&mut self, cx: &mut Cx) {
        if let Some(l) = &self.local
            && l.status == LocalStatus::Loading
            && !self.onnx_started
        {
            let path = l.path.clone();
            self.load_local(path, cx);
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        match self.focus {
            Focus::Pick => return self.on_pick(action, cx),
            Focus::BenchForm => return self.on_bench_form(action, cx),
            Focus::Editor => {}
        }
        match action {
            Action::Run => self.send(cx),
            Action::Compare => self.compare(cx),
            Action::Bench => self.open_bench_form(),
            Action::Open => {
                self.start_onnx(cx);
                self.focus = Focus::Pick;
                self.pick = 0;
                self.browse_id = cx.id();
                Self::worker(
                    cx,
                    PaneRequest::Browse {
                        id: self.browse_id,
                        partial: String::new(),
                    },
                );
            }
            Action::Cancel => match &mut self.bench {
                Some(b) if !b.finished() => b.cancelled = true,
                _ => cx.info("nothing is running"),
            },
            Action::Clear => {
                self.editor.select_all();
                self.editor.cut();
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_key(&mut self, key: KeyEvent, _cx: &mut Cx) -> Handled {
        match self.focus {
            Focus::Editor => {
                self.editor.input(key);
                Handled::Yes
            }
            Focus::BenchForm => {
                let field = if self.bench_field == 0 {
                    &mut self.bench_requests
                } else {
                    &mut self.bench_concurrency
                };
                if field.key(key) {
                    Handled::Yes
                } else {
                    Handled::No
                }
            }
            Focus::Pick => Handled::No,
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Cx) -> Handled {
        if self.focus == Focus::Editor {
            self.editor.insert_str(text);
        }
        Handled::Yes
    }

    fn on_event(&mut self, event: &ViewEvent, cx: &mut Cx) -> Handled {
        match event {
            ViewEvent::Api { id, result } => {
                let mut handled = Handled::No;
                if let Some((want, protocol, _)) = &self.pending
                    && want == id
                {
                    let a = answer(*protocol, result);
                    if let Some(c) = &mut self.compare
                        && c.remote_id == *id
                    {
                        c.remote = Some(a.clone());
                    }
                    self.answer = Some(a);
                    self.pending = None;
                    self.finish_compare();
                    handled = Handled::Yes;
                }
                let protocol = self.bench_protocol();
                if let Some(b) = &mut self.bench {
                    let a = answer(protocol, result);
                    if b.record(*id, a.status, a.ok, a.latency_ms, &a.summary) {
                        self.pump_bench(cx);
                        handled = Handled::Yes;
                    }
                }
                handled
            }
            ViewEvent::Other(payload) => {
                if let Some(e) = payload.get::<OnnxEvent>() {
                    return self.on_onnx(e);
                }
                if let Some(reply) = payload.get::<BrowseReply>()
                    && reply.id == self.browse_id
                {
                    self.examples = reply.examples.clone();
                    return Handled::Yes;
                }
                Handled::No
            }
            _ => Handled::No,
        }
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        super::render::remote(self, state, area, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
