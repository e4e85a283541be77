//! Label and field selectors, shared by list and watch.

pub mod field;
pub mod label;

pub use field::FieldSelector;
pub use label::LabelSelector;

/// A selector that could not be parsed; rendered as 400 BadRequest.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SelectorError {
    #[error("unable to parse requirement: {0}")]
    Label(String),
    #[error("{0}")]
    Field(String),
}
