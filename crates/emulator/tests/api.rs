//! Every verb through kube-rs: list (selectors, limit/continue), get,
//! create (generateName, dryRun), update (409), merge and JSON patch,
//! delete, the status subresource, metadata-only lists and watches, auth.

mod common;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Node, Pod, Secret};
use kftui_emulator::DemoUser;
use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams, WatchEvent,
    WatchParams,
};
use kube::core::PartialObjectMeta;
use serde_json::json;

fn configmap(name: Option<&str>, generate: Option<&str>) -> ConfigMap {
    serde_json::from_value(json!({
        "metadata": {"name": name, "generateName": generate, "labels": {"app": "test"}},
        "data": {"k": "v"},
    }))
    .expect("configmap")
}

#[tokio::test]
async fn list_with_selectors_and_pages() {
    let (emu, client) = common::start(1.0).await;
    let pods: Api<Pod> = Api::all(client.clone());
    let all = pods.list(&ListParams::default()).await.expect("list");
    assert!(all.items.len() > 20);
    assert!(all.metadata.resource_version.is_some());

    let notebook_pods = Api::<Pod>::namespaced(client.clone(), "ml-research")
        .list(&ListParams::default().labels("notebook-name"))
        .await
        .expect("label selector");
    assert!(
        notebook_pods
            .items
            .iter()
            .any(|p| p.metadata.name.as_deref() == Some("jupyter-alice-0"))
    );
    assert!(notebook_pods.items.iter().all(|p| {
        p.metadata
            .labels
            .as_ref()
            .is_some_and(|l| l.contains_key("notebook-name"))
    }));

    let on_a100 = pods
        .list(&ListParams::default().fields("spec.nodeName=gpu-a100-0"))
        .await
        .expect("field");
    assert!(!on_a100.items.is_empty());
    assert!(
        on_a100
            .items
            .iter()
            .all(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some("gpu-a100-0"))
    );
    let pending = pods
        .list(&ListParams::default().fields("status.phase=Pending"))
        .await
        .expect("phase");
    assert!(
        pending
            .items
            .iter()
            .any(|p| p.metadata.name.as_deref() == Some("big-gpu-notebook-0"))
    );

    // Pages of 7 add up to the whole list.
    let mut seen = 0;
    let mut lp = ListParams::default().limit(7);
    loop {
        let page = pods.list(&lp).await.expect("page");
        assert!(page.items.len() <= 7);
        seen += page.items.len();
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => break,
        }
    }
    assert_eq!(seen, all.items.len());

    let nodes: Api<Node> = Api::all(client.clone());
    let a100 = nodes.get("gpu-a100-0").await.expect("get node");
    let labels = a100.metadata.labels.unwrap_or_default();
    assert_eq!(
        labels.get("nvidia.com/gpu.count").map(String::as_str),
        Some("8")
    );
    let err = nodes.get("nope").await.expect_err("missing node");
    assert!(matches!(err, kube::Error::Api(s) if s.code == 404));

    let events: Api<Event> = Api::namespaced(client.clone(), "ml-research");
    let uid = Api::<Pod>::namespaced(client.clone(), "ml-research")
        .get("big-gpu-notebook-0")
        .await
        .expect("pod")
        .metadata
        .uid
        .expect("uid");
    let lp = ListParams::default().fields(&format!(
        "involvedObject.uid={uid},involvedObject.namespace=ml-research"
    ));
    let evs = events.list(&lp).await.expect("events by uid");
    assert!(
        evs.items
            .iter()
            .any(|e| e.reason.as_deref() == Some("FailedScheduling"))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn writes() {
    let (emu, client) = common::start(1.0).await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "ml-research");
    let made = cms
        .create(&PostParams::default(), &configmap(None, Some("gen-")))
        .await
        .expect("generateName");
    let name = made.metadata.name.clone().expect("name");
    assert!(name.starts_with("gen-") && name.len() > 4);
    assert!(made.metadata.uid.is_some() && made.metadata.creation_timestamp.is_some());

    // dryRun=All answers with the object and stores nothing.
    let dry = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    let answered = cms
        .create(&dry, &configmap(Some("dry"), None))
        .await
        .expect("dry run");
    assert_eq!(answered.metadata.name.as_deref(), Some("dry"));
    assert!(cms.get_opt("dry").await.expect("get").is_none());
    let nbs: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), "ml-research", &common::notebook_ar());
    let nb: DynamicObject = serde_json::from_value(json!({"apiVersion": "kubeflow.org/v1", "kind": "Notebook",
        "metadata": {"name": "dry-nb"}, "spec": {"template": {"spec": {"containers": [{"name": "dry-nb", "image": "x"}]}}}}))
        .expect("nb");
    nbs.create(&dry, &nb).await.expect("dry-run notebook");
    assert!(nbs.get_opt("dry-nb").await.expect("get").is_none());

    let err = cms
        .create(&PostParams::default(), &configmap(Some(&name), None))
        .await
        .expect_err("exists");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 409 && s.reason == "AlreadyExists"),
        "{err:?}"
    );

    // Update with a stale resourceVersion is a conflict.
    let mut fresh = cms.get(&name).await.expect("get");
    let stale = fresh.clone();
    fresh.data = Some([("k".to_string(), "v2".to_string())].into());
    let updated = cms
        .replace(&name, &PostParams::default(), &fresh)
        .await
        .expect("update");
    assert_ne!(
        updated.metadata.resource_version,
        stale.metadata.resource_version
    );
    let err = cms
        .replace(&name, &PostParams::default(), &stale)
        .await
        .expect_err("stale");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 409 && s.reason == "Conflict"),
        "{err:?}"
    );

    let merged = cms
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"m": "1"}})),
        )
        .await
        .expect("merge patch");
    assert_eq!(
        merged
            .data
            .as_ref()
            .and_then(|d| d.get("m"))
            .map(String::as_str),
        Some("1")
    );
    let ops: json_patch::Patch =
        serde_json::from_value(json!([{"op": "add", "path": "/data/j", "value": "2"}]))
            .expect("ops");
    let patched = cms
        .patch(&name, &PatchParams::default(), &Patch::<()>::Json(ops))
        .await
        .expect("json patch");
    assert_eq!(
        patched
            .data
            .as_ref()
            .and_then(|d| d.get("j"))
            .map(String::as_str),
        Some("2")
    );

    cms.delete(&name, &DeleteParams::default())
        .await
        .expect("delete");
    assert!(cms.get_opt(&name).await.expect("get").is_none());

    // Status subresource: a status patch changes only the status.
    let nb = nbs.get("old-experiments").await.expect("nb");
    let rv = nb.metadata.resource_version.clone();
    let after = nbs
        .patch_status(
            "old-experiments",
            &PatchParams::default(),
            &Patch::Merge(
                json!({"status": {"readyReplicas": 0, "marker": 1}, "spec": {"ignored": true}}),
            ),
        )
        .await
        .expect("status patch");
    assert_ne!(after.metadata.resource_version, rv);
    assert!(after.data.pointer("/spec/ignored").is_none());
    emu.shutdown().await;
}

#[tokio::test]
async fn metadata_only_list_and_watch() {
    let (emu, client) = common::start(1.0).await;
    let pods: Api<PartialObjectMeta<Pod>> = Api::namespaced(client.clone(), "ml-research");
    let list = pods
        .list_metadata(&ListParams::default())
        .await
        .expect("metadata list");
    assert!(
        list.items
            .iter()
            .any(|p| p.metadata.name.as_deref() == Some("jupyter-alice-0"))
    );
    let rv = list.metadata.resource_version.clone().expect("rv");
    let mut stream = pods
        .watch_metadata(&WatchParams::default(), &rv)
        .await
        .expect("metadata watch")
        .boxed();
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "ml-research");
    let raw: Api<Pod> = Api::namespaced(client.clone(), "ml-research");
    raw.delete("jupyter-alice-0", &DeleteParams::default())
        .await
        .expect("delete pod");
    drop(cms);
    let ev = tokio::time::timeout(std::time::Duration::from_secs(5), stream.try_next())
        .await
        .expect("timely")
        .expect("ok");
    assert!(
        matches!(
            ev,
            Some(WatchEvent::Deleted(_))
                | Some(WatchEvent::Modified(_))
                | Some(WatchEvent::Added(_))
        ),
        "{ev:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn read_only_user_and_access_reviews() {
    let (emu, _) = common::start(1.0).await;
    let ro = emu.client(DemoUser::ReadOnly).await.expect("client");
    let pods: Api<Pod> = Api::namespaced(ro.clone(), "ml-research");
    assert!(
        !pods
            .list(&ListParams::default())
            .await
            .expect("list")
            .items
            .is_empty()
    );
    let err = pods
        .delete("jupyter-alice-0", &DeleteParams::default())
        .await
        .expect_err("forbidden");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 403 && s.reason == "Forbidden"),
        "{err:?}"
    );
    let secrets: Api<Secret> = Api::namespaced(ro.clone(), "ml-research");
    let err = secrets
        .list(&ListParams::default())
        .await
        .expect_err("no secrets");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 403),
        "{err:?}"
    );

    let review = |verb: &str, resource: &str| SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: Some("ml-research".into()),
                verb: Some(verb.into()),
                resource: Some(resource.into()),
                group: Some("kubeflow.org".into()),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    };
    let ssar: Api<SelfSubjectAccessReview> = Api::all(ro.clone());
    let answer = ssar
        .create(&PostParams::default(), &review("list", "notebooks"))
        .await
        .expect("ssar");
    assert!(answer.status.expect("status").allowed);
    let answer = ssar
        .create(&PostParams::default(), &review("delete", "notebooks"))
        .await
        .expect("ssar");
    assert!(!answer.status.expect("status").allowed);
    // alice owns ml-research and has nothing in nlp-team.
    let alice = emu.client(DemoUser::Alice).await.expect("alice");
    let own: Api<DynamicObject> =
        Api::namespaced_with(alice.clone(), "ml-research", &common::notebook_ar());
    assert!(
        !own.list(&ListParams::default())
            .await
            .expect("own notebooks")
            .items
            .is_empty()
    );
    let other: Api<DynamicObject> =
        Api::namespaced_with(alice.clone(), "nlp-team", &common::notebook_ar());
    let err = other
        .list(&ListParams::default())
        .await
        .expect_err("other profile");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 403),
        "{err:?}"
    );
    let admin = emu.client(DemoUser::Admin).await.expect("admin");
    let answer = Api::<SelfSubjectAccessReview>::all(admin)
        .create(&PostParams::default(), &review("delete", "notebooks"))
        .await
        .expect("ssar");
    assert!(answer.status.expect("status").allowed);
    emu.shutdown().await;
}
