//! The single entry point for requests: injected faults first, then
//! authentication, then routing to discovery or resource handlers.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::respond;
use super::state::SharedState;
use crate::api::error::ApiError;
use crate::api::negotiate::{self, Format};
use crate::api::path::{self, Route};
use crate::auth;
use crate::discovery;
use crate::lifecycle::{self, Phase};

/// What the Retry-After filter answers a request while the server shuts
/// down: `status` (429 in kube-apiserver), `Retry-After: 5`, and the
/// connection closed after the answer.
fn shutting_down(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
    let mut resp = respond::text(code, lifecycle::SHUTTING_DOWN);
    let headers = resp.headers_mut();
    headers.insert(
        header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("5"),
    );
    headers.insert(
        header::CONNECTION,
        axum::http::HeaderValue::from_static("close"),
    );
    resp
}

/// Handles any request.
pub async fn handle(State(state): State<SharedState>, req: Request) -> Response {
    if let Some(delay) = state.faults.current_latency() {
        tokio::time::sleep(delay).await;
    }
    let route = path::parse(req.uri().path());
    match state.faults.lifecycle().phase() {
        Phase::Rejecting { status } if !lifecycle::exempt(req.uri().path()) => {
            return shutting_down(status);
        }
        Phase::NotReady | Phase::Rejecting { .. } if matches!(route, Route::Ready) => {
            return respond::text(StatusCode::INTERNAL_SERVER_ERROR, lifecycle::NOT_READY_BODY);
        }
        _ => {}
    }
    if let Some(code) = state.faults.current_failure() {
        return ApiError::injected(code).into_response();
    }
    if crate::proxy::ingress::claims(&state, req.headers()) {
        return crate::proxy::ingress::serve(state.clone(), req).await;
    }
    if crate::proxy::dex::claims(req.uri().path()) {
        return crate::proxy::dex::serve(state.clone(), req).await;
    }
    let method = req.method().clone();
    tracing::debug!(%method, uri = %req.uri(), "request");
    let user = match auth::authenticate(req.headers()) {
        Ok(u) => u.or_else(|| state.anonymous.clone()),
        Err(e) => return e.into_response(),
    };
    match route {
        Route::Version => respond::json(&discovery::version()),
        Route::Health | Route::Ready => respond::text(StatusCode::OK, "ok"),
        _ if user.is_none() => ApiError::unauthorized().into_response(),
        _ if crate::crds::claims(req.uri().path()) => match &user {
            Some(user) => crate::crds::serve(&state, user, &method, req.uri().path()),
            None => ApiError::unauthorized().into_response(),
        },
        Route::Resource(rp) => match user {
            Some(user) => super::resource::handle(state, user, rp, req).await,
            None => ApiError::unauthorized().into_response(),
        },
        other if method != Method::GET => {
            let _ = other;
            ApiError::method_not_allowed().into_response()
        }
        Route::CoreVersions => match discovery_format(req.headers()) {
            Ok(Format::AggregatedDiscovery) => aggregated(true),
            Ok(_) => respond::json(&discovery::core_versions(&state.server_address)),
            Err(e) => e.into_response(),
        },
        Route::GroupList => match discovery_format(req.headers()) {
            Ok(Format::AggregatedDiscovery) => aggregated(false),
            Ok(_) => respond::json(&discovery::group_list()),
            Err(e) => e.into_response(),
        },
        Route::Group(g) => match discovery::group(&g) {
            Some(doc) => respond::json(&doc),
            None => ApiError::no_such_resource().into_response(),
        },
        Route::ResourceList { group, version } => {
            match discovery::resource_list(&group, &version) {
                Some(doc) => respond::json(&doc),
                None => ApiError::no_such_resource().into_response(),
            }
        }
        Route::OpenApi | Route::NotFound => {
            respond::text(StatusCode::NOT_FOUND, "404 page not found\n")
        }
    }
}

fn discovery_format(headers: &HeaderMap) -> Result<Format, ApiError> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    negotiate::negotiate(accept, None, true)
}

fn aggregated(core: bool) -> Response {
    let body = serde_json::to_vec(&discovery::aggregated(core)).unwrap_or_default();
    respond::bytes(
        StatusCode::OK,
        Format::AggregatedDiscovery.content_type(),
        body.into(),
    )
}
