//! SCH006: a matcher value that no value the schema allows can satisfy.

use super::{Check, CheckMeta, Ctx, ExprSite, declare_check};
use crate::promql::ast::Expr;
use crate::schema::site::Scope;
use crate::schema::suggest;
use crate::schema::values::check_matcher;

declare_check! {
    /// ## What it does
    /// When the schema restricts a label's values (`values: [...]` or `regex: ...`), flags an `=`
    /// or `=~` matcher that none of them can satisfy, such as `status="5xx"` where the exporter
    /// writes numeric codes. A regex matcher is judged against the listed values, and against the
    /// schema's regex when the matcher spells out a finite set (`GET|PUT`). Negative matchers and
    /// matchers that also match the empty string are not judged. Text that came from a dashboard
    /// variable is never judged.
    ///
    /// ## Why is this bad?
    /// The selector returns nothing, so the alert never fires and the panel stays flat, with no
    /// error anywhere. Value spellings differ between exporters (`5xx` vs `500`, `POST` vs `post`,
    /// `/predict` vs `predict`), which makes this one of the commonest silent mistakes.
    ///
    /// ## Example
    /// ```yaml,schema
    /// metrics:
    ///   http_requests_total:
    ///     type: counter
    ///     labels:
    ///       status: {regex: "[1-5][0-9]{2}"}
    ///       method: {values: [GET, POST]}
    /// ```
    /// ```yaml,bad
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - alert: ServerErrors
    ///         expr: sum(rate(http_requests_total{status="5xx"}[5m])) > 1
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - alert: ServerErrors
    ///         expr: sum(rate(http_requests_total{status=~"5.."}[5m])) > 1
    /// ```
    pub ImpossibleLabelValue {
        code: "SCH006",
        name: "impossible-label-value",
        category: Schema,
        severity: Warning,
        summary: "a matcher value no value the schema allows can satisfy",
        sources: [],
    }
}

impl Check for ImpossibleLabelValue {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn expr(&self, cx: &mut Ctx, site: &ExprSite<'_>) {
        let Some(sc) = Scope::of_expr(site) else { return };
        let schema = &sc.knowledge.schema;
        sc.expr.walk(&mut |e| {
            let sel = match e {
                Expr::VectorSelector(s) => s,
                Expr::MatrixSelector(m) => &m.selector,
                _ => return,
            };
            let Some(name) = sel.metric_name() else { return };
            if sc.knowledge.recorded.contains_key(name) {
                return;
            }
            let Some(series) = schema.series(name) else { return };
            for m in &sel.matchers {
                if sc.from_variable(m.value_span) {
                    continue;
                }
                let Some(def) = series.metric.labels.get(&m.name) else { continue };
                let Some(u) = check_matcher(m, def) else { continue };
                let d = cx.report(
                    sc.file(),
                    sc.span(m.value_span),
                    format!(
                        "no series of `{name}` has `{}` {} {:?}: the schema allows {} (schema {})",
                        m.name,
                        if m.op == crate::promql::MatchOp::Equal { "equal to" } else { "matching" },
                        m.value,
                        u.allowed,
                        schema.path_of(series.metric.source)
                    ),
                );
                d.help(match &u.suggestion {
                    Some(s) => suggest::did_you_mean(Some(s)),
                    None => "use a value the exporter writes, or widen the schema if it is out of date".to_string(),
                });
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::findings_with_schema;

    const SCHEMA: &str = "metrics:
  http_requests_total:
    type: counter
    labels:
      status: {regex: \"[1-5][0-9]{2}\"}
      method: {values: [GET, POST]}
      path:
";

    fn count(expr: &str) -> usize {
        let y = format!("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: '{expr}'\n");
        findings_with_schema("SCH006", &y, Some(SCHEMA)).len()
    }

    #[test]
    fn cases() {
        for ok in [
            "http_requests_total{status=\"503\", method=\"GET\", path=\"/x\"}",
            "http_requests_total{status=~\"5..\", method=~\"GET|POST\"}",
            "http_requests_total{status!=\"5xx\", method!~\"get\"}",
            "http_requests_total{method=~\"get|\"}",
            "http_requests_total{method=\"\"}",
            "other{status=\"5xx\"}",
        ] {
            assert_eq!(count(ok), 0, "{ok}");
        }
        assert_eq!(count("http_requests_total{status=\"5xx\"}"), 1);
        assert_eq!(count("http_requests_total{method=\"post\"}"), 1);
        assert_eq!(count("http_requests_total{method=~\"get|put\"}"), 1);
        assert_eq!(count("http_requests_total{status=~\"5xx|4xx\"}"), 1);
    }

    #[test]
    fn span_and_suggestion() {
        let y = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: 'http_requests_total{method=\"Get\"}'\n";
        let f = findings_with_schema("SCH006", y, Some(SCHEMA));
        assert_eq!(&y[f[0].primary.span.start as usize..f[0].primary.span.end as usize], "\"Get\"");
        assert_eq!(f[0].help.as_deref(), Some("did you mean `GET`?"));
        assert!(f[0].message.contains("the schema allows one of GET, POST"), "{}", f[0].message);
    }
}
