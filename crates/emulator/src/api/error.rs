//! API errors, rendered as `metav1.Status` bodies with the code, reason
//! and details kube-apiserver uses, so clients see exactly what a real
//! cluster would send.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::resources::ResourceType;

/// One field problem inside an `Invalid` error (`details.causes[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// `FieldValueRequired`, `FieldValueInvalid`, `FieldValueNotSupported`, ...
    pub reason: &'static str,
    pub field: String,
    pub message: String,
}

impl Cause {
    pub fn required(field: impl Into<String>) -> Self {
        Self {
            reason: "FieldValueRequired",
            field: field.into(),
            message: "Required value".into(),
        }
    }

    pub fn invalid(field: impl Into<String>, value: &str, detail: &str) -> Self {
        Self {
            reason: "FieldValueInvalid",
            field: field.into(),
            message: format!("Invalid value: {}: {detail}", json!(value)),
        }
    }

    /// `field: message` as the top-level Invalid message lists it.
    fn summary(&self) -> String {
        format!("{}: {}", self.field, self.message)
    }
}

/// A failed API request: everything needed to render a `Status`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

fn details(rt: &ResourceType, name: Option<&str>) -> Value {
    let mut d = serde_json::Map::new();
    if let Some(name) = name {
        d.insert("name".into(), json!(name));
    }
    if !rt.group.is_empty() {
        d.insert("group".into(), json!(rt.group));
    }
    d.insert("kind".into(), json!(rt.plural));
    Value::Object(d)
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    pub fn not_found(rt: &ResourceType, name: &str) -> Self {
        Self {
            details: Some(details(rt, Some(name))),
            ..Self::new(
                404,
                "NotFound",
                format!("{} \"{name}\" not found", rt.qualified_plural()),
            )
        }
    }

    /// The generic 404 for paths that name no known resource.
    pub fn no_such_resource() -> Self {
        Self {
            details: Some(json!({})),
            ..Self::new(
                404,
                "NotFound",
                "the server could not find the requested resource",
            )
        }
    }

    pub fn already_exists(rt: &ResourceType, name: &str) -> Self {
        Self {
            details: Some(details(rt, Some(name))),
            ..Self::new(
                409,
                "AlreadyExists",
                format!("{} \"{name}\" already exists", rt.qualified_plural()),
            )
        }
    }

    pub fn conflict(rt: &ResourceType, name: &str) -> Self {
        Self {
            details: Some(details(rt, Some(name))),
            ..Self::new(
                409,
                "Conflict",
                format!(
                    "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; \
                     please apply your changes to the latest version and try again",
                    rt.qualified_plural()
                ),
            )
        }
    }

    pub fn conflict_with(rt: &ResourceType, name: &str, why: &str) -> Self {
        Self {
            details: Some(details(rt, Some(name))),
            ..Self::new(
                409,
                "Conflict",
                format!(
                    "Operation cannot be fulfilled on {} \"{name}\": {why}",
                    rt.qualified_plural()
                ),
            )
        }
    }

    /// 422 with one cause per field problem.
    pub fn invalid(rt: &ResourceType, name: &str, causes: Vec<Cause>) -> Self {
        let summary = match causes.as_slice() {
            [one] => one.summary(),
            many => format!(
                "[{}]",
                many.iter()
                    .map(Cause::summary)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut d = serde_json::Map::new();
        d.insert("name".into(), json!(name));
        if !rt.group.is_empty() {
            d.insert("group".into(), json!(rt.group));
        }
        d.insert("kind".into(), json!(rt.kind));
        d.insert(
            "causes".into(),
            Value::Array(
                causes
                    .iter()
                    .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
                    .collect(),
            ),
        );
        Self {
            details: Some(Value::Object(d)),
            ..Self::new(
                422,
                "Invalid",
                format!("{} \"{name}\" is invalid: {summary}", rt.qualified_kind()),
            )
        }
    }

    /// 403 in the RBAC authorizer's words.
    pub fn forbidden(
        user: &str,
        verb: &str,
        rt_plural: &str,
        group: &str,
        subresource: Option<&str>,
        name: Option<&str>,
        namespace: Option<&str>,
    ) -> Self {
        let qualified = if group.is_empty() {
            rt_plural.to_string()
        } else {
            format!("{rt_plural}.{group}")
        };
        let subject = match name {
            Some(n) => format!("{qualified} \"{n}\""),
            None => qualified,
        };
        let resource = match subresource {
            Some(s) => format!("{rt_plural}/{s}"),
            None => rt_plural.to_string(),
        };
        let scope = match namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        let mut d = serde_json::Map::new();
        if let Some(n) = name {
            d.insert("name".into(), json!(n));
        }
        if !group.is_empty() {
            d.insert("group".into(), json!(group));
        }
        d.insert("kind".into(), json!(rt_plural));
        Self {
            details: Some(Value::Object(d)),
            ..Self::new(
                403,
                "Forbidden",
                format!(
                    "{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" \
                     in API group \"{group}\" {scope}"
                ),
            )
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    pub fn method_not_allowed() -> Self {
        Self {
            details: Some(json!({})),
            ..Self::new(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
            )
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        Self {
            details: Some(json!({"causes": [{"message": message.to_string()}]})),
            ..Self::new(
                500,
                "InternalError",
                format!("Internal error occurred: {message}"),
            )
        }
    }

    pub fn unsupported_media_type(accepted: &[&str]) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: {}",
                accepted.join(", ")
            ),
        )
    }

    pub fn not_acceptable(message: impl Into<String>) -> Self {
        Self::new(406, "NotAcceptable", message)
    }

    pub fn too_large() -> Self {
        Self::new(
            413,
            "RequestEntityTooLarge",
            "Request entity too large: limit is 3145728",
        )
    }

    /// The synthetic error the fault injector answers with.
    pub fn injected(code: u16) -> Self {
        let (reason, message) = match code {
            429 => (
                "TooManyRequests",
                "the server has received too many requests and has asked us to try again later",
            ),
            503 => (
                "ServiceUnavailable",
                "the server is currently unable to handle the request",
            ),
            504 => (
                "Timeout",
                "the server was unable to return a response in the time allotted",
            ),
            _ => ("InternalError", "Internal error occurred: injected fault"),
        };
        Self::new(code, reason, message)
    }

    /// The `metav1.Status` body.
    pub fn status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let (Some(d), Some(obj)) = (&self.details, s.as_object_mut()) {
            obj.insert("details".into(), d.clone());
        }
        s
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = self.status().to_string();
        let mut resp = (code, body).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if matches!(self.code, 429 | 503) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{NOTEBOOK, POD};

    #[test]
    fn forbidden_message_matches_rbac_wording() {
        let e = ApiError::forbidden(
            "readonly",
            "create",
            "pods",
            "",
            None,
            None,
            Some("ml-research"),
        );
        assert_eq!(
            e.message,
            "pods is forbidden: User \"readonly\" cannot create resource \"pods\" in API group \"\" in the namespace \"ml-research\""
        );
        let e = ApiError::forbidden(
            "alice@example.com",
            "list",
            "namespaces",
            "",
            None,
            None,
            None,
        );
        assert!(e.message.ends_with("at the cluster scope"), "{}", e.message);
    }

    #[test]
    fn not_found_names_group() {
        let e = ApiError::not_found(&NOTEBOOK, "x");
        assert_eq!(e.message, "notebooks.kubeflow.org \"x\" not found");
        assert_eq!(e.status()["details"]["group"], "kubeflow.org");
        assert_eq!(ApiError::not_found(&POD, "p").status()["code"], 404);
    }

    #[test]
    fn invalid_lists_causes() {
        let e = ApiError::invalid(
            &NOTEBOOK,
            "nb",
            vec![Cause::required("spec.template.spec.containers")],
        );
        assert_eq!(
            e.message,
            "Notebook.kubeflow.org \"nb\" is invalid: spec.template.spec.containers: Required value"
        );
        let s = e.status();
        assert_eq!(s["details"]["kind"], "Notebook");
        assert_eq!(
            s["details"]["causes"][0]["field"],
            "spec.template.spec.containers"
        );
    }
}
