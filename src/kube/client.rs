//! Builds a `kube::Client` from a kubeconfig and context, and describes who is
//! connected to what, for the header and `:ctx`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use kube::client::ClientBuilder;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::health::{Board, ObserveLayer};
use super::types::ClusterInfo;

/// A client with what the runtime needs beside it.
#[derive(Clone)]
pub struct KubeClient {
    pub client: Client,
    /// Where watches learn that the server accepted them again.
    pub board: Arc<Board>,
    /// The server URL, to name it when it cannot be reached.
    pub server: String,
}

impl std::fmt::Debug for KubeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeClient")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

/// How long to wait for a TCP connection (kube's default is 30 s).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl KubeClient {
    /// Builds the client for `config`: kube's stack without its default
    /// retry (which retries a shutting-down server's 429s for minutes), a
    /// short retry for one-shot requests only, and the watch observer.
    pub fn from_config(mut config: Config) -> Result<KubeClient, kube::Error> {
        let server = config
            .cluster_url
            .to_string()
            .trim_end_matches('/')
            .to_string();
        config.default_retry = false;
        config.connect_timeout = Some(CONNECT_TIMEOUT);
        let board = Arc::new(Board::default());
        let client = ClientBuilder::try_from(config)?
            .with_layer(&tower::buffer::BufferLayer::new(1024))
            .with_layer(&super::health::retry_layer())
            .with_layer(&ObserveLayer {
                board: board.clone(),
            })
            .build();
        Ok(KubeClient {
            client,
            board,
            server,
        })
    }
}

/// A kubeconfig that could not be used, in one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    #[error("no kubeconfig found (set KUBECONFIG, pass --kubeconfig, or try --demo)")]
    NoKubeconfig,
    #[error("cannot read kubeconfig {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("kubeconfig has no context named {0:?}")]
    NoContext(String),
    #[error("kubeconfig has no current-context; pass --context (known: {0})")]
    NoCurrentContext(String),
    #[error("cannot use context {context:?}: {reason}")]
    Config { context: String, reason: String },
}

/// Reads the kubeconfig from `path`, else `$KUBECONFIG`, else `~/.kube/config`.
pub fn load_kubeconfig(path: Option<&Path>) -> Result<Kubeconfig, ConnectError> {
    match path {
        Some(p) => Kubeconfig::read_from(p).map_err(|e| ConnectError::Read {
            path: p.display().to_string(),
            reason: super::errors::error_chain(&e),
        }),
        None => match Kubeconfig::read() {
            Ok(k) => Ok(k),
            Err(kube::config::KubeconfigError::FindPath) => Err(ConnectError::NoKubeconfig),
            Err(kube::config::KubeconfigError::ReadConfig(e, p))
                if e.kind() == std::io::ErrorKind::NotFound =>
            {
                let _ = p;
                Err(ConnectError::NoKubeconfig)
            }
            Err(e) => Err(ConnectError::Read {
                path: std::env::var("KUBECONFIG").unwrap_or_else(|_| "~/.kube/config".into()),
                reason: super::errors::error_chain(&e),
            }),
        },
    }
}

/// What the header shows for `context` of `kubeconfig` (no network).
pub fn cluster_info(
    kubeconfig: &Kubeconfig,
    context: Option<&str>,
) -> Result<ClusterInfo, ConnectError> {
    let contexts: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    let name = match context.or(kubeconfig.current_context.as_deref()) {
        Some(n) => n.to_string(),
        None => return Err(ConnectError::NoCurrentContext(contexts.join(", "))),
    };
    let ctx = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| ConnectError::NoContext(name.clone()))?;
    let inner = ctx.context.clone().unwrap_or_default();
    let server = kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == inner.cluster)
        .and_then(|c| c.cluster.as_ref())
        .and_then(|c| c.server.clone())
        .unwrap_or_default();
    Ok(ClusterInfo {
        context: name,
        cluster: inner.cluster,
        user: inner.user.unwrap_or_else(|| "-".into()),
        server,
        namespace: inner.namespace.unwrap_or_else(|| "default".into()),
        contexts,
    })
}

/// Builds a client for `context` (the current context when `None`). No
/// request is made: an unreachable server shows in the UI, not here.
pub async fn connect(
    kubeconfig: &Kubeconfig,
    context: Option<&str>,
) -> Result<(KubeClient, ClusterInfo), ConnectError> {
    let info = cluster_info(kubeconfig, context)?;
    let options = KubeConfigOptions {
        context: Some(info.context.clone()),
        cluster: None,
        user: None,
    };
    let fail = |reason: String| ConnectError::Config {
        context: info.context.clone(),
        reason,
    };
    let config = Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
        .await
        .map_err(|e| fail(super::errors::error_chain(&e)))?;
    let client =
        KubeClient::from_config(config).map_err(|e| fail(super::errors::error_chain(&e)))?;
    Ok((client, info))
}
