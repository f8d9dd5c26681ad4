//! SCH009: an alert compares a raw counter with a number.

use super::{Check, CheckMeta, Ctx, RuleSite, declare_check};
use crate::promql::ast::{AggregateOp, Expr, ValueType, VectorSelector};
use crate::schema::knowledge::{KindFact, name_span};
use crate::schema::model::MetricType;
use crate::schema::site::Scope;

declare_check! {
    /// ## What it does
    /// In alerting rules, flags a comparison (`>`, `<`, `==`, ...) between a number and a counter
    /// read raw, without `rate()`, `increase()` or the like (a selector, possibly aggregated with
    /// `sum`, `max`, ...). Counters are recognised from the schema (counters, and the `_count` and
    /// `_sum` of histograms and summaries), from recording rules that keep a counter as is, and,
    /// without a schema, from the `_total` suffix.
    ///
    /// ## Why is this bad?
    /// A counter only grows (until the process restarts). `http_errors_total > 100` is false for a
    /// while after every deployment and then true forever: the alert fires on the total since the
    /// last restart, not on the current error rate, and cannot resolve.
    ///
    /// ## Example
    /// ```yaml,schema
    /// metrics:
    ///   http_requests_total:
    ///     type: counter
    ///     labels: {method: {}, path: {}, status: {}}
    /// ```
    /// ```yaml,bad
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - alert: ManyServerErrors
    ///         expr: sum(http_requests_total{status=~"5.."}) > 100
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - alert: ManyServerErrors
    ///         expr: sum(increase(http_requests_total{status=~"5.."}[10m])) > 100
    /// ```
    pub CounterCompared {
        code: "SCH009",
        name: "raw-counter-compared",
        category: Correctness,
        severity: Warning,
        summary: "an alert compares a raw counter with a number",
        sources: ["pint promql/counter"],
    }
}

/// The counter selector `e` reads raw (no rate/increase), if it is one.
fn raw_counter<'e, 'k>(sc: &'k Scope<'_, '_>, e: &'e Expr) -> Option<(&'e VectorSelector, KindFact<'k>)> {
    match e {
        Expr::Paren(p) => raw_counter(sc, &p.expr),
        Expr::Aggregate(a) if !matches!(a.op, AggregateOp::Count | AggregateOp::CountValues | AggregateOp::Group) => {
            raw_counter(sc, &a.expr)
        }
        Expr::VectorSelector(s) => {
            let fact = sc.knowledge.kind_of(s.metric_name()?)?;
            (fact.kind == MetricType::Counter).then_some((s, fact))
        }
        _ => None,
    }
}

impl Check for CounterCompared {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn rule(&self, cx: &mut Ctx, site: &RuleSite<'_>) {
        let Some(sc) = Scope::of_rule(site) else { return };
        if !sc.is_alert() {
            return;
        }
        sc.expr.walk(&mut |e| {
            let Expr::Binary(b) = e else { return };
            if !b.op.is_comparison() {
                return;
            }
            let found = if b.rhs.value_type() == ValueType::Scalar {
                raw_counter(&sc, &b.lhs)
            } else if b.lhs.value_type() == ValueType::Scalar {
                raw_counter(&sc, &b.rhs)
            } else {
                None
            };
            let Some((sel, fact)) = found else { return };
            let name = sel.metric_name().unwrap_or_default();
            let d = cx.report(
                sc.file(),
                sc.span(name_span(sel)),
                format!("the alert compares the raw counter `{name}` with a number ({})", fact.source.describe()),
            );
            d.secondary(sc.file(), sc.span(b.op_span), "compared here");
            d.help("counters only grow: compare rate() or increase() over a window instead");
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::{assert_cases, findings_with_schema};

    fn alert(expr: &str) -> String {
        format!("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: '{expr}'\n")
    }

    #[test]
    fn by_name_without_schema() {
        let pass: Vec<String> = [
            "rate(errors_total[5m]) > 1",
            "sum(increase(errors_total[1h])) > 100",
            "count(errors_total) > 3",
            "errors_total > other_total",
            "queue_length > 10",
        ]
        .iter()
        .map(|q| alert(q))
        .collect();
        let fail: Vec<String> = ["errors_total > 100", "sum by (job) (errors_total) >= 1", "5 < (errors_total)"]
            .iter()
            .map(|q| alert(q))
            .collect();
        assert_cases(
            "SCH009",
            &pass.iter().map(String::as_str).collect::<Vec<_>>(),
            &fail.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        let rec = "groups:\n- name: g\n  rules:\n  - record: x:errors_total:sum\n    expr: errors_total > 100\n";
        assert!(crate::checks::testing::findings("SCH009", rec).is_empty(), "recording rules are not alerts");
    }

    #[test]
    fn schema_counters_include_histogram_counts() {
        let schema = "metrics:\n  lat_seconds: {type: histogram, labels: {}}\n  mem_bytes: {type: gauge, labels: {}}\n";
        assert_eq!(findings_with_schema("SCH009", &alert("lat_seconds_count > 10"), Some(schema)).len(), 1);
        assert!(findings_with_schema("SCH009", &alert("mem_bytes > 10"), Some(schema)).is_empty());
        assert!(
            findings_with_schema("SCH009", &alert("mem_total > 10"), Some(schema)).is_empty(),
            "unknown with a schema"
        );
    }
}
