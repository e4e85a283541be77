//! Which path a test request takes (the service proxy, or the Istio
//! ingress gateway with the service's host and the Dex session or a bearer
//! token), from the configuration, and the request op for it.

use std::time::Duration;

use serde_json::Value;

use super::{RemoteInferView, Via};
use crate::app::config::{Config, ServingVia};
use crate::kube::types::{ApiOp, GatewayAuth, ProxyAnswer};
use crate::views::Cx;

impl RemoteInferView {
    /// Which path the configuration sends requests on.
    pub fn via(&self, config: &Config) -> Result<Via, String> {
        if config.serving.via == ServingVia::ServiceProxy {
            return Ok(Via::ServiceProxy);
        }
        let url = config
            .kfp
            .endpoint_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .ok_or(
                "[serving] via = \"ingress\" needs [kfp] endpoint_url (the Kubeflow endpoint)",
            )?;
        let host = self
            .url
            .as_deref()
            .and_then(crate::kube::proxy::url_host)
            .ok_or_else(|| format!("{} has no URL yet: no host for the ingress", self.model))?;
        let auth = match &config.serving.token_env {
            Some(var) if !var.trim().is_empty() => GatewayAuth::BearerEnv(var.trim().to_string()),
            _ => GatewayAuth::Dex {
                login: config
                    .kfp
                    .dex_login
                    .clone()
                    .unwrap_or_else(|| "user@example.com".into()),
            },
        };
        Ok(Via::Gateway {
            url: url.trim().to_string(),
            host,
            auth,
        })
    }

    /// "via API server service proxy → ns/svc", or the gateway's words.
    pub fn via_text(&self, config: &Config) -> String {
        match self.via(config) {
            Ok(Via::ServiceProxy) => {
                format!("via service proxy → {}/{}", self.namespace, self.service)
            }
            Ok(Via::Gateway { url, host, auth }) => {
                let who = match auth {
                    GatewayAuth::Dex { login } => format!("Dex login as {login}"),
                    GatewayAuth::BearerEnv(var) => format!("bearer token from ${var}"),
                };
                format!("via Kubeflow endpoint {url} (Istio ingress, Host {host}, {who})")
            }
            Err(why) => format!("no path: {why}"),
        }
    }

    /// The request to send, or why it cannot go.
    pub(super) fn op(&self, cx: &Cx, path: &str, body: Value) -> Result<ApiOp, String> {
        let limit = Duration::from_secs_f64(cx.config.serving.timeout_secs.clamp(0.1, 600.0));
        Ok(match self.via(cx.config)? {
            Via::ServiceProxy => ApiOp::Proxy {
                namespace: self.namespace.clone(),
                service: self.service.clone(),
                port: None,
                method: "POST",
                path: path.to_string(),
                body: Some(body),
                answer: ProxyAnswer::Raw { limit },
            },
            Via::Gateway { url, host, auth } => ApiOp::Gateway {
                url,
                host,
                auth,
                method: "POST",
                path: path.to_string(),
                body: Some(body),
                limit,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_follows_the_config() {
        let v =
            RemoteInferView::new("ns", "m", false).with_url(Some("http://m.ns.example.com".into()));
        let mut c = Config::default();
        assert_eq!(v.via(&c), Ok(Via::ServiceProxy));
        assert_eq!(v.via_text(&c), "via service proxy → ns/m-predictor");
        c.serving.via = ServingVia::Ingress;
        assert!(v.via(&c).unwrap_err().contains("[kfp] endpoint_url"));
        c.kfp.endpoint_url = Some(" http://kf:8080 ".into());
        c.kfp.dex_login = Some("a@b.c".into());
        assert_eq!(
            v.via(&c),
            Ok(Via::Gateway {
                url: "http://kf:8080".into(),
                host: "m.ns.example.com".into(),
                auth: GatewayAuth::Dex {
                    login: "a@b.c".into()
                },
            })
        );
        assert!(
            v.via_text(&c)
                .contains("Host m.ns.example.com, Dex login as a@b.c")
        );
        c.serving.token_env = Some("T".into());
        assert!(v.via_text(&c).contains("bearer token from $T"));
        let no_url = RemoteInferView::new("ns", "m", false);
        assert!(no_url.via(&c).unwrap_err().contains("has no URL yet"));
    }
}
