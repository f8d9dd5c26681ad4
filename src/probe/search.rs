//! The threshold search: bisection over one dimension of a scenario.
//!
//! A probe scenario is a scenario text with `?` where the searched value goes and, optionally,
//! `{hold}` for how long the last phase lasts (long enough for the alert's range windows to fill and
//! `for` to elapse: the longest range in the rules + `for` + three evaluation intervals). Each
//! candidate is compiled and run through the rules like any scenario; "fires" means the alert fires
//! at some evaluation at or after the onset (the start of the last phase). Bisection assumes one
//! boundary in the range (firing is monotone in the value), which is what a threshold alert has;
//! both ends are run first and a range where they agree is reported instead of searched.
//!
//! Values are searched on a grid of `resolution` steps from the range's low end, so every value
//! tried is a short decimal the scenario text states exactly.

use std::sync::Arc;

use crate::promql::ast;
use crate::scenario::compile::{self, Compiled};
use crate::scenario::run::{Frame, Sim, Watch, first_firing, simulate};
use crate::scenario::syntax::{self, Scenario};
use crate::unittest::rulefiles::LoadedGroup;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dimension {
    /// The share of 5xx responses, in percent.
    ErrorRatio,
    /// The request rate, in requests per second.
    Rate,
    /// Request latency, in milliseconds.
    Latency,
}

impl Dimension {
    pub fn default_scenario(self) -> &'static str {
        match self {
            Dimension::ErrorRatio => "scrape 15s; 10m at 100 rps; {hold} at 100 rps with ?% 5xx",
            Dimension::Rate => "scrape 15s; 10m at 0 rps; {hold} at ? rps",
            Dimension::Latency => "scrape 15s; 10m at 100 rps latency 1ms; {hold} at 100 rps latency ?ms",
        }
    }
    pub fn default_range(self) -> (f64, f64) {
        match self {
            Dimension::ErrorRatio => (0.0, 100.0),
            Dimension::Rate => (0.0, 10_000.0),
            Dimension::Latency => (0.0, 10_000.0),
        }
    }
    pub fn default_resolution(self) -> f64 {
        match self {
            Dimension::ErrorRatio => 0.01,
            Dimension::Rate => 0.01,
            Dimension::Latency => 0.1,
        }
    }
    /// The unit the value is written with.
    pub fn unit(self) -> &'static str {
        match self {
            Dimension::ErrorRatio => "%",
            Dimension::Rate => " rps",
            Dimension::Latency => "ms",
        }
    }
    /// The value in the units an expression compares (ratio, requests/s, seconds).
    pub fn to_expr_units(self, v: f64) -> f64 {
        match self {
            Dimension::ErrorRatio => v / 100.0,
            Dimension::Rate => v,
            Dimension::Latency => v / 1000.0,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Dimension::ErrorRatio => "error-ratio",
            Dimension::Rate => "rate",
            Dimension::Latency => "latency",
        }
    }
}

/// A comparison of the alert expression against a number literal: `LHS op value`.
#[derive(Debug, Clone)]
pub struct Threshold {
    /// The operator as if the literal were on the right.
    pub op: ast::BinaryOp,
    pub value: f64,
    /// The compared side (what plots draw).
    pub side: Arc<ast::Expr>,
    /// The literal's value as Prometheus prints it.
    pub literal: String,
}

fn flip(op: ast::BinaryOp) -> ast::BinaryOp {
    use ast::BinaryOp::*;
    match op {
        Gtr => Lss,
        Lss => Gtr,
        Gte => Lte,
        Lte => Gte,
        o => o,
    }
}

/// The outermost filtering comparison against a number literal in `expr` (`x > 0.05`, `0.05 < x`).
pub fn find_threshold(expr: &ast::Expr) -> Option<Threshold> {
    let mut found = None;
    expr.walk(&mut |e| {
        if found.is_some() {
            return;
        }
        if let ast::Expr::Binary(b) = e
            && b.op.is_comparison()
            && !b.return_bool
        {
            let lit = |x: &ast::Expr| match x.unparen() {
                ast::Expr::Number(n) => Some(n.clone()),
                _ => None,
            };
            let text = |n: &ast::NumberLiteral| crate::engine::value::format_go_g(n.value);
            if let Some(n) = lit(&b.rhs) {
                found =
                    Some(Threshold { op: b.op, value: n.value, side: Arc::new((*b.lhs).clone()), literal: text(&n) });
            } else if let Some(n) = lit(&b.lhs) {
                found = Some(Threshold {
                    op: flip(b.op),
                    value: n.value,
                    side: Arc::new((*b.rhs).clone()),
                    literal: text(&n),
                });
            }
        }
    });
    found
}

/// The longest range (matrix selector or subquery) read by any rule, in ms.
pub fn longest_range(groups: &[LoadedGroup]) -> i64 {
    let mut m = 0;
    for r in groups.iter().flat_map(|g| &g.rules) {
        r.expr.walk(&mut |e| match e {
            ast::Expr::MatrixSelector(s) => m = m.max(s.range),
            ast::Expr::Subquery(s) => m = m.max(s.range),
            _ => {}
        });
    }
    m
}

/// One candidate run.
#[derive(Debug, Clone)]
pub struct Trial {
    pub value: f64,
    /// The scenario text run.
    pub text: String,
    pub scenario: Scenario,
    pub compiled: Compiled,
    pub frames: Vec<Frame>,
    pub onset: i64,
    /// First firing at or after the onset.
    pub first_firing: Option<i64>,
    /// Whether the alert fired before the onset (the baseline alone triggers it).
    pub fires_in_baseline: bool,
}

impl Trial {
    pub fn fires(&self) -> bool {
        self.first_firing.is_some()
    }
}

/// What to search.
pub struct Search<'a> {
    pub sim: Sim<'a>,
    pub alert: String,
    /// With `?` (and optionally `{hold}`).
    pub template: String,
    pub hold_ms: i64,
    pub watch: Watch,
    pub lo: f64,
    pub hi: f64,
    pub resolution: f64,
}

#[derive(Debug)]
pub enum SearchError {
    /// The scenario text (after substitution) does not parse or compile; the message names the value.
    Scenario(String),
    /// Rule evaluation failed.
    Eval(String),
}

impl std::fmt::Display for SearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SearchError::Scenario(m) | SearchError::Eval(m) => write!(f, "{m}"),
        }
    }
}

/// The result of a search.
#[derive(Debug)]
pub enum Outcome {
    /// `quiet` does not fire, `firing` does, and they are one resolution step apart.
    Boundary { quiet: Box<Trial>, firing: Box<Trial>, runs: usize },
    /// Both ends agree: the alert fires everywhere in the range, or nowhere.
    NoBoundary { low: Box<Trial>, high: Box<Trial>, runs: usize },
}

fn decimals(resolution: f64) -> usize {
    let mut d = 0;
    let mut r = resolution;
    while d < 9 && (r - r.round()).abs() > 1e-9 {
        r *= 10.0;
        d += 1;
    }
    d
}

/// The value written as the scenario text will state it.
pub fn format_value(v: f64, resolution: f64) -> String {
    format!("{v:.*}", decimals(resolution))
}

impl Search<'_> {
    /// Substitutes `value` (and the hold time) into the template.
    pub fn text_for(&self, value: f64) -> String {
        self.template
            .replace("{hold}", &crate::unittest::gostr::model_duration(self.hold_ms))
            .replace('?', &format_value(value, self.resolution))
    }

    /// Runs one candidate.
    pub fn run(&self, value: f64) -> Result<Trial, SearchError> {
        let text = self.text_for(value);
        let scenario = syntax::parse(&text).map_err(|e| {
            SearchError::Scenario(format!(
                "scenario {text:?}: {} (at {:?})",
                e.message,
                text.get(e.span.clone()).unwrap_or("")
            ))
        })?;
        let compiled = compile::compile_text(&scenario, &text)
            .map_err(|e| SearchError::Scenario(format!("scenario {text:?}: {}", e.message)))?;
        let onset = compiled.last_traffic_start(&scenario);
        let frames =
            simulate(&self.sim, compiled.series.clone(), compiled.end_ms, &self.watch).map_err(SearchError::Eval)?;
        let first = first_firing(&frames, 0, onset);
        let fires_in_baseline = frames.iter().any(|f| f.ts < onset && f.alerts.first().is_some_and(|a| a.firing > 0));
        Ok(Trial { value, text, scenario, compiled, frames, onset, first_firing: first, fires_in_baseline })
    }

    /// Bisects between `lo` and `hi`.
    pub fn search(&self) -> Result<Outcome, SearchError> {
        let steps = ((self.hi - self.lo) / self.resolution).round().max(1.0) as i64;
        let at = |i: i64| self.lo + i as f64 * self.resolution;
        let mut a = self.run(at(0))?;
        let mut b = self.run(at(steps))?;
        let mut runs = 2;
        if a.fires() == b.fires() {
            return Ok(Outcome::NoBoundary { low: Box::new(a), high: Box::new(b), runs });
        }
        let (mut ia, mut ib) = (0, steps);
        while ib - ia > 1 {
            let m = ia + (ib - ia) / 2;
            let t = self.run(at(m))?;
            runs += 1;
            if t.fires() == a.fires() {
                ia = m;
                a = t;
            } else {
                ib = m;
                b = t;
            }
        }
        let (quiet, firing) = if a.fires() { (b, a) } else { (a, b) };
        Ok(Outcome::Boundary { quiet: Box::new(quiet), firing: Box::new(firing), runs })
    }
}

/// How far the boundary may lie from the threshold literal for reasons of resolution alone (in
/// expression units): the search step, plus for latency the width of the histogram bucket holding
/// the threshold (`histogram_quantile` only knows buckets).
pub fn tolerance(dim: Dimension, resolution: f64, threshold: f64, sc: &Scenario) -> f64 {
    let step = dim.to_expr_units(resolution);
    match dim {
        Dimension::Latency => {
            let mut lower = 0.0;
            for b in &sc.buckets {
                if threshold <= *b {
                    return step + (b - lower);
                }
                lower = *b;
            }
            f64::INFINITY
        }
        _ => step,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_found_on_either_side() {
        let src = "(sum(rate(a[5m])) / sum(rate(b[5m]))) > 0.05";
        let e = crate::promql::parse(src, crate::promql::ParseOptions::PROMTOOL).unwrap();
        let t = find_threshold(&e).unwrap();
        assert_eq!((t.op, t.value, t.literal.as_str()), (ast::BinaryOp::Gtr, 0.05, "0.05"));
        let src = "1e3 > x";
        let e = crate::promql::parse(src, crate::promql::ParseOptions::PROMTOOL).unwrap();
        let t = find_threshold(&e).unwrap();
        assert_eq!((t.op, t.value), (ast::BinaryOp::Lss, 1000.0));
        let e = crate::promql::parse("x > bool 1", crate::promql::ParseOptions::PROMTOOL).unwrap();
        assert!(find_threshold(&e).is_none());
    }

    #[test]
    fn values_are_written_at_the_resolution() {
        assert_eq!(format_value(5.0 + 1.0 * 0.01, 0.01), "5.01");
        assert_eq!(format_value(12.0, 0.5), "12.0");
        assert_eq!(format_value(3.0, 1.0), "3");
    }
}
