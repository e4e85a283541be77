//! Everything that can go wrong between a file name and an answer: bad model
//! files, operators ONNX Runtime lacks, hostile request text (property tests),
//! and cancelling a long run. Each gives a plain message and never a panic.

mod onnx_support;

use std::sync::mpsc;
use std::time::Duration;

use kftui::onnx::model::LoadOptions;
use kftui::onnx::{
    CancelReason, InputLimits, LoadedModel, ModelError, OnnxCommand, OnnxError, OnnxEvent,
    OnnxWorker, parse_request,
};
use onnx_support::{fixtures_dir, load, model_path, runtime};
use proptest::prelude::*;

fn load_err(path: &std::path::Path) -> OnnxError {
    runtime();
    match LoadedModel::load(path, &LoadOptions::default()) {
        Ok(_) => panic!("{} should not load", path.display()),
        Err(e) => e,
    }
}

#[test]
fn model_files_that_are_not_models() {
    let dir = tempfile::tempdir().expect("tempdir");

    let e = load_err(&dir.path().join("missing.onnx"));
    assert!(
        matches!(e, OnnxError::Model(ModelError::NotFound { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("no such file"));

    let e = load_err(dir.path());
    assert!(
        matches!(e, OnnxError::Model(ModelError::IsDirectory { .. })),
        "{e}"
    );

    let empty = dir.path().join("empty.onnx");
    std::fs::write(&empty, b"").expect("write");
    let e = load_err(&empty);
    assert!(
        matches!(e, OnnxError::Model(ModelError::Empty { .. })),
        "{e}"
    );

    let text = dir.path().join("notes.onnx");
    std::fs::write(&text, "these are my notes, not a model\n").expect("write");
    let e = load_err(&text);
    assert!(e.to_string().contains("not an ONNX model"), "{e}");

    // A real model cut in half.
    let bytes = std::fs::read(model_path("digits_mlp")).expect("model");
    let cut = dir.path().join("cut.onnx");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let e = load_err(&cut);
    assert!(
        matches!(
            e,
            OnnxError::Model(ModelError::NotOnnx { .. } | ModelError::LoadFailed { .. })
        ),
        "{e}"
    );
}

#[test]
fn a_model_needing_an_unknown_operator_says_so() {
    let e = load_err(&fixtures_dir().join("unknown_op.onnx"));
    assert!(
        matches!(e, OnnxError::Model(ModelError::UnsupportedOperator { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("operator"), "{e}");
}

#[test]
fn an_input_far_too_large_is_refused_before_allocating() {
    let model = load("digits_mlp");
    let inputs = model.info().inputs.clone();
    let text = r#"{"inputs": [{"name": "pixels", "shape": [100000000, 64], "datatype": "FP32", "data": [0]}]}"#;
    let e = parse_request(text, &inputs, &InputLimits::default()).expect_err("too large");
    assert!(
        e.to_string().contains("limit") || e.to_string().contains("large"),
        "{e}"
    );
}

#[test]
fn a_long_run_is_cancelled_and_a_newer_request_wins() {
    runtime();
    let (tx, rx) = mpsc::channel();
    let worker = OnnxWorker::spawn(move |event| {
        let _ = tx.send(event);
    })
    .expect("worker");
    worker.send(OnnxCommand::Load {
        path: fixtures_dir().join("slow.onnx"),
        options: LoadOptions::default(),
    });
    let wait = |what: &str, pred: &dyn Fn(&OnnxEvent) -> bool| loop {
        let event = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
        if pred(&event) {
            return event;
        }
    };
    wait("load", &|e| matches!(e, OnnxEvent::Loaded(_)));
    let x: Vec<String> = (0..256).map(|_| "0.5".to_string()).collect();
    let request = format!("[[{}]]", x.join(","));
    worker.send(OnnxCommand::Run {
        request_id: 1,
        text: request.clone(),
    });
    std::thread::sleep(Duration::from_millis(200));
    assert!(worker.is_busy(), "the slow model is still running");
    worker.send(OnnxCommand::Cancel);
    let started = std::time::Instant::now();
    let event = wait("the cancel", &|e| {
        matches!(
            e,
            OnnxEvent::RunCancelled { .. } | OnnxEvent::RunDone { .. }
        )
    });
    assert_eq!(
        event,
        OnnxEvent::RunCancelled {
            request_id: 1,
            reason: CancelReason::Cancelled
        }
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "cancel took {:?}",
        started.elapsed()
    );
    // Latest wins: request 2 is replaced by 3 before it finishes.
    worker.send(OnnxCommand::Run {
        request_id: 2,
        text: request.clone(),
    });
    worker.send(OnnxCommand::Run {
        request_id: 3,
        text: "[[1, 2]]".into(),
    });
    let superseded = wait("request 2", &|e| {
        matches!(
            e,
            OnnxEvent::RunCancelled { request_id: 2, .. }
                | OnnxEvent::RunDone { request_id: 2, .. }
        )
    });
    assert!(matches!(
        superseded,
        OnnxEvent::RunCancelled {
            reason: CancelReason::Superseded,
            ..
        }
    ));
    let last = wait("request 3", &|e| {
        matches!(
            e,
            OnnxEvent::RunFailed { request_id: 3, .. } | OnnxEvent::RunDone { request_id: 3, .. }
        )
    });
    let OnnxEvent::RunFailed { error, .. } = last else {
        panic!("[[1, 2]] does not fit x [1, 256]: {last:?}");
    };
    assert!(matches!(error, OnnxError::Input(_)), "{error}");
}

// Random text and random shapes: the parser answers, it never panics, and a
// well-formed request of the right shape is accepted with that shape.
proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let model = load("iris_logreg");
        let _ = parse_request(&text, &model.info().inputs, &InputLimits::default());
    }

    #[test]
    fn json_like_text_never_panics(text in r#"[\[\]{}",:0-9.eE+\- a-z]{0,120}"#) {
        let model = load("digits_mlp");
        let _ = parse_request(&text, &model.info().inputs, &InputLimits::default());
    }

    #[test]
    fn right_shapes_parse_and_wrong_widths_are_named(rows in 1usize..20, width in 1usize..10, seed in 0u64..1000) {
        let model = load("iris_logreg");
        let mut rng = fastrand::Rng::with_seed(seed);
        let body: Vec<String> = (0..rows)
            .map(|_| {
                let row: Vec<String> = (0..width).map(|_| format!("{:.3}", rng.f32() * 10.0)).collect();
                format!("[{}]", row.join(", "))
            })
            .collect();
        let text = format!("{{\"instances\": [{}]}}", body.join(", "));
        let result = parse_request(&text, &model.info().inputs, &InputLimits::default());
        if width == 4 {
            let parsed = result.expect("a well-formed iris request parses");
            prop_assert_eq!(parsed.tensors.len(), 1);
            prop_assert_eq!(parsed.tensors[0].tensor.shape.clone(), vec![rows, 4]);
        } else {
            let e = result.expect_err("iris takes 4 features");
            prop_assert!(e.to_string().contains("4"), "{}", e);
        }
    }
}
