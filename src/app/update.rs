//! The pure state transition: `update(&mut State, Msg) -> Vec<Effect>`. Keys
//! resolve through the keymap to actions; the prompt, dialog and help overlay
//! take keys before the view; data messages land in the store; views answer
//! through an outbox. No I/O happens here.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

use super::action::Action;
use super::command::{self, Command, NsArg, Vocabulary};
use super::effect::Effect;
use super::keymap::Key;
use super::msg::Msg;
use super::prompt::{Prompt, PromptKind};
use super::state::{Connection, Forward, HelpState, Notice, Scope, State, Trouble};
use crate::kube::health::Readiness;
use crate::kube::kinds;
use crate::kube::types::{ForwardUpdate, SyncStatus, WatchKey, WatchUpdate};
use crate::views::chrome::page_rows;
use crate::views::{Cx, Filter, Handled, Nav, Outbox, Subscriptions, View, ViewEvent, registry};

/// Applies one message. Call [`settle`] once after a batch of messages.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut out = Outbox {
        next_id: state.next_id,
        ..Outbox::default()
    };
    match msg {
        Msg::Key(ev) => on_key(state, ev, &mut out),
        Msg::Paste(text) => on_paste(state, &text, &mut out),
        Msg::Resize(w, h) => state.size = (w, h),
        Msg::Watch(key, update) => on_watch(state, key, update, &mut out),
        Msg::Health(readiness) => on_health(state, readiness, &mut out),
        Msg::Logs(spec, update) => {
            dispatch(state, &ViewEvent::Logs { spec, update }, &mut out);
        }
        Msg::Access(key, access) => {
            state.access.insert(key, access);
        }
        Msg::Api { id, what, result } => {
            let event = ViewEvent::Api {
                id,
                result: result.clone(),
            };
            if dispatch(state, &event, &mut out) == Handled::No {
                out.notice = Some(match result {
                    Ok(_) => Notice::info(format!("{what}: done")),
                    Err(e) => Notice::error(format!("{what}: {e}")),
                });
            }
        }
        Msg::Forward { id, update } => {
            on_forward(state, id, &update);
            dispatch(state, &ViewEvent::Forward { id, update }, &mut out);
        }
        Msg::Connected(Ok(info)) => {
            let switched = state.cluster().is_some_and(|c| c.context != info.context);
            if switched {
                state.scope = Scope::Namespace(info.namespace.clone());
                out.notice = Some(Notice::info(format!("context {}", info.context)));
            } else if state.scope == Scope::Namespace(String::new()) {
                // Started before the cluster was known: its namespace now.
                state.scope = Scope::Namespace(info.namespace.clone());
            }
            state.store.sets.clear();
            state.access.clear();
            state.trouble = None;
            state.connection = Connection::Connected(info);
        }
        Msg::Connected(Err(reason)) => {
            out.notice = Some(Notice::error(reason.clone()));
            if state.cluster().is_none() {
                state.connection = Connection::Offline(reason);
            }
        }
        Msg::Clock => {}
        Msg::GpuHost(report) => state.gpu_host.apply(report),
        Msg::Other(payload) => {
            dispatch(state, &ViewEvent::Other(payload), &mut out);
        }
        Msg::Shutdown(reason) => {
            tracing::info!("shutting down: {reason}");
            state.quit = true;
            out.effects.push(Effect::Quit);
        }
    }
    finish(state, out)
}

/// A watch's news: into the store, and a word in the footer when a watch
/// loses the server or loses it differently (not on every retry).
fn on_watch(state: &mut State, key: WatchKey, update: WatchUpdate, out: &mut Outbox) {
    // A kind the user may not list (or the cluster does not serve) is said
    // on its screen, not in the footer of every screen.
    if let WatchUpdate::Status(status @ SyncStatus::Retrying { error, .. }) = &update
        && status.is_connection_failure()
    {
        let before = state.store.get(&key).map(|s| &s.status);
        let same = matches!(before, Some(SyncStatus::Retrying { error: e, .. }) if e == error);
        if !same {
            out.notice = Some(Notice::error(format!("{key}: {error}")));
        }
    }
    let now = state.now;
    state.store.apply(key, update, now);
}

/// Outages shorter than this do not restart watches that saw nothing of them.
const OUTAGE_RESTART_SECS: i64 = 10;

/// The readiness probe's news. When the server comes back, watches that
/// never noticed the outage are restarted: a connection that died without
/// a word (a network gone, not a server) would otherwise look live forever.
fn on_health(state: &mut State, readiness: Readiness, out: &mut Outbox) {
    let words = match readiness {
        Readiness::Ready => {
            if let Some(t) = state.trouble.take() {
                out.notice = Some(Notice::info("the API server answers again"));
                if state.now.as_second() - t.since.as_second() >= OUTAGE_RESTART_SECS {
                    let unaware: Vec<WatchKey> = state
                        .store
                        .sets
                        .iter()
                        .filter(|(_, set)| {
                            set.status == SyncStatus::Live
                                && set.live_since.is_some_and(|l| l < t.since)
                        })
                        .map(|(k, _)| k.clone())
                        .collect();
                    if !unaware.is_empty() {
                        out.effects.push(Effect::Restart(unaware));
                    }
                }
            }
            return;
        }
        Readiness::NotReady(why) => format!("the API server is not ready: {why}"),
        Readiness::Failed(f) => f.message,
    };
    if state.trouble.as_ref().map(|t| &t.words) != Some(&words) {
        out.notice = Some(Notice::error(words.clone()));
    }
    let since = state.trouble.as_ref().map(|t| t.since).unwrap_or(state.now);
    state.trouble = Some(Trouble { words, since });
}

/// True while something is stale, failing or coming in, so the runtime
/// redraws once a second ("stale 12s" counts, "loading 1,500/5,019" moves).
/// False while everything is live: an idle screen costs no frame.
pub fn needs_tick(state: &State) -> bool {
    if !matches!(state.connection, Connection::Connected(_)) {
        return false;
    }
    state.trouble.is_some()
        || subscriptions(state)
            .watches
            .iter()
            .any(|k| state.store.get(k).is_none())
        || state.store.sets.values().any(|s| {
            s.status.is_connection_failure()
                || matches!(s.status, SyncStatus::Resyncing | SyncStatus::Connecting)
        })
}

/// Lets the view on top refresh what it derives from data; call after a batch.
pub fn settle(state: &mut State) -> Vec<Effect> {
    let mut out = Outbox {
        next_id: state.next_id,
        ..Outbox::default()
    };
    with_view(state, &mut out, None, |v, cx| v.sync(cx));
    // Data no view subscribes to any more is dropped.
    let subs = subscriptions(state);
    state.store.retain(|k| subs.watches.contains(k));
    finish(state, out)
}

/// What every view on the stack needs, for the runtime to reconcile.
pub fn subscriptions(state: &State) -> Subscriptions {
    let mut subs = Subscriptions::default();
    for view in &state.stack {
        view.subscriptions(&state.scope, &mut subs);
    }
    subs
}

/// Runs `f` on a view (the top one when `index` is `None`) with a context.
fn with_view<R>(
    state: &mut State,
    out: &mut Outbox,
    index: Option<usize>,
    f: impl FnOnce(&mut dyn View, &mut Cx) -> R,
) -> Option<R> {
    let State {
        stack,
        store,
        scope,
        connection,
        readonly,
        access,
        config,
        forwards,
        drafts,
        recent_namespaces,
        recent_models,
        now,
        size,
        ..
    } = state;
    let cluster = match connection {
        Connection::Connected(c) => Some(&*c),
        _ => None,
    };
    let i = index.unwrap_or(stack.len().checked_sub(1)?);
    let view = stack.get_mut(i)?;
    let mut cx = Cx {
        now: *now,
        store,
        scope,
        cluster,
        readonly: readonly.as_deref(),
        access,
        config,
        forwards,
        drafts,
        recent_namespaces,
        recent_models,
        page: page_rows(*size),
        out,
    };
    Some(f(view.as_mut(), &mut cx))
}

/// Offers an event to the views, top first, until one takes it.
fn dispatch(state: &mut State, event: &ViewEvent, out: &mut Outbox) -> Handled {
    for i in (0..state.stack.len()).rev() {
        if with_view(state, out, Some(i), |v, cx| v.on_event(event, cx)) == Some(Handled::Yes) {
            return Handled::Yes;
        }
    }
    Handled::No
}

/// Applies what views asked for: navigation, messages, dialogs, scope.
fn finish(state: &mut State, out: Outbox) -> Vec<Effect> {
    state.next_id = out.next_id;
    let mut navigated = false;
    for nav in out.nav {
        navigated = true;
        match nav {
            Nav::Push(v) => {
                state.stack.push(v);
                // Deep stacks from repeated commands: forget the oldest above the root.
                if state.stack.len() > 12 {
                    state.stack.remove(1);
                }
            }
            Nav::Pop => {
                if state.stack.len() > 1 {
                    state.stack.pop();
                }
            }
            Nav::Root(v) => {
                let current = std::mem::replace(&mut state.stack, vec![v]);
                remember(state, current);
            }
            Nav::Refresh => {}
        }
    }
    if let Some(n) = out.notice {
        state.notice = Some(n);
    }
    if let Some(c) = out.confirm {
        state.confirm = Some(c);
    }
    let mut effects = out.effects;
    for e in &effects {
        match e {
            Effect::StartForward(spec) => state.forwards.push(Forward {
                spec: spec.clone(),
                local_port: None,
                error: None,
            }),
            Effect::StopForward(id) => state.forwards.retain(|f| f.spec.id != *id),
            Effect::Quit => state.quit = true,
            Effect::SaveDraft { name, text } => {
                state.drafts.insert(name.clone(), text.clone());
            }
            Effect::DeleteDraft { name } => {
                state.drafts.remove(name);
            }
            _ => {}
        }
    }
    if let Some(scope) = out.scope {
        set_scope(state, scope, &mut effects);
    }
    if let Some(model) = out.recent_model {
        state.recent_models.retain(|m| *m != model);
        state.recent_models.insert(0, model);
        state.recent_models.truncate(10);
        effects.push(Effect::SaveState);
    }
    if navigated {
        effects.extend(settle(state));
        effects.push(Effect::SaveState);
    }
    effects
}

fn set_scope(state: &mut State, scope: Scope, effects: &mut Vec<Effect>) {
    if let Scope::Namespace(ns) = &scope {
        state.recent_namespaces.retain(|n| n != ns);
        state.recent_namespaces.insert(0, ns.clone());
        state.recent_namespaces.truncate(20);
    }
    state.notice = Some(Notice::info(format!("namespace: {}", scope.label())));
    state.scope = scope;
    effects.push(Effect::SaveState);
}

fn on_forward(state: &mut State, id: u64, update: &ForwardUpdate) {
    match update {
        ForwardUpdate::Closed => state.forwards.retain(|f| f.spec.id != id),
        ForwardUpdate::Listening { local_port } => {
            if let Some(f) = state.forwards.iter_mut().find(|f| f.spec.id == id) {
                f.local_port = Some(*local_port);
                f.error = None;
                if let Some(url) = f.url() {
                    state.notice = Some(Notice::info(format!(
                        "{}: {url}  (from your laptop: ssh -L {local_port}:127.0.0.1:{local_port} <gateway>)",
                        f.spec.label
                    )));
                }
            }
        }
        ForwardUpdate::Failed(e) => {
            if let Some(f) = state.forwards.iter_mut().find(|f| f.spec.id == id) {
                f.error = Some(e.clone());
            }
        }
    }
}

fn on_paste(state: &mut State, text: &str, out: &mut Outbox) {
    if let Some(p) = &mut state.prompt {
        p.input.paste(text);
        after_prompt_edit(state, out);
        return;
    }
    with_view(state, out, None, |v, cx| v.on_paste(text, cx));
}

fn on_key(state: &mut State, ev: KeyEvent, out: &mut Outbox) {
    if ev.kind == KeyEventKind::Release {
        return;
    }
    let Some(key) = Key::from_event(&ev) else {
        return;
    };
    if state.help.is_some() {
        help_key(state, &key);
        return;
    }
    if state.confirm.is_some() {
        confirm_key(state, &key, out);
        return;
    }
    if state.prompt.is_some() {
        prompt_key(state, ev, out);
        return;
    }
    // A new key press retires the last message.
    state.notice = None;
    let layers = state.view().layers();
    if state.view().text_focus() && key.is_text() {
        with_view(state, out, None, |v, cx| v.on_key(ev, cx));
        return;
    }
    let Some(action) = state.keymap.resolve(layers, &key) else {
        with_view(state, out, None, |v, cx| v.on_key(ev, cx));
        return;
    };
    match action {
        Action::Quit => {
            state.quit = true;
            out.effects.push(Effect::Quit);
        }
        Action::Help => state.help = Some(HelpState::default()),
        Action::Command => open_prompt(state, Prompt::command()),
        _ => {
            let handled = with_view(state, out, None, |v, cx| v.on_action(action, cx));
            if handled != Some(Handled::Yes) {
                fallback(state, action, ev, out);
            }
        }
    }
}

/// Actions the view left alone.
fn fallback(state: &mut State, action: Action, ev: KeyEvent, out: &mut Outbox) {
    match action {
        Action::Back => {
            if state.stack.len() > 1 {
                out.nav.push(Nav::Pop);
            }
        }
        Action::Filter | Action::Search => {
            if let Some(current) = state.view().filter().cloned() {
                open_prompt(state, Prompt::filter(Some(current)));
            }
        }
        Action::AllNamespaces => {
            out.scope = Some(match &state.scope {
                Scope::All => Scope::Namespace(
                    state
                        .recent_namespaces
                        .first()
                        .cloned()
                        .or_else(|| state.cluster().map(|c| c.namespace.clone()))
                        .unwrap_or_else(|| "default".into()),
                ),
                Scope::Namespace(_) => Scope::All,
            });
        }
        Action::LastScreen => last_screen(state, out),
        Action::Refresh => {
            out.effects.push(Effect::RestartWatches);
            out.notice = Some(Notice::info("restarting watches"));
        }
        _ => {
            with_view(state, out, None, |v, cx| v.on_key(ev, cx));
        }
    }
}

fn help_key(state: &mut State, key: &Key) {
    let Some(help) = &mut state.help else { return };
    match state.keymap.resolve(&["pager"], key) {
        Some(Action::Back | Action::Help | Action::Quit) => state.help = None,
        Some(Action::Up) => help.scroll = help.scroll.saturating_sub(1),
        Some(Action::Down) => help.scroll += 1,
        Some(Action::PageUp) => help.scroll = help.scroll.saturating_sub(10),
        Some(Action::PageDown) => help.scroll += 10,
        Some(Action::Top) => help.scroll = 0,
        _ if key.code == super::keymap::KeyCodeOrd::Char('?') => state.help = None,
        _ => {}
    }
}

fn confirm_key(state: &mut State, key: &Key, out: &mut Outbox) {
    let Some(c) = &mut state.confirm else { return };
    let answer = match state.keymap.resolve(&["dialog"], key) {
        Some(Action::Confirm) => Some(true),
        Some(Action::Cancel | Action::Back) => Some(false),
        Some(Action::Enter) => Some(c.yes_focused),
        Some(Action::Left | Action::Right) => {
            c.yes_focused = !c.yes_focused;
            None
        }
        Some(Action::Up | Action::PrevField) => {
            c.option_focus = c.option_focus.map(|i| i.saturating_sub(1));
            None
        }
        Some(Action::Down | Action::NextField) => {
            c.option_focus = c
                .option_focus
                .map(|i| (i + 1).min(c.options.len().saturating_sub(1)));
            None
        }
        Some(Action::Toggle) => {
            if let Some(opt) = c.option_focus.and_then(|i| c.options.get_mut(i)) {
                opt.1 = !opt.1;
            }
            None
        }
        Some(Action::Quit) => {
            state.quit = true;
            out.effects.push(Effect::Quit);
            None
        }
        _ => None,
    };
    if let Some(yes) = answer {
        let Some(c) = state.confirm.take() else {
            return;
        };
        if yes {
            let options = c.options.iter().map(|o| o.1).collect();
            dispatch(state, &ViewEvent::Confirmed { id: c.id, options }, out);
        } else {
            out.notice = Some(Notice::info("cancelled"));
        }
    }
}

fn open_prompt(state: &mut State, prompt: Prompt) {
    state.prompt = Some(prompt);
    refresh_completions(state);
}

/// Words for `:` completion from what kftui knows right now.
pub fn vocabulary(state: &State) -> Vocabulary {
    let mut namespaces: Vec<String> = state.recent_namespaces.clone();
    if let Some(c) = state.cluster() {
        namespaces.push(c.namespace.clone());
    }
    for kind in [&kinds::NAMESPACE, &kinds::PROFILE] {
        if let Some(set) = state.store.get(&WatchKey::all(kind)) {
            let mut names: Vec<String> =
                set.iter().filter_map(|o| o.metadata.name.clone()).collect();
            names.sort();
            namespaces.extend(names);
        }
    }
    let mut seen = std::collections::HashSet::new();
    namespaces.retain(|n| seen.insert(n.clone()));
    Vocabulary {
        screens: registry::names(),
        namespaces,
        contexts: state
            .cluster()
            .map(|c| c.contexts.clone())
            .unwrap_or_default(),
    }
}

fn refresh_completions(state: &mut State) {
    let vocab = vocabulary(state);
    if let Some(p) = &mut state.prompt {
        p.completion_pick = None;
        p.completions = match p.kind {
            PromptKind::Command => command::complete(p.input.text(), &vocab),
            PromptKind::Filter => Vec::new(),
        };
    }
}

fn after_prompt_edit(state: &mut State, out: &mut Outbox) {
    refresh_completions(state);
    let Some(p) = &state.prompt else { return };
    if p.kind == PromptKind::Filter {
        match Filter::parse(p.input.text()) {
            Ok(f) => {
                with_view(state, out, None, |v, cx| v.set_filter(f, cx));
            }
            Err(e) => out.notice = Some(Notice::error(e)),
        }
    }
}

fn prompt_key(state: &mut State, ev: KeyEvent, out: &mut Outbox) {
    let Some(p) = &mut state.prompt else { return };
    match ev.code {
        KeyCode::Esc => {
            let p = state.prompt.take();
            if let Some(Prompt {
                kind: PromptKind::Filter,
                saved_filter: Some(saved),
                ..
            }) = p
            {
                with_view(state, out, None, |v, cx| v.set_filter(saved, cx));
            }
        }
        KeyCode::Enter => {
            let Some(p) = state.prompt.take() else { return };
            if p.kind == PromptKind::Command {
                let line = p.input.text().trim().to_string();
                if !line.is_empty() {
                    state.history.retain(|h| *h != line);
                    state.history.push(line.clone());
                    if state.history.len() > 100 {
                        state.history.remove(0);
                    }
                    run_command(state, &line, out);
                }
            }
        }
        KeyCode::Tab | KeyCode::BackTab => {
            if p.completions.is_empty() {
                return;
            }
            let n = p.completions.len();
            let next = match (p.completion_pick, ev.code) {
                (None, KeyCode::BackTab) => n - 1,
                (None, _) => 0,
                (Some(i), KeyCode::BackTab) => (i + n - 1) % n,
                (Some(i), _) => (i + 1) % n,
            };
            let text = p.completions[next].clone();
            p.input.set(&text);
            p.completion_pick = Some(next);
        }
        KeyCode::Up | KeyCode::Down if p.kind == PromptKind::Command => {
            if state.history.is_empty() {
                return;
            }
            let last = state.history.len() - 1;
            let pos = match (p.history_pos, ev.code) {
                (None, KeyCode::Up) => Some(last),
                (None, _) => None,
                (Some(i), KeyCode::Up) => Some(i.saturating_sub(1)),
                (Some(i), _) if i >= last => None,
                (Some(i), _) => Some(i + 1),
            };
            p.history_pos = pos;
            let text = pos
                .and_then(|i| state.history.get(i))
                .cloned()
                .unwrap_or_default();
            p.input.set(&text);
            refresh_completions(state);
        }
        _ => {
            if p.input.key(ev) {
                after_prompt_edit(state, out);
            }
        }
    }
}

fn run_command(state: &mut State, line: &str, out: &mut Outbox) {
    match command::parse(line, registry::is_screen) {
        Ok(Command::Quit) => {
            state.quit = true;
            out.effects.push(Effect::Quit);
        }
        Ok(Command::Help) => state.help = Some(HelpState::default()),
        Ok(Command::Namespace(Some(NsArg::All))) => out.scope = Some(Scope::All),
        Ok(Command::Namespace(Some(NsArg::Name(ns)))) => out.scope = Some(Scope::Namespace(ns)),
        Ok(Command::Namespace(None)) => open_screen(state, "namespaces", None, out),
        Ok(Command::Context(None)) => out.nav.push(Nav::Root(Box::<
            crate::views::contexts::ContextsView,
        >::default())),
        Ok(Command::Context(Some(name))) => {
            let known = state
                .cluster()
                .map(|c| c.contexts.clone())
                .unwrap_or_default();
            if known.contains(&name) {
                out.effects.push(Effect::SwitchContext(name.clone()));
                out.notice = Some(Notice::info(format!("switching to context {name}…")));
            } else {
                out.notice = Some(Notice::error(format!(
                    "no context named {name:?} in the kubeconfig (known: {})",
                    known.join(", ")
                )));
            }
        }
        Ok(Command::Open { screen, arg }) => open_screen(state, &screen, arg.as_deref(), out),
        Err(e) => out.notice = Some(Notice::error(e.to_string())),
    }
}

/// How many earlier screens `-` can go back through.
const SCREENS_BACK: usize = 10;

/// A `:` command replaces the top-level screen (the one on screen goes
/// into the back history). A screen that keeps work worth returning to (the
/// ONNX pane) is brought back with its drill-downs instead of a new one.
fn open_screen(state: &mut State, name: &str, arg: Option<&str>, out: &mut Outbox) {
    match registry::open(name, arg) {
        Some(Ok(view)) => {
            let kind = view.as_any().type_id();
            if state.stack[0].as_any().type_id() == kind
                && with_view(state, out, Some(0), |v, cx| v.reopen(arg, cx)) == Some(true)
            {
                state.stack.truncate(1);
                out.nav.push(Nav::Refresh);
                return;
            }
            let earlier = (0..state.screens_back.len())
                .rev()
                .find(|&i| state.screens_back[i][0].as_any().type_id() == kind);
            if let Some(i) = earlier {
                let earlier = state.screens_back.remove(i);
                let current = std::mem::replace(&mut state.stack, earlier);
                if with_view(state, out, Some(0), |v, cx| v.reopen(arg, cx)) == Some(true) {
                    remember(state, current);
                    out.nav.push(Nav::Refresh);
                    return;
                }
                // It keeps nothing: put things back and open a new one.
                let old = std::mem::replace(&mut state.stack, current);
                state.screens_back.insert(i, old);
            }
            out.nav.push(Nav::Root(view));
        }
        Some(Err(e)) => out.notice = Some(Notice::error(e)),
        None => out.notice = Some(Notice::error(format!("unknown screen {name:?}"))),
    }
}

/// Keeps `stack` for `-`, forgetting the oldest beyond [`SCREENS_BACK`].
fn remember(state: &mut State, stack: Vec<Box<dyn View>>) {
    state.screens_back.push(stack);
    if state.screens_back.len() > SCREENS_BACK {
        state.screens_back.remove(0);
    }
}

/// `-`: back to the screen before the last `:` command (and again to
/// return: the two swap, as k9s's "last view" does).
fn last_screen(state: &mut State, out: &mut Outbox) {
    match state.screens_back.pop() {
        Some(previous) => {
            let current = std::mem::replace(&mut state.stack, previous);
            remember(state, current);
            out.nav.push(Nav::Refresh);
        }
        None => out.notice = Some(Notice::info("no earlier screen")),
    }
}
