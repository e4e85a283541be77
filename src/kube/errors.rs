//! Turns client and API failures into short sentences a user can act on; the
//! full error goes to the log file.

use std::fmt;

/// A failed request, reduced to what the UI shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    /// HTTP status when the server answered.
    pub code: Option<u16>,
    /// The server's machine-readable reason (`Forbidden`, `Conflict`) or a local one.
    pub reason: String,
    /// One line in plain words.
    pub message: String,
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ApiFailure {
    pub fn local(reason: &str, message: impl Into<String>) -> ApiFailure {
        ApiFailure {
            code: None,
            reason: reason.to_string(),
            message: message.into(),
        }
    }

    /// From a server `Status`: code, reason and the server's own message.
    pub fn from_status(code: u16, reason: &str, server_message: &str) -> ApiFailure {
        let lead = match code {
            400 => "bad request",
            401 => "not logged in (the credentials were refused)",
            403 => "not allowed",
            404 => "not found",
            405 => "not supported by the server",
            409 if reason == "AlreadyExists" => "already exists",
            409 => "conflict: it changed on the server meanwhile, try again",
            410 => "expired",
            422 => "invalid",
            429 => "the server is busy (too many requests), try again shortly",
            500..=599 => "the API server failed",
            _ => "the API server refused the request",
        };
        let message = if server_message.is_empty() {
            format!("{lead} (HTTP {code})")
        } else {
            format!("{lead}: {server_message}")
        };
        ApiFailure {
            code: Some(code),
            reason: reason.to_string(),
            message,
        }
    }

    pub fn is_forbidden(&self) -> bool {
        self.code == Some(403)
    }
}

impl From<&kube::Error> for ApiFailure {
    fn from(e: &kube::Error) -> ApiFailure {
        match e {
            kube::Error::Api(s) => ApiFailure::from_status(s.code, &s.reason, &s.message),
            kube::Error::HyperError(h) => {
                let text = error_chain(h);
                if text.contains("timed out") || text.contains("deadline") {
                    ApiFailure::local("Timeout", "the API server did not answer in time")
                } else {
                    ApiFailure::local(
                        "Unreachable",
                        format!("cannot reach the API server: {text}"),
                    )
                }
            }
            kube::Error::Service(s) => {
                let text = error_chain(s.as_ref());
                if text.contains("elapsed") || text.contains("timed out") {
                    ApiFailure::local("Timeout", "the API server did not answer in time")
                } else {
                    ApiFailure::local(
                        "Unreachable",
                        format!("cannot reach the API server: {text}"),
                    )
                }
            }
            kube::Error::SerdeError(s) => ApiFailure::local(
                "BadResponse",
                format!("the server sent something kftui cannot read: {s}"),
            ),
            kube::Error::Auth(a) => ApiFailure::local("Auth", format!("cannot authenticate: {a}")),
            other => ApiFailure::local("ClientError", error_chain(other)),
        }
    }
}

impl From<kube::Error> for ApiFailure {
    fn from(e: kube::Error) -> ApiFailure {
        ApiFailure::from(&e)
    }
}

/// "outer: inner: root" for an error and its sources.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_read_as_plain_words() {
        let f = ApiFailure::from_status(
            403,
            "Forbidden",
            "notebooks.kubeflow.org is forbidden: User \"readonly\" cannot create resource",
        );
        assert!(f.is_forbidden());
        assert!(
            f.message
                .starts_with("not allowed: notebooks.kubeflow.org is forbidden")
        );
        assert_eq!(
            ApiFailure::from_status(409, "AlreadyExists", "notebooks \"x\" already exists").message,
            "already exists: notebooks \"x\" already exists"
        );
        assert!(
            ApiFailure::from_status(409, "Conflict", "")
                .message
                .starts_with("conflict")
        );
        assert!(
            ApiFailure::from_status(422, "Invalid", "spec.x: Required")
                .message
                .starts_with("invalid: ")
        );
        assert_eq!(
            ApiFailure::from_status(404, "NotFound", "").message,
            "not found (HTTP 404)"
        );
        assert!(
            ApiFailure::from_status(503, "ServiceUnavailable", "x")
                .message
                .starts_with("the API server failed")
        );
    }
}
