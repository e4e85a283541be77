//! The runs screens over fixture Workflows shaped as the KFP v2 backend and
//! Argo write them: the list's columns, the DAG tree with KFP plumbing
//! folded (and raw), retries as attempts, the failed step spelled out, node
//! details, the ASCII icon set, terminate/stop/delete with confirmation and
//! their refusals, and a property test over generated (often malformed)
//! node maps: every node drawn once, nothing panics.

use kftui::app::effect::Effect;
use kftui::app::msg::Msg;
use kftui::app::state::State;
use kftui::kube::errors::ApiFailure;
use kftui::kube::kinds;
use kftui::kube::types::{Access, AccessKey, ApiOp, PatchBody, WatchKey};
use kftui::testing::{load, now, obj, press, render, state};
use kftui::views::registry;
use kftui::views::runs::dag::{self, Dag, fnv32a};
use kftui::views::runs::detail::RunDetail;
use kftui::views::runs::node::NodeDetail;
use kftui::views::runs::{RunsView, model};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snap(name: &str, s: &mut State) {
    for (w, h) in SIZES {
        s.size = (w, h);
        let screen = render(s);
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        });
    }
    s.size = (80, 24);
}

fn at(secs_ago: i64) -> String {
    (now() - jiff::SignedDuration::from_secs(secs_ago)).to_string()
}

/// A task of a fixture run: name, phase of its executor pod ("" = not
/// started past its driver), exit code.
struct Task {
    name: &'static str,
    phase: &'static str,
    exit: Option<i32>,
}

fn id(wf: &str, node_name: &str) -> String {
    if node_name == wf {
        wf.to_string()
    } else {
        format!("{wf}-{}", fnv32a(node_name))
    }
}

/// A KFP v2 run as the backend compiles it and Argo reports it: entrypoint
/// DAG > root-driver + root DAG > per task a driver pod and an executor
/// DAG holding the `system-container-impl` pod.
fn kfp_run(
    name: &str,
    phase: &str,
    age: i64,
    tasks: &[Task],
    planned: &[&str],
) -> kube::api::DynamicObject {
    let mut nodes = Map::new();
    let started = age - 5;
    let mut add = |node_name: &str, extra: Value| {
        let nid = id(name, node_name);
        let mut v = json!({"id": nid, "name": node_name,
            "displayName": node_name.rsplit('.').next().unwrap_or(node_name),
            "templateScope": format!("local/{name}")});
        json_patch::merge(&mut v, &extra);
        nodes.insert(nid, v);
    };
    let root = format!("{name}.root");
    add(
        name,
        json!({"type": "DAG", "templateName": "entrypoint", "phase": phase,
            "startedAt": at(started), "children": [id(name, &format!("{name}.root-driver"))]}),
    );
    add(
        &format!("{name}.root-driver"),
        json!({"type": "Pod", "templateName": "system-dag-driver", "phase": "Succeeded",
            "boundaryID": name, "startedAt": at(started), "finishedAt": at(started - 10),
            "children": [id(name, &root)],
            "outputs": {"parameters": [{"name": "execution-id", "value": "17"}], "exitCode": "0"}}),
    );
    let first = tasks
        .first()
        .map(|t| vec![id(name, &format!("{root}.{}-driver", t.name))])
        .unwrap_or_default();
    add(
        &root,
        json!({"type": "DAG", "templateName": "root", "phase": phase, "boundaryID": name,
            "startedAt": at(started - 10), "children": first}),
    );
    let mut t0 = started - 10;
    for (i, t) in tasks.iter().enumerate() {
        let task = format!("{root}.{}", t.name);
        let next: Vec<String> = tasks
            .get(i + 1)
            .filter(|_| t.phase == "Succeeded")
            .map(|n| vec![id(name, &format!("{root}.{}-driver", n.name))])
            .unwrap_or_default();
        let mut driver_kids = Vec::new();
        if !t.phase.is_empty() {
            driver_kids.push(id(name, &task));
        }
        add(
            &format!("{task}-driver"),
            json!({"type": "Pod", "templateName": "system-container-driver",
                "phase": if t.phase.is_empty() { "Running" } else { "Succeeded" },
                "boundaryID": id(name, &root), "startedAt": at(t0),
                "finishedAt": if t.phase.is_empty() { Value::Null } else { json!(at(t0 - 5)) },
                "children": driver_kids,
                "inputs": {"parameters": [{"name": "task-name", "value": t.name}]}}),
        );
        if t.phase.is_empty() {
            break;
        }
        let done = t.phase != "Running";
        let mut exec_kids = vec![id(name, &format!("{task}.executor"))];
        exec_kids.extend(next);
        let finished = if done {
            json!(at(t0 - 45))
        } else {
            Value::Null
        };
        add(
            &task,
            json!({"type": "DAG", "templateName": "system-container-executor", "phase": t.phase,
                "boundaryID": id(name, &root), "startedAt": at(t0 - 5), "finishedAt": finished,
                "children": exec_kids,
                "inputs": {"parameters": [{"name": "cached-decision", "value": "false"}]}}),
        );
        let mut pod = json!({"type": "Pod", "templateName": "system-container-impl", "phase": t.phase,
            "boundaryID": id(name, &task), "startedAt": at(t0 - 5), "finishedAt": finished,
            "hostNodeName": "cpu-node-0",
            "resourcesDuration": {"cpu": 12, "memory": 84}});
        if let Some(code) = t.exit {
            pod["outputs"] = json!({"exitCode": code.to_string(),
                "artifacts": [{"name": "main-logs", "s3": {"key": format!("artifacts/{name}/{}/main.log", t.name)}}],
                "parameters": [{"name": "accuracy", "value": "0.93"}]});
        }
        if t.phase == "Failed" {
            pod["message"] = json!("Error (exit code 1)");
        }
        add(&format!("{task}.executor"), pod);
        t0 -= 50;
    }
    let mut status = json!({"phase": phase, "startedAt": at(started), "nodes": nodes});
    if matches!(phase, "Succeeded" | "Failed") {
        status["finishedAt"] = json!(at(t0));
    }
    if phase == "Failed" {
        status["message"] = json!("child failed");
    }
    let suffix = name.rsplit('-').next().unwrap_or(name);
    let spec_tasks: Map<String, Value> = planned
        .iter()
        .map(|t| (t.to_string(), json!({"taskInfo": {"name": t}})))
        .collect();
    let root_spec = json!({"dag": {"tasks": spec_tasks}});
    obj(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": name, "namespace": "ml-research", "uid": format!("uid-{name}"),
            "creationTimestamp": at(age),
            "labels": {"pipeline/runid": format!("run-{suffix}"), "workflows.argoproj.io/phase": phase},
            "annotations": {"pipelines.kubeflow.org/run_name": format!("Run of training-pipeline ({suffix})"),
                "workflows.argoproj.io/pod-name-format": "v2"}},
        "spec": {"entrypoint": "entrypoint",
            "arguments": {"parameters": [
                {"name": "components-root", "value": root_spec.to_string()},
                {"name": "learning_rate", "value": "0.01"}]},
            "templates": [{"name": "system-container-driver", "container": {"image": "driver",
                "args": ["--type", "CONTAINER", "--pipeline_name", "training-pipeline"]}}]},
        "status": status
    }))
}

fn failed_run() -> kube::api::DynamicObject {
    kfp_run(
        "training-pipeline-f41ed",
        "Failed",
        3 * 3600,
        &[
            Task {
                name: "load-data",
                phase: "Succeeded",
                exit: Some(0),
            },
            Task {
                name: "preprocess",
                phase: "Succeeded",
                exit: Some(0),
            },
            Task {
                name: "train-model",
                phase: "Failed",
                exit: Some(1),
            },
        ],
        &["load-data", "preprocess", "train-model", "evaluate"],
    )
}

fn running_run() -> kube::api::DynamicObject {
    kfp_run(
        "training-pipeline-r4nn1",
        "Running",
        230,
        &[
            Task {
                name: "load-data",
                phase: "Succeeded",
                exit: Some(0),
            },
            Task {
                name: "preprocess",
                phase: "Running",
                exit: None,
            },
        ],
        &["load-data", "preprocess"],
    )
}

/// A plain Argo workflow (no KFP) with a retried step.
fn argo_run() -> kube::api::DynamicObject {
    let n = |id: &str, v: Value| (id.to_string(), v);
    let nodes: Map<String, Value> = [
        n("dag-retry-4wkh8", json!({"id": "dag-retry-4wkh8", "name": "dag-retry-4wkh8", "displayName": "dag-retry-4wkh8",
            "type": "DAG", "phase": "Succeeded", "templateName": "main", "children": ["dag-retry-4wkh8-1"],
            "startedAt": at(7300), "finishedAt": at(7200)})),
        n("dag-retry-4wkh8-1", json!({"id": "dag-retry-4wkh8-1", "name": "dag-retry-4wkh8.step1", "displayName": "step1",
            "type": "Retry", "phase": "Succeeded", "boundaryID": "dag-retry-4wkh8",
            "children": ["dag-retry-4wkh8-2", "dag-retry-4wkh8-3"], "startedAt": at(7300), "finishedAt": at(7200)})),
        n("dag-retry-4wkh8-2", json!({"id": "dag-retry-4wkh8-2", "name": "dag-retry-4wkh8.step1(0)", "displayName": "step1(0)",
            "type": "Pod", "phase": "Failed", "boundaryID": "dag-retry-4wkh8", "templateName": "flaky",
            "message": "failed with exit code 1", "startedAt": at(7300), "finishedAt": at(7280)})),
        n("dag-retry-4wkh8-3", json!({"id": "dag-retry-4wkh8-3", "name": "dag-retry-4wkh8.step1(1)", "displayName": "step1(1)",
            "type": "Pod", "phase": "Succeeded", "boundaryID": "dag-retry-4wkh8", "templateName": "flaky",
            "startedAt": at(7270), "finishedAt": at(7200)})),
    ]
    .into_iter()
    .collect();
    obj(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": "dag-retry-4wkh8", "namespace": "ml-research", "uid": "uid-dag-retry",
            "creationTimestamp": at(7400)},
        "spec": {"entrypoint": "main"},
        "status": {"phase": "Succeeded", "startedAt": at(7300), "finishedAt": at(7200), "nodes": nodes}
    }))
}

fn runs_state() -> State {
    let mut s = runs_state_asking();
    answer_kfp(
        &mut s,
        Err(ApiFailure::from_status(
            503,
            "ServiceUnavailable",
            "no endpoints available for service \"ml-pipeline\"",
        )),
        json!({}),
    );
    s
}

/// The list before the KFP API answered.
fn runs_state_asking() -> State {
    let root = registry::open("runs", None)
        .expect("a screen")
        .expect("opens");
    let mut s = state(root);
    load(
        &mut s,
        WatchKey::in_namespace(&kinds::WORKFLOW, Some("ml-research")),
        vec![failed_run(), running_run(), argo_run()],
    );
    s
}

/// Answers the list's KFP API requests (runs with `result`, experiments
/// with `experiments` when the runs answer is Ok) until it asks no more.
fn answer_kfp(s: &mut State, result: Result<Value, ApiFailure>, experiments: Value) {
    for _ in 0..4 {
        let ids = list(s).kfp_pending();
        if ids.is_empty() {
            return;
        }
        let (runs, exps) = (ids[0], ids.get(1).copied());
        if let Some(e) = exps {
            let r = match &result {
                Ok(_) => Ok(experiments.clone()),
                Err(e) => Err(e.clone()),
            };
            kftui::testing::send(
                s,
                Msg::Api {
                    id: e,
                    what: "GET experiments".into(),
                    result: r,
                },
            );
        }
        kftui::testing::send(
            s,
            Msg::Api {
                id: runs,
                what: "GET runs".into(),
                result: result.clone(),
            },
        );
    }
}

fn list(s: &State) -> &RunsView {
    s.view()
        .as_any()
        .downcast_ref::<RunsView>()
        .expect("runs view")
}

fn detail(s: &State) -> &RunDetail {
    s.view()
        .as_any()
        .downcast_ref::<RunDetail>()
        .expect("run detail")
}

fn select(s: &mut State, display: &str) {
    press(s, &["g"]);
    for _ in 0..10 {
        if list(s).selected().map(|r| r.summary.display.as_str()) == Some(display) {
            return;
        }
        press(s, &["j"]);
    }
    panic!("no run {display}");
}

fn row<'a>(screen: &'a str, text: &str) -> &'a str {
    screen.lines().find(|l| l.contains(text)).unwrap_or("")
}

#[test]
fn list_names_runs_and_counts_tasks_without_plumbing() {
    let mut s = runs_state();
    s.size = (120, 40);
    let screen = render(&s);
    s.size = (80, 24);
    // Newest first; display names from the KFP annotation, else the name.
    let failed = row(&screen, "Run of training-pipeline (f41ed)");
    assert!(failed.contains("✖ Failed"), "{screen}");
    assert!(failed.contains("training-pipeline"), "{failed}");
    // Three executor pods done, none of the four driver pods counted; the
    // pipeline spec has a fourth task that never started.
    assert!(failed.contains("3/4"), "{failed}");
    let running = row(&screen, "Run of training-pipeline (r4nn1)");
    assert!(
        running.contains("● Running") && running.contains("1/2"),
        "{running}"
    );
    let plain = row(&screen, "dag-retry-4wkh8");
    // A retried step counts once.
    assert!(
        plain.contains("✔ Succeeded") && plain.contains("1/1"),
        "{plain}"
    );
    assert!(plain.contains(" - "), "no pipeline: {plain}");
    assert!(
        screen.contains("source: Argo Workflows only (KFP API: the API server is unavailable"),
        "the source, and why not the KFP API: {screen}"
    );
    // Order: newest first.
    let pos = |t: &str| screen.find(t).unwrap_or(usize::MAX);
    assert!(pos("(r4nn1)") < pos("dag-retry") && pos("dag-retry") < pos("(f41ed)"));
    // The filter finds runs by pipeline and status words.
    press(&mut s, &["/"]);
    kftui::testing::type_text(&mut s, "failed");
    press(&mut s, &["enter"]);
    assert_eq!(list(&s).table.rows.len(), 1);
    press(&mut s, &["esc"]);
    assert_eq!(list(&s).table.rows.len(), 3);
    // `:runs ARG` opens filtered.
    let v = RunsView::new(Some("r4nn1"));
    assert_eq!(v.table.filter.needle, "r4nn1");
    snap("runs_list", &mut s);
}

#[test]
fn tree_folds_kfp_plumbing_and_spells_out_the_failure() {
    let mut s = runs_state();
    select(&mut s, "Run of training-pipeline (f41ed)");
    press(&mut s, &["enter"]);
    let d = detail(&s);
    let labels: Vec<String> = d
        .rows
        .iter()
        .map(|r| format!("{}{} {}", r.prefix(false), r.phase.icon(false), r.label))
        .collect();
    assert_eq!(
        labels,
        vec![
            "✖ training-pipeline-f41ed",
            "├─✔ load-data",
            "├─✔ preprocess",
            "└─✖ train-model",
        ]
    );
    // The task row is the executor pod, with its driver folded in.
    let train = d.rows[3].clone();
    let node = d.row.dag.get(&train.id).expect("node");
    assert_eq!(node.template, "system-container-impl");
    assert!(train.driver.is_some() && train.folded.len() == 2);
    let screen = render(&s);
    assert!(
        screen.contains("✖ train-model failed: exit code 1 · Error (exit code 1)"),
        "{screen}"
    );
    assert!(screen.contains("run: child failed"), "{screen}");
    assert!(screen.contains("learning_rate=0.01"), "{screen}");
    assert!(!screen.contains("components-root"), "{screen}");
    snap("run_tree_failed", &mut s);

    // `f` jumps to the failed node; `r` shows every Argo node.
    press(&mut s, &["g", "f"]);
    assert_eq!(detail(&s).selected, 3);
    press(&mut s, &["r"]);
    let d = detail(&s);
    assert_eq!(d.rows.len(), d.row.dag.nodes.len());
    assert!(d.raw);
    let selected = d.selected_row().expect("selection kept");
    assert_eq!(selected.id, train.id, "the same node stays selected");
    s.size = (120, 40);
    let screen = render(&s);
    s.size = (80, 24);
    assert!(
        screen.contains("train-model-driver") && screen.contains("root-driver"),
        "{screen}"
    );
    assert!(screen.contains("[raw nodes]"), "{screen}");
    press(&mut s, &["r"]);

    // Node details: exit code, message, pod, driver, outputs, artifacts.
    press(&mut s, &["enter"]);
    assert!(s.view().as_any().downcast_ref::<NodeDetail>().is_some());
    s.size = (120, 40);
    let screen = render(&s);
    s.size = (80, 24);
    for want in [
        "Phase         Failed · exit code 1",
        "Message       Error (exit code 1)",
        "training-pipeline-f41ed-system-container-impl-",
        "KFP driver",
        "accuracy = 0.93",
        "main-logs",
    ] {
        assert!(screen.contains(want), "{want} missing:\n{screen}");
    }
    snap("run_node_detail", &mut s);
    // The pod watch has not listed: logs are still tried, on `main`.
    let effects = press(&mut s, &["l"]);
    let _ = effects;
    let logs = s
        .view()
        .as_any()
        .downcast_ref::<kftui::views::logs::LogsView>()
        .expect("logs");
    assert_eq!(logs.spec().container.as_deref(), Some("main"));
    assert!(
        logs.spec()
            .pod
            .starts_with("training-pipeline-f41ed-system-container-impl-")
    );
}

#[test]
fn a_gone_pod_says_where_its_logs_went() {
    let mut s = runs_state();
    select(&mut s, "Run of training-pipeline (f41ed)");
    press(&mut s, &["enter", "f"]);
    let wf = detail(&s).row.wf.clone();
    // The run's pods are listed and the failed step's pod is not among them.
    load(&mut s, kftui::views::runs::detail::pods_key(&wf), vec![]);
    press(&mut s, &["l"]);
    assert!(s.view().as_any().downcast_ref::<RunDetail>().is_some());
    let notice = s.notice.clone().expect("a notice").text;
    assert!(
        notice.contains("is gone")
            && notice.contains(
                "archived at s3 key artifacts/training-pipeline-f41ed/train-model/main.log"
            ),
        "{notice}"
    );
}

#[test]
fn running_run_and_retries_and_ascii() {
    let mut s = runs_state();
    select(&mut s, "Run of training-pipeline (r4nn1)");
    press(&mut s, &["enter"]);
    let d = detail(&s);
    let labels: Vec<String> = d
        .rows
        .iter()
        .map(|r| format!("{}{} {}", r.prefix(true), r.phase.icon(true), r.label))
        .collect();
    assert_eq!(
        labels,
        vec![
            "* training-pipeline-r4nn1",
            "|-+ load-data",
            "`-* preprocess"
        ]
    );
    press(&mut s, &["g", "R"]);
    assert_eq!(detail(&s).selected, 2);
    press(&mut s, &["R"]);
    assert_eq!(detail(&s).selected, 0, "wraps to the root, running too");
    s.theme.ascii = true;
    let screen = render(&s);
    assert!(screen.contains("`-* preprocess"), "{screen}");
    assert!(!screen.contains('●'), "{screen}");
    snap("run_tree_running_ascii", &mut s);
    s.theme.ascii = false;

    press(&mut s, &["esc"]);
    select(&mut s, "dag-retry-4wkh8");
    press(&mut s, &["enter"]);
    let d = detail(&s);
    let labels: Vec<String> = d
        .rows
        .iter()
        .map(|r| format!("{}{} {}", r.prefix(false), r.phase.icon(false), r.label))
        .collect();
    assert_eq!(
        labels,
        vec![
            "✔ dag-retry-4wkh8",
            "└─✔ step1",
            "  ├─✖ step1(0)",
            "  └─✔ step1(1)"
        ]
    );
    assert!(render(&s).contains("failed with exit code 1"));
}

fn api_ops(effects: &[Effect]) -> Vec<ApiOp> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Api { op, .. } => Some(op.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn terminate_stop_and_delete_confirm_first_and_refuse_with_reasons() {
    let mut s = runs_state();
    select(&mut s, "Run of training-pipeline (r4nn1)");
    let effects = press(&mut s, &["T"]);
    assert!(api_ops(&effects).is_empty(), "asks first");
    let screen = render(&s);
    assert!(screen.contains("Terminate run"), "{screen}");
    let ops = api_ops(&press(&mut s, &["y"]));
    match ops.as_slice() {
        [
            ApiOp::Patch {
                target,
                patch: PatchBody::Merge(p),
                ..
            },
        ] => {
            assert_eq!(target.name, "training-pipeline-r4nn1");
            assert_eq!(p, &json!({"spec": {"shutdown": "Terminate"}}));
        }
        other => panic!("{other:?}"),
    }
    let ops = api_ops(&press(&mut s, &["S", "y"]));
    assert!(
        matches!(ops.as_slice(), [ApiOp::Patch { patch: PatchBody::Merge(p), .. }]
        if p.pointer("/spec/shutdown") == Some(&json!("Stop")))
    );
    // A finished run has nothing to terminate.
    select(&mut s, "Run of training-pipeline (f41ed)");
    let effects = press(&mut s, &["T"]);
    assert!(s.confirm.is_none() && api_ops(&effects).is_empty());
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("already failed"))
    );
    // Delete asks, then deletes the workflow; `n` cancels.
    press(&mut s, &["ctrl-d"]);
    assert!(render(&s).contains("Delete run"));
    assert!(api_ops(&press(&mut s, &["n"])).is_empty());
    let ops = api_ops(&press(&mut s, &["ctrl-d", "y"]));
    assert!(
        matches!(ops.as_slice(), [ApiOp::Delete { target, .. }] if target.name == "training-pipeline-f41ed")
    );
    // Denied by the server: the reason, no dialog.
    send_access(
        &mut s,
        "delete",
        "workflows.argoproj.io is forbidden for alice",
    );
    press(&mut s, &["ctrl-d"]);
    assert!(s.confirm.is_none());
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("forbidden for alice"))
    );
    // Read-only: refused on the list and on the run's page.
    s.readonly = Some("read-only (--readonly)".into());
    select(&mut s, "Run of training-pipeline (r4nn1)");
    for keys in [&["T"][..], &["S"], &["enter", "T"]] {
        let effects = press(&mut s, keys);
        assert!(
            api_ops(&effects).is_empty() && s.confirm.is_none(),
            "{keys:?}"
        );
        assert!(
            s.notice
                .as_ref()
                .is_some_and(|n| n.text.contains("read-only")),
            "{keys:?}"
        );
    }
}

fn send_access(s: &mut State, verb: &'static str, why: &str) {
    kftui::testing::send(
        s,
        Msg::Access(
            AccessKey {
                verb,
                kind: &kinds::WORKFLOW,
                namespace: Some("ml-research".into()),
            },
            Access::Denied(why.into()),
        ),
    );
}

#[test]
fn malformed_status_says_so() {
    let wf = obj(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": "odd", "namespace": "ml-research", "uid": "uid-odd", "creationTimestamp": at(60)},
        "status": {"phase": "Running", "nodes": {
            "odd": {"type": "DAG", "phase": "Running", "children": ["odd-1", "missing"]},
            "odd-1": {"type": "Pod", "displayName": "a", "children": ["odd-2"], "boundaryID": "odd-2"},
            "odd-2": {"type": "Pod", "displayName": "b", "children": ["odd-1"], "boundaryID": "odd-1",
                "startedAt": "yesterday"},
            "odd-3": 7
        }}
    }));
    let root = Box::new(RunDetail::new(std::sync::Arc::new(wf)));
    let s = state(root);
    let screen = render(&s);
    assert!(screen.contains("status.nodes:"), "{screen}");
    assert!(screen.contains("missing"), "{screen}");
    let d = detail(&s);
    assert_eq!(d.rows.len(), 3, "every readable node once");
    // No nodes at all.
    let wf = obj(
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": "new", "namespace": "ml-research", "uid": "uid-new"}}),
    );
    let s = state(Box::new(RunDetail::new(std::sync::Arc::new(wf))));
    let screen = render(&s);
    assert!(screen.contains("No nodes yet"), "{screen}");
    assert!(screen.contains("◷ Pending"), "{screen}");
    assert!(screen.contains("duration -"), "{screen}");
}

const TYPES: [&str; 7] = [
    "Pod",
    "DAG",
    "Retry",
    "Steps",
    "StepGroup",
    "TaskGroup",
    "Skipped",
];
const PHASES: [&str; 7] = [
    "Pending",
    "Running",
    "Succeeded",
    "Failed",
    "Error",
    "Omitted",
    "",
];
const TEMPLATES: [&str; 4] = [
    "system-container-driver",
    "system-dag-driver",
    "system-container-executor",
    "work",
];

/// One generated node: its id slot, children and boundary slots (slots past
/// the node count name nodes that do not exist), type, phase, template,
/// start time form.
type Gen = (usize, Vec<usize>, Option<usize>, usize, usize, usize, u8);

fn generated(nodes: &[Gen]) -> Value {
    let name = |i: usize| {
        if i == 0 {
            "w".to_string()
        } else {
            format!("w-{i}")
        }
    };
    let mut map = Map::new();
    for (slot, kids, boundary, ty, ph, tpl, time) in nodes {
        let mut v = json!({
            "id": name(*slot), "name": format!("w.n{slot}"), "displayName": format!("n{slot}"),
            "type": TYPES[*ty % TYPES.len()], "phase": PHASES[*ph % PHASES.len()],
            "templateName": TEMPLATES[*tpl % TEMPLATES.len()],
            "children": kids.iter().map(|k| name(*k)).collect::<Vec<_>>(),
        });
        if let Some(b) = boundary {
            v["boundaryID"] = json!(name(*b));
        }
        match time % 4 {
            0 => v["startedAt"] = json!(at(i64::from(*time) * 7)),
            1 => v["startedAt"] = json!("not a time"),
            2 => v["startedAt"] = json!(12),
            _ => {}
        }
        map.insert(name(*slot), v);
    }
    json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": "w", "namespace": "ml-research", "uid": "uid-w", "creationTimestamp": at(100)},
        "status": {"phase": "Failed", "nodes": map}
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_node_map_draws_every_node_once(
        nodes in proptest::collection::vec(
            (0usize..16, proptest::collection::vec(0usize..20, 0..4), proptest::option::of(0usize..20),
             0usize..7, 0usize..7, 0usize..4, any::<u8>()),
            0..24)
    ) {
        let wf = generated(&nodes);
        let d = Dag::from_workflow("w", &wf);
        let raw = dag::rows(&d, true);
        let mut ids: Vec<&str> = raw.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        let mut want: Vec<&str> = d.nodes.keys().map(String::as_str).collect();
        want.sort();
        prop_assert_eq!(ids, want, "raw: every node exactly once");
        let folded = dag::rows(&d, false);
        let mut shown: Vec<&str> = folded.iter().flat_map(|r| r.folded.iter().map(String::as_str)).collect();
        shown.extend(folded.iter().filter_map(|r| r.driver.as_deref()));
        let before = shown.len();
        shown.sort();
        shown.dedup();
        prop_assert_eq!(before, shown.len(), "folded: no node twice");
        for r in &folded {
            prop_assert!(r.prefix(false).chars().count() <= 2 * r.depth);
        }
        let _ = dag::first_failure(&d, &folded);
        let (done, total) = d.progress();
        prop_assert!(done <= total);
        // The page renders at both sizes, raw and folded.
        let o = obj(wf);
        let _ = model::summary(&o, &d);
        let mut s = state(Box::new(RunDetail::new(std::sync::Arc::new(o))));
        for (w, h) in SIZES {
            s.size = (w, h);
            let _ = render(&s);
        }
        press(&mut s, &["r", "f", "enter"]);
        let _ = render(&s);
        // The graph layout holds its rules over the same maps, raw and
        // folded, and the graph mode draws and moves without panicking.
        for rows in [&raw, &folded] {
            let l = dag::layout::layout(&d, rows);
            prop_assert!(l.faults().is_empty(), "{:?}", l.faults());
            prop_assert_eq!(l.of_row.len(), rows.len());
            for &(a, b) in &l.edges {
                prop_assert!(a < rows.len() && b < rows.len() && a != b);
            }
        }
        press(&mut s, &["esc", "v", "j", "right", "left", "pgdn", "k", "r"]);
        for (w, h) in SIZES {
            s.size = (w, h);
            let _ = render(&s);
        }
    }
}

#[test]
fn with_the_kfp_api_experiments_show_and_terminate_and_retry_go_through_it() {
    let mut s = runs_state_asking();
    s.size = (120, 40);
    let screen = render(&s);
    assert!(
        screen.contains("asking the KFP API at ml-pipeline.kubeflow:8888"),
        "{screen}"
    );
    answer_kfp(
        &mut s,
        Ok(json!({"runs": [
            {"run_id": "run-f41ed", "display_name": "Run of training-pipeline (f41ed)",
             "experiment_id": "e1", "storage_state": "AVAILABLE", "state": "FAILED"},
            {"run_id": "run-r4nn1", "display_name": "Run of training-pipeline (r4nn1)",
             "experiment_id": "e1", "storage_state": "AVAILABLE", "state": "RUNNING"},
            {"run_id": "run-gc", "display_name": "an old run", "experiment_id": "e1",
             "storage_state": "AVAILABLE", "state": "SUCCEEDED",
             "created_at": "2025-05-30T10:00:00Z", "finished_at": "2025-05-30T10:05:00Z"},
            {"run_id": "run-arch", "display_name": "an archived run", "experiment_id": "e1",
             "storage_state": "ARCHIVED", "state": "FAILED", "created_at": "2025-05-29T10:00:00Z"}]})),
        json!({"experiments": [{"experiment_id": "e1", "display_name": "training-experiments"}]}),
    );
    s.size = (120, 40);
    let screen = render(&s);
    assert!(screen.contains("EXPERIMENT"), "{screen}");
    assert!(
        row(&screen, "(f41ed)").contains("training-experiments"),
        "{screen}"
    );
    assert!(
        screen.contains(
            "source: KFP API (ml-pipeline.kubeflow:8888, service proxy) + Argo Workflows"
        ),
        "{screen}"
    );
    // A run whose Workflow is gone is listed from the KFP API; an archived
    // one is not, until asked for.
    assert!(
        row(&screen, "an old run").contains("✔ Succeeded")
            && row(&screen, "an old run").contains("5m"),
        "{screen}"
    );
    assert!(!screen.contains("an archived run"), "{screen}");
    // Sorted by AGE still (the columns moved).
    let pos = |t: &str| screen.find(t).unwrap_or(usize::MAX);
    assert!(pos("(r4nn1)") < pos("(f41ed)"));
    s.size = (80, 24);
    // Terminate goes to KFP's :terminate.
    select(&mut s, "Run of training-pipeline (r4nn1)");
    let ops = api_ops(&press(&mut s, &["T", "y"]));
    assert!(
        matches!(ops.as_slice(), [ApiOp::Proxy { method: "POST", path, .. }] if path == "/apis/v2beta1/runs/run-r4nn1:terminate"),
        "{ops:?}"
    );
    // Retry: only a failed run, through KFP's :retry.
    let ops = api_ops(&press(&mut s, &["ctrl-y"]));
    assert!(ops.is_empty());
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("only a failed run"))
    );
    select(&mut s, "Run of training-pipeline (f41ed)");
    let ops = api_ops(&press(&mut s, &["ctrl-y"]));
    assert!(
        matches!(ops.as_slice(), [ApiOp::Proxy { path, .. }] if path == "/apis/v2beta1/runs/run-f41ed:retry"),
        "{ops:?}"
    );
    // Nothing runs to terminate in a run only the KFP API knows.
    select(&mut s, "an old run");
    press(&mut s, &["T"]);
    assert!(s.confirm.is_none());
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("exists only in the KFP API"))
    );
    // Deleting goes through the KFP API.
    let ops = api_ops(&press(&mut s, &["ctrl-d", "y"]));
    assert!(
        matches!(ops.as_slice(), [ApiOp::Proxy { method: "DELETE", path, .. }] if path == "/apis/v2beta1/runs/run-gc"),
        "{ops:?}"
    );
    press(&mut s, &["/"]);
    kftui::testing::type_text(&mut s, "archived");
    press(&mut s, &["enter"]);
    assert_eq!(list(&s).table.rows.len(), 1, "{}", render(&s));
    press(&mut s, &["esc"]);
    // Archive: KFP's :archive, :unarchive for an archived run; refused
    // under --readonly with the reason.
    select(&mut s, "Run of training-pipeline (f41ed)");
    let ops = api_ops(&press(&mut s, &["A"]));
    assert!(
        matches!(ops.as_slice(), [ApiOp::Proxy { method: "POST", path, .. }] if path == "/apis/v2beta1/runs/run-f41ed:archive"),
        "{ops:?}"
    );
    press(&mut s, &["/"]);
    kftui::testing::type_text(&mut s, "archived");
    press(&mut s, &["enter"]);
    let ops = api_ops(&press(&mut s, &["A"]));
    assert!(
        matches!(ops.as_slice(), [ApiOp::Proxy { path, .. }] if path.ends_with(":unarchive")),
        "{ops:?}"
    );
    press(&mut s, &["esc"]);
    s.readonly = Some("read-only (--readonly)".into());
    select(&mut s, "Run of training-pipeline (f41ed)");
    let ops = api_ops(&press(&mut s, &["A"]));
    assert!(ops.is_empty());
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("cannot archive") && n.text.contains("read-only")),
        "{:?}",
        s.notice
    );
    s.readonly = None;
    // The run's page names the experiment too.
    select(&mut s, "Run of training-pipeline (f41ed)");
    press(&mut s, &["enter"]);
    assert!(render(&s).contains("Experiment training-experiments"));
}

#[test]
fn without_the_kfp_api_retry_says_it_needs_it() {
    let mut s = runs_state();
    select(&mut s, "Run of training-pipeline (f41ed)");
    let ops = api_ops(&press(&mut s, &["ctrl-y"]));
    assert!(ops.is_empty());
    let text = s.notice.clone().expect("notice").text;
    assert!(
        text.contains("retry needs the KFP API") && text.contains("no endpoints available"),
        "{text}"
    );
    let ops = api_ops(&press(&mut s, &["A"]));
    assert!(ops.is_empty());
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("archive needs the KFP API")),
        "{:?}",
        s.notice
    );
    let ops = api_ops(&press(&mut s, &["n"]));
    assert!(ops.is_empty());
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("a new run needs the KFP API")),
        "{:?}",
        s.notice
    );
    // Terminate falls back to the Workflow's spec.shutdown.
    select(&mut s, "Run of training-pipeline (r4nn1)");
    let ops = api_ops(&press(&mut s, &["T", "y"]));
    assert!(matches!(ops.as_slice(), [ApiOp::Patch { .. }]), "{ops:?}");
}

#[test]
fn pipelines_screen_says_why_the_kfp_api_is_not_there() {
    use kftui::views::runs::catalog::CatalogView;
    let root = registry::open("pipelines", None)
        .expect("a screen")
        .expect("opens");
    let mut s = state(root);
    let id = s
        .view()
        .as_any()
        .downcast_ref::<CatalogView>()
        .and_then(CatalogView::pending)
        .expect("asks the KFP API");
    assert!(render(&s).contains("asking the KFP API"));
    let html = kftui::kube::kfp::parse(
        "ml-pipeline",
        "kubeflow",
        8888,
        "<!DOCTYPE html><html><body>Log in to Kubeflow</body></html>",
    )
    .expect_err("HTML is not an answer");
    kftui::testing::send(
        &mut s,
        Msg::Api {
            id,
            what: "GET pipelines".into(),
            result: Err(html),
        },
    );
    s.size = (120, 40);
    let screen = render(&s);
    assert!(screen.contains("KFP API unavailable"), "{screen}");
    assert!(
        screen.contains("answered with an HTML page, not"),
        "{screen}"
    );
}

#[test]
fn new_run_form_checks_types_then_posts_the_run() {
    use kftui::views::runs::newrun::NewRunForm;
    let version = json!({"pipeline_id": "p1", "pipeline_version_id": "p1-v1",
        "pipeline_spec": {"root": {"inputDefinitions": {"parameters": {
            "epochs": {"parameterType": "NUMBER_INTEGER", "defaultValue": 5},
            "learning_rate": {"parameterType": "NUMBER_DOUBLE", "defaultValue": 0.01},
            "tag": {"parameterType": "STRING"}}}}}});
    let form = NewRunForm::new("ml-research", "p1", "training-pipeline", &version);
    let mut s = state(Box::new(form));
    let pending = |s: &State| {
        s.view()
            .as_any()
            .downcast_ref::<NewRunForm>()
            .expect("form")
            .pending()
    };
    let exp_req = pending(&s)[0];
    kftui::testing::send(
        &mut s,
        Msg::Api {
            id: exp_req,
            what: "GET experiments".into(),
            result: Ok(json!({"experiments": [
                {"experiment_id": "e0", "display_name": "Default"},
                {"experiment_id": "e1", "display_name": "training-experiments"}]})),
        },
    );
    let screen = render(&s);
    for want in [
        "[Run of training-pipeline]",
        "< Default >",
        "epochs",
        "[5]",
        "[0.01]",
        "NUMBER_INTEGER",
    ] {
        assert!(screen.contains(want), "{want}:\n{screen}");
    }
    // The experiment, then a bad value: nothing is sent, the value stays.
    press(&mut s, &["tab", "right", "tab", "x"]);
    let ops = api_ops(&press(&mut s, &["ctrl-s"]));
    assert!(ops.is_empty(), "{ops:?}");
    let screen = render(&s);
    assert!(
        screen.contains("✗ \"5x\" is not a whole number"),
        "{screen}"
    );
    assert!(screen.contains("< training-experiments >"), "{screen}");
    snap("run_new_form", &mut s);
    press(&mut s, &["backspace", "7"]);
    let ops = api_ops(&press(&mut s, &["ctrl-s"]));
    let body = match ops.as_slice() {
        [
            ApiOp::Proxy {
                method: "POST",
                path,
                body: Some(b),
                ..
            },
        ] if path == "/apis/v2beta1/runs" => b.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(body["experiment_id"], "e1");
    assert_eq!(
        body["pipeline_version_reference"]["pipeline_version_id"],
        "p1-v1"
    );
    assert_eq!(
        body["runtime_config"]["parameters"],
        json!({"epochs": 57, "learning_rate": 0.01, "tag": ""})
    );
    // Refused: the form stays with the values and says why.
    let id = pending(&s)[0];
    kftui::testing::send(
        &mut s,
        Msg::Api {
            id,
            what: "POST runs".into(),
            result: Err(ApiFailure::from_status(
                400,
                "BadRequest",
                "Invalid input error",
            )),
        },
    );
    let screen = render(&s);
    assert!(screen.contains("the KFP API refused the run"), "{screen}");
    assert!(screen.contains("[57]"), "{screen}");
    // Read-only: refused before sending.
    s.readonly = Some("read-only (--readonly)".into());
    let ops = api_ops(&press(&mut s, &["ctrl-s"]));
    assert!(ops.is_empty());
    assert!(render(&s).contains("cannot create runs: read-only"));
}

#[test]
fn a_failed_run_shows_the_last_lines_of_its_failed_step() {
    use kftui::kube::types::LogUpdate;
    let mut s = runs_state();
    select(&mut s, "Run of training-pipeline (f41ed)");
    press(&mut s, &["enter"]);
    let wf = detail(&s).row.wf.clone();
    let d = detail(&s);
    let failed = d.rows[3].id.clone();
    let pod_name = kftui::views::runs::detail::row_pod(&d.row, &failed).expect("a pod");
    let mut pod = kftui::testing::pod("ml-research", &pod_name, "Failed", 3 * 3600);
    pod.metadata.labels = Some(
        [(
            "workflows.argoproj.io/workflow".to_string(),
            "training-pipeline-f41ed".to_string(),
        )]
        .into(),
    );
    load(&mut s, kftui::views::runs::detail::pods_key(&wf), vec![pod]);
    let spec = detail(&s)
        .failed_logs
        .clone()
        .expect("asks for the log tail");
    assert_eq!(
        (spec.pod.as_str(), spec.container.as_deref(), spec.follow),
        (pod_name.as_str(), Some("main"), false)
    );
    assert!(kftui::app::update::subscriptions(&s).logs.contains(&spec));
    let lines = (0..6)
        .map(|i| format!("2025-06-01T09:02:3{i}Z epoch {i}: loss nan"))
        .chain(["2025-06-01T09:02:39Z RuntimeError: CUDA out of memory".to_string()])
        .collect();
    kftui::testing::send(&mut s, Msg::Logs(spec, LogUpdate::Lines(lines)));
    let screen = render(&s);
    assert!(
        screen.contains("│ RuntimeError: CUDA out of memory"),
        "{screen}"
    );
    assert!(
        !screen.contains("epoch 2:"),
        "only the last lines: {screen}"
    );
}

/// A KFP run of `n` tasks in a row (3 nodes each, about 3n nodes).
fn big_run(n: usize) -> kube::api::DynamicObject {
    let names: Vec<String> = (0..n).map(|i| format!("step-{i:04}")).collect();
    let leaked: Vec<&'static str> = names
        .into_iter()
        .map(|s| &*Box::leak(s.into_boxed_str()))
        .collect();
    let tasks: Vec<Task> = leaked
        .iter()
        .enumerate()
        .map(|(i, name)| Task {
            name,
            phase: if i + 1 == n { "Running" } else { "Succeeded" },
            exit: (i + 1 < n).then_some(0),
        })
        .collect();
    kfp_run("big-run-00001", "Running", 3600, &tasks, &leaked)
}

#[test]
fn a_run_of_2000_nodes_lays_out_and_draws_in_time() {
    let wf = big_run(666);
    let started = std::time::Instant::now();
    let d = Dag::from_workflow("big-run-00001", &wf.data);
    let rows = dag::rows(&d, false);
    let layout = started.elapsed();
    assert!(d.nodes.len() >= 2000, "{}", d.nodes.len());
    assert_eq!(rows.len(), 667, "the root and one row per task");
    let started = std::time::Instant::now();
    let mut s = state(Box::new(RunDetail::new(std::sync::Arc::new(wf))));
    s.size = (120, 40);
    let _ = render(&s);
    let first_frame = started.elapsed();
    let mut frames = Vec::new();
    for _ in 0..30 {
        press(&mut s, &["j"]);
        let t = std::time::Instant::now();
        let _ = render(&s);
        frames.push(t.elapsed());
    }
    frames.sort();
    let p99 = frames[frames.len() - 1];
    eprintln!(
        "2000-node run (debug build): layout {layout:?}, open to first frame {first_frame:?}, frame max of 30 {p99:?}"
    );
    // Generous bounds for an unoptimised build on a shared machine.
    assert!(layout < std::time::Duration::from_secs(2), "{layout:?}");
    assert!(p99 < std::time::Duration::from_secs(1), "{p99:?}");
}
