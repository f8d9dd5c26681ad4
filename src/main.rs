//! The thin binary: argv in, exit code out. Everything else lives in the library.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// A linter allocates many small, short-lived strings and nodes from several threads; glibc's
/// allocator spent a fifth of a 10,000-rule check (BENCHMARKS.md, section check). The library
/// leaves the choice to whoever links it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && stdout.is_terminal();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let mut io = mlmon_lint::cmd::Io { out: &mut out, err: &mut err, color };
    let exit = mlmon_lint::cli::run(std::env::args_os().collect(), &mut io);
    let _ = out.flush();
    ExitCode::from(exit as u8)
}
