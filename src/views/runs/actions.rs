//! Run actions shared by the list and a run's page: terminate and stop
//! (KFP's `:terminate`, else the Workflow's `spec.shutdown`), retry (KFP
//! API only), archive / unarchive (KFP API only), delete (through the KFP API when in use), YAML, describe;
//! refused with the reason under `--readonly` or when access review says no.

use super::model::RunRow;
use super::source::{self, Kfp};
use crate::app::action::Action;
use crate::app::state::Scope;
use crate::kube::kinds;
use crate::kube::types::{AccessKey, ApiOp, ObjRef, PatchBody};
use crate::views::resources;
use crate::views::{Cx, ViewEvent, columns};

/// A confirmation the screen waits for.
#[derive(Debug, Clone)]
pub enum Pending {
    Delete(ObjRef),
    /// A request to send once confirmed, and what to say meanwhile.
    Send(ApiOp, String),
}

/// Access questions for run actions in a namespace.
pub fn access_keys(scope: &Scope) -> Vec<AccessKey> {
    ["patch", "delete"]
        .into_iter()
        .map(|verb| AccessKey {
            verb,
            kind: &kinds::WORKFLOW,
            namespace: scope.namespace().map(str::to_string),
        })
        .collect()
}

/// The merge patch that asks Argo to shut a workflow down.
pub fn shutdown_patch(strategy: &str) -> serde_json::Value {
    serde_json::json!({"spec": {"shutdown": strategy}})
}

/// Run actions shared by the list and the run's page: terminate, stop,
/// delete, YAML, describe. Returns the confirmation it opened.
pub fn act_on(row: &RunRow, action: Action, kfp: &Kfp, cx: &mut Cx) -> Option<(u64, Pending)> {
    let target = ObjRef::of(&kinds::WORKFLOW, &row.wf);
    let ns = target.namespace.clone();
    let name = row.summary.display.clone();
    let kfp_only = columns::annotation(&row.wf, source::KFP_ONLY).is_some();
    match action {
        Action::Terminate | Action::Stop if kfp_only => {
            cx.error(format!(
                "{name} exists only in the KFP API (its Workflow is gone): nothing runs to stop"
            ));
            return None;
        }
        Action::Terminate | Action::Stop => {
            let (strategy, verb) = if action == Action::Terminate {
                ("Terminate", "terminate")
            } else {
                ("Stop", "stop")
            };
            if let Some(reason) = cx.denied("patch", &kinds::WORKFLOW, ns.as_deref()) {
                cx.error(format!("cannot {verb} {name}: {reason}"));
                return None;
            }
            if row.summary.phase.finished() {
                cx.error(format!(
                    "{name} has already {}: nothing to {verb}",
                    row.summary.phase_word.to_lowercase()
                ));
                return None;
            }
            let what = if strategy == "Terminate" {
                "Running steps are killed and no new steps start."
            } else {
                "Running steps finish; no new steps start (exit handlers run)."
            };
            let id = cx.confirm(
                format!(
                    "{} run",
                    if strategy == "Stop" {
                        "Stop"
                    } else {
                        "Terminate"
                    }
                ),
                format!("{} {name} ({target})? {what}", capitalise(verb)),
                if strategy == "Stop" {
                    "Stop"
                } else {
                    "Terminate"
                },
                Vec::new(),
            );
            // KFP's :terminate when the API is in use, else the Workflow's
            // spec.shutdown (KFP has no stop).
            let op = match (&row.summary.run_id, strategy, kfp.available()) {
                (Some(run_id), "Terminate", true) => kfp.endpoint.run_action(run_id, "terminate"),
                _ => ApiOp::Patch {
                    target: target.clone(),
                    patch: PatchBody::Merge(shutdown_patch(strategy)),
                    dry_run: false,
                },
            };
            let doing = if strategy == "Stop" {
                "stopping"
            } else {
                "terminating"
            };
            return Some((id, Pending::Send(op, format!("{doing} {target}…"))));
        }
        Action::Retry => {
            let Some(run_id) = row.summary.run_id.as_deref() else {
                cx.error(format!(
                    "{name} is not a KFP run (no pipeline/runid): retry needs the KFP API"
                ));
                return None;
            };
            if let Some(why) = kfp.unavailable() {
                cx.error(format!(
                    "retry needs the KFP API, which is not in use: {why}"
                ));
                return None;
            }
            if let Some(reason) = cx.readonly {
                cx.error(format!("cannot retry {name}: {reason}"));
                return None;
            }
            if !row.summary.phase.failed() {
                cx.error(format!(
                    "{name} is {}: only a failed run can be retried",
                    row.summary.status_word().to_lowercase()
                ));
                return None;
            }
            cx.api(kfp.endpoint.run_action(run_id, "retry"));
            cx.info(format!("retrying {name}…"));
        }
        Action::Archive => {
            let Some(run_id) = row.summary.run_id.as_deref() else {
                cx.error(format!(
                    "{name} is not a KFP run (no pipeline/runid): archiving is a KFP API feature"
                ));
                return None;
            };
            if let Some(why) = kfp.unavailable() {
                cx.error(format!(
                    "archive needs the KFP API, which is not in use: {why}"
                ));
                return None;
            }
            if let Some(reason) = cx.readonly {
                cx.error(format!("cannot archive {name}: {reason}"));
                return None;
            }
            let archived = kfp.runs.get(run_id).is_some_and(|k| k.archived);
            let (verb, doing) = if archived {
                ("unarchive", "unarchiving")
            } else {
                ("archive", "archiving")
            };
            cx.api(kfp.endpoint.run_action(run_id, verb));
            cx.info(format!(
                "{doing} {name}…{}",
                if archived {
                    ""
                } else {
                    " (:runs archived lists archived runs)"
                }
            ));
        }
        Action::Delete => {
            if let Some(reason) = cx.denied("delete", &kinds::WORKFLOW, ns.as_deref()) {
                cx.error(format!("cannot delete {name}: {reason}"));
                return None;
            }
            // Through the KFP API when in use: the run goes from its
            // database too, not only its Workflow.
            let op = match (&row.summary.run_id, kfp.available()) {
                (Some(run_id), true) => Some(kfp.endpoint.delete_run(run_id)),
                _ if kfp_only => {
                    cx.error(format!(
                        "{name} exists only in the KFP API, which is not in use"
                    ));
                    return None;
                }
                _ => None,
            };
            if let Some(op) = op {
                let id = cx.confirm(
                    "Delete run",
                    format!(
                        "Delete {name} ({target}) from KFP? The run, its Workflow and pods are removed; this cannot be undone."
                    ),
                    "Delete",
                    Vec::new(),
                );
                return Some((id, Pending::Send(op, format!("deleting {name}…"))));
            }
            let id = cx.confirm(
                "Delete run",
                format!(
                    "Delete {name} ({target})? Its workflow and pods are removed; this cannot be undone."
                ),
                "Delete",
                Vec::new(),
            );
            return Some((id, Pending::Delete(target)));
        }
        Action::Yaml | Action::Describe => {
            let r = resources::Row::new(&kinds::WORKFLOW, row.wf.clone());
            resources::object_action(&r, None, action, cx);
        }
        _ => {}
    }
    None
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Sends what a confirmed dialog asked for; true when it was ours.
pub fn on_confirm(pending: &mut Option<(u64, Pending)>, event: &ViewEvent, cx: &mut Cx) -> bool {
    let ViewEvent::Confirmed { id, .. } = event else {
        return false;
    };
    if pending.as_ref().is_none_or(|(p, _)| p != id) {
        return false;
    }
    match pending.take().map(|(_, p)| p) {
        Some(Pending::Delete(target)) => {
            cx.info(format!("deleting {target}…"));
            cx.api(ApiOp::Delete {
                target,
                dry_run: false,
            });
        }
        Some(Pending::Send(op, doing)) => {
            cx.info(doing);
            cx.api(op);
        }
        None => {}
    }
    true
}
