//! SCH003: a selector reads a `level:metric:operation` metric that no recording rule produces.

use super::{Check, CheckMeta, Ctx, RuleSite, declare_check};
use crate::promql::ast::Expr;
use crate::schema::knowledge::{looks_recorded, name_span};
use crate::schema::site::Scope;
use crate::schema::suggest;

declare_check! {
    /// ## What it does
    /// Flags selectors of names with a colon (`job:http_requests:rate5m`), which by convention only
    /// recording rules produce, when no recording rule among the linted files records that name and
    /// the schema does not declare it either, and suggests the nearest recorded name. Without a
    /// schema only near misses of a recorded name are reported (`job:http_request:rate5m` when
    /// `job:http_requests:rate5m` is recorded): some applications export colon names themselves.
    /// Names starting with a colon (`:tensorflow:serving:...`) are exporters' own. Lint the rule
    /// files that record and the ones that read together.
    ///
    /// ## Why is this bad?
    /// A recorded series nobody records is always empty. This happens when a recording rule is
    /// renamed (`rate5m` → `rate1m`) and its readers are not, when a rule file is dropped from the
    /// configuration, or from a typo; the alerts built on it then never fire.
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - record: job:http_requests:rate5m
    ///         expr: sum by (job) (rate(http_requests_total[5m]))
    ///       - alert: NoTraffic
    ///         expr: job:http_request:rate5m == 0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - record: job:http_requests:rate5m
    ///         expr: sum by (job) (rate(http_requests_total[5m]))
    ///       - alert: NoTraffic
    ///         expr: job:http_requests:rate5m == 0
    /// ```
    pub UndefinedRecorded {
        code: "SCH003",
        name: "undefined-recorded-metric",
        category: Correctness,
        severity: Warning,
        summary: "reads a level:metric:operation series that no recording rule produces",
        sources: [],
    }
}

impl Check for UndefinedRecorded {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn rule(&self, cx: &mut Ctx, site: &RuleSite<'_>) {
        let Some(sc) = Scope::of_rule(site) else { return };
        let k = sc.knowledge;
        sc.expr.walk(&mut |e| {
            let sel = match e {
                Expr::VectorSelector(s) => s,
                Expr::MatrixSelector(m) => &m.selector,
                _ => return,
            };
            let Some(name) = sel.metric_name() else { return };
            if !looks_recorded(name) || k.knows(name) {
                return;
            }
            let near = suggest::closest(name, k.recorded.keys().map(String::as_str));
            // Without a schema, an application may export colon names itself (GitLab's
            // `gitlab_sli:...:total`): only a near miss of a recorded name is reported.
            if !k.has_schema() && near.is_none() {
                return;
            }
            let d = cx.report(
                sc.file(),
                sc.span(name_span(sel)),
                format!("no recording rule in the linted files records `{name}`"),
            );
            d.help(match near {
                Some(n) => suggest::did_you_mean(Some(&n)),
                None => "lint the rule file that records it together with this one, or fix the name".to_string(),
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::{assert_cases, findings_with_schema};

    #[test]
    fn with_a_schema_every_unknown_colon_name() {
        let y = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: rate(gitlab_sli:apdex:total[5m]) > 1\n";
        assert_eq!(findings_with_schema("SCH003", y, Some("metrics: {}\n")).len(), 1);
        let declared = "metrics:\n  gitlab_sli:apdex:total: {type: counter}\n";
        assert!(findings_with_schema("SCH003", y, Some(declared)).is_empty());
    }

    #[test]
    fn cases() {
        let rules = |alert_expr: &str| {
            format!(
                "groups:\n- name: g\n  rules:\n  - record: job:x:rate5m\n    expr: sum by (job) (rate(x_total[5m]))\n  - alert: A\n    expr: '{alert_expr}'\n"
            )
        };
        let pass = [
            rules("job:x:rate5m > 1"),
            rules("x_total > 1"),
            rules("sum(job:x:rate5m) by (job)"),
            rules("rate(gitlab_sli:apdex:total[5m]) > 1"),
            rules("rate(:tensorflow:serving:request_count[5m]) > 1"),
        ];
        let fail = [rules("job:x:rate1m > 1"), rules("rate(job:x:rate5n[5m]) > 1")];
        assert_cases(
            "SCH003",
            &pass.iter().map(String::as_str).collect::<Vec<_>>(),
            &fail.iter().map(String::as_str).collect::<Vec<_>>(),
        );
    }
}
