//! The submit state machine every create screen shares (the notebook,
//! training job, Katib experiment forms and the YAML editor): each object
//! is first sent as a server-side dry run (`dryRun=All`), all at once; when
//! every dry run is accepted the objects are created for real, one after
//! the other, in the order given. The first refusal stops it; the owner
//! keeps its values and shows the failure where it belongs.

use serde_json::Value;

use crate::kube::errors::ApiFailure;
use crate::kube::kinds::Kind;
use crate::kube::types::ApiOp;
use crate::views::{Cx, ViewEvent};

/// Where a submit is: idle, waiting for dry runs (request id, what), or
/// waiting for a real create (request id, what).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Submit {
    #[default]
    Idle,
    DryRun(Vec<(u64, &'static str)>),
    Creating(u64, &'static str),
}

/// One object to create.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// What it is, in words ("notebook", "workspace volume", "job").
    pub what: &'static str,
    pub kind: &'static Kind,
    pub namespace: Option<String>,
    pub body: Value,
    /// Said in the notice line when its real create is sent.
    pub creating: Option<String>,
}

impl Request {
    pub fn new(what: &'static str, kind: &'static Kind, namespace: &str, body: Value) -> Request {
        Request {
            what,
            kind,
            namespace: Some(namespace.to_string()),
            body,
            creating: None,
        }
    }

    /// Says `text` when the real create is sent.
    pub fn saying(mut self, text: impl Into<String>) -> Request {
        self.creating = Some(text.into());
        self
    }

    fn send(&self, dry_run: bool, cx: &mut Cx) -> u64 {
        cx.api(ApiOp::Create {
            kind: self.kind,
            namespace: self.namespace.clone(),
            body: self.body.clone(),
            dry_run,
        })
    }
}

/// What an answer meant for the owner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step<'a> {
    /// Not an answer to this submit.
    NotMine,
    /// Taken; nothing for the owner to do yet.
    Pending,
    /// `what` was created (`last`: it was the final one; the submit is over).
    Created {
        what: &'static str,
        object: &'a Value,
        last: bool,
    },
    /// The server refused `what` (in its dry run when `dry_run`); the
    /// submit is over.
    Failed {
        what: &'static str,
        failure: &'a ApiFailure,
        dry_run: bool,
    },
}

/// A submit in progress (or none).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Submitter {
    pub state: Submit,
    /// The objects still to create, in order.
    queue: Vec<Request>,
}

impl Submitter {
    pub fn busy(&self) -> bool {
        self.state != Submit::Idle
    }

    /// True (and says so) while a submit is under way.
    pub fn refuse_if_busy(&self, cx: &mut Cx) -> bool {
        if self.busy() {
            cx.info("already submitting…");
        }
        self.busy()
    }

    /// Sends the dry runs of `requests`; returns false (and says so) when a
    /// submit is already under way.
    pub fn start(&mut self, requests: Vec<Request>, cx: &mut Cx) -> bool {
        self.start_with(&requests.clone(), requests, cx)
    }

    /// As `start`, with the dry runs sent in their own order.
    pub fn start_with(&mut self, dry_runs: &[Request], creates: Vec<Request>, cx: &mut Cx) -> bool {
        if self.refuse_if_busy(cx) {
            return false;
        }
        let pending = dry_runs
            .iter()
            .map(|r| (r.send(true, cx), r.what))
            .collect();
        self.state = Submit::DryRun(pending);
        self.queue = creates;
        cx.info("checking with the server (dry run)…");
        true
    }

    /// Forgets the submit (the owner gave up on it).
    pub fn reset(&mut self) {
        self.state = Submit::Idle;
        self.queue.clear();
    }

    fn create_next(&mut self, cx: &mut Cx) {
        let Some(next) = self.queue.first() else {
            self.reset();
            return;
        };
        let id = next.send(false, cx);
        if let Some(text) = &next.creating {
            cx.info(text.clone());
        }
        self.state = Submit::Creating(id, next.what);
    }

    /// Moves on with an answer; says what it meant.
    pub fn on_event<'a>(&mut self, event: &'a ViewEvent, cx: &mut Cx) -> Step<'a> {
        let ViewEvent::Api { id, result } = event else {
            return Step::NotMine;
        };
        match &mut self.state {
            Submit::DryRun(pending) => {
                let Some(pos) = pending.iter().position(|(p, _)| p == id) else {
                    return Step::NotMine;
                };
                let (_, what) = pending.remove(pos);
                if let Err(failure) = result {
                    self.reset();
                    return Step::Failed {
                        what,
                        failure,
                        dry_run: true,
                    };
                }
                if pending.is_empty() {
                    self.create_next(cx);
                }
                Step::Pending
            }
            Submit::Creating(p, what) if *p == *id => {
                let what = *what;
                match result {
                    Err(failure) => {
                        self.reset();
                        Step::Failed {
                            what,
                            failure,
                            dry_run: false,
                        }
                    }
                    Ok(object) => {
                        if !self.queue.is_empty() {
                            self.queue.remove(0);
                        }
                        let last = self.queue.is_empty();
                        self.create_next(cx);
                        Step::Created { what, object, last }
                    }
                }
            }
            _ => Step::NotMine,
        }
    }
}
