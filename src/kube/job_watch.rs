//! One object followed by a watch (kube::runtime::watcher narrowed by
//! `metadata.name`), for `kftui launch --watch`: the object as it changes,
//! `None` once it is gone.

use futures::{Stream, StreamExt};
use kube::Client;
use kube::api::{Api, DynamicObject};
use kube::runtime::watcher::{self, Event};

use crate::kube::errors::ApiFailure;
use crate::kube::kinds::Kind;

/// The object's versions as the server reports them.
pub fn follow(
    client: Client,
    kind: &'static Kind,
    namespace: &str,
    name: &str,
) -> impl Stream<Item = Result<Option<DynamicObject>, ApiFailure>> + Send + 'static {
    let api: Api<DynamicObject> = Api::namespaced_with(client, namespace, &kind.api_resource());
    let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
    watcher::watcher(api, config).filter_map(|ev| async move {
        match ev {
            Ok(Event::Apply(o)) | Ok(Event::InitApply(o)) => Some(Ok(Some(o))),
            Ok(Event::Delete(_)) => Some(Ok(None)),
            Ok(Event::Init) | Ok(Event::InitDone) => None,
            Err(e) => Some(Err(crate::kube::watch::failure(&e, ""))),
        }
    })
}
