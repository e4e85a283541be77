//! The `openAPIV3Schema` of each CRD the emulator serves, written for the
//! emulator: reduced (a pod template keeps only the fields kftui and its
//! users touch, the rest preserved as unknown fields) but shaped as the
//! upstream CRDs are: the same property names, `int32`/`int64` formats,
//! `x-kubernetes-int-or-string` quantities with their `anyOf`, required
//! lists, and `x-kubernetes-preserve-unknown-fields` where upstream has it
//! (Katib's Experiment preserves everything at the root).

use serde_json::{Map, Value, json};

fn int32() -> Value {
    json!({"type": "integer", "format": "int32"})
}

fn int64() -> Value {
    json!({"type": "integer", "format": "int64"})
}

fn string() -> Value {
    json!({"type": "string"})
}

fn boolean() -> Value {
    json!({"type": "boolean"})
}

fn strings() -> Value {
    json!({"type": "array", "items": {"type": "string"}})
}

fn free() -> Value {
    json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
}

fn obj(props: &[(&str, Value)]) -> Value {
    let mut m = Map::new();
    for (k, v) in props {
        m.insert((*k).to_string(), v.clone());
    }
    json!({"type": "object", "properties": m})
}

fn with(mut schema: Value, key: &str, v: Value) -> Value {
    schema[key] = v;
    schema
}

/// A resource quantity as upstream writes it.
fn quantity() -> Value {
    json!({
        "anyOf": [{"type": "integer"}, {"type": "string"}],
        "pattern": "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$",
        "x-kubernetes-int-or-string": true
    })
}

fn resources() -> Value {
    obj(&[
        (
            "limits",
            json!({"type": "object", "additionalProperties": quantity()}),
        ),
        (
            "requests",
            json!({"type": "object", "additionalProperties": quantity()}),
        ),
        ("claims", json!({"type": "array", "items": free()})),
    ])
}

fn env() -> Value {
    json!({"type": "array", "items": with(obj(&[
        ("name", string()),
        ("value", string()),
        ("valueFrom", free()),
    ]), "required", json!(["name"]))})
}

fn container() -> Value {
    let c = obj(&[
        ("name", string()),
        ("image", string()),
        ("imagePullPolicy", string()),
        ("command", strings()),
        ("args", strings()),
        ("workingDir", string()),
        ("env", env()),
        ("resources", resources()),
        (
            "ports",
            json!({"type": "array", "items": with(obj(&[
            ("containerPort", int32()),
            ("name", string()),
            ("protocol", string()),
        ]), "required", json!(["containerPort"]))}),
        ),
        (
            "volumeMounts",
            json!({"type": "array", "items": with(obj(&[
            ("name", string()),
            ("mountPath", string()),
            ("readOnly", boolean()),
            ("subPath", string()),
        ]), "required", json!(["mountPath", "name"]))}),
        ),
    ]);
    with(
        with(c, "required", json!(["name"])),
        "x-kubernetes-preserve-unknown-fields",
        json!(true),
    )
}

/// `PodTemplateSpec`: the container list is checked, the rest preserved.
pub fn pod_template() -> Value {
    let spec = with(
        obj(&[
            ("containers", json!({"type": "array", "items": container()})),
            (
                "initContainers",
                json!({"type": "array", "items": container()}),
            ),
            ("restartPolicy", string()),
            ("serviceAccountName", string()),
            ("priorityClassName", string()),
            (
                "nodeSelector",
                json!({"type": "object", "additionalProperties": string()}),
            ),
            ("volumes", json!({"type": "array", "items": free()})),
        ]),
        "x-kubernetes-preserve-unknown-fields",
        json!(true),
    );
    obj(&[
        ("metadata", free()),
        ("spec", with(spec, "required", json!(["containers"]))),
    ])
}

fn replica_spec() -> Value {
    obj(&[
        ("replicas", int32()),
        ("restartPolicy", string()),
        ("template", pod_template()),
    ])
}

fn run_policy() -> Value {
    obj(&[
        ("activeDeadlineSeconds", int64()),
        ("backoffLimit", int32()),
        ("cleanPodPolicy", string()),
        ("managedBy", string()),
        (
            "schedulingPolicy",
            obj(&[
                ("minAvailable", int32()),
                (
                    "minResources",
                    json!({"type": "object", "additionalProperties": quantity()}),
                ),
                ("priorityClass", string()),
                ("queue", string()),
                ("scheduleTimeoutSeconds", int32()),
            ]),
        ),
        ("suspend", boolean()),
        ("ttlSecondsAfterFinished", int32()),
    ])
}

fn condition() -> Value {
    obj(&[
        ("type", string()),
        ("status", string()),
        ("reason", string()),
        ("message", string()),
        (
            "lastTransitionTime",
            json!({"type": "string", "format": "date-time"}),
        ),
        (
            "lastUpdateTime",
            json!({"type": "string", "format": "date-time"}),
        ),
    ])
}

fn job_status() -> Value {
    obj(&[
        ("conditions", json!({"type": "array", "items": condition()})),
        (
            "replicaStatuses",
            json!({"type": "object", "additionalProperties": free()}),
        ),
        (
            "startTime",
            json!({"type": "string", "format": "date-time"}),
        ),
        (
            "completionTime",
            json!({"type": "string", "format": "date-time"}),
        ),
        (
            "lastReconcileTime",
            json!({"type": "string", "format": "date-time"}),
        ),
    ])
}

fn root(spec: Value, status: Value) -> Value {
    obj(&[
        ("apiVersion", string()),
        ("kind", string()),
        ("metadata", json!({"type": "object"})),
        ("spec", spec),
        ("status", status),
    ])
}

/// A Training Operator v1 job whose replicas sit under `replicas_key`.
pub fn training_v1(replicas_key: &str, extra: &[(&str, Value)]) -> Value {
    let mut props = vec![
        (
            replicas_key,
            json!({"type": "object", "additionalProperties": replica_spec()}),
        ),
        ("runPolicy", run_policy()),
    ];
    props.extend(extra.iter().cloned());
    root(
        with(obj(&props), "required", json!([replicas_key])),
        job_status(),
    )
}

pub fn pytorch_job() -> Value {
    training_v1(
        "pytorchReplicaSpecs",
        &[
            ("nprocPerNode", string()),
            (
                "elasticPolicy",
                obj(&[
                    ("maxReplicas", int32()),
                    ("maxRestarts", int32()),
                    ("minReplicas", int32()),
                    ("nProcPerNode", int32()),
                    ("rdzvBackend", string()),
                    ("rdzvHost", string()),
                    ("rdzvId", string()),
                    ("rdzvPort", int32()),
                    ("standalone", boolean()),
                ]),
            ),
        ],
    )
}

pub fn tf_job() -> Value {
    training_v1(
        "tfReplicaSpecs",
        &[
            ("enableDynamicWorker", boolean()),
            ("successPolicy", string()),
        ],
    )
}

pub fn mpi_job() -> Value {
    training_v1(
        "mpiReplicaSpecs",
        &[("slotsPerWorker", int32()), ("mainContainer", string())],
    )
}

pub fn xgboost_job() -> Value {
    training_v1("xgbReplicaSpecs", &[])
}

pub fn jax_job() -> Value {
    training_v1("jaxReplicaSpecs", &[])
}

pub fn train_job() -> Value {
    let bounded = |n: u32| json!({"type": "string", "maxLength": n});
    let spec = obj(&[
        (
            "activeDeadlineSeconds",
            json!({"type": "integer", "format": "int64", "minimum": 1}),
        ),
        (
            "initializer",
            obj(&[
                (
                    "dataset",
                    obj(&[
                        ("env", env()),
                        ("secretRef", free()),
                        ("storageUri", bounded(2048)),
                    ]),
                ),
                (
                    "model",
                    obj(&[
                        ("env", env()),
                        ("secretRef", free()),
                        ("storageUri", bounded(2048)),
                    ]),
                ),
            ]),
        ),
        ("managedBy", bounded(253)),
        ("runtimePatches", json!({"type": "array", "items": free()})),
        (
            "runtimeRef",
            with(
                obj(&[
                    (
                        "apiGroup",
                        with(bounded(253), "default", json!("trainer.kubeflow.org")),
                    ),
                    (
                        "kind",
                        with(bounded(253), "default", json!("ClusterTrainingRuntime")),
                    ),
                    (
                        "name",
                        json!({"type": "string", "maxLength": 253, "minLength": 1}),
                    ),
                ]),
                "required",
                json!(["name"]),
            ),
        ),
        ("suspend", boolean()),
        (
            "trainer",
            obj(&[
                ("args", strings()),
                ("command", strings()),
                ("env", env()),
                ("image", bounded(500)),
                ("numNodes", int32()),
                ("numProcPerNode", int32()),
                ("resourcesPerNode", resources()),
            ]),
        ),
    ]);
    let status = obj(&[
        ("conditions", json!({"type": "array", "items": condition()})),
        ("jobsStatus", json!({"type": "array", "items": free()})),
    ]);
    root(with(spec, "required", json!(["runtimeRef"])), status)
}

pub fn notebook() -> Value {
    root(
        obj(&[(
            "template",
            obj(&[("spec", pod_template()["properties"]["spec"].clone())]),
        )]),
        free(),
    )
}

/// Katib's Experiment CRD preserves unknown fields at the root.
pub fn experiment() -> Value {
    free()
}

pub fn workflow() -> Value {
    root(free(), free())
}

pub fn inference_service() -> Value {
    root(
        with(
            obj(&[
                ("predictor", free()),
                ("transformer", free()),
                ("explainer", free()),
            ]),
            "required",
            json!(["predictor"]),
        ),
        free(),
    )
}
