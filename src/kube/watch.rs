//! Runs one watch with `kube::runtime::watcher` (paged list, then watch,
//! re-list on 410, backoff on failure) and turns its events into messages.
//!
//! Besides the objects it reports how the watch stands, in the words of
//! the failure: live again as soon as the server accepts the watch request
//! (through [`Board`]; a quiet watch gets no event to tell it), resyncing on
//! `410 Expired`, retrying with the reason otherwise. Objects are slimmed on
//! arrival ([`super::slim`]); a listing arrives page by page, so the first
//! rows show before the whole list is in.

use std::time::Duration;

use futures::{FutureExt, StreamExt};
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::{PartialObjectMeta, TypeMeta};
use kube::runtime::WatchStreamExt;
use kube::runtime::utils::Backoff;
use kube::runtime::watcher::{self, Event, ListSemantic};

use super::client::KubeClient;
use super::errors::{ApiFailure, FailureKind};
use super::health::WatchTarget;
use super::pod::{Pod, PodWire};
use super::types::{SyncStatus, WatchKey, WatchUpdate};

/// Where updates go.
pub type Sink = std::sync::Arc<dyn Fn(WatchKey, WatchUpdate) + Send + Sync>;

/// Objects per list page, as client-go's pager asks.
const PAGE: u32 = 500;

/// The `Api` for a key: namespaced or across all namespaces.
pub fn api_for<K>(client: Client, key: &WatchKey) -> Api<K>
where
    K: kube::Resource<
            DynamicType = kube::api::ApiResource,
            Scope = kube::core::DynamicResourceScope,
        >,
{
    let ar = key.kind.api_resource();
    match &key.namespace {
        Some(ns) if key.kind.namespaced => Api::namespaced_with(client, ns, &ar),
        _ => Api::all_with(client, &ar),
    }
}

/// A watcher failure reduced to what the UI shows, naming `server` when it
/// cannot be reached.
pub fn failure(e: &watcher::Error, server: &str) -> ApiFailure {
    match e {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => ApiFailure::from(e).at(server),
        watcher::Error::WatchError(s) => ApiFailure::from_status(s.code, &s.reason, &s.message),
        other => ApiFailure::local("ClientError", other.to_string()),
    }
}

/// Exponential backoff from 0.8 s, capped at 5 s (client-go caps at 30 s):
/// a server back from a restart is seen within seconds, and a handful of
/// watches retrying every 5 s is no load for one that is not.
struct Capped {
    next: Duration,
}

impl Capped {
    const FIRST: Duration = Duration::from_millis(800);
    const MAX: Duration = Duration::from_secs(5);

    fn new() -> Capped {
        Capped { next: Self::FIRST }
    }
}

impl Iterator for Capped {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let now = self.next;
        self.next = (self.next * 2).min(Self::MAX);
        // Up to 20% jitter so watches do not retry in lockstep.
        Some(now.mul_f64(1.0 - fastrand::f64() * 0.2))
    }
}

impl Backoff for Capped {
    fn reset(&mut self) {
        self.next = Self::FIRST;
    }
}

/// A metadata-only object as a `DynamicObject` with an empty body.
fn from_meta(key: &WatchKey, m: PartialObjectMeta<DynamicObject>) -> DynamicObject {
    DynamicObject {
        types: Some(TypeMeta {
            api_version: key.kind.api_version(),
            kind: key.kind.kind.to_string(),
        }),
        metadata: m.metadata,
        data: serde_json::Value::Object(serde_json::Map::new()),
    }
}

/// What a watch delivers: pods as [`Pod`]s, other kinds as slim
/// `DynamicObject`s.
enum Item {
    Obj(DynamicObject),
    Pod(Pod),
}

type Events = futures::stream::BoxStream<'static, Result<Event<Item>, watcher::Error>>;

fn events(client: Client, key: &WatchKey) -> Events {
    let config = watcher::Config {
        label_selector: key.labels.clone(),
        field_selector: key.fields.clone(),
        // Paged from etcd, so rows show as pages arrive (`Any`, resourceVersion
        // 0, is served from the watch cache in one piece).
        list_semantic: ListSemantic::MostRecent,
        page_size: Some(PAGE),
        ..watcher::Config::default()
    };
    let kind = key.kind;
    let pods = crate::app::store::is_pods(key);
    if key.meta_only {
        let k = key.clone();
        let api: Api<PartialObjectMeta<DynamicObject>> = api_for(client, key);
        watcher::watcher(api, config)
            .map(move |ev| {
                ev.map(|e| {
                    convert(e, |m| {
                        if pods {
                            Item::Pod(Pod::from_meta(&m.metadata))
                        } else {
                            Item::Obj(from_meta(&k, m))
                        }
                    })
                })
            })
            .backoff(Capped::new())
            .boxed()
    } else if pods {
        // Pods are parsed straight into their projection: the whole object
        // never lives in memory, only what the screens read.
        let api: Api<PodWire> = api_for(client, key);
        watcher::watcher(api, config)
            .map(|ev| ev.map(|e| convert(e, |p| Item::Pod(p.pod))))
            .backoff(Capped::new())
            .boxed()
    } else {
        let api: Api<DynamicObject> = api_for(client, key);
        watcher::watcher(api, config)
            .map(move |ev| ev.map(|e| convert(e, |o| Item::Obj(super::slim::project(kind, o)))))
            .backoff(Capped::new())
            .boxed()
    }
}

/// How many objects a listing will bring, from a one-item list's
/// `remainingItemCount` (the server leaves it out for filtered lists).
async fn expected(client: Client, key: WatchKey, sink: Sink) {
    let api: Api<PartialObjectMeta<DynamicObject>> = api_for(client, &key);
    let lp = ListParams {
        label_selector: key.labels.clone(),
        field_selector: key.fields.clone(),
        limit: Some(1),
        ..ListParams::default()
    };
    if let Ok(Ok(list)) =
        tokio::time::timeout(Duration::from_secs(10), api.list_metadata(&lp)).await
    {
        let total = list.items.len() + list.metadata.remaining_item_count.unwrap_or(0) as usize;
        if list.metadata.remaining_item_count.is_some() {
            sink(key, WatchUpdate::Expected(total));
        }
    }
}

/// The state of one running watch, for telling the store only what changed.
struct Reporter {
    key: WatchKey,
    sink: Sink,
    status: SyncStatus,
    listed: bool,
}

impl Reporter {
    fn send(&self, update: WatchUpdate) {
        (self.sink)(self.key.clone(), update);
    }

    fn status(&mut self, status: SyncStatus) {
        if self.status != status {
            self.status = status.clone();
            self.send(WatchUpdate::Status(status));
        }
    }

    /// Events flow again: no longer failing.
    fn healthy(&mut self) {
        if self.listed && self.status != SyncStatus::Live {
            self.status(SyncStatus::Live);
        }
    }

    fn failed(&mut self, f: ApiFailure) {
        let kind = f.kind();
        if kind == FailureKind::Expired {
            self.status(SyncStatus::Resyncing);
            return;
        }
        let attempts = match &self.status {
            SyncStatus::Retrying { attempts, .. } => attempts + 1,
            _ => 1,
        };
        self.status(SyncStatus::Retrying {
            error: f.message,
            attempts,
            kind,
        });
    }
}

/// Watches until the task is aborted.
pub async fn run(kc: KubeClient, key: WatchKey, sink: Sink) {
    let target = {
        let api: Api<DynamicObject> = api_for(kc.client.clone(), &key);
        WatchTarget {
            path: api.resource_url().to_string(),
            labels: key.labels.clone(),
            fields: key.fields.clone(),
        }
    };
    let mut accepted = kc.board.subscribe(target);
    let mut stream = events(kc.client.clone(), &key);
    let mut r = Reporter {
        key: key.clone(),
        sink: sink.clone(),
        status: SyncStatus::Connecting,
        listed: false,
    };
    r.send(WatchUpdate::Status(SyncStatus::Connecting));
    let mut page = Page::default();
    let mut asked_total = false;
    let mut pending = None;
    loop {
        let item = match pending.take() {
            Some(item) => item,
            None => tokio::select! {
                item = stream.next() => item,
                changed = accepted.changed() => {
                    if changed.is_ok() {
                        r.healthy();
                    }
                    continue;
                }
            },
        };
        let Some(item) = item else { return };
        match item {
            Ok(Event::Init) => {
                page = Page::default();
                r.send(WatchUpdate::Init);
                if !asked_total && !r.listed {
                    asked_total = true;
                    tokio::spawn(expected(kc.client.clone(), key.clone(), sink.clone()));
                }
            }
            Ok(Event::InitApply(o)) => {
                page.push(o);
                // Objects of one page come at once; the next page needs a
                // request. Hand over what is here whenever the stream waits.
                if page.len() < PAGE as usize
                    && let Some(next) = stream.next().now_or_never()
                {
                    pending = Some(next);
                    continue;
                }
                page.send(&r);
            }
            Ok(Event::InitDone) => {
                page.send(&r);
                r.send(WatchUpdate::Listed);
                r.listed = true;
                r.status = SyncStatus::Live;
            }
            Ok(Event::Apply(o)) => {
                r.healthy();
                r.send(match o {
                    Item::Obj(o) => WatchUpdate::Applied(o),
                    Item::Pod(p) => WatchUpdate::PodApplied(p),
                });
            }
            Ok(Event::Delete(o)) => {
                r.healthy();
                r.send(match o {
                    Item::Obj(o) => WatchUpdate::Deleted(o),
                    Item::Pod(p) => WatchUpdate::PodDeleted(p),
                });
            }
            Err(e) => {
                let f = failure(&e, &kc.server);
                tracing::warn!(watch = %key, "watch failed: {e}");
                r.failed(f);
            }
        }
    }
}

/// A listing's objects not yet handed over.
#[derive(Default)]
struct Page {
    objects: Vec<DynamicObject>,
    pods: Vec<Pod>,
}

impl Page {
    fn push(&mut self, item: Item) {
        match item {
            Item::Obj(o) => self.objects.push(o),
            Item::Pod(p) => self.pods.push(p),
        }
    }

    fn len(&self) -> usize {
        self.objects.len() + self.pods.len()
    }

    fn send(&mut self, r: &Reporter) {
        if !self.objects.is_empty() {
            r.send(WatchUpdate::Page(std::mem::take(&mut self.objects)));
        }
        if !self.pods.is_empty() {
            r.send(WatchUpdate::PodPage(std::mem::take(&mut self.pods)));
        }
    }
}

/// One watch event's object turned into what the store keeps.
fn convert<T>(ev: Event<T>, f: impl Fn(T) -> Item) -> Event<Item> {
    match ev {
        Event::Apply(o) => Event::Apply(f(o)),
        Event::Delete(o) => Event::Delete(f(o)),
        Event::Init => Event::Init,
        Event::InitApply(o) => Event::InitApply(f(o)),
        Event::InitDone => Event::InitDone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_and_resets() {
        let mut b = Capped::new();
        let first = b.next().unwrap_or_default();
        assert!(first <= Capped::FIRST && first >= Capped::FIRST.mul_f64(0.8));
        let later: Vec<Duration> = (0..10).filter_map(|_| b.next()).collect();
        assert!(later.iter().all(|d| *d <= Capped::MAX));
        assert!(later.last().is_some_and(|d| *d >= Capped::MAX.mul_f64(0.8)));
        b.reset();
        assert!(b.next().is_some_and(|d| d <= Capped::FIRST));
    }
}
