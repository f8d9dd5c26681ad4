//! `mlmon-lint test` end to end: the example's tests pass, the broken copy's readable report (insta
//! snapshot), exit codes, JUnit, JSON, coverage, PrometheusRule manifests as rule files.

mod common;
use common::Run;

/// `mlmon-lint test ARGS...`.
fn run(args: &[&str]) -> Run {
    let mut argv = vec!["test"];
    argv.extend_from_slice(args);
    common::run(&argv)
}

const EXAMPLE: &str = "examples/ml-service/tests/high_error_rate.test.yml";
const BROKEN: &str = "tests/unittest/broken_high_error_rate.test.yml";

#[test]
fn example_threshold_tests_pass() {
    let r = run(&[EXAMPLE]);
    assert_eq!((r.code, r.out.as_str(), r.err.as_str()), (0, "  SUCCESS\n\n", ""));
}

#[test]
fn all_example_tests_pass_as_promtool_prints_them() {
    let r = run(&[
        "rules",
        "examples/ml-service/tests/alerts.test.yml",
        "examples/ml-service/tests/recording.test.yml",
        EXAMPLE,
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(r.out, "  SUCCESS\n\n".repeat(3));
}

#[test]
fn broken_copy_readable_report() {
    let r = run(&[BROKEN]);
    assert_eq!(r.code, 1);
    // promtool's text first (one empty stdout line per error, then one per file) ...
    assert_eq!(r.out, "\n".repeat(6));
    assert!(r.err.starts_with("  FAILED:\n    name: 6% errors fire once the condition has held for 5m,\n"));
    // ... then the readable report
    let readable = &r.err[r.err.find("\nmlmon-lint test: readable report").unwrap()..];
    insta::assert_snapshot!(readable);
}

#[test]
fn promtool_format_has_no_readable_report() {
    let r = run(&["--format", "promtool", BROKEN]);
    assert_eq!(r.code, 1);
    assert!(!r.err.contains("readable report"));
    assert!(
        r.err.ends_with("got: {status=\"200\"} 6.3999999999999995E+00, {status=\"500\"} 2.6666666666666666E-01\n"),
        "{}",
        r.err
    );
}

#[test]
fn run_filter_selects_groups() {
    let r = run(&["--run", "^4%", "--format", "json", BROKEN]);
    assert_eq!(r.code, 1);
    let j: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let groups = j["files"][0]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["name"], "4% errors never fire");
    let f = &groups[0]["failures"];
    assert_eq!(f[0]["kind"], "alert");
    assert_eq!(f[0]["line"], 60);
    assert_eq!(f[1]["kind"], "samples");
    assert_eq!(f[1]["expected"][0]["value"], 0.05);
    assert_eq!(f[1]["got"][0]["value"], 0.04);
    assert_eq!(j["summary"]["groups_failed"], 1);
    let ok = run(&["--run", "nothing-matches", BROKEN]);
    assert_eq!((ok.code, ok.out.as_str()), (0, "  SUCCESS\n\n"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["tests/unittest/no-such-file.yml"]).code, 2);
    assert_eq!(run(&["tests/unittest"]).code, 2);
    let r = run(&["--run", "(", EXAMPLE]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("invalid --run regex"), "{}", r.err);
    assert_eq!(run(&["--bogus", EXAMPLE]).code, 2);
}

#[test]
fn junit_report() {
    let dir = std::env::temp_dir().join(format!("mlmon-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("junit.xml");
    let r = run(&["--junit", path.to_str().unwrap(), EXAMPLE, BROKEN]);
    assert_eq!(r.code, 1);
    let x = std::fs::read_to_string(&path).unwrap();
    assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"));
    assert_eq!(x.matches("<testsuite ").count(), 2);
    assert!(x.contains(&format!("<testsuite name=\"{EXAMPLE}\" tests=\"6\" failures=\"0\"")), "{x}");
    assert!(x.contains(&format!("<testsuite name=\"{BROKEN}\" tests=\"3\" failures=\"3\"")), "{x}");
    assert_eq!(x.matches("<failure ").count(), 3);
    assert!(x.contains("(test group 4% errors never fire) (and 2 more)"), "{x}");
    assert!(
        x.contains("<failure message=\"tests/unittest/broken_high_error_rate.test.yml:19: alert HighErrorRate at 5m"),
        "{x}"
    );
    assert!(x.contains("is pending (active since 1m; it fires at 6m"), "{x}");

    // the structure CI test reporters read: testsuites > testsuite per file > testcase per group,
    // a failed group's <failure> text being its readable diff
    let doc = roxmltree::Document::parse(&x).expect("JUnit output is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert_eq!(suites.iter().map(|s| s.attribute("name").unwrap()).collect::<Vec<_>>(), [EXAMPLE, BROKEN]);
    for s in &suites {
        assert_eq!(s.tag_name().name(), "testsuite");
        let cases: Vec<_> = s.children().filter(|n| n.is_element()).collect();
        assert!(cases.iter().all(|c| c.tag_name().name() == "testcase"));
        assert_eq!(s.attribute("tests").unwrap(), cases.len().to_string());
        let failed: Vec<_> =
            cases.iter().filter_map(|c| c.children().find(|n| n.has_tag_name("failure")).map(|f| (c, f))).collect();
        assert_eq!(s.attribute("failures").unwrap(), failed.len().to_string());
        for (case, failure) in failed {
            let text = failure.text().unwrap_or_default();
            assert!(text.contains(case.attribute("name").unwrap()), "{text}");
            assert!(text.contains("expected") || text.contains("got"), "the diff is the failure text: {text}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn prometheus_rule_manifests_and_coverage() {
    let r = run(&["--coverage", "tests/unittest/k8s/test.yml"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(
        r.out,
        "  SUCCESS\n\nCoverage: 1 of 3 rules asserted on (33.3%)\n  rules no test asserts on:\n    tests/unittest/k8s/rules.yaml:12: record job:up:sum\n    tests/unittest/k8s/rules.yaml:21: alert NeverTested\n  alerts that never fire in any test:\n    tests/unittest/k8s/rules.yaml:21: NeverTested\n"
    );
    let j: serde_json::Value =
        serde_json::from_str(&run(&["--coverage", "--format", "json", "tests/unittest/k8s/test.yml"]).out).unwrap();
    assert_eq!(j["coverage"]["percent"], 33.3);
    assert_eq!(j["coverage"]["never_fired"][0]["name"], "NeverTested");
}

#[test]
fn example_coverage_names_untested_rules() {
    let r = run(&["--coverage", EXAMPLE]);
    assert_eq!(r.code, 0);
    assert!(r.out.contains("Coverage: 1 of 5 rules asserted on (20.0%)"), "{}", r.out);
    assert!(r.out.contains("examples/ml-service/rules/alerts.yaml:28: alert TrafficDrop"), "{}", r.out);
}
