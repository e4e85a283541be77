//! kftui: a keyboard-driven terminal UI for Kubeflow.
#![deny(clippy::todo, clippy::unimplemented)]

pub mod onnx;
