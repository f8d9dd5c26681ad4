//! Linting one dashboard: parse its queries, run the expression checks on each and the dashboard
//! checks on the whole, and count what was found (the lint driver's dashboard step).
//!
//! Findings of expression checks that point at text which came from a variable are dropped here,
//! for every check at once (except the dashboard checks, `DSH*`, which are about variables): such text is a stand-in, and a finding must never depend on the option
//! the dashboard's author last selected (conventions.md). Parse errors are the exception: a
//! variable that breaks the query is worth pointing at.

use super::{Dashboard, Query, Role, Stats};
use crate::checks::{self, Check, Ctx, DashboardSite, ExprOrigin, ExprSite, RunFacts};
use crate::diagnostic::Diagnostic;
use crate::promql::{Expr, ParseOptions, parse};
use crate::settings::Settings;
use crate::source::{FileSpan, SourceFile};

/// What the dashboard step needs from the run.
pub struct Context<'a> {
    pub source: &'a SourceFile,
    pub settings: &'a Settings,
    /// The checks enabled for this dashboard's configuration.
    pub checks: &'a [&'a dyn Check],
    pub facts: &'a RunFacts,
    pub knowledge: Option<&'a crate::schema::knowledge::Knowledge>,
}

/// Parses a query, falling back to its numeric variant (`topk($k, ...)`) when that one parses.
fn parse_query(q: &Query, opts: ParseOptions) -> Result<(Expr, &Query), crate::promql::ParseError> {
    match parse(&q.text, opts) {
        Ok(e) => Ok((e, q)),
        Err(err) => match q.numeric.as_deref().map(|n| (parse(&n.text, opts), n)) {
            Some((Ok(e), n)) => Ok((e, n)),
            _ => Err(err),
        },
    }
}

/// The file spans of the variable references in a query.
fn reference_spans(q: &Query) -> Vec<FileSpan> {
    q.uses.iter().map(|u| q.map.map_span(u.replaced)).collect()
}

fn overlaps(a: FileSpan, b: FileSpan) -> bool {
    if a.is_empty() { b.start <= a.start && a.start < b.end } else { a.start < b.end && b.start < a.end }
}

pub fn lint(d: &Dashboard, cx: &Context<'_>) -> (Vec<Diagnostic>, Stats) {
    let opts = cx.settings.parse_options();
    let mut found = Vec::new();
    let mut stats = Stats {
        file: d.file,
        name: d.name.clone(),
        kind: d.kind,
        panels: d.panels.len(),
        targets: 0,
        targets_parsed: 0,
        variable_queries: 0,
        variable_queries_parsed: 0,
        unparsable: Vec::new(),
        not_checked: Vec::new(),
        skipped: d.skipped.clone(),
        library_panels_unchecked: d.library_refs.iter().filter(|r| !cx.facts.library_panels.contains(&r.uid)).count(),
        empty_targets: d.empty_targets,
    };
    let results: Vec<_> = d.queries.iter().map(|q| parse_query(q, opts)).collect();
    for (q, r) in d.queries.iter().zip(&results) {
        let variable = matches!(q.role, Role::Variable { .. });
        if variable {
            stats.variable_queries += 1;
        } else {
            stats.targets += 1;
        }
        match r {
            Ok((expr, used)) => {
                if variable {
                    stats.variable_queries_parsed += 1;
                } else {
                    stats.targets_parsed += 1;
                }
                stats.not_checked.extend(super::not_checked(used, expr));
                let origin = ExprOrigin::Dashboard { dashboard: d, query: used };
                let site =
                    ExprSite::new(cx.source, expr, &used.text, &cx.settings.options, cx.facts, cx.knowledge, origin);
                let refs = reference_spans(used);
                for c in cx.checks {
                    let mut ctx = Ctx::new(c.meta());
                    c.expr(&mut ctx, &site);
                    // dashboard checks know about variables; the others judge values
                    let knows_variables = c.meta().code.starts_with("DSH");
                    found.extend(
                        ctx.findings
                            .into_iter()
                            .filter(|f| knows_variables || !refs.iter().any(|r| overlaps(f.primary.span, *r))),
                    );
                }
            }
            Err(err) => {
                let diag = checks::promql_syntax::dashboard_diagnostic(d.file, q, err);
                stats.unparsable.push((diag.primary.span, err.message.clone()));
                found.push(diag);
            }
        }
    }
    let parsed: Vec<Option<(&Expr, &Query)>> = results.iter().map(|r| r.as_ref().ok().map(|(e, q)| (e, *q))).collect();
    let site = DashboardSite {
        source: cx.source,
        dashboard: d,
        parsed: &parsed,
        options: &cx.settings.options,
        facts: cx.facts,
        knowledge: cx.knowledge,
    };
    for c in cx.checks {
        let mut ctx = Ctx::new(c.meta());
        c.dashboard(&mut ctx, &site);
        found.extend(ctx.findings);
    }
    (found, stats)
}
