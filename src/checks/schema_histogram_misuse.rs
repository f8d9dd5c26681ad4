//! SCH007: histogram_quantile over something that is not a classic histogram's buckets, `le`
//! aggregated away before it, and `le` used on series that have none.

use super::{Check, CheckMeta, Ctx, ExprSite, declare_check};
use crate::promql::ast::{BinaryOp, Expr, Span, ValueType, VectorSelector};
use crate::schema::knowledge::{Source, name_span};
use crate::schema::model::{MetricType, SeriesRole};
use crate::schema::site::Scope;

declare_check! {
    /// ## What it does
    /// Three mistakes with classic histograms:
    /// - `histogram_quantile()` (or `histogram_fraction()`) over a series that is not a histogram's
    ///   `_bucket`: a `_count`, `_sum` or `_total`, a gauge, a summary's quantiles, or a recorded
    ///   series without `le`;
    /// - `le` aggregated away before `histogram_quantile()` (`sum(rate(x_bucket[5m]))` without
    ///   `by (le)`), pointing at the aggregation that drops it;
    /// - `le` in a matcher or `by`/`without` on series that have no `le` (`x_count{le="0.5"}`).
    ///
    /// The facts come from the schema, the recording rules, or, without a schema, from names
    /// (`_bucket` is a bucket; `_count`, `_sum` and `_total` are not). A series without a schema
    /// entry and without such a suffix may be a native histogram and is not judged.
    ///
    /// ## Why is this bad?
    /// `histogram_quantile()` interpolates between bucket boundaries read from `le`. Without `le`
    /// it has no buckets: the result is empty (or, for native histograms, a different calculation),
    /// and an alert or SLO built on it never fires. A `le` matcher on a series without `le` selects
    /// nothing.
    ///
    /// ## Example
    /// ```yaml,schema
    /// metrics:
    ///   http_request_latency_seconds:
    ///     type: histogram
    ///     labels: {method: {}, path: {}}
    /// ```
    /// ```yaml,bad
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - record: job:http_request_latency_seconds:p90
    ///         expr: histogram_quantile(0.9, sum by (job) (rate(http_request_latency_seconds_bucket[5m])))
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - record: job:http_request_latency_seconds:p90
    ///         expr: histogram_quantile(0.9, sum by (job, le) (rate(http_request_latency_seconds_bucket[5m])))
    /// ```
    pub HistogramMisuse {
        code: "SCH007",
        name: "histogram-misuse",
        category: Correctness,
        severity: Warning,
        summary: "histogram_quantile without buckets or without `le`, or `le` on a non-bucket series",
        sources: ["pint promql/fragile (le)"],
    }
}

/// The selectors whose series flow into `e`'s result (not those only read by a filter or a
/// scalar argument).
fn data_selectors<'e>(e: &'e Expr, out: &mut Vec<&'e VectorSelector>) {
    match e {
        Expr::VectorSelector(s) => out.push(s),
        Expr::MatrixSelector(m) => out.push(&m.selector),
        Expr::Subquery(s) => data_selectors(&s.expr, out),
        Expr::Paren(p) => data_selectors(&p.expr, out),
        Expr::Unary(u) => data_selectors(&u.expr, out),
        Expr::Aggregate(a) => data_selectors(&a.expr, out),
        Expr::Call(c) => {
            if matches!(c.func.name, "scalar" | "vector" | "absent" | "absent_over_time" | "time" | "timestamp") {
                return;
            }
            for a in &c.args {
                if matches!(a.value_type(), ValueType::Vector | ValueType::Matrix) {
                    data_selectors(a, out);
                }
            }
        }
        Expr::Binary(b) => {
            if b.lhs.value_type() != ValueType::Scalar {
                data_selectors(&b.lhs, out);
            }
            if !matches!(b.op, BinaryOp::And | BinaryOp::Unless) && b.rhs.value_type() != ValueType::Scalar {
                data_selectors(&b.rhs, out);
            }
        }
        Expr::Number(_) | Expr::String(_) => {}
    }
}

/// What a series name is, as far as `le` goes.
enum Bucketness {
    /// Classic buckets (has `le`).
    Buckets(String),
    /// Certainly not buckets: why, and the source.
    Not(String, String),
    Unknown,
}

fn bucketness(sc: &Scope<'_, '_>, name: &str) -> Bucketness {
    let k = sc.knowledge;
    if let Some(r) = k.recorded.get(name) {
        let src = Source::Recorded(k.recorded_at(name).unwrap_or("?")).describe();
        return match &r.labels.may {
            Some(m) if m.contains("le") => Bucketness::Buckets(src),
            Some(_) => Bucketness::Not(format!("recorded `{name}` has no `le` label"), src),
            None => Bucketness::Unknown,
        };
    }
    if let Some(s) = k.schema.series(name) {
        let src = Source::Schema(k.schema.path_of(s.metric.source)).describe();
        if s.role == SeriesRole::Bucket {
            return Bucketness::Buckets(src);
        }
        let m = s.metric;
        let why = match (m.kind, s.role) {
            (MetricType::Summary, SeriesRole::Value) => {
                format!("`{name}` is a summary, whose quantiles are precomputed (select one with `quantile`)")
            }
            (MetricType::Histogram | MetricType::GaugeHistogram, r) => {
                format!("`{name}` is the {} series of histogram `{}`, not its buckets", &r.suffix()[1..], m.name)
            }
            (MetricType::Unknown, _) if m.labels_open => return Bucketness::Unknown,
            _ => format!("`{name}` is a {}, not a histogram's `_bucket` series", s.kind()),
        };
        return Bucketness::Not(why, src);
    }
    if k.has_schema() {
        return Bucketness::Unknown;
    }
    if name.ends_with("_bucket") {
        return Bucketness::Buckets(Source::Naming.describe());
    }
    for suffix in ["_count", "_sum", "_total"] {
        if name.ends_with(suffix) {
            return Bucketness::Not(
                format!("`{name}` ends in `{suffix}`, so it is not a histogram's `_bucket` series"),
                Source::Naming.describe(),
            );
        }
    }
    Bucketness::Unknown
}

/// The node below `e` (top-down) that removes `le` from series that had it, as a span to point at.
fn where_le_dropped(sc: &Scope<'_, '_>, e: &Expr) -> Option<Span> {
    let here = sc.labels(e);
    if !here.lacks("le") {
        return None;
    }
    let child_has = |c: &Expr| !sc.labels(c).lacks("le");
    match e {
        Expr::Aggregate(a) if child_has(&a.expr) => Some(a.grouping.as_ref().map_or(a.op_span, |g| g.span)),
        Expr::Binary(b) if child_has(&b.lhs) || child_has(&b.rhs) => {
            Some(b.matching.as_ref().and_then(|m| m.matching_span).unwrap_or(b.op_span))
        }
        Expr::Call(c) if c.args.iter().any(child_has) => Some(c.name_span),
        _ => e.children().into_iter().find_map(|c| where_le_dropped(sc, c)),
    }
}

impl Check for HistogramMisuse {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn expr(&self, cx: &mut Ctx, site: &ExprSite<'_>) {
        let Some(sc) = Scope::of_expr(site) else { return };
        sc.expr.walk(&mut |e| match e {
            Expr::Call(c) if matches!(c.func.name, "histogram_quantile" | "histogram_fraction") => {
                let Some(arg) = c.args.last() else { return };
                let mut sels = Vec::new();
                data_selectors(arg, &mut sels);
                let mut bucket_source = None;
                for s in &sels {
                    let Some(name) = s.metric_name() else { continue };
                    match bucketness(&sc, name) {
                        Bucketness::Buckets(src) => bucket_source = Some(src),
                        Bucketness::Not(why, src) => {
                            let d = cx.report(
                                sc.file(),
                                sc.span(name_span(s)),
                                format!("{}() reads {why} ({src})", c.func.name),
                            );
                            d.secondary(sc.file(), sc.span(c.name_span), "buckets expected here");
                            d.help("pass the `_bucket` series (with `le`), e.g. `sum by (le) (rate(x_bucket[5m]))`");
                        }
                        Bucketness::Unknown => {}
                    }
                }
                if let Some(src) = bucket_source
                    && let Some(span) = where_le_dropped(&sc, arg)
                {
                    let d = cx.report(
                        sc.file(),
                        sc.span(span),
                        format!("`le` is aggregated away before {}() reads the buckets ({src})", c.func.name),
                    );
                    d.secondary(sc.file(), sc.span(c.name_span), "needs `le`");
                    d.help("keep `le` in the grouping, e.g. `sum by (le) (...)` or `by (job, le)`");
                }
            }
            Expr::VectorSelector(_) | Expr::MatrixSelector(_) => {
                let sel = match e {
                    Expr::MatrixSelector(m) => &m.selector,
                    Expr::VectorSelector(s) => s,
                    _ => return,
                };
                let Some(name) = sel.metric_name() else { return };
                let Some(m) = sel.matchers.iter().find(|m| m.name == "le") else { return };
                if let Bucketness::Not(why, src) = bucketness(&sc, name) {
                    let d = cx.report(
                        sc.file(),
                        sc.span(m.name_span),
                        format!("`le` matcher on a series without `le`: {why} ({src})"),
                    );
                    d.help("match `le` on the `_bucket` series");
                }
            }
            Expr::Aggregate(a) => {
                let Some(g) = &a.grouping else { return };
                let Some(l) = g.labels.iter().find(|l| l.name == "le") else { return };
                let input = sc.labels(&a.expr);
                if input.lacks("le") {
                    let d = cx.report(
                        sc.file(),
                        sc.span(l.span),
                        format!(
                            "`le` is not a label of the series `{}` aggregates (per {})",
                            a.op.as_str(),
                            sc.basis(input)
                        ),
                    );
                    d.help("only a histogram's `_bucket` series have `le`");
                }
            }
            _ => {}
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::{findings, findings_with_schema};

    const SCHEMA: &str = "metrics:
  lat_seconds: {type: histogram, labels: {path: }}
  rpc_seconds: {type: summary, labels: {}}
  queue_length: {type: gauge, labels: {}}
";

    fn rec(expr: &str) -> String {
        format!("groups:\n- name: g\n  rules:\n  - record: job:x:p90\n    expr: '{expr}'\n")
    }

    fn flagged(expr: &str, schema: Option<&str>) -> Vec<String> {
        let y = rec(expr);
        let f = match schema {
            Some(_) => findings_with_schema("SCH007", &y, schema),
            None => findings("SCH007", &y),
        };
        f.iter().map(|d| y[d.primary.span.start as usize..d.primary.span.end as usize].to_string()).collect()
    }

    #[test]
    fn passing() {
        for q in [
            "histogram_quantile(0.9, sum by (le) (rate(lat_seconds_bucket[5m])))",
            "histogram_quantile(0.9, sum by (job, le) (rate(lat_seconds_bucket[5m])))",
            "histogram_quantile(0.9, rate(lat_seconds_bucket[5m]))",
            "histogram_quantile(0.9, sum without (path) (rate(lat_seconds_bucket[5m])))",
            "sum by (le) (lat_seconds_bucket{le=\"0.5\"})",
            "rpc_seconds{quantile=\"0.9\"}",
            "histogram_quantile(0.9, sum(rate(native_seconds[5m])))",
        ] {
            assert_eq!(flagged(q, Some(SCHEMA)), Vec::<String>::new(), "{q}");
        }
        assert_eq!(flagged("histogram_quantile(0.9, sum(rate(native_seconds[5m])))", None), Vec::<String>::new());
    }

    #[test]
    fn failing() {
        assert_eq!(
            flagged("histogram_quantile(0.9, rate(lat_seconds_count[5m]))", Some(SCHEMA)),
            ["lat_seconds_count"]
        );
        assert_eq!(flagged("histogram_quantile(0.9, rpc_seconds)", Some(SCHEMA)), ["rpc_seconds"]);
        assert_eq!(flagged("histogram_quantile(0.9, queue_length)", Some(SCHEMA)), ["queue_length"]);
        assert_eq!(flagged("histogram_quantile(0.9, sum(rate(lat_seconds_bucket[5m])))", Some(SCHEMA)), ["sum"]);
        assert_eq!(
            flagged("histogram_quantile(0.9, sum by (path) (rate(lat_seconds_bucket[5m])))", Some(SCHEMA)),
            ["by (path)"]
        );
        assert_eq!(flagged("lat_seconds_sum{le=\"1\"}", Some(SCHEMA)), ["le"]);
        assert_eq!(flagged("sum by (le) (rate(lat_seconds_count[5m]))", Some(SCHEMA)), ["le"]);
        // without a schema: names
        assert_eq!(flagged("histogram_quantile(0.9, rate(x_count[5m]))", None), ["x_count"]);
        assert_eq!(flagged("histogram_quantile(0.9, sum by (job) (rate(x_bucket[5m])))", None), ["by (job)"]);
        assert_eq!(flagged("x_total{le=\"1\"}", None), ["le"]);
    }

    #[test]
    fn recorded_buckets_without_le() {
        let y = "groups:\n- name: g\n  rules:\n  - record: job:x_bucket:rate5m\n    expr: sum by (job) (rate(x_bucket[5m]))\n  - record: job:x:p90\n    expr: histogram_quantile(0.9, job:x_bucket:rate5m)\n";
        let f = findings("SCH007", y);
        let texts: Vec<&str> =
            f.iter().map(|d| &y[d.primary.span.start as usize..d.primary.span.end as usize]).collect();
        assert_eq!(texts, ["job:x_bucket:rate5m"], "{f:#?}");
        assert!(f[0].message.contains("recording rule at test.yaml:4"), "{}", f[0].message);
    }
}
