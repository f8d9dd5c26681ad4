//! Type checking of a parsed expression: a port of `checkAST` in Prometheus 3.5.3's `parse.go`.
//!
//! It runs only when parsing succeeded, walks the tree in upstream's order and returns the first
//! error upstream would report, with its message and position. It also settles vector matching as
//! upstream does: dropped unless both operands are instant vectors, many-to-many for set operators.
//! Both passes are iterative (binary chains may be thousands of terms deep) and linear: operand
//! types are read from the nodes, which keep them (see `Binary::value_type`).

use super::ast::*;
use super::parser::{PResult, Perr};
use crate::go::regexp;
use crate::go::strconv::quote;

fn err<T>(msg: impl Into<String>, span: Span) -> PResult<T> {
    Err(Perr::at(msg, span))
}

/// Go's `ValueType.String()` (used by one message where upstream did not use the documented name).
fn go_type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::Scalar => "scalar",
        ValueType::Vector => "vector",
        ValueType::Matrix => "matrix",
        ValueType::String => "string",
    }
}

/// Checks `e` as upstream's `checkAST`, then settles vector matching.
pub fn check(e: &mut Expr, input: &str) -> PResult<()> {
    Checker { input }.run(e)?;
    settle_matching(e);
    Ok(())
}

/// Where an operand's type is checked (`expected type ... in <context>`).
#[derive(Clone, Copy)]
enum Context<'e> {
    Aggregation,
    AggregationParam,
    Call(&'e Call),
}

/// One step of the walk. Upstream's `checkAST` recurses; binary chains can be far deeper than our
/// stack, so the same order is kept with an explicit list of pending steps.
enum Step<'e> {
    /// Check a node (and, through further steps, its children); the flag bypasses the
    /// empty-matcher rule (`info`'s second argument).
    Visit(&'e Expr, bool),
    /// After an operand was checked: its type must be `want`.
    Expect(&'e Expr, ValueType, Context<'e>),
    /// After both operands were checked.
    Binary(&'e Binary),
    Unary(&'e Unary),
    Subquery(&'e Subquery),
}

struct Checker<'a> {
    input: &'a str,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl Checker<'_> {
    fn run(&self, root: &Expr) -> PResult<()> {
        let mut steps = vec![Step::Visit(root, false)];
        while let Some(step) = steps.pop() {
            match step {
                Step::Visit(e, bypass) => self.visit(e, bypass, &mut steps)?,
                Step::Expect(e, want, context) => {
                    let t = e.value_type();
                    if t != want {
                        let context = match context {
                            Context::Aggregation => "aggregation expression".to_string(),
                            Context::AggregationParam => "aggregation parameter".to_string(),
                            Context::Call(c) => format!("call to function {}", quote(c.func.name)),
                        };
                        return err(format!("expected type {want} in {context}, got {t}"), e.span());
                    }
                }
                Step::Binary(b) => self.check_binary(b)?,
                Step::Unary(u) => {
                    let t = u.expr.value_type();
                    if t != ValueType::Scalar && t != ValueType::Vector {
                        return err(
                            format!(
                                "unary expression only allowed on expressions of type scalar or instant vector, got {}",
                                quote(&t.to_string())
                            ),
                            u.span,
                        );
                    }
                }
                Step::Subquery(s) => {
                    let t = s.expr.value_type();
                    if t != ValueType::Vector {
                        return err(
                            format!("subquery is only allowed on instant vector, got {} instead", go_type_name(t)),
                            s.span,
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks what upstream checks on entering `e`, and schedules its children and the checks
    /// that follow them (pushed in reverse: the list is a stack).
    fn visit<'e>(&self, e: &'e Expr, bypass_empty_matcher: bool, steps: &mut Vec<Step<'e>>) -> PResult<()> {
        match e {
            Expr::Aggregate(a) => {
                let want = match a.op {
                    AggregateOp::Topk
                    | AggregateOp::Bottomk
                    | AggregateOp::Quantile
                    | AggregateOp::Limitk
                    | AggregateOp::LimitRatio => Some(ValueType::Scalar),
                    AggregateOp::CountValues => Some(ValueType::String),
                    _ => None,
                };
                if let (Some(want), Some(p)) = (want, a.param.as_deref()) {
                    steps.push(Step::Expect(p, want, Context::AggregationParam));
                    steps.push(Step::Visit(p, false));
                }
                steps.push(Step::Expect(&a.expr, ValueType::Vector, Context::Aggregation));
                steps.push(Step::Visit(&a.expr, false));
            }
            Expr::Binary(b) => {
                steps.push(Step::Binary(b));
                steps.push(Step::Visit(&b.rhs, false));
                steps.push(Step::Visit(&b.lhs, false));
            }
            Expr::Call(c) => self.visit_call(c, steps)?,
            Expr::Paren(p) => steps.push(Step::Visit(&p.expr, false)),
            Expr::Unary(u) => {
                steps.push(Step::Unary(u));
                steps.push(Step::Visit(&u.expr, false));
            }
            Expr::Subquery(s) => {
                steps.push(Step::Subquery(s));
                steps.push(Step::Visit(&s.expr, false));
            }
            Expr::MatrixSelector(m) => self.check_selector(&m.selector, false)?,
            Expr::VectorSelector(vs) => self.check_selector(vs, bypass_empty_matcher)?,
            Expr::Number(_) | Expr::String(_) => {}
        }
        Ok(())
    }

    /// Upstream's `opRange`: from the end of the left operand to the start of the right one, with
    /// surrounding whitespace removed (so `+ bool` for `a + bool b`).
    fn op_range(&self, lhs: Span, rhs: Span) -> Span {
        let b = self.input.as_bytes();
        let mut start = lhs.end as usize;
        while b.get(start).is_some_and(|&c| is_space(c)) {
            start += 1;
        }
        let mut end = (rhs.start as usize).saturating_sub(1);
        while end > start && b.get(end).is_some_and(|&c| is_space(c)) {
            end -= 1;
        }
        Span::new(start as u32, (end + 1).max(start) as u32)
    }

    fn check_selector(&self, vs: &VectorSelector, bypass_empty_matcher: bool) -> PResult<()> {
        if let Some(name) = &vs.name {
            if let Some(m) = vs.matchers.iter().find(|m| m.name == "__name__") {
                return err(
                    format!("metric name must not be set twice: {} or {}", quote(name), quote(&m.value)),
                    vs.span,
                );
            }
            return Ok(());
        }
        if !bypass_empty_matcher && vs.matchers.iter().all(matches_empty) {
            return err("vector selector must contain at least one non-empty matcher", vs.span);
        }
        Ok(())
    }

    /// The checks after both operands were checked. Vector matching is judged as it will be once
    /// settled (see `settle_matching`).
    fn check_binary(&self, b: &Binary) -> PResult<()> {
        let (lt, rt) = (b.lhs.value_type(), b.rhs.value_type());
        let op_range = || self.op_range(b.lhs.span(), b.rhs.span());
        if b.return_bool && !b.op.is_comparison() {
            return err("bool modifier can only be used on comparison operators", op_range());
        }
        if b.op.is_comparison() && !b.return_bool && rt == ValueType::Scalar && lt == ValueType::Scalar {
            return err("comparisons between scalars must use BOOL modifier", op_range());
        }
        let card = b.matching.as_ref().map(|vm| settled_card(b.op, vm.card));
        if let Some(vm) = &b.matching
            && vm.on
            && let Some(l) = vm.labels.iter().find(|l| vm.include.iter().any(|i| i.name == l.name))
        {
            return err(format!("label {} must not occur in ON and GROUP clause at once", quote(&l.name)), op_range());
        }
        let operand_ok = |t: ValueType| t == ValueType::Scalar || t == ValueType::Vector;
        if !operand_ok(lt) {
            return err("binary expression must contain only scalar and instant vector types", b.lhs.span());
        }
        if !operand_ok(rt) {
            return err("binary expression must contain only scalar and instant vector types", b.rhs.span());
        }
        let both_vectors = lt == ValueType::Vector && rt == ValueType::Vector;
        if !both_vectors {
            if b.matching.as_ref().is_some_and(|vm| !vm.labels.is_empty()) {
                return err("vector matching only allowed between instant vectors", b.span);
            }
        } else if b.op.is_set()
            && let Some(card) = card
        {
            if matches!(card, Cardinality::OneToMany | Cardinality::ManyToOne) {
                return err(format!("no grouping allowed for {} operation", quote(b.op.as_str())), b.span);
            }
            if card != Cardinality::ManyToMany {
                return err("set operations must always be many-to-many", b.span);
            }
        }
        if (lt == ValueType::Scalar || rt == ValueType::Scalar) && b.op.is_set() {
            return err(
                format!("set operator {} not allowed in binary scalar expression", quote(b.op.as_str())),
                b.span,
            );
        }
        Ok(())
    }

    /// A call's argument count and `info`'s special case (checked before the arguments, as
    /// upstream does), then its arguments with their expected types.
    fn visit_call<'e>(&self, c: &'e Call, steps: &mut Vec<Step<'e>>) -> PResult<()> {
        let f = c.func;
        let nargs = f.arg_types.len();
        let got = c.args.len();
        let name = || quote(f.name);
        if f.variadic == 0 {
            if nargs != got {
                return err(format!("expected {nargs} argument(s) in call to {}, got {got}", name()), c.span);
            }
        } else {
            let na = nargs.saturating_sub(1);
            if na > got {
                return err(format!("expected at least {na} argument(s) in call to {}, got {got}", name()), c.span);
            }
            let max = na as i64 + i64::from(f.variadic);
            if f.variadic > 0 && max < got as i64 {
                return err(format!("expected at most {max} argument(s) in call to {}, got {got}", name()), c.span);
            }
        }
        let mut bypass_second = false;
        if f.name == "info"
            && let Some(arg) = c.args.get(1)
        {
            // Upstream type-asserts a vector selector here (after a type check whose error would
            // only precede it), so anything else panics, which its parser turns into this bare error.
            let Expr::VectorSelector(vs) = arg else {
                return err(super::INTERNAL_ERROR, c.span);
            };
            if vs.name.is_some() {
                return err("expected label selectors only, got vector selector instead", arg.span());
            }
            bypass_second = true;
        }
        let mut checked = Vec::with_capacity(got);
        for (i, arg) in c.args.iter().enumerate() {
            let idx = if i >= nargs {
                if f.variadic == 0 {
                    break;
                }
                nargs - 1
            } else {
                i
            };
            let Some(&want) = f.arg_types.get(idx) else { break };
            checked.push((arg, want, bypass_second && i == 1));
        }
        for (arg, want, bypass) in checked.into_iter().rev() {
            steps.push(Step::Expect(arg, want, Context::Call(c)));
            steps.push(Step::Visit(arg, bypass));
        }
        Ok(())
    }
}

/// Set operators always match many-to-many.
fn settled_card(op: BinaryOp, card: Cardinality) -> Cardinality {
    if op.is_set() && card == Cardinality::OneToOne { Cardinality::ManyToMany } else { card }
}

/// Settles vector matching after a successful check, as upstream's `checkAST` leaves it: dropped
/// unless both operands are instant vectors, many-to-many for set operators. Iterative, as `run`.
fn settle_matching(root: &mut Expr) {
    let mut stack = vec![root];
    while let Some(e) = stack.pop() {
        match e {
            Expr::Binary(b) => {
                let both_vectors = b.lhs.value_type() == ValueType::Vector && b.rhs.value_type() == ValueType::Vector;
                if !both_vectors {
                    b.matching = None;
                } else if let Some(vm) = b.matching.as_mut() {
                    vm.card = settled_card(b.op, vm.card);
                }
                stack.push(&mut b.lhs);
                stack.push(&mut b.rhs);
            }
            Expr::Aggregate(a) => {
                stack.push(&mut a.expr);
                if let Some(p) = a.param.as_mut() {
                    stack.push(p);
                }
            }
            Expr::Call(c) => stack.extend(c.args.iter_mut()),
            Expr::Paren(p) => stack.push(&mut p.expr),
            Expr::Unary(u) => stack.push(&mut u.expr),
            Expr::Subquery(s) => stack.push(&mut s.expr),
            Expr::Number(_) | Expr::String(_) | Expr::VectorSelector(_) | Expr::MatrixSelector(_) => {}
        }
    }
}

/// Whether a matcher matches the empty string (Prometheus's `Matcher.Matches("")`).
///
/// Only nameless selectors need this. The regex's syntax tree usually answers it (a minimum match
/// length above zero cannot match ""; without assertions, a zero minimum can); only patterns with
/// anchors or word boundaries are compiled to ask.
fn matches_empty(m: &Matcher) -> bool {
    match m.op {
        MatchOp::Equal => m.value.is_empty(),
        MatchOp::NotEqual => !m.value.is_empty(),
        MatchOp::Re | MatchOp::NotRe => regex_matches_empty(&m.value) == (m.op == MatchOp::Re),
    }
}

fn regex_matches_empty(re: &str) -> bool {
    let Ok(translated) = regexp::translate(re) else { return false };
    let hir = regex_syntax::ParserBuilder::new().dot_matches_new_line(true).build().parse(&translated);
    if let Ok(hir) = &hir {
        let props = hir.properties();
        if props.look_set().is_empty() {
            return props.minimum_len() == Some(0);
        }
        if props.minimum_len().is_some_and(|n| n > 0) {
            return false;
        }
    }
    regexp::Regexp::compile_anchored(re).is_ok_and(|r| r.is_match(""))
}

#[cfg(test)]
mod tests {
    use super::regex_matches_empty as empty;

    #[test]
    fn empty_string_matching() {
        for re in ["", ".*", "a*", "a|", "(a|b)?", "^$", "(?i)x*"] {
            assert!(empty(re), "{re}");
        }
        for re in [".+", "a", "5..", "a|b", "^a", r"\b", "x{1,}", r"\Qab\E|x", "x{,5}"] {
            assert!(!empty(re), "{re}");
        }
    }
}
