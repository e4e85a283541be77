//! The apiserver's service proxy
//! (`/api/v1/namespaces/{ns}/services/[scheme:]{name}[:{port}]/proxy/{path}`),
//! routed to emulated in-cluster HTTP services. A service is served by the
//! first registered [`ServiceBackend`] that claims it; add a backend (the
//! KFP REST API, say) with [`ServiceRegistry::register`].

pub mod dcgm;
pub mod dex;
pub mod ingress;
pub mod jupyter;
pub mod kfp;
pub mod kserve;
pub mod prometheus;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use bytes::Bytes;
use futures::future::BoxFuture;
use serde_json::Value;

use crate::api::error::ApiError;
use crate::clock::SimClock;
use crate::ops;
use crate::resources;
use crate::server::SharedState;
use crate::store::Store;

/// The service and port a proxied request addresses.
#[derive(Debug, Clone)]
pub struct ServiceTarget {
    pub namespace: String,
    pub name: String,
    /// The Service object.
    pub service: Value,
    /// The matched `spec.ports[]` entry.
    pub port: Value,
}

impl ServiceTarget {
    /// The port number.
    pub fn port_number(&self) -> i64 {
        self.port.get("port").and_then(Value::as_i64).unwrap_or(0)
    }

    /// The port name (may be empty).
    pub fn port_name(&self) -> &str {
        self.port
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// A proxied HTTP request, as the service would receive it.
#[derive(Debug)]
pub struct ProxyRequest {
    pub method: Method,
    /// The path after `/proxy` (starts with `/`).
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// What a backend may look at while answering.
#[derive(Clone)]
pub struct ProxyContext {
    pub store: Arc<Store>,
    pub clock: SimClock,
    pub seed: u64,
}

/// An emulated in-cluster HTTP service.
pub trait ServiceBackend: Send + Sync {
    /// Whether this backend serves `target`.
    fn serves(&self, ctx: &ProxyContext, target: &ServiceTarget) -> bool;
    /// Answers one request.
    fn handle(
        &self,
        ctx: ProxyContext,
        target: ServiceTarget,
        req: ProxyRequest,
    ) -> BoxFuture<'static, Response>;
}

/// The registered backends, consulted in order.
#[derive(Clone, Default)]
pub struct ServiceRegistry {
    backends: Vec<Arc<dyn ServiceBackend>>,
}

impl ServiceRegistry {
    /// The backends the emulator ships: notebook Jupyter servers and the
    /// DCGM exporter.
    pub fn with_defaults() -> Self {
        let mut r = Self::default();
        r.register(Arc::new(jupyter::JupyterBackend));
        r.register(Arc::new(dcgm::DcgmExporterBackend));
        r.register(Arc::new(kfp::KfpBackend::default()));
        r.register(Arc::new(kserve::KServeBackend));
        r.register(Arc::new(prometheus::PrometheusBackend));
        r
    }

    /// Adds a backend (consulted after those already registered).
    pub fn register(&mut self, backend: Arc<dyn ServiceBackend>) {
        self.backends.push(backend);
    }

    fn find(&self, ctx: &ProxyContext, target: &ServiceTarget) -> Option<Arc<dyn ServiceBackend>> {
        self.backends
            .iter()
            .find(|b| b.serves(ctx, target))
            .cloned()
    }
}

/// Splits `[scheme:]name[:port]`.
fn split_target(s: &str) -> (&str, Option<&str>) {
    let parts: Vec<&str> = s.split(':').collect();
    match parts.as_slice() {
        [name] => (name, None),
        [scheme, name] if matches!(*scheme, "http" | "https") => (name, None),
        [name, port] => (name, Some(port)),
        [_, name, port, ..] => (name, Some(port)),
        [] => ("", None),
    }
}

pub(crate) fn find_port(service: &Value, port: Option<&str>) -> Option<Value> {
    let ports = service.pointer("/spec/ports").and_then(Value::as_array)?;
    match port.filter(|p| !p.is_empty()) {
        None => ports.first().cloned(),
        Some(p) => ports
            .iter()
            .find(|x| {
                x.get("name").and_then(Value::as_str) == Some(p)
                    || x.get("port")
                        .and_then(Value::as_i64)
                        .map(|n| n.to_string())
                        .as_deref()
                        == Some(p)
            })
            .cloned(),
    }
}

/// Serves a service proxy request.
pub async fn serve(
    state: SharedState,
    ns: &str,
    target: &str,
    rest: &str,
    req: Request,
) -> Result<Response, ApiError> {
    let (name, port) = split_target(target);
    let service = ops::get(&state.store, &resources::SERVICE, Some(ns), name)?.value();
    let port = find_port(&service, port).ok_or_else(|| {
        ApiError::new(
            503,
            "ServiceUnavailable",
            format!(
                "no service port {:?} found for service \"{name}\"",
                port.unwrap_or_default()
            ),
        )
    })?;
    let target = ServiceTarget {
        namespace: ns.to_string(),
        name: name.to_string(),
        service,
        port,
    };
    let ctx = ProxyContext {
        store: state.store.clone(),
        clock: state.clock,
        seed: state.seed,
    };
    let backend = state.services.find(&ctx, &target).ok_or_else(|| {
        ApiError::new(
            503,
            "ServiceUnavailable",
            format!("no endpoints available for service \"{name}\""),
        )
    })?;
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 3 * 1024 * 1024)
        .await
        .map_err(|_| ApiError::too_large())?;
    let path = if rest.is_empty() {
        "/".to_string()
    } else {
        rest.to_string()
    };
    let proxied = ProxyRequest {
        method: parts.method,
        path,
        query: parts.uri.query().map(String::from),
        headers: parts.headers,
        body,
    };
    Ok(backend.handle(ctx, target, proxied).await)
}

/// A response with a status, content type and body (for backends).
pub fn reply(code: u16, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut resp = Response::new(body.into());
    *resp.status_mut() =
        axum::http::StatusCode::from_u16(code).unwrap_or(axum::http::StatusCode::OK);
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(content_type),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn targets() {
        assert_eq!(split_target("svc"), ("svc", None));
        assert_eq!(split_target("svc:80"), ("svc", Some("80")));
        assert_eq!(split_target("http:svc:web"), ("svc", Some("web")));
        assert_eq!(split_target("https:svc"), ("svc", None));
        let svc =
            json!({"spec": {"ports": [{"name": "http", "port": 80}, {"name": "m", "port": 9400}]}});
        assert_eq!(
            find_port(&svc, Some("9400"))
                .and_then(|p| p["name"].as_str().map(String::from))
                .as_deref(),
            Some("m")
        );
        assert_eq!(
            find_port(&svc, None).map(|p| p["port"].clone()),
            Some(json!(80))
        );
        assert!(find_port(&svc, Some("nope")).is_none());
    }
}
