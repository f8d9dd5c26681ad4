//! PQL002: `rate`/`irate`/`increase`/`delta` over a window shorter than 4 scrape intervals.

use super::{Check, CheckMeta, Ctx, RuleSite, declare_check};
use crate::promql::Expr;
use crate::rules::duration;

const FUNCTIONS: &[&str] = &["rate", "irate", "increase", "delta"];

/// How many scrape intervals a window should span at least.
const MIN_SAMPLES: i64 = 4;

declare_check! {
    /// ## What it does
    /// Flags `rate`, `irate`, `increase` and `delta` whose range (`[1m]`) is shorter than four scrape
    /// intervals. The scrape interval comes from `scrape_interval` in `.mlmon-lint.yaml` (default 1m).
    ///
    /// ## Why is this bad?
    /// These functions need at least two samples in the window. With a window of one or two scrape
    /// intervals a single missed or late scrape leaves fewer than two, and the series disappears from
    /// the result: graphs get gaps, recording rules lose points, and alerts reset their `for` timer.
    /// Four intervals tolerates a missed scrape with room to spare (Prometheus's own advice is "at
    /// least four times the scrape interval").
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: inference
    ///     rules:
    ///       - record: job:inference_requests:rate1m
    ///         expr: sum by (job) (rate(inference_requests_total[1m]))
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: inference
    ///     rules:
    ///       - record: job:inference_requests:rate5m
    ///         expr: sum by (job) (rate(inference_requests_total[5m]))
    /// ```
    pub RateWindowTooShort {
        code: "PQL002",
        name: "rate-window-too-short",
        category: Correctness,
        severity: Warning,
        summary: "a rate/irate/increase/delta window shorter than 4 scrape intervals",
        sources: ["pint promql/rate"],
    }
}

impl Check for RateWindowTooShort {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn rule(&self, cx: &mut Ctx, site: &RuleSite<'_>) {
        let Some(expr) = site.expr else { return };
        let scrape = site.options.scrape_interval_ms;
        let min = scrape * MIN_SAMPLES;
        expr.walk(&mut |e| {
            let Expr::Call(c) = e else { return };
            if !FUNCTIONS.contains(&c.func.name) {
                return;
            }
            let Some(Expr::MatrixSelector(m)) = c.args.first().map(Expr::unparen) else { return };
            if m.range >= min {
                return;
            }
            cx.report(
                site.file_id(),
                site.expr_span(m.range_span),
                format!(
                    "`{}` over [{}] spans fewer than {MIN_SAMPLES} scrape intervals of {}",
                    c.func.name,
                    duration::format(m.range),
                    duration::format(scrape)
                ),
            )
            .help(format!("use a window of at least {} (4 × scrape_interval)", duration::format(min)))
            .secondary(site.file_id(), site.expr_span(c.name_span), "in this call");
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::{assert_cases, findings};

    fn rec(expr: &str) -> String {
        format!("groups:\n- name: g\n  rules:\n  - record: a:b:c\n    expr: {expr}\n")
    }

    #[test]
    fn cases() {
        let pass = [rec("rate(x[4m])"), rec("increase(x[1h])"), rec("deriv(x[1m])"), rec("rate(x[5m:30s])")];
        let fail = [rec("rate(x[1m])"), rec("irate(x[2m])"), rec("sum(increase(x[90s]))"), rec("delta(x[3m59s])")];
        assert_cases(
            "PQL002",
            &pass.iter().map(String::as_str).collect::<Vec<_>>(),
            &fail.iter().map(String::as_str).collect::<Vec<_>>(),
        );
    }

    #[test]
    fn points_at_the_range_and_uses_the_configured_interval() {
        let y = rec("rate(x[1m])");
        let f = findings("PQL002", &y);
        let s = f[0].primary.span;
        assert_eq!(&y[s.start as usize..s.end as usize], "[1m]");
        assert_eq!(f[0].message, "`rate` over [1m] spans fewer than 4 scrape intervals of 1m");
    }
}
