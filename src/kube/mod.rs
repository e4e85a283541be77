//! Everything that talks to Kubernetes lives here: building clients from a
//! kubeconfig, watches, one-shot requests, logs, access reviews and
//! port-forwards. The rest of kftui sees plain messages.

pub mod client;
pub mod crd;
pub mod dex;
pub mod errors;
pub mod exposition;
pub mod gpu_metrics;
pub mod health;
pub mod job_watch;
pub mod kfp;
pub mod kinds;
pub mod logs;
pub mod ops;
pub mod pod;
pub mod portforward;
pub mod proxy;
pub mod quantity;
pub mod slim;
pub mod types;
pub mod watch;
