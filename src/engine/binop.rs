//! Binary operators: scalar/scalar, vector/scalar and vector/vector with `on`/`ignoring`,
//! `group_left`/`group_right`, `bool`, and the set operators (`engine.go` `VectorBinop`, `VectorAnd`, ...).

use crate::engine::value::{FastMap as HashMap, FastSet as HashSet};

use crate::engine::EvalError;
use crate::engine::eval::{Ev, StepVec};
use crate::engine::gomath;
use crate::engine::plan::{Bin, Matching};
use crate::engine::value::{Labels, METRIC_NAME, Matrix, Sample, Vector};
use crate::promql::ast::{BinaryOp, Cardinality, ValueType};

pub(crate) fn eval_binary(ev: &mut Ev, b: &Bin) -> Result<Matrix, EvalError> {
    let (lt, rt) = (b.lhs.value_type(), b.rhs.value_type());
    let op = b.op;
    let delayed = ev.delayed();
    match (lt, rt) {
        (ValueType::Scalar, ValueType::Scalar) => ev.range_eval(&[&b.lhs, &b.rhs], None, |v, _, _, out, _| {
            let l = v.first().and_then(|s| s.v.first()).map(|s| s.f).unwrap_or(f64::NAN);
            let r = v.get(1).and_then(|s| s.v.first()).map(|s| s.f).unwrap_or(f64::NAN);
            out.push(Sample { metric: Labels::empty(), t: 0, f: scalar_binop(op, l, r), drop_name: false });
            Ok(())
        }),
        (ValueType::Vector, ValueType::Vector) => {
            let Some(m) = &b.matching else {
                return Err(EvalError::new("internal error: vector matching missing"));
            };
            let on = m.on;
            let labels = m.labels.clone();
            let sigf = move |l: &Labels| if on { l.keep(&labels) } else { l.without_and_name(&labels) };
            let return_bool = b.return_bool;
            ev.range_eval(&[&b.lhs, &b.rhs], Some(&sigf), |v, sigs, _, out, _| {
                let (Some(l), Some(r)) = (v.first(), v.get(1)) else { return Ok(()) };
                let lsig: Vec<&Labels> = l.idx.iter().filter_map(|&i| sigs.first().and_then(|s| s.get(i))).collect();
                let rsig: Vec<&Labels> = r.idx.iter().filter_map(|&i| sigs.get(1).and_then(|s| s.get(i))).collect();
                match op {
                    BinaryOp::And => vector_and(l, r, &lsig, &rsig, out),
                    BinaryOp::Or => vector_or(l, r, &lsig, &rsig, out),
                    BinaryOp::Unless => vector_unless(l, r, &lsig, &rsig, out),
                    _ => vector_binop(op, l, r, &lsig, &rsig, m, return_bool, delayed, out)?,
                }
                Ok(())
            })
        }
        (ValueType::Vector, ValueType::Scalar) => {
            let rb = b.return_bool;
            ev.range_eval(&[&b.lhs, &b.rhs], None, |v, _, _, out, _| {
                let s = v.get(1).and_then(|s| s.v.first()).map(|s| s.f).unwrap_or(f64::NAN);
                if let Some(l) = v.first() {
                    vector_scalar_binop(op, &l.v, s, false, rb, delayed, out);
                }
                Ok(())
            })
        }
        (ValueType::Scalar, ValueType::Vector) => {
            let rb = b.return_bool;
            ev.range_eval(&[&b.lhs, &b.rhs], None, |v, _, _, out, _| {
                let s = v.first().and_then(|s| s.v.first()).map(|s| s.f).unwrap_or(f64::NAN);
                if let Some(r) = v.get(1) {
                    vector_scalar_binop(op, &r.v, s, true, rb, delayed, out);
                }
                Ok(())
            })
        }
        _ => Err(EvalError::new(format!("invalid operand types for binary operator {:?}", op.as_str()))),
    }
}

fn btos(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// `scalarBinop`.
pub(crate) fn scalar_binop(op: BinaryOp, l: f64, r: f64) -> f64 {
    match op {
        BinaryOp::Add => l + r,
        BinaryOp::Sub => l - r,
        BinaryOp::Mul => l * r,
        BinaryOp::Div => l / r,
        BinaryOp::Pow => gomath::pow(l, r),
        BinaryOp::Mod => gomath::fmod(l, r),
        BinaryOp::Eql => btos(l == r),
        BinaryOp::Neq => btos(l != r),
        BinaryOp::Gtr => btos(l > r),
        BinaryOp::Lss => btos(l < r),
        BinaryOp::Gte => btos(l >= r),
        BinaryOp::Lte => btos(l <= r),
        BinaryOp::Atan2 => gomath::atan2(l, r),
        BinaryOp::And | BinaryOp::Or | BinaryOp::Unless => f64::NAN,
    }
}

/// `vectorElemBinop` for floats: the value and whether to keep the element.
fn elem_binop(op: BinaryOp, l: f64, r: f64) -> (f64, bool) {
    match op {
        BinaryOp::Eql => (l, l == r),
        BinaryOp::Neq => (l, l != r),
        BinaryOp::Gtr => (l, l > r),
        BinaryOp::Lss => (l, l < r),
        BinaryOp::Gte => (l, l >= r),
        BinaryOp::Lte => (l, l <= r),
        _ => (scalar_binop(op, l, r), true),
    }
}

fn changes_metric_schema(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Pow | BinaryOp::Mod | BinaryOp::Atan2
    )
}

fn vector_and(l: &StepVec, r: &StepVec, lsig: &[&Labels], rsig: &[&Labels], out: &mut Vector) {
    if l.v.is_empty() || r.v.is_empty() {
        return;
    }
    let right: HashSet<&Labels> = rsig.iter().copied().collect();
    for (s, sig) in l.v.iter().zip(lsig) {
        if right.contains(sig) {
            out.push(s.clone());
        }
    }
}

fn vector_or(l: &StepVec, r: &StepVec, lsig: &[&Labels], rsig: &[&Labels], out: &mut Vector) {
    if l.v.is_empty() {
        out.extend(r.v.iter().cloned());
        return;
    }
    if r.v.is_empty() {
        out.extend(l.v.iter().cloned());
        return;
    }
    let left: HashSet<&Labels> = lsig.iter().copied().collect();
    out.extend(l.v.iter().cloned());
    for (s, sig) in r.v.iter().zip(rsig) {
        if !left.contains(sig) {
            out.push(s.clone());
        }
    }
}

fn vector_unless(l: &StepVec, r: &StepVec, lsig: &[&Labels], rsig: &[&Labels], out: &mut Vector) {
    if l.v.is_empty() || r.v.is_empty() {
        out.extend(l.v.iter().cloned());
        return;
    }
    let right: HashSet<&Labels> = rsig.iter().copied().collect();
    for (s, sig) in l.v.iter().zip(lsig) {
        if !right.contains(sig) {
            out.push(s.clone());
        }
    }
}

/// `VectorBinop`: arithmetic and comparisons between two vectors.
#[allow(clippy::too_many_arguments)]
fn vector_binop(
    op: BinaryOp,
    l: &StepVec,
    r: &StepVec,
    lsig: &[&Labels],
    rsig: &[&Labels],
    m: &Matching,
    return_bool: bool,
    delayed: bool,
    out: &mut Vector,
) -> Result<(), EvalError> {
    if l.v.is_empty() || r.v.is_empty() {
        return Ok(());
    }
    let one_to_many = m.card == Cardinality::OneToMany;
    let (lhs, rhs, lhsig, rhsig) = if one_to_many { (r, l, rsig, lsig) } else { (l, r, lsig, rsig) };
    let mut right: HashMap<&Labels, &Sample> = HashMap::with_capacity_and_hasher(rhs.v.len(), Default::default());
    for (rs, sig) in rhs.v.iter().zip(rhsig) {
        if let Some(dup) = right.get(sig) {
            let side = if one_to_many { "left" } else { "right" };
            let matched = if m.on { rs.metric.keep(&m.labels) } else { rs.metric.without_and_name(&m.labels) };
            return Err(EvalError::new(format!(
                "found duplicate series for the match group {matched} on the {side} hand-side of the operation: [{}, {}];many-to-many matching not allowed: matching labels must be unique on one side",
                rs.metric, dup.metric
            )));
        }
        right.insert(sig, rs);
    }
    let mut matched: HashMap<&Labels, Option<HashSet<Labels>>> =
        HashMap::with_capacity_and_hasher(right.len(), Default::default());
    for (ls, sig) in lhs.v.iter().zip(lhsig) {
        let Some(rs) = right.get(sig) else { continue };
        let (fl, fr) = if one_to_many { (rs.f, ls.f) } else { (ls.f, rs.f) };
        let (mut value, keep) = elem_binop(op, fl, fr);
        if return_bool {
            value = btos(keep);
        } else if !keep {
            continue;
        }
        let mut metric = result_metric(&ls.metric, &rs.metric, op, m);
        if !delayed && return_bool {
            metric = metric.drop_metadata();
        }
        if m.card == Cardinality::OneToOne {
            if matched.contains_key(sig) {
                return Err(EvalError::new(
                    "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
                ));
            }
            matched.insert(sig, None);
        } else {
            let set = matched.entry(sig).or_insert_with(|| Some(HashSet::default()));
            if let Some(set) = set {
                if set.contains(&metric) {
                    return Err(EvalError::new(
                        "multiple matches for labels: grouping labels must ensure unique matches",
                    ));
                }
                set.insert(metric.clone());
            }
        }
        out.push(Sample { metric, t: 0, f: value, drop_name: return_bool });
    }
    Ok(())
}

/// `resultMetric`.
fn result_metric(lhs: &Labels, rhs: &Labels, op: BinaryOp, m: &Matching) -> Labels {
    let mut b = lhs.builder();
    if changes_metric_schema(op) {
        b.del(METRIC_NAME).del("__type__").del("__unit__");
    }
    if m.card == Cardinality::OneToOne {
        if m.on {
            b.keep(&m.labels);
        } else {
            for n in &m.labels {
                b.del(n);
            }
        }
    }
    for n in &m.include {
        let v = rhs.get(n);
        if v.is_empty() {
            b.del(n);
        } else {
            b.set(n, v);
        }
    }
    b.labels()
}

/// `VectorscalarBinop`.
fn vector_scalar_binop(
    op: BinaryOp,
    v: &Vector,
    scalar: f64,
    swap: bool,
    return_bool: bool,
    delayed: bool,
    out: &mut Vector,
) {
    for s in v {
        let (lf, rf) = if swap { (scalar, s.f) } else { (s.f, scalar) };
        let (mut value, mut keep) = elem_binop(op, lf, rf);
        if op.is_comparison() && swap {
            value = rf;
        }
        if return_bool {
            value = btos(keep);
            keep = true;
        }
        if keep {
            let mut o = s.clone();
            o.f = value;
            if changes_metric_schema(op) || return_bool {
                if !delayed {
                    o.metric = o.metric.drop_metadata();
                }
                o.drop_name = true;
            }
            out.push(o);
        }
    }
}
