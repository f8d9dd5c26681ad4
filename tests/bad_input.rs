//! Input that cannot be read as rule files: exit 2 with `file:line:col`, never a panic.
//! Big and deep inputs are generated here, not committed.

use std::path::PathBuf;

use mlmon_lint::cmd::{Exit, Io};

/// A fresh temporary directory for one test.
fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mlmon-lint-bad-input-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `mlmon-lint check FILE` on `content`; returns the exit code and stderr.
fn run(name: &str, content: &[u8]) -> (Exit, String) {
    let dir = tmpdir(name);
    let file = dir.join("rules.yaml");
    std::fs::write(&file, content).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let exit = {
        let mut io = Io { out: &mut out, err: &mut err, color: false };
        let args = vec![
            "mlmon-lint".into(),
            "--config".into(),
            dir.join("none.yaml").into_os_string(),
            file.clone().into_os_string(),
        ];
        std::fs::write(dir.join("none.yaml"), "").unwrap();
        mlmon_lint::cli::run(args, &mut io)
    };
    let _ = std::fs::remove_dir_all(&dir);
    let path = file.to_string_lossy().to_string();
    (exit, String::from_utf8_lossy(&err).replace(&path, "rules.yaml"))
}

fn assert_input_error(name: &str, content: &[u8], position: &str) {
    let (exit, err) = run(name, content);
    assert_eq!(exit, Exit::Error, "{name}: {err}");
    assert!(err.contains(&format!("rules.yaml:{position}: ")), "{name}: expected rules.yaml:{position} in {err:?}");
}

#[test]
fn malformed_yaml() {
    assert_input_error("malformed", b"groups:\n- name: g\n  rules: [\n", "3:10");
}

#[test]
fn tabs_as_indentation() {
    assert_input_error("tabs", b"groups:\n- name: g\n  rules:\n\t- alert: A\n", "4:1");
}

#[test]
fn duplicate_keys() {
    assert_input_error("dupkey", b"groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    expr: down\n", "6:5");
}

#[test]
fn wrong_types() {
    assert_input_error("types-groups", b"groups: yes\n", "1:9");
    assert_input_error("types-rules", b"groups:\n- name: g\n  rules:\n    alert: A\n", "4:5");
    assert_input_error("types-expr", b"groups:\n- name: g\n  rules:\n  - alert: A\n    expr: {a: b}\n", "5:11");
    assert_input_error(
        "types-labels",
        b"groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels: [a]\n",
        "6:13",
    );
}

#[test]
fn binary_file() {
    let mut content = b"groups: []\n".to_vec();
    content.extend_from_slice(&[0x00, 0x01, 0x02, 0xff, 0xfe]);
    let (exit, err) = run("binary", &content);
    assert_eq!(exit, Exit::Error);
    assert!(err.contains("rules.yaml:2:1: "), "{err}");
}

#[test]
fn nul_in_text() {
    assert_input_error("nul", b"groups: []\n# \x00\n", "2:3");
}

#[test]
fn invalid_utf8() {
    assert_input_error("utf8", b"groups:\n- name: \"caf\xe9\"\n", "2:13");
}

#[test]
fn fifty_megabytes() {
    let content = vec![b'#'; 50 * 1024 * 1024];
    let (exit, err) = run("big", &content);
    assert_eq!(exit, Exit::Error);
    assert!(err.contains("rules.yaml:1:1: ") && err.contains("limit"), "{err}");
}

#[test]
fn ten_thousand_deep_nesting() {
    let flow = format!("groups: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let (exit, err) = run("deep-flow", flow.as_bytes());
    assert_eq!(exit, Exit::Error);
    assert!(err.contains("rules.yaml:1:"), "{err}");
    // compact block nesting: `- - - ... x` nests 10,000 block sequences on one line
    let block = format!("groups:\n{}x\n", "- ".repeat(10_000));
    let (exit, err) = run("deep-block", block.as_bytes());
    assert_eq!(exit, Exit::Error);
    assert!(err.contains("rules.yaml:2:"), "{err}");
    let mut maps = String::new();
    for i in 0..300 {
        maps.push_str(&" ".repeat(i));
        maps.push_str("k:\n");
    }
    let (exit, err) = run("deep-maps", maps.as_bytes());
    assert_eq!(exit, Exit::Error);
    assert!(err.contains("nesting deeper than"), "{err}");
}

#[test]
fn alias_bomb() {
    let mut t = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let p = i - 1;
        t.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    t.push_str("groups: *a8\n");
    let (exit, err) = run("bomb", t.as_bytes());
    assert_eq!(exit, Exit::Error);
    assert!(err.contains("alias"), "{err}");
}

#[test]
fn missing_file() {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = Io { out: &mut out, err: &mut err, color: false };
    let exit = mlmon_lint::cli::run(vec!["mlmon-lint".into(), "/nonexistent/rules.yaml".into()], &mut io);
    assert_eq!(exit, Exit::Error);
    assert!(String::from_utf8_lossy(&err).contains("/nonexistent/rules.yaml: cannot read"));
}

/// Every prefix of realistic files (block scalars, quotes, ConfigMaps, templates) is linted and
/// rendered without a panic: truncation is what half-written files and broken merges look like.
#[test]
fn every_prefix_is_handled() {
    use mlmon_lint::lint::{LintInput, lint};
    use mlmon_lint::report::human::{Style, render_one};
    use mlmon_lint::settings::Settings;
    use mlmon_lint::source::SourceFile;
    let files = [include_str!("cmd/invalid-rules.in/rules.yaml"), include_str!("fixtures/configmap.yaml")];
    for text in files {
        for end in (0..=text.len()).filter(|i| text.is_char_boundary(*i)) {
            let out = lint(
                vec![LintInput { source: SourceFile::new("f.yaml", &text[..end]), config: 0 }],
                &[Settings::default()],
            );
            for d in &out.diagnostics {
                let _ = render_one(d, &out.sources, Style { color: false, width: 80 });
            }
        }
    }
}

/// Deeply nested and very long expressions are linted without exhausting the stack.
#[test]
fn deep_promql_does_not_crash() {
    for (name, expr) in [
        ("parens", format!("{}up{}", "(".repeat(5000), ")".repeat(5000))),
        ("aggregations", format!("{}up{}", "sum(".repeat(2000), ")".repeat(2000))),
        ("chain", vec!["up"; 3000].join(" + ")),
    ] {
        let y = format!("groups:\n- name: g\n  rules:\n  - record: a:b:c\n    expr: '{expr}'\n");
        let (exit, err) = run(name, y.as_bytes());
        assert!(matches!(exit, Exit::Ok | Exit::Failed), "{name}: {err}");
    }
}
