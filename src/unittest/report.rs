//! Output of a `test` run: promtool 3.5.3's exact text (stdout/stderr layout included), the
//! readable per-assertion report that follows it, JUnit XML and JSON.
//!
//! The promtool text comes first and unchanged, so scripts that grep promtool's output keep
//! working; the readable report goes to stderr after it, only when something failed.

use std::io::Write;

use super::coverage::Coverage;
use super::gostr::labels_string;
use super::runner::{AlertItem, Detail, Failure, FileReport, Pairs, SampleItem};

/// Writes one file's result the way promtool does: warnings, debug output, then `  SUCCESS` or
/// `  FAILED:` with every error (stderr) and one empty stdout line per error, then an empty line.
pub fn write_promtool(rep: &FileReport, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<()> {
    for p in &rep.unmatched {
        writeln!(err, "  WARNING: no file match pattern {p}")?;
    }
    out.write_all(rep.debug.as_bytes())?;
    let errors: Vec<&str> = match &rep.file_error {
        Some(e) => vec![e.as_str()],
        None => rep.groups.iter().flat_map(|g| g.failures.iter().map(|f| f.text.as_str())).collect(),
    };
    if errors.is_empty() {
        writeln!(out, "  SUCCESS")?;
    } else {
        writeln!(err, "  FAILED:")?;
        for e in errors {
            writeln!(err, "{e}")?;
            writeln!(out)?;
        }
    }
    writeln!(out)
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() }
    }
    fn red(&self, s: &str) -> String {
        self.wrap("31", s)
    }
    fn green(&self, s: &str) -> String {
        self.wrap("32", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
}

fn labels(p: &Pairs) -> String {
    labels_string(p.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

fn value(v: f64) -> String {
    crate::engine::value::format_go_g(v)
}

/// The heading of a failure: what was asserted, where.
pub fn failure_title(path: &str, group: &str, f: &Failure) -> String {
    let what = match &f.detail {
        Detail::Alerts { alertname, eval_time, .. } => {
            format!("alert {alertname} at {}", super::gostr::model_duration(*eval_time))
        }
        Detail::Samples { expr, eval_time, .. } | Detail::QueryError { expr, eval_time, .. } => {
            format!("expr {} at {}", crate::go::strconv::quote(expr), super::gostr::model_duration(*eval_time))
        }
        Detail::RuleError { rule_name, time, .. } => {
            format!("rule {rule_name} failed at {}", super::gostr::model_duration(*time))
        }
        Detail::Setup { .. } => "test group could not run".to_string(),
        Detail::Scenario { column, assertion, .. } => {
            let what = if assertion.is_empty() {
                "scenario could not run".to_string()
            } else {
                format!("scenario assertion {}", crate::go::strconv::quote(assertion))
            };
            return format!("{path}:{}:{column}: {what} (test group {group})", f.line);
        }
    };
    format!("{path}:{}: {what} (test group {group})", f.line)
}

fn annotations_block(a: &AlertItem, indent: &str) -> String {
    a.annotations.iter().map(|(k, v)| format!("{indent}{k}: {}\n", crate::go::strconv::quote(v))).collect()
}

/// The readable body of a failure (without the title), coloured when `color`.
pub fn failure_body(f: &Failure, color: bool) -> String {
    let p = Paint { on: color };
    let mut s = String::new();
    match &f.detail {
        Detail::Alerts { exp, got, pending, .. } => {
            s.push_str(&format!(
                "  expected {} firing alert{}, got {}\n",
                exp.len(),
                if exp.len() == 1 { "" } else { "s" },
                got.len()
            ));
            let mut got_left: Vec<&AlertItem> = got.iter().collect();
            let mut lines = Vec::new();
            for e in exp {
                if let Some(i) = got_left.iter().position(|g| *g == e) {
                    got_left.remove(i);
                    lines.push(format!("    {}\n{}", labels(&e.labels), annotations_block(e, "        ")));
                } else if let Some(i) = got_left.iter().position(|g| g.labels == e.labels) {
                    let g = got_left.remove(i);
                    let mut block = format!("  {} {}\n", p.yellow("~"), labels(&e.labels));
                    let mut keys: Vec<&String> = e.annotations.iter().chain(&g.annotations).map(|(k, _)| k).collect();
                    keys.sort();
                    keys.dedup();
                    for k in keys {
                        let ev = e.annotations.iter().find(|(n, _)| n == k).map(|(_, v)| v);
                        let gv = g.annotations.iter().find(|(n, _)| n == k).map(|(_, v)| v);
                        if ev == gv {
                            block.push_str(&format!(
                                "        {k}: {}\n",
                                crate::go::strconv::quote(ev.map_or("", |v| v))
                            ));
                            continue;
                        }
                        if let Some(v) = ev {
                            block.push_str(&p.red(&format!("      - {k}: {}", crate::go::strconv::quote(v))));
                            block.push('\n');
                        }
                        if let Some(v) = gv {
                            block.push_str(&p.green(&format!("      + {k}: {}", crate::go::strconv::quote(v))));
                            block.push('\n');
                        }
                    }
                    lines.push(block);
                } else {
                    let mut block = p.red(&format!("  - {}  (expected, not firing)", labels(&e.labels)));
                    block.push('\n');
                    for l in annotations_block(e, "        ").lines() {
                        block.push_str(&p.red(l));
                        block.push('\n');
                    }
                    lines.push(block);
                }
            }
            for g in got_left {
                let mut block = p.green(&format!("  + {}  (firing, not expected)", labels(&g.labels)));
                block.push('\n');
                for l in annotations_block(g, "        ").lines() {
                    block.push_str(&p.green(l));
                    block.push('\n');
                }
                lines.push(block);
            }
            for l in lines {
                s.push_str(&l);
            }
            for a in pending {
                s.push_str(&format!(
                    "  note: {} is pending (active since {}; it fires at {} if its condition keeps holding)\n",
                    labels(&a.labels),
                    super::gostr::model_duration(a.active_at),
                    super::gostr::model_duration(a.fires_at)
                ));
            }
        }
        Detail::Samples { exp, got, .. } => {
            s.push_str(&format!(
                "  expected {} sample{}, got {}\n",
                exp.len(),
                if exp.len() == 1 { "" } else { "s" },
                got.len()
            ));
            let show = |x: &SampleItem| if x.histogram.is_empty() { value(x.value) } else { x.histogram.clone() };
            let mut got_left: Vec<&SampleItem> = got.iter().collect();
            for e in exp {
                if let Some(i) = got_left.iter().position(|g| g.labels == e.labels) {
                    let g = got_left.remove(i);
                    if show(g) == show(e) && g.value.to_bits() == e.value.to_bits() && !e.value.is_nan() {
                        s.push_str(&format!("    {} {}\n", labels(&e.labels), show(e)));
                    } else {
                        let note = if e.value.is_nan() && g.value.is_nan() {
                            "  (NaN never equals NaN)".to_string()
                        } else if show(g) == show(e) {
                            String::new()
                        } else if e.histogram.is_empty() && g.histogram.is_empty() {
                            format!("  (differs by {})", value(g.value - e.value))
                        } else {
                            String::new()
                        };
                        s.push_str(&format!(
                            "  {} {} expected {}, got {}{note}\n",
                            p.yellow("~"),
                            labels(&e.labels),
                            p.red(&show(e)),
                            p.green(&show(g))
                        ));
                    }
                } else {
                    s.push_str(&p.red(&format!("  - {} {}  (expected, missing)", labels(&e.labels), show(e))));
                    s.push('\n');
                }
            }
            for g in got_left {
                s.push_str(&p.green(&format!("  + {} {}  (returned, not expected)", labels(&g.labels), show(g))));
                s.push('\n');
            }
        }
        Detail::QueryError { message, .. } => s.push_str(&format!("  error: {message}\n")),
        Detail::RuleError { rule, message, .. } => {
            s.push_str(&format!("  rule at {rule}: {message}\n  (a rule evaluation error ends the test group)\n"))
        }
        Detail::Setup { message } | Detail::Scenario { message, .. } => {
            for l in message.lines() {
                s.push_str(&format!("  {l}\n"));
            }
        }
    }
    s
}

/// The readable report of every failure of the run (nothing when all passed).
pub fn readable(reports: &[FileReport], color: bool) -> String {
    let p = Paint { on: color };
    let mut s = String::new();
    let mut failed_groups = 0;
    let mut groups = 0;
    let mut assertions = 0;
    for rep in reports {
        groups += rep.groups.len();
        if let Some(e) = &rep.file_error {
            s.push_str(&format!("{}: {}\n", p.bold(&rep.path), p.red("the test file could not be run")));
            for l in e.lines() {
                s.push_str(&format!("  {l}\n"));
            }
            s.push('\n');
            continue;
        }
        for g in &rep.groups {
            if g.failures.is_empty() {
                continue;
            }
            failed_groups += 1;
            for f in &g.failures {
                assertions += 1;
                s.push_str(&p.bold(&failure_title(&rep.path, &g.name, f)));
                s.push('\n');
                s.push_str(&failure_body(f, color));
                s.push('\n');
            }
        }
    }
    if s.is_empty() {
        return s;
    }
    let files_failed = reports.iter().filter(|r| r.failed()).count();
    s.push_str(&format!(
        "{} {} of {} test groups failed ({} failure{}), {} of {} files\n",
        p.red("FAILED:"),
        failed_groups,
        groups,
        assertions,
        if assertions == 1 { "" } else { "s" },
        files_failed,
        reports.len()
    ));
    format!("\n{}\n{s}", p.bold("mlmon-lint test: readable report"))
}

/// Go's `xml.EscapeText`.
fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => o.push_str("&#34;"),
            '\'' => o.push_str("&#39;"),
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '\t' => o.push_str("&#x9;"),
            '\n' => o.push_str("&#xA;"),
            '\r' => o.push_str("&#xD;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// JUnit XML: one `<testsuite>` per test file, one `<testcase>` per test group run. A failed group
/// has one `<failure>`: its text is the readable diff of every failed assertion, its `message` the
/// first one's heading; `failures` counts failed groups (promtool counts assertions and writes one
/// element each, which some reporters read only the first of). File-level errors are a testcase
/// `unknown` with an `<error>`, as promtool writes them.
pub fn junit(reports: &[FileReport]) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for rep in reports {
        let name = xml_escape(&rep.path);
        if let Some(e) = &rep.file_error {
            s.push_str(&format!(
                "  <testsuite name=\"{name}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" timestamp=\"{}\">\n",
                xml_escape(&rep.timestamp)
            ));
            let first = e.lines().next().unwrap_or("");
            s.push_str(&format!(
                "    <testcase name=\"unknown\" classname=\"{name}\"><error message=\"{}\">{}</error></testcase>\n",
                xml_escape(first),
                xml_escape(e)
            ));
            s.push_str("  </testsuite>\n");
            continue;
        }
        let failures = rep.groups.iter().filter(|g| !g.failures.is_empty()).count();
        let time: f64 = rep.groups.iter().fold(0.0, |a, g| a + g.seconds);
        s.push_str(&format!(
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{time:.3}\" timestamp=\"{}\">\n",
            rep.groups.len(),
            xml_escape(&rep.timestamp)
        ));
        for g in &rep.groups {
            let open = format!(
                "    <testcase name=\"{}\" classname=\"{name}\" time=\"{:.3}\"",
                xml_escape(&g.name),
                g.seconds
            );
            let Some(first) = g.failures.first() else {
                s.push_str(&format!("{open}/>\n"));
                continue;
            };
            // one <failure> per test case: several per case are not read by every CI reporter
            let mut message = failure_title(&rep.path, &g.name, first);
            if g.failures.len() > 1 {
                message.push_str(&format!(" (and {} more)", g.failures.len() - 1));
            }
            let body: Vec<String> = g
                .failures
                .iter()
                .map(|f| format!("{}\n{}", failure_title(&rep.path, &g.name, f), failure_body(f, false)))
                .collect();
            s.push_str(&format!(
                "{open}>\n      <failure message=\"{}\" type=\"AssertionError\">{}</failure>\n    </testcase>\n",
                xml_escape(&message),
                xml_escape(&body.join("\n"))
            ));
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    s
}

fn json_value(v: f64) -> serde_json::Value {
    if v.is_finite() { serde_json::json!(v) } else { serde_json::json!(crate::engine::value::format_go_g(v)) }
}

fn json_pairs(p: &Pairs) -> serde_json::Value {
    serde_json::Value::Object(p.iter().map(|(k, v)| (k.clone(), serde_json::json!(v))).collect())
}

fn json_failure(path: &str, f: &Failure) -> serde_json::Value {
    let mut o = serde_json::json!({ "file": path, "line": f.line, "message": f.text });
    let alerts = |l: &[AlertItem]| -> Vec<serde_json::Value> {
        l.iter()
            .map(|a| serde_json::json!({"labels": json_pairs(&a.labels), "annotations": json_pairs(&a.annotations)}))
            .collect()
    };
    let samples = |l: &[SampleItem]| -> Vec<serde_json::Value> {
        l.iter()
            .map(|s| {
                let mut o = serde_json::json!({"labels": json_pairs(&s.labels), "value": json_value(s.value)});
                if !s.histogram.is_empty() {
                    o["histogram"] = serde_json::json!(s.histogram);
                }
                o
            })
            .collect()
    };
    let extra = match &f.detail {
        Detail::Alerts { alertname, eval_time, exp, got, pending } => serde_json::json!({
            "kind": "alert", "alertname": alertname, "eval_time": super::gostr::model_duration(*eval_time),
            "expected": alerts(exp), "got": alerts(got),
            "pending": pending.iter().map(|p| serde_json::json!({
                "labels": json_pairs(&p.labels),
                "active_since": super::gostr::model_duration(p.active_at),
                "fires_at": super::gostr::model_duration(p.fires_at),
            })).collect::<Vec<_>>(),
        }),
        Detail::Samples { expr, eval_time, exp, got } => serde_json::json!({
            "kind": "samples", "expr": expr, "eval_time": super::gostr::model_duration(*eval_time),
            "expected": samples(exp), "got": samples(got),
        }),
        Detail::QueryError { expr, eval_time, message } => serde_json::json!({
            "kind": "query_error", "expr": expr, "eval_time": super::gostr::model_duration(*eval_time), "error": message,
        }),
        Detail::RuleError { rule, rule_name, time, message } => serde_json::json!({
            "kind": "rule_error", "rule": rule, "rule_name": rule_name, "time": super::gostr::model_duration(*time), "error": message,
        }),
        Detail::Setup { message } => serde_json::json!({ "kind": "setup", "error": message }),
        Detail::Scenario { column, assertion, message } => serde_json::json!({
            "kind": "scenario", "column": column, "assertion": assertion, "error": message,
        }),
    };
    if let (Some(o), serde_json::Value::Object(e)) = (o.as_object_mut(), extra) {
        o.extend(e);
    }
    o
}

/// The run as one JSON object.
pub fn json(reports: &[FileReport], coverage: Option<&Coverage>) -> serde_json::Value {
    let files: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            let groups: Vec<serde_json::Value> = r
                .groups
                .iter()
                .map(|g| {
                    serde_json::json!({
                        "name": g.name, "line": g.line, "passed": g.failures.is_empty(),
                        "seconds": (g.seconds * 1e6).round() / 1e6,
                        "failures": g.failures.iter().map(|f| json_failure(&r.path, f)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            serde_json::json!({
                "file": r.path, "passed": !r.failed(), "error": r.file_error,
                "warnings": r.unmatched.iter().map(|p| format!("no file match pattern {p}")).collect::<Vec<_>>(),
                "groups": groups,
            })
        })
        .collect();
    let groups: usize = reports.iter().map(|r| r.groups.len()).sum();
    let failed_groups: usize = reports.iter().map(|r| r.groups.iter().filter(|g| !g.failures.is_empty()).count()).sum();
    let failures: usize = reports.iter().map(|r| r.groups.iter().map(|g| g.failures.len()).sum::<usize>()).sum();
    let mut out = serde_json::json!({
        "files": files,
        "summary": {
            "files": reports.len(),
            "files_failed": reports.iter().filter(|r| r.failed()).count(),
            "groups": groups,
            "groups_failed": failed_groups,
            "failures": failures,
            "passed": reports.iter().all(|r| !r.failed()),
        },
    });
    if let Some(c) = coverage {
        out["coverage"] = c.json();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unittest::runner::GroupReport;

    fn report() -> FileReport {
        let f = Failure {
            text:
                "    expr: \"x\", time: 0s,\n        exp: {__name__=\"x\"} 2E+00\n        got: {__name__=\"x\"} 1E+00"
                    .into(),
            line: 7,
            detail: Detail::Samples {
                expr: "x".into(),
                eval_time: 0,
                exp: vec![SampleItem {
                    labels: vec![("__name__".into(), "x".into())],
                    value: 2.0,
                    histogram: String::new(),
                }],
                got: vec![SampleItem {
                    labels: vec![("__name__".into(), "x".into())],
                    value: 1.0,
                    histogram: String::new(),
                }],
            },
        };
        FileReport {
            path: "t.yml".into(),
            timestamp: "2026-01-01T00:00:00".into(),
            groups: vec![
                GroupReport { name: "ok".into(), line: 3, failures: vec![], seconds: 0.0 },
                GroupReport { name: "bad<".into(), line: 5, failures: vec![f], seconds: 0.0 },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn promtool_layout() {
        let (mut o, mut e) = (Vec::new(), Vec::new());
        write_promtool(&report(), &mut o, &mut e).unwrap();
        assert_eq!(String::from_utf8(o).unwrap(), "\n\n");
        assert!(String::from_utf8(e).unwrap().starts_with("  FAILED:\n    expr: \"x\", time: 0s,\n"));
        let ok = FileReport { path: "a".into(), ..Default::default() };
        let (mut o, mut e) = (Vec::new(), Vec::new());
        write_promtool(&ok, &mut o, &mut e).unwrap();
        assert_eq!(String::from_utf8(o).unwrap(), "  SUCCESS\n\n");
        assert!(e.is_empty());
    }

    #[test]
    fn readable_names_the_line_and_the_difference() {
        let r = readable(&[report()], false);
        assert!(r.contains("t.yml:7: expr \"x\" at 0s (test group bad<)"), "{r}");
        assert!(r.contains("~ {__name__=\"x\"} expected 2, got 1  (differs by -1)"), "{r}");
        assert!(r.contains("1 of 2 test groups failed (1 failure), 1 of 1 files"), "{r}");
    }

    #[test]
    fn junit_is_escaped_and_counts_failures() {
        let x = junit(&[report()]);
        assert!(x.contains("tests=\"2\" failures=\"1\" errors=\"0\""), "{x}");
        assert!(x.contains("<testcase name=\"bad&lt;\""), "{x}");
        assert!(x.contains("<failure message=\"t.yml:7: expr &#34;x&#34; at 0s (test group bad&lt;)\""), "{x}");
        assert!(x.contains("<testcase name=\"ok\" classname=\"t.yml\" time=\"0.000\"/>"), "{x}");
    }

    #[test]
    fn json_summary() {
        let j = json(&[report()], None);
        assert_eq!(j["summary"]["failures"], 1);
        assert_eq!(j["files"][0]["groups"][1]["failures"][0]["kind"], "samples");
        assert_eq!(j["files"][0]["groups"][1]["failures"][0]["expected"][0]["value"], 2.0);
    }
}
