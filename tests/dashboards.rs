//! Dashboards in every shape and with every variable syntax (`tests/fixtures/dashboards/`): the
//! findings with their positions (start and end, `line:column` in characters) and what was found
//! and parsed per dashboard, as a user gets them from `--format json`.
//! Refresh with `INSTA_UPDATE=always cargo test --test dashboards` and review the diff.

use std::fmt::Write;

fn run(paths: &[&str]) -> String {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = mlmon_lint::cmd::Io { out: &mut out, err: &mut err, color: false };
    let mut argv: Vec<std::ffi::OsString> = vec!["mlmon-lint".into(), "--format".into(), "json".into()];
    argv.extend(paths.iter().map(|p| format!("tests/fixtures/dashboards/{p}").into()));
    let exit = mlmon_lint::cli::run(argv, &mut io);
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let mut s = format!("exit: {exit:?}\n");
    for d in report["diagnostics"].as_array().unwrap() {
        let _ = writeln!(
            s,
            "{}:{}:{}-{}:{} {} {}: {}",
            d["file"].as_str().unwrap().trim_start_matches("tests/fixtures/dashboards/"),
            d["line"],
            d["column"],
            d["end_line"],
            d["end_column"],
            d["code"].as_str().unwrap(),
            d["severity"].as_str().unwrap(),
            d["message"].as_str().unwrap()
        );
        if let Some(h) = d["help"].as_str() {
            let _ = writeln!(s, "    help: {h}");
        }
    }
    for e in report["input_errors"].as_array().unwrap() {
        let _ = writeln!(
            s,
            "input error: {}:{}:{}: {}",
            e["file"].as_str().unwrap(),
            e["line"],
            e["column"],
            e["message"].as_str().unwrap()
        );
    }
    for d in report["dashboards"].as_array().unwrap() {
        let _ = writeln!(
            s,
            "{}: {}: {} panels, targets {}/{}, variable queries {}/{}, skipped {}, empty {}, library panels not checked {}",
            d["file"].as_str().unwrap().trim_start_matches("tests/fixtures/dashboards/"),
            d["dashboard"].as_str().unwrap(),
            d["panels"],
            d["targets"]["parsed"],
            d["targets"]["found"],
            d["variable_queries"]["parsed"],
            d["variable_queries"]["found"],
            d["skipped"],
            d["empty_targets"],
            d["library_panels_not_checked"]
        );
        for (what, key) in [("does not parse", "unparsable"), ("not checked", "not_checked")] {
            for u in d[key].as_array().unwrap() {
                let _ = writeln!(s, "    {what}: {}:{}: {}", u["line"], u["column"], u["message"].as_str().unwrap());
            }
        }
    }
    s
}

#[test]
fn panels_nested_and_collapsed_rows() {
    insta::assert_snapshot!(run(&["panels-rows.json"]));
}

#[test]
fn legacy_rows() {
    insta::assert_snapshot!(run(&["legacy-rows.json"]));
}

#[test]
fn api_export_wrapper() {
    insta::assert_snapshot!(run(&["api-export.json"]));
}

#[test]
fn kubernetes_spec_json() {
    insta::assert_snapshot!(run(&["k8s-spec.json"]));
}

#[test]
fn kubernetes_spec_yaml() {
    insta::assert_snapshot!(run(&["k8s-spec.yaml"]));
}

#[test]
fn configmap_yaml() {
    insta::assert_snapshot!(run(&["configmap.yaml"]));
}

#[test]
fn configmap_list_yaml() {
    insta::assert_snapshot!(run(&["configmap-list.yaml"]));
}

#[test]
fn grafana_dashboard_yaml() {
    insta::assert_snapshot!(run(&["grafana-dashboard.yaml"]));
}

#[test]
fn one_key_wrapper() {
    insta::assert_snapshot!(run(&["wrapped-key.json"]));
}

#[test]
fn library_panels_alone() {
    insta::assert_snapshot!(run(&["library-panels.json"]));
}

#[test]
fn library_panels_with_the_library_panel_file() {
    insta::assert_snapshot!(run(&["library-panels.json", "library-panel.json"]));
}

#[test]
fn datasources() {
    insta::assert_snapshot!(run(&["datasources.json"]));
}

#[test]
fn variable_syntaxes_and_kinds() {
    insta::assert_snapshot!(run(&["variables.json"]));
}

#[test]
fn escapes_and_wide_characters() {
    insta::assert_snapshot!(run(&["escapes.json"]));
}

#[test]
fn duplicate_keys() {
    insta::assert_snapshot!(run(&["duplicate-keys.json"]));
}

#[test]
fn invalid_json_is_an_input_error() {
    insta::assert_snapshot!(run(&["invalid.json"]));
}

#[test]
fn dashboards_checked_against_the_rules_of_the_run() {
    insta::assert_snapshot!(run(&["rules.yaml", "recorded.json"]));
}

#[test]
fn dashboards_alone_do_not_judge_recorded_names() {
    let s = run(&["recorded.json"]);
    assert!(!s.contains("DSH005"), "{s}");
}

#[test]
fn grafana_v2_schema() {
    insta::assert_snapshot!(run(&["v2.json"]));
}
