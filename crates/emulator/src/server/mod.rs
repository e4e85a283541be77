//! The HTTP server: binds 127.0.0.1, routes every request through one
//! dispatcher (fault injection, authentication, routing), and shuts down
//! gracefully.

pub mod dispatch;
pub mod resource;
pub mod respond;
pub mod state;

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use state::{AppState, SharedState};

/// The axum router: everything goes to the dispatcher.
pub fn router(state: SharedState) -> Router {
    Router::new().fallback(dispatch::handle).with_state(state)
}

/// Binds `127.0.0.1:port` (0 picks a free port).
pub async fn bind(port: u16) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Serves until `shutdown` flips to true.
pub async fn serve(listener: TcpListener, state: SharedState, mut shutdown: watch::Receiver<bool>) {
    let app = router(state);
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            while !*shutdown.borrow() {
                if shutdown.changed().await.is_err() {
                    break;
                }
            }
        })
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "emulator server stopped with an error");
    }
}
