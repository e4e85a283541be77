use std::sync::Arc;

use kube::api::DynamicObject;
use serde_json::{Value, json};

use super::*;

fn real_pod(name: &str, uid: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "team-a", "uid": uid, "resourceVersion": "42",
            "generateName": "train-",
            "labels": {"training.kubeflow.org/job-name": "train", "training.kubeflow.org/replica-type": "worker"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "keep": "1"},
            "managedFields": [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}],
            "ownerReferences": [{"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob", "name": "train",
                "uid": "owner-1", "controller": true, "blockOwnerDeletion": true}],
            "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"nodeName": "gpu-node-1", "schedulerName": "default-scheduler", "restartPolicy": "OnFailure",
            "volumes": [{"name": "v"}], "tolerations": [{}],
            "initContainers": [{"name": "init", "image": "busybox:1", "command": ["sh", "-c", "true"],
                "resources": {"limits": {"amd.com/gpu": "1"}}}],
            "containers": [{"name": "pytorch", "image": "pytorch:2", "env": [{"name": "E", "value": "1"}],
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "resources": {"requests": {"cpu": "2", "nvidia.com/gpu": "2"}, "limits": {"nvidia.com/gpu": 2}},
                "volumeMounts": [{}], "livenessProbe": {}}]},
        "status": {"phase": "Running", "qosClass": "Burstable", "podIP": "10.0.0.1", "hostIP": "10.0.2.1",
            "startTime": "2026-01-01T00:00:05Z",
            "conditions": [{"type": "PodScheduled", "status": "True", "lastProbeTime": null,
                "lastTransitionTime": "2026-01-01T00:00:00Z"}],
            "containerStatuses": [{"name": "pytorch", "ready": false, "restartCount": 3, "imageID": "sha256:x",
                "image": "pytorch:2", "containerID": "containerd://y", "started": false,
                "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                    "startedAt": "2026-01-01T00:00:06Z", "finishedAt": "2026-01-01T00:01:00Z"}},
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}}}]}
    })
}

#[test]
fn parses_a_real_shaped_pod() {
    let text = real_pod("train-worker-0", "u-1").to_string();
    let wire: PodWire = serde_json::from_str(&text).expect("parses");
    assert_eq!(
        kube::Resource::meta(&wire).resource_version.as_deref(),
        Some("42")
    );
    let pod = wire.pod;
    assert_eq!(pod.name(), "train-worker-0");
    assert_eq!(pod.namespace(), "team-a");
    assert_eq!(pod.key().as_ref(), "u-1");
    assert_eq!(
        pod.label("training.kubeflow.org/replica-type"),
        Some("worker")
    );
    assert_eq!(pod.annotation("keep"), Some("1"));
    assert!(
        pod.annotation("kubectl.kubernetes.io/last-applied-configuration")
            .is_none()
    );
    assert_eq!(pod.owners.len(), 1);
    assert_eq!(&*pod.owners[0].kind, "PyTorchJob");
    assert_eq!(pod.owners[0].controller, Some(true));
    assert_eq!(pod.node(), Some("gpu-node-1"));
    assert_eq!(pod.phase(), Some("Running"));
    assert_eq!(pod.pod_ip.as_deref(), Some("10.0.0.1"));
    assert_eq!(
        pod.started().map(|t| t.to_string()).as_deref(),
        Some("2026-01-01T00:00:05Z")
    );
    assert!(pod.created().is_some() && !pod.is_terminating());
    let c = &pod.containers[0];
    assert_eq!(c.request("nvidia.com/gpu"), Some("2"));
    assert_eq!(
        c.limit("nvidia.com/gpu"),
        Some("2"),
        "a number reads as text"
    );
    assert_eq!(c.request("cpu"), Some("2"));
    assert_eq!(c.ports[0].container_port, 8080);
    assert_eq!(pod.init_containers[0].limit("amd.com/gpu"), Some("1"));
    assert_eq!(pod.init_containers[0].command.len(), 3);
    assert_eq!(pod.resource_count("nvidia.com/gpu"), 2);
    assert_eq!(pod.restarts(), 3);
    let cs = &pod.container_statuses[0];
    assert_eq!(
        cs.state.as_ref().and_then(State::reason),
        Some("CrashLoopBackOff")
    );
    assert_eq!(
        cs.state.as_ref().and_then(State::message),
        Some("back-off 40s")
    );
    assert_eq!(
        cs.last_state
            .as_deref()
            .and_then(State::terminated)
            .map(|t| t.exit_code),
        Some(137)
    );
    assert_eq!(
        pod.condition("PodScheduled").map(|c| &*c.status),
        Some("True")
    );
}

#[test]
fn missing_status_and_odd_values_are_not_errors() {
    let bare: Pod = serde_json::from_value(json!({"metadata": {"name": "p"}})).expect("bare pod");
    assert_eq!(bare.name(), "p");
    assert_eq!(bare.namespace(), "");
    assert!(bare.phase().is_none() && bare.node().is_none() && bare.started().is_none());
    assert!(bare.container_statuses.is_empty() && bare.conditions.is_empty());
    assert_eq!(bare.key().as_ref(), "/p");
    let pending: Pod = serde_json::from_value(json!({
        "metadata": {"name": "q", "namespace": "n", "labels": null, "ownerReferences": null},
        "spec": {"containers": [{"name": "c", "resources": {}, "command": null}], "nodeName": null},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable", "message": "0/3 nodes are available"}],
            "startTime": null, "containerStatuses": [{"name": "c", "state": {}}]}
    }))
    .expect("pending pod");
    assert_eq!(pending.phase(), Some("Pending"));
    assert!(pending.node().is_none());
    assert_eq!(
        pending
            .condition("PodScheduled")
            .and_then(|c| c.reason.as_deref()),
        Some("Unschedulable")
    );
    assert!(pending.container_statuses[0].state.is_none());
    assert_eq!(pending.resource_count("nvidia.com/gpu"), 0);
    // Not a pod at all: an error, not a panic.
    assert!(serde_json::from_str::<PodWire>("[1, 2]").is_err());
    assert!(serde_json::from_str::<PodWire>("{\"metadata\": 3}").is_err());
}

#[test]
fn interning_shares_strings() {
    let a: Pod = serde_json::from_value(real_pod("a", "u-a")).expect("a");
    let b: Pod = serde_json::from_str(&real_pod("b", "u-b").to_string()).expect("b");
    let same = |x: &Option<Str>, y: &Option<Str>| match (x, y) {
        (Some(x), Some(y)) => Arc::ptr_eq(x, y),
        _ => false,
    };
    assert!(same(&a.namespace, &b.namespace));
    assert!(same(&a.node, &b.node));
    assert!(same(&a.containers[0].image, &b.containers[0].image));
    assert!(Arc::ptr_eq(&a.labels[0].0, &b.labels[0].0));
    assert!(Arc::ptr_eq(&a.labels[0].1, &b.labels[0].1));
    assert!(Arc::ptr_eq(&a.owners[0].kind, &b.owners[0].kind));
    assert!(!same(&a.uid, &b.uid));
    // Pods of one template share their container and condition lists.
    assert!(Arc::ptr_eq(&a.containers, &b.containers));
    assert!(Arc::ptr_eq(&a.conditions, &b.conditions));
    let mut other = real_pod("c", "u-c");
    other["spec"]["containers"][0]["image"] = json!("pytorch:3");
    let c: Pod = serde_json::from_value(other).expect("c");
    assert!(!Arc::ptr_eq(&a.containers, &c.containers));
    assert_eq!(c.containers[0].image.as_deref(), Some("pytorch:3"));
    assert!(Arc::ptr_eq(
        &intern("team-a"),
        a.namespace.as_ref().expect("ns")
    ));
}

#[test]
fn to_dynamic_keeps_what_the_slim_copy_kept() {
    let full: DynamicObject = serde_json::from_value(real_pod("p", "u-p")).expect("pod");
    let slim = crate::kube::slim::project(&crate::kube::kinds::POD, full.clone());
    let pod = Pod::from_dynamic(&full);
    let back = pod.to_dynamic();
    assert_eq!(back.metadata.name, slim.metadata.name);
    assert_eq!(back.metadata.labels, slim.metadata.labels);
    assert_eq!(back.metadata.annotations, slim.metadata.annotations);
    assert_eq!(
        back.metadata.owner_references,
        slim.metadata.owner_references
    );
    assert_eq!(
        back.metadata.creation_timestamp,
        slim.metadata.creation_timestamp
    );
    for ptr in [
        "/spec/nodeName",
        "/spec/containers/0/resources",
        "/spec/containers/0/ports",
        "/spec/initContainers/0/command",
        "/status/phase",
        "/status/podIP",
        "/status/startTime",
        "/status/conditions/0/type",
        "/status/containerStatuses/0/state",
        "/status/containerStatuses/0/restartCount",
        "/status/containerStatuses/0/lastState/terminated/exitCode",
        "/status/containerStatuses/0/lastState/terminated/finishedAt",
    ] {
        let want = slim.data.pointer(ptr).map(|v| match v {
            // Quantities read back as text.
            Value::Number(n) if ptr.ends_with("resources") => Value::from(n.to_string()),
            v => v.clone(),
        });
        let got = back.data.pointer(ptr).cloned();
        if ptr.ends_with("resources") {
            assert_eq!(
                got.as_ref().and_then(|r| r.pointer("/requests")),
                want.as_ref().and_then(|r| r.pointer("/requests")),
                "{ptr}"
            );
            assert_eq!(
                got.as_ref()
                    .and_then(|r| r.pointer("/limits/nvidia.com~1gpu")),
                Some(&Value::from("2"))
            );
        } else {
            assert_eq!(got, want, "{ptr}");
        }
    }
    assert_eq!(
        Pod::from_dynamic(&back),
        pod,
        "a round trip changes nothing"
    );
}

#[test]
fn metadata_only_pods_keep_names_labels_and_owners() {
    let full: DynamicObject = serde_json::from_value(real_pod("m", "u-m")).expect("pod");
    let pod = Pod::from_meta(&full.metadata);
    assert_eq!(pod.name(), "m");
    assert_eq!(pod.namespace(), "team-a");
    assert_eq!(pod.key().as_ref(), "u-m");
    assert_eq!(pod.label("training.kubeflow.org/job-name"), Some("train"));
    assert!(
        pod.annotation("kubectl.kubernetes.io/last-applied-configuration")
            .is_none()
    );
    assert_eq!(&*pod.owners[0].name, "train");
    assert!(pod.created().is_some());
    assert!(pod.containers.is_empty() && pod.phase().is_none());
    let parsed: Pod = serde_json::from_value(real_pod("m2", "u-m2")).expect("pod");
    assert!(Arc::ptr_eq(&pod.owners[0].kind, &parsed.owners[0].kind));
}

#[test]
fn the_store_keeps_pods_as_projections() {
    use crate::app::store::Store;
    use crate::kube::types::{WatchKey, WatchUpdate};
    let key = WatchKey::all(&crate::kube::kinds::POD);
    let mut store = Store::default();
    let t = jiff::Timestamp::UNIX_EPOCH;
    store.apply(key.clone(), WatchUpdate::Init, t);
    store.apply(key.clone(), WatchUpdate::Expected(3), t);
    let page: Vec<Pod> = (0..2)
        .map(|n| serde_json::from_value(real_pod(&format!("p{n}"), &format!("u{n}"))).expect("pod"))
        .collect();
    store.apply(key.clone(), WatchUpdate::PodPage(page), t);
    let set = store.get(&key).expect("set");
    assert_eq!(
        set.progress().as_deref(),
        Some("2/3"),
        "rows show while listing"
    );
    assert_eq!(set.len(), 2);
    store.apply(key.clone(), WatchUpdate::Listed, t);
    // A re-list keeps the old rows until it completes.
    store.apply(key.clone(), WatchUpdate::Init, t);
    let one: Pod = serde_json::from_value(real_pod("p9", "u9")).expect("pod");
    store.apply(key.clone(), WatchUpdate::PodPage(vec![one.clone()]), t);
    assert_eq!(store.get(&key).map(|s| s.len()), Some(2));
    store.apply(key.clone(), WatchUpdate::Listed, t);
    let set = store.get(&key).expect("set");
    assert_eq!(set.len(), 1);
    assert!(set.pod_by_name(Some("team-a"), "p9").is_some());
    assert!(set.objects.is_empty());
    store.apply(key.clone(), WatchUpdate::PodDeleted(one), t);
    assert!(store.get(&key).is_some_and(|s| s.is_empty()));
    // A pod handed over as an object (tests, fixtures) becomes a projection.
    let obj: DynamicObject = serde_json::from_value(real_pod("p5", "u5")).expect("pod");
    store.apply(key.clone(), WatchUpdate::Applied(obj), t);
    let set = store.get(&key).expect("set");
    assert_eq!(set.pods().next().map(|p| p.name()), Some("p5"));
    assert_eq!(set.pods_dynamic()[0].metadata.name.as_deref(), Some("p5"));
}
