//! What the `:onnx` pane asks of the app's ONNX worker and what comes back.
//!
//! The pane is a view: it renders from state and never touches files. Reading
//! directories (path completion, the shipped examples) and example requests,
//! and everything ONNX Runtime does, happen behind these messages.

use std::path::PathBuf;

use super::complete::ExampleModel;
use super::model::ModelInfo;
use super::template::TemplateKind;
use super::worker::OnnxCommand;

/// A request from the pane.
#[derive(Debug, Clone, PartialEq)]
pub enum PaneRequest {
    /// Pass to the inference worker (started on first use).
    Engine(OnnxCommand),
    /// List completions of a partial path, and the shipped examples.
    Browse { id: u64, partial: String },
    /// Build request text for the model.
    Template {
        id: u64,
        info: Box<ModelInfo>,
        kind: TemplateKind,
    },
}

/// The answer to [`PaneRequest::Browse`]: completions of a typed path, or
/// the shipped examples when nothing is typed.
#[derive(Debug, Clone, PartialEq)]
pub struct BrowseReply {
    pub id: u64,
    pub partial: String,
    pub completions: Vec<String>,
    pub examples: Vec<ExampleModel>,
}

/// The answer to [`PaneRequest::Template`].
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateReply {
    pub id: u64,
    pub kind: TemplateKind,
    pub path: PathBuf,
    pub result: Result<String, String>,
}
