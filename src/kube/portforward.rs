//! Port-forwards to a pod through the API server (WebSocket, kube `ws`): a
//! listener on 127.0.0.1 and one forwarded stream per accepted connection.

use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::Api;
use tokio::net::TcpListener;

use super::errors::ApiFailure;
use super::types::{ForwardSpec, ForwardUpdate};

/// Where updates go.
pub type Sink = std::sync::Arc<dyn Fn(u64, ForwardUpdate) + Send + Sync>;

/// Listens and forwards until the task is aborted.
pub async fn run(client: Client, spec: ForwardSpec, sink: Sink) {
    let listener = match TcpListener::bind(("127.0.0.1", 0)).await {
        Ok(l) => l,
        Err(e) => {
            sink(
                spec.id,
                ForwardUpdate::Failed(format!("cannot listen on 127.0.0.1: {e}")),
            );
            return;
        }
    };
    let port = match listener.local_addr() {
        Ok(a) => a.port(),
        Err(e) => {
            sink(
                spec.id,
                ForwardUpdate::Failed(format!("cannot listen on 127.0.0.1: {e}")),
            );
            return;
        }
    };
    sink(spec.id, ForwardUpdate::Listening { local_port: port });
    let api: Api<Pod> = Api::namespaced(client, &spec.namespace);
    loop {
        let (mut conn, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("port-forward accept failed: {e}");
                continue;
            }
        };
        let api = api.clone();
        let spec = spec.clone();
        let sink = sink.clone();
        tokio::spawn(async move {
            tracing::debug!(%peer, pod = %spec.pod, "forwarding connection");
            let mut forwarder = match api.portforward(&spec.pod, &[spec.pod_port]).await {
                Ok(f) => f,
                Err(e) => {
                    let msg = ApiFailure::from(&e).message;
                    tracing::warn!(
                        "port-forward to {}/{} failed: {msg}",
                        spec.namespace,
                        spec.pod
                    );
                    sink(spec.id, ForwardUpdate::Failed(msg));
                    return;
                }
            };
            let Some(mut upstream) = forwarder.take_stream(spec.pod_port) else {
                sink(
                    spec.id,
                    ForwardUpdate::Failed("the server opened no stream for the port".into()),
                );
                return;
            };
            if let Err(e) = tokio::io::copy_bidirectional(&mut conn, &mut upstream).await {
                tracing::debug!("port-forward connection ended: {e}");
            }
            drop(upstream);
            let _ = forwarder.join().await;
        });
    }
}
