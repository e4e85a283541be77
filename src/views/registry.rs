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
        ColumnDef::new(Column::new("READY", 5, 7).right(), |r, _| pod_ready(&r.obj)),
        ColumnDef::new(Column::new("STATUS", 7, 22), |r, _| {
            let s = pod_status(&r.obj);
            Cell::tone(s.clone(), phase_tone(&s))
        }),
        ColumnDef::new(Column::new("RESTARTS", 3, 8).right(), |r, _| {
            Cell::new(pod_restarts(&r.obj).to_string())
        })
        .sorted(|r| SortKey::Num(pod_restarts(&r.obj))),
        ColumnDef::new(Column::new("NODE", 6, 24).optional(), |r, _| {
            Cell::tone(
                columns::str_at(&r.obj, "/spec/nodeName").unwrap_or("<none>"),
                Tone::Dim,
            )
        }),
        age_col(),
    ],
    sort: (0, false),
    keep: None,
    pods_of: None,
};

fn container_statuses(obj: &DynamicObject) -> &[Value] {
    obj.data
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn pod_ready(obj: &DynamicObject) -> Cell {
    let total = obj
        .data
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(Vec::len)
        .unwrap_or(0);
    let ready = container_statuses(obj)
        .iter()
        .filter(|c| c.get("ready").and_then(Value::as_bool) == Some(true))
        .count();
    let tone = if ready == total && total > 0 {
        Tone::Normal
    } else {
        Tone::Warn
    };
    Cell::tone(format!("{ready}/{total}"), tone)
}

/// What kubectl prints in STATUS: a waiting or terminated reason beats the phase.
pub fn pod_status(obj: &DynamicObject) -> String {
    if obj.metadata.deletion_timestamp.is_some() {
        return "Terminating".into();
    }
    for c in container_statuses(obj) {
        if let Some(reason) = c.pointer("/state/waiting/reason").and_then(Value::as_str) {
            return reason.to_string();
        }
        if let Some(reason) = c
            .pointer("/state/terminated/reason")
            .and_then(Value::as_str)
            && reason != "Completed"
        {
            return reason.to_string();
        }
    }
    columns::str_at(obj, "/status/phase")
        .unwrap_or("Unknown")
        .to_string()
}

fn pod_restarts(obj: &DynamicObject) -> i64 {
    container_statuses(obj)
        .iter()
        .filter_map(|c| c.get("restartCount").and_then(Value::as_i64))
        .sum()
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
        assert_eq!(pod_restarts(&pod), 5);
        assert_eq!(pod_ready(&pod).text, "1/2");
    }
}
