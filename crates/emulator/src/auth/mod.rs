//! Authentication (bearer tokens mapped to the demo users) and
//! authorisation (RBAC-like rules; profile users' rights derived from
//! Profiles and their RoleBindings, as Kubeflow grants them).

pub mod rbac;
pub mod reviews;

use axum::http::HeaderMap;

use crate::api::error::ApiError;

/// An authenticated user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum User {
    /// Everything everywhere (`cluster-admin`).
    Admin,
    /// get/list/watch on everything except secrets.
    ReadOnly,
    /// A Kubeflow profile user, identified by email.
    Profile(String),
}

impl User {
    /// The username the apiserver would report.
    pub fn name(&self) -> &str {
        match self {
            Self::Admin => "admin",
            Self::ReadOnly => "readonly",
            Self::Profile(email) => email,
        }
    }

    /// The groups the user is in.
    pub fn groups(&self) -> Vec<&'static str> {
        match self {
            Self::Admin => vec!["system:masters", "system:authenticated"],
            _ => vec!["system:authenticated"],
        }
    }
}

/// The bearer tokens the emulator accepts and the users they map to.
pub const TOKENS: &[(&str, &str)] = &[
    ("demo-admin-token", "admin"),
    ("demo-readonly-token", "readonly"),
    ("demo-alice-token", "alice@example.com"),
    ("demo-bob-token", "bob@example.com"),
    ("demo-carol-token", "carol@example.com"),
];

/// Maps a token to its user.
pub fn user_for_token(token: &str) -> Option<User> {
    let (_, name) = TOKENS.iter().find(|(t, _)| *t == token)?;
    Some(match *name {
        "admin" => User::Admin,
        "readonly" => User::ReadOnly,
        email => User::Profile(email.to_string()),
    })
}

/// The user a request authenticates as: `Ok(None)` without credentials,
/// 401 for a malformed or unknown token.
pub fn authenticate(headers: &HeaderMap) -> Result<Option<User>, ApiError> {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::unauthorized())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(ApiError::unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::unauthorized());
    }
    user_for_token(token.trim())
        .map(Some)
        .ok_or_else(ApiError::unauthorized)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn tokens_map_to_users() {
        let mut h = HeaderMap::new();
        assert_eq!(authenticate(&h).ok(), Some(None));
        h.insert(
            "authorization",
            HeaderValue::from_static("Bearer demo-alice-token"),
        );
        assert_eq!(
            authenticate(&h).ok().flatten(),
            Some(User::Profile("alice@example.com".into()))
        );
        h.insert("authorization", HeaderValue::from_static("Bearer nope"));
        assert_eq!(authenticate(&h).map_err(|e| e.code).err(), Some(401));
        h.insert("authorization", HeaderValue::from_static("Basic abc"));
        assert!(authenticate(&h).is_err());
    }
}
