//! Plain-data tensors and type descriptions of model inputs and outputs.
//!
//! These types carry no `ort` handles: they are what the parser produces, what
//! results contain and what the screen renders.

use std::fmt;

/// The element type of a tensor, as the user sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElementType {
    Float32,
    Float64,
    Float16,
    BFloat16,
    Int8,
    Int16,
    Int32,
    Int64,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Bool,
    String,
    /// A type kftui can describe but not feed or show (complex, float8, int4, ...).
    Other(&'static str),
}

impl ElementType {
    /// The name shown to users, e.g. `float32`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Float32 => "float32",
            Self::Float64 => "float64",
            Self::Float16 => "float16",
            Self::BFloat16 => "bfloat16",
            Self::Int8 => "int8",
            Self::Int16 => "int16",
            Self::Int32 => "int32",
            Self::Int64 => "int64",
            Self::Uint8 => "uint8",
            Self::Uint16 => "uint16",
            Self::Uint32 => "uint32",
            Self::Uint64 => "uint64",
            Self::Bool => "bool",
            Self::String => "string",
            Self::Other(name) => name,
        }
    }

    /// The Open Inference Protocol (v2) `datatype` name, e.g. `FP32`.
    pub fn v2_datatype(self) -> Option<&'static str> {
        Some(match self {
            Self::Float32 => "FP32",
            Self::Float64 => "FP64",
            Self::Float16 => "FP16",
            Self::BFloat16 => "BF16",
            Self::Int8 => "INT8",
            Self::Int16 => "INT16",
            Self::Int32 => "INT32",
            Self::Int64 => "INT64",
            Self::Uint8 => "UINT8",
            Self::Uint16 => "UINT16",
            Self::Uint32 => "UINT32",
            Self::Uint64 => "UINT64",
            Self::Bool => "BOOL",
            Self::String => "BYTES",
            Self::Other(_) => return None,
        })
    }

    /// Parses a v2 `datatype` (case-insensitive).
    pub fn from_v2_datatype(name: &str) -> Option<Self> {
        let all = [
            Self::Float32,
            Self::Float64,
            Self::Float16,
            Self::BFloat16,
            Self::Int8,
            Self::Int16,
            Self::Int32,
            Self::Int64,
            Self::Uint8,
            Self::Uint16,
            Self::Uint32,
            Self::Uint64,
            Self::Bool,
            Self::String,
        ];
        all.into_iter().find(|ty| {
            ty.v2_datatype()
                .is_some_and(|v2| v2.eq_ignore_ascii_case(name))
        })
    }

    /// Bytes one element takes in memory; strings count a rough 32 bytes each.
    pub fn approx_element_bytes(self) -> u64 {
        match self {
            Self::Int8 | Self::Uint8 | Self::Bool | Self::Other(_) => 1,
            Self::Int16 | Self::Uint16 | Self::Float16 | Self::BFloat16 => 2,
            Self::Int32 | Self::Uint32 | Self::Float32 => 4,
            Self::Int64 | Self::Uint64 | Self::Float64 => 8,
            Self::String => 32,
        }
    }

    /// Whether kftui can build input tensors of this type from JSON.
    pub fn is_supported_input(self) -> bool {
        !matches!(self, Self::Float16 | Self::BFloat16 | Self::Other(_))
    }

    pub fn is_float(self) -> bool {
        matches!(
            self,
            Self::Float32 | Self::Float64 | Self::Float16 | Self::BFloat16
        )
    }
}

impl fmt::Display for ElementType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One dimension of a declared (model input/output) shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dim {
    Fixed(u64),
    /// A dynamic dimension with a symbolic name, e.g. `batch`.
    Named(String),
    /// A dynamic dimension without a name.
    Unknown,
}

impl Dim {
    pub fn is_dynamic(&self) -> bool {
        !matches!(self, Self::Fixed(_))
    }

    /// Whether a concrete size fits this dimension.
    pub fn accepts(&self, size: usize) -> bool {
        match self {
            Self::Fixed(n) => *n == size as u64,
            Self::Named(_) | Self::Unknown => true,
        }
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fixed(n) => write!(f, "{n}"),
            Self::Named(name) => f.write_str(name),
            Self::Unknown => f.write_str("?"),
        }
    }
}

/// Writes a declared shape as `batch × 4`; a rank-0 shape is `scalar`.
pub fn format_dims(dims: &[Dim]) -> String {
    if dims.is_empty() {
        return "scalar".to_string();
    }
    dims.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" × ")
}

/// Writes a concrete shape as `[2, 4]`.
pub fn format_shape(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    format!("[{}]", dims.join(", "))
}

/// What a model input or output holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    Tensor {
        element: ElementType,
        dims: Vec<Dim>,
    },
    Sequence(Box<ValueKind>),
    Map {
        key: ElementType,
        value: ElementType,
    },
    Optional(Box<ValueKind>),
}

impl fmt::Display for ValueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tensor { element, dims } if dims.is_empty() => write!(f, "{element} scalar"),
            Self::Tensor { element, dims } => write!(f, "{element}[{}]", format_dims(dims)),
            Self::Sequence(inner) => write!(f, "seq({inner})"),
            Self::Map { key, value } => write!(f, "map({key}, {value})"),
            Self::Optional(inner) => write!(f, "optional({inner})"),
        }
    }
}

/// A named model input or output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoSpec {
    pub name: String,
    pub kind: ValueKind,
}

impl IoSpec {
    /// Element type and declared dimensions, when this is a tensor.
    pub fn tensor(&self) -> Option<(ElementType, &[Dim])> {
        match &self.kind {
            ValueKind::Tensor { element, dims } => Some((*element, dims)),
            _ => None,
        }
    }

    /// The element type column of the info table (`seq(map(...))` for non-tensors).
    pub fn type_text(&self) -> String {
        match &self.kind {
            ValueKind::Tensor { element, .. } => element.to_string(),
            other => other.to_string(),
        }
    }

    /// The shape column of the info table (`batch × 4`, or `—` for non-tensors).
    pub fn shape_text(&self) -> String {
        match &self.kind {
            ValueKind::Tensor { dims, .. } => format_dims(dims),
            _ => "—".to_string(),
        }
    }
}

/// The values of a tensor, flat in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorData {
    Float32(Vec<f32>),
    Float64(Vec<f64>),
    Int8(Vec<i8>),
    Int16(Vec<i16>),
    Int32(Vec<i32>),
    Int64(Vec<i64>),
    Uint8(Vec<u8>),
    Uint16(Vec<u16>),
    Uint32(Vec<u32>),
    Uint64(Vec<u64>),
    Bool(Vec<bool>),
    String(Vec<String>),
}

macro_rules! each_variant {
    ($data:expr, $v:ident => $body:expr) => {
        match $data {
            TensorData::Float32($v) => $body,
            TensorData::Float64($v) => $body,
            TensorData::Int8($v) => $body,
            TensorData::Int16($v) => $body,
            TensorData::Int32($v) => $body,
            TensorData::Int64($v) => $body,
            TensorData::Uint8($v) => $body,
            TensorData::Uint16($v) => $body,
            TensorData::Uint32($v) => $body,
            TensorData::Uint64($v) => $body,
            TensorData::Bool($v) => $body,
            TensorData::String($v) => $body,
        }
    };
}

impl TensorData {
    pub fn len(&self) -> usize {
        each_variant!(self, v => v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn element_type(&self) -> ElementType {
        match self {
            Self::Float32(_) => ElementType::Float32,
            Self::Float64(_) => ElementType::Float64,
            Self::Int8(_) => ElementType::Int8,
            Self::Int16(_) => ElementType::Int16,
            Self::Int32(_) => ElementType::Int32,
            Self::Int64(_) => ElementType::Int64,
            Self::Uint8(_) => ElementType::Uint8,
            Self::Uint16(_) => ElementType::Uint16,
            Self::Uint32(_) => ElementType::Uint32,
            Self::Uint64(_) => ElementType::Uint64,
            Self::Bool(_) => ElementType::Bool,
            Self::String(_) => ElementType::String,
        }
    }

    /// Element `index` as a number (bools as 0/1); `None` for strings or out of range.
    pub fn get_f64(&self, index: usize) -> Option<f64> {
        match self {
            Self::Float32(v) => v.get(index).map(|x| f64::from(*x)),
            Self::Float64(v) => v.get(index).copied(),
            Self::Int8(v) => v.get(index).map(|x| f64::from(*x)),
            Self::Int16(v) => v.get(index).map(|x| f64::from(*x)),
            Self::Int32(v) => v.get(index).map(|x| f64::from(*x)),
            Self::Int64(v) => v.get(index).map(|x| *x as f64),
            Self::Uint8(v) => v.get(index).map(|x| f64::from(*x)),
            Self::Uint16(v) => v.get(index).map(|x| f64::from(*x)),
            Self::Uint32(v) => v.get(index).map(|x| f64::from(*x)),
            Self::Uint64(v) => v.get(index).map(|x| *x as f64),
            Self::Bool(v) => v.get(index).map(|x| if *x { 1.0 } else { 0.0 }),
            Self::String(_) => None,
        }
    }

    /// Element `index` as display text (JSON-compatible for numbers and bools).
    pub fn value_text(&self, index: usize) -> Option<String> {
        Some(match self {
            Self::Float32(v) => format_f32(*v.get(index)?),
            Self::Float64(v) => format_f64(*v.get(index)?),
            Self::String(v) => serde_json::Value::String(v.get(index)?.clone()).to_string(),
            Self::Bool(v) => v.get(index)?.to_string(),
            Self::Int8(v) => v.get(index)?.to_string(),
            Self::Int16(v) => v.get(index)?.to_string(),
            Self::Int32(v) => v.get(index)?.to_string(),
            Self::Int64(v) => v.get(index)?.to_string(),
            Self::Uint8(v) => v.get(index)?.to_string(),
            Self::Uint16(v) => v.get(index)?.to_string(),
            Self::Uint32(v) => v.get(index)?.to_string(),
            Self::Uint64(v) => v.get(index)?.to_string(),
        })
    }
}

/// A float as short text that reads back as the same `f32` through an `f64` parse.
///
/// Non-finite values are written as the quoted strings the input parser accepts
/// (`"NaN"`, `"Infinity"`, `"-Infinity"`).
pub fn format_f32(x: f32) -> String {
    if !x.is_finite() {
        return non_finite_text(f64::from(x));
    }
    let short = plain_or_exponent(f64::from(x), x.to_string(), format!("{x:e}"));
    match short.parse::<f64>() {
        Ok(back) if back as f32 == x => short,
        _ => format_f64(f64::from(x)),
    }
}

/// An `f64` as the shortest text that reads back as the same value.
pub fn format_f64(x: f64) -> String {
    if !x.is_finite() {
        return non_finite_text(x);
    }
    plain_or_exponent(x, x.to_string(), format!("{x:e}"))
}

fn plain_or_exponent(x: f64, plain: String, exponent: String) -> String {
    let magnitude = x.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        exponent
    } else {
        plain
    }
}

fn non_finite_text(x: f64) -> String {
    if x.is_nan() {
        "\"NaN\"".to_string()
    } else if x > 0.0 {
        "\"Infinity\"".to_string()
    } else {
        "\"-Infinity\"".to_string()
    }
}

/// A tensor of plain values: its concrete shape and its flat row-major data.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: TensorData,
}

impl Tensor {
    /// Builds a tensor, or `None` when the shape does not match the number of values.
    pub fn new(shape: Vec<usize>, data: TensorData) -> Option<Self> {
        let count = shape
            .iter()
            .try_fold(1usize, |acc, d| acc.checked_mul(*d))?;
        (count == data.len()).then_some(Self { shape, data })
    }

    pub fn element_type(&self) -> ElementType {
        self.data.element_type()
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// A tensor with the name of the model input or output it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    pub name: String,
    pub tensor: Tensor,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dims_format_with_names_and_unknowns() {
        let dims = [Dim::Named("batch".into()), Dim::Fixed(4)];
        assert_eq!(format_dims(&dims), "batch × 4");
        assert_eq!(format_dims(&[Dim::Unknown, Dim::Fixed(64)]), "? × 64");
        assert_eq!(format_dims(&[]), "scalar");
    }

    #[test]
    fn value_kind_display() {
        let zipmap = ValueKind::Sequence(Box::new(ValueKind::Map {
            key: ElementType::Int64,
            value: ElementType::Float32,
        }));
        assert_eq!(zipmap.to_string(), "seq(map(int64, float32))");
        let t = ValueKind::Tensor {
            element: ElementType::Float32,
            dims: vec![Dim::Named("N".into()), Dim::Fixed(3)],
        };
        assert_eq!(t.to_string(), "float32[N × 3]");
    }

    #[test]
    fn v2_datatypes_round_trip() {
        for ty in [
            ElementType::Float32,
            ElementType::Int64,
            ElementType::Bool,
            ElementType::String,
        ] {
            let name = ty.v2_datatype().expect("has a v2 name");
            assert_eq!(ElementType::from_v2_datatype(name), Some(ty));
            assert_eq!(
                ElementType::from_v2_datatype(&name.to_lowercase()),
                Some(ty)
            );
        }
        assert_eq!(ElementType::from_v2_datatype("FP128"), None);
    }

    #[test]
    fn tensor_new_checks_element_count() {
        assert!(Tensor::new(vec![2, 2], TensorData::Float32(vec![0.0; 4])).is_some());
        assert!(Tensor::new(vec![2, 3], TensorData::Float32(vec![0.0; 4])).is_none());
        assert!(Tensor::new(vec![usize::MAX, 3], TensorData::Float32(vec![])).is_none());
        assert!(Tensor::new(vec![], TensorData::Int64(vec![7])).is_some());
    }

    #[test]
    fn floats_format_short_and_exact() {
        assert_eq!(format_f32(0.1), "0.1");
        assert_eq!(format_f32(2.3264035e-13), "2.3264035e-13");
        assert_eq!(format_f32(f32::NAN), "\"NaN\"");
        assert_eq!(format_f64(f64::NEG_INFINITY), "\"-Infinity\"");
        for x in [
            0.1f32,
            1.0 / 3.0,
            16_777_217.0,
            f32::MAX,
            f32::MIN_POSITIVE,
            1e-45,
        ] {
            let text = format_f32(x);
            let back: f64 = text.parse().expect("parses");
            assert_eq!(back as f32, x, "{text}");
        }
    }
}
