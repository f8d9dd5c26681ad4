//! Go `text/template` as Prometheus 3.5 uses it for alert labels and annotations.
//!
//! Prometheus expands every alert label and annotation with Go's `text/template`
//! (`template/template.go`), after prepending
//! `{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}`
//! ([`DEFS`]); at rule loading (`model/rulefmt`) it parses each template the same way and refuses
//! the file when one does not parse. This module reproduces both:
//!
//! * [`validate_template`] — rule loading: `Ok` or the parse error with Go's message
//!   (`template: __alert_<name>:<line>: <msg>`, the text promtool prints after
//!   `annotation "<key>": `) and the byte span of the offending token in the user's text (positions
//!   are mapped back past the prefix).
//! * [`expand_alert_template`] — alert evaluation: the expanded text, or, when expansion fails,
//!   Prometheus's `<error expanding template: ...>` text (a failed expansion does not fail the
//!   rule). [`try_expand_alert_template`] returns the error separately.
//!
//! The data is an [`AlertTemplateData`] (the alert's labels, the group's external labels and
//! URL, the sample value). `query` calls go to a [`TemplateHost`], which the test runner
//! implements with our PromQL engine at the rule's evaluation time; `pathPrefix`/`externalURL`
//! ask [`TemplateHost::external_url`], whose default (`None`) reproduces promtool, where both
//! functions fail with a nil-pointer error.
//!
//! For the `test` command, per alerting rule and per result sample (as `rules/alerting.go`):
//! build the data once (`labels` = the sample's labels, `__name__` included when the expression
//! kept it; `value` = [`SampleValue::Float`], or [`SampleValue::Histogram`] with Go's
//! `FloatHistogram.String()` text such as `{count:4, sum:5, (0.5,1]:1, (1,2]:2, (2,4]:1}`), then
//! call [`expand_alert_template`] with the rule's name for every label and annotation value.
//! `query` results keep the host's order (promtool's is storage order, effectively random for
//! several series). For `check`, call [`validate_template`] on every label and annotation of
//! alerting rules only; promtool reports `label "<key>": <message>` or
//! `annotation "<key>": <message>`. Functions added after 3.5 (`now`, `toDuration`,
//! `urlQueryEscape`) are "not defined" there, as in promtool 3.5.3. [`execute_template`] runs
//! template text without Prometheus's prefix, on any [`Value`].
//!
//! Verification: `tests/template_promtool.rs` replays ~700 expansions and ~225 parse results
//! recorded from promtool 3.5.3 (`tests/template_promtool/oracle.py` re-records them).
//!
//! ```
//! use mlmon_lint::template::{AlertTemplateData, NoQueries, SampleValue, expand_alert_template};
//! let mut data = AlertTemplateData::new(SampleValue::Float(1234567.5));
//! data.labels.insert("instance".into(), "i1".into());
//! let out = expand_alert_template("HighLoad", "{{ $labels.instance }}: {{ $value | humanize }}", &data, &mut NoQueries);
//! assert_eq!(out, "i1: 1.235M");
//! ```
//!
//! Why our own engine: no maintained Rust crate reproduces Go's `text/template` closely enough.
//! `gtmpl` (last release 2021) lacks `break`/`continue`, `else with`, Go's error texts and Go's
//! number formatting; `gotmpl` prints floats with Rust's `Display` (`1000000`, not `1e+06`), has
//! no typed data (a missing label would print `<no value>` where Prometheus prints nothing) and
//! reports errors in its own words. promtool compares expanded annotations byte for byte,
//! including the text of expansion errors, so the lexer, parser and executor here are ports of
//! Go's (`text/template/parse` lex.go/parse.go/node.go, `text/template` exec.go/funcs.go), with
//! Go's `fmt`, `strconv`, `regexp` and `time` in [`crate::go`].
//!
//! Module map: `lex`/`parse`/`ast` (syntax), `exec` (evaluation, argument checks, error
//! context), `value` (the Go values templates meet, with their Go type names), `builtins`
//! (Go's builtins), `prom` (Prometheus's functions), `text` (Go's case mapping, `cases.Title`,
//! host/port helpers).
//!
//! Known differences from Go, all outside what alert templates normally do: nesting deeper than
//! [`MAX_DEPTH`] (parentheses, control structures, template recursion) is an error (Go allows
//! 10000 parentheses and 100000 template calls); an execution that takes more than a million
//! steps or writes more than 16 MiB stops with an error (Go would run on); printing a `query`
//! result list shows placeholder pointers (Go prints memory addresses); `time.Time` has only its
//! common methods (`Unix`, `Format`, `Year`, `Month`, ...), a histogram value only `Count`, `Sum`
//! and `String`; `sortByLabel` returns a sorted copy (Go sorts in place, visible only through a variable
//! holding the same result); word breaks in `title` approximate Unicode's tables, which Rust's
//! standard library lacks.

mod ast;
mod builtins;
mod exec;
mod lex;
mod parse;
mod prom;
mod text;
mod value;

use std::collections::BTreeMap;
use std::ops::Range;

pub use crate::go::time::GoTime;
pub use exec::ExecError;
pub use parse::MAX_DEPTH;
pub use value::{AlertData, HistogramValue, Sample, Value};

/// The definitions Prometheus prepends to every alert template.
pub const DEFS: &str =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

/// A template that does not parse: Go's message and where, in the user's text, parsing stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    /// Go's message, e.g. `template: __alert_HighLoad:1: function "now" not defined`.
    pub message: String,
    /// Byte range in the template text (as written in the rule, without [`DEFS`]).
    pub span: Range<usize>,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TemplateError {}

/// A sample value: a float, or a native histogram (shown through its Go `String()`).
#[derive(Clone, Debug, PartialEq)]
pub enum SampleValue {
    Float(f64),
    Histogram(HistogramValue),
}

/// One element of a `query` result.
#[derive(Clone, Debug, PartialEq)]
pub struct QuerySample {
    pub labels: BTreeMap<String, String>,
    pub value: SampleValue,
}

/// What alert templates see (Prometheus's `template.AlertTemplateData`).
#[derive(Clone, Debug, PartialEq)]
pub struct AlertTemplateData {
    /// The alert sample's labels (including `__name__` when the expression kept it).
    pub labels: BTreeMap<String, String>,
    /// The rule group's external labels.
    pub external_labels: BTreeMap<String, String>,
    /// The configured external URL string (`$externalURL`).
    pub external_url: String,
    pub value: SampleValue,
}

impl AlertTemplateData {
    pub fn new(value: SampleValue) -> Self {
        AlertTemplateData {
            labels: BTreeMap::new(),
            external_labels: BTreeMap::new(),
            external_url: String::new(),
            value,
        }
    }
}

/// What templates need from their surroundings.
pub trait TemplateHost {
    /// Runs an instant query at the alert's evaluation time (`query "expr"`). `Err` is the
    /// error text Prometheus would report (e.g. `1:5: parse error: unclosed left parenthesis`).
    fn query(&mut self, expr: &str) -> Result<Vec<QuerySample>, String>;

    /// The parsed external URL behind `pathPrefix` and `externalURL`. `None` (the default)
    /// behaves like promtool, where these functions fail with a nil-pointer error.
    fn external_url(&self) -> Option<String> {
        None
    }
}

/// A host without a query engine: `query` fails.
pub struct NoQueries;

impl TemplateHost for NoQueries {
    fn query(&mut self, _expr: &str) -> Result<Vec<QuerySample>, String> {
        Err("queries are not available here".into())
    }
}

fn alert_name(name: &str) -> String {
    format!("__alert_{name}")
}

/// Parses `text` as Prometheus's rule loading does (with [`DEFS`], as template
/// `__alert_<alert_name>`). Recording rules' labels are not templates; do not call this for them.
pub fn validate_template(alert_name_: &str, text: &str) -> Result<(), TemplateError> {
    let full = format!("{DEFS}{text}");
    match parse::parse(&alert_name(alert_name_), &full, &prom::has_func) {
        Ok(_) => Ok(()),
        Err(e) => {
            let start = e.pos.saturating_sub(DEFS.len()).min(text.len());
            let end = e.end.saturating_sub(DEFS.len()).clamp(start, text.len());
            Err(TemplateError { message: e.message, span: start..end })
        }
    }
}

/// Expands `text` as Prometheus's `Expander.Expand` does for an alert: `Err` holds Go's
/// `error parsing template ...` / `error executing template ...` text.
pub fn try_expand_alert_template(
    alert_name_: &str,
    text: &str,
    data: &AlertTemplateData,
    host: &mut dyn TemplateHost,
) -> Result<String, String> {
    let name = alert_name(alert_name_);
    let full = format!("{DEFS}{text}");
    let trees = parse::parse(&name, &full, &prom::has_func)
        .map_err(|e| format!("error parsing template {name}: {}", e.message))?;
    let mut funcs = prom::PromFuncs { host };
    exec::execute(&trees, &full, &name, &name, &prom::alert_data(data), &mut funcs)
        .map_err(|e| format!("error executing template {name}: {}", e.message))
}

/// The label or annotation value Prometheus produces for an alert (`rules/alerting.go`):
/// the expansion, or `<error expanding template: ...>` when it fails.
pub fn expand_alert_template(
    alert_name_: &str,
    text: &str,
    data: &AlertTemplateData,
    host: &mut dyn TemplateHost,
) -> String {
    match try_expand_alert_template(alert_name_, text, data, host) {
        Ok(s) => s,
        Err(e) => format!("<error expanding template: {e}>"),
    }
}

/// Runs any template text (no [`DEFS`]) with Prometheus's functions on `data`, as Go's
/// `template.New(name).Funcs(...).Option("missingkey=zero").Parse(text).Execute(data)`.
/// `Err` is Go's parse or execution error text.
pub fn execute_template(name: &str, text: &str, data: &Value, host: &mut dyn TemplateHost) -> Result<String, String> {
    let trees = parse::parse(name, text, &prom::has_func).map_err(|e| e.message)?;
    let mut funcs = prom::PromFuncs { host };
    exec::execute(&trees, text, name, name, data, &mut funcs).map_err(|e| e.message)
}

#[cfg(test)]
mod tests;
