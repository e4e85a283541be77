//! Handlers for resource paths: maps method and path to a verb, authorises
//! it, and serves list, watch, get, create, update, patch, delete,
//! deletecollection and the subresources.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::respond;
use super::state::SharedState;
use crate::api::error::ApiError;
use crate::api::negotiate::{self, Format};
use crate::api::path::ResourcePath;
use crate::api::query::Query;
use crate::api::render;
use crate::api::watch::{self, WatchRequest, WatchStart};
use crate::auth::rbac::{self, Attributes};
use crate::auth::{User, reviews};
use crate::ops::{self, DeleteOptions, Deleted, ListOptions, Target, WriteOptions};
use crate::patch::{self, PatchType};
use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::{logs, portforward, proxy};

/// The apiserver's request body limit.
const MAX_BODY: usize = 3 * 1024 * 1024;
/// The default watch timeout (kube-apiserver picks 30–60 minutes).
const DEFAULT_WATCH_TIMEOUT: Duration = Duration::from_secs(1800);

/// Serves a request addressed to a resource.
pub async fn handle(state: SharedState, user: User, rp: ResourcePath, req: Request) -> Response {
    match serve(state, user, rp, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn verb(method: &Method, rp: &ResourcePath, query: &Query) -> Result<&'static str, ApiError> {
    let sub = rp.subresource.as_deref();
    Ok(match (method, rp.name.is_some(), sub) {
        (&Method::GET, _, Some("portforward")) | (&Method::POST, _, Some("portforward")) => {
            "create"
        }
        (&Method::GET, false, _) if query.flag("watch")? => "watch",
        (&Method::GET, false, _) => "list",
        (&Method::GET, true, _) => "get",
        (&Method::POST, false, None) => "create",
        (&Method::POST, true, Some("proxy")) => "create",
        (&Method::PUT, true, _) => "update",
        (&Method::PATCH, true, _) => "patch",
        (&Method::DELETE, true, _) => "delete",
        (&Method::DELETE, false, None) => "deletecollection",
        _ => return Err(ApiError::method_not_allowed()),
    })
}

async fn read_body(body: Body) -> Result<bytes::Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| ApiError::too_large())
}

fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
    })
}

fn format_for(headers: &HeaderMap, query: &Query) -> Result<Format, ApiError> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    negotiate::negotiate(accept, query.get("includeObject"), false)
}

async fn serve(
    state: SharedState,
    user: User,
    rp: ResourcePath,
    req: Request,
) -> Result<Response, ApiError> {
    let (mut parts, body) = req.into_parts();
    let query = Query::parse(parts.uri.query());
    let verb = verb(&parts.method, &rp, &query)?;
    if rp.rt.virtual_create_only && !(verb == "create" && rp.name.is_none()) {
        return Err(ApiError::method_not_allowed());
    }
    let attrs = Attributes {
        verb,
        group: rp.rt.group,
        resource: rp.rt.plural,
        subresource: rp.subresource.as_deref(),
        namespace: rp.namespace.as_deref(),
        name: rp.name.as_deref(),
    };
    if !rbac::authorize(&state.store, &user, &attrs).allowed {
        return Err(attrs.forbidden(&user));
    }
    let rt = rp.rt;
    let ns = rp.namespace.as_deref();
    match (rp.subresource.as_deref(), rp.name.as_deref()) {
        (Some("log"), Some(name)) => {
            logs::serve(&state, ns.unwrap_or_default(), name, &query).await
        }
        (Some("portforward"), Some(name)) => {
            portforward::serve(
                state.clone(),
                ns.unwrap_or_default(),
                name,
                &query,
                &mut parts,
            )
            .await
        }
        (Some("proxy"), Some(name)) => {
            let req = Request::from_parts(parts, body);
            proxy::serve(state.clone(), ns.unwrap_or_default(), name, &rp.rest, req).await
        }
        (sub, name) => {
            let target = if sub == Some("status") {
                Target::Status
            } else {
                Target::Main
            };
            let body = read_body(body).await?;
            crud(
                &state, &user, rt, ns, name, target, verb, &parts, &query, &body,
            )
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn crud(
    state: &SharedState,
    user: &User,
    rt: &'static ResourceType,
    ns: Option<&str>,
    name: Option<&str>,
    target: Target,
    verb: &str,
    parts: &Parts,
    query: &Query,
    body: &[u8],
) -> Result<Response, ApiError> {
    let store = &state.store;
    match (verb, name) {
        ("list", _) => {
            let format = format_for(&parts.headers, query)?;
            let opts = list_options(rt, query)?;
            check_list_resource_version(state, query)?;
            let page = ops::list(store, rt, ns, &opts)?;
            Ok(respond::bytes(
                StatusCode::OK,
                format.content_type(),
                render::list(rt, &page, format),
            ))
        }
        ("watch", _) => {
            let format = format_for(&parts.headers, query)?;
            let req = watch_request(rt, ns, query, format)?;
            let body = watch::serve(state.watch_context(), req);
            let mut resp = Response::new(body);
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static(format.content_type()),
            );
            Ok(resp)
        }
        ("get", Some(name)) => {
            let format = format_for(&parts.headers, query)?;
            let obj = ops::get(store, rt, ns, name)?;
            Ok(respond::bytes(
                StatusCode::OK,
                format.content_type(),
                render::object(rt, &obj, format),
            ))
        }
        ("create", None) if rt.virtual_create_only => {
            let v = parse_json(body)?;
            let out = match rt.plural {
                "selfsubjectaccessreviews" => reviews::access_review(store, user, &v)?,
                "selfsubjectrulesreviews" => reviews::rules_review(store, user, &v)?,
                _ => reviews::self_review(user),
            };
            Ok(respond::json_with(StatusCode::CREATED, &out))
        }
        ("create", None) => {
            let v = parse_json(body)?;
            let obj = ops::create(store, rt, ns, v, &write_options(query)?)?;
            Ok(respond::bytes(
                StatusCode::CREATED,
                "application/json",
                obj.raw,
            ))
        }
        ("update", Some(name)) => {
            let v = parse_json(body)?;
            let obj = ops::update(store, rt, ns, name, v, target, &write_options(query)?)?;
            Ok(respond::bytes(StatusCode::OK, "application/json", obj.raw))
        }
        ("patch", Some(name)) => {
            let content_type = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let patch_type = PatchType::from_content_type(content_type, rt.custom)?;
            let patch_body = patch::parse_body(patch_type, body)?;
            let (obj, created) = ops::patch(
                store,
                rt,
                ns,
                name,
                patch_type,
                &patch_body,
                target,
                &write_options(query)?,
            )?;
            let code = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(respond::bytes(code, "application/json", obj.raw))
        }
        ("delete", Some(name)) => {
            let opts = delete_options(query, body)?;
            match ops::delete(store, rt, ns, name, &opts)? {
                Deleted::Object(o) => Ok(respond::bytes(StatusCode::OK, "application/json", o.raw)),
                Deleted::Status(s) => Ok(respond::json(&s)),
            }
        }
        ("deletecollection", None) => {
            let opts = delete_options(query, body)?;
            let list_opts = list_options(rt, query)?;
            let page = ops::list(store, rt, ns, &list_opts)?;
            let mut deleted = Vec::new();
            for item in &page.items {
                let item_ns = item.meta.namespace.as_deref();
                match ops::delete(store, rt, item_ns, &item.meta.name, &opts) {
                    Ok(Deleted::Object(o)) => deleted.push(o),
                    Ok(Deleted::Status(_)) => deleted.push(item.clone()),
                    Err(e) if e.code == 404 => {}
                    Err(e) => return Err(e),
                }
            }
            let page = ops::ListPage {
                items: deleted,
                resource_version: store.resource_version(),
                continue_token: None,
                remaining_item_count: None,
            };
            Ok(respond::bytes(
                StatusCode::OK,
                "application/json",
                render::list(rt, &page, Format::Json),
            ))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

fn selector_error(e: crate::selectors::SelectorError) -> ApiError {
    ApiError::bad_request(e.to_string())
}

fn selectors(rt: &ResourceType, query: &Query) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let label = LabelSelector::parse(query.get("labelSelector").unwrap_or_default())
        .map_err(selector_error)?;
    let field = FieldSelector::parse(query.get("fieldSelector").unwrap_or_default(), rt)
        .map_err(selector_error)?;
    Ok((label, field))
}

fn list_options(rt: &ResourceType, query: &Query) -> Result<ListOptions, ApiError> {
    let (label, field) = selectors(rt, query)?;
    let continue_token = query
        .get("continue")
        .filter(|c| !c.is_empty())
        .map(String::from);
    if continue_token.is_some()
        && query
            .get("resourceVersion")
            .is_some_and(|rv| !rv.is_empty())
    {
        return Err(ApiError::bad_request(
            "specifying resource version is not allowed when using continue",
        ));
    }
    Ok(ListOptions {
        label,
        field,
        limit: query.int("limit")?.and_then(|l| usize::try_from(l).ok()),
        continue_token,
    })
}

fn parse_rv(rv: &str) -> Result<u64, ApiError> {
    rv.parse::<u64>().map_err(|_| {
        ApiError::bad_request(format!(
            "invalid resource version \"{rv}\": must be a non-negative integer"
        ))
    })
}

fn check_list_resource_version(state: &SharedState, query: &Query) -> Result<(), ApiError> {
    let rv = query.get("resourceVersion").filter(|s| !s.is_empty());
    let rv_match = query.get("resourceVersionMatch").filter(|s| !s.is_empty());
    match (rv, rv_match) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(ApiError::bad_request(
            "resourceVersionMatch is forbidden unless resourceVersion is provided",
        )),
        (Some(rv), Some("Exact")) => {
            let rv = parse_rv(rv)?;
            if rv < state.store.history_floor() {
                Err(ApiError::gone(format!(
                    "too old resource version: {rv} ({})",
                    state.store.history_floor()
                )))
            } else if rv > state.store.resource_version() {
                Err(ApiError::new(
                    504,
                    "Timeout",
                    format!(
                        "Too large resource version: {rv}, current: {}",
                        state.store.resource_version()
                    ),
                ))
            } else {
                Ok(())
            }
        }
        (Some(rv), Some("NotOlderThan") | None) => parse_rv(rv).map(|_| ()),
        (Some(_), Some(other)) => Err(ApiError::bad_request(format!(
            "resourceVersionMatch: Unsupported value: \"{other}\": supported values: \"Exact\", \"NotOlderThan\""
        ))),
    }
}

fn watch_request(
    rt: &'static ResourceType,
    ns: Option<&str>,
    query: &Query,
    format: Format,
) -> Result<WatchRequest, ApiError> {
    let (label, field) = selectors(rt, query)?;
    let bookmarks = query.flag("allowWatchBookmarks")?;
    let send_initial = query.flag("sendInitialEvents")?;
    if send_initial && !bookmarks {
        return Err(ApiError::bad_request(
            "sendInitialEvents requires setting allowWatchBookmarks to true",
        ));
    }
    let start = match query.get("resourceVersion").filter(|s| !s.is_empty()) {
        None | Some("0") => WatchStart::Initial {
            end_bookmark: send_initial,
        },
        Some(_) if send_initial => WatchStart::Initial { end_bookmark: true },
        Some(rv) => WatchStart::After(parse_rv(rv)?),
    };
    Ok(WatchRequest {
        rt,
        namespace: ns.map(String::from),
        label,
        field,
        start,
        bookmarks,
        timeout: query.timeout()?.unwrap_or(DEFAULT_WATCH_TIMEOUT),
        format,
    })
}

fn write_options(query: &Query) -> Result<WriteOptions, ApiError> {
    Ok(WriteOptions {
        dry_run: query.dry_run()?,
        field_manager: query.get("fieldManager").map(String::from),
    })
}

fn delete_options(query: &Query, body: &[u8]) -> Result<DeleteOptions, ApiError> {
    let mut opts = DeleteOptions {
        dry_run: query.dry_run()?,
        orphan: query.get("propagationPolicy") == Some("Orphan"),
        ..DeleteOptions::default()
    };
    if body.iter().any(|b| !b.is_ascii_whitespace()) {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding DeleteOptions: {e}")))?;
        if v.get("dryRun")
            .and_then(Value::as_array)
            .is_some_and(|d| d.contains(&json!("All")))
        {
            opts.dry_run = true;
        }
        if v.get("propagationPolicy").and_then(Value::as_str) == Some("Orphan")
            || v.get("orphanDependents") == Some(&json!(true))
        {
            opts.orphan = true;
        }
        opts.precondition_uid = v
            .pointer("/preconditions/uid")
            .and_then(Value::as_str)
            .map(String::from);
        opts.precondition_rv = v
            .pointer("/preconditions/resourceVersion")
            .and_then(Value::as_str)
            .map(String::from);
    }
    Ok(opts)
}
