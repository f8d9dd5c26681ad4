//! The native-histogram corner of unit tests that does not need histogram arithmetic.
//!
//! The engine stores native histogram samples as markers and reports any evaluation that reads one as
//! unsupported. Unit tests commonly check only that histogram input reads back as written: a plain
//! selector compared with a `histogram:` expectation (promtool's own `unittest.yml` does). This module
//! answers exactly that case: it keeps the loaded histogram literals, evaluates a lone vector selector
//! over them with Prometheus's lookback rules, and prints results with
//! `FloatHistogram.TestExpression()`, including the counter-reset hint the TSDB attaches on read-back
//! (`not_reset` after a sample of the same series, `reset` after a detected decrease, nothing for the
//! first). Anything else that touches a histogram stays an "unsupported" error.

use std::collections::{BTreeMap, HashMap};

use crate::engine::series_notation::HistogramLiteral;
use crate::engine::storage::is_histogram_marker;
use crate::engine::value::{Labels, is_stale_nan};
use crate::engine::{Engine, Storage};
use crate::promql::ast;

/// Histogram samples loaded so far: per series, by timestamp.
#[derive(Debug, Default)]
pub struct Histograms {
    by_series: HashMap<Labels, BTreeMap<i64, HistogramLiteral>>,
}

impl Histograms {
    pub fn insert(&mut self, labels: &Labels, t: i64, h: HistogramLiteral) {
        self.by_series.entry(labels.clone()).or_default().insert(t, h);
    }

    pub fn is_empty(&self) -> bool {
        self.by_series.is_empty()
    }
}

fn g(v: f64) -> String {
    crate::engine::value::format_go_g(v)
}

/// Drops zero buckets at both ends (`Compact(math.MaxInt)` on a single dense span).
fn compact(buckets: &[f64], offset: i64) -> (Vec<f64>, i64) {
    let first = buckets.iter().position(|b| *b != 0.0);
    let last = buckets.iter().rposition(|b| *b != 0.0);
    match (first, last) {
        (Some(f), Some(l)) => (buckets[f..=l].to_vec(), offset + f as i64),
        _ => (Vec::new(), 0),
    }
}

/// `FloatHistogram.TestExpression()` with the given counter-reset hint.
pub fn test_expression(h: &HistogramLiteral, hint: &str) -> String {
    let mut res = Vec::new();
    if h.schema != 0 {
        res.push(format!("schema:{}", h.schema));
    }
    if h.count != 0.0 {
        res.push(format!("count:{}", g(h.count)));
    }
    if h.sum != 0.0 {
        res.push(format!("sum:{}", g(h.sum)));
    }
    if h.zero_count != 0.0 {
        res.push(format!("z_bucket:{}", g(h.zero_count)));
    }
    if h.zero_threshold != 0.0 {
        res.push(format!("z_bucket_w:{}", g(h.zero_threshold)));
    }
    if h.schema == -53 {
        let v: Vec<String> = h.custom_values.iter().map(|v| g(*v)).collect();
        res.push(format!("custom_values:[{}]", v.join(" ")));
    }
    match hint {
        "reset" => res.push("counter_reset_hint:reset".into()),
        "not_reset" => res.push("counter_reset_hint:not_reset".into()),
        "gauge" => res.push("counter_reset_hint:gauge".into()),
        _ => {}
    }
    for (key, okey, buckets, offset) in
        [("buckets", "offset", &h.buckets, h.offset), ("n_buckets", "n_offset", &h.negative_buckets, h.negative_offset)]
    {
        let (b, off) = compact(buckets, offset);
        if b.is_empty() {
            continue;
        }
        if off != 0 {
            res.push(format!("{okey}:{off}"));
        }
        let v: Vec<String> = b.iter().map(|x| g(*x)).collect();
        res.push(format!("{key}:[{}]", v.join(" ")));
    }
    format!("{{{{{}}}}}", res.join(" "))
}

/// Whether `cur` counts less than `prev` anywhere (a counter reset, as the TSDB detects it).
fn is_reset(prev: &HistogramLiteral, cur: &HistogramLiteral) -> bool {
    if cur.count < prev.count || cur.zero_count < prev.zero_count || cur.schema > prev.schema {
        return true;
    }
    if cur.zero_threshold < prev.zero_threshold || cur.custom_values != prev.custom_values {
        return true;
    }
    if cur.schema != prev.schema {
        return false;
    }
    let decreased = |pb: &[f64], po: i64, cb: &[f64], co: i64| {
        pb.iter().enumerate().any(|(i, p)| {
            let idx = po + i as i64 - co;
            let c = if idx >= 0 { cb.get(idx as usize).copied().unwrap_or(0.0) } else { 0.0 };
            c < *p
        })
    };
    decreased(&prev.buckets, prev.offset, &cur.buckets, cur.offset)
        || decreased(&prev.negative_buckets, prev.negative_offset, &cur.negative_buckets, cur.negative_offset)
}

/// The counter-reset hint a stored sample reads back with.
fn hint(
    series: &BTreeMap<i64, HistogramLiteral>,
    samples: &crate::engine::storage::StoredSeries,
    idx: usize,
) -> String {
    let Some(cur) = samples.points.get(idx).and_then(|p| series.get(&p.t)) else { return String::new() };
    if cur.counter_reset_hint == "gauge" {
        return "gauge".into();
    }
    let prev = idx
        .checked_sub(1)
        .and_then(|p| samples.points.get(p))
        .filter(|p| is_histogram_marker(p.f))
        .and_then(|p| series.get(&p.t));
    match prev {
        None => String::new(),
        Some(p) if is_reset(p, cur) => "reset".into(),
        Some(_) => "not_reset".into(),
    }
}

/// A float or histogram sample of a selector result.
pub enum Point {
    Float(f64),
    Histogram(String),
}

/// Evaluates `expr` when it is a lone vector selector, over floats and the loaded histograms.
pub fn select(
    engine: &Engine,
    storage: &Storage,
    hist: &Histograms,
    expr: &ast::Expr,
    t: i64,
) -> Option<Vec<(Labels, Point)>> {
    let ast::Expr::VectorSelector(sel) = expr.unparen() else { return None };
    let at = match sel.modifiers.at {
        None | Some(ast::AtModifier::Start) | Some(ast::AtModifier::End) => t,
        Some(ast::AtModifier::Timestamp(ms)) => ms,
    };
    let ref_t = at - sel.modifiers.offset;
    let lookback = engine.settings.lookback_delta;
    let matchers = sel.all_matchers();
    let mut out = Vec::new();
    for s in storage.series() {
        let mut ok = true;
        for m in &matchers {
            let v = s.labels.get(&m.name);
            let hit = match m.op {
                ast::MatchOp::Equal => v == m.value,
                ast::MatchOp::NotEqual => v != m.value,
                ast::MatchOp::Re | ast::MatchOp::NotRe => {
                    let re = engine.regex(&m.value).ok()?;
                    re.is_match(v) == (m.op == ast::MatchOp::Re)
                }
            };
            if !hit {
                ok = false;
                break;
            }
        }
        if !ok {
            continue;
        }
        let idx = s.upper_bound(ref_t);
        let Some(last) = idx.checked_sub(1) else { continue };
        let Some(&crate::engine::FPoint { t: st, f: v }) = s.points.get(last) else { continue };
        if st <= ref_t - lookback || is_stale_nan(v) {
            continue;
        }
        if is_histogram_marker(v) {
            let series = hist.by_series.get(&s.labels)?;
            let h = series.get(&st)?;
            out.push((s.labels.clone(), Point::Histogram(test_expression(h, &hint(series, s, last)))));
        } else {
            out.push((s.labels.clone(), Point::Float(v)));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::parse_series_desc;
    use crate::engine::series_notation::SequenceValue;

    fn lit(s: &str) -> HistogramLiteral {
        match parse_series_desc(&format!("x {s}")).unwrap().values.remove(0) {
            SequenceValue::Histogram(h) => *h,
            _ => panic!("not a histogram"),
        }
    }

    #[test]
    fn test_expressions_like_prometheus() {
        let h = lit(
            "{{schema:1 sum:-0.3 count:32.1 z_bucket:7.1 z_bucket_w:0.05 buckets:[5.1 10 7] offset:-3 n_buckets:[4.1 5] n_offset:-5}}",
        );
        assert_eq!(
            test_expression(&h, ""),
            "{{schema:1 count:32.1 sum:-0.3 z_bucket:7.1 z_bucket_w:0.05 offset:-3 buckets:[5.1 10 7] n_offset:-5 n_buckets:[4.1 5]}}"
        );
        assert_eq!(
            test_expression(&lit("{{sum:3 count:2 buckets:[0 2 0]}}"), "not_reset"),
            "{{count:2 sum:3 counter_reset_hint:not_reset offset:1 buckets:[2]}}"
        );
    }

    #[test]
    fn resets_are_detected() {
        assert!(is_reset(&lit("{{count:4 buckets:[4]}}"), &lit("{{count:2 buckets:[2]}}")));
        assert!(!is_reset(&lit("{{count:2 buckets:[2]}}"), &lit("{{count:4 buckets:[4]}}")));
        assert!(is_reset(&lit("{{count:4 buckets:[2 2]}}"), &lit("{{count:4 buckets:[4 0]}}")));
    }
}
