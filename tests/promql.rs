//! Runs mlmon-lint's own promqltest files (`tests/promql/*.test`) through the engine: every eval must pass
//! and none may be skipped (they use no native histograms).

use std::path::Path;

use mlmon_lint::cmd::promqltest::parse_expr;
use mlmon_lint::promqltest::run_file;

#[test]
fn own_promqltest_files_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/promql");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/promql exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "test"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "expected the test files in {}", dir.display());
    let mut problems = Vec::new();
    let mut total = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).expect("readable");
        let rep = run_file(&text, &parse_expr);
        assert!(rep.evals > 0, "{} has no evals", f.display());
        total += rep.evals;
        for x in &rep.failures {
            problems.push(format!("{}:{}: {}: {}", f.display(), x.line, x.expr, x.message));
        }
        for (line, expr, why) in &rep.skipped {
            problems.push(format!("{}:{line}: skipped ({why}): {expr}", f.display()));
        }
    }
    assert!(problems.is_empty(), "{} of {total} evals did not pass:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn runner_reports_wrong_expectations() {
    let text = "load 1m\n  m 1 2 3\n\neval instant at 2m m\n  m 4\n\neval instant at 2m m\n  m 3\n\neval range from 0 to 2m step 1m m * 2\n  {} 2 4 7\n";
    let rep = run_file(text, &parse_expr);
    assert_eq!(rep.evals, 3);
    assert_eq!(rep.passed, 1);
    assert_eq!(rep.failures.len(), 2);
    assert!(rep.failures[0].message.contains("expected 4 for {__name__=\"m\"} but got 3"), "{:?}", rep.failures[0]);
    assert!(rep.failures[1].message.contains("to be 7, but got 6"), "{:?}", rep.failures[1]);
}

#[test]
fn native_histograms_are_skipped_not_compared() {
    let text = "load 1m\n  h {{schema:0 sum:5 count:4 buckets:[1 2 1]}}x3\n  f 1\n\neval instant at 2m h\n  {} 1\n\neval instant at 2m sum(f)\n  {} 1\n\neval instant at 2m f\n  f {{count:1}}\n";
    let rep = run_file(text, &parse_expr);
    assert_eq!(rep.evals, 3);
    assert_eq!(rep.passed, 1);
    assert_eq!(rep.skipped.len(), 2, "{rep:?}");
    assert!(rep.failures.is_empty());
}
