//! What the CLI tests share: running `mlmon-lint ARGS...` in process, through `cli::run`, with
//! captured output and no colour.

// each test crate uses part of it
#![allow(dead_code)]

use mlmon_lint::cmd::{Exit, Io};

pub struct Run {
    pub exit: Exit,
    pub code: i32,
    pub out: String,
    pub err: String,
}

/// `mlmon-lint ARGS...` (no implied subcommand beyond what the binary implies).
pub fn run(args: &[&str]) -> Run {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = Io { out: &mut out, err: &mut err, color: false };
    let mut argv: Vec<std::ffi::OsString> = vec!["mlmon-lint".into()];
    argv.extend(args.iter().map(Into::into));
    let exit = mlmon_lint::cli::run(argv, &mut io);
    Run { exit, code: exit as i32, out: String::from_utf8(out).unwrap(), err: String::from_utf8(err).unwrap() }
}
