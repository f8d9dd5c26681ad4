//! What a run knows about metrics: the merged schema, plus every recording rule's output.
//!
//! Recording rules are producers: each output metric joins the known metrics with the labels
//! inferred from its expression (plus the rule's static labels), so that alerts and later rules
//! reading it are checked like schema metrics. Rules are processed in dependency order across all
//! files (Tarjan's strongly connected components over "reads a metric this rule records"); a cycle
//! leaves its members' outputs unknown and is reported.
//!
//! Without a schema, the only facts are the recording rules' outputs and naming heuristics
//! (`_total` is a counter, `_bucket` a histogram bucket), and every answer says which it used.

use std::collections::{BTreeSet, HashMap};

use super::labels::{Basis, Inference, LabelSet, Resolver, SeriesFacts};
use super::model::{MetricType, Schema, SeriesRef, SeriesRole};
use crate::promql::ast::{AggregateOp, Expr, Span};

/// A recording rule as the knowledge needs it.
pub struct RecordingRule<'a> {
    /// The recorded metric name.
    pub name: &'a str,
    /// The parsed expression (`None` when it did not parse: the output is then unknown).
    pub expr: Option<&'a Expr>,
    /// Names of the rule's static `labels:` (and its group's), added to every output series.
    pub labels: Vec<&'a str>,
    /// Where the rule is, for messages: `rules.yaml:12`.
    pub location: String,
    /// The caller's key for the rule (to find it again, e.g. its cycle).
    pub key: u64,
}

/// What a recording rule produces, united over every rule recording the same name.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub labels: LabelSet,
    /// What the output behaves as, when the expression makes it clear.
    pub kind: Option<MetricType>,
    /// Indexes of the rules recording this name.
    pub rules: Vec<u32>,
}

/// A recording rule in a dependency cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    /// Index of the rule (in the order given to [`Knowledge::build`]).
    pub rule: u32,
    /// The rule's [`RecordingRule::key`].
    pub key: u64,
    /// The cycle's metric names, starting and ending at this rule's.
    pub path: Vec<String>,
}

/// How a fact about a series was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// Declared in a schema file.
    Schema(&'a str),
    /// The output of a recording rule at this location.
    Recorded(&'a str),
    /// Read from the metric's name (`_total`, `_bucket`).
    Naming,
}

impl Source<'_> {
    /// For messages: "schema examples/ml-service/schema.yaml".
    pub fn describe(&self) -> String {
        match self {
            Source::Schema(p) => format!("schema {p}"),
            Source::Recorded(loc) => format!("recording rule at {loc}"),
            Source::Naming => "naming convention".to_string(),
        }
    }
}

/// A series' kind, and what that is based on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindFact<'a> {
    pub kind: MetricType,
    /// For schema facts: the series' role (a histogram's `_count` is a counter).
    pub role: Option<SeriesRole>,
    pub source: Source<'a>,
}

/// The schema and the recording rules of a run.
#[derive(Debug, Default)]
pub struct Knowledge {
    pub schema: Schema,
    pub recorded: HashMap<String, Recorded>,
    /// Rule locations, by rule index.
    pub rule_locations: Vec<String>,
    pub cycles: Vec<Cycle>,
}

impl Resolver for Knowledge {
    fn series(&self, name: &str) -> Option<SeriesFacts> {
        if let Some(r) = self.recorded.get(name) {
            let mut labels = r.labels.clone();
            // Without a schema nothing declares the labels added outside the rules (external
            // labels where a Thanos ruler or a federating server evaluates them), so a recorded
            // series is known to have its labels but not to lack others.
            if !self.has_schema() {
                labels.may = None;
            }
            return Some(SeriesFacts { labels });
        }
        self.schema.series(name).map(|s| SeriesFacts { labels: schema_labels(&s) })
    }
}

/// The label set of a schema series.
pub fn schema_labels(s: &SeriesRef<'_>) -> LabelSet {
    let basis: BTreeSet<Basis> = [Basis::Schema(s.metric.source.file)].into();
    if s.metric.labels_open {
        return LabelSet { may: None, must: BTreeSet::new(), basis };
    }
    let mut may: BTreeSet<String> = s.metric.labels.keys().cloned().collect();
    let mut must: BTreeSet<String> =
        s.metric.labels.iter().filter(|(_, d)| !d.optional).map(|(k, _)| k.clone()).collect();
    if let Some(l) = s.implied_label() {
        may.insert(l.to_string());
        must.insert(l.to_string());
    }
    LabelSet { may: Some(may), must, basis }
}

impl Knowledge {
    /// Builds the knowledge from a schema (possibly empty) and every recording rule of the run.
    pub fn build(schema: Schema, rules: &[RecordingRule<'_>]) -> Knowledge {
        let mut k = Knowledge {
            schema,
            recorded: HashMap::new(),
            rule_locations: rules.iter().map(|r| r.location.clone()).collect(),
            cycles: Vec::new(),
        };
        let mut producers: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            producers.entry(r.name).or_default().push(i);
        }
        // deps[i]: the rules whose output rule i reads.
        let deps: Vec<Vec<usize>> = rules
            .iter()
            .map(|r| {
                let mut reads: Vec<&str> = Vec::new();
                if let Some(e) = r.expr {
                    e.walk(&mut |n| {
                        let (sel, range) = match n {
                            Expr::VectorSelector(s) => (s, false),
                            Expr::MatrixSelector(m) => (&m.selector, true),
                            _ => return,
                        };
                        let Some(name) = sel.metric_name() else { return };
                        let own_past = range && name == r.name;
                        if !(deliberate_past_or_subset(sel) || own_past) {
                            reads.push(name);
                        }
                    });
                }
                let mut d: Vec<usize> = reads.iter().filter_map(|n| producers.get(n)).flatten().copied().collect();
                d.sort_unstable();
                d.dedup();
                d
            })
            .collect();
        // Rules that name no recorded metric at all (most read only exporter metrics) come out the
        // same whatever else is known yet: infer them up front, in parallel. The rest follow the
        // dependency order below.
        let independent = |r: &RecordingRule<'_>| {
            let mut reads_recorded = false;
            if let Some(e) = r.expr {
                e.walk(&mut |n| {
                    let sel = match n {
                        Expr::VectorSelector(s) => s,
                        Expr::MatrixSelector(m) => &m.selector,
                        _ => return,
                    };
                    reads_recorded |= sel.metric_name().is_some_and(|name| producers.contains_key(name));
                });
            }
            !reads_recorded
        };
        let mut early: Vec<Option<(LabelSet, Option<MetricType>)>> = {
            use rayon::prelude::*;
            let k = &k;
            rules
                .par_iter()
                .with_min_len(64)
                .map(|r| match r.expr {
                    Some(e) if independent(r) => Some((Inference::run(e, k).of(e), k.output_kind(e))),
                    _ => None,
                })
                .collect()
        };
        let order = tarjan(&deps);
        for comp in order {
            let cyclic = comp.len() > 1 || deps[comp[0]].contains(&comp[0]);
            if cyclic {
                for &i in &comp {
                    let path = cycle_path(i, &comp, &deps, rules);
                    k.cycles.push(Cycle { rule: i as u32, key: r_key(rules, i), path });
                }
            }
            for &i in &comp {
                let r = &rules[i];
                // (an independent rule reads no recorded name, its own included: never in a cycle)
                let known = early.get_mut(i).and_then(Option::take);
                let (mut labels, kind) = match (r.expr, cyclic, known) {
                    (_, _, Some(known)) => known,
                    (Some(e), false, None) => {
                        let inf = Inference::run(e, &k);
                        (inf.of(e), k.output_kind(e))
                    }
                    _ => (LabelSet::open(), None),
                };
                for l in &r.labels {
                    if let Some(m) = &mut labels.may {
                        m.insert(l.to_string());
                    }
                    labels.must.insert(l.to_string());
                }
                labels.basis.insert(Basis::Recorded(i as u32));
                match k.recorded.get_mut(r.name) {
                    None => {
                        k.recorded.insert(r.name.to_string(), Recorded { labels, kind, rules: vec![i as u32] });
                    }
                    Some(prev) => {
                        let may = match (&prev.labels.may, &labels.may) {
                            (Some(a), Some(b)) => Some(a.union(b).cloned().collect()),
                            _ => None,
                        };
                        prev.labels.must = prev.labels.must.intersection(&labels.must).cloned().collect();
                        prev.labels.may = may;
                        prev.labels.basis.extend(labels.basis);
                        if prev.kind != kind {
                            prev.kind = None;
                        }
                        prev.rules.push(i as u32);
                    }
                }
            }
        }
        k.cycles.sort_by_key(|c| c.rule);
        k
    }

    /// The dependency cycle a rule is part of.
    pub fn cycle_of(&self, key: u64) -> Option<&Cycle> {
        self.cycles.iter().find(|c| c.key == key)
    }

    /// Whether any fact source exists beyond naming (a schema or at least one recording rule).
    pub fn has_schema(&self) -> bool {
        !self.schema.is_empty()
    }

    /// What a series is known to be, and from where.
    pub fn kind_of(&self, name: &str) -> Option<KindFact<'_>> {
        if let Some(r) = self.recorded.get(name) {
            let loc = r.rules.first().and_then(|&i| self.rule_locations.get(i as usize)).map_or("", String::as_str);
            return r.kind.map(|kind| KindFact { kind, role: None, source: Source::Recorded(loc) });
        }
        if let Some(s) = self.schema.series(name) {
            return Some(KindFact {
                kind: s.kind(),
                role: Some(s.role),
                source: Source::Schema(self.schema.path_of(s.metric.source)),
            });
        }
        if self.has_schema() {
            return None;
        }
        self.kind_by_name(name)
    }

    /// What a series is known to be from the schema or a recording rule only (not from its name).
    pub fn declared_kind_of(&self, name: &str) -> Option<KindFact<'_>> {
        self.kind_of(name).filter(|k| k.source != Source::Naming)
    }

    fn kind_by_name(&self, name: &str) -> Option<KindFact<'_>> {
        if name.ends_with("_total") {
            return Some(KindFact { kind: MetricType::Counter, role: None, source: Source::Naming });
        }
        if name.ends_with("_bucket") {
            return Some(KindFact {
                kind: MetricType::Histogram,
                role: Some(SeriesRole::Bucket),
                source: Source::Naming,
            });
        }
        None
    }

    /// Whether the name is known at all (schema series or recorded).
    pub fn knows(&self, name: &str) -> bool {
        self.recorded.contains_key(name) || self.schema.series(name).is_some()
    }

    /// The location of the first rule recording `name`.
    pub fn recorded_at(&self, name: &str) -> Option<&str> {
        let r = self.recorded.get(name)?;
        r.rules.first().and_then(|&i| self.rule_locations.get(i as usize)).map(String::as_str)
    }

    /// Describes what a label set rests on, for messages.
    pub fn describe_basis(&self, set: &LabelSet) -> String {
        let mut parts: Vec<String> = Vec::new();
        for b in &set.basis {
            let s = match b {
                Basis::Schema(f) => {
                    format!("schema {}", self.schema.files.get(*f as usize).map_or("?", |f| f.path.as_str()))
                }
                Basis::Recorded(i) => {
                    format!("recording rule at {}", self.rule_locations.get(*i as usize).map_or("?", String::as_str))
                }
            };
            if !parts.contains(&s) {
                parts.push(s);
            }
        }
        if parts.len() > 3 {
            let n = parts.len() - 2;
            parts.truncate(2);
            parts.push(format!("{n} more"));
        }
        parts.join(", ")
    }

    /// The output kind of an expression recorded by a rule: counters stay counters through
    /// selection and `sum`; rates, ratios and quantiles are gauges; the rest is not judged.
    fn output_kind(&self, e: &Expr) -> Option<MetricType> {
        match e {
            Expr::Paren(p) => self.output_kind(&p.expr),
            Expr::VectorSelector(s) => s
                .metric_name()
                .and_then(|n| self.declared_kind_of(n))
                .map(|k| k.kind)
                .filter(|k| *k == MetricType::Counter),
            Expr::Aggregate(a) if a.op == AggregateOp::Sum => self.output_kind(&a.expr),
            Expr::Aggregate(a) if matches!(a.op, AggregateOp::Avg | AggregateOp::Min | AggregateOp::Max) => {
                match self.output_kind(&a.expr) {
                    Some(MetricType::Gauge) => Some(MetricType::Gauge),
                    _ => None,
                }
            }
            Expr::Call(c) => match c.func.name {
                "rate" | "irate" | "increase" | "delta" | "idelta" | "deriv" | "predict_linear"
                | "histogram_quantile" | "avg_over_time" | "min_over_time" | "max_over_time" | "quantile_over_time"
                | "stddev_over_time" | "stdvar_over_time" => Some(MetricType::Gauge),
                _ => None,
            },
            Expr::Binary(b) if b.op == crate::promql::ast::BinaryOp::Div => Some(MetricType::Gauge),
            _ => None,
        }
    }
}

/// A read that does not take a recorded series' current output as a whole: with `offset` or `@`
/// (an accumulator adding to its own past value), or narrowed by a negative matcher (a Thanos
/// ruler re-aggregating `x{monitor!="global"}` under the same name). Such reads, and a rule's
/// range reads of its own output (`max_over_time(self[15m])`, holding the last value), are not
/// dependencies for ordering or cycles.
fn deliberate_past_or_subset(s: &crate::promql::ast::VectorSelector) -> bool {
    use crate::promql::ast::MatchOp;
    s.modifiers.offset != 0
        || s.modifiers.at.is_some()
        || s.matchers.iter().any(|m| m.name != "__name__" && matches!(m.op, MatchOp::NotEqual | MatchOp::NotRe))
}

fn r_key(rules: &[RecordingRule<'_>], i: usize) -> u64 {
    rules.get(i).map_or(0, |r| r.key)
}

/// A name that by convention only a recording rule produces (`level:metric:operations`); names
/// starting with a colon are exporters' own (TensorFlow Serving's `:tensorflow:serving:...`).
pub fn looks_recorded(name: &str) -> bool {
    name.contains(':') && !name.starts_with(':')
}

/// Strongly connected components in reverse topological order of `deps` (dependencies first).
fn tarjan(deps: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct St {
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    let n = deps.len();
    let mut st =
        St { index: vec![None; n], low: vec![0; n], on_stack: vec![false; n], stack: vec![], next: 0, out: vec![] };
    // Iterative DFS: rule files can chain thousands of rules, too deep for recursion.
    for root in 0..n {
        if st.index[root].is_some() {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        st.index[root] = Some(st.next);
        st.low[root] = st.next;
        st.next += 1;
        st.stack.push(root);
        st.on_stack[root] = true;
        while let Some(&mut (v, ref mut ei)) = work.last_mut() {
            if let Some(&w) = deps[v].get(*ei) {
                *ei += 1;
                match st.index[w] {
                    None => {
                        st.index[w] = Some(st.next);
                        st.low[w] = st.next;
                        st.next += 1;
                        st.stack.push(w);
                        st.on_stack[w] = true;
                        work.push((w, 0));
                    }
                    Some(wi) if st.on_stack[w] => st.low[v] = st.low[v].min(wi),
                    Some(_) => {}
                }
            } else {
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    st.low[parent] = st.low[parent].min(st.low[v]);
                }
                if Some(st.low[v]) == st.index[v] {
                    let mut comp = Vec::new();
                    while let Some(w) = st.stack.pop() {
                        st.on_stack[w] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    comp.sort_unstable();
                    st.out.push(comp);
                }
            }
        }
    }
    st.out
}

/// A shortest path from rule `i` back to itself inside its component, as metric names.
fn cycle_path(i: usize, comp: &[usize], deps: &[Vec<usize>], rules: &[RecordingRule<'_>]) -> Vec<String> {
    let inside: BTreeSet<usize> = comp.iter().copied().collect();
    let mut prev: HashMap<usize, usize> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([i]);
    let mut found = false;
    'bfs: while let Some(v) = queue.pop_front() {
        for &w in &deps[v] {
            if !inside.contains(&w) {
                continue;
            }
            if w == i {
                prev.insert(usize::MAX, v);
                found = true;
                break 'bfs;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(w) {
                e.insert(v);
                queue.push_back(w);
            }
        }
    }
    let name = |r: usize| rules.get(r).map_or(String::new(), |r| r.name.to_string());
    let mut path = vec![name(i)];
    if found {
        let mut chain = Vec::new();
        let mut v = prev.get(&usize::MAX).copied();
        while let Some(x) = v.filter(|&x| x != i && chain.len() <= comp.len()) {
            chain.push(x);
            v = prev.get(&x).copied();
        }
        chain.reverse();
        path.extend(chain.iter().map(|&c| name(c)));
        path.push(name(i));
    }
    path
}

/// The span that names a selector's metric (the bare name, or the whole selector).
pub fn name_span(sel: &crate::promql::ast::VectorSelector) -> Span {
    if let Some(s) = sel.name_span {
        return s;
    }
    sel.matchers.iter().find(|m| m.name == "__name__").map_or(sel.span, |m| m.value_span)
}
