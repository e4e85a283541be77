//! The user's configuration file (TOML in the platform config directory):
//! theme, default view, buffer sizes, ONNX Runtime path and keymap overrides.
//! A broken file never stops kftui: the error names the line and defaults apply.

use std::path::Path;

use serde::Deserialize;

use super::keymap::RawKeymap;

/// Light or dark terminal background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
}

/// The whole configuration, every field defaulted.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[derive(Default)]
pub struct Config {
    pub ui: UiConfig,
    pub logs: LogsConfig,
    pub onnx: OnnxConfig,
    pub kfp: KfpConfig,
    /// `[gpu]`: this host's NVML sampler, the `:gpu` screen's idle rule and
    /// metrics sources.
    pub gpu: GpuConfig,
    pub serving: ServingConfig,
    pub keymap: RawKeymap,
}

/// `[gpu]` lives with the `:gpu` screen; the host sampler reads it too.
pub use crate::views::gpu::config::GpuConfig;

/// Which path a test request to an InferenceService takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServingVia {
    /// The API server's service proxy to the predictor Service.
    #[default]
    ServiceProxy,
    /// The Kubeflow endpoint (`[kfp] endpoint_url`, the Istio ingress
    /// gateway) with the service's host, and the Dex session of
    /// `[kfp] dex_login` or a bearer token from `token_env`.
    Ingress,
}

/// `[serving]`: test requests to InferenceServices.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServingConfig {
    pub via: ServingVia,
    /// With `via = "ingress"`: send `Authorization: Bearer` with the token
    /// in this environment variable instead of the Dex session cookie.
    pub token_env: Option<String>,
    /// The longest wait for one answer, in seconds.
    pub timeout_secs: f64,
}

impl Default for ServingConfig {
    fn default() -> Self {
        ServingConfig {
            via: ServingVia::ServiceProxy,
            token_env: None,
            timeout_secs: 10.0,
        }
    }
}

/// Where the KFP API server is: the `ml-pipeline` Service reached through
/// the API server's service proxy.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KfpConfig {
    pub namespace: String,
    pub service: String,
    pub port: u16,
    /// The Kubeflow endpoint (Istio ingress) URL: when set, the KFP API is
    /// reached there after a Dex login instead of through the service proxy.
    pub endpoint_url: Option<String>,
    /// The Dex login name (an email); the password is read from
    /// `KFTUI_DEX_PASSWORD`, never from this file.
    pub dex_login: Option<String>,
}

impl Default for KfpConfig {
    fn default() -> Self {
        let e = crate::kube::kfp::Endpoint::default();
        KfpConfig {
            namespace: e.namespace,
            service: e.service,
            port: e.port,
            endpoint_url: None,
            dex_login: None,
        }
    }
}

impl KfpConfig {
    /// The endpoint the runs screens send their requests to.
    pub fn endpoint(&self) -> crate::kube::kfp::Endpoint {
        crate::kube::kfp::Endpoint {
            namespace: self.namespace.clone(),
            service: self.service.clone(),
            port: self.port,
            ingress: self
                .endpoint_url
                .as_ref()
                .filter(|u| !u.trim().is_empty())
                .map(|url| crate::kube::kfp::Ingress {
                    url: url.trim().to_string(),
                    login: self
                        .dex_login
                        .clone()
                        .unwrap_or_else(|| "user@example.com".into()),
                }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    pub theme: ThemeName,
    /// View opened at start (`notebooks`, `namespaces`, `pods`, ...).
    pub default_view: String,
    /// Disable every mutating action.
    pub readonly: bool,
    /// Redraw this often (seconds) so ages stay current; 0 redraws only on change.
    pub clock_seconds: u64,
    /// Longest pause between a change and the frame showing it, in milliseconds.
    pub frame_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogsConfig {
    /// Lines kept per log view; older ones are dropped.
    pub buffer_lines: usize,
    /// Lines fetched when a log view opens.
    pub tail_lines: i64,
    pub timestamps: bool,
    pub wrap: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OnnxConfig {
    /// Path of `libonnxruntime.so`; found automatically when unset.
    pub runtime_library: Option<std::path::PathBuf>,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            theme: ThemeName::Dark,
            default_view: "notebooks".into(),
            readonly: false,
            clock_seconds: 0,
            frame_ms: 16,
        }
    }
}

impl Default for LogsConfig {
    fn default() -> Self {
        LogsConfig {
            buffer_lines: 10_000,
            tail_lines: 500,
            timestamps: false,
            wrap: false,
        }
    }
}

/// A config file that could not be used, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} line {line}: {reason}")]
    Parse {
        path: String,
        line: usize,
        reason: String,
    },
}

impl Config {
    /// Parses config text; `path` only labels errors.
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(1);
            ConfigError::Parse {
                path: path.to_string(),
                line,
                reason: e.message().to_string(),
            }
        })
    }

    /// Loads the file if it exists. A missing file is the defaults, silently;
    /// any other problem is the defaults plus the error to show.
    pub fn load(path: &Path) -> (Config, Option<ConfigError>) {
        match std::fs::read_to_string(path) {
            Ok(text) => match Config::parse(&text, &path.display().to_string()) {
                Ok(c) => (c, None),
                Err(e) => (Config::default(), Some(e)),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), None),
            Err(e) => (
                Config::default(),
                Some(ConfigError::Read {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                }),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_defaults() {
        assert_eq!(Config::parse("", "c.toml"), Ok(Config::default()));
    }

    #[test]
    fn values_and_keymap_parse() {
        let c = Config::parse(
            "[ui]\ntheme = \"light\"\ndefault_view = \"pods\"\n[logs]\nbuffer_lines = 50\n[keymap.list]\ndown = \"n\"\n",
            "c.toml",
        )
        .expect("valid");
        assert_eq!(c.ui.theme, ThemeName::Light);
        assert_eq!(c.ui.default_view, "pods");
        assert_eq!(c.logs.buffer_lines, 50);
        assert_eq!(c.logs.tail_lines, 500);
        assert!(c.keymap.contains_key("list"));
    }

    #[test]
    fn kfp_endpoint_is_configurable() {
        let d = Config::default().kfp.endpoint();
        assert_eq!(d.label(), "ml-pipeline.kubeflow:8888");
        let c = Config::parse("[kfp]\nnamespace = \"pipelines\"\nport = 8887\n", "c.toml")
            .expect("valid");
        let e = c.kfp.endpoint();
        assert_eq!(e.label(), "ml-pipeline.pipelines:8887");
        assert_eq!(e.service, "ml-pipeline");
        assert_eq!(e.via(), "service proxy");
        let c = Config::parse(
            "[kfp]\nendpoint_url = \"http://kf.example:8080/\"\ndex_login = \"alice@example.com\"\n",
            "c.toml",
        )
        .expect("valid");
        let e = c.kfp.endpoint();
        assert_eq!(e.label(), "http://kf.example:8080/pipeline");
        assert_eq!(e.via(), "Kubeflow endpoint, Dex login as alice@example.com");
        assert!(matches!(
            e.list_runs("ns"),
            crate::kube::types::ApiOp::Ingress { ref login, .. } if login == "alice@example.com"
        ));
        let err = Config::parse("[kfp]\nport = 70000\n", "c.toml").expect_err("port");
        assert!(err.to_string().starts_with("c.toml line 2: "), "{err}");
    }

    #[test]
    fn gpu_keys_parse() {
        let d = Config::default().gpu;
        assert_eq!(d.interval(), std::time::Duration::from_secs(1));
        assert_eq!(d.nvml_lib, None);
        let c = Config::parse(
            "[gpu]\nnvml_lib = \"/opt/nv/libnvidia-ml.so.1\"\nsample_interval = 0.5\n",
            "c.toml",
        )
        .expect("valid");
        assert_eq!(c.gpu.interval(), std::time::Duration::from_millis(500));
        assert_eq!(
            c.gpu.nvml_lib.as_deref(),
            Some(std::path::Path::new("/opt/nv/libnvidia-ml.so.1"))
        );
        let c = Config::parse("[gpu]\nsample_interval = 2\n", "c.toml").expect("integer");
        assert_eq!(c.gpu.interval(), std::time::Duration::from_secs(2));
        let c = Config::parse("[gpu]\nsample_interval = -3\n", "c.toml").expect("parses");
        assert_eq!(c.gpu.interval(), std::time::Duration::from_secs(1));
    }

    #[test]
    fn serving_path_is_configurable() {
        assert_eq!(Config::default().serving.via, ServingVia::ServiceProxy);
        let c = Config::parse(
            "[serving]\nvia = \"ingress\"\ntoken_env = \"KF_TOKEN\"\ntimeout_secs = 10\n",
            "c.toml",
        )
        .expect("parses");
        assert_eq!(c.serving.via, ServingVia::Ingress);
        assert_eq!(c.serving.token_env.as_deref(), Some("KF_TOKEN"));
        assert_eq!(c.serving.timeout_secs, 10.0);
        assert!(Config::parse("[serving]\nvia = \"carrier-pigeon\"\n", "c.toml").is_err());
    }

    #[test]
    fn errors_name_the_line() {
        let err = Config::parse("[ui]\ntheme = \"dark\"\nframe_ms = \"fast\"\n", "c.toml")
            .expect_err("bad type");
        match &err {
            ConfigError::Parse { line, path, .. } => {
                assert_eq!(*line, 3);
                assert_eq!(path, "c.toml");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().starts_with("c.toml line 3: "), "{err}");

        let err = Config::parse("[ui]\n\n\nthem = \"dark\"\n", "c.toml").expect_err("typo");
        assert!(
            err.to_string()
                .starts_with("c.toml line 4: unknown field `them`"),
            "{err}"
        );

        let err = Config::parse("[ui\n", "c.toml").expect_err("syntax");
        assert!(err.to_string().starts_with("c.toml line 1: "), "{err}");
    }

    #[test]
    fn load_reports_and_falls_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("none.toml");
        assert_eq!(Config::load(&missing), (Config::default(), None));
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "[logs]\nbuffer_lines = -1\n").expect("write");
        let (c, err) = Config::load(&bad);
        assert_eq!(c, Config::default());
        assert!(err.expect("error").to_string().contains("line 2"));
    }
}
