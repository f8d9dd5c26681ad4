//! The promtool 3.5 test file (`cmd/promtool/unittest.go` `unitTestFile` and friends), decoded
//! strictly as yaml.v2 does, with the line of every assertion kept for readable failures.
//!
//! Field names and Go type names are promtool's, because they appear in its error messages
//! (`field value not found in type main.series`).

use super::yaml2::{Decoder, Node, parse_first_document};

/// A decoded test file. Durations are milliseconds; `0` means "not given" where promtool defaults it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestFile {
    pub rule_files: Vec<String>,
    pub evaluation_interval: i64,
    pub group_eval_order: Vec<String>,
    pub tests: Vec<TestGroup>,
    pub fuzzy_compare: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestGroup {
    pub interval: i64,
    pub input_series: Vec<InputSeries>,
    pub alert_rule_test: Vec<AlertTest>,
    pub promql_expr_test: Vec<ExprTest>,
    /// `labels.Labels` from a map: sorted by name, empty values kept.
    pub external_labels: Vec<(String, String)>,
    pub external_url: String,
    pub name: String,
    /// 1-based line of the group in the test file.
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputSeries {
    pub series: String,
    pub values: String,
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertTest {
    pub eval_time: i64,
    pub alertname: String,
    pub exp_alerts: Vec<ExpAlert>,
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExpAlert {
    pub exp_labels: Vec<(String, String)>,
    pub exp_annotations: Vec<(String, String)>,
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExprTest {
    pub expr: String,
    pub eval_time: i64,
    pub exp_samples: Vec<ExpSample>,
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExpSample {
    pub labels: String,
    pub value: f64,
    pub histogram: String,
    pub line: usize,
}

impl TestGroup {
    /// The largest `eval_time` of the group's tests (0 without tests).
    pub fn max_eval_time(&self) -> i64 {
        let a = self.alert_rule_test.iter().map(|t| t.eval_time);
        let e = self.promql_expr_test.iter().map(|t| t.eval_time);
        a.chain(e).max().unwrap_or(0).max(0)
    }
}

/// Decodes a test file's text; the error is the text promtool prints for it.
pub fn decode(text: &str) -> Result<TestFile, String> {
    let root = parse_first_document(text)?;
    let mut d = Decoder::default();
    let mut f = TestFile::default();
    if let Some(root) = &root {
        const FIELDS: &[&str] = &["rule_files", "evaluation_interval", "group_eval_order", "tests", "fuzzy_compare"];
        for (k, v) in d.fields(root, "main.unitTestFile", FIELDS) {
            match k {
                "rule_files" => f.rule_files = strings(&mut d, v),
                "evaluation_interval" => f.evaluation_interval = d.duration(v),
                "group_eval_order" => f.group_eval_order = strings(&mut d, v),
                "fuzzy_compare" => f.fuzzy_compare = d.bool(v),
                _ => {
                    for g in d.seq(v, "[]main.testGroup") {
                        f.tests.push(group(&mut d, g));
                    }
                }
            }
            if d.fatal.is_some() {
                break;
            }
        }
    }
    d.finish()?;
    Ok(f)
}

fn strings(d: &mut Decoder, n: &Node) -> Vec<String> {
    d.seq(n, "[]string").iter().map(|s| d.string(s)).collect()
}

fn group(d: &mut Decoder, n: &Node) -> TestGroup {
    const FIELDS: &[&str] =
        &["interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels", "external_url", "name"];
    let mut g = TestGroup { line: n.line, ..Default::default() };
    for (k, v) in d.fields(n, "main.testGroup", FIELDS) {
        match k {
            "interval" => g.interval = d.duration(v),
            "input_series" => {
                for s in d.seq(v, "[]main.series") {
                    let mut is = InputSeries { line: s.line, ..Default::default() };
                    for (k, v) in d.fields(s, "main.series", &["series", "values"]) {
                        match k {
                            "series" => is.series = d.string(v),
                            _ => is.values = d.string(v),
                        }
                    }
                    g.input_series.push(is);
                }
            }
            "alert_rule_test" => {
                for t in d.seq(v, "[]main.alertTestCase") {
                    g.alert_rule_test.push(alert_test(d, t));
                }
            }
            "promql_expr_test" => {
                for t in d.seq(v, "[]main.promqlTestCase") {
                    g.promql_expr_test.push(expr_test(d, t));
                }
            }
            "external_labels" => {
                let mut m = d.string_map(v);
                m.sort();
                g.external_labels = m;
            }
            "external_url" => g.external_url = d.string(v),
            _ => g.name = d.string(v),
        }
        if d.fatal.is_some() {
            break;
        }
    }
    g
}

fn alert_test(d: &mut Decoder, n: &Node) -> AlertTest {
    let mut t = AlertTest { line: n.line, ..Default::default() };
    for (k, v) in d.fields(n, "main.alertTestCase", &["eval_time", "alertname", "exp_alerts"]) {
        match k {
            "eval_time" => t.eval_time = d.duration(v),
            "alertname" => t.alertname = d.string(v),
            _ => {
                for a in d.seq(v, "[]main.alert") {
                    let mut e = ExpAlert { line: a.line, ..Default::default() };
                    for (k, v) in d.fields(a, "main.alert", &["exp_labels", "exp_annotations"]) {
                        match k {
                            "exp_labels" => e.exp_labels = d.string_map(v),
                            _ => e.exp_annotations = d.string_map(v),
                        }
                    }
                    t.exp_alerts.push(e);
                }
            }
        }
    }
    t
}

fn expr_test(d: &mut Decoder, n: &Node) -> ExprTest {
    let mut t = ExprTest { line: n.line, ..Default::default() };
    for (k, v) in d.fields(n, "main.promqlTestCase", &["expr", "eval_time", "exp_samples"]) {
        match k {
            "expr" => t.expr = d.string(v),
            "eval_time" => t.eval_time = d.duration(v),
            _ => {
                for s in d.seq(v, "[]main.sample") {
                    let mut e = ExpSample { line: s.line, ..Default::default() };
                    for (k, v) in d.fields(s, "main.sample", &["labels", "value", "histogram"]) {
                        match k {
                            "labels" => e.labels = d.string(v),
                            "value" => e.value = d.float(v),
                            _ => e.histogram = d.string(v),
                        }
                    }
                    t.exp_samples.push(e);
                }
            }
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_full_file_with_lines() {
        let t = "rule_files: [a.yml]\nevaluation_interval: 30s\ntests:\n  - name: g\n    input_series:\n      - series: up\n        values: 1 2\n    alert_rule_test:\n      - eval_time: 1m\n        alertname: A\n        exp_alerts:\n          - exp_labels: {severity: 503}\n    promql_expr_test:\n      - expr: up\n        eval_time: 2m\n        exp_samples:\n          - labels: up\n            value: 1e3\n";
        let f = decode(t).unwrap();
        assert_eq!(f.rule_files, ["a.yml"]);
        assert_eq!(f.evaluation_interval, 30_000);
        let g = &f.tests[0];
        assert_eq!((g.name.as_str(), g.line), ("g", 4));
        assert_eq!(g.input_series[0].values, "1 2");
        assert_eq!(g.alert_rule_test[0].line, 9);
        assert_eq!(g.alert_rule_test[0].exp_alerts[0].exp_labels, [("severity".to_string(), "503".to_string())]);
        assert_eq!(g.promql_expr_test[0].exp_samples[0].value, 1000.0);
        assert_eq!(g.promql_expr_test[0].line, 14);
        assert_eq!(g.max_eval_time(), 120_000);
    }

    #[test]
    fn unknown_fields_use_promtools_type_names() {
        let e = decode("evaluation_intervals: 1m\ntests:\n  - input_series:\n      - series: x\n        value: 1\n")
            .unwrap_err();
        assert_eq!(
            e,
            "yaml: unmarshal errors:\n  line 1: field evaluation_intervals not found in type main.unitTestFile\n  line 5: field value not found in type main.series"
        );
    }

    #[test]
    fn empty_file_is_empty() {
        assert_eq!(decode("").unwrap(), TestFile::default());
        assert_eq!(decode("# only a comment\n").unwrap(), TestFile::default());
    }
}
