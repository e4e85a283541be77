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

/// The predictor's in-cluster Service (`{isvc}-predictor`, port 80 to the
/// model server's 8080, as KServe's RawDeployment mode makes it), which the
/// service proxy routes to the KServe stand-in.
fn predictor_service(demo: &mut Demo, ns: &str, name: &str, age: i64) {
    let revision = format!("{name}-predictor-00001");
    demo.add(
        &resources::SERVICE,
        json!({"metadata": {"name": format!("{name}-predictor"), "namespace": ns,
                            "labels": {"serving.kserve.io/inferenceservice": name, "component": "predictor"}},
               "spec": {"selector": {"app": revision}, "type": "ClusterIP",
                        "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]},
               "status": {"loadBalancer": {}}}),
        age,
    );
}

/// What a demo predictor serves: the sklearn iris model on a CPU node, or
/// (`Llm`) a Hugging Face model on one GPU.
#[derive(Clone, Copy, PartialEq)]
enum Model {
    Sklearn,
    Llm,
}

fn inference_service(demo: &mut Demo, ns: &str, name: &str, age: i64, emulate: Option<&str>) {
    predictor(demo, ns, name, age, emulate, Model::Sklearn);
}

fn predictor(demo: &mut Demo, ns: &str, name: &str, age: i64, emulate: Option<&str>, model: Model) {
    let (format, uri, image, node) = match model {
        Model::Sklearn => (
            "sklearn",
            "gs://kfserving-examples/models/sklearn/1.0/model",
            "kserve/sklearnserver:v0.14.1",
            NODE_CPU_1,
        ),
        Model::Llm => (
            "huggingface",
            "hf://Qwen/Qwen2.5-0.5B-Instruct",
            "kserve/huggingfaceserver:v0.14.1-gpu",
            NODE_T4,
        ),
    };
    let mut resources = json!({"limits": {"cpu": "1", "memory": "2Gi"}, "requests": {"cpu": "100m", "memory": "512Mi"}});
    if model == Model::Llm {
        resources = json!({"limits": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"},
                           "requests": {"cpu": "2", "memory": "8Gi", "nvidia.com/gpu": "1"}});
    }
    let mut annotations = json!({"sidecar.istio.io/inject": "true"});
    if let Some(e) = emulate {
        annotations[crate::proxy::kserve::EMULATE_ANNOTATION] = json!(e);
    }
    let isvc = json!({
        "metadata": {"name": name, "namespace": ns, "annotations": annotations},
        "spec": {"predictor": {
            "model": {
                "modelFormat": {"name": format},
                "storageUri": uri,
                "resources": resources.clone(),
            },
            "minReplicas": 1,
        }},
    });
    let (index, isvc) = demo.add_indexed(&resources::INFERENCE_SERVICE, isvc, age);
    predictor_service(demo, ns, name, age - 5);
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
            "annotations": {"serving.kserve.io/storage-initializer-sourceuri": uri},
        },
        "spec": {
            "initContainers": [{"name": "storage-initializer", "image": "kserve/storage-initializer:v0.14.1",
                                "args": [uri, "/mnt/models"]}],
            "containers": [
                {"name": "kserve-container", "image": image,
                 "args": ["--model_name", name, "--model_dir", "/mnt/models", "--http_port", "8080"],
                 "ports": [{"containerPort": 8080, "name": "user-port", "protocol": "TCP"}],
                 "resources": resources},
                {"name": "queue-proxy", "image": "gcr.io/knative-releases/knative.dev/serving/cmd/queue:v1.15.2",
                 "ports": [{"containerPort": 8012, "name": "http-queueadm", "protocol": "TCP"}]},
            ],
        },
    });
    demo.running_pod(pod, node, age - 10, &[]);
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

/// An InferenceService whose model never loads: the storage initializer
/// cannot fetch the storage URI, so the predictor pod sits in
/// `Init:CrashLoopBackOff` and the conditions say why, as KServe reports it.
fn failing_inference_service(demo: &mut Demo, ns: &str, name: &str, age: i64) {
    let uri = "s3://models-bucket/iris/v2/missing";
    let isvc = json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {"predictor": {
            "model": {"modelFormat": {"name": "onnx"}, "runtime": "kserve-tritonserver",
                      "protocolVersion": "v2", "storageUri": uri},
        }},
    });
    let (index, _) = demo.add_indexed(&resources::INFERENCE_SERVICE, isvc, age);
    predictor_service(demo, ns, name, age - 5);
    let revision = format!("{name}-predictor-00001");
    let hash = ids::suffix(&mut demo.rng, 10);
    let pod_suffix = ids::suffix(&mut demo.rng, 5);
    let started = rfc3339(super::ago(age - 20));
    let pod_name = format!("{revision}-deployment-{hash}-{pod_suffix}");
    let init_message = format!(
        "Failed to fetch model from {uri}: An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist."
    );
    let pod = json!({
        "metadata": {
            "name": pod_name, "namespace": ns,
            "labels": {
                "app": revision, "component": "predictor",
                "serving.kserve.io/inferenceservice": name,
                "serving.knative.dev/revision": revision,
                "pod-template-hash": hash,
            },
        },
        "spec": {
            "nodeName": NODE_CPU_1,
            "initContainers": [{"name": "storage-initializer", "image": "kserve/storage-initializer:v0.14.1",
                                "args": [uri, "/mnt/models"]}],
            "containers": [
                {"name": "kserve-container", "image": "nvcr.io/nvidia/tritonserver:23.05-py3",
                 "ports": [{"containerPort": 8080, "name": "h2c", "protocol": "TCP"}]},
                {"name": "queue-proxy", "image": "gcr.io/knative-releases/knative.dev/serving/cmd/queue:v1.15.2"},
            ],
        },
        "status": {
            "phase": "Pending",
            "startTime": started,
            "conditions": [
                {"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized",
                 "message": "containers with incomplete status: [storage-initializer]"},
                {"type": "Ready", "status": "False", "reason": "ContainersNotReady",
                 "message": "containers with unready status: [kserve-container queue-proxy]"},
            ],
            "initContainerStatuses": [{
                "name": "storage-initializer", "ready": false, "restartCount": 6,
                "image": "kserve/storage-initializer:v0.14.1",
                "state": {"waiting": {"reason": "CrashLoopBackOff",
                    "message": format!("back-off 5m0s restarting failed container=storage-initializer pod={pod_name}")}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "message": init_message}},
            }],
            "containerStatuses": [
                {"name": "kserve-container", "ready": false, "restartCount": 0,
                 "state": {"waiting": {"reason": "PodInitializing"}}},
                {"name": "queue-proxy", "ready": false, "restartCount": 0,
                 "state": {"waiting": {"reason": "PodInitializing"}}},
            ],
        },
    });
    let pod = demo.add(&resources::POD, pod, age - 10);
    demo.event(
        &pod,
        "BackOff",
        "Back-off restarting failed container storage-initializer",
        "Warning",
        "kubelet",
        Some(NODE_CPU_1),
        (age.min(3000), 60),
        24,
    );
    let at = rfc3339(super::ago(age - 30));
    let failed = format!(
        "Revision \"{revision}\" failed with message: Container failed with: {init_message}."
    );
    let c = |t: &str, ok: bool| {
        if ok {
            json!({"type": t, "status": "True", "lastTransitionTime": at})
        } else {
            json!({"type": t, "status": "False", "lastTransitionTime": at,
                   "reason": "RevisionFailed", "message": failed})
        }
    };
    let status = json!({
        "conditions": [
            c("IngressReady", true),
            c("LatestDeploymentReady", false),
            c("PredictorConfigurationReady", false),
            c("PredictorReady", false),
            c("Ready", false),
        ],
        "components": {"predictor": {"latestCreatedRevision": revision}},
        "modelStatus": {
            "copies": {"failedCopies": 1, "totalCopies": 0},
            "lastFailureInfo": {"reason": "ModelLoadFailed", "message": init_message},
            "states": {"activeModelState": "", "targetModelState": "FailedToLoad"},
            "transitionStatus": "BlockedByFailedLoad",
        },
        "observedGeneration": 1,
    });
    demo.set_status(index, status);
}

/// The demo InferenceServices and PodDefaults.
pub fn build(demo: &mut Demo) {
    inference_service(demo, ML_RESEARCH, "sklearn-iris", 4 * 86400, None);
    // Ready, but its model server answers every request with an HTML 500.
    inference_service(
        demo,
        ML_RESEARCH,
        "iris-flaky",
        2 * 86400,
        Some("server-error"),
    );
    failing_inference_service(demo, ML_RESEARCH, "iris-onnx-v2", 1800);
    // Ready, misbehaving the other ways deployed models do (see
    // `proxy::kserve::Emulate`); after the others so their names stay.
    for (name, emulate, age) in [
        ("iris-retrained", "retrained", 3 * 86400),
        ("iris-wrong-name", "wrong-name", 86400),
        ("iris-overloaded", "overloaded", 7200),
        ("iris-hang", "hang", 5400),
        ("iris-custom", "custom-format", 3600),
    ] {
        inference_service(demo, ML_RESEARCH, name, age, Some(emulate));
    }
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
    // A GPU predictor under light traffic, for the :gpu screen.
    predictor(demo, NLP_TEAM, "llm-chat", 3 * 86400, None, Model::Llm);
}
