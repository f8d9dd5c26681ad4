//! The evaluation plan: the parsed `ast::Expr` turned into the tree Prometheus's engine actually evaluates.
//!
//! Prometheus prepares a query by mutating its AST: it resolves `@ start()`/`@ end()`, wraps
//! step-invariant sub-expressions in `StepInvariantExpr` (`PreprocessExpr`), selects the series of every
//! selector up front (`populateSeries`) and rewrites selector offsets for `@` (`setOffsetForAtModifier`,
//! again inside each subquery). Our AST is an immutable contract, so the engine builds this tree instead:
//! parentheses dropped, selectors carrying their matched series and an adjustable offset, step-invariant
//! nodes marked.

use std::cell::Cell;

use crate::engine::storage::Storage;
use crate::engine::{Engine, EvalError};
use crate::promql::ast;

pub(crate) struct VectorSel {
    /// `(name, op, value)` of all matchers, for `absent()` labels.
    pub raw_matchers: Vec<(String, ast::MatchOp, String)>,
    /// Ids of the matching series, in creation order.
    pub series: Vec<usize>,
    pub original_offset: i64,
    /// `@` timestamp, with `start()`/`end()` resolved.
    pub at: Option<i64>,
    /// The offset evaluation uses (`VectorSelector.Offset`), adjusted for `@`.
    pub offset: Cell<i64>,
}

pub(crate) struct Subq {
    pub expr: Node,
    pub range: i64,
    pub step: Option<i64>,
    pub original_offset: i64,
    pub at: Option<i64>,
    pub offset: Cell<i64>,
}

pub(crate) struct Bin {
    pub op: ast::BinaryOp,
    pub lhs: Node,
    pub rhs: Node,
    pub return_bool: bool,
    /// `Some` exactly when both sides are instant vectors.
    pub matching: Option<Matching>,
}

pub(crate) struct Matching {
    pub card: ast::Cardinality,
    pub on: bool,
    /// Sorted matching label names.
    pub labels: Vec<String>,
    pub include: Vec<String>,
}

pub(crate) struct Agg {
    pub op: ast::AggregateOp,
    pub expr: Node,
    pub param: Option<Node>,
    /// Sorted grouping labels.
    pub grouping: Vec<String>,
    pub without: bool,
}

pub(crate) struct CallN {
    pub func: &'static ast::Function,
    pub args: Vec<Node>,
}

pub(crate) enum Node {
    Number(f64),
    Str(String),
    Vector(Box<VectorSel>),
    Matrix(Box<VectorSel>, i64),
    Subquery(Box<Subq>),
    Neg(Box<Node>),
    /// Unary `+`: the value unchanged.
    Pos(Box<Node>),
    Binary(Box<Bin>),
    Aggregate(Box<Agg>),
    Call(Box<CallN>),
    StepInvariant(Box<Node>),
}

impl Node {
    pub fn value_type(&self) -> ast::ValueType {
        use ast::ValueType as T;
        match self {
            Node::Number(_) => T::Scalar,
            Node::Str(_) => T::String,
            Node::Vector(_) => T::Vector,
            Node::Matrix(..) | Node::Subquery(_) => T::Matrix,
            Node::Neg(e) | Node::Pos(e) | Node::StepInvariant(e) => e.value_type(),
            Node::Binary(b) => {
                if b.lhs.value_type() == T::Scalar && b.rhs.value_type() == T::Scalar {
                    T::Scalar
                } else {
                    T::Vector
                }
            }
            Node::Aggregate(_) => T::Vector,
            Node::Call(c) => c.func.return_type,
        }
    }

    /// Strips a step-invariant wrapper (`unwrapStepInvariantExpr`).
    pub fn unwrap_si(&self) -> &Node {
        match self {
            Node::StepInvariant(e) => e,
            e => e,
        }
    }
}

/// Functions whose result varies with the evaluation time even when their arguments do not.
pub(crate) const AT_MODIFIER_UNSAFE_FUNCTIONS: [&str; 11] = [
    "days_in_month",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "hour",
    "minute",
    "month",
    "year",
    "predict_linear",
    "time",
    "timestamp",
];

/// Builds the plan for `expr` evaluated over `[start, end]`.
pub(crate) fn build(
    engine: &Engine,
    storage: &Storage,
    expr: &ast::Expr,
    start: i64,
    end: i64,
) -> Result<Node, EvalError> {
    let mut node = convert(engine, storage, expr, start, end)?;
    if preprocess(&mut node) {
        node = Node::StepInvariant(Box::new(node));
    }
    set_offsets_for_at(&node, start, &mut Vec::new());
    Ok(node)
}

fn resolve_at(at: Option<ast::AtModifier>, start: i64, end: i64) -> Option<i64> {
    match at {
        None => None,
        Some(ast::AtModifier::Timestamp(t)) => Some(t),
        Some(ast::AtModifier::Start) => Some(start),
        Some(ast::AtModifier::End) => Some(end),
    }
}

fn selector(
    engine: &Engine,
    storage: &Storage,
    vs: &ast::VectorSelector,
    start: i64,
    end: i64,
) -> Result<Box<VectorSel>, EvalError> {
    let all = vs.all_matchers();
    let mut matchers = Vec::with_capacity(all.len());
    for m in &all {
        matchers.push(engine.matcher(m)?);
    }
    let series = engine.select_cached(storage, &all, &matchers);
    Ok(Box::new(VectorSel {
        raw_matchers: all.iter().map(|m| (m.name.clone(), m.op, m.value.clone())).collect(),
        series,
        original_offset: vs.modifiers.offset,
        at: resolve_at(vs.modifiers.at, start, end),
        offset: Cell::new(vs.modifiers.offset),
    }))
}

fn convert(engine: &Engine, storage: &Storage, e: &ast::Expr, start: i64, end: i64) -> Result<Node, EvalError> {
    let conv = |e: &ast::Expr| convert(engine, storage, e, start, end);
    Ok(match e {
        ast::Expr::Number(n) => Node::Number(n.value),
        ast::Expr::String(s) => Node::Str(s.value.clone()),
        ast::Expr::VectorSelector(vs) => Node::Vector(selector(engine, storage, vs, start, end)?),
        ast::Expr::MatrixSelector(ms) => Node::Matrix(selector(engine, storage, &ms.selector, start, end)?, ms.range),
        ast::Expr::Subquery(sq) => Node::Subquery(Box::new(Subq {
            expr: conv(&sq.expr)?,
            range: sq.range,
            step: sq.step.filter(|s| *s > 0),
            original_offset: sq.modifiers.offset,
            at: resolve_at(sq.modifiers.at, start, end),
            offset: Cell::new(sq.modifiers.offset),
        })),
        ast::Expr::Paren(p) => conv(&p.expr)?,
        ast::Expr::Unary(u) => match u.op {
            ast::UnaryOp::Neg => Node::Neg(Box::new(conv(&u.expr)?)),
            ast::UnaryOp::Pos => Node::Pos(Box::new(conv(&u.expr)?)),
        },
        ast::Expr::Binary(b) => {
            let matching = b.matching.as_ref().map(|m| {
                let mut labels: Vec<String> = m.labels.iter().map(|l| l.name.clone()).collect();
                labels.sort();
                Matching { card: m.card, on: m.on, labels, include: m.include.iter().map(|l| l.name.clone()).collect() }
            });
            Node::Binary(Box::new(Bin {
                op: b.op,
                lhs: conv(&b.lhs)?,
                rhs: conv(&b.rhs)?,
                return_bool: b.return_bool,
                matching,
            }))
        }
        ast::Expr::Aggregate(a) => {
            if a.op.is_experimental() && !engine.settings.experimental_functions {
                return Err(EvalError::new(format!("{} is not enabled", a.op.as_str())));
            }
            let mut grouping: Vec<String> = a.grouping_labels().map(str::to_string).collect();
            grouping.sort();
            Node::Aggregate(Box::new(Agg {
                op: a.op,
                expr: conv(&a.expr)?,
                param: match &a.param {
                    Some(p) => Some(conv(p)?),
                    None => None,
                },
                grouping,
                without: a.without(),
            }))
        }
        ast::Expr::Call(c) => {
            if c.func.experimental && !engine.settings.experimental_functions {
                return Err(EvalError::new(format!("function {:?} is not enabled", c.func.name)));
            }
            let mut args = Vec::with_capacity(c.args.len());
            for a in &c.args {
                args.push(conv(a)?);
            }
            Node::Call(Box::new(CallN { func: c.func, args }))
        }
    })
}

/// `preprocessExprHelper`: wraps step-invariant children; returns whether `n` itself is step invariant.
fn preprocess(n: &mut Node) -> bool {
    match n {
        Node::Vector(vs) => vs.at.is_some(),
        Node::Matrix(vs, _) => vs.at.is_some(),
        Node::Aggregate(a) => preprocess(&mut a.expr),
        Node::Binary(b) => {
            let l = preprocess(&mut b.lhs);
            let r = preprocess(&mut b.rhs);
            if l && r {
                return true;
            }
            if l {
                wrap(&mut b.lhs);
            }
            if r {
                wrap(&mut b.rhs);
            }
            false
        }
        Node::Call(c) => {
            let mut invariant = !AT_MODIFIER_UNSAFE_FUNCTIONS.contains(&c.func.name);
            let flags: Vec<bool> = c.args.iter_mut().map(preprocess).collect();
            invariant = invariant && flags.iter().all(|&f| f);
            if invariant {
                return true;
            }
            for (a, f) in c.args.iter_mut().zip(flags) {
                if f {
                    wrap(a);
                }
            }
            false
        }
        Node::Subquery(s) => {
            if preprocess(&mut s.expr) {
                wrap(&mut s.expr);
            }
            s.at.is_some()
        }
        Node::Neg(e) | Node::Pos(e) => preprocess(e),
        Node::Number(_) | Node::Str(_) => true,
        Node::StepInvariant(_) => true,
    }
}

fn wrap(n: &mut Node) {
    let inner = std::mem::replace(n, Node::Number(0.0));
    *n = Node::StepInvariant(Box::new(inner));
}

/// `setOffsetForAtModifier`: `path` holds `(original_offset, at)` of the enclosing subqueries.
pub(crate) fn set_offsets_for_at(n: &Node, eval_time: i64, path: &mut Vec<(i64, Option<i64>)>) {
    let offset_for = |at: Option<i64>, original: i64, path: &[(i64, Option<i64>)]| -> i64 {
        let Some(ts) = at else { return original };
        let (mut subq_offset, subq_ts) = subquery_times(path);
        if let Some(st) = subq_ts {
            subq_offset += eval_time - st;
        }
        let offset_for_ts = eval_time - ts;
        original + (offset_for_ts - subq_offset)
    };
    match n {
        Node::Vector(vs) | Node::Matrix(vs, _) => vs.offset.set(offset_for(vs.at, vs.original_offset, path)),
        Node::Subquery(s) => {
            s.offset.set(offset_for(s.at, s.original_offset, path));
            path.push((s.original_offset, s.at));
            set_offsets_for_at(&s.expr, eval_time, path);
            path.pop();
        }
        Node::Number(_) | Node::Str(_) => {}
        Node::Neg(e) | Node::Pos(e) | Node::StepInvariant(e) => set_offsets_for_at(e, eval_time, path),
        Node::Binary(b) => {
            set_offsets_for_at(&b.lhs, eval_time, path);
            set_offsets_for_at(&b.rhs, eval_time, path);
        }
        Node::Aggregate(a) => {
            if let Some(p) = &a.param {
                set_offsets_for_at(p, eval_time, path);
            }
            set_offsets_for_at(&a.expr, eval_time, path);
        }
        Node::Call(c) => {
            for a in &c.args {
                set_offsets_for_at(a, eval_time, path);
            }
        }
    }
}

/// `subqueryTimes`: the summed offsets of the enclosing subqueries (reset at one with `@`) and the
/// innermost `@` timestamp.
fn subquery_times(path: &[(i64, Option<i64>)]) -> (i64, Option<i64>) {
    let mut off = 0;
    let mut ts = None;
    for &(o, at) in path {
        off += o;
        if let Some(t) = at {
            off = o;
            ts = Some(t);
        }
    }
    (off, ts)
}
