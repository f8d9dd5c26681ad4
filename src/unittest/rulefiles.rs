//! Rule files for the test runner: found with Go's glob rules, loaded with the crate's one rule
//! loader (`crate::extract`, which also reads Kubernetes `PrometheusRule` manifests), then validated
//! the way `rulefmt.Parse` validates them so that a broken rule file fails a test group with
//! promtool's own message (`<path>: 4:17: group "v", rule 1, "x": ...`).
//!
//! The loader's findings are its own (`unknown field ... in rule group`); promtool's texts are
//! rebuilt here from the loaded model and its spans, in rulefmt's order: decoding errors (unknown
//! fields, bad durations) abort a file first, then per group the group checks and per rule
//! `record`/`alert`, `expr`, recording-rule fields, label and annotation names, templates.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::checks::invalid_duration::InvalidDuration;
use crate::checks::invalid_rule_kind::RuleKindConflict;
use crate::checks::invalid_unknown_field::UnknownField;
use crate::promql::{self, ParseOptions, ast};
use crate::rules::{Group, Rule, RuleFile, RuleKind};
use crate::source::{FileSpan, SourceFile};

use super::gopath;

/// Identifies a rule across test files: the rule file path as printed, group name, index in group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId {
    pub file: String,
    pub group: String,
    pub index: usize,
}

#[derive(Debug, Clone)]
pub struct LoadedRule {
    pub id: RuleId,
    pub kind: RuleKind,
    pub name: String,
    pub expr: Arc<ast::Expr>,
    pub for_ms: i64,
    pub keep_firing_for_ms: i64,
    /// Group labels overlaid with rule labels (rule wins), sorted by name; empty values kept (an
    /// empty value deletes the label when applied).
    pub labels: Vec<(String, String)>,
    /// Sorted by name, empty values kept.
    pub annotations: Vec<(String, String)>,
    /// 1-based line of the rule in its file.
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct LoadedGroup {
    pub file: String,
    pub name: String,
    pub query_offset_ms: i64,
    pub limit: i64,
    pub rules: Vec<LoadedRule>,
}

/// How rule files are read.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    pub ignore_unknown_fields: bool,
    pub parse: ParseOptions,
}

/// Expands `rule_files` as promtool does: relative entries joined to the test file's directory,
/// each globbed. Returns the files and the patterns that matched nothing, or the glob error.
pub fn resolve(test_file: &str, entries: &[String]) -> Result<(Vec<String>, Vec<String>), String> {
    let base = gopath::dir(test_file);
    let mut files = Vec::new();
    let mut unmatched = Vec::new();
    for e in entries {
        let pattern = if !e.is_empty() && !e.starts_with('/') { gopath::join(&base, e) } else { e.clone() };
        let m = gopath::glob(&pattern).map_err(str::to_string)?;
        if m.is_empty() {
            unmatched.push(pattern);
        }
        files.extend(m);
    }
    Ok((files, unmatched))
}

/// Loads the rule files (in order; the first file with problems ends loading with its errors, as
/// `rules.Manager.LoadGroups` does). Groups are keyed by (file, name): a file listed twice loads once.
pub fn load(files: &[String], opts: LoadOptions) -> Result<Vec<LoadedGroup>, Vec<String>> {
    let mut groups: Vec<LoadedGroup> = Vec::new();
    for path in files {
        let loaded = load_file(path, opts)?;
        for g in loaded {
            match groups.iter_mut().find(|o| o.file == g.file && o.name == g.name) {
                Some(slot) => *slot = g,
                None => groups.push(g),
            }
        }
    }
    Ok(groups)
}

fn pos(source: &SourceFile, rf: &RuleFile, span: FileSpan) -> String {
    let lc = source.line_col(rf.to_file(span).start);
    format!("{}:{}", lc.line, lc.column)
}

/// The position of the value after a `key:` (yaml.v3 reports value nodes).
fn value_after_key(source: &SourceFile, rf: &RuleFile, key: FileSpan) -> String {
    let key = rf.to_file(key);
    let text = source.text.as_bytes();
    let mut i = key.end as usize;
    if text.get(i) == Some(&b':') {
        i += 1;
    }
    while text.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
        i += 1;
    }
    let lc = source.line_col(i as u32);
    format!("{}:{}", lc.line, lc.column)
}

fn load_file(path: &str, opts: LoadOptions) -> Result<Vec<LoadedGroup>, Vec<String>> {
    let source = crate::input::read(std::path::Path::new(path)).map_err(|e| vec![format!("{path}: {}", e.message)])?;
    let extracted = crate::extract::extract(0, &source).map_err(|e| {
        vec![match e.position {
            Some(p) => format!("{path}: yaml: line {}: {}", p.line, e.message),
            None => format!("{path}: {}", e.message),
        }]
    })?;
    // decoding errors first: yaml.v3 reports every unknown field at once, a bad duration alone
    let mut unknown = Vec::new();
    let mut duration = None;
    for d in &extracted.findings {
        if d.check.code == UnknownField::META.code && !opts.ignore_unknown_fields {
            let line = source.line_col(d.primary.span.start).line;
            let field = d.message.split('`').nth(1).unwrap_or("?");
            let ty = if d.message.ends_with("in rule group") {
                "rulefmt.RuleGroup"
            } else if d.message.ends_with("in rule file") {
                "rulefmt.RuleGroups"
            } else {
                "rulefmt.Rule"
            };
            unknown.push((line, format!("line {line}: field {field} not found in type {ty}")));
        } else if d.check.code == InvalidDuration::META.code && duration.is_none() {
            duration = Some(d.message.split_once(": ").map_or(d.message.clone(), |(_, m)| m.to_string()));
        }
    }
    if !unknown.is_empty() {
        unknown.sort_by_key(|(l, _)| *l);
        let list: Vec<String> = unknown.into_iter().map(|(_, t)| t).collect();
        return Err(vec![format!("{path}: yaml: unmarshal errors:\n  {}", list.join("\n  "))]);
    }
    if let Some(m) = duration {
        // rulefmt decodes the file twice (values, then nodes for positions): both fail alike
        return Err(vec![format!("{path}: {m}"), format!("{path}: {m}")]);
    }
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for rf in &extracted.rule_files {
        validate(&source, rf, &extracted.findings, opts, &mut errors);
        if errors.is_empty() {
            out.extend(build(path, &source, rf, opts));
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors.into_iter().map(|e| format!("{path}: {e}")).collect()) }
}

fn label_name_ok(name: &str) -> bool {
    !name.is_empty() && name != "__name__"
}

/// `rulefmt.RuleGroups.Validate` over the loaded model.
fn validate(
    source: &SourceFile,
    rf: &RuleFile,
    findings: &[crate::diagnostic::Diagnostic],
    opts: LoadOptions,
    errors: &mut Vec<String>,
) {
    let mut seen: Vec<&str> = Vec::new();
    for g in &rf.groups {
        if g.name.value.is_empty() {
            errors.push("0:0: Groupname must not be empty".into());
        }
        if seen.contains(&g.name.value.as_str()) {
            errors.push(format!("0:0: groupname: \"{}\" is repeated in the same file", g.name.value));
        }
        for l in &g.labels {
            if !label_name_ok(&l.name.value) {
                errors.push(format!("invalid label name: {}", l.name.value));
            }
        }
        seen.push(&g.name.value);
        for (i, r) in g.rules.iter().enumerate() {
            validate_rule(source, rf, g, i, r, findings, opts, errors);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn validate_rule(
    source: &SourceFile,
    rf: &RuleFile,
    g: &Group,
    i: usize,
    r: &Rule,
    findings: &[crate::diagnostic::Diagnostic],
    opts: LoadOptions,
    errors: &mut Vec<String>,
) {
    let prefix = format!(
        "group {}, rule {}, {}",
        crate::go::strconv::quote(&g.name.value),
        i + 1,
        crate::go::strconv::quote(&r.name.value)
    );
    let in_rule = |s: FileSpan| {
        let f = rf.to_file(r.span);
        s.start >= f.start && s.end <= f.end
    };
    let conflict = findings.iter().find(|d| d.check.code == RuleKindConflict::META.code && in_rule(d.primary.span));
    let has_alert = r.kind == RuleKind::Alert;
    // whether `record` holds a name: a recording rule, or an alerting rule that also sets it
    let has_record = (r.kind == RuleKind::Record && !r.name.value.is_empty())
        || (has_alert && conflict.is_some_and(|d| d.message.contains("both")));
    let record_pos = || -> String {
        if r.kind == RuleKind::Record {
            return pos(source, rf, r.name.span);
        }
        match conflict {
            Some(d) => {
                // the finding's primary span is the `record` key in the file
                let key = d.primary.span;
                let text = source.text.as_bytes();
                let mut k = key.end as usize;
                if text.get(k) == Some(&b':') {
                    k += 1;
                }
                while text.get(k).is_some_and(|b| *b == b' ' || *b == b'\t') {
                    k += 1;
                }
                let lc = source.line_col(k as u32);
                format!("{}:{}", lc.line, lc.column)
            }
            None => "0:0".into(),
        }
    };
    if has_record && has_alert {
        errors.push(format!(
            "{}: {}: {prefix}: only one of 'record' and 'alert' must be set",
            record_pos(),
            pos(source, rf, r.name.span)
        ));
    }
    if !has_record && !has_alert {
        let at = |k: Option<FileSpan>| k.map_or("0:0".to_string(), |k| value_after_key(source, rf, k));
        let key = conflict.map(|d| d.primary.span).filter(|s| !s.is_empty());
        let record_key = key.filter(|s| source.text.get(s.start as usize..s.end as usize) == Some("record"));
        let alert_key = key.filter(|s| source.text.get(s.start as usize..s.end as usize) == Some("alert"));
        errors.push(format!("{}: {}: {prefix}: one of 'record' or 'alert' must be set", at(record_key), at(alert_key)));
    }
    match &r.expr {
        None => errors.push(format!("0:0: {prefix}: field 'expr' must be set in rule")),
        Some(e) if e.value.is_empty() => {
            errors.push(format!("{}: {prefix}: field 'expr' must be set in rule", pos(source, rf, e.span)))
        }
        Some(e) => {
            if let Err(err) = promql::parse(&e.value, opts.parse) {
                errors.push(format!("{}: {prefix}: could not parse expression: {err}", pos(source, rf, e.span)));
            }
        }
    }
    if has_record {
        let at = record_pos();
        if !r.annotations.is_empty() {
            errors.push(format!("{at}: {prefix}: invalid field 'annotations' in recording rule"));
        }
        if r.for_.is_some_and(|d| d.ms != 0) {
            errors.push(format!("{at}: {prefix}: invalid field 'for' in recording rule"));
        }
        if r.keep_firing_for.is_some_and(|d| d.ms != 0) {
            errors.push(format!("{at}: {prefix}: invalid field 'keep_firing_for' in recording rule"));
        }
        let record_name = if r.kind == RuleKind::Record { r.name.value.as_str() } else { "" };
        if record_name.contains(['{', '}']) {
            errors.push(format!(
                "{at}: {prefix}: braces present in the recording rule name; should it be in expr?: {record_name}"
            ));
        }
    }
    for l in &r.labels {
        if !label_name_ok(&l.name.value) {
            errors.push(format!("{prefix}: invalid label name: {}", l.name.value));
        }
    }
    for a in &r.annotations {
        if a.name.value.is_empty() {
            errors.push(format!("{prefix}: invalid annotation name: "));
        }
    }
    if has_alert {
        for (what, list) in [("label", &r.labels), ("annotation", &r.annotations)] {
            for l in list {
                if let Err(e) = crate::template::validate_template(&r.name.value, &l.value.value) {
                    errors.push(format!(
                        "{prefix}: {what} {}: {}",
                        crate::go::strconv::quote(&l.name.value),
                        e.message
                    ));
                }
            }
        }
    }
}

fn pairs(list: &[crate::rules::LabelPair]) -> BTreeMap<String, String> {
    list.iter().map(|l| (l.name.value.clone(), l.value.value.clone())).collect()
}

fn build(path: &str, source: &SourceFile, rf: &RuleFile, opts: LoadOptions) -> Vec<LoadedGroup> {
    let mut out = Vec::new();
    for g in &rf.groups {
        let mut rules = Vec::new();
        for (i, r) in g.rules.iter().enumerate() {
            let Some(expr) = r.expr.as_ref().and_then(|e| promql::parse(&e.value, opts.parse).ok()) else { continue };
            let mut labels = pairs(&g.labels);
            labels.extend(pairs(&r.labels));
            rules.push(LoadedRule {
                id: RuleId { file: path.to_string(), group: g.name.value.clone(), index: i },
                kind: r.kind,
                name: r.name.value.clone(),
                expr: Arc::new(expr),
                for_ms: r.for_.map_or(0, |d| d.ms),
                keep_firing_for_ms: r.keep_firing_for.map_or(0, |d| d.ms),
                labels: labels.into_iter().collect(),
                annotations: pairs(&r.annotations).into_iter().collect(),
                line: source.line_col(rf.to_file(r.span).start).line as usize,
            });
        }
        out.push(LoadedGroup {
            file: path.to_string(),
            name: g.name.value.clone(),
            query_offset_ms: g.query_offset.map_or(0, |d| d.ms),
            limit: g.limit.unwrap_or(0),
            rules,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> String {
        let d = std::env::temp_dir().join(format!("mlmon-rulefiles-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().to_string()
    }

    #[test]
    fn validation_texts_are_promtools() {
        let p = write(
            "v.yml",
            "groups:\n  - name: v\n    rules:\n      - record: 'job:x:sum{bad}'\n        expr: vector(1)\n      - record: ok\n        expr: vector(1)\n        for: 1m\n      - alert: A\n        record: B\n        expr: vector(1)\n      - alert: NoExpr\n      - alert: T\n        expr: up\n        annotations: {s: '{{ now }}'}\n  - name: v\n    rules: []\n",
        );
        let errs = load(std::slice::from_ref(&p), LoadOptions::default()).unwrap_err();
        let errs: Vec<String> = errs.iter().map(|e| e.strip_prefix(&format!("{p}: ")).unwrap().to_string()).collect();
        assert_eq!(
            errs,
            [
                "4:17: group \"v\", rule 1, \"job:x:sum{bad}\": braces present in the recording rule name; should it be in expr?: job:x:sum{bad}",
                "6:17: group \"v\", rule 2, \"ok\": invalid field 'for' in recording rule",
                "10:17: 9:16: group \"v\", rule 3, \"A\": only one of 'record' and 'alert' must be set",
                "0:0: group \"v\", rule 4, \"NoExpr\": field 'expr' must be set in rule",
                "group \"v\", rule 5, \"T\": annotation \"s\": template: __alert_T:1: function \"now\" not defined",
                "0:0: groupname: \"v\" is repeated in the same file",
            ]
        );
    }

    #[test]
    fn unknown_fields_and_expressions() {
        let p = write(
            "u.yml",
            "groups:\n  - name: g\n    owner: me\n    rules:\n      - record: r\n        expr: up\n        x: 1\n",
        );
        let errs = load(std::slice::from_ref(&p), LoadOptions::default()).unwrap_err();
        assert_eq!(
            errs,
            [format!(
                "{p}: yaml: unmarshal errors:\n  line 3: field owner not found in type rulefmt.RuleGroup\n  line 7: field x not found in type rulefmt.Rule"
            )]
        );
        let ok =
            load(std::slice::from_ref(&p), LoadOptions { ignore_unknown_fields: true, ..Default::default() }).unwrap();
        assert_eq!(ok[0].rules[0].name, "r");
        let p = write("e.yml", "groups:\n  - name: broken\n    rules:\n      - record: x\n        expr: sum(up\n");
        let errs = load(std::slice::from_ref(&p), LoadOptions::default()).unwrap_err();
        assert_eq!(
            errs,
            [format!(
                "{p}: 5:15: group \"broken\", rule 1, \"x\": could not parse expression: 1:7: parse error: unclosed left parenthesis"
            )]
        );
    }

    #[test]
    fn prometheus_rule_manifests_load() {
        let p = write(
            "k.yml",
            "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x}\nspec:\n  groups:\n    - name: g\n      labels: {team: a}\n      rules:\n        - alert: A\n          expr: up == 0\n          labels: {team: b, sev: x}\n",
        );
        let g = load(std::slice::from_ref(&p), LoadOptions::default()).unwrap();
        assert_eq!(g[0].rules[0].labels, [("sev".to_string(), "x".to_string()), ("team".to_string(), "b".to_string())]);
        assert_eq!(g[0].rules[0].line, 9);
    }
}
