//! Label inference: for every sub-expression of a PromQL query, which labels its output series may
//! carry and which they must carry.
//!
//! Facts about selectors come from a [`Resolver`] (the schema and the recording rules); the rest
//! follows Prometheus 3.5's evaluator: aggregations keep their `by` labels or drop their `without`
//! labels, `topk`/`bottomk`/`limitk` keep everything, `count_values` adds its label, binary
//! operations keep the "many" side's labels (`on(...)` keeps only those for one-to-one matching,
//! `ignoring(...)` removes them, `group_left/right(...)` copies the listed labels from the "one"
//! side, as `resultMetric` does), `label_replace`/`label_join` add their destination,
//! `histogram_quantile` drops `le`, `absent` keeps only its selector's equality matchers, and
//! `scalar`, `vector`, `time` and literals carry nothing. `__name__` is not tracked: 3.5 drops it
//! from almost every result and no check needs it.
//!
//! An unknown metric makes the set *open* (`may == None`): anything may be there, so checks that
//! need to know a label is absent stay quiet.

use std::collections::{BTreeSet, HashMap};

use crate::promql::ast::{
    Aggregate, AggregateOp, Binary, Call, Cardinality, Expr, MatchOp, Matcher, VectorMatching, VectorSelector,
};

/// Where a label fact came from, so that findings can say what they relied on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Basis {
    /// A schema file (index into `Schema::files`).
    Schema(u32),
    /// A recording rule (index into the knowledge's rule list).
    Recorded(u32),
}

/// The labels an expression's output may and must carry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelSet {
    /// Every label that may be present; `None` when unknown (anything may be).
    pub may: Option<BTreeSet<String>>,
    /// Labels present on every output series.
    pub must: BTreeSet<String>,
    /// The facts this rests on.
    pub basis: BTreeSet<Basis>,
}

impl LabelSet {
    /// Nothing known.
    pub const OPEN: LabelSet = LabelSet { may: None, must: BTreeSet::new(), basis: BTreeSet::new() };

    /// Nothing known.
    pub fn open() -> LabelSet {
        LabelSet::OPEN
    }

    /// No labels at all (scalars, `vector(1)`, `sum(x)`).
    pub fn none() -> LabelSet {
        LabelSet { may: Some(BTreeSet::new()), must: BTreeSet::new(), basis: BTreeSet::new() }
    }

    /// Whether a series of this set may carry `label` (true when unknown).
    pub fn may_have(&self, label: &str) -> bool {
        self.may.as_ref().is_none_or(|m| m.contains(label))
    }

    /// Whether a series of this set certainly lacks `label`.
    pub fn lacks(&self, label: &str) -> bool {
        !self.may_have(label)
    }

    pub fn is_open(&self) -> bool {
        self.may.is_none()
    }

    fn insert_may(&mut self, label: &str) {
        if let Some(m) = &mut self.may {
            m.insert(label.to_string());
        }
    }

    fn remove(&mut self, label: &str) {
        if let Some(m) = &mut self.may {
            m.remove(label);
        }
        self.must.remove(label);
    }

    /// Keeps only `labels` (what `by (...)` and `on (...)` do).
    fn keep_only<'a>(&self, labels: impl Iterator<Item = &'a str>) -> LabelSet {
        let mut may = BTreeSet::new();
        let mut must = BTreeSet::new();
        for l in labels {
            if self.may_have(l) {
                may.insert(l.to_string());
            }
            if self.must.contains(l) {
                must.insert(l.to_string());
            }
        }
        // Grouping an unknown set keeps at most the listed labels: that bound is pure syntax.
        let basis = if self.may.is_some() { self.basis.clone() } else { BTreeSet::new() };
        LabelSet { may: Some(may), must, basis }
    }

    /// Either side's series: may-sets unite, must-sets intersect (`or`).
    fn union(a: &LabelSet, b: &LabelSet) -> LabelSet {
        let may = match (&a.may, &b.may) {
            (Some(x), Some(y)) => Some(x.union(y).cloned().collect()),
            _ => None,
        };
        let must = a.must.intersection(&b.must).cloned().collect();
        LabelSet { may, must, basis: a.basis.union(&b.basis).cloned().collect() }
    }

    /// The sorted may-set, or `None` when open.
    pub fn may_sorted(&self) -> Option<Vec<&str>> {
        self.may.as_ref().map(|m| m.iter().map(String::as_str).collect())
    }
}

/// What a selector's metric is known to carry.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesFacts {
    pub labels: LabelSet,
}

/// Resolves a series name to its label facts (schema, recording rules, or nothing).
pub trait Resolver {
    fn series(&self, name: &str) -> Option<SeriesFacts>;
    /// Whether a matcher's value is not known (it came from a dashboard variable): such a matcher
    /// says nothing about which labels the series carry.
    fn value_unknown(&self, _m: &Matcher) -> bool {
        false
    }
}

/// A resolver that knows nothing (for inference without a schema or rules).
pub struct NoFacts;

impl Resolver for NoFacts {
    fn series(&self, _name: &str) -> Option<SeriesFacts> {
        None
    }
}

/// Whether a matcher on `label` can be satisfied by a series without that label (empty value).
pub fn matcher_matches_empty(m: &Matcher) -> bool {
    match m.op {
        MatchOp::Equal => m.value.is_empty(),
        MatchOp::NotEqual => !m.value.is_empty(),
        MatchOp::Re => crate::schema::values::regex_matches(&m.value, "").unwrap_or(true),
        MatchOp::NotRe => !crate::schema::values::regex_matches(&m.value, "").unwrap_or(false),
    }
}

/// The labels of a selector's output.
pub fn selector_labels(sel: &VectorSelector, resolver: &dyn Resolver) -> LabelSet {
    let mut set = match sel.metric_name().and_then(|n| resolver.series(n)) {
        Some(f) => f.labels,
        None => LabelSet::open(),
    };
    for m in &sel.matchers {
        if m.name == "__name__" || resolver.value_unknown(m) {
            continue;
        }
        if matcher_matches_empty(m) {
            // `x=""` selects series without `x` (when the metric may lack it).
            if m.op == MatchOp::Equal {
                set.remove(&m.name);
            }
        } else if set.may_have(&m.name) {
            set.must.insert(m.name.clone());
            set.insert_may(&m.name);
        }
        // A matcher requiring a label the metric never has selects nothing; `unknown-label`
        // reports it, and leaving the label out keeps that mistake from cascading.
    }
    set
}

/// Label sets of every node of one expression, keyed by node address.
///
/// Nodes that pass their input's labels through (parentheses, `rate`, `topk`, a scalar operand...)
/// share that input's set instead of a copy; the (address, set) index is sorted once at the end
/// and searched. Every rule runs this once for its checks and recording rules once more to build
/// the knowledge, so it is kept allocation-light.
pub struct Inference {
    /// (node address, index into `sets`), sorted by address.
    nodes: Vec<(usize, u32)>,
    sets: Vec<LabelSet>,
}

fn key(e: &Expr) -> usize {
    e as *const Expr as usize
}

impl Inference {
    /// Infers every sub-expression of `expr` (which must outlive the lookups).
    pub fn run(expr: &Expr, resolver: &dyn Resolver) -> Inference {
        let mut inf = Inference { nodes: Vec::new(), sets: Vec::new() };
        inf.visit(expr, resolver);
        inf.nodes.sort_unstable_by_key(|n| n.0);
        inf
    }

    /// The label set of a node of the expression given to [`Inference::run`].
    pub fn of(&self, e: &Expr) -> LabelSet {
        self.get(e).cloned().unwrap_or_else(LabelSet::open)
    }

    /// Like [`Inference::of`], without cloning.
    pub fn get(&self, e: &Expr) -> Option<&LabelSet> {
        let k = key(e);
        let i = self.nodes.binary_search_by_key(&k, |n| n.0).ok()?;
        self.nodes.get(i).and_then(|n| self.sets.get(n.1 as usize))
    }

    fn add(&mut self, set: LabelSet) -> u32 {
        self.sets.push(set);
        (self.sets.len() - 1) as u32
    }

    fn set(&self, i: u32) -> &LabelSet {
        &self.sets[i as usize]
    }

    fn visit(&mut self, e: &Expr, r: &dyn Resolver) -> u32 {
        let set = match e {
            Expr::Number(_) | Expr::String(_) => self.add(LabelSet::none()),
            Expr::VectorSelector(s) => self.add(selector_labels(s, r)),
            Expr::MatrixSelector(m) => self.add(selector_labels(&m.selector, r)),
            Expr::Subquery(s) => self.visit(&s.expr, r),
            Expr::Paren(p) => self.visit(&p.expr, r),
            Expr::Unary(u) => self.visit(&u.expr, r),
            Expr::Aggregate(a) => self.aggregate(a, r),
            Expr::Binary(b) => self.binary(b, r),
            Expr::Call(c) => self.call(c, r),
        };
        self.nodes.push((key(e), set));
        set
    }

    fn aggregate(&mut self, a: &Aggregate, r: &dyn Resolver) -> u32 {
        if let Some(p) = &a.param {
            self.visit(p, r);
        }
        let input = self.visit(&a.expr, r);
        match a.op {
            AggregateOp::Topk | AggregateOp::Bottomk | AggregateOp::Limitk | AggregateOp::LimitRatio => input,
            _ => {
                let mut out = match &a.grouping {
                    None => LabelSet::none(),
                    Some(g) if g.without => {
                        let mut out = self.set(input).clone();
                        for l in &g.labels {
                            out.remove(&l.name);
                        }
                        out
                    }
                    Some(g) => self.set(input).keep_only(g.labels.iter().map(|l| l.name.as_str())),
                };
                if a.op == AggregateOp::CountValues
                    && let Some(Expr::String(s)) = a.param.as_deref().map(Expr::unparen)
                {
                    out.insert_may(&s.value);
                    out.must.insert(s.value.clone());
                }
                self.add(out)
            }
        }
    }

    fn binary(&mut self, b: &Binary, r: &dyn Resolver) -> u32 {
        let lhs = self.visit(&b.lhs, r);
        let rhs = self.visit(&b.rhs, r);
        let Some(m) = &b.matching else {
            // At most one side is a vector; scalars carry nothing.
            return if b.lhs.value_type() == crate::promql::ValueType::Scalar { rhs } else { lhs };
        };
        let out = binary_result(b.op, m, self.set(lhs), self.set(rhs));
        self.add(out)
    }

    fn call(&mut self, c: &Call, r: &dyn Resolver) -> u32 {
        // every argument is visited (their nodes get sets); the result needs the first, the last
        // and the first vector or matrix argument
        let (mut first, mut last, mut vector) = (None, None, None);
        for a in &c.args {
            let i = self.visit(a, r);
            first = first.or(Some(i));
            last = Some(i);
            if vector.is_none()
                && matches!(a.value_type(), crate::promql::ValueType::Vector | crate::promql::ValueType::Matrix)
            {
                vector = Some(i);
            }
        }
        let copy = |inf: &Self, i: Option<u32>| i.map_or_else(LabelSet::none, |i| inf.set(i).clone());
        let out = match c.func.name {
            "time" | "pi" | "scalar" | "vector" => LabelSet::none(),
            "absent" | "absent_over_time" => absent_labels(c.args.first()),
            "label_replace" | "label_join" => {
                let mut out = copy(self, first);
                if let Some(Expr::String(dst)) = c.args.get(1).map(Expr::unparen) {
                    out.insert_may(&dst.value);
                }
                out
            }
            "histogram_quantile" | "histogram_fraction" => {
                let mut out = copy(self, last);
                out.remove("le");
                out
            }
            // `info` adds the data labels of info metrics, which the schema cannot bound here.
            "info" => LabelSet::open(),
            // Everything else keeps the labels of its vector or matrix argument (the date
            // functions without an argument read `vector(time())`).
            _ => match vector {
                Some(i) => return i,
                None => LabelSet::none(),
            },
        };
        self.add(out)
    }
}

/// `absent(sel)` returns one series whose labels are the selector's equality matchers.
fn absent_labels(arg: Option<&Expr>) -> LabelSet {
    let sel = match arg.map(Expr::unparen) {
        Some(Expr::VectorSelector(s)) => s,
        Some(Expr::MatrixSelector(m)) => &m.selector,
        _ => return LabelSet::none(),
    };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for m in &sel.matchers {
        *seen.entry(m.name.as_str()).or_default() += 1;
    }
    let mut out = LabelSet::none();
    for m in &sel.matchers {
        // Prometheus keeps a label only when exactly one equality matcher names it.
        if m.op == MatchOp::Equal && m.name != "__name__" && seen.get(m.name.as_str()) == Some(&1) {
            out.insert_may(&m.name);
            out.must.insert(m.name.clone());
        }
    }
    out
}

/// The output labels of a vector-vector binary operation (`resultMetric` in the engine).
pub fn binary_result(op: crate::promql::ast::BinaryOp, m: &VectorMatching, lhs: &LabelSet, rhs: &LabelSet) -> LabelSet {
    use crate::promql::ast::BinaryOp;
    if op.is_set() {
        return match op {
            BinaryOp::Or => LabelSet::union(lhs, rhs),
            _ => lhs.clone(),
        };
    }
    // group_right: the right side is the "many" side and the left side the "one" side.
    let (many, one) = if m.card == Cardinality::OneToMany { (rhs, lhs) } else { (lhs, rhs) };
    let mut out = many.clone();
    out.basis = lhs.basis.union(&rhs.basis).cloned().collect();
    if m.card == Cardinality::OneToOne {
        if m.on {
            out = LabelSet { basis: out.basis.clone(), ..out.keep_only(m.labels.iter().map(|l| l.name.as_str())) };
        } else {
            for l in &m.labels {
                out.remove(&l.name);
            }
        }
    }
    for l in &m.include {
        out.remove(&l.name);
        if one.may_have(&l.name) {
            out.insert_may(&l.name);
        }
        if one.must.contains(&l.name) {
            out.must.insert(l.name.clone());
        }
    }
    out
}

/// The labels a binary operation compares, when both sides can never agree on them: a label one
/// side must carry and the other can never carry. `None` when they may match.
pub fn never_matching_label<'a>(
    m: &'a VectorMatching,
    lhs: &'a LabelSet,
    rhs: &'a LabelSet,
) -> Option<(&'a str, bool)> {
    let compared = |l: &str| {
        if m.on { m.labels.iter().any(|x| x.name == l) } else { !m.labels.iter().any(|x| x.name == l) }
    };
    for l in &lhs.must {
        if compared(l) && rhs.lacks(l) {
            return Some((l.as_str(), true));
        }
    }
    for l in &rhs.must {
        if compared(l) && lhs.lacks(l) {
            return Some((l.as_str(), false));
        }
    }
    None
}

/// Every selector read by the expression, with the metric names, in source order.
pub fn selectors(expr: &Expr) -> Vec<&VectorSelector> {
    let mut out = Vec::new();
    expr.walk(&mut |e| match e {
        Expr::VectorSelector(s) => out.push(s),
        Expr::MatrixSelector(m) => out.push(&m.selector),
        _ => {}
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::{ParseOptions, parse};
    use crate::schema::knowledge::{Knowledge, RecordingRule};
    use crate::schema::model::{MetricType, Schema, SchemaFile};

    const SCHEMA: &str = "metrics:
  http_requests_total: {type: counter, labels: {method: , path: , status: }}
  http_request_latency_seconds: {type: histogram, labels: {method: , path: }}
  build_info: {type: gauge, labels: {version: , commit: {optional: true}}}
  node_uname_info: {type: gauge, labels: {nodename: , release: }}
  node_load1: {type: gauge, labels: {}}
  mystery: {type: gauge}
";

    fn knowledge() -> Knowledge {
        let f = SchemaFile::from_yaml("s.yaml", SCHEMA).unwrap();
        Knowledge::build(Schema::merge(vec![f]), &[])
    }

    /// (may, must) of the whole expression; `may` is `None` when open.
    fn infer(q: &str) -> (Option<Vec<String>>, Vec<String>) {
        let e = parse(q, ParseOptions::PROMTOOL).unwrap();
        let k = knowledge();
        let s = Inference::run(&e, &k).of(&e);
        (s.may.map(|m| m.into_iter().collect()), s.must.into_iter().collect())
    }

    fn v(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn selectors_use_the_schema_and_matchers() {
        let all = v(&["instance", "job", "method", "path", "status"]);
        assert_eq!(infer("http_requests_total"), (Some(all.clone()), all.clone()));
        assert_eq!(infer("rate(http_requests_total[5m] offset 1h @ 100)"), (Some(all.clone()), all.clone()));
        assert_eq!(infer("max_over_time(rate(http_requests_total[1m])[10m:])").0, Some(all.clone()));
        let b = infer("http_request_latency_seconds_bucket");
        assert_eq!(b.0, Some(v(&["instance", "job", "le", "method", "path"])));
        assert!(!infer("http_request_latency_seconds_count").0.unwrap().contains(&"le".to_string()));
        assert_eq!(infer("build_info").1, v(&["instance", "job", "version"]), "optional `commit` is not a must");
        assert_eq!(infer("unknown_metric{a=\"x\", b=~\".*\", c=\"\"}"), (None, v(&["a"])));
        assert_eq!(infer("mystery").0, None, "labels left out of the schema: open");
        assert_eq!(infer("build_info{commit=\"\"}").0, Some(v(&["instance", "job", "version"])));
        assert_eq!(infer("node_load1{typo=\"x\"}").0, Some(v(&["instance", "job"])), "no cascade from a bad matcher");
    }

    #[test]
    fn aggregations() {
        assert_eq!(
            infer("sum by (job, le) (rate(http_request_latency_seconds_bucket[5m]))"),
            (Some(v(&["job", "le"])), v(&["job", "le"]))
        );
        assert_eq!(infer("sum by (job, nope) (http_requests_total)").0, Some(v(&["job"])));
        assert_eq!(infer("sum(http_requests_total)"), (Some(vec![]), vec![]));
        assert_eq!(
            infer("sum without (instance, method) (http_requests_total)").0,
            Some(v(&["job", "path", "status"]))
        );
        assert_eq!(
            infer("topk by (job) (3, http_requests_total)").0,
            Some(v(&["instance", "job", "method", "path", "status"]))
        );
        assert_eq!(
            infer("count_values by (job) (\"version\", build_info)"),
            (Some(v(&["job", "version"])), v(&["job", "version"]))
        );
        assert_eq!(infer("sum by (a) (unknown)"), (Some(v(&["a"])), vec![]));
        assert_eq!(infer("sum without (a) (unknown)").0, None);
        assert_eq!(infer("quantile by (job) (0.9, node_load1)").0, Some(v(&["job"])));
    }

    #[test]
    fn functions() {
        assert_eq!(
            infer("histogram_quantile(0.9, sum by (job, le) (rate(http_request_latency_seconds_bucket[5m])))"),
            (Some(v(&["job"])), v(&["job"]))
        );
        assert_eq!(
            infer("label_replace(node_load1, \"host\", \"$1\", \"instance\", \"(.*):.*\")").0,
            Some(v(&["host", "instance", "job"]))
        );
        assert_eq!(
            infer("label_join(node_load1, \"x\", \",\", \"job\", \"instance\")").0,
            Some(v(&["instance", "job", "x"]))
        );
        assert_eq!(
            infer("absent(http_requests_total{job=\"api\", status=~\"5..\", method=\"GET\"})"),
            (Some(v(&["job", "method"])), v(&["job", "method"]))
        );
        assert_eq!(infer("absent(sum(http_requests_total))"), (Some(vec![]), vec![]));
        assert_eq!(infer("absent_over_time(node_load1{job=\"n\"}[5m])").0, Some(v(&["job"])));
        for q in ["scalar(node_load1)", "vector(1)", "time()", "pi()", "day_of_week()", "1 + 2"] {
            assert_eq!(infer(q), (Some(vec![]), vec![]), "{q}");
        }
        assert_eq!(infer("day_of_week(node_load1)").0, Some(v(&["instance", "job"])));
        assert_eq!(infer("clamp_min(node_load1, 0)").0, Some(v(&["instance", "job"])));
        assert_eq!(infer("round(node_load1, 0.5) * 2").0, Some(v(&["instance", "job"])));
        assert_eq!(infer("2 * -node_load1").0, Some(v(&["instance", "job"])));
    }

    #[test]
    fn binary_operations() {
        let node = v(&["instance", "job"]);
        assert_eq!(infer("node_load1 / node_load1").0, Some(node.clone()));
        assert_eq!(infer("node_load1 * on (instance) node_load1").0, Some(v(&["instance"])));
        assert_eq!(infer("node_load1 * ignoring (job) node_load1").0, Some(v(&["instance"])));
        assert_eq!(
            infer("node_load1 * on (instance, job) group_left (nodename) node_uname_info"),
            (Some(v(&["instance", "job", "nodename"])), v(&["instance", "job", "nodename"]))
        );
        assert_eq!(
            infer("node_uname_info * on (instance) group_right (release) node_load1").0,
            Some(v(&["instance", "job", "release"]))
        );
        assert_eq!(infer("node_load1 and on (job) build_info").0, Some(node.clone()));
        assert_eq!(infer("node_load1 unless build_info").0, Some(node.clone()));
        let or = infer("node_load1 or build_info");
        assert_eq!(or, (Some(v(&["commit", "instance", "job", "version"])), node.clone()));
        assert_eq!(infer("node_load1 > bool 1").0, Some(node.clone()));
        assert_eq!(infer("node_load1 or unknown").0, None);
    }

    #[test]
    fn never_matching_sides() {
        let check = |q: &str| {
            let e = parse(q, ParseOptions::PROMTOOL).unwrap();
            let k = knowledge();
            let inf = Inference::run(&e, &k);
            let Expr::Binary(b) = e.unparen() else { panic!() };
            never_matching_label(b.matching.as_ref().unwrap(), &inf.of(&b.lhs), &inf.of(&b.rhs))
                .map(|(l, left)| (l.to_string(), left))
        };
        assert_eq!(check("sum by (job) (node_load1) / sum by (instance) (node_load1)"), Some(("job".into(), true)));
        assert_eq!(check("sum by (job) (node_load1) / on (job) sum by (job, instance) (node_load1)"), None);
        assert_eq!(check("sum by (job) (node_load1) / ignoring (job) sum(node_load1)"), None);
        assert_eq!(check("node_load1 / on (nodename) node_uname_info"), Some(("nodename".into(), false)));
        assert_eq!(check("node_load1 and node_uname_info"), Some(("nodename".into(), false)));
        assert_eq!(check("node_load1 / unknown"), None);
        assert_eq!(check("sum(node_load1) / sum(http_requests_total)"), None);
    }

    #[test]
    fn recording_rules_are_producers_in_dependency_order() {
        let exprs = [
            ("job:latency:p90", "histogram_quantile(0.9, job:latency_bucket:rate5m)"),
            ("job:latency_bucket:rate5m", "sum by (job, le) (rate(http_request_latency_seconds_bucket[5m]))"),
            ("job:x:ratio", "job:latency:p90 / on (job) job:y:sum"),
        ];
        let parsed: Vec<Expr> = exprs.iter().map(|(_, q)| parse(q, ParseOptions::PROMTOOL).unwrap()).collect();
        let rules: Vec<RecordingRule> = exprs
            .iter()
            .zip(&parsed)
            .enumerate()
            .map(|(i, ((n, _), e))| RecordingRule {
                name: n,
                expr: Some(e),
                labels: if i == 0 { vec!["team"] } else { vec![] },
                location: format!("r.yaml:{i}"),
                key: i as u64,
            })
            .collect();
        let f = SchemaFile::from_yaml("s.yaml", SCHEMA).unwrap();
        let k = Knowledge::build(Schema::merge(vec![f]), &rules);
        let p90 = &k.recorded["job:latency:p90"];
        assert_eq!(p90.labels.may.as_ref().unwrap().iter().collect::<Vec<_>>(), vec!["job", "team"]);
        assert_eq!(p90.kind, Some(MetricType::Gauge));
        assert!(k.cycles.is_empty());
        assert!(k.describe_basis(&p90.labels).contains("recording rule at r.yaml:0"));
        assert!(k.describe_basis(&p90.labels).contains("schema s.yaml"), "{}", k.describe_basis(&p90.labels));
    }

    #[test]
    fn cycles_are_found() {
        let exprs = [
            ("a:x:sum", "sum(b:x:sum)"),
            ("b:x:sum", "sum(a:x:sum)"),
            ("c:x:sum", "sum(c:x:sum)"),
            ("d:x:sum", "sum(a:x:sum)"),
        ];
        let parsed: Vec<Expr> = exprs.iter().map(|(_, q)| parse(q, ParseOptions::PROMTOOL).unwrap()).collect();
        let rules: Vec<RecordingRule> = exprs
            .iter()
            .zip(&parsed)
            .map(|((n, _), e)| RecordingRule {
                name: n,
                expr: Some(e),
                labels: vec![],
                location: String::new(),
                key: 0,
            })
            .collect();
        let k = Knowledge::build(Schema::default(), &rules);
        let cycles: Vec<(u32, Vec<String>)> = k.cycles.iter().map(|c| (c.rule, c.path.clone())).collect();
        assert_eq!(
            cycles,
            vec![
                (0, v(&["a:x:sum", "b:x:sum", "a:x:sum"])),
                (1, v(&["b:x:sum", "a:x:sum", "b:x:sum"])),
                (2, v(&["c:x:sum", "c:x:sum"])),
            ]
        );
        assert!(k.recorded["a:x:sum"].labels.is_open());
        assert_eq!(k.recorded["d:x:sum"].labels.may, Some(BTreeSet::new()));
    }
}
