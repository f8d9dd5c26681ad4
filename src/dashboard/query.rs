//! The PromQL inside a Prometheus query variable's query.
//!
//! Grafana's Prometheus datasource (`PrometheusMetricFindQuery`) recognises these forms with
//! anchored regular expressions and sends everything else to the series API as a selector:
//!
//! | query | PromQL checked |
//! |---|---|
//! | `label_names()` | none |
//! | `label_names(SELECTOR)` | `SELECTOR` |
//! | `label_values(LABEL)` | none |
//! | `label_values(SELECTOR, LABEL)` (the last comma splits) | `SELECTOR` |
//! | `metrics(REGEX)` | none (a regular expression over names) |
//! | `query_result(QUERY)` | `QUERY` |
//! | anything else | the whole text, as a series selector |

use crate::promql::Span;

/// Which form a variable query has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarFunction {
    LabelNames,
    LabelValues,
    QueryResult,
    /// Not one of the functions: a series selector.
    Series,
}

impl VarFunction {
    pub fn as_str(self) -> &'static str {
        match self {
            VarFunction::LabelNames => "label_names",
            VarFunction::LabelValues => "label_values",
            VarFunction::QueryResult => "query_result",
            VarFunction::Series => "series",
        }
    }
}

fn is_label(s: &str) -> bool {
    let mut b = s.bytes();
    b.next().is_some_and(|c| c.is_ascii_alphabetic() || c == b'_' || c == b'$')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// The argument of `name(...)` when `q` is exactly such a call (trailing whitespace allowed), as a
/// byte range of `q`.
fn call<'q>(q: &'q str, name: &str) -> Option<(&'q str, usize)> {
    let lead = q.len() - q.trim_start().len();
    let rest = q.get(lead..)?.strip_prefix(name)?.strip_prefix('(')?;
    let body = rest.trim_end().strip_suffix(')')?;
    Some((body, lead + name.len() + 1))
}

/// The PromQL part of a variable query: its form and its range in `q`; `None` when there is no
/// PromQL in it.
pub fn promql_part(q: &str) -> Option<(VarFunction, Span)> {
    let span = |start: usize, s: &str| {
        let lead = s.len() - s.trim_start().len();
        let t = s.trim();
        Span::new((start + lead) as u32, (start + lead + t.len()) as u32)
    };
    if q.trim().is_empty() || matches!(q.trim(), "label_values()" | "metrics()" | "query_result()") {
        return None;
    }
    if let Some((body, at)) = call(q, "label_names") {
        return (!body.trim().is_empty()).then(|| (VarFunction::LabelNames, span(at, body)));
    }
    if let Some((body, at)) = call(q, "label_values") {
        if is_label(body.trim()) {
            return None;
        }
        if let Some(comma) = body.rfind(',')
            && comma > 0
            && is_label(body.get(comma + 1..).unwrap_or("").trim_start())
            && body.get(comma + 1..).is_some_and(|s| s.trim_start() == s.trim())
        {
            return Some((VarFunction::LabelValues, span(at, body.get(..comma).unwrap_or(""))));
        }
    }
    if call(q, "metrics").is_some_and(|(b, _)| !b.is_empty()) {
        return None;
    }
    if let Some((body, at)) = call(q, "query_result")
        && !body.is_empty()
    {
        return Some((VarFunction::QueryResult, span(at, body)));
    }
    Some((VarFunction::Series, span(0, q)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(q: &str) -> Option<(VarFunction, &str)> {
        promql_part(q).map(|(f, s)| (f, &q[s.range()]))
    }

    #[test]
    fn forms() {
        use VarFunction::*;
        assert_eq!(part("label_values(job)"), None);
        assert_eq!(part("label_values( job )"), None);
        assert_eq!(part("label_values(up{job=~\"a,b\"}, instance)"), Some((LabelValues, "up{job=~\"a,b\"}")));
        assert_eq!(
            part("label_values(kube_pod_info{cluster=\"c\"},  pod) "),
            Some((LabelValues, "kube_pod_info{cluster=\"c\"}"))
        );
        assert_eq!(part("label_names()"), None);
        assert_eq!(part("label_names(up)"), Some((LabelNames, "up")));
        assert_eq!(part("metrics(node_.*)"), None);
        assert_eq!(
            part("query_result(topk(5, sum by (pod) (rate(x[5m]))))"),
            Some((QueryResult, "topk(5, sum by (pod) (rate(x[5m])))"))
        );
        assert_eq!(part(" up{job=\"x\"} "), Some((Series, "up{job=\"x\"}")));
        assert_eq!(part(""), None);
        assert_eq!(part("query_result()"), None);
        // not the label_values form: Grafana sends it as a series query, which fails there too
        assert_eq!(part("label_values(up, 1x)"), Some((Series, "label_values(up, 1x)")));
    }
}
