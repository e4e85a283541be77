//! In-cluster HTTP answered as data: a request to a Service through the
//! API server's service proxy, or to an InferenceService through the
//! Kubeflow endpoint's Istio ingress gateway (its URL's host in the Host
//! header, the Dex session cookie or a bearer token). Either way the
//! answer is `{status, content_type, body, latency_ms}` whatever the
//! status: a model server's 4xx and 5xx are what the user wants to see.
//! Only getting no answer at all (in time) is an error.

use std::time::{Duration, Instant};

use http::header;
use kube::Client;
use serde_json::Value;

use super::errors::ApiFailure;
use super::types::GatewayAuth;

/// The default longest wait for a proxied service request.
pub const TIME_LIMIT: Duration = Duration::from_secs(10);

/// A request to a Service through the service proxy.
#[derive(Debug, Clone)]
pub struct ServiceRequest<'a> {
    pub namespace: &'a str,
    pub service: &'a str,
    pub port: Option<&'a str>,
    pub method: &'a str,
    pub path: &'a str,
    pub body: Option<&'a Value>,
}

/// `/api/v1/namespaces/{ns}/services/{svc}[:{port}]/proxy{path}`.
pub fn proxy_uri(namespace: &str, service: &str, port: Option<&str>, path: &str) -> String {
    let target = match port {
        Some(p) => format!("{service}:{p}"),
        None => service.to_string(),
    };
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    format!("/api/v1/namespaces/{namespace}/services/{target}/proxy{path}")
}

fn build(
    method: &str,
    uri: &str,
    body: Option<&Value>,
    headers: &[(header::HeaderName, String)],
) -> Result<http::Request<kube::client::Body>, ApiFailure> {
    let mut b = http::Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, */*");
    for (k, v) in headers {
        b = b.header(k, v);
    }
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    b.body(kube::client::Body::from(bytes))
        .map_err(|e| ApiFailure::local("Invalid", e.to_string()))
}

struct Raw {
    status: u16,
    content_type: String,
    location: Option<String>,
    body: String,
    latency_ms: f64,
}

async fn send(
    client: &Client,
    req: http::Request<kube::client::Body>,
    limit: Duration,
    who: &str,
) -> Result<Raw, ApiFailure> {
    let started = Instant::now();
    let answer = async {
        let resp = client.send(req).await?;
        let status = resp.status().as_u16();
        let (content_type, location) = {
            let h = resp.headers();
            let get = |k: header::HeaderName| -> Option<String> {
                h.get(k).and_then(|v| v.to_str().ok()).map(String::from)
            };
            (
                get(header::CONTENT_TYPE).unwrap_or_default(),
                get(header::LOCATION),
            )
        };
        let bytes = resp.into_body().collect_bytes().await?;
        Ok::<_, kube::Error>((status, content_type, location, bytes))
    };
    let (status, content_type, location, bytes) = match tokio::time::timeout(limit, answer).await {
        Ok(r) => r.map_err(|e| {
            let f = ApiFailure::from(e);
            ApiFailure {
                message: format!("{who}: {}", f.message),
                ..f
            }
        })?,
        Err(_) => {
            return Err(ApiFailure::local(
                "Timeout",
                format!("{who} did not answer within {}s", limit.as_secs_f64()),
            ));
        }
    };
    Ok(Raw {
        status,
        content_type,
        location,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

fn as_value(r: &Raw) -> Value {
    serde_json::json!({
        "status": r.status,
        "content_type": r.content_type,
        "body": r.body,
        "latency_ms": r.latency_ms,
    })
}

/// Sends `req` through the service proxy; the answer as data.
pub async fn service(
    client: Client,
    req: ServiceRequest<'_>,
    limit: Duration,
) -> Result<Value, ApiFailure> {
    let uri = proxy_uri(req.namespace, req.service, req.port, req.path);
    let who = format!("service {}/{}", req.namespace, req.service);
    let r = send(
        &client,
        build(req.method, &uri, req.body, &[])?,
        limit,
        &who,
    )
    .await?;
    Ok(as_value(&r))
}

/// A POST of `body` to `path` of a Service through the service proxy.
pub async fn post(
    client: Client,
    namespace: &str,
    service_name: &str,
    path: &str,
    body: &Value,
) -> Result<Value, ApiFailure> {
    service(
        client,
        ServiceRequest {
            namespace,
            service: service_name,
            port: None,
            method: "POST",
            path,
            body: Some(body),
        },
        TIME_LIMIT,
    )
    .await
}

/// A request to an InferenceService through the ingress gateway.
#[derive(Debug, Clone)]
pub struct GatewayRequest<'a> {
    /// The Kubeflow endpoint URL (the gateway).
    pub url: &'a str,
    /// The InferenceService's host.
    pub host: &'a str,
    pub auth: &'a GatewayAuth,
    pub method: &'a str,
    pub path: &'a str,
    pub body: Option<&'a Value>,
}

fn gateway_client(url: &str) -> Result<Client, ApiFailure> {
    let uri: http::Uri = url
        .trim_end_matches('/')
        .parse()
        .map_err(|e| ApiFailure::local("Invalid", format!("endpoint URL {url:?}: {e}")))?;
    Client::try_from(kube::Config::new(uri))
        .map_err(|e| ApiFailure::local("Unreachable", format!("{url}: {e}")))
}

/// The host of a URL (`http://a.b.example.com/x` → `a.b.example.com`).
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.split(['/', ':'])
        .next()
        .filter(|h| !h.is_empty())
        .map(String::from)
}

/// Sends `req` through the gateway; the answer as data. A redirect to the
/// Dex login means the session expired: one fresh login, then once more.
pub async fn gateway(req: GatewayRequest<'_>, limit: Duration) -> Result<Value, ApiFailure> {
    let client = gateway_client(req.url)?;
    let url = req.url.trim_end_matches('/');
    let who = format!("{} via {url}", req.host);
    let mut renew = false;
    loop {
        let mut headers = vec![(header::HOST, req.host.to_string())];
        match req.auth {
            GatewayAuth::Dex { login } => {
                let cookie = super::dex::session_cookie(url, login, renew).await?;
                headers.push((header::COOKIE, format!("authservice_session={cookie}")));
            }
            GatewayAuth::BearerEnv(var) => {
                let token = std::env::var(var).ok().filter(|t| !t.trim().is_empty());
                let Some(token) = token else {
                    return Err(ApiFailure::local(
                        "NeedToken",
                        format!("the ingress path needs a bearer token: set {var}"),
                    ));
                };
                headers.push((header::AUTHORIZATION, format!("Bearer {}", token.trim())));
            }
        }
        let r = send(
            &client,
            build(req.method, req.path, req.body, &headers)?,
            limit,
            &who,
        )
        .await?;
        let to_login = (300..400).contains(&r.status)
            && r.location.as_deref().is_some_and(|l| l.contains("/dex/"));
        if to_login && matches!(req.auth, GatewayAuth::Dex { .. }) && !renew {
            renew = true;
            continue;
        }
        if to_login {
            return Err(ApiFailure {
                code: Some(401),
                reason: "Unauthorized".into(),
                message: format!("{who}: the gateway sent the request to the Dex login"),
                causes: Vec::new(),
            });
        }
        return Ok(as_value(&r));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_hosts() {
        assert_eq!(
            proxy_uri("ns", "svc", Some("80"), "v1/models/m:predict"),
            "/api/v1/namespaces/ns/services/svc:80/proxy/v1/models/m:predict"
        );
        assert_eq!(
            proxy_uri("ns", "svc", None, "/x"),
            "/api/v1/namespaces/ns/services/svc/proxy/x"
        );
        assert_eq!(
            url_host("http://m.ns.example.com").as_deref(),
            Some("m.ns.example.com")
        );
        assert_eq!(url_host("https://h:8443/p").as_deref(), Some("h"));
        assert_eq!(url_host(""), None);
    }
}
