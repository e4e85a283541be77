//! Demo KServe InferenceService (a ready sklearn model in `ml-research`
//! with its predictor pod) and the PodDefaults the notebook form offers.

use serde_json::{Value, json};

use super::Demo;
use crate::clock::rfc3339;
use crate::ids;
use crate::names::*;
use crate::resources;

fn ready_conditions(at: &str) -> Value {
    let c = |t: &str| json!({"type": t, "status": "True", "lastTransitionTime": at});
    json!([
        c("IngressReady"),
        c("LatestDeploymentReady"),
        c("PredictorConfigurationReady"),
        c("PredictorReady"),
        c("PredictorRouteReady"),
        c("Ready"),
        c("RoutesReady"),
    ])
}

fn inference_service(demo: &mut Demo, ns: &str, name: &str, age: i64) {
    let isvc = json!({
        "metadata": {"name": name, "namespace": ns,
                     "annotations": {"sidecar.istio.io/inject": "true"}},
        "spec": {"predictor": {
            "model": {
                "modelFormat": {"name": "sklearn"},
                "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
                "resources": {"limits": {"cpu": "1", "memory": "2Gi"}, "requests": {"cpu": "100m", "memory": "512Mi"}},
            },
            "minReplicas": 1,
        }},
    });
    let (index, isvc) = demo.add_indexed(&resources::INFERENCE_SERVICE, isvc, age);
    let revision = format!("{name}-predictor-00001");
    let hash = ids::suffix(&mut demo.rng, 10);
    let pod_suffix = ids::suffix(&mut demo.rng, 5);
    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("{revision}-deployment-{hash}-{pod_suffix}"),
            "namespace": ns,
            "labels": {
                "app": revision,
                "component": "predictor",
                "serving.kserve.io/inferenceservice": name,
                "serving.knative.dev/configuration": format!("{name}-predictor"),
                "serving.knative.dev/revision": revision,
                "serving.knative.dev/service": format!("{name}-predictor"),
                "pod-template-hash": hash,
            },
            "annotations": {"serving.kserve.io/storage-initializer-sourceuri": "gs://kfserving-examples/models/sklearn/1.0/model"},
        },
        "spec": {
            "initContainers": [{"name": "storage-initializer", "image": "kserve/storage-initializer:v0.14.1",
                                "args": ["gs://kfserving-examples/models/sklearn/1.0/model", "/mnt/models"]}],
            "containers": [
                {"name": "kserve-container", "image": "kserve/sklearnserver:v0.14.1",
                 "args": ["--model_name", name, "--model_dir", "/mnt/models", "--http_port", "8080"],
                 "ports": [{"containerPort": 8080, "name": "user-port", "protocol": "TCP"}],
                 "resources": {"limits": {"cpu": "1", "memory": "2Gi"}, "requests": {"cpu": "100m", "memory": "512Mi"}}},
                {"name": "queue-proxy", "image": "gcr.io/knative-releases/knative.dev/serving/cmd/queue:v1.15.2",
                 "ports": [{"containerPort": 8012, "name": "http-queueadm", "protocol": "TCP"}]},
            ],
        },
    });
    demo.running_pod(pod, NODE_CPU_1, age - 10, &[]);
    let at = rfc3339(super::ago(age - 40));
    let host = format!("{name}.{ns}.example.com");
    let status = json!({
        "url": format!("http://{host}"),
        "address": {"url": format!("http://{name}.{ns}.svc.cluster.local")},
        "conditions": ready_conditions(&at),
        "components": {"predictor": {
            "latestCreatedRevision": revision,
            "latestReadyRevision": revision,
            "latestRolledoutRevision": revision,
            "traffic": [{"latestRevision": true, "percent": 100, "revisionName": revision}],
            "url": format!("http://{name}-predictor.{ns}.example.com"),
        }},
        "modelStatus": {
            "copies": {"failedCopies": 0, "totalCopies": 1},
            "states": {"activeModelState": "Loaded", "targetModelState": "Loaded"},
            "transitionStatus": "UpToDate",
        },
        "observedGeneration": 1,
    });
    let _ = isvc;
    demo.set_status(index, status);
}

fn pod_default(demo: &mut Demo, ns: &str, name: &str, desc: &str, spec_extra: Value) {
    let mut spec = json!({
        "desc": desc,
        "selector": {"matchLabels": {name: "true"}},
    });
    if let (Some(s), Some(extra)) = (spec.as_object_mut(), spec_extra.as_object()) {
        s.extend(extra.clone());
    }
    demo.add(
        &resources::POD_DEFAULT,
        json!({"metadata": {"name": name, "namespace": ns}, "spec": spec}),
        30 * 86400,
    );
}

/// The demo InferenceService and PodDefaults.
pub fn build(demo: &mut Demo) {
    inference_service(demo, ML_RESEARCH, "sklearn-iris", 4 * 86400);
    pod_default(
        demo,
        ML_RESEARCH,
        "access-ml-pipeline",
        "Allow access to Kubeflow Pipelines",
        json!({
            "env": [{"name": "KF_PIPELINES_SA_TOKEN_PATH", "value": "/var/run/secrets/kubeflow/pipelines/token"}],
            "volumeMounts": [{"mountPath": "/var/run/secrets/kubeflow/pipelines", "name": "volume-kf-pipeline-token", "readOnly": true}],
            "volumes": [{"name": "volume-kf-pipeline-token", "projected": {"sources": [{"serviceAccountToken":
                {"audience": "pipelines.kubeflow.org", "expirationSeconds": 7200, "path": "token"}}]}}],
        }),
    );
    pod_default(
        demo,
        ML_RESEARCH,
        "add-gpu-toleration",
        "Tolerate the nvidia.com/gpu taint",
        json!({"tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]}),
    );
    pod_default(
        demo,
        ML_RESEARCH,
        "mount-datasets",
        "Mount the shared datasets volume at /data",
        json!({
            "volumeMounts": [{"mountPath": "/data", "name": "datasets", "readOnly": true}],
            "volumes": [{"name": "datasets", "persistentVolumeClaim": {"claimName": "shared-datasets"}}],
        }),
    );
}
