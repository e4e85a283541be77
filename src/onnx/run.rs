//! The engine path the pane uses for one run: request text → tensors → ONNX
//! Runtime → plain outputs (with top-k for classifiers).

use std::sync::Arc;
use std::time::{Duration, Instant};

use ort::session::{RunOptions, SessionInputValue};
use ort::value::{DynValue, Tensor as OrtTensor, TensorRef};

use super::cancel::CancelToken;
use super::error::OnnxError;
use super::input::{ParsedRequest, RequestFormat, parse_request};
use super::model::LoadedModel;
use super::output::{Classification, NamedOutput, OutputValue, classify, convert_output};
use super::tensor::{ElementType, NamedTensor, Tensor, TensorData};
use super::zipmap;

/// How many classes a classification summary keeps.
pub const TOP_K: usize = 5;

/// Where the time of one run went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunTimings {
    /// Request text to tensors.
    pub parse: Duration,
    /// `Session::run` (tensors in, ONNX Runtime values out).
    pub inference: Duration,
    /// ONNX Runtime values to plain outputs and top-k.
    pub convert: Duration,
    pub total: Duration,
}

/// The answer of a model to one request.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    pub format: RequestFormat,
    /// `(name, shape, element type)` of each input fed.
    pub inputs: Vec<(String, Vec<usize>, ElementType)>,
    /// Adjustments the parser made (see [`ParsedRequest::notes`]).
    pub notes: Vec<String>,
    pub outputs: Vec<NamedOutput>,
    /// Top-k per row of every probabilities output.
    pub classifications: Vec<Classification>,
    pub timings: RunTimings,
}

impl LoadedModel {
    /// Parses request text for this model.
    pub fn parse(&self, text: &str) -> Result<ParsedRequest, OnnxError> {
        Ok(parse_request(text, &self.info.inputs, &self.limits)?)
    }

    /// Parses `text`, runs the model and converts the outputs; `cancel` stops the run.
    pub fn run_text(&mut self, text: &str, cancel: &CancelToken) -> Result<RunResult, OnnxError> {
        let started = Instant::now();
        let request = self.parse(text)?;
        let parse = started.elapsed();
        let (outputs, inference, convert_started) = self.run_request(&request, cancel)?;
        let classifications = classify(&outputs, TOP_K);
        let done = Instant::now();
        Ok(RunResult {
            format: request.format,
            inputs: request
                .tensors
                .iter()
                .map(|t| {
                    (
                        t.name.clone(),
                        t.tensor.shape.clone(),
                        t.tensor.element_type(),
                    )
                })
                .collect(),
            notes: request.notes,
            outputs,
            classifications,
            timings: RunTimings {
                parse,
                inference,
                convert: done.duration_since(convert_started),
                total: done.duration_since(started),
            },
        })
    }

    /// Runs parsed tensors; returns the outputs, the inference time and when conversion began.
    fn run_request(
        &mut self,
        request: &ParsedRequest,
        cancel: &CancelToken,
    ) -> Result<(Vec<NamedOutput>, Duration, Instant), OnnxError> {
        let inputs = request
            .tensors
            .iter()
            .map(|t| Ok((t.name.as_str(), tensor_view(&t.tensor)?)))
            .collect::<Result<Vec<_>, OnnxError>>()?;
        let run_options = terminable_run_options(cancel)?;
        let started = Instant::now();
        let outputs = self
            .session
            .run_with_options(inputs, &*run_options)
            .map_err(|e| run_error(&e, cancel))?;
        let inference = started.elapsed();
        let convert_started = Instant::now();
        // The tensors behind ZipMap outputs (hidden), then every shown output.
        let mut zipmap_inputs: Vec<(&str, OutputValue)> = Vec::new();
        for (name, value) in outputs.iter() {
            if let Some(z) = self.zipmaps.iter().find(|z| z.input == name) {
                zipmap_inputs.push((z.input.as_str(), convert_output(&value)));
            }
        }
        let built = |name: &str| {
            let z = self.zipmaps.iter().find(|z| z.output == name)?;
            let (_, tensor) = zipmap_inputs.iter().find(|(n, _)| *n == z.input)?;
            match tensor {
                OutputValue::Tensor(t) => zipmap::maps(t, &z.labels),
                _ => None,
            }
        };
        let converted = outputs
            .iter()
            .filter(|(name, _)| !self.zipmaps.iter().any(|z| z.input == *name))
            .map(|(name, value)| NamedOutput {
                name: name.to_string(),
                value: match built(name) {
                    Some(maps) => OutputValue::SequenceOfMaps(maps),
                    None => convert_output(&value),
                },
            })
            .collect();
        Ok((converted, inference, convert_started))
    }
}

/// Run options that `cancel` terminates; fails if already cancelled.
pub(crate) fn terminable_run_options(cancel: &CancelToken) -> Result<Arc<RunOptions>, OnnxError> {
    let run_options = Arc::new(RunOptions::new().map_err(|e| OnnxError::Inference(e.to_string()))?);
    let terminator = Arc::clone(&run_options);
    cancel.on_cancel(move || {
        // Nothing to do if it fails: the run then simply completes.
        let _ = terminator.terminate();
    });
    if cancel.is_cancelled() {
        return Err(OnnxError::Cancelled);
    }
    Ok(run_options)
}

/// An ORT run error, or `Cancelled` when the run was terminated on purpose.
pub(crate) fn run_error(error: &ort::Error, cancel: &CancelToken) -> OnnxError {
    if cancel.is_cancelled() {
        OnnxError::Cancelled
    } else {
        OnnxError::Inference(error.to_string())
    }
}

fn ort_shape(tensor: &Tensor) -> Vec<i64> {
    tensor
        .shape
        .iter()
        .map(|d| i64::try_from(*d).unwrap_or(i64::MAX))
        .collect()
}

fn ort_error(error: ort::Error) -> OnnxError {
    OnnxError::Inference(format!("could not build an input tensor: {error}"))
}

/// A zero-copy ONNX Runtime view of a tensor (strings are copied: ORT owns them).
fn tensor_view(tensor: &Tensor) -> Result<SessionInputValue<'_>, OnnxError> {
    let shape = ort_shape(tensor);
    macro_rules! view {
        ($values:expr) => {
            TensorRef::from_array_view((shape, &$values[..]))
                .map_err(ort_error)?
                .into()
        };
    }
    Ok(match &tensor.data {
        TensorData::Float32(v) => view!(v),
        TensorData::Float64(v) => view!(v),
        TensorData::Int8(v) => view!(v),
        TensorData::Int16(v) => view!(v),
        TensorData::Int32(v) => view!(v),
        TensorData::Int64(v) => view!(v),
        TensorData::Uint8(v) => view!(v),
        TensorData::Uint16(v) => view!(v),
        TensorData::Uint32(v) => view!(v),
        TensorData::Uint64(v) => view!(v),
        TensorData::Bool(v) => view!(v),
        TensorData::String(v) => OrtTensor::from_string_array((shape, &v[..]))
            .map_err(ort_error)?
            .into(),
    })
}

/// ONNX Runtime values owning a copy of the tensors, for repeated runs.
pub(crate) fn owned_values(tensors: &[NamedTensor]) -> Result<Vec<(String, DynValue)>, OnnxError> {
    tensors
        .iter()
        .map(|t| {
            let shape = ort_shape(&t.tensor);
            macro_rules! owned {
                ($values:expr) => {
                    OrtTensor::from_array((shape, $values.clone()))
                        .map_err(ort_error)?
                        .into_dyn()
                };
            }
            let value = match &t.tensor.data {
                TensorData::Float32(v) => owned!(v),
                TensorData::Float64(v) => owned!(v),
                TensorData::Int8(v) => owned!(v),
                TensorData::Int16(v) => owned!(v),
                TensorData::Int32(v) => owned!(v),
                TensorData::Int64(v) => owned!(v),
                TensorData::Uint8(v) => owned!(v),
                TensorData::Uint16(v) => owned!(v),
                TensorData::Uint32(v) => owned!(v),
                TensorData::Uint64(v) => owned!(v),
                TensorData::Bool(v) => owned!(v),
                TensorData::String(v) => OrtTensor::from_string_array((shape, &v[..]))
                    .map_err(ort_error)?
                    .into_dyn(),
            };
            Ok((t.name.clone(), value))
        })
        .collect()
}
