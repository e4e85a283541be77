//! Builds a `kube::Client` from a kubeconfig and context, and describes who is
//! connected to what, for the header and `:ctx`.

use std::path::Path;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::types::ClusterInfo;

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

/// Builds a client for `context` (the current context when `None`).
pub async fn connect(
    kubeconfig: &Kubeconfig,
    context: Option<&str>,
) -> Result<(Client, ClusterInfo), ConnectError> {
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
    let client = Client::try_from(config).map_err(|e| fail(super::errors::error_chain(&e)))?;
    Ok((client, info))
}
