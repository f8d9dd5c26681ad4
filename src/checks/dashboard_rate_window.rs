//! DSH001: a hard-coded window (or `$__interval`) in a dashboard's `rate`/`irate`.

use super::{Check, CheckMeta, Ctx, ExprSite, declare_check};
use crate::dashboard::Role;
use crate::promql::{Expr, Span};

declare_check! {
    /// ## What it does
    /// In a dashboard query, flags `rate(...)` and `irate(...)` whose window is written as a fixed
    /// duration (`[5m]`) or as `$__interval`, instead of `$__rate_interval`. Windows from other
    /// variables (`[$interval]`, `[$__range]`) are the author's choice and are left alone, and so
    /// are `increase(x[1h])` and the `*_over_time` functions, whose fixed windows are usually
    /// deliberate (a count per hour, a daily maximum).
    ///
    /// ## Why is this bad?
    /// A panel's step grows as the time range widens: at 7 days a graph has one point every ~10
    /// minutes, and `rate(x[5m])` then looks at only half of each step, so spikes between the
    /// windows vanish and the graph changes with the zoom level. `$__interval` can be shorter
    /// than the scrape interval's four samples `rate` needs, leaving gaps. Grafana's
    /// `$__rate_interval` is at least four scrape intervals and follows the step.
    ///
    /// ## Example
    /// ```json,bad
    /// {"title": "ML service", "panels": [{"type": "timeseries", "title": "Request rate",
    ///   "datasource": {"type": "prometheus", "uid": "prom"},
    ///   "targets": [{"refId": "A", "expr": "sum(rate(http_requests_total[5m])) by (status)"}]}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,good
    /// {"title": "ML service", "panels": [{"type": "timeseries", "title": "Request rate",
    ///   "datasource": {"type": "prometheus", "uid": "prom"},
    ///   "targets": [{"refId": "A", "expr": "sum(rate(http_requests_total[$__rate_interval])) by (status)"}]}]}
    /// ```
    pub HardcodedRateWindow {
        code: "DSH001",
        name: "hardcoded-rate-window",
        category: Correctness,
        severity: Warning,
        summary: "a dashboard's rate/irate window is fixed (or $__interval) instead of $__rate_interval",
        sources: ["dashboard-linter target-rate-interval-rule"],
    }
}

impl Check for HardcodedRateWindow {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn expr(&self, cx: &mut Ctx, site: &ExprSite<'_>) {
        let Some((_, q)) = site.dashboard() else { return };
        if matches!(q.role, Role::Variable { .. }) {
            return;
        }
        site.expr.walk(&mut |e| {
            let Expr::Call(c) = e else { return };
            if !matches!(c.func.name, "rate" | "irate") {
                return;
            }
            let Some(Expr::MatrixSelector(m)) = c.args.first().map(Expr::unparen) else { return };
            let r = m.range_span;
            let inner = Span::new(r.start + 1, r.end.saturating_sub(1));
            let used: Vec<&str> = q
                .uses
                .iter()
                .filter(|u| inner.start <= u.replaced.start && u.replaced.end <= inner.end)
                .map(|u| u.name.as_str())
                .collect();
            let text = site.text.get(r.range()).unwrap_or("");
            let message = match used.as_slice() {
                [] => format!("`{}` window `{text}` is hard-coded in a dashboard query", c.func.name),
                ["__interval"] => format!(
                    "`{}` over `$__interval` can be shorter than the four scrape intervals it needs",
                    c.func.name
                ),
                _ => return,
            };
            cx.report(site.file_id(), site.span(r), message)
                .help("write `[$__rate_interval]`: Grafana keeps it at least four scrape intervals and widens it with the graph's step")
                .secondary(site.file_id(), site.span(c.name_span), "in this call");
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::findings;

    fn dash(expr: &str) -> String {
        format!(
            r#"{{"title": "D", "templating": {{"list": [{{"name": "interval", "type": "interval", "query": "1m,5m"}}]}}, "panels": [{{"type": "timeseries", "targets": [{{"expr": "{expr}"}}]}}]}}"#
        )
    }

    #[test]
    fn cases() {
        for ok in [
            "rate(x_total[$__rate_interval])",
            "rate(x_total[${__rate_interval}])",
            "irate(x_total[$interval])",
            "increase(x_total[1h])",
            "max_over_time(x[5m])",
            "rate(x_total[$__range])",
            "rate(x_total[5m:1m])",
        ] {
            assert!(findings("DSH001", &dash(ok)).is_empty(), "{ok}");
        }
        for bad in ["rate(x_total[5m])", "sum(irate(x_total[1m]))", "rate(x_total[$__interval])"] {
            assert_eq!(findings("DSH001", &dash(bad)).len(), 1, "{bad}");
        }
    }

    #[test]
    fn points_at_the_window_and_skips_rules() {
        let d = dash("sum(rate(x_total[5m]))");
        let f = findings("DSH001", &d);
        let s = f[0].primary.span;
        assert_eq!(&d[s.start as usize..s.end as usize], "[5m]");
        let y = "groups:\n- name: g\n  rules:\n  - record: a:b:rate5m\n    expr: sum(rate(x_total[5m]))\n";
        assert!(findings("DSH001", y).is_empty());
    }
}
