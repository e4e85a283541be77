//! The KFP API through the Kubeflow endpoint (Istio ingress) behind Dex:
//! the login users script today (GET the endpoint, follow the redirect to
//! Dex, choose `/auth/local`, POST login and password, keep the
//! `authservice_session` cookie) and the requests sent with that cookie.
//! The password is only ever held in memory: asked for, or read from
//! `KFTUI_DEX_PASSWORD`, never written anywhere.

use http::{Method, StatusCode, header};
use kube::Client;
use kube::client::Body;
use serde_json::Value;

use super::errors::ApiFailure;

/// The environment variable a password may come from.
pub const PASSWORD_ENV: &str = "KFTUI_DEX_PASSWORD";

/// The password from [`PASSWORD_ENV`], when set and not empty.
pub fn password_from_env() -> Option<String> {
    std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty())
}

/// A password typed into the prompt: held in memory only, for one login;
/// `Debug` never shows it, and it is wiped when dropped.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Password(String);

impl Password {
    pub fn new(text: String) -> Password {
        Password(text)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn push(&mut self, c: char) {
        self.0.push(c);
    }

    pub fn pop(&mut self) {
        self.0.pop();
    }

    /// Empties it, overwriting what it held.
    pub fn wipe(&mut self) {
        let n = self.0.len();
        self.0.clear();
        self.0.extend(std::iter::repeat_n('\0', n));
        self.0.clear();
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(hidden)")
    }
}

/// No password is known for the login: ask for one.
pub const NEED_PASSWORD: &str = "NeedPassword";

/// Why a login or a request through the endpoint failed.
pub const WRONG_PASSWORD: &str = "WrongPassword";
/// The cookie is no longer accepted: log in again.
pub const SESSION_EXPIRED: &str = "SessionExpired";

/// A logged-in session at a Kubeflow endpoint.
#[derive(Clone)]
pub struct Session {
    /// The endpoint URL, without a trailing `/`.
    pub endpoint: String,
    pub login: String,
    /// The `authservice_session` cookie value.
    pub cookie: String,
    client: Client,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the cookie.
        write!(f, "Session({} as {})", self.endpoint, self.login)
    }
}

fn fail(endpoint: &str, message: impl std::fmt::Display) -> ApiFailure {
    ApiFailure::local("Unreachable", format!("{endpoint}: {message}"))
}

fn client(endpoint: &str) -> Result<Client, ApiFailure> {
    let uri: http::Uri = endpoint
        .parse()
        .map_err(|e| ApiFailure::local("Invalid", format!("endpoint URL {endpoint:?}: {e}")))?;
    Client::try_from(kube::Config::new(uri)).map_err(|e| fail(endpoint, e))
}

struct Answer {
    status: StatusCode,
    location: Option<String>,
    cookies: Vec<String>,
    text: String,
}

async fn send(
    client: &Client,
    endpoint: &str,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    form: Option<String>,
    json: Option<Value>,
) -> Result<Answer, ApiFailure> {
    let mut b = http::Request::builder().method(method).uri(path);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, format!("authservice_session={c}"));
    }
    let body = match (form, json) {
        (Some(f), _) => {
            b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            f.into_bytes()
        }
        (None, Some(j)) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            j.to_string().into_bytes()
        }
        _ => Vec::new(),
    };
    let req = b
        .header(header::ACCEPT, "application/json, text/html")
        .body(Body::from(body))
        .map_err(|e| ApiFailure::local("Invalid", e.to_string()))?;
    let resp = client.send(req).await.map_err(|e| fail(endpoint, e))?;
    let status = resp.status();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let cookies = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(String::from))
        .collect();
    let bytes = resp
        .into_body()
        .collect_bytes()
        .await
        .map_err(|e| fail(endpoint, e))?;
    Ok(Answer {
        status,
        location,
        cookies,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// The path and query of a redirect target (absolute or relative).
fn local_path(endpoint: &str, location: &str) -> String {
    location
        .strip_prefix(endpoint)
        .map(String::from)
        .or_else(|| {
            location.find("://").map(|i| {
                let rest = &location[i + 3..];
                rest.find('/')
                    .map(|j| rest[j..].to_string())
                    .unwrap_or("/".into())
            })
        })
        .unwrap_or_else(|| location.to_string())
}

/// The `href` of the first link whose target contains `needle`.
fn link(html: &str, needle: &str) -> Option<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|h| h.contains(needle))
        .map(|h| h.replace("&amp;", "&"))
}

/// The `action` of the login form.
fn form_action(html: &str) -> Option<String> {
    html.split("action=\"")
        .nth(1)?
        .split('"')
        .next()
        .map(|h| h.replace("&amp;", "&"))
}

/// Logs in: follows the endpoint's redirects to Dex, picks the local
/// (email) connector, posts the form and keeps `authservice_session`.
pub async fn login(endpoint: &str, login: &str, password: &str) -> Result<Session, ApiFailure> {
    let endpoint = endpoint.trim_end_matches('/').to_string();
    let client = client(&endpoint)?;
    let mut path = "/pipeline/apis/v2beta1/healthz".to_string();
    let mut method = Method::GET;
    let mut form = None;
    for _ in 0..12 {
        let a = send(
            &client,
            &endpoint,
            method.clone(),
            &path,
            None,
            form.take(),
            None,
        )
        .await?;
        if let Some(cookie) = a.cookies.iter().find_map(|c| {
            c.split(';')
                .next()
                .and_then(|kv| kv.trim().strip_prefix("authservice_session="))
                .map(String::from)
        }) {
            return Ok(Session {
                endpoint,
                login: login.to_string(),
                cookie,
                client,
            });
        }
        method = Method::GET;
        if a.status.is_redirection() {
            let Some(to) = a.location else {
                return Err(fail(&endpoint, "a redirect without a Location"));
            };
            path = local_path(&endpoint, &to);
            continue;
        }
        if !a.status.is_success() {
            return Err(fail(
                &endpoint,
                format!("the login answered {} at {path}", a.status),
            ));
        }
        if let Some(action) = form_action(&a.text).filter(|_| a.text.contains("name=\"password\""))
        {
            if path.contains("/login") && shows_error(&a.text) {
                return Err(ApiFailure {
                    code: Some(401),
                    reason: WRONG_PASSWORD.into(),
                    message: format!("Dex at {endpoint} refused the password for {login}"),
                    causes: Vec::new(),
                });
            }
            path = local_path(&endpoint, &action);
            method = Method::POST;
            form = Some(
                form_urlencoded::Serializer::new(String::new())
                    .append_pair("login", login)
                    .append_pair("password", password)
                    .finish(),
            );
            continue;
        }
        match link(&a.text, "/auth/local") {
            Some(l) => path = local_path(&endpoint, &l),
            None => {
                return Err(fail(
                    &endpoint,
                    format!("no Dex login (no /auth/local choice) at {path}"),
                ));
            }
        }
    }
    Err(fail(&endpoint, "too many redirects during the Dex login"))
}

/// Dex re-shows the form with an error box after a wrong password.
fn shows_error(html: &str) -> bool {
    html.contains("login-error") || html.contains("Invalid")
}

impl Session {
    /// One KFP API request (`path` starts with `/apis/v2beta1`) through the
    /// endpoint, with the cookie. A redirect to the login means the cookie
    /// expired ([`SESSION_EXPIRED`]).
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ApiFailure> {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|e| ApiFailure::local("Invalid", e.to_string()))?;
        let a = send(
            &self.client,
            &self.endpoint,
            method,
            &format!("/pipeline{path}"),
            Some(&self.cookie),
            None,
            body,
        )
        .await?;
        if a.status.is_redirection() && a.location.as_deref().is_some_and(|l| l.contains("/dex/")) {
            return Err(ApiFailure {
                code: Some(401),
                reason: SESSION_EXPIRED.into(),
                message: format!("the Dex session at {} expired: log in again", self.endpoint),
                causes: Vec::new(),
            });
        }
        if !a.status.is_success() {
            let head: String = a.text.trim().chars().take(120).collect();
            return Err(ApiFailure {
                code: Some(a.status.as_u16()),
                reason: "Failed".into(),
                message: format!("{} answered {}: {head}", self.endpoint, a.status),
                causes: Vec::new(),
            });
        }
        super::kfp::parse("ml-pipeline", "ingress", 0, &a.text)
    }

    /// "KFP API (http://host, Dex login as alice@example.com)".
    pub fn label(&self) -> String {
        format!("{}, Dex login as {}", self.endpoint, self.login)
    }
}

/// Sessions by (endpoint, login), kept in memory for the process.
fn sessions() -> &'static std::sync::Mutex<std::collections::HashMap<(String, String), Session>> {
    static S: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<(String, String), Session>>,
    > = std::sync::OnceLock::new();
    S.get_or_init(Default::default)
}

async fn fresh(url: &str, login_name: &str) -> Result<Session, ApiFailure> {
    let Some(password) = password_from_env() else {
        return Err(ApiFailure::local(
            NEED_PASSWORD,
            format!(
                "the Dex login at {url} needs the password of {login_name} (type it, or set {PASSWORD_ENV})"
            ),
        ));
    };
    let s = login(url, login_name, &password).await?;
    keep(url, login_name, &s);
    Ok(s)
}

fn keep(url: &str, login_name: &str, s: &Session) {
    if let Ok(mut m) = sessions().lock() {
        m.insert((url.to_string(), login_name.to_string()), s.clone());
    }
}

/// Logs in with a password typed into the prompt and keeps the session
/// (the cookie, not the password) for the requests that follow. Answers
/// `{"endpoint", "login"}`.
pub async fn login_typed(
    url: &str,
    login_name: &str,
    password: &Password,
) -> Result<Value, ApiFailure> {
    let s = login(url, login_name, password.expose()).await?;
    keep(url, login_name, &s);
    Ok(serde_json::json!({"endpoint": s.endpoint, "login": s.login}))
}

/// The session cookie of `login_name` at `url`: the one kept, or a fresh
/// login (password from [`PASSWORD_ENV`]) when there is none or `renew`.
pub async fn session_cookie(
    url: &str,
    login_name: &str,
    renew: bool,
) -> Result<String, ApiFailure> {
    let key = (url.to_string(), login_name.to_string());
    if !renew && let Some(s) = sessions().lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Ok(s.cookie);
    }
    if let Ok(mut m) = sessions().lock() {
        m.remove(&key);
    }
    Ok(fresh(url, login_name).await?.cookie)
}

/// One KFP API request through the endpoint: logs in first when there is
/// no session, and once more when the cookie has expired.
pub async fn request(
    url: &str,
    login_name: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<Value, ApiFailure> {
    let key = (url.to_string(), login_name.to_string());
    let known = sessions().lock().ok().and_then(|m| m.get(&key).cloned());
    let session = match known {
        Some(s) => s,
        None => fresh(url, login_name).await?,
    };
    match session.request(method, path, body.clone()).await {
        Err(e) if e.reason == SESSION_EXPIRED => {
            if let Ok(mut m) = sessions().lock() {
                m.remove(&key);
            }
            // Without a password from the environment, the prompt asks
            // again: the expiry goes back to the screen as it is.
            if password_from_env().is_none() {
                return Err(e);
            }
            fresh(url, login_name)
                .await?
                .request(method, path, body)
                .await
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_forms_and_redirects() {
        let html =
            "<a href=\"/dex/auth/ldap?req=x\">L</a><a href=\"/dex/auth/local?req=a&amp;b\">E</a>";
        assert_eq!(
            link(html, "/auth/local").as_deref(),
            Some("/dex/auth/local?req=a&b")
        );
        assert_eq!(
            form_action(
                "<form method=\"post\" action=\"/dex/auth/local/login?back=&amp;state=s\">"
            )
            .as_deref(),
            Some("/dex/auth/local/login?back=&state=s")
        );
        assert_eq!(
            local_path("http://h:1", "http://h:1/dex/auth?x"),
            "/dex/auth?x"
        );
        assert_eq!(
            local_path("http://h:1", "https://other/dex/auth"),
            "/dex/auth"
        );
        assert_eq!(local_path("http://h:1", "/a"), "/a");
    }
}
