//! The Katib screens against the API emulator over real HTTP, through the
//! real runtime: the demo experiments listed with their reasons; a
//! random search created from the `n` form (the docs example, minimize loss)
//! watched to Succeeded with the
//! best trial marked and the chart holding every finished trial; an
//! experiment whose metric the workers never print failing with
//! MetricsUnavailable trials that say why; delete with confirmation.

use kftui::app::runtime::Runtime;
use kftui::app::state::{Connection, Scope, State};
use kftui::kube::client;
use kftui::testing::state;
use kftui::views::katib::detail::ExperimentDetail;
use kftui::views::registry;
use kftui_emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};

mod common;

use common::driver::Driver;

const NS: &str = "ml-research";

fn experiment(name: &str, metric: &str, max: u32, max_failed: u32) -> Value {
    json!({
        "apiVersion": "kubeflow.org/v1beta1", "kind": "Experiment",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "objective": {"type": "minimize", "goal": 0.001, "objectiveMetricName": metric},
            "algorithm": {"algorithmName": "random"},
            "parallelTrialCount": 2, "maxTrialCount": max, "maxFailedTrialCount": max_failed,
            "parameters": [
                {"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.01", "max": "0.05"}},
                {"name": "batch_size", "parameterType": "int", "feasibleSpace": {"min": "80", "max": "100"}},
            ],
            "trialTemplate": {
                "primaryContainerName": "training-container",
                "trialParameters": [
                    {"name": "learningRate", "reference": "lr"},
                    {"name": "batchSize", "reference": "batch_size"},
                ],
                "trialSpec": {"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": {
                    "containers": [{"name": "training-container", "image": "docker.io/kubeflowkatib/mxnet-mnist:v0.19.0",
                        "command": ["python3", "/opt/mxnet-mnist/mnist.py", "--epochs=1",
                                    "--lr=${trialParameters.learningRate}",
                                    "--batch-size=${trialParameters.batchSize}"]}],
                    "restartPolicy": "Never"}}}},
            },
        },
    })
}

fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    let cell = format!("│{name} ");
    screen.lines().find(|l| l.contains(&cell)).unwrap_or("")
}

fn detail(s: &State) -> Option<&ExperimentDetail> {
    s.view().as_any().downcast_ref::<ExperimentDetail>()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn experiments_run_to_the_end_with_the_best_marked_and_delete() {
    let emu = Emulator::start(EmulatorConfig {
        speed: 10.0,
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts");
    let kubeconfig = emu.kubeconfig();
    let (kc, info) = client::connect(&kubeconfig, None).await.expect("connects");
    let root = registry::open("katib", None)
        .expect("screen")
        .expect("opens");
    let mut s = state(root);
    s.size = (120, 40);
    s.scope = Scope::Namespace(NS.into());
    s.connection = Connection::Connected(info);
    let mut d = Driver::new(Runtime::new(Some(kc), Some(kubeconfig), None), s);

    // The demo experiments, with the controller's reason.
    let screen = d
        .until("demo experiments", 30, |_, scr| {
            row(scr, "mnist-random").contains("Succeeded MaxTrialsReached")
        })
        .await;
    assert!(
        row(&screen, "mnist-random").contains("12/0/0/0/12"),
        "{screen}"
    );
    assert!(
        row(&screen, "mnist-random").contains("maximize accuracy → 0.99"),
        "{screen}"
    );

    // Someone creates two experiments.
    let api: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(
        emu.client(kftui_emulator::DemoUser::Admin)
            .await
            .expect("client"),
        NS,
        &kube::discovery::ApiResource::from_gvk_with_plural(
            &kube::core::GroupVersionKind::gvk("kubeflow.org", "v1beta1", "Experiment"),
            "experiments",
        ),
    );
    api.create(
        &kube::api::PostParams::default(),
        &serde_json::from_value(experiment("live-f1", "f1_score", 4, 2)).expect("object"),
    )
    .await
    .expect("created");

    // The docs' random search from the form, 4 trials 2 at a time: the
    // form closes onto the new experiment, watched to the end.
    d.keys(&["n", "tab", "ctrl-u"]);
    d.text("live-loss");
    d.keys(&["tab", "tab", "tab", "tab", "tab", "tab", "ctrl-u"]);
    d.text("4");
    d.keys(&["tab", "ctrl-u"]);
    d.text("2");
    d.keys(&["ctrl-s"]);
    let screen = d
        .until("live-loss finished with 4 charted trials", 90, |s, scr| {
            detail(s).is_some_and(|v| v.chart.values.len() == 4)
                && scr.contains("Succeeded MaxTrialsReached")
        })
        .await;
    assert_eq!(d.s.breadcrumbs(), vec!["katib", "live-loss"]);
    let v = detail(&d.s).expect("detail");
    let best = v.row.best.clone().expect("best trial");
    let lowest = v
        .trials
        .iter()
        .filter_map(|t| Some((t.metric(&v.row.objective, "loss")?, t.name().to_string())))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .expect("losses");
    assert_eq!(
        best.trial, lowest.1,
        "currentOptimalTrial has the lowest loss"
    );
    assert_eq!(v.chart.best.last().map(|p| p.1), Some(lowest.0));
    assert!(
        screen.contains(&format!(
            "★ {}",
            best.trial.trim_start_matches("live-loss-")
        )),
        "best marked:\n{screen}"
    );
    assert!(screen.contains("loss per trial") && screen.contains("loss vs learning_rate"));
    // Trial commands carried the sampled values into the worker.
    let t = v.trials.first().expect("a trial");
    let lr = t.param("learning_rate").expect("lr").to_string();
    let cmd = t.obj.data["spec"]["runSpec"]["spec"]["template"]["spec"]["containers"][0]["command"]
        .to_string();
    assert!(cmd.contains(&format!("--lr={lr}")), "{cmd}");

    // Train with the best: the job form, pre-filled, launched; the job's
    // command carries the best trial's values.
    let best_lr = v
        .trials
        .iter()
        .find(|t| t.name() == best.trial)
        .and_then(|t| t.param("learning_rate"))
        .expect("best lr")
        .to_string();
    d.keys(&["t", "ctrl-s"]);
    d.until("job launched", 30, |s, _| {
        s.breadcrumbs().last().map(String::as_str) == Some("live-loss-best")
    })
    .await;
    let jobs: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(
        emu.client(kftui_emulator::DemoUser::Admin)
            .await
            .expect("client"),
        NS,
        &kube::discovery::ApiResource::from_gvk_with_plural(
            &kube::core::GroupVersionKind::gvk("kubeflow.org", "v1", "PyTorchJob"),
            "pytorchjobs",
        ),
    );
    let job = jobs.get("live-loss-best").await.expect("job created");
    let cmd = job.data["spec"]["pytorchReplicaSpecs"]["Master"]["template"]["spec"]["containers"]
        [0]["command"]
        .to_string();
    assert!(cmd.contains(&format!("--lr={best_lr}")), "{cmd}");
    assert!(!cmd.contains("trialParameters"), "{cmd}");

    // The f1 experiment: no worker prints f1_score, so its trials have no
    // metrics and it fails at maxFailedTrialCount.
    d.keys(&["esc", "esc"]);
    let screen = d
        .until("live-f1 failed", 60, |_, scr| {
            row(scr, "live-f1").contains("Failed MaxFailedTrialsReached")
        })
        .await;
    assert!(row(&screen, "live-f1").contains("/2/0/4"), "{screen}");
    // Open its failed trial.
    d.keys(&["/"]);
    d.text("live-f1");
    d.keys(&["enter", "enter"]);
    d.until("f1 trials", 30, |s, _| {
        detail(s).is_some_and(|v| v.trials.len() >= 2)
    })
    .await;
    d.keys(&["f", "f", "g", "enter"]);
    let screen = d
        .until("why no metrics", 30, |_, scr| scr.contains("No metrics"))
        .await;
    assert!(
        screen.contains("the metrics collector found no value for f1_score"),
        "{screen}"
    );
    assert!(
        screen.contains("Status        MetricsUnavailable"),
        "{screen}"
    );

    // Delete live-loss from the list, confirmed.
    d.keys(&["esc", "esc", "esc", "esc", "/"]);
    d.text("live-loss");
    d.keys(&["enter", "ctrl-d"]);
    assert!(
        d.s.confirm
            .as_ref()
            .is_some_and(|c| c.message.contains("4 trial(s)")),
        "{:?}",
        d.s.confirm
    );
    d.keys(&["left", "enter"]);
    d.until("live-loss gone", 30, |_, scr| {
        row(scr, "live-loss").is_empty()
    })
    .await;
    let left = api.get_opt("live-loss").await.expect("get");
    assert!(left.is_none(), "deleted on the server");
}
