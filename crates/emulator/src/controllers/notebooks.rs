//! The notebook controller: keeps a pod `<name>-0` and a Service for every
//! running Notebook, removes the pod while the notebook carries the
//! `kubeflow-resource-stopped` annotation, copies the pod's state into the
//! Notebook's status, re-emits the pod's `FailedScheduling` warnings as
//! events on the Notebook, and deletes the pod with the Notebook.

use std::collections::HashSet;

use serde_json::Value;

use super::Ctx;
use crate::kubeflow::notebook;
use crate::kubeflow::{name_of, namespace_of};
use crate::ops::{self, DeleteOptions, Target};
use crate::resources;

/// The notebook controller's memory.
#[derive(Default)]
pub struct NotebookController {
    started: bool,
    /// Pods whose scheduling failure was re-emitted.
    reissued: HashSet<String>,
}

fn unschedulable_message(pod: &Value) -> Option<String> {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| {
            c.get("type").and_then(Value::as_str) == Some("PodScheduled")
                && c.get("reason").and_then(Value::as_str) == Some("Unschedulable")
        })
        .and_then(|c| c.get("message").and_then(Value::as_str))
        .map(String::from)
}

impl NotebookController {
    /// A Notebook was deleted: its StatefulSet (and so its pod) goes too.
    pub fn observe_deleted(&mut self, ctx: &mut Ctx, nb: &Value) {
        let ns = namespace_of(nb);
        let _ = ops::delete(
            &ctx.store,
            &resources::POD,
            Some(ns),
            &notebook::pod_name(nb),
            &DeleteOptions::default(),
        );
    }

    /// Brings every Notebook's pod and status in line with its spec.
    pub fn reconcile(&mut self, ctx: &mut Ctx) {
        let notebooks = ctx.store.read(|v| v.values(&resources::NOTEBOOK, None));
        let first = !self.started;
        self.started = true;
        for nb in notebooks {
            let ns = namespace_of(&nb).to_string();
            let pod_name = notebook::pod_name(&nb);
            let mut pod = ops::get(&ctx.store, &resources::POD, Some(&ns), &pod_name)
                .ok()
                .map(|o| o.value());
            if notebook::is_stopped(&nb) {
                if pod.is_some() {
                    let _ = ops::delete(
                        &ctx.store,
                        &resources::POD,
                        Some(&ns),
                        &pod_name,
                        &DeleteOptions::default(),
                    );
                    pod = None;
                }
            } else if pod.is_none() {
                if let Err(e) = ops::ensure(
                    &ctx.store,
                    &resources::SERVICE,
                    Some(&ns),
                    notebook::service_for(&nb),
                ) {
                    tracing::debug!(error = ?e, "creating notebook service");
                }
                match ops::ensure(
                    &ctx.store,
                    &resources::POD,
                    Some(&ns),
                    notebook::pod_for(&nb),
                ) {
                    Ok(p) => pod = Some(p.value()),
                    Err(e) => tracing::debug!(error = ?e, "creating notebook pod"),
                }
            }
            if let Some(p) = &pod
                && let Some(message) = unschedulable_message(p)
            {
                let uid = p
                    .pointer("/metadata/uid")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                if self.reissued.insert(uid) && !first {
                    ctx.event(
                        &nb,
                        "FailedScheduling",
                        &format!("Reissued from pod/{pod_name}: {message}"),
                        "Warning",
                        "notebook-controller",
                        None,
                    );
                }
            }
            let status = notebook::status_from_pod(&nb, pod.as_ref());
            if nb.get("status") != Some(&status) {
                let r = ops::modify(
                    &ctx.store,
                    &resources::NOTEBOOK,
                    Some(&ns),
                    name_of(&nb),
                    Target::Status,
                    |v| {
                        if let Some(m) = v.as_object_mut() {
                            m.insert("status".into(), status);
                        }
                    },
                );
                if let Err(e) = r {
                    tracing::debug!(error = ?e, "updating notebook status");
                }
            }
        }
    }
}
