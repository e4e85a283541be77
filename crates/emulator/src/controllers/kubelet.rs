//! The scheduler and kubelet for pods created while the emulator runs:
//! binds a new pod to a node that fits its requests (or marks it
//! unschedulable with a `FailedScheduling` event and retries later), shows
//! it `ContainerCreating` for a couple of simulated seconds, then starts it.

use std::collections::HashSet;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::Ctx;
use crate::clock;
use crate::ids;
use crate::kubeflow::{name_of, namespace_of};
use crate::ops::{self, Target};
use crate::podstatus::{self, Phase, Placement};
use crate::processes;
use crate::resources;
use crate::scheduler::{self, NodeState, Request};

/// Simulated seconds from binding to running.
const START_SECS: f64 = 2.0;
/// Simulated seconds between scheduling attempts of an unschedulable pod.
const RETRY_SECS: f64 = 15.0;

type Key = (String, String);

/// Pods the kubelet is working on.
#[derive(Default)]
pub struct Kubelet {
    to_schedule: Vec<(Key, Timestamp)>,
    starting: Vec<(Key, Timestamp)>,
    finishing: Vec<(Key, Timestamp)>,
    warned: HashSet<String>,
    adopted: bool,
}

/// When a pod whose containers all run finite programs, started at
/// `started`, exits (`None` for long-running pods).
fn exit_time(ctx: &Ctx, pod: &Value, started: Timestamp) -> Option<Timestamp> {
    let names: Vec<String> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(String::from))
        .collect();
    let mut longest: f64 = 0.0;
    for name in &names {
        let p = processes::program_for(pod, name, false);
        longest = longest.max(p.run_secs()?);
    }
    Some(ctx.clock.after(started, longest))
}

fn key(pod: &Value) -> Key {
    (namespace_of(pod).to_string(), name_of(pod).to_string())
}

fn get_pod(ctx: &Ctx, (ns, name): &Key) -> Option<Value> {
    ops::get(&ctx.store, &resources::POD, Some(ns), name)
        .ok()
        .map(|o| o.value())
}

fn is_terminal(pod: &Value) -> bool {
    matches!(
        pod.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed")
    )
}

fn nodes_with_usage(ctx: &Ctx) -> Vec<NodeState> {
    ctx.store.read(|v| {
        let mut nodes: Vec<NodeState> = v
            .values(&resources::NODE, None)
            .iter()
            .map(NodeState::of)
            .collect();
        for pod in v.table(&resources::POD).values().map(|o| o.value()) {
            let Some(node) = pod.pointer("/spec/nodeName").and_then(Value::as_str) else {
                continue;
            };
            if is_terminal(&pod) {
                continue;
            }
            if let Some(n) = nodes.iter_mut().find(|n| n.name == node) {
                let r = Request::of(&pod);
                n.used.cpu += r.cpu;
                n.used.memory += r.memory;
                n.used.gpus += r.gpus;
            }
        }
        nodes
    })
}

fn host_ip(ctx: &Ctx, node: &str) -> String {
    ops::get(&ctx.store, &resources::NODE, None, node)
        .ok()
        .and_then(|n| {
            n.value()
                .pointer("/status/addresses")
                .and_then(Value::as_array)
                .and_then(|a| {
                    a.iter()
                        .find(|x| x.get("type").and_then(Value::as_str) == Some("InternalIP"))
                        .and_then(|x| x.get("address").and_then(Value::as_str).map(String::from))
                })
        })
        .unwrap_or_else(|| "10.0.0.1".to_string())
}

fn set_status(ctx: &Ctx, (ns, name): &Key, status: Value) {
    let r = ops::modify(
        &ctx.store,
        &resources::POD,
        Some(ns),
        name,
        Target::Status,
        |v| {
            if let Some(m) = v.as_object_mut() {
                m.insert("status".into(), status);
            }
        },
    );
    if let Err(e) = r {
        tracing::debug!(error = ?e, pod = %name, "updating pod status");
    }
}

/// When the pod's first container started running.
fn running_since(pod: &Value) -> Option<Timestamp> {
    pod.pointer("/status/containerStatuses")
        .and_then(Value::as_array)?
        .iter()
        .find_map(|c| {
            c.pointer("/state/running/startedAt")
                .and_then(Value::as_str)
        })
        .and_then(clock::parse)
}

fn placement_of(pod: &Value, now: Timestamp) -> Placement {
    let s = |p: &str| {
        pod.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Placement {
        node: s("/spec/nodeName"),
        host_ip: s("/status/hostIP"),
        pod_ip: s("/status/podIP"),
        scheduled: pod
            .pointer("/status/startTime")
            .and_then(Value::as_str)
            .and_then(clock::parse)
            .unwrap_or(now),
    }
}

impl Kubelet {
    /// Notes a pod that was just created.
    pub fn observe_new(&mut self, pod: &Value) {
        let bound = pod
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty());
        let has_phase = pod
            .pointer("/status/phase")
            .and_then(Value::as_str)
            .is_some_and(|p| p != "Pending");
        if !bound && !has_phase {
            self.to_schedule.push((key(pod), clock::now()));
        }
    }

    /// Does what is due.
    pub fn run(&mut self, ctx: &mut Ctx) {
        let now = clock::now();
        if !self.adopted {
            self.adopted = true;
            self.adopt_running(ctx);
        }
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.finishing)
            .into_iter()
            .partition(|(_, t)| *t <= now);
        self.finishing = later;
        for (k, _) in due {
            self.finish(ctx, &k, now);
        }
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.to_schedule)
            .into_iter()
            .partition(|(_, t)| *t <= now);
        self.to_schedule = later;
        for (k, _) in due {
            self.schedule(ctx, k, now);
        }
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.starting)
            .into_iter()
            .partition(|(_, t)| *t <= now);
        self.starting = later;
        for (k, _) in due {
            self.start(ctx, &k, now);
        }
    }

    fn schedule(&mut self, ctx: &mut Ctx, k: Key, now: Timestamp) {
        let Some(pod) = get_pod(ctx, &k) else { return };
        if pod
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty())
        {
            return;
        }
        let nodes = nodes_with_usage(ctx);
        match scheduler::place(&Request::of(&pod), &nodes) {
            Ok(node) => {
                let bound = ops::modify(
                    &ctx.store,
                    &resources::POD,
                    Some(&k.0),
                    &k.1,
                    Target::Main,
                    |v| {
                        if let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut) {
                            spec.insert("nodeName".into(), json!(node));
                        }
                    },
                );
                let Ok(Some(bound)) = bound else { return };
                let pod = bound.value();
                let uid = pod
                    .pointer("/metadata/uid")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let h = ids::hash64(uid);
                let cidr = nodes.iter().position(|n| n.name == node).unwrap_or(0) + 1;
                let placement = Placement {
                    node: node.clone(),
                    host_ip: host_ip(ctx, &node),
                    pod_ip: format!("10.244.{cidr}.{}", 2 + h % 250),
                    scheduled: now,
                };
                set_status(
                    ctx,
                    &k,
                    podstatus::placed(&pod, &placement, Phase::Creating, &[]),
                );
                let (ns, name) = (&k.0, &k.1);
                ctx.event(
                    &pod,
                    "Scheduled",
                    &format!("Successfully assigned {ns}/{name} to {node}"),
                    "Normal",
                    "default-scheduler",
                    None,
                );
                self.starting.push((k, ctx.clock.after(now, START_SECS)));
            }
            Err(message) => {
                let already = pod
                    .pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .is_some_and(|cs| {
                        cs.iter().any(|c| {
                            c.get("reason").and_then(Value::as_str) == Some("Unschedulable")
                        })
                    });
                if !already {
                    set_status(ctx, &k, podstatus::unschedulable(&pod, &message, now));
                }
                let uid = pod
                    .pointer("/metadata/uid")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                if self.warned.insert(uid) {
                    ctx.event(
                        &pod,
                        "FailedScheduling",
                        &message,
                        "Warning",
                        "default-scheduler",
                        None,
                    );
                }
                self.to_schedule.push((k, ctx.clock.after(now, RETRY_SECS)));
            }
        }
    }

    /// Pods that were already running when the emulator started and run
    /// finite programs finish in due course.
    fn adopt_running(&mut self, ctx: &Ctx) {
        // One pod parsed at a time: at --scale there are 100k of them.
        let due: Vec<(Key, Timestamp)> = ctx.store.read(|v| {
            v.table(&resources::POD)
                .values()
                .filter_map(|o| {
                    let pod = o.value();
                    if pod.pointer("/status/phase").and_then(Value::as_str) != Some("Running") {
                        return None;
                    }
                    let started = running_since(&pod)?;
                    exit_time(ctx, &pod, started).map(|at| (key(&pod), at))
                })
                .collect()
        });
        self.finishing.extend(due);
    }

    fn finish(&mut self, ctx: &mut Ctx, k: &Key, now: Timestamp) {
        let Some(pod) = get_pod(ctx, k) else { return };
        if pod.pointer("/status/phase").and_then(Value::as_str) != Some("Running") {
            return;
        }
        let started = running_since(&pod).unwrap_or(now);
        let placement = placement_of(&pod, now);
        let status = podstatus::placed(&pod, &placement, Phase::Finished(started, now), &[]);
        let failed = status.get("phase").and_then(Value::as_str) == Some("Failed");
        set_status(ctx, k, status);
        if failed {
            let node = placement.node.clone();
            ctx.event(
                &pod,
                "BackOff",
                "Container exited with a non-zero exit code",
                "Warning",
                "kubelet",
                Some(&node),
            );
        }
    }

    fn start(&mut self, ctx: &mut Ctx, k: &Key, now: Timestamp) {
        let Some(pod) = get_pod(ctx, k) else { return };
        // Killed before it started (a workflow shut down): it stays so.
        if is_terminal(&pod) {
            return;
        }
        let s = |p: &str| {
            pod.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let node = s("/spec/nodeName");
        let placement = Placement {
            node: node.clone(),
            host_ip: s("/status/hostIP"),
            pod_ip: s("/status/podIP"),
            scheduled: pod
                .pointer("/status/startTime")
                .and_then(Value::as_str)
                .and_then(clock::parse)
                .unwrap_or(now),
        };
        set_status(
            ctx,
            k,
            podstatus::placed(&pod, &placement, Phase::Running(now), &[]),
        );
        if let Some(at) = exit_time(ctx, &pod, now) {
            self.finishing.push((k.clone(), at));
        }
        let containers: Vec<(String, String)> = pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        let f = |k: &str| {
                            c.get(k)
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string()
                        };
                        (f("name"), f("image"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (c, image) in containers {
            ctx.event(
                &pod,
                "Pulled",
                &format!("Container image \"{image}\" already present on machine"),
                "Normal",
                "kubelet",
                Some(&node),
            );
            ctx.event(
                &pod,
                "Created",
                &format!("Created container: {c}"),
                "Normal",
                "kubelet",
                Some(&node),
            );
            ctx.event(
                &pod,
                "Started",
                &format!("Started container {c}"),
                "Normal",
                "kubelet",
                Some(&node),
            );
        }
    }
}
