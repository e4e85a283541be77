//! Effects: the I/O `update` asks for. The runtime performs them and answers
//! with messages; `update` itself never blocks or touches the outside world.

use crate::kube::types::{ApiOp, ForwardSpec};

pub use super::payload::Payload;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A one-shot API request; answered by `Msg::Api` with the same id.
    Api {
        id: u64,
        op: ApiOp,
    },
    /// Build a client for another kubeconfig context; answered by `Msg::Connected`.
    SwitchContext(String),
    /// Drop and restart every watch (after a context switch or on request).
    RestartWatches,
    /// Drop and restart these watches (ones that lived through a server
    /// outage without noticing: their connection may be dead).
    Restart(Vec<crate::kube::types::WatchKey>),
    StartForward(ForwardSpec),
    StopForward(u64),
    /// Persist the last context, namespace and view.
    SaveState,
    /// Keep what the user typed in a form, so a crash or quit cannot lose it.
    SaveDraft {
        name: String,
        text: String,
    },
    DeleteDraft {
        name: String,
    },
    /// A command for a background worker owned by a view (e.g. ONNX inference).
    Worker(Payload),
    Quit,
}
