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

#[test]
fn runaway_templates_stop() {
    let out = run("{{ range 1000000000 }}x{{ end }}");
    assert!(
        out.starts_with("<error expanding template:") && out.contains("exceeds mlmon-lint's limits"),
        "{}",
        &out[..80.min(out.len())]
    );
    let mut t = String::from(r#"{{ define "a0" }}{{ end }}"#);
    for i in 1..40 {
        t.push_str(&format!(
            r#"{{{{ define "a{i}" }}}}{{{{ template "a{}" }}}}{{{{ template "a{}" }}}}{{{{ end }}}}"#,
            i - 1,
            i - 1
        ));
    }
    t.push_str(r#"{{ template "a39" }}"#);
    assert!(run(&t).contains("exceeds mlmon-lint's limits"));
}

/// Arbitrary text must give an answer (text or error), never a panic.
#[test]
fn arbitrary_input_never_panics() {
    let alphabet: Vec<&str> = vec![
        "{{",
        "}}",
        "{{-",
        "-}}",
        " ",
        "\n",
        "$",
        "$x",
        ":=",
        "=",
        ".",
        ".a",
        "|",
        "(",
        ")",
        "if",
        "else",
        "end",
        "range",
        "with",
        "define",
        "template",
        "block",
        "\"",
        "`",
        "'",
        "\\",
        "1",
        "-",
        "0x",
        "e",
        "i",
        "nil",
        "len",
        "printf",
        "\"%",
        "index",
        "slice",
        "é",
        "/*",
        "*/",
        ",",
        "humanize",
        "query",
        "first",
        "break",
        "continue",
        "reReplaceAll",
        "\"[",
        "\"(",
        "match",
        "title",
        "args",
        "toTime",
        "%d",
    ];
    // A fixed linear congruential generator keeps the inputs reproducible without a dependency.
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |n: usize| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % n
    };
    for _ in 0..3000 {
        let len = 1 + next(12);
        let text: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
        let _ = validate_template("A", &text);
        let _ = run(&text);
    }
}

#[test]
fn spans_point_into_the_users_text() {
    let span = |t: &str| validate_template("A", t).err().map(|e| (e.span.clone(), t[e.span].to_string()));
    assert_eq!(span("ok {{ now }} x"), Some((6..9, "now".to_string())));
    assert_eq!(span("{{ $labels.x "), Some((13..13, String::new())));
    assert_eq!(span("a\n{{ if $z }}{{ end }}"), Some((8..10, "$z".to_string())));
    assert_eq!(span("{{ 1 | 2 }}"), Some((9..11, "}}".to_string())));
    assert_eq!(span("{{ end }}"), Some((7..9, "}}".to_string())));
    assert_eq!(span("{{ \"abc }}"), Some((3..10, "\"abc }}".to_string())));
    assert_eq!(span("é{{ é }}"), Some((5..7, "é".to_string())));
    assert_eq!(validate_template("A", "{{ $labels.job }} {{ $value | humanize }}"), Ok(()));
}
