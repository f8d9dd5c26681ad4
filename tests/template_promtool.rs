//! Alert templates expanded and validated exactly as promtool 3.5.3 does.
//!
//! `template_promtool/exec_cases.json` and `parse_cases.json` were recorded by running the real
//! promtool 3.5.3 (`template_promtool/oracle.py`, which wraps each template into a rule file and
//! a unit test and reads back what promtool printed; see its docstring for the setup). Re-record
//! with `python3 oracle.py exec exec_cases.json > new.json` (and `parse`); this test only reads
//! the recorded files. The host below answers `query` the way promtool's engine did over the
//! input series the oracle loads.

use std::collections::BTreeMap;

use mlmon_lint::template::{
    AlertTemplateData, QuerySample, SampleValue, TemplateHost, expand_alert_template, validate_template,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct ExecCase {
    alert: String,
    labels: BTreeMap<String, String>,
    value: String,
    t: String,
    out: String,
}

#[derive(Deserialize)]
struct ParseCase {
    alert: String,
    t: String,
    out: String,
}

/// The oracle's input series: `n{k="a"} 1`, `n{k="b"} 2`, `up{job="x"} 1` (plus the alert's own).
struct OracleSeries;

fn sample(labels: &[(&str, &str)], v: f64) -> QuerySample {
    QuerySample {
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        value: SampleValue::Float(v),
    }
}

impl TemplateHost for OracleSeries {
    fn query(&mut self, q: &str) -> Result<Vec<QuerySample>, String> {
        Ok(match q {
            "n" => vec![sample(&[("__name__", "n"), ("k", "a")], 1.0), sample(&[("__name__", "n"), ("k", "b")], 2.0)],
            "sum(n)" => vec![sample(&[], 3.0)],
            "nothing" | "n == 5" => vec![],
            r#"n{k="a"}"# => vec![sample(&[("__name__", "n"), ("k", "a")], 1.0)],
            "up" => vec![sample(&[("__name__", "up"), ("job", "x")], 1.0)],
            r#"label_replace(n{k="a"}, "__value__", "sv", "", "")"# => {
                vec![sample(&[("__name__", "n"), ("__value__", "sv"), ("k", "a")], 1.0)]
            }
            "sum(" => return Err("1:5: parse error: unclosed left parenthesis".into()),
            other => return Err(format!("query {other:?} is not in the recorded oracle data")),
        })
    }
}

#[test]
fn expansions_match_promtool() {
    let cases: Vec<ExecCase> =
        serde_json::from_str(include_str!("template_promtool/exec_cases.json")).unwrap_or_default();
    assert!(cases.len() > 400, "recorded cases missing");
    let mut failures = Vec::new();
    for c in &cases {
        let Ok(value) = mlmon_lint::go::strconv::parse_float(&c.value) else {
            failures.push(format!("bad value {:?}", c.value));
            continue;
        };
        let mut data = AlertTemplateData::new(SampleValue::Float(value));
        data.labels = c.labels.clone();
        data.external_labels =
            [("cluster", "prod"), ("region", "eu")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        data.external_url = "http://prom.example/sub".into();
        let got = expand_alert_template(&c.alert, &c.t, &data, &mut OracleSeries);
        if got != c.out {
            failures.push(format!("{:?}\n  promtool: {:?}\n  ours:     {:?}", c.t, c.out, got));
        }
    }
    assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn parse_errors_match_promtool() {
    let cases: Vec<ParseCase> =
        serde_json::from_str(include_str!("template_promtool/parse_cases.json")).unwrap_or_default();
    assert!(cases.len() > 100, "recorded cases missing");
    let mut failures = Vec::new();
    for c in &cases {
        let got = match validate_template(&c.alert, &c.t) {
            Ok(()) => String::new(),
            Err(e) => {
                if e.span.start > c.t.len() || e.span.end > c.t.len() || !c.t.is_char_boundary(e.span.start) {
                    failures.push(format!("{:?}: span {:?} outside the text", c.t, e.span));
                }
                e.message
            }
        };
        if got != c.out {
            failures.push(format!("{:?}\n  promtool: {:?}\n  ours:     {:?}", c.t, c.out, got));
        }
    }
    assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
