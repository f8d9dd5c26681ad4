//! PromQL: the syntax tree, the parser and the function signatures.
//!
//! `parse` is the only entry point the rest of the crate uses; see `docs/adr-001-promql-parser.md`
//! for why mlmon-lint parses PromQL itself rather than through `promql-parser`.

pub mod ast;
mod check;
pub mod functions;
mod lexer;
mod parser;
mod printer;

pub use ast::*;

/// Parses and type-checks one PromQL expression as Prometheus 3.5.3's `parser.ParseExpr` does
/// (with `opts` standing in for its feature flags). The error is the first one Prometheus would
/// report, with its message and the span of the offending token or node.
pub fn parse(input: &str, opts: ParseOptions) -> Result<Expr, ParseError> {
    parser::Parser::new(input, opts).parse().map_err(|e| ParseError::new(input, e.msg, e.span, e.pos))
}

/// The message of upstream's recovered parser panic (`errUnexpected`), which carries no position.
const INTERNAL_ERROR: &str = "unexpected error";

/// Which 3.5 feature flags the parser honours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// `--enable-feature=promql-experimental-functions`: `limitk`, `limit_ratio`, `sort_by_label`, ...
    pub experimental_functions: bool,
    /// `--enable-feature=promql-duration-expr`: `[5m+1m]`, `offset (1m*2)`.
    pub duration_expressions: bool,
}

impl ParseOptions {
    /// What `promtool check rules` and `promtool test rules` accept by default.
    pub const PROMTOOL: ParseOptions = ParseOptions { experimental_functions: false, duration_expressions: false };
    /// What upstream's promqltest runner enables.
    pub const PROMQLTEST: ParseOptions = ParseOptions { experimental_functions: true, duration_expressions: true };
}

/// A parse or type-check error, positioned at the offending token within the expression.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// Prometheus's message without the position prefix, e.g. `unexpected "}" in label matching, expected string`.
    pub message: String,
    /// The offending token or node (empty only where there is none, as at the end of the input).
    pub span: ast::Span,
    /// Prometheus's position of the error in the expression, as its messages print it: 1-based
    /// line and 1-based *byte* column. Usually the start of `span`; for a stray `)` it is just
    /// after it, as in Prometheus. `line == 0` when the expression is empty (Prometheus then
    /// prints `unknown position`).
    pub line: u32,
    pub col: u32,
}

impl ParseError {
    fn new(input: &str, message: String, span: ast::Span, pos: Option<u32>) -> Self {
        let (line, col) = if input.is_empty() {
            (0, 0)
        } else {
            let pos = (pos.unwrap_or(span.start) as usize).min(input.len());
            let before = input.as_bytes().get(..pos).unwrap_or_default();
            let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
            let last_nl = before.iter().rposition(|&b| b == b'\n').map_or(-1, |i| i as i64);
            (line as u32, (pos as i64 - last_nl) as u32)
        };
        ParseError { message, span, line, col }
    }
}

impl std::fmt::Display for ParseError {
    /// Prometheus's `ParseErr.Error()`: `1:5: parse error: <message>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message == INTERNAL_ERROR {
            f.write_str(&self.message)
        } else if self.line == 0 {
            write!(f, "unknown position: parse error: {}", self.message)
        } else {
            write!(f, "{}:{}: parse error: {}", self.line, self.col, self.message)
        }
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod parser_tests;
