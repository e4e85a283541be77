//! The watch protocol: a chunked stream of newline-delimited
//! `{"type","object"}` events from a resourceVersion, with initial
//! synthetic ADDED events, periodic BOOKMARKs, `timeoutSeconds`, selector
//! transitions (an object that stops matching is sent as DELETED, one that
//! starts matching as ADDED) and 410 Gone as an ERROR event when the
//! requested resourceVersion has been compacted away.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::error::ApiError;
use super::negotiate::Format;
use super::render;
use crate::faults::Faults;
use crate::ops::selected;
use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::store::{Change, ChangeKind, Store, StoredObject};

/// Where a watch starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchStart {
    /// Synthetic ADDED events for everything that exists, then changes.
    /// `end_bookmark` sends the `k8s.io/initial-events-end` bookmark after
    /// them (`sendInitialEvents=true`).
    Initial { end_bookmark: bool },
    /// Only changes after this resourceVersion.
    After(u64),
}

/// A parsed watch request.
pub struct WatchRequest {
    pub rt: &'static ResourceType,
    pub namespace: Option<String>,
    pub label: LabelSelector,
    pub field: FieldSelector,
    pub start: WatchStart,
    pub bookmarks: bool,
    pub timeout: Duration,
    pub format: Format,
}

/// What a watch needs from the server.
#[derive(Clone)]
pub struct WatchContext {
    pub store: Arc<Store>,
    pub faults: Faults,
    pub bookmark_interval: Duration,
    pub shutdown: watch::Receiver<bool>,
}

const BATCH: usize = 512;

type Chunk = Result<Bytes, std::io::Error>;

/// Starts serving a watch; returns the streaming response body.
pub fn serve(ctx: WatchContext, req: WatchRequest) -> Body {
    let (tx, mut rx) = mpsc::channel::<Chunk>(32);
    tokio::spawn(run(ctx, req, tx));
    Body::from_stream(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

fn in_scope(req: &WatchRequest, obj: &StoredObject) -> bool {
    req.namespace
        .as_deref()
        .is_none_or(|ns| obj.meta.namespace.as_deref() == Some(ns))
}

fn matches(req: &WatchRequest, obj: &StoredObject) -> bool {
    in_scope(req, obj) && selected(&obj.meta, &req.label, &req.field)
}

fn restamp(rt: &ResourceType, obj: &StoredObject, rv: u64) -> StoredObject {
    let mut v = obj.value();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.insert("resourceVersion".into(), Value::String(rv.to_string()));
    }
    StoredObject::encode(rt, &v)
}

/// Renders the event (if any) a change produces for this watch.
fn render_change(buf: &mut BytesMut, req: &WatchRequest, change: &Change) {
    if change.kind_id != req.rt.id {
        return;
    }
    let now = change.kind != ChangeKind::Deleted && matches(req, &change.object);
    let before = change.previous.as_ref().is_some_and(|p| matches(req, p));
    let (event, obj) = match change.kind {
        ChangeKind::Added if now => ("ADDED", change.object.clone()),
        ChangeKind::Modified if now && before => ("MODIFIED", change.object.clone()),
        ChangeKind::Modified if now => ("ADDED", change.object.clone()),
        ChangeKind::Modified if before => match &change.previous {
            Some(prev) => ("DELETED", restamp(req.rt, prev, change.rv)),
            None => return,
        },
        ChangeKind::Deleted if before => ("DELETED", change.object.clone()),
        _ => return,
    };
    render::watch_event(buf, req.rt, event, &obj, req.format);
}

async fn send(tx: &mpsc::Sender<Chunk>, buf: &mut BytesMut) -> bool {
    if buf.is_empty() {
        return true;
    }
    tx.send(Ok(buf.split().freeze())).await.is_ok()
}

async fn run(ctx: WatchContext, req: WatchRequest, tx: mpsc::Sender<Chunk>) {
    // Subscribe before reading so no change can slip between the two.
    let mut moved = ctx.store.subscribe();
    let mut dropped = ctx.faults.drop_signal();
    let mut shutdown = ctx.shutdown.clone();
    let mut buf = BytesMut::new();
    let mut last = match req.start {
        WatchStart::After(rv) => rv,
        WatchStart::Initial { end_bookmark } => {
            let (objects, rv) = ctx.store.read(|view| {
                let items: Vec<StoredObject> = view
                    .range(req.rt, req.namespace.as_deref(), None)
                    .filter(|(_, o)| selected(&o.meta, &req.label, &req.field))
                    .map(|(_, o)| o.clone())
                    .collect();
                (items, view.resource_version())
            });
            for chunk in objects.chunks(BATCH) {
                for obj in chunk {
                    render::watch_event(&mut buf, req.rt, "ADDED", obj, req.format);
                }
                if !send(&tx, &mut buf).await {
                    return;
                }
            }
            if end_bookmark && req.bookmarks {
                render::bookmark(&mut buf, req.rt, rv, true);
                if !send(&tx, &mut buf).await {
                    return;
                }
            }
            rv
        }
    };
    let deadline = tokio::time::sleep(req.timeout);
    tokio::pin!(deadline);
    let mut ticker = tokio::time::interval(ctx.bookmark_interval.max(Duration::from_millis(10)));
    ticker.reset();
    loop {
        loop {
            match ctx.store.changes_since(last, BATCH) {
                Ok((changes, progress)) => {
                    for change in &changes {
                        render_change(&mut buf, &req, change);
                    }
                    last = progress.max(last);
                    if !send(&tx, &mut buf).await {
                        return;
                    }
                    if changes.len() < BATCH {
                        break;
                    }
                }
                Err(too_old) => {
                    let status = ApiError::gone(too_old.to_string()).status();
                    render::error_event(&mut buf, &status);
                    let _ = send(&tx, &mut buf).await;
                    return;
                }
            }
        }
        tokio::select! {
            biased;
            _ = dropped.changed() => {
                // Abort the connection mid-stream, like a network failure.
                let _ = tx.send(Err(std::io::Error::other("watch dropped by fault injection"))).await;
                return;
            }
            _ = shutdown.changed() => return,
            _ = &mut deadline => {
                if req.bookmarks {
                    render::bookmark(&mut buf, req.rt, last, false);
                    let _ = send(&tx, &mut buf).await;
                }
                return;
            }
            changed = moved.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            _ = ticker.tick(), if req.bookmarks => {
                render::bookmark(&mut buf, req.rt, last, false);
                if !send(&tx, &mut buf).await {
                    return;
                }
            }
            _ = tx.closed() => return,
        }
    }
}
