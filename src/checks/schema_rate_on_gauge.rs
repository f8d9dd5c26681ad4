//! SCH008: rate(), irate() or increase() over a gauge.

use super::{Check, CheckMeta, Ctx, ExprSite, declare_check};
use crate::promql::ast::Expr;
use crate::schema::knowledge::name_span;
use crate::schema::model::{MetricType, SeriesRole};
use crate::schema::site::Scope;

declare_check! {
    /// ## What it does
    /// Flags `rate()`, `irate()` and `increase()` over a series the schema declares as a gauge (or
    /// an info or stateset metric, a summary's quantiles, a gauge histogram, a `_created` series),
    /// and over a recorded series that is itself a rate, ratio or quantile. Without a schema only
    /// the recorded series are judged. The finding points at the function; the metric is a
    /// secondary location.
    ///
    /// ## Why is this bad?
    /// These functions assume a counter: any decrease is taken as a counter reset and the value
    /// after it is added back in full. A gauge goes down all the time (memory in use, queue
    /// length, a model's accuracy), so the result is a large, meaningless positive number, and an
    /// alert on it fires at random.
    ///
    /// ## Example
    /// ```yaml,schema
    /// metrics:
    ///   process_resident_memory_bytes:
    ///     type: gauge
    ///     labels: {}
    /// ```
    /// ```yaml,bad
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - alert: MemoryGrowing
    ///         expr: rate(process_resident_memory_bytes[15m]) > 1e6
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - alert: MemoryGrowing
    ///         expr: deriv(process_resident_memory_bytes[15m]) > 1e6
    /// ```
    pub RateOnGauge {
        code: "SCH008",
        name: "rate-on-gauge",
        category: Correctness,
        severity: Warning,
        summary: "rate/irate/increase over a gauge",
        sources: ["pint promql/rate"],
    }
}

fn gauge_like(kind: MetricType, role: Option<SeriesRole>) -> bool {
    match kind {
        MetricType::Gauge | MetricType::Info | MetricType::Stateset | MetricType::GaugeHistogram => true,
        MetricType::Summary => role == Some(SeriesRole::Value),
        _ => false,
    }
}

impl Check for RateOnGauge {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn expr(&self, cx: &mut Ctx, site: &ExprSite<'_>) {
        let Some(sc) = Scope::of_expr(site) else { return };
        sc.expr.walk(&mut |e| {
            let Expr::Call(c) = e else { return };
            if !matches!(c.func.name, "rate" | "irate" | "increase") {
                return;
            }
            let Some(Expr::MatrixSelector(m)) = c.args.first().map(Expr::unparen) else { return };
            let Some(name) = m.selector.metric_name() else { return };
            let Some(fact) = sc.knowledge.kind_of(name) else { return };
            if !gauge_like(fact.kind, fact.role) {
                return;
            }
            let what = match (fact.kind, fact.role) {
                (MetricType::Summary, _) => "a summary's quantiles (a gauge)".to_string(),
                (MetricType::Gauge, Some(SeriesRole::Created)) => "a `_created` timestamp (a gauge)".to_string(),
                (MetricType::Gauge, Some(_)) | (MetricType::Gauge, None) => "a gauge".to_string(),
                (k, _) => format!("a {k} metric (a gauge)"),
            };
            let d = cx.report(
                sc.file(),
                sc.span(c.name_span),
                format!("{}() over `{name}`, {what} ({})", c.func.name, fact.source.describe()),
            );
            d.secondary(sc.file(), sc.span(name_span(&m.selector)), "gauge");
            d.help(if c.func.name == "increase" {
                "use delta() for the change of a gauge over the window"
            } else {
                "use deriv() for the per-second slope of a gauge, or delta() for its change"
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::{findings, findings_with_schema};

    const SCHEMA: &str = "metrics:
  mem_bytes: {type: gauge, labels: {}}
  req_total: {type: counter, labels: {}, created: true}
  lat_seconds: {type: histogram, labels: {}}
  rpc_seconds: {type: summary, labels: {}}
  build_info: {type: info}
";

    fn count(expr: &str) -> usize {
        let y = format!("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: '{expr}'\n");
        findings_with_schema("SCH008", &y, Some(SCHEMA)).len()
    }

    #[test]
    fn cases() {
        for ok in [
            "rate(req_total[5m]) > 0",
            "increase(lat_seconds_count[1h]) > 0",
            "rate(lat_seconds_bucket[5m]) > 0",
            "rate(rpc_seconds_sum[5m]) > 0",
            "deriv(mem_bytes[5m]) > 0",
            "rate(unknown[5m]) > 0",
        ] {
            assert_eq!(count(ok), 0, "{ok}");
        }
        for bad in [
            "rate(mem_bytes[5m]) > 0",
            "irate((mem_bytes[5m])) > 0",
            "increase(rpc_seconds[1h]) > 0",
            "rate(req_created[5m]) > 0",
            "rate(build_info[5m]) > 0",
        ] {
            assert_eq!(count(bad), 1, "{bad}");
        }
    }

    #[test]
    fn recorded_gauges_without_a_schema() {
        let y = "groups:\n- name: g\n  rules:\n  - record: job:x:rate5m\n    expr: sum by (job) (rate(x_total[5m]))\n  - alert: A\n    expr: rate(job:x:rate5m[5m]) > 0\n  - alert: B\n    expr: rate(mem_bytes[5m]) > 0\n";
        let f = findings("SCH008", y);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(&y[f[0].primary.span.start as usize..f[0].primary.span.end as usize], "rate");
        assert!(f[0].message.contains("recording rule at test.yaml:4"), "{}", f[0].message);
    }
}
