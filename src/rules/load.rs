//! From a YAML node to a [`RuleFile`], validating what Prometheus 3.5 validates when it loads rules
//! (`model/rulefmt/rulefmt.go`: strict fields, `record` xor `alert`, `expr` required, recording rules
//! without `for`/`keep_firing_for`/`annotations`, names, durations, group names).
//!
//! Two kinds of problem come out of here:
//! - *findings* (category `invalid`): the structure is readable, Prometheus would refuse it;
//! - a [`LoadError`] (exit 2): a scalar where a list or mapping is required, or the reverse, so
//!   there is no rule structure to lint. Like yaml.v3, any scalar is accepted where a string is
//!   expected (`alert: 123` is the name "123") and null is the empty value.
//!
//! Expressions and templates are parsed later, by the lint driver, so that identical expressions are
//! parsed once across all files.

use crate::checks::{
    invalid_duration::InvalidDuration, invalid_group_name::GroupName, invalid_missing_expr::MissingExpr,
    invalid_name::InvalidName, invalid_recording_field::RecordingRuleField, invalid_rule_kind::RuleKindConflict,
    invalid_unknown_field::UnknownField,
};
use crate::diagnostic::{Diagnostic, FileId};
use crate::source::FileSpan;
use crate::source::embedded::EmbeddedText;
use crate::source::yaml::{Node, NodeKind};

use super::{Duration, Group, LabelPair, Origin, Rule, RuleFile, RuleKind, Text, duration};

/// A structural error (exit 2); `span` is in the text the YAML was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub span: FileSpan,
    pub message: String,
}

const FILE_FIELDS: &[&str] = &["groups"];
const GROUP_FIELDS: &[&str] = &["name", "interval", "query_offset", "limit", "rules", "labels"];
const RULE_FIELDS: &[&str] = &["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"];

struct Loader<'a> {
    file: FileId,
    layer: Option<&'a EmbeddedText>,
    findings: Vec<Diagnostic>,
}

/// Loads the rule file whose root mapping is `root` (a plain file's document, or a `spec`).
pub fn load(
    file: FileId,
    root: &Node,
    origin: Origin,
    layer: Option<EmbeddedText>,
) -> Result<(RuleFile, Vec<Diagnostic>), LoadError> {
    let mut l = Loader { file, layer: layer.as_ref(), findings: Vec::new() };
    let entries = map_of(root, "a rule file")?;
    l.unknown_fields(entries, FILE_FIELDS, "rule file");
    let mut groups = Vec::new();
    if let Some(gs) = root.get("groups") {
        // groups load independently: in parallel, then in file order (the first error wins, as it
        // would sequentially; a single generated file of thousands of rules is the common large input)
        use rayon::prelude::*;
        let layer = l.layer;
        let loaded: Vec<Result<(Group, Vec<Diagnostic>), LoadError>> = seq_of(gs, "`groups`")?
            .par_iter()
            .with_min_len(4)
            .map(|g| {
                let mut gl = Loader { file, layer, findings: Vec::new() };
                gl.group(g).map(|group| (group, gl.findings))
            })
            .collect();
        for r in loaded {
            let (group, findings) = r?;
            groups.push(group);
            l.findings.extend(findings);
        }
    }
    l.group_names(&groups);
    let findings = std::mem::take(&mut l.findings);
    Ok((RuleFile { file, origin, layer, groups }, findings))
}

fn map_of(node: &Node, what: impl std::fmt::Display) -> Result<&[crate::source::yaml::Entry], LoadError> {
    match &node.kind {
        NodeKind::Map(m) => Ok(m),
        NodeKind::Scalar(s) if s.is_null() => Ok(&[]),
        _ => {
            Err(LoadError { span: node.span, message: format!("{what} must be a mapping, found {}", node.kind_name()) })
        }
    }
}

fn seq_of(node: &Node, what: impl std::fmt::Display) -> Result<&[Node], LoadError> {
    match &node.kind {
        NodeKind::Seq(s) => Ok(s),
        NodeKind::Scalar(s) if s.is_null() => Ok(&[]),
        _ => Err(LoadError { span: node.span, message: format!("{what} must be a list, found {}", node.kind_name()) }),
    }
}

/// A string field: any scalar (null is empty), not a collection. `what` names it in the error
/// (`format_args!`: formatted only for an error, not for each of the thousands of scalars).
fn text_of(node: &Node, what: impl std::fmt::Display) -> Result<Text, LoadError> {
    match &node.kind {
        NodeKind::Scalar(s) => Ok(Text {
            value: if s.is_null() { String::new() } else { s.value.clone() },
            span: node.span,
            style: s.style,
        }),
        _ => {
            Err(LoadError { span: node.span, message: format!("{what} must be a string, found {}", node.kind_name()) })
        }
    }
}

impl Loader<'_> {
    fn file_span(&self, span: FileSpan) -> FileSpan {
        match self.layer {
            Some(l) => l.map_span(crate::promql::Span::new(span.start, span.end)),
            None => span,
        }
    }

    fn report(&mut self, meta: &'static crate::checks::CheckMeta, span: FileSpan, msg: String) -> &mut Diagnostic {
        let d = Diagnostic::new(meta, self.file, self.file_span(span), msg);
        self.findings.push(d);
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    fn unknown_fields(&mut self, entries: &[crate::source::yaml::Entry], known: &[&str], what: &str) {
        for e in entries {
            let name = e.key.as_scalar().map(|s| s.value.as_str()).unwrap_or("?");
            if !known.contains(&name) {
                let help = format!("Prometheus 3.5 refuses unknown fields; a {what} has: {}", known.join(", "));
                let d = self.report(&UnknownField::META, e.key.span, format!("unknown field `{name}` in {what}"));
                d.help = Some(help);
            }
        }
    }

    fn duration(&mut self, node: &Node, field: &str) -> Result<Option<Duration>, LoadError> {
        let t = text_of(node, format_args!("`{field}`"))?;
        if node.is_null() {
            return Ok(None);
        }
        match duration::parse(&t.value) {
            Ok(ms) => Ok(Some(Duration { ms, span: node.span })),
            Err(e) => {
                let d = self.report(&InvalidDuration::META, node.span, format!("invalid `{field}`: {e}"));
                d.help =
                    Some("write a duration such as 30s, 5m or 1h30m (integer amounts, units y w d h m s ms)".into());
                Ok(None)
            }
        }
    }

    fn labels(&mut self, node: &Node, field: &str, is_annotation: bool) -> Result<Vec<LabelPair>, LoadError> {
        let mut out = Vec::new();
        for e in map_of(node, format_args!("`{field}`"))? {
            let name = text_of(&e.key, format_args!("a key in `{field}`"))?;
            let value = text_of(&e.value, format_args!("the value of `{}` in `{field}`", name.value))?;
            let what = if is_annotation { "annotation" } else { "label" };
            if name.value.is_empty() {
                self.report(&InvalidName::META, name.span, format!("invalid {what} name: empty"));
            } else if !is_annotation && name.value == "__name__" {
                let d = self.report(&InvalidName::META, name.span, "invalid label name: __name__".to_string());
                d.help = Some("`__name__` holds the metric name and cannot be set as a label here".into());
            }
            out.push(LabelPair { name, value });
        }
        Ok(out)
    }

    fn group(&mut self, node: &Node) -> Result<Group, LoadError> {
        let entries = map_of(node, "a rule group")?;
        self.unknown_fields(entries, GROUP_FIELDS, "rule group");
        let name = match node.get("name") {
            Some(n) => text_of(n, "`name`")?,
            None => Text { value: String::new(), span: FileSpan::point(node.span.start), style: plain() },
        };
        let interval = match node.get("interval") {
            Some(n) => self.duration(n, "interval")?,
            None => None,
        };
        let query_offset = match node.get("query_offset") {
            Some(n) => self.duration(n, "query_offset")?,
            None => None,
        };
        let limit = match node.get("limit") {
            Some(n) if !n.is_null() => {
                let t = text_of(n, "`limit`")?;
                Some(parse_int(&t.value).ok_or_else(|| LoadError {
                    span: n.span,
                    message: format!("`limit` must be an integer, found {:?}", t.value),
                })?)
            }
            _ => None,
        };
        let labels = match node.get("labels") {
            Some(n) => self.labels(n, "labels", false)?,
            None => Vec::new(),
        };
        let mut rules = Vec::new();
        if let Some(rs) = node.get("rules") {
            for r in seq_of(rs, "`rules`")? {
                rules.push(self.rule(r)?);
            }
        }
        Ok(Group { name, interval, query_offset, limit, labels, rules, span: node.span })
    }

    fn group_names(&mut self, groups: &[Group]) {
        let mut seen: Vec<&Group> = Vec::new();
        for g in groups {
            if g.name.value.is_empty() {
                let d = self.report(&GroupName::META, g.name.span, "rule group name must not be empty".into());
                d.help = Some("give every group a `name:` unique within the file".into());
            } else if let Some(first) = seen.iter().find(|o| o.name.value == g.name.value) {
                let first_span = self.file_span(first.name.span);
                let file = self.file;
                let d = self.report(
                    &GroupName::META,
                    g.name.span,
                    format!("group name `{}` is repeated in the same file", g.name.value),
                );
                d.secondary.push(crate::diagnostic::Label {
                    file,
                    span: first_span,
                    text: Some("first used here".into()),
                });
                d.help = Some("rename one of the groups; Prometheus identifies groups by file and name".into());
            }
            seen.push(g);
        }
    }

    fn rule(&mut self, node: &Node) -> Result<Rule, LoadError> {
        let entries = map_of(node, "a rule")?;
        self.unknown_fields(entries, RULE_FIELDS, "rule");
        let field = |k: &str| node.entry(k);
        let record = field("record").map(|e| text_of(&e.value, "`record`").map(|t| (t, e.key.span))).transpose()?;
        let alert = field("alert").map(|e| text_of(&e.value, "`alert`").map(|t| (t, e.key.span))).transpose()?;
        let expr = field("expr").map(|e| text_of(&e.value, "`expr`")).transpose()?;
        let for_ = field("for").map(|e| self.duration(&e.value, "for")).transpose()?.flatten();
        let keep_firing_for =
            field("keep_firing_for").map(|e| self.duration(&e.value, "keep_firing_for")).transpose()?.flatten();
        let labels = match node.get("labels") {
            Some(n) => self.labels(n, "labels", false)?,
            None => Vec::new(),
        };
        let annotations = match node.get("annotations") {
            Some(n) => self.labels(n, "annotations", true)?,
            None => Vec::new(),
        };
        let set = |t: &Option<(Text, FileSpan)>| t.as_ref().is_some_and(|(t, _)| !t.value.is_empty());
        let (has_record, has_alert) = (set(&record), set(&alert));
        let rule_start = FileSpan::point(node.span.start);
        let mut well_formed = true;
        if has_record && has_alert {
            well_formed = false;
            let (r, a) = (record.as_ref().map_or(rule_start, |x| x.1), alert.as_ref().map_or(rule_start, |x| x.1));
            let a_file = self.file_span(a);
            let file = self.file;
            let d = self.report(&RuleKindConflict::META, r, "rule sets both `record` and `alert`".into());
            d.secondary.push(crate::diagnostic::Label { file, span: a_file, text: Some("`alert` set here".into()) });
            d.help = Some("split it into a recording rule and an alerting rule".into());
        } else if !has_record && !has_alert {
            well_formed = false;
            let at = record.as_ref().or(alert.as_ref()).map_or(rule_start, |x| x.1);
            let d = self.report(&RuleKindConflict::META, at, "rule sets neither `record` nor `alert`".into());
            d.help = Some("name the rule with `record: level:metric:operations` or `alert: Name`".into());
        }
        if expr.as_ref().is_none_or(|e| e.value.is_empty()) {
            well_formed = false;
            let at = field("expr").map_or(rule_start, |e| e.key.span);
            let d = self.report(&MissingExpr::META, at, "rule has no `expr`".into());
            d.help = Some("add the PromQL expression the rule evaluates".into());
        }
        let kind = if has_alert { RuleKind::Alert } else { RuleKind::Record };
        let (name, kind_span) = match (kind, &record, &alert) {
            (RuleKind::Alert, _, Some((t, k))) => (t.clone(), Some(*k)),
            (RuleKind::Record, Some((t, k)), _) => (t.clone(), Some(*k)),
            _ => (Text { value: String::new(), span: rule_start, style: plain() }, None),
        };
        if kind == RuleKind::Record && has_record {
            let key = kind_span.unwrap_or(rule_start);
            for (f, present) in [
                ("for", for_.is_some_and(|d| d.ms != 0)),
                ("keep_firing_for", keep_firing_for.is_some_and(|d| d.ms != 0)),
                ("annotations", !annotations.is_empty()),
            ] {
                if present {
                    let at = field(f).map_or(key, |e| e.key.span);
                    let d = self.report(
                        &RecordingRuleField::META,
                        at,
                        format!("recording rule `{}` has `{f}`", name.value),
                    );
                    d.help = Some(format!("remove `{f}`: it only has a meaning on alerting rules"));
                }
            }
            if name.value.contains(['{', '}']) {
                let d = self.report(
                    &InvalidName::META,
                    name.span,
                    format!("braces in recording rule name `{}`", name.value),
                );
                d.help = Some("label matchers belong in `expr`; a recording rule name is a metric name".into());
            }
        }
        Ok(Rule {
            kind,
            name,
            kind_span,
            expr,
            for_,
            keep_firing_for,
            labels,
            annotations,
            span: node.span,
            well_formed,
        })
    }
}

fn plain() -> serde_saphyr::granit_parser::ScalarStyle {
    serde_saphyr::granit_parser::ScalarStyle::Plain
}

/// An integer as yaml.v3 reads one into an `int` (decimal, with sign; `0x`, `0o`, `0b` prefixes).
fn parse_int(s: &str) -> Option<i64> {
    let s = s.replace('_', "");
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    let v = if let Some(h) = digits.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = digits.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if let Some(b) = digits.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else {
        digits.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(t: &str) -> Result<(RuleFile, Vec<Diagnostic>), LoadError> {
        let docs = crate::source::yaml::parse(t).unwrap();
        load(0, docs[0].root.as_ref().unwrap(), Origin::Plain, None)
    }

    /// Groups load in parallel but come out as a sequential load gives them: groups and findings in
    /// file order, and the first group's error when several groups have one.
    #[test]
    fn groups_in_file_order_and_first_error() {
        let mut t = String::from("groups:\n");
        for g in 0..40 {
            t.push_str(&format!("- name: g{}\n  rules:\n  - record: r{g}\n    expr: up\n    bogus: 1\n", g % 39));
        }
        let (rf, findings) = load_text(&t).unwrap();
        let names: Vec<&str> = rf.groups.iter().map(|g| g.name.value.as_str()).collect();
        let want: Vec<String> = (0..40).map(|g| format!("g{}", g % 39)).collect();
        assert_eq!(names, want);
        let starts: Vec<u32> = findings.iter().map(|d| d.primary.span.start).collect();
        assert!(findings.len() > 40, "{findings:?}");
        assert!(starts.windows(2).take(39).all(|w| w[0] < w[1]), "{starts:?}");

        let mut t = String::from("groups:\n");
        for g in 0..40 {
            let rules = if g == 7 || g == 30 { format!("rules: {g}") } else { "rules: []".to_string() };
            t.push_str(&format!("- name: g{g}\n  {rules}\n"));
        }
        let e = load_text(&t).unwrap_err();
        assert_eq!(e.span.start as usize, t.find("rules: 7").unwrap() + 7, "{e:?}");
    }
}
