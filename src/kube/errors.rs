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
    /// A 422's `details.causes` as (field path, message): where the server
    /// found each problem (`spec.pytorchReplicaSpecs.Worker.replicas`).
    pub causes: Vec<(String, String)>,
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What kind of trouble a failure is, for deciding what it means for the
/// connection (a refused connection is; a forbidden kind is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// No connection: refused, reset, DNS, network.
    Unreachable,
    /// The TLS handshake failed (untrusted or expired certificate).
    Tls,
    Timeout,
    /// The server refused the credentials (401), or kftui could not get any.
    Unauthorized,
    Forbidden,
    /// The resource or kind does not exist (404).
    NotFound,
    /// A resourceVersion or continue token the server no longer has (410).
    Expired,
    /// The server is shutting down or overloaded (429, 503 and the like).
    Unavailable,
    /// The server failed (500, 502, 504).
    ServerError,
    /// The request itself was refused (400, 409, 422, ...), or a local problem.
    Request,
}

impl FailureKind {
    /// True for kinds of failure that say something about the connection to
    /// the API server as a whole, not about one kind or one request.
    pub fn is_connection(self) -> bool {
        matches!(
            self,
            FailureKind::Unreachable
                | FailureKind::Tls
                | FailureKind::Timeout
                | FailureKind::Unauthorized
                | FailureKind::Unavailable
                | FailureKind::ServerError
        )
    }
}

impl ApiFailure {
    pub fn local(reason: &str, message: impl Into<String>) -> ApiFailure {
        ApiFailure {
            code: None,
            reason: reason.to_string(),
            message: message.into(),
            causes: Vec::new(),
        }
    }

    /// From a server `Status`: code, reason and the server's own message.
    pub fn from_status(code: u16, reason: &str, server_message: &str) -> ApiFailure {
        let server_message = server_message.trim();
        let shutting_down = server_message.contains("shutting down");
        let lead = match code {
            400 => "bad request",
            401 => {
                "the server refused the credentials (401 Unauthorized: expired or revoked; \
                 log in again or refresh the kubeconfig)"
            }
            403 => "not allowed",
            404 => "not found",
            405 => "not supported by the server",
            409 if reason == "AlreadyExists" => "already exists",
            409 => "conflict: it changed on the server meanwhile, try again",
            410 => "expired",
            422 => "invalid",
            429 | 503 if shutting_down => "the API server is shutting down",
            429 => "the server is busy (too many requests), try again shortly",
            503 => "the API server is unavailable",
            500..=599 => "the API server failed",
            _ => "the API server refused the request",
        };
        let message = if server_message.is_empty() || code == 401 {
            format!("{lead} (HTTP {code})")
        } else {
            format!("{lead}: {server_message}")
        };
        ApiFailure {
            code: Some(code),
            reason: reason.to_string(),
            message,
            causes: Vec::new(),
        }
    }

    pub fn is_forbidden(&self) -> bool {
        self.code == Some(403)
    }

    pub fn kind(&self) -> FailureKind {
        match (self.code, self.reason.as_str()) {
            (Some(401), _) | (None, "Auth") => FailureKind::Unauthorized,
            (Some(403), _) => FailureKind::Forbidden,
            (Some(404), _) => FailureKind::NotFound,
            (Some(410), _) => FailureKind::Expired,
            (Some(429 | 503), _) => FailureKind::Unavailable,
            (Some(500..=599), _) => FailureKind::ServerError,
            (Some(_), _) => FailureKind::Request,
            (None, "Unreachable") => FailureKind::Unreachable,
            (None, "Tls") => FailureKind::Tls,
            (None, "Timeout") => FailureKind::Timeout,
            (None, _) => FailureKind::Request,
        }
    }

    /// True when the failure says something about the connection to the API
    /// server as a whole, not about one kind or one request.
    pub fn is_connection(&self) -> bool {
        self.kind().is_connection()
    }

    /// Names the server in a failure to reach it ("cannot reach
    /// https://10.0.0.1:6443: connection refused").
    pub fn at(mut self, server: &str) -> ApiFailure {
        if !server.is_empty()
            && matches!(
                self.kind(),
                FailureKind::Unreachable | FailureKind::Tls | FailureKind::Timeout
            )
        {
            self.message = self.message.replacen("the API server", server, 1);
        }
        self
    }

    /// A transport failure (no answer from the server), in the words of its
    /// root cause.
    fn transport(e: &(dyn std::error::Error + 'static)) -> ApiFailure {
        let chain = error_chain(e);
        let lower = chain.to_ascii_lowercase();
        let io = io_kind(e);
        let (reason, words) = if lower.contains("dns error")
            || lower.contains("failed to lookup address")
            || lower.contains("name or service not known")
        {
            (
                "Unreachable",
                format!("the host name does not resolve (DNS): {}", root_cause(e)),
            )
        } else if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
        {
            ("Tls", format!("TLS handshake failed: {}", root_cause(e)))
        } else {
            use std::io::ErrorKind as K;
            match io {
                Some(K::ConnectionRefused) => ("Unreachable", "connection refused".to_string()),
                Some(K::ConnectionReset) => {
                    ("Unreachable", "connection reset by the server".into())
                }
                Some(K::ConnectionAborted) => ("Unreachable", "connection aborted".into()),
                Some(K::TimedOut) => ("Timeout", "timed out".into()),
                Some(K::NetworkUnreachable | K::HostUnreachable) => (
                    "Unreachable",
                    format!("no route to the host ({})", root_cause(e)),
                ),
                Some(K::UnexpectedEof | K::BrokenPipe) => {
                    ("Unreachable", "the connection closed unexpectedly".into())
                }
                _ if lower.contains("timed out")
                    || lower.contains("elapsed")
                    || lower.contains("deadline") =>
                {
                    ("Timeout", "timed out".into())
                }
                _ if lower.contains("connection closed") || lower.contains("incomplete") => (
                    "Unreachable",
                    "the connection closed before the answer".into(),
                ),
                _ => ("Unreachable", root_cause(e)),
            }
        };
        let message = if reason == "Timeout" {
            "the API server did not answer in time".to_string()
        } else {
            format!("cannot reach the API server: {words}")
        };
        ApiFailure::local(reason, message)
    }
}

/// The innermost error's own words.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &(dyn std::error::Error + 'static) = e;
    while let Some(s) = last.source() {
        last = s;
    }
    last.to_string()
}

/// The kind of the first I/O error in the chain.
fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cur = c.source();
    }
    None
}

impl From<&kube::Error> for ApiFailure {
    fn from(e: &kube::Error) -> ApiFailure {
        match e {
            kube::Error::Api(s) => {
                let mut f = ApiFailure::from_status(s.code, &s.reason, &s.message);
                f.causes = s
                    .details
                    .iter()
                    .flat_map(|d| &d.causes)
                    .filter(|c| !c.field.is_empty())
                    .map(|c| (c.field.clone(), c.message.clone()))
                    .collect();
                f
            }
            kube::Error::HyperError(h) => ApiFailure::transport(h),
            kube::Error::Service(s) => ApiFailure::transport(s.as_ref()),
            kube::Error::ReadEvents(io) => ApiFailure::transport(io),
            kube::Error::SerdeError(s) => ApiFailure::local(
                "BadResponse",
                format!("the server sent something kftui cannot read: {s}"),
            ),
            kube::Error::Auth(a) => ApiFailure::local(
                "Auth",
                format!(
                    "cannot get credentials for the API server: {}",
                    error_chain(a)
                ),
            ),
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
    let mut text = first_line(&e.to_string());
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = first_line(&s.to_string());
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// The first line of an error's text: YAML parsers add a snippet of the
/// input with a caret under the error on the lines after it, which would
/// break a one-line message (the line and column stay in the first line).
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_is_one_line() {
        let e = std::io::Error::other("line 1 column 10: unclosed bracket\n --> <input>:1:10\n  |");
        assert_eq!(error_chain(&e), "line 1 column 10: unclosed bracket");
    }

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
                .starts_with("the API server is unavailable")
        );
        let shutting = ApiFailure::from_status(
            429,
            "Failed to parse error data",
            "The apiserver is shutting down, please try again later.\n",
        );
        assert_eq!(
            shutting.message,
            "the API server is shutting down: The apiserver is shutting down, please try again later."
        );
        assert_eq!(shutting.kind(), FailureKind::Unavailable);
        assert!(shutting.is_connection());
        let expired = ApiFailure::from_status(401, "Unauthorized", "Unauthorized");
        assert!(
            expired
                .message
                .starts_with("the server refused the credentials")
        );
        assert_eq!(expired.kind(), FailureKind::Unauthorized);
        assert!(
            !f.is_connection(),
            "a 403 is about one kind, not the connection"
        );
        assert_eq!(
            ApiFailure::from_status(410, "Expired", "too old resource version: 867 (887)").kind(),
            FailureKind::Expired
        );
    }

    #[test]
    fn transport_failures_read_in_the_words_of_their_cause() {
        let server = "https://10.0.0.1:6443";
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let f = ApiFailure::transport(&refused).at(server);
        assert_eq!(
            f.message,
            "cannot reach https://10.0.0.1:6443: connection refused"
        );
        assert_eq!(f.kind(), FailureKind::Unreachable);
        let dns = std::io::Error::other("dns error: failed to lookup address information");
        let f = ApiFailure::transport(&dns).at(server);
        assert!(
            f.message.starts_with(
                "cannot reach https://10.0.0.1:6443: the host name does not resolve (DNS)"
            ),
            "{}",
            f.message
        );
        let tls = std::io::Error::other("invalid peer certificate: UnknownIssuer");
        let f = ApiFailure::transport(&tls).at(server);
        assert_eq!(f.kind(), FailureKind::Tls);
        assert!(
            f.message
                .contains("TLS handshake failed: invalid peer certificate: UnknownIssuer")
        );
        let slow = std::io::Error::from(std::io::ErrorKind::TimedOut);
        assert_eq!(ApiFailure::transport(&slow).kind(), FailureKind::Timeout);
    }
}
