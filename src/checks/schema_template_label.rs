//! SCH011: an alert template reads `$labels.x` where `x` cannot be in the alert's output.

use super::{Check, CheckMeta, Ctx, RuleSite, declare_check};
use crate::schema::site::{Scope, label_list};
use crate::schema::suggest;
use crate::schema::template_refs::label_refs;

declare_check! {
    /// ## What it does
    /// For alerting rules, reads the `annotations` and `labels` templates and flags each
    /// `$labels.x` (also `.Labels.x` and `index $labels "x"`) where the alert expression's result
    /// can never carry `x`, according to label inference over the schema and recording rules.
    /// The finding points at the reference inside the template.
    ///
    /// ## Why is this bad?
    /// `$labels` holds the labels of the series the expression returned, nothing else: not the
    /// rule's own `labels:`, and nothing an aggregation dropped. A missing label expands to an
    /// empty string, so the page says "High latency on " with no instance, and the on-call
    /// engineer does not know where to look. It typically follows from `sum by (job)` in the
    /// expression while the summary asks for `$labels.instance`.
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
    ///         expr: sum by (job) (rate(http_requests_total{status=~"5.."}[5m])) > 1
    ///         annotations:
    ///           summary: "5xx errors on {{ $labels.path }}"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - alert: HighErrorRate
    ///         expr: sum by (job, path) (rate(http_requests_total{status=~"5.."}[5m])) > 1
    ///         annotations:
    ///           summary: "5xx errors on {{ $labels.path }}"
    /// ```
    pub TemplateLabelMissing {
        code: "SCH011",
        name: "template-label-missing",
        category: Correctness,
        severity: Warning,
        summary: "an alert template reads a label the alert's result never has",
        sources: ["pint alerts/template"],
    }
}

impl Check for TemplateLabelMissing {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn rule(&self, cx: &mut Ctx, site: &RuleSite<'_>) {
        let Some(sc) = Scope::of_rule(site) else { return };
        if !sc.is_alert() {
            return;
        }
        let out = sc.labels(sc.expr);
        if out.is_open() {
            return;
        }
        let rule = site.rule;
        for (kind, pair) in
            rule.annotations.iter().map(|p| ("annotation", p)).chain(rule.labels.iter().map(|p| ("label", p)))
        {
            for r in label_refs(&pair.value.value) {
                if r.name == "__name__" || !out.lacks(&r.name) {
                    continue;
                }
                let d = cx.report(
                    sc.file(),
                    site.text_part(&pair.value, r.start, r.end),
                    format!(
                        "{kind} `{}` reads `$labels.{}`, which the alert's result never has (its labels: {}; per {})",
                        pair.name.value,
                        r.name,
                        label_list(out),
                        sc.basis(out)
                    ),
                );
                if rule.labels.iter().any(|l| l.name.value == r.name) {
                    d.help(format!(
                        "`{}` is one of the rule's own labels, which `$labels` does not include: write its value directly",
                        r.name
                    ));
                } else if let Some(n) =
                    out.may.as_ref().and_then(|m| suggest::closest(&r.name, m.iter().map(String::as_str)))
                {
                    d.help(suggest::did_you_mean(Some(&n)));
                } else {
                    d.help(format!(
                        "keep `{}` in the expression's result (e.g. in `by (...)`), or drop it from the template",
                        r.name
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::findings_with_schema;

    const SCHEMA: &str = "metrics:\n  node_load1: {type: gauge, labels: {}}\n";

    fn run(expr: &str, summary: &str) -> Vec<String> {
        let y = format!(
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: {expr}\n    labels:\n      severity: page\n    annotations:\n      summary: '{summary}'\n"
        );
        findings_with_schema("SCH011", &y, Some(SCHEMA))
            .iter()
            .map(|d| y[d.primary.span.start as usize..d.primary.span.end as usize].to_string())
            .collect()
    }

    #[test]
    fn cases() {
        assert!(run("node_load1 > 1", "{{ $labels.instance }} {{ $labels.job }} {{ $value }}").is_empty());
        assert!(run("unknown > 1", "{{ $labels.anything }}").is_empty(), "open output");
        assert_eq!(run("sum by (job) (node_load1) > 1", "load on {{ $labels.instance }}"), ["$labels.instance"]);
        assert_eq!(run("node_load1 > 1", "{{ $labels.severity }}"), ["$labels.severity"]);
        assert_eq!(run("node_load1 > 1", "{{ index $labels \"pod\" }}"), ["index $labels \"pod\""]);
    }

    #[test]
    fn rule_label_help() {
        let y = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: node_load1 > 1\n    labels:\n      severity: page\n    annotations:\n      summary: '{{ $labels.severity }}'\n";
        let f = findings_with_schema("SCH011", y, Some(SCHEMA));
        assert!(f[0].help.as_deref().unwrap().contains("rule's own labels"), "{:?}", f[0].help);
    }
}
