//! mlmon-lint: lint and test the monitoring of ML services.
//!
//! The library never prints: commands write to the streams handed to them (`cmd::Io`).
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod cmd;
pub mod engine;
pub mod gofmt;
pub mod promql;
pub mod promqltest;
pub mod template;
