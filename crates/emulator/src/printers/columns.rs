//! Per-kind table columns and cell values, modelled on kube-apiserver's
//! printers for core kinds and on the printer columns the Kubeflow CRDs
//! declare for custom kinds.

use serde_json::{Value, json};

use super::age::age;
use super::jsonpath;
use crate::resources::ResourceType;

/// One `columnDefinitions[]` entry.
pub struct Column {
    pub name: &'static str,
    pub ty: &'static str,
    pub format: &'static str,
    pub priority: u8,
    pub description: &'static str,
}

const fn col(
    name: &'static str,
    ty: &'static str,
    priority: u8,
    description: &'static str,
) -> Column {
    Column {
        name,
        ty,
        format: "",
        priority,
        description,
    }
}

const NAME: Column = Column {
    name: "Name",
    ty: "string",
    format: "name",
    priority: 0,
    description: "Name must be unique within a namespace.",
};
const AGE: Column = col(
    "Age",
    "string",
    0,
    "CreationTimestamp is a timestamp representing the server time when this object was created.",
);

/// A custom kind's printer column: header, type and JSONPath.
struct CrdColumn {
    name: &'static str,
    ty: &'static str,
    path: &'static str,
}

const fn crd(name: &'static str, ty: &'static str, path: &'static str) -> CrdColumn {
    CrdColumn { name, ty, path }
}

const CONDITION_TYPE: CrdColumn = crd("Type", "string", ".status.conditions[-1:].type");
const CONDITION_STATUS: CrdColumn = crd("Status", "string", ".status.conditions[-1:].status");
const STATE: CrdColumn = crd("State", "string", ".status.conditions[-1:].type");
const CREATED: CrdColumn = crd("Age", "date", ".metadata.creationTimestamp");

const WORKFLOW_COLUMNS: &[CrdColumn] = &[
    crd("Status", "string", ".status.phase"),
    crd("Age", "date", ".status.startedAt"),
    crd("Message", "string", ".status.message"),
];
const KATIB_COLUMNS: &[CrdColumn] = &[CONDITION_TYPE, CONDITION_STATUS, CREATED];
const SUGGESTION_COLUMNS: &[CrdColumn] = &[
    CONDITION_TYPE,
    CONDITION_STATUS,
    crd("Requested", "string", ".spec.requests"),
    crd("Assigned", "string", ".status.suggestionCount"),
    CREATED,
];
const JOB_COLUMNS: &[CrdColumn] = &[STATE, CREATED];
const MPI_JOB_COLUMNS: &[CrdColumn] = &[CREATED, STATE];
const ISVC_COLUMNS: &[CrdColumn] = &[
    crd("URL", "string", ".status.url"),
    crd(
        "Ready",
        "string",
        ".status.conditions[?(@.type=='Ready')].status",
    ),
    crd(
        "Prev",
        "integer",
        ".status.components.predictor.traffic[?(@.tag=='prev')].percent",
    ),
    crd(
        "Latest",
        "integer",
        ".status.components.predictor.traffic[?(@.latestRevision==true)].percent",
    ),
    crd(
        "PrevRolledoutRevision",
        "string",
        ".status.components.predictor.traffic[?(@.tag=='prev')].revisionName",
    ),
    crd(
        "LatestReadyRevision",
        "string",
        ".status.components.predictor.traffic[?(@.latestRevision==true)].revisionName",
    ),
    CREATED,
];
const DEFAULT_COLUMNS: &[CrdColumn] = &[CREATED];

fn crd_columns(kind: &str) -> &'static [CrdColumn] {
    match kind {
        "Workflow" => WORKFLOW_COLUMNS,
        "Experiment" | "Trial" => KATIB_COLUMNS,
        "Suggestion" => SUGGESTION_COLUMNS,
        "PyTorchJob" | "TFJob" | "XGBoostJob" | "JAXJob" | "TrainJob" => JOB_COLUMNS,
        "MPIJob" => MPI_JOB_COLUMNS,
        "InferenceService" => ISVC_COLUMNS,
        _ => DEFAULT_COLUMNS,
    }
}

/// The column definitions of `rt`.
pub fn columns(rt: &ResourceType) -> Vec<Column> {
    let mut cols = vec![NAME];
    if rt.custom {
        cols.extend(crd_columns(rt.kind).iter().map(|c| Column {
            name: c.name,
            ty: if c.ty == "date" { "date" } else { c.ty },
            format: "",
            priority: 0,
            description: "Custom resource definition column (in JSONPath format)",
        }));
        return cols;
    }
    let more: Vec<Column> = match rt.kind {
        "Pod" => vec![
            col(
                "Ready",
                "string",
                0,
                "The aggregate readiness state of this pod for accepting traffic.",
            ),
            col(
                "Status",
                "string",
                0,
                "The aggregate status of the containers in this pod.",
            ),
            col(
                "Restarts",
                "string",
                0,
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
            ),
            AGE,
            col("IP", "string", 1, "IP address allocated to the pod."),
            col(
                "Node",
                "string",
                1,
                "Name of the node the pod is assigned to.",
            ),
            col(
                "Nominated Node",
                "string",
                1,
                "Name of the node the pod is nominated to.",
            ),
            col(
                "Readiness Gates",
                "string",
                1,
                "The readiness gates of the pod.",
            ),
        ],
        "Node" => vec![
            col("Status", "string", 0, "The status of the node"),
            col("Roles", "string", 0, "The roles of the node"),
            AGE,
            col(
                "Version",
                "string",
                0,
                "Kubelet Version reported by the node.",
            ),
            col(
                "Internal-IP",
                "string",
                1,
                "List of internal IPs of the node.",
            ),
            col(
                "External-IP",
                "string",
                1,
                "List of external IPs of the node.",
            ),
            col(
                "OS-Image",
                "string",
                1,
                "OS Image reported by the node from /etc/os-release.",
            ),
            col(
                "Kernel-Version",
                "string",
                1,
                "Kernel Version reported by the node.",
            ),
            col(
                "Container-Runtime",
                "string",
                1,
                "Container Runtime Version reported by the node.",
            ),
        ],
        "Namespace" => vec![
            col("Status", "string", 0, "The status of the namespace"),
            AGE,
        ],
        "Service" => vec![
            col("Type", "string", 0, "The type of the service."),
            col("Cluster-IP", "string", 0, "The cluster IP of the service."),
            col(
                "External-IP",
                "string",
                0,
                "The external IPs of the service.",
            ),
            col("Port(s)", "string", 0, "The ports of the service."),
            AGE,
            col("Selector", "string", 1, "The selector of the service."),
        ],
        "PersistentVolumeClaim" => vec![
            col("Status", "string", 0, "The phase of the claim."),
            col("Volume", "string", 0, "The volume bound to the claim."),
            col("Capacity", "string", 0, "The capacity of the claim."),
            col(
                "Access Modes",
                "string",
                0,
                "The access modes of the claim.",
            ),
            col(
                "StorageClass",
                "string",
                0,
                "The storage class of the claim.",
            ),
            col(
                "VolumeAttributesClass",
                "string",
                0,
                "The volume attributes class of the claim.",
            ),
            AGE,
            col("VolumeMode", "string", 1, "The volume mode of the claim."),
        ],
        "Event" => vec![
            col(
                "Last Seen",
                "string",
                0,
                "Time when the event was last observed.",
            ),
            col("Type", "string", 0, "Type of this event (Normal, Warning)."),
            col("Reason", "string", 0, "Why the action was taken."),
            col("Object", "string", 0, "The object this event is about."),
            col(
                "Message",
                "string",
                0,
                "A human-readable description of the status of this operation.",
            ),
            col("Subobject", "string", 1, "The field path of the object."),
            col("Source", "string", 1, "The component reporting this event."),
            col(
                "First Seen",
                "string",
                1,
                "Time when the event was first observed.",
            ),
            col(
                "Count",
                "string",
                1,
                "The number of times this event has occurred.",
            ),
        ],
        "ConfigMap" => vec![
            col("Data", "string", 0, "The number of keys in the config map."),
            AGE,
        ],
        "Secret" => vec![
            col("Type", "string", 0, "The type of the secret."),
            col("Data", "string", 0, "The number of keys in the secret."),
            AGE,
        ],
        "ServiceAccount" => vec![
            col(
                "Secrets",
                "string",
                0,
                "The number of secrets of the service account.",
            ),
            AGE,
        ],
        "RoleBinding" => vec![
            col("Role", "string", 0, "Role referenced by this binding"),
            AGE,
            col("Users", "string", 1, "Users in the roleBinding"),
            col("Groups", "string", 1, "Groups in the roleBinding"),
            col(
                "ServiceAccounts",
                "string",
                1,
                "ServiceAccounts in the roleBinding",
            ),
        ],
        "ResourceQuota" => vec![
            AGE,
            col(
                "Request",
                "string",
                0,
                "Request represents a minimum amount of cpu/memory that a container may consume.",
            ),
            col(
                "Limit",
                "string",
                0,
                "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
            ),
        ],
        _ => vec![AGE],
    };
    cols.extend(more);
    cols
}

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or_default()
}

fn or_none(x: String) -> Value {
    json!(if x.is_empty() {
        "<none>".to_string()
    } else {
        x
    })
}

fn crd_cell(obj: &Value, c: &CrdColumn) -> Value {
    let found = jsonpath::eval(obj, c.path);
    if c.ty == "date" {
        return match found.first().and_then(|v| v.as_str()) {
            Some(ts) => json!(age(Some(ts))),
            None => Value::Null,
        };
    }
    match found.as_slice() {
        [] => Value::Null,
        [one] => (*one).clone(),
        many => json!(
            many.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

fn pod_status(pod: &Value) -> String {
    if pod.pointer("/metadata/deletionTimestamp").is_some() {
        return "Terminating".into();
    }
    let mut reason = match s(pod, "/status/reason") {
        "" => s(pod, "/status/phase").to_string(),
        r => r.to_string(),
    };
    let statuses = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut running = false;
    for cs in statuses.iter().rev() {
        if let Some(w) = cs.pointer("/state/waiting/reason").and_then(Value::as_str) {
            reason = w.to_string();
        } else if let Some(t) = cs.pointer("/state/terminated") {
            reason = match t.get("reason").and_then(Value::as_str) {
                Some(r) if !r.is_empty() => r.to_string(),
                _ => format!(
                    "ExitCode:{}",
                    t.get("exitCode").and_then(Value::as_i64).unwrap_or(0)
                ),
            };
        } else if cs.pointer("/state/running").is_some() && cs.get("ready") == Some(&json!(true)) {
            running = true;
        }
    }
    if reason == "Completed" && running {
        reason = "Running".into();
    }
    if reason.is_empty() {
        "Unknown".into()
    } else {
        reason
    }
}

fn pod_cells(pod: &Value) -> Vec<Value> {
    let containers = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let statuses = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ready = statuses
        .iter()
        .filter(|c| c.get("ready") == Some(&json!(true)))
        .count();
    let restarts: i64 = statuses
        .iter()
        .filter_map(|c| c.get("restartCount").and_then(Value::as_i64))
        .sum();
    let last_restart = statuses
        .iter()
        .filter_map(|c| {
            c.pointer("/lastState/terminated/finishedAt")
                .and_then(Value::as_str)
        })
        .max();
    let restarts = match last_restart {
        Some(ts) if restarts > 0 => format!("{restarts} ({} ago)", age(Some(ts))),
        _ => restarts.to_string(),
    };
    vec![
        json!(format!("{ready}/{containers}")),
        json!(pod_status(pod)),
        json!(restarts),
        json!(age(pod
            .pointer("/metadata/creationTimestamp")
            .and_then(Value::as_str))),
        or_none(s(pod, "/status/podIP").into()),
        or_none(s(pod, "/spec/nodeName").into()),
        or_none(s(pod, "/status/nominatedNodeName").into()),
        json!("<none>"),
    ]
}

fn node_cells(node: &Value) -> Vec<Value> {
    let ready = node
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|c| c.iter().find(|c| c.get("type") == Some(&json!("Ready"))))
        .and_then(|c| c.get("status"))
        .and_then(Value::as_str)
        == Some("True");
    let mut status = if ready {
        "Ready".to_string()
    } else {
        "NotReady".to_string()
    };
    if node.pointer("/spec/unschedulable") == Some(&json!(true)) {
        status.push_str(",SchedulingDisabled");
    }
    let roles: Vec<&str> = node
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|l| {
            l.keys()
                .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                .collect()
        })
        .unwrap_or_default();
    let address = |kind: &str| {
        node.pointer("/status/addresses")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().find(|x| x.get("type") == Some(&json!(kind))))
            .and_then(|x| x.get("address"))
            .and_then(Value::as_str)
            .unwrap_or("<none>")
            .to_string()
    };
    vec![
        json!(status),
        or_none(roles.join(",")),
        json!(age(node
            .pointer("/metadata/creationTimestamp")
            .and_then(Value::as_str))),
        json!(s(node, "/status/nodeInfo/kubeletVersion")),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(s(node, "/status/nodeInfo/osImage")),
        json!(s(node, "/status/nodeInfo/kernelVersion")),
        json!(s(node, "/status/nodeInfo/containerRuntimeVersion")),
    ]
}

fn service_cells(svc: &Value) -> Vec<Value> {
    let ports: Vec<String> = svc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
                    let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
                    match p.get("nodePort").and_then(Value::as_i64) {
                        Some(np) => format!("{port}:{np}/{proto}"),
                        None => format!("{port}/{proto}"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let selector: Vec<String> = svc
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    vec![
        json!(s(svc, "/spec/type")),
        json!(s(svc, "/spec/clusterIP")),
        json!("<none>"),
        or_none(ports.join(",")),
        json!(age(svc
            .pointer("/metadata/creationTimestamp")
            .and_then(Value::as_str))),
        or_none(selector.join(",")),
    ]
}

fn event_cells(ev: &Value) -> Vec<Value> {
    let last = ev
        .get("lastTimestamp")
        .and_then(Value::as_str)
        .or_else(|| ev.get("eventTime").and_then(Value::as_str));
    let object = format!(
        "{}/{}",
        s(ev, "/involvedObject/kind").to_lowercase(),
        s(ev, "/involvedObject/name")
    );
    vec![
        json!(age(last)),
        json!(s(ev, "/type")),
        json!(s(ev, "/reason")),
        json!(object),
        json!(s(ev, "/message")),
        json!(s(ev, "/involvedObject/fieldPath")),
        json!(s(ev, "/source/component")),
        json!(age(ev.get("firstTimestamp").and_then(Value::as_str))),
        json!(
            ev.get("count")
                .and_then(Value::as_i64)
                .unwrap_or(1)
                .to_string()
        ),
    ]
}

fn count(v: &Value, ptr: &str) -> usize {
    v.pointer(ptr)
        .and_then(Value::as_object)
        .map_or(0, |m| m.len())
}

/// The cells of one row (excluding nothing: Name first).
pub fn cells(rt: &ResourceType, obj: &Value) -> Vec<Value> {
    let mut out = vec![json!(s(obj, "/metadata/name"))];
    let created = || {
        json!(age(obj
            .pointer("/metadata/creationTimestamp")
            .and_then(Value::as_str)))
    };
    if rt.custom {
        out.extend(crd_columns(rt.kind).iter().map(|c| crd_cell(obj, c)));
        return out;
    }
    match rt.kind {
        "Pod" => out.extend(pod_cells(obj)),
        "Node" => out.extend(node_cells(obj)),
        "Namespace" => out.extend([json!(s(obj, "/status/phase")), created()]),
        "Service" => out.extend(service_cells(obj)),
        "PersistentVolumeClaim" => {
            let modes: Vec<String> = obj
                .pointer("/spec/accessModes")
                .and_then(Value::as_array)
                .map(|m| {
                    m.iter()
                        .filter_map(Value::as_str)
                        .map(|m| match m {
                            "ReadWriteOnce" => "RWO".into(),
                            "ReadOnlyMany" => "ROX".into(),
                            "ReadWriteMany" => "RWX".into(),
                            "ReadWriteOncePod" => "RWOP".into(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.extend([
                json!(s(obj, "/status/phase")),
                json!(s(obj, "/spec/volumeName")),
                json!(s(obj, "/status/capacity/storage")),
                json!(modes.join(",")),
                or_none(s(obj, "/spec/storageClassName").into()),
                json!("<unset>"),
                created(),
                json!(s(obj, "/spec/volumeMode")),
            ]);
        }
        "Event" => return event_cells(obj),
        "ConfigMap" => out.extend([
            json!(count(obj, "/data") + count(obj, "/binaryData")),
            created(),
        ]),
        "Secret" => out.extend([
            json!(s(obj, "/type")),
            json!(count(obj, "/data")),
            created(),
        ]),
        "ServiceAccount" => out.extend([
            json!(
                obj.pointer("/secrets")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len)
            ),
            created(),
        ]),
        "RoleBinding" => {
            let subjects = |kind: &str| {
                obj.pointer("/subjects")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter(|x| x.get("kind") == Some(&json!(kind)))
                            .filter_map(|x| x.get("name").and_then(Value::as_str))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default()
            };
            out.extend([
                json!(format!(
                    "{}/{}",
                    s(obj, "/roleRef/kind"),
                    s(obj, "/roleRef/name")
                )),
                created(),
                json!(subjects("User")),
                json!(subjects("Group")),
                json!(subjects("ServiceAccount")),
            ]);
        }
        "ResourceQuota" => {
            let used = |k: &str| {
                obj.pointer("/status/hard")
                    .or_else(|| obj.pointer("/spec/hard"))
                    .and_then(Value::as_object)
                    .map(|hard| {
                        hard.iter()
                            .filter(|(name, _)| {
                                name.starts_with(k) || (k == "requests." && !name.contains('.'))
                            })
                            .map(|(name, h)| {
                                let u = obj
                                    .pointer(&format!("/status/used/{}", name.replace('/', "~1")))
                                    .and_then(Value::as_str)
                                    .unwrap_or("0");
                                format!("{name}: {u}/{}", h.as_str().unwrap_or_default())
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default()
            };
            out.extend([created(), json!(used("requests.")), json!(used("limits."))]);
        }
        _ => out.push(created()),
    }
    out
}
