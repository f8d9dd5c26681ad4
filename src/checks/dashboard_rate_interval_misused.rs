//! DSH002: `$__rate_interval` somewhere other than the window of a range function.

use super::{Check, CheckMeta, Ctx, ExprSite, declare_check};
use crate::dashboard::variables::Context;
use crate::promql::{Expr, Span};

declare_check! {
    /// ## What it does
    /// Flags `$__rate_interval` in a dashboard query where it is not the window of a function that
    /// takes a range (`rate(x[$__rate_interval])`, `max_over_time(x[$__rate_interval])`): as a
    /// subquery's range or step, an `offset`, a number, or inside a string.
    ///
    /// ## Why is this bad?
    /// Grafana computes `$__rate_interval` as the window a `rate` needs at the current step (at
    /// least four scrape intervals). Elsewhere it has no such meaning: as a subquery step it
    /// evaluates far more often than the graph shows, as an offset it shifts the data by an amount
    /// that changes with the zoom level. `$__interval` is the step; a fixed duration is a fixed
    /// duration.
    ///
    /// ## Example
    /// ```json,bad
    /// {"title": "D", "panels": [{"type": "timeseries",
    ///   "targets": [{"expr": "max_over_time(rate(http_requests_total[5m])[1h:$__rate_interval])"}]}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,good
    /// {"title": "D", "panels": [{"type": "timeseries",
    ///   "targets": [{"expr": "max_over_time(rate(http_requests_total[$__rate_interval])[1h:$__interval])"}]}]}
    /// ```
    pub RateIntervalMisused {
        code: "DSH002",
        name: "misplaced-rate-interval",
        category: Suspicious,
        severity: Warning,
        summary: "$__rate_interval used outside a range function's window",
        sources: ["dashboard-linter target-rate-interval-rule"],
    }
}

impl Check for RateIntervalMisused {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn expr(&self, cx: &mut Ctx, site: &ExprSite<'_>) {
        let Some((_, q)) = site.dashboard() else { return };
        let uses: Vec<_> = q.uses.iter().filter(|u| u.name == "__rate_interval").collect();
        if uses.is_empty() {
            return;
        }
        // the windows of matrix selectors passed to functions
        let mut windows: Vec<Span> = Vec::new();
        site.expr.walk(&mut |e| {
            if let Expr::Call(c) = e {
                for a in &c.args {
                    if let Expr::MatrixSelector(m) = a.unparen() {
                        windows.push(Span::new(m.range_span.start + 1, m.range_span.end.saturating_sub(1)));
                    }
                }
            }
        });
        for u in uses {
            if windows.iter().any(|w| w.start <= u.replaced.start && u.replaced.end <= w.end) {
                continue;
            }
            let where_ = match u.context {
                Context::Str => "inside a string",
                Context::Range => "in a subquery's range or step",
                Context::Bare => "outside a range selector",
            };
            cx.report(site.file_id(), site.span(u.replaced), format!("`$__rate_interval` {where_}")).help(
                "use it only as the window of a range function; `$__interval` is the step, or write a fixed duration",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::{findings, one_query_dashboard as dash};

    #[test]
    fn cases() {
        for ok in [
            "rate(x[$__rate_interval])",
            "increase(x[$__rate_interval])",
            "max_over_time(x[$__rate_interval])",
            "max_over_time(rate(x[$__rate_interval])[1h:])",
        ] {
            assert!(findings("DSH002", &dash(ok)).is_empty(), "{ok}");
        }
        for bad in
            ["x offset $__rate_interval", "max_over_time(x[1h:$__rate_interval])", "rate(x[5m])[$__rate_interval:]"]
        {
            assert_eq!(findings("DSH002", &dash(bad)).len(), 1, "{bad}");
        }
    }

    #[test]
    fn points_at_the_variable() {
        let d = dash("x offset $__rate_interval");
        let f = findings("DSH002", &d);
        let s = f[0].primary.span;
        assert_eq!(&d[s.start as usize..s.end as usize], "$__rate_interval");
    }
}
