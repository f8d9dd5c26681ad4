//! SCH005: a label that cannot be on the series where a query uses it.

use super::{Check, CheckMeta, Ctx, ExprSite, declare_check};
use crate::promql::ast::{Cardinality, Expr, Span};
use crate::schema::labels::{LabelSet, Resolver};
use crate::schema::site::{Scope, label_list};
use crate::schema::suggest;

declare_check! {
    /// ## What it does
    /// Flags a label name that the series it applies to can never carry, according to the schema
    /// and the recording rules (see label inference in `docs/schema.md`): in a selector's matchers,
    /// in `by (...)`/`without (...)`, in `on (...)`/`ignoring (...)`, in `group_left (...)`/
    /// `group_right (...)` (checked against the "one" side, where the labels are copied from), and
    /// as the source label of `label_replace`/`label_join`. Suggests the nearest label that exists.
    /// A missing label in `without`/`ignoring` changes nothing, so there it is reported only when
    /// it looks like a typo of a label that is there.
    /// `le` is left to `histogram-misuse` (SCH007).
    ///
    /// ## Why is this bad?
    /// A matcher on a missing label selects nothing (or, with `=""`, everything); grouping by it
    /// collapses all series into one; matching `on` it pairs series that should not be paired or
    /// none at all; copying it copies an empty value. The query still runs and returns plausible
    /// numbers, so the mistake survives review: `sum by (stauts)` adds up every status.
    ///
    /// ## Example
    /// ```yaml,schema
    /// metrics:
    ///   http_requests_total:
    ///     type: counter
    ///     labels: {method: {}, path: {}, status: {}}
    /// ```
    /// ```yaml,bad
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - record: status:http_requests:rate5m
    ///         expr: sum by (code) (rate(http_requests_total[5m]))
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - record: status:http_requests:rate5m
    ///         expr: sum by (status) (rate(http_requests_total[5m]))
    /// ```
    pub UnknownLabel {
        code: "SCH005",
        name: "unknown-label",
        category: Schema,
        severity: Warning,
        summary: "a label the series it is used on can never carry",
        sources: ["pint promql/series (labels)", "pint promql/aggregate"],
    }
}

impl Check for UnknownLabel {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn expr(&self, cx: &mut Ctx, site: &ExprSite<'_>) {
        let Some(sc) = Scope::of_expr(site) else { return };
        // `typo_only`: `without`/`ignoring` a missing label changes nothing, so it only matters
        // when it stands for a label that is there (`without (instnace)`).
        // `what` is only formatted for a finding (this runs for every selector and grouping)
        let mut report = |span: Span, label: &str, set: &LabelSet, what: &dyn Fn() -> String, typo_only: bool| {
            if label == "le" || label == "__name__" || !set.lacks(label) {
                return;
            }
            let near = set.may.as_ref().and_then(|m| suggest::closest(label, m.iter().map(String::as_str)));
            if typo_only && near.is_none() {
                return;
            }
            let d = cx.report(
                sc.file(),
                sc.span(span),
                format!(
                    "`{label}` is not a label of {} (its labels: {}; per {})",
                    what(),
                    label_list(set),
                    sc.basis(set)
                ),
            );
            if let Some(n) = near {
                d.help(suggest::did_you_mean(Some(&n)));
            }
        };
        sc.expr.walk(&mut |e| match e {
            Expr::VectorSelector(_) | Expr::MatrixSelector(_) => {
                let sel = match e {
                    Expr::MatrixSelector(m) => &m.selector,
                    Expr::VectorSelector(s) => s,
                    _ => return,
                };
                let Some(name) = sel.metric_name() else { return };
                let Some(facts) = sc.knowledge.series(name) else { return };
                for m in &sel.matchers {
                    report(m.name_span, &m.name, &facts.labels, &|| format!("`{name}`"), false);
                }
            }
            Expr::Aggregate(a) => {
                let Some(g) = &a.grouping else { return };
                let input = sc.labels(&a.expr);
                let what = || format!("the series `{}` aggregates", a.op.as_str());
                for l in &g.labels {
                    report(l.span, &l.name, input, &what, g.without);
                }
            }
            Expr::Binary(b) => {
                let Some(m) = &b.matching else { return };
                let (lhs, rhs) = (sc.labels(&b.lhs), sc.labels(&b.rhs));
                for l in &m.labels {
                    if m.on {
                        if lhs.lacks(&l.name) {
                            report(l.span, &l.name, lhs, &|| format!("the left side of `{}`", b.op.as_str()), false);
                        } else {
                            report(l.span, &l.name, rhs, &|| format!("the right side of `{}`", b.op.as_str()), false);
                        }
                    } else if rhs.lacks(&l.name) {
                        report(l.span, &l.name, lhs, &|| format!("either side of `{}`", b.op.as_str()), true);
                    }
                }
                let (one, side) = match m.card {
                    Cardinality::ManyToOne => (rhs, "right"),
                    Cardinality::OneToMany => (lhs, "left"),
                    _ => return,
                };
                for l in &m.include {
                    report(
                        l.span,
                        &l.name,
                        one,
                        &|| format!("the {side} side of `{}`, which it would be copied from", b.op.as_str()),
                        false,
                    );
                }
            }
            Expr::Call(c) if matches!(c.func.name, "label_replace" | "label_join") => {
                let Some(v) = c.args.first() else { return };
                let input = sc.labels(v);
                let srcs: &[Expr] = match c.func.name {
                    "label_replace" => c.args.get(3..4).unwrap_or(&[]),
                    _ => c.args.get(3..).unwrap_or(&[]),
                };
                for s in srcs {
                    if let Expr::String(lit) = s.unparen()
                        && !lit.value.is_empty()
                    {
                        report(lit.span, &lit.value, input, &|| format!("the series `{}` reads", c.func.name), false);
                    }
                }
            }
            _ => {}
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::findings_with_schema;

    const SCHEMA: &str = "metrics:
  http_requests_total: {type: counter, labels: {method: , path: , status: }}
  node_uname_info: {type: gauge, labels: {nodename: }}
  node_load1: {type: gauge, labels: {}}
  open_metric: {type: gauge}
";

    fn alert(expr: &str) -> String {
        format!("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: '{expr}'\n")
    }

    /// The text of each finding's primary span.
    fn flagged(expr: &str) -> Vec<String> {
        let y = alert(expr);
        findings_with_schema("SCH005", &y, Some(SCHEMA))
            .iter()
            .map(|d| y[d.primary.span.start as usize..d.primary.span.end as usize].to_string())
            .collect()
    }

    #[test]
    fn passing() {
        for q in [
            "sum by (status, job) (rate(http_requests_total{method=\"GET\", instance!=\"\"}[5m])) > 1",
            "node_load1 * on (instance) group_left (nodename) node_uname_info > 1",
            "sum without (path) (http_requests_total) > 1",
            "label_replace(node_load1, \"host\", \"$1\", \"instance\", \"(.*)\") > 1",
            "sum by (anything) (open_metric) > 1",
            "sum by (anything) (unknown_metric) > 1",
            "sum by (le) (node_load1) > 1",
            "sum by (host) (label_replace(node_load1, \"host\", \"$1\", \"instance\", \"(.*)\")) > 1",
        ] {
            assert_eq!(flagged(q), Vec::<String>::new(), "{q}");
        }
    }

    #[test]
    fn failing_each_place() {
        assert_eq!(flagged("http_requests_total{stauts=\"500\"} > 1"), ["stauts"]);
        assert_eq!(flagged("sum by (code) (rate(http_requests_total[5m])) > 1"), ["code"]);
        assert_eq!(flagged("sum by (method) (sum by (status) (http_requests_total)) > 1"), ["method"]);
        assert_eq!(flagged("sum without (stauts) (http_requests_total) > 1"), ["stauts"]);
        assert_eq!(flagged("sum without (pod) (http_requests_total) > 1"), Vec::<String>::new(), "no-op, not a typo");
        assert_eq!(flagged("node_load1 / on (nodename) node_uname_info > 1"), ["nodename"]);
        assert_eq!(flagged("node_load1 / ignoring (instanse) node_load1 > 1"), ["instanse"]);
        assert_eq!(flagged("node_load1 / ignoring (pod) node_load1 > 1"), Vec::<String>::new(), "no-op, not a typo");
        assert_eq!(flagged("node_load1 * on (instance) group_left (release) node_uname_info > 1"), ["release"]);
        assert_eq!(flagged("label_replace(node_load1, \"h\", \"$1\", \"host\", \"(.*)\") > 1"), ["\"host\""]);
        assert_eq!(flagged("label_join(node_load1, \"h\", \",\", \"job\", \"pod\") > 1"), ["\"pod\""]);
    }

    #[test]
    fn message_names_labels_source_and_suggestion() {
        let y = alert("http_requests_total{stauts=\"500\"} > 1");
        let f = findings_with_schema("SCH005", &y, Some(SCHEMA));
        assert_eq!(
            f[0].message,
            "`stauts` is not a label of `http_requests_total` (its labels: instance, job, method, path, status; per schema schema.yaml)"
        );
        assert_eq!(f[0].help.as_deref(), Some("did you mean `status`?"));
    }

    #[test]
    fn recording_rules_are_trusted_with_a_schema_only() {
        let y = "groups:\n- name: g\n  rules:\n  - record: job:x:sum\n    expr: sum by (job) (x)\n  - alert: A\n    expr: sum by (instance) (job:x:sum) > 1\n";
        let f = findings_with_schema("SCH005", y, Some("metrics: {}\n"));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("per recording rule at test.yaml:4"), "{}", f[0].message);
        // without a schema, external labels may add `instance` where the alert is evaluated
        assert!(crate::checks::testing::findings("SCH005", y).is_empty());
        // ...but the expression's own aggregation is certain
        let y = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: sum by (instance) (sum by (job) (x)) > 1\n";
        assert_eq!(crate::checks::testing::findings("SCH005", y).len(), 1);
    }
}
