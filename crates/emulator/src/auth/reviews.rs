//! `SelfSubjectAccessReview`, `SelfSubjectRulesReview` and
//! `SelfSubjectReview` (`kubectl auth can-i`, `kubectl auth whoami`),
//! answered from the same rules that guard requests.

use serde_json::{Value, json};

use super::User;
use super::rbac::{self, Attributes, ProfileRole};
use crate::api::error::ApiError;
use crate::store::Store;

fn str_at<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn echo(kind: &str, api_version: &str, body: &Value, status: Value) -> Value {
    json!({
        "kind": kind,
        "apiVersion": api_version,
        "metadata": {"creationTimestamp": null},
        "spec": body.get("spec").cloned().unwrap_or_else(|| json!({})),
        "status": status,
    })
}

/// Answers a `SelfSubjectAccessReview`.
pub fn access_review(store: &Store, user: &User, body: &Value) -> Result<Value, ApiError> {
    if let Some(ra) = body.pointer("/spec/resourceAttributes") {
        let attrs = Attributes {
            verb: str_at(ra, "/verb").unwrap_or("get"),
            group: str_at(ra, "/group").unwrap_or(""),
            resource: str_at(ra, "/resource").unwrap_or(""),
            subresource: str_at(ra, "/subresource"),
            namespace: str_at(ra, "/namespace"),
            name: str_at(ra, "/name"),
        };
        let d = rbac::authorize(store, user, &attrs);
        let mut status = json!({"allowed": d.allowed});
        if !d.reason.is_empty()
            && let Some(s) = status.as_object_mut()
        {
            s.insert("reason".into(), json!(d.reason));
        }
        return Ok(echo(
            "SelfSubjectAccessReview",
            "authorization.k8s.io/v1",
            body,
            status,
        ));
    }
    if body.pointer("/spec/nonResourceAttributes").is_some() {
        let allowed = matches!(user, User::Admin)
            || str_at(body, "/spec/nonResourceAttributes/verb") == Some("get");
        return Ok(echo(
            "SelfSubjectAccessReview",
            "authorization.k8s.io/v1",
            body,
            json!({"allowed": allowed}),
        ));
    }
    Err(ApiError::invalid(
        &crate::resources::SELF_SUBJECT_ACCESS_REVIEW,
        "",
        vec![crate::api::error::Cause {
            reason: "FieldValueRequired",
            field: "spec.resourceAttributes".into(),
            message: "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified".into(),
        }],
    ))
}

const READ: &[&str] = &["get", "list", "watch"];
const ALL_VERBS: &[&str] = &["*"];

fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> Value {
    json!({"verbs": verbs, "apiGroups": groups, "resources": resources})
}

/// Answers a `SelfSubjectRulesReview` for `spec.namespace`.
pub fn rules_review(store: &Store, user: &User, body: &Value) -> Result<Value, ApiError> {
    let namespace = str_at(body, "/spec/namespace").unwrap_or("");
    let review_rules = vec![rule(
        &["create"],
        &["authorization.k8s.io"],
        &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
    )];
    let mut rules = review_rules;
    match user {
        User::Admin => rules.push(rule(ALL_VERBS, &["*"], &["*"])),
        User::ReadOnly => {
            rules.push(rule(READ, &["*"], &["*"]));
        }
        User::Profile(_) => {
            rules.push(rule(READ, &["kubeflow.org"], &["profiles"]));
            match rbac::role_in(store, user, namespace) {
                Some(ProfileRole::Admin) => rules.push(rule(ALL_VERBS, &["*"], &["*"])),
                Some(ProfileRole::Edit) => {
                    rules.push(rule(
                        ALL_VERBS,
                        &[
                            "",
                            "kubeflow.org",
                            "argoproj.io",
                            "trainer.kubeflow.org",
                            "serving.kserve.io",
                        ],
                        &["*"],
                    ));
                    rules.push(rule(
                        READ,
                        &["rbac.authorization.k8s.io"],
                        &["rolebindings"],
                    ));
                }
                Some(ProfileRole::View) => rules.push(rule(READ, &["*"], &["*"])),
                None => {}
            }
        }
    }
    let non_resource = json!([{"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz", "/version", "/version/"]}]);
    Ok(echo(
        "SelfSubjectRulesReview",
        "authorization.k8s.io/v1",
        body,
        json!({"resourceRules": rules, "nonResourceRules": non_resource, "incomplete": false}),
    ))
}

/// Answers a `SelfSubjectReview` (who am I).
pub fn self_review(user: &User) -> Value {
    json!({
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": null},
        "status": {"userInfo": {"username": user.name(), "groups": user.groups()}},
    })
}
