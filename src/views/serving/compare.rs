//! The deployed model's answer beside the local model's for the same
//! request, and where they differ: class labels row by row, and the
//! largest absolute difference of each pair of numeric outputs. Pure data
//! shaping, no ratatui: the view renders a [`Comparison`].
//!
//! Outputs are paired by name first, then by shape: a KServe v2 server
//! names scikit-learn's probabilities `probabilities` where the ONNX file
//! has a ZipMap `output_probability`, and a KServe v1 answer carries only
//! `predictions` (the labels of a classifier, the values of a regressor).

use serde_json::Value;

use super::answer::Protocol;
use crate::onnx::{OutputValue, RunResult, TensorData};

/// A difference above this is marked as one (float32 round-off is below).
pub const TOLERANCE: f64 = 1e-4;

/// Numbers of one output, flat in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Numbers {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<f64>,
}

/// What one side answered, in comparable form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Side {
    /// Class labels, one per row, and the output they came from.
    pub labels: Option<(String, Vec<String>)>,
    pub numbers: Vec<Numbers>,
}

/// One row's labels.
#[derive(Debug, Clone, PartialEq)]
pub struct RowLabels {
    pub row: usize,
    pub local: Option<String>,
    pub remote: Option<String>,
}

impl RowLabels {
    pub fn same(&self) -> bool {
        self.local == self.remote
    }
}

/// One pair of numeric outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorDiff {
    pub local: String,
    pub remote: String,
    pub shape: Vec<usize>,
    pub max_abs_diff: f64,
    /// The flat index of the largest difference.
    pub at: usize,
}

impl TensorDiff {
    pub fn differs(&self) -> bool {
        self.max_abs_diff.is_nan() || self.max_abs_diff > TOLERANCE
    }

    /// `[1, 2]` for flat index 5 of shape `[3, 3]`.
    pub fn at_text(&self) -> String {
        let mut rest = self.at;
        let mut idx = vec![0; self.shape.len()];
        for (i, d) in self.shape.iter().enumerate().rev() {
            if *d > 0 {
                idx[i] = rest % d;
                rest /= d;
            }
        }
        let parts: Vec<String> = idx.iter().map(ToString::to_string).collect();
        format!("[{}]", parts.join(", "))
    }
}

/// Both answers side by side.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comparison {
    /// Labels row by row, when both sides have labels.
    pub rows: Vec<RowLabels>,
    pub tensors: Vec<TensorDiff>,
    /// What could not be compared, in words.
    pub notes: Vec<String>,
}

impl Comparison {
    pub fn mismatched_rows(&self) -> Vec<&RowLabels> {
        self.rows.iter().filter(|r| !r.same()).collect()
    }

    /// Whether the two answers agree on everything compared.
    pub fn agrees(&self) -> bool {
        self.mismatched_rows().is_empty()
            && !self.tensors.iter().any(TensorDiff::differs)
            && (!self.rows.is_empty() || !self.tensors.is_empty())
    }

    /// One line: "same answer", or what differs.
    pub fn verdict(&self) -> String {
        if self.rows.is_empty() && self.tensors.is_empty() {
            return "nothing to compare: no output pairs up".into();
        }
        let bad = self.mismatched_rows();
        let mut parts = Vec::new();
        if !bad.is_empty() {
            parts.push(format!(
                "labels differ in {} of {} rows",
                bad.len(),
                self.rows.len()
            ));
        }
        for t in self.tensors.iter().filter(|t| t.differs()) {
            parts.push(format!(
                "{} differs by up to {}",
                t.remote,
                fmt_diff(t.max_abs_diff)
            ));
        }
        if parts.is_empty() {
            "same answer".into()
        } else {
            parts.join("; ")
        }
    }
}

/// A difference in few characters.
pub fn fmt_diff(d: f64) -> String {
    if d == 0.0 {
        "0".into()
    } else if d.abs() >= 1e-3 {
        format!("{d:.4}")
    } else {
        format!("{d:.1e}")
    }
}

fn looks_like_labels(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("label") || n.contains("class")
}

/// The local model's outputs.
pub fn local_side(result: &RunResult) -> Side {
    let mut side = Side::default();
    for out in &result.outputs {
        match &out.value {
            OutputValue::Tensor(t) => match &t.data {
                TensorData::String(v) => {
                    if side.labels.is_none() {
                        side.labels = Some((out.name.clone(), v.clone()));
                    }
                }
                data => {
                    let values: Vec<f64> =
                        (0..data.len()).filter_map(|i| data.get_f64(i)).collect();
                    if side.labels.is_none()
                        && looks_like_labels(&out.name)
                        && !data.element_type().is_float()
                    {
                        let labels = values.iter().map(|v| format!("{v}")).collect();
                        side.labels = Some((out.name.clone(), labels));
                    } else {
                        side.numbers.push(Numbers {
                            name: out.name.clone(),
                            shape: t.shape.clone(),
                            values,
                        });
                    }
                }
            },
            OutputValue::SequenceOfMaps(maps) => {
                let cols = maps.first().map(|m| m.entries.len()).unwrap_or(0);
                let values: Vec<f64> = maps
                    .iter()
                    .flat_map(|m| m.entries.iter().map(|(_, v)| *v))
                    .collect();
                side.numbers.push(Numbers {
                    name: out.name.clone(),
                    shape: vec![maps.len(), cols],
                    values,
                });
            }
            _ => {}
        }
    }
    side
}

fn flatten(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| flatten(x, out)),
        other => out.push(other.clone()),
    }
}

fn label_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n
            .as_f64()
            .map(|f| format!("{f}"))
            .unwrap_or_else(|| n.to_string()),
        other => other.to_string(),
    }
}

fn shape_of(v: &Value) -> Vec<usize> {
    let mut shape = Vec::new();
    let mut cur = v;
    while let Value::Array(a) = cur {
        shape.push(a.len());
        match a.first() {
            Some(x) => cur = x,
            None => break,
        }
    }
    shape
}

/// The deployed model's answer (its JSON body).
pub fn remote_side(protocol: Protocol, body: &Value) -> Side {
    let mut side = Side::default();
    match protocol {
        Protocol::V1 => {
            let Some(preds) = body.get("predictions") else {
                return side;
            };
            let mut flat = Vec::new();
            flatten(preds, &mut flat);
            let shape = shape_of(preds);
            let all_text = flat.iter().all(Value::is_string);
            let all_ints = flat.iter().all(|x| x.is_i64() || x.is_u64());
            if shape.len() == 1 && (all_text || all_ints) {
                side.labels = Some(("predictions".into(), flat.iter().map(label_text).collect()));
            }
            if !all_text {
                side.numbers.push(Numbers {
                    name: "predictions".into(),
                    shape,
                    values: flat
                        .iter()
                        .map(|x| x.as_f64().unwrap_or(f64::NAN))
                        .collect(),
                });
            }
        }
        Protocol::V2 => {
            let outputs = body
                .get("outputs")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for o in outputs {
                let name = o
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string();
                let mut flat = Vec::new();
                if let Some(d) = o.get("data") {
                    flatten(d, &mut flat);
                }
                let shape: Vec<usize> = o
                    .get("shape")
                    .and_then(Value::as_array)
                    .map(|s| {
                        s.iter()
                            .filter_map(Value::as_u64)
                            .map(|d| d as usize)
                            .collect()
                    })
                    .unwrap_or_else(|| vec![flat.len()]);
                let bytes = o.get("datatype").and_then(Value::as_str) == Some("BYTES")
                    || flat.iter().all(Value::is_string);
                if bytes || (looks_like_labels(&name) && side.labels.is_none()) {
                    if side.labels.is_none() {
                        side.labels = Some((name, flat.iter().map(label_text).collect()));
                    }
                } else {
                    side.numbers.push(Numbers {
                        name,
                        shape,
                        values: flat
                            .iter()
                            .map(|x| x.as_f64().unwrap_or(f64::NAN))
                            .collect(),
                    });
                }
            }
        }
    }
    side
}

fn diff(local: &Numbers, remote: &Numbers) -> TensorDiff {
    let mut max = 0.0f64;
    let mut at = 0;
    for (i, (a, b)) in local.values.iter().zip(&remote.values).enumerate() {
        let d = (a - b).abs();
        if d.is_nan() || d > max {
            max = d;
            at = i;
            if d.is_nan() {
                break;
            }
        }
    }
    TensorDiff {
        local: local.name.clone(),
        remote: remote.name.clone(),
        shape: remote.shape.clone(),
        max_abs_diff: max,
        at,
    }
}

/// Compares the two sides.
pub fn compare(local: &Side, remote: &Side) -> Comparison {
    let mut c = Comparison::default();
    match (&local.labels, &remote.labels) {
        (Some((_, l)), Some((_, r))) => {
            let n = l.len().max(r.len());
            c.rows = (0..n)
                .map(|row| RowLabels {
                    row,
                    local: l.get(row).cloned(),
                    remote: r.get(row).cloned(),
                })
                .collect();
        }
        (Some((name, _)), None) => c.notes.push(format!(
            "the deployed model answered no labels to compare with {name}"
        )),
        (None, Some((name, _))) => c.notes.push(format!(
            "the local model has no labels to compare with {name}"
        )),
        (None, None) => {}
    }
    let mut used = vec![false; local.numbers.len()];
    for r in &remote.numbers {
        let by_name = local
            .numbers
            .iter()
            .position(|l| l.name == r.name && l.values.len() == r.values.len());
        let by_shape = || {
            local
                .numbers
                .iter()
                .enumerate()
                .position(|(i, l)| !used[i] && l.values.len() == r.values.len())
        };
        match by_name.or_else(by_shape) {
            Some(i) => {
                used[i] = true;
                c.tensors.push(diff(&local.numbers[i], r));
            }
            None => c.notes.push(format!(
                "no local output has the {} values of {}",
                r.values.len(),
                r.name
            )),
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::output::{MapKey, MapValue, NamedOutput};
    use crate::onnx::{RunTimings, Tensor};
    use serde_json::json;

    fn local() -> Side {
        let result = RunResult {
            format: crate::onnx::RequestFormat::KServeV1,
            inputs: Vec::new(),
            notes: Vec::new(),
            outputs: vec![
                NamedOutput {
                    name: "output_label".into(),
                    value: OutputValue::Tensor(
                        Tensor::new(
                            vec![2],
                            TensorData::String(vec!["setosa".into(), "versicolor".into()]),
                        )
                        .expect("tensor"),
                    ),
                },
                NamedOutput {
                    name: "output_probability".into(),
                    value: OutputValue::SequenceOfMaps(vec![
                        MapValue {
                            entries: vec![
                                (MapKey::Str("a".into()), 0.9),
                                (MapKey::Str("b".into()), 0.1),
                            ],
                        },
                        MapValue {
                            entries: vec![
                                (MapKey::Str("a".into()), 0.2),
                                (MapKey::Str("b".into()), 0.8),
                            ],
                        },
                    ]),
                },
            ],
            classifications: Vec::new(),
            timings: RunTimings::default(),
        };
        local_side(&result)
    }

    #[test]
    fn labels_and_tensors_pair_up() {
        let l = local();
        assert_eq!(l.numbers[0].shape, vec![2, 2]);
        let same = remote_side(
            Protocol::V1,
            &json!({"predictions": ["setosa", "versicolor"]}),
        );
        let c = compare(&l, &same);
        assert!(c.agrees(), "{c:?}");
        assert_eq!(c.verdict(), "same answer");
        let other = remote_side(
            Protocol::V1,
            &json!({"predictions": ["setosa", "virginica"]}),
        );
        let c = compare(&l, &other);
        assert!(!c.agrees());
        assert_eq!(c.mismatched_rows().len(), 1);
        assert_eq!(c.verdict(), "labels differ in 1 of 2 rows");
        let v2 = json!({"outputs": [
            {"name": "output_label", "datatype": "BYTES", "shape": [2], "data": ["setosa", "versicolor"]},
            {"name": "probabilities", "datatype": "FP32", "shape": [2, 2], "data": [0.9, 0.1, 0.2, 0.3]}]});
        let c = compare(&l, &remote_side(Protocol::V2, &v2));
        assert_eq!(c.tensors.len(), 1);
        let t = &c.tensors[0];
        assert!((t.max_abs_diff - 0.5).abs() < 1e-9, "{t:?}");
        assert_eq!(t.at_text(), "[1, 1]");
        assert_eq!(c.verdict(), "probabilities differs by up to 0.5000");
        let odd = remote_side(
            Protocol::V2,
            &json!({"outputs": [{"name": "x", "datatype": "FP32", "shape": [5], "data": [1, 2, 3, 4, 5]}]}),
        );
        let c = compare(&l, &odd);
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("no local output has the 5 values of x"))
        );
        assert!(c.notes.iter().any(|n| n.contains("answered no labels")));
    }
}
