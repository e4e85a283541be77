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

    // `a` runs first (whatever else has started by the time this looks,
    // the DAG order is checked below from the nodes' own times).
    let first = common::eventually(5, || async {
        let items = pods.list(&lp).await.ok()?.items;
        (!items.is_empty()).then_some(items.len())
    })
    .await;
    assert!(first.is_some(), "no pod started");
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
    // Each task starts only after what it depends on has finished.
    let time = |task: &str, field: &str| -> jiff::Timestamp {
        nodes
            .values()
            .find(|n| n["type"] == "Pod" && n["displayName"] == task)
            .and_then(|n| n[field].as_str())
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("{task} has no {field}"))
    };
    for (task, after) in [("b", "a"), ("c", "a"), ("d", "b"), ("d", "c")] {
        assert!(
            time(task, "startedAt") >= time(after, "finishedAt"),
            "{task} started before {after} finished"
        );
    }
    assert_eq!(pods.list(&lp).await.expect("pods").items.len(), 4);
    emu.shutdown().await;
}

fn ar(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

fn has_condition(v: &serde_json::Value, t: &str) -> bool {
    v.pointer("/status/conditions")
        .and_then(|c| c.as_array())
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == t && c["status"] == "True"))
}

#[tokio::test]
async fn katib_experiment_runs_trials_and_tracks_the_best() {
    let (emu, client) = common::start(100.0).await;
    let ns = "vision-team";
    let exps: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        ns,
        &ar("kubeflow.org", "v1beta1", "Experiment", "experiments"),
    );
    let trials: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        ns,
        &ar("kubeflow.org", "v1beta1", "Trial", "trials"),
    );
    let exp: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "kubeflow.org/v1beta1", "kind": "Experiment",
        "metadata": {"name": "quick"},
        "spec": {
            "objective": {"type": "maximize", "objectiveMetricName": "accuracy"},
            "algorithm": {"algorithmName": "random"},
            "parallelTrialCount": 2, "maxTrialCount": 4,
            "parameters": [
                {"name": "learning_rate", "parameterType": "double", "feasibleSpace": {"min": "0.001", "max": "0.1"}},
                {"name": "batch_size", "parameterType": "int", "feasibleSpace": {"min": "16", "max": "128"}},
            ],
            "trialTemplate": {
                "primaryContainerName": "training-container",
                "trialParameters": [
                    {"name": "lr", "reference": "learning_rate"},
                    {"name": "bs", "reference": "batch_size"},
                ],
                "trialSpec": {"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": {
                    "containers": [{"name": "training-container", "image": "mnist",
                                    "command": ["python3", "train.py", "--epochs=1", "--lr=${trialParameters.lr}", "--batch-size=${trialParameters.bs}"]}],
                    "restartPolicy": "Never"}}}},
            },
        },
    }))
    .expect("experiment");
    exps.create(&PostParams::default(), &exp)
        .await
        .expect("create");
    let done = common::eventually(30, || async {
        let e = exps.get("quick").await.ok()?;
        has_condition(&e.data, "Succeeded").then_some(e)
    })
    .await
    .expect("experiment never finished");
    let lp = ListParams::default().labels("katib.kubeflow.org/experiment=quick");
    let all = trials.list(&lp).await.expect("trials").items;
    assert_eq!(all.len(), 4);
    let accuracy = |t: &DynamicObject| -> f64 {
        t.data
            .pointer("/status/observation/metrics")
            .and_then(|m| m.as_array())
            .and_then(|ms| {
                ms.iter()
                    .find(|m| m["name"] == "accuracy")
                    .and_then(|m| m["latest"].as_str())
                    .and_then(|v| v.parse().ok())
            })
            .expect("accuracy")
    };
    let best = all
        .iter()
        .max_by(|a, b| accuracy(a).total_cmp(&accuracy(b)))
        .expect("best");
    assert_eq!(
        done.data
            .pointer("/status/currentOptimalTrial/bestTrialName")
            .and_then(|v| v.as_str()),
        best.metadata.name.as_deref()
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn pytorch_job_runs_replicas_with_a_falling_loss() {
    let (emu, client) = common::start(100.0).await;
    let ns = "vision-team";
    let jobs: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        ns,
        &ar("kubeflow.org", "v1", "PyTorchJob", "pytorchjobs"),
    );
    let replica = json!({"replicas": 1, "restartPolicy": "OnFailure", "template": {"spec": {"containers": [
        {"name": "pytorch", "image": "pytorch", "command": ["python3", "train.py"], "args": ["--epochs", "2"]}]}}});
    let job: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob",
        "metadata": {"name": "tiny"},
        "spec": {"pytorchReplicaSpecs": {"Master": replica, "Worker": replica}},
    }))
    .expect("job");
    jobs.create(&PostParams::default(), &job)
        .await
        .expect("create");
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    // Running, or already done by the time this looks (at 100x a short
    // run can pass between two polls on a loaded machine).
    let running = common::eventually(10, || async {
        let phase = pods.get_opt("tiny-master-0").await.ok()??.status?.phase?;
        matches!(phase.as_str(), "Running" | "Succeeded").then_some(())
    })
    .await;
    assert!(running.is_some(), "master never ran");
    let done = common::eventually(30, || async {
        let j = jobs.get("tiny").await.ok()?;
        has_condition(&j.data, "Succeeded").then_some(j)
    })
    .await
    .expect("job never succeeded");
    assert!(
        done.data
            .pointer("/status/replicaStatuses/Worker/succeeded")
            .is_some()
    );
    let logs = pods
        .logs("tiny-master-0", &Default::default())
        .await
        .expect("logs");
    let losses: Vec<f64> = logs
        .lines()
        .filter_map(|l| l.split("loss=").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter_map(|v| v.parse().ok())
        .collect();
    assert!(losses.len() >= 3, "{logs}");
    assert!(
        losses.last() < losses.first(),
        "loss did not fall: {losses:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn demo_running_run_and_experiment_finish() {
    let (emu, client) = common::start(500.0).await;
    let ns = "ml-research";
    let wfs: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &workflow_ar());
    let exps: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        ns,
        &ar("kubeflow.org", "v1beta1", "Experiment", "experiments"),
    );
    let running_run = wfs
        .list(&ListParams::default().labels("workflows.argoproj.io/phase=Running"))
        .await
        .expect("list")
        .items
        .into_iter()
        .next()
        .expect("a running demo run");
    let name = running_run.metadata.name.expect("name");
    let finished = common::eventually(30, || async {
        let w = wfs.get(&name).await.ok()?;
        let phase = w
            .data
            .pointer("/status/phase")
            .and_then(|p| p.as_str())?
            .to_string();
        (phase == "Succeeded" || phase == "Failed").then_some(phase)
    })
    .await;
    assert_eq!(finished.as_deref(), Some("Succeeded"));
    let exp = common::eventually(30, || async {
        let e = exps.get("resnet-bayesian").await.ok()?;
        has_condition(&e.data, "Succeeded").then_some(e)
    })
    .await
    .expect("the running experiment never finished");
    assert_eq!(
        exp.data
            .pointer("/status/trialsSucceeded")
            .and_then(|v| v.as_u64()),
        Some(12)
    );
    assert!(
        exp.data
            .pointer("/status/currentOptimalTrial/bestTrialName")
            .and_then(|v| v.as_str())
            .is_some_and(|n| !n.is_empty())
    );
    emu.shutdown().await;
}
