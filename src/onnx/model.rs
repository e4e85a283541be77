//! Loading a model into an ONNX Runtime session and describing it ([`ModelInfo`]).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ort::ep::{self, ExecutionProvider};
use ort::session::Session;
use ort::session::builder::SessionBuilder;
use ort::value::{TensorElementType, ValueType};

use super::error::{ModelError, OnnxError};
use super::input::InputLimits;
use super::proto::{ModelHeader, read_header};
use super::runtime::{CUDA_UNAVAILABLE_NOTE, environment};
use super::tensor::{Dim, ElementType, IoSpec, ValueKind};
use super::zipmap::{self, ZipMap};

/// The execution provider asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Provider {
    #[default]
    Cpu,
    Cuda,
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cpu => "CPU",
            Self::Cuda => "CUDA",
        })
    }
}

/// How to load a model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    pub provider: Provider,
    /// Intra-op threads; `None` lets ONNX Runtime choose (one per core).
    pub intra_threads: Option<usize>,
    pub limits: InputLimits,
}

/// Everything the info view shows about a loaded model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    pub path: PathBuf,
    pub file_size: u64,
    pub load_time: Duration,
    pub inputs: Vec<IoSpec>,
    pub outputs: Vec<IoSpec>,
    /// `(domain, version)`, default domain shown as `ai.onnx`, sorted by domain.
    pub opsets: Vec<(String, i64)>,
    pub ir_version: Option<i64>,
    pub producer_name: String,
    pub producer_version: String,
    pub graph_name: String,
    pub description: String,
    pub graph_description: String,
    pub domain: String,
    pub model_version: Option<i64>,
    /// Custom metadata (`metadata_props`), sorted by key.
    pub custom_metadata: Vec<(String, String)>,
    /// The provider the session runs on.
    pub provider: Provider,
    /// Why the provider differs from the one asked for, if it does.
    pub provider_note: Option<String>,
    pub intra_threads: Option<usize>,
}

/// Models up to this size are scanned for ZipMap outputs.
const ZIPMAP_SCAN_LIMIT: u64 = 64 << 20;

/// A model loaded into ONNX Runtime, ready to run.
pub struct LoadedModel {
    pub(crate) session: Session,
    pub(crate) info: ModelInfo,
    pub(crate) limits: InputLimits,
    /// ZipMap outputs kftui builds itself (see [`super::zipmap`]).
    pub(crate) zipmaps: Vec<ZipMap>,
}

impl fmt::Debug for LoadedModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedModel")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl LoadedModel {
    /// Loads the model at `path`; ONNX Runtime must be initialised ([`super::runtime::init`]).
    pub fn load(path: &Path, options: &LoadOptions) -> Result<Self, OnnxError> {
        let environment = environment()?;
        let file_size = check_file(path)?;
        let header = read_header(path).map_err(|detail| ModelError::NotOnnx {
            path: path.to_path_buf(),
            detail,
        })?;

        let started = Instant::now();
        let mut builder =
            Session::builder(environment).map_err(|e| load_error(path, &e.to_string()))?;
        if let Some(threads) = options.intra_threads {
            builder = builder
                .with_intra_threads(threads)
                .map_err(|e| load_error(path, &e.to_string()))?;
        }
        let (mut builder, provider, provider_note) = with_provider(builder, options.provider);
        let mut zipmaps = Vec::new();
        let mut session = None;
        // Only models importing the ai.onnx.ml opset can hold a ZipMap: others
        // are not read an extra time.
        let has_ml_ops = header
            .opsets
            .iter()
            .any(|(domain, _)| domain == "ai.onnx.ml");
        if has_ml_ops
            && file_size <= ZIPMAP_SCAN_LIMIT
            && let Ok(bytes) = std::fs::read(path)
        {
            let found = zipmap::find(&bytes);
            let names: Vec<&str> = found.iter().map(|z| z.input.as_str()).collect();
            if let Some(exposed) = (!found.is_empty())
                .then(|| zipmap::expose(&bytes, &names))
                .flatten()
            {
                match builder.commit_from_memory(&exposed) {
                    Ok(s) => {
                        session = Some(s);
                        zipmaps = found;
                    }
                    Err(e) => tracing::debug!("ZipMap outputs kept as they are: {e}"),
                }
            }
        }
        let session = match session {
            Some(s) => s,
            None => builder
                .commit_from_file(path)
                .map_err(|e| load_error(path, &e.to_string()))?,
        };
        let load_time = started.elapsed();

        let facts = LoadFacts {
            path: path.to_path_buf(),
            file_size,
            load_time,
            provider,
            provider_note,
            intra_threads: options.intra_threads,
        };
        let mut info = describe(&session, header, facts);
        info.outputs
            .retain(|o| !zipmaps.iter().any(|z| z.input == o.name));
        Ok(Self {
            session,
            info,
            limits: options.limits.clone(),
            zipmaps,
        })
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }
}

/// Checks that `path` is a readable, non-empty regular file; returns its size.
fn check_file(path: &Path) -> Result<u64, ModelError> {
    let path_buf = path.to_path_buf();
    let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ModelError::NotFound {
            path: path_buf.clone(),
        },
        _ => ModelError::Unreadable {
            path: path_buf.clone(),
            detail: e.to_string(),
        },
    })?;
    if metadata.is_dir() {
        return Err(ModelError::IsDirectory { path: path_buf });
    }
    if !metadata.is_file() {
        return Err(ModelError::NotAFile { path: path_buf });
    }
    if metadata.len() == 0 {
        return Err(ModelError::Empty { path: path_buf });
    }
    std::fs::File::open(path).map_err(|e| ModelError::Unreadable {
        path: path_buf,
        detail: e.to_string(),
    })?;
    Ok(metadata.len())
}

/// Registers the asked-for provider, falling back to CPU with a note.
fn with_provider(
    builder: SessionBuilder,
    provider: Provider,
) -> (SessionBuilder, Provider, Option<String>) {
    match provider {
        Provider::Cpu => (builder, Provider::Cpu, None),
        Provider::Cuda => {
            if !ep::CUDA::is_available().unwrap_or(false) {
                return (
                    builder,
                    Provider::Cpu,
                    Some(CUDA_UNAVAILABLE_NOTE.to_string()),
                );
            }
            match builder.with_execution_providers([ep::CUDA::default().build().error_on_failure()])
            {
                Ok(builder) => (builder, Provider::Cuda, None),
                Err(e) => {
                    let note =
                        format!("CUDA execution provider could not start ({e}); running on CPU");
                    (e.recover(), Provider::Cpu, Some(note))
                }
            }
        }
    }
}

/// Sorts an ORT load failure into a message the user can act on.
fn load_error(path: &Path, detail: &str) -> OnnxError {
    let path = path.to_path_buf();
    let detail = detail.trim().to_string();
    let lowered = detail.to_ascii_lowercase();
    let error = if lowered.contains("is not a registered function/op")
        || lowered.contains("could not find an implementation")
        || lowered.contains("no opset import for domain")
        || lowered.contains("unrecognized operator")
    {
        ModelError::UnsupportedOperator { path, detail }
    } else if lowered.contains("protobuf parsing failed") || lowered.contains("invalid_protobuf") {
        ModelError::NotOnnx { path, detail }
    } else {
        ModelError::LoadFailed { path, detail }
    };
    error.into()
}

/// What is known about a load before the session is inspected.
struct LoadFacts {
    path: PathBuf,
    file_size: u64,
    load_time: Duration,
    provider: Provider,
    provider_note: Option<String>,
    intra_threads: Option<usize>,
}

fn or_else(preferred: String, fallback: String) -> String {
    if preferred.is_empty() {
        fallback
    } else {
        preferred
    }
}

fn describe(session: &Session, header: ModelHeader, facts: LoadFacts) -> ModelInfo {
    let spec = |name: &str, dtype: &ValueType| IoSpec {
        name: name.to_string(),
        kind: value_kind_from_ort(dtype),
    };
    let inputs = session
        .inputs()
        .iter()
        .map(|o| spec(o.name(), o.dtype()))
        .collect();
    let outputs = session
        .outputs()
        .iter()
        .map(|o| spec(o.name(), o.dtype()))
        .collect();
    let metadata = session.metadata().ok();
    let text = |get: fn(&ort::session::ModelMetadata<'_>) -> Option<String>| {
        metadata.as_ref().and_then(get).unwrap_or_default()
    };
    let mut custom_metadata: Vec<(String, String)> = match &metadata {
        Some(m) => m
            .custom_keys()
            .unwrap_or_default()
            .into_iter()
            .map(|key| {
                let value = m.custom(&key).unwrap_or_default();
                (key, value)
            })
            .collect(),
        None => header.metadata.clone(),
    };
    custom_metadata.sort();
    let mut opsets: Vec<(String, i64)> = header
        .opsets
        .iter()
        .map(|(domain, version)| {
            (
                if domain.is_empty() {
                    "ai.onnx".to_string()
                } else {
                    domain.clone()
                },
                *version,
            )
        })
        .collect();
    opsets.sort();
    ModelInfo {
        path: facts.path,
        file_size: facts.file_size,
        load_time: facts.load_time,
        inputs,
        outputs,
        opsets,
        ir_version: header.ir_version,
        producer_name: or_else(text(|m| m.producer()), header.producer_name),
        producer_version: header.producer_version,
        graph_name: or_else(text(|m| m.name()), header.graph_name.unwrap_or_default()),
        description: or_else(text(|m| m.description()), header.doc_string),
        graph_description: text(|m| m.graph_description()),
        domain: or_else(header.domain, text(|m| m.domain())),
        model_version: header.model_version,
        custom_metadata,
        provider: facts.provider,
        provider_note: facts.provider_note,
        intra_threads: facts.intra_threads,
    }
}

/// Maps an ORT element type to kftui's.
pub(crate) fn element_type_from_ort(ty: TensorElementType) -> ElementType {
    match ty {
        TensorElementType::Float32 => ElementType::Float32,
        TensorElementType::Float64 => ElementType::Float64,
        TensorElementType::Float16 => ElementType::Float16,
        TensorElementType::Bfloat16 => ElementType::BFloat16,
        TensorElementType::Int8 => ElementType::Int8,
        TensorElementType::Int16 => ElementType::Int16,
        TensorElementType::Int32 => ElementType::Int32,
        TensorElementType::Int64 => ElementType::Int64,
        TensorElementType::Uint8 => ElementType::Uint8,
        TensorElementType::Uint16 => ElementType::Uint16,
        TensorElementType::Uint32 => ElementType::Uint32,
        TensorElementType::Uint64 => ElementType::Uint64,
        TensorElementType::Bool => ElementType::Bool,
        TensorElementType::String => ElementType::String,
        TensorElementType::Complex64 => ElementType::Other("complex64"),
        TensorElementType::Complex128 => ElementType::Other("complex128"),
        TensorElementType::Float8E4M3FN => ElementType::Other("float8e4m3fn"),
        TensorElementType::Float8E4M3FNUZ => ElementType::Other("float8e4m3fnuz"),
        TensorElementType::Float8E5M2 => ElementType::Other("float8e5m2"),
        TensorElementType::Float8E5M2FNUZ => ElementType::Other("float8e5m2fnuz"),
        TensorElementType::Float8E8M0 => ElementType::Other("float8e8m0"),
        TensorElementType::Float4E2M1 => ElementType::Other("float4e2m1"),
        TensorElementType::Uint4 => ElementType::Other("uint4"),
        TensorElementType::Int4 => ElementType::Other("int4"),
        TensorElementType::Uint2 => ElementType::Other("uint2"),
        TensorElementType::Int2 => ElementType::Other("int2"),
        _ => ElementType::Other("undefined"),
    }
}

/// Maps an ORT input/output type to kftui's, naming dynamic dimensions.
pub(crate) fn value_kind_from_ort(dtype: &ValueType) -> ValueKind {
    match dtype {
        ValueType::Tensor {
            ty,
            shape,
            dimension_symbols,
        } => ValueKind::Tensor {
            element: element_type_from_ort(*ty),
            dims: shape
                .iter()
                .enumerate()
                .map(|(i, size)| match u64::try_from(*size) {
                    Ok(size) => Dim::Fixed(size),
                    Err(_) => match dimension_symbols.get(i).filter(|s| !s.is_empty()) {
                        Some(name) => Dim::Named(name.clone()),
                        None => Dim::Unknown,
                    },
                })
                .collect(),
        },
        ValueType::Sequence(inner) => ValueKind::Sequence(Box::new(value_kind_from_ort(inner))),
        ValueType::Map { key, value } => ValueKind::Map {
            key: element_type_from_ort(*key),
            value: element_type_from_ort(*value),
        },
        ValueType::Optional(inner) => ValueKind::Optional(Box::new(value_kind_from_ort(inner))),
    }
}
