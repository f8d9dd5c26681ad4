//! The CI report formats (`--format json|sarif|github|checkstyle`) on `examples/ml-service`:
//! snapshots, SARIF validated against the official SARIF 2.1.0 schema (tests/data/sarif/), the
//! Checkstyle XML parsed, columns in characters, GitHub's annotation limits and determinism.

mod common;

use mlmon_lint::cmd::Exit;
use mlmon_lint::lint::{LintInput, LintOutput, lint};
use mlmon_lint::settings::Settings;
use mlmon_lint::source::SourceFile;
use serde_json::Value;

fn run(args: &[&str]) -> (Exit, String, String) {
    let r = common::run(args);
    (r.exit, r.out, r.err)
}

fn example(format: &str) -> String {
    let (exit, out, err) = run(&["examples/ml-service", "--format", format]);
    assert_eq!(exit, Exit::Failed, "{err}");
    out
}

fn json_of(path: &str) -> Value {
    let (_, out, err) = run(&[path, "--format", "json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"))
}

/// The SARIF with the rules' documentation reduced to their ids (the docs are the checks' own and
/// change with them; `sarif_rules_carry_the_check_docs` covers them) and the version hidden.
fn sarif_for_snapshot(text: &str) -> String {
    let mut v: Value = serde_json::from_str(text).unwrap();
    let driver = &mut v["runs"][0]["tool"]["driver"];
    let ids: Vec<Value> = driver["rules"].as_array().unwrap().iter().map(|r| r["id"].clone()).collect();
    driver["rules"] = Value::Array(ids);
    driver["version"] = "[version]".into();
    driver["semanticVersion"] = "[version]".into();
    serde_json::to_string_pretty(&v).unwrap()
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(example("json"));
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!(sarif_for_snapshot(&example("sarif")));
}

#[test]
fn github_snapshot() {
    insta::assert_snapshot!(example("github"));
}

#[test]
fn checkstyle_snapshot() {
    insta::assert_snapshot!(example("checkstyle"));
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!("data/sarif/sarif-schema-2.1.0.json")).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(text: &str) {
    let instance: Value = serde_json::from_str(text).unwrap();
    let errors: Vec<String> =
        sarif_validator().iter_errors(&instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not validate:\n{}", errors.join("\n"));
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    assert_valid_sarif(&example("sarif"));
    // input errors (exit 2) become tool execution notifications
    let (exit, out, _) = run(&["tests/cmd/bad-yaml.in", "tests/fixtures/turkish.yaml", "--format", "sarif"]);
    assert_eq!(exit, Exit::Error);
    assert_valid_sarif(&out);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["runs"][0]["invocations"][0]["executionSuccessful"], false);
    assert!(!v["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap().is_empty());
}

/// The validator is not a rubber stamp: documents that break the schema are refused.
#[test]
fn the_schema_check_refuses_broken_sarif() {
    let mut v: Value = serde_json::from_str(&example("sarif")).unwrap();
    v["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!sarif_validator().is_valid(&v));
    let mut v: Value = serde_json::from_str(&example("sarif")).unwrap();
    v["runs"][0]["columnKind"] = "bytes".into();
    assert!(!sarif_validator().is_valid(&v));
    let mut v: Value = serde_json::from_str(&example("sarif")).unwrap();
    v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    assert!(!sarif_validator().is_valid(&v));
}

#[test]
fn sarif_rules_carry_the_check_docs() {
    let v: Value = serde_json::from_str(&example("sarif")).unwrap();
    let run = &v["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), mlmon_lint::checks::ALL.len());
    for (rule, check) in rules.iter().zip(mlmon_lint::checks::ALL) {
        let m = check.meta();
        assert_eq!(rule["id"], m.code);
        assert_eq!(rule["name"], m.name);
        assert_eq!(rule["shortDescription"]["text"], m.summary);
        assert_eq!(rule["help"]["markdown"], m.docs_text());
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            if m.default_severity.as_str() == "info" { "note" } else { m.default_severity.as_str() }
        );
    }
    for r in run["results"].as_array().unwrap() {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
}

/// SARIF, JSON, GitHub and Checkstyle agree with each other on every finding's position.
#[test]
fn formats_agree_on_positions() {
    let json: Value = serde_json::from_str(&example("json")).unwrap();
    let diags = json["diagnostics"].as_array().unwrap();
    let sarif: Value = serde_json::from_str(&example("sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(diags.len(), results.len());
    for (d, r) in diags.iter().zip(results) {
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert_eq!(d["code"], r["ruleId"]);
        assert_eq!(d["line"], region["startLine"]);
        assert_eq!(d["column"], region["startColumn"]);
        assert_eq!(d["end_line"], region["endLine"]);
        // SARIF's endColumn is exclusive, the JSON's inclusive
        assert_eq!(d["end_column"].as_u64().unwrap() + 1, region["endColumn"].as_u64().unwrap());
        assert_eq!(d["file"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]);
        assert_eq!(d["fingerprint"], r["fingerprints"]["mlmon-lint/v1"]);
    }

    let xml = example("checkstyle");
    let doc = roxmltree::Document::parse(&xml).expect("Checkstyle output is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "checkstyle");
    let mut errors = Vec::new();
    for file in root.children().filter(|n| n.is_element()) {
        assert_eq!(file.tag_name().name(), "file");
        for e in file.children().filter(|n| n.is_element()) {
            assert_eq!(e.tag_name().name(), "error");
            errors.push((file.attribute("name").unwrap().to_string(), e));
        }
    }
    assert_eq!(errors.len(), diags.len());
    for ((file, e), d) in errors.iter().zip(diags) {
        assert_eq!(d["file"], file.as_str());
        assert_eq!(d["line"].to_string(), e.attribute("line").unwrap());
        assert_eq!(d["column"].to_string(), e.attribute("column").unwrap());
        assert_eq!(d["severity"], e.attribute("severity").unwrap());
        assert_eq!(format!("mlmon-lint.{}", d["code"].as_str().unwrap()), e.attribute("source").unwrap());
        assert!(e.attribute("message").unwrap().starts_with(d["message"].as_str().unwrap()));
    }

    let github = example("github");
    for d in diags.iter().take(10) {
        let needle = format!(
            "file={},line={},col={},endLine={},endColumn={},",
            d["file"].as_str().unwrap(),
            d["line"],
            d["column"],
            d["end_line"],
            d["end_column"]
        );
        assert!(github.contains(&needle), "{needle} not in\n{github}");
    }
}

/// Turkish letters before a span do not shift its columns in any format.
#[test]
fn columns_count_characters_in_every_format() {
    let path = "tests/fixtures/turkish.yaml";
    let json = json_of(path);
    let d = json["diagnostics"].as_array().unwrap().iter().find(|d| d["line"] == 5).expect("a finding on line 5");
    let (col, end) = (d["column"].as_u64().unwrap(), d["end_column"].as_u64().unwrap());
    // the finding is the window `[1m]`, after five two-byte letters on the line
    let line = std::fs::read_to_string(path).unwrap().lines().nth(4).unwrap().to_string();
    let byte = line.find("[1m]").unwrap();
    assert!(line[..byte].chars().count() < byte, "the fixture has multi-byte letters before the span");
    assert_eq!((col, end), (line[..byte].chars().count() as u64 + 1, line[..byte].chars().count() as u64 + 4));

    let (_, sarif, _) = run(&[path, "--format", "sarif"]);
    assert_valid_sarif(&sarif);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let r = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"] == 5)
        .unwrap();
    let region = &r["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startColumn"].as_u64(), Some(col));
    assert_eq!(region["endColumn"].as_u64(), Some(end + 1));

    let (_, github, _) = run(&[path, "--format", "github"]);
    assert!(github.contains(&format!("line=5,col={col},endLine=5,endColumn={end},")), "{github}");
    let (_, xml, _) = run(&[path, "--format", "checkstyle"]);
    assert!(xml.contains(&format!(r#"line="5" column="{col}""#)), "{xml}");
}

#[test]
fn output_is_identical_run_to_run() {
    for format in ["json", "sarif", "github", "checkstyle", "human"] {
        assert_eq!(example(format), example(format), "{format}");
    }
}

/// Fingerprints survive lines added above a finding, and differ between findings.
#[test]
fn fingerprints_are_stable_when_lines_move() {
    let text = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: rate(x[10s]) > 1\n  - alert: B\n    expr: rate(x[10s]) > 1\n";
    let fingerprints = |text: &str| -> Vec<(u32, String)> {
        let out = lint(vec![LintInput { source: SourceFile::new("r.yaml", text), config: 0 }], &[Settings::default()]);
        mlmon_lint::report::findings(&out)
            .iter()
            .map(|f| (f.location.as_ref().unwrap().start.line, f.fingerprint.clone()))
            .collect()
    };
    let before = fingerprints(text);
    assert!(before.len() >= 2, "{before:?}");
    let mut distinct: Vec<&String> = before.iter().map(|(_, f)| f).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), before.len(), "fingerprints are unique: {before:?}");
    let after = fingerprints(&format!("# a comment\n\n{text}"));
    assert_eq!(
        after.iter().map(|(l, _)| l - 2).collect::<Vec<_>>(),
        before.iter().map(|(l, _)| *l).collect::<Vec<_>>()
    );
    assert_eq!(after.iter().map(|(_, f)| f).collect::<Vec<_>>(), before.iter().map(|(_, f)| f).collect::<Vec<_>>());
}

fn many_findings() -> LintOutput {
    // 12 parse errors (error) and 12 short rate windows (warning)
    let mut text = String::from("groups:\n- name: g\n  rules:\n");
    for i in 0..12 {
        text.push_str(&format!("  - record: a:b{i}:c\n    expr: 'sum(x'\n"));
        text.push_str(&format!("  - alert: A{i}\n    expr: rate(x[10s]) > {i}\n"));
    }
    lint(vec![LintInput { source: SourceFile::new("many, a:b.yaml", text), config: 0 }], &[Settings::default()])
}

#[test]
fn github_annotations_respect_the_per_step_limits() {
    let out = many_findings();
    let c = mlmon_lint::report::counts(&out);
    assert!(c.errors > 10 && c.warnings > 10, "{c:?}");
    let mut buf = Vec::new();
    mlmon_lint::report::github::render(&out, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    let errors = text.lines().filter(|l| l.starts_with("::error ")).count();
    let warnings = text.lines().filter(|l| l.starts_with("::warning ")).count();
    assert_eq!((errors, warnings), (10, 10), "{text}");
    let hidden = c.errors + c.warnings - 20;
    assert!(
        text.contains(&format!(
            "mlmon-lint: {hidden} findings not shown as annotations ({} errors, {} warnings, 0 notices;",
            c.errors - 10,
            c.warnings - 10
        )),
        "{text}"
    );
    // the findings not annotated are still in the log, one line each
    assert_eq!(text.lines().filter(|l| l.starts_with("many, a:b.yaml:")).count(), hidden);
    // the path's `,` and `:` are escaped in the property
    assert!(text.contains("file=many%2C a%3Ab.yaml,"), "{text}");
}

#[test]
fn min_severity_and_fail_on() {
    let (exit, out, _) = run(&["examples/ml-service", "--format", "json", "--min-severity", "error"]);
    assert_eq!(exit, Exit::Ok);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0);
    let (exit, _, _) = run(&["examples/ml-service", "--format", "json", "--fail-on", "error"]);
    assert_eq!(exit, Exit::Ok);
    let (exit, _, _) = run(&["examples/ml-service", "--format", "json", "--fail-on", "info"]);
    assert_eq!(exit, Exit::Failed);
}

/// GitHub takes columns only for one-line annotations: a multi-line span gives lines only.
#[test]
fn github_multi_line_spans_have_no_columns() {
    let text = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: |\n      sum(rate(x[5m]))\n        by (job)\n";
    let out = lint(vec![LintInput { source: SourceFile::new("r.yaml", text), config: 0 }], &[Settings::default()]);
    let mut buf = Vec::new();
    mlmon_lint::report::github::render(&out, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert!(text.contains("::warning file=r.yaml,line=6,endLine=7,title=RUL001 alert-always-fires::"), "{text}");
}
