//! The running emulator: starts the store with the demo cluster (and
//! optional generated load), the HTTP server, the pod responder and the
//! simulated controllers, and hands out kubeconfigs and clients.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use kube::config::{KubeConfigOptions, Kubeconfig};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::SimClock;
use crate::config::{DemoUser, EmulatorConfig};
use crate::faults::Faults;
use crate::portforward::responder;
use crate::proxy::ServiceRegistry;
use crate::server::{self, AppState, SharedState};
use crate::store::Store;
use crate::{controllers, demo, kubeconfig, scale};

/// Changes kept for watches to resume from (like the apiserver's watch cache).
const HISTORY: usize = 20_000;

/// A running Kubernetes API emulator on 127.0.0.1.
pub struct Emulator {
    url: String,
    state: SharedState,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Builds the cluster and starts serving.
    pub async fn start(cfg: EmulatorConfig) -> anyhow::Result<Emulator> {
        let clock = SimClock::new(cfg.speed);
        let store = Arc::new(Store::new(HISTORY, cfg.seed));
        demo::load(&store, cfg.seed);
        if cfg.scale > 0 {
            scale::generate(&store, cfg.scale, cfg.seed);
        }
        let (shutdown, shutdown_rx) = watch::channel(false);
        let pod_listener = responder::start(shutdown_rx.clone())
            .await
            .context("starting the pod HTTP responder")?;
        let (listener, addr) = server::bind(cfg.port)
            .await
            .with_context(|| format!("binding 127.0.0.1:{}", cfg.port))?;
        let bookmark_interval = clock
            .real(Duration::from_secs(5))
            .max(Duration::from_millis(100));
        let faults = Faults::new(store.clone());
        let lifecycle = faults.lifecycle().clone();
        let state = Arc::new(AppState {
            store: store.clone(),
            faults,
            clock,
            seed: cfg.seed,
            services: ServiceRegistry::with_defaults(),
            pod_listener,
            bookmark_interval,
            shutdown: shutdown_rx.clone(),
            server_address: addr.to_string(),
            anonymous: cfg
                .anonymous
                .and_then(|u| crate::auth::user_for_token(u.token())),
        });
        let mut tasks = vec![tokio::spawn(server::serve(
            listener,
            state.clone(),
            lifecycle,
            shutdown_rx.clone(),
        ))];
        if cfg.controllers {
            tasks.extend(controllers::spawn(store, clock, cfg.seed, shutdown_rx));
        }
        let url = format!("http://{addr}");
        tracing::info!(%url, scale = cfg.scale, seed = cfg.seed, speed = clock.speed(), "emulator started");
        Ok(Emulator {
            url,
            state,
            shutdown,
            tasks,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// A kubeconfig with contexts `kftui-demo` (admin, current),
    /// `kftui-demo-readonly` and `kftui-demo-alice`, all defaulting to the
    /// `ml-research` namespace.
    pub fn kubeconfig(&self) -> Kubeconfig {
        kubeconfig::build(&self.url)
    }

    /// Writes [`Emulator::kubeconfig`] as YAML to `path` (mode 0600).
    pub fn write_kubeconfig(&self, path: &Path) -> anyhow::Result<()> {
        let yaml = kubeconfig::to_yaml(&self.kubeconfig()).context("serializing the kubeconfig")?;
        std::fs::write(path, yaml).with_context(|| format!("writing {}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("restricting permissions of {}", path.display()))?;
        }
        Ok(())
    }

    /// A kube client for `user`, built from [`Emulator::kubeconfig`] through
    /// `kube::Config::from_custom_kubeconfig` — the same path as a real
    /// cluster.
    pub async fn client(&self, user: DemoUser) -> anyhow::Result<kube::Client> {
        let options = KubeConfigOptions {
            context: Some(user.context().to_string()),
            ..KubeConfigOptions::default()
        };
        let config = kube::Config::from_custom_kubeconfig(self.kubeconfig(), &options)
            .await
            .with_context(|| format!("loading kubeconfig context {}", user.context()))?;
        kube::Client::try_from(config).context("building the kube client")
    }

    /// The fault injector.
    pub fn faults(&self) -> Faults {
        self.state.faults.clone()
    }

    /// Stops the server, open streams and controllers.
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        for task in self.tasks.drain(..) {
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                tracing::warn!("emulator task did not stop within 5s");
            }
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}
