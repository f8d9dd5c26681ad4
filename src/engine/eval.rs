//! The evaluator: one `match` over the plan, every expression evaluated over a whole step range
//! (`engine.go` `evaluator.eval`). An instant query is a range evaluation with one step.
//!
//! Sample accounting (`currentSamples` against the max-samples limit) follows Prometheus step by step, so
//! the same queries fail with "query processing would load too many samples into memory".

use std::cell::RefCell;

use crate::engine::functions;
use crate::engine::plan::{Node, Subq, VectorSel};
use crate::engine::storage::{Storage, StoredSeries, is_histogram_marker};
use crate::engine::value::{FPoint, Labels, Matrix, Sample, Series, Vector, is_stale_nan};
use crate::engine::{Annotations, Engine, EngineSettings, EvalError};
use crate::promql::ast::{self, ValueType};

/// What every evaluator of one query shares.
pub(crate) struct Ctx<'a> {
    pub storage: &'a Storage,
    pub settings: &'a EngineSettings,
    pub engine: &'a Engine,
    pub annos: RefCell<Annotations>,
}

impl Ctx<'_> {
    pub fn warn(&self, msg: String) {
        self.annos.borrow_mut().warn(msg);
    }
    pub fn info(&self, msg: String) {
        self.annos.borrow_mut().info(msg);
    }
}

/// One evaluator: a step range and the running sample count.
pub(crate) struct Ev<'a> {
    pub ctx: &'a Ctx<'a>,
    pub start: i64,
    pub end: i64,
    pub interval: i64,
    pub cur: i64,
}

/// The per-step input of `range_eval`: the gathered vector of each argument and, per sample, the index of
/// the input series it came from.
pub(crate) struct StepVec {
    pub v: Vector,
    pub idx: Vec<usize>,
}

/// A series that a range-vector function reads windows from.
#[derive(Clone, Copy)]
enum Src<'b> {
    Stored(&'b StoredSeries),
    Computed(&'b Series),
}

impl Src<'_> {
    fn labels(&self) -> &Labels {
        match self {
            Src::Stored(s) => &s.labels,
            Src::Computed(s) => &s.metric,
        }
    }

    /// The points in `(mint, maxt]`, stale markers dropped, into `buf`.
    fn window(&self, mint: i64, maxt: i64, buf: &mut Vec<FPoint>) -> Result<(), EvalError> {
        buf.clear();
        match self {
            Src::Stored(s) => {
                let hi = crate::engine::storage::upper_bound_before(&s.points, s.points.len(), maxt);
                // Walk back over the window: it is copied below anyway, so this touches no other memory
                // (a search would probe cache lines outside it).
                let mut lo = hi;
                while lo > 0 && s.points.get(lo - 1).is_some_and(|p| p.t > mint) {
                    lo -= 1;
                }
                for p in s.points.get(lo..hi).unwrap_or(&[]) {
                    if is_histogram_marker(p.f) {
                        return Err(EvalError::native_histograms());
                    }
                    if !is_stale_nan(p.f) {
                        buf.push(*p);
                    }
                }
            }
            Src::Computed(s) => {
                let lo = s.floats.partition_point(|p| p.t <= mint);
                let hi = s.floats.partition_point(|p| p.t <= maxt);
                for p in s.floats.get(lo..hi).unwrap_or(&[]) {
                    if !is_stale_nan(p.f) {
                        buf.push(*p);
                    }
                }
            }
        }
        Ok(())
    }
}

pub(crate) fn contains_same_labelset<'x>(it: impl Iterator<Item = &'x Labels>) -> bool {
    let mut seen = crate::engine::value::FastSet::default();
    for l in it {
        if !seen.insert(l) {
            return true;
        }
    }
    false
}

/// Whether all label sets carry the same `__name__`, `__type__` and `__unit__`.
fn same_metadata<'x>(mut it: impl Iterator<Item = &'x Labels>) -> bool {
    let Some(first) = it.next() else { return true };
    let m0 = first.metadata();
    // Storage interns label strings, so equal values are usually the same pointer.
    let same = |a: &str, b: &str| (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b;
    it.all(|l| {
        let m = l.metadata();
        same(m[0], m0[0]) && same(m[1], m0[1]) && same(m[2], m0[2])
    })
}

pub(crate) fn dup_labelset_error() -> EvalError {
    EvalError::new("vector cannot contain metrics with the same labelset")
}

impl<'a> Ev<'a> {
    pub fn new(ctx: &'a Ctx<'a>, start: i64, end: i64, interval: i64) -> Ev<'a> {
        Ev { ctx, start, end, interval, cur: 0 }
    }

    pub fn num_steps(&self) -> usize {
        if self.end < self.start || self.interval <= 0 {
            return 0;
        }
        ((self.end - self.start) / self.interval) as usize + 1
    }

    fn steps(&self) -> impl Iterator<Item = i64> + use<> {
        let (s, e, i) = (self.start, self.end, self.interval.max(1));
        (0..).map(move |k| s + k * i).take_while(move |&t| t <= e)
    }

    pub fn delayed(&self) -> bool {
        self.ctx.settings.delayed_name_removal
    }

    fn max(&self) -> i64 {
        self.ctx.settings.max_samples as i64
    }

    pub fn check(&self) -> Result<(), EvalError> {
        if self.cur > self.max() { Err(EvalError::TooManySamples) } else { Ok(()) }
    }

    fn child(&self, start: i64, end: i64, interval: i64) -> Result<Ev<'a>, EvalError> {
        let ev = Ev { ctx: self.ctx, start, end, interval, cur: self.cur };
        if end >= start && interval > 0 {
            let steps = (end - start) / interval + 1;
            if steps as u64 > self.ctx.settings.max_steps {
                return Err(EvalError::new(format!(
                    "subquery would evaluate {steps} steps, more than mlmon-lint's step limit of {}",
                    self.ctx.settings.max_steps
                )));
            }
        }
        Ok(ev)
    }

    /// `rangeEval`: evaluates `exprs` (strings skipped), then calls `f` once per step with the gathered
    /// vectors, collecting the outputs into series.
    pub fn range_eval<F>(
        &mut self,
        exprs: &[&Node],
        sigf: Option<&dyn Fn(&Labels) -> Labels>,
        mut f: F,
    ) -> Result<Matrix, EvalError>
    where
        F: FnMut(&[StepVec], &[Vec<Labels>], i64, &mut Vector, &mut i64) -> Result<(), EvalError>,
    {
        let original = self.cur;
        let mut mats: Vec<Matrix> = Vec::with_capacity(exprs.len());
        for e in exprs {
            if e.value_type() == ValueType::String {
                mats.push(Vec::new());
            } else {
                mats.push(self.eval(e)?);
            }
        }
        let sigs: Vec<Vec<Labels>> = match sigf {
            Some(sf) => mats.iter().map(|m| m.iter().map(|s| sf(&s.metric)).collect()).collect(),
            None => Vec::new(),
        };
        let mut cursors: Vec<Vec<usize>> = mats.iter().map(|m| vec![0; m.len()]).collect();
        let mut stepv: Vec<StepVec> =
            mats.iter().map(|m| StepVec { v: Vec::with_capacity(m.len()), idx: Vec::with_capacity(m.len()) }).collect();
        let mut temp = self.cur;
        let mut out: Vector = Vec::new();
        let mut series: Vec<Series> = Vec::new();
        let mut index: crate::engine::value::FastMap<Labels, (usize, i64)> = Default::default();
        let instant = self.start == self.end;
        for ts in self.steps() {
            self.cur = temp;
            for (i, m) in mats.iter().enumerate() {
                let (Some(sv), Some(cur)) = (stepv.get_mut(i), cursors.get_mut(i)) else { continue };
                sv.v.clear();
                sv.idx.clear();
                for (si, s) in m.iter().enumerate() {
                    let Some(c) = cur.get_mut(si) else { continue };
                    if let Some(p) = s.floats.get(*c)
                        && p.t == ts
                    {
                        *c += 1;
                        sv.v.push(Sample { metric: s.metric.clone(), t: ts, f: p.f, drop_name: s.drop_name });
                        sv.idx.push(si);
                        self.cur += 1;
                        if self.cur > self.max() {
                            return Err(EvalError::TooManySamples);
                        }
                    }
                }
            }
            out.clear();
            f(&stepv, &sigs, ts, &mut out, &mut self.cur)?;
            let n = out.len() as i64;
            self.cur += n;
            temp += n;
            self.check()?;
            if instant {
                if !self.delayed() && contains_same_labelset(out.iter().map(|s| &s.metric)) {
                    return Err(dup_labelset_error());
                }
                let mat: Matrix = out
                    .drain(..)
                    .map(|s| Series {
                        metric: s.metric,
                        floats: vec![FPoint { t: ts, f: s.f }],
                        drop_name: s.drop_name,
                    })
                    .collect();
                self.cur = original + mat.len() as i64;
                return Ok(mat);
            }
            for s in out.drain(..) {
                match index.get_mut(&s.metric) {
                    Some((i, last)) => {
                        if *last == ts {
                            return Err(dup_labelset_error());
                        }
                        *last = ts;
                        if let Some(ser) = series.get_mut(*i) {
                            ser.floats.push(FPoint { t: ts, f: s.f });
                        }
                    }
                    None => {
                        index.insert(s.metric.clone(), (series.len(), ts));
                        series.push(Series {
                            metric: s.metric,
                            floats: vec![FPoint { t: ts, f: s.f }],
                            drop_name: s.drop_name,
                        });
                    }
                }
            }
        }
        self.cur = original + total_samples(&series);
        Ok(series)
    }

    /// `evaluator.eval`.
    pub fn eval(&mut self, n: &Node) -> Result<Matrix, EvalError> {
        if self.end < self.start {
            return Ok(Vec::new());
        }
        match n {
            Node::Aggregate(a) => crate::engine::aggregate::eval_aggregate(self, a),
            Node::Call(c) => self.eval_call(c),
            Node::Neg(e) => {
                let mut mat = self.eval(e)?;
                for s in &mut mat {
                    if !self.delayed() {
                        s.metric = s.metric.drop_metadata();
                    }
                    s.drop_name = true;
                    for p in &mut s.floats {
                        p.f = -p.f;
                    }
                }
                if !self.delayed() && contains_same_labelset(mat.iter().map(|s| &s.metric)) {
                    return Err(dup_labelset_error());
                }
                Ok(mat)
            }
            Node::Pos(e) => self.eval(e),
            Node::Binary(b) => crate::engine::binop::eval_binary(self, b),
            Node::Number(v) => {
                let v = *v;
                self.range_eval(&[], None, |_, _, _, out, _| {
                    out.push(Sample { metric: Labels::empty(), t: 0, f: v, drop_name: false });
                    Ok(())
                })
            }
            Node::Str(_) => Err(EvalError::new("unexpected string in an expression that needs a number or vector")),
            Node::Vector(vs) => self.eval_series(vs),
            Node::Matrix(vs, range) => {
                if self.start != self.end {
                    return Err(EvalError::new("cannot do range evaluation of matrix selector"));
                }
                self.matrix_selector(vs, *range)
            }
            Node::Subquery(sq) => self.eval_subquery(sq),
            Node::StepInvariant(inner) => self.eval_step_invariant(inner),
        }
    }

    fn eval_step_invariant(&mut self, inner: &Node) -> Result<Matrix, EvalError> {
        if let Node::Number(_) | Node::Str(_) = inner {
            return self.eval(inner);
        }
        let mut child = self.child(self.start, self.start, self.interval)?;
        let mut mat = child.eval(inner)?;
        self.cur = child.cur;
        if matches!(inner, Node::Matrix(..) | Node::Subquery(_)) {
            return Ok(mat);
        }
        let extra: Vec<i64> = self.steps().skip(1).collect();
        for s in &mut mat {
            let Some(first) = s.floats.first().copied() else { continue };
            s.floats.reserve(extra.len());
            for &ts in &extra {
                s.floats.push(FPoint { t: ts, f: first.f });
                self.cur += 1;
                if self.cur > self.max() {
                    return Err(EvalError::TooManySamples);
                }
            }
        }
        Ok(mat)
    }

    /// `evalSeries`: an instant vector selector at every step.
    fn eval_series(&mut self, vs: &VectorSel) -> Result<Matrix, EvalError> {
        let offset = vs.offset.get();
        let lookback = self.ctx.settings.lookback_delta;
        let mut mat = Vec::new();
        let steps: Vec<i64> = self.steps().collect();
        for &id in &vs.series {
            let Some(s) = self.ctx.storage.get(id) else { continue };
            let mut floats = Vec::new();
            for &ts in &steps {
                let Some(f) = instant_value(s, ts - offset, lookback)? else { continue };
                self.cur += 1;
                if self.cur > self.max() {
                    return Err(EvalError::TooManySamples);
                }
                if floats.is_empty() {
                    floats.reserve(steps.len());
                }
                floats.push(FPoint { t: ts, f: f.1 });
            }
            if !floats.is_empty() {
                mat.push(Series { metric: s.labels.clone(), floats, drop_name: false });
            }
        }
        Ok(mat)
    }

    /// `matrixSelector`: a range selector evaluated at the (single) step.
    fn matrix_selector(&mut self, vs: &VectorSel, range: i64) -> Result<Matrix, EvalError> {
        let maxt = self.start - vs.offset.get();
        let mint = maxt - range;
        let mut mat = Vec::new();
        let mut buf = Vec::new();
        for &id in &vs.series {
            let Some(s) = self.ctx.storage.get(id) else { continue };
            Src::Stored(s).window(mint, maxt, &mut buf)?;
            self.cur += buf.len() as i64;
            self.check()?;
            if !buf.is_empty() {
                mat.push(Series { metric: s.labels.clone(), floats: std::mem::take(&mut buf), drop_name: false });
            }
        }
        Ok(mat)
    }

    /// The subquery's own evaluator (step alignment as in `engine.go`).
    fn subquery_evaluator(&self, sq: &Subq) -> Result<Ev<'a>, EvalError> {
        let offset = sq.offset.get();
        let interval = sq.step.unwrap_or(self.ctx.settings.default_subquery_step).max(1);
        let end = self.end - offset;
        let lower = self.start - offset - sq.range;
        let mut start = interval * (lower / interval);
        if start <= lower {
            start += interval;
        }
        self.child(start, end, interval)
    }

    fn eval_subquery(&mut self, sq: &Subq) -> Result<Matrix, EvalError> {
        let mut child = self.subquery_evaluator(sq)?;
        if child.start != self.start {
            crate::engine::plan::set_offsets_for_at(&sq.expr, child.start, &mut Vec::new());
        }
        let res = child.eval(&sq.expr)?;
        self.cur = child.cur;
        Ok(res)
    }

    /// `evalSubquery`: the subquery's matrix plus the range/offset its windows are read with.
    fn eval_subquery_as_matrix(&mut self, sq: &Subq) -> Result<(Matrix, i64), EvalError> {
        let mat = self.eval_subquery(sq)?;
        let offset = match sq.at {
            Some(at) => sq.original_offset + (self.start - at),
            None => sq.offset.get(),
        };
        Ok((mat, offset))
    }

    fn eval_call(&mut self, c: &crate::engine::plan::CallN) -> Result<Matrix, EvalError> {
        let name = c.func.name;
        if name == "timestamp"
            && let Some(Node::Vector(vs)) = c.args.first().map(Node::unwrap_si)
        {
            return self.timestamp_over_selector(vs);
        }
        match name {
            "label_replace" => return functions::eval_label_replace(self, &c.args),
            "label_join" => return functions::eval_label_join(self, &c.args),
            "info" => return Err(EvalError::Unsupported("the experimental info() function".into())),
            _ => {}
        }
        let matrix_arg = c.args.iter().position(|a| matches!(a.unwrap_si(), Node::Matrix(..) | Node::Subquery(_)));
        let Some(mi) = matrix_arg else {
            let args: Vec<&Node> = c.args.iter().collect();
            let ctx = self.ctx;
            let delayed = self.delayed();
            return self.range_eval(&args, None, |vals, _, ts, out, _| {
                functions::call_vector_fn(ctx, name, vals, &c.args, ts, delayed, out)
            });
        };

        // The matrix argument: a range selector, or a subquery evaluated into a matrix first.
        let mut sub_mat: Option<(Matrix, i64)> = None;
        let mut sub_samples = 0i64;
        let (range, at, vs_opt) = match c.args.get(mi).map(Node::unwrap_si) {
            Some(Node::Matrix(vs, range)) => (*range, vs.at, Some(vs.as_ref())),
            Some(Node::Subquery(sq)) => {
                let (m, off) = self.eval_subquery_as_matrix(sq)?;
                sub_samples = total_samples(&m);
                sub_mat = Some((m, off));
                (sq.range, sq.at, None)
            }
            _ => return Err(EvalError::new("internal error: matrix argument expected")),
        };
        let offset = match (&sub_mat, vs_opt) {
            (Some((_, off)), _) => *off,
            (None, Some(vs)) => vs.offset.get(),
            _ => 0,
        };
        let result = self.eval_matrix_call(c, mi, range, offset, at, vs_opt, sub_mat.as_ref().map(|(m, _)| m));
        self.cur -= sub_samples;
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_matrix_call(
        &mut self,
        c: &crate::engine::plan::CallN,
        mi: usize,
        range: i64,
        offset: i64,
        at: Option<i64>,
        vs: Option<&VectorSel>,
        sub: Option<&Matrix>,
    ) -> Result<Matrix, EvalError> {
        let name = c.func.name;
        // The other (scalar) arguments, evaluated over all steps.
        let mut others: Vec<Option<Matrix>> = Vec::with_capacity(c.args.len());
        for (i, a) in c.args.iter().enumerate() {
            if i == mi || a.value_type() == ValueType::String {
                others.push(None);
            } else {
                others.push(Some(self.eval(a)?));
            }
        }
        let sources: Vec<Src> = match (vs, sub) {
            (Some(vs), _) => vs.series.iter().filter_map(|&id| self.ctx.storage.get(id)).map(Src::Stored).collect(),
            (None, Some(m)) => m.iter().map(Src::Computed).collect(),
            _ => Vec::new(),
        };
        let drop_name = name != "last_over_time";
        let steps: Vec<i64> = self.steps().collect();
        let mut mat: Matrix = Vec::with_capacity(sources.len());
        let mut window: Vec<FPoint> = Vec::new();
        let mut scalars = vec![f64::NAN; c.args.len()];
        for src in &sources {
            self.cur -= window.len() as i64;
            window.clear();
            let labels = src.labels();
            let metric = match (self.delayed() || !drop_name, src) {
                (true, _) => labels.clone(),
                (false, Src::Stored(s)) => s.labels_without_metadata.clone(),
                (false, Src::Computed(s)) => s.metric.drop_metadata(),
            };
            let mut ss = Series { metric, floats: Vec::new(), drop_name };
            for (step, &ts) in steps.iter().enumerate() {
                for (j, o) in others.iter().enumerate() {
                    if let (Some(m), Some(slot)) = (o, scalars.get_mut(j)) {
                        *slot = m.first().and_then(|s| s.floats.get(step)).map(|p| p.f).unwrap_or(f64::NAN);
                    }
                }
                if ts == self.start || at.is_none() {
                    let maxt = ts - offset;
                    let mint = maxt - range;
                    let before = window.len() as i64;
                    src.window(mint, maxt, &mut window)?;
                    self.cur += window.len() as i64 - before;
                    self.check()?;
                }
                if window.is_empty() {
                    continue;
                }
                let fc = functions::MatrixCall { name, ts, range, offset, scalars: &scalars, ctx: self.ctx };
                if let Some(v) = functions::call_matrix_fn(&fc, &window)? {
                    if ss.floats.is_empty() {
                        ss.floats.reserve(steps.len());
                    }
                    ss.floats.push(FPoint { t: ts, f: v });
                }
            }
            if !ss.floats.is_empty() {
                if self.cur + ss.floats.len() as i64 > self.max() {
                    return Err(EvalError::TooManySamples);
                }
                self.cur += ss.floats.len() as i64;
                let got = !ss.floats.is_empty();
                mat.push(ss);
                if (name == "rate" || name == "increase") && got {
                    let metric_name = labels.get(crate::engine::value::METRIC_NAME);
                    if !metric_name.is_empty()
                        && !["_total", "_sum", "_count", "_bucket"].iter().any(|suf| metric_name.ends_with(suf))
                    {
                        self.ctx.info(format!(
                            "PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: {}",
                            crate::go::strconv::quote(metric_name)
                        ));
                    }
                }
            }
        }
        self.cur -= window.len() as i64;

        if name == "absent_over_time" {
            let n = steps.len();
            if mat.iter().any(|s| s.floats.len() == n) {
                return Ok(Vec::new());
            }
            let mut found = std::collections::HashSet::new();
            for (i, s) in mat.iter().enumerate() {
                for p in &s.floats {
                    found.insert(p.t);
                }
                if i > 0 && found.len() == n {
                    return Ok(Vec::new());
                }
            }
            let floats: Vec<FPoint> =
                steps.iter().filter(|t| !found.contains(t)).map(|&t| FPoint { t, f: 1.0 }).collect();
            let metric = match c.args.first() {
                Some(Node::Matrix(vs, _)) => functions::absent_labels(vs),
                _ => Labels::empty(),
            };
            return Ok(vec![Series { metric, floats, drop_name }]);
        }
        // Dropping the metadata labels can only make two series equal when their metadata differ.
        if !self.delayed()
            && drop_name
            && !same_metadata(sources.iter().map(|s| s.labels()))
            && contains_same_labelset(mat.iter().map(|s| &s.metric))
        {
            return Err(dup_labelset_error());
        }
        Ok(mat)
    }

    /// `rangeEvalTimestampFunctionOverVectorSelector`: `timestamp(sel)` reads the samples' own timestamps.
    fn timestamp_over_selector(&mut self, vs: &VectorSel) -> Result<Matrix, EvalError> {
        let lookback = self.ctx.settings.lookback_delta;
        let storage = self.ctx.storage;
        let delayed = self.delayed();
        let max = self.max();
        let series: Vec<&StoredSeries> = vs.series.iter().filter_map(|&id| storage.get(id)).collect();
        self.range_eval(&[], None, |_, _, ts, out, cur| {
            let reft = match vs.at {
                Some(at) => at,
                None => ts - vs.offset.get(),
            };
            for s in &series {
                let Some((t, _)) = instant_value(s, reft, lookback)? else { continue };
                *cur += 1;
                if *cur > max {
                    return Err(EvalError::TooManySamples);
                }
                let metric = if delayed { s.labels.clone() } else { s.labels.drop_metadata() };
                out.push(Sample { metric, t: 0, f: t as f64 / 1000.0, drop_name: true });
            }
            Ok(())
        })
    }
}

/// `vectorSelectorSingle`: the newest sample in `(reft - lookback, reft]` as `(timestamp, value)`, unless
/// it is a stale marker.
pub(crate) fn instant_value(s: &StoredSeries, reft: i64, lookback: i64) -> Result<Option<(i64, f64)>, EvalError> {
    let i = s.upper_bound(reft);
    if i == 0 {
        return Ok(None);
    }
    let Some(&FPoint { t, f }) = s.points.get(i - 1) else { return Ok(None) };
    if t <= reft - lookback {
        return Ok(None);
    }
    if is_histogram_marker(f) {
        return Err(EvalError::native_histograms());
    }
    if is_stale_nan(f) {
        return Ok(None);
    }
    Ok(Some((t, f)))
}

pub(crate) fn total_samples(m: &Matrix) -> i64 {
    m.iter().map(|s| s.floats.len() as i64).sum()
}

/// Runs a plan: the evaluator's `Eval` plus delayed name removal.
pub(crate) fn run(ev: &mut Ev, node: &Node) -> Result<Matrix, EvalError> {
    let mut mat = ev.eval(node)?;
    if ev.delayed() && node.value_type() != ast::ValueType::String {
        for s in &mut mat {
            if s.drop_name {
                s.metric = s.metric.drop_metadata();
            }
        }
        if contains_same_labelset(mat.iter().map(|s| &s.metric)) {
            return Err(dup_labelset_error());
        }
    }
    Ok(mat)
}
