//! The Istio ingress gateway in front of InferenceServices, on the
//! emulator's own port: a request whose `Host` header is the host of an
//! InferenceService's `status.url` (`{name}.{namespace}.example.com`)
//! reaches that service's predictor, as KServe's VirtualService routes it,
//! once it carries credentials the gateway accepts: the Dex session cookie
//! (`authservice_session`) or a bearer token of a demo user. Without
//! either it redirects to the Dex login, as Kubeflow's authservice does;
//! a token it does not know is Istio's 401.

use axum::extract::Request;
use axum::http::header;
use axum::response::Response;
use serde_json::Value;

use super::{ProxyContext, ProxyRequest, ServiceTarget, reply};
use crate::resources;
use crate::server::SharedState;

fn host(headers: &axum::http::HeaderMap) -> Option<String> {
    let h = headers.get(header::HOST)?.to_str().ok()?;
    let h = h.rsplit_once(':').map(|(h, _)| h).unwrap_or(h);
    Some(h.to_ascii_lowercase())
}

fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.split(['/', ':']).next()
}

/// The InferenceService whose URL's host is `host`.
fn isvc_for_host(state: &SharedState, host: &str) -> Option<Value> {
    state.store.read(|v| {
        v.values(&resources::INFERENCE_SERVICE, None)
            .into_iter()
            .find(|o| {
                o.pointer("/status/url")
                    .and_then(Value::as_str)
                    .and_then(url_host)
                    .is_some_and(|h| h.eq_ignore_ascii_case(host))
            })
    })
}

/// Whether this request is for an InferenceService's host.
pub fn claims(state: &SharedState, headers: &axum::http::HeaderMap) -> bool {
    match host(headers) {
        Some(h) if h.ends_with(".example.com") => isvc_for_host(state, &h).is_some(),
        _ => false,
    }
}

/// Serves one request through the gateway.
pub async fn serve(state: SharedState, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Some(isvc) = host(&parts.headers).and_then(|h| isvc_for_host(&state, &h)) else {
        return reply(404, "text/plain", "");
    };
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").map(str::trim).map(String::from));
    match bearer {
        Some(token) => {
            if crate::auth::user_for_token(&token).is_none() {
                return reply(401, "text/plain", "Jwt verification fails");
            }
        }
        None => {
            if super::dex::session_user(&parts.headers).is_none() {
                let mut r = reply(302, "text/html", "<a href=\"/dex/auth\">Found</a>");
                r.headers_mut().insert(
                    header::LOCATION,
                    axum::http::HeaderValue::from_static(
                        "/dex/auth?client_id=kubeflow-oidc-authservice&response_type=code",
                    ),
                );
                return r;
            }
        }
    }
    let ns = isvc
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let name = isvc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let svc_name = format!("{name}-predictor");
    let Some(service) = state.store.read(|v| {
        v.get(&resources::SERVICE, Some(&ns), &svc_name)
            .map(|o| o.value())
    }) else {
        return reply(503, "text/plain", "no healthy upstream");
    };
    let Some(port) = super::find_port(&service, None) else {
        return reply(503, "text/plain", "no healthy upstream");
    };
    let target = ServiceTarget {
        namespace: ns,
        name: svc_name,
        service,
        port,
    };
    let ctx = ProxyContext {
        store: state.store.clone(),
        clock: state.clock,
        seed: state.seed,
    };
    let Some(backend) = state.services.find(&ctx, &target) else {
        return reply(503, "text/plain", "no healthy upstream");
    };
    let body = axum::body::to_bytes(body, 3 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let req = ProxyRequest {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(String::from),
        headers: parts.headers,
        body,
    };
    backend.handle(ctx, target, req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            url_host("http://sklearn-iris.ml-research.example.com"),
            Some("sklearn-iris.ml-research.example.com")
        );
        assert_eq!(url_host("https://a.b:8443/x"), Some("a.b"));
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            header::HOST,
            axum::http::HeaderValue::from_static("A.b.example.com:8080"),
        );
        assert_eq!(host(&h).as_deref(), Some("a.b.example.com"));
    }
}
