//! Runs test files as `promtool test rules` 3.5 does (`cmd/promtool/unittest.go`): per test group a
//! fresh storage, input loaded lazily up to each evaluation step, every rule group evaluated at
//! 0, `evaluation_interval`, … up to the group's last `eval_time`, alert assertions checked at the
//! step at or before their `eval_time`, expression assertions after the loop, and a rule
//! evaluation error ending the group at that step.
//!
//! The results keep promtool's error texts (for the promtool-compatible output) next to structured
//! expected/got data and the test file line of each assertion (for the readable report, JUnit and
//! JSON), plus what coverage needs: which rules were loaded, asserted on, and ever fired.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use crate::engine::value::{Labels, LabelsBuilder, METRIC_NAME, Value, stale_nan};
use crate::engine::{Engine, EngineSettings, SequenceValue, Storage, parse_series_desc};
use crate::promql::{self, ParseOptions, ast};
use crate::rules::RuleKind;
use crate::template::{AlertTemplateData, QuerySample, SampleValue, TemplateHost};

use super::alerts::{AlertRuleState, Candidate, RuleParams};
use super::gostr::{engine_labels_string, go_duration, go_duration_ns, labels_string, model_duration, sample_value};
use super::histo::{self, Histograms, Point};
use super::model::{self, ExprTest, TestFile, TestGroup};
use super::rulefiles::{self, LoadOptions, LoadedGroup, LoadedRule, RuleId};

/// How tests run (promtool's flags).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--run` patterns joined with `|`; `None` runs every group.
    pub run: Option<regex::Regex>,
    pub diff: bool,
    pub debug: bool,
    pub ignore_unknown_fields: bool,
    pub experimental_functions: bool,
    pub delayed_name_removal: bool,
}

impl Options {
    fn parse_options(&self) -> ParseOptions {
        ParseOptions { experimental_functions: self.experimental_functions, duration_expressions: false }
    }
}

/// Sorted label pairs; unlike engine label sets they may hold empty values (expected alerts and
/// samples can, and then never match).
pub type Pairs = Vec<(String, String)>;

#[derive(Debug, Clone, PartialEq)]
pub struct AlertItem {
    pub labels: Pairs,
    pub annotations: Pairs,
}

/// An alert that was pending (not yet firing) when an assertion was checked.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAlert {
    pub labels: Pairs,
    pub active_at: i64,
    /// The first evaluation at which it fires if its condition keeps holding.
    pub fires_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SampleItem {
    pub labels: Pairs,
    pub value: f64,
    /// A native histogram expectation's text (never produced by this engine).
    pub histogram: String,
}

/// What went wrong, structured.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    Alerts {
        alertname: String,
        eval_time: i64,
        exp: Vec<AlertItem>,
        got: Vec<AlertItem>,
        /// Alerts of that name pending at the time (invisible to the assertion).
        pending: Vec<PendingAlert>,
    },
    Samples {
        expr: String,
        eval_time: i64,
        exp: Vec<SampleItem>,
        got: Vec<SampleItem>,
    },
    /// A query that failed or could not be compared.
    QueryError {
        expr: String,
        eval_time: i64,
        message: String,
    },
    /// A rule evaluation error; `rule` is `file:line` of the rule.
    RuleError {
        rule: String,
        rule_name: String,
        time: i64,
        message: String,
    },
    /// Input series that do not parse, rule files that do not load, a missing alertname.
    Setup {
        message: String,
    },
    /// A scenario test's assertion that does not hold, or a scenario that cannot run; `column` is
    /// the test file column (`Failure::line` the line), `assertion` its text (empty for the scenario).
    Scenario {
        column: usize,
        assertion: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// promtool's text for this error.
    pub text: String,
    /// The test file line the failure is about (the assertion, the series, the group).
    pub line: usize,
    pub detail: Detail,
}

#[derive(Debug, Clone)]
pub struct GroupReport {
    pub name: String,
    pub line: usize,
    pub failures: Vec<Failure>,
    pub seconds: f64,
}

/// One test file's outcome.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    pub path: String,
    /// `rule_files` patterns that matched nothing (promtool warns on stderr).
    pub unmatched: Vec<String>,
    /// An error that stopped the whole file (decoding, globbing, `group_eval_order`).
    pub file_error: Option<String>,
    /// JUnit timestamp (empty when the file failed before promtool sets it).
    pub timestamp: String,
    pub groups: Vec<GroupReport>,
    /// `--debug` output (stdout), in order.
    pub debug: String,
}

impl FileReport {
    /// The test file's `rule_files` resolved as promtool resolves them; patterns that match nothing
    /// are noted, and an error becomes the file's error (`None` then: the file cannot run).
    pub fn resolve_rule_files(&mut self, test_file: &str, patterns: &[String]) -> Option<Vec<String>> {
        match rulefiles::resolve(test_file, patterns) {
            Ok((files, unmatched)) => {
                self.unmatched = unmatched;
                Some(files)
            }
            Err(e) => {
                self.file_error = Some(e);
                None
            }
        }
    }

    pub fn failed(&self) -> bool {
        self.file_error.is_some() || self.groups.iter().any(|g| !g.failures.is_empty())
    }
}

/// What coverage records about one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleUse {
    pub kind: RuleKind,
    pub name: String,
    pub line: usize,
    pub asserted: bool,
    pub fired: bool,
}

/// Coverage facts gathered over a run.
#[derive(Debug, Clone, Default)]
pub struct CoverageData {
    pub rules: BTreeMap<RuleId, RuleUse>,
}

impl CoverageData {
    /// Counts the rules of `groups` as covered candidates (once each, whatever ran them before).
    pub fn register(&mut self, groups: &[LoadedGroup]) {
        for r in groups.iter().flat_map(|g| &g.rules) {
            self.rules.entry(r.id.clone()).or_insert_with(|| RuleUse {
                kind: r.kind,
                name: r.name.clone(),
                line: r.line,
                asserted: false,
                fired: false,
            });
        }
    }
}

/// Runs one test file. `cov` collects rule coverage.
pub fn run_file(path: &str, text: &str, opts: &Options, cov: &mut CoverageData) -> FileReport {
    let mut rep = FileReport { path: path.to_string(), ..Default::default() };
    let file = match model::decode(text) {
        Ok(f) => f,
        Err(e) => {
            rep.file_error = Some(e);
            return rep;
        }
    };
    let Some(rule_files) = rep.resolve_rule_files(path, &file.rule_files) else { return rep };
    let eval_interval = if file.evaluation_interval == 0 { 60_000 } else { file.evaluation_interval };
    rep.timestamp = timestamp_now();
    let mut order: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, g) in file.group_eval_order.iter().enumerate() {
        if order.insert(g, i).is_some() {
            rep.file_error = Some(format!("group name repeated in evaluation order: {g}"));
            return rep;
        }
    }
    let load_opts = LoadOptions { ignore_unknown_fields: opts.ignore_unknown_fields, parse: opts.parse_options() };
    let loaded = rulefiles::load(&rule_files, load_opts).map(|mut groups| {
        // promtool sorts groups from a map by their rank (unlisted: 0); a stable sort is one of its orders
        groups.sort_by_key(|g| order.get(g.name.as_str()).copied().unwrap_or(0));
        groups
    });
    let settings = EngineSettings {
        delayed_name_removal: opts.delayed_name_removal,
        experimental_functions: opts.experimental_functions,
        ..EngineSettings::promtool(eval_interval)
    };
    let engine = Engine::new(settings);
    let ctx = FileCtx { file: &file, rules: &loaded, eval_interval, opts, engine: &engine };
    for (i, tg) in file.tests.iter().enumerate() {
        if let Some(re) = &opts.run
            && !re.is_match(&tg.name)
        {
            continue;
        }
        let name = if tg.name.is_empty() { format!("unnamed#{i}") } else { tg.name.clone() };
        let started = Instant::now();
        if opts.debug {
            rep.debug.push_str(&format!("DEBUG: Starting test {name}\n"));
        }
        let failures = run_group(&ctx, tg, cov, &mut rep.debug);
        let elapsed = started.elapsed();
        if opts.debug {
            rep.debug.push_str(&format!("DEBUG: Test {name} finished, took {}\n", go_duration_ns(elapsed.as_nanos())));
        }
        rep.groups.push(GroupReport { name, line: tg.line, failures, seconds: elapsed.as_secs_f64() });
    }
    rep
}

/// Local time is what promtool prints; without a time-zone database we print UTC, which is what CI
/// machines use.
fn timestamp_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let t = crate::template::GoTime::from_unix(secs, 0);
    let (y, mo, d) = t.date();
    let (h, mi, s) = t.clock();
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
}

struct FileCtx<'a> {
    file: &'a TestFile,
    rules: &'a Result<Vec<LoadedGroup>, Vec<String>>,
    eval_interval: i64,
    opts: &'a Options,
    engine: &'a Engine,
}

fn setup_failure(text: String, line: usize) -> Failure {
    Failure { detail: Detail::Setup { message: text.clone() }, text, line }
}

/// Input series as promtool's lazy loader holds them: samples per series, loaded up to each step.
struct Input {
    series: Vec<(Labels, Vec<(i64, SequenceValue)>)>,
    cursor: Vec<usize>,
    histograms: Histograms,
}

/// Parses the group's `input_series` as promtool's synthesised `load` block.
fn parse_input(tg: &TestGroup, interval: i64) -> Result<Input, (String, usize)> {
    // promtool writes "load <interval>\n  <series> <values>\n..." and splits it into trimmed lines;
    // an empty (or `#`) line ends the block, so text after a newline inside a field is lost or
    // becomes its own line
    let mut text = String::new();
    let mut origin = Vec::new();
    for s in &tg.input_series {
        let chunk = format!("  {} {}\n", s.series, s.values);
        for _ in chunk.split('\n').skip(1) {
            origin.push(s.line);
        }
        text.push_str(&chunk);
    }
    let mut by_labels: std::collections::HashMap<Labels, usize> = std::collections::HashMap::new();
    let mut series: Vec<(Labels, Vec<(i64, SequenceValue)>)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            break;
        }
        let line = origin.get(i).copied().unwrap_or(tg.line);
        let desc = parse_series_desc(l)
            .map_err(|e| (format!("{}:{}: parse error: {}", i + 2, e.offset + 1, e.message), line))?;
        let mut samples = Vec::with_capacity(desc.values.len());
        for (k, v) in desc.values.into_iter().enumerate() {
            if v != SequenceValue::Omitted {
                samples.push((k as i64 * interval, v));
            }
        }
        match by_labels.get(&desc.labels) {
            Some(&j) => {
                if let Some(slot) = series.get_mut(j) {
                    slot.1 = samples;
                }
            }
            None => {
                by_labels.insert(desc.labels.clone(), series.len());
                series.push((desc.labels, samples));
            }
        }
    }
    let cursor = vec![0; series.len()];
    Ok(Input { series, cursor, histograms: Histograms::default() })
}

impl Input {
    /// Appends every sample with a timestamp up to `ts`; the first storage error is returned.
    fn load_until(&mut self, storage: &mut Storage, ts: i64) -> Result<(), String> {
        for (i, (labels, samples)) in self.series.iter().enumerate() {
            let Some(c) = self.cursor.get_mut(i) else { continue };
            // the series id is looked up once per step, not per sample (hashing labels dominates otherwise)
            let mut id = None;
            while let Some((t, v)) = samples.get(*c) {
                if *t > ts {
                    break;
                }
                let r = match v {
                    SequenceValue::Float(f) => {
                        let id = *id.get_or_insert_with(|| storage.series_id(labels));
                        storage.append_to(id, *t, *f)
                    }
                    SequenceValue::Histogram(h) => {
                        self.histograms.insert(labels, *t, (**h).clone());
                        storage.append_histogram(labels, *t)
                    }
                    SequenceValue::Omitted => Ok(()),
                };
                *c += 1;
                r.map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}

/// Per-rule evaluation state within one test group.
#[derive(Default)]
struct RuleState {
    previous: HashSet<Labels>,
    alerts: AlertRuleState,
}

/// What rule evaluation needs besides the rules and the data: the engine, the parser's feature
/// flags, what templates see, and the test file line rule errors are reported at.
pub struct EvalEnv<'a> {
    pub engine: &'a Engine,
    pub parse: ParseOptions,
    pub external_labels: &'a [(String, String)],
    pub external_url: &'a str,
    pub line: usize,
}

/// Why a step did not complete.
#[derive(Debug)]
pub enum StepError {
    /// Input could not be appended (the step's rules were not evaluated).
    Load(String),
    /// Rule evaluation errors (promtool ends the test group at the first step with any).
    Rules(Vec<Failure>),
}

/// The evaluation loop's state: storage, lazily loaded input, and per-rule alert state. Test groups
/// and scenarios (`crate::scenario`) both step through time with it, so both see the same
/// evaluation order, staleness handling and alert state machine.
pub struct RuleEval<'a> {
    env: EvalEnv<'a>,
    groups: &'a [LoadedGroup],
    storage: Storage,
    states: Vec<Vec<RuleState>>,
    input: Input,
}

impl<'a> RuleEval<'a> {
    /// A loop over `groups` fed with float samples (stale markers included), each series sorted by time.
    pub fn new(env: EvalEnv<'a>, groups: &'a [LoadedGroup], series: Vec<(Labels, Vec<(i64, f64)>)>) -> Self {
        let series: Vec<(Labels, Vec<(i64, SequenceValue)>)> = series
            .into_iter()
            .map(|(l, s)| (l, s.into_iter().map(|(t, v)| (t, SequenceValue::Float(v))).collect()))
            .collect();
        let cursor = vec![0; series.len()];
        Self::with_input(env, groups, Input { series, cursor, histograms: Histograms::default() })
    }

    fn with_input(env: EvalEnv<'a>, groups: &'a [LoadedGroup], input: Input) -> Self {
        let states = groups.iter().map(|g| g.rules.iter().map(|_| RuleState::default()).collect()).collect();
        RuleEval { env, groups, storage: Storage::new(), states, input }
    }

    /// Loads input up to `ts` and evaluates every group at `ts`.
    pub fn step(&mut self, ts: i64) -> Result<(), StepError> {
        self.input.load_until(&mut self.storage, ts).map_err(StepError::Load)?;
        let mut errors = Vec::new();
        for (g, st) in self.groups.iter().zip(self.states.iter_mut()) {
            eval_group(&self.env, g, st, &mut self.storage, ts, &mut errors);
        }
        if errors.is_empty() { Ok(()) } else { Err(StepError::Rules(errors)) }
    }

    /// The alert state of every alerting rule named `name` (a name can be used by several rules).
    pub fn alerts(&self, name: &str) -> Vec<&AlertRuleState> {
        let mut out = Vec::new();
        for (g, st) in self.groups.iter().zip(&self.states) {
            for (r, s) in g.rules.iter().zip(st) {
                if r.kind == RuleKind::Alert && r.name == name {
                    out.push(&s.alerts);
                }
            }
        }
        out
    }

    /// Everything stored so far: input up to the last step and every rule's output.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Marks alerting rules firing now as fired, for coverage.
    pub fn record_fired(&self, cov: &mut CoverageData) {
        for (g, st) in self.groups.iter().zip(&self.states) {
            for (r, s) in g.rules.iter().zip(st) {
                if r.kind == RuleKind::Alert
                    && s.alerts.any_firing()
                    && let Some(u) = cov.rules.get_mut(&r.id)
                {
                    u.fired = true;
                }
            }
        }
    }
}

fn run_group(ctx: &FileCtx<'_>, tg: &TestGroup, cov: &mut CoverageData, debug: &mut String) -> Vec<Failure> {
    let interval = if tg.interval == 0 { ctx.file.evaluation_interval.max(0) } else { tg.interval };
    let interval = if interval == 0 { 60_000 } else { interval };
    let input = match parse_input(tg, interval) {
        Ok(i) => i,
        Err((e, line)) => return vec![setup_failure(e, line)],
    };
    let groups = match ctx.rules {
        Ok(g) => g,
        Err(errs) => return errs.iter().map(|e| setup_failure(e.clone(), tg.line)).collect(),
    };
    for a in &tg.alert_rule_test {
        if a.alertname.is_empty() {
            let suffix = if tg.name.is_empty() { String::new() } else { format!(" (in TestGroup {})", tg.name) };
            let text = format!(
                "an item under alert_rule_test misses required attribute alertname at eval_time {}{suffix}",
                model_duration(a.eval_time)
            );
            return vec![setup_failure(text, a.line)];
        }
    }
    // coverage counts the rules of test groups that ran
    cov.register(groups);
    record_assertions(ctx, tg, groups, cov);

    let mut alert_times: Vec<i64> = tg.alert_rule_test.iter().map(|a| a.eval_time).collect();
    alert_times.sort_unstable();
    alert_times.dedup();
    let max_eval = tg.max_eval_time();
    let step = ctx.eval_interval;
    let env = EvalEnv {
        engine: ctx.engine,
        parse: ctx.opts.parse_options(),
        external_labels: &tg.external_labels,
        external_url: &tg.external_url,
        line: tg.line,
    };
    let mut ev = RuleEval::with_input(env, groups, input);
    let mut failures = Vec::new();
    let mut curr = 0;
    let mut ts = 0i64;
    while ts <= max_eval {
        match ev.step(ts) {
            Err(StepError::Load(e)) => failures.push(setup_failure(e, tg.line)),
            Err(StepError::Rules(errors)) => {
                ev.record_fired(cov);
                failures.extend(errors);
                return failures;
            }
            Ok(()) => ev.record_fired(cov),
        }
        while let Some(&t) = alert_times.get(curr) {
            if !(ts <= t && t < ts + step) {
                break;
            }
            check_alerts(tg, groups, &ev.states, t, ctx.opts.diff, step, &mut failures);
            curr += 1;
        }
        ts = match ts.checked_add(step) {
            Some(t) => t,
            None => break,
        };
    }
    let (storage, input) = (&ev.storage, &ev.input);
    for t in &tg.promql_expr_test {
        if let Some(f) = check_expr(ctx, t, storage, &input.histograms) {
            failures.push(f);
        }
    }
    if ctx.opts.debug {
        debug_dump(ctx, max_eval, storage, debug);
    }
    failures
}

/// Marks the rules this group's assertions name as asserted on.
fn record_assertions(ctx: &FileCtx<'_>, tg: &TestGroup, groups: &[LoadedGroup], cov: &mut CoverageData) {
    let mut alertnames: HashSet<String> = tg.alert_rule_test.iter().map(|a| a.alertname.clone()).collect();
    let mut metrics: HashSet<String> = HashSet::new();
    for t in &tg.promql_expr_test {
        if let Ok(e) = promql::parse(&t.expr, ctx.opts.parse_options()) {
            e.walk(&mut |n| {
                let sel = match n {
                    ast::Expr::VectorSelector(v) => Some(v),
                    ast::Expr::MatrixSelector(m) => Some(&m.selector),
                    _ => None,
                };
                if let Some(sel) = sel
                    && let Some(name) = sel.metric_name()
                {
                    metrics.insert(name.to_string());
                    // `ALERTS{alertname="X"}` asserts on alert X
                    if name == "ALERTS" || name == "ALERTS_FOR_STATE" {
                        for m in sel.matchers.iter().filter(|m| m.name == "alertname" && m.op == ast::MatchOp::Equal) {
                            alertnames.insert(m.value.clone());
                        }
                    }
                }
            });
        }
    }
    for r in groups.iter().flat_map(|g| &g.rules) {
        let hit = match r.kind {
            RuleKind::Alert => alertnames.contains(&r.name),
            RuleKind::Record => metrics.contains(&r.name),
        };
        if hit && let Some(u) = cov.rules.get_mut(&r.id) {
            u.asserted = true;
        }
    }
}

/// Runs `query` for templates at the alert's evaluation time, with the test's engine and storage.
struct Host<'a> {
    engine: &'a Engine,
    storage: &'a Storage,
    ts: i64,
    parse: ParseOptions,
}

impl TemplateHost for Host<'_> {
    fn query(&mut self, expr: &str) -> Result<Vec<QuerySample>, String> {
        let e = promql::parse(expr, self.parse).map_err(|e| e.to_string())?;
        let to_map = |l: &Labels| l.iter().map(|l| (l.name.to_string(), l.value.to_string())).collect();
        match self.engine.instant(self.storage, &e, self.ts).map_err(|e| e.to_string())? {
            Value::Vector(v) => Ok(v
                .iter()
                .map(|s| QuerySample { labels: to_map(&s.metric), value: SampleValue::Float(s.f) })
                .collect()),
            Value::Scalar { v, .. } => Ok(vec![QuerySample { labels: BTreeMap::new(), value: SampleValue::Float(v) }]),
            _ => Err(NOT_VECTOR.into()),
        }
    }
}

const NOT_VECTOR: &str = "rule result is not a vector or scalar";

/// `rules.EngineQueryFunc`: an instant query whose result must be a vector (a scalar becomes one
/// sample without labels).
fn query_vector(engine: &Engine, storage: &Storage, expr: &ast::Expr, t: i64) -> Result<Vec<(Labels, f64)>, String> {
    match engine.instant(storage, expr, t).map_err(|e| e.to_string())? {
        Value::Vector(v) => Ok(v.into_iter().map(|s| (s.metric, s.f)).collect()),
        Value::Scalar { v, .. } => Ok(vec![(Labels::empty(), v)]),
        _ => Err(NOT_VECTOR.into()),
    }
}

fn expand(name: &str, text: &str, data: &AlertTemplateData, host: &mut Host<'_>) -> String {
    if !text.contains("{{") {
        // a template without actions prints its text
        return text.to_string();
    }
    crate::template::expand_alert_template(name, text, data, host)
}

/// One rule's evaluation result before it is written: samples stamped at the evaluation time.
fn eval_rule(
    env: &EvalEnv<'_>,
    g: &LoadedGroup,
    r: &LoadedRule,
    st: &mut RuleState,
    storage: &Storage,
    ts: i64,
) -> Result<Vec<(Labels, f64)>, String> {
    let t = ts - g.query_offset_ms;
    let vector = query_vector(env.engine, storage, &r.expr, t)?;
    match r.kind {
        RuleKind::Record => {
            let mut out = Vec::with_capacity(vector.len());
            let mut seen = HashSet::with_capacity(vector.len());
            for (metric, f) in vector {
                let mut b = LabelsBuilder::new(&metric);
                b.set(METRIC_NAME, &r.name);
                for (n, v) in &r.labels {
                    b.set(n, v);
                }
                let l = b.labels();
                if !seen.insert(l.clone()) {
                    return Err("vector contains metrics with the same labelset after applying rule labels".into());
                }
                out.push((l, f));
            }
            if g.limit > 0 && out.len() as i64 > g.limit {
                return Err(format!("exceeded limit of {} with {} series", g.limit, out.len()));
            }
            Ok(out)
        }
        RuleKind::Alert => {
            let mut host = Host { engine: env.engine, storage, ts, parse: env.parse };
            let mut candidates = Vec::with_capacity(vector.len());
            for (metric, f) in vector {
                let mut data = AlertTemplateData::new(SampleValue::Float(f));
                data.labels = metric.iter().map(|l| (l.name.to_string(), l.value.to_string())).collect();
                data.external_labels = env.external_labels.iter().cloned().collect();
                data.external_url = env.external_url.to_string();
                let mut b = LabelsBuilder::new(&metric);
                b.del(METRIC_NAME);
                for (n, v) in &r.labels {
                    let e = expand(&r.name, v, &data, &mut host);
                    b.set(n, &e);
                }
                b.set("alertname", &r.name);
                let annotations =
                    r.annotations.iter().map(|(n, v)| (n.clone(), expand(&r.name, v, &data, &mut host))).collect();
                candidates.push(Candidate { labels: b.labels(), annotations, value: f });
            }
            let params = RuleParams {
                name: &r.name,
                for_ms: r.for_ms,
                keep_firing_for_ms: r.keep_firing_for_ms,
                raw_labels: &r.labels,
            };
            st.alerts.eval(&params, candidates, ts, g.query_offset_ms, g.limit)
        }
    }
}

fn eval_group(
    env: &EvalEnv<'_>,
    g: &LoadedGroup,
    states: &mut [RuleState],
    storage: &mut Storage,
    ts: i64,
    errors: &mut Vec<Failure>,
) {
    let t = ts - g.query_offset_ms;
    for (r, st) in g.rules.iter().zip(states.iter_mut()) {
        let mut last_error = None;
        match eval_rule(env, g, r, st, storage, ts) {
            Err(e) => last_error = Some(e),
            Ok(samples) => {
                let mut returned = HashSet::with_capacity(samples.len());
                for (l, f) in samples {
                    match storage.append(&l, t, f) {
                        Ok(()) => {
                            returned.insert(l);
                        }
                        Err(e) => last_error = Some(e.to_string()),
                    }
                }
                for gone in st.previous.difference(&returned) {
                    // series no longer produced: a staleness marker, errors ignored as Prometheus does
                    let _ = storage.append(gone, t, stale_nan());
                }
                st.previous = returned;
            }
        }
        if let Some(e) = last_error {
            let text = format!("    rule: {}, time: {}, err: {e}", r.name, go_duration(ts));
            errors.push(Failure {
                text,
                line: env.line,
                detail: Detail::RuleError {
                    rule: format!("{}:{}", r.id.file, r.line),
                    rule_name: r.name.clone(),
                    time: ts,
                    message: e,
                },
            });
        }
    }
}

fn pairs_of(l: &Labels) -> Pairs {
    l.iter().map(|l| (l.name.to_string(), l.value.to_string())).collect()
}

fn check_alerts(
    tg: &TestGroup,
    groups: &[LoadedGroup],
    states: &[Vec<RuleState>],
    t: i64,
    diff: bool,
    step: i64,
    failures: &mut Vec<Failure>,
) {
    for test in tg.alert_rule_test.iter().filter(|a| a.eval_time == t) {
        let mut got = Vec::new();
        let mut pending = Vec::new();
        for (g, st) in groups.iter().zip(states) {
            for (r, s) in g.rules.iter().zip(st) {
                if r.kind == RuleKind::Alert && r.name == test.alertname {
                    got.extend(
                        s.alerts
                            .firing()
                            .map(|a| AlertItem { labels: pairs_of(&a.labels), annotations: a.annotations.clone() }),
                    );
                    pending.extend(s.alerts.pending().map(|a| {
                        let due = a.active_at + r.for_ms;
                        let fires_at = if step > 0 {
                            due.div_euclid(step) * step + if due.rem_euclid(step) > 0 { step } else { 0 }
                        } else {
                            due
                        };
                        PendingAlert { labels: pairs_of(&a.labels), active_at: a.active_at, fires_at }
                    }));
                }
            }
        }
        let mut exp: Vec<AlertItem> = test
            .exp_alerts
            .iter()
            .map(|a| {
                let mut labels: Pairs = a.exp_labels.iter().filter(|(k, _)| k != "alertname").cloned().collect();
                labels.push(("alertname".into(), test.alertname.clone()));
                labels.sort();
                let mut annotations = a.exp_annotations.clone();
                annotations.sort();
                AlertItem { labels, annotations }
            })
            .collect();
        let key = |a: &AlertItem| (a.labels.clone(), a.annotations.clone());
        got.sort_by_key(key);
        exp.sort_by_key(key);
        if exp != got {
            let text = alert_mismatch_text(tg, test.alertname.as_str(), test.eval_time, &exp, &got, diff);
            failures.push(Failure {
                text,
                line: test.line,
                detail: Detail::Alerts {
                    alertname: test.alertname.clone(),
                    eval_time: test.eval_time,
                    exp,
                    got,
                    pending,
                },
            });
        }
    }
}

/// `labelsAndAnnotations.String()`.
fn alerts_string(list: &[AlertItem]) -> String {
    if list.is_empty() {
        return "[]".into();
    }
    let item = |a: &AlertItem| {
        let l = labels_string(a.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let an = labels_string(a.annotations.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        format!("\n  Labels:{l}\n  Annotations:{an}")
    };
    let mut s = String::from("[\n0:");
    s.push_str(&item(&list[0]));
    for (i, a) in list.iter().enumerate().skip(1) {
        s.push_str(&format!(",\n{i}:{}", item(a)));
    }
    s.push_str("\n]");
    s
}

/// promtool's `indentLines`: every line after the first gets `indent`.
pub fn indent_lines(s: &str, indent: &str) -> String {
    s.split('\n')
        .enumerate()
        .map(|(i, l)| if i > 0 { format!("{indent}{l}") } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n")
}

fn alert_mismatch_text(
    tg: &TestGroup,
    alertname: &str,
    eval_time: i64,
    exp: &[AlertItem],
    got: &[AlertItem],
    diff: bool,
) -> String {
    let name_line = if tg.name.is_empty() { String::new() } else { format!("    name: {},\n", tg.name) };
    if diff {
        let placeholder = || vec![AlertItem { labels: Vec::new(), annotations: Vec::new() }];
        let e = if exp.is_empty() { placeholder() } else { exp.to_vec() };
        let g = if got.is_empty() { placeholder() } else { got.to_vec() };
        let d = super::jsondiff::compare_alerts(&e, &g);
        return format!(
            "{name_line}    alertname: {alertname}, time: {}, \n        diff: {}",
            model_duration(eval_time),
            indent_lines(&d, "            ")
        );
    }
    format!(
        "{name_line}    alertname: {alertname}, time: {}, \n        exp:{}, \n        got:{}",
        model_duration(eval_time),
        indent_lines(&alerts_string(exp), "            "),
        indent_lines(&alerts_string(got), "            ")
    )
}

/// The expected labels of `exp_samples`, as `parser.ParseMetric` reads them.
fn parse_metric(s: &str) -> Result<Pairs, String> {
    if s.trim().is_empty() {
        return Ok(Vec::new());
    }
    // the series lexer reads numbers inside braces where ParseMetric's does not: take the error
    // text from the PromQL parser, which lexes as ParseMetric does
    let desc = parse_series_desc(s).map_err(|e| match promql::parse(s, ParseOptions::PROMTOOL) {
        Err(pe) => pe.to_string(),
        Ok(_) => format!("1:{}: parse error: {}", e.offset + 1, e.message),
    })?;
    if !desc.values.is_empty() {
        return Err(format!("1:{}: parse error: unexpected number in metric", s.len()));
    }
    let mut pairs = pairs_of(&desc.labels);
    // `{l=""}` (no name before the braces) keeps empty-valued labels; `name{l=""}` drops them
    if s.trim_start().starts_with('{') {
        for name in bare_empty_labels(s) {
            if !pairs.iter().any(|(k, _)| *k == name) {
                pairs.push((name, String::new()));
            }
        }
        pairs.sort();
    }
    Ok(pairs)
}

/// Names of labels written with an empty value inside a bare `{...}` (already known to parse).
fn bare_empty_labels(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = s.find('{').map_or(b.len(), |p| p + 1);
    let skip_ws = |i: &mut usize| {
        while b.get(*i).is_some_and(|c| c.is_ascii_whitespace()) {
            *i += 1;
        }
    };
    let read_string = |i: &mut usize| -> Option<String> {
        let q = *b.get(*i)?;
        let start = *i;
        *i += 1;
        while let Some(&c) = b.get(*i) {
            if c == b'\\' {
                *i += 2;
                continue;
            }
            *i += 1;
            if c == q {
                return crate::engine::series_notation::unquote_go(s.get(start + 1..*i - 1)?, q).ok();
            }
        }
        None
    };
    loop {
        skip_ws(&mut i);
        let name = match b.get(i) {
            None | Some(b'}') => break,
            Some(b'"' | b'\'' | b'`') => match read_string(&mut i) {
                Some(n) => n,
                None => break,
            },
            Some(_) => {
                let st = i;
                while b.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b':') {
                    i += 1;
                }
                if i == st {
                    break;
                }
                s[st..i].to_string()
            }
        };
        skip_ws(&mut i);
        if matches!(b.get(i), Some(b'=') | Some(b'!')) {
            while b.get(i).is_some_and(|c| matches!(c, b'=' | b'!' | b'~')) {
                i += 1;
            }
            skip_ws(&mut i);
            match read_string(&mut i) {
                Some(v) if v.is_empty() => out.push(name),
                Some(_) => {}
                None => break,
            }
            skip_ws(&mut i);
        }
        if b.get(i) == Some(&b',') {
            i += 1;
        } else {
            break;
        }
    }
    out
}

fn next_after(x: f64, toward_pos: bool) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x == 0.0 {
        let tiny = f64::from_bits(1);
        return if toward_pos { tiny } else { -tiny };
    }
    let bits = x.to_bits();
    let up = (x > 0.0) == toward_pos;
    f64::from_bits(if up { bits + 1 } else { bits - 1 })
}

fn floats_equal(x: f64, y: f64, fuzzy: bool) -> bool {
    x == y || (fuzzy && (next_after(x, false) == y || next_after(x, true) == y))
}

fn samples_string(list: &[SampleItem]) -> String {
    if list.is_empty() {
        return "nil".into();
    }
    list.iter()
        .map(|s| {
            let l = labels_string(s.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            if s.histogram.is_empty() {
                format!("{l} {}", sample_value(s.value))
            } else {
                format!("{l} {}", s.histogram)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_expr(ctx: &FileCtx<'_>, t: &ExprTest, storage: &Storage, hist: &Histograms) -> Option<Failure> {
    let q = crate::go::strconv::quote(&t.expr);
    let when = model_duration(t.eval_time);
    let query_error = |message: String| {
        let text = format!("    expr: {q}, time: {when}, err: {message}");
        Some(Failure {
            text,
            line: t.line,
            detail: Detail::QueryError { expr: t.expr.clone(), eval_time: t.eval_time, message },
        })
    };
    let expr = match promql::parse(&t.expr, ctx.opts.parse_options()) {
        Err(e) => return query_error(e.to_string()),
        Ok(e) => e,
    };
    let got: Vec<SampleItem> = match ctx.engine.instant(storage, &expr, t.eval_time) {
        Ok(Value::Vector(v)) => v
            .into_iter()
            .map(|s| SampleItem { labels: pairs_of(&s.metric), value: s.f, histogram: String::new() })
            .collect(),
        Ok(Value::Scalar { v, .. }) => vec![SampleItem { labels: Vec::new(), value: v, histogram: String::new() }],
        Ok(_) => return query_error(NOT_VECTOR.into()),
        Err(e) => {
            // histogram samples read back by a plain selector are answered without the engine
            let fallback = if e.is_unsupported() && !hist.is_empty() {
                histo::select(ctx.engine, storage, hist, &expr, t.eval_time)
            } else {
                None
            };
            match fallback {
                Some(points) => points
                    .into_iter()
                    .map(|(l, p)| match p {
                        Point::Float(f) => SampleItem { labels: pairs_of(&l), value: f, histogram: String::new() },
                        Point::Histogram(h) => SampleItem { labels: pairs_of(&l), value: 0.0, histogram: h },
                    })
                    .collect(),
                None => return query_error(e.to_string()),
            }
        }
    };
    let mut exp = Vec::with_capacity(t.exp_samples.len());
    for s in &t.exp_samples {
        let labels = match parse_metric(&s.labels) {
            Ok(l) => l,
            Err(e) => return query_error(format!("labels {}: {e}", crate::go::strconv::quote(&s.labels))),
        };
        let histogram = if s.histogram.is_empty() {
            String::new()
        } else {
            match parse_series_desc(&format!("{{}} {}", s.histogram)) {
                Err(e) => {
                    return query_error(format!(
                        "labels {}: 1:{}: parse error: {}",
                        crate::go::strconv::quote(&s.labels),
                        e.offset + 1,
                        e.message
                    ));
                }
                Ok(d) if d.values.len() != 1 => {
                    return query_error(format!(
                        "labels {}: expected 1 value, got {}",
                        crate::go::strconv::quote(&s.labels),
                        d.values.len()
                    ));
                }
                Ok(d) => match d.values.first() {
                    Some(SequenceValue::Histogram(h)) => histo::test_expression(h, &h.counter_reset_hint),
                    _ => {
                        return query_error(format!(
                            "labels {}: expected histogram, got {}",
                            crate::go::strconv::quote(&s.labels),
                            s.histogram.trim()
                        ));
                    }
                },
            }
        };
        exp.push(SampleItem { labels, value: s.value, histogram });
    }
    let mut got = got;
    exp.sort_by(|a, b| a.labels.cmp(&b.labels));
    got.sort_by(|a, b| a.labels.cmp(&b.labels));
    let fuzzy = ctx.file.fuzzy_compare;
    let equal = exp.len() == got.len()
        && exp
            .iter()
            .zip(&got)
            .all(|(e, g)| e.labels == g.labels && floats_equal(e.value, g.value, fuzzy) && e.histogram == g.histogram);
    if equal {
        return None;
    }
    let text = format!(
        "    expr: {q}, time: {when},\n        exp: {}\n        got: {}",
        samples_string(&exp),
        samples_string(&got)
    );
    Some(Failure {
        text,
        line: t.line,
        detail: Detail::Samples { expr: t.expr.clone(), eval_time: t.eval_time, exp, got },
    })
}

/// `--debug`'s dump of everything loaded: `{__name__=~".+"}[D]` at D, D = last eval_time + 1s, whole
/// seconds.
fn debug_dump(ctx: &FileCtx<'_>, max_eval: i64, storage: &Storage, out: &mut String) {
    let d = (max_eval + 1000) / 1000 * 1000;
    let expr = format!("{{__name__=~\".+\"}}[{}]", go_duration(d));
    let parsed = match promql::parse(&expr, ctx.opts.parse_options()) {
        Ok(e) => e,
        Err(e) => {
            out.push_str(&format!("DEBUG: Failed querying, expr: {}, err: {e}\n", crate::go::strconv::quote(&expr)));
            return;
        }
    };
    match ctx.engine.instant(storage, &parsed, d) {
        Err(e) => {
            out.push_str(&format!("DEBUG: Failed query exec, expr: {}, err: {e}\n", crate::go::strconv::quote(&expr)))
        }
        Ok(Value::Matrix(m)) => {
            out.push_str(&format!("DEBUG: Dump of all data (input_series and rules) at {}:\n", go_duration(d)));
            let text: Vec<String> = m
                .iter()
                .map(|s| {
                    let pts: Vec<String> = s
                        .floats
                        .iter()
                        .map(|p| format!("{} @[{}]", crate::go::strconv::format_float(p.f, b'f', -1), p.t))
                        .collect();
                    format!("{} =>\n{}", engine_labels_string(&s.metric), pts.join("\n"))
                })
                .collect();
            out.push_str(&text.join("\n"));
            out.push('\n');
        }
        Ok(_) => out.push_str("DEBUG: Got unexpected type promql.Vector\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a test file written next to a rule file in a fresh temporary directory.
    fn run_case(name: &str, rules: &str, test: &str) -> FileReport {
        let dir = std::env::temp_dir().join(format!("mlmon-runner-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("rules.yml"), rules).unwrap();
        let path = dir.join("t.yml").to_string_lossy().to_string();
        let rep = run_file(&path, test, &Options::default(), &mut CoverageData::default());
        let _ = std::fs::remove_dir_all(&dir);
        rep
    }

    fn texts(rep: &FileReport) -> Vec<String> {
        rep.groups.iter().flat_map(|g| g.failures.iter().map(|f| f.text.clone())).collect()
    }

    #[test]
    fn lazy_loading_stops_at_the_last_step() {
        // 30s data, 1m steps, one query at 90s: the 60s sample is the newest loaded (P24)
        let rep = run_case(
            "lazy",
            "groups: []\n",
            "rule_files: [rules.yml]\ntests:\n  - interval: 30s\n    input_series:\n      - {series: x, values: '0 1 2 3 4'}\n    promql_expr_test:\n      - {expr: x, eval_time: 90s, exp_samples: [{labels: x, value: 2}]}\n",
        );
        assert_eq!(texts(&rep), Vec::<String>::new());
    }

    #[test]
    fn recording_rules_feed_alerts_and_errors_stop_the_group() {
        let rules = "groups:\n  - name: g\n    rules:\n      - record: s\n        expr: sum(x)\n      - alert: High\n        expr: s > 1\n        for: 1m\n      - record: dup\n        expr: '{__name__=~\"x|y\"}'\n";
        let test = "rule_files: [rules.yml]\ntests:\n  - interval: 1m\n    input_series:\n      - {series: x, values: '2 2 2 2'}\n      - {series: y, values: '_ _ 1'}\n    alert_rule_test:\n      - {eval_time: 1m, alertname: High, exp_alerts: [{}]}\n      - {eval_time: 3m, alertname: High, exp_alerts: []}\n";
        let rep = run_case("chain", rules, test);
        assert_eq!(
            texts(&rep),
            [
                "    rule: dup, time: 2m0s, err: vector contains metrics with the same labelset after applying rule labels"
            ]
        );
    }

    #[test]
    fn input_ends_at_an_empty_line_as_in_promtools_load_block() {
        let tg = TestGroup {
            input_series: vec![
                model::InputSeries { series: "a".into(), values: "1 2\n".into(), line: 3 },
                model::InputSeries { series: "b".into(), values: "1".into(), line: 5 },
            ],
            ..Default::default()
        };
        let input = parse_input(&tg, 60_000).unwrap();
        assert_eq!(input.series.len(), 1);
        let tg = TestGroup {
            input_series: vec![
                model::InputSeries { series: "a".into(), values: "1".into(), line: 3 },
                model::InputSeries { series: "b".into(), values: "1 x".into(), line: 5 },
            ],
            ..Default::default()
        };
        let (e, line) = parse_input(&tg, 60_000).err().unwrap();
        assert!(e.starts_with("3:5: parse error: "), "{e}");
        assert_eq!(line, 5);
    }

    #[test]
    fn metric_labels_like_parse_metric() {
        assert_eq!(parse_metric("").unwrap(), Vec::<(String, String)>::new());
        let p = |s: &str| parse_metric(s).unwrap();
        assert_eq!(p(r#"x{b="",a="1"}"#), [("__name__".to_string(), "x".to_string()), ("a".into(), "1".into())]);
        assert_eq!(
            p(r#"{__name__="x", b=""}"#),
            [("__name__".to_string(), "x".to_string()), ("b".into(), String::new())]
        );
        assert_eq!(parse_metric("x{a=1}").unwrap_err(), "1:5: parse error: unexpected character inside braces: '1'");
    }

    #[test]
    fn fuzzy_is_one_ulp() {
        assert!(floats_equal(0.1 + 0.2, 0.3, true));
        assert!(!floats_equal(0.1 + 0.2, 0.3, false));
        assert!(!floats_equal(1.0000000000000004, 1.0, true));
        assert!(!floats_equal(f64::NAN, f64::NAN, true));
        assert!(floats_equal(-0.0, 0.0, false));
    }

    #[test]
    fn alert_list_prints_like_promtool() {
        let a = AlertItem {
            labels: vec![("alertname".into(), "Down".into()), ("job".into(), "a".into())],
            annotations: vec![("summary".into(), "x".into())],
        };
        assert_eq!(
            alerts_string(&[a.clone(), a]),
            "[\n0:\n  Labels:{alertname=\"Down\", job=\"a\"}\n  Annotations:{summary=\"x\"},\n1:\n  Labels:{alertname=\"Down\", job=\"a\"}\n  Annotations:{summary=\"x\"}\n]"
        );
        assert_eq!(alerts_string(&[]), "[]");
    }
}
