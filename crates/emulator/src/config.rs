//! Emulator configuration and the demo users.

/// How to start an [`Emulator`](crate::Emulator).
#[derive(Debug, Clone, PartialEq)]
pub struct EmulatorConfig {
    /// Port on 127.0.0.1; 0 picks a free port.
    pub port: u16,
    /// 0 serves the demo cluster only; N adds generated load (N pods,
    /// N/10 workflows, N/10 trials over up to 200 namespaces).
    pub scale: u32,
    /// Seed for everything random (names, uids, metrics, schedules).
    pub seed: u64,
    /// How much faster than real time simulated activities run.
    pub speed: f64,
    /// Run the simulated controllers (kubelet, notebook, workflow, Katib,
    /// training, activity).
    pub controllers: bool,
    /// Requests without credentials act as this user, like kube-apiserver's
    /// anonymous authentication with a binding for `system:anonymous`.
    /// `None` (the default) answers them 401. kubectl sends bearer tokens
    /// only over TLS, so it needs this to talk to the plain-HTTP emulator.
    pub anonymous: Option<DemoUser>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            port: 0,
            scale: 0,
            seed: 42,
            speed: 1.0,
            controllers: true,
            anonymous: None,
        }
    }
}

/// The demo users, each with a kubeconfig context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DemoUser {
    /// `admin` (context `kftui-demo`): everything.
    Admin,
    /// `readonly` (context `kftui-demo-readonly`): get/list/watch on
    /// everything except secrets.
    ReadOnly,
    /// `alice@example.com` (context `kftui-demo-alice`): a Kubeflow profile
    /// user, owner of `ml-research`.
    Alice,
}

impl DemoUser {
    /// The kubeconfig context of this user.
    pub fn context(self) -> &'static str {
        match self {
            Self::Admin => "kftui-demo",
            Self::ReadOnly => "kftui-demo-readonly",
            Self::Alice => "kftui-demo-alice",
        }
    }

    /// The username the emulator authenticates this user as.
    pub fn username(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::ReadOnly => "readonly",
            Self::Alice => "alice@example.com",
        }
    }

    /// The bearer token of this user.
    pub fn token(self) -> &'static str {
        match self {
            Self::Admin => "demo-admin-token",
            Self::ReadOnly => "demo-readonly-token",
            Self::Alice => "demo-alice-token",
        }
    }

    /// All demo users.
    pub fn all() -> [Self; 3] {
        [Self::Admin, Self::ReadOnly, Self::Alice]
    }
}
