//! DSH003: a dashboard panel plots a counter's raw value.

use super::{Check, CheckMeta, Ctx, ExprSite, declare_check};
use crate::dashboard::Role;
use crate::promql::{AggregateOp, BinaryOp, Expr, VectorSelector};
use crate::schema::model::{MetricType, SeriesRole};

declare_check! {
    /// ## What it does
    /// Flags a panel query whose result carries a counter's raw value: a counter selected without
    /// `rate`, `irate`, `increase` (or another function of its window) between it and the panel,
    /// through `sum`, `max`, arithmetic and the like. Counting series (`count`, `group`),
    /// `absent`, `timestamp`, `changes`/`resets`, the right side of `and`/`unless` and the
    /// difference of two counters (`started_total - handled_total`: what is in flight) do not show
    /// a running total and are fine. A counter is a metric the schema declares as one (or a
    /// histogram's `_bucket`/`_count`/`_sum`). Without a schema the check is more careful, since
    /// some exporters name gauges `_total`: only time series panels are judged, and a counter is a
    /// name ending in `_total` without a word such as `active`, `open`, `running` or `memory` in it
    /// (recorded names, with a colon, are left alone).
    ///
    /// ## Why is this bad?
    /// A counter's value is a running total since the process started: the graph climbs forever,
    /// drops to zero at every restart, and says nothing about the current load. What the panel
    /// means is almost always the rate (`rate(x[$__rate_interval])`) or the increase over the
    /// dashboard's range (`increase(x[$__range])`).
    ///
    /// ## Example
    /// ```json,bad
    /// {"title": "ML service", "panels": [{"type": "timeseries", "title": "Requests",
    ///   "targets": [{"refId": "A", "expr": "sum by (status) (http_requests_total)"}]}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,good
    /// {"title": "ML service", "panels": [{"type": "timeseries", "title": "Requests",
    ///   "targets": [{"refId": "A", "expr": "sum by (status) (rate(http_requests_total[$__rate_interval]))"}]}]}
    /// ```
    pub CounterWithoutRate {
        code: "DSH003",
        name: "counter-without-rate",
        category: Correctness,
        severity: Warning,
        summary: "a panel plots a counter's raw running total instead of its rate or increase",
        sources: ["dashboard-linter target-counter-agg-rule"],
    }
}

/// Functions whose result is the argument's value (transformed): a counter in them is still shown.
const VALUE_FUNCTIONS: &[&str] = &[
    "abs",
    "ceil",
    "floor",
    "round",
    "clamp",
    "clamp_min",
    "clamp_max",
    "sort",
    "sort_desc",
    "label_replace",
    "label_join",
    "scalar",
    "sqrt",
    "exp",
    "ln",
    "log2",
    "log10",
    "sgn",
    "last_over_time",
];

/// Words that, in a `_total` name, mean a count of things present rather than of events: such
/// gauges (`nodejs_active_handles_total`, `couchdb_open_databases_total`) are common enough that,
/// without a schema, the name alone does not make a counter.
const GAUGE_WORDS: &[&str] =
    &["active", "open", "running", "pending", "current", "inflight", "registered", "used", "memory", "up", "queued"];

/// Without a schema only time series panels are judged: stat and table panels showing a `_total`
/// are as often gauges counting things (hosts, users, projects) as counters.
const OVER_TIME_PANELS: &[&str] = &["timeseries", "graph"];

fn is_counter(site: &ExprSite<'_>, name: &str) -> bool {
    if let Some(k) = site.knowledge {
        if let Some(f) = k.declared_kind_of(name) {
            return match f.kind {
                MetricType::Counter => true,
                MetricType::Histogram | MetricType::Summary => {
                    matches!(f.role, Some(SeriesRole::Bucket | SeriesRole::Count | SeriesRole::Sum))
                }
                _ => false,
            };
        }
        if k.has_schema() {
            return false;
        }
    }
    let Some(stem) = name.strip_suffix("_total") else { return false };
    !name.contains(':') && !stem.split('_').any(|w| GAUGE_WORDS.contains(&w))
}

/// Collects the selectors whose value reaches the result of `e`.
fn shown<'e>(e: &'e Expr, out: &mut Vec<&'e VectorSelector>) {
    match e {
        Expr::VectorSelector(s) => out.push(s),
        Expr::Paren(p) => shown(&p.expr, out),
        Expr::Unary(u) => shown(&u.expr, out),
        Expr::Binary(b) => match b.op {
            BinaryOp::And | BinaryOp::Unless => shown(&b.lhs, out),
            op if op.is_comparison() && b.return_bool => {}
            op if op.is_comparison() => shown(&b.lhs, out),
            BinaryOp::Sub => {
                // `started_total - handled_total` (in flight), `mallocs_total - frees_total` (live):
                // the difference of two counters is a gauge
                let (mut l, mut r) = (Vec::new(), Vec::new());
                shown(&b.lhs, &mut l);
                shown(&b.rhs, &mut r);
                let counters =
                    |v: &[&VectorSelector]| v.iter().any(|s| s.metric_name().is_some_and(|n| n.ends_with("_total")));
                if !(counters(&l) && counters(&r)) {
                    out.extend(l);
                    out.extend(r);
                }
            }
            _ => {
                shown(&b.lhs, out);
                shown(&b.rhs, out);
            }
        },
        Expr::Aggregate(a) => match a.op {
            AggregateOp::Count | AggregateOp::Group | AggregateOp::CountValues => {}
            _ => shown(&a.expr, out),
        },
        Expr::Call(c) if VALUE_FUNCTIONS.contains(&c.func.name) => {
            for a in &c.args {
                shown(a, out);
            }
        }
        _ => {}
    }
}

impl Check for CounterWithoutRate {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn expr(&self, cx: &mut Ctx, site: &ExprSite<'_>) {
        let Some((d, q)) = site.dashboard() else { return };
        let Role::Panel { panel, .. } = &q.role else { return };
        if q.hidden {
            return;
        }
        let schema = site.knowledge.is_some_and(|k| k.has_schema());
        let kind = d.panels.get(*panel).map_or("", |p| p.kind.as_str());
        if !schema && !OVER_TIME_PANELS.contains(&kind) {
            return;
        }
        let mut sels = Vec::new();
        shown(site.expr, &mut sels);
        for s in sels {
            let (Some(name), Some(span)) = (s.metric_name(), s.name_span) else { continue };
            if site.from_variable(span) || !is_counter(site, name) {
                continue;
            }
            cx.report(site.file_id(), site.span(span), format!("`{name}` is a counter: the panel shows its running total"))
                .help(format!(
                    "plot `rate({name}[$__rate_interval])`, or `increase({name}[$__range])` for the count over the time range"
                ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::{findings, findings_with_schema, one_query_dashboard as dash};

    #[test]
    fn cases() {
        for ok in [
            "rate(x_total[$__rate_interval])",
            "sum(increase(x_total[$__range]))",
            "count(x_total)",
            "up and x_total",
            "x_total > bool 0",
            "timestamp(x_total)",
            "absent(x_total)",
            "changes(x_total[1h])",
            "job:x_total:rate5m",
            "x_gauge",
            "y > x_total",
            "sum(started_total) - sum(handled_total)",
            "nodejs_active_handles_total",
        ] {
            assert!(findings("DSH003", &dash(ok)).is_empty(), "{ok}");
        }
        for bad in [
            "x_total",
            "sum by (a) (x_total)",
            "x_total > 0",
            "rate(y_total[5m]) / x_total",
            "topk(5, x_total)",
            "-(x_total)",
        ] {
            assert_eq!(findings("DSH003", &dash(bad)).len(), 1, "{bad}");
        }
    }

    #[test]
    fn without_a_schema_only_time_series_panels() {
        let stat = r#"{"title": "D", "panels": [{"type": "stat", "targets": [{"expr": "sum(x_total)"}]}]}"#;
        assert!(findings("DSH003", stat).is_empty());
        let schema = "metrics:\n  x_total: {type: counter}\n";
        assert_eq!(findings_with_schema("DSH003", stat, Some(schema)).len(), 1);
    }

    #[test]
    fn hidden_targets_annotations_and_rules_are_skipped() {
        let d = r#"{"title": "D", "panels": [{"type": "stat", "targets": [{"expr": "x_total", "hide": true}]}], "annotations": {"list": [{"name": "a", "expr": "x_total"}]}}"#;
        assert!(findings("DSH003", d).is_empty());
        assert!(findings("DSH003", "groups:\n- name: g\n  rules:\n  - record: a\n    expr: x_total\n").is_empty());
    }

    #[test]
    fn schema_decides_over_the_name() {
        let schema = "metrics:\n  pool_total: {type: gauge}\n  reqs_total: {type: counter}\n  lat: {type: histogram}\n";
        assert!(findings_with_schema("DSH003", &dash("pool_total"), Some(schema)).is_empty());
        assert_eq!(findings_with_schema("DSH003", &dash("reqs_total"), Some(schema)).len(), 1);
        assert_eq!(findings_with_schema("DSH003", &dash("sum(lat_count)"), Some(schema)).len(), 1);
        assert!(findings_with_schema("DSH003", &dash("unknown_total"), Some(schema)).is_empty());
    }
}
