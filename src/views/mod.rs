//! Screens. Each module is one screen (or a widget shared by screens). A
//! screen implements [`View`]: it says which data it needs, reacts to actions
//! inside the pure update, and renders from borrowed state only.

pub mod chrome;
pub mod columns;
pub mod contexts;
pub mod describe;
pub mod editor;
pub mod filter;
pub mod form;
pub mod gpu;
pub mod gpu_host;
pub mod help;
pub mod jobs;
pub mod katib;
pub mod logs;
pub mod namespaces;
pub mod notebooks;
pub mod onnx;
pub mod pager;
pub mod registry;
pub mod resources;
pub mod runs;
pub mod serving;
pub mod table;
pub mod yaml;

use std::any::Any;
use std::collections::{BTreeSet, HashMap};

use crossterm::event::KeyEvent;
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::action::Action;
use crate::app::config::Config;
use crate::app::effect::Effect;
use crate::app::state::{Notice, Scope, State};
use crate::app::store::Store;
use crate::kube::errors::ApiFailure;
use crate::kube::types::{
    Access, AccessKey, ApiOp, ClusterInfo, ForwardUpdate, LogSpec, LogUpdate, WatchKey,
};

pub use filter::Filter;

/// Did the view use the input?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    Yes,
    No,
}

/// Data a screen needs while it is on the stack. The runtime starts and stops
/// streams so that exactly these are running.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscriptions {
    pub watches: BTreeSet<WatchKey>,
    pub logs: BTreeSet<LogSpec>,
    pub access: BTreeSet<AccessKey>,
    /// Local samplers (not Kubernetes), e.g. this host's GPUs through NVML.
    pub samplers: BTreeSet<SamplerKey>,
    /// GPU metrics scrapes (DCGM exporter or Prometheus), every few seconds.
    pub scrapes: BTreeSet<crate::kube::gpu_metrics::ScrapeSpec>,
}

/// A local sampler a view can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SamplerKey {
    /// This host's GPUs (NVML), delivered as `Msg::GpuHost` into `State::gpu_host`.
    GpuHost,
}

/// Results addressed to views; each view picks what it asked for.
#[derive(Debug, Clone)]
pub enum ViewEvent {
    Api {
        id: u64,
        result: Result<serde_json::Value, ApiFailure>,
    },
    Logs {
        spec: LogSpec,
        update: LogUpdate,
    },
    Confirmed {
        id: u64,
        options: Vec<bool>,
    },
    Forward {
        id: u64,
        update: ForwardUpdate,
    },
    /// Anything else a view may subscribe to (e.g. ONNX worker events).
    Other(crate::app::payload::Payload),
}

/// Navigation a view asks for.
pub enum Nav {
    Push(Box<dyn View>),
    Pop,
    /// Replace the whole stack with this root view.
    Root(Box<dyn View>),
    /// The stack was reordered: settle and save as after a push.
    Refresh,
}

/// A confirmation dialog; the answer comes back as `ViewEvent::Confirmed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub id: u64,
    pub title: String,
    pub message: String,
    /// Checkboxes shown under the message, with their initial values.
    pub options: Vec<(String, bool)>,
    /// Focused button: true = the action, false = cancel.
    pub yes_focused: bool,
    /// Focused option index when options are present.
    pub option_focus: Option<usize>,
    pub action_label: String,
}

/// What a view hands back from an update, besides changing itself.
#[derive(Default)]
pub struct Outbox {
    pub effects: Vec<Effect>,
    pub nav: Vec<Nav>,
    pub notice: Option<Notice>,
    pub confirm: Option<Confirm>,
    pub scope: Option<Scope>,
    /// A model file the user opened, for the recent list.
    pub recent_model: Option<String>,
    pub next_id: u64,
}

/// Everything a view may read or ask for while handling input or data.
pub struct Cx<'a> {
    pub now: Timestamp,
    pub store: &'a Store,
    pub scope: &'a Scope,
    pub cluster: Option<&'a ClusterInfo>,
    pub readonly: Option<&'a str>,
    pub access: &'a HashMap<AccessKey, Access>,
    pub config: &'a Config,
    pub forwards: &'a [crate::app::state::Forward],
    pub drafts: &'a HashMap<String, String>,
    pub recent_namespaces: &'a [String],
    pub recent_models: &'a [String],
    /// Rows of the body area, for paging.
    pub page: usize,
    pub out: &'a mut Outbox,
}

impl Cx<'_> {
    /// A fresh id for a request whose answer this view will pick up.
    pub fn id(&mut self) -> u64 {
        self.out.next_id += 1;
        self.out.next_id
    }

    /// Sends an API request; returns its id.
    pub fn api(&mut self, op: ApiOp) -> u64 {
        let id = self.id();
        self.out.effects.push(Effect::Api { id, op });
        id
    }

    pub fn push(&mut self, view: Box<dyn View>) {
        self.out.nav.push(Nav::Push(view));
    }

    pub fn pop(&mut self) {
        self.out.nav.push(Nav::Pop);
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.out.notice = Some(Notice::info(text));
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.out.notice = Some(Notice::error(text));
    }

    /// Why mutating `kind` in `namespace` is not possible, if it is not:
    /// read-only mode first, then what the server said to an access review.
    pub fn denied(
        &self,
        verb: &'static str,
        kind: &'static crate::kube::kinds::Kind,
        namespace: Option<&str>,
    ) -> Option<String> {
        if let Some(reason) = self.readonly {
            return Some(reason.to_string());
        }
        let key = AccessKey {
            verb,
            kind,
            namespace: namespace.map(str::to_string),
        };
        match self.access.get(&key) {
            Some(Access::Denied(reason)) => Some(reason.clone()),
            _ => None,
        }
    }

    /// Asks for confirmation; the answer arrives as `ViewEvent::Confirmed`.
    pub fn confirm(
        &mut self,
        title: impl Into<String>,
        message: impl Into<String>,
        action_label: &str,
        options: Vec<(String, bool)>,
    ) -> u64 {
        let id = self.id();
        self.out.confirm = Some(Confirm {
            id,
            title: title.into(),
            message: message.into(),
            option_focus: if options.is_empty() { None } else { Some(0) },
            options,
            yes_focused: false,
            action_label: action_label.to_string(),
        });
        id
    }
}

/// A screen.
pub trait View: Send {
    /// Breadcrumb text.
    fn title(&self) -> String;

    /// Keymap layers, most specific first; "global" is always searched last.
    fn layers(&self) -> &'static [&'static str];

    /// Actions worth a hint in the footer.
    fn hints(&self) -> &'static [Action] {
        &[]
    }

    /// Data the view needs now.
    fn subscriptions(&self, _scope: &Scope, _subs: &mut Subscriptions) {}

    /// True while a text field has focus: typed characters go to `on_key`.
    fn text_focus(&self) -> bool {
        false
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled;

    /// Keys no action is bound to, and typed text while `text_focus`.
    fn on_key(&mut self, _key: KeyEvent, _cx: &mut Cx) -> Handled {
        Handled::No
    }

    fn on_paste(&mut self, _text: &str, _cx: &mut Cx) -> Handled {
        Handled::No
    }

    fn on_event(&mut self, _event: &ViewEvent, _cx: &mut Cx) -> Handled {
        Handled::No
    }

    /// A `:` command names this view's screen while the view is on the stack.
    /// Views that keep work worth returning to (a loaded model, a running job)
    /// take the argument and return true; they are brought to the top instead
    /// of a new view being pushed.
    fn reopen(&mut self, _arg: Option<&str>, _cx: &mut Cx) -> bool {
        false
    }

    /// Called after data or scope changed, to refresh derived caches.
    fn sync(&mut self, _cx: &mut Cx) {}

    /// The current row filter, for views that filter.
    fn filter(&self) -> Option<&Filter> {
        None
    }

    /// Sets the row filter; false when the view has none (then `/` searches).
    fn set_filter(&mut self, _filter: Filter, _cx: &mut Cx) -> bool {
        false
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer);

    /// For tests and for views that talk to each other through the stack.
    fn as_any(&self) -> &dyn Any;
}
