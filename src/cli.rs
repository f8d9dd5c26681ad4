//! The command line: clap's parse of argv, then dispatch to `cmd::*`.
//!
//! `check` is the default subcommand: `mlmon-lint rules/` means `mlmon-lint check rules/`.

use std::ffi::OsString;

use clap::{Parser, Subcommand};

use crate::cmd::{Exit, Io};

#[derive(Debug, Parser)]
#[command(
    name = "mlmon-lint",
    version,
    about = "Lint and test the monitoring of ML services: Prometheus rules and Grafana dashboards"
)]
pub struct Cli {
    /// Never colour the output (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint rule files and Grafana dashboards (the default command).
    Check(crate::cmd::check::Args),
    /// List every check.
    Checks(crate::cmd::checks::Args),
    /// Show a check's documentation.
    Explain(crate::cmd::explain::Args),
    /// Exporter schemas: `schema import SOURCE` writes one from a `/metrics` exposition.
    Schema(crate::cmd::schema::Args),
    /// Run Prometheus promqltest `.test` files against mlmon-lint's PromQL engine.
    Promqltest(crate::cmd::promqltest::Args),
    /// Run promtool rule unit tests (a drop-in for `promtool test rules`), with readable failures
    /// and coverage.
    Test(crate::cmd::test::Args),
    /// Find where an alert starts to fire: bisect a scenario's error ratio, rate or latency and
    /// compare the boundary with the expression's threshold.
    Probe(crate::cmd::probe::Args),
}

/// Subcommand names, for deciding whether `check` was left out.
fn is_subcommand(arg: &str) -> bool {
    use clap::CommandFactory;
    Cli::command().get_subcommands().any(|c| c.get_name() == arg || c.get_all_aliases().any(|a| a == arg))
}

/// Inserts `check` when the first non-flag argument is not a subcommand (or there is none).
fn with_default_subcommand(mut args: Vec<OsString>) -> Vec<OsString> {
    let first = args.iter().skip(1).find(|a| {
        let s = a.to_string_lossy();
        !(s.starts_with('-') && s != "-")
    });
    let explicit = match first {
        Some(a) => {
            let s = a.to_string_lossy();
            is_subcommand(&s) || s == "help"
        }
        None => false,
    };
    let asks_top_level = args.iter().skip(1).any(|a| matches!(a.to_str(), Some("-h" | "--help" | "-V" | "--version")));
    let top_level_help = asks_top_level && first.is_none();
    if !(explicit || top_level_help) && is_subcommand("check") {
        args.insert(1, OsString::from("check"));
    }
    args
}

/// Parses `args` (argv, program name first) and runs the command.
pub fn run(args: Vec<OsString>, io: &mut Io<'_>) -> Exit {
    let args = with_default_subcommand(args);
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { Exit::Error } else { Exit::Ok };
            let text = if io.color { e.render().ansi().to_string() } else { e.render().to_string() };
            let stream: &mut dyn std::io::Write = if e.use_stderr() { &mut *io.err } else { &mut *io.out };
            let _ = write!(stream, "{text}");
            return code;
        }
    };
    if cli.no_color {
        io.color = false;
    }
    match cli.command {
        Command::Check(a) => crate::cmd::check::run(a, io),
        Command::Checks(a) => crate::cmd::checks::run(a, io),
        Command::Explain(a) => crate::cmd::explain::run(a, io),
        Command::Schema(args) => crate::cmd::schema::run(args, io),
        Command::Promqltest(a) => crate::cmd::promqltest::run(&a, io),
        Command::Test(a) => crate::cmd::test::run(a, io),
        Command::Probe(a) => crate::cmd::probe::run(a, io),
    }
}
