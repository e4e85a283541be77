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
use super::proxy;
use super::types::{Access, AccessKey, ApiOp, PatchBody, ProxyAnswer};

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
            answer,
        } => match answer {
            ProxyAnswer::Json => {
                super::kfp::request_at(
                    client,
                    &namespace,
                    &service,
                    port.as_deref(),
                    method,
                    &path,
                    body,
                )
                .await
            }
            ProxyAnswer::Raw { limit } => {
                let req = proxy::ServiceRequest {
                    namespace: &namespace,
                    service: &service,
                    port: port.as_deref(),
                    method,
                    path: &path,
                    body: body.as_ref(),
                };
                proxy::service(client, req, limit).await
            }
        },
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
        ApiOp::Gateway {
            url,
            host,
            auth,
            method,
            path,
            body,
            limit,
        } => {
            let req = proxy::GatewayRequest {
                url: &url,
                host: &host,
                auth: &auth,
                method,
                path: &path,
                body: body.as_ref(),
            };
            proxy::gateway(req, limit).await
        }
        ApiOp::CrdSchema { kind, cache } => super::crd::schema(client, kind, &cache).await,
    }
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
