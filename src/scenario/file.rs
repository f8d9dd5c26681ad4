//! Scenario test files: a YAML file with a top-level `scenario_tests:` list, run by `mlmon-lint test`
//! next to promtool test files.
//!
//! A separate file kind (rather than new keys inside promtool's `tests:`) keeps every promtool test
//! file promtool-valid: promtool rejects unknown keys, so a scenario inside a promtool file would
//! break `promtool test rules` on it. The result is an ordinary [`FileReport`], so every output
//! format of `mlmon-lint test` (promtool text, readable report, JUnit, JSON) covers scenario tests.
//!
//! ```yaml
//! rule_files: [../rules/alerts.yaml]
//! evaluation_interval: 1m
//! scenario_tests:
//!   - name: 6% errors fire
//!     scenario: |
//!       scrape 15s
//!       10m at 100 rps
//!       15m at 100 rps with 6% 5xx
//!     expect:
//!       - HighErrorRate fires within 10m after 10m
//! ```
//!
//! The file is read with the position-keeping YAML tree of `crate::source::yaml` (not promtool's
//! yaml.v2 decoder: these files are ours), so a failing assertion or a scenario syntax error is
//! reported at its line and column, inside block scalars too.

use std::ops::Range;
use std::sync::Arc;
use std::time::Instant;

use crate::engine::{Engine, EngineSettings};
use crate::promql::Span;
use crate::rules::RuleKind;
use crate::source::SourceFile;
use crate::source::embedded::EmbeddedText;
use crate::source::yaml::{self, Node, NodeKind};
use crate::unittest::CoverageData;
use crate::unittest::rulefiles::{self, LoadOptions, LoadedGroup};
use crate::unittest::runner::{Detail, Failure, FileReport, GroupReport, Options};

use super::assert::{self, Assertion};
use super::run::{Sim, Watch, simulate};
use super::{compile, syntax};

/// Whether a test file is a scenario test file (its top level has `scenario_tests`).
pub fn is_scenario_file(text: &str) -> bool {
    // cheap first: only parse files that mention the key at the start of a line
    if !text.lines().any(|l| l.starts_with("scenario_tests:")) {
        return false;
    }
    yaml::parse(text)
        .ok()
        .and_then(|d| d.into_iter().next())
        .and_then(|d| d.root)
        .is_some_and(|r| r.get("scenario_tests").is_some())
}

/// Where in the file a byte range of a scalar's decoded value is: through the decoded-to-source map
/// rule files use ([`EmbeddedText`]), exact inside quoted scalars with escapes and in block scalars.
/// An empty range (an error at the end of the text) points just after the last word before it.
/// Where that map cannot model the scalar, the value's text is searched for in the scalar's raw
/// source instead (falling back to the scalar's start).
fn file_offset(src: &SourceFile, node: &Node, value: &str, range: &Range<usize>) -> u32 {
    let style = match &node.kind {
        NodeKind::Scalar(s) => s.style,
        _ => return node.span.start,
    };
    let map = EmbeddedText::from_yaml_scalar(&src.text, node.span, style, value);
    if map.is_exact() && map.text == value {
        if range.is_empty() {
            let end = value.get(..range.start).unwrap_or("").trim_end().len();
            if end == 0 {
                return node.span.start;
            }
            return map.map_span(Span::new(end as u32 - 1, end as u32)).end;
        }
        return map.map_span(Span::new(range.start as u32, range.end as u32)).start;
    }
    search_raw(src, node, value, range)
}

/// [`file_offset`] for scalars the map does not model: the range's text is searched for in the raw
/// source (so block, folded and quoted scalars without escapes in the way map back).
fn search_raw(src: &SourceFile, node: &Node, value: &str, range: &Range<usize>) -> u32 {
    let raw_start = node.span.start as usize;
    let raw = src.text.get(raw_start..node.span.end as usize).unwrap_or("");
    let Some(needle) = value.get(range.clone()).filter(|n| !n.trim().is_empty()) else {
        // an empty range (the end of the text): map the text before it instead and step past it
        let before = value.get(..range.start).unwrap_or("").trim_end();
        if before.is_empty() {
            return node.span.start;
        }
        let last = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        return search_raw(src, node, value, &(last..before.len())) + (before.len() - last) as u32;
    };
    let k = value.get(..range.start).map_or(0, |p| p.matches(needle).count());
    // skip a block scalar's header (`|`, `>-`) so it is not matched
    let body = if raw.starts_with('|') || raw.starts_with('>') { raw.find('\n').unwrap_or(0) } else { 0 };
    let mut from = body;
    for _ in 0..k {
        match raw.get(from..).and_then(|r| r.find(needle)) {
            Some(i) => from += i + needle.len(),
            None => return node.span.start,
        }
    }
    raw.get(from..).and_then(|r| r.find(needle)).map_or(node.span.start, |i| (raw_start + from + i) as u32)
}

fn scalar(n: &Node) -> Option<&str> {
    match &n.kind {
        NodeKind::Scalar(s) => Some(s.value.as_str()),
        _ => None,
    }
}

struct Test<'n> {
    name: String,
    node: &'n Node,
    scenario: Option<&'n Node>,
    expect: Vec<&'n Node>,
}

fn at(src: &SourceFile, off: u32) -> String {
    let lc = src.line_col(off);
    format!("{}:{}", lc.line, lc.column)
}

fn decode<'n>(src: &SourceFile, root: &'n Node) -> Result<(Vec<String>, i64, Vec<Test<'n>>), String> {
    let Some(entries) = root.as_map() else {
        return Err(format!("{}: a scenario test file is a mapping", at(src, root.span.start)));
    };
    let (mut rule_files, mut interval, mut tests) = (Vec::new(), 0, Vec::new());
    for e in entries {
        let key = scalar(&e.key).unwrap_or("");
        let pos = at(src, e.value.span.start);
        match key {
            "rule_files" => {
                for f in e.value.as_seq().unwrap_or(&[]) {
                    rule_files
                        .push(scalar(f).ok_or_else(|| format!("{pos}: rule_files holds file names"))?.to_string());
                }
            }
            "evaluation_interval" => {
                let s = scalar(&e.value).unwrap_or("");
                interval = crate::rules::duration::parse(s).map_err(|m| format!("{pos}: evaluation_interval: {m}"))?;
            }
            "scenario_tests" => {
                let Some(items) = e.value.as_seq() else {
                    return Err(format!("{pos}: scenario_tests is a list of tests"));
                };
                for t in items {
                    let mut test = Test { name: String::new(), node: t, scenario: None, expect: Vec::new() };
                    for f in
                        t.as_map().ok_or_else(|| format!("{}: a scenario test is a mapping", at(src, t.span.start)))?
                    {
                        let fpos = at(src, f.key.span.start);
                        match scalar(&f.key).unwrap_or("") {
                            "name" => test.name = scalar(&f.value).unwrap_or("").to_string(),
                            "scenario" if scalar(&f.value).is_some() => test.scenario = Some(&f.value),
                            "expect" => {
                                let items = f
                                    .value
                                    .as_seq()
                                    .ok_or_else(|| format!("{fpos}: expect is a list of assertions"))?;
                                test.expect = items.iter().collect();
                            }
                            other => {
                                return Err(format!(
                                    "{fpos}: unknown field {other:?} in a scenario test (name, scenario, expect)"
                                ));
                            }
                        }
                    }
                    tests.push(test);
                }
            }
            other => {
                return Err(format!(
                    "{}: unknown field {other:?} in a scenario test file (rule_files, evaluation_interval, scenario_tests)",
                    at(src, e.key.span.start)
                ));
            }
        }
    }
    Ok((rule_files, interval, tests))
}

fn failure(src: &SourceFile, off: u32, assertion: &str, message: String) -> Failure {
    let lc = src.line_col(off);
    let text = if assertion.is_empty() {
        format!("    {}:{}: {message}", lc.line, lc.column)
    } else {
        format!("    {}:{}: {assertion}: {message}", lc.line, lc.column)
    };
    Failure {
        text,
        line: lc.line as usize,
        detail: Detail::Scenario { column: lc.column as usize, assertion: assertion.to_string(), message },
    }
}

/// Runs a scenario test file (see [`is_scenario_file`]).
pub fn run_file(path: &str, text: &str, opts: &Options, cov: &mut CoverageData) -> FileReport {
    let mut rep = FileReport { path: path.to_string(), ..Default::default() };
    let src = SourceFile::new(path, text);
    let root = match yaml::parse(text) {
        Ok(docs) => docs.into_iter().next().and_then(|d| d.root),
        Err(e) => {
            rep.file_error = Some(format!("{}: {}", at(&src, e.offset), e.message));
            return rep;
        }
    };
    let Some(root) = root else {
        rep.file_error = Some("empty scenario test file".into());
        return rep;
    };
    let (rule_files, interval, tests) = match decode(&src, &root) {
        Ok(d) => d,
        Err(e) => {
            rep.file_error = Some(e);
            return rep;
        }
    };
    let Some(files) = rep.resolve_rule_files(path, &rule_files) else { return rep };
    let parse = crate::promql::ParseOptions {
        experimental_functions: opts.experimental_functions,
        duration_expressions: false,
    };
    let groups = match rulefiles::load(&files, LoadOptions { ignore_unknown_fields: opts.ignore_unknown_fields, parse })
    {
        Ok(g) => g,
        Err(errs) => {
            rep.file_error = Some(errs.join("\n"));
            return rep;
        }
    };
    cov.register(&groups);
    for (i, t) in tests.iter().enumerate() {
        if let Some(re) = &opts.run
            && !re.is_match(&t.name)
        {
            continue;
        }
        let started = Instant::now();
        let failures = run_test(&src, t, &groups, interval, opts, parse, cov);
        let name = if t.name.is_empty() { format!("unnamed#{i}") } else { t.name.clone() };
        let line = src.line_col(t.node.span.start).line as usize;
        rep.groups.push(GroupReport { name, line, failures, seconds: started.elapsed().as_secs_f64() });
    }
    rep
}

fn run_test(
    src: &SourceFile,
    t: &Test<'_>,
    groups: &[LoadedGroup],
    file_interval: i64,
    opts: &Options,
    parse: crate::promql::ParseOptions,
    cov: &mut CoverageData,
) -> Vec<Failure> {
    let Some(node) = t.scenario else {
        return vec![failure(src, t.node.span.start, "", "a scenario test needs a `scenario:` text".into())];
    };
    let text = scalar(node).unwrap_or("");
    let sc = match syntax::parse(text).and_then(|sc| compile::compile(&sc).map(|c| (sc, c))) {
        Ok(x) => x,
        Err(e) => {
            return vec![failure(src, file_offset(src, node, text, &e.span), "", format!("scenario: {}", e.message))];
        }
    };
    let (sc, compiled) = sc;
    let mut failures = Vec::new();
    let mut asserted: Vec<(Assertion, &Node, usize)> = Vec::new();
    let mut watch = Watch::default();
    for n in &t.expect {
        let Some(a_text) = scalar(n) else {
            failures.push(failure(src, n.span.start, "", "an assertion is a string".into()));
            continue;
        };
        let a = match assert::parse(a_text) {
            Ok(a) => a,
            Err(e) => {
                failures.push(failure(src, file_offset(src, n, a_text, &e.span), a_text, e.message));
                continue;
            }
        };
        let kind = if a.is_alert() { RuleKind::Alert } else { RuleKind::Record };
        let rules: Vec<_> =
            groups.iter().flat_map(|g| &g.rules).filter(|r| r.kind == kind && r.name == a.name).collect();
        if rules.is_empty() {
            let what = if a.is_alert() { "alerting" } else { "recording" };
            failures.push(failure(
                src,
                n.span.start,
                a_text,
                format!("no {what} rule named {:?} in the rule files", a.name),
            ));
            continue;
        }
        for r in rules {
            if let Some(u) = cov.rules.get_mut(&r.id) {
                u.asserted = true;
            }
        }
        let slot = if a.is_alert() {
            watch.alerts.push(a.name.clone());
            watch.alerts.len() - 1
        } else {
            match crate::promql::parse(&a.name, parse) {
                Ok(e) => {
                    watch.exprs.push(Arc::new(e));
                    watch.exprs.len() - 1
                }
                Err(e) => {
                    failures.push(failure(src, n.span.start, a_text, e.to_string()));
                    continue;
                }
            }
        };
        asserted.push((a, n, slot));
    }
    let eval_ms = sc.eval_ms.unwrap_or(if file_interval > 0 { file_interval } else { 60_000 });
    let engine = Engine::new(EngineSettings {
        delayed_name_removal: opts.delayed_name_removal,
        experimental_functions: opts.experimental_functions,
        ..EngineSettings::promtool(eval_ms)
    });
    let sim = Sim { engine: &engine, parse, groups, eval_ms };
    let last_phase = compiled.last_traffic_start(&sc);
    let frames = match simulate(&sim, compiled.series, compiled.end_ms, &watch) {
        Ok(f) => f,
        Err(e) => {
            failures.push(failure(src, node.span.start, "", format!("rule evaluation failed: {e}")));
            return failures;
        }
    };
    for (i, name) in watch.alerts.iter().enumerate() {
        if frames.iter().any(|f| f.alerts.get(i).is_some_and(|c| c.firing > 0)) {
            for r in groups.iter().flat_map(|g| &g.rules).filter(|r| r.kind == RuleKind::Alert && r.name == *name) {
                if let Some(u) = cov.rules.get_mut(&r.id) {
                    u.fired = true;
                }
            }
        }
    }
    for (a, n, slot) in &asserted {
        if let Err(m) = assert::check(a, &frames, *slot, last_phase) {
            let a_text = scalar(n).unwrap_or("");
            failures.push(failure(src, n.span.start, a_text, m));
        }
    }
    failures.sort_by_key(|f| f.line);
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_scenario_files() {
        assert!(is_scenario_file("rule_files: [a]\nscenario_tests:\n  - name: x\n"));
        assert!(!is_scenario_file("rule_files: [a]\ntests: []\n"));
        assert!(!is_scenario_file("tests:\n  - name: 'scenario_tests:'\n"));
    }

    #[test]
    fn offsets_map_into_block_scalars() {
        assert_eq!(error_at("a:\n  s: |\n    scrape 15s\n    10m at 100 rpm\n"), (4, 16));
    }

    /// The line:col of the scenario error in `a.s`.
    fn error_at(text: &str) -> (u32, u32) {
        let src = SourceFile::new("t", text);
        let root = yaml::parse(text).unwrap().remove(0).root.unwrap();
        let node = root.get("a").unwrap().get("s").unwrap();
        let value = scalar(node).unwrap();
        let e = syntax::parse(value).unwrap_err();
        let lc = src.line_col(file_offset(&src, node, value, &e.span));
        (lc.line, lc.column)
    }

    #[test]
    fn offsets_are_exact_in_quoted_scalars_with_escapes() {
        // `\x25` is `%`: the second share lacks one. Searching the raw text for "5" would land on
        // the escape's digits; the map points at the share itself (column 41).
        let text = "a:\n  s: \"10m at 100 rps with 5\\x25 5xx and 5 404\"\n";
        assert_eq!(&text[43..45], "5 ");
        assert_eq!(error_at(text), (2, 41));
        // single quotes: `''` is one quote; the error is the unknown status after it
        let text = "a:\n  s: 'by p=''x''; 10m at 1 rps with 5% x'\n";
        assert_eq!(error_at(text), (2, 40));
        // a double-quoted scalar over two lines, the error on the second
        let text = "a:\n  s: \"scrape 15s;\\\n    \\t10m at 1 rpm\"\n";
        assert_eq!(error_at(text), (3, 16));
        // an error at the end of the text points just after the last word
        let text = "a:\n  s: |\n    10m at 1 rps with\n";
        assert_eq!(error_at(text), (3, 22));
    }
}
