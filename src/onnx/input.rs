//! Parsing request text into input tensors for a model.
//!
//! Accepted formats:
//! - KServe v1: `{"instances": [row, ...]}` (rows are values for a single-input
//!   model, or `{"input name": value}` objects), and the columnar
//!   `{"inputs": value}` / `{"inputs": {"name": value}}`;
//! - Open Inference Protocol v2: `{"inputs": [{"name", "shape", "datatype", "data"}]}`
//!   with `data` flat or nested;
//! - a bare nested array (or scalar) for a single-input model.
//!
//! For v1 and bare arrays a missing batch dimension of 1 is added (and a surplus
//! one removed) when that makes the rank fit; v2 shapes are taken as written.
//!
//! Non-finite floats: JSON has no NaN or Infinity, so float inputs accept the
//! strings `"NaN"`, `"Infinity"`, `"-Infinity"` (also `"inf"`, `"-inf"`, any
//! case); integer and bool inputs reject them. Bare `NaN` is a syntax error whose
//! message says how to write it.
//!
//! Size: the element count × element size of every input is checked against
//! [`InputLimits::max_tensor_bytes`] before anything is allocated.

use std::fmt;

use serde_json::Value;

use super::error::{InputError, ValueProblem};
use super::tensor::{
    Dim, ElementType, IoSpec, NamedTensor, Tensor, TensorData, format_dims, format_shape,
};

/// Upper bounds that keep a request from exhausting memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputLimits {
    /// Largest input tensor, in bytes (strings count 32 bytes per element).
    pub max_tensor_bytes: u64,
    /// Longest request text, in bytes.
    pub max_text_bytes: u64,
}

impl Default for InputLimits {
    fn default() -> Self {
        Self {
            max_tensor_bytes: 256 << 20,
            max_text_bytes: 64 << 20,
        }
    }
}

/// Which request format the text was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestFormat {
    KServeV1,
    OpenInferenceV2,
    BareArray,
}

impl fmt::Display for RequestFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::KServeV1 => "KServe v1",
            Self::OpenInferenceV2 => "Open Inference Protocol v2",
            Self::BareArray => "bare array",
        })
    }
}

/// The tensors of a request, in the model's input order.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRequest {
    pub format: RequestFormat,
    pub tensors: Vec<NamedTensor>,
    /// Adjustments made on the way (an added batch dimension, a missing datatype).
    pub notes: Vec<String>,
}

/// Parses `text` into one tensor per model input (see the module docs).
pub fn parse_request(
    text: &str,
    inputs: &[IoSpec],
    limits: &InputLimits,
) -> Result<ParsedRequest, InputError> {
    let text_bytes = text.len() as u64;
    if text_bytes > limits.max_text_bytes {
        return Err(InputError::TextTooLarge {
            bytes: text_bytes,
            limit: limits.max_text_bytes,
        });
    }
    if text.trim().is_empty() {
        return Err(InputError::Empty);
    }
    let specs = tensor_specs(inputs)?;
    let value: Value = serde_json::from_str(text).map_err(|e| json_error(text, &e))?;
    let mut request = Request {
        tensors: vec![None; specs.len()],
        specs,
        limits,
        notes: Vec::new(),
    };
    let format = match &value {
        Value::Object(map) => {
            if let Some(instances) = map.get("instances") {
                request.kserve_instances(instances)?;
                RequestFormat::KServeV1
            } else if let Some(inputs) = map.get("inputs") {
                match inputs {
                    Value::Array(entries) if entries.iter().all(|e| e.get("name").is_some()) => {
                        request.v2_inputs(entries)?;
                        RequestFormat::OpenInferenceV2
                    }
                    _ => {
                        request.kserve_columnar(inputs)?;
                        RequestFormat::KServeV1
                    }
                }
            } else {
                let keys: Vec<String> = map.keys().take(5).map(|k| format!("\"{k}\"")).collect();
                let found = if keys.is_empty() {
                    "an empty object".to_string()
                } else {
                    format!("an object with {}", keys.join(", "))
                };
                return Err(InputError::UnknownFormat { found });
            }
        }
        Value::Null => {
            return Err(InputError::UnknownFormat {
                found: "null".into(),
            });
        }
        bare => {
            request.bare(bare, "request")?;
            RequestFormat::BareArray
        }
    };
    request.finish(format)
}

#[derive(Clone, Copy)]
struct TensorSpec<'a> {
    name: &'a str,
    element: ElementType,
    dims: &'a [Dim],
}

impl TensorSpec<'_> {
    fn describe(&self) -> String {
        format!("{}[{}]", self.element, format_dims(self.dims))
    }
}

fn tensor_specs(inputs: &[IoSpec]) -> Result<Vec<TensorSpec<'_>>, InputError> {
    inputs
        .iter()
        .map(|io| match io.tensor() {
            Some((element, _)) if !element.is_supported_input() => {
                Err(InputError::UnsupportedElementType {
                    name: io.name.clone(),
                    element,
                })
            }
            Some((element, dims)) => Ok(TensorSpec {
                name: &io.name,
                element,
                dims,
            }),
            None => Err(InputError::UnsupportedInputKind {
                name: io.name.clone(),
                kind: io.kind.to_string(),
            }),
        })
        .collect()
}

struct Request<'a> {
    specs: Vec<TensorSpec<'a>>,
    limits: &'a InputLimits,
    tensors: Vec<Option<Tensor>>,
    notes: Vec<String>,
}

impl Request<'_> {
    fn index_of(&self, name: &str, path: &str) -> Result<usize, InputError> {
        self.specs
            .iter()
            .position(|s| s.name == name)
            .ok_or_else(|| InputError::UnknownInput {
                name: name.to_string(),
                path: path.to_string(),
                expected: self.specs.iter().map(|s| s.name.to_string()).collect(),
            })
    }

    fn set(&mut self, index: usize, tensor: Tensor, path: &str) -> Result<(), InputError> {
        match self.tensors.get_mut(index) {
            Some(slot @ None) => {
                *slot = Some(tensor);
                Ok(())
            }
            _ => Err(InputError::DuplicateInput {
                name: self.specs[index].name.to_string(),
                path: path.to_string(),
            }),
        }
    }

    fn single_input(&self) -> Result<usize, InputError> {
        if self.specs.len() == 1 {
            Ok(0)
        } else {
            Err(InputError::NeedsNamedInputs {
                names: self.specs.iter().map(|s| s.name.to_string()).collect(),
            })
        }
    }

    /// A bare value (nested array or scalar) for the only input.
    fn bare(&mut self, value: &Value, path: &str) -> Result<(), InputError> {
        let index = self.single_input()?;
        let shape = nested_shape(value);
        let tensor = self.fill(index, &[value], &shape, shape.clone(), &|_| {
            path.to_string()
        })?;
        let tensor = self.fit_shape(index, tensor, true)?;
        self.set(index, tensor, path)
    }

    /// `{"instances": [...]}`.
    fn kserve_instances(&mut self, instances: &Value) -> Result<(), InputError> {
        let Value::Array(rows) = instances else {
            return Err(wrong_field(
                "instances",
                "an array with one entry per instance",
                instances,
            ));
        };
        let Some(first) = rows.first() else {
            return Err(InputError::NoInstances);
        };
        if !first.is_object() {
            return self.bare(instances, "instances");
        }
        for (i, row) in rows.iter().enumerate() {
            let path = format!("instances[{i}]");
            let Value::Object(fields) = row else {
                return Err(wrong_field(&path, "an object like instances[0]", row));
            };
            for key in fields.keys() {
                self.index_of(key, &path)?;
            }
        }
        for index in 0..self.specs.len() {
            let name = self.specs[index].name;
            if rows.iter().all(|row| row.get(name).is_none()) {
                continue; // reported as a missing input by `finish`
            }
            let mut values = Vec::with_capacity(rows.len());
            for (i, row) in rows.iter().enumerate() {
                let value = row.get(name).ok_or_else(|| InputError::MissingField {
                    path: format!("instances[{i}]"),
                    field: name.to_string(),
                })?;
                values.push(value);
            }
            let row_shape = nested_shape(values[0]);
            let mut shape = vec![rows.len()];
            shape.extend(&row_shape);
            let tensor = self.fill(index, &values, &row_shape, shape, &|i| {
                format!("instances[{i}].{name}")
            })?;
            let tensor = self.fit_shape(index, tensor, true)?;
            self.set(index, tensor, "instances")?;
        }
        Ok(())
    }

    /// KServe v1 columnar: `{"inputs": value}` or `{"inputs": {"name": value}}`.
    fn kserve_columnar(&mut self, inputs: &Value) -> Result<(), InputError> {
        let Value::Object(columns) = inputs else {
            return self.bare(inputs, "inputs");
        };
        for (name, column) in columns {
            let path = format!("inputs.{name}");
            let index = self.index_of(name, "inputs")?;
            let shape = nested_shape(column);
            let tensor = self.fill(index, &[column], &shape, shape.clone(), &|_| path.clone())?;
            let tensor = self.fit_shape(index, tensor, true)?;
            self.set(index, tensor, &path)?;
        }
        Ok(())
    }

    /// `{"inputs": [{"name", "shape", "datatype", "data"}, ...]}`.
    fn v2_inputs(&mut self, entries: &[Value]) -> Result<(), InputError> {
        for (i, entry) in entries.iter().enumerate() {
            let path = format!("inputs[{i}]");
            let Value::Object(fields) = entry else {
                return Err(wrong_field(
                    &path,
                    "an object with name, shape, datatype and data",
                    entry,
                ));
            };
            let name = match fields.get("name") {
                Some(Value::String(name)) => name.as_str(),
                Some(other) => return Err(wrong_field(&format!("{path}.name"), "a string", other)),
                None => {
                    return Err(InputError::MissingField {
                        path,
                        field: "name".into(),
                    });
                }
            };
            let index = self.index_of(name, &path)?;
            let spec = self.specs[index];
            match fields.get("datatype") {
                Some(Value::String(datatype)) => match ElementType::from_v2_datatype(datatype) {
                    None => {
                        return Err(InputError::UnknownDatatype {
                            input: name.into(),
                            datatype: datatype.clone(),
                        });
                    }
                    Some(ty) if ty != spec.element => {
                        return Err(InputError::DatatypeMismatch {
                            input: name.into(),
                            request: datatype.clone(),
                            model: spec.element,
                        });
                    }
                    Some(_) => {}
                },
                Some(other) => {
                    return Err(wrong_field(
                        &format!("{path}.datatype"),
                        "a string such as \"FP32\"",
                        other,
                    ));
                }
                None => self.notes.push(format!(
                    "{path} has no \"datatype\"; used the model's {}",
                    spec.element.v2_datatype().unwrap_or("type")
                )),
            }
            let data = fields.get("data").ok_or_else(|| InputError::MissingField {
                path: path.clone(),
                field: "data".into(),
            })?;
            let data_shape = nested_shape(data);
            let declared: Vec<u64> = match fields.get("shape") {
                Some(shape) => parse_shape(shape, &format!("{path}.shape"))?,
                None => {
                    self.notes.push(format!(
                        "{path} has no \"shape\"; used the nesting of \"data\""
                    ));
                    data_shape.iter().map(|d| *d as u64).collect()
                }
            };
            self.check_size(spec, &declared)?;
            let data_path = format!("{path}.data");
            let tensor = self.fill(index, &[data], &data_shape, data_shape.clone(), &|_| {
                data_path.clone()
            })?;
            let expected: u128 = declared.iter().map(|d| u128::from(*d)).product();
            if expected != tensor.len() as u128 {
                return Err(InputError::CountMismatch {
                    input: name.into(),
                    shape: format_u64_shape(&declared),
                    expected,
                    got: tensor.len() as u128,
                });
            }
            // check_size bounded the declared dims, so they fit in usize.
            let shape: Vec<usize> = declared
                .iter()
                .map(|d| usize::try_from(*d).unwrap_or(usize::MAX))
                .collect();
            let tensor = Tensor {
                shape,
                data: tensor.data,
            };
            let tensor = self.fit_shape(index, tensor, false)?;
            self.set(index, tensor, &path)?;
        }
        Ok(())
    }

    /// Refuses shapes whose tensor would exceed the memory limit.
    fn check_size(&self, spec: TensorSpec<'_>, shape: &[u64]) -> Result<(), InputError> {
        let count = shape
            .iter()
            .try_fold(1u128, |acc, d| acc.checked_mul(u128::from(*d)));
        let bytes =
            count.and_then(|c| c.checked_mul(u128::from(spec.element.approx_element_bytes())));
        match bytes {
            Some(b) if b <= u128::from(self.limits.max_tensor_bytes) => Ok(()),
            _ => Err(InputError::TooLarge {
                input: spec.name.to_string(),
                shape: format_u64_shape(shape),
                element: spec.element,
                bytes: bytes.unwrap_or(u128::MAX),
                limit: self.limits.max_tensor_bytes,
            }),
        }
    }

    /// Builds input `index` from `roots`, each a nested array of `root_shape`;
    /// `shape` is the shape of all roots together.
    fn fill(
        &self,
        index: usize,
        roots: &[&Value],
        root_shape: &[usize],
        shape: Vec<usize>,
        root_path: &dyn Fn(usize) -> String,
    ) -> Result<Tensor, InputError> {
        let spec = self.specs[index];
        let dims: Vec<u64> = shape.iter().map(|d| *d as u64).collect();
        self.check_size(spec, &dims)?;
        let count: usize = shape.iter().product();
        let mut builder =
            Builder::new(spec.element, count).ok_or(InputError::UnsupportedElementType {
                name: spec.name.to_string(),
                element: spec.element,
            })?;
        let mut walk = Walk {
            builder: &mut builder,
            spec,
            indices: Vec::new(),
        };
        for (i, root) in roots.iter().enumerate() {
            walk.collect(root, root_shape)
                .map_err(|e| e.into_error(root_path(i), spec))?;
        }
        Ok(Tensor {
            shape,
            data: builder.finish(),
        })
    }

    /// Checks a tensor's shape against the model; `adapt` adds or drops a batch of 1.
    fn fit_shape(
        &mut self,
        index: usize,
        mut tensor: Tensor,
        adapt: bool,
    ) -> Result<Tensor, InputError> {
        let spec = self.specs[index];
        let dims = spec.dims;
        let given = format_shape(&tensor.shape);
        if adapt
            && tensor.shape.len() + 1 == dims.len()
            && dims.first().is_some_and(|d| d.accepts(1))
        {
            tensor.shape.insert(0, 1);
        } else if adapt && tensor.shape.len() == dims.len() + 1 && tensor.shape.first() == Some(&1)
        {
            tensor.shape.remove(0);
        }
        if tensor.shape.len() != dims.len() {
            return Err(InputError::RankMismatch {
                input: spec.name.to_string(),
                expected: format_dims(dims),
                expected_rank: dims.len(),
                got: format_shape(&tensor.shape),
                got_rank: tensor.shape.len(),
            });
        }
        for (axis, (dim, size)) in dims.iter().zip(&tensor.shape).enumerate() {
            if let Dim::Fixed(want) = dim
                && !dim.accepts(*size)
            {
                return Err(InputError::ShapeMismatch {
                    input: spec.name.to_string(),
                    expected: format_dims(dims),
                    got: format_shape(&tensor.shape),
                    axis,
                    want: *want,
                });
            }
        }
        let now = format_shape(&tensor.shape);
        if now != given {
            self.notes.push(format!(
                "input \"{}\": reshaped {given} to {now} to fit {}",
                spec.name,
                spec.describe()
            ));
        }
        Ok(tensor)
    }

    fn finish(self, format: RequestFormat) -> Result<ParsedRequest, InputError> {
        let mut tensors = Vec::with_capacity(self.specs.len());
        for (spec, tensor) in self.specs.iter().zip(self.tensors) {
            let tensor = tensor.ok_or_else(|| InputError::MissingInput {
                name: spec.name.to_string(),
                spec: spec.describe(),
            })?;
            tensors.push(NamedTensor {
                name: spec.name.to_string(),
                tensor,
            });
        }
        Ok(ParsedRequest {
            format,
            tensors,
            notes: self.notes,
        })
    }
}

/// The shape of a nested array, following first elements (`[]` for a scalar).
fn nested_shape(value: &Value) -> Vec<usize> {
    let mut shape = Vec::new();
    let mut current = value;
    while let Value::Array(items) = current {
        shape.push(items.len());
        match items.first() {
            Some(first) => current = first,
            None => break,
        }
    }
    shape
}

fn parse_shape(value: &Value, path: &str) -> Result<Vec<u64>, InputError> {
    let Value::Array(dims) = value else {
        return Err(wrong_field(path, "an array of sizes such as [1, 4]", value));
    };
    dims.iter()
        .enumerate()
        .map(|(i, dim)| {
            let bad = |detail: String| InputError::BadShape {
                path: path.to_string(),
                detail,
            };
            match dim {
                Value::Number(n) => {
                    if let Some(size) = n.as_u64() {
                        return Ok(size);
                    }
                    match n.as_f64() {
                        Some(f) if f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 => Ok(f as u64),
                        Some(f) if f < 0.0 => Err(bad(format!(
                            "dimension {i} is {n}; sizes must be concrete and not negative"
                        ))),
                        _ => Err(bad(format!("dimension {i} is {n}, not a whole number"))),
                    }
                }
                other => Err(bad(format!(
                    "dimension {i} is {}, not a number",
                    describe(other)
                ))),
            }
        })
        .collect()
}

fn format_u64_shape(shape: &[u64]) -> String {
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    format!("[{}]", dims.join(", "))
}

fn wrong_field(path: &str, expected: &str, found: &Value) -> InputError {
    InputError::WrongField {
        path: path.to_string(),
        expected: expected.to_string(),
        found: describe(found),
    }
}

/// A short description of a JSON value for messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.chars().count() > 24 => {
            format!("the string \"{}…\"", s.chars().take(24).collect::<String>())
        }
        Value::String(s) => format!("the string \"{s}\""),
        Value::Array(items) => format!("an array of {}", items.len()),
        Value::Object(_) => "an object".to_string(),
    }
}

fn json_error(text: &str, error: &serde_json::Error) -> InputError {
    let mut message = error.to_string();
    if let Some(at) = message.rfind(" at line ") {
        message.truncate(at);
    }
    let hint = if mentions_non_finite(text, error.line(), error.column()) {
        Some("JSON has no NaN or Infinity; write them as strings: \"NaN\", \"Infinity\", \"-Infinity\"".to_string())
    } else if error.is_eof() {
        Some("the text ends early: is a bracket or brace not closed?".to_string())
    } else {
        None
    };
    InputError::Json {
        line: error.line(),
        column: error.column(),
        message,
        hint,
    }
}

/// Whether the text around a syntax error is a bare NaN / Infinity.
fn mentions_non_finite(text: &str, line: usize, column: usize) -> bool {
    let Some(line_text) = text.lines().nth(line.saturating_sub(1)) else {
        return false;
    };
    let chars: Vec<char> = line_text.chars().collect();
    let at = column.saturating_sub(1).min(chars.len());
    let window: String = chars[at.saturating_sub(3)..(at + 9).min(chars.len())]
        .iter()
        .collect();
    let window = window.to_ascii_lowercase();
    window.contains("nan") || window.contains("inf")
}

/// `"NaN"`, `"Infinity"`, `"-inf"`, ... as a float.
fn non_finite(text: &str) -> Option<f64> {
    match text.trim().to_ascii_lowercase().as_str() {
        "nan" | "+nan" | "-nan" => Some(f64::NAN),
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// Values of one input tensor as they are collected.
struct Builder(TensorData);

impl Builder {
    fn new(element: ElementType, capacity: usize) -> Option<Self> {
        use TensorData as D;
        Some(Self(match element {
            ElementType::Float32 => D::Float32(Vec::with_capacity(capacity)),
            ElementType::Float64 => D::Float64(Vec::with_capacity(capacity)),
            ElementType::Int8 => D::Int8(Vec::with_capacity(capacity)),
            ElementType::Int16 => D::Int16(Vec::with_capacity(capacity)),
            ElementType::Int32 => D::Int32(Vec::with_capacity(capacity)),
            ElementType::Int64 => D::Int64(Vec::with_capacity(capacity)),
            ElementType::Uint8 => D::Uint8(Vec::with_capacity(capacity)),
            ElementType::Uint16 => D::Uint16(Vec::with_capacity(capacity)),
            ElementType::Uint32 => D::Uint32(Vec::with_capacity(capacity)),
            ElementType::Uint64 => D::Uint64(Vec::with_capacity(capacity)),
            ElementType::Bool => D::Bool(Vec::with_capacity(capacity)),
            ElementType::String => D::String(Vec::with_capacity(capacity)),
            ElementType::Float16 | ElementType::BFloat16 | ElementType::Other(_) => return None,
        }))
    }

    fn push(&mut self, value: &Value) -> Result<(), ValueProblem> {
        use TensorData as D;
        match &mut self.0 {
            D::Float32(out) => {
                let x = float_of(value)?;
                let narrowed = x as f32;
                if x.is_finite() && narrowed.is_infinite() {
                    return Err(ValueProblem::OutOfRange {
                        value: describe(value),
                    });
                }
                out.push(narrowed);
            }
            D::Float64(out) => out.push(float_of(value)?),
            D::Int8(out) => out.push(int_of(value)?),
            D::Int16(out) => out.push(int_of(value)?),
            D::Int32(out) => out.push(int_of(value)?),
            D::Int64(out) => out.push(int_of(value)?),
            D::Uint8(out) => out.push(int_of(value)?),
            D::Uint16(out) => out.push(int_of(value)?),
            D::Uint32(out) => out.push(int_of(value)?),
            D::Uint64(out) => out.push(int_of(value)?),
            D::Bool(out) => out.push(bool_of(value)?),
            D::String(out) => match value {
                Value::String(s) => out.push(s.clone()),
                other => {
                    return Err(ValueProblem::NotAString {
                        found: describe(other),
                    });
                }
            },
        }
        Ok(())
    }

    fn finish(self) -> TensorData {
        self.0
    }
}

fn quoted_or_not_a_number(text: &str, value: &Value) -> ValueProblem {
    if text.trim().parse::<f64>().is_ok() {
        ValueProblem::QuotedNumber {
            text: text.to_string(),
        }
    } else {
        ValueProblem::NotANumber {
            found: describe(value),
        }
    }
}

fn float_of(value: &Value) -> Result<f64, ValueProblem> {
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(|| ValueProblem::NotANumber {
            found: describe(value),
        }),
        Value::String(s) => non_finite(s).ok_or_else(|| quoted_or_not_a_number(s, value)),
        other => Err(ValueProblem::NotANumber {
            found: describe(other),
        }),
    }
}

fn int_of<T: TryFrom<i64> + TryFrom<u64>>(value: &Value) -> Result<T, ValueProblem> {
    let out_of_range = || ValueProblem::OutOfRange {
        value: describe(value),
    };
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                T::try_from(i).map_err(|_| out_of_range())
            } else if let Some(u) = n.as_u64() {
                T::try_from(u).map_err(|_| out_of_range())
            } else {
                match n.as_f64() {
                    Some(f) if f.fract() != 0.0 => Err(ValueProblem::NotAnInteger {
                        value: n.to_string(),
                    }),
                    Some(f) if (-9.2e18..=9.2e18).contains(&f) => {
                        T::try_from(f as i64).map_err(|_| out_of_range())
                    }
                    _ => Err(out_of_range()),
                }
            }
        }
        Value::String(s) if non_finite(s).is_some() => {
            Err(ValueProblem::NonFiniteNotAllowed { value: s.clone() })
        }
        Value::String(s) => Err(quoted_or_not_a_number(s, value)),
        other => Err(ValueProblem::NotANumber {
            found: describe(other),
        }),
    }
}

fn bool_of(value: &Value) -> Result<bool, ValueProblem> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) if n.as_u64() == Some(0) => Ok(false),
        Value::Number(n) if n.as_u64() == Some(1) => Ok(true),
        Value::String(s) if non_finite(s).is_some() => {
            Err(ValueProblem::NonFiniteNotAllowed { value: s.clone() })
        }
        other => Err(ValueProblem::NotABool {
            found: describe(other),
        }),
    }
}

/// A failure inside a nested array, before its path is rendered.
enum WalkError {
    Ragged {
        indices: Vec<usize>,
        expected: String,
        found: String,
    },
    Value {
        indices: Vec<usize>,
        problem: ValueProblem,
    },
}

impl WalkError {
    fn into_error(self, root: String, spec: TensorSpec<'_>) -> InputError {
        let path = |indices: &[usize]| {
            let mut path = root.clone();
            for i in indices {
                path.push_str(&format!("[{i}]"));
            }
            path
        };
        match self {
            Self::Ragged {
                indices,
                expected,
                found,
            } => InputError::Ragged {
                path: path(&indices),
                expected,
                found,
            },
            Self::Value { indices, problem } => InputError::BadValue {
                input: spec.name.to_string(),
                path: path(&indices),
                expected: spec.element,
                problem,
            },
        }
    }
}

struct Walk<'b, 's> {
    builder: &'b mut Builder,
    spec: TensorSpec<'s>,
    indices: Vec<usize>,
}

impl Walk<'_, '_> {
    /// Pushes the values of `value`, which must be a regular array of `shape`.
    fn collect(&mut self, value: &Value, shape: &[usize]) -> Result<(), WalkError> {
        let Some((&len, inner)) = shape.split_first() else {
            if let Value::Array(items) = value {
                return Err(WalkError::Ragged {
                    indices: self.indices.clone(),
                    expected: format!("a single {} value", self.spec.element),
                    found: format!("an array of {}", items.len()),
                });
            }
            return self
                .builder
                .push(value)
                .map_err(|problem| WalkError::Value {
                    indices: self.indices.clone(),
                    problem,
                });
        };
        match value {
            Value::Array(items) if items.len() == len => {
                for (i, item) in items.iter().enumerate() {
                    self.indices.push(i);
                    self.collect(item, inner)?;
                    self.indices.pop();
                }
                Ok(())
            }
            Value::Array(items) => Err(WalkError::Ragged {
                indices: self.indices.clone(),
                expected: format!("{len} elements like the first array at this depth"),
                found: format!("{} elements", items.len()),
            }),
            other => Err(WalkError::Ragged {
                indices: self.indices.clone(),
                expected: format!("an array of {len}"),
                found: describe(other),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::tensor::ValueKind;

    fn spec(name: &str, element: ElementType, dims: Vec<Dim>) -> IoSpec {
        IoSpec {
            name: name.to_string(),
            kind: ValueKind::Tensor { element, dims },
        }
    }

    fn iris() -> Vec<IoSpec> {
        vec![spec(
            "features",
            ElementType::Float32,
            vec![Dim::Named("batch".into()), Dim::Fixed(4)],
        )]
    }

    fn parse(text: &str, inputs: &[IoSpec]) -> Result<ParsedRequest, InputError> {
        parse_request(text, inputs, &InputLimits::default())
    }

    #[test]
    fn kserve_v1_instances_stack_rows() {
        let got = parse(r#"{"instances": [[1, 2, 3, 4], [5, 6, 7, 8]]}"#, &iris()).expect("valid");
        assert_eq!(got.format, RequestFormat::KServeV1);
        assert_eq!(got.tensors[0].tensor.shape, [2, 4]);
        assert_eq!(
            got.tensors[0].tensor.data,
            TensorData::Float32(vec![1., 2., 3., 4., 5., 6., 7., 8.])
        );
    }

    #[test]
    fn bare_row_gets_a_batch_dimension() {
        let got = parse("[5.1, 3.5, 1.4, 0.2]", &iris()).expect("valid");
        assert_eq!(got.format, RequestFormat::BareArray);
        assert_eq!(got.tensors[0].tensor.shape, [1, 4]);
        assert_eq!(got.notes.len(), 1, "{:?}", got.notes);
    }

    #[test]
    fn v2_flat_and_nested_data() {
        let flat = r#"{"inputs": [{"name": "features", "shape": [2, 4], "datatype": "FP32", "data": [1,2,3,4,5,6,7,8]}]}"#;
        let nested = r#"{"inputs": [{"name": "features", "shape": [2, 4], "datatype": "FP32", "data": [[1,2,3,4],[5,6,7,8]]}]}"#;
        let a = parse(flat, &iris()).expect("flat");
        let b = parse(nested, &iris()).expect("nested");
        assert_eq!(a.format, RequestFormat::OpenInferenceV2);
        assert_eq!(a.tensors, b.tensors);
        assert_eq!(a.tensors[0].tensor.shape, [2, 4]);
    }

    #[test]
    fn json_syntax_errors_carry_line_and_column() {
        let err = parse(
            "{\"instances\": [\n  [1, 2, 3, 4],\n  [1, 2 3, 4]\n]}",
            &iris(),
        )
        .expect_err("syntax");
        match err {
            // line 3 is `  [1, 2 3, 4]`: the 3 in column 9 should have been a comma
            InputError::Json { line, column, .. } => assert_eq!((line, column), (3, 9)),
            other => panic!("{other:?}"),
        }
        let err = parse("[1, NaN, 3, 4]", &iris()).expect_err("NaN");
        assert!(err.to_string().contains("write them as strings"), "{err}");
    }

    #[test]
    fn wrong_name_lists_expected_names() {
        let err = parse(r#"{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1,2,3,4]}]}"#, &iris())
            .expect_err("unknown name");
        assert_eq!(
            err.to_string(),
            "inputs[0]: unknown input \"x\"; the model's inputs are: features"
        );
    }

    #[test]
    fn wrong_rank_and_shape_say_expected_and_got() {
        let err = parse("[[[1, 2, 3, 4]], [[1, 2, 3, 4]]]", &iris()).expect_err("rank");
        assert!(
            matches!(
                err,
                InputError::RankMismatch {
                    expected_rank: 2,
                    got_rank: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("batch × 4"), "{err}");
        let err = parse(r#"{"instances": [[1, 2, 3]]}"#, &iris()).expect_err("shape");
        assert_eq!(
            err.to_string(),
            "input \"features\": wrong shape: the model expects batch × 4, the request has [1, 3] (dimension 1 must be 4)"
        );
    }

    #[test]
    fn ragged_arrays_name_the_path() {
        let err =
            parse(r#"{"instances": [[1, 2, 3, 4], [5, 6, 7]]}"#, &iris()).expect_err("ragged");
        assert_eq!(
            err.to_string(),
            "instances[1]: ragged array: expected 4 elements like the first array at this depth, got 3 elements"
        );
        let err = parse("[[1, 2, 3, [4]]]", &iris()).expect_err("ragged deeper");
        assert!(
            err.to_string().starts_with("request[0][3]: ragged array"),
            "{err}"
        );
    }

    #[test]
    fn strings_for_floats_and_non_numbers_are_rejected() {
        let err = parse(r#"[["a", 2, 3, 4]]"#, &iris()).expect_err("string");
        assert_eq!(
            err.to_string(),
            "request[0][0]: expected a number, got the string \"a\" (input \"features\" takes float32)"
        );
        let err = parse(r#"[["5.1", 2, 3, 4]]"#, &iris()).expect_err("quoted");
        assert!(err.to_string().contains("remove the quotes"), "{err}");
        let err = parse("[[null, 2, 3, 4]]", &iris()).expect_err("null");
        assert!(err.to_string().contains("got null"), "{err}");
    }

    #[test]
    fn non_finite_policy() {
        let got = parse(r#"[["NaN", "Infinity", "-inf", 1]]"#, &iris())
            .expect("quoted non-finite floats");
        match &got.tensors[0].tensor.data {
            TensorData::Float32(v) => {
                assert!(v[0].is_nan());
                assert_eq!(v[1], f32::INFINITY);
                assert_eq!(v[2], f32::NEG_INFINITY);
            }
            other => panic!("{other:?}"),
        }
        let ints = vec![spec("n", ElementType::Int64, vec![Dim::Unknown])];
        let err = parse(r#"[1, "NaN"]"#, &ints).expect_err("NaN int");
        assert!(
            matches!(
                err,
                InputError::BadValue {
                    problem: ValueProblem::NonFiniteNotAllowed { .. },
                    ..
                }
            ),
            "{err:?}"
        );
        let err = parse("[[1e39, 0, 0, 0]]", &iris()).expect_err("f32 overflow");
        assert!(
            matches!(
                err,
                InputError::BadValue {
                    problem: ValueProblem::OutOfRange { .. },
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn integers_check_range_and_fraction() {
        let bytes = vec![spec("b", ElementType::Uint8, vec![Dim::Unknown])];
        assert!(matches!(
            parse("[1, 300]", &bytes).expect_err("range"),
            InputError::BadValue {
                problem: ValueProblem::OutOfRange { .. },
                ..
            }
        ));
        assert!(matches!(
            parse("[1.5]", &bytes).expect_err("fraction"),
            InputError::BadValue {
                problem: ValueProblem::NotAnInteger { .. },
                ..
            }
        ));
        assert_eq!(
            parse("[1e2, 2.0]", &bytes).expect("whole floats").tensors[0]
                .tensor
                .data,
            TensorData::Uint8(vec![100, 2])
        );
    }

    #[test]
    fn huge_shapes_are_refused_before_allocating() {
        let text = r#"{"inputs": [{"name": "features", "shape": [1e12, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}"#;
        let err = parse(text, &iris()).expect_err("too large");
        assert!(matches!(err, InputError::TooLarge { .. }), "{err:?}");
        assert!(err.to_string().contains("[1000000000000, 4]"), "{err}");
        let limits = InputLimits {
            max_text_bytes: 10,
            ..InputLimits::default()
        };
        assert!(matches!(
            parse_request("[1, 2, 3, 4, 5]", &iris(), &limits),
            Err(InputError::TextTooLarge { .. })
        ));
    }

    #[test]
    fn v2_checks_datatype_and_count() {
        let err = parse(r#"{"inputs": [{"name": "features", "shape": [1, 4], "datatype": "INT64", "data": [1,2,3,4]}]}"#, &iris())
            .expect_err("datatype");
        assert!(
            err.to_string().contains("takes float32 (\"FP32\")"),
            "{err}"
        );
        let err = parse(r#"{"inputs": [{"name": "features", "shape": [2, 4], "datatype": "FP32", "data": [1,2,3,4]}]}"#, &iris())
            .expect_err("count");
        assert_eq!(
            err.to_string(),
            "input \"features\": shape [2, 4] needs 8 value(s) but \"data\" has 4"
        );
        let err = parse(r#"{"inputs": [{"name": "features", "shape": [-1, 4], "datatype": "FP32", "data": [1,2,3,4]}]}"#, &iris())
            .expect_err("negative dim");
        assert!(matches!(err, InputError::BadShape { .. }), "{err:?}");
    }

    #[test]
    fn multi_input_requests() {
        let inputs = vec![
            spec(
                "a",
                ElementType::Float32,
                vec![Dim::Named("batch".into()), Dim::Fixed(2)],
            ),
            spec("tag", ElementType::String, vec![Dim::Named("batch".into())]),
            spec("flag", ElementType::Bool, vec![Dim::Named("batch".into())]),
        ];
        let got = parse(
            r#"{"instances": [{"a": [1, 2], "tag": "x", "flag": true}, {"a": [3, 4], "tag": "y", "flag": 0}]}"#,
            &inputs,
        )
        .expect("named instances");
        assert_eq!(
            got.tensors[1].tensor.data,
            TensorData::String(vec!["x".into(), "y".into()])
        );
        assert_eq!(
            got.tensors[2].tensor.data,
            TensorData::Bool(vec![true, false])
        );
        let err = parse("[[1, 2]]", &inputs).expect_err("bare with several inputs");
        assert!(matches!(err, InputError::NeedsNamedInputs { .. }));
        let err = parse(r#"{"instances": [{"a": [1, 2], "tag": "x"}]}"#, &inputs)
            .expect_err("missing input");
        assert!(
            err.to_string().starts_with("missing input \"flag\""),
            "{err}"
        );
        let err = parse(
            r#"{"instances": [{"a": [1, 2], "tag": 5, "flag": true}]}"#,
            &inputs,
        )
        .expect_err("number for string");
        assert!(
            matches!(
                err,
                InputError::BadValue {
                    problem: ValueProblem::NotAString { .. },
                    ..
                }
            ),
            "{err:?}"
        );
        let err = parse(
            r#"{"inputs": {"a": [[1, 2]], "tag": ["x"], "flag": [true], "zzz": [1]}}"#,
            &inputs,
        )
        .expect_err("unknown column");
        assert!(matches!(err, InputError::UnknownInput { .. }), "{err:?}");
    }

    #[test]
    fn structural_errors() {
        assert!(matches!(parse("", &iris()), Err(InputError::Empty)));
        assert!(matches!(
            parse(r#"{"foo": 1}"#, &iris()),
            Err(InputError::UnknownFormat { .. })
        ));
        assert!(matches!(
            parse(r#"{"instances": []}"#, &iris()),
            Err(InputError::NoInstances)
        ));
        assert!(matches!(
            parse(r#"{"instances": 5}"#, &iris()),
            Err(InputError::WrongField { .. })
        ));
        let twice = r#"{"inputs": [{"name": "features", "shape": [1, 4], "data": [1,2,3,4]}, {"name": "features", "shape": [1, 4], "data": [1,2,3,4]}]}"#;
        assert!(matches!(
            parse(twice, &iris()),
            Err(InputError::DuplicateInput { .. })
        ));
        let seq = vec![IoSpec {
            name: "s".into(),
            kind: ValueKind::Sequence(Box::new(ValueKind::Tensor {
                element: ElementType::Float32,
                dims: vec![],
            })),
        }];
        assert!(matches!(
            parse("[1]", &seq),
            Err(InputError::UnsupportedInputKind { .. })
        ));
    }
}
