//! PQL001: expressions Prometheus 3.5 cannot parse (rule expressions, and dashboard queries after
//! their variables are expanded). Reported by the lint driver, which parses every distinct rule
//! expression once.

use super::{Check, CheckMeta, RuleSite, declare_check};
use crate::dashboard::Query;
use crate::diagnostic::{Diagnostic, FileId};
use crate::promql::{ParseError, Span};

/// The finding for a parse error, pointing at the offending token inside the expression.
pub fn diagnostic(site: &RuleSite<'_>, err: &ParseError) -> Diagnostic {
    // an error at the end of the input (an unclosed parenthesis) is shown right after the last
    // character of the expression, not after the trailing line break of a block scalar
    let text = site.rule.expr.as_ref().map_or("", |e| e.value.as_str());
    let end = text.trim_end().len() as u32;
    let at = if err.span.start >= end { Span::new(end, end) } else { err.span };
    let span = site.expr_span(at);
    let mut d = Diagnostic::new(&PromqlSyntax::META, site.file_id(), span, format!("PromQL: {}", err.message));
    if err.message.contains("experimental") || err.message.contains("is not enabled") {
        d.help = Some(EXPERIMENTAL_HELP.into());
    }
    d
}

/// The finding for a dashboard query that does not parse after its variables were expanded. When
/// the error touches a variable that had no value of the kind needed there, the help says so.
pub fn dashboard_diagnostic(file: FileId, query: &Query, err: &ParseError) -> Diagnostic {
    let end = query.text.trim_end().len() as u32;
    let at = if err.span.start >= end { Span::new(end, end) } else { err.span };
    let span = query.map.map_span(at);
    let mut d = Diagnostic::new(&PromqlSyntax::META, file, span, format!("PromQL: {}", err.message));
    let near = |u: &Span| u.start <= at.end + 1 && at.start <= u.end + 1;
    let series_fallback = matches!(
        query.role,
        crate::dashboard::Role::Variable { function: crate::dashboard::query::VarFunction::Series, .. }
    ) && ["label_values", "label_names", "metrics", "query_result"]
        .iter()
        .any(|f| query.text.trim_start().starts_with(f));
    if series_fallback {
        d.help = Some("Grafana did not recognise the variable query's form (`label_values(SELECTOR, LABEL)`, `label_names(SELECTOR)`, `query_result(QUERY)`), so it sends the whole text to Prometheus as a series selector".to_string());
    } else if let Some(u) = query.stand_ins().find(|u| near(&u.replaced)) {
        let with = query.text.get(u.replaced.range()).unwrap_or("");
        d.help = Some(format!(
            "`${}` has no value to try, so it was replaced with `{with}`; if the query needs a value of another kind there, give the variable a current value",
            u.name
        ));
    } else if err.message.contains("experimental") || err.message.contains("is not enabled") {
        d.help = Some(EXPERIMENTAL_HELP.to_string());
    }
    d
}

const EXPERIMENTAL_HELP: &str = "set `experimental_features: true` in .mlmon-lint.yaml if your Prometheus runs with --enable-feature=promql-experimental-functions";

declare_check! {
    /// ## What it does
    /// Parses every rule's `expr` as Prometheus 3.5 does (promtool's defaults: experimental functions
    /// off unless the configuration enables them, no duration arithmetic) and reports the error at the
    /// offending token, mapped back through YAML quoting and block scalars. Dashboard queries are
    /// parsed the same way once their template variables are expanded (a value of the right kind
    /// for each), and the error is mapped back through the JSON string.
    ///
    /// ## Why is this bad?
    /// Prometheus refuses the whole rule file when one expression does not parse; a dashboard panel
    /// whose query does not parse shows an error instead of its data.
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: inference
    ///     rules:
    ///       - record: job:inference_requests:rate5m
    ///         expr: |
    ///           sum by (job) (
    ///             rate(inference_requests_total[5m]
    ///           )
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: inference
    ///     rules:
    ///       - record: job:inference_requests:rate5m
    ///         expr: |
    ///           sum by (job) (
    ///             rate(inference_requests_total[5m])
    ///           )
    /// ```
    pub PromqlSyntax {
        code: "PQL001",
        name: "promql-syntax",
        category: Invalid,
        severity: Error,
        summary: "an expression Prometheus 3.5 cannot parse",
        sources: ["promtool check rules", "pint promql/syntax"],
    }
}

impl Check for PromqlSyntax {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::findings;

    fn at(y: &str) -> (String, String) {
        let f = findings("PQL001", y);
        assert_eq!(f.len(), 1, "{f:#?}");
        let s = f[0].primary.span;
        (y[s.start as usize..(s.end as usize).max(s.start as usize + 1)].to_string(), f[0].message.clone())
    }

    #[test]
    fn positions_inside_plain_quoted_and_block_scalars() {
        // Prometheus's message places a stray `)` just after it (1:28 here); the finding
        // underlines the `)` itself, in file coordinates
        let y = "groups:\n- name: g\n  rules:\n  - record: a\n    expr: sum(rate(x[5m])) by (job) )\n";
        let f = findings("PQL001", y);
        let s = f[0].primary.span;
        assert_eq!((s.start as usize, s.end as usize), (y.rfind(')').unwrap(), y.rfind(')').unwrap() + 1));
        let (t, _) =
            at("groups:\n- name: g\n  rules:\n  - record: a\n    expr: \"up{job=\\\"a\\\"} +\\\n      foo(1)\"\n");
        assert_eq!(t, "foo");
        let (t, _) = at(
            "groups:\n- name: g\n  rules:\n  - record: a\n    expr: |\n      sum(\n        rate(x[5m])\n      ) by (job) @@\n",
        );
        assert!(t.starts_with('@'), "{t}");
        let (t, _) =
            at("groups:\n- name: g\n  rules:\n  - record: a\n    expr: >\n      sum(x)\n      by (job) ++ }\n");
        assert!(t.starts_with('}'), "{t}");
    }

    #[test]
    fn end_of_input_errors_point_after_the_last_character() {
        let y = "groups:\n- name: g\n  rules:\n  - record: a\n    expr: |\n      sum(\n        rate(x[5m])\n\n";
        let f = findings("PQL001", y);
        assert_eq!(f[0].primary.span.start as usize, y.find("[5m])").unwrap() + 5);
    }

    #[test]
    fn experimental_functions_are_refused_by_default() {
        let (_, m) = at("groups:\n- name: g\n  rules:\n  - record: a\n    expr: limitk(2, up)\n");
        assert!(m.contains("experimental"), "{m}");
    }
}
