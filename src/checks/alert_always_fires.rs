//! RUL001: an alert whose expression never filters, so it fires whenever its series exist.

use super::{Check, CheckMeta, Ctx, RuleSite, declare_check};
use crate::promql::{BinaryOp, Expr, MatchOp, VectorSelector};
use crate::rules::RuleKind;

/// Whether a selector picks states rather than series: a negative matcher (`ready!="True"`), or
/// any matcher on an info-style metric (`*_info{phase="Failed"}`), whose series exist per state.
fn selects_state(v: &VectorSelector) -> bool {
    let negative = v.matchers.iter().any(|m| matches!(m.op, MatchOp::NotEqual | MatchOp::NotRe));
    let info = v.metric_name().is_some_and(|n| n.ends_with("_info")) && v.matchers.iter().any(|m| m.name != "__name__");
    negative || info
}

/// Whether anything in the expression can drop series: a comparison without `bool`, `and`/`unless`,
/// `absent`/`absent_over_time` (which return a series only when the input is missing), or a
/// selector that picks states.
fn filters(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |n| match n {
        Expr::VectorSelector(v) if selects_state(v) => found = true,
        Expr::MatrixSelector(m) if selects_state(&m.selector) => found = true,
        Expr::Binary(b)
            if (b.op.is_comparison() && !b.return_bool) || matches!(b.op, BinaryOp::And | BinaryOp::Unless) =>
        {
            found = true
        }
        Expr::Call(c) if matches!(c.func.name, "absent" | "absent_over_time") => found = true,
        _ => {}
    });
    found
}

declare_check! {
    /// ## What it does
    /// Flags an alert whose expression has no comparison (`>`, `==`, ...; not with `bool`), no
    /// `and`/`unless`, no `absent()` and no selector that picks a state (a negative matcher such as
    /// `{ready!="True"}`, or any matcher on an `*_info` metric): nothing in it can remove a series, so
    /// the alert fires for every series the expression returns, all the time.
    ///
    /// ## Why is this bad?
    /// An alerting rule fires for each series its expression returns. `rate(errors_total[5m])`
    /// returns a series for every target that exports the counter, including those with zero errors,
    /// so the alert is always firing. The threshold was forgotten, or ended up in the alert's name.
    /// A deliberate always-firing alert (a dead man's switch such as `vector(1)`) is the exception:
    /// suppress it with `# mlmon-lint disable=alert-always-fires`.
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: inference
    ///     rules:
    ///       - alert: HighInferenceErrorRate
    ///         expr: sum by (job) (rate(inference_errors_total[5m])) / sum by (job) (rate(inference_requests_total[5m]))
    ///         for: 10m
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: inference
    ///     rules:
    ///       - alert: HighInferenceErrorRate
    ///         expr: sum by (job) (rate(inference_errors_total[5m])) / sum by (job) (rate(inference_requests_total[5m])) > 0.05
    ///         for: 10m
    /// ```
    pub AlertAlwaysFires {
        code: "RUL001",
        name: "alert-always-fires",
        category: Correctness,
        severity: Warning,
        summary: "an alert expression with no comparison or filter fires all the time",
        sources: ["pint alerts/comparison"],
    }
}

impl Check for AlertAlwaysFires {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn rule(&self, cx: &mut Ctx, site: &RuleSite<'_>) {
        let (RuleKind::Alert, Some(expr)) = (site.rule.kind, site.expr) else { return };
        if filters(expr) {
            return;
        }
        let span = site.expr_span(expr.span());
        cx.report(
            site.file_id(),
            span,
            format!("{} has no comparison or filter, so it fires for every series", site.describe()),
        )
        .help("add a threshold (`> 0.05`) or a condition; if it is a dead man's switch, suppress this check on it");
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::{assert_cases, findings};

    fn alert(expr: &str) -> String {
        format!("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: '{expr}'\n")
    }

    #[test]
    fn cases() {
        let pass: Vec<String> = [
            "up == 0",
            "rate(x[5m]) > 1",
            "absent(up{job=\"a\"})",
            "absent_over_time(up[5m])",
            "up and on(job) (x > 1)",
            "sum(x > 5) by (job)",
            "x unless y",
            "kube_pod_status_phase{phase!=\"Running\"}",
            "strimzi_kafka_topic_resource_info{ready=\"False\"}",
        ]
        .iter()
        .map(|e| alert(e))
        .collect();
        let fail: Vec<String> = [
            "up",
            "up{job=\"a\"}",
            "rate(x[5m])",
            "x > bool 1",
            "vector(1)",
            "sum by (job) (rate(x[5m])) / 2",
            "x or y",
        ]
        .iter()
        .map(|e| alert(e))
        .collect();
        assert_cases(
            "RUL001",
            &pass.iter().map(String::as_str).collect::<Vec<_>>(),
            &fail.iter().map(String::as_str).collect::<Vec<_>>(),
        );
    }

    #[test]
    fn recording_rules_are_not_alerts() {
        assert!(findings("RUL001", "groups:\n- name: g\n  rules:\n  - record: a\n    expr: up\n").is_empty());
    }
}
