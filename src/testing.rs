//! Helpers for tests: a state with fixed time and size, key presses by name,
//! frames rendered to text, and fixture objects.
#![doc(hidden)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use kube::api::DynamicObject;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::config::{Config, ThemeName};
use crate::app::effect::Effect;
use crate::app::keymap::Keymap;
use crate::app::msg::Msg;
use crate::app::state::{Connection, Scope, State};
use crate::app::theme::Theme;
use crate::app::update::{settle, update};
use crate::kube::types::{ClusterInfo, WatchKey, WatchUpdate};
use crate::views::View;

/// The fixed "now" of test states: 2025-06-01T12:00:00Z.
pub fn now() -> Timestamp {
    "2025-06-01T12:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A connected state showing `root`, in namespace `ml-research`, 80x24.
pub fn state(root: Box<dyn View>) -> State {
    let config = Config::default();
    let mut s = State::new(
        root,
        config,
        Keymap::defaults(),
        Theme::new(ThemeName::Dark, true),
    );
    s.now = now();
    s.size = (80, 24);
    s.scope = Scope::Namespace("ml-research".into());
    s.connection = Connection::Connected(ClusterInfo {
        context: "kftui-demo".into(),
        cluster: "kftui-demo".into(),
        user: "admin".into(),
        server: "http://127.0.0.1:1".into(),
        namespace: "ml-research".into(),
        contexts: vec![
            "kftui-demo".into(),
            "kftui-demo-readonly".into(),
            "kftui-demo-alice".into(),
        ],
    });
    let _ = settle(&mut s);
    s
}

/// Applies a message and settles, as one runtime batch does.
pub fn send(state: &mut State, msg: Msg) -> Vec<Effect> {
    state.now = now();
    let mut effects = update(state, msg);
    effects.extend(settle(state));
    effects
}

/// A key event from a keymap-style name ("j", "ctrl-d", "enter", "esc").
pub fn key(name: &str) -> KeyEvent {
    let (mods, rest) = match name.strip_prefix("ctrl-") {
        Some(r) => (KeyModifiers::CONTROL, r),
        None => (KeyModifiers::NONE, name),
    };
    let code = match rest {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgdn" => KeyCode::PageDown,
        "pgup" => KeyCode::PageUp,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "space" => KeyCode::Char(' '),
        s => KeyCode::Char(s.chars().next().unwrap_or(' ')),
    };
    let mods = if matches!(code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
        mods | KeyModifiers::SHIFT
    } else {
        mods
    };
    KeyEvent::new(code, mods)
}

/// Presses keys by name; returns every effect.
pub fn press(state: &mut State, keys: &[&str]) -> Vec<Effect> {
    keys.iter()
        .flat_map(|k| send(state, Msg::Key(key(k))))
        .collect()
}

/// Types text into whatever has focus.
pub fn type_text(state: &mut State, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| {
            send(
                state,
                Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            )
        })
        .collect()
}

/// Renders the state at its size and returns the screen as text.
pub fn render(state: &State) -> String {
    let (w, h) = state.size;
    let Ok(mut terminal) = Terminal::new(TestBackend::new(w, h));
    let _ = terminal.draw(|f| crate::views::chrome::draw(f, state));
    let buf = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Builds an object from JSON (tests only; panics on bad fixtures).
pub fn obj(value: serde_json::Value) -> DynamicObject {
    serde_json::from_value(value).expect("fixture object")
}

/// Loads objects into a watch as a complete listing.
pub fn load(state: &mut State, key: WatchKey, objects: Vec<DynamicObject>) {
    send(state, Msg::Watch(key, WatchUpdate::Reset(objects)));
}

/// A pod fixture.
pub fn pod(ns: &str, name: &str, phase: &str, age_secs: i64) -> DynamicObject {
    let created = now() - jiff::SignedDuration::from_secs(age_secs);
    obj(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": format!("uid-{ns}-{name}"),
            "creationTimestamp": created.to_string(), "labels": {"app": name.split('-').next().unwrap_or(name)}},
        "spec": {"nodeName": "gpu-a100-0", "containers": [{"name": "main", "image": "python:3.11"}]},
        "status": {"phase": phase, "containerStatuses": [
            {"name": "main", "ready": phase == "Running", "restartCount": 0, "image": "python:3.11", "imageID": "", "state": {}}
        ]}
    }))
}

/// A running notebook fixture in `ml-research`, patched by `extra`.
pub fn notebook(name: &str, extra: serde_json::Value) -> DynamicObject {
    let created = (now() - jiff::SignedDuration::from_hours(5)).to_string();
    let mut base = serde_json::json!({
        "apiVersion": "kubeflow.org/v1", "kind": "Notebook",
        "metadata": {"name": name, "namespace": "ml-research", "uid": format!("uid-{name}"),
            "creationTimestamp": created,
            "annotations": {"notebooks.kubeflow.org/last-activity": (now() - jiff::SignedDuration::from_mins(7)).to_string()}},
        "spec": {"template": {"spec": {
            "containers": [{"name": name, "image": "kubeflownotebookswg/jupyter-pytorch-cuda-full:v1.9.0",
                "resources": {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"nvidia.com/gpu": "1"}},
                "volumeMounts": [{"name": "ws", "mountPath": "/home/jovyan"}]}],
            "volumes": [{"name": "ws", "persistentVolumeClaim": {"claimName": format!("{name}-workspace")}}]}}},
        "status": {"readyReplicas": 1, "containerState": {"running": {"startedAt": created}}, "conditions": []}
    });
    json_patch::merge(&mut base, &extra);
    obj(base)
}

/// The pod of a notebook fixture.
pub fn notebook_pod(name: &str) -> DynamicObject {
    obj(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{name}-0"), "namespace": "ml-research", "uid": format!("pod-{name}"),
            "labels": {"notebook-name": name, "statefulset": name}},
        "spec": {"containers": [{"name": name, "image": "x"}], "nodeName": "gpu-a100-0"},
        "status": {"phase": "Running", "containerStatuses": [{"name": name, "ready": true, "restartCount": 0, "image": "x", "imageID": "", "state": {"running": {}}}]}
    }))
}

/// A warning event about a notebook.
pub fn notebook_warning(name: &str, reason: &str, message: &str) -> DynamicObject {
    obj(serde_json::json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{name}.{reason}"), "namespace": "ml-research", "uid": format!("ev-{name}-{reason}"),
            "creationTimestamp": now().to_string()},
        "type": "Warning", "reason": reason, "message": message,
        "involvedObject": {"kind": "Notebook", "name": name, "namespace": "ml-research"},
        "source": {"component": "notebook-controller"},
        "lastTimestamp": (now() - jiff::SignedDuration::from_secs(90)).to_string()
    }))
}

/// The notebooks screen over three fixture notebooks: running, stopped and
/// unschedulable.
pub fn notebooks_state() -> State {
    let root = crate::views::registry::open("nb", None)
        .and_then(Result::ok)
        .expect("the notebooks screen opens");
    let mut s = state(root);
    let keys = crate::views::notebooks::Keys::for_scope(&s.scope, None);
    load(
        &mut s,
        keys.notebooks.clone(),
        vec![
            notebook("jupyter-alice", serde_json::json!({})),
            notebook(
                "old-experiments",
                serde_json::json!({"metadata": {"annotations": {"kubeflow-resource-stopped": "2025-05-01T00:00:00Z"}},
                       "status": {"readyReplicas": 0, "containerState": {}}}),
            ),
            notebook(
                "big-gpu-notebook",
                serde_json::json!({"status": {"readyReplicas": 0, "containerState": {}}}),
            ),
        ],
    );
    load(
        &mut s,
        keys.pods.clone(),
        vec![notebook_pod("jupyter-alice")],
    );
    load(
        &mut s,
        keys.events.clone(),
        vec![notebook_warning(
            "big-gpu-notebook",
            "FailedScheduling",
            "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
        )],
    );
    s
}

/// A `TestBackend` that counts frames (flushes), to measure redraws of the
/// real runtime loop.
pub struct CountingBackend {
    pub inner: TestBackend,
    pub frames: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl CountingBackend {
    pub fn new(width: u16, height: u16) -> CountingBackend {
        CountingBackend {
            inner: TestBackend::new(width, height),
            frames: std::sync::Arc::default(),
        }
    }
}

impl ratatui::backend::Backend for CountingBackend {
    type Error = <TestBackend as ratatui::backend::Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<ratatui::layout::Position>>(
        &mut self,
        position: P,
    ) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ratatui::backend::ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> Result<ratatui::layout::Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<ratatui::backend::WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.frames
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.flush()
    }
}
