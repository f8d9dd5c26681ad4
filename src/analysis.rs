//! Static facts about a PromQL expression that several checks need: which labels its result can
//! carry, which metrics it reads, which functions and aggregations it applies.
//!
//! The label analysis is deliberately conservative: it answers [`Labels::Known`] only when the set
//! is certain from the syntax (an aggregation `by (...)`, a function that drops `le`, ...), and
//! [`Labels::Unknown`] when the labels depend on the series (a bare selector, `without`). Checks only
//! report on `Known` sets, so they never guess.

use std::collections::BTreeSet;

use crate::promql::{AggregateOp, BinaryOp, Cardinality, Expr, ValueType};

/// The label names an expression's result carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Labels {
    /// Exactly these names (some may be absent on some series, none other can be present).
    Known(BTreeSet<String>),
    /// Depends on the series read.
    Unknown,
}

impl Labels {
    fn known<'a>(names: impl IntoIterator<Item = &'a str>) -> Labels {
        Labels::Known(names.into_iter().map(str::to_string).collect())
    }
    fn without(self, name: &str) -> Labels {
        match self {
            Labels::Known(mut s) => {
                s.remove(name);
                Labels::Known(s)
            }
            u => u,
        }
    }
    fn with(self, name: &str) -> Labels {
        match self {
            Labels::Known(mut s) => {
                s.insert(name.to_string());
                Labels::Known(s)
            }
            u => u,
        }
    }
}

/// The labels the result of `e` can carry (metric name excluded).
pub fn output_labels(e: &Expr) -> Labels {
    analyse(e).0
}

/// Labels and value type in one bottom-up pass: asking `Expr::value_type` at every level would
/// make long operator chains (`a + b + c + ...`) quadratic.
fn analyse(e: &Expr) -> (Labels, ValueType) {
    let none = || Labels::Known(BTreeSet::new());
    match e {
        Expr::Number(_) => (none(), ValueType::Scalar),
        Expr::String(_) => (none(), ValueType::String),
        Expr::VectorSelector(_) => (Labels::Unknown, ValueType::Vector),
        Expr::MatrixSelector(_) => (Labels::Unknown, ValueType::Matrix),
        Expr::Subquery(s) => (analyse(&s.expr).0, ValueType::Matrix),
        Expr::Paren(p) => analyse(&p.expr),
        Expr::Unary(u) => analyse(&u.expr),
        Expr::Aggregate(a) => {
            let inner = || analyse(&a.expr).0;
            let labels = match (&a.grouping, a.op) {
                (_, AggregateOp::Topk | AggregateOp::Bottomk | AggregateOp::Limitk | AggregateOp::LimitRatio) => {
                    inner()
                }
                (None, AggregateOp::CountValues) => Labels::Unknown,
                (None, _) => none(),
                (Some(g), _) if g.without => match inner() {
                    Labels::Known(mut s) => {
                        for l in &g.labels {
                            s.remove(&l.name);
                        }
                        Labels::Known(s)
                    }
                    Labels::Unknown => Labels::Unknown,
                },
                (Some(g), op) => {
                    let kept = Labels::known(g.labels.iter().map(|l| l.name.as_str()));
                    if op == AggregateOp::CountValues {
                        // the label named by the string parameter is added
                        match a.param.as_deref() {
                            Some(Expr::String(s)) => kept.with(&s.value),
                            _ => Labels::Unknown,
                        }
                    } else {
                        kept
                    }
                }
            };
            (labels, ValueType::Vector)
        }
        Expr::Call(c) => {
            let first_vector = || {
                c.args
                    .iter()
                    .map(analyse)
                    .find(|(_, t)| matches!(t, ValueType::Vector | ValueType::Matrix))
                    .map_or_else(none, |(l, _)| l)
            };
            let labels = match c.func.name {
                "histogram_quantile" | "histogram_fraction" => first_vector().without("le"),
                "label_replace" | "label_join" => match c.args.get(1) {
                    Some(Expr::String(dst)) => first_vector().with(&dst.value),
                    _ => Labels::Unknown,
                },
                "vector" | "time" | "pi" | "scalar" => none(),
                "absent" | "absent_over_time" => Labels::Unknown,
                _ => first_vector(),
            };
            (labels, c.func.return_type)
        }
        Expr::Binary(b) => {
            let (ll, lt) = analyse(&b.lhs);
            let (rl, rt) = analyse(&b.rhs);
            if lt == ValueType::Scalar && rt == ValueType::Scalar {
                return (none(), ValueType::Scalar);
            }
            if lt == ValueType::Scalar {
                return (rl, ValueType::Vector);
            }
            if rt == ValueType::Scalar {
                return (ll, ValueType::Vector);
            }
            let m = b.matching.as_ref();
            let labels = match b.op {
                BinaryOp::Or => match (ll, rl) {
                    (Labels::Known(a), Labels::Known(c)) => Labels::Known(a.union(&c).cloned().collect()),
                    _ => Labels::Unknown,
                },
                BinaryOp::And | BinaryOp::Unless => ll,
                _ => {
                    let card = m.map_or(Cardinality::OneToOne, |m| m.card);
                    let side = match card {
                        Cardinality::OneToMany => rl,
                        _ => ll,
                    };
                    let filtering = b.op.is_comparison() && !b.return_bool;
                    match (card, m) {
                        // one-to-one arithmetic with on(...) keeps only the matching labels
                        (Cardinality::OneToOne, Some(m)) if m.on && !filtering => {
                            let on = Labels::known(m.labels.iter().map(|l| l.name.as_str()));
                            match (side, on) {
                                (Labels::Known(a), Labels::Known(o)) => {
                                    Labels::Known(a.intersection(&o).cloned().collect())
                                }
                                (_, on) => on,
                            }
                        }
                        (Cardinality::ManyToOne | Cardinality::OneToMany, Some(m)) => {
                            m.include.iter().fold(side, |acc, l| acc.with(&l.name))
                        }
                        _ => side,
                    }
                }
            };
            (labels, ValueType::Vector)
        }
    }
}

/// The metric names the expression selects, with `None` for a selector without an exact name.
pub fn metric_names(e: &Expr) -> Vec<Option<String>> {
    let mut out = Vec::new();
    e.walk(&mut |n| match n {
        Expr::VectorSelector(v) => out.push(v.metric_name().map(str::to_string)),
        Expr::MatrixSelector(m) => out.push(m.selector.metric_name().map(str::to_string)),
        _ => {}
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::{ParseOptions, parse};

    fn labels(q: &str) -> Labels {
        output_labels(&parse(q, ParseOptions::PROMTOOL).unwrap())
    }

    fn set(names: &[&str]) -> Labels {
        Labels::known(names.iter().copied())
    }

    #[test]
    fn aggregations_and_functions() {
        assert_eq!(labels("sum by (job, le) (rate(x[5m]))"), set(&["job", "le"]));
        assert_eq!(labels("histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))"), set(&[]));
        assert_eq!(labels("histogram_quantile(0.9, sum by (job, le) (rate(x_bucket[5m])))"), set(&["job"]));
        assert_eq!(labels("sum(x)"), set(&[]));
        assert_eq!(labels("sum without (instance) (x)"), Labels::Unknown);
        assert_eq!(labels("x"), Labels::Unknown);
        assert_eq!(labels("label_replace(sum by (a) (x), \"b\", \"$1\", \"a\", \"(.*)\")"), set(&["a", "b"]));
        assert_eq!(labels("topk(3, sum by (a) (x))"), set(&["a"]));
        assert_eq!(labels("count_values by (a) (\"v\", x)"), set(&["a", "v"]));
    }

    #[test]
    fn binary_operations() {
        assert_eq!(labels("sum by (job) (x) / sum by (job) (y)"), set(&["job"]));
        assert_eq!(labels("sum by (job) (x) * 100"), set(&["job"]));
        assert_eq!(labels("sum by (a, b) (x) / on (a) group_left sum by (a) (y)"), set(&["a", "b"]));
        assert_eq!(labels("sum by (a, b) (x) / on (a) sum by (a, c) (y)"), set(&["a"]));
        assert_eq!(labels("sum by (a) (x) or sum by (b) (y)"), set(&["a", "b"]));
        assert_eq!(labels("sum by (a) (x) > 1"), set(&["a"]));
    }

    #[test]
    fn metric_names_are_collected() {
        let e = parse("rate(a_total[5m]) / b{x=\"1\"} + {__name__=~\"c.*\"}", ParseOptions::PROMTOOL).unwrap();
        assert_eq!(metric_names(&e), [Some("a_total".to_string()), Some("b".to_string()), None]);
    }
}
