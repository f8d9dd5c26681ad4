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
    /// `_sum` of histograms and summaries) and from recording rules that keep such a counter as is
    /// (`sum(x_total)`). The `_total` suffix alone is not trusted: exporters name gauges
    /// `..._total` too (`container_fs_inodes_total`), so without a schema this check is quiet.
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
            let fact = sc.knowledge.declared_kind_of(s.metric_name()?)?;
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
    fn cases_with_a_schema() {
        let schema = "metrics:\n  errors_total: {type: counter, labels: {}}\n  other_total: {type: counter, labels: {}}\n  queue_length: {type: gauge, labels: {}}\n";
        let count = |q: &str| findings_with_schema("SCH009", &alert(q), Some(schema)).len();
        for ok in [
            "rate(errors_total[5m]) > 1",
            "sum(increase(errors_total[1h])) > 100",
            "count(errors_total) > 3",
            "errors_total > other_total",
            "queue_length > 10",
        ] {
            assert_eq!(count(ok), 0, "{ok}");
        }
        for bad in ["errors_total > 100", "sum by (job) (errors_total) >= 1", "5 < (errors_total)"] {
            assert_eq!(count(bad), 1, "{bad}");
        }
        let rec = "groups:\n- name: g\n  rules:\n  - record: x:errors_total:sum\n    expr: errors_total > 100\n";
        assert!(findings_with_schema("SCH009", rec, Some(schema)).is_empty(), "recording rules are not alerts");
    }

    #[test]
    fn names_alone_are_not_trusted() {
        assert_cases("SCH009", &[alert("container_fs_inodes_total > 100").as_str()], &[]);
        // a recorded sum of a declared counter is a counter
        let schema = "metrics:\n  errors_total: {type: counter, labels: {}}\n";
        let y = "groups:\n- name: g\n  rules:\n  - record: job:errors:sum\n    expr: sum by (job) (errors_total)\n  - alert: A\n    expr: job:errors:sum > 5\n";
        let f = findings_with_schema("SCH009", y, Some(schema));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("recording rule at test.yaml:4"), "{}", f[0].message);
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
