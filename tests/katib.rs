//! The Katib screens over fixture data: the experiments table (state with
//! reason, objective, trial counts, best trial, duration), the experiment
//! detail (header, trials table with a column per parameter and metric, the
//! best trial marked, sorting, the running/failed filter, both charts, live
//! update as a trial finishes), the trial detail (assignments, metrics, why
//! a failed trial has none, pods, worker and collector logs), and delete
//! with confirmation and the read-only refusal. Snapshots at 80x24 and
//! 120x40.

use kftui::app::effect::Effect;
use kftui::app::msg::Msg;
use kftui::app::state::State;
use kftui::kube::kinds;
use kftui::kube::types::{ApiOp, WatchKey, WatchUpdate};
use kftui::testing::{load, obj, press, render, send, state};
use kftui::views::katib::detail::{ExperimentDetail, trials_key};
use kftui::views::katib::trial::{TrialDetail, pods_key};
use kftui::views::katib::{self, ExperimentsView};
use kftui::views::logs::LogsView;
use kftui::views::registry;
use kube::api::DynamicObject;
use serde_json::{Value, json};

const NS: &str = "ml-research";

fn cond(t: &str, status: &str, reason: &str, msg: &str, at: &str) -> Value {
    json!({"type": t, "status": status, "reason": reason, "message": msg,
           "lastTransitionTime": at, "lastUpdateTime": at})
}

fn experiment_spec(algorithm: &str) -> Value {
    json!({
        "objective": {"type": "minimize", "goal": 0.001, "objectiveMetricName": "loss",
                      "additionalMetricNames": ["accuracy"],
                      "metricStrategies": [{"name": "loss", "value": "min"}, {"name": "accuracy", "value": "max"}]},
        "algorithm": {"algorithmName": algorithm, "algorithmSettings": [{"name": "random_state", "value": "10"}]},
        "parallelTrialCount": 3, "maxTrialCount": 12, "maxFailedTrialCount": 3,
        "parameters": [
            {"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.01", "max": "0.05"}},
            {"name": "batch_size", "parameterType": "int", "feasibleSpace": {"min": "80", "max": "100"}},
        ],
        "trialTemplate": {"primaryContainerName": "training-container",
            "trialParameters": [{"name": "learningRate", "reference": "lr"}, {"name": "batchSize", "reference": "batch_size"}],
            "trialSpec": {"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": {"containers": [
                {"name": "training-container", "image": "docker.io/kubeflowkatib/pytorch-mnist-cpu:v0.19.0",
                 "command": ["python3", "/opt/train.py", "--lr=${trialParameters.learningRate}"],
                 "args": ["--batch-size=${trialParameters.batchSize}"],
                 "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}}}}},
    })
}

fn experiment(name: &str, uid: &str, status: Value) -> DynamicObject {
    obj(json!({
        "apiVersion": "kubeflow.org/v1beta1", "kind": "Experiment",
        "metadata": {"name": name, "namespace": NS, "uid": uid, "creationTimestamp": "2025-06-01T11:00:00Z"},
        "spec": experiment_spec("random"),
        "status": status,
    }))
}

/// (name, lr, batch, loss, accuracy, minute finished) of the finished trials.
const DONE: &[(&str, &str, &str, &str, &str, u32)] = &[
    ("random-t1", "0.0412", "88", "0.2915", "0.9012", 10),
    ("random-t2", "0.0125", "97", "0.1203", "0.9431", 11),
    ("random-t3", "0.0333", "81", "0.2240", "0.9120", 12),
    ("random-t4", "0.0188", "92", "0.0871", "0.9603", 20),
    ("random-t5", "0.0477", "99", "0.3302", "0.8890", 21),
    ("random-t6", "0.0261", "85", "0.1544", "0.9377", 30),
];

fn trial(name: &str, lr: &str, bs: &str, status: Value) -> DynamicObject {
    obj(json!({
        "apiVersion": "kubeflow.org/v1beta1", "kind": "Trial",
        "metadata": {"name": name, "namespace": NS, "uid": format!("t-{name}"),
                     "creationTimestamp": "2025-06-01T11:05:00Z",
                     "labels": {"katib.kubeflow.org/experiment": "random"}},
        "spec": {"parameterAssignments": [{"name": "lr", "value": lr}, {"name": "batch_size", "value": bs}],
                 "primaryContainerName": "training-container",
                 "metricsCollector": {"collector": {"kind": "StdOut"}},
                 "runSpec": {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
                             "spec": {"template": {"spec": {"containers": [
                                 {"name": "training-container", "image": "docker.io/kubeflowkatib/pytorch-mnist-cpu:v0.19.0",
                                  "command": ["python3", "/opt/train.py", format!("--lr={lr}"), format!("--batch-size={bs}")]}]}}}}},
        "status": status,
    }))
}

fn done_trial(t: &(&str, &str, &str, &str, &str, u32)) -> DynamicObject {
    let (name, lr, bs, loss, acc, min) = *t;
    let end = format!("2025-06-01T11:{min:02}:00Z");
    trial(
        name,
        lr,
        bs,
        json!({"startTime": "2025-06-01T11:05:10Z", "completionTime": end,
               "conditions": [cond("Created", "True", "TrialCreated", "Trial is created", "2025-06-01T11:05:00Z"),
                              cond("Running", "False", "TrialRunning", "Trial is running", &end),
                              cond("Succeeded", "True", "TrialSucceeded", "Trial has succeeded", &end)],
               "observation": {"metrics": [
                   {"name": "loss", "min": loss, "max": "0.9", "latest": loss},
                   {"name": "accuracy", "min": "0.5", "max": acc, "latest": acc}]}}),
    )
}

fn trials() -> Vec<DynamicObject> {
    let mut out: Vec<DynamicObject> = DONE.iter().map(done_trial).collect();
    out.push(trial(
        "random-t7",
        "0.0299",
        "90",
        json!({"startTime": "2025-06-01T11:50:00Z", "conditions": [
            cond("Created", "True", "TrialCreated", "Trial is created", "2025-06-01T11:50:00Z"),
            cond("Running", "True", "TrialRunning", "Trial is running", "2025-06-01T11:50:00Z")]}),
    ));
    out.push(trial(
        "random-t8",
        "0.0101",
        "83",
        json!({"startTime": "2025-06-01T11:31:00Z", "completionTime": "2025-06-01T11:40:00Z", "conditions": [
            cond("Created", "True", "TrialCreated", "Trial is created", "2025-06-01T11:31:00Z"),
            cond("Running", "False", "TrialRunning", "Trial is running", "2025-06-01T11:40:00Z"),
            cond("MetricsUnavailable", "True", "MetricsUnavailable", "Metrics are not available", "2025-06-01T11:40:00Z")],
            "observation": {"metrics": [{"name": "loss", "min": "unavailable", "max": "unavailable", "latest": "unavailable"}]}}),
    ));
    out
}

fn best() -> Value {
    json!({"bestTrialName": "random-t4",
           "parameterAssignments": [{"name": "lr", "value": "0.0188"}, {"name": "batch_size", "value": "92"}],
           "observation": {"metrics": [{"name": "loss", "min": "0.0871", "max": "0.9", "latest": "0.0871"},
                                       {"name": "accuracy", "min": "0.5", "max": "0.9603", "latest": "0.9603"}]}})
}

fn experiments() -> Vec<DynamicObject> {
    let running = experiment(
        "random",
        "e1",
        json!({"startTime": "2025-06-01T11:00:05Z", "trials": 8, "trialsSucceeded": 6, "trialsRunning": 1,
               "trialsFailed": 1, "currentOptimalTrial": best(),
               "conditions": [cond("Created", "True", "ExperimentCreated", "Experiment is created", "2025-06-01T11:00:00Z"),
                              cond("Running", "True", "ExperimentRunning", "Experiment is running", "2025-06-01T11:00:05Z")]}),
    );
    let done = experiment(
        "sweep-done",
        "e2",
        json!({"startTime": "2025-05-31T10:00:00Z", "completionTime": "2025-05-31T11:30:00Z",
               "trials": 12, "trialsSucceeded": 12, "currentOptimalTrial": best(),
               "conditions": [cond("Created", "True", "ExperimentCreated", "Experiment is created", "2025-05-31T10:00:00Z"),
                              cond("Running", "False", "ExperimentRunning", "Experiment is running", "2025-05-31T11:30:00Z"),
                              cond("Succeeded", "True", "ExperimentMaxTrialsReached", "Experiment has succeeded because max trial count has reached", "2025-05-31T11:30:00Z")]}),
    );
    let failed = experiment(
        "broken",
        "e3",
        json!({"startTime": "2025-06-01T11:10:00Z", "completionTime": "2025-06-01T11:20:00Z",
               "trials": 3, "trialsFailed": 3,
               "conditions": [cond("Created", "True", "ExperimentCreated", "Experiment is created", "2025-06-01T11:00:00Z"),
                              cond("Failed", "True", "ExperimentMaxFailedTrialsReached", "Experiment has failed because max failed count has reached", "2025-06-01T11:20:00Z")]}),
    );
    let fresh = obj(json!({
        "apiVersion": "kubeflow.org/v1beta1", "kind": "Experiment",
        "metadata": {"name": "fresh", "namespace": NS, "uid": "e4", "creationTimestamp": "2025-06-01T11:59:00Z"},
        "spec": experiment_spec("tpe"),
    }));
    vec![running, done, failed, fresh]
}

fn katib_state() -> State {
    let root = registry::open("katib", None)
        .expect("katib")
        .expect("opens");
    let mut s = state(root);
    let key = katib::key(&s.scope);
    load(&mut s, key, experiments());
    s
}

fn list(s: &State) -> &ExperimentsView {
    s.view()
        .as_any()
        .downcast_ref::<ExperimentsView>()
        .expect("experiments view")
}

fn select(s: &mut State, name: &str) {
    press(s, &["g"]);
    for _ in 0..10 {
        if list(s)
            .selected()
            .map(|r| kftui::views::columns::name(&r.obj))
            == Some(name)
        {
            return;
        }
        press(s, &["j"]);
    }
    panic!("no row {name}");
}

fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    screen.lines().find(|l| l.contains(name)).unwrap_or("")
}

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snap(name: &str, s: &mut State) {
    for (w, h) in SIZES {
        s.size = (w, h);
        let screen = render(s);
        insta::with_settings!({omit_expression => true}, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        });
    }
}

/// Opens the `random` experiment with its trials loaded.
fn open_detail() -> State {
    let mut s = katib_state();
    select(&mut s, "random");
    press(&mut s, &["enter"]);
    let exp = experiments().remove(0);
    load(&mut s, trials_key(&exp), trials());
    load(
        &mut s,
        kftui::views::katib::detail::suggestion_key(&exp),
        Vec::new(),
    );
    s
}

fn detail(s: &State) -> &ExperimentDetail {
    s.view()
        .as_any()
        .downcast_ref::<ExperimentDetail>()
        .expect("experiment detail")
}

#[test]
fn experiments_table_reads_state_objective_trials_and_best() {
    let mut s = katib_state();
    s.size = (160, 30);
    let screen = render(&s);
    let r = row(&screen, "│random ");
    for want in [
        "Running",
        "minimize loss → 0.001",
        "6/1/1/0/12",
        "0.0871 lr=0.0188 batch_size=92",
        "random",
        "59m",
    ] {
        assert!(r.contains(want), "{want} missing in {r:?}\n{screen}");
    }
    let r = row(&screen, "sweep-done");
    assert!(
        r.contains("Succeeded MaxTrialsReached") && r.contains("12/0/0/0/12") && r.contains("90m"),
        "{r}"
    );
    let r = row(&screen, "broken");
    assert!(
        r.contains("Failed MaxFailedTrialsReached") && r.contains("0/0/3/0/12"),
        "{r}"
    );
    // Never started: no duration, no best.
    let r = row(&screen, "fresh");
    assert!(r.contains("Created") && r.contains("tpe"), "{r}");
    assert!(
        r.matches(" - ").count() >= 2,
        "duration and best read '-': {r}"
    );
    snap("katib_list", &mut s);
}

#[test]
fn detail_shows_header_trials_with_best_marked_and_both_charts() {
    let mut s = open_detail();
    s.size = (120, 40);
    let screen = render(&s);
    for want in [
        "minimize loss → 0.001 · also accuracy · strategies loss=min accuracy=max",
        "random (random_state=10) · early stopping none · parallel 3 · max 12 · max failed 3",
        "lr double 0.01..0.05 · batch_size int 80..100",
        "6 succeeded · 1 running · 1 failed",
        "random-t4 loss=0.0871",
        "Created yes · Running yes",
        "loss per trial",
        "loss vs lr",
    ] {
        assert!(screen.contains(want), "{want} missing\n{screen}");
    }
    // One column per parameter and per metric; the best trial starred.
    let head = row(&screen, "TRIAL");
    for col in ["STATUS", "lr", "batch_size", "loss", "accuracy", "DURATION"] {
        assert!(head.contains(col), "{col} missing in {head}");
    }
    // Trial names without the experiment's prefix.
    let best = row(&screen, "│★ t4 ");
    assert!(best.contains("★ t4"), "{best}");
    assert!(
        best.contains("0.0188")
            && best.contains("92")
            && best.contains("0.0871")
            && best.contains("0.9603"),
        "{best}"
    );
    let failed = row(&screen, "│  t8 ");
    assert!(failed.contains("MetricsUnavailable"), "{failed}");
    // The progress chart holds the six finished trials in completion order.
    let d = detail(&s);
    let values: Vec<f64> = d.chart.values.iter().map(|p| p.1).collect();
    assert_eq!(values, vec![0.2915, 0.1203, 0.2240, 0.0871, 0.3302, 0.1544]);
    let best_line: Vec<f64> = d.chart.best.iter().map(|p| p.1).collect();
    assert_eq!(
        best_line,
        vec![0.2915, 0.1203, 0.1203, 0.0871, 0.0871, 0.0871]
    );
    assert_eq!(d.chart.goal, Some(0.001));
    assert_eq!(d.chart.scatter.len(), 6);
    assert!(!d.chart.log, "0.01..0.05 is not log scale");
    // Braille dots are drawn in the chart area.
    assert!(
        screen
            .chars()
            .any(|c| ('\u{2801}'..='\u{28ff}').contains(&c)),
        "{screen}"
    );
    snap("katib_detail", &mut s);
}

#[test]
fn sorting_filtering_param_cycling_and_live_update() {
    let mut s = open_detail();
    s.size = (120, 40);
    // Sort by loss (column 4: TRIAL, STATUS, lr, batch_size, loss).
    press(&mut s, &[">", ">", ">", ">"]);
    let names: Vec<String> = detail(&s)
        .table
        .rows
        .iter()
        .map(|t| t.name().to_string())
        .collect();
    assert_eq!(
        &names[..3],
        &["random-t4", "random-t2", "random-t6"],
        "{names:?}"
    );
    press(&mut s, &["<"]);
    // Reversed: trials without a loss, then the worst one.
    assert_eq!(detail(&s).table.rows[2].name(), "random-t5");
    // f: running, then failed, then all.
    press(&mut s, &["f"]);
    let shown: Vec<&str> = detail(&s).table.rows.iter().map(|t| t.name()).collect();
    assert_eq!(shown, vec!["random-t7"]);
    press(&mut s, &["f"]);
    let shown: Vec<&str> = detail(&s).table.rows.iter().map(|t| t.name()).collect();
    assert_eq!(shown, vec!["random-t8"]);
    assert!(render(&s).contains("trials[failed]"));
    press(&mut s, &["f"]);
    assert_eq!(detail(&s).table.rows.len(), 8);
    // p: the scatter moves to batch_size.
    press(&mut s, &["p"]);
    assert_eq!(detail(&s).chart.param, "batch_size");
    assert!(render(&s).contains("loss vs batch_size"));
    let xs: Vec<f64> = detail(&s).chart.scatter.iter().map(|p| p.0).collect();
    assert!(xs.contains(&92.0) && xs.contains(&88.0), "{xs:?}");
    press(&mut s, &["p"]);
    assert_eq!(detail(&s).chart.param, "lr");
    // A trial finishes: the chart and table follow without a key.
    let exp = experiments().remove(0);
    let finished = done_trial(&("random-t7", "0.0299", "90", "0.0500", "0.97", 55));
    send(
        &mut s,
        Msg::Watch(trials_key(&exp), WatchUpdate::Applied(finished)),
    );
    let d = detail(&s);
    assert_eq!(d.chart.values.len(), 7);
    assert_eq!(d.chart.best.last().map(|p| p.1), Some(0.05));
    let screen = render(&s);
    assert!(row(&screen, "│  t7 ").contains("Succeeded"), "{screen}");
}

#[test]
fn log_scale_for_a_space_over_orders_of_magnitude() {
    let mut s = katib_state();
    let mut exp = experiments().remove(0);
    exp.data["spec"]["parameters"][0]["feasibleSpace"] = json!({"min": "0.0001", "max": "0.1"});
    let key = katib::key(&s.scope);
    send(&mut s, Msg::Watch(key, WatchUpdate::Applied(exp.clone())));
    select(&mut s, "random");
    press(&mut s, &["enter"]);
    load(&mut s, trials_key(&exp), trials());
    let d = detail(&s);
    assert!(d.chart.log);
    let t4 = d
        .chart
        .scatter
        .iter()
        .find(|p| (p.1 - 0.0871).abs() < 1e-9)
        .expect("t4 point");
    assert!((t4.0 - 0.0188f64.log10()).abs() < 1e-9, "{t4:?}");
    s.size = (120, 40);
    assert!(render(&s).contains("loss vs lr (log)"));
}

fn trial_pod(name: &str, phase: &str) -> DynamicObject {
    obj(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{name}-x7k2p"), "namespace": NS, "uid": format!("p-{name}"),
                     "creationTimestamp": "2025-06-01T11:31:00Z",
                     "labels": {"katib.kubeflow.org/trial": name, "katib.kubeflow.org/experiment": "random"}},
        "spec": {"nodeName": "cpu-node-0", "containers": [{"name": "training-container", "image": "x"},
                                                          {"name": "metrics-logger-and-collector", "image": "y"}]},
        "status": {"phase": phase, "containerStatuses": [
            {"name": "training-container", "state": {"terminated": {"exitCode": 0}}},
            {"name": "metrics-logger-and-collector", "state": {"terminated": {"exitCode": 0}}}]},
    }))
}

fn open_trial(s: &mut State, name: &str) {
    let rows: Vec<String> = detail(s)
        .table
        .rows
        .iter()
        .map(|t| t.name().to_string())
        .collect();
    let at = rows.iter().position(|n| n == name).expect("trial row");
    press(s, &["g"]);
    for _ in 0..at {
        press(s, &["j"]);
    }
    press(s, &["enter"]);
    let t = trials()
        .into_iter()
        .find(|t| t.metadata.name.as_deref() == Some(name))
        .expect("trial");
    load(s, pods_key(&t), vec![trial_pod(name, "Succeeded")]);
    let key = kftui::views::katib::trial::trial_key(&t);
    load(s, key, trials());
}

fn trial_view(s: &State) -> &TrialDetail {
    s.view()
        .as_any()
        .downcast_ref::<TrialDetail>()
        .expect("trial detail")
}

#[test]
fn trial_detail_with_metrics_pods_and_logs() {
    let mut s = open_detail();
    open_trial(&mut s, "random-t4");
    s.size = (120, 40);
    let screen = render(&s);
    for want in [
        "Trial         ml-research/random-t4",
        "Status        Succeeded",
        "lr                      0.0188",
        "batch_size              92",
        "loss",
        "0.0871",
        "0.9603",
        "Succeeded           True",
        "Worker        Job random-t4 (batch/v1)",
        "Collector     StdOut",
        "random-t4-x7k2p",
        "training-container terminated exit 0",
    ] {
        assert!(screen.contains(want), "{want} missing\n{screen}");
    }
    assert_eq!(trial_view(&s).pods.len(), 1);
    snap("katib_trial", &mut s);
    // l: the worker container's log; m: the collector's.
    press(&mut s, &["l"]);
    let logs = s.view().as_any().downcast_ref::<LogsView>().expect("logs");
    assert_eq!(logs.pod, "random-t4-x7k2p");
    assert_eq!(logs.containers[logs.container], "training-container");
    press(&mut s, &["esc"]);
    press(&mut s, &["m"]);
    let logs = s.view().as_any().downcast_ref::<LogsView>().expect("logs");
    assert_eq!(
        logs.containers[logs.container],
        "metrics-logger-and-collector"
    );
}

#[test]
fn a_trial_without_metrics_says_why() {
    let mut s = open_detail();
    open_trial(&mut s, "random-t8");
    s.size = (120, 40);
    let screen = render(&s);
    assert!(
        screen.contains("Status        MetricsUnavailable"),
        "{screen}"
    );
    assert!(
        screen.contains("No metrics    the metrics collector found no value for loss (Metrics are not available)"),
        "{screen}"
    );
    assert!(screen.contains("unavailable"), "{screen}");
}

#[test]
fn delete_asks_names_the_trials_and_readonly_refuses() {
    let mut s = katib_state();
    select(&mut s, "random");
    let effects = press(&mut s, &["ctrl-d"]);
    assert!(
        effects.iter().all(|e| !matches!(e, Effect::Api { .. })),
        "asks first"
    );
    let confirm = s.confirm.clone().expect("confirmation");
    assert!(
        confirm.message.contains("ml-research/random")
            && confirm.message.contains("8 trial(s), their jobs and pods"),
        "{}",
        confirm.message
    );
    s.size = (80, 24);
    assert!(render(&s).contains("Delete Experiment"));
    let effects = press(&mut s, &["left", "enter"]);
    let target = effects.iter().find_map(|e| match e {
        Effect::Api {
            op: ApiOp::Delete { target, dry_run },
            ..
        } => Some((target.clone(), *dry_run)),
        _ => None,
    });
    let (target, dry) = target.expect("delete sent");
    assert_eq!(
        (target.name.as_str(), target.namespace.as_deref(), dry),
        ("random", Some(NS), false)
    );
    assert!(std::ptr::eq(target.kind, &kinds::EXPERIMENT));
    // Read-only: refused with the reason, nothing asked.
    s.readonly = Some("read-only mode (--readonly)".into());
    let effects = press(&mut s, &["ctrl-d"]);
    assert!(effects.iter().all(|e| !matches!(e, Effect::Api { .. })));
    assert!(s.confirm.is_none());
    let screen = render(&s);
    assert!(
        screen.contains("cannot delete random: read-only mode (--readonly)"),
        "{screen}"
    );
    let _: Option<WatchKey> = None;
}

fn creates(effects: &[Effect]) -> Vec<(u64, bool, Value)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Api {
                id,
                op:
                    ApiOp::Create {
                        kind,
                        dry_run,
                        body,
                        ..
                    },
            } if std::ptr::eq(*kind, &kinds::EXPERIMENT) => Some((*id, *dry_run, body.clone())),
            _ => None,
        })
        .collect()
}

fn exp_form(s: &State) -> &kftui::views::katib::form::ExperimentForm {
    s.view()
        .as_any()
        .downcast_ref::<kftui::views::katib::form::ExperimentForm>()
        .expect("experiment form")
}

#[test]
fn new_experiment_form_from_the_docs_example_refuses_bad_input_and_keeps_values() {
    use kftui::kube::errors::ApiFailure;
    use kftui::testing::type_text;
    use kftui::views::katib::form::{DEFAULT_PARAMS, E};
    let mut s = katib_state();
    press(&mut s, &["n"]);
    assert_eq!(s.breadcrumbs(), vec!["katib", "new experiment"]);
    snap("katib_form", &mut s);
    let body = exp_form(&s).body();
    assert_eq!(body["spec"]["algorithm"]["algorithmName"], "random");
    assert_eq!(
        body["spec"]["objective"],
        json!({"type": "minimize", "objectiveMetricName": "loss", "goal": 0.001})
    );
    assert_eq!(
        body["spec"]["parameters"],
        json!([
            {"name": "learning_rate", "parameterType": "double", "feasibleSpace": {"min": "0.01", "max": "0.05"}},
            {"name": "batch_size", "parameterType": "int", "feasibleSpace": {"min": "80", "max": "100"}},
        ])
    );
    assert_eq!(
        (
            body["spec"]["maxTrialCount"].clone(),
            body["spec"]["parallelTrialCount"].clone()
        ),
        (json!(12), json!(3))
    );
    let cmd = body["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]["containers"]
        [0]["command"]
        .to_string();
    assert!(
        cmd.contains("--lr=${trialParameters.learning_rate}"),
        "{cmd}"
    );
    assert_eq!(
        body["spec"]["trialTemplate"]["trialParameters"][1]["reference"],
        "batch_size"
    );

    // min > max: said on the field, nothing sent.
    press(
        &mut s,
        &["tab", "tab", "tab", "tab", "tab", "tab", "ctrl-u"],
    );
    assert_eq!(exp_form(&s).focus, E::Parameters);
    type_text(
        &mut s,
        "learning_rate double 0.05..0.01, batch_size int 80..100",
    );
    let effects = press(&mut s, &["ctrl-s"]);
    assert!(creates(&effects).is_empty());
    s.size = (120, 40);
    let screen = render(&s);
    assert!(
        screen.contains("'learning_rate': min 0.05 is greater than max 0.01"),
        "{screen}"
    );
    // A parameter the command uses is gone: the command is marked.
    press(&mut s, &["ctrl-u"]);
    type_text(&mut s, "learning_rate double 0.01..0.05");
    let effects = press(&mut s, &["ctrl-s"]);
    assert!(creates(&effects).is_empty());
    let f = exp_form(&s);
    assert_eq!(
        f.field(E::Command).error.as_deref(),
        Some("${trialParameters.batch_size} names no parameter")
    );
    // An empty categorical list.
    assert_eq!(exp_form(&s).focus, E::Command, "focus on the bad field");
    press(
        &mut s,
        &[
            "backtab", "backtab", "backtab", "backtab", "backtab", "backtab",
        ],
    );
    assert_eq!(exp_form(&s).focus, E::Parameters);
    press(&mut s, &["ctrl-u"]);
    type_text(
        &mut s,
        "learning_rate double 0.01..0.05, batch_size categorical |",
    );
    press(&mut s, &["ctrl-s"]);
    assert_eq!(
        exp_form(&s).field(E::Parameters).error.as_deref(),
        Some("'batch_size': the list of values is empty")
    );

    // Fixed: a dry run, then the create; a taken name keeps every value.
    press(&mut s, &["ctrl-u"]);
    type_text(&mut s, DEFAULT_PARAMS);
    let effects = press(&mut s, &["ctrl-s"]);
    let sent = creates(&effects);
    assert_eq!(sent.len(), 1, "{effects:?}");
    assert!(sent[0].1, "a dry run first");
    let effects = send(
        &mut s,
        Msg::Api {
            id: sent[0].0,
            what: String::new(),
            result: Ok(sent[0].2.clone()),
        },
    );
    let real = creates(&effects);
    assert_eq!(real.len(), 1);
    assert!(!real[0].1, "the real create");
    let conflict = ApiFailure::from_status(
        409,
        "AlreadyExists",
        "experiments.kubeflow.org \"random-search\" already exists",
    );
    send(
        &mut s,
        Msg::Api {
            id: real[0].0,
            what: String::new(),
            result: Err(conflict),
        },
    );
    let f = exp_form(&s);
    assert_eq!(f.focus, E::Name);
    assert_eq!(f.value(E::Parameters), DEFAULT_PARAMS);
    assert!(
        f.field(E::Name)
            .error
            .as_deref()
            .is_some_and(|e| e.contains("already exists"))
    );
    // The grid template brings steps.
    press(&mut s, &["backtab", "right"]);
    assert_eq!(exp_form(&s).value(E::Algorithm), "grid");
    assert!(exp_form(&s).value(E::Parameters).contains("/0.01"));

    // Read-only: the form does not open.
    press(&mut s, &["esc"]);
    s.readonly = Some("read-only mode (--readonly)".into());
    press(&mut s, &["n"]);
    assert_eq!(s.breadcrumbs(), vec!["katib"]);
    assert!(render(&s).contains("cannot create experiments: read-only mode"));
}

#[test]
fn train_with_the_best_opens_the_job_form_with_its_values() {
    use kftui::views::jobs::form::{J, JobForm};
    let mut s = open_detail();
    press(&mut s, &["t"]);
    let f = s
        .view()
        .as_any()
        .downcast_ref::<JobForm>()
        .expect("launch form");
    assert_eq!(f.value(J::Name), "random-best");
    assert_eq!(f.value(J::Template), "PyTorchJob DDP");
    assert_eq!(
        f.value(J::Image),
        "docker.io/kubeflowkatib/pytorch-mnist-cpu:v0.19.0"
    );
    assert_eq!(
        f.value(J::Command),
        "python3 /opt/train.py --lr=0.0188 --batch-size=92"
    );
    assert_eq!(
        (f.value(J::Workers).as_str(), f.value(J::Gpus).as_str()),
        ("1", "1")
    );
    let body = f.body();
    assert_eq!(
        body.pointer("/spec/pytorchReplicaSpecs/Worker/template/spec/containers/0/command"),
        Some(&json!([
            "python3",
            "/opt/train.py",
            "--lr=0.0188",
            "--batch-size=92"
        ]))
    );
    // From any trial: its own values.
    press(&mut s, &["esc"]);
    open_trial(&mut s, "random-t2");
    press(&mut s, &["t"]);
    let f = s
        .view()
        .as_any()
        .downcast_ref::<JobForm>()
        .expect("launch form");
    assert_eq!(
        f.value(J::Command),
        "python3 /opt/train.py --lr=0.0125 --batch-size=97"
    );
    // Read-only: refused with the reason.
    press(&mut s, &["esc"]);
    s.readonly = Some("read-only mode (--readonly)".into());
    press(&mut s, &["t"]);
    assert!(s.view().as_any().downcast_ref::<TrialDetail>().is_some());
    assert!(render(&s).contains("cannot launch a training job: read-only mode"));
}

fn p99(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 * 0.99).ceil() as usize).min(v.len()) - 1]
}

/// Bench (printed): an experiment with 10,000 trials: open to first frame,
/// frame p99 with the charts visible, a finished trial to screen p99.
#[test]
fn bench_ten_thousand_trials() {
    use std::time::Instant;
    let many: Vec<DynamicObject> = (0..10_000u32)
        .map(|i| {
            let lr = format!("{:.4}", 0.01 + f64::from(i % 400) * 0.0001);
            let bs = format!("{}", 80 + i % 21);
            let loss = format!("{:.4}", 0.05 + f64::from((i * 7919) % 1000) / 2000.0);
            let min = i % 60;
            let mut t = done_trial(&("x", "0", "0", "0", "0.9", min));
            t.metadata.name = Some(format!("random-{i:05}"));
            t.metadata.uid = Some(format!("u-{i}"));
            t.data["spec"]["parameterAssignments"] =
                json!([{"name": "lr", "value": lr}, {"name": "batch_size", "value": bs}]);
            t.data["status"]["observation"]["metrics"][0] =
                json!({"name": "loss", "min": loss, "max": loss, "latest": loss});
            t
        })
        .collect();
    let mut s = katib_state();
    s.size = (120, 40);
    select(&mut s, "random");
    let exp = experiments().remove(0);
    let t0 = Instant::now();
    press(&mut s, &["enter"]);
    load(&mut s, trials_key(&exp), many.clone());
    let first = render(&s);
    let open_ms = t0.elapsed().as_secs_f64() * 1e3;
    assert_eq!(detail(&s).table.rows.len(), 10_000);
    assert_eq!(detail(&s).chart.values.len(), 10_000);
    assert!(first.contains("loss per trial"), "{first}");
    let mut frames = Vec::new();
    for _ in 0..60 {
        let t = Instant::now();
        let _ = render(&s);
        frames.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let mut updates = Vec::new();
    for i in 0..40u32 {
        let mut t = many[i as usize].clone();
        t.data["status"]["observation"]["metrics"][0] = json!({"name": "loss", "min": "0.01", "max": "0.01", "latest": format!("{:.4}", 0.04 - f64::from(i) * 0.0005)});
        let start = Instant::now();
        send(
            &mut s,
            Msg::Watch(trials_key(&exp), WatchUpdate::Applied(t)),
        );
        let _ = render(&s);
        updates.push(start.elapsed().as_secs_f64() * 1e3);
    }
    assert_eq!(
        detail(&s).chart.best.last().map(|p| p.1),
        Some(0.01),
        "the strategy (min) picks the min"
    );
    println!(
        "katib bench (10,000 trials, 120x40, {} build): open to first frame {open_ms:.1} ms, frame p99 {:.2} ms, finished trial to screen p99 {:.2} ms",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        p99(frames),
        p99(updates)
    );
}

#[test]
fn suggestion_state_and_a_failing_suggestion_service_is_the_problem() {
    use kftui::views::katib::detail::suggestion_key;
    let mut s = open_detail();
    s.size = (120, 40);
    let exp = experiments().remove(0);
    let sugg = |ready: &str, msg: &str| {
        obj(json!({
            "apiVersion": "kubeflow.org/v1beta1", "kind": "Suggestion",
            "metadata": {"name": "random", "namespace": NS, "uid": "s1", "creationTimestamp": "2025-06-01T11:00:00Z"},
            "spec": {"algorithm": {"algorithmName": "random"}, "requests": 8},
            "status": {"suggestionCount": 8, "conditions": [
                cond("Created", "True", "SuggestionCreated", "Suggestion is created", "2025-06-01T11:00:00Z"),
                cond("DeploymentReady", ready, "DeploymentNotReady", msg, "2025-06-01T11:00:00Z"),
                cond("Running", "True", "SuggestionRunning", "Suggestion is running", "2025-06-01T11:00:00Z")]},
        }))
    };
    load(
        &mut s,
        suggestion_key(&exp),
        vec![sugg("True", "Deployment is ready")],
    );
    let screen = render(&s);
    let line = row(&screen, "Suggestion");
    assert!(
        line.contains("random · 8 suggestion(s) · Running"),
        "{screen}"
    );
    assert!(!line.contains("not ready"), "{line}");
    load(
        &mut s,
        suggestion_key(&exp),
        vec![sugg(
            "False",
            "Deployment does not have minimum availability",
        )],
    );
    let screen = render(&s);
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines[2].contains("Status"), "{screen}");
    assert!(
        lines[3].contains("Suggestion")
            && lines[3]
                .contains("service not ready: Deployment does not have minimum availability"),
        "right under the status:\n{screen}"
    );
}
