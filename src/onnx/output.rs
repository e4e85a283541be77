//! Model outputs as plain data, including scikit-learn's ZipMap outputs
//! (`seq(map(int64 | string, float))`), and argmax / top-k for classifiers.

use std::cmp::Ordering;
use std::fmt;

use ort::value::{DynValue, DynValueTypeMarker, TensorElementType, ValueType};

use super::model::element_type_from_ort;
use super::tensor::{Tensor, TensorData};

/// Rows of a batch that get a top-k summary; later rows are left out.
pub const MAX_CLASSIFIED_ROWS: usize = 1000;

/// A map key: ZipMap uses class indices (`int64`) or class names (`string`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MapKey {
    Int(i64),
    Str(String),
}

impl fmt::Display for MapKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(i) => write!(f, "{i}"),
            Self::Str(s) => f.write_str(s),
        }
    }
}

/// One map, entries in the order ONNX Runtime returns them (sorted by key).
#[derive(Debug, Clone, PartialEq)]
pub struct MapValue {
    pub entries: Vec<(MapKey, f64)>,
}

impl MapValue {
    /// `int64`, `string`, or `?` for an empty map.
    pub fn key_type_name(&self) -> &'static str {
        match self.entries.first() {
            Some((MapKey::Int(_), _)) => "int64",
            Some((MapKey::Str(_), _)) => "string",
            None => "?",
        }
    }
}

/// The value of one model output.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputValue {
    Tensor(Tensor),
    /// A sequence of maps, e.g. scikit-learn's ZipMap: one map per input row.
    SequenceOfMaps(Vec<MapValue>),
    Map(MapValue),
    SequenceOfTensors(Vec<Tensor>),
    /// Something kftui cannot show (e.g. a float16 tensor); says what it is.
    Unsupported {
        description: String,
    },
}

/// An output with its name.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedOutput {
    pub name: String,
    pub value: OutputValue,
}

/// A class and its score.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassScore {
    pub label: String,
    pub score: f64,
}

/// The best classes of one row of a probabilities output, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// The output the scores come from.
    pub output: String,
    /// The row of the batch.
    pub row: usize,
    pub top: Vec<ClassScore>,
}

impl Classification {
    /// The best class.
    pub fn argmax(&self) -> Option<&ClassScore> {
        self.top.first()
    }
}

/// The `k` best of `scores`, highest first; ties keep their order, NaN sorts last.
pub fn top_k(scores: impl IntoIterator<Item = (String, f64)>, k: usize) -> Vec<ClassScore> {
    let mut all: Vec<ClassScore> = scores
        .into_iter()
        .map(|(label, score)| ClassScore { label, score })
        .collect();
    all.sort_by(|a, b| match (a.score.is_nan(), b.score.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => b.score.partial_cmp(&a.score).unwrap_or(Ordering::Equal),
    });
    all.truncate(k);
    all
}

/// The index of the largest value (the first one on ties, NaN ignored).
pub fn argmax(values: &[f64]) -> Option<usize> {
    values
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.is_nan())
        .fold(None, |best: Option<(usize, f64)>, (i, v)| match best {
            Some((_, b)) if b >= *v => best,
            _ => Some((i, *v)),
        })
        .map(|(i, _)| i)
}

/// Whether an output name suggests class scores.
fn looks_like_scores(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["prob", "score", "softmax", "logit"]
        .iter()
        .any(|word| name.contains(word))
}

/// Top-k per row for every output that holds class scores: ZipMap sequences, and
/// float tensors `[N, C]` / `[C]` whose name says probabilities, scores or logits.
pub fn classify(outputs: &[NamedOutput], k: usize) -> Vec<Classification> {
    let mut out = Vec::new();
    for output in outputs {
        match &output.value {
            OutputValue::SequenceOfMaps(maps) => {
                for (row, map) in maps.iter().enumerate().take(MAX_CLASSIFIED_ROWS) {
                    let scores = map.entries.iter().map(|(key, v)| (key.to_string(), *v));
                    out.push(Classification {
                        output: output.name.clone(),
                        row,
                        top: top_k(scores, k),
                    });
                }
            }
            OutputValue::Map(map) => {
                let scores = map.entries.iter().map(|(key, v)| (key.to_string(), *v));
                out.push(Classification {
                    output: output.name.clone(),
                    row: 0,
                    top: top_k(scores, k),
                });
            }
            OutputValue::Tensor(t)
                if t.element_type().is_float() && looks_like_scores(&output.name) =>
            {
                let (rows, classes) = match t.shape.as_slice() {
                    [c] => (1, *c),
                    [n, c] => (*n, *c),
                    _ => continue,
                };
                if classes < 2 {
                    continue;
                }
                for row in 0..rows.min(MAX_CLASSIFIED_ROWS) {
                    let scores = (0..classes).filter_map(|c| {
                        t.data
                            .get_f64(row * classes + c)
                            .map(|v| (c.to_string(), v))
                    });
                    out.push(Classification {
                        output: output.name.clone(),
                        row,
                        top: top_k(scores, k),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Converts one ONNX Runtime output value into plain data.
pub(crate) fn convert_output(value: &DynValue) -> OutputValue {
    let converted = match value.dtype() {
        ValueType::Tensor { ty, .. } => tensor_from_ort(value, *ty).map(OutputValue::Tensor),
        ValueType::Map {
            key,
            value: value_type,
        } => map_from_ort(value, *key, *value_type).map(OutputValue::Map),
        ValueType::Sequence(inner) => sequence_from_ort(value, inner),
        other => Err(other.to_string()),
    };
    converted.unwrap_or_else(|description| OutputValue::Unsupported { description })
}

fn sequence_from_ort(value: &DynValue, inner: &ValueType) -> Result<OutputValue, String> {
    let items = value
        .try_extract_sequence::<DynValueTypeMarker>()
        .map_err(|e| e.to_string())?;
    match inner {
        ValueType::Map {
            key,
            value: value_type,
        } => items
            .iter()
            .map(|item| map_from_ort(item, *key, *value_type))
            .collect::<Result<Vec<_>, _>>()
            .map(OutputValue::SequenceOfMaps),
        ValueType::Tensor { ty, .. } => items
            .iter()
            .map(|item| tensor_from_ort(item, *ty))
            .collect::<Result<Vec<_>, _>>()
            .map(OutputValue::SequenceOfTensors),
        other => Err(format!("seq({other})")),
    }
}

fn shape_of(dims: &[i64]) -> Vec<usize> {
    dims.iter()
        .map(|d| usize::try_from(*d).unwrap_or(0))
        .collect()
}

fn tensor_from_ort(value: &DynValue, ty: TensorElementType) -> Result<Tensor, String> {
    macro_rules! extract {
        ($t:ty, $variant:ident) => {{
            let (shape, data) = value
                .try_extract_tensor::<$t>()
                .map_err(|e| e.to_string())?;
            (shape_of(shape), TensorData::$variant(data.to_vec()))
        }};
    }
    let (shape, data) = match ty {
        TensorElementType::Float32 => extract!(f32, Float32),
        TensorElementType::Float64 => extract!(f64, Float64),
        TensorElementType::Int8 => extract!(i8, Int8),
        TensorElementType::Int16 => extract!(i16, Int16),
        TensorElementType::Int32 => extract!(i32, Int32),
        TensorElementType::Int64 => extract!(i64, Int64),
        TensorElementType::Uint8 => extract!(u8, Uint8),
        TensorElementType::Uint16 => extract!(u16, Uint16),
        TensorElementType::Uint32 => extract!(u32, Uint32),
        TensorElementType::Uint64 => extract!(u64, Uint64),
        TensorElementType::Bool => extract!(bool, Bool),
        TensorElementType::String => {
            let (shape, data) = value.try_extract_strings().map_err(|e| e.to_string())?;
            (shape_of(shape), TensorData::String(data))
        }
        other => {
            let shape = value
                .dtype()
                .tensor_shape()
                .map(|s| shape_of(s))
                .unwrap_or_default();
            return Err(format!(
                "{} tensor {}",
                element_type_from_ort(other),
                super::tensor::format_shape(&shape)
            ));
        }
    };
    Tensor::new(shape, data).ok_or_else(|| "tensor whose shape does not match its data".to_string())
}

fn map_from_ort(
    value: &DynValue,
    key: TensorElementType,
    value_type: TensorElementType,
) -> Result<MapValue, String> {
    macro_rules! entries {
        ($k:ty, $v:ty, $key:expr) => {{
            let pairs = value
                .try_extract_key_values::<$k, $v>()
                .map_err(|e| e.to_string())?;
            pairs
                .into_iter()
                .map(|(k, v)| ($key(k), v as f64))
                .collect::<Vec<(MapKey, f64)>>()
        }};
    }
    let entries = match (key, value_type) {
        (TensorElementType::Int64, TensorElementType::Float32) => entries!(i64, f32, MapKey::Int),
        (TensorElementType::Int64, TensorElementType::Float64) => entries!(i64, f64, MapKey::Int),
        (TensorElementType::Int64, TensorElementType::Int64) => entries!(i64, i64, MapKey::Int),
        (TensorElementType::String, TensorElementType::Float32) => {
            entries!(String, f32, MapKey::Str)
        }
        (TensorElementType::String, TensorElementType::Float64) => {
            entries!(String, f64, MapKey::Str)
        }
        (TensorElementType::String, TensorElementType::Int64) => entries!(String, i64, MapKey::Str),
        (k, v) => {
            return Err(format!(
                "map({}, {})",
                element_type_from_ort(k),
                element_type_from_ort(v)
            ));
        }
    };
    Ok(MapValue { entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str, value: OutputValue) -> NamedOutput {
        NamedOutput {
            name: name.to_string(),
            value,
        }
    }

    #[test]
    fn top_k_orders_by_score_with_nan_last() {
        let top = top_k(
            [
                ("a".to_string(), 0.1),
                ("b".to_string(), f64::NAN),
                ("c".to_string(), 0.7),
                ("d".to_string(), 0.2),
            ],
            3,
        );
        let labels: Vec<&str> = top.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["c", "d", "a"]);
    }

    #[test]
    fn argmax_takes_first_of_ties_and_skips_nan() {
        assert_eq!(argmax(&[0.2, 0.5, 0.5, 0.1]), Some(1));
        assert_eq!(argmax(&[f64::NAN, 0.1]), Some(1));
        assert_eq!(argmax(&[]), None);
    }

    #[test]
    fn zipmap_rows_become_classifications() {
        let maps = vec![
            MapValue {
                entries: vec![(MapKey::Int(0), 0.1), (MapKey::Int(1), 0.9)],
            },
            MapValue {
                entries: vec![(MapKey::Int(0), 0.8), (MapKey::Int(1), 0.2)],
            },
        ];
        let got = classify(
            &[named(
                "output_probability",
                OutputValue::SequenceOfMaps(maps),
            )],
            1,
        );
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].argmax().map(|c| c.label.as_str()), Some("1"));
        assert_eq!(got[1].argmax().map(|c| c.label.as_str()), Some("0"));
        assert_eq!(got[1].row, 1);
    }

    #[test]
    fn probability_tensors_are_classified_by_name() {
        let probs = Tensor::new(
            vec![2, 3],
            TensorData::Float32(vec![0.1, 0.2, 0.7, 0.6, 0.3, 0.1]),
        )
        .expect("shape");
        let got = classify(
            &[
                named("probabilities", OutputValue::Tensor(probs.clone())),
                named("embedding", OutputValue::Tensor(probs)),
            ],
            2,
        );
        assert_eq!(got.len(), 2, "only the probabilities output counts");
        assert_eq!(
            got[0].top[0],
            ClassScore {
                label: "2".into(),
                score: f64::from(0.7f32)
            }
        );
        assert_eq!(got[1].top[0].label, "0");
        assert_eq!(got[1].top.len(), 2);
    }
}
