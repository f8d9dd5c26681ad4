//! Our parser against recorded verdicts of the reference promtool 3.5.3 (`promtool --experimental
//! promql format`), with and without `promql-experimental-functions`: the same expressions must be
//! accepted, print the same (`Expr.String()`), and fail with the same `line:col: parse error: ...`.
//!
//! The expressions are our own; `tests/data/promql_promtool.jsonl` is regenerated from the real
//! binary by `.ci/parser-oracle.sh`. Records marked `divergence` are known, documented differences
//! (see `docs/adr-001-promql-parser.md`) and are only counted here.

use mlmon_lint::promql::{ParseOptions, parse};
use serde_json::Value;

fn ours(expr: &str, opts: ParseOptions) -> String {
    match parse(expr, opts) {
        Ok(e) => format!("OK {e}"),
        Err(e) => format!("ERR {e}"),
    }
}

fn agrees(want: &str, got: &str) -> bool {
    if want == "OK*" { got.starts_with("OK ") } else { want == got }
}

#[test]
fn parser_matches_promtool_3_5_3() {
    let data = include_str!("data/promql_promtool.jsonl");
    let experimental = ParseOptions { experimental_functions: true, ..ParseOptions::PROMTOOL };
    let (mut checked, mut divergences) = (0, 0);
    let mut mismatches = Vec::new();
    for line in data.lines().filter(|l| !l.trim().is_empty()) {
        let rec: Value = serde_json::from_str(line).expect("valid JSON line");
        let expr = rec["expr"].as_str().expect("expr");
        if rec.get("divergence").is_some() {
            divergences += 1;
            continue;
        }
        for (mode, opts) in [("default", ParseOptions::PROMTOOL), ("experimental", experimental)] {
            let want = rec[mode].as_str().expect("verdict");
            let got = ours(expr, opts);
            checked += 1;
            if !agrees(want, &got) {
                mismatches.push(format!("{mode}: {expr:?}\n  promtool: {want}\n  ours:     {got}"));
            }
        }
    }
    assert!(checked > 2000, "only {checked} verdicts checked");
    assert!(divergences < 20, "{divergences} divergences");
    assert!(mismatches.is_empty(), "{} of {checked} differ:\n{}", mismatches.len(), mismatches.join("\n"));
}
