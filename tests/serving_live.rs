//! The `:isvc` screens against the API emulator over real HTTP, through
//! the real runtime, one emulator for all of it: the demo InferenceServices
//! (sklearn-iris Ready, iris-onnx-v2 not Ready because its storage URI
//! fails) in the table with the failing reason, the failing one's details
//! naming the condition, the storage initializer's error, the crash-looping
//! pod and its BackOff event; the Ready one's details with its components,
//! URLs, traffic and running pod; `l` reading the `kserve-container` log.
//! Snapshots of the list and both details at 80x24 and 120x40.

use kftui::app::runtime::Runtime;
use kftui::app::state::{Connection, Scope, State};
use kftui::kube::client;
use kftui::testing::{render, state};
use kftui::views::logs::LogsView;
use kftui::views::registry;
use kftui::views::serving::IsvcView;
use kftui::views::serving::detail::IsvcDetail;
use kftui_emulator::{Emulator, EmulatorConfig};

mod common;

use common::driver::Driver;

fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    let cell = format!("│{name} ");
    screen.lines().find(|l| l.contains(&cell)).unwrap_or("")
}

fn select(d: &mut Driver, name: &str) {
    d.keys(&["/"]);
    d.keys(&["ctrl-u"]);
    d.text(name);
    d.keys(&["enter"]);
}

fn snapshots(s: &mut State, name: &str) {
    let size = s.size;
    for (w, h) in [(80, 24), (120, 40)] {
        s.size = (w, h);
        let screen = render(s);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
    }
    s.size = size;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_inference_services_list_details_and_logs() {
    let emu = Emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator starts");
    let kubeconfig = emu.kubeconfig();
    let (client, info) = client::connect(&kubeconfig, None).await.expect("connects");
    let root = registry::open("isvc", None)
        .expect("screen")
        .expect("opens");
    assert!(root.as_any().downcast_ref::<IsvcView>().is_some());
    let mut s = state(root);
    // Wide enough for every column; the snapshots show 80x24 and 120x40.
    s.size = (180, 40);
    s.scope = Scope::Namespace("ml-research".into());
    s.connection = Connection::Connected(info);
    let rt = Runtime::new(Some(client), Some(kubeconfig), None);
    let mut d = Driver::new(rt, s);

    let screen = d
        .until("the demo inference services", 30, |_, scr| {
            row(scr, "sklearn-iris").contains("True") && row(scr, "iris-onnx-v2").contains("False")
        })
        .await;
    let ok = row(&screen, "sklearn-iris");
    assert!(
        ok.contains("100%") && ok.contains("http://sklearn-iris.ml-research.example.com"),
        "{ok}"
    );
    assert!(
        ok.contains("sklearn gs://kfserving-examples/models/sklearn/1.0/model"),
        "{ok}"
    );
    let bad = row(&screen, "iris-onnx-v2");
    assert!(bad.contains("False (RevisionFailed)"), "{bad}");
    assert!(
        bad.contains("onnx kserve-tritonserver s3://models-bucket/iris/v2/missing"),
        "{bad}"
    );
    snapshots(&mut d.s, "isvc_list");

    // The failing one says which condition fails and why, in the
    // storage initializer's words, with its crash-looping pod and event.
    select(&mut d, "iris-onnx-v2");
    d.keys(&["enter"]);
    let screen = d
        .until("the failing service's details", 30, |s, scr| {
            s.view().as_any().downcast_ref::<IsvcDetail>().is_some()
                && scr.contains("Init:CrashLoopBackOff")
                && scr.contains("BackOff")
        })
        .await;
    assert!(
        screen.contains("Failure       PredictorReady: RevisionFailed"),
        "{screen}"
    );
    assert!(
        screen.contains("Last failure  ModelLoadFailed: Failed to fetch model from s3://models-bucket/iris/v2/missing"),
        "{screen}"
    );
    assert!(screen.contains("protocol    v2"), "{screen}");
    assert!(
        screen.contains("storage-initializer: Failed to fetch model"),
        "{screen}"
    );
    assert!(screen.contains("IngressReady"), "{screen}");
    snapshots(&mut d.s, "isvc_failing_detail");
    d.keys(&["esc"]);

    // The Ready one: components, URLs, traffic, its running pod.
    select(&mut d, "sklearn-iris");
    d.keys(&["enter"]);
    let screen = d
        .until("the ready service's details", 30, |s, scr| {
            s.view().as_any().downcast_ref::<IsvcDetail>().is_some()
                && scr.contains("Predictor pods (1)")
                && scr.contains("Running")
        })
        .await;
    assert!(screen.contains("Ready         True"), "{screen}");
    assert!(!screen.contains("Failure"), "{screen}");
    assert!(
        screen.contains("url       http://sklearn-iris-predictor.ml-research.example.com"),
        "{screen}"
    );
    assert!(
        screen.contains("traffic   100% sklearn-iris-predictor-00001 (latest)"),
        "{screen}"
    );
    assert!(
        screen.contains("Address       http://sklearn-iris.ml-research.svc.cluster.local"),
        "{screen}"
    );
    snapshots(&mut d.s, "isvc_ready_detail");

    // `l`: the kserve-container's log in the log pane.
    d.keys(&["l"]);
    d.until("the kserve-container log", 30, |s, _| {
        s.view()
            .as_any()
            .downcast_ref::<LogsView>()
            .is_some_and(|l| {
                l.containers.get(l.container).map(String::as_str) == Some("kserve-container")
            })
    })
    .await;
    let logs =
        d.s.view()
            .as_any()
            .downcast_ref::<LogsView>()
            .expect("logs");
    assert!(
        logs.pod
            .starts_with("sklearn-iris-predictor-00001-deployment-"),
        "{}",
        logs.pod
    );
    d.keys(&["esc", "esc"]);

    // `l` from the list goes straight to the log too; for the failing
    // service the pod's kserve-container has not started.
    select(&mut d, "sklearn-iris");
    d.keys(&["l"]);
    d.until("the log from the list", 30, |s, _| {
        s.view().as_any().downcast_ref::<LogsView>().is_some()
    })
    .await;
}
