//! How the connection to the API server really stands, beyond what the
//! watch streams say:
//!
//! - [`ObserveLayer`] sits on the client and tells each watch when the
//!   server accepted its watch request again. kube's watcher re-watches
//!   quietly after a dropped connection (no event until an object changes),
//!   so without this a quiet watch would look broken forever.
//! - [`RetryLayer`] retries failed one-shot requests a little (429, 503, 504),
//!   but never a watch: a watch's failure must reach the watcher (and the
//!   screen) at once, where kube's default policy would retry a shutting-down
//!   server's 429s for minutes in silence.
//! - [`probe`] asks `/readyz`, which fails as soon as a server starts shutting
//!   down while its open watches still look fine.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response};
use kube::client::Body;
use kube::client::retry::RetryPolicy;
use tokio::sync::watch;
use tower::retry::Policy;
use tower::{BoxError, Layer, Service};

use super::errors::ApiFailure;

/// A watch as the server sees it: the collection path and its selectors.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WatchTarget {
    pub path: String,
    pub labels: Option<String>,
    pub fields: Option<String>,
}

impl WatchTarget {
    /// The target of a request, if it is a watch.
    fn of<B>(req: &Request<B>) -> Option<WatchTarget> {
        let query = req.uri().query()?;
        let mut watch = false;
        let mut labels = None;
        let mut fields = None;
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "watch" => watch = v == "true" || v == "1",
                "labelSelector" if !v.is_empty() => labels = Some(v.into_owned()),
                "fieldSelector" if !v.is_empty() => fields = Some(v.into_owned()),
                _ => {}
            }
        }
        watch.then(|| WatchTarget {
            path: req.uri().path().to_string(),
            labels,
            fields,
        })
    }
}

/// Where watches learn that the server accepted their watch request.
#[derive(Debug, Default)]
pub struct Board {
    targets: Mutex<HashMap<WatchTarget, watch::Sender<u64>>>,
}

impl Board {
    /// Changes every time the server answers a watch of `target` with 2xx.
    pub fn subscribe(&self, target: WatchTarget) -> watch::Receiver<u64> {
        let mut targets = self.targets.lock().unwrap_or_else(|e| e.into_inner());
        targets.retain(|_, tx| tx.receiver_count() > 0);
        targets
            .entry(target)
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    fn established(&self, target: &WatchTarget) {
        let targets = self.targets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = targets.get(target) {
            tx.send_modify(|n| *n += 1);
        }
    }
}

/// Reports accepted watch requests to a [`Board`].
#[derive(Clone)]
pub struct ObserveLayer {
    pub board: Arc<Board>,
}

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe {
            inner,
            board: self.board.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Observe<S> {
    inner: S,
    board: Arc<Board>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> Service<Request<Body>> for Observe<S>
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
{
    type Response = Response<B>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<B>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let target = WatchTarget::of(&req);
        let board = self.board.clone();
        let fut = self.inner.call(req);
        Box::pin(async move {
            let res = fut.await;
            if let (Some(t), Ok(r)) = (&target, &res)
                && r.status().is_success()
            {
                board.established(t);
            }
            res
        })
    }
}

/// kube's bounded default retry (3 tries, 0.5 s to 5 s) for one-shot
/// requests; none for watches.
#[derive(Clone, Default)]
pub struct NoWatchRetry(RetryPolicy);

impl<Res> Policy<Request<Body>, Response<Res>, BoxError> for NoWatchRetry {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        req: &mut Request<Body>,
        result: &mut Result<Response<Res>, BoxError>,
    ) -> Option<Self::Future> {
        if WatchTarget::of(req).is_some() || is_health_check(req) {
            return None;
        }
        self.0.retry(req, result)
    }

    fn clone_request(&mut self, req: &Request<Body>) -> Option<Request<Body>> {
        if WatchTarget::of(req).is_some() || is_health_check(req) {
            return None;
        }
        <RetryPolicy as Policy<Request<Body>, Response<Res>, BoxError>>::clone_request(
            &mut self.0,
            req,
        )
    }
}

pub type RetryLayer = tower::retry::RetryLayer<NoWatchRetry>;

pub fn retry_layer() -> RetryLayer {
    tower::retry::RetryLayer::new(NoWatchRetry::default())
}

/// How long the readiness probe waits for an answer.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// How often the probe asks (at most).
pub const PROBE_EVERY: Duration = Duration::from_secs(5);

/// What the server said about its readiness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// It answered, and said it is not ready (e.g. shutting down).
    NotReady(String),
    /// It did not answer usefully.
    Failed(ApiFailure),
}

/// The failing checks of a `/readyz` answer, in one line
/// ("shutdown failed: reason withheld").
fn failing_checks(body: &str) -> String {
    let failed: Vec<&str> = body
        .lines()
        .filter_map(|l| l.trim().strip_prefix("[-]"))
        .collect();
    if failed.is_empty() {
        body.lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("no reason given")
            .to_string()
    } else {
        failed.join("; ")
    }
}

/// Asks `/readyz` once, within [`PROBE_TIMEOUT`]. A server that does not
/// serve `/readyz` (404, or 403 for users without public-info access) is
/// asked for `/version` instead.
pub async fn probe(client: &kube::Client, server: &str) -> Readiness {
    match ask(client, server, "/readyz").await {
        Ok(()) => Readiness::Ready,
        Err(Asked::NotReady(why)) => Readiness::NotReady(why),
        Err(Asked::Failed(f)) if matches!(f.code, Some(404 | 403)) => {
            match ask(client, server, "/version").await {
                Ok(()) => Readiness::Ready,
                Err(Asked::NotReady(why)) => Readiness::NotReady(why),
                Err(Asked::Failed(f)) => Readiness::Failed(f),
            }
        }
        Err(Asked::Failed(f)) => Readiness::Failed(f),
    }
}

enum Asked {
    NotReady(String),
    Failed(ApiFailure),
}

async fn ask(client: &kube::Client, server: &str, path: &'static str) -> Result<(), Asked> {
    let req = Request::get(path)
        .body(Vec::new())
        .map_err(|e| Asked::Failed(ApiFailure::local("ClientError", e.to_string())))?;
    match tokio::time::timeout(PROBE_TIMEOUT, client.request_text(req)).await {
        Ok(Ok(_)) => Ok(()),
        // `/readyz` answers 500 with the list of its checks when not ready.
        Ok(Err(kube::Error::Api(s))) if s.code == 500 => {
            Err(Asked::NotReady(failing_checks(&s.message)))
        }
        Ok(Err(e)) => Err(Asked::Failed(ApiFailure::from(&e).at(server))),
        Err(_) => Err(Asked::Failed(ApiFailure::local(
            "Timeout",
            format!(
                "{server} did not answer within {}s",
                PROBE_TIMEOUT.as_secs()
            ),
        ))),
    }
}

/// Health checks are asked once: their answer is the point.
fn is_health_check<B>(req: &Request<B>) -> bool {
    matches!(
        req.uri().path(),
        "/readyz" | "/livez" | "/healthz" | "/version"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_targets_come_from_the_query() {
        let req = Request::get(
            "/api/v1/namespaces/a/pods?watch=true&labelSelector=app%3Dx&resourceVersion=5",
        )
        .body(())
        .expect("request");
        assert_eq!(
            WatchTarget::of(&req),
            Some(WatchTarget {
                path: "/api/v1/namespaces/a/pods".into(),
                labels: Some("app=x".into()),
                fields: None,
            })
        );
        let list = Request::get("/api/v1/pods?limit=500")
            .body(())
            .expect("request");
        assert_eq!(WatchTarget::of(&list), None);
    }

    #[test]
    fn readyz_bodies_read_as_their_failing_checks() {
        let body =
            "[+]ping ok\n[+]etcd ok\n[-]shutdown failed: reason withheld\nreadyz check failed\n";
        assert_eq!(failing_checks(body), "shutdown failed: reason withheld");
        assert_eq!(failing_checks("  \nnot ready\n"), "not ready");
        assert_eq!(failing_checks(""), "no reason given");
    }

    #[test]
    fn the_board_signals_only_its_own_target() {
        let board = Board::default();
        let a = WatchTarget {
            path: "/api/v1/pods".into(),
            labels: None,
            fields: None,
        };
        let b = WatchTarget {
            labels: Some("x=y".into()),
            ..a.clone()
        };
        let mut ra = board.subscribe(a.clone());
        let rb = board.subscribe(b);
        board.established(&a);
        assert!(ra.has_changed().unwrap_or(false));
        assert!(!rb.has_changed().unwrap_or(true));
        ra.mark_unchanged();
        drop(rb);
        // A target nobody watches any more is forgotten on the next subscribe.
        let _rc = board.subscribe(a);
        assert_eq!(board.targets.lock().map(|t| t.len()).unwrap_or(0), 1);
    }
}
