//! kftui: a keyboard-driven terminal UI for Kubeflow.
#![deny(clippy::todo, clippy::unimplemented)]

pub mod app;
pub mod cli;
pub mod gpu;
pub mod kube;
pub mod launch;
pub mod onnx;
pub mod submit;
pub mod testing;
pub mod views;
