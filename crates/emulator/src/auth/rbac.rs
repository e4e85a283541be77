//! Authorisation decisions. Admin may do anything; the read-only user may
//! read everything but secrets, service proxies and the cluster's CRDs; a profile user's rights in a namespace
//! come from the namespace's Profile owner and from RoleBindings to the
//! `kubeflow-admin`/`kubeflow-edit`/`kubeflow-view` ClusterRoles naming
//! them, as Kubeflow's profile controller and KFAM create them.

use serde_json::Value;

use super::User;
use crate::api::error::ApiError;
use crate::resources;
use crate::store::{Store, View};

/// What a request wants to do.
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    /// The plural resource name.
    pub resource: &'a str,
    pub subresource: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
}

impl Attributes<'_> {
    /// The 403 the apiserver would answer for a denied request.
    pub fn forbidden(&self, user: &User) -> ApiError {
        ApiError::forbidden(
            user.name(),
            self.verb,
            self.resource,
            self.group,
            self.subresource,
            self.name,
            self.namespace,
        )
    }

    fn is_read(&self) -> bool {
        matches!(self.verb, "get" | "list" | "watch")
    }
}

/// A profile user's role in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProfileRole {
    View,
    Edit,
    Admin,
}

impl ProfileRole {
    fn cluster_role(self) -> &'static str {
        match self {
            Self::View => "kubeflow-view",
            Self::Edit => "kubeflow-edit",
            Self::Admin => "kubeflow-admin",
        }
    }
}

/// The outcome with the authoriser's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub reason: String,
}

impl Decision {
    fn allow(reason: String) -> Self {
        Self {
            allowed: true,
            reason,
        }
    }

    fn deny() -> Self {
        Self {
            allowed: false,
            reason: String::new(),
        }
    }
}

/// The strongest role `email` holds in `namespace`, and the binding that
/// grants it.
pub fn profile_role(
    view: &View<'_>,
    email: &str,
    namespace: &str,
) -> Option<(ProfileRole, String)> {
    let mut best: Option<(ProfileRole, String)> = None;
    let mut consider = |role: ProfileRole, why: String| {
        if best.as_ref().is_none_or(|(r, _)| role > *r) {
            best = Some((role, why));
        }
    };
    if let Some(profile) = view.get(&resources::PROFILE, None, namespace) {
        let p = profile.value();
        let owner = p.pointer("/spec/owner");
        let kind = owner.and_then(|o| o.get("kind")).and_then(Value::as_str);
        let name = owner.and_then(|o| o.get("name")).and_then(Value::as_str);
        if kind == Some("User") && name == Some(email) {
            consider(ProfileRole::Admin, format!("Profile \"{namespace}\" owner"));
        }
    }
    for (_, rb) in view.range(&resources::ROLE_BINDING, Some(namespace), None) {
        let v = rb.value();
        let names_user = v
            .get("subjects")
            .and_then(Value::as_array)
            .is_some_and(|subjects| {
                subjects.iter().any(|s| {
                    s.get("kind").and_then(Value::as_str) == Some("User")
                        && s.get("name").and_then(Value::as_str) == Some(email)
                })
            });
        if !names_user {
            continue;
        }
        let role = match v.pointer("/roleRef/name").and_then(Value::as_str) {
            Some("kubeflow-admin" | "admin") => ProfileRole::Admin,
            Some("kubeflow-edit" | "edit") => ProfileRole::Edit,
            Some("kubeflow-view" | "view") => ProfileRole::View,
            _ => continue,
        };
        consider(
            role,
            format!(
                "RoleBinding \"{}/{namespace}\" of ClusterRole \"{}\"",
                rb.meta.name,
                role.cluster_role()
            ),
        );
    }
    best
}

fn is_self_review(attrs: &Attributes<'_>) -> bool {
    matches!(
        attrs.resource,
        "selfsubjectaccessreviews" | "selfsubjectrulesreviews" | "selfsubjectreviews"
    ) && attrs.verb == "create"
}

fn role_allows(role: ProfileRole, attrs: &Attributes<'_>) -> bool {
    let secrets = attrs.resource == "secrets";
    let portforward = attrs.subresource == Some("portforward");
    match role {
        ProfileRole::Admin => true,
        ProfileRole::Edit => {
            attrs.is_read() || !matches!(attrs.resource, "rolebindings" | "resourcequotas")
        }
        ProfileRole::View => attrs.is_read() && !secrets && !portforward,
    }
}

/// Decides whether `user` may do `attrs`.
pub fn authorize(store: &Store, user: &User, attrs: &Attributes<'_>) -> Decision {
    let who = format!("User \"{}\"", user.name());
    if is_self_review(attrs) {
        return Decision::allow(
            "RBAC: allowed by ClusterRoleBinding \"system:basic-user\" of ClusterRole \"system:basic-user\" to Group \"system:authenticated\"".to_string(),
        );
    }
    match user {
        User::Admin => Decision::allow(format!(
            "RBAC: allowed by ClusterRoleBinding \"kftui-demo-admin\" of ClusterRole \"cluster-admin\" to {who}"
        )),
        User::ReadOnly => {
            // Like the built-in `view` role: no secrets, no services/proxy or
            // pods/proxy (reaching a service's HTTP API, the DCGM exporter's
            // say, is not reading an object), and not the cluster's CRDs.
            let reads = attrs.is_read()
                && attrs.resource != "secrets"
                && attrs.subresource != Some("proxy")
                && attrs.group != crate::crds::GROUP;
            if reads {
                Decision::allow(format!(
                    "RBAC: allowed by ClusterRoleBinding \"kftui-demo-readonly\" of ClusterRole \"kftui-readonly\" to {who}"
                ))
            } else {
                Decision::deny()
            }
        }
        User::Profile(email) => {
            let Some(ns) = attrs.namespace else {
                if attrs.resource == "profiles" && attrs.group == "kubeflow.org" && attrs.is_read()
                {
                    return Decision::allow(
                        "RBAC: allowed by ClusterRoleBinding \"kubeflow-profiles-viewer\" of ClusterRole \"kubeflow-profiles-viewer\" to Group \"system:authenticated\"".to_string(),
                    );
                }
                return Decision::deny();
            };
            match store.read(|view| profile_role(view, email, ns)) {
                Some((role, binding)) if role_allows(role, attrs) => {
                    Decision::allow(format!("RBAC: allowed by {binding} to {who}"))
                }
                _ => Decision::deny(),
            }
        }
    }
}

/// The namespaces where `user` holds a profile role (for rules reviews).
pub fn role_in(store: &Store, user: &User, namespace: &str) -> Option<ProfileRole> {
    match user {
        User::Profile(email) => store
            .read(|v| profile_role(v, email, namespace))
            .map(|(r, _)| r),
        _ => None,
    }
}
