//! Message sources owned by the process rather than a view: terminal input
//! and Unix signals. Losing the terminal (SSH gone) or SIGTERM/SIGHUP ends kftui.

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;

use super::msg::Msg;

/// Reads keys, pastes and resizes from the terminal.
pub fn spawn_terminal_input(tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(event) = events.next().await {
            let msg = match event {
                Ok(Event::Key(k)) => Msg::Key(k),
                Ok(Event::Paste(p)) => Msg::Paste(p),
                Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                Ok(_) => continue,
                Err(e) => {
                    let _ = tx.send(Msg::Shutdown(format!("terminal input failed: {e}")));
                    return;
                }
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
        let _ = tx.send(Msg::Shutdown("terminal closed".into()));
    });
}

/// SIGTERM, SIGHUP and SIGQUIT become a clean shutdown.
pub fn spawn_signals(tx: UnboundedSender<Msg>) {
    use tokio::signal::unix::{SignalKind, signal};
    for (kind, name) in [
        (SignalKind::terminate(), "SIGTERM"),
        (SignalKind::hangup(), "SIGHUP"),
        (SignalKind::quit(), "SIGQUIT"),
    ] {
        let tx = tx.clone();
        match signal(kind) {
            Ok(mut s) => {
                tokio::spawn(async move {
                    if s.recv().await.is_some() {
                        let _ = tx.send(Msg::Shutdown(format!("received {name}")));
                    }
                });
            }
            Err(e) => tracing::warn!("cannot listen for {name}: {e}"),
        }
    }
}
