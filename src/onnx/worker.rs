//! Runs the engine off the UI loop, on its own thread: the latest request wins.
//!
//! Like gitui's `AsyncSingleJob`: at most one run or benchmark waits; a newer one
//! replaces it (the replaced one is reported as [`CancelReason::Superseded`]), and a
//! run in flight is cancelled through `RunOptions::terminate`. Loading a model drops
//! pending work for the old one. The worker reports through a callback, so it does
//! not depend on the app's types; every event is plain data.
//!
//! ```no_run
//! use kftui::onnx::{OnnxCommand, OnnxWorker};
//! let (tx, rx) = std::sync::mpsc::channel();
//! let worker = OnnxWorker::spawn(move |event| {
//!     let _ = tx.send(event);
//! })?;
//! worker.send(OnnxCommand::Init { library: None });
//! worker.send(OnnxCommand::Load { path: "assets/models/iris_logreg.onnx".into(), options: Default::default() });
//! worker.send(OnnxCommand::Run { request_id: 1, text: "[5.1, 3.5, 1.4, 0.2]".into() });
//! # Ok::<(), std::io::Error>(())
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::bench::{BenchResult, run_benchmark};
use super::cancel::CancelToken;
use super::error::{OnnxError, RuntimeError};
use super::model::{LoadOptions, LoadedModel, ModelInfo};
use super::run::RunResult;
use super::runtime::{self, RuntimeInfo};

/// Least time between two [`OnnxEvent::BenchProgress`] events.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(50);

/// What the app asks the worker to do.
#[derive(Debug, Clone, PartialEq)]
pub enum OnnxCommand {
    /// Find and start ONNX Runtime; `library` is an explicit path (CLI flag or config).
    /// Sent implicitly (with `None`) before the first `Load` if the app did not.
    Init { library: Option<PathBuf> },
    /// Load a model, replacing the current one; pending runs are dropped.
    Load { path: PathBuf, options: LoadOptions },
    /// Run the request text; replaces a waiting run or benchmark, cancels one in flight.
    Run { request_id: u64, text: String },
    /// Benchmark the request: `warmup` untimed runs, then `runs` timed ones.
    Bench {
        request_id: u64,
        text: String,
        warmup: usize,
        runs: usize,
    },
    /// Drop the waiting job and stop the one in flight.
    Cancel,
}

/// Why a run or benchmark did not finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// A newer run or benchmark replaced it.
    Superseded,
    /// The user cancelled it.
    Cancelled,
    /// Another model was loaded.
    ModelChanged,
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Superseded => "replaced by a newer request",
            Self::Cancelled => "cancelled",
            Self::ModelChanged => "another model was loaded",
        })
    }
}

/// What the worker reports. Benchmarks report failures as `RunFailed` too.
#[derive(Debug, Clone, PartialEq)]
pub enum OnnxEvent {
    RuntimeReady(RuntimeInfo),
    /// ONNX Runtime could not be found or started; the message says how to fix it.
    RuntimeUnavailable(String),
    Loaded(ModelInfo),
    LoadFailed {
        path: PathBuf,
        error: OnnxError,
    },
    RunDone {
        request_id: u64,
        result: RunResult,
    },
    RunFailed {
        request_id: u64,
        error: OnnxError,
    },
    RunCancelled {
        request_id: u64,
        reason: CancelReason,
    },
    BenchProgress {
        request_id: u64,
        done: usize,
        total: usize,
    },
    BenchDone {
        request_id: u64,
        result: BenchResult,
    },
}

/// The work behind the worker; [`OrtEngine`] is the real one, tests may fake it.
pub trait Engine: Send + 'static {
    fn init(&mut self, library: Option<&Path>) -> Result<RuntimeInfo, OnnxError>;
    fn load(&mut self, path: &Path, options: &LoadOptions) -> Result<ModelInfo, OnnxError>;
    fn run(&mut self, text: &str, cancel: &CancelToken) -> Result<RunResult, OnnxError>;
    fn bench(
        &mut self,
        text: &str,
        warmup: usize,
        runs: usize,
        cancel: &CancelToken,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<BenchResult, OnnxError>;
}

/// The engine backed by ONNX Runtime.
#[derive(Debug, Default)]
pub struct OrtEngine {
    model: Option<LoadedModel>,
    init_error: Option<String>,
}

impl OrtEngine {
    fn model(&mut self) -> Result<&mut LoadedModel, OnnxError> {
        self.model.as_mut().ok_or(OnnxError::NoModel)
    }
}

impl Engine for OrtEngine {
    fn init(&mut self, library: Option<&Path>) -> Result<RuntimeInfo, OnnxError> {
        match runtime::init(library) {
            Ok(info) => {
                self.init_error = None;
                Ok(info)
            }
            Err(e) => {
                self.init_error = Some(e.to_string());
                Err(e.into())
            }
        }
    }

    fn load(&mut self, path: &Path, options: &LoadOptions) -> Result<ModelInfo, OnnxError> {
        self.model = None;
        if runtime::runtime_info().is_none() {
            let reason = self
                .init_error
                .clone()
                .unwrap_or_else(|| RuntimeError::NotInitialised.to_string());
            return Err(RuntimeError::Unavailable { reason }.into());
        }
        let model = LoadedModel::load(path, options)?;
        let info = model.info().clone();
        self.model = Some(model);
        Ok(info)
    }

    fn run(&mut self, text: &str, cancel: &CancelToken) -> Result<RunResult, OnnxError> {
        self.model()?.run_text(text, cancel)
    }

    fn bench(
        &mut self,
        text: &str,
        warmup: usize,
        runs: usize,
        cancel: &CancelToken,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<BenchResult, OnnxError> {
        run_benchmark(self.model()?, text, warmup, runs, cancel, progress)
    }
}

enum JobKind {
    Run {
        text: String,
    },
    Bench {
        text: String,
        warmup: usize,
        runs: usize,
    },
}

struct Job {
    request_id: u64,
    kind: JobKind,
}

enum Setup {
    Init(Option<PathBuf>),
    Load(PathBuf, LoadOptions),
}

struct Running {
    token: CancelToken,
    reason: Option<CancelReason>,
}

#[derive(Default)]
struct State {
    setup: VecDeque<Setup>,
    job: Option<Job>,
    running: Option<Running>,
    dropped: Vec<(u64, CancelReason)>,
    shutdown: bool,
}

impl State {
    fn drop_waiting_job(&mut self, reason: CancelReason) {
        if let Some(job) = self.job.take() {
            self.dropped.push((job.request_id, reason));
        }
    }

    fn cancel_running(&mut self, reason: CancelReason) {
        if let Some(running) = &mut self.running {
            running.reason.get_or_insert(reason);
            running.token.cancel();
        }
    }
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

enum Task {
    /// Only cancelled-job notices to send.
    Nothing,
    Setup(Setup),
    Job(Job, CancelToken),
}

/// Handle to the worker thread; dropping it cancels work and joins the thread.
pub struct OnnxWorker {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for OnnxWorker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnnxWorker")
            .field("busy", &self.is_busy())
            .finish_non_exhaustive()
    }
}

impl OnnxWorker {
    /// Starts a worker with the real ONNX Runtime engine. `notify` is called on the
    /// worker thread for every event (typically it forwards to the app's channel).
    pub fn spawn(notify: impl Fn(OnnxEvent) + Send + 'static) -> std::io::Result<Self> {
        Self::spawn_with_engine(OrtEngine::default(), notify)
    }

    /// Starts a worker with the given engine.
    pub fn spawn_with_engine<E: Engine>(
        engine: E,
        notify: impl Fn(OnnxEvent) + Send + 'static,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let worker_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("onnx-worker".into())
            .spawn(move || worker_loop(engine, &worker_shared, &notify))?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// Queues a command; returns at once.
    pub fn send(&self, command: OnnxCommand) {
        let mut state = self.shared.lock();
        match command {
            OnnxCommand::Init { library } => state.setup.push_back(Setup::Init(library)),
            OnnxCommand::Load { path, options } => {
                state.setup.retain(|s| !matches!(s, Setup::Load(..)));
                state.drop_waiting_job(CancelReason::ModelChanged);
                state.cancel_running(CancelReason::ModelChanged);
                state.setup.push_back(Setup::Load(path, options));
            }
            OnnxCommand::Run { request_id, text } => {
                state.drop_waiting_job(CancelReason::Superseded);
                state.cancel_running(CancelReason::Superseded);
                state.job = Some(Job {
                    request_id,
                    kind: JobKind::Run { text },
                });
            }
            OnnxCommand::Bench {
                request_id,
                text,
                warmup,
                runs,
            } => {
                state.drop_waiting_job(CancelReason::Superseded);
                state.cancel_running(CancelReason::Superseded);
                state.job = Some(Job {
                    request_id,
                    kind: JobKind::Bench { text, warmup, runs },
                });
            }
            OnnxCommand::Cancel => {
                state.drop_waiting_job(CancelReason::Cancelled);
                state.cancel_running(CancelReason::Cancelled);
            }
        }
        drop(state);
        self.shared.wake.notify_one();
    }

    /// Whether a run or benchmark is waiting or in flight.
    pub fn is_busy(&self) -> bool {
        let state = self.shared.lock();
        state.job.is_some() || state.running.is_some()
    }
}

impl Drop for OnnxWorker {
    fn drop(&mut self) {
        {
            let mut state = self.shared.lock();
            state.shutdown = true;
            state.cancel_running(CancelReason::Cancelled);
        }
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the ONNX worker thread panicked");
        }
    }
}

fn next_task(shared: &Shared) -> Option<(Task, Vec<(u64, CancelReason)>)> {
    let mut state = shared.lock();
    loop {
        if state.shutdown {
            return None;
        }
        let dropped = std::mem::take(&mut state.dropped);
        if let Some(setup) = state.setup.pop_front() {
            return Some((Task::Setup(setup), dropped));
        }
        if let Some(job) = state.job.take() {
            let token = CancelToken::new();
            state.running = Some(Running {
                token: token.clone(),
                reason: None,
            });
            return Some((Task::Job(job, token), dropped));
        }
        if !dropped.is_empty() {
            return Some((Task::Nothing, dropped));
        }
        state = shared
            .wake
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner);
    }
}

/// Why the finished job was cancelled, if it was.
fn finish_job(shared: &Shared) -> Option<CancelReason> {
    let running = shared.lock().running.take()?;
    running.reason.or_else(|| {
        running
            .token
            .is_cancelled()
            .then_some(CancelReason::Cancelled)
    })
}

/// Runs `work`, turning a panic into an error so the worker keeps going.
fn guarded<T>(work: impl FnOnce() -> Result<T, OnnxError>) -> Result<T, OnnxError> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Err(OnnxError::Internal(message))
    })
}

fn init_event(result: Result<RuntimeInfo, OnnxError>) -> OnnxEvent {
    match result {
        Ok(info) => OnnxEvent::RuntimeReady(info),
        Err(error) => OnnxEvent::RuntimeUnavailable(error.to_string()),
    }
}

enum JobOutput {
    Run(RunResult),
    Bench(BenchResult),
}

fn worker_loop<E: Engine>(mut engine: E, shared: &Shared, notify: &dyn Fn(OnnxEvent)) {
    let mut initialised = false;
    while let Some((task, dropped)) = next_task(shared) {
        for (request_id, reason) in dropped {
            notify(OnnxEvent::RunCancelled { request_id, reason });
        }
        match task {
            Task::Nothing => {}
            Task::Setup(Setup::Init(library)) => {
                initialised = true;
                notify(init_event(guarded(|| engine.init(library.as_deref()))));
            }
            Task::Setup(Setup::Load(path, options)) => {
                if !initialised {
                    initialised = true;
                    notify(init_event(guarded(|| engine.init(None))));
                }
                match guarded(|| engine.load(&path, &options)) {
                    Ok(info) => notify(OnnxEvent::Loaded(info)),
                    Err(error) => notify(OnnxEvent::LoadFailed { path, error }),
                }
            }
            Task::Job(job, token) => {
                let request_id = job.request_id;
                let outcome = match job.kind {
                    JobKind::Run { text } => {
                        guarded(|| engine.run(&text, &token)).map(JobOutput::Run)
                    }
                    JobKind::Bench { text, warmup, runs } => {
                        let mut last_report: Option<Instant> = None;
                        let mut progress = |done: usize, total: usize| {
                            if done == total
                                || last_report.is_none_or(|t| t.elapsed() >= PROGRESS_INTERVAL)
                            {
                                last_report = Some(Instant::now());
                                notify(OnnxEvent::BenchProgress {
                                    request_id,
                                    done,
                                    total,
                                });
                            }
                        };
                        guarded(|| engine.bench(&text, warmup, runs, &token, &mut progress))
                            .map(JobOutput::Bench)
                    }
                };
                let event = match (finish_job(shared), outcome) {
                    (Some(reason), _) => OnnxEvent::RunCancelled { request_id, reason },
                    (None, Ok(JobOutput::Run(result))) => OnnxEvent::RunDone { request_id, result },
                    (None, Ok(JobOutput::Bench(result))) => {
                        OnnxEvent::BenchDone { request_id, result }
                    }
                    (None, Err(OnnxError::Cancelled)) => OnnxEvent::RunCancelled {
                        request_id,
                        reason: CancelReason::Cancelled,
                    },
                    (None, Err(error)) => OnnxEvent::RunFailed { request_id, error },
                };
                notify(event);
            }
        }
    }
}
