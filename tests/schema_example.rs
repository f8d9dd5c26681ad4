//! `examples/ml-service` with its schema: every schema mistake marked `# expect: CODE` is reported
//! on its line, and no other schema finding is reported anywhere in the example (the example's
//! other mistakes are covered by tests/cmd/example-*.toml).

use std::collections::BTreeMap;

fn expected() -> BTreeMap<(String, u32), Vec<String>> {
    let mut out = BTreeMap::new();
    for name in ["alerts.yaml", "recording.yaml", "service.yaml"] {
        let path = format!("examples/ml-service/rules/{name}");
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some((_, codes)) = line.split_once("# expect: ").filter(|_| !line.starts_with('#')) {
                let mut codes: Vec<String> = codes.split_whitespace().map(str::to_string).collect();
                codes.sort();
                out.insert((path.clone(), i as u32 + 1), codes);
            }
        }
    }
    out
}

#[test]
fn every_mistake_and_nothing_else() {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut io = mlmon_lint::cmd::Io { out: &mut out, err: &mut err, color: false };
    let args = ["mlmon-lint", "examples/ml-service", "--format", "json"];
    let exit = mlmon_lint::cli::run(args.iter().map(Into::into).collect(), &mut io);
    assert_eq!(exit, mlmon_lint::cmd::Exit::Failed, "{}", String::from_utf8_lossy(&err));
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let mut found: BTreeMap<(String, u32), Vec<String>> = BTreeMap::new();
    for d in json["diagnostics"].as_array().unwrap() {
        // the dashboard's findings are checked by tests/dashboard_example.rs
        if !d["code"].as_str().unwrap().starts_with("SCH") || d["file"].as_str().unwrap().contains("/dashboards/") {
            continue;
        }
        let key = (d["file"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap() as u32);
        found.entry(key).or_default().push(d["code"].as_str().unwrap().to_string());
    }
    for v in found.values_mut() {
        v.sort();
    }
    assert_eq!(found, expected(), "\nfull output:\n{}", String::from_utf8_lossy(&out));
}

/// The committed schema is the import of the real scrape: same metrics, types and label names
/// (only the allowed values were widened by hand).
#[test]
fn schema_matches_the_exporter_scrape() {
    use mlmon_lint::schema::exposition::Format;
    use mlmon_lint::schema::import::{ImportOptions, import_exposition};
    let scrape = std::fs::read("examples/ml-service/exporter/metrics.prom").unwrap();
    let (imported, _) = import_exposition("metrics.prom", &scrape, Format::Text, ImportOptions::default()).unwrap();
    let text = std::fs::read_to_string("examples/ml-service/schema.yaml").unwrap();
    let committed = mlmon_lint::schema::SchemaFile::from_yaml("schema.yaml", &text).unwrap();
    let shape = |f: &mlmon_lint::schema::SchemaFile| {
        let mut v: Vec<(String, String, Vec<String>, bool)> = f
            .metrics
            .iter()
            .map(|m| (m.name.clone(), m.kind.to_string(), m.labels.keys().cloned().collect(), m.created))
            .collect();
        v.sort();
        v
    };
    assert_eq!(shape(&committed), shape(&imported));
    let om = std::fs::read("examples/ml-service/exporter/metrics.openmetrics.txt").unwrap();
    let (from_om, _) = import_exposition("om", &om, Format::OpenMetrics, ImportOptions::default()).unwrap();
    for m in &from_om.metrics {
        let c = committed.metrics.iter().find(|c| c.name == m.name).unwrap();
        assert_eq!((c.kind, c.labels.keys().collect::<Vec<_>>()), (m.kind, m.labels.keys().collect::<Vec<_>>()));
    }
}
