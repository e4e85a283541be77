//! The simulated controllers: workflows advance along their DAG.

mod common;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, PostParams};
use serde_json::json;

fn workflow_ar() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Workflow"),
        "workflows",
    )
}

#[tokio::test]
async fn workflow_advances_node_by_node() {
    let (emu, client) = common::start(50.0).await;
    let ns = "ml-research";
    let wfs: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &workflow_ar());
    let wf: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"generateName": "diamond-", "labels": {"pipeline/runid": "r-1"}},
        "spec": {"entrypoint": "main", "templates": [
            {"name": "main", "dag": {"tasks": [
                {"name": "a", "template": "step"},
                {"name": "b", "template": "step", "depends": "a"},
                {"name": "c", "template": "step", "depends": "a"},
                {"name": "d", "template": "step", "depends": "b && c"},
            ]}},
            {"name": "step", "container": {"image": "python:3.11", "command": ["sh", "-c"], "args": ["echo step"]}},
        ]},
    }))
    .expect("wf");
    let created = wfs
        .create(&PostParams::default(), &wf)
        .await
        .expect("create");
    let name = created.metadata.name.expect("name");
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let lp = ListParams::default().labels(&format!("workflows.argoproj.io/workflow={name}"));

    // At first only `a` runs.
    let first = common::eventually(5, || async {
        let items = pods.list(&lp).await.ok()?.items;
        (!items.is_empty()).then_some(items.len())
    })
    .await;
    assert_eq!(first, Some(1));
    let done = common::eventually(20, || async {
        let w = wfs.get(&name).await.ok()?;
        (w.data.pointer("/status/phase").and_then(|p| p.as_str()) == Some("Succeeded")).then_some(w)
    })
    .await;
    let Some(done) = done else {
        let w = wfs.get(&name).await.expect("get");
        let ps: Vec<_> = pods
            .list(&lp)
            .await
            .expect("pods")
            .items
            .into_iter()
            .map(|p| (p.metadata.name, p.status.and_then(|s| s.phase)))
            .collect();
        panic!(
            "workflow never succeeded: {}\npods: {ps:?}",
            serde_json::to_string_pretty(&w.data["status"]).unwrap_or_default()
        );
    };
    let nodes = done
        .data
        .pointer("/status/nodes")
        .and_then(|n| n.as_object())
        .expect("nodes");
    assert_eq!(nodes.values().filter(|n| n["type"] == "Pod").count(), 4);
    assert!(nodes.values().all(|n| n["phase"] == "Succeeded"));
    assert_eq!(pods.list(&lp).await.expect("pods").items.len(), 4);
    emu.shutdown().await;
}
