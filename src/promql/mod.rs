//! PromQL: the syntax tree, the parser and the function signatures.
//!
//! `parse` is the only entry point the rest of the crate uses; see `docs/adr-001-promql-parser.md`
//! for why mlmon-lint parses PromQL itself rather than through `promql-parser`.

pub mod ast;

pub use ast::*;

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
    pub span: ast::Span,
}
