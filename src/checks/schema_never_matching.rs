//! SCH010: a binary operation whose two sides can never agree on their labels.

use super::{Check, CheckMeta, Ctx, ExprSite, declare_check};
use crate::promql::ast::{BinaryOp, Expr};
use crate::schema::labels::never_matching_label;
use crate::schema::site::{Scope, label_list};

declare_check! {
    /// ## What it does
    /// Flags a binary operation between two vectors (`/`, `>`, `and`, `unless`, ...) where one side
    /// always carries a label that the matching compares and the other side can never carry, so no
    /// series pair ever matches. With `on (...)` only the listed labels are compared; otherwise all
    /// labels but those in `ignoring (...)`. `or` is not judged.
    ///
    /// ## Why is this bad?
    /// The result is always empty: a ratio with no series, an alert that cannot fire, an `and`
    /// that filters everything (or an `unless` that filters nothing). The usual cause is
    /// aggregating the two sides by different labels, or dividing a per-instance series by a
    /// per-job one without `ignoring`/`on`.
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
    ///       - alert: HighErrorRate
    ///         expr: |
    ///           sum by (path) (rate(http_requests_total{status=~"5.."}[5m]))
    ///             / sum by (job) (rate(http_requests_total[5m])) > 0.05
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - alert: HighErrorRate
    ///         expr: |
    ///           sum by (path) (rate(http_requests_total{status=~"5.."}[5m]))
    ///             / sum by (path) (rate(http_requests_total[5m])) > 0.05
    /// ```
    pub NeverMatching {
        code: "SCH010",
        name: "never-matching-binary",
        category: Correctness,
        severity: Warning,
        summary: "the two sides of a binary operation can never match on labels",
        sources: [],
    }
}

impl Check for NeverMatching {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn expr(&self, cx: &mut Ctx, site: &ExprSite<'_>) {
        let Some(sc) = Scope::of_expr(site) else { return };
        sc.expr.walk(&mut |e| {
            let Expr::Binary(b) = e else { return };
            let Some(m) = &b.matching else { return };
            if b.op == BinaryOp::Or {
                return;
            }
            let (lhs, rhs) = (sc.labels(&b.lhs), sc.labels(&b.rhs));
            let Some((label, left_has)) = never_matching_label(m, lhs, rhs) else { return };
            let (has, lacks, has_set, lacks_set) =
                if left_has { ("left", "right", &lhs, &rhs) } else { ("right", "left", &rhs, &lhs) };
            let d = cx.report(
                sc.file(),
                sc.span(b.op_span),
                format!(
                    "the sides of `{}` never match: the {has} side always has `{label}`, the {lacks} side never does (left: {}; right: {}; per {})",
                    b.op.as_str(),
                    label_list(if left_has { has_set } else { lacks_set }),
                    label_list(if left_has { lacks_set } else { has_set }),
                    sc.basis(&crate::schema::labels::LabelSet {
                        basis: lhs.basis.union(&rhs.basis).cloned().collect(),
                        ..Default::default()
                    })
                ),
            );
            d.help(if m.on {
                format!("match `on` labels both sides carry, or drop `{label}` from `on (...)`")
            } else {
                format!("aggregate both sides by the same labels, or add `ignoring ({label})`")
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::{findings, findings_with_schema};

    const SCHEMA: &str =
        "metrics:\n  node_load1: {type: gauge, labels: {}}\n  node_uname_info: {type: gauge, labels: {nodename: }}\n";

    fn count(expr: &str, schema: Option<&str>) -> usize {
        let y = format!("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: '{expr}'\n");
        findings_with_schema("SCH010", &y, schema).len()
    }

    #[test]
    fn cases() {
        for ok in [
            "sum by (job) (node_load1) / sum by (job) (node_load1) > 1",
            "node_load1 / ignoring (nodename) node_uname_info > 1",
            "node_load1 * on (instance) group_left (nodename) node_uname_info > 1",
            "sum by (job) (node_load1) or sum by (instance) (node_load1)",
            "node_load1 > 1",
            "sum(node_load1) / sum(node_uname_info)",
        ] {
            assert_eq!(count(ok, Some(SCHEMA)), 0, "{ok}");
        }
        for bad in [
            "sum by (job) (node_load1) / sum by (instance) (node_load1) > 1",
            "node_load1 / on (nodename) node_uname_info > 1",
            "node_load1 and node_uname_info",
            "node_uname_info unless on (nodename) node_load1",
        ] {
            assert_eq!(count(bad, Some(SCHEMA)), 1, "{bad}");
        }
        // without facts, `by (a)` may yield no `a` at all: not provable
        assert_eq!(count("sum by (a) (x) / sum by (b) (y) > 1", None), 0);
        assert_eq!(count("x / y > 1", None), 0);
    }

    #[test]
    fn points_at_the_operator() {
        let y = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: sum by (job) (node_load1) / sum by (instance) (node_load1) > 1\n";
        let f = findings_with_schema("SCH010", y, Some(SCHEMA));
        assert_eq!(&y[f[0].primary.span.start as usize..f[0].primary.span.end as usize], "/");
        assert!(f[0].message.contains("the left side always has `job`"), "{}", f[0].message);
        assert!(f[0].message.contains("per schema schema.yaml"), "{}", f[0].message);
        assert!(findings("SCH010", y).is_empty());
    }
}
