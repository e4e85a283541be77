//! `GET /api/v1/namespaces/{ns}/pods/{name}/log`: container logs from the
//! simulated processes, with `container`, `follow`, `tailLines`,
//! `sinceSeconds`/`sinceTime`, `timestamps`, `previous` and `limitBytes`,
//! and the kubelet's error messages for the cases it rejects.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use jiff::Timestamp;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::api::error::ApiError;
use crate::api::query::Query;
use crate::clock::{self, SimClock};
use crate::ops;
use crate::processes::{self, Program};
use crate::resources;
use crate::server::AppState;

/// One container instance's output window.
struct Instance {
    program: Program,
    started: Timestamp,
    finished: Option<Timestamp>,
}

impl Instance {
    /// When line `i` is printed.
    fn time_of(&self, clock: &SimClock, i: u64) -> Timestamp {
        clock.after(self.started, i as f64 * self.program.period)
    }

    /// Lines printed by `at` (a count).
    fn lines_by(&self, clock: &SimClock, at: Timestamp) -> u64 {
        let end = match self.finished {
            // A container that exited printed its whole program (timestamps
            // are whole seconds, so the span alone can undercount).
            Some(f) if f <= at => {
                if let Some(total) = self.program.lines {
                    return total;
                }
                f
            }
            _ => at,
        };
        if end < self.started {
            return 0;
        }
        let real = end.duration_since(self.started).as_secs_f64();
        let sim = real * clock.speed();
        let n = (sim / self.program.period).floor() as u64 + 1;
        self.program.lines.map_or(n, |total| total.min(n))
    }
}

fn bad(msg: String) -> ApiError {
    ApiError::bad_request(msg)
}

fn container_names(pod: &Value, key: &str) -> Vec<String> {
    pod.pointer(&format!("/spec/{key}"))
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn pick_container(
    pod: &Value,
    pod_name: &str,
    requested: Option<&str>,
) -> Result<String, ApiError> {
    let containers = container_names(pod, "containers");
    let inits = container_names(pod, "initContainers");
    match requested.filter(|c| !c.is_empty()) {
        Some(c) if containers.iter().chain(&inits).any(|x| x == c) => Ok(c.to_string()),
        Some(c) => Err(bad(format!(
            "container {c} is not valid for pod {pod_name}"
        ))),
        None if containers.len() == 1 => Ok(containers[0].clone()),
        None => {
            let mut msg = format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                containers.join(" ")
            );
            if !inits.is_empty() {
                msg.push_str(&format!(
                    " or one of the init containers: [{}]",
                    inits.join(" ")
                ));
            }
            Err(bad(msg))
        }
    }
}

fn container_status<'a>(pod: &'a Value, name: &str) -> Option<&'a Value> {
    ["containerStatuses", "initContainerStatuses"]
        .iter()
        .find_map(|key| {
            pod.pointer(&format!("/status/{key}"))
                .and_then(Value::as_array)
                .and_then(|s| {
                    s.iter()
                        .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
                })
        })
}

fn ts(v: Option<&Value>) -> Option<Timestamp> {
    v.and_then(Value::as_str).and_then(clock::parse)
}

/// The output window of a container, or the kubelet's refusal.
fn instance(
    pod: &Value,
    pod_name: &str,
    container: &str,
    previous: bool,
) -> Result<Instance, ApiError> {
    let status = container_status(pod, container);
    if previous {
        let last = status.and_then(|s| s.pointer("/lastState/terminated"));
        let (Some(started), Some(finished)) = (
            ts(last.and_then(|l| l.get("startedAt"))),
            ts(last.and_then(|l| l.get("finishedAt"))),
        ) else {
            return Err(bad(format!(
                "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
            )));
        };
        return Ok(Instance {
            program: processes::program_for(pod, container, true),
            started,
            finished: Some(finished),
        });
    }
    let state = status.and_then(|s| s.get("state"));
    if let Some(running) = state.and_then(|s| s.get("running")) {
        let started = ts(running.get("startedAt")).unwrap_or_else(clock::now);
        return Ok(Instance {
            program: processes::program_for(pod, container, false),
            started,
            finished: None,
        });
    }
    if let Some(term) = state.and_then(|s| s.get("terminated")) {
        let finished = ts(term.get("finishedAt")).unwrap_or_else(clock::now);
        let started = ts(term.get("startedAt")).unwrap_or(finished);
        return Ok(Instance {
            program: processes::program_for(pod, container, false),
            started,
            finished: Some(finished),
        });
    }
    let reason = state
        .and_then(|s| s.pointer("/waiting/reason"))
        .and_then(Value::as_str)
        .unwrap_or("ContainerCreating");
    Err(bad(format!(
        "container \"{container}\" in pod \"{pod_name}\" is waiting to start: {reason}"
    )))
}

struct LogOptions {
    follow: bool,
    timestamps: bool,
    tail: Option<u64>,
    since: Option<Timestamp>,
    limit_bytes: Option<u64>,
}

fn options(query: &Query) -> Result<LogOptions, ApiError> {
    let since = match (query.int("sinceSeconds")?, query.get("sinceTime")) {
        (Some(s), _) if s <= 0 => {
            return Err(bad(
                "sinceSeconds: Invalid value: must be greater than 0".into()
            ));
        }
        (Some(s), _) => Some(clock::ago(s)),
        (None, Some(t)) => {
            Some(clock::parse(t).ok_or_else(|| bad(format!("invalid sinceTime \"{t}\"")))?)
        }
        (None, None) => None,
    };
    Ok(LogOptions {
        follow: query.flag("follow")?,
        timestamps: query.flag("timestamps")?,
        tail: query.int("tailLines")?.and_then(|t| u64::try_from(t).ok()),
        since,
        limit_bytes: query.int("limitBytes")?.and_then(|b| u64::try_from(b).ok()),
    })
}

fn render_line(
    inst: &Instance,
    clock: &SimClock,
    i: u64,
    timestamps: bool,
    out: &mut String,
) -> bool {
    let Some(text) = inst.program.line(i) else {
        return false;
    };
    if timestamps {
        out.push_str(&clock::rfc3339_nano(inst.time_of(clock, i)));
        out.push(' ');
    }
    out.push_str(&text);
    out.push('\n');
    true
}

/// The first line index to print given `tailLines` and `sinceSeconds`.
fn first_line(inst: &Instance, clock: &SimClock, available: u64, opts: &LogOptions) -> u64 {
    let mut first = opts.tail.map_or(0, |t| available.saturating_sub(t));
    if let Some(since) = opts.since {
        while first < available && inst.time_of(clock, first) < since {
            first += 1;
        }
    }
    first
}

/// Serves a pod log request.
pub async fn serve(
    state: &AppState,
    ns: &str,
    name: &str,
    query: &Query,
) -> Result<Response, ApiError> {
    let pod = ops::get(&state.store, &resources::POD, Some(ns), name)?.value();
    let container = pick_container(&pod, name, query.get("container"))?;
    if let Some(node) = pod.pointer("/spec/nodeName").and_then(Value::as_str)
        && state.faults.kubelet_down(node)
    {
        // What kube-apiserver answers when its dial to the kubelet fails.
        let ip = pod
            .pointer("/status/hostIP")
            .and_then(Value::as_str)
            .unwrap_or("10.0.2.1");
        return Err(ApiError::new(
            500,
            "InternalError",
            format!(
                "Get \"https://{ip}:10250/containerLogs/{ns}/{name}/{container}\": dial tcp {ip}:10250: connect: connection refused"
            ),
        ));
    }
    let previous = query.flag("previous")?;
    let inst = instance(&pod, name, &container, previous)?;
    let opts = options(query)?;
    let clock = state.clock;
    let available = inst.lines_by(&clock, clock::now());
    let first = first_line(&inst, &clock, available, &opts);
    let mut text = String::new();
    for i in first..available {
        render_line(&inst, &clock, i, opts.timestamps, &mut text);
    }
    let sent = text.len() as u64;
    if let Some(limit) = opts.limit_bytes {
        text.truncate(limit.min(text.len() as u64) as usize);
    }
    if !opts.follow || previous || inst.finished.is_some() {
        return Ok(text_response(Body::from(text)));
    }
    let (tx, mut rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    let follower = Follower {
        store: state.store.clone(),
        shutdown: state.shutdown.clone(),
        clock,
        namespace: ns.to_string(),
        pod: name.to_string(),
        container,
        inst,
        opts,
        next: available,
        sent,
    };
    tokio::spawn(follower.run(text, tx));
    Ok(text_response(Body::from_stream(futures::stream::poll_fn(
        move |cx| rx.poll_recv(cx),
    ))))
}

/// Streams new lines of a running container until it stops, the pod goes
/// away, the client disconnects or the emulator shuts down.
struct Follower {
    store: std::sync::Arc<crate::store::Store>,
    shutdown: tokio::sync::watch::Receiver<bool>,
    clock: SimClock,
    namespace: String,
    pod: String,
    container: String,
    inst: Instance,
    opts: LogOptions,
    next: u64,
    sent: u64,
}

impl Follower {
    /// When the followed instance ended (`None` while it runs).
    fn ended(&self) -> Option<Timestamp> {
        let Ok(pod) = ops::get(
            &self.store,
            &resources::POD,
            Some(&self.namespace),
            &self.pod,
        ) else {
            return Some(clock::now());
        };
        match instance(&pod.value(), &self.pod, &self.container, false) {
            Ok(now) if now.started == self.inst.started => now.finished,
            _ => Some(clock::now()),
        }
    }

    async fn run(mut self, first: String, tx: mpsc::Sender<Result<Bytes, std::io::Error>>) {
        if !first.is_empty() && tx.send(Ok(Bytes::from(first))).await.is_err() {
            return;
        }
        loop {
            let due = self.inst.time_of(&self.clock, self.next);
            let wait = Duration::try_from(due.duration_since(clock::now())).unwrap_or_default();
            tokio::select! {
                _ = tokio::time::sleep(wait.min(Duration::from_millis(500))) => {}
                _ = self.shutdown.changed() => return,
                _ = tx.closed() => return,
            }
            let ended = self.ended();
            let count = self
                .inst
                .lines_by(&self.clock, ended.unwrap_or_else(clock::now));
            let mut chunk = String::new();
            while self.next < count
                && render_line(
                    &self.inst,
                    &self.clock,
                    self.next,
                    self.opts.timestamps,
                    &mut chunk,
                )
            {
                self.next += 1;
            }
            if let Some(limit) = self.opts.limit_bytes {
                let room = limit.saturating_sub(self.sent);
                chunk.truncate(room.min(chunk.len() as u64) as usize);
            }
            self.sent += chunk.len() as u64;
            if !chunk.is_empty() && tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                return;
            }
            let exhausted = self.inst.program.lines.is_some_and(|n| self.next >= n);
            let over_limit = self.opts.limit_bytes.is_some_and(|l| self.sent >= l);
            if ended.is_some() || exhausted || over_limit {
                return;
            }
        }
    }
}

fn text_response(body: Body) -> Response {
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::OK;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn container_choice() {
        let pod = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}], "initContainers": [{"name": "i"}]}});
        let e = pick_container(&pod, "p", None).expect_err("ambiguous");
        assert_eq!(
            e.message,
            "a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [i]"
        );
        assert_eq!(
            pick_container(&pod, "p", Some("b")).ok().as_deref(),
            Some("b")
        );
        assert!(pick_container(&pod, "p", Some("z")).is_err());
        let single = json!({"spec": {"containers": [{"name": "only"}]}});
        assert_eq!(
            pick_container(&single, "p", None).ok().as_deref(),
            Some("only")
        );
    }

    #[test]
    fn previous_requires_a_restart() {
        let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]},
            "status": {"containerStatuses": [{"name": "a", "restartCount": 0, "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}}]}});
        let e = instance(&pod, "p", "a", true).err().map(|e| e.message);
        assert_eq!(
            e.as_deref(),
            Some("previous terminated container \"a\" in pod \"p\" not found")
        );
        assert!(instance(&pod, "p", "a", false).is_ok());
    }

    #[test]
    fn line_counts_follow_time() {
        let clock = SimClock::new(1.0);
        let started = clock::ago(100);
        let inst = Instance {
            program: processes::program_for(&json!({}), "x", false),
            started,
            finished: None,
        };
        // A server prints every 15 s: lines at 0, 15, ..., 90 → 7 lines.
        assert_eq!(inst.lines_by(&clock, clock::now()), 7);
    }
}
