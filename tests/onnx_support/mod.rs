//! Shared helpers of the ONNX integration tests: the runtime (found exactly as the
//! app finds it), the shipped models and the comparison with recorded outputs.
#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};

use kftui::onnx::runtime::{self, RuntimeInfo};
use kftui::onnx::{LoadOptions, LoadedModel, OutputValue, RunResult, TensorData};
use serde_json::Value;

/// Starts ONNX Runtime the way the app does; fails the test with set-up advice if it is missing.
pub fn runtime() -> RuntimeInfo {
    match runtime::init(None) {
        Ok(info) => info,
        Err(e) => panic!(
            "ONNX Runtime is needed by this test and could not be started.\n\
             Run `scripts/fetch-onnxruntime.sh` (it installs libonnxruntime into kftui's data directory).\n\n{e}"
        ),
    }
}

pub fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models")
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onnx")
}

pub fn model_path(name: &str) -> PathBuf {
    models_dir().join(format!("{name}.onnx"))
}

/// Loads a shipped model (one intra-op thread, like the recorded outputs).
pub fn load(name: &str) -> LoadedModel {
    load_path(&model_path(name))
}

pub fn load_path(path: &Path) -> LoadedModel {
    runtime();
    let options = LoadOptions {
        intra_threads: Some(1),
        ..LoadOptions::default()
    };
    LoadedModel::load(path, &options).unwrap_or_else(|e| panic!("loading {}: {e}", path.display()))
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// Float closeness used against Python's recorded outputs.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-5 + 1e-4 * b.abs()
}

fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("expected a number, got {value}"))
}

/// Asserts that `result` matches `<model>.expected.json` (recorded by Python onnxruntime).
pub fn assert_matches_expected(result: &RunResult, expected: &Value) {
    let outputs = expected["outputs"]
        .as_array()
        .expect("expected.outputs is an array");
    assert_eq!(result.outputs.len(), outputs.len(), "number of outputs");
    for want in outputs {
        let name = want["name"].as_str().expect("output name");
        let got = result
            .outputs
            .iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("output {name} missing from {:?}", result.outputs));
        match (want["kind"].as_str(), &got.value) {
            (Some("tensor"), OutputValue::Tensor(t)) => {
                let shape: Vec<usize> = want["shape"]
                    .as_array()
                    .expect("shape")
                    .iter()
                    .map(|d| d.as_u64().expect("dim") as usize)
                    .collect();
                assert_eq!(t.shape, shape, "shape of {name}");
                let data = want["data"].as_array().expect("data");
                assert_eq!(t.len(), data.len(), "length of {name}");
                assert_eq!(
                    t.element_type().v2_datatype(),
                    want["datatype"].as_str(),
                    "datatype of {name}"
                );
                for (i, v) in data.iter().enumerate() {
                    match &t.data {
                        TensorData::String(s) => {
                            assert_eq!(Some(s[i].as_str()), v.as_str(), "{name}[{i}]")
                        }
                        other => {
                            let got = other.get_f64(i).expect("numeric");
                            assert!(
                                close(got, number(v)),
                                "{name}[{i}]: got {got}, expected {v}"
                            );
                        }
                    }
                }
            }
            (Some("sequence_of_maps"), OutputValue::SequenceOfMaps(maps)) => {
                let rows = want["data"].as_array().expect("rows");
                assert_eq!(maps.len(), rows.len(), "rows of {name}");
                for (row, (map, want_row)) in maps.iter().zip(rows).enumerate() {
                    let pairs = want_row.as_array().expect("pairs");
                    assert_eq!(map.entries.len(), pairs.len(), "{name}[{row}] size");
                    for (key, value) in &map.entries {
                        let pair = pairs
                            .iter()
                            .find(|p| p[0].to_string().trim_matches('"') == key.to_string())
                            .unwrap_or_else(|| panic!("{name}[{row}] has unexpected key {key}"));
                        assert!(
                            close(*value, number(&pair[1])),
                            "{name}[{row}][{key}]: got {value}, expected {}",
                            pair[1]
                        );
                    }
                }
            }
            (kind, value) => panic!("output {name}: expected kind {kind:?}, got {value:?}"),
        }
    }
}
