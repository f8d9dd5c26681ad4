//! Aggregations (`engine.go` `rangeEvalAgg`, `aggregation`, `aggregationK`, `aggregationCountValues`).
//!
//! `sum` and `avg` use Kahan–Neumaier compensation exactly as Prometheus does (`avg` switches to an
//! incremental mean only when the running sum would overflow); `stddev`/`stdvar` use Welford without
//! compensation. `topk`/`bottomk`/`limitk` keep Go's `container/heap` order so ties select the same
//! series, and `limit_ratio` samples by the xxhash of the label set like Prometheus.
//!
//! The `match`es keep the shape of Prometheus's `switch` statements so the port reads side by side.
#![allow(clippy::collapsible_match)]

use crate::engine::value::FastMap as HashMap;

use crate::engine::EvalError;
use crate::engine::eval::{Ev, total_samples};
use crate::engine::functions::kahan_sum_inc;
use crate::engine::plan::{Agg, Node};
use crate::engine::quantile::{go_sort_by, quantile, value_less};
use crate::engine::value::{FPoint, Labels, METRIC_NAME, Matrix, Sample, Series, format_go_f, format_go_g};
use crate::promql::ast::AggregateOp;

/// Go's `math.Max`.
pub(crate) fn go_max(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x > 0.0 || y.is_infinite() && y > 0.0 {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y { x } else { y }
}

/// Go's `math.Min`.
pub(crate) fn go_min(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x < 0.0 || y.is_infinite() && y < 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y { x } else { y }
}

/// The aggregation parameter over the steps (`fParams`).
struct FParams {
    series: Vec<FPoint>,
    pos: usize,
    constant: Option<f64>,
    min: f64,
    max: f64,
    any_nan: bool,
}

impl FParams {
    fn next(&mut self) -> f64 {
        if let Some(c) = self.constant {
            return c;
        }
        match self.series.get(self.pos) {
            Some(p) => {
                self.pos += 1;
                p.f
            }
            None => 0.0,
        }
    }
}

fn fparams(ev: &mut Ev, param: Option<&Node>) -> Result<FParams, EvalError> {
    let empty = FParams { series: Vec::new(), pos: 0, constant: None, min: 0.0, max: 0.0, any_nan: false };
    let Some(p) = param else { return Ok(empty) };
    let is_const = matches!(p.unwrap_si(), Node::Number(_));
    let mat = ev.eval(p)?;
    let Some(s) = mat.into_iter().next() else { return Ok(empty) };
    if is_const {
        let c = s.floats.first().map(|p| p.f).unwrap_or(0.0);
        return Ok(FParams { series: Vec::new(), pos: 0, constant: Some(c), min: c, max: c, any_nan: c.is_nan() });
    }
    let (mut min, mut max, mut any_nan) = (f64::MAX, -f64::MAX, false);
    for p in &s.floats {
        max = go_max(max, p.f);
        min = go_min(min, p.f);
        any_nan |= p.f.is_nan();
    }
    Ok(FParams { series: s.floats, pos: 0, constant: None, min, max, any_nan })
}

/// The value of `s` at `ts`, advancing its cursor (`nextValues`).
fn next_value(s: &Series, cursor: &mut usize, ts: i64) -> Option<f64> {
    while let Some(p) = s.floats.get(*cursor) {
        if p.t < ts {
            *cursor += 1;
            continue;
        }
        if p.t == ts {
            *cursor += 1;
            return Some(p.f);
        }
        return None;
    }
    None
}

/// The strings that decide a series' group: the grouping labels' values (`by`), or the names and values
/// of all other labels but `__name__` (`without`). Equal keys ⇔ equal [`grouping_labels`].
fn group_key<'a>(metric: &'a Labels, without: bool, grouping: &[String]) -> Vec<&'a str> {
    if without {
        let mut k = Vec::with_capacity(metric.len() * 2);
        for l in metric.iter() {
            if &*l.name != METRIC_NAME && !grouping.iter().any(|g| **g == *l.name) {
                k.push(&*l.name);
                k.push(&*l.value);
            }
        }
        k
    } else {
        grouping.iter().map(|g| metric.get(g)).collect()
    }
}

fn grouping_labels(metric: &Labels, without: bool, grouping: &[String]) -> Labels {
    if without {
        metric.without_and_name(grouping)
    } else if !grouping.is_empty() {
        metric.keep(grouping)
    } else {
        Labels::empty()
    }
}

pub(crate) fn eval_aggregate(ev: &mut Ev, a: &Agg) -> Result<Matrix, EvalError> {
    if a.op == AggregateOp::CountValues {
        let label = match a.param.as_ref().map(Node::unwrap_si) {
            Some(Node::Str(s)) => s.clone(),
            _ => return Err(EvalError::new("count_values needs a string parameter")),
        };
        if label.contains('\u{FFFD}') {
            // Prometheus quotes the invalid bytes (`"a\xc5z"`); ours were replaced on decoding.
            return Err(EvalError::Unsupported("invalid UTF-8 in a string literal".into()));
        }
        if !crate::engine::functions::valid_label_name(&label) {
            return Err(EvalError::new(format!("invalid label name {}", crate::go::strconv::quote(&label))));
        }
        let mut grouping = a.grouping.clone();
        if !a.without {
            grouping.push(label.clone());
            grouping.sort();
        }
        let without = a.without;
        return ev.range_eval(&[&a.expr], None, |v, _, _, out, _| {
            let Some(sv) = v.first() else { return Ok(()) };
            let mut groups: Vec<(Labels, usize)> = Vec::new();
            let mut index: HashMap<Labels, usize> = HashMap::default();
            for s in &sv.v {
                let metric = s.metric.builder().set(&label, &format_go_f(s.f)).labels();
                let key = grouping_labels(&metric, without, &grouping);
                match index.get(&key) {
                    Some(&i) => {
                        if let Some(g) = groups.get_mut(i) {
                            g.1 += 1;
                        }
                    }
                    None => {
                        index.insert(key.clone(), groups.len());
                        groups.push((key, 1));
                    }
                }
            }
            for (metric, n) in groups {
                out.push(Sample { metric, t: 0, f: n as f64, drop_name: false });
            }
            Ok(())
        });
    }
    let original = ev.cur;
    let fp = fparams(ev, a.param.as_ref())?;
    let input = ev.eval(&a.expr)?;
    let result = range_eval_agg(ev, a, input, fp)?;
    ev.cur = original + total_samples(&result);
    Ok(result)
}

#[derive(Clone, Default)]
struct Group {
    seen: bool,
    value: f64,
    mean: f64,
    kahan_c: f64,
    count: f64,
    incremental_mean: bool,
    values: Vec<f64>,
    heap: Vec<Sample>,
    complete: bool,
}

fn range_eval_agg(ev: &mut Ev, a: &Agg, input: Matrix, mut fp: FParams) -> Result<Matrix, EvalError> {
    let k_op = matches!(a.op, AggregateOp::Topk | AggregateOp::Bottomk | AggregateOp::Limitk | AggregateOp::LimitRatio);
    // Groups are keyed by the label strings that decide them, without building a label set per series.
    let mut group_index: HashMap<Vec<&str>, usize> = HashMap::default();
    let mut series_to_group = Vec::with_capacity(input.len());
    let mut result: Matrix = Vec::new();
    for s in &input {
        let key = group_key(&s.metric, a.without, &a.grouping);
        let idx = match group_index.get(&key) {
            Some(&i) => i,
            None => {
                let i = group_index.len();
                if !k_op {
                    let metric = grouping_labels(&s.metric, a.without, &a.grouping);
                    result.push(Series { metric, floats: Vec::new(), drop_name: false });
                }
                group_index.insert(key, i);
                i
            }
        };
        series_to_group.push(idx);
    }
    let mut groups = vec![Group::default(); group_index.len()];
    let ctx = ev.ctx;
    match a.op {
        AggregateOp::Topk | AggregateOp::Bottomk | AggregateOp::Limitk => {
            if fp.max < 1.0 {
                return Ok(Vec::new());
            }
        }
        AggregateOp::LimitRatio => {
            if fp.max == 0.0 && fp.min == 0.0 {
                return Ok(Vec::new());
            }
            if fp.max > 1.0 {
                ctx.warn(format!(
                    "PromQL warning: ratio value should be between -1 and 1, got {}, capping to {}",
                    format_go_g(fp.max),
                    format_go_g(1.0)
                ));
            }
            if fp.min < -1.0 {
                ctx.warn(format!(
                    "PromQL warning: ratio value should be between -1 and 1, got {}, capping to {}",
                    format_go_g(fp.min),
                    format_go_g(-1.0)
                ));
            }
        }
        AggregateOp::Quantile => {
            if fp.any_nan {
                ctx.warn("PromQL warning: quantile value should be between 0 and 1, got NaN".into());
            }
            if fp.max > 1.0 {
                ctx.warn(format!(
                    "PromQL warning: quantile value should be between 0 and 1, got {}",
                    format_go_g(fp.max)
                ));
            }
            if fp.min < 0.0 {
                ctx.warn(format!(
                    "PromQL warning: quantile value should be between 0 and 1, got {}",
                    format_go_g(fp.min)
                ));
            }
        }
        _ => {}
    }
    let mut cursors = vec![0usize; input.len()];
    let steps: Vec<i64> = (0..ev.num_steps() as i64).map(|k| ev.start + k * ev.interval).collect();
    let instant = ev.start == ev.end;
    let mut k_series: Vec<Series> = Vec::new();
    let mut k_index: HashMap<Labels, usize> = HashMap::default();
    for &ts in &steps {
        let param = fp.next();
        if k_op {
            let out = aggregation_k(ev, a, param, &input, &mut cursors, &series_to_group, &mut groups, ts)?;
            if instant {
                return Ok(out
                    .into_iter()
                    .map(|s| Series {
                        metric: s.metric,
                        floats: vec![FPoint { t: ts, f: s.f }],
                        drop_name: s.drop_name,
                    })
                    .collect());
            }
            for s in out {
                match k_index.get(&s.metric) {
                    Some(&i) => {
                        if let Some(ser) = k_series.get_mut(i) {
                            ser.floats.push(FPoint { t: ts, f: s.f });
                        }
                    }
                    None => {
                        k_index.insert(s.metric.clone(), k_series.len());
                        k_series.push(Series {
                            metric: s.metric,
                            floats: vec![FPoint { t: ts, f: s.f }],
                            drop_name: s.drop_name,
                        });
                    }
                }
            }
        } else {
            aggregation(a.op, param, &input, &mut cursors, &series_to_group, &mut groups, &mut result, ts);
        }
        ev.check()?;
    }
    if k_op {
        return Ok(k_series);
    }
    result.retain(|s| !s.floats.is_empty());
    Ok(result)
}

#[allow(clippy::too_many_arguments)]
fn aggregation(
    op: AggregateOp,
    q: f64,
    input: &Matrix,
    cursors: &mut [usize],
    series_to_group: &[usize],
    groups: &mut [Group],
    result: &mut Matrix,
    ts: i64,
) {
    for g in groups.iter_mut() {
        g.seen = false;
    }
    for (si, s) in input.iter().enumerate() {
        let (Some(c), Some(&gi)) = (cursors.get_mut(si), series_to_group.get(si)) else { continue };
        let Some(f) = next_value(s, c, ts) else { continue };
        let Some(g) = groups.get_mut(gi) else { continue };
        if !g.seen {
            *g = Group { seen: true, value: f, mean: f, count: 1.0, ..Group::default() };
            match op {
                AggregateOp::Stdvar | AggregateOp::Stddev => {
                    g.value = if f.is_nan() || f.is_infinite() { f64::NAN } else { 0.0 };
                }
                AggregateOp::Quantile => g.values = vec![f],
                AggregateOp::Group => g.value = 1.0,
                _ => {}
            }
            continue;
        }
        match op {
            AggregateOp::Sum => {
                (g.value, g.kahan_c) = kahan_sum_inc(f, g.value, g.kahan_c);
            }
            AggregateOp::Avg => {
                g.count += 1.0;
                if !g.incremental_mean {
                    let (nv, nc) = kahan_sum_inc(f, g.value, g.kahan_c);
                    if !nv.is_infinite() {
                        g.value = nv;
                        g.kahan_c = nc;
                        continue;
                    }
                    g.incremental_mean = true;
                    g.mean = g.value / (g.count - 1.0);
                    g.kahan_c /= g.count - 1.0;
                }
                let qq = (g.count - 1.0) / g.count;
                (g.mean, g.kahan_c) = kahan_sum_inc(f / g.count, qq * g.mean, qq * g.kahan_c);
            }
            AggregateOp::Group => {}
            AggregateOp::Max => {
                if g.value < f || g.value.is_nan() {
                    g.value = f;
                }
            }
            AggregateOp::Min => {
                if g.value > f || g.value.is_nan() {
                    g.value = f;
                }
            }
            AggregateOp::Count => g.count += 1.0,
            AggregateOp::Stdvar | AggregateOp::Stddev => {
                g.count += 1.0;
                let delta = f - g.mean;
                g.mean += delta / g.count;
                g.value += delta * (f - g.mean);
            }
            AggregateOp::Quantile => g.values.push(f),
            _ => {}
        }
    }
    for (ri, g) in groups.iter_mut().enumerate() {
        if !g.seen {
            continue;
        }
        let v = match op {
            AggregateOp::Avg => {
                if g.incremental_mean {
                    g.mean + g.kahan_c
                } else {
                    g.value / g.count + g.kahan_c / g.count
                }
            }
            AggregateOp::Count => g.count,
            AggregateOp::Stdvar => g.value / g.count,
            AggregateOp::Stddev => (g.value / g.count).sqrt(),
            AggregateOp::Quantile => quantile(q, &mut g.values),
            AggregateOp::Sum => g.value + g.kahan_c,
            _ => g.value,
        };
        // Prometheus copies the flag from the input series with the group's index (sic).
        let drop = input.get(ri).map(|s| s.drop_name).unwrap_or(false);
        if let Some(out) = result.get_mut(ri) {
            out.floats.push(FPoint { t: ts, f: v });
            out.drop_name = drop;
        }
    }
}

/// Go's `container/heap` over samples with the given `less`.
fn heap_up(h: &mut [Sample], mut j: usize, less: &dyn Fn(f64, f64) -> bool) {
    while j > 0 {
        let i = (j - 1) / 2;
        if !less(h[j].f, h[i].f) {
            break;
        }
        h.swap(i, j);
        j = i;
    }
}

fn heap_down(h: &mut [Sample], i0: usize, less: &dyn Fn(f64, f64) -> bool) -> bool {
    let n = h.len();
    let mut i = i0;
    loop {
        let j1 = 2 * i + 1;
        if j1 >= n {
            break;
        }
        let mut j = j1;
        let j2 = j1 + 1;
        if j2 < n && less(h[j2].f, h[j1].f) {
            j = j2;
        }
        if !less(h[j].f, h[i].f) {
            break;
        }
        h.swap(i, j);
        i = j;
    }
    i > i0
}

fn heap_push(h: &mut Vec<Sample>, s: Sample, less: &dyn Fn(f64, f64) -> bool) {
    h.push(s);
    let n = h.len() - 1;
    heap_up(h, n, less);
}

fn heap_fix0(h: &mut [Sample], less: &dyn Fn(f64, f64) -> bool) {
    if !heap_down(h, 0, less) {
        heap_up(h, 0, less);
    }
}

fn reverse_less(a: f64, b: f64) -> bool {
    if a.is_nan() {
        return true;
    }
    a > b
}

/// `HashRatioSampler.AddRatioSample`.
fn add_ratio_sample(r: f64, metric: &Labels) -> bool {
    let offset = crate::engine::hash::labels_hash(metric) as f64 / u64::MAX as f64;
    (r >= 0.0 && offset < r) || (r < 0.0 && offset >= 1.0 + r)
}

#[allow(clippy::too_many_arguments)]
fn aggregation_k(
    ev: &Ev,
    a: &Agg,
    param: f64,
    input: &Matrix,
    cursors: &mut [usize],
    series_to_group: &[usize],
    groups: &mut [Group],
    ts: i64,
) -> Result<Vec<Sample>, EvalError> {
    let op = a.op;
    let mut remaining = groups.len();
    for g in groups.iter_mut() {
        g.seen = false;
    }
    let less_top: &dyn Fn(f64, f64) -> bool = &value_less;
    let less_bottom: &dyn Fn(f64, f64) -> bool = &reverse_less;
    for (si, s) in input.iter().enumerate() {
        let (Some(c), Some(&gi)) = (cursors.get_mut(si), series_to_group.get(si)) else { continue };
        let Some(f) = next_value(s, c, ts) else { continue };
        let sample = Sample { metric: s.metric.clone(), t: ts, f, drop_name: s.drop_name };
        let mut k: i64 = 0;
        let mut r = 0.0;
        match op {
            AggregateOp::Topk | AggregateOp::Bottomk | AggregateOp::Limitk => {
                if !(-9_223_372_036_854_775_808.0..=9_223_372_036_854_774_784.0).contains(&param) {
                    return Err(EvalError::new(format!("Scalar value {} overflows int64", format_go_g(param))));
                }
                k = param as i64;
                if k > input.len() as i64 {
                    k = input.len() as i64;
                }
                if k < 1 {
                    return Ok(Vec::new());
                }
            }
            AggregateOp::LimitRatio => {
                if param.is_nan() {
                    return Err(EvalError::new(format!("Ratio value {} is NaN", format_go_g(param))));
                }
                if param == 0.0 {
                    return Ok(Vec::new());
                }
                r = param.clamp(-1.0, 1.0);
            }
            _ => {}
        }
        let Some(g) = groups.get_mut(gi) else { continue };
        if !g.seen {
            *g = Group { seen: true, ..Group::default() };
            match op {
                AggregateOp::LimitRatio => {
                    if add_ratio_sample(r, &sample.metric) {
                        heap_push(&mut g.heap, sample, less_top);
                    }
                }
                AggregateOp::Limitk => g.heap = vec![sample],
                AggregateOp::Topk => heap_push(&mut g.heap, sample, less_top),
                AggregateOp::Bottomk => heap_push(&mut g.heap, sample, less_bottom),
                _ => {}
            }
            // A group completed by its first sample still counts for limitk's early exit below
            // only through later samples, as in Prometheus.
            continue;
        }
        match op {
            AggregateOp::Topk => {
                if (g.heap.len() as i64) < k {
                    heap_push(&mut g.heap, sample, less_top);
                } else if let Some(top) = g.heap.first()
                    && (top.f < sample.f || (top.f.is_nan() && !sample.f.is_nan()))
                {
                    g.heap[0] = sample;
                    if k > 1 {
                        heap_fix0(&mut g.heap, less_top);
                    }
                }
            }
            AggregateOp::Bottomk => {
                if (g.heap.len() as i64) < k {
                    heap_push(&mut g.heap, sample, less_bottom);
                } else if let Some(top) = g.heap.first()
                    && (top.f > sample.f || (top.f.is_nan() && !sample.f.is_nan()))
                {
                    g.heap[0] = sample;
                    if k > 1 {
                        heap_fix0(&mut g.heap, less_bottom);
                    }
                }
            }
            AggregateOp::Limitk => {
                if (g.heap.len() as i64) < k {
                    heap_push(&mut g.heap, sample, less_top);
                }
                if !g.complete && g.heap.len() as i64 == k {
                    g.complete = true;
                    remaining -= 1;
                    if remaining == 0 {
                        break;
                    }
                }
            }
            AggregateOp::LimitRatio => {
                if add_ratio_sample(r, &sample.metric) {
                    heap_push(&mut g.heap, sample, less_top);
                }
            }
            _ => {}
        }
    }
    let _ = ev;
    let mut out = Vec::new();
    for g in groups.iter_mut() {
        if !g.seen {
            continue;
        }
        match op {
            AggregateOp::Topk => {
                if g.heap.len() > 1 {
                    go_sort_by(&mut g.heap, |x, y| value_less(y.f, x.f));
                }
            }
            AggregateOp::Bottomk => {
                if g.heap.len() > 1 {
                    go_sort_by(&mut g.heap, |x, y| reverse_less(y.f, x.f));
                }
            }
            _ => {}
        }
        out.append(&mut g.heap);
    }
    Ok(out)
}
