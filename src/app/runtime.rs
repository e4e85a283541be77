//! The event loop. Sources send `Msg`s into one channel; the loop applies them
//! in batches with the pure `update`, performs the effects it returns, keeps
//! the running watches, log streams and reviews equal to what the views
//! subscribe to, and redraws only when something changed, at most once a frame.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kube::config::Kubeconfig;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::AbortHandle;

use super::effect::{Effect, Payload};
use super::msg::Msg;
use super::paths::Paths;
use super::persist::{self, Saved};
use super::state::State;
use super::update::{needs_tick, settle, subscriptions, update};
use crate::kube::client::KubeClient;
use crate::kube::types::{AccessKey, ClusterInfo, LogSpec, WatchKey};
use crate::kube::{client, health, logs, ops, portforward, watch};

/// A background worker a view talks to through `Effect::Worker` (ONNX
/// inference, samplers). Replies come back as `Msg::Other`.
pub trait Worker: Send {
    /// Takes the payload if it is meant for this worker.
    fn accept(&mut self, payload: &Payload) -> bool;
}

/// Counters the benchmarks read.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub draws: u64,
    pub batches: u64,
    pub messages: u64,
    pub first_frame: Option<Instant>,
}

/// A client being built for a context switch.
pub type ClientResult = Result<Connected, String>;

/// A client that is ready, with what came with it.
pub struct Connected {
    pub client: KubeClient,
    pub info: ClusterInfo,
    /// A kubeconfig to use from now on (context switches read it).
    pub kubeconfig: Option<Kubeconfig>,
    /// Something that must live as long as the client (the demo cluster).
    pub keep: Option<Box<dyn std::any::Any + Send>>,
}

pub struct Runtime {
    tx: UnboundedSender<Msg>,
    rx: UnboundedReceiver<Msg>,
    client_tx: UnboundedSender<ClientResult>,
    client_rx: UnboundedReceiver<ClientResult>,
    client: Option<KubeClient>,
    kubeconfig: Option<Kubeconfig>,
    paths: Option<Paths>,
    watches: HashMap<WatchKey, AbortHandle>,
    /// The readiness probe, while a client is set.
    probe: Option<AbortHandle>,
    logs: HashMap<LogSpec, AbortHandle>,
    reviewed: HashSet<AccessKey>,
    forwards: HashMap<u64, AbortHandle>,
    /// GPU metrics scrapes the views subscribe to.
    scrapes: HashMap<crate::kube::gpu_metrics::ScrapeSpec, AbortHandle>,
    workers: Vec<Box<dyn Worker>>,
    /// Local samplers (this host's GPUs), kept equal to the subscriptions.
    pub samplers: crate::gpu::sampler::Samplers,
    /// Crash drill: panic on this key (`KFTUI_PANIC_ON_KEY`), to check that
    /// the terminal is restored on a panic.
    panic_key: Option<super::keymap::Key>,
    /// Kept alive with the runtime (the demo cluster of `--demo`).
    keep: Vec<Box<dyn std::any::Any + Send>>,
    pub stats: Stats,
}

impl Runtime {
    pub fn new(
        client: Option<KubeClient>,
        kubeconfig: Option<Kubeconfig>,
        paths: Option<Paths>,
    ) -> Runtime {
        let (tx, rx) = unbounded_channel();
        let (client_tx, client_rx) = unbounded_channel();
        Runtime {
            workers: vec![Box::new(super::workers::OnnxBridge::new(tx.clone()))],
            tx,
            rx,
            client_tx,
            client_rx,
            client,
            kubeconfig,
            paths,
            watches: HashMap::new(),
            probe: None,
            logs: HashMap::new(),
            reviewed: HashSet::new(),
            forwards: HashMap::new(),
            samplers: Default::default(),
            scrapes: HashMap::new(),
            keep: Vec::new(),
            panic_key: std::env::var("KFTUI_PANIC_ON_KEY")
                .ok()
                .and_then(|k| k.parse().ok()),
            stats: Stats::default(),
        }
    }

    /// Where sources send messages.
    pub fn sender(&self) -> UnboundedSender<Msg> {
        self.tx.clone()
    }

    /// Connects in the background: the UI draws at once and shows
    /// "connecting" until `connect` finishes (`Msg::Connected`).
    pub fn connect_in_background(
        &mut self,
        connect: impl std::future::Future<Output = ClientResult> + Send + 'static,
    ) {
        let tx = self.client_tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(connect.await);
        });
    }

    pub fn add_worker(&mut self, worker: Box<dyn Worker>) {
        self.workers.push(worker);
    }

    /// Applies one message and performs its effects.
    pub fn handle(&mut self, state: &mut State, msg: Msg) {
        if let (Msg::Key(k), Some(drill)) = (&msg, self.panic_key)
            && super::keymap::Key::from_event(k) == Some(drill)
        {
            panic!("crash drill: KFTUI_PANIC_ON_KEY={drill} was pressed");
        }
        state.now = jiff::Timestamp::now();
        self.stats.messages += 1;
        let listed = matches!(msg, Msg::Watch(_, crate::kube::types::WatchUpdate::Listed));
        let effects = update(state, msg);
        self.perform(state, effects);
        if listed {
            release_free_memory();
        }
    }

    /// Waits for at least one message (or `deadline`), applies everything
    /// queued, settles and reconciles. Returns false when nothing arrived.
    pub async fn step(&mut self, state: &mut State, deadline: Option<Instant>) -> bool {
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            msg = self.rx.recv() => {
                let Some(msg) = msg else { return false };
                self.handle(state, msg);
                for _ in 0..10_000 {
                    match self.rx.try_recv() {
                        Ok(m) => self.handle(state, m),
                        Err(_) => break,
                    }
                }
            }
            Some(result) = self.client_rx.recv() => self.client_ready(state, result),
            _ = sleep => return false,
        }
        self.stats.batches += 1;
        let effects = settle(state);
        self.perform(state, effects);
        self.reconcile(state);
        true
    }

    /// Draws one frame.
    pub fn draw<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        state: &State,
    ) -> std::io::Result<()>
    where
        B::Error: std::fmt::Display,
    {
        terminal
            .draw(|f| crate::views::chrome::draw(f, state))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        self.stats.draws += 1;
        if self.stats.first_frame.is_none() {
            self.stats.first_frame = Some(Instant::now());
            report_first_frame();
        }
        Ok(())
    }

    /// Runs until the state says quit: batches in, at most one frame per
    /// `ui.frame_ms`, and no frame at all while nothing happens.
    pub async fn run<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        state: &mut State,
    ) -> std::io::Result<()>
    where
        B::Error: std::fmt::Display,
    {
        let frame = Duration::from_millis(state.config.ui.frame_ms.max(1));
        let clock = (state.config.ui.clock_seconds > 0)
            .then(|| Duration::from_secs(state.config.ui.clock_seconds));
        let effects = settle(state);
        self.perform(state, effects);
        self.reconcile(state);
        let mut dirty = true;
        let mut last_draw: Option<Instant> = None;
        let mut next_clock = clock.map(|c| Instant::now() + c);
        // While something is stale, "stale 12s" counts once a second.
        let mut next_tick: Option<Instant> = None;
        loop {
            if state.quit {
                return Ok(());
            }
            let now = Instant::now();
            next_tick = match (needs_tick(state), next_tick) {
                (false, _) => None,
                (true, Some(t)) => Some(t),
                (true, None) => Some(now + Duration::from_secs(1)),
            };
            if dirty && last_draw.is_none_or(|t| now >= t + frame) {
                self.draw(terminal, state)?;
                dirty = false;
                last_draw = Some(now);
            }
            let frame_due = if dirty {
                last_draw.map(|t| t + frame)
            } else {
                None
            };
            let deadline = [frame_due, next_clock, next_tick]
                .into_iter()
                .flatten()
                .min();
            if self.step(state, deadline).await {
                dirty = true;
            } else {
                let now = Instant::now();
                let clock_due = next_clock.is_some_and(|at| now >= at);
                let tick_due = next_tick.is_some_and(|at| now >= at);
                if clock_due && let Some(c) = clock {
                    next_clock = Some(now + c);
                }
                if tick_due {
                    next_tick = Some(now + Duration::from_secs(1));
                }
                if clock_due || tick_due {
                    self.handle(state, Msg::Clock);
                    dirty = true;
                }
            }
        }
    }

    fn client_ready(&mut self, state: &mut State, result: ClientResult) {
        match result {
            Ok(connected) => {
                self.client = Some(connected.client);
                if let Some(k) = connected.kubeconfig {
                    self.kubeconfig = Some(k);
                }
                if let Some(keep) = connected.keep {
                    self.keep.push(keep);
                }
                self.stop_all();
                self.handle(state, Msg::Connected(Ok(connected.info)));
            }
            Err(e) => self.handle(state, Msg::Connected(Err(e))),
        }
    }

    fn stop_all(&mut self) {
        for (_, h) in self.watches.drain() {
            h.abort();
        }
        if let Some(p) = self.probe.take() {
            p.abort();
        }
        for (_, h) in self.logs.drain() {
            h.abort();
        }
        for (_, h) in self.scrapes.drain() {
            h.abort();
        }
        self.reviewed.clear();
    }

    /// Starts what the views need and stops what they no longer do.
    pub fn reconcile(&mut self, state: &State) {
        let subs = subscriptions(state);
        self.samplers
            .reconcile(&subs.samplers, &state.config.gpu, &self.tx);
        self.watches.retain(|k, h| {
            let keep = subs.watches.contains(k);
            if !keep {
                h.abort();
            }
            keep
        });
        self.logs.retain(|k, h| {
            let keep = subs.logs.contains(k);
            if !keep {
                h.abort();
            }
            keep
        });
        self.scrapes.retain(|k, h| {
            let keep = subs.scrapes.contains(k);
            if !keep {
                h.abort();
            }
            keep
        });
        let Some(kc) = self.client.clone() else {
            return;
        };
        let client = kc.client.clone();
        if self.probe.is_none() {
            self.probe = Some(spawn_probe(kc.clone(), self.tx.clone()));
        }
        for key in subs.watches {
            if self.watches.contains_key(&key) {
                continue;
            }
            let tx = self.tx.clone();
            let sink: watch::Sink = Arc::new(move |k, u| {
                let _ = tx.send(Msg::Watch(k, u));
            });
            let task = tokio::spawn(watch::run(kc.clone(), key.clone(), sink));
            self.watches.insert(key, task.abort_handle());
        }
        for spec in subs.logs {
            if self.logs.contains_key(&spec) {
                continue;
            }
            let tx = self.tx.clone();
            let sink: logs::Sink = Arc::new(move |s, u| {
                let _ = tx.send(Msg::Logs(s, u));
            });
            let task = tokio::spawn(logs::run(client.clone(), spec.clone(), sink));
            self.logs.insert(spec, task.abort_handle());
        }
        for spec in subs.scrapes {
            if self.scrapes.contains_key(&spec) {
                continue;
            }
            let tx = self.tx.clone();
            let sink: crate::kube::gpu_metrics::Sink = Arc::new(move |scrape| {
                let _ = tx.send(Msg::Other(super::payload::Payload::new(scrape)));
            });
            let task = tokio::spawn(crate::kube::gpu_metrics::run(
                client.clone(),
                spec.clone(),
                sink,
            ));
            self.scrapes.insert(spec, task.abort_handle());
        }
        for key in subs.access {
            if state.readonly.is_some() || !self.reviewed.insert(key.clone()) {
                continue;
            }
            let tx = self.tx.clone();
            let client = client.clone();
            tokio::spawn(async move {
                let access = ops::review(client, &key).await;
                let _ = tx.send(Msg::Access(key, access));
            });
        }
    }

    /// Performs effects; answers come back as messages.
    pub fn perform(&mut self, state: &State, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Api { id, op } => {
                    let what = op.describe();
                    let tx = self.tx.clone();
                    let Some(client) = self.client.as_ref().map(|c| c.client.clone()) else {
                        let _ = tx.send(Msg::Api {
                            id,
                            what,
                            result: Err(crate::kube::errors::ApiFailure::local(
                                "Offline",
                                "not connected to a cluster",
                            )),
                        });
                        continue;
                    };
                    tokio::spawn(async move {
                        let result = ops::perform(client, op).await;
                        if let Err(e) = &result {
                            tracing::warn!("{what}: {e}");
                        }
                        let _ = tx.send(Msg::Api { id, what, result });
                    });
                }
                Effect::SwitchContext(name) => {
                    let Some(kubeconfig) = self.kubeconfig.clone() else {
                        let _ = self.client_tx.send(Err("no kubeconfig loaded".into()));
                        continue;
                    };
                    self.connect_in_background(async move {
                        client::connect(&kubeconfig, Some(&name))
                            .await
                            .map(|(client, info)| Connected {
                                client,
                                info,
                                kubeconfig: None,
                                keep: None,
                            })
                            .map_err(|e| e.to_string())
                    });
                }
                Effect::RestartWatches => self.stop_all(),
                Effect::Restart(keys) => {
                    for key in keys {
                        if let Some(h) = self.watches.remove(&key) {
                            tracing::info!(watch = %key, "restarting a watch that lived through an outage");
                            h.abort();
                        }
                    }
                }
                Effect::StartForward(spec) => {
                    let Some(client) = self.client.as_ref().map(|c| c.client.clone()) else {
                        continue;
                    };
                    let tx = self.tx.clone();
                    let sink: portforward::Sink = Arc::new(move |id, update| {
                        let _ = tx.send(Msg::Forward { id, update });
                    });
                    let id = spec.id;
                    let task = tokio::spawn(portforward::run(client, spec, sink));
                    self.forwards.insert(id, task.abort_handle());
                }
                Effect::StopForward(id) => {
                    if let Some(h) = self.forwards.remove(&id) {
                        h.abort();
                    }
                }
                Effect::SaveState => {
                    if let Some(paths) = &self.paths {
                        let saved = Saved::of(state);
                        let path = paths.state_file();
                        tokio::task::spawn_blocking(move || {
                            if let Err(e) = saved.save(&path) {
                                tracing::warn!("cannot save state to {}: {e}", path.display());
                            }
                        });
                    }
                }
                Effect::SaveDraft { name, text } => {
                    if let Some(paths) = &self.paths {
                        let dir = paths.drafts_dir();
                        tokio::task::spawn_blocking(move || {
                            let path = persist::draft_path(&dir, &name);
                            let result = std::fs::create_dir_all(&dir)
                                .and_then(|_| std::fs::write(&path, text));
                            if let Err(e) = result {
                                tracing::warn!("cannot save draft {}: {e}", path.display());
                            }
                        });
                    }
                }
                Effect::DeleteDraft { name } => {
                    if let Some(paths) = &self.paths {
                        let _ =
                            std::fs::remove_file(persist::draft_path(&paths.drafts_dir(), &name));
                    }
                }
                Effect::Worker(payload) => {
                    if !self.workers.iter_mut().any(|w| w.accept(&payload)) {
                        tracing::warn!("no worker took a request");
                    }
                }
                Effect::Quit => {}
            }
        }
    }
}

/// Asks the server's `/readyz` every few seconds and reports only changes,
/// so a healthy idle server costs no redraw.
fn spawn_probe(kc: KubeClient, tx: UnboundedSender<Msg>) -> AbortHandle {
    tokio::spawn(async move {
        // Assumed ready until it says otherwise: a healthy server costs no message.
        let mut last = Some(health::Readiness::Ready);
        let mut every = tokio::time::interval(health::PROBE_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let now = health::probe(&kc.client, &kc.server).await;
            if last.as_ref() != Some(&now) {
                if tx.send(Msg::Health(now.clone())).is_err() {
                    return;
                }
                last = Some(now);
            }
        }
    })
    .abort_handle()
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.stop_all();
        for (_, h) in self.forwards.drain() {
            h.abort();
        }
    }
}

/// For the startup benchmark: when `KFTUI_FIRST_FRAME_REPORT=FILE` and
/// `KFTUI_SPAWNED_AT=<unix time in µs>` are set, write the microseconds from
/// spawn to the first frame into FILE.
fn report_first_frame() {
    let (Some(file), Some(spawned)) = (
        std::env::var_os("KFTUI_FIRST_FRAME_REPORT"),
        std::env::var("KFTUI_SPAWNED_AT")
            .ok()
            .and_then(|s| s.parse::<i128>().ok()),
    ) else {
        return;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i128)
        .unwrap_or(0);
    if let Err(e) = std::fs::write(&file, (now - spawned).to_string()) {
        tracing::warn!("cannot write first-frame report: {e}");
    }
}

/// Caps glibc's malloc arenas at two. By default glibc gives each thread
/// that allocates its own arena (up to 8 per core), and tokio's workers
/// parse list pages on whichever thread they run on, so pages freed after
/// slimming are spread over many arenas that are never given back: with
/// 5,000 pods that is about 30 MiB of RSS for nothing. Call before any
/// thread starts.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before other
    // threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        // A fixed threshold (glibc raises it to the largest block freed
        // otherwise): list pages' text buffers stay mmap'd and go back to
        // the system when freed, instead of leaving holes between the
        // small, long-lived allocations pods are made of.
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

/// Hands the heap's free pages back to the system. A (re)list parses pages
/// of full objects and drops them once slimmed; glibc keeps what they took
/// in its per-thread arenas, so without this the process would stay at the
/// list's peak size. Takes a few milliseconds, once per completed list.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}
