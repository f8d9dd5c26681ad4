//! Grafana dashboards as mlmon-lint sees them: the PromQL queries in them, each with its exact
//! place in the file, and what the dashboard-level checks need (panels, library panel
//! references, duplicate keys).
//!
//! A [`Dashboard`] is found by `crate::extract::dashboard` in any of the shapes people commit (see
//! there). Its [`Query`]s are already expanded ([`variables`]) and carry one position map from the
//! expanded text to the file, through the variable substitution, the JSON string's escapes and, for
//! a dashboard inside a ConfigMap, the YAML string it is embedded in. The lint driver parses them
//! and runs the expression checks on them exactly as on rule expressions.

pub mod check;
pub mod datasource;
pub mod query;
pub mod variables;

use std::collections::BTreeMap;

use crate::diagnostic::FileId;
use crate::promql::Span;
use crate::source::FileSpan;
use crate::source::embedded::EmbeddedText;
use variables::{Context, Replacement, Use};

/// What kind of container the queries were found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DashboardKind {
    Dashboard,
    /// A library panel's own file (its `model`); the variables it uses belong to the dashboards
    /// that include it.
    LibraryPanel,
}

/// One dashboard (or library panel) found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub file: FileId,
    pub kind: DashboardKind,
    /// How it was found and its title, for messages: "dashboard `Nodes`",
    /// "ConfigMap `grafana-dashboards` key `nodes.json`: dashboard `Nodes`".
    pub name: String,
    pub panels: Vec<Panel>,
    pub queries: Vec<Query>,
    /// Library panels used without an inline model.
    pub library_refs: Vec<LibraryRef>,
    /// Library panel uids whose model this file holds (`__elements`, or a library panel file).
    pub library_defs: Vec<String>,
    /// JSON keys written twice in the dashboard's object tree.
    pub duplicates: Vec<DuplicateKey>,
    /// Queries not linted because their datasource is not Prometheus, by datasource.
    pub skipped: BTreeMap<String, usize>,
    /// Targets of Prometheus panels with an empty `expr`.
    pub empty_targets: usize,
}

/// A panel, for the panel-level checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub title: String,
    /// The panel's `type` (`timeseries`, `graph`, `stat`, ...); empty when absent.
    pub kind: String,
    /// Where to point a finding about the panel: its title, else its type, else its start.
    pub span: FileSpan,
    /// One of its targets goes to Prometheus, or (without targets) its datasource is Prometheus.
    pub prometheus: bool,
    /// Targets with a non-empty PromQL `expr`.
    pub queries: usize,
    /// Targets of any kind (a `-- Dashboard --` reference, a Loki query, ...).
    pub targets: usize,
    /// A library panel reference (its queries live elsewhere).
    pub library: bool,
    /// The display unit (see `extract::dashboard`); `Some("")` when value mappings replace it.
    pub unit: Option<String>,
    /// Whether the panel has a non-empty `description`.
    pub description: bool,
}

/// Panel types that show query results (others: text, rows, news, dashboard lists, ...).
pub const DATA_PANELS: &[&str] = &[
    "timeseries",
    "graph",
    "stat",
    "singlestat",
    "gauge",
    "bargauge",
    "table",
    "table-old",
    "piechart",
    "heatmap",
    "histogram",
    "state-timeline",
    "status-history",
    "barchart",
    "trend",
    "xychart",
    "candlestick",
];

/// Where a query was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// `panels[i].targets[j].expr`; `panel` indexes [`Dashboard::panels`].
    Panel { panel: usize, ref_id: String },
    /// A Prometheus annotation query.
    Annotation { name: String },
    /// The PromQL inside a query variable's `label_values(...)`, `query_result(...)`, ...
    Variable { name: String, function: query::VarFunction },
}

/// One PromQL query, expanded and ready to parse.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub role: Role,
    /// The expanded PromQL (what is parsed).
    pub text: String,
    /// `text` → file.
    pub map: EmbeddedText,
    /// The variable references, with `replaced` relative to `text`.
    pub uses: Vec<Use>,
    /// The same query with bare variables that had no value expanded to `1`, tried when `text`
    /// does not parse (`topk($k, ...)`).
    pub numeric: Option<Box<Query>>,
    /// The whole JSON string the query was written in.
    pub span: FileSpan,
    /// `hide: true` on the target.
    pub hidden: bool,
}

impl Query {
    /// Whether any byte of `span` (of [`Query::text`]) came from a variable.
    pub fn from_variable(&self, span: Span) -> bool {
        variables::touches_variable(&self.uses, span)
    }

    /// The references that were replaced with a stand-in value (`<name>_value` or `1`) rather than
    /// a value of the right kind: a parse error touching one may be the stand-in's fault.
    pub fn stand_ins(&self) -> impl Iterator<Item = &Use> {
        self.uses.iter().filter(|u| {
            matches!(u.replacement, Replacement::Sample | Replacement::Number) && u.context == Context::Bare
        })
    }
}

/// The bare variables that stand for part of a query's structure (a label in `by ($x)`, an
/// operator) rather than for part of a metric name or a number: see
/// [`crate::checks::ExprSite::shaped_by_variables`].
pub fn structural_uses<'q>(q: &'q Query, expr: &crate::promql::Expr) -> Vec<&'q Use> {
    // a number (`topk($k, ...)`, `> $threshold`) changes no label set
    let number = |u: &Use| q.text.get(u.replaced.range()).is_some_and(|t| t.parse::<f64>().is_ok());
    let bare: Vec<&Use> = q
        .uses
        .iter()
        .filter(|u| u.context == Context::Bare && !matches!(u.replacement, Replacement::Global | Replacement::Duration))
        .filter(|u| !number(u))
        .collect();
    if bare.is_empty() {
        return bare;
    }
    let mut names = Vec::new();
    expr.walk(&mut |e| {
        let sel = match e {
            crate::promql::Expr::VectorSelector(s) => s,
            crate::promql::Expr::MatrixSelector(m) => &m.selector,
            _ => return,
        };
        names.extend(sel.name_span);
    });
    bare.into_iter().filter(|u| !names.iter().any(|n| n.start <= u.replaced.start && u.replaced.end <= n.end)).collect()
}

pub fn shaped_by_variables(q: &Query, expr: &crate::promql::Expr) -> bool {
    !structural_uses(q, expr).is_empty()
}

/// What a query's variables keep the checks from judging: metric names built from a variable
/// (`vault_${mount}_total`), and a structure that depends on one (`by ($grouping)`).
pub fn not_checked(q: &Query, expr: &crate::promql::Expr) -> Vec<(FileSpan, String)> {
    let mut out = Vec::new();
    expr.walk(&mut |e| {
        let sel = match e {
            crate::promql::Expr::VectorSelector(s) => s,
            crate::promql::Expr::MatrixSelector(m) => &m.selector,
            _ => return,
        };
        let Some(span) = sel.name_span else { return };
        if let Some(u) = q.uses.iter().find(|u| span.start <= u.replaced.start && u.replaced.end <= span.end) {
            out.push((
                q.map.map_span(span),
                format!("metric name built from `${}`: not checked against the schema or the recording rules", u.name),
            ));
        }
    });
    let structural = structural_uses(q, expr);
    if let Some(first) = structural.first() {
        let mut names: Vec<String> = structural.iter().map(|u| format!("`${}`", u.name)).collect();
        names.dedup();
        let verb = if names.len() == 1 { "shapes" } else { "shape" };
        out.push((
            q.map.map_span(first.replaced),
            format!("{} {verb} the query: label checks skipped", names.join(", ")),
        ));
    }
    out
}

/// `libraryPanel: {uid, name}` on a panel without an inline model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryRef {
    pub uid: String,
    pub name: String,
    /// The `libraryPanel` key.
    pub span: FileSpan,
}

/// A JSON key written twice; Grafana uses the later value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    pub key: String,
    pub shadowed: FileSpan,
    pub used: FileSpan,
}

impl Dashboard {
    /// "panel `Request rate` (query A)", "annotation `Deploys`", "variable `job`".
    pub fn describe(&self, q: &Query) -> String {
        match &q.role {
            Role::Panel { panel, ref_id } => {
                let title = self.panels.get(*panel).map_or("", |p| p.title.as_str());
                let t = if title.is_empty() { "panel".to_string() } else { format!("panel `{title}`") };
                if ref_id.is_empty() { t } else { format!("{t} (query {ref_id})") }
            }
            Role::Annotation { name } => format!("annotation `{name}`"),
            Role::Variable { name, .. } => format!("variable `{name}`"),
        }
    }
}

/// What was found and parsed in one dashboard (`--stats`, JSON `dashboards`).
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub file: FileId,
    pub name: String,
    pub kind: DashboardKind,
    /// Panels (rows excluded).
    pub panels: usize,
    /// Prometheus queries of panels and annotations.
    pub targets: usize,
    pub targets_parsed: usize,
    /// PromQL inside query variables (`label_values(SELECTOR, ...)`, `query_result(...)`).
    pub variable_queries: usize,
    pub variable_queries_parsed: usize,
    /// Queries that did not parse: where, and why.
    pub unparsable: Vec<(FileSpan, String)>,
    /// Parts of parsed queries that a variable makes unknowable: where, and what was not checked.
    pub not_checked: Vec<(FileSpan, String)>,
    /// Queries on other datasources, not parsed as PromQL.
    pub skipped: BTreeMap<String, usize>,
    /// Library panels whose model is neither in the dashboard nor in a file of the run.
    pub library_panels_unchecked: usize,
    /// Targets of Prometheus panels with an empty `expr`.
    pub empty_targets: usize,
}
