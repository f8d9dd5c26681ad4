//! `mlmon-lint promqltest FILE...`: runs Prometheus `.test` files against mlmon-lint's engine.
//!
//! Prints each failure as `FILE:LINE: EXPR: message` (the message says what was expected and what came
//! back), with `--verbose` each skipped eval and its reason, and ends with exactly
//! `promqltest: P of T evals pass, S skipped`. Exit 0 only when nothing failed.

use std::path::PathBuf;

use crate::cmd::{Exit, Io};
use crate::promqltest::{FileReport, run_file};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Test files in Prometheus's promqltest format.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Also list the skipped evals with their reasons, and a per-file count.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Parses an expression with the options upstream's runner enables (experimental functions, duration
/// expressions).
pub fn parse_expr(text: &str) -> Result<crate::promql::Expr, String> {
    crate::promql::parse(text, crate::promql::ParseOptions::PROMQLTEST).map_err(|e| e.to_string())
}

pub fn run(args: &Args, io: &mut Io<'_>) -> Exit {
    let mut total = FileReport::default();
    let mut broken = false;
    for path in &args.files {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(io.err, "{}: {e}", path.display());
                broken = true;
                continue;
            }
        };
        let rep = run_file(&text, &parse_expr);
        let name = path.display();
        for f in &rep.failures {
            if f.expr.is_empty() {
                let _ = writeln!(io.out, "{name}:{}: {}", f.line, f.message);
            } else {
                let _ = writeln!(io.out, "{name}:{}: {}: {}", f.line, f.expr, f.message);
            }
        }
        if args.verbose {
            for (line, expr, reason) in &rep.skipped {
                let _ = writeln!(io.out, "{name}:{line}: skipped ({reason}): {expr}");
            }
            let _ =
                writeln!(io.out, "{name}: {} of {} evals pass, {} skipped", rep.passed, rep.evals, rep.skipped.len());
        }
        total.evals += rep.evals;
        total.passed += rep.passed;
        total.skipped.extend(rep.skipped);
        total.failures.extend(rep.failures);
    }
    if args.verbose && !total.skipped.is_empty() {
        let mut reasons: Vec<(String, usize)> = Vec::new();
        for (_, _, r) in &total.skipped {
            match reasons.iter_mut().find(|(x, _)| x == r) {
                Some(e) => e.1 += 1,
                None => reasons.push((r.clone(), 1)),
            }
        }
        for (r, n) in reasons {
            let _ = writeln!(io.out, "skipped: {n} x {r}");
        }
    }
    let _ =
        writeln!(io.out, "promqltest: {} of {} evals pass, {} skipped", total.passed, total.evals, total.skipped.len());
    if broken {
        Exit::Error
    } else if total.failures.is_empty() {
        Exit::Ok
    } else {
        Exit::Failed
    }
}
