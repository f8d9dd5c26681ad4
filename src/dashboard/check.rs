//! Linting one dashboard: parse its queries, run the expression checks on each and the dashboard
//! checks on the whole, and count what was found (the lint driver's dashboard step).

use super::{Dashboard, Query, Role, Stats};
use crate::checks::{self, Check, Ctx, DashboardSite, ExprOrigin, ExprSite, RunFacts};
use crate::diagnostic::Diagnostic;
use crate::promql::{Expr, ParseOptions, parse};
use crate::settings::Settings;
use crate::source::SourceFile;

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

pub fn lint(
    d: &Dashboard,
    source: &SourceFile,
    settings: &Settings,
    active: &[&dyn Check],
    facts: &RunFacts,
) -> (Vec<Diagnostic>, Stats) {
    let opts = settings.parse_options();
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
        skipped: d.skipped.clone(),
        library_panels_unchecked: d.library_refs.iter().filter(|r| !facts.library_panels.contains(&r.uid)).count(),
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
                let site = ExprSite {
                    source,
                    expr,
                    text: &used.text,
                    options: &settings.options,
                    facts,
                    origin: ExprOrigin::Dashboard { dashboard: d, query: used },
                };
                for c in active {
                    let mut cx = Ctx::new(c.meta());
                    c.expr(&mut cx, &site);
                    found.extend(cx.findings);
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
    let site = DashboardSite { source, dashboard: d, parsed: &parsed, options: &settings.options, facts };
    for c in active {
        let mut cx = Ctx::new(c.meta());
        c.dashboard(&mut cx, &site);
        found.extend(cx.findings);
    }
    (found, stats)
}
