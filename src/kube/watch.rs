//! Runs one watch with `kube::runtime::watcher` (list, then watch, re-list on
//! 410, exponential backoff on failure) and turns its events into messages.
//! A complete listing arrives as one `Reset`, so views never see half a list.

use futures::StreamExt;
use kube::Client;
use kube::api::{Api, DynamicObject};
use kube::core::{PartialObjectMeta, TypeMeta};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};

use super::errors::ApiFailure;
use super::types::{SyncStatus, WatchKey, WatchUpdate};

/// Where updates go.
pub type Sink = std::sync::Arc<dyn Fn(WatchKey, WatchUpdate) + Send + Sync>;

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

/// True when the server refused with 403.
pub fn is_forbidden(e: &watcher::Error) -> bool {
    match e {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchFailed(kube::Error::Api(s)) => s.code == 403,
        watcher::Error::WatchError(s) => s.code == 403,
        _ => false,
    }
}

/// Plain words for a watcher failure.
pub fn describe_error(e: &watcher::Error) -> String {
    match e {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => ApiFailure::from(e).message,
        watcher::Error::WatchError(s) => {
            ApiFailure::from_status(s.code, &s.reason, &s.message).message
        }
        other => other.to_string(),
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

/// Watches until the task is aborted.
pub async fn run(client: Client, key: WatchKey, sink: Sink) {
    let config = watcher::Config {
        label_selector: key.labels.clone(),
        field_selector: key.fields.clone(),
        ..watcher::Config::default()
    };
    let mut stream = if key.meta_only {
        let k = key.clone();
        let api: Api<PartialObjectMeta<DynamicObject>> = api_for(client, &key);
        watcher::watcher(api, config)
            .default_backoff()
            .map(move |ev| ev.map(|e| e.map_meta(&k)))
            .boxed()
    } else {
        let api: Api<DynamicObject> = api_for(client, &key);
        watcher::watcher(api, config).default_backoff().boxed()
    };
    sink(key.clone(), WatchUpdate::Status(SyncStatus::Connecting));
    let mut buffer: Vec<DynamicObject> = Vec::new();
    let mut failures = 0u32;
    while let Some(item) = stream.next().await {
        match item {
            Ok(Event::Init) => buffer.clear(),
            Ok(Event::InitApply(o)) => buffer.push(o),
            Ok(Event::InitDone) => {
                failures = 0;
                sink(key.clone(), WatchUpdate::Reset(std::mem::take(&mut buffer)));
            }
            Ok(Event::Apply(o)) => {
                if failures > 0 {
                    failures = 0;
                    sink(key.clone(), WatchUpdate::Status(SyncStatus::Live));
                }
                sink(key.clone(), WatchUpdate::Applied(o));
            }
            Ok(Event::Delete(o)) => {
                if failures > 0 {
                    failures = 0;
                    sink(key.clone(), WatchUpdate::Status(SyncStatus::Live));
                }
                sink(key.clone(), WatchUpdate::Deleted(o));
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(watch = %key, attempt = failures, "watch failed: {e}");
                sink(
                    key.clone(),
                    WatchUpdate::Status(SyncStatus::Retrying {
                        error: describe_error(&e),
                        attempts: failures,
                        forbidden: is_forbidden(&e),
                    }),
                );
            }
        }
    }
}

/// Maps metadata-only watch events onto full-object events.
trait MapMeta {
    fn map_meta(self, key: &WatchKey) -> Event<DynamicObject>;
}

impl MapMeta for Event<PartialObjectMeta<DynamicObject>> {
    fn map_meta(self, key: &WatchKey) -> Event<DynamicObject> {
        match self {
            Event::Apply(m) => Event::Apply(from_meta(key, m)),
            Event::Delete(m) => Event::Delete(from_meta(key, m)),
            Event::Init => Event::Init,
            Event::InitApply(m) => Event::InitApply(from_meta(key, m)),
            Event::InitDone => Event::InitDone,
        }
    }
}
