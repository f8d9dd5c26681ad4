//! RUL003: a `level:metric:operations` name whose parts contradict the expression.

use std::collections::BTreeSet;

use super::{Check, CheckMeta, Ctx, RuleSite, declare_check};
use crate::analysis::{Labels, output_labels};
use crate::promql::{BinaryOp, Expr, Span};
use crate::rules::{RuleKind, duration};

/// Level words that mean "aggregated over everything" rather than naming labels.
const WHOLE: &[&str] = &["cluster", "global", "all", "total"];

/// Suffixes exporters add to the metric a recording rule is named after.
const SUFFIXES: &[&str] = &["_total", "_bucket", "_count", "_sum", "_created"];

/// Whether the level can name what the result keeps: some `_`-separated run of its words is a
/// kept label (`pod_interface` for `by (pod, interface)`; extra words are tolerated), or the result
/// keeps nothing and the level says so (`cluster:`).
pub(crate) fn level_fits(level: &str, kept: &BTreeSet<String>) -> bool {
    if kept.is_empty() {
        return WHOLE.contains(&level);
    }
    // a run of `_`-separated words joined by `_` is the level's own text between two boundaries
    let starts = std::iter::once(0).chain(level.match_indices('_').map(|(i, _)| i + 1));
    let ends = || level.match_indices('_').map(|(i, _)| i).chain(std::iter::once(level.len()));
    starts
        .into_iter()
        .any(|a| ends().filter(|b| *b >= a).any(|b| level.get(a..b).is_some_and(|run| kept.contains(run))))
}

/// The metric a name is about: the middle of a recorded name, without exporter suffixes.
fn base_metric(name: &str) -> &str {
    // with three or more `:`-parts, the middle ones are the text between the first and last `:`
    let mut m = match (name.find(':'), name.rfind(':')) {
        (Some(a), Some(b)) if a < b => name.get(a + 1..b).unwrap_or(name),
        _ => name,
    };
    for s in SUFFIXES {
        if let Some(x) = m.strip_suffix(s) {
            m = x;
            break;
        }
    }
    m
}

fn related(a: &str, b: &str) -> bool {
    !a.is_empty() && !b.is_empty() && (a.contains(b) || b.contains(a))
}

/// Whether `claimed` looks like a rename of `read`: different, but sharing at least half of its
/// words (`http_request_duration_seconds` for `http_request_latency_seconds`). Metric parts that
/// share nothing with what is read (`success`, `weight`) follow some other naming scheme and are
/// not judged.
fn near_miss(claimed: &str, read: &str) -> bool {
    let words = || claimed.split('_').filter(|w| !w.is_empty());
    let shared = words().filter(|w| read.split('_').any(|r| r == *w)).count();
    let n = words().count();
    n >= 2 && shared * 2 >= n
}

/// An operation word's claim about the expression, e.g. `rate5m` or `p90`.
enum Claim {
    Func { name: &'static str, window: Option<i64> },
    Quantile(f64),
    Aggregation(String),
}

fn claim(word: &str) -> Option<Claim> {
    for f in ["irate", "rate", "increase", "idelta", "delta", "deriv"] {
        if let Some(rest) = word.strip_prefix(f) {
            if rest.is_empty() {
                return Some(Claim::Func { name: f, window: None });
            }
            if rest.starts_with(|c: char| c.is_ascii_digit()) {
                return duration::parse(rest).ok().map(|w| Claim::Func { name: f, window: Some(w) });
            }
            return None;
        }
    }
    if let Some(d) =
        word.strip_prefix('p').filter(|d| (2..=4).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
    {
        let v: f64 = d.parse().ok()?;
        return Some(Claim::Quantile(v / 10f64.powi(d.len() as i32)));
    }
    match word {
        "sum" | "avg" | "min" | "max" | "count" | "stddev" | "stdvar" => Some(Claim::Aggregation(word.into())),
        "mean" => Some(Claim::Aggregation("avg".into())),
        _ => None,
    }
}

/// Whether the expression does what the claim says; `Err(span, what)` names what it does instead.
fn check_claim(c: &Claim, e: &Expr) -> Result<(), Option<(Span, String)>> {
    let mut nodes = Vec::new();
    e.walk(&mut |n| nodes.push(n));
    match c {
        Claim::Func { name, window } => {
            let calls: Vec<_> = nodes
                .iter()
                .filter_map(|n| match n {
                    Expr::Call(c) if c.func.name == *name => Some(c),
                    _ => None,
                })
                .collect();
            if calls.is_empty() {
                return Err(None);
            }
            let Some(w) = window else { return Ok(()) };
            let ranges: Vec<(i64, Span)> = calls
                .iter()
                .filter_map(|c| match c.args.first().map(Expr::unparen) {
                    Some(Expr::MatrixSelector(m)) => Some((m.range, m.range_span)),
                    Some(Expr::Subquery(s)) => Some((s.range, s.range_span)),
                    _ => None,
                })
                .collect();
            match ranges.iter().find(|(r, _)| r == w) {
                Some(_) => Ok(()),
                None => Err(ranges.first().map(|(r, s)| (*s, format!("{name}() uses [{}]", duration::format(*r))))),
            }
        }
        Claim::Quantile(q) => {
            let mut seen = None;
            for n in &nodes {
                let phi = match n {
                    Expr::Call(c) if matches!(c.func.name, "histogram_quantile" | "quantile_over_time") => {
                        c.args.first()
                    }
                    Expr::Aggregate(a) if a.op == crate::promql::AggregateOp::Quantile => a.param.as_deref(),
                    _ => continue,
                };
                match phi.map(Expr::unparen) {
                    Some(Expr::Number(v)) if (v.value - q).abs() < 1e-9 => return Ok(()),
                    Some(Expr::Number(v)) => seen = Some((v.span, format!("the quantile computed is {}", v.value))),
                    _ => return Ok(()),
                }
            }
            Err(seen)
        }
        Claim::Aggregation(op) => {
            let over_time = format!("{op}_over_time");
            let found = nodes.iter().any(|n| match n {
                Expr::Aggregate(a) => a.op.as_str() == op,
                Expr::Call(c) => c.func.name == over_time,
                // an average is often computed as sum(rate(x_sum)) / sum(rate(x_count))
                Expr::Binary(b) => op == "avg" && b.op == BinaryOp::Div,
                _ => false,
            });
            if found { Ok(()) } else { Err(None) }
        }
    }
}

/// The first aggregation's grouping clause, to show where labels were dropped.
fn grouping_span(e: &Expr) -> Option<Span> {
    let mut out = None;
    e.walk(&mut |n| {
        if out.is_none() {
            if let Expr::Aggregate(a) = n {
                out = Some(a.grouping.as_ref().map_or(a.op_span, |g| g.span));
            }
        }
    });
    out
}

declare_check! {
    /// ## What it does
    /// For recording rules named `level:metric:operations` (exactly three parts), compares each part
    /// with the expression:
    /// - the **level** must name labels the result keeps (`job:` needs `by (job)` or a `job` label
    ///   set by the rule; a fully aggregated result may be called `cluster:`/`global:`);
    /// - the **metric** must be the metric read (exporter suffixes such as `_total` and `_bucket`
    ///   aside), when it looks like a metric name: a metric part sharing most words with the metric
    ///   read but not naming it (`duration` for `latency`) is reported; one sharing none (a local
    ///   scheme such as `success`) is not;
    /// - the **operations** must match the functions used: `rate5m` needs `rate(...[5m])`, `p90`
    ///   needs a 0.9 quantile, `sum`/`avg`/... the aggregation (or `_over_time` function).
    ///
    /// Only certain contradictions are reported: when the labels kept depend on the series
    /// (`without`, a bare selector) the level is not judged, and the operations of a rule that reads
    /// other recorded series (which carry operations of their own) are not judged.
    ///
    /// ## Why is this bad?
    /// People query recorded series by name and trust it. `job:http_request_duration_seconds:p90`
    /// promises one series per job of the request duration; if the expression aggregates `by (le)`
    /// only, no `job` label survives, and if it reads `http_request_latency_seconds`, the name
    /// points readers at a metric that does not exist. Dashboards and alerts built on the name then
    /// silently return the wrong thing.
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: mlops-recording
    ///     rules:
    ///       - record: job:http_request_duration_seconds:p90
    ///         expr: histogram_quantile(0.90, sum(rate(http_request_latency_seconds_bucket[5m])) by (le))
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: mlops-recording
    ///     rules:
    ///       - record: job:http_request_latency_seconds:p90
    ///         expr: histogram_quantile(0.90, sum(rate(http_request_latency_seconds_bucket[5m])) by (job, le))
    /// ```
    pub RecordNameMismatch {
        code: "RUL003",
        name: "record-name-mismatch",
        category: Correctness,
        severity: Warning,
        summary: "a level:metric:operations name whose parts contradict the expression",
        sources: ["pint promql/aggregate (level part)"],
    }
}

impl Check for RecordNameMismatch {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn rule(&self, cx: &mut Ctx, site: &RuleSite<'_>) {
        let (RuleKind::Record, Some(expr)) = (site.rule.kind, site.expr) else { return };
        let name = &site.rule.name;
        let parts: Vec<&str> = name.value.split(':').collect();
        // only the plain three-part form is judged; longer names follow local schemes
        if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
            return;
        }
        let file = site.file_id();
        let level = parts[0];
        let ops_start = name.value.len() - parts[parts.len() - 1].len();
        let metric = &name.value[level.len() + 1..ops_start - 1];
        let ops = &name.value[ops_start..];

        // level
        if let Labels::Known(mut kept) = output_labels(expr) {
            kept.extend(site.rule.labels.iter().map(|l| l.name.value.clone()));
            kept.extend(site.group.labels.iter().map(|l| l.name.value.clone()));
            if !level_fits(level, &kept) {
                let keeps = if kept.is_empty() {
                    "the result keeps no labels".to_string()
                } else {
                    format!("the result keeps only ({})", kept.iter().cloned().collect::<Vec<_>>().join(", "))
                };
                let d = cx.report(
                    file,
                    site.text_part(name, 0, level.len()),
                    format!("level `{level}` names labels the expression does not keep: {keeps}"),
                );
                d.help(format!(
                    "aggregate `by ({})` to keep them, or name the level after the labels kept",
                    level.replace('_', ", ")
                ));
                if let Some(g) = grouping_span(expr) {
                    d.secondary(file, site.expr_span(g), "labels dropped here");
                }
            }
        }

        // metric
        let mut read: Vec<Option<&str>> = Vec::new();
        expr.walk(&mut |n| match n {
            Expr::VectorSelector(v) => read.push(v.metric_name()),
            Expr::MatrixSelector(m) => read.push(m.selector.metric_name()),
            _ => {}
        });
        if !read.is_empty() && read.iter().all(Option::is_some) {
            let want = base_metric(&name.value);
            let names: Vec<&str> = read.iter().flatten().copied().collect();
            if !names.iter().any(|m| related(want, base_metric(m)))
                && names.iter().any(|m| near_miss(want, base_metric(m)))
            {
                let mut shown: Vec<&str> = names.clone();
                shown.dedup();
                let d = cx.report(
                    file,
                    site.text_part(name, level.len() + 1, ops_start - 1),
                    format!("metric part `{metric}` is not the metric the expression reads ({})", shown.join(", ")),
                );
                d.help(format!(
                    "name the rule after the metric it reads, e.g. `{level}:{}:{ops}`",
                    base_metric(shown[0])
                ));
                let mut first = None;
                expr.walk(&mut |n| {
                    if first.is_none() {
                        first = match n {
                            Expr::VectorSelector(v) => v.name_span.or(Some(v.span)),
                            Expr::MatrixSelector(m) => m.selector.name_span.or(Some(m.selector.span)),
                            _ => None,
                        };
                    }
                });
                if let Some(s) = first {
                    d.secondary(file, site.expr_span(s), "metric read here");
                }
            }
        }

        // operations: a rule reading recorded series inherits their operations, so only rules
        // reading raw metrics are judged
        if read.iter().flatten().any(|m| m.contains(':')) {
            return;
        }
        let mut offset = ops_start;
        for word in ops.split('_') {
            let start = offset;
            offset += word.len() + 1;
            let Some(c) = claim(word) else { continue };
            if let Err(why) = check_claim(&c, expr) {
                let expected = match &c {
                    Claim::Func { name, window: Some(w) } => format!("{name}() over [{}]", duration::format(*w)),
                    Claim::Func { name, window: None } => format!("{name}()"),
                    Claim::Quantile(q) => format!("a {q} quantile"),
                    Claim::Aggregation(op) => format!("{op}()"),
                };
                let msg = match &why {
                    Some((_, what)) => format!("operation `{word}` promises {expected}, but {what}"),
                    None => format!("operation `{word}` promises {expected}, which the expression does not use"),
                };
                let d = cx.report(file, site.text_part(name, start, start + word.len()), msg);
                d.help("name the operations after what the expression does");
                if let Some((span, _)) = why {
                    d.secondary(file, site.expr_span(span), "here");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{assert_cases, findings};

    fn rec(name: &str, expr: &str) -> String {
        format!("groups:\n- name: g\n  rules:\n  - record: {name}\n    expr: '{expr}'\n")
    }

    #[test]
    fn level_segmentation() {
        let kept: BTreeSet<String> = ["instance".to_string(), "path".to_string(), "status_code".to_string()].into();
        assert!(level_fits("instance_path", &kept));
        assert!(level_fits("status_code", &kept));
        assert!(level_fits("path_status_code", &kept));
        assert!(level_fits("namespace_instance_memory", &kept));
        assert!(!level_fits("job", &kept));
        assert!(!level_fits("status", &kept));
        assert!(level_fits("cluster", &BTreeSet::new()));
        assert!(!level_fits("job", &BTreeSet::new()));
    }

    #[test]
    fn tutorial_p90_lies_twice() {
        let y = rec(
            "job:http_request_duration_seconds:p90",
            "histogram_quantile(0.90, sum(rate(http_request_latency_seconds_bucket[5m])) by (le))",
        );
        let f = findings("RUL003", &y);
        assert_eq!(f.len(), 2, "{f:#?}");
        let part = |i: usize| &y[f[i].primary.span.start as usize..f[i].primary.span.end as usize];
        assert_eq!(part(0), "job");
        assert!(f[0].message.contains("keeps no labels"), "{}", f[0].message);
        assert_eq!(part(1), "http_request_duration_seconds");
        assert!(f[1].message.contains("http_request_latency_seconds_bucket"));
    }

    #[test]
    fn cases() {
        let pass = [
            rec("job:http_requests:rate5m", "sum by (job) (rate(http_requests_total[5m]))"),
            rec("instance_path:requests:rate5m", "sum by (instance, path) (rate(requests_total[5m]))"),
            rec("job:x:p99", "histogram_quantile(0.99, sum by (job, le) (rate(x_bucket[5m])))"),
            rec("cluster:x:sum", "sum(x)"),
            rec("job:x:rate5m", "rate(x[5m])"),
            rec(
                "job:request_failures_per_requests:ratio_rate5m",
                "sum by (job) (rate(requests_failed_total[5m])) / sum by (job) (rate(requests_total[5m]))",
            ),
            rec("job:x:sum_rate5m", "sum without (instance) (rate(x_total[5m]))"),
            rec(
                "job:x_duration_seconds:avg",
                "sum by (job) (rate(x_duration_seconds_sum[5m])) / sum by (job) (rate(x_duration_seconds_count[5m]))",
            ),
            rec("job:success:rate5m", "sum by (job) (rate(x_total[5m]))"),
            rec("job:x:ratio", "sum by (job) (x)"),
        ];
        let fail = [
            rec("job:x:rate5m", "sum by (instance) (rate(x[5m]))"),
            rec("job:x:rate5m", "sum by (job) (rate(x[1m]))"),
            rec("job:x:rate5m", "sum by (job) (increase(x[5m]))"),
            rec("job:x:p99", "histogram_quantile(0.9, sum by (job, le) (rate(x_bucket[5m])))"),
            rec("job:x:max", "sum by (job) (x)"),
            rec("job:http_request_duration_seconds:sum", "sum by (job) (http_request_latency_seconds_sum)"),
            rec("instance:node_cpu_seconds:rate1m", "sum without (cpu) (deriv(node_cpu_seconds_total[1m]))"),
        ];
        assert_cases(
            "RUL003",
            &pass.iter().map(String::as_str).collect::<Vec<_>>(),
            &fail.iter().map(String::as_str).collect::<Vec<_>>(),
        );
    }
}
