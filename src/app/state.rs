//! The application state: everything the screen shows, owned in one place,
//! changed only by `update`.

use std::collections::HashMap;

use jiff::Timestamp;

use super::config::Config;
use super::keymap::Keymap;
use super::prompt::Prompt;
use super::store::Store;
use super::theme::Theme;
use crate::kube::types::{Access, AccessKey, ClusterInfo, ForwardSpec};
use crate::views::{Confirm, View};

/// Which namespaces the views show.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Namespace(String),
    All,
}

impl Scope {
    /// The namespace to narrow watches to, `None` for all.
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Scope::Namespace(ns) => Some(ns),
            Scope::All => None,
        }
    }

    pub fn label(&self) -> &str {
        match self {
            Scope::Namespace(ns) => ns,
            Scope::All => "all namespaces",
        }
    }
}

/// How the footer message should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

/// The footer's message line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
}

impl Notice {
    pub fn info(text: impl Into<String>) -> Notice {
        Notice {
            level: Level::Info,
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Notice {
        Notice {
            level: Level::Error,
            text: text.into(),
        }
    }
}

/// Connection to the cluster as the header shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// No cluster configured or reachable; the reason.
    Offline(String),
    Connecting,
    Connected(ClusterInfo),
}

/// The API server is in trouble beyond any one watch: its readiness probe
/// fails or it cannot be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trouble {
    /// In plain words ("the API server is not ready: shutdown failed").
    pub words: String,
    pub since: Timestamp,
}

/// A port-forward the user opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    pub spec: ForwardSpec,
    pub local_port: Option<u16>,
    pub error: Option<String>,
}

impl Forward {
    pub fn url(&self) -> Option<String> {
        self.local_port
            .map(|p| format!("http://127.0.0.1:{p}{}", self.spec.path))
    }
}

/// Help overlay scroll position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HelpState {
    pub scroll: usize,
}

/// Everything.
pub struct State {
    pub now: Timestamp,
    /// Terminal columns and rows.
    pub size: (u16, u16),
    pub connection: Connection,
    /// What the readiness probe says is wrong with the server, if anything.
    pub trouble: Option<Trouble>,
    pub scope: Scope,
    /// Why mutating actions are disabled, when they are.
    pub readonly: Option<String>,
    pub store: Store,
    pub access: HashMap<AccessKey, Access>,
    /// The view stack: a top-level screen (what a `:` command opened) and
    /// what was drilled into from it; the last one is on screen. Never empty.
    pub stack: Vec<Box<dyn View>>,
    /// Earlier top-level screens with their drill-downs, most recent last,
    /// for going back (`-`). They hold no watches while here.
    pub screens_back: Vec<Vec<Box<dyn View>>>,
    pub prompt: Option<Prompt>,
    pub confirm: Option<Confirm>,
    pub help: Option<HelpState>,
    pub notice: Option<Notice>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub config: Config,
    /// `:` command history, oldest first.
    pub history: Vec<String>,
    /// Namespaces the user typed or picked, most recent first.
    pub recent_namespaces: Vec<String>,
    /// ONNX model files opened in the pane, most recent first.
    pub recent_models: Vec<String>,
    pub forwards: Vec<Forward>,
    /// Form drafts kept across runs, by name.
    pub drafts: HashMap<String, String>,
    /// This host's GPUs as the sampler last saw them (`Msg::GpuHost`).
    pub gpu_host: crate::gpu::HostState,
    pub next_id: u64,
    pub quit: bool,
}

impl State {
    /// A state with one root view.
    pub fn new(root: Box<dyn View>, config: Config, keymap: Keymap, theme: Theme) -> State {
        State {
            now: Timestamp::now(),
            size: (80, 24),
            connection: Connection::Connecting,
            trouble: None,
            scope: Scope::Namespace("default".into()),
            readonly: config
                .ui
                .readonly
                .then(|| "read-only (config ui.readonly)".to_string()),
            store: Store::default(),
            access: HashMap::new(),
            stack: vec![root],
            screens_back: Vec::new(),
            prompt: None,
            confirm: None,
            help: None,
            notice: None,
            keymap,
            theme,
            config,
            history: Vec::new(),
            recent_namespaces: Vec::new(),
            recent_models: Vec::new(),
            forwards: Vec::new(),
            drafts: HashMap::new(),
            gpu_host: crate::gpu::HostState::default(),
            next_id: 0,
            quit: false,
        }
    }

    pub fn view(&self) -> &dyn View {
        // The stack is never empty: `update` refuses to pop the root.
        self.stack
            .last()
            .map(|v| v.as_ref())
            .unwrap_or_else(|| unreachable_view())
    }

    pub fn cluster(&self) -> Option<&ClusterInfo> {
        match &self.connection {
            Connection::Connected(c) => Some(c),
            _ => None,
        }
    }

    /// Breadcrumbs, root first.
    pub fn breadcrumbs(&self) -> Vec<String> {
        self.stack.iter().map(|v| v.title()).collect()
    }
}

fn unreachable_view() -> &'static dyn View {
    &crate::views::help::EmptyView
}
