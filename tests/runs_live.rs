//! The runs screens against the API emulator over real HTTP, through the
//! real runtime: the demo runs listed by their KFP names, the failed run's
//! tree with its failed step found and its logs, a running run advancing on
//! screen with no key pressed, terminate (the emulator's Argo controller
//! honours `spec.shutdown`) and delete with confirmation. One emulator.

use kftui::app::runtime::Runtime;
use kftui::app::state::{Connection, Scope, State};
use kftui::kube::client;
use kftui::testing::state;
use kftui::views::logs::LogsView;
use kftui::views::registry;
use kftui::views::runs::RunsView;
use kftui::views::runs::detail::RunDetail;
use kftui_emulator::{Emulator, EmulatorConfig};

mod common;

use common::driver::Driver;

fn row<'a>(screen: &'a str, text: &str) -> &'a str {
    screen.lines().find(|l| l.contains(text)).unwrap_or("")
}

fn select_run(d: &mut Driver, text: &str) {
    d.keys(&["/"]);
    d.keys(&["ctrl-u"]);
    d.text(text);
    d.keys(&["enter"]);
}

fn progress(s: &State) -> Option<(usize, usize)> {
    s.view()
        .as_any()
        .downcast_ref::<RunDetail>()
        .and_then(|d| d.row.summary.progress)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_runs_trees_logs_terminate_and_delete() {
    let emu = Emulator::start(EmulatorConfig {
        speed: 4.0,
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts");
    let kubeconfig = emu.kubeconfig();
    let (client, info) = client::connect(&kubeconfig, None).await.expect("connects");
    let root = registry::open("runs", None)
        .expect("screen")
        .expect("opens");
    let mut s = state(root);
    s.size = (120, 40);
    s.scope = Scope::Namespace("ml-research".into());
    s.connection = Connection::Connected(info);
    let rt = Runtime::new(Some(client), Some(kubeconfig), None);
    let mut d = Driver::new(rt, s);

    // The list: three demo runs in ml-research, by their KFP run names.
    d.until("the demo runs", 30, |s, _| {
        s.view()
            .as_any()
            .downcast_ref::<RunsView>()
            .is_some_and(|v| v.table.rows.len() >= 3)
    })
    .await;
    // The KFP API answers through the service proxy: the source says so and
    // the runs have their experiments.
    let screen = d
        .until("the KFP API's answer", 30, |_, scr| {
            scr.contains("source: KFP API (ml-pipeline.kubeflow:8888")
                && scr.contains("training-experiments")
        })
        .await;
    assert!(
        row(&screen, "✖ Failed").contains("training-experiments"),
        "{screen}"
    );
    let failed = row(&screen, "✖ Failed");
    assert!(failed.contains("Run of training-pipeline ("), "{screen}");
    assert!(failed.contains("3/4"), "three of four tasks ran: {failed}");
    assert!(row(&screen, "✔ Succeeded").contains("4/4"), "{screen}");

    // The failed run: the tree, the failed step found, its logs.
    select_run(&mut d, "failed");
    d.keys(&["enter"]);
    d.until("the failed run's tree", 10, |_, scr| {
        scr.contains("└─✖ train-model")
    })
    .await;
    let screen = d
        .until("the failed step's last log lines", 30, |_, scr| {
            scr.lines()
                .any(|l| l.contains("│ Error: step") && l.contains("failed: exit status 1"))
        })
        .await;
    for want in [
        "✔ load-data",
        "✔ preprocess",
        "✖ train-model failed: exit code 1",
    ] {
        assert!(screen.contains(want), "{want}:\n{screen}");
    }
    assert!(!screen.contains("driver"), "plumbing folded:\n{screen}");
    d.keys(&["f", "l"]);
    let screen = d
        .until("the failed step's logs", 30, |_, scr| {
            scr.contains("failed: exit status 1")
        })
        .await;
    let logs =
        d.s.view()
            .as_any()
            .downcast_ref::<LogsView>()
            .expect("logs view");
    assert_eq!(logs.spec().container.as_deref(), Some("main"), "{screen}");
    assert!(logs.spec().pod.contains("system-container-impl"));
    d.keys(&["esc", "esc", "esc"]);

    // The running run advances with no key pressed.
    select_run(&mut d, "running");
    d.keys(&["enter"]);
    d.until("the running run's tree", 10, |s, _| progress(s).is_some())
        .await;
    let (first, total) = progress(&d.s).expect("progress");
    assert!(first < total, "{first}/{total}");
    d.until("a task finishing", 60, |s, _| {
        progress(s).is_some_and(|(done, _)| done > first)
    })
    .await;

    // Terminate: confirmed, then Argo (the emulator) fails the run with
    // its shutdown message.
    d.keys(&["T"]);
    let screen = d.until("the dialog", 5, |s, _| s.confirm.is_some()).await;
    assert!(screen.contains("Terminate run"), "{screen}");
    d.keys(&["y"]);
    let screen = d
        .until("the run terminated", 30, |_, scr| {
            scr.contains("Stopped with strategy 'Terminate'")
        })
        .await;
    assert!(screen.contains("✖ Failed"), "{screen}");
    assert!(
        !screen.contains("status.nodes:"),
        "a well-formed map:\n{screen}"
    );
    assert!(
        screen.contains("workflow shutdown with strategy:  Terminate"),
        "the killed step says why:\n{screen}"
    );

    // Retry through the KFP API: the terminated run runs again.
    d.keys(&["ctrl-y"]);
    let screen = d
        .until("the retried run running", 30, |_, scr| {
            scr.contains("Status     ● Running")
        })
        .await;
    assert!(!screen.contains("Stopped with strategy"), "{screen}");

    // Delete with confirmation: the run's page says it is gone.
    d.keys(&["ctrl-d", "y"]);
    d.until("the run deleted", 30, |_, scr| {
        scr.contains("no longer exists")
    })
    .await;
    d.keys(&["esc"]);
    let screen = d
        .until("the list without it", 10, |s, _| {
            s.view()
                .as_any()
                .downcast_ref::<RunsView>()
                .is_some_and(|v| v.table.total == 2)
        })
        .await;
    assert!(!screen.contains("Stopped with"), "{screen}");

    // A run whose Workflow is garbage-collected stays listed from the KFP
    // API, saying so.
    let wfs: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(
        emu.client(kftui_emulator::DemoUser::Admin)
            .await
            .expect("client"),
        "ml-research",
        &kftui::kube::kinds::WORKFLOW.api_resource(),
    );
    let done = wfs
        .list(&kube::api::ListParams::default().labels("workflows.argoproj.io/phase=Succeeded"))
        .await
        .expect("list")
        .items
        .into_iter()
        .next()
        .expect("a succeeded run");
    let gone = done
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("pipelines.kubeflow.org/run_name"))
        .cloned()
        .expect("a run name");
    wfs.delete(
        done.metadata.name.as_deref().unwrap_or_default(),
        &Default::default(),
    )
    .await
    .expect("deleted");
    d.keys(&["esc", "ctrl-r"]);
    select_run(&mut d, &gone);
    let screen = d
        .until("the run from the KFP API alone", 30, |s, _| {
            s.view()
                .as_any()
                .downcast_ref::<RunsView>()
                .is_some_and(|v| {
                    v.table.rows.iter().any(|r| {
                        r.summary.display == gone
                            && r.wf
                                .metadata
                                .uid
                                .as_deref()
                                .is_some_and(|u| u.starts_with("kfp-"))
                    })
                })
        })
        .await;
    assert!(
        row(&screen, &format!("│{gone}")).contains("✔ Succeeded"),
        "{screen}"
    );
    d.keys(&["enter"]);
    let screen = d
        .until("its page", 10, |_, scr| {
            scr.contains("Its Workflow is gone")
        })
        .await;
    assert!(screen.contains("Status     ✔ Succeeded"), "{screen}");
    d.keys(&["esc", "esc"]);

    // A new run through the KFP API with a parameter: a Workflow the
    // controller runs to the end, listed under its display name.
    let client = emu
        .client(kftui_emulator::DemoUser::Admin)
        .await
        .expect("client");
    let ep = kftui::kube::kfp::Endpoint::default();
    let call = |op: kftui::kube::types::ApiOp| {
        let client = client.clone();
        async move { kftui::kube::ops::perform(client, op).await }
    };
    let pipelines = call(ep.list_pipelines("ml-research"))
        .await
        .expect("pipelines");
    let hello = pipelines["pipelines"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["display_name"] == "hello-world"))
        .cloned()
        .expect("the hello-world pipeline");
    let pid = hello["pipeline_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let versions = call(ep.list_versions(&pid)).await.expect("versions");
    let version = &versions["pipeline_versions"][0];
    assert_eq!(
        version.pointer("/pipeline_spec/root/inputDefinitions/parameters/message/defaultValue"),
        Some(&serde_json::json!("Hello, World!"))
    );
    let exps = call(ep.list_experiments("ml-research"))
        .await
        .expect("experiments");
    let exp = exps["experiments"][0]["experiment_id"].clone();
    let run = call(ep.create_run(serde_json::json!({
        "display_name": "hello from the test", "experiment_id": exp,
        "pipeline_version_reference": {"pipeline_id": pid,
            "pipeline_version_id": version["pipeline_version_id"]},
        "runtime_config": {"parameters": {"message": "hi"}}})))
    .await
    .expect("a new run");
    // Pending, or already running when the Workflow controller was quick.
    assert!(
        matches!(run["state"].as_str(), Some("PENDING" | "RUNNING")),
        "{run}"
    );
    assert_eq!(run["display_name"], "hello from the test", "{run}");
    // A bad parameter is refused in words.
    let bad = call(ep.create_run(serde_json::json!({"experiment_id": exp,
        "pipeline_version_reference": {"pipeline_id": pid},
        "runtime_config": {"parameters": {"nope": 1}}})))
    .await
    .expect_err("refused");
    assert!(bad.to_string().contains("no parameter"), "{bad}");
    d.keys(&["esc"]);
    let screen = d
        .until("the new run succeeded", 90, |_, scr| {
            row(scr, "hello from the test").contains("✔ Succeeded")
        })
        .await;
    select_run(&mut d, "hello from the test");
    d.keys(&["enter"]);
    let screen2 = d
        .until("its page", 10, |_, scr| scr.contains("message=hi"))
        .await;
    assert!(screen2.contains("└─✔ hello-world"), "{screen2}\n{screen}");

    // :pipelines and :kfp-experiments from the KFP API.
    d.command("pipelines");
    let screen = d
        .until("the pipelines", 20, |_, scr| scr.contains("hello-world"))
        .await;
    assert!(screen.contains("training-pipeline"), "{screen}");
    d.keys(&["/"]);
    d.text("hello");
    d.keys(&["enter", "enter"]);
    let screen = d
        .until("its versions", 20, |_, scr| scr.contains("Parameters"))
        .await;
    assert!(
        screen.contains("message")
            && screen.contains("STRING")
            && screen.contains("default Hello, World!"),
        "{screen}"
    );
    // n: a new run of the newest version, through the form.
    d.keys(&["n"]);
    d.until("the form with the experiments", 20, |_, scr| {
        scr.contains("< Default >")
    })
    .await;
    d.keys(&["ctrl-u"]);
    d.text("form run");
    d.keys(&["tab", "tab", "ctrl-u"]);
    d.text("from the form");
    d.keys(&["ctrl-s"]);
    d.until("the form closed", 20, |s, _| {
        s.view()
            .as_any()
            .downcast_ref::<kftui::views::runs::newrun::NewRunForm>()
            .is_none()
    })
    .await;
    d.command("runs");
    d.keys(&["/"]);
    d.keys(&["ctrl-u"]);
    d.text("form run");
    d.keys(&["enter"]);
    d.until("the form's run succeeded", 90, |_, scr| {
        row(scr, "│form run").contains("✔ Succeeded")
    })
    .await;
    // n on it: re-run with changes, the form pre-filled from the run.
    d.keys(&["n"]);
    let screen = d
        .until("the pre-filled form", 20, |_, scr| {
            scr.contains("[Re-run of form run]") && scr.contains("< Default >")
        })
        .await;
    assert!(screen.contains("[from the form]"), "{screen}");
    d.keys(&["esc"]);
    d.keys(&["enter"]);
    d.until("its parameter", 10, |_, scr| {
        scr.contains("message=from the form")
    })
    .await;
    d.command("kexp");
    d.until("the experiments", 20, |_, scr| {
        scr.contains("training-experiments")
    })
    .await;
    d.keys(&["/"]);
    d.text("training");
    d.keys(&["enter", "enter"]);
    let screen = d
        .until("the experiment's runs", 20, |s, _| {
            s.view()
                .as_any()
                .downcast_ref::<RunsView>()
                .is_some_and(|v| v.kfp.available() && !v.table.rows.is_empty())
        })
        .await;
    assert!(
        !screen.contains("hello from the test"),
        "other experiment: {screen}"
    );

    // Archive through the KFP API: the run leaves the list, `:runs
    // archived` shows it, unarchive brings it back.
    let listed = |s: &State, name: &str| {
        s.view()
            .as_any()
            .downcast_ref::<RunsView>()
            .is_some_and(|v| {
                v.kfp.available() && v.table.rows.iter().any(|r| r.summary.display == name)
            })
    };
    d.command("runs");
    select_run(&mut d, "form run");
    d.until("the run to archive", 20, |s, _| listed(s, "form run"))
        .await;
    d.keys(&["A"]);
    d.until("the archived run hidden", 30, |s, _| {
        !listed(s, "form run")
            && s.view()
                .as_any()
                .downcast_ref::<RunsView>()
                .is_some_and(|v| {
                    v.kfp
                        .runs
                        .values()
                        .any(|r| r.display == "form run" && r.archived)
                })
    })
    .await;
    d.command("runs archived");
    d.until("the archived run listed", 30, |s, _| listed(s, "form run"))
        .await;
    d.keys(&["A"]);
    d.until("the run unarchived", 30, |s, _| !listed(s, "form run"))
        .await;
    d.command("runs");
    select_run(&mut d, "form run");
    d.until("the run back in the list", 30, |s, _| listed(s, "form run"))
        .await;
    emu.shutdown().await;
}
