//! Streams a container's log in batches of lines. Bytes that are not UTF-8
//! are replaced, not fatal; the stream's end or failure is reported.

use std::time::Duration;

use futures::AsyncBufReadExt;
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, LogParams};

use super::errors::ApiFailure;
use super::types::{LogSpec, LogUpdate};

/// Where updates go.
pub type Sink = std::sync::Arc<dyn Fn(LogSpec, LogUpdate) + Send + Sync>;

const BATCH_LINES: usize = 500;
const BATCH_WAIT: Duration = Duration::from_millis(30);

/// A refused log request in plain words. The API server fetches logs from
/// the node's kubelet; when that fails (5xx), the node is the news, not the
/// API server.
async fn why_no_log(api: &Api<Pod>, pod: &str, e: &kube::Error) -> String {
    let failure = ApiFailure::from(e);
    let kubelet = matches!(failure.code, Some(500 | 502 | 503 | 504));
    if !kubelet {
        return failure.message;
    }
    let server_words = match e {
        kube::Error::Api(s) if !s.message.is_empty() => s.message.clone(),
        _ => failure.message.clone(),
    };
    let node = tokio::time::timeout(Duration::from_secs(5), api.get(pod))
        .await
        .ok()
        .and_then(Result::ok)
        .and_then(|p| p.spec.and_then(|s| s.node_name));
    match node {
        Some(node) => format!("the node {node} did not answer for the log: {server_words}"),
        None => format!("the pod's node did not answer for the log: {server_words}"),
    }
}

/// Follows the log until it ends or the task is aborted.
pub async fn run(client: Client, spec: LogSpec, sink: Sink) {
    let api: Api<Pod> = Api::namespaced(client, &spec.namespace);
    let params = LogParams {
        container: spec.container.clone(),
        follow: spec.follow,
        previous: spec.previous,
        tail_lines: spec.tail_lines,
        timestamps: true,
        ..LogParams::default()
    };
    let reader = match api.log_stream(&spec.pod, &params).await {
        Ok(r) => r,
        Err(e) => {
            let words = why_no_log(&api, &spec.pod, &e).await;
            sink(spec, LogUpdate::Ended(Some(words)));
            return;
        }
    };
    let mut reader = Box::pin(reader);
    let mut batch: Vec<String> = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let read = if batch.is_empty() {
            Ok(reader.read_until(b'\n', &mut buf).await)
        } else {
            tokio::time::timeout(BATCH_WAIT, reader.read_until(b'\n', &mut buf)).await
        };
        match read {
            Ok(Ok(0)) => {
                if !buf.is_empty() {
                    batch.push(
                        String::from_utf8_lossy(&buf)
                            .trim_end_matches(['\n', '\r'])
                            .to_string(),
                    );
                }
                if !batch.is_empty() {
                    sink(spec.clone(), LogUpdate::Lines(std::mem::take(&mut batch)));
                }
                sink(spec, LogUpdate::Ended(None));
                return;
            }
            Ok(Ok(_)) => {
                batch.push(
                    String::from_utf8_lossy(&buf)
                        .trim_end_matches(['\n', '\r'])
                        .to_string(),
                );
                buf.clear();
                if batch.len() >= BATCH_LINES {
                    sink(spec.clone(), LogUpdate::Lines(std::mem::take(&mut batch)));
                }
            }
            Ok(Err(e)) => {
                if !batch.is_empty() {
                    sink(spec.clone(), LogUpdate::Lines(std::mem::take(&mut batch)));
                }
                sink(
                    spec,
                    LogUpdate::Ended(Some(format!("log stream broke: {e}"))),
                );
                return;
            }
            // Quiet for a moment: deliver what has arrived.
            Err(_) => sink(spec.clone(), LogUpdate::Lines(std::mem::take(&mut batch))),
        }
    }
}
