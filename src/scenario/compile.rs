//! Compiles a [`Scenario`] into the samples a Prometheus server would have scraped from an exporter
//! like the example's (`prometheus_client`: a `{path,method,status}` request counter and a
//! `{path,method}` latency histogram).
//!
//! Each label set (the `by` labels with a stream's `on` labels) gets its own request counters (one
//! per status that label set sees) and its own histogram; a label set without traffic in a phase
//! counts nothing during it, and every series exists from time 0.
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

use super::syntax::{Latency, Scenario, StepKind, Stream, SyntaxError};

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

/// The label sets of a scenario, in order of first appearance: the `by` labels with each stream's
/// `on` labels added (replacing `by` labels of the same name). Streams that end up with the same
/// labels feed the same series.
fn label_sets(sc: &Scenario) -> Vec<Vec<(String, String)>> {
    let mut sets: Vec<Vec<(String, String)>> = Vec::new();
    for s in &sc.steps {
        if let StepKind::Traffic { streams } = &s.kind {
            for st in streams {
                let l = merged(sc, st);
                if !sets.contains(&l) {
                    sets.push(l);
                }
            }
        }
    }
    sets
}

fn merged(sc: &Scenario, st: &Stream) -> Vec<(String, String)> {
    let mut l: Vec<(String, String)> =
        sc.labels.iter().filter(|(n, _)| !st.labels.iter().any(|(m, _)| m == n)).cloned().collect();
    l.extend(st.labels.iter().cloned());
    l.sort();
    l
}

/// Compiles the scenario. The error is positioned at the stream (or phase) that cannot be compiled.
pub fn compile(sc: &Scenario) -> Result<Compiled, SyntaxError> {
    let has_latency = sc.steps.iter().any(|s| match &s.kind {
        StepKind::Traffic { streams } => streams.iter().any(|st| st.latency.is_some()),
        _ => false,
    });
    let sets = label_sets(sc);
    let set_of = |st: &Stream| -> usize { sets.iter().position(|l| *l == merged(sc, st)).unwrap_or(0) };
    // per label set, the ok status and every status it is given a share of
    let mut statuses: Vec<Vec<String>> = vec![vec![sc.ok_status.clone()]; sets.len()];
    for s in &sc.steps {
        if let StepKind::Traffic { streams } = &s.kind {
            for st in streams {
                if has_latency && st.latency.is_none() && st.rps > 0.0 {
                    return Err(SyntaxError {
                        message: "this traffic has no latency while other traffic has one: give it one (or a `latency` statement before the phases)"
                            .into(),
                        span: st.span.clone(),
                    });
                }
                if let Some(list) = statuses.get_mut(set_of(st)) {
                    for sh in &st.shares {
                        if !list.contains(&sh.status) {
                            list.push(sh.status.clone());
                        }
                    }
                }
            }
        }
    }
    // per step, the rate of every (label set, key); a label set without a stream in a phase has none
    let mut rates: Vec<BTreeMap<(usize, Key), f64>> = Vec::with_capacity(sc.steps.len());
    let mut last_traffic: BTreeMap<(usize, Key), f64> = BTreeMap::new();
    for s in &sc.steps {
        let r = match &s.kind {
            StepKind::Traffic { streams } => {
                let mut m = BTreeMap::new();
                let mut seen: Vec<usize> = Vec::new();
                for st in streams {
                    let set = set_of(st);
                    if seen.contains(&set) {
                        return Err(SyntaxError {
                            message: "this phase already has traffic on these labels (with the `by` labels added)"
                                .into(),
                            span: st.span.clone(),
                        });
                    }
                    seen.push(set);
                    let claimed: f64 = st.shares.iter().map(|s| s.fraction).sum();
                    for code in statuses.get(set).into_iter().flatten() {
                        let f = if *code == sc.ok_status { (1.0 - claimed).max(0.0) } else { 0.0 }
                            + st.shares.iter().filter(|s| s.status == *code).map(|s| s.fraction).sum::<f64>();
                        m.insert((set, Key::Requests(code.clone())), st.rps * f);
                    }
                    if has_latency {
                        for (i, b) in sc.buckets.iter().enumerate() {
                            m.insert((set, Key::Bucket(i)), st.latency.as_ref().map_or(0.0, |l| st.rps * cdf(l, *b)));
                        }
                        m.insert((set, Key::Count), st.rps);
                        m.insert((set, Key::Sum), st.latency.as_ref().map_or(0.0, |l| st.rps * mean(l)));
                    }
                }
                last_traffic = m.clone();
                m
            }
            StepKind::Gap => last_traffic.clone(),
            StepKind::Stale => BTreeMap::new(),
        };
        rates.push(r);
    }
    let mut keys: Vec<(usize, Key)> = Vec::new();
    for (set, list) in statuses.iter().enumerate() {
        keys.extend(list.iter().map(|s| (set, Key::Requests(s.clone()))));
        if has_latency {
            keys.extend((0..=sc.buckets.len()).map(|i| (set, Key::Bucket(i))));
            keys.push((set, Key::Count));
            keys.push((set, Key::Sum));
        }
    }
    // the `+Inf` bucket counts every request
    let rate_of = |step: usize, k: &(usize, Key)| -> f64 {
        let r = rates.get(step);
        match k {
            (set, Key::Bucket(i)) if *i == sc.buckets.len() => {
                r.and_then(|m| m.get(&(*set, Key::Count))).copied().unwrap_or(0.0)
            }
            _ => r.and_then(|m| m.get(k)).copied().unwrap_or(0.0),
        }
    };
    let acc = |k: &(usize, Key), t: i64| -> f64 {
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
    let labels_of = |(set, k): &(usize, Key)| -> Labels {
        let mut pairs: Vec<(String, String)> = sets.get(*set).cloned().unwrap_or_default();
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

/// A phase's text on one line, without comments (a phase with several streams may run over several
/// lines, with comments between them).
fn one_line(text: &str) -> String {
    let mut words: Vec<&str> = Vec::new();
    for line in text.lines() {
        let mut quoted = false;
        let mut escaped = false;
        let mut cut = line.len();
        for (i, c) in line.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                '#' if !quoted => {
                    cut = i;
                    break;
                }
                _ => {}
            }
        }
        words.extend(line.get(..cut).unwrap_or("").split_whitespace());
    }
    words.join(" ")
}

/// [`compile`], with each phase's statement text taken from the scenario source.
pub fn compile_text(sc: &Scenario, text: &str) -> Result<Compiled, SyntaxError> {
    let mut c = compile(sc)?;
    for (p, s) in c.phases.iter_mut().zip(&sc.steps) {
        p.2 = one_line(text.get(s.span.clone()).unwrap_or(""));
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
        let text = "1m at 1 rps latency 1s; 1m at 1 rps";
        let sc = parse(text).unwrap();
        let e = compile(&sc).unwrap_err();
        assert_eq!(&text[e.span], "1 rps");
        let text = "1m at 1 rps on path=/a latency 1s + 2 rps on path=/b";
        let e = compile(&parse(text).unwrap()).unwrap_err();
        assert_eq!(&text[e.span], "2 rps on path=/b");
        // the same label set once the `by` labels are added
        let text = "by path=/a; 1m at 1 rps + 2 rps on path=/a";
        let e = compile(&parse(text).unwrap()).unwrap_err();
        assert_eq!(&text[e.span], "2 rps on path=/a");
    }

    const SPLIT: &str = "scrape 15s; by job=ml, path=/predict
        10m at 90 rps latency p50=40ms p90=300ms + 10 rps on path=/health latency 5ms
        10m at 90 rps with 6% 5xx latency p50=40ms p90=300ms
          + 10 rps on path=/health with 50% 503 latency 5ms
        5m at 20 rps on path=/health latency 5ms  # /predict gets no traffic
        gap 1m
        1m at 20 rps on path=/health latency 5ms";

    #[test]
    fn each_label_set_gets_its_own_counters_and_histogram() {
        let c = compiled(SPLIT);
        let names: Vec<String> = c
            .series
            .iter()
            .filter(|(l, _)| l.get("__name__") == "http_requests_total")
            .map(|(l, _)| format!("{}/{}/{}", l.get("job"), l.get("path"), l.get("status")))
            .collect();
        // /health sees 503s only, /predict 500s only; `on path=` replaces the `by` path
        assert_eq!(names, ["ml//predict/200", "ml//predict/500", "ml//health/200", "ml//health/503"]);
        // 2 label sets × (14 buckets + +Inf + count + sum) histogram series
        assert_eq!(c.series.iter().filter(|(l, _)| l.get("__name__").starts_with("http_request_latency")).count(), 34);
        for (l, s) in &c.series {
            assert!(s.windows(2).all(|w| w[1].1 >= w[0].1), "{l:?} not monotone");
            assert_eq!(s.first(), Some(&(0, 0.0)), "{l:?} starts at 0 at time 0");
        }
        for path in ["/predict", "/health"] {
            let buckets: Vec<&Vec<(i64, f64)>> = c
                .series
                .iter()
                .filter(|(l, _)| l.get("__name__").ends_with("_bucket") && l.get("path") == path)
                .map(|(_, s)| s)
                .collect();
            assert_eq!(buckets.len(), 15);
            for k in 0..buckets[0].len() {
                let row: Vec<f64> = buckets.iter().map(|s| s[k].1).collect();
                assert!(row.windows(2).all(|w| w[1] >= w[0] - 1e-9), "{path}: {row:?}");
            }
        }
    }

    #[test]
    fn per_label_set_rates_come_out_as_stated() {
        let c = compiled(SPLIT);
        let st = storage(&c);
        let one = |q: &str, t: i64| {
            let r = query(&st, q, t);
            assert_eq!(r.len(), 1, "{q} at {t}: {r:?}");
            r[0]
        };
        let m = 60_000;
        assert!(close(one(r#"sum(rate(http_requests_total{path="/predict"}[5m]))"#, 9 * m), 90.0));
        assert!(close(one(r#"sum(rate(http_requests_total{path="/health"}[5m]))"#, 9 * m), 10.0));
        assert!(close(one("sum(rate(http_requests_total[5m]))", 19 * m), 100.0));
        // errors: 6% of 90 on /predict, 50% of 10 on /health; 10.4% overall
        assert!(close(one(r#"rate(http_requests_total{path="/predict",status="500"}[5m])"#, 19 * m), 5.4));
        assert!(close(one(r#"rate(http_requests_total{path="/health",status="503"}[5m])"#, 19 * m), 5.0));
        assert!(close(
            one(r#"sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))"#, 19 * m),
            0.104
        ));
        let by_path = query(
            &st,
            r#"sum by (path) (rate(http_requests_total{status=~"5.."}[5m])) / sum by (path) (rate(http_requests_total[5m]))"#,
            19 * m,
        );
        let mut by_path: Vec<f64> = by_path;
        by_path.sort_by(f64::total_cmp);
        assert!(close(by_path[0], 0.06) && close(by_path[1], 0.5), "{by_path:?}");
        // the last phase: /predict idle (its counters flat), /health at 20 rps; the gap goes on counting
        assert!(close(one(r#"sum(rate(http_requests_total{path="/predict"}[4m]))"#, 24 * m), 0.0));
        assert!(close(one(r#"sum(rate(http_requests_total{path="/health"}[4m]))"#, 24 * m), 20.0));
        let (_, health) = c
            .series
            .iter()
            .find(|(l, _)| l.get("path") == "/health" && l.get("status") == "200")
            .expect("the /health 200 series");
        // the gap (25m..26m) starts on a scrape: the last one before it is at 24m45s
        let after: Vec<(i64, f64)> = health.iter().filter(|(t, _)| *t >= 24 * m + 45_000).take(2).copied().collect();
        assert_eq!(
            after.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            [24 * m + 45_000, 26 * m],
            "no scrapes in the gap"
        );
        assert!(close(after[1].1 - after[0].1, 20.0 * 75.0), "{after:?}");
        // each path's latency: p90 of /predict is 300ms, every /health request takes 5ms
        let p90 = |path: &str| {
            one(
                &format!(
                    r#"histogram_quantile(0.9, sum by (le) (rate(http_request_latency_seconds_bucket{{path="{path}"}}[5m])))"#
                ),
                9 * m,
            )
        };
        assert!(p90("/predict") > 0.25 && p90("/predict") <= 0.5, "{}", p90("/predict"));
        assert!(p90("/health") <= 0.005, "{}", p90("/health"));
        let count = one(r#"rate(http_request_latency_seconds_count{path="/health"}[5m])"#, 9 * m);
        assert!(close(count, 10.0));
    }

    #[test]
    fn phase_text_is_one_line_without_comments() {
        let text = "1m at 1 rps on path=/a # first\n  # more\n  + 2 rps on path=\"/#b\"";
        let c = compile_text(&parse(text).unwrap(), text).unwrap();
        assert_eq!(c.phases[0].2, "1m at 1 rps on path=/a + 2 rps on path=\"/#b\"");
    }
}
