//! The Jupyter stand-in: the page a notebook server answers under its
//! `NB_PREFIX` (`/notebook/<ns>/<name>/`), reachable through the service
//! proxy of the notebook's Service and by port-forward to its pod.

use axum::response::Response;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::{ProxyContext, ProxyRequest, ServiceBackend, ServiceTarget, reply};
use crate::resources;

/// The HTML page of notebook `name` in `namespace`.
pub fn page(namespace: &str, name: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>JupyterLab - {namespace}/{name}</title></head>\n\
         <body>\n<h1>JupyterLab</h1>\n<p>Notebook server <b>{name}</b> in namespace <b>{namespace}</b> is running.</p>\n\
         <p>Base URL: /notebook/{namespace}/{name}/</p>\n</body>\n</html>\n"
    )
}

/// Answers `GET path` for notebook `name`: the page under its prefix, an
/// `api/status` document, 404 elsewhere (as Jupyter does).
pub fn respond(namespace: &str, name: &str, path: &str) -> (u16, &'static str, String) {
    let prefix = format!("/notebook/{namespace}/{name}");
    let Some(rest) = path.strip_prefix(&prefix) else {
        return (
            404,
            "text/html",
            "<html><body><h1>404 : Not Found</h1></body></html>\n".into(),
        );
    };
    if rest.trim_end_matches('/') == "/api/status" {
        let status = json!({"connections": 1, "kernels": 1, "started": "2025-01-01T00:00:00.000000Z", "last_activity": crate::clock::rfc3339(crate::clock::now())});
        return (200, "application/json", status.to_string());
    }
    if rest.starts_with("/api") {
        return (
            200,
            "application/json",
            json!({"version": "2.14.2"}).to_string(),
        );
    }
    (200, "text/html", page(namespace, name))
}

/// Serves notebook Services (the notebook controller's Service named like
/// the notebook, selecting `statefulset=<name>`).
pub struct JupyterBackend;

fn notebook_of(ctx: &ProxyContext, target: &ServiceTarget) -> Option<String> {
    let name = target
        .service
        .pointer("/spec/selector/statefulset")
        .and_then(Value::as_str)?;
    ctx.store
        .read(|v| {
            v.get(&resources::NOTEBOOK, Some(&target.namespace), name)
                .is_some()
        })
        .then(|| name.to_string())
}

impl ServiceBackend for JupyterBackend {
    fn serves(&self, ctx: &ProxyContext, target: &ServiceTarget) -> bool {
        notebook_of(ctx, target).is_some()
    }

    fn handle(
        &self,
        ctx: ProxyContext,
        target: ServiceTarget,
        req: ProxyRequest,
    ) -> BoxFuture<'static, Response> {
        async move {
            let Some(name) = notebook_of(&ctx, &target) else {
                return reply(503, "text/plain", "no endpoints available");
            };
            let running = ctx.store.read(|v| {
                v.get(
                    &resources::POD,
                    Some(&target.namespace),
                    &format!("{name}-0"),
                )
                .is_some_and(|p| p.meta.field(3) == "Running")
            });
            if !running {
                return reply(
                    503,
                    "text/plain",
                    format!("no endpoints available for service \"{}\"", target.name),
                );
            }
            let (code, ct, body) = respond(&target.namespace, &name, &req.path);
            reply(code, ct, body)
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_routing() {
        let (code, _, body) = respond(
            "ml-research",
            "jupyter-alice",
            "/notebook/ml-research/jupyter-alice/lab",
        );
        assert_eq!(code, 200);
        assert!(body.contains("jupyter-alice"));
        assert_eq!(respond("ml-research", "jupyter-alice", "/other").0, 404);
        let (_, ct, _) = respond("a", "b", "/notebook/a/b/api/status");
        assert_eq!(ct, "application/json");
    }
}
