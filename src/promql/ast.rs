//! The PromQL syntax tree: the contract between the parser, the checks and the engine.
//!
//! Every node carries a [`Span`] of byte offsets into the expression text it was parsed from (not into
//! the file: `source::EmbeddedText` maps expression offsets back to file positions). Checks point at
//! tokens through these spans, so they cover the token a user would underline: a metric name, a label
//! name in `by (...)`, a function name, a range such as `[5m]`.
//!
//! The shape follows Prometheus 3.5's `promql/parser/ast.go`, with three deliberate differences:
//! - durations are plain milliseconds; 3.5's experimental duration expressions (`[5m+1m]`) are
//!   constant-folded by the parser (3.5 folds them before evaluation too, and they cannot depend on
//!   the query), and `duration_expr` records that one was written so `check` can refuse it;
//! - a selector keeps its bare metric name apart from its braces' matchers (see
//!   [`VectorSelector::all_matchers`] for the list Prometheus would build);
//! - label names in `by`, `on`, `group_left(...)` keep their spans.

use std::fmt;

/// A half-open byte range `[start, end)` into the expression text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
    pub fn len(self) -> u32 {
        self.end - self.start
    }
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// The four PromQL value types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    Scalar,
    Vector,
    Matrix,
    String,
}

impl fmt::Display for ValueType {
    /// Prometheus's own names, as used in its error messages ("expected type range vector ...").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueType::Scalar => "scalar",
            ValueType::Vector => "instant vector",
            ValueType::Matrix => "range vector",
            ValueType::String => "string",
        })
    }
}

/// A label name as written, with its span (in `by (...)`, `on (...)`, `group_left (...)`).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelName {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchOp {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `=~` (fully anchored, RE2 syntax)
    Re,
    /// `!~`
    NotRe,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Re => "=~",
            MatchOp::NotRe => "!~",
        }
    }
}

/// One label matcher. Regexes are validated by the parser but compiled by whoever needs them (the
/// engine caches them): compiling every regex at parse time is what makes `promql-parser` slow.
#[derive(Debug, Clone, PartialEq)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    /// The decoded string value (escapes resolved).
    pub value: String,
    /// The whole matcher, `status=~"5.."`.
    pub span: Span,
    /// Just the label name.
    pub name_span: Span,
    /// The string literal, quotes included.
    pub value_span: Span,
}

/// `@ <timestamp>`, `@ start()`, `@ end()`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AtModifier {
    /// Milliseconds since the epoch (Prometheus rounds the float seconds to milliseconds).
    Timestamp(i64),
    Start,
    End,
}

/// `offset` and `@` as written on a selector or subquery. Both are optional.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Modifiers {
    /// `offset` in milliseconds (negative allowed); 0 when absent.
    pub offset: i64,
    /// Span of the whole `offset 5m` clause, if written.
    pub offset_span: Option<Span>,
    pub at: Option<AtModifier>,
    /// Span of the whole `@ ...` clause, if written.
    pub at_span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VectorSelector {
    /// The bare metric name before the braces, if any (`foo` in `foo{a="b"}`).
    pub name: Option<String>,
    pub name_span: Option<Span>,
    /// The matchers inside the braces, in source order (a `__name__` matcher stays here).
    pub matchers: Vec<Matcher>,
    pub modifiers: Modifiers,
    /// The selector including its modifiers.
    pub span: Span,
}

impl VectorSelector {
    /// The matchers as Prometheus builds them: the bare name as `__name__="..."` first, then the rest.
    pub fn all_matchers(&self) -> Vec<Matcher> {
        let mut out = Vec::with_capacity(self.matchers.len() + 1);
        if let (Some(name), Some(span)) = (&self.name, self.name_span) {
            out.push(Matcher {
                name: "__name__".to_string(),
                op: MatchOp::Equal,
                value: name.clone(),
                span,
                name_span: span,
                value_span: span,
            });
        }
        out.extend(self.matchers.iter().cloned());
        out
    }

    /// The metric name this selector reads, from the bare name or an `__name__="..."` matcher.
    pub fn metric_name(&self) -> Option<&str> {
        if let Some(n) = &self.name {
            return Some(n);
        }
        self.matchers.iter().find(|m| m.name == "__name__" && m.op == MatchOp::Equal).map(|m| m.value.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatrixSelector {
    /// The selector; its `modifiers` hold the matrix's `offset`/`@` (Prometheus stores them there too).
    pub selector: VectorSelector,
    /// Range in milliseconds (> 0).
    pub range: i64,
    /// The `[5m]` brackets.
    pub range_span: Span,
    /// True when the range was written as a duration expression (`[5m+1m]`), which needs the
    /// `promql-duration-expr` feature in 3.5.
    pub duration_expr: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subquery {
    pub expr: Box<Expr>,
    /// Range in milliseconds (> 0).
    pub range: i64,
    /// Step in milliseconds; `None` when omitted (`[5m:]`), meaning the default evaluation interval.
    pub step: Option<i64>,
    pub modifiers: Modifiers,
    /// The `[5m:1m]` brackets.
    pub range_span: Span,
    /// See [`MatrixSelector::duration_expr`]; also set for a step or offset written as an expression.
    pub duration_expr: bool,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggregateOp {
    Sum,
    Avg,
    Count,
    Min,
    Max,
    Group,
    Stddev,
    Stdvar,
    Topk,
    Bottomk,
    CountValues,
    Quantile,
    Limitk,
    LimitRatio,
}

impl AggregateOp {
    pub const ALL: [AggregateOp; 14] = [
        AggregateOp::Sum,
        AggregateOp::Avg,
        AggregateOp::Count,
        AggregateOp::Min,
        AggregateOp::Max,
        AggregateOp::Group,
        AggregateOp::Stddev,
        AggregateOp::Stdvar,
        AggregateOp::Topk,
        AggregateOp::Bottomk,
        AggregateOp::CountValues,
        AggregateOp::Quantile,
        AggregateOp::Limitk,
        AggregateOp::LimitRatio,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AggregateOp::Sum => "sum",
            AggregateOp::Avg => "avg",
            AggregateOp::Count => "count",
            AggregateOp::Min => "min",
            AggregateOp::Max => "max",
            AggregateOp::Group => "group",
            AggregateOp::Stddev => "stddev",
            AggregateOp::Stdvar => "stdvar",
            AggregateOp::Topk => "topk",
            AggregateOp::Bottomk => "bottomk",
            AggregateOp::CountValues => "count_values",
            AggregateOp::Quantile => "quantile",
            AggregateOp::Limitk => "limitk",
            AggregateOp::LimitRatio => "limit_ratio",
        }
    }

    pub fn from_name(name: &str) -> Option<AggregateOp> {
        AggregateOp::ALL.into_iter().find(|op| op.as_str() == name)
    }

    /// Whether the aggregation takes a parameter before the vector (`topk(5, ...)`).
    pub fn takes_param(self) -> bool {
        matches!(
            self,
            AggregateOp::Topk
                | AggregateOp::Bottomk
                | AggregateOp::CountValues
                | AggregateOp::Quantile
                | AggregateOp::Limitk
                | AggregateOp::LimitRatio
        )
    }

    /// `limitk` and `limit_ratio` need `--enable-feature=promql-experimental-functions` in 3.5.
    pub fn is_experimental(self) -> bool {
        matches!(self, AggregateOp::Limitk | AggregateOp::LimitRatio)
    }
}

/// `by (...)` or `without (...)` on an aggregation.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    pub without: bool,
    pub labels: Vec<LabelName>,
    /// The whole clause, keyword through closing parenthesis.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub op: AggregateOp,
    pub op_span: Span,
    pub expr: Box<Expr>,
    pub param: Option<Box<Expr>>,
    /// `None` when neither `by` nor `without` was written (aggregate everything away).
    pub grouping: Option<Grouping>,
    pub span: Span,
}

impl Aggregate {
    pub fn without(&self) -> bool {
        self.grouping.as_ref().is_some_and(|g| g.without)
    }
    /// The grouping label names (empty when no clause was written).
    pub fn grouping_labels(&self) -> impl Iterator<Item = &str> {
        self.grouping.iter().flat_map(|g| g.labels.iter().map(|l| l.name.as_str()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Atan2,
    Eql,
    Neq,
    Gtr,
    Lss,
    Gte,
    Lte,
    And,
    Or,
    Unless,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "^",
            BinaryOp::Atan2 => "atan2",
            BinaryOp::Eql => "==",
            BinaryOp::Neq => "!=",
            BinaryOp::Gtr => ">",
            BinaryOp::Lss => "<",
            BinaryOp::Gte => ">=",
            BinaryOp::Lte => "<=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::Unless => "unless",
        }
    }
    pub fn is_comparison(self) -> bool {
        matches!(self, BinaryOp::Eql | BinaryOp::Neq | BinaryOp::Gtr | BinaryOp::Lss | BinaryOp::Gte | BinaryOp::Lte)
    }
    pub fn is_set(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or | BinaryOp::Unless)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cardinality {
    OneToOne,
    ManyToOne,
    OneToMany,
    ManyToMany,
}

/// Vector matching of a binary operation, present exactly when both operands are instant vectors
/// (as in Prometheus, set operators get `ManyToMany`).
#[derive(Debug, Clone, PartialEq)]
pub struct VectorMatching {
    pub card: Cardinality,
    /// `on(...)` when true, `ignoring(...)` (or nothing) when false.
    pub on: bool,
    pub labels: Vec<LabelName>,
    /// The labels in `group_left(...)`/`group_right(...)`.
    pub include: Vec<LabelName>,
    /// Span of the `on (...)`/`ignoring (...)` clause, if written.
    pub matching_span: Option<Span>,
    /// Span of the `group_left (...)`/`group_right (...)` clause, if written.
    pub group_span: Option<Span>,
}

/// A binary operation. Chains of them (`a + b + c + ...`) can be thousands of terms long, so this
/// node keeps its result type (computed once, bottom-up, when the parser builds it) and is dropped
/// without recursion; the parser's own passes and [`Expr::walk`] handle long chains iteratively
/// too. Build one with [`Binary::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct Binary {
    pub op: BinaryOp,
    pub op_span: Span,
    pub lhs: Box<Expr>,
    pub rhs: Box<Expr>,
    /// `bool` modifier on a comparison.
    pub return_bool: bool,
    pub matching: Option<VectorMatching>,
    pub span: Span,
    /// Scalar when both operands are scalars, else instant vector (see [`Expr::value_type`]).
    value_type: ValueType,
}

impl Binary {
    /// A binary node spanning both operands, with its result type.
    pub fn new(
        op: BinaryOp,
        op_span: Span,
        lhs: Expr,
        rhs: Expr,
        return_bool: bool,
        matching: Option<VectorMatching>,
    ) -> Binary {
        let value_type = if lhs.value_type() == ValueType::Scalar && rhs.value_type() == ValueType::Scalar {
            ValueType::Scalar
        } else {
            ValueType::Vector
        };
        let span = lhs.span().to(rhs.span());
        Binary { op, op_span, lhs: Box::new(lhs), rhs: Box::new(rhs), return_bool, matching, span, value_type }
    }

    /// The result type, as [`Expr::value_type`] gives it.
    pub fn value_type(&self) -> ValueType {
        self.value_type
    }
}

impl Drop for Binary {
    /// Dropping a long chain recursively would take one stack frame per term: detach the binary
    /// operands into a list instead, so every node is dropped with shallow children. Only binary
    /// children need this: every other node nests at most `MAX_DEPTH` deep.
    fn drop(&mut self) {
        fn detach(slot: &mut Expr, out: &mut Vec<Expr>) {
            if matches!(slot, Expr::Binary(_)) {
                out.push(std::mem::replace(slot, Expr::Number(NumberLiteral::PLACEHOLDER)));
            }
        }
        let mut pending = Vec::new();
        detach(&mut self.lhs, &mut pending);
        detach(&mut self.rhs, &mut pending);
        while let Some(mut e) = pending.pop() {
            if let Expr::Binary(b) = &mut e {
                detach(&mut b.lhs, &mut pending);
                detach(&mut b.rhs, &mut pending);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unary {
    pub op: UnaryOp,
    pub expr: Box<Expr>,
    pub span: Span,
}

/// A function's signature, from Prometheus's `promql/parser/functions.go`.
#[derive(Debug, PartialEq)]
pub struct Function {
    pub name: &'static str,
    pub arg_types: &'static [ValueType],
    /// 0: exactly `arg_types`; n > 0: up to n further arguments of the last type; -1: any number more.
    pub variadic: i32,
    pub return_type: ValueType,
    /// Needs `--enable-feature=promql-experimental-functions` in 3.5.
    pub experimental: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub func: &'static Function,
    pub name_span: Span,
    pub args: Vec<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NumberLiteral {
    /// The value; a duration literal (`5m`) is in seconds, as in Prometheus.
    pub value: f64,
    pub span: Span,
    /// Written as a duration (`time() - 5m`), which Prometheus prints back as one.
    pub duration: bool,
}

impl NumberLiteral {
    /// What a detached operand is replaced with while a chain is dropped.
    const PLACEHOLDER: NumberLiteral = NumberLiteral { value: 0.0, span: Span::new(0, 0), duration: false };
}

#[derive(Debug, Clone, PartialEq)]
pub struct StringLiteral {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Paren {
    pub expr: Box<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(NumberLiteral),
    String(StringLiteral),
    VectorSelector(VectorSelector),
    MatrixSelector(MatrixSelector),
    Subquery(Subquery),
    Paren(Paren),
    Unary(Unary),
    Binary(Binary),
    Aggregate(Aggregate),
    Call(Call),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Number(e) => e.span,
            Expr::String(e) => e.span,
            Expr::VectorSelector(e) => e.span,
            Expr::MatrixSelector(e) => e.span,
            Expr::Subquery(e) => e.span,
            Expr::Paren(e) => e.span,
            Expr::Unary(e) => e.span,
            Expr::Binary(e) => e.span,
            Expr::Aggregate(e) => e.span,
            Expr::Call(e) => e.span,
        }
    }

    /// The type the expression evaluates to (Prometheus's `Expr.Type()`). Constant time on a binary
    /// node (its type is kept); parentheses and unary operators, which nest boundedly, are looked through.
    pub fn value_type(&self) -> ValueType {
        match self {
            Expr::Number(_) => ValueType::Scalar,
            Expr::String(_) => ValueType::String,
            Expr::VectorSelector(_) => ValueType::Vector,
            Expr::MatrixSelector(_) => ValueType::Matrix,
            Expr::Subquery(_) => ValueType::Matrix,
            Expr::Paren(e) => e.expr.value_type(),
            Expr::Unary(e) => e.expr.value_type(),
            Expr::Binary(e) => e.value_type,
            Expr::Aggregate(_) => ValueType::Vector,
            Expr::Call(e) => e.func.return_type,
        }
    }

    /// The direct children, left to right.
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Number(_) | Expr::String(_) | Expr::VectorSelector(_) | Expr::MatrixSelector(_) => Vec::new(),
            Expr::Subquery(e) => vec![&e.expr],
            Expr::Paren(e) => vec![&e.expr],
            Expr::Unary(e) => vec![&e.expr],
            Expr::Binary(e) => vec![&e.lhs, &e.rhs],
            Expr::Aggregate(e) => e.param.iter().map(|p| p.as_ref()).chain(std::iter::once(e.expr.as_ref())).collect(),
            Expr::Call(e) => e.args.iter().collect(),
        }
    }

    /// Visits this node and all its descendants, parents first, children left to right. Iterative:
    /// binary chains can be far deeper than the stack.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        // children pushed right to left, without `children`'s Vec per node (every check walks every
        // rule); the stack lives in an array and spills to the heap only for deep trees
        let mut stack = Stack { inline: [self; 32], len: 0, spill: Vec::new() };
        stack.push(self);
        while let Some(e) = stack.pop() {
            f(e);
            match e {
                Expr::Number(_) | Expr::String(_) | Expr::VectorSelector(_) | Expr::MatrixSelector(_) => {}
                Expr::Subquery(s) => stack.push(&s.expr),
                Expr::Paren(p) => stack.push(&p.expr),
                Expr::Unary(u) => stack.push(&u.expr),
                Expr::Binary(b) => {
                    stack.push(&b.rhs);
                    stack.push(&b.lhs);
                }
                Expr::Aggregate(a) => {
                    stack.push(&a.expr);
                    if let Some(p) = &a.param {
                        stack.push(p);
                    }
                }
                Expr::Call(c) => c.args.iter().rev().for_each(|a| stack.push(a)),
            }
        }
    }

    /// Strips any number of enclosing parentheses.
    pub fn unparen(&self) -> &Expr {
        let mut e = self;
        while let Expr::Paren(p) = e {
            e = &p.expr;
        }
        e
    }
}

/// [`Expr::walk`]'s stack: the first 32 entries in place, the rest (deep operator chains) on the heap.
struct Stack<'a> {
    inline: [&'a Expr; 32],
    len: usize,
    spill: Vec<&'a Expr>,
}

impl<'a> Stack<'a> {
    fn push(&mut self, e: &'a Expr) {
        match self.inline.get_mut(self.len) {
            Some(slot) if self.spill.is_empty() => {
                *slot = e;
                self.len += 1;
            }
            _ => self.spill.push(e),
        }
    }

    fn pop(&mut self) -> Option<&'a Expr> {
        if let Some(e) = self.spill.pop() {
            return Some(e);
        }
        self.len = self.len.checked_sub(1)?;
        self.inline.get(self.len).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::Expr;
    use crate::promql::{ParseOptions, parse};

    /// Parents first, children left to right, as a recursion over `children` visits them; also
    /// past the stack's in-place part (a chain of 100 operators).
    #[test]
    fn walk_visits_in_children_order() {
        fn recursive<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
            out.push(e);
            e.children().into_iter().for_each(|c| recursive(c, out));
        }
        let chain = (0..100).map(|i| format!("x{i}")).collect::<Vec<_>>().join(" + ");
        for q in ["sum by (a) (rate(x[5m])) / on (a) count(topk(3, y))", "clamp(a, 1, 2)", chain.as_str()] {
            let e = parse(&format!("label_join({q}, \"d\", \",\", \"a\", \"b\") or vector(1)"), ParseOptions::PROMTOOL)
                .unwrap();
            let (mut walked, mut want) = (Vec::new(), Vec::new());
            e.walk(&mut |n| walked.push(n as *const Expr));
            recursive(&e, &mut want);
            let want: Vec<*const Expr> = want.into_iter().map(|n| n as *const Expr).collect();
            assert_eq!(walked, want, "{q}");
            assert!(walked.len() > 3, "{q}");
        }
    }
}
