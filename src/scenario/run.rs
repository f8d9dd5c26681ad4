//! Runs compiled scenario samples through the rule groups with the test runner's evaluation loop
//! ([`RuleEval`]), recording at every evaluation what assertions, probes and plots look at.

use std::sync::Arc;

use crate::engine::value::Labels;
use crate::engine::{Engine, Value};
use crate::promql::{ParseOptions, ast};
use crate::unittest::rulefiles::LoadedGroup;
use crate::unittest::runner::{EvalEnv, RuleEval, StepError};

use super::compile::Series;

/// What to record at each evaluation.
#[derive(Debug, Clone, Default)]
pub struct Watch {
    pub alerts: Vec<String>,
    /// Expressions evaluated at each step (recorded series by name, an alert's compared side).
    pub exprs: Vec<Arc<ast::Expr>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertCount {
    pub pending: usize,
    pub firing: usize,
}

/// The state at one evaluation.
#[derive(Debug, Clone)]
pub struct Frame {
    pub ts: i64,
    /// Per watched alert.
    pub alerts: Vec<AlertCount>,
    /// Per watched expression: its samples.
    pub values: Vec<Vec<(Labels, f64)>>,
}

/// How to evaluate.
pub struct Sim<'a> {
    pub engine: &'a Engine,
    pub parse: ParseOptions,
    pub groups: &'a [LoadedGroup],
    pub eval_ms: i64,
}

/// Evaluates every rule group at 0, `eval_ms`, ... up to `end_ms`; the error is the first rule
/// evaluation error (as `mlmon-lint test` would report it) or a sample that could not be stored.
pub fn simulate(sim: &Sim<'_>, series: Series, end_ms: i64, watch: &Watch) -> Result<Vec<Frame>, String> {
    let env = EvalEnv { engine: sim.engine, parse: sim.parse, external_labels: &[], external_url: "", line: 0 };
    let mut ev = RuleEval::new(env, sim.groups, series);
    let mut frames = Vec::new();
    let step = sim.eval_ms.max(1);
    let mut ts = 0i64;
    while ts <= end_ms {
        match ev.step(ts) {
            Ok(()) => {}
            Err(StepError::Load(e)) => return Err(e),
            Err(StepError::Rules(errs)) => {
                return Err(errs.into_iter().map(|f| f.text.trim().to_string()).collect::<Vec<_>>().join("; "));
            }
        }
        let alerts = watch
            .alerts
            .iter()
            .map(|name| {
                let mut c = AlertCount::default();
                for s in ev.alerts(name) {
                    c.pending += s.pending().count();
                    c.firing += s.firing().count();
                }
                c
            })
            .collect();
        let mut values = Vec::with_capacity(watch.exprs.len());
        for e in &watch.exprs {
            let v = match sim.engine.instant(ev.storage(), e, ts) {
                Ok(Value::Vector(v)) => v.into_iter().map(|s| (s.metric, s.f)).collect(),
                Ok(Value::Scalar { v, .. }) => vec![(Labels::empty(), v)],
                Ok(_) => Vec::new(),
                Err(e) => return Err(e.to_string()),
            };
            values.push(v);
        }
        frames.push(Frame { ts, alerts, values });
        ts += step;
    }
    Ok(frames)
}

/// The first evaluation at or after `from` where alert `i` fires.
pub fn first_firing(frames: &[Frame], i: usize, from: i64) -> Option<i64> {
    frames.iter().find(|f| f.ts >= from && f.alerts.get(i).is_some_and(|a| a.firing > 0)).map(|f| f.ts)
}

/// The first evaluation at or after `from` where alert `i` is pending or firing.
pub fn first_active(frames: &[Frame], i: usize, from: i64) -> Option<i64> {
    frames.iter().find(|f| f.ts >= from && f.alerts.get(i).is_some_and(|a| a.firing + a.pending > 0)).map(|f| f.ts)
}
