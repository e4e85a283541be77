//! Simulated controllers: a scheduler-and-kubelet that places and starts
//! new pods, and the notebook controller. They run in one task that wakes
//! on every store change and on a short tick, reads the change feed, and
//! writes through the same operations as the HTTP API, so every effect is
//! visible to watches.

mod jobs;
mod kubelet;
mod notebooks;
mod workflows;

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::SimClock;
use crate::resources;
use crate::store::{ChangeKind, Store};

/// Shared context of the controllers.
pub struct Ctx {
    pub store: Arc<Store>,
    pub clock: SimClock,
    pub seed: u64,
    next_event: u64,
}

impl Ctx {
    /// A fresh, deterministic event-name suffix.
    pub fn event_suffix(&mut self) -> u64 {
        self.next_event = self.next_event.wrapping_add(0x9e37_79b9_7f4a_7c15);
        self.next_event
    }

    /// Records an event (best effort: a controller never fails on it).
    pub fn event(
        &mut self,
        involved: &serde_json::Value,
        reason: &str,
        message: &str,
        kind: &str,
        component: &str,
        host: Option<&str>,
    ) {
        let now = crate::clock::now();
        let spec = crate::kubeflow::events::EventSpec {
            involved,
            reason,
            message,
            kind,
            component,
            host,
            field_path: None,
            first: now,
            last: now,
            count: 1,
        };
        let ev = crate::kubeflow::events::event(&spec, self.event_suffix());
        let ns = crate::kubeflow::namespace_of(involved).to_string();
        let ns = if ns.is_empty() {
            "default".to_string()
        } else {
            ns
        };
        if let Err(e) = crate::ops::create(
            &self.store,
            &resources::EVENT,
            Some(&ns),
            ev,
            &Default::default(),
        ) {
            tracing::debug!(error = ?e, "recording event");
        }
    }
}

/// Starts every controller.
pub fn spawn(
    store: Arc<Store>,
    clock: SimClock,
    seed: u64,
    mut shutdown: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let task = tokio::spawn(async move {
        let mut ctx = Ctx {
            store: store.clone(),
            clock,
            seed,
            next_event: seed ^ 0x5eed_0fe7_e7e7,
        };
        let mut kubelet = kubelet::Kubelet::default();
        let mut notebooks = notebooks::NotebookController::default();
        let mut changes = store.subscribe();
        let mut last = store.resource_version();
        let tick = clock.real_secs(1.0).clamp(
            std::time::Duration::from_millis(20),
            std::time::Duration::from_millis(500),
        );
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                _ = changes.changed() => {}
                () = tokio::time::sleep(tick) => {}
            }
            if *shutdown.borrow() {
                break;
            }
            match store.changes_since(last, 100_000) {
                Ok((batch, rv)) => {
                    last = rv;
                    for change in batch {
                        if change.kind_id == resources::POD.id && change.kind == ChangeKind::Added {
                            kubelet.observe_new(&change.object.value());
                        } else if change.kind_id == resources::NOTEBOOK.id
                            && change.kind == ChangeKind::Deleted
                        {
                            notebooks.observe_deleted(&mut ctx, &change.object.value());
                        }
                    }
                }
                Err(_) => last = store.resource_version(),
            }
            notebooks.reconcile(&mut ctx);
            workflows::reconcile(&mut ctx);
            jobs::reconcile_experiments(&mut ctx);
            jobs::reconcile_training(&mut ctx);
            kubelet.run(&mut ctx);
        }
    });
    vec![task]
}
