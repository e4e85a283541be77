//! Generated load for benchmarks (`--scale N`): N pods (up to 100,000),
//! N/10 finished KFP runs as Argo workflows and N/10 finished Katib trials
//! (each up to 10,000; `--scale 100000` gives the 10,000 runs), spread over
//! up to 200 namespaces `load-NNN`, and in `load-000` one run of about 2,000
//! nodes (`load-big-dag`: 40 stages, each a fan-out of 50 shards and a merge).
//! All of it is finished or steady, so the simulated controllers leave it
//! alone.

use serde_json::{Value, json};

use crate::clock::{self, rfc3339};
use crate::ids;
use crate::kubeflow::katib;
use crate::names::{NODE_CPU_0, NODE_CPU_1};
use crate::ops::defaults;
use crate::podstatus::{self, Phase, Placement};
use crate::resources::{self, ResourceType};
use crate::store::Store;

/// The most pods `--scale` generates.
pub const MAX_PODS: u32 = 100_000;
/// The most runs and trials `--scale` generates.
pub const MAX_RUNS: u32 = 10_000;

fn stamp(rt: &ResourceType, mut v: Value, rng: &mut fastrand::Rng, age: i64) -> Value {
    if let Some(m) = v.as_object_mut() {
        m.insert("apiVersion".into(), json!(rt.api_version()));
        m.insert("kind".into(), json!(rt.kind));
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("uid".into(), json!(ids::uid(rng)));
            meta.insert("creationTimestamp".into(), json!(rfc3339(clock::ago(age))));
            if rt.custom {
                meta.insert("generation".into(), json!(1));
            }
        }
    }
    v
}

fn pod(ns: &str, i: u32, rng: &mut fastrand::Rng) -> Value {
    let app = format!("load-app-{}", i % 50);
    let hash = ids::suffix(rng, 10);
    let rs = format!("{app}-{hash}");
    let name = format!("{rs}-{}", ids::suffix(rng, 5));
    let node = if i.is_multiple_of(2) {
        NODE_CPU_0
    } else {
        NODE_CPU_1
    };
    let token_volume = format!("kube-api-access-{}", ids::suffix(rng, 5));
    // A Deployment's pod as the apiserver stores it: owner, template hash,
    // the service account token volume admission adds, a few env vars.
    let mut pod = json!({
        "metadata": {"name": name, "namespace": ns, "generateName": format!("{rs}-"),
            "labels": {"app": app, "pod-template-hash": hash,
                       "tier": if i.is_multiple_of(3) { "web" } else { "worker" }},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs,
                "uid": ids::uid(rng), "controller": true, "blockOwnerDeletion": true}]},
        "spec": {
            "containers": [{"name": "app", "image": "nginx:1.27", "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                            "env": [{"name": "APP_MODE", "value": "serve"}, {"name": "LOG_LEVEL", "value": "info"},
                                    {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}}],
                            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                            "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                                "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
                            "volumeMounts": [{"name": token_volume, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}]}],
            "volumes": [{"name": token_volume, "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}],
            "nodeName": node,
        },
    });
    defaults::pod(&mut pod);
    let age = 600 + i64::from(i % 86_400);
    let mut pod = stamp(&resources::POD, pod, rng, age);
    let placement = Placement {
        node: node.to_string(),
        host_ip: if node == NODE_CPU_0 {
            "10.0.2.24".into()
        } else {
            "10.0.2.31".into()
        },
        pod_ip: format!("10.{}.{}.{}", 100 + i / 65_536, (i / 256) % 256, i % 256),
        scheduled: clock::ago(age),
    };
    let status = podstatus::placed(&pod, &placement, Phase::Running(clock::ago(age - 3)), &[]);
    pod["status"] = status;
    // Who wrote what, as every real pod carries it.
    let created = rfc3339(clock::ago(age));
    let started = rfc3339(clock::ago(age - 3));
    crate::managed::record(
        &mut pod,
        None,
        "kube-controller-manager",
        "Update",
        false,
        &created,
    );
    let before = pod.clone();
    crate::managed::record(&mut pod, Some(&before), "kubelet", "Update", true, &started);
    pod
}

/// The finished run number `i` of the load.
pub fn workflow(ns: &str, i: u32, rng: &mut fastrand::Rng) -> Value {
    let name = format!("load-pipeline-{}", ids::suffix(rng, 5));
    let run_id = ids::uid(rng);
    let age = 3600 + i64::from(i) * 37 % 864_000;
    let (started, finished) = (rfc3339(clock::ago(age - 1)), rfc3339(clock::ago(age - 61)));
    let phase = if i % 10 == 9 { "Failed" } else { "Succeeded" };
    let node = json!({"id": name, "name": name, "displayName": name, "type": "DAG", "templateName": "main",
                      "templateScope": format!("local/{name}"), "phase": phase, "startedAt": started, "finishedAt": finished,
                      "progress": "1/1"});
    let wf = json!({
        "metadata": {"name": name, "namespace": ns, "generateName": "load-pipeline-",
                     "labels": {"pipeline/runid": run_id, "workflows.argoproj.io/phase": phase,
                                "workflows.argoproj.io/completed": "true"}},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", "dag": {"tasks": []}}]},
        "status": {"phase": phase, "startedAt": started, "finishedAt": finished, "progress": "1/1",
                   "nodes": {name.clone(): node}},
    });
    stamp(&resources::WORKFLOW, wf, rng, age)
}

/// Stages of the big run, and shards in each.
pub const BIG_STAGES: usize = 40;
pub const BIG_SHARDS: usize = 50;

/// A finished Argo DAG run of `BIG_STAGES` stages: `prepare`, then per
/// stage `BIG_SHARDS` shards depending on the previous merge (or on
/// prepare) and a merge depending on all of them: about 2,000 Pod nodes,
/// each with times, a pod name's template and an exit code, as Argo writes
/// them.
pub fn big_run(ns: &str, rng: &mut fastrand::Rng) -> Value {
    let name = "load-big-dag".to_string();
    let age = 7200;
    let id = |task: &str| format!("{name}-{}", crate::ids::fnv32a(&format!("{name}.{task}")));
    let mut nodes = serde_json::Map::new();
    let mut t = age - 5;
    let pod = |task: &str, kids: Vec<String>, t: i64| {
        json!({"id": id(task), "name": format!("{name}.{task}"), "displayName": task,
            "type": "Pod", "templateName": if task.starts_with("shard") { "shard" } else { "step" },
            "templateScope": format!("local/{name}"), "phase": "Succeeded", "boundaryID": name,
            "startedAt": rfc3339(clock::ago(t)), "finishedAt": rfc3339(clock::ago(t - 20)),
            "hostNodeName": NODE_CPU_0, "children": kids,
            "outputs": {"exitCode": "0"}, "resourcesDuration": {"cpu": 3, "memory": 20}})
    };
    let shards = |stage: usize| -> Vec<String> {
        (0..BIG_SHARDS)
            .map(|k| id(&format!("shard-{stage:02}-{k:02}")))
            .collect()
    };
    nodes.insert(id("prepare"), pod("prepare", shards(0), t));
    for stage in 0..BIG_STAGES {
        t -= 30;
        let merge = format!("merge-{stage:02}");
        for k in 0..BIG_SHARDS {
            let task = format!("shard-{stage:02}-{k:02}");
            nodes.insert(id(&task), pod(&task, vec![id(&merge)], t));
        }
        let next = if stage + 1 < BIG_STAGES {
            shards(stage + 1)
        } else {
            Vec::new()
        };
        nodes.insert(id(&merge), pod(&merge, next, t - 25));
    }
    let (started, finished) = (rfc3339(clock::ago(age)), rfc3339(clock::ago(t - 60)));
    let total = nodes.len();
    nodes.insert(
        name.clone(),
        json!({"id": name, "name": name, "displayName": name, "type": "DAG", "templateName": "main",
            "templateScope": format!("local/{name}"), "phase": "Succeeded", "startedAt": started,
            "finishedAt": finished, "children": [id("prepare")], "progress": format!("{total}/{total}")}),
    );
    let wf = json!({
        "metadata": {"name": name, "namespace": ns,
                     "labels": {"workflows.argoproj.io/phase": "Succeeded", "workflows.argoproj.io/completed": "true"},
                     "annotations": {"workflows.argoproj.io/pod-name-format": "v2"}},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", "dag": {"tasks": []}}]},
        "status": {"phase": "Succeeded", "startedAt": started, "finishedAt": finished,
                   "progress": format!("{total}/{total}"), "nodes": nodes},
    });
    stamp(&resources::WORKFLOW, wf, rng, age)
}

fn experiment(ns: &str, rng: &mut fastrand::Rng) -> Value {
    let mut exp = crate::demo::katib::experiment_object(ns, "load-sweep", "random", MAX_RUNS, 3);
    let at = rfc3339(clock::ago(86_400));
    exp["status"] = json!({"conditions": [
        {"type": "Created", "status": "True", "reason": "ExperimentCreated", "message": "Experiment is created", "lastUpdateTime": at, "lastTransitionTime": at},
        {"type": "Succeeded", "status": "True", "reason": "ExperimentMaxTrialsReached", "message": "Experiment has succeeded because max trial count has reached", "lastUpdateTime": at, "lastTransitionTime": at},
    ]});
    stamp(&resources::EXPERIMENT, exp, rng, 2 * 86_400)
}

/// Adds generated objects for `--scale scale`.
pub fn generate(store: &Store, scale: u32, seed: u64) {
    let pods = scale.min(MAX_PODS);
    let runs = (scale / 10).min(MAX_RUNS);
    let namespaces = (scale / 500).clamp(1, 200);
    let ns_name = |i: u32| format!("load-{i:03}");
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5ca1_e000);
    let mut objects: Vec<(&'static ResourceType, Value)> = Vec::new();
    for n in 0..namespaces {
        let ns = ns_name(n);
        let mut v = json!({"metadata": {"name": ns, "labels": {"app.kubernetes.io/part-of": "kftui-load"}}});
        defaults::namespace(&mut v, &ns);
        objects.push((
            &resources::NAMESPACE,
            stamp(&resources::NAMESPACE, v, &mut rng, 3 * 86_400),
        ));
    }
    let mut experiments = Vec::new();
    if runs > 0 {
        for n in 0..namespaces {
            let exp = experiment(&ns_name(n), &mut rng);
            experiments.push(exp.clone());
            objects.push((&resources::EXPERIMENT, exp));
        }
    }
    store.bulk_load(objects);
    // Pods, workflows and trials in chunks, so the JSON trees never all exist at once.
    const CHUNK: u32 = 5_000;
    let mut i = 0;
    while i < pods {
        let end = (i + CHUNK).min(pods);
        let chunk: Vec<_> = (i..end)
            .map(|k| (&resources::POD, pod(&ns_name(k % namespaces), k, &mut rng)))
            .collect();
        store.bulk_load(chunk);
        i = end;
    }
    if scale > 0 {
        store.bulk_load(vec![(&resources::WORKFLOW, big_run(&ns_name(0), &mut rng))]);
    }
    let chunk: Vec<_> = (0..runs)
        .map(|k| {
            (
                &resources::WORKFLOW,
                workflow(&ns_name(k % namespaces), k, &mut rng),
            )
        })
        .collect();
    store.bulk_load(chunk);
    let mut trials = Vec::new();
    for k in 0..runs {
        let exp = &experiments[(k % namespaces) as usize];
        let assignments = katib::sample(exp, u64::from(k), seed, None);
        let name = format!("load-sweep-{}", ids::suffix(&mut rng, 8));
        let mut trial = katib::trial_for(exp, &name, &assignments);
        let created = clock::ago(86_400 + i64::from(k));
        trial["status"] = katib::trial_status(
            created,
            Some(created),
            Some((created, katib::observation(&assignments, 5))),
        );
        trials.push((
            &resources::TRIAL,
            stamp(&resources::TRIAL, trial, &mut rng, 86_400 + i64::from(k)),
        ));
    }
    store.bulk_load(trials);
}
