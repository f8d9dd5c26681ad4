//! Regenerates `tests/data/promql_promtool.jsonl`, the recorded verdicts of the reference
//! `promtool` 3.5.3 (`promtool --experimental promql format`) that `tests/promql_oracle.rs`
//! compares our parser with. Run by `.ci/parser-oracle.sh`; needs the reference binary.
//!
//! Usage: `parser_oracle PROMTOOL JSONL [EXPRS.txt]`: re-runs promtool on every expression already
//! in JSONL plus those listed in EXPRS.txt (one per line), and rewrites JSONL.
//! Each record: `{"expr", "default", "experimental"}` where a verdict is `OK <Expr.String()>`,
//! `OK*` (accepted, but promtool's pretty-printer split it over lines, so the text is not
//! comparable) or `ERR <error>`. A record may carry `"divergence": "<reason>"`, kept as is.
use std::process::Command;

use serde_json::{Value, json};

fn verdict(promtool: &str, expr: &str, experimental: bool) -> String {
    let mut cmd = Command::new(promtool);
    cmd.arg("--experimental");
    if experimental {
        cmd.arg("--enable-feature=promql-experimental-functions");
    }
    cmd.args(["promql", "format", "--", expr]);
    let Ok(out) = cmd.output() else {
        eprintln!("cannot run {promtool}");
        std::process::exit(2);
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        let s = stdout.trim_end_matches('\n');
        if s.contains('\n') { "OK*".to_string() } else { format!("OK {s}") }
    } else {
        format!("ERR {}", stderr.trim_end().lines().last().unwrap_or(""))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(promtool), Some(path)) = (args.first(), args.get(1)) else {
        eprintln!("usage: parser_oracle PROMTOOL JSONL [EXPRS.txt]");
        std::process::exit(2);
    };
    let mut records: Vec<Value> = std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let mut seen: std::collections::HashSet<String> =
        records.iter().filter_map(|r| r["expr"].as_str().map(str::to_string)).collect();
    if let Some(list) = args.get(2) {
        let text = std::fs::read_to_string(list).unwrap_or_default();
        for l in text.lines() {
            if seen.insert(l.to_string()) {
                records.push(json!({ "expr": l }));
            }
        }
    }
    let mut out = String::new();
    for r in &mut records {
        let expr = r["expr"].as_str().unwrap_or("").to_string();
        r["default"] = json!(verdict(promtool, &expr, false));
        r["experimental"] = json!(verdict(promtool, &expr, true));
        out.push_str(&r.to_string());
        out.push('\n');
    }
    if std::fs::write(path, out).is_err() {
        eprintln!("cannot write {path}");
        std::process::exit(2);
    }
    println!("{} records written to {path}", records.len());
}
