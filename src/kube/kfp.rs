//! The KFP REST API (v2beta1), reached through the API server's service
//! proxy to the `ml-pipeline` Service with the user's kube credentials:
//! the requests the runs screens make, and the one place they are sent.

use kube::Client;
use serde_json::Value;

use super::errors::ApiFailure;
use super::types::{ApiOp, ProxyAnswer};

/// Where the KFP API server is: namespace, Service and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub namespace: String,
    pub service: String,
    pub port: u16,
    /// When set, the requests go through the Kubeflow endpoint after a Dex
    /// login instead of the service proxy.
    pub ingress: Option<Ingress>,
}

/// The Kubeflow endpoint URL and the Dex login name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingress {
    pub url: String,
    pub login: String,
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint {
            namespace: "kubeflow".into(),
            service: "ml-pipeline".into(),
            port: 8888,
            ingress: None,
        }
    }
}

impl Endpoint {
    /// "ml-pipeline.kubeflow:8888", for saying which source is in use.
    pub fn label(&self) -> String {
        match &self.ingress {
            Some(i) => format!("{}/pipeline", i.url.trim_end_matches('/')),
            None => format!("{}.{}:{}", self.service, self.namespace, self.port),
        }
    }

    /// Which path the requests take, for the source line.
    pub fn via(&self) -> String {
        match &self.ingress {
            Some(i) => format!("Kubeflow endpoint, Dex login as {}", i.login),
            None => "service proxy".into(),
        }
    }

    fn op(&self, method: &'static str, path: String, body: Option<Value>) -> ApiOp {
        if let Some(i) = &self.ingress {
            return ApiOp::Ingress {
                url: i.url.clone(),
                login: i.login.clone(),
                method,
                path,
                body,
            };
        }
        ApiOp::Proxy {
            namespace: self.namespace.clone(),
            service: self.service.clone(),
            port: Some(self.port.to_string()),
            method,
            path,
            body,
            answer: ProxyAnswer::Json,
        }
    }

    pub fn list_runs(&self, namespace: &str) -> ApiOp {
        self.op(
            "GET",
            format!(
                "/apis/v2beta1/runs?namespace={}&page_size=1000",
                enc(namespace)
            ),
            None,
        )
    }

    pub fn list_experiments(&self, namespace: &str) -> ApiOp {
        self.op(
            "GET",
            format!(
                "/apis/v2beta1/experiments?namespace={}&page_size=1000",
                enc(namespace)
            ),
            None,
        )
    }

    pub fn list_pipelines(&self, namespace: &str) -> ApiOp {
        self.op(
            "GET",
            format!(
                "/apis/v2beta1/pipelines?namespace={}&page_size=1000",
                enc(namespace)
            ),
            None,
        )
    }

    pub fn list_versions(&self, pipeline_id: &str) -> ApiOp {
        self.op(
            "GET",
            format!("/apis/v2beta1/pipelines/{}/versions", enc(pipeline_id)),
            None,
        )
    }

    /// `runs/{id}:terminate`, `:retry`, `:archive`, `:unarchive`.
    pub fn run_action(&self, run_id: &str, verb: &str) -> ApiOp {
        self.op(
            "POST",
            format!("/apis/v2beta1/runs/{}:{verb}", enc(run_id)),
            Some(Value::Object(serde_json::Map::new())),
        )
    }

    pub fn delete_run(&self, run_id: &str) -> ApiOp {
        self.op(
            "DELETE",
            format!("/apis/v2beta1/runs/{}", enc(run_id)),
            None,
        )
    }

    pub fn create_run(&self, run: Value) -> ApiOp {
        self.op("POST", "/apis/v2beta1/runs".into(), Some(run))
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Sends one request through the service proxy; the answer must be JSON.
pub async fn request(
    client: Client,
    namespace: &str,
    service: &str,
    port: u16,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<Value, ApiFailure> {
    let port = port.to_string();
    request_at(client, namespace, service, Some(&port), method, path, body).await
}

/// [`request`] with the port by name or number (`None`: the first).
pub async fn request_at(
    client: Client,
    namespace: &str,
    service: &str,
    port: Option<&str>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<Value, ApiFailure> {
    let uri = super::proxy::proxy_uri(namespace, service, port, path);
    let port = port.unwrap_or_default();
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let req = http::Request::builder()
        .method(method)
        .uri(&uri)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT, "application/json")
        .body(bytes)
        .map_err(|e| ApiFailure::local("Invalid", e.to_string()))?;
    let text = client
        .request_text(req)
        .await
        .map_err(|e| in_words(ApiFailure::from(e), service, namespace, port))?;
    parse(service, namespace, port, &text)
}

/// A failure through the service proxy, said of the service rather than
/// of the API server (a 503 there means the service has no ready pod).
fn in_words(
    f: ApiFailure,
    service: &str,
    namespace: &str,
    port: impl std::fmt::Display,
) -> ApiFailure {
    let at = format!("{service}.{namespace}:{port}");
    let message = match f.code {
        Some(503) => format!(
            "{at} is not reachable through the service proxy ({})",
            f.message
        ),
        Some(404) => format!("{at} does not serve this ({})", f.message),
        Some(401 | 403) => format!("{at} refused the request: {}", f.message),
        Some(c) if c >= 500 => format!("{at} failed ({})", f.message),
        _ => f.message.clone(),
    };
    ApiFailure { message, ..f }
}

/// The JSON of an answer, or a plain message when it is not JSON (an HTML
/// login page, a proxy's error page).
pub fn parse(
    service: &str,
    namespace: &str,
    port: impl std::fmt::Display,
    text: &str,
) -> Result<Value, ApiFailure> {
    if text.trim().is_empty() {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_str(text).map_err(|_| {
        let looks = if text.trim_start().starts_with('<') {
            "an HTML page"
        } else {
            "text"
        };
        let head: String = text.trim().chars().take(80).collect();
        ApiFailure::local(
            "BadResponse",
            format!("{service}.{namespace}:{port} answered with {looks}, not JSON: {head}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_text_answers_are_named() {
        let e = parse(
            "ml-pipeline",
            "kubeflow",
            8888,
            "<html><body>Sign in</body></html>",
        )
        .expect_err("not JSON");
        assert!(e.to_string().contains("an HTML page, not JSON"), "{e}");
        assert!(parse("s", "n", 1, "{\"runs\": []}").is_ok());
        assert!(parse("s", "n", 1, "").is_ok());
        let op = Endpoint::default().run_action("a b", "retry");
        assert!(
            matches!(op, ApiOp::Proxy { ref path, .. } if path == "/apis/v2beta1/runs/a+b:retry")
        );
    }
}
