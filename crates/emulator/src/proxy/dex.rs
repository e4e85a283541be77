//! The Kubeflow endpoint (Istio ingress) with a Dex-like login in front,
//! served on the emulator's own port: `/pipeline/...` reaches the KFP API
//! (`ml-pipeline.kubeflow:8888`) once the request carries a valid
//! `authservice_session` cookie; without one it redirects to `/dex/auth`,
//! which offers `/dex/auth/local`, whose form (`/dex/auth/local/login`)
//! takes the demo users' login and password; a wrong password re-shows the
//! form. The callback (`/authservice/oidc/callback`) sets the cookie.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::response::Response;

use super::{ProxyContext, ProxyRequest, ServiceTarget, reply};
use crate::config::DemoUser;
use crate::ops;
use crate::resources;
use crate::server::SharedState;

/// The Dex password of a demo user (`admin` → `demo-admin-password`).
pub fn password(user: DemoUser) -> String {
    user.token().replace("-token", "-password")
}

/// Issued codes and sessions (code or cookie → user name).
#[derive(Default)]
struct Logins {
    codes: HashMap<String, String>,
    sessions: HashMap<String, String>,
    next: u64,
}

fn logins() -> &'static Mutex<Logins> {
    static L: OnceLock<Mutex<Logins>> = OnceLock::new();
    L.get_or_init(Default::default)
}

/// Ends every session, as when the cookies expire.
pub fn expire_sessions() {
    if let Ok(mut l) = logins().lock() {
        l.sessions.clear();
    }
}

/// Whether this path belongs to the Kubeflow endpoint.
pub fn claims(path: &str) -> bool {
    path == "/pipeline"
        || path.starts_with("/pipeline/")
        || path.starts_with("/dex/")
        || path == "/dex"
        || path.starts_with("/authservice/")
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn param(query: Option<&str>, key: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn redirect(code: u16, to: &str) -> Response {
    let mut r = reply(code, "text/html", format!("<a href=\"{to}\">Found</a>"));
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn login_form(state: &str, error: Option<&str>) -> Response {
    let err = error
        .map(|e| format!("<div id=\"login-error\" class=\"dex-error-box\">{e}</div>"))
        .unwrap_or_default();
    reply(
        200,
        "text/html",
        format!(
            "<html><body><h2>Log in to Your Account</h2>{err}<form method=\"post\" action=\"/dex/auth/local/login?back=&amp;state={}\">\
             <input name=\"login\" type=\"text\"/><input name=\"password\" type=\"password\"/>\
             <button type=\"submit\">Login</button></form></body></html>",
            enc(state)
        ),
    )
}

pub(crate) fn session_user(headers: &axum::http::HeaderMap) -> Option<String> {
    let l = logins().lock().ok()?;
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix("authservice_session="))
        .find_map(|s| l.sessions.get(s).cloned())
}

/// Serves one request to the Kubeflow endpoint.
pub async fn serve(state: SharedState, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(String::from);
    let body = axum::body::to_bytes(body, 3 * 1024 * 1024)
        .await
        .unwrap_or_default();
    match (parts.method.clone(), path.as_str()) {
        (Method::GET, "/dex/auth") => {
            let st = param(query.as_deref(), "state").unwrap_or_default();
            reply(
                200,
                "text/html",
                format!(
                    "<html><body><h2>Log in to dex</h2><ul>\
                     <li><a href=\"/dex/auth/local?req={0}\">Log in with Email</a></li>\
                     <li><a href=\"/dex/auth/ldap?req={0}\">Log in with LDAP</a></li></ul></body></html>",
                    enc(&st)
                ),
            )
        }
        (Method::GET, "/dex/auth/local") => {
            let st = param(query.as_deref(), "req").unwrap_or_default();
            redirect(
                302,
                &format!("/dex/auth/local/login?back=&state={}", enc(&st)),
            )
        }
        (Method::GET, "/dex/auth/local/login") => {
            login_form(&param(query.as_deref(), "state").unwrap_or_default(), None)
        }
        (Method::POST, "/dex/auth/local/login") => {
            let st = param(query.as_deref(), "state").unwrap_or_default();
            let form = String::from_utf8_lossy(&body).to_string();
            let login = param(Some(&form), "login").unwrap_or_default();
            let pass = param(Some(&form), "password").unwrap_or_default();
            let user = DemoUser::all()
                .into_iter()
                .find(|u| u.username() == login && password(*u) == pass);
            match (user, logins().lock()) {
                (Some(u), Ok(mut l)) => {
                    l.next += 1;
                    let code = format!("code-{}-{}", l.next, state.seed);
                    l.codes.insert(code.clone(), u.username().to_string());
                    redirect(
                        303,
                        &format!(
                            "/authservice/oidc/callback?code={}&state={}",
                            enc(&code),
                            enc(&st)
                        ),
                    )
                }
                _ => login_form(&st, Some("Invalid Email Address and password.")),
            }
        }
        (Method::GET, "/authservice/oidc/callback") => {
            let code = param(query.as_deref(), "code").unwrap_or_default();
            let back = param(query.as_deref(), "state")
                .filter(|s| s.starts_with('/'))
                .unwrap_or_else(|| "/".into());
            let Ok(mut l) = logins().lock() else {
                return reply(500, "text/plain", "login store poisoned");
            };
            let Some(user) = l.codes.remove(&code) else {
                return reply(401, "text/plain", "invalid or used authorization code");
            };
            l.next += 1;
            let session = format!(
                "s{:016x}{:08x}",
                state.seed ^ l.next.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                l.next
            );
            l.sessions.insert(session.clone(), user);
            let mut r = redirect(302, &back);
            if let Ok(v) =
                HeaderValue::from_str(&format!("authservice_session={session}; Path=/; HttpOnly"))
            {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        (_, p) if p == "/pipeline" || p.starts_with("/pipeline/") => {
            if session_user(&parts.headers).is_none() {
                let back = match &query {
                    Some(q) => format!("{path}?{q}"),
                    None => path.clone(),
                };
                return redirect(
                    302,
                    &format!(
                        "/dex/auth?client_id=kubeflow-oidc-authservice&redirect_uri={}&response_type=code&scope=openid+profile+email+groups&state={}",
                        enc("/authservice/oidc/callback"),
                        enc(&back)
                    ),
                );
            }
            let rest = p.strip_prefix("/pipeline").unwrap_or_default();
            kfp(state, parts.method, rest, query, parts.headers, body).await
        }
        _ => reply(404, "text/plain", "404 page not found"),
    }
}

/// The KFP API behind the ingress: the same backend the service proxy uses.
async fn kfp(
    state: SharedState,
    method: Method,
    rest: &str,
    query: Option<String>,
    headers: axum::http::HeaderMap,
    body: bytes::Bytes,
) -> Response {
    let Ok(service) = ops::get(
        &state.store,
        &resources::SERVICE,
        Some("kubeflow"),
        "ml-pipeline",
    ) else {
        return reply(503, "text/plain", "no healthy upstream");
    };
    let service = service.value();
    let Some(port) = super::find_port(&service, Some("8888")) else {
        return reply(503, "text/plain", "no healthy upstream");
    };
    let target = ServiceTarget {
        namespace: "kubeflow".into(),
        name: "ml-pipeline".into(),
        service,
        port,
    };
    let ctx = ProxyContext {
        store: state.store.clone(),
        clock: state.clock,
        seed: state.seed,
    };
    let Some(backend) = state.services.find(&ctx, &target) else {
        return reply(503, "text/plain", "no healthy upstream");
    };
    let req = ProxyRequest {
        method,
        path: if rest.is_empty() {
            "/".into()
        } else {
            rest.into()
        },
        query,
        headers,
        body,
    };
    backend.handle(ctx, target, req).await
}
