//! Subcommands. Each module owns its clap `Args` and a `run` that writes only to the streams it is
//! given: the library never prints on its own.

pub mod schema;

use std::io::Write;

/// Output streams and terminal facts handed to a command.
pub struct Io<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    /// Whether colour may be used on `out`/`err` (terminal, no `--no-color`, no `NO_COLOR`).
    pub color: bool,
}

/// Process exit status, as `conventions.md` defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Nothing at or above the failing severity / all tests pass.
    Ok = 0,
    /// Findings / failed tests.
    Failed = 1,
    /// Usage error, unreadable input, I/O error.
    Error = 2,
}

pub mod check;
pub mod checks;
pub mod explain;
pub mod probe;
pub mod promqltest;
pub mod test;
