//! A Kubernetes API emulator that holds a simulated Kubeflow cluster.
//!
//! kftui talks to Kubernetes only through kube-rs over HTTP. This crate
//! serves the Kubernetes REST and watch protocol on 127.0.0.1 — discovery,
//! list/get/create/update/patch/delete, the status subresource, dry run,
//! watches with bookmarks and 410 Gone, pod logs, the service proxy and
//! pod port-forward over WebSocket — with bearer-token users and RBAC-like
//! authorisation, a realistic demo Kubeflow cluster (see `DEMO.md`), and
//! small simulated controllers that keep it moving. It is a test and demo
//! backend: everything it does, a real kube-apiserver does too.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use kftui_emulator::{DemoUser, Emulator, EmulatorConfig};
//! let emu = Emulator::start(EmulatorConfig::default()).await?;
//! let client = emu.client(DemoUser::Alice).await?;
//! # drop(client);
//! emu.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![deny(clippy::todo, clippy::unimplemented)]

mod api;
mod auth;
mod clock;
mod config;
mod controllers;
pub mod crds;
mod demo;
mod discovery;
mod emulator;
mod faults;
mod ids;
mod kubeconfig;
mod kubeflow;
pub mod lifecycle;
mod logs;
mod managed;
pub mod names;
mod ops;
mod patch;
mod podstatus;
mod portforward;
mod printers;
mod processes;
pub mod proxy;
mod quantity;
mod resources;
pub mod scale;
mod scheduler;
pub mod schema;
mod selectors;
mod server;
mod sim;
mod store;
mod validation;

pub use config::{DemoUser, EmulatorConfig};
pub use emulator::Emulator;
pub use faults::Faults;
pub use lifecycle::{GracefulShutdown, Phase};
pub use sim::{SimArgs, run_sim};
