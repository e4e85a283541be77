//! Real inference through ONNX Runtime on the shipped models, compared with the
//! outputs Python onnxruntime 1.31.1 recorded; metadata, ZipMap, top-k, templates.

mod onnx_support;

use kftui::onnx::template::{TemplateKind, template};
use kftui::onnx::{
    CancelToken, Dim, ElementType, FormatOptions, LoadOptions, LoadedModel, MapKey, OutputValue,
    Provider, RequestFormat, TensorData, ValueKind, format_run_result,
};
use onnx_support::{
    assert_matches_expected, fixtures_dir, load, load_path, model_path, models_dir, read, read_json,
};

const SHIPPED: [&str; 4] = ["iris_logreg", "iris_tree", "iris_linreg", "digits_mlp"];

#[test]
fn runtime_is_the_expected_version() {
    let info = onnx_support::runtime();
    assert_eq!(info.version, "1.31.1", "{info:?}");
    assert!(info.library.exists());
}

#[test]
fn every_shipped_model_reproduces_the_recorded_outputs() {
    for name in SHIPPED {
        let mut model = load(name);
        let request = template(model.info(), TemplateKind::Example).expect("example request");
        let result = model
            .run_text(&request, &CancelToken::new())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = read_json(&models_dir().join(format!("{name}.expected.json")));
        assert_matches_expected(&result, &expected);
        assert!(
            result.timings.total >= result.timings.inference,
            "{name}: {:?}",
            result.timings
        );
    }
}

#[test]
fn the_three_request_formats_are_exercised_by_the_examples() {
    let formats: Vec<RequestFormat> = SHIPPED
        .iter()
        .map(|name| {
            let mut model = load(name);
            let request = read(&models_dir().join(format!("{name}.input.json")));
            model
                .run_text(&request, &CancelToken::new())
                .expect("runs")
                .format
        })
        .collect();
    assert_eq!(
        formats,
        [
            RequestFormat::KServeV1,
            RequestFormat::OpenInferenceV2,
            RequestFormat::BareArray,
            RequestFormat::OpenInferenceV2
        ]
    );
}

#[test]
fn iris_logreg_metadata() {
    let model = load("iris_logreg");
    let info = model.info();
    assert_eq!(info.inputs.len(), 1);
    assert_eq!(info.inputs[0].name, "features");
    assert_eq!(
        info.inputs[0].kind,
        ValueKind::Tensor {
            element: ElementType::Float32,
            dims: vec![Dim::Named("batch".into()), Dim::Fixed(4)]
        }
    );
    assert_eq!(info.inputs[0].shape_text(), "batch × 4");
    let outputs: Vec<(String, String)> = info
        .outputs
        .iter()
        .map(|o| (o.name.clone(), o.kind.to_string()))
        .collect();
    assert_eq!(
        outputs,
        [
            ("output_label".to_string(), "string[batch]".to_string()),
            (
                "output_probability".to_string(),
                "seq(map(string, float32))".to_string()
            ),
        ]
    );
    assert_eq!(
        info.opsets,
        [("ai.onnx".to_string(), 17), ("ai.onnx.ml".to_string(), 1)]
    );
    assert_eq!(info.ir_version, Some(8));
    assert_eq!(info.producer_name, "skl2onnx");
    assert_eq!(info.producer_version, "1.20.0");
    assert_eq!(info.graph_name, "iris_logreg");
    assert!(
        info.description.starts_with("Iris species"),
        "{}",
        info.description
    );
    let keys: Vec<&str> = info
        .custom_metadata
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(keys, ["dataset", "features", "made_by"]);
    assert_eq!(
        info.file_size,
        std::fs::metadata(model_path("iris_logreg"))
            .expect("stat")
            .len()
    );
    assert_eq!(info.provider, Provider::Cpu);
    assert_eq!(info.provider_note, None);
    assert!(info.load_time.as_nanos() > 0);
}

#[test]
fn unnamed_dynamic_dimensions_show_as_question_marks() {
    let model = load("digits_mlp");
    let info = model.info();
    assert_eq!(info.inputs[0].shape_text(), "? × 64");
    assert_eq!(info.outputs[1].name, "probabilities");
    assert_eq!(info.outputs[1].kind.to_string(), "float32[? × 10]");
}

#[test]
fn zipmap_with_string_keys_gives_class_names_and_top_k() {
    let mut model = load("iris_logreg");
    let result = model
        .run_text(
            r#"{"instances": [[5.1, 3.5, 1.4, 0.2], [7.7, 3.0, 6.1, 2.3]]}"#,
            &CancelToken::new(),
        )
        .expect("runs");
    let OutputValue::SequenceOfMaps(maps) = &result.outputs[1].value else {
        panic!("expected seq(map), got {:?}", result.outputs[1].value);
    };
    assert_eq!(maps.len(), 2);
    let keys: Vec<String> = maps[0].entries.iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(keys, ["setosa", "versicolor", "virginica"]);
    let total: f64 = maps[0].entries.iter().map(|(_, p)| p).sum();
    assert!((total - 1.0).abs() < 1e-5, "probabilities sum to {total}");
    let best: Vec<&str> = result
        .classifications
        .iter()
        .filter_map(|c| c.argmax())
        .map(|c| c.label.as_str())
        .collect();
    assert_eq!(best, ["setosa", "virginica"]);
    assert_eq!(result.classifications[0].top.len(), 3);
    assert_eq!(
        result.outputs[0].value,
        OutputValue::Tensor(kftui::onnx::Tensor {
            shape: vec![2],
            data: TensorData::String(vec!["setosa".into(), "virginica".into()]),
        })
    );
}

#[test]
fn zipmap_with_integer_keys() {
    let mut model = load("iris_tree");
    let result = model
        .run_text("[[5.9, 3.0, 5.1, 1.8]]", &CancelToken::new())
        .expect("runs");
    let OutputValue::SequenceOfMaps(maps) = &result.outputs[1].value else {
        panic!("expected seq(map), got {:?}", result.outputs[1].value);
    };
    let keys: Vec<&MapKey> = maps[0].entries.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, [&MapKey::Int(0), &MapKey::Int(1), &MapKey::Int(2)]);
    let label = match &result.outputs[0].value {
        OutputValue::Tensor(t) => t.data.get_f64(0).expect("label"),
        other => panic!("{other:?}"),
    };
    let argmax = result.classifications[0].argmax().expect("classified");
    assert_eq!(argmax.label, format!("{label}"));
}

#[test]
fn probability_tensors_without_zipmap_agree_with_the_label_output() {
    let mut model = load("digits_mlp");
    let request = read(&models_dir().join("digits_mlp.input.json"));
    let result = model.run_text(&request, &CancelToken::new()).expect("runs");
    let labels = match &result.outputs[0].value {
        OutputValue::Tensor(t) => t.data.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(labels, TensorData::Int64(vec![0, 1]));
    let best: Vec<&str> = result
        .classifications
        .iter()
        .filter_map(|c| c.argmax())
        .map(|c| c.label.as_str())
        .collect();
    assert_eq!(best, ["0", "1"]);
    assert_eq!(
        result.classifications[0].top.len(),
        5,
        "top-5 of 10 classes"
    );
    let text = format_run_result(
        &result,
        &FormatOptions {
            precision: Some(3),
            ..FormatOptions::default()
        },
    );
    assert!(text.contains("probabilities: float32 [2, 10]"), "{text}");
    assert!(text.contains("top-5 (probabilities row 1): 1 "), "{text}");
}

#[test]
fn templates_fit_every_shipped_model() {
    for name in SHIPPED {
        let mut model = load(name);
        for kind in [TemplateKind::Zeros, TemplateKind::Random { seed: 42 }] {
            let request = template(model.info(), kind).expect("template");
            let result = model
                .run_text(&request, &CancelToken::new())
                .unwrap_or_else(|e| panic!("{name} {kind:?}: {e}"));
            assert_eq!(result.format, RequestFormat::OpenInferenceV2);
            assert_eq!(
                result.inputs[0].1.first(),
                Some(&1),
                "{name}: dynamic batch becomes 1"
            );
        }
    }
}

#[test]
fn example_template_is_the_file_beside_the_model_unchanged() {
    let model = load("iris_linreg");
    let text = template(model.info(), TemplateKind::Example).expect("example");
    assert_eq!(text, read(&models_dir().join("iris_linreg.input.json")));
    let fixture = load_path(&fixtures_dir().join("multi_input.onnx"));
    let err =
        template(fixture.info(), TemplateKind::Example).expect_err("no example beside the fixture");
    assert!(err.to_string().contains("multi_input.input.json"), "{err}");
}

#[test]
fn multi_input_model_with_every_element_type() {
    let mut model = load_path(&fixtures_dir().join("multi_input.onnx"));
    let request = r#"{"instances": [
        {"a": [1, 2, 3], "b": [0.5, 0.5, 0.5], "count": 2, "tag": "x", "flag": true},
        {"a": [4, 5, 6], "b": [1, 1, 1], "count": -7, "tag": "yz", "flag": false}
    ]}"#;
    let result = model.run_text(request, &CancelToken::new()).expect("runs");
    let value = |name: &str| {
        result
            .outputs
            .iter()
            .find(|o| o.name == name)
            .map(|o| o.value.clone())
            .unwrap_or_else(|| panic!("{name}"))
    };
    let tensor = |name: &str| match value(name) {
        OutputValue::Tensor(t) => t,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        tensor("sum").data,
        TensorData::Float32(vec![1.5, 2.5, 3.5, 5.0, 6.0, 7.0])
    );
    assert_eq!(tensor("sum").shape, [2, 3]);
    assert_eq!(
        tensor("count_doubled").data,
        TensorData::Int64(vec![4, -14])
    );
    assert_eq!(
        tensor("tag_echo").data,
        TensorData::String(vec!["x".into(), "yz".into()])
    );
    assert_eq!(
        tensor("flag_negated").data,
        TensorData::Bool(vec![false, true])
    );
    assert!(result.classifications.is_empty());
}

#[test]
fn cuda_request_on_a_cpu_only_build_falls_back_with_a_note() {
    let info = onnx_support::runtime();
    if info.cuda_available {
        return; // a CUDA build: covered by running on a GPU machine
    }
    let options = LoadOptions {
        provider: Provider::Cuda,
        ..LoadOptions::default()
    };
    let model = LoadedModel::load(&model_path("iris_logreg"), &options).expect("loads on CPU");
    assert_eq!(model.info().provider, Provider::Cpu);
    assert_eq!(
        model.info().provider_note.as_deref(),
        Some("CUDA execution provider not available in this ONNX Runtime build (CPU only)")
    );
    assert!(
        info.notes.iter().any(|n| n.contains("CPU only")),
        "{:?}",
        info.notes
    );
}
