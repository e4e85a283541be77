//! What the app may ask of the cluster and what comes back: plain data, so the
//! pure `update` can hold it and tests can build it by hand.

use std::fmt;

use kube::api::DynamicObject;

use super::errors::FailureKind;
use super::kinds::Kind;

/// One watched collection: a kind, optionally narrowed to a namespace and
/// by label or field selectors (sent to the server, never applied locally).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WatchKey {
    pub kind: &'static Kind,
    pub namespace: Option<String>,
    pub labels: Option<String>,
    pub fields: Option<String>,
    /// Only metadata (names, labels, owners): for counting without holding
    /// whole objects.
    pub meta_only: bool,
}

impl WatchKey {
    pub fn all(kind: &'static Kind) -> WatchKey {
        WatchKey {
            kind,
            namespace: None,
            labels: None,
            fields: None,
            meta_only: false,
        }
    }

    pub fn metadata_only(mut self) -> WatchKey {
        self.meta_only = true;
        self
    }

    /// `namespace` of `None` means every namespace (and is the only choice for
    /// cluster-scoped kinds).
    pub fn in_namespace(kind: &'static Kind, namespace: Option<&str>) -> WatchKey {
        WatchKey {
            namespace: namespace.filter(|_| kind.namespaced).map(str::to_string),
            ..WatchKey::all(kind)
        }
    }

    pub fn with_labels(mut self, labels: Option<String>) -> WatchKey {
        self.labels = labels.filter(|l| !l.is_empty());
        self
    }

    pub fn with_fields(mut self, fields: Option<String>) -> WatchKey {
        self.fields = fields.filter(|f| !f.is_empty());
        self
    }
}

impl fmt::Display for WatchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.id)?;
        match &self.namespace {
            Some(ns) => write!(f, " in {ns}")?,
            None if self.kind.namespaced => f.write_str(" in all namespaces")?,
            None => {}
        }
        if let Some(l) = &self.labels {
            write!(f, " -l {l}")?;
        }
        if let Some(l) = &self.fields {
            write!(f, " --field-selector {l}")?;
        }
        if self.meta_only {
            f.write_str(" (metadata)")?;
        }
        Ok(())
    }
}

/// How a watched collection stands with the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncStatus {
    /// Listing for the first time.
    Connecting,
    /// Listed and watching.
    Live,
    /// The server no longer had the resourceVersion (410 Expired): listing
    /// again. Not a connection problem; the rows shown are being refreshed.
    Resyncing,
    /// The watch failed and is being retried with backoff; data shown is
    /// stale. `kind` tells a connection problem (refused, TLS, 401, 5xx) from
    /// one of this kind only (403: retrying will not help until someone
    /// grants access; 404: the cluster does not serve the kind).
    Retrying {
        error: String,
        attempts: u32,
        kind: FailureKind,
    },
}

impl SyncStatus {
    /// A failure that says the API server itself is in trouble.
    pub fn is_connection_failure(&self) -> bool {
        matches!(self, SyncStatus::Retrying { kind, .. } if kind.is_connection())
    }

    pub fn is_forbidden(&self) -> bool {
        matches!(
            self,
            SyncStatus::Retrying {
                kind: FailureKind::Forbidden,
                ..
            }
        )
    }
}

/// A change to a watched collection.
#[derive(Debug, Clone)]
pub enum WatchUpdate {
    /// A complete listing replaces whatever was held.
    Reset(Vec<DynamicObject>),
    /// A (re)listing starts; pages follow, then `Listed`.
    Init,
    /// About this many objects are being listed (from the list's
    /// `remainingItemCount`), for a "loading 1,500/5,019" marker.
    Expected(usize),
    /// One page of a listing.
    Page(Vec<DynamicObject>),
    /// The listing is complete: what it held replaces what was held before.
    Listed,
    Applied(DynamicObject),
    Deleted(DynamicObject),
    Status(SyncStatus),
    /// Pods, as the watcher parses them ([`super::pod::Pod`]); the variants
    /// above carrying a pod `DynamicObject` are turned into these.
    PodPage(Vec<super::pod::Pod>),
    PodApplied(super::pod::Pod),
    PodDeleted(super::pod::Pod),
}

/// An object's address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    pub kind: &'static Kind,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjRef {
    pub fn of(kind: &'static Kind, obj: &DynamicObject) -> ObjRef {
        ObjRef {
            kind,
            namespace: obj.metadata.namespace.clone(),
            name: obj.metadata.name.clone().unwrap_or_default(),
        }
    }
}

impl fmt::Display for ObjRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind.kind, self.name),
            None => write!(f, "{} {}", self.kind.kind, self.name),
        }
    }
}

/// Patch flavours the API server accepts for custom resources.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchBody {
    Merge(serde_json::Value),
    Json(serde_json::Value),
}

/// A one-shot request; the answer comes back as `Msg::Api` with the same id.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiOp {
    Create {
        kind: &'static Kind,
        namespace: Option<String>,
        body: serde_json::Value,
        dry_run: bool,
    },
    Patch {
        target: ObjRef,
        patch: PatchBody,
        dry_run: bool,
    },
    Delete {
        target: ObjRef,
        dry_run: bool,
    },
    Get {
        target: ObjRef,
    },
    /// An HTTP request to an in-cluster Service through the API server's
    /// service proxy: the KFP API (answer [`ProxyAnswer::Json`]) and the
    /// predictors of InferenceServices ([`ProxyAnswer::Raw`]).
    Proxy {
        namespace: String,
        service: String,
        /// Port name or number; `None` takes the Service's first port.
        port: Option<String>,
        method: &'static str,
        /// Path after `/proxy` (starts with `/`).
        path: String,
        body: Option<serde_json::Value>,
        answer: ProxyAnswer,
    },
    /// A KFP API request through the Kubeflow endpoint (Istio ingress)
    /// after a Dex login as `login` (see `kube::dex`).
    Ingress {
        url: String,
        login: String,
        method: &'static str,
        path: String,
        body: Option<serde_json::Value>,
    },
    /// A Dex login at the Kubeflow endpoint with a typed password; the
    /// session is kept in memory for `Ingress` requests.
    DexLogin {
        url: String,
        login: String,
        password: super::dex::Password,
    },
    /// An HTTP request to an InferenceService through the Kubeflow
    /// endpoint (Istio ingress gateway at `url`) with the service's `host`
    /// in the Host header and the gateway's credentials. The answer is as
    /// [`ProxyAnswer::Raw`]'s.
    Gateway {
        url: String,
        host: String,
        auth: GatewayAuth,
        method: &'static str,
        path: String,
        body: Option<serde_json::Value>,
        limit: std::time::Duration,
    },
    /// The `openAPIV3Schema` of `kind` from its CRD (see `kube::crd`),
    /// cached under `cache` (cluster, user and context).
    CrdSchema {
        kind: &'static Kind,
        cache: String,
    },
}

/// What a [`ApiOp::Proxy`] answers with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ProxyAnswer {
    /// The answer's JSON; a status that is not 2xx, or a body that is not
    /// JSON, is an error in words.
    Json,
    /// `{status, content_type, body, latency_ms}` whatever the status (the
    /// service's own errors are data); only no answer within `limit` (or
    /// none at all) is an error.
    Raw { limit: std::time::Duration },
}

/// The credentials an Istio ingress gateway takes.
#[derive(Debug, Clone, PartialEq)]
pub enum GatewayAuth {
    /// The Dex session of this login (see `kube::dex`).
    Dex { login: String },
    /// A bearer token, from the environment variable named.
    BearerEnv(String),
}

impl ApiOp {
    /// Words for the footer: "delete Notebook ml-research/x".
    pub fn describe(&self) -> String {
        match self {
            ApiOp::Create {
                kind,
                namespace,
                body,
                ..
            } => {
                let name = body
                    .pointer("/metadata/name")
                    .and_then(|v| v.as_str())
                    .unwrap_or("?");
                match namespace {
                    Some(ns) => format!("create {} {ns}/{name}", kind.kind),
                    None => format!("create {} {name}", kind.kind),
                }
            }
            ApiOp::Patch { target, .. } => format!("update {target}"),
            ApiOp::Delete { target, .. } => format!("delete {target}"),
            ApiOp::Get { target } => format!("read {target}"),
            ApiOp::Proxy {
                namespace,
                service,
                port,
                method,
                path,
                ..
            } => {
                let path = path.split('?').next().unwrap_or(path);
                let port = port.as_deref().map(|p| format!(":{p}")).unwrap_or_default();
                format!("{method} {service}.{namespace}{port}{path}")
            }
            ApiOp::Ingress {
                url, method, path, ..
            } => {
                let path = path.split('?').next().unwrap_or(path);
                format!("{method} {url}/pipeline{path}")
            }
            ApiOp::Gateway {
                url,
                host,
                method,
                path,
                ..
            } => format!("{method} {path} to {host} via {url}"),
            ApiOp::CrdSchema { kind, .. } => {
                format!("read the {} CRD", crate::kube::crd::crd_name(kind))
            }
            ApiOp::DexLogin { url, login, .. } => format!("Dex login at {url} as {login}"),
        }
    }
}

/// Which pod log stream to follow.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LogSpec {
    pub namespace: String,
    pub pod: String,
    pub container: Option<String>,
    pub previous: bool,
    pub tail_lines: Option<i64>,
    pub follow: bool,
}

/// Lines or the end of a log stream.
#[derive(Debug, Clone, PartialEq)]
pub enum LogUpdate {
    Lines(Vec<String>),
    Ended(Option<String>),
}

/// A permission question for SelfSubjectAccessReview.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccessKey {
    pub verb: &'static str,
    pub kind: &'static Kind,
    pub namespace: Option<String>,
}

/// The answer, with the server's reason when it says no.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Allowed,
    Denied(String),
}

/// A port-forward to a pod, listening on 127.0.0.1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardSpec {
    pub id: u64,
    pub namespace: String,
    pub pod: String,
    pub pod_port: u16,
    /// Path appended to the local URL shown to the user.
    pub path: String,
    /// What the forward is for, e.g. "notebook ml-research/jupyter-alice".
    pub label: String,
}

/// Progress of a port-forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardUpdate {
    Listening { local_port: u16 },
    Failed(String),
    Closed,
}

/// Who is talking to which cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterInfo {
    pub context: String,
    pub cluster: String,
    pub user: String,
    pub server: String,
    /// The kubeconfig's namespace for this context (or `default`).
    pub namespace: String,
    /// Every context name in the kubeconfig, for `:ctx`.
    pub contexts: Vec<String>,
}
