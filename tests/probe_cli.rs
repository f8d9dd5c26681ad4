//! `mlmon-lint probe` and scenario test files end to end, through `cli::run` (process output and
//! exit codes). Searches use short scenarios and coarse resolutions to stay fast.

mod common;
use common::run;

const ALERTS: &str = "examples/ml-service/rules/alerts.yaml";

/// A temporary directory with the given files.
fn dir(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("mlmon-probe-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    for (f, text) in files {
        std::fs::write(d.join(f), text).unwrap();
    }
    d
}

#[test]
fn probe_finds_the_high_error_rate_boundary_and_firing_time() {
    // no baseline traffic: the ratio is the stated one from the first rate() on
    let r = run(&[
        "probe",
        "--alert",
        "HighErrorRate",
        "--scenario",
        "scrape 30s; 2m at 0 rps; {hold} at 10 rps with ?% 5xx",
        "--range",
        "0..20",
        "--resolution",
        "0.5",
        ALERTS,
    ]);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    let first = r.out.lines().next().unwrap();
    assert_eq!(first, "HighErrorRate fires from 5.5% (13m at 10 rps with 5.5% 5xx); first firing 6m after onset");
    assert!(r.out.contains("runs: 5.0% never fires, 5.5% fires"), "{}", r.out);
    assert!(r.out.contains("threshold: `> 0.05` in the expression; the boundary 0.0525 agrees"), "{}", r.out);
    assert!(r.out.contains("  state  ···pppppFFFFFFFF\n"), "{}", r.out);
}

#[test]
fn probe_warns_when_the_boundary_is_not_the_threshold() {
    // the expression compares a percentage with 5, the probe states fractions: they disagree
    let d = dir(
        "pct",
        &[(
            "r.yml",
            "groups:\n  - name: g\n    rules:\n      - alert: Pct\n        expr: sum(rate(http_requests_total{status=~\"5..\"}[2m])) / sum(rate(http_requests_total[2m])) * 100 > 0.05\n",
        )],
    );
    let rules = d.join("r.yml");
    let r = run(&[
        "probe",
        "--alert",
        "Pct",
        "--scenario",
        "scrape 30s; 1m at 0 rps; {hold} at 10 rps with ?% 5xx",
        "--range",
        "0..1",
        "--resolution",
        "0.01",
        rules.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(r.out.starts_with("Pct fires from 0.06% "), "{}", r.out);
    assert!(r.out.contains("  warning: the boundary 0.00055 is 0.04945 away from the threshold `> 0.05`"), "{}", r.out);
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn probe_varies_one_label_set_of_several() {
    // errors on /health, a tenth of the traffic: the rule's total ratio passes 5% at 50% there
    let r = run(&[
        "probe",
        "--alert",
        "HighErrorRate",
        "--scenario",
        "scrape 30s; 2m at 0 rps\n{hold} at 9 rps on path=/predict\n  + 1 rps on path=/health with ?% 5xx",
        "--range",
        "0..100",
        "--resolution",
        "5",
        ALERTS,
    ]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    let first = r.out.lines().next().unwrap();
    assert_eq!(
        first,
        "HighErrorRate fires from 55% (13m at 9 rps on path=/predict + 1 rps on path=/health with 55% 5xx); first firing 6m after onset"
    );
    assert!(r.out.contains("runs: 50% never fires, 55% fires"), "{}", r.out);
    assert!(r.out.contains("warning: the boundary 0.525 is 0.475 away from the threshold `> 0.05`"), "{}", r.out);
}

#[test]
fn the_threshold_is_printed_as_written() {
    let d = dir(
        "written",
        &[(
            "r.yml",
            "groups:\n  - name: g\n    rules:\n      - alert: E\n        expr: \"5.0E-2 < sum(rate(http_requests_total{status=~\\\"5..\\\"}[2m])) / sum(rate(http_requests_total[2m]))\"\n",
        )],
    );
    let rules = d.join("r.yml");
    let r = run(&[
        "probe",
        "--alert",
        "E",
        "--scenario",
        "scrape 30s; 1m at 0 rps; {hold} at 10 rps with ?% 5xx",
        "--range",
        "0..10",
        "--resolution",
        "1",
        rules.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(r.out.contains("  threshold: `> 5.0E-2` in the expression; the boundary 0.055 agrees"), "{}", r.out);
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn probe_without_a_boundary_and_usage_errors() {
    let r = run(&[
        "probe",
        "--alert",
        "HighErrorRate",
        "--scenario",
        "scrape 1m; 1m at 0 rps; {hold} at 10 rps with ?% 5xx",
        "--range",
        "0..4",
        "--resolution",
        "1",
        ALERTS,
    ]);
    assert_eq!(r.code, 1);
    assert!(r.out.starts_with("HighErrorRate never fires for error-ratio in 0%..4% (2 runs)"), "{}", r.out);
    let r = run(&["probe", "--alert", "Nope", ALERTS]);
    assert_eq!(
        (r.code, r.err.as_str()),
        (2, "mlmon-lint probe: error: no alerting rule named \"Nope\" in examples/ml-service/rules/alerts.yaml\n")
    );
    let r = run(&["probe", "--alert", "HighErrorRate", "--scenario", "1m at ? rpm", ALERTS]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("expected `rps` after the request rate"), "{}", r.err);
    let r = run(&["probe", "--alert", "HighErrorRate", "--range", "5..1", ALERTS]);
    assert_eq!(r.code, 2);
}

#[test]
fn a_scenario_without_a_placeholder_runs_once_with_expectations_and_a_plot() {
    let d = dir("once", &[]);
    let svg = d.join("p.svg");
    let r = run(&[
        "probe",
        "--alert",
        "HighErrorRate",
        "--scenario",
        "scrape 30s; 1m at 0 rps; 8m at 10 rps with 20% 5xx",
        "--expect",
        "HighErrorRate fires within 7m",
        "--expect",
        "HighErrorRate never fires",
        "--plot",
        svg.to_str().unwrap(),
        ALERTS,
    ]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(r.out.starts_with("HighErrorRate first fires at 7m ("), "{}", r.out);
    assert!(r.out.contains("  ok: HighErrorRate fires within 7m\n"), "{}", r.out);
    assert!(r.out.contains("  FAILED: HighErrorRate never fires: HighErrorRate fires at 7m"), "{}", r.out);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("threshold 0.05"));
    // written atomically: no temporary file left beside it
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
    let _ = std::fs::remove_dir_all(d);
}

const SCENARIO_TEST: &str = r#"rule_files: [alerts.yaml]
evaluation_interval: 1m
scenario_tests:
  - name: ok
    scenario: "scrape 30s; 1m at 0 rps; 8m at 10 rps with 20% 5xx"
    expect:
      - HighErrorRate fires within 7m
  - name: broken
    scenario: |
      scrape 30s
      1m at 0 rps
      8m at 10 rps with 20% 5xx
    expect:
      - HighErrorRate never fires
      - HighErrorRate fires within 6m
      - Nope never fires
  - name: bad syntax
    scenario: |
      scrape 30s
      8m at 10 rps with 20 5xx
"#;

#[test]
fn scenario_test_files_run_in_mlmon_lint_test_with_positions() {
    let alerts = std::fs::read_to_string(ALERTS).unwrap();
    let d = dir("file", &[("alerts.yaml", &alerts), ("t.yml", SCENARIO_TEST)]);
    let t = d.join("t.yml");
    let r = run(&["test", "--format", "json", t.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.err);
    let j: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let groups = j["files"][0]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    assert_eq!(groups[0]["passed"], true);
    let f = groups[1]["failures"].as_array().unwrap();
    assert_eq!(f.len(), 3);
    assert_eq!((f[0]["line"].as_i64(), f[0]["column"].as_i64()), (Some(14), Some(9)));
    assert_eq!(f[0]["kind"], "scenario");
    assert!(f[0]["error"].as_str().unwrap().starts_with("HighErrorRate fires at 7m"), "{}", f[0]);
    assert_eq!(f[1]["error"], "HighErrorRate does not fire between 0s and 6m: first pending at 2m, first firing at 7m");
    assert_eq!(
        f[2]["error"],
        "no alerting rule named \"Nope\" in the rules files".replace("rules files", "rule files")
    );
    // the syntax error points into the block scalar: line 20, at `20`
    let f = &groups[2]["failures"][0];
    assert_eq!((f["line"].as_i64(), f["column"].as_i64()), (Some(20), Some(25)));
    assert!(f["error"].as_str().unwrap().starts_with("scenario: expected a percentage like 6%"), "{f}");
    // the readable report names file:line:col
    let r = run(&["test", t.to_str().unwrap()]);
    assert!(
        r.err.contains("t.yml:15:9: scenario assertion \"HighErrorRate fires within 6m\" (test group broken)"),
        "{}",
        r.err
    );
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn the_examples_scenario_tests_pass() {
    let r = run(&["test", "examples/ml-service/tests/high_error_rate.scenario.yml"]);
    assert_eq!((r.code, r.out.as_str(), r.err.as_str()), (0, "  SUCCESS\n\n", ""));
}
