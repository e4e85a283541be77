//! One-shot requests: create, patch, delete, get, and SelfSubjectAccessReview.
//! Each has a time limit so a hung server becomes a message, not a frozen action.

use std::time::Duration;

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::Client;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::Value;

use super::errors::ApiFailure;
use super::kinds::Kind;
use super::types::{Access, AccessKey, ApiOp, PatchBody};

const TIME_LIMIT: Duration = Duration::from_secs(30);

fn api(client: Client, kind: &Kind, namespace: Option<&str>) -> Api<DynamicObject> {
    let ar = kind.api_resource();
    match namespace {
        Some(ns) if kind.namespaced => Api::namespaced_with(client, ns, &ar),
        _ => Api::all_with(client, &ar),
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, ApiFailure> {
    serde_json::to_value(v).map_err(|e| ApiFailure::local("BadResponse", e.to_string()))
}

/// Performs `op`; the answer is the object the server returned.
pub async fn perform(client: Client, op: ApiOp) -> Result<Value, ApiFailure> {
    match tokio::time::timeout(TIME_LIMIT, perform_inner(client, op)).await {
        Ok(r) => r,
        Err(_) => Err(ApiFailure::local(
            "Timeout",
            format!(
                "the API server did not answer within {}s",
                TIME_LIMIT.as_secs()
            ),
        )),
    }
}

async fn perform_inner(client: Client, op: ApiOp) -> Result<Value, ApiFailure> {
    match op {
        ApiOp::Create {
            kind,
            namespace,
            body,
            dry_run,
        } => {
            let obj: DynamicObject = serde_json::from_value(body)
                .map_err(|e| ApiFailure::local("Invalid", format!("not a valid object: {e}")))?;
            let pp = PostParams {
                dry_run,
                ..PostParams::default()
            };
            let created = api(client, kind, namespace.as_deref())
                .create(&pp, &obj)
                .await?;
            to_value(&created)
        }
        ApiOp::Patch {
            target,
            patch,
            dry_run,
        } => {
            let pp = PatchParams {
                dry_run,
                ..PatchParams::default()
            };
            let api = api(client, target.kind, target.namespace.as_deref());
            let patched = match patch {
                PatchBody::Merge(v) => api.patch(&target.name, &pp, &Patch::Merge(v)).await?,
                PatchBody::Json(v) => {
                    let ops: json_patch::Patch = serde_json::from_value(v).map_err(|e| {
                        ApiFailure::local("Invalid", format!("not a JSON patch: {e}"))
                    })?;
                    api.patch(&target.name, &pp, &Patch::<()>::Json(ops))
                        .await?
                }
            };
            to_value(&patched)
        }
        ApiOp::Delete { target, dry_run } => {
            let dp = DeleteParams {
                dry_run,
                ..DeleteParams::default()
            };
            let res = api(client, target.kind, target.namespace.as_deref())
                .delete(&target.name, &dp)
                .await?;
            match res {
                either::Either::Left(obj) => to_value(&obj),
                either::Either::Right(status) => to_value(&status),
            }
        }
        ApiOp::Get { target } => {
            let obj = api(client, target.kind, target.namespace.as_deref())
                .get(&target.name)
                .await?;
            to_value(&obj)
        }
        ApiOp::Proxy {
            namespace,
            service,
            port,
            method,
            path,
            body,
        } => super::kfp::request(client, &namespace, &service, port, method, &path, body).await,
        ApiOp::Ingress {
            url,
            login,
            method,
            path,
            body,
        } => super::dex::request(&url, &login, method, &path, body).await,
        ApiOp::DexLogin {
            url,
            login,
            password,
        } => super::dex::login_typed(&url, &login, &password).await,
        ApiOp::ServiceProxy {
            namespace,
            service,
            port,
            path,
            body,
        } => service_proxy(client, &namespace, &service, port.as_deref(), &path, body).await,
    }
}

/// The longest a proxied service request may take.
pub const PROXY_TIME_LIMIT: Duration = Duration::from_secs(10);

/// POSTs `body` to `path` of a Service through the API server's service
/// proxy and returns the answer as data: `{status, content_type, body,
/// latency_ms}`. Only a failure to get any answer is an error.
pub async fn service_proxy(
    client: Client,
    namespace: &str,
    service: &str,
    port: Option<&str>,
    path: &str,
    body: String,
) -> Result<Value, ApiFailure> {
    let target = match port {
        Some(p) => format!("{service}:{p}"),
        None => service.to_string(),
    };
    let uri = format!(
        "/api/v1/namespaces/{namespace}/services/{target}/proxy{}",
        if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        }
    );
    let req = http::Request::post(uri)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(kube::client::Body::from(body.into_bytes()))
        .map_err(|e| ApiFailure::local("Invalid", e.to_string()))?;
    let started = std::time::Instant::now();
    let answer = async {
        let resp = client.send(req).await?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = resp.into_body().collect_bytes().await?;
        Ok::<_, kube::Error>((status, content_type, bytes))
    };
    let (status, content_type, bytes) = match tokio::time::timeout(PROXY_TIME_LIMIT, answer).await {
        Ok(r) => r?,
        Err(_) => {
            return Err(ApiFailure::local(
                "Timeout",
                format!(
                    "service {namespace}/{service} did not answer within {}s",
                    PROXY_TIME_LIMIT.as_secs()
                ),
            ));
        }
    };
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(serde_json::json!({
        "status": status,
        "content_type": content_type,
        "body": String::from_utf8_lossy(&bytes),
        "latency_ms": latency_ms,
    }))
}

/// Asks the server whether the current user may `verb` the kind there.
pub async fn review(client: Client, key: &AccessKey) -> Access {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                group: Some(key.kind.group.to_string()),
                resource: Some(key.kind.resource().to_string()),
                verb: Some(key.verb.to_string()),
                namespace: key.namespace.clone(),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(client);
    let where_ = key
        .namespace
        .as_deref()
        .map(|ns| format!(" in {ns}"))
        .unwrap_or_default();
    let fallback = format!("you may not {} {}{where_}", key.verb, key.kind.plural);
    match tokio::time::timeout(TIME_LIMIT, api.create(&PostParams::default(), &review)).await {
        Ok(Ok(r)) => match r.status {
            Some(s) if s.allowed => Access::Allowed,
            Some(s) => Access::Denied(match s.reason.filter(|r| !r.is_empty()) {
                Some(reason) => format!("{fallback} ({reason})"),
                None => fallback,
            }),
            None => Access::Allowed,
        },
        // A server that cannot answer reviews should not disable actions; the
        // request itself will say no if it has to.
        Ok(Err(e)) => {
            tracing::info!(
                "access review for {} {} failed: {e}",
                key.verb,
                key.kind.plural
            );
            Access::Allowed
        }
        Err(_) => Access::Allowed,
    }
}
