//! Background workers owned by the runtime, reached through `Effect::Worker`.

use tokio::sync::mpsc::UnboundedSender;

use super::msg::Msg;
use super::payload::Payload;
use super::runtime::Worker;
use crate::onnx::pane::{BrowseReply, PaneRequest, TemplateReply};
use crate::onnx::{OnnxWorker, complete_path, shipped_examples, template};

/// Serves the ONNX pane: the inference thread (started on first use, so a
/// session that never opens the pane never loads ONNX Runtime) and the small
/// file reads the pane needs.
pub struct OnnxBridge {
    tx: UnboundedSender<Msg>,
    worker: Option<OnnxWorker>,
}

impl OnnxBridge {
    pub fn new(tx: UnboundedSender<Msg>) -> OnnxBridge {
        OnnxBridge { tx, worker: None }
    }

    fn reply<T: std::any::Any + Send + Sync>(&self, value: T) {
        let _ = self.tx.send(Msg::Other(Payload::new(value)));
    }

    fn worker(&mut self) -> Option<&OnnxWorker> {
        if self.worker.is_none() {
            let tx = self.tx.clone();
            match OnnxWorker::spawn(move |event| {
                let _ = tx.send(Msg::Other(Payload::new(event)));
            }) {
                Ok(w) => self.worker = Some(w),
                Err(e) => {
                    tracing::error!("cannot start the ONNX worker thread: {e}");
                    self.reply(crate::onnx::OnnxEvent::RuntimeUnavailable(format!(
                        "cannot start the inference thread: {e}"
                    )));
                }
            }
        }
        self.worker.as_ref()
    }
}

impl Worker for OnnxBridge {
    fn accept(&mut self, payload: &Payload) -> bool {
        let Some(request) = payload.get::<PaneRequest>() else {
            return false;
        };
        match request {
            PaneRequest::Engine(command) => {
                if let Some(w) = self.worker() {
                    w.send(command.clone());
                }
            }
            PaneRequest::Browse { id, partial } => {
                // The examples are listed only while nothing is typed.
                let (completions, examples) = if partial.is_empty() {
                    (Vec::new(), shipped_examples())
                } else {
                    (complete_path(partial), Vec::new())
                };
                self.reply(BrowseReply {
                    id: *id,
                    partial: partial.clone(),
                    completions,
                    examples,
                });
            }
            PaneRequest::Template { id, info, kind } => {
                let result = template(info, *kind).map_err(|e| e.to_string());
                self.reply(TemplateReply {
                    id: *id,
                    kind: *kind,
                    path: info.path.clone(),
                    result,
                });
            }
        }
        true
    }
}
