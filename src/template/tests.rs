//! Engine tests through the public API.

use super::*;

fn data() -> AlertTemplateData {
    let mut d = AlertTemplateData::new(SampleValue::Float(1.0));
    d.labels.insert("__name__".into(), "m".into());
    d.labels.insert("instance".into(), "i1".into());
    d
}

fn run(t: &str) -> String {
    expand_alert_template("A", t, &data(), &mut NoQueries)
}

#[test]
fn basics() {
    assert_eq!(run("{{ $labels.instance }} {{ .Labels.instance }} [{{ $labels.nope }}]"), "i1 i1 []");
    assert_eq!(run("{{ $value }}"), "1");
}

#[test]
fn hostile_nesting_is_an_error_not_a_crash() {
    let n = MAX_DEPTH + 1;
    let parens = format!("{{{{ {}1{} }}}}", "(".repeat(n), ")".repeat(n));
    assert!(validate_template("A", &parens).is_err());
    let ifs = format!("{}x{}", "{{if 1}}".repeat(n), "{{end}}".repeat(n));
    assert!(validate_template("A", &ifs).is_err());
    // Just inside the limit everything runs.
    let m = MAX_DEPTH - 2;
    let deep = format!(
        "{}{{{{ {}1{} }}}}{}",
        "{{with 1}}".repeat(m / 2),
        "(".repeat(m / 2),
        ")".repeat(m / 2),
        "{{end}}".repeat(m / 2)
    );
    assert_eq!(run(&deep), "1");
    // Unbounded recursion ends with Go's message.
    let rec = run(r#"{{define "r"}}{{if .}}{{template "r" .}}{{end}}{{end}}{{template "r" 1}}"#);
    assert!(rec.ends_with("exceeded maximum template depth (100000)>"), "{rec}");
}
