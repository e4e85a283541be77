//! The application core: state, messages, the pure update, effects, keymap,
//! configuration, and the runtime that connects them to the terminal and the
//! cluster.

pub mod action;
pub mod command;
pub mod config;
pub mod effect;
pub mod keymap;
pub mod line;
pub mod logging;
pub mod msg;
pub mod paths;
pub mod payload;
pub mod persist;
pub mod prompt;
pub mod runtime;
pub mod sources;
pub mod state;
pub mod store;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod workers;
