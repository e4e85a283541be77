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
            sink(spec, LogUpdate::Ended(Some(ApiFailure::from(&e).message)));
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
