//! mlmon-lint: lint and test the monitoring of ML services.
//!
//! The library never prints: commands write to the streams handed to them (`cmd::Io`).
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod analysis;
pub mod changed;
pub mod checks;
pub mod cli;
pub mod cmd;
pub mod dashboard;
pub mod diagnostic;
pub mod engine;
pub mod error;
pub mod extract;
pub mod go;
pub mod input;
pub mod lint;
pub mod probe;
pub mod promql;
pub mod promqltest;
pub mod report;
pub mod rules;
pub mod scenario;
pub mod schema;
pub mod settings;
pub mod source;
pub mod suppress;
pub mod template;
pub mod unittest;
