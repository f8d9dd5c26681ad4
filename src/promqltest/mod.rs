//! A runner for Prometheus's promqltest `.test` files, with upstream's comparison rules (3.5):
//! floats equal within a relative 1e-6 (`almost.Equal`), vectors matched by label set (and position with
//! `ordered`), range results label-sorted, warnings/infos checked against `expect` lines, and every
//! instant eval re-run with `@` pinned to its time at -10T, 0, T/5, T, 10T and as a range query around
//! each of those times (`test.go` `atModifierTestCases`, `runInstantQuery`).
//!
//! An eval whose result needs native histograms (a `{{...}}` expectation, or an evaluation that reads a
//! histogram sample) is reported as skipped with its reason, never compared.

pub mod parse;

use crate::engine::series_notation::SequenceValue;
use crate::engine::storage::Storage;
use crate::engine::value::{Labels, METRIC_NAME, Value, Vector, format_go_g, is_stale_nan};
use crate::engine::{Annotations, Engine, EngineSettings, EvalError};
use crate::promql::ast;

pub use parse::{Command, EvalCmd, EvalKind, ExpectKind, parse_file};

/// How an expression is parsed (injected so the runner does not depend on parser options).
pub type ParseFn<'a> = &'a dyn Fn(&str) -> Result<ast::Expr, String>;

/// The outcome of one eval.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pass,
    Skip(String),
    Fail(String),
}

/// A reported problem: an eval that failed or a command that could not run.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub line: usize,
    pub expr: String,
    pub message: String,
}

/// The result of one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileReport {
    pub evals: usize,
    pub passed: usize,
    /// (line, expression, reason)
    pub skipped: Vec<(usize, String, String)>,
    pub failures: Vec<Failure>,
}

impl FileReport {
    pub fn failed_evals(&self) -> usize {
        self.evals - self.passed - self.skipped.len()
    }
}

/// Runs one file's text.
pub fn run_file(text: &str, parse: ParseFn) -> FileReport {
    let engine = Engine::new(EngineSettings::promqltest());
    let mut storage = Storage::new();
    let mut rep = FileReport::default();
    for cmd in parse_file(text) {
        match cmd {
            Command::Clear => storage = Storage::new(),
            Command::Invalid { line, message, is_eval } => {
                if is_eval {
                    rep.evals += 1;
                }
                rep.failures.push(Failure { line, expr: String::new(), message });
            }
            Command::Load(l) => {
                if let Err(m) = load(&mut storage, &l) {
                    rep.failures.push(Failure { line: l.line, expr: String::new(), message: m });
                }
            }
            Command::Eval(e) => {
                rep.evals += 1;
                match run_eval(&engine, &storage, &e, parse) {
                    Outcome::Pass => rep.passed += 1,
                    Outcome::Skip(r) => rep.skipped.push((e.line, e.expr.clone(), r)),
                    Outcome::Fail(m) => rep.failures.push(Failure { line: e.line, expr: e.expr.clone(), message: m }),
                }
            }
        }
    }
    rep
}

fn load(storage: &mut Storage, l: &parse::Load) -> Result<(), String> {
    for (labels, values) in &l.series {
        for (k, v) in values.iter().enumerate() {
            let t = k as i64 * l.step;
            let r = match v {
                SequenceValue::Omitted => continue,
                SequenceValue::Float(f) => storage.append(labels, t, *f),
                SequenceValue::Histogram(_) => storage.append_histogram(labels, t),
            };
            r.map_err(|e| format!("load {labels}: {e}"))?;
        }
    }
    if l.with_nhcb {
        // Classic histograms also become native histograms with custom buckets, stored under the base
        // name: the engine reports reading them as unsupported.
        let mut bases: Vec<(Labels, Vec<i64>)> = Vec::new();
        for (labels, values) in &l.series {
            let name = labels.get(METRIC_NAME);
            let base = if let Some(b) = name.strip_suffix("_bucket") {
                match crate::engine::series_notation::parse_go_float(labels.get("le")) {
                    Some(le) if !le.is_nan() => b,
                    _ => continue,
                }
            } else if let Some(b) = name.strip_suffix("_count").or_else(|| name.strip_suffix("_sum")) {
                b
            } else {
                continue;
            };
            let bl = labels.builder().set(METRIC_NAME, base).del("le").labels();
            let ts: Vec<i64> = values
                .iter()
                .enumerate()
                .filter(|(_, v)| matches!(v, SequenceValue::Float(_)))
                .map(|(k, _)| k as i64 * l.step)
                .collect();
            match bases.iter_mut().find(|(b, _)| *b == bl) {
                Some((_, t)) => t.extend(ts),
                None => bases.push((bl, ts)),
            }
        }
        for (labels, mut ts) in bases {
            ts.sort_unstable();
            ts.dedup();
            for t in ts {
                storage.append_histogram(&labels, t).map_err(|e| format!("load {labels}: {e}"))?;
            }
        }
    }
    Ok(())
}

/// Pins `@ ts` on selectors and subqueries without one; returns whether an unsafe function was seen.
/// Like upstream, nothing inside a subquery is touched (the subquery itself gets the `@`).
fn pin_at(e: &mut ast::Expr, ts: i64) -> bool {
    let pin = |m: &mut ast::Modifiers| {
        if !matches!(m.at, Some(ast::AtModifier::Timestamp(_))) {
            m.at = Some(ast::AtModifier::Timestamp(ts));
        }
    };
    match e {
        ast::Expr::VectorSelector(vs) => {
            pin(&mut vs.modifiers);
            false
        }
        ast::Expr::MatrixSelector(ms) => {
            pin(&mut ms.selector.modifiers);
            false
        }
        ast::Expr::Subquery(sq) => {
            pin(&mut sq.modifiers);
            false
        }
        ast::Expr::Number(_) | ast::Expr::String(_) => false,
        ast::Expr::Paren(p) => pin_at(&mut p.expr, ts),
        ast::Expr::Unary(u) => pin_at(&mut u.expr, ts),
        ast::Expr::Binary(b) => {
            let l = pin_at(&mut b.lhs, ts);
            let r = pin_at(&mut b.rhs, ts);
            l || r
        }
        ast::Expr::Aggregate(a) => {
            let p = a.param.as_mut().is_some_and(|p| pin_at(p, ts));
            let x = pin_at(&mut a.expr, ts);
            p || x
        }
        ast::Expr::Call(c) => {
            let mut unsafe_fn = crate::engine::plan::AT_MODIFIER_UNSAFE_FUNCTIONS.contains(&c.func.name);
            for a in &mut c.args {
                unsafe_fn |= pin_at(a, ts);
            }
            unsafe_fn
        }
    }
}

fn run_eval(engine: &Engine, storage: &Storage, cmd: &EvalCmd, parse: ParseFn) -> Outcome {
    let expr = match parse(&cmd.expr) {
        Ok(e) => e,
        Err(m) => return Outcome::Fail(format!("parse error: {m}")),
    };
    if cmd.expects_histograms() {
        return Outcome::Skip("native histograms (expected result)".into());
    }
    let r = match cmd.kind {
        EvalKind::Range { start, end, step } => run_range(engine, storage, cmd, &expr, start, end, step),
        EvalKind::Instant { at } => {
            let mut runs = vec![(expr.clone(), at)];
            let mut pinned = expr.clone();
            if !pin_at(&mut pinned, at) {
                let times: Vec<i64> =
                    if at == 0 { vec![-1000, 0, 1000] } else { vec![-10 * at, 0, at / 5, at, 10 * at] };
                runs.extend(times.into_iter().map(|t| (pinned.clone(), t)));
            }
            runs.iter().try_for_each(|(e, t)| run_instant(engine, storage, cmd, e, *t))
        }
    };
    match r {
        Ok(()) => Outcome::Pass,
        Err(Stop::Skip(r)) => Outcome::Skip(r),
        Err(Stop::Fail(m)) => Outcome::Fail(m),
    }
}

enum Stop {
    Skip(String),
    Fail(String),
}

fn fail<T>(m: impl Into<String>) -> Result<T, Stop> {
    Err(Stop::Fail(m.into()))
}

/// Handles an evaluation error: unsupported → skip; expected failure → check the message.
fn on_error(cmd: &EvalCmd, err: &EvalError) -> Result<(), Stop> {
    if let EvalError::Unsupported(what) = err {
        return Err(Stop::Skip(what.clone()));
    }
    let text = err.to_string();
    if !cmd.is_fail() {
        return fail(format!("error evaluating query: {text}"));
    }
    if let Some(m) = &cmd.expected_fail_message
        && !m.is_empty()
        && *m != text
    {
        return fail(format!("expected error {m:?}, but got: {text}"));
    }
    if let Some(r) = &cmd.expected_fail_regexp
        && !r.is_match(&text)
    {
        return fail(format!("expected error matching pattern {:?}, but got: {text}", r.as_str()));
    }
    if let Some(e) = cmd.expects_of(ExpectKind::Fail).next()
        && !e.matches(&text)
    {
        return fail(format!("expected error matching {}, but got: {text}", e.describe()));
    }
    Ok(())
}

fn check_annotations(cmd: &EvalCmd, a: &Annotations) -> Result<(), Stop> {
    if cmd.warn && a.warnings.is_empty() {
        return fail("expected warnings but got none");
    }
    if cmd.info && a.infos.is_empty() {
        return fail("expected info annotations but got none");
    }
    for (kind, actual, name) in [(ExpectKind::Warn, &a.warnings, "warn"), (ExpectKind::Info, &a.infos, "info")] {
        let exp: Vec<_> = cmd.expects_of(kind).collect();
        if exp.is_empty() {
            continue;
        }
        if actual.is_empty() {
            return fail(format!("expected {name} annotations but none were found"));
        }
        for e in &exp {
            if !actual.iter().any(|x| e.matches(x)) {
                return fail(format!(
                    "expected {name} annotation matching {} but no matching annotation was found, found: {actual:?}",
                    e.describe()
                ));
            }
        }
        for x in actual.iter() {
            if !exp.iter().any(|e| e.matches(x)) {
                return fail(format!("unexpected {name} annotation {x:?}"));
            }
        }
    }
    if cmd.expects_of(ExpectKind::NoWarn).next().is_some() && !a.warnings.is_empty() {
        return fail(format!("unexpected warning annotations: {:?}", a.warnings));
    }
    if cmd.expects_of(ExpectKind::NoInfo).next().is_some() && !a.infos.is_empty() {
        return fail(format!("unexpected info annotations: {:?}", a.infos));
    }
    Ok(())
}

fn almost(a: f64, b: f64) -> bool {
    crate::engine::quantile::almost_equal(a, b, 1e-6)
}

fn fmt_f(f: f64) -> String {
    if is_stale_nan(f) { "stale".into() } else { format_go_g(f) }
}

fn fmt_values(v: &[SequenceValue]) -> String {
    let items: Vec<String> = v
        .iter()
        .map(|x| match x {
            SequenceValue::Omitted => "_".into(),
            SequenceValue::Float(f) => fmt_f(*f),
            SequenceValue::Histogram(_) => "{{...}}".into(),
        })
        .collect();
    format!("[{}]", items.join(" "))
}

fn compare_vector(cmd: &EvalCmd, v: &Vector, ordered: bool) -> Result<(), Stop> {
    if let Some(s) = cmd.expect_scalar {
        return fail(format!("expected scalar {} but got a vector of {} samples", fmt_f(s), v.len()));
    }
    let mut seen = vec![false; cmd.expected.len()];
    for (pos, s) in v.iter().enumerate() {
        let Some(i) = cmd.expected.iter().position(|e| e.labels == s.metric) else {
            return fail(format!("unexpected metric {} in result, has value {}", s.metric, fmt_f(s.f)));
        };
        let exp = &cmd.expected[i];
        if ordered && exp.pos != pos + 1 {
            return fail(format!(
                "expected metric {} with {} at position {} but was at {}",
                s.metric,
                fmt_values(&exp.values),
                exp.pos,
                pos + 1
            ));
        }
        let want = match exp.values.first() {
            Some(SequenceValue::Float(f)) => *f,
            _ => return fail(format!("no expected value for {}", s.metric)),
        };
        if !almost(want, s.f) {
            return fail(format!("expected {} for {} but got {}", fmt_f(want), s.metric, fmt_f(s.f)));
        }
        if let Some(x) = seen.get_mut(i) {
            *x = true;
        }
    }
    for (i, e) in cmd.expected.iter().enumerate() {
        if !seen.get(i).copied().unwrap_or(true) {
            return fail(format!("expected metric {} with {} not found", e.labels, fmt_values(&e.values)));
        }
    }
    Ok(())
}

fn compare_scalar(cmd: &EvalCmd, v: f64) -> Result<(), Stop> {
    let Some(want) = cmd.expect_scalar else {
        return fail(format!("expected vector or matrix result, but got scalar {}", fmt_f(v)));
    };
    if !almost(want, v) {
        return fail(format!("expected scalar {} but got {}", fmt_f(want), fmt_f(v)));
    }
    Ok(())
}

/// Compares a matrix. `range` is `(start, end, step)`; instant evals have none (any expected point is
/// then "more than the query time range can return", as upstream).
fn compare_matrix(cmd: &EvalCmd, m: &crate::engine::Matrix, range: Option<(i64, i64, i64)>) -> Result<(), Stop> {
    if cmd.is_ordered() {
        return fail("expected ordered result, but query returned a matrix");
    }
    if let Some(s) = cmd.expect_scalar {
        return fail(format!("expected scalar {} but got a matrix", fmt_f(s)));
    }
    for w in m.windows(2) {
        if w[0].metric > w[1].metric {
            return fail("matrix results should always be sorted by labels");
        }
    }
    let mut seen = vec![false; cmd.expected.len()];
    for s in m {
        let Some(i) = cmd.expected.iter().position(|e| e.labels == s.metric) else {
            return fail(format!("unexpected metric {} in result, has {}", s.metric, fmt_points(&s.floats)));
        };
        let exp = &cmd.expected[i];
        let mut want = Vec::new();
        for (k, v) in exp.values.iter().enumerate() {
            let Some((start, end, step)) = range else {
                return fail(format!(
                    "expected {} points for {}, but query time range cannot return this many points",
                    exp.values.len(),
                    exp.labels
                ));
            };
            let t = start + k as i64 * step;
            if t > end {
                return fail(format!(
                    "expected {} points for {}, but query time range cannot return this many points",
                    exp.values.len(),
                    exp.labels
                ));
            }
            if let SequenceValue::Float(f) = v {
                want.push((t, *f));
            }
        }
        if want.len() != s.floats.len() {
            return fail(format!(
                "expected {} float points for {}, but got {}",
                want.len(),
                exp.labels,
                fmt_points(&s.floats)
            ));
        }
        for (k, ((t, f), p)) in want.iter().zip(&s.floats).enumerate() {
            if *t != p.t {
                return fail(format!(
                    "expected float value at index {k} for {} to have timestamp {t}, but it had timestamp {} (result has {})",
                    exp.labels,
                    p.t,
                    fmt_points(&s.floats)
                ));
            }
            if !almost(*f, p.f) {
                return fail(format!(
                    "expected float value at index {k} (t={t}) for {} to be {}, but got {} (result has {})",
                    exp.labels,
                    fmt_f(*f),
                    fmt_f(p.f),
                    fmt_points(&s.floats)
                ));
            }
        }
        if let Some(x) = seen.get_mut(i) {
            *x = true;
        }
    }
    for (i, e) in cmd.expected.iter().enumerate() {
        if !seen.get(i).copied().unwrap_or(true) {
            return fail(format!("expected metric {} not found", e.labels));
        }
    }
    Ok(())
}

fn fmt_points(p: &[crate::engine::FPoint]) -> String {
    let items: Vec<String> = p.iter().map(|x| format!("{} @[{}]", fmt_f(x.f), x.t)).collect();
    format!("{} float points [{}]", p.len(), items.join(" "))
}

fn run_range(
    engine: &Engine,
    storage: &Storage,
    cmd: &EvalCmd,
    expr: &ast::Expr,
    start: i64,
    end: i64,
    step: i64,
) -> Result<(), Stop> {
    let res = match engine.range_annotated(storage, expr, start, end, step) {
        Ok(r) => r,
        Err(e) => return on_error(cmd, &e),
    };
    if cmd.is_fail() {
        return fail("expected error evaluating query but got none");
    }
    check_annotations(cmd, &res.annotations)?;
    compare_matrix(cmd, &res.value, Some((start, end, step)))
}

fn run_instant(engine: &Engine, storage: &Storage, cmd: &EvalCmd, expr: &ast::Expr, t: i64) -> Result<(), Stop> {
    let at = |m: String| {
        Stop::Fail(format!("{m} (evaluated at t={t}ms{})", if t == instant_at(cmd) { "" } else { " with @ pinned" }))
    };
    let res = match engine.instant_annotated(storage, expr, t) {
        Ok(r) => r,
        Err(e) => return on_error(cmd, &e),
    };
    if cmd.is_fail() {
        return Err(at("expected error evaluating query but got none".into()));
    }
    check_annotations(cmd, &res.annotations)?;
    let ordered = cmd.is_ordered();
    let r = match &res.value {
        Value::Vector(v) => compare_vector(cmd, v, ordered),
        Value::Scalar { v, .. } => compare_scalar(cmd, *v),
        Value::Matrix(m) => compare_matrix(cmd, m, None),
        Value::String { .. } => fail("string results cannot be compared"),
    };
    r.map_err(|e| match e {
        Stop::Fail(m) => at(m),
        s => s,
    })?;
    // The same query as a range query around t must agree at t.
    let rr = match engine.range(storage, expr, t - 60_000, t + 60_000, 60_000) {
        Ok(m) => m,
        Err(EvalError::Unsupported(w)) => return Err(Stop::Skip(w)),
        Err(e) => return Err(at(format!("error evaluating query in range mode: {e}"))),
    };
    if ordered {
        return Ok(());
    }
    let vec: Vector = rr
        .iter()
        .filter_map(|s| {
            s.floats.iter().find(|p| p.t == t).map(|p| crate::engine::Sample {
                metric: s.metric.clone(),
                t,
                f: p.f,
                drop_name: false,
            })
        })
        .collect();
    let r = match res.value {
        Value::Scalar { .. } => match vec.first() {
            Some(s) => compare_scalar(cmd, s.f),
            None => fail("range mode returned no point for a scalar"),
        },
        _ => compare_vector(cmd, &vec, false),
    };
    r.map_err(|e| match e {
        Stop::Fail(m) => at(format!("range mode: {m}")),
        s => s,
    })
}

fn instant_at(cmd: &EvalCmd) -> i64 {
    match cmd.kind {
        EvalKind::Instant { at } => at,
        EvalKind::Range { start, .. } => start,
    }
}
