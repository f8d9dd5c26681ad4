//! Compiles a [`Scenario`] into the samples a Prometheus server would have scraped from an exporter
//! like the example's (`prometheus_client`: a `{path,method,status}` request counter and a
//! `{path,method}` latency histogram).
//!
//! Every counter is the integral of its rate since the last restart: monotone between restarts,
//! starting at 0 at time 0 (as hand-written promtool tests do with `0+6x60`), reset to 0 by
//! `reset at T` and after a `stale` period. Histogram buckets are cumulative by construction (the
//! rate of `le` is the request rate times the latency distribution's CDF at `le`). Counts are
//! fractional where the rate asks for it: `100 rps with 5.01% 5xx` over a 15s scrape is 75.15 errors
//! per scrape, so rates come out exactly as stated instead of rounded to whole requests.
//!
//! The latency distribution between stated percentiles is linear (what `histogram_quantile` assumes
//! inside a bucket), starting at 0s for p0; above the highest stated percentile the rest of the
//! requests spread linearly up to twice its latency. A single latency (`latency 200ms`) puts every
//! request at exactly that value.

use std::collections::BTreeMap;

use crate::engine::value::{Labels, stale_nan};

use super::syntax::{Latency, Scenario, StepKind, SyntaxError};

/// Samples per series, each sorted by time.
pub type Series = Vec<(Labels, Vec<(i64, f64)>)>;

#[derive(Debug, Clone)]
pub struct Compiled {
    pub series: Series,
    pub scrape_ms: i64,
    pub end_ms: i64,
    /// `(start, end, statement text)` of every phase, gap and stale period.
    pub phases: Vec<(i64, i64, String)>,
}

impl Compiled {
    /// The start of the last phase with traffic (where a probe puts the condition it varies).
    pub fn last_traffic_start(&self, sc: &Scenario) -> i64 {
        sc.steps.iter().rev().find(|s| matches!(s.kind, StepKind::Traffic { .. })).map_or(0, |s| s.start_ms)
    }
}

/// What feeds one counter series.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Requests(String),
    Bucket(usize),
    Count,
    Sum,
}

/// The fraction of requests at or below `le` seconds.
pub fn cdf(l: &Latency, le: f64) -> f64 {
    match l {
        Latency::Fixed(v) => {
            if *v <= le {
                1.0
            } else {
                0.0
            }
        }
        Latency::Quantiles(points) => {
            let mut prev = (0.0, 0.0);
            for &(q, v) in points.iter().chain(tail(points).iter()) {
                if le < v {
                    let (pq, pv) = prev;
                    return if v > pv { pq + (q - pq) * (le - pv) / (v - pv) } else { pq };
                }
                prev = (q, v);
            }
            1.0
        }
    }
}

/// The point where the distribution reaches 1 above the highest stated percentile.
fn tail(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let &(q, v) = points.last()?;
    (q < 1.0).then_some((1.0, 2.0 * v))
}

/// The mean latency in seconds (for `_sum`).
pub fn mean(l: &Latency) -> f64 {
    match l {
        Latency::Fixed(v) => *v,
        Latency::Quantiles(points) => {
            let mut prev = (0.0, 0.0);
            let mut m = 0.0;
            for &(q, v) in points.iter().chain(tail(points).iter()) {
                m += (q - prev.0) * (v + prev.1) / 2.0;
                prev = (q, v);
            }
            m
        }
    }
}

fn format_le(b: f64) -> String {
    // prometheus_client writes `1.0`, `0.005`, `+Inf`
    if b.fract() == 0.0 && b.abs() < 1e15 { format!("{b:.1}") } else { format!("{b}") }
}

/// Compiles the scenario. The error is positioned at the phase that cannot be compiled.
pub fn compile(sc: &Scenario) -> Result<Compiled, SyntaxError> {
    let has_latency = sc.steps.iter().any(|s| matches!(&s.kind, StepKind::Traffic { latency: Some(_), .. }));
    let mut statuses = vec![sc.ok_status.clone()];
    for s in &sc.steps {
        if let StepKind::Traffic { rps, shares, latency } = &s.kind {
            if has_latency && latency.is_none() && *rps > 0.0 {
                return Err(SyntaxError {
                    message: "this phase has no latency while others have one: give it one (or a `latency` statement before the phases)"
                        .into(),
                    span: s.span.clone(),
                });
            }
            for sh in shares {
                if !statuses.contains(&sh.status) {
                    statuses.push(sh.status.clone());
                }
            }
        }
    }
    // per step, the rate of every key
    let mut rates: Vec<BTreeMap<Key, f64>> = Vec::with_capacity(sc.steps.len());
    let mut last_traffic: BTreeMap<Key, f64> = BTreeMap::new();
    for s in &sc.steps {
        let r = match &s.kind {
            StepKind::Traffic { rps, shares, latency } => {
                let mut m = BTreeMap::new();
                let claimed: f64 = shares.iter().map(|s| s.fraction).sum();
                for st in &statuses {
                    let f = if *st == sc.ok_status { (1.0 - claimed).max(0.0) } else { 0.0 }
                        + shares.iter().filter(|s| s.status == *st).map(|s| s.fraction).sum::<f64>();
                    m.insert(Key::Requests(st.clone()), rps * f);
                }
                if has_latency {
                    for (i, b) in sc.buckets.iter().enumerate() {
                        m.insert(Key::Bucket(i), latency.as_ref().map_or(0.0, |l| rps * cdf(l, *b)));
                    }
                    m.insert(Key::Count, *rps);
                    m.insert(Key::Sum, latency.as_ref().map_or(0.0, |l| rps * mean(l)));
                }
                last_traffic = m.clone();
                m
            }
            StepKind::Gap => last_traffic.clone(),
            StepKind::Stale => BTreeMap::new(),
        };
        rates.push(r);
    }
    let mut keys: Vec<Key> = statuses.iter().map(|s| Key::Requests(s.clone())).collect();
    if has_latency {
        keys.extend((0..=sc.buckets.len()).map(Key::Bucket));
        keys.push(Key::Count);
        keys.push(Key::Sum);
    }
    // the `+Inf` bucket counts every request
    let rate_of = |step: usize, k: &Key| -> f64 {
        let r = rates.get(step);
        match k {
            Key::Bucket(i) if *i == sc.buckets.len() => r.and_then(|m| m.get(&Key::Count)).copied().unwrap_or(0.0),
            _ => r.and_then(|m| m.get(k)).copied().unwrap_or(0.0),
        }
    };
    let acc = |k: &Key, t: i64| -> f64 {
        let mut a = 0.0;
        for (i, s) in sc.steps.iter().enumerate() {
            let overlap = t.min(s.end_ms()) - s.start_ms;
            if overlap > 0 {
                a += rate_of(i, k) * overlap as f64 / 1000.0;
            }
        }
        a
    };
    let mut bases: Vec<i64> = sc.resets.clone();
    bases.extend(sc.steps.iter().filter(|s| s.kind == StepKind::Stale).map(|s| s.end_ms()));
    bases.sort_unstable();
    let end = sc.end_ms();
    let step_at = |t: i64| -> Option<usize> {
        sc.steps
            .iter()
            .position(|s| s.start_ms <= t && t < s.end_ms())
            .or_else(|| (t == end).then(|| sc.steps.len() - 1))
    };
    let labels_of = |k: &Key| -> Labels {
        let mut pairs: Vec<(String, String)> = sc.labels.clone();
        let name = match k {
            Key::Requests(st) => {
                pairs.push(("status".into(), st.clone()));
                sc.requests_metric.clone()
            }
            Key::Bucket(i) => {
                let le = sc.buckets.get(*i).map_or_else(|| "+Inf".to_string(), |b| format_le(*b));
                pairs.push(("le".into(), le));
                format!("{}_bucket", sc.latency_metric)
            }
            Key::Count => format!("{}_count", sc.latency_metric),
            Key::Sum => format!("{}_sum", sc.latency_metric),
        };
        pairs.push(("__name__".into(), name));
        Labels::from_pairs(pairs)
    };
    let mut series: Series = keys.iter().map(|k| (labels_of(k), Vec::new())).collect();
    let mut t = 0i64;
    let mut stale_written: Option<usize> = None;
    while t <= end {
        let Some(i) = step_at(t) else { break };
        let kind = sc.steps.get(i).map(|s| &s.kind);
        match kind {
            Some(StepKind::Gap) => {}
            Some(StepKind::Stale) => {
                if stale_written != Some(i) {
                    stale_written = Some(i);
                    for (_, samples) in series.iter_mut() {
                        if samples.last().is_some_and(|(_, v): &(i64, f64)| !crate::engine::value::is_stale_nan(*v)) {
                            samples.push((t, stale_nan()));
                        }
                    }
                }
            }
            _ => {
                let base = bases.iter().rev().find(|b| **b <= t).copied();
                for (k, (_, samples)) in keys.iter().zip(series.iter_mut()) {
                    let v = acc(k, t) - base.map_or(0.0, |b| acc(k, b));
                    samples.push((t, v.max(0.0)));
                }
            }
        }
        t += sc.scrape_ms;
    }
    let phases = sc.steps.iter().map(|s| (s.start_ms, s.end_ms(), String::new())).collect();
    Ok(Compiled { series, scrape_ms: sc.scrape_ms, end_ms: end, phases })
}

/// [`compile`], with each phase's statement text taken from the scenario source.
pub fn compile_text(sc: &Scenario, text: &str) -> Result<Compiled, SyntaxError> {
    let mut c = compile(sc)?;
    for (p, s) in c.phases.iter_mut().zip(&sc.steps) {
        p.2 = text.get(s.span.clone()).unwrap_or("").trim().to_string();
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::super::syntax::parse;
    use super::*;
    use crate::engine::{Engine, EngineSettings, Storage, Value};

    fn compiled(text: &str) -> Compiled {
        compile(&parse(text).unwrap()).unwrap()
    }

    fn storage(c: &Compiled) -> Storage {
        let mut st = Storage::new();
        for (l, samples) in &c.series {
            for (t, v) in samples {
                st.append(l, *t, *v).unwrap();
            }
        }
        st
    }

    fn query(st: &Storage, q: &str, t: i64) -> Vec<f64> {
        let e = crate::promql::parse(q, crate::promql::ParseOptions::PROMTOOL).unwrap();
        match Engine::new(EngineSettings::promtool(60_000)).instant(st, &e, t).unwrap() {
            Value::Vector(v) => v.iter().map(|s| s.f).collect(),
            Value::Scalar { v, .. } => vec![v],
            v => panic!("{v:?}"),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn counters_are_monotone_and_rates_come_out_as_stated() {
        let c = compiled("scrape 15s; by path=/predict; 10m at 100 rps with 6% 5xx; 5m at 40 rps with 50% 503");
        assert_eq!(c.series.len(), 3);
        for (l, s) in &c.series {
            assert!(s.windows(2).all(|w| w[1].1 >= w[0].1), "{l:?} not monotone");
            assert_eq!(s.len(), 61);
            assert_eq!(l.get("path"), "/predict");
        }
        let st = storage(&c);
        let r = query(&st, "sum(rate(http_requests_total[5m]))", 9 * 60_000);
        assert!(close(r[0], 100.0), "{r:?}");
        let r = query(
            &st,
            r#"sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))"#,
            600_000,
        );
        assert!(close(r[0], 0.06), "{r:?}");
        let r = query(&st, r#"rate(http_requests_total{status="503"}[2m])"#, 15 * 60_000);
        assert!(close(r[0], 20.0), "{r:?}");
        let r = query(&st, r#"rate(http_requests_total{status="200"}[2m])"#, 15 * 60_000);
        assert!(close(r[0], 20.0), "{r:?}");
    }

    #[test]
    fn buckets_are_cumulative_and_quantiles_land_in_their_buckets() {
        let c = compiled("latency p50=50ms p90=200ms p99=1s; 10m at 10 rps");
        let buckets: Vec<&Vec<(i64, f64)>> =
            c.series.iter().filter(|(l, _)| l.get("__name__").ends_with("_bucket")).map(|(_, s)| s).collect();
        assert_eq!(buckets.len(), 15);
        // series are sorted by le as declared; each scrape's buckets never decrease with le
        for k in 0..buckets[0].len() {
            let row: Vec<f64> = buckets.iter().map(|s| s[k].1).collect();
            assert!(row.windows(2).all(|w| w[1] >= w[0] - 1e-9), "{row:?}");
        }
        let st = storage(&c);
        let q = |p: f64| {
            query(
                &st,
                &format!("histogram_quantile({p}, sum by (le) (rate(http_request_latency_seconds_bucket[5m])))"),
                600_000,
            )[0]
        };
        assert!(close(q(0.5), 0.05), "{}", q(0.5));
        // 0.9 lies in the 0.1..0.25 bucket, which spans the distribution's bend at p90=200ms:
        // histogram_quantile interpolates linearly between the bucket's cumulative fractions
        let (f1, f2) = (0.5 + 0.4 * (0.05 / 0.15), 0.9 + 0.09 * (0.05 / 0.8));
        let want = 0.1 + 0.15 * (0.9 - f1) / (f2 - f1);
        assert!(close(q(0.9), want), "{} {want}", q(0.9));
        assert!(q(0.9) > 0.1 && q(0.9) <= 0.25);
        let count = query(&st, "rate(http_request_latency_seconds_count[5m])", 600_000)[0];
        assert!(close(count, 10.0));
        let avg = query(
            &st,
            "rate(http_request_latency_seconds_sum[5m]) / rate(http_request_latency_seconds_count[5m])",
            600_000,
        )[0];
        let want = 0.5 * 0.025 + 0.4 * 0.125 + 0.09 * 0.6 + 0.01 * 1.5;
        assert!(close(avg, want), "{avg} {want}");
    }

    #[test]
    fn resets_gaps_and_stale_series() {
        let c = compiled("scrape 1m; 4m at 1 rps; reset at 2m; gap 2m; 2m at 1 rps; stale 2m; 1m at 1 rps");
        let (_, s) = &c.series[0];
        let vals: Vec<(i64, f64)> = s.iter().map(|(t, v)| (*t / 60_000, *v)).collect();
        // 0..3m: 0, 60, reset at 2m → 0, 60; 4m,5m: gap (counting goes on); 6m: 240; 7m: 300;
        // 8m,9m: stale (one marker); 10m: restarted at 0; 11m: 60
        assert_eq!(&vals[..4], &[(0, 0.0), (1, 60.0), (2, 0.0), (3, 60.0)]);
        assert_eq!(vals[4], (6, 240.0));
        assert_eq!(vals[5], (7, 300.0));
        assert_eq!(vals[6].0, 8);
        assert!(crate::engine::value::is_stale_nan(vals[6].1));
        assert_eq!(&vals[7..], &[(10, 0.0), (11, 60.0)]);
    }

    #[test]
    fn phases_without_latency_next_to_ones_with_are_refused() {
        let sc = parse("1m at 1 rps latency 1s; 1m at 1 rps").unwrap();
        let e = compile(&sc).unwrap_err();
        assert_eq!(e.span, sc.steps[1].span);
    }
}
