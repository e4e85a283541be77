//! Command-line interface: flags for the TUI, and the `sim` and `bench`
//! subcommands.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// kftui: a keyboard-driven terminal UI for Kubeflow.
#[derive(Debug, Parser)]
#[command(name = "kftui", version, about, long_about = None)]
pub struct Cli {
    /// Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "FILE", global = true)]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to use (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Namespace to show (default: the context's namespace).
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// Show every namespace.
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,

    /// Disable every action that changes the cluster.
    #[arg(long)]
    pub readonly: bool,

    /// Run on the embedded demo cluster (a local API emulator), no cluster needed.
    #[arg(long, conflicts_with_all = ["kubeconfig", "context"])]
    pub demo: bool,

    /// Configuration file (default: the platform config directory's kftui/config.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Log filter written to the log file, e.g. info, debug, kftui=trace.
    #[arg(long, value_name = "LEVEL", default_value = "info", env = "KFTUI_LOG")]
    pub log_level: String,

    /// ONNX Runtime shared library (libonnxruntime.so).
    #[arg(long, value_name = "FILE", env = "KFTUI_ORT_LIB")]
    pub ort_lib: Option<PathBuf>,

    /// Screen to open first (notebooks, namespaces, pods, runs, onnx, ...).
    #[arg(long, value_name = "SCREEN")]
    pub view: Option<String>,

    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Run the Kubernetes API emulator alone and write a kubeconfig for it.
    Sim(kftui_emulator::SimArgs),
    /// Create a training job from a file (dry run first); --watch follows it.
    Launch(crate::submit::LaunchArgs),
}
