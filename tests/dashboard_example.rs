//! `examples/ml-service/dashboards/ml-service.json`: the tutorial's panels as it writes them, the
//! same panels fixed, and more mistakes. A panel whose description says `Lint: expect CODE ...`
//! must raise exactly those findings, inside the panel; every other panel must raise none.

use std::collections::BTreeMap;

use mlmon_lint::source::SourceFile;
use mlmon_lint::source::json;

const PATH: &str = "examples/ml-service/dashboards/ml-service.json";

#[test]
fn tutorial_mistakes_reported_good_panels_clean() {
    let text = std::fs::read_to_string(PATH).unwrap();
    let source = SourceFile::new(PATH, text.clone());
    let doc = json::parse(&text).unwrap();
    // (first line, last line, title) of each panel, and what it expects
    let mut panels = Vec::new();
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in doc.root.get("panels").and_then(json::Value::as_array).unwrap() {
        let title = p.str_at("title").unwrap().to_string();
        let (a, b) = source.span_positions(p.span);
        panels.push((a.line, b.line, title.clone()));
        let mut codes: Vec<String> = p
            .str_at("description")
            .and_then(|d| d.split_once("Lint: expect "))
            .map(|(_, rest)| rest.split([' ', '(', '.']).take_while(|w| w.len() == 6).map(str::to_string).collect())
            .unwrap_or_default();
        codes.sort();
        expected.insert(title, codes);
    }

    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut io = mlmon_lint::cmd::Io { out: &mut out, err: &mut err, color: false };
    let args = ["mlmon-lint", "examples/ml-service", "--format", "json"];
    mlmon_lint::cli::run(args.iter().map(Into::into).collect(), &mut io);
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let mut found: BTreeMap<String, Vec<String>> = expected.keys().map(|k| (k.clone(), Vec::new())).collect();
    for d in report["diagnostics"].as_array().unwrap() {
        if d["file"] != PATH {
            continue;
        }
        let line = d["line"].as_u64().unwrap() as u32;
        let panel = panels.iter().find(|(a, b, _)| *a <= line && line <= *b);
        let title = panel.map_or_else(|| format!("outside any panel, line {line}"), |p| p.2.clone());
        found.entry(title).or_default().push(d["code"].as_str().unwrap().to_string());
    }
    for v in found.values_mut() {
        v.sort();
    }
    assert_eq!(found, expected, "\nfull output:\n{}", String::from_utf8_lossy(&out));

    // the dashboard's queries were all found and parsed
    let stats = report["dashboards"].as_array().unwrap().iter().find(|d| d["file"] == PATH).unwrap();
    assert_eq!(stats["targets"], serde_json::json!({"found": 10, "parsed": 10}));
    assert_eq!(stats["variable_queries"], serde_json::json!({"found": 1, "parsed": 1}));
}
