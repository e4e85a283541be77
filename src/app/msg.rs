//! Messages: everything that can change the state arrives as one of these,
//! through one channel, from the terminal and from every async source.

use crossterm::event::KeyEvent;

use crate::kube::errors::ApiFailure;
use crate::kube::types::{
    Access, AccessKey, ClusterInfo, ForwardUpdate, LogSpec, LogUpdate, WatchKey, WatchUpdate,
};

// Watch updates carry whole objects; each message crosses the channel once,
// so boxing them would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    Watch(WatchKey, WatchUpdate),
    Logs(LogSpec, LogUpdate),
    Access(AccessKey, Access),
    Api {
        id: u64,
        what: String,
        result: Result<serde_json::Value, ApiFailure>,
    },
    Forward {
        id: u64,
        update: ForwardUpdate,
    },
    /// The client for a context is ready, or could not be built.
    Connected(Result<ClusterInfo, String>),
    /// What the API server's readiness probe found (sent only on change).
    Health(crate::kube::health::Readiness),
    /// Periodic redraw so ages stay current (when configured) and "stale
    /// 12s" counts (while something is stale).
    Clock,
    /// A sample of this host's GPUs (or why there are none), from the sampler.
    GpuHost(crate::gpu::HostReport),
    /// A payload for views that asked for it (ONNX worker events and the like).
    Other(super::payload::Payload),
    /// Leave now: a signal, or the terminal went away.
    Shutdown(String),
}
