//! PromQL functions (`functions.go`).
//!
//! Two tables: `call_matrix_fn` for functions over a range vector (called per series and step with the
//! window's points) and `call_vector_fn` for the others (called per step with the argument vectors).
//! Each function sits under a `// === name(args) -> result ===` banner as in Prometheus's source, and keeps
//! its float operations in Prometheus's order (rate extrapolation, Kahan sums, regression) so results
//! agree to the last bit.

use std::cmp::Ordering;

use crate::engine::EvalError;
use crate::engine::aggregate::{go_max, go_min};
use crate::engine::eval::{Ctx, Ev, StepVec, contains_same_labelset, dup_labelset_error};
use crate::engine::gomath;
use crate::engine::plan::{Node, VectorSel};
use crate::engine::quantile::{Bucket, bucket_fraction, bucket_quantile, go_sort_by, quantile, value_less};
use crate::engine::series_notation::parse_go_float;
use crate::engine::value::{FPoint, Labels, METRIC_NAME, Matrix, Sample, Vector, format_go_g, quote};
use crate::promql::ast::MatchOp;

/// `kahanSumInc`: one step of Kahan–Neumaier summation.
pub(crate) fn kahan_sum_inc(inc: f64, sum: f64, c: f64) -> (f64, f64) {
    let t = sum + inc;
    let c = if t.is_infinite() {
        0.0
    } else if sum.abs() >= inc.abs() {
        c + ((sum - t) + inc)
    } else {
        c + ((inc - t) + sum)
    };
    (t, c)
}

/// Everything a range-vector function sees for one series at one step.
pub(crate) struct MatrixCall<'b> {
    pub name: &'static str,
    pub ts: i64,
    /// Range of the selector or subquery (ms).
    pub range: i64,
    /// Offset the window was read with (ms).
    pub offset: i64,
    /// The values of the scalar arguments at this step, by argument position.
    pub scalars: &'b [f64],
    pub ctx: &'b Ctx<'b>,
}

impl MatrixCall<'_> {
    fn scalar(&self, i: usize) -> f64 {
        self.scalars.get(i).copied().unwrap_or(f64::NAN)
    }
}

/// Go's `time.Duration.Seconds()` of a millisecond duration.
fn duration_seconds(ms: i64) -> f64 {
    let sec = ms / 1000;
    let nsec = (ms % 1000) * 1_000_000;
    sec as f64 + nsec as f64 / 1e9
}

/// Dispatches a range-vector function. `w` is the non-empty window (stale markers removed).
pub(crate) fn call_matrix_fn(c: &MatrixCall, w: &[FPoint]) -> Result<Option<f64>, EvalError> {
    Ok(match c.name {
        // === rate(matrix) -> vector ===
        "rate" => extrapolated_rate(c, w, true, true),
        // === increase(matrix) -> vector ===
        "increase" => extrapolated_rate(c, w, true, false),
        // === delta(matrix) -> vector ===
        "delta" => extrapolated_rate(c, w, false, false),
        // === irate(matrix) -> vector ===
        "irate" => instant_value(w, true),
        // === idelta(matrix) -> vector ===
        "idelta" => instant_value(w, false),
        // === avg_over_time(matrix) -> vector ===
        "avg_over_time" => Some(avg_over_time(w)),
        // === count_over_time(matrix) -> vector ===
        "count_over_time" => Some(w.len() as f64),
        // === last_over_time(matrix) -> vector ===
        "last_over_time" => w.last().map(|p| p.f),
        // === ts_of_last_over_time(matrix) -> vector ===
        "ts_of_last_over_time" => w.last().map(|p| p.t as f64 / 1000.0),
        // === max_over_time(matrix) -> vector ===
        "max_over_time" => Some(compare_over_time(w, |cur, m| cur > m || m.is_nan(), false)),
        // === min_over_time(matrix) -> vector ===
        "min_over_time" => Some(compare_over_time(w, |cur, m| cur < m || m.is_nan(), false)),
        // === ts_of_max_over_time(matrix) -> vector ===
        "ts_of_max_over_time" => Some(compare_over_time(w, |cur, m| cur >= m || m.is_nan(), true)),
        // === ts_of_min_over_time(matrix) -> vector ===
        "ts_of_min_over_time" => Some(compare_over_time(w, |cur, m| cur <= m || m.is_nan(), true)),
        // === sum_over_time(matrix) -> vector ===
        "sum_over_time" => {
            let (mut sum, mut comp) = (0.0, 0.0);
            for p in w {
                (sum, comp) = kahan_sum_inc(p.f, sum, comp);
            }
            Some(if sum.is_infinite() { sum } else { sum + comp })
        }
        // === quantile_over_time(scalar, matrix) -> vector ===
        "quantile_over_time" => {
            let q = c.scalar(0);
            if q.is_nan() || !(0.0..=1.0).contains(&q) {
                c.ctx.warn(format!("PromQL warning: quantile value should be between 0 and 1, got {}", format_go_g(q)));
            }
            let mut v: Vec<f64> = w.iter().map(|p| p.f).collect();
            Some(quantile(q, &mut v))
        }
        // === stddev_over_time(matrix) -> vector ===
        "stddev_over_time" => Some(variance_over_time(w).sqrt()),
        // === stdvar_over_time(matrix) -> vector ===
        "stdvar_over_time" => Some(variance_over_time(w)),
        // === mad_over_time(matrix) -> vector ===
        "mad_over_time" => {
            let mut v: Vec<f64> = w.iter().map(|p| p.f).collect();
            let median = quantile(0.5, &mut v);
            let mut d: Vec<f64> = w.iter().map(|p| (p.f - median).abs()).collect();
            Some(quantile(0.5, &mut d))
        }
        // === present_over_time(matrix) -> vector ===
        "present_over_time" => Some(1.0),
        // === absent_over_time(matrix) -> vector === (completed by the evaluator)
        "absent_over_time" => Some(1.0),
        // === changes(matrix) -> vector ===
        "changes" => {
            let mut n = 0;
            for pair in w.windows(2) {
                let (p, q) = (pair[0].f, pair[1].f);
                if q != p && !(q.is_nan() && p.is_nan()) {
                    n += 1;
                }
            }
            Some(n as f64)
        }
        // === resets(matrix) -> vector ===
        "resets" => Some(w.windows(2).filter(|p| p[1].f < p[0].f).count() as f64),
        // === deriv(matrix) -> vector ===
        "deriv" => {
            if w.len() < 2 {
                None
            } else {
                Some(linear_regression(w, w[0].t).0)
            }
        }
        // === predict_linear(matrix, scalar) -> vector ===
        "predict_linear" => {
            if w.len() < 2 {
                None
            } else {
                let (slope, intercept) = linear_regression(w, c.ts);
                Some(slope * c.scalar(1) + intercept)
            }
        }
        // === double_exponential_smoothing(matrix, scalar, scalar) -> vector ===
        "double_exponential_smoothing" => double_exponential_smoothing(w, c.scalar(1), c.scalar(2))?,
        other => return Err(EvalError::new(format!("function {other:?} does not take a range vector"))),
    })
}

/// `extrapolatedRate` for float samples.
fn extrapolated_rate(c: &MatrixCall, w: &[FPoint], is_counter: bool, is_rate: bool) -> Option<f64> {
    if w.len() < 2 {
        return None;
    }
    let range_start = c.ts - (c.range + c.offset);
    let range_end = c.ts - c.offset;
    let first = w[0];
    let last = w[w.len() - 1];
    let mut result = last.f - first.f;
    if is_counter {
        let mut prev = first.f;
        for p in &w[1..] {
            if p.f < prev {
                result += prev;
            }
            prev = p.f;
        }
    }
    let mut duration_to_start = (first.t - range_start) as f64 / 1000.0;
    let mut duration_to_end = (range_end - last.t) as f64 / 1000.0;
    let sampled_interval = (last.t - first.t) as f64 / 1000.0;
    let avg = sampled_interval / (w.len() - 1) as f64;
    let threshold = avg * 1.1;
    let mut extrapolate_to = sampled_interval;
    if duration_to_start >= threshold {
        duration_to_start = avg / 2.0;
    }
    if is_counter && result > 0.0 && first.f >= 0.0 {
        let duration_to_zero = sampled_interval * (first.f / result);
        if duration_to_zero < duration_to_start {
            duration_to_start = duration_to_zero;
        }
    }
    extrapolate_to += duration_to_start;
    if duration_to_end >= threshold {
        duration_to_end = avg / 2.0;
    }
    extrapolate_to += duration_to_end;
    let mut factor = extrapolate_to / sampled_interval;
    if is_rate {
        factor /= duration_seconds(c.range);
    }
    Some(result * factor)
}

/// `instantValue` (irate, idelta) for float samples.
fn instant_value(w: &[FPoint], is_rate: bool) -> Option<f64> {
    if w.len() < 2 {
        return None;
    }
    let (a, b) = (w[w.len() - 2], w[w.len() - 1]);
    let interval = b.t - a.t;
    if interval == 0 {
        return None;
    }
    let mut r = b.f;
    if !is_rate || b.f.partial_cmp(&a.f) != Some(Ordering::Less) {
        r = b.f - a.f;
    }
    if is_rate {
        r /= interval as f64 / 1000.0;
    }
    Some(r)
}

fn avg_over_time(w: &[FPoint]) -> f64 {
    let Some(first) = w.first() else { return f64::NAN };
    let (mut sum, mut count) = (first.f, 1.0);
    let (mut mean, mut c) = (0.0, 0.0);
    let mut incremental = false;
    for (i, p) in w[1..].iter().enumerate() {
        count = (i + 2) as f64;
        if !incremental {
            let (ns, nc) = kahan_sum_inc(p.f, sum, c);
            if !ns.is_infinite() {
                sum = ns;
                c = nc;
                continue;
            }
            incremental = true;
            mean = sum / (count - 1.0);
            c /= count - 1.0;
        }
        let q = (count - 1.0) / count;
        (mean, c) = kahan_sum_inc(p.f / count, q * mean, q * c);
    }
    if incremental { mean + c } else { sum / count + c / count }
}

fn compare_over_time(w: &[FPoint], cmp: impl Fn(f64, f64) -> bool, return_ts: bool) -> f64 {
    let Some(first) = w.first() else { return f64::NAN };
    let (mut m, mut t) = (first.f, first.t);
    for p in w {
        if cmp(p.f, m) {
            m = p.f;
            t = p.t;
        }
    }
    if return_ts { t as f64 / 1000.0 } else { m }
}

fn variance_over_time(w: &[FPoint]) -> f64 {
    let (mut count, mut mean, mut c_mean, mut aux, mut c_aux) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for p in w {
        count += 1.0;
        let delta = p.f - (mean + c_mean);
        (mean, c_mean) = kahan_sum_inc(delta / count, mean, c_mean);
        (aux, c_aux) = kahan_sum_inc(delta * (p.f - (mean + c_mean)), aux, c_aux);
    }
    (aux + c_aux) / count
}

/// `linearRegression`: (slope, intercept at `intercept_time`).
fn linear_regression(w: &[FPoint], intercept_time: i64) -> (f64, f64) {
    let (mut n, mut sum_x, mut cx, mut sum_y, mut cy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut sum_xy, mut cxy, mut sum_x2, mut cx2) = (0.0, 0.0, 0.0, 0.0);
    let init_y = w.first().map(|p| p.f).unwrap_or(0.0);
    let mut const_y = true;
    for (i, p) in w.iter().enumerate() {
        if const_y && i > 0 && p.f != init_y {
            const_y = false;
        }
        n += 1.0;
        let x = (p.t - intercept_time) as f64 / 1e3;
        (sum_x, cx) = kahan_sum_inc(x, sum_x, cx);
        (sum_y, cy) = kahan_sum_inc(p.f, sum_y, cy);
        (sum_xy, cxy) = kahan_sum_inc(x * p.f, sum_xy, cxy);
        (sum_x2, cx2) = kahan_sum_inc(x * x, sum_x2, cx2);
    }
    if const_y {
        if init_y.is_infinite() {
            return (f64::NAN, f64::NAN);
        }
        return (0.0, init_y);
    }
    sum_x += cx;
    sum_y += cy;
    sum_xy += cxy;
    sum_x2 += cx2;
    let cov_xy = sum_xy - sum_x * sum_y / n;
    let var_x = sum_x2 - sum_x * sum_x / n;
    let slope = cov_xy / var_x;
    let intercept = sum_y / n - slope * sum_x / n;
    (slope, intercept)
}

/// Go's `%f`.
fn go_f6(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else {
        format!("{v:.6}")
    }
}

fn double_exponential_smoothing(w: &[FPoint], sf: f64, tf: f64) -> Result<Option<f64>, EvalError> {
    if sf <= 0.0 || sf >= 1.0 || sf.is_nan() {
        return Err(EvalError::new(format!("invalid smoothing factor. Expected: 0 < sf < 1, got: {}", go_f6(sf))));
    }
    if tf <= 0.0 || tf >= 1.0 || tf.is_nan() {
        return Err(EvalError::new(format!("invalid trend factor. Expected: 0 < tf < 1, got: {}", go_f6(tf))));
    }
    if w.len() < 2 {
        return Ok(None);
    }
    let (mut s0, mut s1) = (0.0, w[0].f);
    let mut b = w[1].f - w[0].f;
    for (i, p) in w.iter().enumerate().skip(1) {
        let x = sf * p.f;
        b = if i - 1 == 0 { b } else { tf * (s1 - s0) + (1.0 - tf) * b };
        let y = (1.0 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
    }
    Ok(Some(s1))
}

fn simple(vals: &[StepVec], delayed: bool, out: &mut Vector, f: impl Fn(f64) -> f64) {
    let Some(v) = vals.first() else { return };
    for el in &v.v {
        let metric = if delayed { el.metric.clone() } else { el.metric.drop_metadata() };
        out.push(Sample { metric, t: el.t, f: f(el.f), drop_name: true });
    }
}

fn scalar_arg(vals: &[StepVec], i: usize) -> f64 {
    vals.get(i).and_then(|v| v.v.first()).map(|s| s.f).unwrap_or(f64::NAN)
}

/// Dispatches a function without a range-vector argument for one step.
pub(crate) fn call_vector_fn(
    ctx: &Ctx,
    name: &str,
    vals: &[StepVec],
    args: &[Node],
    ts: i64,
    delayed: bool,
    out: &mut Vector,
) -> Result<(), EvalError> {
    let scalar_out =
        |out: &mut Vector, f: f64| out.push(Sample { metric: Labels::empty(), t: ts, f, drop_name: false });
    match name {
        // === time() -> scalar ===
        "time" => scalar_out(out, ts as f64 / 1000.0),
        // === pi() -> scalar ===
        "pi" => scalar_out(out, std::f64::consts::PI),
        // === vector(scalar) -> vector ===
        "vector" => scalar_out(out, scalar_arg(vals, 0)),
        // === scalar(vector) -> scalar ===
        "scalar" => {
            let v = vals.first().map(|v| v.v.as_slice()).unwrap_or(&[]);
            scalar_out(out, if v.len() == 1 { v[0].f } else { f64::NAN });
        }
        // === abs(vector) -> vector ===
        "abs" => simple(vals, delayed, out, f64::abs),
        // === ceil(vector) -> vector ===
        "ceil" => simple(vals, delayed, out, f64::ceil),
        // === floor(vector) -> vector ===
        "floor" => simple(vals, delayed, out, f64::floor),
        // === exp(vector) -> vector ===
        "exp" => simple(vals, delayed, out, gomath::exp),
        // === sqrt(vector) -> vector ===
        "sqrt" => simple(vals, delayed, out, f64::sqrt),
        // === ln(vector) -> vector ===
        "ln" => simple(vals, delayed, out, gomath::ln),
        // === log2(vector) -> vector ===
        "log2" => simple(vals, delayed, out, gomath::log2),
        // === log10(vector) -> vector ===
        "log10" => simple(vals, delayed, out, gomath::log10),
        // === sin(vector) -> vector === (and the other trigonometric functions)
        "sin" => simple(vals, delayed, out, gomath::sin),
        "cos" => simple(vals, delayed, out, gomath::cos),
        "tan" => simple(vals, delayed, out, gomath::tan),
        "asin" => simple(vals, delayed, out, gomath::asin),
        "acos" => simple(vals, delayed, out, gomath::acos),
        "atan" => simple(vals, delayed, out, gomath::atan),
        "sinh" => simple(vals, delayed, out, gomath::sinh),
        "cosh" => simple(vals, delayed, out, gomath::cosh),
        "tanh" => simple(vals, delayed, out, gomath::tanh),
        "asinh" => simple(vals, delayed, out, gomath::asinh),
        "acosh" => simple(vals, delayed, out, gomath::acosh),
        "atanh" => simple(vals, delayed, out, gomath::atanh),
        // === rad(vector) -> vector ===
        "rad" => simple(vals, delayed, out, |v| v * std::f64::consts::PI / 180.0),
        // === deg(vector) -> vector ===
        "deg" => simple(vals, delayed, out, |v| v * 180.0 / std::f64::consts::PI),
        // === sgn(vector) -> vector ===
        "sgn" => simple(vals, delayed, out, |v| {
            if v < 0.0 {
                -1.0
            } else if v > 0.0 {
                1.0
            } else {
                v
            }
        }),
        // === round(vector, to_nearest=1 scalar) -> vector ===
        "round" => {
            let to_nearest = if args.len() >= 2 { scalar_arg(vals, 1) } else { 1.0 };
            let inv = 1.0 / to_nearest;
            simple(vals, delayed, out, |f| (f * inv + 0.5).floor() / inv);
        }
        // === clamp(vector, min scalar, max scalar) -> vector ===
        "clamp" => clamp(vals, scalar_arg(vals, 1), scalar_arg(vals, 2), delayed, out),
        // === clamp_max(vector, max scalar) -> vector ===
        "clamp_max" => clamp(vals, f64::NEG_INFINITY, scalar_arg(vals, 1), delayed, out),
        // === clamp_min(vector, min scalar) -> vector ===
        "clamp_min" => clamp(vals, scalar_arg(vals, 1), f64::INFINITY, delayed, out),
        // === timestamp(vector) -> vector ===
        "timestamp" => {
            if let Some(v) = vals.first() {
                for el in &v.v {
                    let metric = if delayed { el.metric.clone() } else { el.metric.drop_metadata() };
                    out.push(Sample { metric, t: el.t, f: el.t as f64 / 1000.0, drop_name: true });
                }
            }
        }
        // === absent(vector) -> vector ===
        "absent" => {
            if vals.first().is_none_or(|v| v.v.is_empty()) {
                let metric = match args.first() {
                    Some(Node::Vector(vs)) => absent_labels(vs),
                    _ => Labels::empty(),
                };
                out.push(Sample { metric, t: ts, f: 1.0, drop_name: false });
            }
        }
        // === sort(vector) -> vector ===
        "sort" => {
            let mut v = vals.first().map(|v| v.v.clone()).unwrap_or_default();
            go_sort_by(&mut v, |a, b| reverse_value_less(b.f, a.f));
            out.extend(v);
        }
        // === sort_desc(vector) -> vector ===
        "sort_desc" => {
            let mut v = vals.first().map(|v| v.v.clone()).unwrap_or_default();
            go_sort_by(&mut v, |a, b| value_less(b.f, a.f));
            out.extend(v);
        }
        // === sort_by_label(vector, label string...) -> vector ===
        "sort_by_label" | "sort_by_label_desc" => {
            let desc = name == "sort_by_label_desc";
            let labels: Vec<String> = args.iter().skip(1).filter_map(string_arg).collect();
            let mut v = vals.first().map(|v| v.v.clone()).unwrap_or_default();
            v.sort_by(|a, b| {
                for l in &labels {
                    let (x, y) = (a.metric.get(l), b.metric.get(l));
                    if x == y {
                        continue;
                    }
                    let lt = natsort_less(x, y);
                    return if lt != desc { Ordering::Less } else { Ordering::Greater };
                }
                let o = a.metric.cmp(&b.metric);
                if desc { o.reverse() } else { o }
            });
            out.extend(v);
        }
        // === histogram_quantile(scalar, vector) -> vector === (classic buckets)
        "histogram_quantile" => {
            let q = scalar_arg(vals, 0);
            if q.is_nan() || !(0.0..=1.0).contains(&q) {
                ctx.warn(format!("PromQL warning: quantile value should be between 0 and 1, got {}", format_go_g(q)));
            }
            for (metric, mut buckets) in classic_buckets(ctx, vals.get(1)) {
                let (v, forced) = bucket_quantile(q, &mut buckets);
                if forced {
                    ctx.info(format!(
                        "PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name {}",
                        quote(metric.get(METRIC_NAME))
                    ));
                }
                let metric = if delayed { metric } else { metric.drop_metadata() };
                out.push(Sample { metric, t: ts, f: v, drop_name: true });
            }
        }
        // === histogram_fraction(lower scalar, upper scalar, vector) -> vector === (classic buckets)
        "histogram_fraction" => {
            let (lower, upper) = (scalar_arg(vals, 0), scalar_arg(vals, 1));
            for (metric, mut buckets) in classic_buckets(ctx, vals.get(2)) {
                let metric = if delayed { metric } else { metric.drop_metadata() };
                out.push(Sample { metric, t: ts, f: bucket_fraction(lower, upper, &mut buckets), drop_name: true });
            }
        }
        // === histogram_count/sum/avg/stddev/stdvar(vector) -> vector === (native histograms only: floats are
        // skipped, and a native histogram never reaches this point)
        "histogram_count" | "histogram_sum" | "histogram_avg" | "histogram_stddev" | "histogram_stdvar" => {}
        // === days_in_month(vector=time()) -> vector === (and the other date functions)
        "days_in_month" | "day_of_month" | "day_of_week" | "day_of_year" | "hour" | "minute" | "month" | "year" => {
            let f = |secs: i64| -> f64 { date_part(name, secs) };
            if args.is_empty() {
                scalar_out(out, f(ts.div_euclid(1000)));
            } else if let Some(v) = vals.first() {
                for el in &v.v {
                    let secs = go_f64_to_i64(el.f);
                    let metric = if delayed { el.metric.clone() } else { el.metric.drop_metadata() };
                    out.push(Sample { metric, t: el.t, f: f(secs), drop_name: true });
                }
            }
        }
        other => return Err(EvalError::new(format!("function {other:?} is not implemented for instant vectors"))),
    }
    Ok(())
}

/// `vectorByReverseValueHeap.Less`.
fn reverse_value_less(a: f64, b: f64) -> bool {
    if a.is_nan() {
        return true;
    }
    a > b
}

/// Go's `int64(f)` on amd64: out-of-range and NaN give `math.MinInt64`.
fn go_f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

fn clamp(vals: &[StepVec], min: f64, max: f64, delayed: bool, out: &mut Vector) {
    if max < min {
        return;
    }
    simple(vals, delayed, out, |f| go_max(min, go_min(max, f)));
}

/// Groups the classic bucket samples of `v` by their labels without `le` (`resetHistograms`).
fn classic_buckets(ctx: &Ctx, v: Option<&StepVec>) -> Vec<(Labels, Vec<Bucket>)> {
    let mut out: Vec<(Labels, Vec<Bucket>)> = Vec::new();
    let mut index: crate::engine::value::FastMap<Labels, usize> = Default::default();
    let Some(v) = v else { return out };
    let le = ["le".to_string()];
    for s in &v.v {
        let le_value = s.metric.get("le");
        let Some(upper) = parse_go_float(le_value) else {
            ctx.warn(format!(
                "PromQL warning: bucket label \"le\" is missing or has a malformed value of {} for metric name {}",
                quote(le_value),
                quote(s.metric.get(METRIC_NAME))
            ));
            continue;
        };
        let key = s.metric.without(&le);
        match index.get(&key) {
            Some(&i) => {
                if let Some(e) = out.get_mut(i) {
                    e.1.push(Bucket { upper_bound: upper, count: s.f });
                }
            }
            None => {
                index.insert(key.clone(), out.len());
                out.push((key, vec![Bucket { upper_bound: upper, count: s.f }]));
            }
        }
    }
    out
}

/// `createLabelsForAbsentFunction`.
pub(crate) fn absent_labels(vs: &VectorSel) -> Labels {
    let mut b = Labels::empty().builder();
    let mut has = std::collections::HashSet::new();
    for (name, op, value) in &vs.raw_matchers {
        if name == METRIC_NAME {
            continue;
        }
        if *op == MatchOp::Equal && !has.contains(name) {
            b.set(name, value);
            has.insert(name.clone());
        } else {
            b.del(name);
        }
    }
    b.labels()
}

/// Prometheus 3.x accepts any non-empty valid UTF-8 label name. Our strings are always UTF-8: an invalid
/// byte written as an escape (`"\xff"`) reaches us as U+FFFD, which is therefore taken as invalid.
pub(crate) fn valid_label_name(s: &str) -> bool {
    !s.is_empty() && !s.contains('\u{FFFD}')
}

fn string_arg(n: &Node) -> Option<String> {
    match n.unwrap_si() {
        Node::Str(s) => Some(s.clone()),
        _ => None,
    }
}

/// `facette/natsort.Compare`: digit runs compare as integers.
fn natsort_less(a: &str, b: &str) -> bool {
    fn chunks(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut last: Option<bool> = None;
        for (i, c) in s.char_indices() {
            let d = c.is_ascii_digit();
            if let Some(l) = last
                && l != d
            {
                out.push(&s[start..i]);
                start = i;
            }
            last = Some(d);
        }
        if start < s.len() {
            out.push(&s[start..]);
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (i, x) in ca.iter().enumerate() {
        let Some(y) = cb.get(i) else { return false };
        if let (Ok(xi), Ok(yi)) = (x.parse::<i64>(), y.parse::<i64>()) {
            if xi == yi {
                if i == ca.len() - 1 {
                    return true;
                } else if i == cb.len() - 1 {
                    return false;
                }
                continue;
            }
            return xi < yi;
        }
        if x == y {
            if i == ca.len() - 1 {
                return true;
            } else if i == cb.len() - 1 {
                return false;
            }
            continue;
        }
        return x < y;
    }
    false
}

/// Civil date parts of a Unix time in seconds (UTC).
fn date_part(name: &str, secs: i64) -> f64 {
    let t = crate::go::time::GoTime::from_unix(secs, 0);
    let (y, m, d) = t.date();
    let (hour, minute, _) = t.clock();
    match name {
        "days_in_month" => f64::from(t.days_in_month()),
        "day_of_month" => f64::from(d),
        "day_of_week" => t.weekday() as f64,
        "day_of_year" => f64::from(t.year_day()),
        "hour" => f64::from(hour),
        "minute" => f64::from(minute),
        "month" => f64::from(m),
        "year" => y as f64,
        _ => f64::NAN,
    }
}

fn relabel_result(
    ev: &Ev,
    mut mat: Matrix,
    f: impl Fn(&Labels) -> Option<(Labels, bool)>,
) -> Result<Matrix, EvalError> {
    let _ = ev;
    for s in &mut mat {
        if let Some((l, to_name)) = f(&s.metric) {
            s.metric = l;
            if to_name {
                s.drop_name = false;
            }
        }
    }
    if contains_same_labelset(mat.iter().map(|s| &s.metric)) {
        return Err(dup_labelset_error());
    }
    Ok(mat)
}

// === label_replace(vector, dst string, replacement string, src string, regex string) -> vector ===
pub(crate) fn eval_label_replace(ev: &mut Ev, args: &[Node]) -> Result<Matrix, EvalError> {
    let s = |i: usize| args.get(i).and_then(string_arg).unwrap_or_default();
    let (dst, repl, src, re) = (s(1), s(2), s(3), s(4));
    let regex = ev
        .ctx
        .engine
        .regex(&re)
        .map_err(|_| EvalError::new(format!("invalid regular expression in label_replace(): {re}")))?;
    if !valid_label_name(&dst) {
        return Err(EvalError::new(format!("invalid destination label name in label_replace(): {dst}")));
    }
    let Some(arg) = args.first() else { return Ok(Vec::new()) };
    let mat = ev.eval(arg)?;
    relabel_result(ev, mat, |m| {
        let v = m.get(&src);
        let caps = regex.captures(v)?;
        let mut res = String::new();
        caps.expand(&repl, &mut res);
        Some((m.builder().set(&dst, &res).labels(), dst == METRIC_NAME))
    })
}

// === label_join(vector, dst string, separator string, src string...) -> vector ===
pub(crate) fn eval_label_join(ev: &mut Ev, args: &[Node]) -> Result<Matrix, EvalError> {
    let s = |i: usize| args.get(i).and_then(string_arg).unwrap_or_default();
    let (dst, sep) = (s(1), s(2));
    let srcs: Vec<String> = (3..args.len()).map(s).collect();
    for src in &srcs {
        if !valid_label_name(src) {
            return Err(EvalError::new(format!("invalid source label name in label_join(): {src}")));
        }
    }
    if !valid_label_name(&dst) {
        return Err(EvalError::new(format!("invalid destination label name in label_join(): {dst}")));
    }
    let Some(arg) = args.first() else { return Ok(Vec::new()) };
    let mat = ev.eval(arg)?;
    relabel_result(ev, mat, |m| {
        let joined: Vec<&str> = srcs.iter().map(|l| m.get(l)).collect();
        Some((m.builder().set(&dst, &joined.join(&sep)).labels(), dst == METRIC_NAME))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natsort() {
        assert!(natsort_less("a2", "a10"));
        assert!(!natsort_less("a10", "a2"));
        assert!(natsort_less("abc", "abd"));
    }

    #[test]
    fn dates() {
        assert_eq!(date_part("day_of_week", 0), 4.0);
        assert_eq!(date_part("year", 0), 1970.0);
        assert_eq!(date_part("days_in_month", 86400 * 31), 28.0);
        assert_eq!(date_part("day_of_year", 86400 * 365 + 86400 * 59), 60.0);
        assert_eq!(date_part("hour", 3600 * 25), 1.0);
    }

    #[test]
    fn kahan() {
        let (mut s, mut c) = (0.0, 0.0);
        for v in [1e100, 1.0, -1e100] {
            (s, c) = kahan_sum_inc(v, s, c);
        }
        assert_eq!(s + c, 1.0);
    }
}
