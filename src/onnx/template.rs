//! Request text that fits a model: zeros, random values, or the example file
//! beside the model (`<model>.input.json`); and writing tensors as request text.
//!
//! Templates use the Open Inference Protocol v2 layout because it names every
//! input, its shape and datatype, so the user sees what the model wants. Dynamic
//! dimensions are set to 1.

use std::path::{Path, PathBuf};

use super::error::{InputError, OnnxError};
use super::input::InputLimits;
use super::model::ModelInfo;
use super::tensor::{
    Dim, ElementType, IoSpec, NamedTensor, Tensor, TensorData, format_f32, format_f64,
};

/// What to fill a template with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    Zeros,
    /// Uniform values (floats in [0, 1), small integers), reproducible per seed.
    Random {
        seed: u64,
    },
    /// The example request beside the model, unchanged.
    Example,
}

/// The example request file of a model: `iris.onnx` → `iris.input.json`.
pub fn example_input_path(model: &Path) -> PathBuf {
    model.with_extension("input.json")
}

/// A request for the model described by `info`.
pub fn template(info: &ModelInfo, kind: TemplateKind) -> Result<String, OnnxError> {
    match kind {
        TemplateKind::Example => {
            let path = example_input_path(&info.path);
            if !path.is_file() {
                return Err(OnnxError::NoExample { path });
            }
            std::fs::read_to_string(&path).map_err(|e| OnnxError::ReadFailed {
                path,
                detail: e.to_string(),
            })
        }
        TemplateKind::Zeros | TemplateKind::Random { .. } => Ok(template_for_inputs(
            &info.inputs,
            kind,
            &InputLimits::default(),
        )?),
    }
}

/// A zeros or random request for `inputs`, refusing shapes beyond `limits`.
pub fn template_for_inputs(
    inputs: &[IoSpec],
    kind: TemplateKind,
    limits: &InputLimits,
) -> Result<String, InputError> {
    let mut rng = match kind {
        TemplateKind::Random { seed } => Some(fastrand::Rng::with_seed(seed)),
        _ => None,
    };
    let mut tensors = Vec::with_capacity(inputs.len());
    for input in inputs {
        let Some((element, dims)) = input.tensor() else {
            return Err(InputError::UnsupportedInputKind {
                name: input.name.clone(),
                kind: input.kind.to_string(),
            });
        };
        if !element.is_supported_input() {
            return Err(InputError::UnsupportedElementType {
                name: input.name.clone(),
                element,
            });
        }
        let shape: Vec<u64> = dims
            .iter()
            .map(|d| if let Dim::Fixed(n) = d { *n } else { 1 })
            .collect();
        let count = shape
            .iter()
            .try_fold(1u128, |acc, d| acc.checked_mul(u128::from(*d)));
        let bytes = count.and_then(|c| c.checked_mul(u128::from(element.approx_element_bytes())));
        let count = match (count, bytes) {
            (Some(count), Some(b)) if b <= u128::from(limits.max_tensor_bytes) => count as usize,
            _ => {
                let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
                return Err(InputError::TooLarge {
                    input: input.name.clone(),
                    shape: format!("[{}]", dims.join(", ")),
                    element,
                    bytes: bytes.unwrap_or(u128::MAX),
                    limit: limits.max_tensor_bytes,
                });
            }
        };
        let data = fill(element, count, rng.as_mut());
        let shape = shape.iter().map(|d| *d as usize).collect();
        tensors.push(NamedTensor {
            name: input.name.clone(),
            tensor: Tensor { shape, data },
        });
    }
    Ok(format_request(&tensors))
}

fn fill(element: ElementType, count: usize, rng: Option<&mut fastrand::Rng>) -> TensorData {
    let Some(rng) = rng else {
        return zeros(element, count);
    };
    // Floats rounded to 4 decimals so the text stays readable.
    let mut unit = || (rng.f64() * 10_000.0).round() / 10_000.0;
    match element {
        ElementType::Float32 => TensorData::Float32((0..count).map(|_| unit() as f32).collect()),
        ElementType::Float64 => TensorData::Float64((0..count).map(|_| unit()).collect()),
        ElementType::Bool => TensorData::Bool((0..count).map(|_| unit() < 0.5).collect()),
        ElementType::String => TensorData::String((0..count).map(|i| format!("text{i}")).collect()),
        other => {
            let ints: Vec<i64> = (0..count).map(|_| (unit() * 10.0) as i64).collect();
            integers(other, &ints)
        }
    }
}

fn zeros(element: ElementType, count: usize) -> TensorData {
    match element {
        ElementType::Float32 => TensorData::Float32(vec![0.0; count]),
        ElementType::Float64 => TensorData::Float64(vec![0.0; count]),
        ElementType::Bool => TensorData::Bool(vec![false; count]),
        ElementType::String => TensorData::String(vec![String::new(); count]),
        other => integers(other, &vec![0; count]),
    }
}

/// Small non-negative integers (0–10) in the given integer type.
fn integers(element: ElementType, values: &[i64]) -> TensorData {
    let small = |v: &i64| *v as u8; // values are 0..=10
    match element {
        ElementType::Int8 => TensorData::Int8(values.iter().map(|v| small(v) as i8).collect()),
        ElementType::Int16 => {
            TensorData::Int16(values.iter().map(|v| i16::from(small(v))).collect())
        }
        ElementType::Int32 => {
            TensorData::Int32(values.iter().map(|v| i32::from(small(v))).collect())
        }
        ElementType::Uint8 => TensorData::Uint8(values.iter().map(small).collect()),
        ElementType::Uint16 => {
            TensorData::Uint16(values.iter().map(|v| u16::from(small(v))).collect())
        }
        ElementType::Uint32 => {
            TensorData::Uint32(values.iter().map(|v| u32::from(small(v))).collect())
        }
        ElementType::Uint64 => {
            TensorData::Uint64(values.iter().map(|v| u64::from(small(v))).collect())
        }
        _ => TensorData::Int64(values.to_vec()),
    }
}

/// Tensors as an Open Inference Protocol v2 request, data nested by shape,
/// innermost rows on one line. Parsing it back gives the same tensors.
pub fn format_request(tensors: &[NamedTensor]) -> String {
    let mut out = String::from("{\n  \"inputs\": [");
    for (i, named) in tensors.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let t = &named.tensor;
        let shape: Vec<String> = t.shape.iter().map(ToString::to_string).collect();
        out.push_str("\n    {\n");
        out.push_str(&format!(
            "      \"name\": {},\n",
            serde_json::Value::String(named.name.clone())
        ));
        out.push_str(&format!("      \"shape\": [{}],\n", shape.join(", ")));
        out.push_str(&format!(
            "      \"datatype\": \"{}\",\n",
            t.element_type().v2_datatype().unwrap_or("FP32")
        ));
        out.push_str("      \"data\": ");
        write_nested(&mut out, t, 0, 0, 8);
        out.push_str("\n    }");
    }
    out.push_str("\n  ]\n}\n");
    out
}

/// A tensor as a bare nested JSON array (a scalar for rank 0).
pub fn format_nested_array(tensor: &Tensor) -> String {
    let mut out = String::new();
    write_nested(&mut out, tensor, 0, 0, 0);
    out
}

fn write_nested(out: &mut String, tensor: &Tensor, axis: usize, offset: usize, indent: usize) {
    if tensor.shape.is_empty() {
        out.push_str(&json_value(&tensor.data, 0));
        return;
    }
    let len = tensor.shape[axis];
    let stride: usize = tensor.shape[axis + 1..].iter().product();
    let last_axis = axis + 1 == tensor.shape.len();
    out.push('[');
    for i in 0..len {
        if i > 0 {
            out.push(',');
            out.push(if last_axis { ' ' } else { '\n' });
        }
        if last_axis {
            out.push_str(&json_value(&tensor.data, offset + i));
        } else {
            if i > 0 {
                out.push_str(&" ".repeat(indent + axis + 1));
            }
            write_nested(out, tensor, axis + 1, offset + i * stride, indent);
        }
    }
    out.push(']');
}

fn json_value(data: &TensorData, index: usize) -> String {
    match data {
        TensorData::Float32(v) => v.get(index).map(|x| format_f32(*x)),
        TensorData::Float64(v) => v.get(index).map(|x| format_f64(*x)),
        other => other.value_text(index),
    }
    .unwrap_or_else(|| "null".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::input::parse_request;
    use crate::onnx::tensor::ValueKind;

    fn inputs() -> Vec<IoSpec> {
        vec![
            IoSpec {
                name: "features".into(),
                kind: ValueKind::Tensor {
                    element: ElementType::Float32,
                    dims: vec![Dim::Named("batch".into()), Dim::Fixed(4)],
                },
            },
            IoSpec {
                name: "ids".into(),
                kind: ValueKind::Tensor {
                    element: ElementType::Int64,
                    dims: vec![Dim::Unknown, Dim::Fixed(2), Dim::Fixed(3)],
                },
            },
        ]
    }

    #[test]
    fn zeros_template_has_the_model_shapes_and_parses_back() {
        let text = template_for_inputs(&inputs(), TemplateKind::Zeros, &InputLimits::default())
            .expect("template");
        let parsed = parse_request(&text, &inputs(), &InputLimits::default()).expect("parses");
        assert_eq!(parsed.tensors[0].tensor.shape, [1, 4]);
        assert_eq!(parsed.tensors[1].tensor.shape, [1, 2, 3]);
        assert_eq!(parsed.tensors[1].tensor.data, TensorData::Int64(vec![0; 6]));
        assert!(text.contains("\"datatype\": \"FP32\""), "{text}");
    }

    #[test]
    fn random_template_is_reproducible_per_seed() {
        let limits = InputLimits::default();
        let a =
            template_for_inputs(&inputs(), TemplateKind::Random { seed: 7 }, &limits).expect("a");
        let b =
            template_for_inputs(&inputs(), TemplateKind::Random { seed: 7 }, &limits).expect("b");
        let c =
            template_for_inputs(&inputs(), TemplateKind::Random { seed: 8 }, &limits).expect("c");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(parse_request(&a, &inputs(), &limits).is_ok());
    }

    #[test]
    fn huge_fixed_shapes_are_refused() {
        let big = vec![IoSpec {
            name: "x".into(),
            kind: ValueKind::Tensor {
                element: ElementType::Float32,
                dims: vec![Dim::Fixed(1 << 40), Dim::Fixed(4)],
            },
        }];
        let err = template_for_inputs(&big, TemplateKind::Zeros, &InputLimits::default())
            .expect_err("too large");
        assert!(matches!(err, InputError::TooLarge { .. }));
    }

    #[test]
    fn example_path_sits_beside_the_model() {
        assert_eq!(
            example_input_path(Path::new("/m/iris.onnx")),
            Path::new("/m/iris.input.json")
        );
        assert_eq!(
            example_input_path(Path::new("model")),
            Path::new("model.input.json")
        );
    }

    #[test]
    fn nested_layout_is_readable() {
        let t = Tensor::new(vec![2, 2], TensorData::Int64(vec![1, 2, 3, 4])).expect("shape");
        assert_eq!(format_nested_array(&t), "[[1, 2],\n [3, 4]]");
    }
}
