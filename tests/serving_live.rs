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
use kftui::views::serving::remote::RemoteInferView;
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
                && scr.contains("● live")
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
                && scr.contains("● live")
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

    // `l` from the list goes straight to the log too.
    select(&mut d, "sklearn-iris");
    d.keys(&["l"]);
    d.until("the log from the list", 30, |s, _| {
        s.view().as_any().downcast_ref::<LogsView>().is_some()
    })
    .await;
    d.keys(&["esc", "esc"]);
    assert!(d.s.view().as_any().downcast_ref::<IsvcView>().is_some());

    // `t`: the iris request through the API server's service proxy; the
    // deployed model's labels equal ONNX Runtime's for the same request
    // (assets/models/iris_logreg.expected.json).
    d.keys(&["t"]);
    assert!(remote(&d.s).is_some(), "{}", render(&d.s));
    d.keys(&["ctrl-r"]);
    let screen = d
        .until("the remote answer", 30, |s, _| {
            remote(s).is_some_and(|r| r.answer.is_some())
        })
        .await;
    let r = remote(&d.s).expect("remote view");
    let a = r.answer.clone().expect("answer");
    assert!(a.ok, "{a:?}");
    assert_eq!(a.status, Some(200));
    assert!(a.latency_ms.is_some_and(|ms| ms > 0.0));
    assert!(screen.contains("HTTP 200 OK"), "{screen}");
    assert!(
        screen.contains("/v1/models/sklearn-iris:predict"),
        "{screen}"
    );
    let body: serde_json::Value = serde_json::from_str(&a.body.join("\n")).expect("json body");
    let expected: serde_json::Value =
        serde_json::from_str(include_str!("../assets/models/iris_logreg.expected.json"))
            .expect("expected");
    let local_labels = expected["outputs"]
        .as_array()
        .and_then(|o| o.iter().find(|x| x["name"] == "output_label"))
        .map(|x| x["data"].clone())
        .expect("local labels");
    assert_eq!(body["predictions"], local_labels);

    // A request the model rejects: the status, the model's message, and
    // the request text as typed.
    d.keys(&["ctrl-l"]);
    d.text(r#"{"instances": [[1.0, 2.0]]}"#);
    d.keys(&["ctrl-r"]);
    d.until("the rejected request", 30, |s, _| {
        remote(s)
            .is_some_and(|r| !r.busy() && r.answer.as_ref().is_some_and(|a| a.status == Some(400)))
    })
    .await;
    let r = remote(&d.s).expect("remote view");
    let a = r.answer.clone().expect("answer");
    assert!(
        a.summary
            .contains("HTTP 400: X has 2 features, but LogisticRegression is expecting 4"),
        "{a:?}"
    );
    assert_eq!(r.request_text(), r#"{"instances": [[1.0, 2.0]]}"#);

    // Neither protocol, and not JSON: said without sending.
    d.keys(&["ctrl-l"]);
    d.text(r#"{"rows": [1]}"#);
    d.keys(&["ctrl-r"]);
    let r = remote(&d.s).expect("remote view");
    assert!(!r.busy());
    assert!(
        r.answer
            .as_ref()
            .is_some_and(|a| a.summary.contains("neither KServe v1"))
    );
    d.keys(&["esc"]);

    // A service whose model server answers HTML 500.
    select(&mut d, "iris-flaky");
    d.keys(&["t", "ctrl-r"]);
    d.until("the HTML error", 30, |s, _| {
        remote(s).is_some_and(|r| r.answer.is_some())
    })
    .await;
    let a = remote(&d.s).and_then(|r| r.answer.clone()).expect("answer");
    assert_eq!(a.status, Some(500));
    assert!(
        a.summary
            .contains("HTTP 500: (HTML) 500 Internal Server Error")
            && a.summary.contains("out of memory"),
        "{a:?}"
    );
    d.keys(&["esc"]);

    // The not Ready service has no endpoints: the API server's 503; its
    // request is Open Inference Protocol v2 (the predictor says v2).
    select(&mut d, "iris-onnx-v2");
    d.keys(&["t"]);
    assert!(remote(&d.s).is_some_and(|r| r.request_text().contains("\"inputs\"")));
    d.keys(&["ctrl-r"]);
    let screen = d
        .until("the 503", 30, |s, _| {
            remote(s).is_some_and(|r| r.answer.is_some())
        })
        .await;
    let a = remote(&d.s).and_then(|r| r.answer.clone()).expect("answer");
    assert_eq!(a.status, Some(503), "{a:?}");
    assert!(
        a.summary.contains("no endpoints available for service"),
        "{a:?}"
    );
    assert!(screen.contains("/v2/models/iris-onnx-v2/infer"), "{screen}");

    // Through src/kube directly: a v2 answer, and a model name the server
    // does not have (404 with KServe's message).
    let client = emu
        .client(kftui_emulator::DemoUser::Admin)
        .await
        .expect("client");
    let v2 = kftui::views::serving::remote::example_request(true);
    let out = kftui::kube::ops::service_proxy(
        client.clone(),
        "ml-research",
        "sklearn-iris-predictor",
        None,
        "/v2/models/sklearn-iris/infer",
        v2,
    )
    .await
    .expect("answer");
    assert_eq!(out["status"], 200);
    let body: serde_json::Value =
        serde_json::from_str(out["body"].as_str().unwrap_or("")).expect("json");
    assert_eq!(body["outputs"][0]["data"], local_labels);

    // Bench (printed): the round trip through the service proxy, sequential.
    let v1 = kftui::views::serving::remote::example_request(false);
    let mut ms: Vec<f64> = Vec::new();
    for _ in 0..50 {
        let out = kftui::kube::ops::service_proxy(
            client.clone(),
            "ml-research",
            "sklearn-iris-predictor",
            None,
            "/v1/models/sklearn-iris:predict",
            v1.clone(),
        )
        .await
        .expect("answer");
        assert_eq!(out["status"], 200);
        ms.push(out["latency_ms"].as_f64().unwrap_or(0.0));
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "remote predict through the service proxy (emulator, 50 sequential): p50 {:.2} ms, p99 {:.2} ms",
        ms[ms.len() / 2],
        ms[ms.len() * 99 / 100]
    );
    let out = kftui::kube::ops::service_proxy(
        client,
        "ml-research",
        "sklearn-iris-predictor",
        None,
        "/v1/models/nope:predict",
        "{}".into(),
    )
    .await
    .expect("answer");
    assert_eq!(out["status"], 404);
    assert!(
        out["body"]
            .as_str()
            .unwrap_or("")
            .contains("Model with name nope does not exist.")
    );
}

fn remote(s: &State) -> Option<&RemoteInferView> {
    s.view().as_any().downcast_ref::<RemoteInferView>()
}
