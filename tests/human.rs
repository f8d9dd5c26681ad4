//! Snapshots of the terminal report as a user sees it (no colour, 100 columns).

use mlmon_lint::cmd::Io;

fn render(args: &[&str]) -> String {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = Io { out: &mut out, err: &mut err, color: false };
    let mut argv = vec!["mlmon-lint".into()];
    argv.extend(args.iter().map(|a| a.into()));
    mlmon_lint::cli::run(argv, &mut io);
    String::from_utf8(out).unwrap()
}

#[test]
fn ml_service_example() {
    insta::assert_snapshot!(render(&["examples/ml-service"]));
}

#[test]
fn invalid_rules() {
    insta::assert_snapshot!(render(&["tests/cmd/invalid-rules.in/rules.yaml"]));
}

#[test]
fn configmap_positions() {
    insta::assert_snapshot!(render(&["tests/fixtures/configmap.yaml"]));
}

/// The header's column counts characters (Turkish letters before the span), as the JSON does.
#[test]
fn header_columns_count_characters() {
    let out = render(&["tests/fixtures/turkish.yaml"]);
    assert!(out.contains("[tests/fixtures/turkish.yaml:5:40]"), "{out}");
    insta::assert_snapshot!(out);
}
