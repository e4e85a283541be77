//! The wire protocol pieces: errors as `Status`, path and query parsing,
//! content negotiation, response rendering and the watch stream.

pub mod error;
pub mod negotiate;
pub mod path;
pub mod query;
pub mod render;
pub mod watch;
