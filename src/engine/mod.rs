//! mlmon-lint's PromQL engine: Prometheus 3.5 semantics over in-memory float series.
//!
//! # Using it
//!
//! ```
//! use mlmon_lint::engine::{Engine, EngineSettings, Labels, Storage, Value};
//! use mlmon_lint::promql::{ParseOptions, parse};
//!
//! let mut storage = Storage::new();
//! let series = Labels::from_pairs([("__name__", "up"), ("job", "api")]);
//! storage.append(&series, 0, 1.0).unwrap(); // timestamps are i64 milliseconds
//! let engine = Engine::new(EngineSettings::promtool(60_000)); // promtool: subquery step = eval interval
//! let expr = parse("up == 1", ParseOptions::PROMTOOL).unwrap();
//! let Value::Vector(v) = engine.instant(&storage, &expr, 60_000).unwrap() else { panic!() };
//! assert_eq!(v.len(), 1);
//! let matrix = engine.range(&storage, &expr, 0, 300_000, 60_000).unwrap();
//! assert_eq!(matrix[0].floats.len(), 5); // 0..4m: the sample is 5m old at 5m
//! ```
//!
//! * [`Storage`] holds series (created in first-append order, which is the order selectors return them)
//!   and takes samples incrementally: append input step by step, append recording-rule outputs, query.
//!   `Storage::append(labels, t, v)` finds or creates the series; for bulk loading, resolve ids once with
//!   `Storage::series_id` and use `Storage::append_to(id, t, v)`. Appends follow the TSDB head: an older
//!   timestamp is "out of order sample", the same timestamp with another value "duplicate sample for
//!   timestamp". `Storage::append_histogram` records a native-histogram sample (not evaluated: reading
//!   it makes the query [`EvalError::Unsupported`]).
//! * Series notation (`1+2x3 _ stale`, histogram literals) is parsed by [`parse_series_desc`]; a line
//!   expanding to more than [`series_notation::DEFAULT_MAX_POINTS`] slots is refused with an error.
//! * [`Engine::instant`] evaluates at one time (a range evaluation with one step, as in Prometheus) and
//!   returns a [`Value`]: scalar, vector (in evaluation order), matrix (sorted by labels) or string.
//! * [`Engine::range`] evaluates from `start` to `end` every `step` and returns a label-sorted matrix.
//! * The `*_annotated` variants also return the warnings and infos Prometheus would attach
//!   (`PromQL warning: ...`, `PromQL info: ...`).
//! * [`EvalError`]'s `Display` is Prometheus's error text (`query processing would load too many samples
//!   into memory in query execution`, `found duplicate series for the match group ...`), which is what
//!   promtool prints and what promqltest's `expect fail msg:` compares. [`EvalError::Unsupported`] marks
//!   evaluations that need something this engine does not do (native histograms, `info()`): report those
//!   as unsupported, never as a wrong answer.
//!
//! An [`Engine`] caches compiled regexes and, per storage, the series each selector matched (only series
//! created since are matched again), so keep one engine for a whole test group or rule run.
//!
//! Settings ([`EngineSettings`]): lookback delta (5m), the step of subqueries written without one
//! (promtool: the evaluation interval; promqltest: 1m), delayed `__name__` removal (promtool: off, the
//! name is dropped immediately; promqltest: on), experimental functions (`limitk`, `sort_by_label`, ...),
//! the max-samples limit (10000 in both) and a step limit that refuses absurd subqueries
//! (`x[10y:1ms]`) before looping over them.
//!
//! Layout: `value` (labels and values), `storage`, `series_notation` (the `1+2x3 _ stale` notation shared
//! with the unit-test runner), `plan` (the query as Prometheus prepares it), `eval` (the evaluator),
//! `functions`, `aggregate`, `binop`, `quantile`, `gomath` (Go's float algorithms), `hash`, `matcher`.

pub mod aggregate;
pub mod binop;
pub mod eval;
pub mod functions;
pub mod gomath;
pub mod hash;
pub mod matcher;
pub mod plan;
pub mod quantile;
pub mod series_notation;
pub mod storage;
pub mod value;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use regex::Regex;

pub use series_notation::{SequenceValue, SeriesDesc, parse_series_desc};
pub use storage::Storage;
pub use value::{FPoint, Labels, Matrix, Sample, Series, Value, Vector};

use crate::promql::ast;

/// Engine configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineSettings {
    /// Lookback delta in ms (default 5m).
    pub lookback_delta: i64,
    /// Step in ms of a subquery written without one (`x[5m:]`).
    pub default_subquery_step: i64,
    /// Keep `__name__` until the end of the query and drop it then (Prometheus's
    /// `promql-delayed-name-removal`).
    pub delayed_name_removal: bool,
    /// Allow the experimental functions and aggregations.
    pub experimental_functions: bool,
    /// Max samples held at once (Prometheus's `MaxSamples`).
    pub max_samples: usize,
    /// Max steps of one (sub)evaluation; beyond it a query is refused rather than looped over.
    pub max_steps: u64,
}

/// Default bound on the steps of one evaluation: 11 days at 1 s, ten thousand times the largest
/// sample limit anyone uses in unit tests would not fit either.
pub const DEFAULT_MAX_STEPS: u64 = 1_000_000;

impl EngineSettings {
    /// What `promtool test rules` uses, for a test group with the given evaluation interval (ms).
    pub fn promtool(evaluation_interval: i64) -> EngineSettings {
        EngineSettings {
            lookback_delta: 5 * 60_000,
            default_subquery_step: evaluation_interval,
            delayed_name_removal: false,
            experimental_functions: false,
            max_samples: 10_000,
            max_steps: DEFAULT_MAX_STEPS,
        }
    }

    /// What Prometheus's promqltest runner uses.
    pub fn promqltest() -> EngineSettings {
        EngineSettings {
            lookback_delta: 5 * 60_000,
            default_subquery_step: 60_000,
            delayed_name_removal: true,
            experimental_functions: true,
            max_samples: 10_000,
            max_steps: DEFAULT_MAX_STEPS,
        }
    }
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings::promtool(60_000)
    }
}

/// An evaluation error. `Display` is Prometheus's text.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// An error Prometheus would raise, with its message.
    Message(String),
    /// `query processing would load too many samples into memory in query execution`.
    TooManySamples,
    /// Needs a feature this engine does not implement (the text says which).
    Unsupported(String),
}

impl EvalError {
    pub fn new(msg: impl Into<String>) -> EvalError {
        EvalError::Message(msg.into())
    }

    pub fn native_histograms() -> EvalError {
        EvalError::Unsupported("native histograms".into())
    }

    pub fn is_unsupported(&self) -> bool {
        matches!(self, EvalError::Unsupported(_))
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::Message(m) => f.write_str(m),
            EvalError::TooManySamples => {
                f.write_str("query processing would load too many samples into memory in query execution")
            }
            EvalError::Unsupported(what) => write!(f, "unsupported by mlmon-lint's engine: {what}"),
        }
    }
}

impl std::error::Error for EvalError {}

/// Warnings and infos of one evaluation, deduplicated like Prometheus's (keyed by text).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotations {
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
}

impl Annotations {
    pub fn warn(&mut self, msg: String) {
        if !self.warnings.contains(&msg) {
            self.warnings.push(msg);
        }
    }
    pub fn info(&mut self, msg: String) {
        if !self.infos.contains(&msg) {
            self.infos.push(msg);
        }
    }
    pub fn is_empty(&self) -> bool {
        self.warnings.is_empty() && self.infos.is_empty()
    }
}

/// A result with its annotations.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated<T> {
    pub value: T,
    pub annotations: Annotations,
}

/// The engine: settings plus a cache of compiled regexes.
pub struct Engine {
    pub settings: EngineSettings,
    regexes: Mutex<HashMap<String, Result<Arc<Regex>, String>>>,
    /// Selector results per storage: a rule evaluated at every step selects the same series again, so
    /// only series created since the last selection are matched.
    selections: Mutex<value::FastMap<String, Selection>>,
}

/// A cached selection: (storage id, storage length when selected, matching series ids).
type Selection = (u64, usize, Arc<Vec<usize>>);

impl Engine {
    pub fn new(settings: EngineSettings) -> Engine {
        Engine { settings, regexes: Mutex::new(HashMap::new()), selections: Mutex::new(Default::default()) }
    }

    /// `^(?s:pattern)$`, compiled once per engine.
    pub fn regex(&self, pattern: &str) -> Result<Arc<Regex>, String> {
        let mut cache = match self.regexes.lock() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        if let Some(r) = cache.get(pattern) {
            return r.clone();
        }
        let r = matcher::compile_anchored(pattern).map(Arc::new);
        cache.insert(pattern.to_string(), r.clone());
        r
    }

    /// The series matching a selector, in creation order, reusing earlier selections on this storage.
    pub(crate) fn select_cached(
        &self,
        storage: &Storage,
        raw: &[ast::Matcher],
        compiled: &[matcher::Matcher],
    ) -> Vec<usize> {
        let mut key = String::new();
        for m in raw {
            key.push_str(&m.name);
            key.push('\u{0}');
            key.push_str(m.op.as_str());
            key.push('\u{0}');
            key.push_str(&m.value);
            key.push('\u{1}');
        }
        let mut cache = match self.selections.lock() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        if cache.len() > 10_000 {
            cache.clear();
        }
        let entry = cache.get(&key).filter(|(sid, len, _)| *sid == storage.id() && *len <= storage.len()).cloned();
        let ids = match entry {
            Some((_, len, ids)) if len == storage.len() => ids,
            Some((_, len, ids)) => {
                let mut v = ids.as_ref().clone();
                v.extend(matcher::select_from(storage, compiled, len));
                Arc::new(v)
            }
            None => Arc::new(matcher::select(storage, compiled)),
        };
        cache.insert(key, (storage.id(), storage.len(), ids.clone()));
        ids.as_ref().clone()
    }

    pub(crate) fn matcher(&self, m: &ast::Matcher) -> Result<matcher::Matcher, EvalError> {
        let re = match m.op {
            ast::MatchOp::Re | ast::MatchOp::NotRe => {
                Some(self.regex(&m.value).map_err(|e| EvalError::new(format!("invalid regular expression: {e}")))?)
            }
            _ => None,
        };
        Ok(matcher::Matcher { name: m.name.clone(), op: m.op, value: m.value.clone(), re })
    }

    /// Evaluates `expr` at `t` (ms).
    pub fn instant(&self, storage: &Storage, expr: &ast::Expr, t: i64) -> Result<Value, EvalError> {
        self.instant_annotated(storage, expr, t).map(|e| e.value)
    }

    /// Evaluates `expr` from `start` to `end` (inclusive) every `step` (ms).
    pub fn range(
        &self,
        storage: &Storage,
        expr: &ast::Expr,
        start: i64,
        end: i64,
        step: i64,
    ) -> Result<Matrix, EvalError> {
        self.range_annotated(storage, expr, start, end, step).map(|e| e.value)
    }

    pub fn instant_annotated(
        &self,
        storage: &Storage,
        expr: &ast::Expr,
        t: i64,
    ) -> Result<Evaluated<Value>, EvalError> {
        let node = plan::build(self, storage, expr, t, t)?;
        let ctx = eval::Ctx { storage, settings: &self.settings, engine: self, annos: Default::default() };
        if let plan::Node::Str(s) = node.unwrap_si() {
            return Ok(Evaluated { value: Value::String { t, v: s.clone() }, annotations: Annotations::default() });
        }
        let mut ev = eval::Ev::new(&ctx, t, t, 1);
        let mat = eval::run(&mut ev, &node)?;
        let annotations = ctx.annos.into_inner();
        let value = match node.value_type() {
            ast::ValueType::Vector => Value::Vector(
                mat.into_iter()
                    .filter_map(|s| {
                        s.floats.first().map(|p| Sample { metric: s.metric.clone(), t, f: p.f, drop_name: s.drop_name })
                    })
                    .collect(),
            ),
            ast::ValueType::Scalar => {
                Value::Scalar { t, v: mat.first().and_then(|s| s.floats.first()).map(|p| p.f).unwrap_or(f64::NAN) }
            }
            _ => {
                let mut m = mat;
                m.sort_by(|a, b| a.metric.cmp(&b.metric));
                Value::Matrix(m)
            }
        };
        Ok(Evaluated { value, annotations })
    }

    pub fn range_annotated(
        &self,
        storage: &Storage,
        expr: &ast::Expr,
        start: i64,
        end: i64,
        step: i64,
    ) -> Result<Evaluated<Matrix>, EvalError> {
        let t = expr.value_type();
        if t != ast::ValueType::Vector && t != ast::ValueType::Scalar {
            return Err(EvalError::new(format!(
                "invalid expression type {:?} for range query, must be Scalar or instant Vector",
                t.to_string()
            )));
        }
        if step <= 0 {
            return Err(EvalError::new("zero or negative query resolution step widths are not accepted"));
        }
        if end >= start && ((end - start) / step) as u64 + 1 > self.settings.max_steps {
            return Err(EvalError::new(format!(
                "query would evaluate more than {} steps (mlmon-lint's step limit)",
                self.settings.max_steps
            )));
        }
        let node = plan::build(self, storage, expr, start, end)?;
        let ctx = eval::Ctx { storage, settings: &self.settings, engine: self, annos: Default::default() };
        let mut ev = eval::Ev::new(&ctx, start, end, step);
        let mut mat = eval::run(&mut ev, &node)?;
        mat.sort_by(|a, b| a.metric.cmp(&b.metric));
        Ok(Evaluated { value: mat, annotations: ctx.annos.into_inner() })
    }
}
