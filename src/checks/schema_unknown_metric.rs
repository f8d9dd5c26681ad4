//! SCH002: a selector reads a metric the schema does not have.

use super::{Check, CheckMeta, Ctx, ExprSite, declare_check};
use crate::promql::ast::{BinaryOp, Expr, VectorSelector};
use crate::schema::knowledge::{looks_recorded, name_span};
use crate::schema::labels::selectors;
use crate::schema::model::MetricType;
use crate::schema::site::Scope;
use crate::schema::suggest;

declare_check! {
    /// ## What it does
    /// With a schema, flags every selector whose metric is neither in the schema nor recorded by a
    /// rule of the run, and suggests the nearest known name. Names of the `level:metric:operation`
    /// form are left to `undefined-recorded-metric` (SCH003). A metric read only as a fallback,
    /// `old_name or new_name` where the other side is known, is accepted: such rules support two
    /// exporter versions on purpose. Without a schema it does nothing.
    ///
    /// ## Why is this bad?
    /// A selector for a metric that does not exist returns nothing, silently: an alert on it can
    /// never fire, a ratio built on it is empty, a recording rule records nothing. Typos
    /// (`http_request_total` for `http_requests_total`), a histogram queried without `_bucket`, or a
    /// metric renamed by a new exporter version are the usual causes.
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
    ///       - record: job:http_requests:rate5m
    ///         expr: sum by (job) (rate(http_request_total[5m]))
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - record: job:http_requests:rate5m
    ///         expr: sum by (job) (rate(http_requests_total[5m]))
    /// ```
    pub UnknownMetric {
        code: "SCH002",
        name: "unknown-metric",
        category: Schema,
        severity: Warning,
        summary: "a selector reads a metric the schema does not declare",
        sources: ["pint promql/series (offline)"],
    }
}

impl Check for UnknownMetric {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn expr(&self, cx: &mut Ctx, site: &ExprSite<'_>) {
        let Some(sc) = Scope::of_expr(site) else { return };
        let k = sc.knowledge;
        if !k.has_schema() {
            return;
        }
        let paths: Vec<&str> = k
            .schema
            .files
            .iter()
            .map(|f| f.path.as_str())
            .filter(|p| *p != crate::schema::model::BUILTIN_PATH)
            .collect();
        // `old_name or new_name`: rules written for two exporter versions are not mistakes.
        let mut fallback = std::collections::HashSet::new();
        sc.expr.walk(&mut |e| {
            if let Expr::Binary(b) = e
                && b.op == BinaryOp::Or
            {
                let (l, r) = (selectors(&b.lhs), selectors(&b.rhs));
                let known = |v: &[&VectorSelector]| v.iter().any(|s| s.metric_name().is_some_and(|n| k.knows(n)));
                for (side, other) in [(&l, &r), (&r, &l)] {
                    if known(other) {
                        fallback.extend(side.iter().map(|s| s.span.start));
                    }
                }
            }
        });
        let mut seen = std::collections::HashSet::new();
        sc.expr.walk(&mut |e| {
            let sel = match e {
                Expr::VectorSelector(s) => s,
                Expr::MatrixSelector(m) => &m.selector,
                _ => return,
            };
            let Some(name) = sel.metric_name() else { return };
            if k.knows(name)
                || looks_recorded(name)
                || fallback.contains(&sel.span.start)
                || !seen.insert((name.to_string(), sel.span.start))
            {
                return;
            }
            let span = name_span(sel);
            let hint = match k.schema.metric(name).map(|m| m.kind) {
                Some(MetricType::Histogram) => {
                    Some(format!("`{name}` is a histogram: query `{name}_bucket`, `{name}_count` or `{name}_sum`"))
                }
                Some(MetricType::GaugeHistogram) => Some(format!(
                    "`{name}` is a gauge histogram: query `{name}_bucket`, `{name}_gcount` or `{name}_gsum`"
                )),
                _ => None,
            };
            let candidates = k.schema.series_names().chain(k.recorded.keys().map(String::as_str));
            let near = suggest::closest(name, candidates);
            let d = cx.report(
                sc.file(),
                sc.span(span),
                format!("metric `{name}` is not in the schema ({})", paths.join(", ")),
            );
            match (hint, near) {
                (Some(h), _) => {
                    d.help(h);
                }
                (None, Some(n)) => {
                    d.help(suggest::did_you_mean(Some(&n)));
                }
                (None, None) => {
                    d.help("check the name against the exporter, or add the metric to the schema");
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::findings_with_schema;

    const SCHEMA: &str = "metrics:\n  http_requests_total: {type: counter}\n  lat_seconds: {type: histogram}\n";

    fn alert(expr: &str) -> String {
        format!("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: '{expr}'\n")
    }

    #[test]
    fn cases() {
        for ok in [
            "rate(http_requests_total[5m]) > 0",
            "lat_seconds_bucket",
            "lat_seconds_count + lat_seconds_sum",
            "up == 0",
            "{__name__=~\"nope.*\"}",
            "job:recorded:sum",
            "rate(old_requests_total[5m]) or rate(http_requests_total[5m])",
        ] {
            assert!(findings_with_schema("SCH002", &alert(ok), Some(SCHEMA)).is_empty(), "{ok}");
        }
        let f = findings_with_schema("SCH002", &alert("rate(http_request_total[5m]) > 0"), Some(SCHEMA));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].help.as_deref(), Some("did you mean `http_requests_total`?"));
        assert!(f[0].message.contains("(schema.yaml)"), "{}", f[0].message);
        let y = alert("histogram_quantile(0.9, rate(lat_seconds[5m]))");
        let f = findings_with_schema("SCH002", &y, Some(SCHEMA));
        assert_eq!(&y[f[0].primary.span.start as usize..f[0].primary.span.end as usize], "lat_seconds");
        assert!(f[0].help.as_deref().unwrap().contains("is a histogram"));
        let f = findings_with_schema("SCH002", &alert("{__name__=\"nope\"}"), Some(SCHEMA));
        assert_eq!(f.len(), 1);
        assert!(findings_with_schema("SCH002", &alert("nope"), None).is_empty(), "no schema, no finding");
        assert_eq!(findings_with_schema("SCH002", &alert("old_a or old_b"), Some(SCHEMA)).len(), 2);
    }
}
