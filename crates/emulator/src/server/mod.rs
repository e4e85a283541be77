//! The HTTP server: binds 127.0.0.1, routes every request through one
//! dispatcher (lifecycle and injected faults, authentication, routing), and
//! follows the process lifecycle: while "down" it stops listening and cuts
//! every open connection, then listens again on the same port.

pub mod dispatch;
pub mod resource;
pub mod respond;
pub mod state;

use std::net::SocketAddr;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;

pub use state::{AppState, SharedState};

use crate::lifecycle::{Lifecycle, Phase};

/// The axum router: everything goes to the dispatcher.
pub fn router(state: SharedState) -> Router {
    Router::new().fallback(dispatch::handle).with_state(state)
}

/// Binds `127.0.0.1:port` (0 picks a free port), reusing the address so a
/// restart can listen on the same port at once.
pub async fn bind(port: u16) -> std::io::Result<(TcpListener, SocketAddr)> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    let listener = socket.listen(1024)?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

async fn wait_until(rx: &mut watch::Receiver<Phase>, done: impl Fn(Phase) -> bool) -> bool {
    loop {
        if done(*rx.borrow_and_update()) {
            return true;
        }
        if rx.changed().await.is_err() {
            return false;
        }
    }
}

/// Serves until `shutdown` flips to true.
pub async fn serve(
    listener: TcpListener,
    state: SharedState,
    lifecycle: Lifecycle,
    mut shutdown: watch::Receiver<bool>,
) {
    let app = router(state);
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            tracing::error!("emulator listener has no address: {e}");
            return;
        }
    };
    let mut listener = Some(listener);
    let mut phases = lifecycle.subscribe();
    loop {
        if *shutdown.borrow() {
            return;
        }
        let Some(l) = listener.as_ref() else {
            // Down: wait to come back, then listen again on the same port.
            tokio::select! {
                up = wait_until(&mut phases, |p| p != Phase::Down) => if !up { return },
                _ = shutdown.changed() => return,
            }
            match bind(addr.port()).await {
                Ok((l, _)) => listener = Some(l),
                Err(e) => {
                    tracing::error!("emulator cannot listen again on {addr}: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
            continue;
        };
        tokio::select! {
            accepted = l.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    spawn_connection(stream, app.clone(), &lifecycle, shutdown.clone());
                }
                Err(e) => tracing::warn!("emulator accept failed: {e}"),
            },
            _ = wait_until(&mut phases, |p| p == Phase::Down) => {
                // Stop listening: new connections are refused.
                listener = None;
            }
            _ = shutdown.changed() => {}
        }
    }
}

fn spawn_connection(
    stream: tokio::net::TcpStream,
    app: Router,
    lifecycle: &Lifecycle,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut cut = lifecycle.cut_signal();
    tokio::spawn(async move {
        let service = TowerToHyperService::new(app);
        let builder = auto::Builder::new(TokioExecutor::new());
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
        tokio::pin!(conn);
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!("emulator connection ended: {e}");
                }
            }
            // A killed process: the connection is simply gone.
            _ = cut.changed() => {}
            _ = shutdown.changed() => {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(std::time::Duration::from_secs(1), conn).await;
            }
        }
    });
}
