//! ONNX test-inference engine: everything behind the `:onnx` pane except its screen.
//!
//! A data scientist opens a model file and checks it before shipping it: does it
//! load, what does it expect, what does it answer for a known input, how fast is it.
//! No cluster is involved.
//!
//! The pieces, each in its own file:
//! - [`runtime`]: finds the ONNX Runtime shared library and initialises it once.
//! - [`model`]: loads a model and describes it ([`ModelInfo`]).
//! - [`input`]: parses request text (KServe v1, Open Inference Protocol v2, bare array).
//! - [`template`]: writes a correctly shaped request for a model.
//! - [`run`]: the engine path parse → tensors → run → plain outputs.
//! - [`output`]: plain output values, ZipMap handling, argmax / top-k.
//! - [`format`]: turns values and results into text for the screen.
//! - [`bench`]: latency statistics and the benchmark loop.
//! - [`worker`]: runs all of this off the UI loop, latest request wins.
//! - [`complete`]: path completion and the shipped example models.
//!
//! Everything the screen receives is plain data (`Clone + Debug + Send`, no `ort`
//! types), so the app's `update` can store it and views can render it.

pub mod bench;
pub mod cancel;
pub mod complete;
pub mod error;
pub mod format;
pub mod input;
pub mod model;
pub mod output;
pub mod pane;
mod proto;
pub mod run;
pub mod runtime;
pub mod template;
pub mod tensor;
pub mod worker;
mod zipmap;

pub use bench::{BenchResult, BenchStats, Histogram};
pub use cancel::CancelToken;
pub use complete::{ExampleModel, complete_path, shipped_examples};
pub use error::{InputError, ModelError, OnnxError, RuntimeError};
pub use format::{FormatOptions, format_run_result, format_tensor, format_value};
pub use input::{InputLimits, ParsedRequest, RequestFormat, parse_request};
pub use model::{LoadOptions, LoadedModel, ModelInfo, Provider};
pub use output::{ClassScore, Classification, MapKey, MapValue, NamedOutput, OutputValue};
pub use run::{RunResult, RunTimings};
pub use runtime::{LibraryCandidate, LibrarySource, RuntimeInfo};
pub use template::{TemplateKind, template};
pub use tensor::{Dim, ElementType, IoSpec, NamedTensor, Tensor, TensorData, ValueKind};
pub use worker::{CancelReason, Engine, OnnxCommand, OnnxEvent, OnnxWorker, OrtEngine};
