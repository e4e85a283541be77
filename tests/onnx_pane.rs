//! The `:onnx` pane driven like a user would: keys through the real update
//! loop and runtime, real ONNX Runtime on the shipped models, rendered frames.

use kftui::app::runtime::Runtime;
use kftui::app::state::State;
use kftui::onnx::Provider;
use kftui::testing::{render, state};
use kftui::views::onnx::{ModelStatus, OnnxView, Output, RuntimeStatus};
use kftui::views::registry;

mod common;

use common::driver::Driver;

const MODELS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/models");

struct Pane(Driver);

impl std::ops::Deref for Pane {
    type Target = Driver;
    fn deref(&self) -> &Driver {
        &self.0
    }
}

impl std::ops::DerefMut for Pane {
    fn deref_mut(&mut self) -> &mut Driver {
        &mut self.0
    }
}

fn pane(s: &State) -> &OnnxView {
    s.view()
        .as_any()
        .downcast_ref::<OnnxView>()
        .expect("the ONNX pane is on top")
}

impl Pane {
    fn new() -> Pane {
        let root = registry::open("namespaces", None)
            .expect("screen")
            .expect("opens");
        Pane(Driver::new(Runtime::new(None, None, None), state(root)))
    }

    fn view(&self) -> &OnnxView {
        pane(&self.s)
    }

    /// Runs the loop until `done` holds on the pane (20 s at most).
    async fn until(&mut self, what: &str, done: impl Fn(&OnnxView) -> bool) {
        self.0.until(what, 20, |s, _| done(pane(s))).await;
    }

    async fn open(&mut self, model: &str) {
        self.command(&format!("onnx {MODELS}/{model}.onnx"));
        self.until("the model to load", |v| {
            matches!(v.model, ModelStatus::Loaded(_) | ModelStatus::Failed { .. })
        })
        .await;
    }

    async fn run(&mut self) {
        self.keys(&["ctrl-r"]);
        self.until("the run", |v| {
            !matches!(v.output, Output::Running { .. } | Output::Empty)
        })
        .await;
    }

    fn clear_editor(&mut self) {
        self.keys(&["ctrl-l"]);
        assert_eq!(self.view().request_text(), "");
    }
}

#[tokio::test]
async fn opens_runs_and_shows_the_predicted_class() {
    let mut p = Pane::new();
    p.open("iris_logreg").await;
    let info = p.view().model_info().expect("loaded").clone();
    assert_eq!(info.inputs[0].name, "features");
    assert!(matches!(p.view().runtime, RuntimeStatus::Ready(_)));
    // The example request beside the model fills the empty editor.
    p.until("the example template", |v| {
        v.request_text().contains("instances")
    })
    .await;
    p.run().await;
    let Output::Ran(result) = &p.view().output else {
        panic!("run failed: {:?}", p.view().output);
    };
    let predicted: Vec<&str> = result
        .classifications
        .iter()
        .filter_map(|c| c.argmax().map(|a| a.label.as_str()))
        .collect();
    assert_eq!(predicted, ["setosa", "versicolor", "virginica"]);
    p.s.size = (80, 24);
    let screen = render(&p.s);
    assert!(screen.contains("predicted setosa"), "{screen}");
    assert!(screen.contains("features"), "{screen}");
    // The model is remembered for the open prompt.
    assert!(p.s.recent_models[0].ends_with("iris_logreg.onnx"));
}

#[tokio::test]
async fn bad_requests_keep_the_text_and_say_what_is_wrong() {
    let mut p = Pane::new();
    p.open("digits_mlp").await;
    p.until("the template", |v| !v.request_text().is_empty())
        .await;
    p.clear_editor();
    let cases: &[(&str, &str)] = &[
        ("{\"instances\": [[1, 2,]]", "line 1, column"),
        ("[1, 2, 3]", "shape"),
        (
            "{\"inputs\": [{\"name\": \"nope\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1]}]}",
            "unknown input \"nope\"",
        ),
        ("[[1, \"x\"]]", "expected a number"),
        ("[[1, 2], [3]]", "ragged"),
        ("", "empty"),
    ];
    for (text, expect) in cases {
        p.clear_editor();
        p.text(text);
        assert_eq!(p.view().request_text(), *text);
        p.run().await;
        let Output::Failed(error) = &p.view().output else {
            panic!("{text:?} should fail, got {:?}", p.view().output);
        };
        assert!(error.contains(expect), "{text:?}: {error}");
        assert_eq!(p.view().request_text(), *text, "the text survives");
        let screen = render(&p.s);
        assert!(screen.contains('✗'), "{screen}");
    }
}

#[tokio::test]
async fn a_missing_file_and_a_non_model_are_explained() {
    let mut p = Pane::new();
    p.open("no_such_model").await;
    let ModelStatus::Failed { error, .. } = &p.view().model else {
        panic!("expected a failure");
    };
    assert!(error.contains("no such file"), "{error}");
    // The open prompt stays up with the message; the rest of kftui works.
    assert!(render(&p.s).contains("no such file"));
    p.keys(&["esc"]);
    p.command("pods");
    assert_eq!(p.s.breadcrumbs(), vec!["pods"], "another screen opens");

    let readme = format!("{MODELS}/README.md");
    p.command(&format!("onnx {readme}"));
    p.until(
        "the load",
        |v| matches!(v.model, ModelStatus::Failed { ref path, .. } if path.ends_with("README.md")),
    )
    .await;
    let ModelStatus::Failed { error, .. } = &p.view().model else {
        unreachable!()
    };
    assert!(
        error.contains("not an ONNX model") || error.contains("could not load"),
        "{error}"
    );
}

#[tokio::test]
async fn benchmark_reports_percentiles_and_a_histogram() {
    let mut p = Pane::new();
    p.open("iris_linreg").await;
    p.until("the template", |v| !v.request_text().is_empty())
        .await;
    p.keys(&["ctrl-b"]);
    p.until("the benchmark", |v| {
        !matches!(v.output, Output::Benching { .. } | Output::Empty)
    })
    .await;
    let Output::Benched(result) = &p.view().output else {
        panic!("benchmark failed: {:?}", p.view().output);
    };
    assert_eq!(result.stats.count, kftui::views::onnx::BENCH_RUNS);
    assert!(result.stats.p50 <= result.stats.p90 && result.stats.p90 <= result.stats.p99);
    p.s.size = (120, 40);
    let screen = render(&p.s);
    assert!(
        screen.contains("p50") && screen.contains("runs/s"),
        "{screen}"
    );
}

#[tokio::test]
async fn templates_cycle_and_undo_brings_the_text_back() {
    let mut p = Pane::new();
    p.open("iris_tree").await;
    p.until("the example", |v| !v.request_text().is_empty())
        .await;
    p.clear_editor();
    p.text("[[1, 2, 3, 4]]");
    p.keys(&["ctrl-t"]); // example (the editor was not empty: cycle restarts)
    p.until("a template", |v| v.request_text() != "[[1, 2, 3, 4]]")
        .await;
    let first = p.view().request_text();
    p.keys(&["ctrl-t"]);
    p.until("the next template", |v| v.request_text() != first)
        .await;
    assert!(
        p.view().request_text().contains("\"datatype\""),
        "zeros use v2"
    );
    // Undo (cut, then insert, per template): back to what the user typed.
    p.keys(&["ctrl-u", "ctrl-u"]);
    assert_eq!(p.view().request_text(), first);
    p.keys(&["ctrl-u", "ctrl-u"]);
    assert_eq!(p.view().request_text(), "[[1, 2, 3, 4]]");
    p.run().await;
    assert!(matches!(p.view().output, Output::Ran(_)));
}

#[tokio::test]
async fn reopening_keeps_the_loaded_model() {
    let mut p = Pane::new();
    p.open("iris_logreg").await;
    p.keys(&["esc"]);
    assert_eq!(p.s.stack.len(), 1, "esc from the editor focuses the output");
    p.command("pods");
    assert_eq!(
        p.s.breadcrumbs(),
        vec!["pods"],
        "a command replaces the screen"
    );
    // `:onnx` brings the pane back with its model instead of a new one.
    p.command("onnx");
    assert_eq!(p.s.stack.len(), 1);
    assert!(p.view().model_info().is_some());
    // `:onnx PATH` on the open pane loads another model.
    p.command(&format!("onnx {MODELS}/iris_tree.onnx"));
    p.until("the second model", |v| {
        v.model_info()
            .is_some_and(|i| i.path.ends_with("iris_tree.onnx"))
    })
    .await;
    // `-` goes back to the screen before, and again to the pane.
    p.keys(&["esc", "-"]);
    assert_eq!(p.s.breadcrumbs(), vec!["pods"]);
    p.keys(&["-"]);
    assert!(p.view().model_info().is_some(), "the pane keeps its model");
}

/// Frames with timings and machine paths masked.
fn snap(name: &str, p: &mut Pane) {
    for (w, h) in [(80, 24), (120, 40)] {
        p.s.size = (w, h);
        let screen = render(&p.s);
        insta::with_settings!({
            filters => vec![
                (MODELS, "[MODELS]"),
                (r"\d+(\.\d+)? ?(ns|µs|ms|s)\b", "[T]"),
                (r"[0-9.]+(e[+-]?\d+)? (runs|rows)/s", "[N] $2/s"),
                (r"ONNX Runtime \d+\.\d+\.\d+ \([^)]*\)", "ONNX Runtime [VERSION]"),
                (r"ONNX Runtime \d+\.\d+\.\d+", "ONNX Runtime [VERSION]"),
                (r"\d+ B\b", "[SIZE]"),
                (r"\d+(\.\d+)? KiB", "[SIZE]"),
                // Masked values change widths: normalise the padding too.
                (r" +│", " │"),
                (r"─+┐", "─┐"),
            ],
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        });
    }
}

#[tokio::test]
async fn snapshot_open_prompt() {
    let mut p = Pane::new();
    p.command("onnx");
    p.until("the examples and the runtime", |v| {
        v.choices(&[]).len() >= 4 && matches!(v.runtime, RuntimeStatus::Ready(_))
    })
    .await;
    snap("onnx_open", &mut p);
}

#[tokio::test]
async fn snapshot_classifier_run() {
    let mut p = Pane::new();
    p.open("iris_logreg").await;
    p.until("the example", |v| !v.request_text().is_empty())
        .await;
    p.run().await;
    p.keys(&["esc"]);
    snap("onnx_run", &mut p);
}

#[tokio::test]
async fn snapshot_bad_request() {
    let mut p = Pane::new();
    p.open("digits_mlp").await;
    p.until("the example", |v| !v.request_text().is_empty())
        .await;
    p.clear_editor();
    p.text("{\"instances\": [[0.5, 0.25]]}");
    p.run().await;
    snap("onnx_error", &mut p);
}

#[tokio::test]
async fn switching_to_cuda_says_why_it_runs_on_cpu() {
    let mut p = Pane::new();
    p.open("iris_logreg").await;
    p.keys(&["ctrl-p"]);
    p.until("the reload", |v| {
        v.model_info()
            .is_some_and(|i| i.provider_note.is_some() || i.provider == Provider::Cuda)
    })
    .await;
    let info = p.view().model_info().expect("loaded").clone();
    p.s.size = (120, 40);
    let screen = render(&p.s);
    match info.provider {
        // A machine with a CUDA build and a GPU runs on it, and says so.
        Provider::Cuda => assert!(screen.contains("CUDA"), "{screen}"),
        // Everywhere else: CPU, with the reason on screen.
        Provider::Cpu => {
            let note = info.provider_note.expect("a note");
            assert!(screen.contains("CPU"), "{screen}");
            assert!(
                screen.contains(&note[..note.len().min(40)]),
                "the note is shown: {note}\n{screen}"
            );
        }
    }
}
