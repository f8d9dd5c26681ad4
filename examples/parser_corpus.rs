//! Parses every `eval` expression of promqltest files (upstream's `promql/promqltest/testdata`
//! format) and reports how many parse, per file, and whether the expressions a file expects to fail
//! fail here at parse time. Run by `.ci/parser-corpus.sh`.
//!
//! Usage: `parser_corpus [--promtool-defaults] [--list] DIR...`
//! - default options are those of upstream's test runner (experimental functions and duration
//!   expressions on); `--promtool-defaults` turns both off.
//! - `--list` prints each expression with our verdict (`OK`/`ERR <message>`), tab-separated, for a
//!   differential run against `promtool promql format`.
use std::path::Path;

use mlmon_lint::promql::{ParseOptions, parse};

struct Eval {
    line: usize,
    expr: String,
    expect_fail: bool,
}

/// Upstream's `patEvalInstant` and `patEvalRange` (promql/promqltest/test.go).
struct Patterns {
    instant: regex::Regex,
    range: regex::Regex,
}

impl Patterns {
    fn new() -> Self {
        let re = |p: &str| regex::Regex::new(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        Patterns {
            instant: re(r"^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$"),
            range: re(r"^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$"),
        }
    }

    /// Whether the line is `eval_fail`, and its expression.
    fn eval_expr(&self, line: &str) -> Option<(bool, String)> {
        if let Some(c) = self.instant.captures(line) {
            return Some((c.get(1).is_some_and(|m| m.as_str() == "fail"), c.get(3)?.as_str().to_string()));
        }
        let c = self.range.captures(line)?;
        Some((c.get(1).is_some_and(|m| m.as_str() == "fail"), c.get(5)?.as_str().to_string()))
    }
}

fn evals(pats: &Patterns, content: &str) -> Vec<Eval> {
    let lines: Vec<&str> = content.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some((mut expect_fail, expr)) = pats.eval_expr(l) else { continue };
        for next in lines.iter().skip(i + 1) {
            let t = next.trim();
            if t.is_empty() || !(next.starts_with(' ') || next.starts_with('\t')) {
                break;
            }
            if t.starts_with("expect fail") || t.starts_with("expected_fail_") {
                expect_fail = true;
            }
        }
        out.push(Eval { line: i + 1, expr, expect_fail });
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let promtool = args.iter().any(|a| a == "--promtool-defaults");
    let list = args.iter().any(|a| a == "--list");
    let opts = if promtool { ParseOptions::PROMTOOL } else { ParseOptions::PROMQLTEST };
    let pats = Patterns::new();
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for a in args.iter().filter(|a| !a.starts_with("--")) {
        let p = Path::new(a);
        if p.is_dir() {
            if let Ok(rd) = std::fs::read_dir(p) {
                files.extend(rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "test")));
            }
        } else {
            files.push(p.to_path_buf());
        }
    }
    files.sort();
    let (mut total, mut ok, mut fail_expected, mut fail_expected_parse) = (0, 0, 0, 0);
    let mut unexpected_failures = Vec::new();
    for f in &files {
        let Ok(content) = std::fs::read_to_string(f) else {
            eprintln!("cannot read {}", f.display());
            std::process::exit(2);
        };
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (mut n, mut good) = (0, 0);
        for e in evals(&pats, &content) {
            n += 1;
            let r = parse(&e.expr, opts);
            if list {
                match &r {
                    Ok(_) => println!("{}\tOK", e.expr),
                    Err(err) => println!("{}\tERR {}", e.expr, err),
                }
            }
            if e.expect_fail {
                fail_expected += 1;
            }
            match r {
                Ok(_) => good += 1,
                Err(err) if e.expect_fail => {
                    fail_expected_parse += 1;
                    let _ = err;
                }
                Err(err) => unexpected_failures.push(format!("{name}:{}: {}: {err}", e.line, e.expr)),
            }
        }
        total += n;
        ok += good;
        if !list {
            println!("{name:32} {good:5}/{n:<5} parse");
        }
    }
    if !list {
        println!(
            "total: {ok}/{total} eval expressions parse; {fail_expected} expect failure, \
             {fail_expected_parse} of those fail at parse time here"
        );
        for u in &unexpected_failures {
            println!("NOT PARSED (not expected to fail): {u}");
        }
    }
}
