//! The checks: one file each, each carrying its own documentation, registered by hand in [`ALL`].
//!
//! # Codes
//! A code is three capital letters for the area and three digits; it never changes meaning once
//! released (retired codes are not reused).
//! - `INV0xx`: the rule file as Prometheus 3.5 loads it (category `invalid`): fields, names,
//!   durations, templates. Reported by the loader (`crate::rules::load`) and the lint driver; these
//!   check files hold their documentation.
//! - `PQL0xx`: PromQL expressions (`PQL001` is the parse error, also `invalid`).
//! - `RUL0xx`: rule structure and the relation between a rule and its expression.
//! - `SCH0xx`: reserved for checks against an exporter schema.
//! - `DSH0xx`: Grafana dashboards (queries in their context, panels, the dashboard's JSON).
//! - `SUP0xx`: suppression comments themselves.
//!
//! # Shape of a check file
//! Top to bottom: diagnostic helper(s), `declare_check!` with the docs, `impl Check`, inline tests.
//! The docs have the headings `## What it does`, `## Why is this bad?`, `## Example` (a fenced
//! ```` ```yaml,bad ```` rule file) and `## Use instead` (a ```` ```yaml,good ```` one); the registry
//! test below lints every example with only that check reported and requires the bad ones to yield
//! the check's code and the good ones not to.

use std::cell::OnceCell;

use crate::diagnostic::{Category, Diagnostic, FileId, Severity};
use crate::promql::{Expr, Span};
use crate::rules::{Group, Rule, RuleFile, Text};
use crate::source::embedded::EmbeddedText;
use crate::source::{FileSpan, SourceFile};

pub mod alert_always_fires;
pub mod dashboard_counter_raw;
pub mod dashboard_duplicate_key;
pub mod dashboard_library_panel;
pub mod dashboard_panel_no_query;
pub mod dashboard_rate_interval_misused;
pub mod dashboard_rate_window;
pub mod dashboard_style;
pub mod dashboard_undefined_variable;
pub mod dashboard_unrecorded;
pub mod invalid_duration;
pub mod invalid_group_name;
pub mod invalid_missing_expr;
pub mod invalid_name;
pub mod invalid_recording_field;
pub mod invalid_rule_kind;
pub mod invalid_template;
pub mod invalid_unknown_field;
pub mod promql_rate_window;
pub mod promql_syntax;
pub mod rule_duplicate;
pub mod rule_for_interval;
pub mod rule_record_name;
pub mod rule_record_name_parts;
pub mod schema_conflict;
pub mod schema_counter_compared;
pub mod schema_histogram_misuse;
pub mod schema_label_value;
pub mod schema_never_matching;
pub mod schema_rate_on_gauge;
pub mod schema_record_cycle;
pub mod schema_record_level;
pub mod schema_template_label;
pub mod schema_undefined_recorded;
pub mod schema_unknown_label;
pub mod schema_unknown_metric;
pub mod suppress_unused;

/// Everything the CLI, the docs and the config know about a check.
#[derive(Debug, PartialEq, Eq)]
pub struct CheckMeta {
    /// Stable code, e.g. `RUL002`: shown in output, used in config and suppressions.
    pub code: &'static str,
    /// kebab-case name describing the smell (reads as "allow <name>").
    pub name: &'static str,
    pub category: Category,
    pub default_severity: Severity,
    /// One line for `mlmon-lint checks`.
    pub summary: &'static str,
    /// Markdown, from the doc comment in `declare_check!` (each line keeps a leading space).
    pub docs: &'static str,
    /// Equivalent checks in other tools, for credit and cross-reference.
    pub sources: &'static [&'static str],
    /// False for opinionated checks, which run only when `checks.enable` names them.
    pub enabled_by_default: bool,
}

impl CheckMeta {
    /// The check's whole documentation as Markdown, headed at `level` (1 = `#`): what
    /// `mlmon-lint explain` prints and what `docs/checks.md` is generated from.
    pub fn explain_markdown(&self, level: usize) -> String {
        let hashes = "#".repeat(level.max(1));
        let mut out = format!("{hashes} {} ({})\n\n", self.name, self.code);
        let default = if self.enabled_by_default {
            self.default_severity.to_string()
        } else {
            format!("off (enable it with `checks.enable`; then {})", self.default_severity)
        };
        out.push_str(&format!("Category: {}. Default severity: {default}.\n", self.category));
        if !self.sources.is_empty() {
            out.push_str(&format!("Similar: {}.\n", self.sources.join("; ")));
        }
        out.push('\n');
        // the docs' own headings (`##`) sit one level below the check's
        let mut in_code = false;
        for line in self.docs_text().lines() {
            in_code ^= line.starts_with("```");
            if !in_code && line.starts_with('#') {
                out.push_str(&"#".repeat(level.max(1) - 1));
            }
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// The docs with the one leading space of each doc-comment line removed.
    pub fn docs_text(&self) -> String {
        let mut out = String::new();
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }
}

/// Declares a check's struct and its [`CheckMeta`], taking the docs from the doc comment.
macro_rules! declare_check {
    (
        $(#[doc = $doc:literal])*
        $vis:vis $name:ident {
            code: $code:literal,
            name: $cname:literal,
            category: $cat:ident,
            severity: $sev:ident,
            summary: $summary:literal,
            sources: [$($src:literal),* $(,)?]
            $(, enabled: $enabled:literal)? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        $vis struct $name;
        impl $name {
            pub const META: $crate::checks::CheckMeta = $crate::checks::CheckMeta {
                code: $code,
                name: $cname,
                category: $crate::diagnostic::Category::$cat,
                default_severity: $crate::diagnostic::Severity::$sev,
                summary: $summary,
                docs: concat!($($doc, "\n"),*),
                sources: &[$($src),*],
                enabled_by_default: $crate::checks::enabled_or_default(&[$($enabled)?]),
            };
        }
    };
}
pub(crate) use declare_check;

/// `enabled: false` in `declare_check!` (an empty list: enabled).
pub const fn enabled_or_default(given: &[bool]) -> bool {
    match given {
        [b] => *b,
        _ => true,
    }
}

/// Settings a check may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckOptions {
    /// The scrape interval the rules' targets are scraped at, in ms (config `scrape_interval`).
    pub scrape_interval_ms: i64,
    /// The global rule evaluation interval, in ms (config `evaluation_interval`), used for groups
    /// without `interval`.
    pub evaluation_interval_ms: i64,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { scrape_interval_ms: 60_000, evaluation_interval_ms: 60_000 }
    }
}

/// One rule as a check sees it.
pub struct RuleSite<'a> {
    pub source: &'a SourceFile,
    pub file: &'a RuleFile,
    pub group: &'a Group,
    pub rule: &'a Rule,
    /// The parsed expression, when it parsed.
    pub expr: Option<&'a Expr>,
    pub options: &'a CheckOptions,
    expr_map: OnceCell<Option<EmbeddedText>>,
    /// The schema and recording-rule outputs of the run (schema checks).
    pub knowledge: Option<&'a crate::schema::knowledge::Knowledge>,
    inference: OnceCell<Option<crate::schema::labels::Inference>>,
}

impl<'a> RuleSite<'a> {
    pub fn new(
        source: &'a SourceFile,
        file: &'a RuleFile,
        group: &'a Group,
        rule: &'a Rule,
        expr: Option<&'a Expr>,
        options: &'a CheckOptions,
    ) -> Self {
        RuleSite {
            source,
            file,
            group,
            rule,
            expr,
            options,
            expr_map: OnceCell::new(),
            knowledge: None,
            inference: OnceCell::new(),
        }
    }

    /// Gives the schema checks what the run knows about metrics.
    pub fn with_knowledge(mut self, k: &'a crate::schema::knowledge::Knowledge) -> Self {
        self.knowledge = Some(k);
        self
    }

    /// The labels of every sub-expression, computed once and shared by the checks.
    pub fn inference(&self) -> Option<&crate::schema::labels::Inference> {
        self.inference
            .get_or_init(|| {
                let (expr, k) = (self.expr?, self.knowledge?);
                Some(crate::schema::labels::Inference::run(expr, k))
            })
            .as_ref()
    }

    pub fn file_id(&self) -> FileId {
        self.file.file
    }

    /// The file span of a span inside the expression.
    pub fn expr_span(&self, span: Span) -> FileSpan {
        let map = self.expr_map.get_or_init(|| self.rule.expr.as_ref().map(|e| self.file.embedded(self.source, e)));
        match map {
            Some(m) => m.map_span(span),
            None => self.file.to_file(self.rule.span),
        }
    }

    /// The file span of a scalar of this rule file.
    pub fn text_span(&self, t: &Text) -> FileSpan {
        self.file.to_file(t.span)
    }

    /// The file span of bytes `start..end` of a scalar's decoded value (a part of a name).
    pub fn text_part(&self, t: &Text, start: usize, end: usize) -> FileSpan {
        let part = Span::new(start as u32, end as u32);
        match &self.file.layer {
            None => EmbeddedText::map_yaml_scalar_part(&self.source.text, t.span, t.style, &t.value, part),
            Some(_) => self.file.embedded(self.source, t).map_span(part),
        }
    }

    /// The file span of any span of the rule file's text.
    pub fn span(&self, s: FileSpan) -> FileSpan {
        self.file.to_file(s)
    }

    /// "alert HighLatency" / "recording rule job:x:rate5m", for messages.
    pub fn describe(&self) -> String {
        match self.rule.kind {
            crate::rules::RuleKind::Alert => format!("alert `{}`", self.rule.name.value),
            crate::rules::RuleKind::Record => format!("recording rule `{}`", self.rule.name.value),
        }
    }
}

/// What the whole run knows that checks of one expression need: the series its recording rules
/// produce, and the library panels its files hold.
#[derive(Debug, Default)]
pub struct RunFacts {
    /// Every name a recording rule of the run records, with the file and span of its `record`.
    pub recorded: std::collections::HashMap<String, (FileId, FileSpan)>,
    /// Number of rule files in the run (dashboards are checked against the rules' outputs only
    /// when rule files are linted with them).
    pub rule_files: usize,
    /// Library panel uids whose model a file of the run holds.
    pub library_panels: std::collections::HashSet<String>,
}

/// Where an expression was written.
pub enum ExprOrigin<'a> {
    Rule(&'a RuleSite<'a>),
    Dashboard { dashboard: &'a crate::dashboard::Dashboard, query: &'a crate::dashboard::Query },
}

/// One parsed PromQL expression as the expression checks see it, wherever it was written: a
/// rule's `expr` or a dashboard query (expanded from its template variables). Checks that judge an
/// expression on its own implement [`Check::expr`] and so apply to both.
pub struct ExprSite<'a> {
    pub source: &'a SourceFile,
    pub expr: &'a Expr,
    /// The text `expr` was parsed from.
    pub text: &'a str,
    pub options: &'a CheckOptions,
    pub facts: &'a RunFacts,
    /// The schema and recording-rule outputs of the run (schema checks).
    pub knowledge: Option<&'a crate::schema::knowledge::Knowledge>,
    pub origin: ExprOrigin<'a>,
    inference: OnceCell<Option<crate::schema::labels::Inference>>,
}

impl<'a> ExprSite<'a> {
    pub fn new(
        source: &'a SourceFile,
        expr: &'a Expr,
        text: &'a str,
        options: &'a CheckOptions,
        facts: &'a RunFacts,
        knowledge: Option<&'a crate::schema::knowledge::Knowledge>,
        origin: ExprOrigin<'a>,
    ) -> Self {
        ExprSite { source, expr, text, options, facts, knowledge, origin, inference: OnceCell::new() }
    }

    pub fn file_id(&self) -> FileId {
        match &self.origin {
            ExprOrigin::Rule(r) => r.file_id(),
            ExprOrigin::Dashboard { dashboard, .. } => dashboard.file,
        }
    }

    /// The file span of a span of the expression.
    pub fn span(&self, s: Span) -> FileSpan {
        match &self.origin {
            ExprOrigin::Rule(r) => r.expr_span(s),
            ExprOrigin::Dashboard { query, .. } => query.map.map_span(s),
        }
    }

    /// Whether text at this span came from a dashboard variable: value checks skip it, so that no
    /// finding depends on the option the dashboard's author last selected.
    pub fn from_variable(&self, s: Span) -> bool {
        match &self.origin {
            ExprOrigin::Rule(_) => false,
            ExprOrigin::Dashboard { query, .. } => query.from_variable(s),
        }
    }

    /// Whether a variable stands for part of the query's structure (a label in `by ($x)`, an
    /// operator), not only for a matcher value, a range, a number or part of a metric name.
    /// Checks that infer labels through the whole expression skip such queries.
    pub fn shaped_by_variables(&self) -> bool {
        let ExprOrigin::Dashboard { query, .. } = &self.origin else { return false };
        crate::dashboard::shaped_by_variables(query, self.expr)
    }

    /// The labels of every sub-expression, computed once and shared by the checks.
    pub fn inference(&self) -> Option<&crate::schema::labels::Inference> {
        if let ExprOrigin::Rule(r) = &self.origin {
            return r.inference();
        }
        self.inference
            .get_or_init(|| {
                let knowledge = self.knowledge?;
                let query = self.dashboard().map(|(_, q)| q)?;
                Some(crate::schema::labels::Inference::run(self.expr, &VariableAware { knowledge, query }))
            })
            .as_ref()
    }

    /// The dashboard query, when the expression is one.
    pub fn dashboard(&self) -> Option<(&'a crate::dashboard::Dashboard, &'a crate::dashboard::Query)> {
        match self.origin {
            ExprOrigin::Dashboard { dashboard, query } => Some((dashboard, query)),
            ExprOrigin::Rule(_) => None,
        }
    }

    /// "alert `X`" / "panel `Latency` (query A)", for messages.
    pub fn describe(&self) -> String {
        match &self.origin {
            ExprOrigin::Rule(r) => r.describe(),
            ExprOrigin::Dashboard { dashboard, query } => dashboard.describe(query),
        }
    }
}

/// The run's knowledge, for a dashboard query: matchers whose value came from a variable say
/// nothing about which labels are present (`cluster=~"$cluster"` may be `.*`).
struct VariableAware<'a> {
    knowledge: &'a crate::schema::knowledge::Knowledge,
    query: &'a crate::dashboard::Query,
}

impl crate::schema::labels::Resolver for VariableAware<'_> {
    fn series(&self, name: &str) -> Option<crate::schema::labels::SeriesFacts> {
        self.knowledge.series(name)
    }
    fn value_unknown(&self, m: &crate::promql::Matcher) -> bool {
        self.query.from_variable(m.value_span)
    }
}

/// One dashboard as the dashboard checks see it.
pub struct DashboardSite<'a> {
    pub source: &'a SourceFile,
    pub dashboard: &'a crate::dashboard::Dashboard,
    /// Each of [`crate::dashboard::Dashboard::queries`] with its parsed form, when it parsed (the
    /// query is the variant that parsed: see [`crate::dashboard::Query::numeric`]).
    pub parsed: &'a [Option<(&'a Expr, &'a crate::dashboard::Query)>],
    pub options: &'a CheckOptions,
    pub facts: &'a RunFacts,
    pub knowledge: Option<&'a crate::schema::knowledge::Knowledge>,
}

/// All rule files loaded together (for checks across files).
pub struct ProjectSite<'a> {
    pub files: &'a [(&'a SourceFile, &'a RuleFile)],
}

/// Where a check reports to.
pub struct Ctx {
    meta: &'static CheckMeta,
    pub findings: Vec<Diagnostic>,
}

impl Ctx {
    pub fn new(meta: &'static CheckMeta) -> Ctx {
        Ctx { meta, findings: Vec::new() }
    }

    /// Reports a finding of the current check at a file span.
    pub fn report(&mut self, file: FileId, span: FileSpan, message: impl Into<String>) -> &mut Diagnostic {
        self.findings.push(Diagnostic::new(self.meta, file, span, message));
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }
}

/// A check. Hooks default to doing nothing; a check implements those it needs.
pub trait Check: Sync {
    fn meta(&self) -> &'static CheckMeta;
    /// Called for every rule whose shape loaded (its expression may not have parsed).
    fn rule(&self, _cx: &mut Ctx, _site: &RuleSite<'_>) {}
    /// Called for every expression that parsed: each well-formed rule's and each dashboard query.
    fn expr(&self, _cx: &mut Ctx, _site: &ExprSite<'_>) {}
    /// Called once for every dashboard (and library panel file).
    fn dashboard(&self, _cx: &mut Ctx, _site: &DashboardSite<'_>) {}
    /// Called once with every rule file of the run.
    fn project(&self, _cx: &mut Ctx, _site: &ProjectSite<'_>) {}
}

/// Every check, in code order. Add new checks here.
pub static ALL: &[&dyn Check] = &[
    &invalid_unknown_field::UnknownField,
    &invalid_rule_kind::RuleKindConflict,
    &invalid_missing_expr::MissingExpr,
    &invalid_recording_field::RecordingRuleField,
    &invalid_name::InvalidName,
    &invalid_group_name::GroupName,
    &invalid_duration::InvalidDuration,
    &invalid_template::InvalidTemplate,
    &promql_syntax::PromqlSyntax,
    &promql_rate_window::RateWindowTooShort,
    &alert_always_fires::AlertAlwaysFires,
    &rule_record_name::RecordNameFormat,
    &rule_record_name_parts::RecordNameMismatch,
    &rule_duplicate::DuplicateRule,
    &rule_for_interval::ForShorterThanInterval,
    &schema_conflict::SchemaConflict,
    &schema_unknown_metric::UnknownMetric,
    &schema_undefined_recorded::UndefinedRecorded,
    &schema_record_cycle::RecordingCycle,
    &schema_unknown_label::UnknownLabel,
    &schema_label_value::ImpossibleLabelValue,
    &schema_histogram_misuse::HistogramMisuse,
    &schema_rate_on_gauge::RateOnGauge,
    &schema_counter_compared::CounterCompared,
    &schema_never_matching::NeverMatching,
    &schema_template_label::TemplateLabelMissing,
    &schema_record_level::RecordLevelSchema,
    &dashboard_rate_window::HardcodedRateWindow,
    &dashboard_rate_interval_misused::RateIntervalMisused,
    &dashboard_counter_raw::CounterWithoutRate,
    &dashboard_panel_no_query::PanelWithoutQuery,
    &dashboard_unrecorded::UnrecordedSeries,
    &dashboard_undefined_variable::UndefinedVariable,
    &dashboard_library_panel::LibraryPanelNotChecked,
    &dashboard_duplicate_key::DuplicateJsonKey,
    &dashboard_style::PanelWithoutUnit,
    &dashboard_style::PanelWithoutDescription,
    &dashboard_style::SelectorWithoutJob,
    &suppress_unused::UnusedSuppression,
];

/// Looks a check up by code or name (case-insensitive code).
pub fn find(code_or_name: &str) -> Option<&'static CheckMeta> {
    ALL.iter().map(|c| c.meta()).find(|m| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
}

/// The exporter schema each example of [`examples`] is linted against: the nearest
/// ```` ```yaml,schema ```` block before it, if any.
pub fn example_schemas(meta: &CheckMeta) -> Vec<Option<String>> {
    let docs = meta.docs_text();
    let mut out = Vec::new();
    let mut schema: Option<String> = None;
    let mut current: Option<(Option<bool>, String)> = None;
    for line in docs.lines() {
        match &mut current {
            None => {
                if let Some(kind) = line.trim().strip_prefix("```") {
                    match kind.split(',').nth(1) {
                        Some("bad") => current = Some((Some(true), String::new())),
                        Some("good") => current = Some((Some(false), String::new())),
                        Some("schema") => current = Some((None, String::new())),
                        _ => {}
                    }
                }
            }
            Some((kind, text)) => {
                if line.trim() == "```" {
                    match kind {
                        None => schema = Some(std::mem::take(text)),
                        Some(_) => out.push(schema.clone()),
                    }
                    current = None;
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    out
}

/// The fenced examples of a check's docs: (is_bad, text).
pub fn examples(meta: &CheckMeta) -> Vec<(bool, String)> {
    let docs = meta.docs_text();
    let mut out = Vec::new();
    let mut current: Option<(bool, String)> = None;
    for line in docs.lines() {
        match &mut current {
            None => {
                let t = line.trim();
                if let Some(kind) = t.strip_prefix("```") {
                    match kind.split(',').nth(1) {
                        Some("bad") => current = Some((true, String::new())),
                        Some("good") => current = Some((false, String::new())),
                        _ => {}
                    }
                }
            }
            Some((bad, text)) => {
                if line.trim() == "```" {
                    out.push((*bad, std::mem::take(text)));
                    current = None;
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod testing {
    //! Runs the whole pipeline on an in-memory rule file, keeping one check's findings.
    use crate::diagnostic::Diagnostic;
    use crate::lint::{LintInput, lint};
    use crate::settings::Settings;
    use crate::source::SourceFile;

    /// Lints `text` as `test.yaml` (`test.json` when it is a JSON object), with `code` enabled
    /// even when it is off by default.
    pub fn findings(code: &str, yaml: &str) -> Vec<Diagnostic> {
        let out = lint(vec![LintInput { source: source(yaml), config: 0 }], &[enabling(code)]);
        assert!(out.errors.is_empty(), "input errors: {:?}", out.errors);
        out.diagnostics.into_iter().filter(|d| d.code() == code).collect()
    }

    fn source(text: &str) -> SourceFile {
        let name = if text.trim_start().starts_with('{') { "test.json" } else { "test.yaml" };
        SourceFile::new(name, text)
    }

    fn enabling(code: &str) -> Settings {
        let mut s = Settings::default();
        if let Some(m) = crate::checks::find(code) {
            s.enabled.insert(m.code);
        }
        s
    }

    /// [`findings`] with an exporter schema given as YAML text (`schema.yaml`).
    pub fn findings_with_schema(code: &str, yaml: &str, schema: Option<&str>) -> Vec<Diagnostic> {
        let Some(schema) = schema else { return findings(code, yaml) };
        let file = crate::schema::SchemaFile::from_yaml("schema.yaml", schema).unwrap();
        let schema = crate::schema::Schema::merge(vec![file]);
        let out = crate::lint::lint_with_schemas(
            vec![LintInput { source: source(yaml), config: 0 }],
            &[enabling(code)],
            vec![schema],
        );
        assert!(out.errors.is_empty(), "input errors: {:?}", out.errors);
        out.diagnostics.into_iter().filter(|d| d.code() == code).collect()
    }

    /// A dashboard with one time series panel whose only target is `expr` (JSON-escaped already).
    pub fn one_query_dashboard(expr: &str) -> String {
        format!(r#"{{"title": "D", "panels": [{{"type": "timeseries", "targets": [{{"expr": "{expr}"}}]}}]}}"#)
    }

    /// Asserts that each `pass` rule file yields no finding of `code` and each `fail` at least one.
    pub fn assert_cases(code: &str, pass: &[&str], fail: &[&str]) {
        for p in pass {
            let f = findings(code, p);
            assert!(f.is_empty(), "{code} fired on a passing case:\n{p}\n{f:#?}");
        }
        for p in fail {
            assert!(!findings(code, p).is_empty(), "{code} did not fire on:\n{p}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for c in ALL {
            let m = c.meta();
            assert!(codes.insert(m.code), "duplicate code {}", m.code);
            assert!(names.insert(m.name), "duplicate name {}", m.name);
            let (area, num) = m.code.split_at(3);
            assert!(area.chars().all(|c| c.is_ascii_uppercase()), "{}", m.code);
            assert!(num.len() == 3 && num.chars().all(|c| c.is_ascii_digit()), "{}", m.code);
            assert!(m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()), "{}", m.name);
            assert_eq!(m.code.starts_with("INV") || m.code == "PQL001", m.category == Category::Invalid, "{}", m.code);
            assert_eq!(find(m.code), Some(m));
            assert_eq!(find(m.name), Some(m));
        }
    }

    #[test]
    fn docs_have_the_required_headings_and_examples() {
        for c in ALL {
            let m = c.meta();
            let docs = m.docs_text();
            for h in ["## What it does", "## Why is this bad?", "## Example", "## Use instead"] {
                assert!(docs.contains(h), "{} lacks `{h}`", m.code);
            }
            let ex = examples(m);
            assert!(ex.iter().any(|e| e.0), "{} has no bad example", m.code);
            assert!(ex.iter().any(|e| !e.0), "{} has no good example", m.code);
        }
    }

    #[test]
    fn every_bad_example_triggers_and_every_good_one_does_not() {
        for c in ALL {
            let m = c.meta();
            let schemas = example_schemas(m);
            for (i, (bad, text)) in examples(m).into_iter().enumerate() {
                let schema = schemas.get(i).cloned().flatten();
                let found = testing::findings_with_schema(m.code, &text, schema.as_deref());
                if bad {
                    assert!(!found.is_empty(), "{}: bad example raised nothing:\n{text}", m.code);
                } else {
                    assert!(found.is_empty(), "{}: good example raised {found:#?}:\n{text}", m.code);
                }
            }
        }
    }
}
