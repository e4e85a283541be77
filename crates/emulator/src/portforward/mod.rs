//! Pod port-forward over WebSocket, speaking the `v4.channel.k8s.io`
//! framing kube-rs's `Api::<Pod>::portforward` uses: for the i-th requested
//! port, channel `2i` carries data and `2i+1` errors; the server's first
//! frame on each channel is the channel byte followed by the port number
//! (little-endian u16). Data is relayed over TCP to the process "listening"
//! in the pod — for notebook pods on 8888, the emulator's local Jupyter
//! stand-in ([`responder`]). Other ports get the kubelet's connection
//! refused error on the error channel.

pub mod responder;

use std::net::SocketAddr;

use axum::extract::FromRequestParts;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::request::Parts;
use axum::response::Response;
use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::api::error::ApiError;
use crate::api::query::Query;
use crate::ops;
use crate::resources;
use crate::server::SharedState;

/// The subprotocol the emulator negotiates (the kubelet's port-forward
/// over WebSocket speaks v4; kube-rs offers v5 and v4).
pub const PROTOCOL: &str = "v4.channel.k8s.io";

fn parse_ports(query: &Query) -> Result<Vec<u16>, ApiError> {
    let mut ports = Vec::new();
    for value in query.all("ports") {
        for p in value.split(',').filter(|p| !p.is_empty()) {
            let port: u16 = p
                .trim()
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ApiError::bad_request(format!("invalid port \"{p}\"")))?;
            ports.push(port);
        }
    }
    if ports.is_empty() {
        return Err(ApiError::bad_request("at least one port must be specified"));
    }
    Ok(ports)
}

/// Where a connection to `port` in `pod` goes, if anything listens there.
fn listener_for(state: &SharedState, pod: &Value, port: u16) -> Option<SocketAddr> {
    let is_notebook = pod.pointer("/metadata/labels/notebook-name").is_some();
    (is_notebook && port == 8888).then_some(state.pod_listener)
}

/// Upgrades a port-forward request.
pub async fn serve(
    state: SharedState,
    ns: &str,
    name: &str,
    query: &Query,
    parts: &mut Parts,
) -> Result<Response, ApiError> {
    let pod = ops::get(&state.store, &resources::POD, Some(ns), name)?.value();
    let ports = parse_ports(query)?;
    let phase = pod
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("Pending");
    if phase != "Running" {
        return Err(ApiError::bad_request(format!(
            "unable to upgrade connection: pod {name} is not running (phase {phase})"
        )));
    }
    let upgrade = WebSocketUpgrade::from_request_parts(parts, &())
        .await
        .map_err(|e| ApiError::bad_request(format!("Upgrade request required: {e}")))?;
    let uid = pod
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let targets: Vec<(u16, Option<SocketAddr>)> = ports
        .iter()
        .map(|p| (*p, listener_for(&state, &pod, *p)))
        .collect();
    let pod_name = name.to_string();
    Ok(upgrade
        .protocols([PROTOCOL])
        .on_upgrade(move |socket| relay(socket, targets, pod_name, uid)))
}

fn frame(channel: u8, data: &[u8]) -> Message {
    let mut buf = Vec::with_capacity(data.len() + 1);
    buf.push(channel);
    buf.extend_from_slice(data);
    Message::Binary(Bytes::from(buf))
}

/// Relays WebSocket channels to TCP connections until everything closes.
async fn relay(
    socket: WebSocket,
    targets: Vec<(u16, Option<SocketAddr>)>,
    pod: String,
    uid: String,
) {
    let (mut sink, mut stream) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Message>(64);
    let writer = tokio::spawn(async move {
        while let Some(msg) = out_rx.recv().await {
            let close = matches!(msg, Message::Close(_));
            if sink.send(msg).await.is_err() || close {
                break;
            }
        }
    });
    let mut writers = Vec::new();
    let mut open = 0usize;
    let (done_tx, mut done_rx) = mpsc::channel::<usize>(targets.len().max(1));
    for (i, (port, target)) in targets.iter().enumerate() {
        let data_ch = (2 * i) as u8;
        let err_ch = data_ch + 1;
        let port_bytes = port.to_le_bytes();
        let _ = out_tx.send(frame(data_ch, &port_bytes)).await;
        let _ = out_tx.send(frame(err_ch, &port_bytes)).await;
        let conn = match target {
            Some(addr) => TcpStream::connect(addr).await.ok(),
            None => None,
        };
        let Some(conn) = conn else {
            let msg = format!(
                "error forwarding port {port} to pod {pod}, uid {uid}: failed to connect to localhost:{port} inside namespace: connection refused"
            );
            let _ = out_tx.send(frame(err_ch, msg.as_bytes())).await;
            writers.push(None);
            continue;
        };
        let (mut read_half, write_half) = conn.into_split();
        writers.push(Some(write_half));
        open += 1;
        let tx = out_tx.clone();
        let done = done_tx.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match read_half.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(frame(data_ch, &buf[..n])).await.is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = done.send(i).await;
        });
    }
    drop(done_tx);
    if open == 0 {
        let _ = out_tx.send(Message::Close(None)).await;
    }
    let mut closed = 0usize;
    while open > 0 && closed < open {
        tokio::select! {
            msg = stream.next() => match msg {
                Some(Ok(Message::Binary(data))) if data.len() > 1 => {
                    let ch = usize::from(data[0]);
                    if ch % 2 == 0
                        && let Some(Some(w)) = writers.get_mut(ch / 2)
                        && w.write_all(&data[1..]).await.is_err()
                    {
                        writers[ch / 2] = None;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            finished = done_rx.recv() => match finished {
                Some(_) => closed += 1,
                None => break,
            },
        }
    }
    if open > 0 {
        let _ = out_tx.send(Message::Close(None)).await;
    }
    drop(out_tx);
    let _ = writer.await;
}
