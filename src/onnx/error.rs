//! Errors of the ONNX engine, worded for the person at the keyboard.
//!
//! Every error is plain data (`Clone`, no `ort` types) so it can travel in a worker
//! event and be stored by the app. `Display` says what went wrong and, where there
//! is one, what to do about it.

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

use super::format::human_bytes;
use super::runtime::{LibraryCandidate, SETUP_COMMAND, library_file_name};
use super::tensor::ElementType;

/// Any failure of the ONNX engine.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum OnnxError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("inference failed: {0}")]
    Inference(String),
    #[error("no model is loaded; open one first (:onnx PATH)")]
    NoModel,
    #[error("cancelled")]
    Cancelled,
    #[error("no example request for this model: {} does not exist", path.display())]
    NoExample { path: PathBuf },
    #[error("could not read {}: {detail}", path.display())]
    ReadFailed { path: PathBuf, detail: String },
    #[error("internal error in the ONNX engine (please report it): {0}")]
    Internal(String),
}

/// One library location that was looked at, and what happened there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriedLibrary {
    pub candidate: LibraryCandidate,
    pub outcome: String,
}

/// The ONNX Runtime shared library could not be found or started.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RuntimeError {
    #[error("{}", not_found_message(tried))]
    NotFound { tried: Vec<TriedLibrary> },
    #[error(
        "could not load ONNX Runtime from {} ({}): {detail}. kftui needs ONNX Runtime 1.31 or newer built for this platform; run `{SETUP_COMMAND}` to install a matching copy.",
        library.path.display(),
        library.source
    )]
    LoadFailed {
        library: LibraryCandidate,
        detail: String,
    },
    #[error("ONNX Runtime was loaded from {} but could not start: {detail}", library.display())]
    Environment { library: PathBuf, detail: String },
    #[error("ONNX Runtime is not available: {reason}")]
    Unavailable { reason: String },
    #[error("ONNX Runtime has not been initialised yet")]
    NotInitialised,
}

fn not_found_message(tried: &[TriedLibrary]) -> String {
    let mut text = format!(
        "ONNX Runtime library ({}) not found. Looked in:",
        library_file_name()
    );
    if tried.is_empty() {
        text.push_str(
            "\n  (nowhere: no explicit path, no KFTUI_ORT_LIB / ORT_DYLIB_PATH, no data directory)",
        );
    }
    for entry in tried {
        text.push_str(&format!(
            "\n  - {} ({}): {}",
            entry.candidate.path.display(),
            entry.candidate.source,
            entry.outcome
        ));
    }
    text.push_str(&format!(
        "\nInstall it with `{SETUP_COMMAND}`, or set KFTUI_ORT_LIB to the library's path. The rest of kftui works without it."
    ));
    text
}

/// A model file could not be opened or loaded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ModelError {
    #[error("{}: no such file", path.display())]
    NotFound { path: PathBuf },
    #[error("{} is a directory, not a model file", path.display())]
    IsDirectory { path: PathBuf },
    #[error("{} is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("cannot read {}: {detail}", path.display())]
    Unreadable { path: PathBuf, detail: String },
    #[error("{} is empty (0 bytes)", path.display())]
    Empty { path: PathBuf },
    #[error("{} is not an ONNX model: {detail}", path.display())]
    NotOnnx { path: PathBuf, detail: String },
    #[error("{} needs an operator this ONNX Runtime does not provide: {detail}", path.display())]
    UnsupportedOperator { path: PathBuf, detail: String },
    #[error("ONNX Runtime could not load {}: {detail}", path.display())]
    LoadFailed { path: PathBuf, detail: String },
}

/// What is wrong with one value of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueProblem {
    NotANumber { found: String },
    QuotedNumber { text: String },
    NotAnInteger { value: String },
    OutOfRange { value: String },
    NonFiniteNotAllowed { value: String },
    NotABool { found: String },
    NotAString { found: String },
}

impl fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotANumber { found } => write!(f, "expected a number, got {found}"),
            Self::QuotedNumber { text } => {
                write!(
                    f,
                    "expected a number, got the string \"{text}\" (remove the quotes)"
                )
            }
            Self::NotAnInteger { value } => write!(f, "{value} is not an integer"),
            Self::OutOfRange { value } => write!(f, "{value} is out of range"),
            Self::NonFiniteNotAllowed { value } => {
                write!(f, "{value} is only allowed for float inputs")
            }
            Self::NotABool { found } => write!(f, "expected true or false, got {found}"),
            Self::NotAString { found } => write!(f, "expected a string, got {found}"),
        }
    }
}

/// The request text does not fit the model.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InputError {
    #[error(
        "the request is empty; write JSON such as {{\"instances\": [[...]]}} or insert a template"
    )]
    Empty,
    #[error("the request is {} long; the limit is {}", human_bytes(u128::from(*bytes)), human_bytes(u128::from(*limit)))]
    TextTooLarge { bytes: u64, limit: u64 },
    #[error("JSON syntax error at line {line}, column {column}: {message}{}", hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Json {
        line: usize,
        column: usize,
        message: String,
        hint: Option<String>,
    },
    #[error(
        "unrecognised request ({found}); expected {{\"instances\": [...]}} (KServe v1), {{\"inputs\": [{{\"name\", \"shape\", \"datatype\", \"data\"}}]}} (Open Inference Protocol v2) or a bare array"
    )]
    UnknownFormat { found: String },
    #[error("{path}: expected {expected}, got {found}")]
    WrongField {
        path: String,
        expected: String,
        found: String,
    },
    #[error("{path}: missing \"{field}\"")]
    MissingField { path: String, field: String },
    #[error("a request without input names needs a model with one input, but this model has {}: {}", names.len(), names.join(", "))]
    NeedsNamedInputs { names: Vec<String> },
    #[error("{path}: unknown input \"{name}\"; the model's inputs are: {}", expected.join(", "))]
    UnknownInput {
        name: String,
        path: String,
        expected: Vec<String>,
    },
    #[error("missing input \"{name}\" ({spec}); the request must give every model input")]
    MissingInput { name: String, spec: String },
    #[error("{path}: input \"{name}\" is given twice")]
    DuplicateInput { name: String, path: String },
    #[error("input \"{name}\" is {kind}; kftui can only feed tensors")]
    UnsupportedInputKind { name: String, kind: String },
    #[error("input \"{name}\" has element type {element}, which kftui cannot build from JSON")]
    UnsupportedElementType { name: String, element: ElementType },
    #[error("{path}: ragged array: expected {expected}, got {found}")]
    Ragged {
        path: String,
        expected: String,
        found: String,
    },
    #[error("{path}: {problem} (input \"{input}\" takes {expected})")]
    BadValue {
        input: String,
        path: String,
        expected: ElementType,
        problem: ValueProblem,
    },
    #[error(
        "input \"{input}\": wrong rank: the model expects {expected_rank} dimension(s) ({expected}), the request has {got_rank} ({got})"
    )]
    RankMismatch {
        input: String,
        expected: String,
        expected_rank: usize,
        got: String,
        got_rank: usize,
    },
    #[error(
        "input \"{input}\": wrong shape: the model expects {expected}, the request has {got} (dimension {axis} must be {want})"
    )]
    ShapeMismatch {
        input: String,
        expected: String,
        got: String,
        axis: usize,
        want: u64,
    },
    #[error("input \"{input}\": shape {shape} needs {expected} value(s) but \"data\" has {got}")]
    CountMismatch {
        input: String,
        shape: String,
        expected: u128,
        got: u128,
    },
    #[error("input \"{input}\": datatype {request} does not match the model, which takes {model} (\"{}\")", model.v2_datatype().unwrap_or("?"))]
    DatatypeMismatch {
        input: String,
        request: String,
        model: ElementType,
    },
    #[error(
        "input \"{input}\": unknown datatype \"{datatype}\" (use one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES)"
    )]
    UnknownDatatype { input: String, datatype: String },
    #[error("{path}: bad shape: {detail}")]
    BadShape { path: String, detail: String },
    #[error("input \"{input}\" with shape {shape} would need {} as {element}; the limit is {}", human_bytes(*bytes), human_bytes(u128::from(*limit)))]
    TooLarge {
        input: String,
        shape: String,
        element: ElementType,
        bytes: u128,
        limit: u64,
    },
    #[error("\"instances\" is empty; give at least one instance")]
    NoInstances,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::runtime::LibrarySource;

    #[test]
    fn not_found_names_every_path_and_the_setup_command() {
        let err = RuntimeError::NotFound {
            tried: vec![
                TriedLibrary {
                    candidate: LibraryCandidate {
                        source: LibrarySource::EnvKftui,
                        path: "/opt/ort/lib.so".into(),
                    },
                    outcome: "not found".into(),
                },
                TriedLibrary {
                    candidate: LibraryCandidate {
                        source: LibrarySource::DataDir,
                        path: "/home/u/.local/share/kftui/x".into(),
                    },
                    outcome: "not found".into(),
                },
            ],
        };
        let text = err.to_string();
        assert!(
            text.contains("/opt/ort/lib.so (KFTUI_ORT_LIB): not found"),
            "{text}"
        );
        assert!(text.contains("/home/u/.local/share/kftui/x"), "{text}");
        assert!(text.contains(SETUP_COMMAND), "{text}");
    }

    #[test]
    fn json_error_shows_line_column_and_hint() {
        let err = InputError::Json {
            line: 3,
            column: 7,
            message: "expected value".into(),
            hint: Some("write \"NaN\"".into()),
        };
        assert_eq!(
            err.to_string(),
            "JSON syntax error at line 3, column 7: expected value (write \"NaN\")"
        );
    }

    #[test]
    fn too_large_is_human_readable() {
        let err = InputError::TooLarge {
            input: "x".into(),
            shape: "[1000000000000, 4]".into(),
            element: ElementType::Float32,
            bytes: 16_000_000_000_000,
            limit: 256 << 20,
        };
        let text = err.to_string();
        assert!(text.contains("14.6 TiB"), "{text}");
        assert!(text.contains("256 MiB"), "{text}");
    }
}
