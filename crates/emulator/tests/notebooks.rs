//! The notebook controller: create, stop, start and delete transitions,
//! and the unschedulable notebook's re-emitted events.

mod common;

use k8s_openapi::api::core::v1::{Event, PersistentVolumeClaim, Pod};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn notebook(name: &str, gpus: u32) -> DynamicObject {
    let mut limits = json!({"cpu": "1", "memory": "2Gi"});
    if gpus > 0 {
        limits["nvidia.com/gpu"] = json!(gpus.to_string());
    }
    serde_json::from_value(json!({
        "apiVersion": "kubeflow.org/v1",
        "kind": "Notebook",
        "metadata": {"name": name, "namespace": "ml-research"},
        "spec": {"template": {"spec": {
            "containers": [{"name": name, "image": "kubeflownotebookswg/jupyter-scipy:v1.9.0",
                            "resources": {"requests": limits.clone(), "limits": limits}}],
            "volumes": [{"name": "ws", "persistentVolumeClaim": {"claimName": format!("{name}-workspace")}}],
        }}},
    }))
    .expect("notebook")
}

async fn pod_phase(pods: &Api<Pod>, name: &str) -> Option<String> {
    pods.get_opt(name)
        .await
        .expect("get pod")
        .and_then(|p| p.status?.phase)
}

#[tokio::test]
async fn notebook_lifecycle() {
    let (emu, client) = common::start(10.0).await;
    let ns = "ml-research";
    let pvcs: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), ns);
    let pvc: PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": {"name": "lab-workspace"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}},
    }))
    .expect("pvc");
    pvcs.create(&PostParams::default(), &pvc)
        .await
        .expect("create pvc");

    let nbs: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &common::notebook_ar());
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    nbs.create(&PostParams::default(), &notebook("lab", 1))
        .await
        .expect("create notebook");

    let running = common::eventually(10, || async {
        (pod_phase(&pods, "lab-0").await.as_deref() == Some("Running")).then_some(())
    })
    .await;
    assert!(running.is_some(), "lab-0 never ran");
    let pod = pods.get("lab-0").await.expect("pod");
    let labels = pod.metadata.labels.clone().unwrap_or_default();
    assert_eq!(labels.get("notebook-name").map(String::as_str), Some("lab"));
    assert_eq!(labels.get("statefulset").map(String::as_str), Some("lab"));
    let ready = common::eventually(5, || async {
        let nb = nbs.get("lab").await.ok()?;
        (nb.data
            .pointer("/status/readyReplicas")
            .and_then(|v| v.as_i64())
            == Some(1)
            && nb.data.pointer("/status/containerState/running").is_some())
        .then_some(())
    })
    .await;
    assert!(
        ready.is_some(),
        "notebook status never showed the running pod"
    );

    // The new pod answers on 8888 through a port-forward.
    let mut pf = pods
        .portforward("lab-0", &[8888])
        .await
        .expect("portforward");
    let mut stream = pf.take_stream(8888).expect("stream");
    stream
        .write_all(b"GET /notebook/ml-research/lab/lab HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut buf = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut buf),
    )
    .await
    .expect("timely")
    .expect("read");
    let page = String::from_utf8_lossy(&buf);
    assert!(
        page.starts_with("HTTP/1.1 200") && page.contains("lab"),
        "{page}"
    );
    drop(stream);
    pf.abort();

    // Stop.
    let stop =
        json!({"metadata": {"annotations": {"kubeflow-resource-stopped": "2026-01-01T00:00:00Z"}}});
    nbs.patch("lab", &PatchParams::default(), &Patch::Merge(&stop))
        .await
        .expect("stop");
    let gone = common::eventually(5, || async {
        pods.get_opt("lab-0")
            .await
            .expect("get")
            .is_none()
            .then_some(())
    })
    .await;
    assert!(gone.is_some(), "stopping left the pod");
    let zero = common::eventually(5, || async {
        let nb = nbs.get("lab").await.ok()?;
        (nb.data
            .pointer("/status/readyReplicas")
            .and_then(|v| v.as_i64())
            == Some(0))
        .then_some(())
    })
    .await;
    assert!(zero.is_some());

    // Start again.
    let start = json!({"metadata": {"annotations": {"kubeflow-resource-stopped": null}}});
    nbs.patch("lab", &PatchParams::default(), &Patch::Merge(&start))
        .await
        .expect("start");
    let back = common::eventually(10, || async {
        (pod_phase(&pods, "lab-0").await.as_deref() == Some("Running")).then_some(())
    })
    .await;
    assert!(back.is_some(), "starting did not recreate the pod");

    // Delete.
    nbs.delete("lab", &DeleteParams::default())
        .await
        .expect("delete");
    let gone = common::eventually(5, || async {
        pods.get_opt("lab-0")
            .await
            .expect("get")
            .is_none()
            .then_some(())
    })
    .await;
    assert!(gone.is_some(), "deleting the notebook left its pod");
    emu.shutdown().await;
}

#[tokio::test]
async fn unschedulable_notebook_reports_on_the_notebook() {
    let (emu, client) = common::start(10.0).await;
    let ns = "ml-research";
    let nbs: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &common::notebook_ar());
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let events: Api<Event> = Api::namespaced(client.clone(), ns);
    nbs.create(&PostParams::default(), &notebook("huge", 32))
        .await
        .expect("create");
    let lp = ListParams::default().fields("involvedObject.kind=Notebook,involvedObject.name=huge");
    let ev = common::eventually(10, || async {
        events
            .list(&lp)
            .await
            .ok()?
            .items
            .into_iter()
            .find(|e| e.reason.as_deref() == Some("FailedScheduling"))
    })
    .await
    .expect("no FailedScheduling event on the notebook");
    assert!(
        ev.message
            .unwrap_or_default()
            .contains("Insufficient nvidia.com/gpu")
    );
    assert_eq!(pod_phase(&pods, "huge-0").await.as_deref(), Some("Pending"));

    // The demo's pending notebook has them too.
    let lp = ListParams::default()
        .fields("involvedObject.kind=Notebook,involvedObject.name=big-gpu-notebook");
    let demo = events.list(&lp).await.expect("list").items;
    assert!(
        demo.iter()
            .any(|e| e.reason.as_deref() == Some("FailedScheduling"))
    );
    let nb = nbs.get("big-gpu-notebook").await.expect("get");
    assert_eq!(
        nb.data
            .pointer("/status/readyReplicas")
            .and_then(|v| v.as_i64()),
        Some(0)
    );
    emu.shutdown().await;
}
