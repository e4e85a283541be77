//! The fixed names of the demo cluster, for tests written against it.

pub const ML_RESEARCH: &str = "ml-research";
pub const VISION_TEAM: &str = "vision-team";
pub const NLP_TEAM: &str = "nlp-team";
pub const KUBEFLOW: &str = "kubeflow";
pub const KUBE_SYSTEM: &str = "kube-system";
pub const DEFAULT: &str = "default";
/// Where the NVIDIA GPU operator runs its DCGM exporter and device plugin.
pub const GPU_OPERATOR: &str = "gpu-operator";
/// Where a Prometheus (kube-prometheus' `prometheus-k8s`) runs.
pub const MONITORING: &str = "monitoring";

pub const ALICE: &str = "alice@example.com";
pub const BOB: &str = "bob@example.com";
pub const CAROL: &str = "carol@example.com";

/// The GPU quota in `ml-research`.
pub const GPU_QUOTA: &str = "kf-resource-quota";

pub const NOTEBOOK_JUPYTER_ALICE: &str = "jupyter-alice";
pub const NOTEBOOK_PYTORCH_DEV: &str = "pytorch-dev";
pub const NOTEBOOK_OLD_EXPERIMENTS: &str = "old-experiments";
pub const NOTEBOOK_BIG_GPU: &str = "big-gpu-notebook";
pub const NOTEBOOK_VISION: &str = "vision-lab";
pub const NOTEBOOK_NLP: &str = "nlp-scratch";

pub const NODE_A100: &str = "gpu-a100-0";
pub const NODE_H100: &str = "gpu-h100-0";
pub const NODE_T4: &str = "gpu-t4-0";
pub const NODE_CPU_0: &str = "cpu-0";
pub const NODE_CPU_1: &str = "cpu-1";

/// The annotation that stops a notebook.
pub const STOP_ANNOTATION: &str = "kubeflow-resource-stopped";
/// The annotation the notebook controller keeps moving.
pub const LAST_ACTIVITY_ANNOTATION: &str = "notebooks.kubeflow.org/last-activity";
