//! Which screen a `:` command opens. List screens are `ListSpec`s declared
//! here as data; screens with their own module are listed in `SCREENS`. A new
//! kind needs an entry in `kube::kinds` and, for a tailored table, a spec here.

use kube::api::DynamicObject;
use serde_json::Value;

use super::View;
use super::columns::{self, phase_tone};
use super::resources::{
    ColumnDef, ListSpec, ResourceList, RowCx, age_col, name_col, namespace_col,
};
use super::table::{Cell, Column, SortKey, Tone};
use crate::kube::kinds::{self, Kind};
use crate::kube::pod::{Pod, State};

/// Opens a screen with an optional argument, or says why it cannot.
pub type Opener = fn(Option<&str>) -> Result<Box<dyn View>, String>;

/// A screen with its own module, opened by name.
pub struct Screen {
    pub names: &'static [&'static str],
    pub desc: &'static str,
    pub open: Opener,
}

/// Screens beyond the plain lists (their modules register here).
pub static SCREENS: &[Screen] = &[
    Screen {
        names: &["notebooks", "nb", "notebook"],
        desc: "Kubeflow notebooks",
        open: |_| Ok(Box::<super::notebooks::NotebooksView>::default()),
    },
    Screen {
        names: &["runs", "run", "workflows", "wf", "workflow"],
        desc: "pipeline runs (Argo Workflows) and their DAGs",
        open: |arg| Ok(Box::new(super::runs::RunsView::new(arg))),
    },
    Screen {
        names: &["pipelines", "pipeline", "pl"],
        desc: "KFP pipelines and their versions (KFP API)",
        open: |_| {
            Ok(Box::new(super::runs::catalog::CatalogView::new(
                super::runs::catalog::What::Pipelines,
            )))
        },
    },
    Screen {
        names: &["kfp-experiments", "kfp-experiment", "kexp"],
        desc: "KFP experiments (KFP API); :experiments is Katib",
        open: |_| {
            Ok(Box::new(super::runs::catalog::CatalogView::new(
                super::runs::catalog::What::Experiments,
            )))
        },
    },
    Screen {
        names: &["namespaces", "ns", "namespace", "profiles", "profile"],
        desc: "namespaces and Kubeflow profiles",
        open: |_| Ok(Box::<super::namespaces::NamespacesView>::default()),
    },
    Screen {
        names: &["onnx", "inference", "model"],
        desc: "local ONNX test inference",
        open: |arg| Ok(Box::new(super::onnx::OnnxView::new(arg))),
    },
    Screen {
        names: &[
            "jobs",
            "trainjobs",
            "trainjob",
            "pytorchjobs",
            "tfjobs",
            "training",
        ],
        desc: "training jobs of every kind",
        open: |_| Ok(Box::<super::jobs::JobsView>::default()),
    },
    Screen {
        names: &["katib", "experiments", "experiment"],
        desc: "Katib experiments with their trials and charts",
        open: |_| Ok(Box::<super::katib::ExperimentsView>::default()),
    },
    Screen {
        names: &["isvc", "inferenceservices", "inferenceservice", "serving"],
        desc: "KServe InferenceServices",
        open: |_| Ok(Box::<super::serving::IsvcView>::default()),
    },
    Screen {
        names: &["gpu-host", "gpuhost", "host-gpus"],
        desc: "this host's GPUs through NVML, live",
        open: |_| Ok(Box::<super::gpu_host::GpuHostView>::default()),
    },
    Screen {
        names: &["gpu", "gpus"],
        desc: "GPUs: this host and the cluster (free, holders, idle, quota)",
        open: |arg| Ok(Box::new(super::gpu::GpuView::new(arg))),
    },
    Screen {
        names: &["forwards", "pf", "port-forwards"],
        desc: "open port-forwards",
        open: |_| Ok(Box::<super::contexts::ForwardsView>::default()),
    },
];

/// Named list screens (the first name is the canonical one).
pub static LISTS: &[(&[&str], &ListSpec)] = &[
    (&["pods", "po", "pod"], &PODS),
    (&["events", "ev", "event"], &EVENTS),
    (&["runs", "workflows", "wf", "run", "workflow"], &RUNS),
    (&["trials", "trial"], &TRIALS),
    (&["nodes", "no", "node"], &NODES),
];

/// Opens the screen a `:` word names, or a generic list for any known kind.
pub fn open(name: &str, arg: Option<&str>) -> Option<Result<Box<dyn View>, String>> {
    if let Some(screen) = SCREENS.iter().find(|s| s.names.contains(&name)) {
        return Some((screen.open)(arg));
    }
    if let Some((_, spec)) = LISTS.iter().find(|(names, _)| names.contains(&name)) {
        return Some(Ok(Box::new(ResourceList::new(spec))));
    }
    let kind = kinds::lookup(name)?;
    Some(Ok(Box::new(ResourceList::new(generic_spec(kind)))))
}

/// Every word `open` accepts, canonical names first, for completion.
pub fn names() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in SCREENS {
        out.extend(s.names.iter().map(|n| n.to_string()));
    }
    for (names, _) in LISTS {
        out.extend(names.iter().map(|n| n.to_string()));
    }
    for k in kinds::ALL {
        out.push(k.id.to_string());
        out.extend(k.aliases.iter().map(|n| n.to_string()));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|n| seen.insert(n.clone()));
    out
}

pub fn is_screen(name: &str) -> bool {
    SCREENS.iter().any(|s| s.names.contains(&name))
        || LISTS.iter().any(|(n, _)| n.contains(&name))
        || kinds::lookup(name).is_some()
}

/// A plain list for kinds without a tailored spec: NAME, STATUS, AGE.
fn generic_spec(kind: &'static Kind) -> &'static ListSpec {
    static GENERIC: std::sync::OnceLock<Vec<(&'static str, &'static ListSpec)>> =
        std::sync::OnceLock::new();
    let all = GENERIC.get_or_init(|| {
        kinds::ALL
            .iter()
            .map(|k| {
                let spec: &'static ListSpec = Box::leak(Box::new(ListSpec {
                    title: k.id,
                    kinds: Box::leak(Box::new([*k])),
                    columns: &GENERIC_COLUMNS,
                    sort: (0, false),
                    keep: None,
                    pods_of: None,
                }));
                (k.id, spec)
            })
            .collect()
    });
    all.iter()
        .find(|(id, _)| *id == kind.id)
        .map(|(_, s)| *s)
        .unwrap_or(&PODS)
}

static GENERIC_COLUMNS: [ColumnDef; 4] = [
    name_col(),
    namespace_col(),
    ColumnDef::new(Column::new("STATUS", 6, 20), |r, _| status_cell(&r.obj)),
    age_col(),
];

/// `status.phase`, else the newest true condition, else a TrainJob's child
/// jobs' state, else "-".
pub fn status_cell(obj: &DynamicObject) -> Cell {
    let text = columns::str_at(obj, "/status/phase")
        .or_else(|| columns::latest_true_condition(obj))
        .map(str::to_string)
        .or_else(|| columns::jobs_status(obj))
        .unwrap_or_else(|| "-".to_string());
    let tone = phase_tone(text.split(' ').next().unwrap_or(""));
    Cell::tone(text, tone)
}

// ----- pods -----

pub static PODS: ListSpec = ListSpec {
    title: "pods",
    kinds: &[&kinds::POD],
    columns: &[
        name_col(),
        namespace_col(),
        ColumnDef::new(Column::new("READY", 5, 7).right(), |r, _| {
            r.pod.as_deref().map(ready_of).unwrap_or_default()
        }),
        ColumnDef::new(Column::new("STATUS", 7, 22), |r, _| {
            let s = r.pod.as_deref().map(status_of).unwrap_or_default();
            Cell::tone(s.clone(), phase_tone(&s))
        }),
        ColumnDef::new(Column::new("RESTARTS", 3, 8).right(), |r, _| {
            Cell::new(
                r.pod
                    .as_ref()
                    .map(|p| p.restarts())
                    .unwrap_or(0)
                    .to_string(),
            )
        })
        .sorted(|r| SortKey::Num(r.pod.as_ref().map(|p| p.restarts()).unwrap_or(0))),
        ColumnDef::new(Column::new("NODE", 6, 24).optional(), |r, _| {
            Cell::tone(
                r.pod.as_deref().and_then(Pod::node).unwrap_or("<none>"),
                Tone::Dim,
            )
        }),
        age_col(),
    ],
    sort: (0, false),
    keep: None,
    pods_of: None,
};

/// READY: ready containers of all containers.
pub fn ready_of(pod: &Pod) -> Cell {
    let total = pod.containers.len();
    let ready = pod.container_statuses.iter().filter(|c| c.ready).count();
    let tone = if ready == total && total > 0 {
        Tone::Normal
    } else {
        Tone::Warn
    };
    Cell::tone(format!("{ready}/{total}"), tone)
}

/// What kubectl prints in STATUS: a waiting or terminated reason beats the phase.
pub fn status_of(pod: &Pod) -> String {
    if pod.is_terminating() {
        return "Terminating".into();
    }
    for c in pod.container_statuses.iter() {
        match &c.state {
            Some(State::Waiting {
                reason: Some(reason),
                ..
            }) => return reason.to_string(),
            Some(s @ State::Terminated(_)) => {
                if let Some(reason) = s.reason().filter(|r| *r != "Completed") {
                    return reason.to_string();
                }
            }
            _ => {}
        }
    }
    pod.phase().unwrap_or("Unknown").to_string()
}

/// [`status_of`] for a pod held as a `DynamicObject` (a detail screen's).
pub fn pod_status(obj: &DynamicObject) -> String {
    status_of(&Pod::from_dynamic(obj))
}

// ----- events -----

fn event_time(obj: &DynamicObject) -> Option<jiff::Timestamp> {
    columns::time_at(obj, "/lastTimestamp")
        .or_else(|| columns::time_at(obj, "/eventTime"))
        .or_else(|| columns::time_at(obj, "/firstTimestamp"))
        .or_else(|| columns::created(obj))
}

pub static EVENTS: ListSpec = ListSpec {
    title: "events",
    kinds: &[&kinds::EVENT],
    columns: &[
        ColumnDef::new(Column::new("LAST SEEN", 4, 9).right(), |r, cx: &RowCx| {
            Cell::tone(columns::age(event_time(&r.obj), cx.now), Tone::Dim)
        })
        .sorted(|r| SortKey::Num(-event_time(&r.obj).map(|t| t.as_second()).unwrap_or(0))),
        namespace_col(),
        ColumnDef::new(Column::new("TYPE", 4, 7), |r, _| {
            let t = columns::str_at(&r.obj, "/type").unwrap_or("");
            Cell::tone(
                t,
                if t == "Warning" {
                    Tone::Warn
                } else {
                    Tone::Normal
                },
            )
        }),
        ColumnDef::new(Column::new("REASON", 6, 20), |r, _| {
            Cell::new(columns::str_at(&r.obj, "/reason").unwrap_or(""))
        }),
        ColumnDef::new(Column::new("OBJECT", 8, 40), |r, _| {
            let kind = columns::str_at(&r.obj, "/involvedObject/kind").unwrap_or("");
            let name = columns::str_at(&r.obj, "/involvedObject/name").unwrap_or("");
            Cell::new(format!("{}/{name}", kind.to_lowercase()))
        }),
        ColumnDef::new(Column::new("MESSAGE", 10, 200), |r, _| {
            Cell::new(
                columns::str_at(&r.obj, "/message")
                    .unwrap_or("")
                    .replace('\n', " "),
            )
        }),
    ],
    sort: (0, false),
    keep: None,
    pods_of: None,
};

// ----- nodes and GPUs -----

fn gpu_capacity(obj: &DynamicObject) -> i64 {
    ["nvidia.com~1gpu", "amd.com~1gpu"]
        .iter()
        .filter_map(|k| {
            obj.data
                .pointer(&format!("/status/capacity/{k}"))
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<i64>().ok())
        })
        .sum()
}

fn node_ready(obj: &DynamicObject) -> Cell {
    let ready = obj
        .data
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
        })
        .and_then(|c| c.get("status").and_then(Value::as_str));
    match ready {
        Some("True") => Cell::tone("Ready", Tone::Ok),
        Some(_) => Cell::tone("NotReady", Tone::Error),
        None => Cell::tone("Unknown", Tone::Warn),
    }
}

const NODE_STATUS: ColumnDef =
    ColumnDef::new(Column::new("STATUS", 5, 9), |r, _| node_ready(&r.obj));
const NODE_GPUS: ColumnDef = ColumnDef::new(Column::new("GPUS", 4, 5).right(), |r, _| {
    Cell::new(gpu_capacity(&r.obj).to_string())
})
.sorted(|r| SortKey::Num(gpu_capacity(&r.obj)));
const NODE_PRODUCT: ColumnDef = ColumnDef::new(Column::new("GPU PRODUCT", 6, 28), |r, _| {
    Cell::new(columns::label(&r.obj, "nvidia.com/gpu.product").unwrap_or("-"))
});
const NODE_CPU: ColumnDef = ColumnDef::new(Column::new("CPU", 3, 6).right().optional(), |r, _| {
    Cell::new(columns::str_at(&r.obj, "/status/capacity/cpu").unwrap_or("-"))
});
const NODE_MEMORY: ColumnDef =
    ColumnDef::new(Column::new("MEMORY", 6, 10).right().optional(), |r, _| {
        Cell::new(columns::str_at(&r.obj, "/status/capacity/memory").unwrap_or("-"))
    });

pub static NODES: ListSpec = ListSpec {
    title: "nodes",
    kinds: &[&kinds::NODE],
    columns: &[
        name_col(),
        NODE_STATUS,
        NODE_GPUS,
        NODE_PRODUCT,
        NODE_CPU,
        NODE_MEMORY,
        age_col(),
    ],
    sort: (0, false),
    keep: None,
    pods_of: None,
};

// ----- pipeline runs (Argo Workflows) -----

fn duration_cell(obj: &DynamicObject, start: &str, end: &str, now: jiff::Timestamp) -> Cell {
    match columns::duration_secs(
        columns::time_at(obj, start),
        columns::time_at(obj, end),
        now,
    ) {
        None => Cell::tone("-", Tone::Dim),
        Some(secs) => Cell::new(columns::human_duration(secs)),
    }
}

pub static RUNS: ListSpec = ListSpec {
    title: "runs",
    kinds: &[&kinds::WORKFLOW],
    columns: &[
        name_col(),
        namespace_col(),
        ColumnDef::new(Column::new("STATUS", 7, 12), |r, _| {
            let p = columns::str_at(&r.obj, "/status/phase").unwrap_or("Pending");
            Cell::tone(p, phase_tone(p))
        }),
        ColumnDef::new(Column::new("PROGRESS", 4, 8).right(), |r, _| {
            Cell::new(columns::str_at(&r.obj, "/status/progress").unwrap_or("-"))
        }),
        ColumnDef::new(Column::new("DURATION", 4, 8).right(), |r, cx| {
            duration_cell(&r.obj, "/status/startedAt", "/status/finishedAt", cx.now)
        }),
        ColumnDef::new(Column::new("RUN ID", 8, 36).optional(), |r, _| {
            Cell::tone(
                columns::label(&r.obj, "pipeline/runid").unwrap_or("-"),
                Tone::Dim,
            )
        }),
        age_col(),
    ],
    sort: (6, false),
    keep: None,
    pods_of: Some(|r| {
        Some(format!(
            "workflows.argoproj.io/workflow={}",
            columns::name(&r.obj)
        ))
    }),
};

// ----- Katib -----

fn best_metric(obj: &DynamicObject) -> String {
    let objective = columns::str_at(obj, "/spec/objective/objectiveMetricName").unwrap_or("");
    obj.data
        .pointer("/status/currentOptimalTrial/observation/metrics")
        .and_then(Value::as_array)
        .and_then(|ms| {
            ms.iter()
                .find(|m| m.get("name").and_then(Value::as_str) == Some(objective))
                .or_else(|| ms.first())
        })
        .and_then(|m| {
            m.get("latest")
                .and_then(Value::as_str)
                .or_else(|| m.get("max").and_then(Value::as_str))
        })
        .map(|v| format!("{objective}={v}"))
        .unwrap_or_else(|| "-".into())
}

pub static EXPERIMENTS: ListSpec = ListSpec {
    title: "experiments",
    kinds: &[&kinds::EXPERIMENT],
    columns: &[
        name_col(),
        namespace_col(),
        ColumnDef::new(Column::new("STATUS", 7, 12), |r, _| status_cell(&r.obj)),
        ColumnDef::new(Column::new("ALGORITHM", 6, 14), |r, _| {
            Cell::new(columns::str_at(&r.obj, "/spec/algorithm/algorithmName").unwrap_or("-"))
        }),
        ColumnDef::new(Column::new("TRIALS", 6, 9).right(), |r, _| {
            let done = columns::i64_at(&r.obj, "/status/trialsSucceeded").unwrap_or(0);
            let max = columns::i64_at(&r.obj, "/spec/maxTrialCount");
            Cell::new(match max {
                Some(m) => format!("{done}/{m}"),
                None => done.to_string(),
            })
        }),
        ColumnDef::new(Column::new("RUNNING", 3, 7).right().optional(), |r, _| {
            Cell::new(
                columns::i64_at(&r.obj, "/status/trialsRunning")
                    .unwrap_or(0)
                    .to_string(),
            )
        }),
        ColumnDef::new(Column::new("BEST", 6, 28).optional(), |r, _| {
            Cell::new(best_metric(&r.obj))
        }),
        age_col(),
    ],
    sort: (0, false),
    keep: None,
    pods_of: None,
};

pub static TRIALS: ListSpec = ListSpec {
    title: "trials",
    kinds: &[&kinds::TRIAL],
    columns: &[
        name_col(),
        namespace_col(),
        ColumnDef::new(Column::new("STATUS", 7, 12), |r, _| status_cell(&r.obj)),
        ColumnDef::new(Column::new("EXPERIMENT", 6, 30).optional(), |r, _| {
            Cell::new(columns::label(&r.obj, "katib.kubeflow.org/experiment").unwrap_or("-"))
        }),
        ColumnDef::new(Column::new("PARAMETERS", 10, 60).optional(), |r, _| {
            let text = r
                .obj
                .data
                .pointer("/spec/parameterAssignments")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .filter_map(|p| {
                            Some(format!(
                                "{}={}",
                                p.get("name")?.as_str()?,
                                p.get("value")?.as_str()?
                            ))
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            Cell::new(text)
        }),
        age_col(),
    ],
    sort: (0, false),
    keep: None,
    pods_of: Some(|r| {
        Some(format!(
            "katib.kubeflow.org/trial={}",
            columns::name(&r.obj)
        ))
    }),
};

// ----- profiles -----

pub static PROFILES: ListSpec = ListSpec {
    title: "profiles",
    kinds: &[&kinds::PROFILE],
    columns: &[
        name_col(),
        ColumnDef::new(Column::new("OWNER", 5, 40), |r, _| {
            Cell::new(columns::str_at(&r.obj, "/spec/owner/name").unwrap_or("-"))
        }),
        age_col(),
    ],
    sort: (0, false),
    keep: None,
    pods_of: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_opens_a_screen() {
        for name in names() {
            assert!(is_screen(&name), "{name}");
            assert!(matches!(open(&name, None), Some(Ok(_))), "{name}");
        }
        assert!(open("nonsense", None).is_none());
        assert!(names().contains(&"runs".to_string()));
    }

    #[test]
    fn pod_status_prefers_container_reasons() {
        let pod: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 2, "state": {"running": {}}},
                {"name": "b", "ready": false, "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
            ]}
        }))
        .expect("pod");
        assert_eq!(pod_status(&pod), "CrashLoopBackOff");
        let p = Pod::from_dynamic(&pod);
        assert_eq!(status_of(&p), "CrashLoopBackOff");
        assert_eq!(p.restarts(), 5);
        assert_eq!(ready_of(&p).text, "1/2");
    }

    /// The pods table reads the projection as it read the objects: the same
    /// text in every column, for pods in each state.
    #[test]
    fn pod_columns_read_the_projection_as_before() {
        use super::super::resources::{Row, RowCx};
        let now: jiff::Timestamp = "2026-01-01T01:00:00Z".parse().expect("now");
        let cx = RowCx { now };
        let cases = [
            (
                serde_json::json!({"status": {"phase": "Pending"}}),
                "0/1",
                "Pending",
                "0",
                "<none>",
            ),
            (
                serde_json::json!({"spec": {"nodeName": "n1"}, "status": {"phase": "Running",
                    "containerStatuses": [{"name": "c", "ready": true, "restartCount": 4,
                        "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]}}),
                "1/1",
                "Running",
                "4",
                "n1",
            ),
            (
                serde_json::json!({"spec": {"nodeName": "n1"}, "status": {"phase": "Running",
                    "containerStatuses": [{"name": "c", "ready": false, "restartCount": 1,
                        "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}}),
                "0/1",
                "OOMKilled",
                "1",
                "n1",
            ),
            (
                serde_json::json!({"metadata": {"deletionTimestamp": "2026-01-01T00:59:00Z"},
                    "status": {"phase": "Running"}}),
                "0/1",
                "Terminating",
                "0",
                "<none>",
            ),
        ];
        for (extra, ready, status, restarts, node) in cases {
            let mut v = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "namespace": "ns", "uid": "u",
                    "creationTimestamp": "2026-01-01T00:00:00Z"},
                "spec": {"containers": [{"name": "c", "image": "i"}]}});
            json_merge(&mut v, extra);
            let obj: DynamicObject = serde_json::from_value(v).expect("pod");
            let pod: Pod =
                serde_json::from_str(&serde_json::to_string(&obj).expect("json")).expect("parses");
            let row = Row::of_pod(&kinds::POD, std::sync::Arc::new(pod));
            let cells: Vec<String> = PODS
                .columns
                .iter()
                .map(|c| (c.cell)(&row, &cx).text)
                .collect();
            assert_eq!(
                cells,
                ["p", "ns", ready, status, restarts, node, "60m"],
                "{obj:?}"
            );
            assert_eq!(pod_status(&obj), status);
            // What the generic row gives a YAML or describe screen.
            let d = row.dynamic();
            assert_eq!(d.metadata.name.as_deref(), Some("p"));
            assert_eq!(row.target().to_string(), ObjRefText::of(&obj));
        }
    }

    fn json_merge(into: &mut Value, from: Value) {
        match (into, from) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in b {
                    json_merge(a.entry(k).or_insert(Value::Null), v);
                }
            }
            (slot, v) => *slot = v,
        }
    }

    struct ObjRefText;
    impl ObjRefText {
        fn of(obj: &DynamicObject) -> String {
            crate::kube::types::ObjRef::of(&kinds::POD, obj).to_string()
        }
    }
}
