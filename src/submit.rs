//! `kftui launch -f job.yaml [--watch]`: a training job from a file,
//! without the TUI, for scripts on the gateway host. The file is parsed
//! (syntax errors with line and column), its kind checked, the server asked
//! with a dry run, then the job created; with `--watch` its state changes
//! are printed, with the leader replica's log, until it ends. The namespace is the file's, else `-n`,
//! else the context's. Exit code 0 when created (or Succeeded), 1 on
//! any refusal or when the job Failed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use futures::StreamExt;
use serde_json::Value;

use crate::cli::Cli;
use crate::kube::client;
use crate::kube::kinds::{self, Kind};
use crate::kube::ops;
use crate::kube::types::{ApiOp, LogSpec, LogUpdate};
use crate::views::jobs::{self, model};

/// Arguments of `kftui launch`.
#[derive(Debug, Clone, clap::Args)]
pub struct LaunchArgs {
    /// The job to create (YAML or JSON): any training job kind.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub file: PathBuf,
    /// Print the job's state changes until it ends (exit 1 if it failed).
    #[arg(long)]
    pub watch: bool,
}

/// A job read from a file: its kind and body with the namespace filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct JobFile {
    pub kind: &'static Kind,
    pub namespace: String,
    pub name: String,
    pub body: Value,
}

/// Reads and checks the job in `text` (from `path`, for messages).
pub fn parse(path: &Path, text: &str, default_ns: &str) -> Result<JobFile, String> {
    let shown = path.display();
    let body: Value = serde_saphyr::from_str(text).map_err(|e| format!("{shown}: {e}"))?;
    if !body.is_object() {
        return Err(format!(
            "{shown}: not an object (expected apiVersion, kind, metadata, spec)"
        ));
    }
    let api_version = body.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind_name = body.get("kind").and_then(Value::as_str).unwrap_or("");
    let kind = kinds::from_type(api_version, kind_name)
        .filter(|k| jobs::KINDS.iter().any(|j| std::ptr::eq(*j, *k)))
        .ok_or_else(|| {
            let known: Vec<&str> = jobs::KINDS.iter().map(|k| k.kind).collect();
            format!(
                "{shown}: {kind_name:?} ({api_version:?}) is not a training job kind; one of {}",
                known.join(", ")
            )
        })?;
    let name = body
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| format!("{shown}: metadata.name is missing"))?
        .to_string();
    let namespace = body
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or(default_ns)
        .to_string();
    let mut body = body;
    body["metadata"]["namespace"] = Value::String(namespace.clone());
    Ok(JobFile {
        kind,
        namespace,
        name,
        body,
    })
}

/// Dry run, create and (with `watch`) follow; returns the exit code.
pub async fn launch(
    client: kube::Client,
    job: &JobFile,
    watch: bool,
    out: &mut (dyn Write + Send),
) -> u8 {
    let what = format!("{} {}/{}", job.kind.kind, job.namespace, job.name);
    let create = |dry_run| ApiOp::Create {
        kind: job.kind,
        namespace: Some(job.namespace.clone()),
        body: job.body.clone(),
        dry_run,
    };
    if let Err(e) = ops::perform(client.clone(), create(true)).await {
        let _ = writeln!(out, "dry run refused {what}: {}", e.message);
        return 1;
    }
    let _ = writeln!(out, "dry run: {what} is accepted");
    if let Err(e) = ops::perform(client.clone(), create(false)).await {
        let _ = writeln!(out, "cannot create {what}: {}", e.message);
        return 1;
    }
    let _ = writeln!(out, "created {what}");
    if !watch {
        return 0;
    }
    let stream =
        crate::kube::job_watch::follow(client.clone(), job.kind, &job.namespace, &job.name);
    futures::pin_mut!(stream);
    let mut last = String::new();
    let mut last_error = String::new();
    // The leader's log (master, chief, launcher, else worker 0), followed
    // once the job runs, its lines printed with the replica's name.
    let (log_tx, mut log_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let mut log_task: Option<tokio::task::JoinHandle<()>> = None;
    let finish = |task: Option<tokio::task::JoinHandle<()>>| {
        if let Some(t) = task {
            t.abort();
        }
    };
    loop {
        let ev = tokio::select! {
            ev = stream.next() => ev,
            Some(line) = log_rx.recv() => {
                let _ = writeln!(out, "{line}");
                continue;
            }
        };
        let Some(ev) = ev else { break };
        let obj = match ev {
            Ok(Some(o)) => o,
            Ok(None) => {
                let _ = writeln!(out, "{what} was deleted");
                return 1;
            }
            Err(e) => {
                if e.message != last_error {
                    let _ = writeln!(out, "watch: {} (retrying)", e.message);
                    last_error = e.message;
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
        };
        let status = model::status(job.kind, &obj);
        let roles = model::replicas(job.kind, &obj);
        let line = format!("{} {}", status.text(), model::replicas_text(&roles));
        if line != last {
            let _ = writeln!(out, "{what}: {line}");
            last = line;
        }
        if log_task.is_none()
            && status.state == model::State::Running
            && let Some(leader) = roles.first().filter(|_| !model::is_trainjob(job.kind))
        {
            let role = leader.name.to_lowercase();
            let spec = LogSpec {
                namespace: job.namespace.clone(),
                pod: format!("{}-{role}-0", job.name),
                container: None,
                previous: false,
                tail_lines: None,
                follow: true,
            };
            let tx = log_tx.clone();
            let prefix = format!("[{role}-0]");
            let sink: crate::kube::logs::Sink =
                std::sync::Arc::new(move |_, update| match update {
                    LogUpdate::Lines(lines) => {
                        for l in lines {
                            let clean = crate::views::logs::neutralise(&l);
                            let text = crate::views::logs::split_timestamp(&clean).1.to_string();
                            let _ = tx.send(format!("{prefix} {text}"));
                        }
                    }
                    LogUpdate::Ended(Some(why)) => {
                        let _ = tx.send(format!("{prefix} (no more log: {why})"));
                    }
                    LogUpdate::Ended(None) => {}
                });
            log_task = Some(tokio::spawn(crate::kube::logs::run(
                client.clone(),
                spec,
                sink,
            )));
        }
        match status.state {
            model::State::Succeeded | model::State::Failed => {
                // What the log said up to the end: its stream ends when
                // the container exits (a few seconds at most).
                if let Some(mut t) = log_task.take() {
                    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), &mut t).await;
                    t.abort();
                }
                while let Ok(line) = log_rx.try_recv() {
                    let _ = writeln!(out, "{line}");
                }
                if status.state == model::State::Failed {
                    if let Some(m) = status.message {
                        let _ = writeln!(out, "{what} failed: {m}");
                    }
                    return 1;
                }
                return 0;
            }
            _ => {}
        }
    }
    finish(log_task.take());
    1
}

/// `kftui launch`: connects as the TUI would and launches.
pub async fn main(cli: &Cli, args: &LaunchArgs) -> ExitCode {
    let fail = |msg: String| {
        eprintln!("kftui launch: {msg}");
        ExitCode::FAILURE
    };
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => return fail(format!("cannot read {}: {e}", args.file.display())),
    };
    let kubeconfig = match client::load_kubeconfig(cli.kubeconfig.as_deref()) {
        Ok(k) => k,
        Err(e) => return fail(e.to_string()),
    };
    let (client, info) = match client::connect(&kubeconfig, cli.context.as_deref()).await {
        Ok(c) => c,
        Err(e) => return fail(e.to_string()),
    };
    let ns = cli.namespace.clone().unwrap_or(info.namespace);
    let job = match parse(&args.file, &text, &ns) {
        Ok(j) => j,
        Err(e) => return fail(e),
    };
    let mut stdout = std::io::stdout();
    ExitCode::from(launch(client.client, &job, args.watch, &mut stdout).await)
}
