//! The PromQL parser: recursive descent with precedence climbing, reproducing what Prometheus
//! 3.5.3's yacc grammar (`generated_parser.y`) and the semantic actions in `parse.go` accept, and
//! the first error they report.
//!
//! Upstream is an LALR(1) parser with error productions. Its messages depend on which partially
//! parsed constructs with an `error` production are on the parser stack when a token does not fit
//! (an aggregation, an `offset`, an `@`, a `[...]`, braces, grouping labels), so this parser keeps a
//! stack of those contexts and names the innermost one, exactly as the yacc error recovery would.
//! Semantic errors are raised at the point where upstream's grammar action runs (usually when the
//! construct is complete, sometimes after one token of lookahead), because only the first error is
//! reported and a lexer error on the lookahead token can come first.
//!
//! Type checks (`checkAST`) run afterwards in `check.rs`, only when parsing succeeded, as upstream.

use super::ast::*;
use super::functions;
use super::lexer::{Lexer, Tok, Token, describe};
use super::{ParseOptions, check};
use crate::go::float_to_int64 as go_f64_to_i64;
use crate::go::regexp::validate as validate_regex;
use crate::go::strconv::{format_float, parse_float, parse_int, quote, quote_bytes, unquote_prometheus};
use crate::go::time::parse_duration;

/// An error with its span, before line/column are attached.
#[derive(Debug, Clone, PartialEq)]
pub struct Perr {
    pub msg: String,
    /// What a caret underlines: the offending token or node.
    pub span: Span,
    /// Where Prometheus's message says the error is, when that is not `span.start` (it reports a
    /// stray `)` just after it).
    pub pos: Option<u32>,
}

impl Perr {
    pub fn at(msg: impl Into<String>, span: Span) -> Perr {
        Perr { msg: msg.into(), span, pos: None }
    }
}

pub type PResult<T> = Result<T, Perr>;

fn err<T>(msg: impl Into<String>, span: Span) -> PResult<T> {
    Err(Perr::at(msg, span))
}

fn too_deep() -> String {
    format!("expression nests too deeply (more than {MAX_DEPTH} levels)")
}

/// How many nesting constructs (non-binary nodes with children) the deepest path of `e` crosses.
/// Iterative, as `e` may hold long binary chains.
fn nesting_depth(e: &Expr) -> u32 {
    let mut max = 0;
    let mut stack = vec![(e, 0u32)];
    while let Some((e, d)) = stack.pop() {
        let d = if matches!(e, Expr::Binary(_)) { d } else { d + 1 };
        let children = e.children();
        if children.is_empty() {
            max = max.max(d.saturating_sub(1));
        }
        stack.extend(children.into_iter().map(|c| (c, d)));
    }
    max
}

/// Largest duration in seconds that fits `time.Duration` (upstream's `1<<63/1e9`).
const MAX_DURATION_SECS: f64 = 9_223_372_036.854_776;

/// A duration as the grammar's `duration_expr` builds it, folded to seconds.
#[derive(Debug, Clone)]
struct Dur {
    secs: f64,
    /// Upstream's position range of the node (parentheses excluded, a folded sign included).
    span: Span,
    /// Whether upstream would hold a `DurationExpr` here (an operator was applied), rather than a
    /// `NumberLiteral`; only literals are range-checked at parse time.
    is_expr: bool,
    /// Whether an operator or parentheses were written (needs `promql-duration-expr`).
    experimental: bool,
    /// An error upstream's engine would raise when folding the expression (division by zero).
    eval_err: Option<Perr>,
}

/// The offset state of the node a postfix chain is building, as upstream sees it: the exact
/// nanoseconds (a sub-millisecond offset still counts as set) and whether it came from an
/// expression (not folded until evaluation, so it does not count as "set" for ranges).
#[derive(Debug, Clone, Copy, Default)]
struct OffsetState {
    ns: i64,
    from_expr: bool,
}

pub struct Parser<'a> {
    input: &'a str,
    lex: Lexer<'a>,
    la: [Option<Token>; 2],
    opts: ParseOptions,
    /// Error contexts of the enclosing constructs: (`in ...`, `expected ...`).
    ctx: Vec<(&'static str, &'static str)>,
    /// The first error upstream would raise only when evaluating (duration expression folding).
    deferred: Option<Perr>,
    /// End of the last token consumed.
    prev_end: u32,
    /// How many nesting constructs enclose the current position (see `MAX_DEPTH`).
    depth: u32,
}

/// How deeply an expression may nest: parentheses, calls, aggregations, unary operators and
/// subqueries, the constructs this parser recurses into and that the tree's consumers recurse
/// over. Prometheus has no limit (yacc keeps its stack on the heap), but without one a crafted
/// input could overflow our stack. Binary operators do not count: a chain (`a + b + c ...`) is
/// parsed in a loop and every pass over the tree here handles chains iteratively, so chains of
/// any length are accepted, as upstream accepts them. Real expressions stay far below the limit.
///
/// Invariant: an expression parsed at depth `d` nests at most `MAX_DEPTH - d` constructs deep, so
/// every path from the root crosses at most `MAX_DEPTH` non-binary nodes.
pub const MAX_DEPTH: u32 = 100;

/// Binary operators and their precedence (higher binds tighter), from the grammar's `%left` list.
fn binop(kind: Tok) -> Option<(BinaryOp, u8)> {
    Some(match kind {
        Tok::Lor => (BinaryOp::Or, 1),
        Tok::Land => (BinaryOp::And, 2),
        Tok::Lunless => (BinaryOp::Unless, 2),
        Tok::Eqlc => (BinaryOp::Eql, 3),
        Tok::Neq => (BinaryOp::Neq, 3),
        Tok::Gtr => (BinaryOp::Gtr, 3),
        Tok::Lss => (BinaryOp::Lss, 3),
        Tok::Gte => (BinaryOp::Gte, 3),
        Tok::Lte => (BinaryOp::Lte, 3),
        Tok::Add => (BinaryOp::Add, 4),
        Tok::Sub => (BinaryOp::Sub, 4),
        Tok::Mul => (BinaryOp::Mul, 5),
        Tok::Div => (BinaryOp::Div, 5),
        Tok::Mod => (BinaryOp::Mod, 5),
        Tok::Atan2 => (BinaryOp::Atan2, 5),
        Tok::Pow => (BinaryOp::Pow, 6),
        _ => return None,
    })
}

/// Unary minus and plus bind like `*` (`%prec MUL`): their operand takes only `^` and postfixes.
const UNARY_OPERAND_PREC: u8 = 6;

/// A binary operator waiting for its right operand (see [`Parser::expr`]).
struct PendingOp {
    op: BinaryOp,
    prec: u8,
    span: Span,
    return_bool: bool,
    matching: VectorMatching,
}

/// `-x` / `+x`; a sign on a number literal is folded into it, as upstream's grammar does.
fn fold_sign(sign: Token, operand: Expr) -> Expr {
    let op = if sign.kind == Tok::Sub { UnaryOp::Neg } else { UnaryOp::Pos };
    let span = Span::new(sign.span.start, operand.span().end);
    match operand {
        Expr::Number(n) => {
            let value = if op == UnaryOp::Neg { -n.value } else { n.value };
            Expr::Number(NumberLiteral { value, span, duration: n.duration })
        }
        other => Expr::Unary(Unary { op, expr: Box::new(other), span }),
    }
}

/// Replaces the last two operands by the last pending operator applied to them.
fn reduce(operands: &mut Vec<Expr>, ops: &mut Vec<PendingOp>) {
    if let (Some(o), Some(rhs)) = (ops.pop(), operands.pop())
        && let Some(lhs) = operands.pop()
    {
        operands.push(Expr::Binary(Binary::new(o.op, o.span, lhs, rhs, o.return_bool, Some(o.matching))));
    }
}

/// Tokens that reduce to `metric_identifier` (a bare selector name), keywords included.
fn is_metric_identifier(kind: Tok) -> bool {
    matches!(
        kind,
        Tok::Agg(_)
            | Tok::By
            | Tok::Identifier
            | Tok::Land
            | Tok::Lor
            | Tok::Lunless
            | Tok::MetricIdentifier
            | Tok::Offset
            | Tok::Without
            | Tok::Start
            | Tok::End
    )
}

/// Tokens that can begin an expression.
fn starts_expr(kind: Tok) -> bool {
    is_metric_identifier(kind)
        || matches!(kind, Tok::Number | Tok::Duration | Tok::String | Tok::LParen | Tok::LBrace | Tok::Add | Tok::Sub)
}

/// The grammar's `maybe_label`: tokens accepted as a label name in `by (...)` and friends.
fn is_maybe_label(kind: Tok) -> bool {
    matches!(
        kind,
        Tok::Agg(_)
            | Tok::Bool
            | Tok::By
            | Tok::GroupLeft
            | Tok::GroupRight
            | Tok::Identifier
            | Tok::Ignoring
            | Tok::Land
            | Tok::Lor
            | Tok::Lunless
            | Tok::MetricIdentifier
            | Tok::Offset
            | Tok::On
            | Tok::Start
            | Tok::End
            | Tok::Atan2
    )
}

/// `time.Duration.Seconds()` of a nanosecond count.
fn ns_to_secs(ns: i64) -> f64 {
    let sec = ns / 1_000_000_000;
    let nsec = ns % 1_000_000_000;
    sec as f64 + nsec as f64 / 1e9
}

/// `time.Duration(math.Round(secs * float64(time.Second)))`.
fn secs_to_ns(secs: f64) -> i64 {
    go_f64_to_i64((secs * 1e9).round())
}

/// Prometheus's `durationMilliseconds`: truncating nanoseconds to milliseconds.
fn ns_to_ms(ns: i64) -> i64 {
    ns / 1_000_000
}

impl<'a> Parser<'a> {
    pub fn new(input: &'a str, opts: ParseOptions) -> Self {
        Parser {
            input,
            lex: Lexer::new(input),
            la: [None, None],
            opts,
            ctx: Vec::new(),
            deferred: None,
            prev_end: 0,
            depth: 0,
        }
    }

    fn lex_one(&mut self) -> PResult<Token> {
        let t = self.lex.next_token();
        if t.kind == Tok::Error {
            let msg = std::mem::take(&mut self.lex.error);
            return Err(Perr { msg, span: t.span, pos: Some(self.lex.error_pos) });
        }
        Ok(t)
    }

    /// The next token, lexed on demand (a lexer error is reported when the parser reaches it).
    fn peek(&mut self) -> PResult<Token> {
        match self.la[0] {
            Some(t) => Ok(t),
            None => {
                let t = self.lex_one()?;
                self.la[0] = Some(t);
                Ok(t)
            }
        }
    }

    /// The token after the next one.
    fn peek2(&mut self) -> PResult<Token> {
        self.peek()?;
        match self.la[1] {
            Some(t) => Ok(t),
            None => {
                let t = self.lex_one()?;
                self.la[1] = Some(t);
                Ok(t)
            }
        }
    }

    fn advance(&mut self) -> PResult<Token> {
        let t = self.peek()?;
        self.la[0] = self.la[1].take();
        self.prev_end = t.span.end;
        Ok(t)
    }

    fn text(&self, t: Token) -> &'a str {
        t.text(self.input)
    }

    fn unexpected_in<T>(&self, t: Token, context: &str, expected: &str) -> PResult<T> {
        let mut msg = String::from("unexpected ");
        msg.push_str(&describe(t, self.input));
        if !context.is_empty() {
            msg.push_str(" in ");
            msg.push_str(context);
        }
        if !expected.is_empty() {
            msg.push_str(", expected ");
            msg.push_str(expected);
        }
        err(msg, t.span)
    }

    /// An unexpected token, named in the innermost enclosing error context.
    fn unexpected<T>(&self, t: Token) -> PResult<T> {
        let (c, e) = self.ctx.last().copied().unwrap_or(("", ""));
        self.unexpected_in(t, c, e)
    }

    pub fn parse(mut self) -> PResult<Expr> {
        let first = self.peek()?;
        if first.kind == Tok::Eof {
            return err("no expression found in input", Span::new(0, 0));
        }
        let mut e = self.expr(1)?;
        let t = self.peek()?;
        if t.kind != Tok::Eof {
            return self.unexpected(t);
        }
        check::check(&mut e, self.input)?;
        if let Some(d) = self.deferred {
            return Err(d);
        }
        Ok(e)
    }

    /// Parses a nested construct (opened by the token at `at`) one level deeper (see `MAX_DEPTH`).
    fn nested<T>(&mut self, at: Span, inner: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_DEPTH {
            return err(too_deep(), at);
        }
        self.depth += 1;
        let r = inner(self);
        self.depth -= 1;
        r
    }

    /// Binary operators by operator precedence (shunting-yard): operands and pending operators
    /// wait in lists, so chains of any length and shape parse without recursion; only unary
    /// operators and the constructs of `primary` recurse, and those count towards `MAX_DEPTH`.
    /// Tokens are consumed in the grammar's order (operand, operator, modifiers, operand, ...);
    /// building a node can fail in no way, so when it is built does not matter.
    fn expr(&mut self, min_prec: u8) -> PResult<Expr> {
        let mut operands = vec![self.unary_expr()?];
        let mut ops: Vec<PendingOp> = Vec::new();
        loop {
            let t = self.peek()?;
            let Some((op, prec)) = binop(t.kind) else { break };
            if prec < min_prec {
                break;
            }
            self.advance()?;
            let (return_bool, matching) = self.bin_modifier()?;
            // `^` is right-associative; the others are left-associative
            while ops.last().is_some_and(|top| top.prec > prec || (top.prec == prec && op != BinaryOp::Pow)) {
                reduce(&mut operands, &mut ops);
            }
            ops.push(PendingOp { op, prec, span: t.span, return_bool, matching });
            operands.push(self.unary_expr()?);
        }
        while !ops.is_empty() {
            reduce(&mut operands, &mut ops);
        }
        operands.pop().ok_or_else(|| Perr::at(super::INTERNAL_ERROR, Span::new(self.prev_end, self.prev_end)))
    }

    // The functions on the recursive path (`unary_expr`, `primary`, `paren`, `call`, `aggregate`,
    // `call_body`, `nested`) keep their own locals few and leave the rest to helpers: unoptimized
    // builds give every local its own stack slot, and the deepest accepted input must fit a 2 MiB
    // thread.

    fn unary_expr(&mut self) -> PResult<Expr> {
        let t = self.peek()?;
        match t.kind {
            Tok::Add | Tok::Sub => self.unary(t),
            _ => {
                let p = self.primary()?;
                self.postfix(p)
            }
        }
    }

    fn unary(&mut self, t: Token) -> PResult<Expr> {
        self.advance()?;
        let operand = self.nested(t.span, |p| p.expr(UNARY_OPERAND_PREC))?;
        Ok(fold_sign(t, operand))
    }

    /// `bin_modifier`: `bool`, `on`/`ignoring (...)`, `group_left`/`group_right [(...)]`.
    fn bin_modifier(&mut self) -> PResult<(bool, VectorMatching)> {
        let mut return_bool = false;
        if self.peek()?.kind == Tok::Bool {
            self.advance()?;
            return_bool = true;
        }
        let mut vm = VectorMatching {
            card: Cardinality::OneToOne,
            on: false,
            labels: Vec::new(),
            include: Vec::new(),
            matching_span: None,
            group_span: None,
        };
        let t = self.peek()?;
        if matches!(t.kind, Tok::On | Tok::Ignoring) {
            self.advance()?;
            vm.on = t.kind == Tok::On;
            let (labels, end) = self.grouping_labels()?;
            vm.labels = labels;
            vm.matching_span = Some(t.span.to(end));
            let g = self.peek()?;
            if matches!(g.kind, Tok::GroupLeft | Tok::GroupRight) {
                self.advance()?;
                vm.card = if g.kind == Tok::GroupLeft { Cardinality::ManyToOne } else { Cardinality::OneToMany };
                let mut end = g.span;
                // `maybe_grouping_labels` may be empty only before an expression: this is the one
                // state with an error production that also reduces, so anything else is an error.
                let n = self.peek()?;
                if n.kind == Tok::LParen {
                    let (include, e) = self.grouping_labels()?;
                    vm.include = include;
                    end = e;
                } else if !starts_expr(n.kind) {
                    return self.unexpected_in(n, "grouping opts", "\"(\"");
                }
                vm.group_span = Some(g.span.to(end));
            }
        }
        Ok((return_bool, vm))
    }

    /// `grouping_labels`: `( label, ... )`. Returns the labels and the span of `)`.
    fn grouping_labels(&mut self) -> PResult<(Vec<LabelName>, Span)> {
        let t = self.peek()?;
        if t.kind != Tok::LParen {
            return self.unexpected_in(t, "grouping opts", "\"(\"");
        }
        self.advance()?;
        let mut labels = Vec::new();
        let t = self.peek()?;
        if t.kind == Tok::RParen {
            self.advance()?;
            return Ok((labels, t.span));
        }
        loop {
            let t = self.peek()?;
            let name = if is_maybe_label(t.kind) {
                self.text(t).to_string()
            } else if t.kind == Tok::String {
                let (name, valid) = unquote_checked(self.text(t)).unwrap_or((String::new(), true));
                if !valid || name.is_empty() {
                    let shown = if valid { quote(&name) } else { quote_raw_bytes(self.text(t)) };
                    return err(format!("invalid label name for grouping: {shown}"), t.span);
                }
                name
            } else {
                return self.unexpected_in(t, "grouping opts", "label");
            };
            self.advance()?;
            labels.push(LabelName { name, span: t.span });
            let t = self.peek()?;
            match t.kind {
                Tok::Comma => {
                    self.advance()?;
                    let n = self.peek()?;
                    if n.kind == Tok::RParen {
                        self.advance()?;
                        return Ok((labels, n.span));
                    }
                }
                Tok::RParen => {
                    self.advance()?;
                    return Ok((labels, t.span));
                }
                _ => return self.unexpected_in(t, "grouping opts", "\",\" or \")\""),
            }
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let t = self.peek()?;
        match t.kind {
            Tok::Agg(op) => {
                if matches!(self.peek2()?.kind, Tok::LParen | Tok::By | Tok::Without) {
                    self.aggregate(t, op)
                } else {
                    self.vector_selector()
                }
            }
            Tok::Identifier => {
                if self.peek2()?.kind == Tok::LParen {
                    self.call()
                } else {
                    self.vector_selector()
                }
            }
            k if is_metric_identifier(k) => self.vector_selector(),
            Tok::LBrace => self.vector_selector(),
            Tok::Number | Tok::Duration | Tok::String => self.literal(t),
            Tok::LParen => {
                self.advance()?;
                let inner = self.nested(t.span, |p| p.expr(1))?;
                self.close_paren(t, inner)
            }
            _ => self.unexpected(t),
        }
    }

    fn literal(&mut self, t: Token) -> PResult<Expr> {
        self.advance()?;
        if t.kind == Tok::String {
            let value = unquote(self.text(t)).unwrap_or_default();
            return Ok(Expr::String(StringLiteral { value, span: t.span }));
        }
        let value = self.literal_value(t)?;
        Ok(Expr::Number(NumberLiteral { value, span: t.span, duration: t.kind == Tok::Duration }))
    }

    fn close_paren(&mut self, open: Token, inner: Expr) -> PResult<Expr> {
        let close = self.peek()?;
        if close.kind != Tok::RParen {
            return self.unexpected(close);
        }
        self.advance()?;
        Ok(Expr::Paren(Paren { expr: Box::new(inner), span: open.span.to(close.span) }))
    }

    /// The value in seconds of a NUMBER or DURATION token.
    fn literal_value(&self, t: Token) -> PResult<f64> {
        let text = self.text(t);
        if t.kind == Tok::Duration {
            match parse_duration(text) {
                Ok(ns) => Ok(ns_to_secs(ns)),
                Err(m) => err(m, t.span),
            }
        } else {
            match parse_number(text) {
                Ok(v) => Ok(v),
                Err(m) => err(format!("error parsing number: {m}"), t.span),
            }
        }
    }

    fn call(&mut self) -> PResult<Expr> {
        let name = self.advance()?;
        let body = self.nested(name.span, Self::call_body)?;
        self.finish_call(name, body)
    }

    fn finish_call(&mut self, name: Token, (args, close): (Vec<Expr>, Span)) -> PResult<Expr> {
        let fname = self.text(name);
        let Some(func) = functions::lookup(fname) else {
            return err(format!("unknown function with name {}", quote(fname)), name.span);
        };
        if func.experimental && !self.opts.experimental_functions {
            return err(format!("function {} is not enabled", quote(fname)), name.span);
        }
        Ok(Expr::Call(Call { func, name_span: name.span, args, span: name.span.to(close) }))
    }

    /// `function_call_body`: `( expr, ... )`; the next token is `(`. Returns the span of `)`.
    fn call_body(&mut self) -> PResult<(Vec<Expr>, Span)> {
        let open = self.peek()?;
        if open.kind != Tok::LParen {
            return self.unexpected(open);
        }
        self.advance()?;
        let mut args = Vec::new();
        let t = self.peek()?;
        if t.kind == Tok::RParen {
            self.advance()?;
            return Ok((args, t.span));
        }
        loop {
            args.push(self.expr(1)?);
            if let Some(close) = self.after_arg()? {
                return Ok((args, close));
            }
        }
    }

    /// After a call argument: `,` and another argument (`None`), or `)` (its span).
    fn after_arg(&mut self) -> PResult<Option<Span>> {
        let t = self.peek()?;
        match t.kind {
            Tok::Comma => {
                self.advance()?;
                if !starts_expr(self.peek()?.kind) {
                    return err("trailing commas not allowed in function call args", t.span);
                }
                Ok(None)
            }
            Tok::RParen => {
                self.advance()?;
                Ok(Some(t.span))
            }
            _ => self.unexpected(t),
        }
    }

    fn aggregate(&mut self, op_tok: Token, op: AggregateOp) -> PResult<Expr> {
        self.advance()?;
        self.ctx.push(("aggregation", ""));
        let grouping = self.leading_aggregate_modifier()?;
        let body = self.nested(op_tok.span, Self::call_body)?;
        self.finish_aggregate(op_tok, op, grouping, body)
    }

    fn leading_aggregate_modifier(&mut self) -> PResult<Option<Grouping>> {
        if matches!(self.peek()?.kind, Tok::By | Tok::Without) {
            return Ok(Some(self.aggregate_modifier()?));
        }
        Ok(None)
    }

    fn finish_aggregate(
        &mut self,
        op_tok: Token,
        op: AggregateOp,
        mut grouping: Option<Grouping>,
        (args, close): (Vec<Expr>, Span),
    ) -> PResult<Expr> {
        let mut end = close;
        if grouping.is_none() && matches!(self.peek()?.kind, Tok::By | Tok::Without) {
            let g = self.aggregate_modifier()?;
            end = g.span;
            grouping = Some(g);
        }
        self.ctx.pop();
        let span = op_tok.span.to(end);
        if args.is_empty() {
            return err("no arguments for aggregate expression provided", span);
        }
        let desired = if op.takes_param() {
            if op.is_experimental() && !self.opts.experimental_functions {
                return err(
                    format!(
                        "{}() is experimental and must be enabled with --enable-feature=promql-experimental-functions",
                        op.as_str()
                    ),
                    span,
                );
            }
            2
        } else {
            1
        };
        if args.len() != desired {
            return err(
                format!(
                    "wrong number of arguments for aggregate expression provided, expected {desired}, got {}",
                    args.len()
                ),
                span,
            );
        }
        let mut args = args.into_iter();
        let param = if desired == 2 { args.next().map(Box::new) } else { None };
        let Some(expr) = args.next() else {
            return err("no arguments for aggregate expression provided", span);
        };
        Ok(Expr::Aggregate(Aggregate { op, op_span: op_tok.span, expr: Box::new(expr), param, grouping, span }))
    }

    fn aggregate_modifier(&mut self) -> PResult<Grouping> {
        let kw = self.advance()?;
        let (labels, end) = self.grouping_labels()?;
        Ok(Grouping { without: kw.kind == Tok::Without, labels, span: kw.span.to(end) })
    }

    fn vector_selector(&mut self) -> PResult<Expr> {
        let t = self.peek()?;
        let (name, name_span) = if t.kind == Tok::LBrace {
            (None, None)
        } else {
            self.advance()?;
            (Some(self.text(t).to_string()), Some(t.span))
        };
        let mut span = t.span;
        let mut matchers = Vec::new();
        if self.peek()?.kind == Tok::LBrace {
            let close = self.label_matchers(&mut matchers)?;
            span = span.to(close);
        }
        Ok(Expr::VectorSelector(VectorSelector { name, name_span, matchers, modifiers: Modifiers::default(), span }))
    }

    /// `label_matchers`: `{ matcher, ... }`; the next token is `{`. Returns the span of `}`.
    fn label_matchers(&mut self, out: &mut Vec<Matcher>) -> PResult<Span> {
        const CTX: &str = "label matching";
        self.advance()?;
        let t = self.peek()?;
        if t.kind == Tok::RBrace {
            self.advance()?;
            return Ok(t.span);
        }
        loop {
            let t = self.peek()?;
            match t.kind {
                Tok::Identifier | Tok::String => {
                    self.advance()?;
                    let name = if t.kind == Tok::String {
                        unquote(self.text(t)).unwrap_or_default()
                    } else {
                        self.text(t).to_string()
                    };
                    let o = self.peek()?;
                    let op = match o.kind {
                        Tok::Eql => Some(MatchOp::Equal),
                        Tok::Neq => Some(MatchOp::NotEqual),
                        Tok::EqlRegex => Some(MatchOp::Re),
                        Tok::NeqRegex => Some(MatchOp::NotRe),
                        _ => None,
                    };
                    match op {
                        Some(op) => {
                            self.advance()?;
                            let v = self.peek()?;
                            if v.kind != Tok::String {
                                return self.unexpected_in(v, CTX, "string");
                            }
                            self.advance()?;
                            let value = unquote(self.text(v)).unwrap_or_default();
                            let span = t.span.to(v.span);
                            if matches!(op, MatchOp::Re | MatchOp::NotRe)
                                && let Err(m) = validate_regex(&value)
                            {
                                return err(m, span);
                            }
                            out.push(Matcher { name, op, value, span, name_span: t.span, value_span: v.span });
                        }
                        None if t.kind == Tok::String => out.push(Matcher {
                            name: "__name__".to_string(),
                            op: MatchOp::Equal,
                            value: name,
                            span: t.span,
                            name_span: t.span,
                            value_span: t.span,
                        }),
                        None => return self.unexpected_in(o, CTX, "label matching operator"),
                    }
                }
                _ => return self.unexpected_in(t, CTX, "identifier or \"}\""),
            }
            let t = self.peek()?;
            match t.kind {
                Tok::Comma => {
                    self.advance()?;
                    let n = self.peek()?;
                    if n.kind == Tok::RBrace {
                        self.advance()?;
                        return Ok(n.span);
                    }
                }
                Tok::RBrace => {
                    self.advance()?;
                    return Ok(t.span);
                }
                _ => return self.unexpected_in(t, CTX, "\",\" or \"}\""),
            }
        }
    }

    /// `offset`, `@` and `[...]` after an expression: they bind tighter than every operator.
    fn postfix(&mut self, mut e: Expr) -> PResult<Expr> {
        let mut off = OffsetState::default();
        // How deeply `e` nests, computed at the first subquery: a subquery wraps an expression that
        // is already built, so the nesting it adds is the operand's plus one.
        let mut nesting: Option<u32> = None;
        loop {
            let t = self.peek()?;
            match t.kind {
                Tok::Offset => {
                    self.advance()?;
                    e = self.offset(e, t, &mut off)?;
                }
                Tok::LBracket => {
                    self.advance()?;
                    e = self.range_or_subquery(e, t, &mut off)?;
                    if matches!(e, Expr::Subquery(_)) {
                        let n = match nesting {
                            Some(n) => n + 1,
                            None => nesting_depth(&e),
                        };
                        if self.depth + n > MAX_DEPTH {
                            return err(too_deep(), t.span);
                        }
                        nesting = Some(n);
                    }
                }
                Tok::At => {
                    self.advance()?;
                    e = self.at(e, t)?;
                }
                _ => return Ok(e),
            }
        }
    }

    fn experimental_check(&self, span: Span) -> PResult<()> {
        if self.opts.duration_expressions {
            Ok(())
        } else {
            err("experimental duration expression is not enabled", span)
        }
    }

    /// A NUMBER or DURATION token as a duration (`number_duration_literal`).
    fn dur_literal(&mut self) -> PResult<Dur> {
        let t = self.advance()?;
        let secs = self.literal_value(t)?;
        Ok(Dur { secs, span: t.span, is_expr: false, experimental: false, eval_err: None })
    }

    /// Upstream's `nl.Val > 1<<63/1e9 || nl.Val < -(1<<63)/1e9` (NaN passes, as there).
    #[allow(clippy::manual_range_contains)]
    fn range_check(secs: f64, span: Span) -> PResult<()> {
        if secs > MAX_DURATION_SECS || secs < -MAX_DURATION_SECS {
            return err("duration out of range", span);
        }
        Ok(())
    }

    /// `duration_expr`, by precedence climbing over `+ - * / % ^`: iterative along a chain; the
    /// recursion for a tighter-binding right operand is bounded by the number of precedence levels.
    fn dur_expr(&mut self, min_prec: u8) -> PResult<Dur> {
        let mut lhs = self.dur_unary()?;
        loop {
            let t = self.peek()?;
            let prec = match t.kind {
                Tok::Add | Tok::Sub => 4,
                Tok::Mul | Tok::Div | Tok::Mod => 5,
                Tok::Pow => 6,
                _ => break,
            };
            if prec < min_prec {
                break;
            }
            self.advance()?;
            if t.kind == Tok::Pow {
                lhs = self.dur_pow_chain(lhs, t)?;
                continue;
            }
            let rhs = self.dur_expr(prec + 1)?;
            lhs = self.dur_binary(lhs, t, rhs)?;
        }
        Ok(lhs)
    }

    /// `a ^ b ^ c ...` in a duration, folded from the right.
    fn dur_pow_chain(&mut self, first: Dur, op: Token) -> PResult<Dur> {
        let mut operands = vec![first];
        let mut ops = vec![op];
        loop {
            operands.push(self.dur_unary()?);
            if self.peek()?.kind != Tok::Pow {
                break;
            }
            ops.push(self.advance()?);
        }
        let mut rhs = operands.pop().ok_or_else(|| Perr::at(super::INTERNAL_ERROR, op.span))?;
        while let (Some(lhs), Some(t)) = (operands.pop(), ops.pop()) {
            rhs = self.dur_binary(lhs, t, rhs)?;
        }
        Ok(rhs)
    }

    /// Folds one duration operator, with the checks upstream's grammar action makes.
    fn dur_binary(&mut self, mut lhs: Dur, t: Token, rhs: Dur) -> PResult<Dur> {
        self.experimental_check(lhs.span)?;
        let span = lhs.span.to(rhs.span);
        let mut eval_err = lhs.eval_err.take().or(rhs.eval_err.clone());
        let (l, r) = (lhs.secs, rhs.secs);
        let secs = match t.kind {
            Tok::Add => l + r,
            Tok::Sub => l - r,
            Tok::Mul => l * r,
            Tok::Div | Tok::Mod => {
                let what = if t.kind == Tok::Div { "division by zero" } else { "modulo by zero" };
                if r == 0.0 {
                    if !rhs.is_expr {
                        return err(what, t.span);
                    }
                    eval_err = eval_err.or(Some(Perr::at(what, span)));
                    0.0
                } else if t.kind == Tok::Div {
                    l / r
                } else {
                    l % r
                }
            }
            _ => l.powf(r),
        };
        Ok(Dur { secs, span, is_expr: true, experimental: true, eval_err })
    }

    fn dur_unary(&mut self) -> PResult<Dur> {
        let t = self.peek()?;
        match t.kind {
            Tok::Add | Tok::Sub => {
                self.advance()?;
                let mut inner = self.nested(t.span, |p| p.dur_expr(UNARY_OPERAND_PREC))?;
                let neg = t.kind == Tok::Sub;
                if !inner.is_expr {
                    if neg {
                        inner.secs = -inner.secs;
                    }
                    Self::range_check(inner.secs, t.span)?;
                    inner.span = Span::new(t.span.start, inner.span.end);
                } else if neg {
                    inner.secs = -inner.secs;
                    inner.span = Span::new(t.span.start, inner.span.end);
                }
                Ok(inner)
            }
            Tok::Number | Tok::Duration => {
                let d = self.dur_literal()?;
                Self::range_check(d.secs, d.span)?;
                Ok(d)
            }
            Tok::LParen => {
                self.advance()?;
                let mut inner = self.nested(t.span, |p| p.dur_expr(1))?;
                let close = self.peek()?;
                if close.kind != Tok::RParen {
                    return self.unexpected(close);
                }
                self.advance()?;
                self.experimental_check(inner.span)?;
                inner.experimental = true;
                Ok(inner)
            }
            _ => self.unexpected(t),
        }
    }

    /// A range or step (`positive_duration_expr`); literals must be > 0 at parse time, expressions
    /// when folded. Returns milliseconds.
    fn positive_duration(&mut self) -> PResult<(i64, Dur)> {
        let d = self.dur_expr(1)?;
        if !d.is_expr {
            if d.secs <= 0.0 {
                return err("duration must be greater than 0", d.span);
            }
            return Ok((ns_to_ms(secs_to_ns(d.secs)), d));
        }
        Ok((self.fold(&d, false), d))
    }

    /// Folds a duration expression as 3.5's engine does (`calculateDuration`), deferring its errors.
    fn fold(&mut self, d: &Dur, allow_negative: bool) -> i64 {
        let mut e = d.eval_err.clone();
        if e.is_none() && d.secs <= 0.0 && !allow_negative {
            e = Some(Perr::at("duration must be greater than 0", d.span));
        }
        if e.is_none() && !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&d.secs) {
            e = Some(Perr::at("duration is out of range", d.span));
        }
        if let Some(e) = e
            && self.deferred.is_none()
        {
            self.deferred = Some(e);
        }
        go_f64_to_i64(d.secs * 1000.0)
    }

    fn offset(&mut self, e: Expr, kw: Token, off: &mut OffsetState) -> PResult<Expr> {
        self.ctx.push(("offset", "number or duration"));
        let t = self.peek()?;
        let literal = match t.kind {
            Tok::Number | Tok::Duration => {
                let d = self.dur_literal()?;
                self.peek()?;
                Self::range_check(d.secs, d.span)?;
                Some(d)
            }
            Tok::Add | Tok::Sub if matches!(self.peek2()?.kind, Tok::Number | Tok::Duration) => {
                self.advance()?;
                let mut d = self.dur_literal()?;
                if t.kind == Tok::Sub {
                    d.secs = -d.secs;
                }
                self.peek()?;
                Self::range_check(d.secs, t.span)?;
                d.span = Span::new(t.span.start, d.span.end);
                Some(d)
            }
            Tok::Add | Tok::Sub | Tok::LParen => None,
            _ => return self.unexpected(t),
        };
        let d = match literal {
            Some(d) => d,
            None => self.dur_expr(1)?,
        };
        self.ctx.pop();
        let (ns, from_expr) = if d.is_expr {
            let ms = self.fold(&d, true);
            (ms.saturating_mul(1_000_000), true)
        } else {
            (secs_to_ns(d.secs), false)
        };
        let clause = Span::new(kw.span.start, self.prev_end);
        self.add_offset(e, ns, from_expr, d.experimental, clause, off)
    }

    fn add_offset(
        &mut self,
        mut e: Expr,
        ns: i64,
        from_expr: bool,
        experimental: bool,
        clause: Span,
        off: &mut OffsetState,
    ) -> PResult<Expr> {
        let espan = e.span();
        let (mods, span) = match &mut e {
            Expr::VectorSelector(vs) => (&mut vs.modifiers, &mut vs.span),
            Expr::MatrixSelector(ms) => (&mut ms.selector.modifiers, &mut ms.span),
            Expr::Subquery(sq) => (&mut sq.modifiers, &mut sq.span),
            _ => {
                return err(
                    "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
                    espan,
                );
            }
        };
        if off.ns != 0 || off.from_expr {
            return err("offset may not be set multiple times", espan);
        }
        *off = OffsetState { ns, from_expr };
        mods.offset = ns_to_ms(ns);
        mods.offset_span = Some(clause);
        span.end = span.end.max(clause.end);
        if experimental {
            match &mut e {
                Expr::MatrixSelector(ms) => ms.duration_expr = true,
                Expr::Subquery(sq) => sq.duration_expr = true,
                _ => {}
            }
        }
        Ok(e)
    }

    fn at(&mut self, mut e: Expr, kw: Token) -> PResult<Expr> {
        self.ctx.push(("@", "timestamp"));
        let t = self.peek()?;
        let (at, end) = match t.kind {
            Tok::Number | Tok::Duration => {
                self.advance()?;
                (self.at_timestamp(&e, self.literal_value(t)?)?, t.span.end)
            }
            Tok::Add | Tok::Sub => {
                self.advance()?;
                let n = self.peek()?;
                if !matches!(n.kind, Tok::Number | Tok::Duration) {
                    return self.unexpected(n);
                }
                self.advance()?;
                let v = self.literal_value(n)?;
                let v = if t.kind == Tok::Sub { -v } else { v };
                (self.at_timestamp(&e, v)?, n.span.end)
            }
            Tok::Start | Tok::End => {
                self.advance()?;
                let l = self.peek()?;
                if l.kind != Tok::LParen {
                    return self.unexpected(l);
                }
                self.advance()?;
                let r = self.peek()?;
                if r.kind != Tok::RParen {
                    return self.unexpected(r);
                }
                self.advance()?;
                (if t.kind == Tok::Start { AtModifier::Start } else { AtModifier::End }, r.span.end)
            }
            _ => return self.unexpected(t),
        };
        self.ctx.pop();
        let espan = e.span();
        let (mods, span) = match &mut e {
            Expr::VectorSelector(vs) => (&mut vs.modifiers, &mut vs.span),
            Expr::MatrixSelector(ms) => (&mut ms.selector.modifiers, &mut ms.span),
            Expr::Subquery(sq) => (&mut sq.modifiers, &mut sq.span),
            _ => {
                return err(
                    "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
                    espan,
                );
            }
        };
        if mods.at.is_some() {
            return err("@ <timestamp> may not be set multiple times", espan);
        }
        mods.at = Some(at);
        mods.at_span = Some(Span::new(kw.span.start, end));
        span.end = span.end.max(end);
        Ok(e)
    }

    /// `setTimestamp`'s bounds check and `timestamp.FromFloatSeconds`.
    fn at_timestamp(&self, e: &Expr, ts: f64) -> PResult<AtModifier> {
        if ts.is_nan() || ts.is_infinite() || ts >= i64::MAX as f64 || ts <= i64::MIN as f64 {
            // `%f`
            let shown = format_float(ts, b'f', 6);
            return err(format!("timestamp out of bounds for @ modifier: {shown}"), e.span());
        }
        Ok(AtModifier::Timestamp(go_f64_to_i64((ts * 1000.0).round())))
    }

    fn range_or_subquery(&mut self, e: Expr, open: Token, off: &mut OffsetState) -> PResult<Expr> {
        self.ctx.push(("subquery selector", "number or duration"));
        let (range, rd) = self.positive_duration()?;
        let t = self.peek()?;
        match t.kind {
            Tok::RBracket => {
                self.advance()?;
                self.ctx.pop();
                let range_span = open.span.to(t.span);
                let vs = match e {
                    Expr::VectorSelector(vs) => vs,
                    _ => return err("ranges only allowed for vector selectors", range_span),
                };
                if off.ns != 0 {
                    return err("no offset modifiers allowed before range", range_span);
                }
                if matches!(vs.modifiers.at, Some(AtModifier::Timestamp(_))) {
                    return err("no @ modifiers allowed before range", range_span);
                }
                let span = vs.span.to(range_span);
                Ok(Expr::MatrixSelector(MatrixSelector {
                    selector: vs,
                    range,
                    range_span,
                    duration_expr: rd.experimental,
                    span,
                }))
            }
            Tok::Colon => {
                self.advance()?;
                if let Some(c) = self.ctx.last_mut() {
                    *c = ("subquery selector", "number or duration or \"]\"");
                }
                let mut step = None;
                let mut experimental = rd.experimental;
                let n = self.peek()?;
                let close = if n.kind == Tok::RBracket {
                    self.advance()?;
                    n
                } else {
                    let (s, sd) = self.positive_duration()?;
                    step = Some(s);
                    experimental |= sd.experimental;
                    let c = self.peek()?;
                    if c.kind != Tok::RBracket {
                        return self.unexpected_in(c, "subquery selector", "\"]\"");
                    }
                    self.advance()?;
                    c
                };
                self.ctx.pop();
                *off = OffsetState::default();
                let range_span = open.span.to(close.span);
                let span = e.span().to(range_span);
                Ok(Expr::Subquery(Subquery {
                    expr: Box::new(e),
                    range,
                    step,
                    modifiers: Modifiers::default(),
                    range_span,
                    duration_expr: experimental,
                    span,
                }))
            }
            _ => self.unexpected_in(t, "subquery or range", "\":\" or \"]\""),
        }
    }
}

/// Prometheus's `parser.number`: `strconv.ParseInt(s, 0, 64)`, else `strconv.ParseFloat(s, 64)`
/// (so `010` is octal, `0x1F` hex, `1_000` valid, `1e400` an error); the error is Go's text.
fn parse_number(s: &str) -> Result<f64, String> {
    match parse_int(s) {
        Some(i) => Ok(i as f64),
        None => parse_float(s),
    }
}

/// A string token's value. Go strings may hold any bytes (`"\xff"`); the AST stores `String`, so
/// bytes that are not UTF-8 become U+FFFD (they can only come from escapes).
fn unquote(text: &str) -> Option<String> {
    unquote_checked(text).map(|(s, _)| s)
}

/// Unquotes a string token, telling whether the result was valid UTF-8 (Go strings need not be).
fn unquote_checked(text: &str) -> Option<(String, bool)> {
    // the common literal, without escapes, is its body (Go's `Unquote` gives the same)
    let b = text.as_bytes();
    if let (Some(&q @ (b'"' | b'\'')), Some(&last), Some(body)) =
        (b.first(), b.last(), text.get(1..text.len().max(1) - 1))
        && b.len() >= 2
        && last == q
        && !body.bytes().any(|c| c == b'\\' || c == q || c == b'\n')
    {
        return Some((body.to_string(), true));
    }
    unquote_prometheus(text).map(|b| match String::from_utf8(b) {
        Ok(s) => (s, true),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), false),
    })
}

/// Go's `%q` of the bytes a string literal decodes to, for messages about invalid UTF-8.
fn quote_raw_bytes(text: &str) -> String {
    quote_bytes(&unquote_prometheus(text).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoting_without_escapes_is_the_body() {
        let slow = |t: &str| {
            unquote_prometheus(t).map(|b| match String::from_utf8(b) {
                Ok(s) => (s, true),
                Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), false),
            })
        };
        for t in [
            r#""""#,
            "''",
            r#""a""#,
            "'a'",
            r#""5..""#,
            r#""v1|v1-canary""#,
            r#""a'b""#,
            r#"'a"b'"#,
            r#""a\"b""#,
            r#""a\nb""#,
            "\"a\nb\"",
            r#""a"b""#,
            "'a'b'",
            r#""ü日本""#,
            r#""\u00fc""#,
            r#""\xff""#,
            "\"",
            "'",
            "\"a'",
            "`a`",
            r#""a\'b""#,
        ] {
            assert_eq!(unquote_checked(t), slow(t), "{t}");
        }
    }

    #[test]
    fn numbers_follow_go() {
        assert_eq!(parse_number("1"), Ok(1.0));
        assert_eq!(parse_number("010"), Ok(8.0));
        assert_eq!(parse_number("09"), Ok(9.0));
        assert_eq!(parse_number("0x1F"), Ok(31.0));
        assert_eq!(parse_number("0x_1F"), Ok(31.0));
        assert_eq!(parse_number("1_000"), Ok(1000.0));
        assert_eq!(parse_number("1_000.5_5e1_0"), Ok(1000.55e10));
        assert_eq!(parse_number(".5"), Ok(0.5));
        assert_eq!(parse_number("5."), Ok(5.0));
        assert_eq!(parse_number("1e3"), Ok(1000.0));
        assert_eq!(parse_number("1E-3"), Ok(0.001));
        assert_eq!(parse_number("Inf"), Ok(f64::INFINITY));
        assert!(parse_number("nAn").is_ok_and(f64::is_nan));
        assert_eq!(parse_number("99999999999999999999"), Ok(1e20));
        assert_eq!(
            parse_number("1e400"),
            Err(r#"strconv.ParseFloat: parsing "1e400": value out of range"#.to_string())
        );
        assert_eq!(parse_number("0x"), Err(r#"strconv.ParseFloat: parsing "0x": invalid syntax"#.to_string()));
        assert_eq!(
            parse_number("0xFFFFFFFFFFFFFFFFF"),
            Err(r#"strconv.ParseFloat: parsing "0xFFFFFFFFFFFFFFFFF": invalid syntax"#.to_string())
        );
    }
}
