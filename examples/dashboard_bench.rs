//! Times the dashboard pipeline in process on one file, phase by phase (best of N runs): JSON
//! parsing, dashboard extraction (variables expanded, position maps built), and the whole lint
//! (extraction, parsing, every check). Used by `.ci/bench-dashboards.sh` (BENCHMARKS.md,
//! "dashboards").
//!
//!     cargo run --release --example dashboard_bench -- FILE.json [RUNS]
use std::time::{Duration, Instant};

use mlmon_lint::lint::{LintInput, lint};
use mlmon_lint::settings::Settings;
use mlmon_lint::source::{SourceFile, json};

fn best(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: dashboard_bench FILE.json [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(20);
    let text = std::fs::read_to_string(path).expect("readable file");
    let source = SourceFile::new(path.clone(), text.clone());
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let parse = best(runs, || {
        json::parse(&text).expect("JSON");
    });
    let extract = best(runs, || {
        mlmon_lint::extract::extract(0, &source).expect("dashboard");
    });
    let settings = [Settings::default()];
    let mut queries = 0;
    let mut findings = 0;
    let whole = best(runs, || {
        let out = lint(vec![LintInput { source: SourceFile::new(path.clone(), text.clone()), config: 0 }], &settings);
        queries = out.dashboards.iter().map(|d| d.targets + d.variable_queries).sum();
        findings = out.diagnostics.len();
    });
    println!(
        "{path}: {} bytes, {queries} queries, {findings} findings; best of {runs}: JSON parse {:.1} ms, extraction {:.1} ms, whole lint {:.1} ms",
        text.len(),
        ms(parse),
        ms(extract),
        ms(whole)
    );
}
