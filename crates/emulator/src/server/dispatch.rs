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

/// Handles any request.
pub async fn handle(State(state): State<SharedState>, req: Request) -> Response {
    if let Some(delay) = state.faults.current_latency() {
        tokio::time::sleep(delay).await;
    }
    if let Some(code) = state.faults.current_failure() {
        return ApiError::injected(code).into_response();
    }
    let method = req.method().clone();
    let route = path::parse(req.uri().path());
    tracing::debug!(%method, uri = %req.uri(), "request");
    let user = match auth::authenticate(req.headers()) {
        Ok(u) => u.or_else(|| state.anonymous.clone()),
        Err(e) => return e.into_response(),
    };
    match route {
        Route::Version => respond::json(&discovery::version()),
        Route::Health => respond::text(StatusCode::OK, "ok"),
        _ if user.is_none() => ApiError::unauthorized().into_response(),
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
