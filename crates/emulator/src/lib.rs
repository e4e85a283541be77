//! A Kubernetes API emulator that holds a simulated Kubeflow cluster.
