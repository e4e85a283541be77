//! The demo cluster holds every kind the issue lists, with the names
//! kftui's tests rely on.

use kftui_emulator::{DemoUser, Emulator, EmulatorConfig};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};

fn ar(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

async fn list(client: &kube::Client, ns: Option<&str>, ar: &ApiResource) -> Vec<DynamicObject> {
    let api: Api<DynamicObject> = match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, ar),
        None => Api::all_with(client.clone(), ar),
    };
    api.list(&ListParams::default()).await.expect("list").items
}

#[tokio::test]
async fn demo_has_every_kind() {
    let emu = Emulator::start(EmulatorConfig::default())
        .await
        .expect("start");
    let client = emu.client(DemoUser::Admin).await.expect("client");
    let kinds = [
        ("", "v1", "Namespace", "namespaces"),
        ("", "v1", "Pod", "pods"),
        ("", "v1", "Node", "nodes"),
        ("", "v1", "Event", "events"),
        ("", "v1", "Service", "services"),
        ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims"),
        ("", "v1", "ResourceQuota", "resourcequotas"),
        ("", "v1", "ConfigMap", "configmaps"),
        ("", "v1", "Secret", "secrets"),
        ("", "v1", "ServiceAccount", "serviceaccounts"),
        (
            "rbac.authorization.k8s.io",
            "v1",
            "RoleBinding",
            "rolebindings",
        ),
        ("kubeflow.org", "v1", "Profile", "profiles"),
        ("kubeflow.org", "v1", "Notebook", "notebooks"),
        ("kubeflow.org", "v1", "PyTorchJob", "pytorchjobs"),
        ("kubeflow.org", "v1", "TFJob", "tfjobs"),
        ("kubeflow.org", "v1beta1", "Experiment", "experiments"),
        ("kubeflow.org", "v1beta1", "Trial", "trials"),
        ("kubeflow.org", "v1beta1", "Suggestion", "suggestions"),
        ("kubeflow.org", "v1alpha1", "PodDefault", "poddefaults"),
        ("argoproj.io", "v1alpha1", "Workflow", "workflows"),
        ("trainer.kubeflow.org", "v1alpha1", "TrainJob", "trainjobs"),
        (
            "serving.kserve.io",
            "v1beta1",
            "InferenceService",
            "inferenceservices",
        ),
    ];
    for (g, v, k, p) in kinds {
        let items = list(&client, None, &ar(g, v, k, p)).await;
        assert!(!items.is_empty(), "no {k} in the demo cluster");
    }
    let wfs = list(
        &client,
        Some("ml-research"),
        &ar("argoproj.io", "v1alpha1", "Workflow", "workflows"),
    )
    .await;
    let phases: Vec<String> = wfs
        .iter()
        .filter_map(|w| {
            w.data
                .pointer("/status/phase")
                .and_then(|p| p.as_str())
                .map(String::from)
        })
        .collect();
    for want in ["Succeeded", "Running", "Failed"] {
        assert!(
            phases.iter().any(|p| p == want),
            "no {want} workflow: {phases:?}"
        );
    }
    for wf in &wfs {
        assert!(
            wf.metadata
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key("pipeline/runid"))
        );
        let nodes = wf
            .data
            .pointer("/status/nodes")
            .and_then(|n| n.as_object())
            .expect("nodes");
        assert!(nodes.len() > 2, "{:?}", wf.metadata.name);
    }
    let exps = list(
        &client,
        Some("ml-research"),
        &ar("kubeflow.org", "v1beta1", "Experiment", "experiments"),
    )
    .await;
    assert!(exps.iter().any(|e| {
        e.data
            .pointer("/status/currentOptimalTrial/observation/metrics")
            .is_some()
    }));
    let trials = list(
        &client,
        Some("ml-research"),
        &ar("kubeflow.org", "v1beta1", "Trial", "trials"),
    )
    .await;
    assert!(
        trials
            .iter()
            .any(|t| t.data.pointer("/status/observation/metrics").is_some())
    );
    let pds = list(
        &client,
        Some("ml-research"),
        &ar("kubeflow.org", "v1alpha1", "PodDefault", "poddefaults"),
    )
    .await;
    let names: Vec<_> = pds.iter().filter_map(|p| p.metadata.name.clone()).collect();
    assert!(
        names.contains(&"access-ml-pipeline".to_string())
            && names.contains(&"add-gpu-toleration".to_string())
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn scale_adds_generated_load() {
    let cfg = EmulatorConfig {
        scale: 2_000,
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start(cfg).await.expect("start");
    let client = emu.client(DemoUser::Admin).await.expect("client");
    let pods = list(&client, None, &ar("", "v1", "Pod", "pods")).await;
    assert!(pods.len() >= 2_000, "{}", pods.len());
    let wfs = list(
        &client,
        None,
        &ar("argoproj.io", "v1alpha1", "Workflow", "workflows"),
    )
    .await;
    assert!(wfs.len() >= 200, "{}", wfs.len());
    // The run of about 2,000 nodes, a well-formed map: every child listed.
    let big = wfs
        .iter()
        .find(|w| w.metadata.name.as_deref() == Some("load-big-dag"))
        .expect("the big run");
    let nodes = big.data["status"]["nodes"].as_object().expect("nodes");
    assert!(nodes.len() >= 2_000, "{}", nodes.len());
    for n in nodes.values() {
        for c in n["children"].as_array().into_iter().flatten() {
            assert!(nodes.contains_key(c.as_str().unwrap_or("")), "{c}");
        }
    }
    let trials = list(
        &client,
        None,
        &ar("kubeflow.org", "v1beta1", "Trial", "trials"),
    )
    .await;
    assert!(trials.len() >= 200, "{}", trials.len());
    emu.shutdown().await;
}

#[tokio::test]
async fn gpu_quota_and_nodes() {
    use k8s_openapi::api::core::v1::{Node, ResourceQuota};
    let emu = Emulator::start(EmulatorConfig::default())
        .await
        .expect("start");
    let client = emu.client(DemoUser::Admin).await.expect("client");
    let quota = Api::<ResourceQuota>::namespaced(client.clone(), "ml-research")
        .get("kf-resource-quota")
        .await
        .expect("quota");
    let status = quota.status.expect("status");
    let hard = status.hard.expect("hard");
    let used = status.used.expect("used");
    assert_eq!(
        hard.get("requests.nvidia.com/gpu").map(|q| q.0.as_str()),
        Some("8")
    );
    let used_gpus: u32 = used
        .get("requests.nvidia.com/gpu")
        .and_then(|q| q.0.parse().ok())
        .expect("used gpus");
    assert!(used_gpus <= 8, "{used_gpus}");
    let nodes = Api::<Node>::all(client)
        .list(&ListParams::default())
        .await
        .expect("nodes")
        .items;
    for (name, gpus) in [("gpu-a100-0", "8"), ("gpu-h100-0", "8"), ("gpu-t4-0", "4")] {
        let n = nodes
            .iter()
            .find(|n| n.metadata.name.as_deref() == Some(name))
            .expect(name);
        let cap = n
            .status
            .as_ref()
            .and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("nvidia.com/gpu"))
            .map(|q| q.0.clone());
        assert_eq!(cap.as_deref(), Some(gpus));
        assert!(
            n.metadata
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key("nvidia.com/gpu.product"))
        );
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn same_seed_same_cluster() {
    let mut names = Vec::new();
    for _ in 0..2 {
        let cfg = EmulatorConfig {
            seed: 7,
            controllers: false,
            ..EmulatorConfig::default()
        };
        let emu = Emulator::start(cfg).await.expect("start");
        let client = emu.client(DemoUser::Admin).await.expect("client");
        let mut all: Vec<String> = Vec::new();
        for (g, v, k, p) in [
            ("", "v1", "Pod", "pods"),
            ("kubeflow.org", "v1beta1", "Trial", "trials"),
            ("argoproj.io", "v1alpha1", "Workflow", "workflows"),
        ] {
            for o in list(&client, None, &ar(g, v, k, p)).await {
                all.push(format!(
                    "{k}/{}/{}",
                    o.metadata.namespace.unwrap_or_default(),
                    o.metadata.name.unwrap_or_default()
                ));
                if k == "Trial" {
                    all.push(o.data["spec"]["parameterAssignments"].to_string());
                }
            }
        }
        names.push(all);
        emu.shutdown().await;
    }
    assert_eq!(names[0], names[1]);
}
