//! Reads PromQL expressions, one per line, and prints what `mlmon_lint::promql::parse` makes of each:
//! `OK<TAB><Expr.String()>` or `ERR<TAB><error as Prometheus prints it>`. Used by
//! `.ci/parser-oracle.sh` to compare with `promtool promql format`, and for the corpus run.
//!
//! Flags: `--experimental` (experimental functions), `--duration-expr`.
use std::io::{BufRead, Write};

use mlmon_lint::promql::{ParseOptions, parse};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let opts = ParseOptions {
        experimental_functions: args.iter().any(|a| a == "--experimental"),
        duration_expressions: args.iter().any(|a| a == "--duration-expr"),
    };
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let _ = match parse(&line, opts) {
            Ok(e) => writeln!(out, "OK\t{e}"),
            Err(e) => writeln!(out, "ERR\t{e}"),
        };
    }
}
