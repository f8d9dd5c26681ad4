//! INV008: alert labels and annotations whose Go template does not parse.

use super::{Check, CheckMeta, Ctx, RuleSite, declare_check};
use crate::promql::Span;
use crate::rules::RuleKind;
use crate::template::validate_template;

thread_local! {
    /// Templates already seen to parse. Rule files repeat the same annotation templates across
    /// many alerts; whether a template parses does not depend on the alert's name (only the error
    /// message does), so a valid text need not be parsed again.
    static VALID: std::cell::RefCell<std::collections::HashSet<String>> = Default::default();
}

fn known_valid(text: &str) -> bool {
    VALID.with(|v| {
        if v.borrow().contains(text) {
            return true;
        }
        if validate_template("", text).is_ok() {
            v.borrow_mut().insert(text.to_string());
            return true;
        }
        false
    })
}

declare_check! {
    /// ## What it does
    /// Parses every label value and annotation of an alerting rule as a Go template, as Prometheus
    /// does when it loads rules (with `$labels`, `$externalLabels`, `$externalURL` and `$value`
    /// defined), and reports the error at the offending token.
    ///
    /// ## Why is this bad?
    /// Prometheus refuses the whole file when one template does not parse (`annotation
    /// "description": template: __alert_HighLatency:1: unexpected "}" in operand`). Typical causes:
    /// a missing `}` or `$`, an unknown function (`humanise`), a label name with a dot written as
    /// `$labels.team.name` instead of `index $labels "team.name"`.
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: inference
    ///     rules:
    ///       - alert: HighInferenceLatency
    ///         expr: job:inference_latency_seconds:p99 > 0.5
    ///         annotations:
    ///           summary: "p99 latency of {{ $labels.job } is {{ $value | humanizeDuration }}"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: inference
    ///     rules:
    ///       - alert: HighInferenceLatency
    ///         expr: job:inference_latency_seconds:p99 > 0.5
    ///         annotations:
    ///           summary: "p99 latency of {{ $labels.job }} is {{ $value | humanizeDuration }}"
    /// ```
    pub InvalidTemplate {
        code: "INV008",
        name: "invalid-template",
        category: Invalid,
        severity: Error,
        summary: "an alert label or annotation template that does not parse",
        sources: ["promtool check rules", "pint alerts/template"],
    }
}

impl Check for InvalidTemplate {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn rule(&self, cx: &mut Ctx, site: &RuleSite<'_>) {
        if site.rule.kind != RuleKind::Alert {
            return;
        }
        let alert = &site.rule.name.value;
        let fields = site
            .rule
            .labels
            .iter()
            .map(|l| ("label", l))
            .chain(site.rule.annotations.iter().map(|a| ("annotation", a)));
        for (what, pair) in fields {
            if !pair.value.value.contains("{{") {
                continue;
            }
            if known_valid(&pair.value.value) {
                continue;
            }
            if let Err(e) = validate_template(alert, &pair.value.value) {
                let span = site
                    .file
                    .embedded(site.source, &pair.value)
                    .map_span(Span::new(e.span.start as u32, e.span.end as u32));
                cx.report(site.file_id(), span, format!("{what} {:?}: {}", pair.name.value, e.message))
                    .help("fix the template syntax; Prometheus refuses the file otherwise");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::{assert_cases, findings};

    #[test]
    fn cases() {
        assert_cases(
            "INV008",
            &[
                "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    labels: {team: '{{ $labels.job }}'}\n",
                "groups:\n- name: g\n  rules:\n  - record: a\n    expr: up\n    labels: {team: '{{ broken'}\n",
            ],
            &[
                "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    labels: {team: '{{ $labels.job '}\n",
                "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    annotations: {d: '{{ humanise $value }}'}\n",
            ],
        );
    }

    #[test]
    fn message_and_position_follow_prometheus() {
        let y = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    annotations:\n      d: |\n        ok\n        {{ humanise $value }}\n";
        let f = findings("INV008", y);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].message, "annotation \"d\": template: __alert_A:2: function \"humanise\" not defined");
        let s = f[0].primary.span;
        assert!(y[s.start as usize..].starts_with("humanise"), "{:?}", &y[s.start as usize..]);
    }
}
