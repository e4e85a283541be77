//! The local HTTP responder standing in for the Jupyter servers listening
//! on port 8888 inside notebook pods. It answers one request per
//! connection (`Connection: close`): `GET /notebook/<ns>/<name>/...` with
//! the notebook's page, anything else with 404.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::proxy::jupyter;

const MAX_HEAD: usize = 16 * 1024;

/// Starts the responder on 127.0.0.1 (free port); it stops on `shutdown`.
pub async fn start(mut shutdown: watch::Receiver<bool>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((conn, _)) => {
                        tokio::spawn(answer(conn));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "pod responder accept failed");
                    }
                },
                _ = shutdown.changed() => break,
            }
        }
    });
    Ok(addr)
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Error",
    }
}

/// Routes one request line to a response.
pub fn route(method: &str, target: &str) -> (u16, &'static str, String) {
    if method != "GET" && method != "HEAD" {
        return (405, "text/plain", "method not allowed\n".into());
    }
    let path = target.split('?').next().unwrap_or_default();
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("notebook"), Some(ns), Some(name)) if !ns.is_empty() && !name.is_empty() => {
            jupyter::respond(ns, name, path)
        }
        _ => (
            404,
            "text/html",
            "<html><body><h1>404 : Not Found</h1></body></html>\n".into(),
        ),
    }
}

async fn answer(mut conn: TcpStream) {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > MAX_HEAD {
            break;
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut request_line = text.lines().next().unwrap_or_default().split_whitespace();
    let (code, content_type, body) = match (request_line.next(), request_line.next()) {
        (Some(method), Some(target)) => route(method, target),
        _ => (400, "text/plain", "bad request\n".to_string()),
    };
    let response = format!(
        "HTTP/1.1 {code} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nServer: TornadoServer/6.4\r\nConnection: close\r\n\r\n{body}",
        reason(code),
        body.len()
    );
    let _ = conn.write_all(response.as_bytes()).await;
    let _ = conn.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_notebook_paths() {
        let (code, _, body) = route("GET", "/notebook/ml-research/jupyter-alice/lab?reset");
        assert_eq!(code, 200);
        assert!(body.contains("jupyter-alice") && body.contains("ml-research"));
        assert_eq!(route("GET", "/").0, 404);
        assert_eq!(route("POST", "/notebook/a/b/").0, 405);
    }
}
