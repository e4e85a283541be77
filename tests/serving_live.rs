//! The `:isvc` screens against the API emulator over real HTTP, through
//! the real runtime, one emulator for all of it: the demo InferenceServices
//! (sklearn-iris Ready, iris-onnx-v2 not Ready because its storage URI
//! fails) in the table with the failing reason, the failing one's details
//! naming the condition, the storage initializer's error, the crash-looping
//! pod and its BackOff event; the Ready one's details with its components,
//! URLs, traffic and running pod; `l` reading the `kserve-container` log.
//! Snapshots of the list and both details at 80x24 and 120x40.

use kftui::app::config::ServingVia;
use kftui::app::msg::Msg;
use kftui::app::runtime::Runtime;
use kftui::app::state::{Connection, Scope, State};
use kftui::kube::client;
use kftui::kube::proxy;
use kftui::testing::{render, state};
use kftui::views::logs::LogsView;
use kftui::views::onnx::OnnxView;
use kftui::views::registry;
use kftui::views::serving::IsvcView;
use kftui::views::serving::bench::figures;
use kftui::views::serving::compare::Comparison;
use kftui::views::serving::detail::IsvcDetail;
use kftui::views::serving::remote::RemoteInferView;
use kftui::views::serving::remote::{Answer, LocalStatus, example_request};
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
        // Latencies vary from run to run; pod names are random suffixes
        // that move when the demo cluster seeds anything before them.
        let filters = vec![
            (r"\d+(\.\d+)? ms?\b", "[ms]"),
            (r"deployment-[a-z0-9]{10}-[a-z0-9]{5}", "deployment-[pod]"),
        ];
        insta::with_settings!({filters => filters}, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        });
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
    d.keys(&["esc"]);
    assert!(d.s.view().as_any().downcast_ref::<IsvcView>().is_some());

    // Through src/kube directly: a v2 answer, and a model name the server
    // does not have (404 with KServe's message).
    let client = emu
        .client(kftui_emulator::DemoUser::Admin)
        .await
        .expect("client");
    let v2: serde_json::Value =
        serde_json::from_str(&kftui::views::serving::remote::example_request(true)).expect("v2");
    let out = proxy::post(
        client.clone(),
        "ml-research",
        "sklearn-iris-predictor",
        "/v2/models/sklearn-iris/infer",
        &v2,
    )
    .await
    .expect("answer");
    assert_eq!(out["status"], 200);
    let body: serde_json::Value =
        serde_json::from_str(out["body"].as_str().unwrap_or("")).expect("json");
    assert_eq!(body["outputs"][0]["data"], local_labels);
    let out = proxy::post(
        client.clone(),
        "ml-research",
        "sklearn-iris-predictor",
        "/v1/models/nope:predict",
        &serde_json::json!({}),
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

    side_by_side(&mut d).await;
    bad_paths(&mut d).await;
    bench_pane(&mut d).await;
    ingress(&mut d, &emu).await;
    printed_bench(client).await;
}

/// Opens `t` on `name` with the iris model file as the local model
/// (picked from the recent models with ctrl-o).
async fn open_with_local(d: &mut Driver, name: &str) {
    select(d, name);
    d.keys(&["t"]);
    d.keys(&["ctrl-o"]);
    let screen = render(&d.s);
    assert!(screen.contains("local model to compare with"), "{screen}");
    d.keys(&["enter"]);
    d.until("the local model loaded", 60, |s, _| {
        remote(s).is_some_and(|r| {
            r.local
                .as_ref()
                .is_some_and(|l| l.status == LocalStatus::Ready)
        })
    })
    .await;
}

fn set_request(d: &mut Driver, text: &str) {
    d.keys(&["ctrl-l"]);
    d.rt.handle(&mut d.s, Msg::Paste(text.to_string()));
}

async fn compared(d: &mut Driver, what: &str) -> (Comparison, String) {
    d.keys(&["ctrl-e"]);
    let screen = d
        .until(what, 60, |s, _| {
            remote(s)
                .and_then(|r| r.compare.as_ref())
                .is_some_and(|c| c.result.is_some())
        })
        .await;
    let c = remote(&d.s)
        .and_then(|r| r.compare.as_ref())
        .and_then(|c| c.result.clone())
        .expect("comparison");
    (c, screen)
}

/// ctrl-e: the same request on the deployed model and on ONNX Runtime
/// running the model file; equal for sklearn-iris, a mismatch marked for
/// the retrained one.
async fn side_by_side(d: &mut Driver) {
    d.s.recent_models = vec![iris_path()];
    open_with_local(d, "sklearn-iris").await;
    let (c, screen) = compared(d, "the v1 comparison").await;
    assert!(c.agrees(), "{c:?}\n{screen}");
    assert_eq!(c.rows.len(), 3);
    assert_eq!(
        c.rows
            .iter()
            .map(|r| r.local.clone().unwrap_or_default())
            .collect::<Vec<_>>(),
        ["setosa", "versicolor", "virginica"]
    );
    assert!(screen.contains("same answer"), "{screen}");
    assert!(screen.contains("local iris_logreg.onnx"), "{screen}");
    // v2: the probabilities as well, ONNX Runtime's ZipMap against the
    // server's FP32 tensor.
    set_request(
        d,
        &serde_json::to_string(
            &serde_json::from_str::<serde_json::Value>(&example_request(true)).expect("v2"),
        )
        .expect("text"),
    );
    let (c, screen) = compared(d, "the v2 comparison").await;
    assert!(c.agrees(), "{c:?}\n{screen}");
    assert_eq!(c.tensors.len(), 1, "{c:?}");
    assert_eq!(c.tensors[0].local, "output_probability");
    assert_eq!(c.tensors[0].remote, "probabilities");
    assert!(c.tensors[0].max_abs_diff < 1e-4, "{c:?}");
    assert!(
        screen.contains("output_probability ↔ probabilities"),
        "{screen}"
    );
    snapshots(&mut d.s, "isvc_compare_same");
    d.keys(&["esc"]);

    // From the :onnx pane: ctrl-g binds the open model to a service picked
    // from the list; esc from the test pane goes back to the ONNX pane.
    d.command(&format!("onnx {}", iris_path()));
    d.until("the ONNX pane's model", 60, |s, _| {
        s.view()
            .as_any()
            .downcast_ref::<OnnxView>()
            .is_some_and(|o| o.model_info().is_some())
    })
    .await;
    d.keys(&["esc"]);
    d.keys(&["ctrl-g"]);
    let picker =
        d.s.view()
            .as_any()
            .downcast_ref::<IsvcView>()
            .map(|v| v.bind.clone());
    assert_eq!(picker, Some(Some(iris_path())), "{}", render(&d.s));
    d.until("the services to bind to", 30, |_, scr| {
        scr.contains("iris-retrained")
    })
    .await;
    select(d, "sklearn-iris");
    d.keys(&["enter"]);
    let r = remote(&d.s).expect("the bound test pane");
    assert_eq!(r.model, "sklearn-iris");
    assert_eq!(
        r.local.as_ref().map(|l| l.path.display().to_string()),
        Some(iris_path())
    );
    d.until("the bound model ready", 60, |s, _| {
        remote(s).is_some_and(|r| {
            r.local
                .as_ref()
                .is_some_and(|l| l.status == LocalStatus::Ready)
        })
    })
    .await;
    let (c, _) = compared(d, "the bound comparison").await;
    assert!(c.agrees(), "{c:?}");
    d.keys(&["esc"]);
    assert!(d.s.view().as_any().downcast_ref::<OnnxView>().is_some());
    // Out of the ONNX pane's editor, then back to the list.
    d.keys(&["esc"]);
    d.command("isvc");
    d.until("the list again", 30, |s, scr| {
        s.view().as_any().downcast_ref::<IsvcView>().is_some()
            && row(scr, "iris-retrained").contains("True")
    })
    .await;

    open_with_local(d, "iris-retrained").await;
    let (c, screen) = compared(d, "the mismatch").await;
    assert!(!c.agrees());
    let bad: Vec<usize> = c.mismatched_rows().iter().map(|r| r.row).collect();
    assert_eq!(bad, [1], "{c:?}");
    assert_eq!(c.rows[1].local.as_deref(), Some("versicolor"));
    assert_eq!(c.rows[1].remote.as_deref(), Some("virginica"));
    assert!(screen.contains("labels differ in 1 of 3 rows"), "{screen}");
    assert!(screen.contains("✖ row 1 virginica"), "{screen}");
    snapshots(&mut d.s, "isvc_compare_mismatch");
    set_request(
        d,
        &serde_json::to_string(
            &serde_json::from_str::<serde_json::Value>(&example_request(true)).expect("v2"),
        )
        .expect("text"),
    );
    let (c, screen) = compared(d, "the v2 mismatch").await;
    assert!(c.tensors[0].differs(), "{c:?}");
    assert!(c.tensors[0].max_abs_diff > 0.1, "{c:?}");
    assert!(
        screen.contains("probabilities differs by up to"),
        "{screen}"
    );
    d.keys(&["esc"]);
}

/// `t` then ctrl-r on `name`; the answer.
async fn answer_of(d: &mut Driver, name: &str, secs: u64) -> Answer {
    select(d, name);
    d.keys(&["t", "ctrl-r"]);
    d.until(name, secs, |s, _| {
        remote(s).is_some_and(|r| !r.busy() && r.answer.is_some())
    })
    .await;
    let r = remote(&d.s).expect("remote view");
    assert_eq!(
        r.request_text(),
        example_request(false),
        "the request stays as typed"
    );
    r.answer.clone().expect("answer")
}

/// Each way a deployed model misbehaves: status and message in words.
async fn bad_paths(d: &mut Driver) {
    let a = answer_of(d, "iris-wrong-name", 30).await;
    assert_eq!(a.status, Some(404));
    assert!(
        a.summary == "HTTP 404: Model with name iris-wrong-name does not exist.",
        "{a:?}"
    );
    d.keys(&["esc"]);
    let a = answer_of(d, "iris-overloaded", 30).await;
    assert_eq!(a.status, Some(503));
    assert!(
        a.summary
            .contains("HTTP 503: upstream connect error or disconnect/reset before headers"),
        "{a:?}"
    );
    d.keys(&["esc"]);
    let a = answer_of(d, "iris-custom", 30).await;
    assert_eq!(a.status, Some(200));
    assert!(!a.ok);
    assert!(
        a.summary
            .contains("HTTP 200, but the answer has no \"predictions\": not a KServe v1 response"),
        "{a:?}"
    );
    let screen = render(&d.s);
    assert!(
        screen.contains("custom-flask-server"),
        "the body is shown: {screen}"
    );
    d.keys(&["esc"]);
    // No answer: the configured limit (2 s here) in words.
    d.s.config.serving.timeout_secs = 2.0;
    let a = answer_of(d, "iris-hang", 60).await;
    assert_eq!(a.status, None);
    assert!(
        a.summary.contains(
            "no answer: service ml-research/iris-hang-predictor did not answer within 2s"
        ),
        "{a:?}"
    );
    d.s.config.serving.timeout_secs = 10.0;
    d.keys(&["esc"]);
}

/// ctrl-b: 20 requests, 4 in flight; the figures when done.
async fn bench_pane(d: &mut Driver) {
    select(d, "sklearn-iris");
    d.keys(&["t", "ctrl-b"]);
    let r = remote(&d.s).expect("remote");
    assert_eq!(r.bench_requests.text(), "50");
    assert_eq!(r.bench_concurrency.text(), "1");
    d.keys(&["backspace", "backspace"]);
    d.text("20");
    d.keys(&["tab", "backspace"]);
    d.text("4");
    d.keys(&["enter"]);
    let r = remote(&d.s).expect("remote");
    let b = r.bench.as_ref().expect("bench started");
    assert_eq!((b.total, b.concurrency), (20, 4));
    assert_eq!(b.in_flight.len(), 4, "4 in flight at once");
    let screen = d
        .until("the bench", 60, |s, _| {
            remote(s)
                .and_then(|r| r.bench.as_ref())
                .is_some_and(|b| b.finished())
        })
        .await;
    let b = remote(&d.s).and_then(|r| r.bench.clone()).expect("bench");
    assert_eq!((b.done(), b.errors), (20, 0), "{screen}");
    let f = b.figures().expect("figures");
    assert!(f.p50 > 0.0 && f.p50 <= f.p90 && f.p90 <= f.p99, "{f:?}");
    assert!(screen.contains("20/20 done"), "{screen}");
    assert!(screen.contains("p50") && screen.contains("p99"), "{screen}");
    assert!(screen.contains("errors 0"), "{screen}");
    snapshots(&mut d.s, "isvc_bench_done");
    d.keys(&["esc"]);
    // Errors are counted with the first one's words.
    select(d, "iris-flaky");
    d.keys(&["t", "ctrl-b", "backspace", "backspace"]);
    d.text("5");
    d.keys(&["enter"]);
    d.until("the failing bench", 60, |s, _| {
        remote(s)
            .and_then(|r| r.bench.as_ref())
            .is_some_and(|b| b.finished())
    })
    .await;
    let b = remote(&d.s).and_then(|r| r.bench.clone()).expect("bench");
    assert_eq!((b.done(), b.errors), (5, 5));
    assert!(
        b.first_error
            .as_deref()
            .is_some_and(|e| e.contains("HTTP 500")),
        "{b:?}"
    );
    d.keys(&["esc"]);
}

/// `[serving] via = "ingress"`: through the Kubeflow endpoint's gateway
/// with the service's host, first with a bearer token, then the Dex
/// session; the pane says which path is in use.
async fn ingress(d: &mut Driver, emu: &Emulator) {
    let url = emu.url();
    d.s.config.kfp.endpoint_url = Some(url.clone());
    d.s.config.kfp.dex_login = Some("alice@example.com".into());
    d.s.config.serving.via = ServingVia::Ingress;
    d.s.config.serving.token_env = Some("KFTUI_TEST_ISVC_TOKEN".into());
    // SAFETY: set before any request of this path reads it; the test is
    // the only one in this binary.
    unsafe { std::env::set_var("KFTUI_TEST_ISVC_TOKEN", "demo-alice-token") };
    let a = answer_of(d, "sklearn-iris", 30).await;
    assert!(a.ok, "{a:?}");
    let screen = render(&d.s);
    assert!(
        screen.contains(&format!("via Kubeflow endpoint {url}")),
        "{screen}"
    );
    d.keys(&["esc"]);
    unsafe { std::env::set_var("KFTUI_TEST_ISVC_TOKEN", "not-a-token") };
    let a = answer_of(d, "sklearn-iris", 30).await;
    assert_eq!(a.status, Some(401));
    assert!(
        a.summary.contains("HTTP 401: Jwt verification fails"),
        "{a:?}"
    );
    d.keys(&["esc"]);
    d.s.config.serving.token_env = None;
    let alice = kftui_emulator::DemoUser::all()
        .into_iter()
        .find(|u| u.username() == "alice@example.com")
        .expect("alice");
    unsafe {
        std::env::set_var(
            kftui::kube::dex::PASSWORD_ENV,
            kftui_emulator::proxy::dex::password(alice),
        )
    };
    let a = answer_of(d, "iris-retrained", 30).await;
    assert!(a.ok, "{a:?}");
    let body = a.json.clone().expect("json");
    assert_eq!(
        body["predictions"],
        serde_json::json!(["setosa", "virginica", "virginica"])
    );
    let screen = render(&d.s);
    assert!(
        screen.contains("Dex login as alice@example.com"),
        "{screen}"
    );
    d.keys(&["esc"]);
    d.s.config.serving.via = ServingVia::ServiceProxy;
}

/// Bench (printed): a remote predict through the service proxy against the
/// local ONNX Runtime run of the same request.
async fn printed_bench(client: kube::Client) {
    let v1: serde_json::Value = serde_json::from_str(&example_request(false)).expect("v1");
    let mut ms: Vec<f64> = Vec::new();
    for _ in 0..50 {
        let out = proxy::post(
            client.clone(),
            "ml-research",
            "sklearn-iris-predictor",
            "/v1/models/sklearn-iris:predict",
            &v1,
        )
        .await
        .expect("answer");
        assert_eq!(out["status"], 200);
        ms.push(out["latency_ms"].as_f64().unwrap_or(0.0));
    }
    let remote = figures(&ms).expect("remote figures");
    kftui::onnx::runtime::init(None).expect("ONNX Runtime");
    let mut model = kftui::onnx::LoadedModel::load(
        std::path::Path::new(&iris_path()),
        &kftui::onnx::LoadOptions::default(),
    )
    .expect("model");
    let text = example_request(false);
    let cancel = kftui::onnx::CancelToken::default();
    let mut local_ms = Vec::new();
    for _ in 0..50 {
        let t = std::time::Instant::now();
        model.run_text(&text, &cancel).expect("local run");
        local_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let local = figures(&local_ms).expect("local figures");
    println!(
        "remote predict through the service proxy (emulator, 50 sequential): p50 {:.2} ms, p99 {:.2} ms; local ONNX Runtime run of the same request: p50 {:.3} ms, p99 {:.3} ms; overhead p50 {:.2} ms",
        remote.p50,
        remote.p99,
        local.p50,
        local.p99,
        remote.p50 - local.p50
    );
}

fn iris_path() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/models/iris_logreg.onnx"
    )
    .to_string()
}

fn remote(s: &State) -> Option<&RemoteInferView> {
    s.view().as_any().downcast_ref::<RemoteInferView>()
}
