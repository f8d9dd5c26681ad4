//! INV004: `for`, `keep_firing_for` or `annotations` on a recording rule. Reported by the loader.

use super::{Check, CheckMeta, declare_check};

declare_check! {
    /// ## What it does
    /// Flags recording rules that carry `for`, `keep_firing_for` (non-zero) or `annotations`.
    ///
    /// ## Why is this bad?
    /// Those fields only mean something for alerts; Prometheus refuses the file ("invalid field 'for'
    /// in recording rule"). Usually an alert was turned into a recording rule, or the other way round,
    /// and only half edited.
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: inference
    ///     rules:
    ///       - record: job:inference_requests:rate5m
    ///         expr: sum by (job) (rate(inference_requests_total[5m]))
    ///         for: 5m
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: inference
    ///     rules:
    ///       - record: job:inference_requests:rate5m
    ///         expr: sum by (job) (rate(inference_requests_total[5m]))
    /// ```
    pub RecordingRuleField {
        code: "INV004",
        name: "recording-rule-alert-field",
        category: Invalid,
        severity: Error,
        summary: "a recording rule has `for`, `keep_firing_for` or `annotations`",
        sources: ["promtool check rules"],
    }
}

impl Check for RecordingRuleField {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::{assert_cases, findings};

    #[test]
    fn cases() {
        assert_cases(
            "INV004",
            &["groups:\n- name: g\n  rules:\n  - record: a\n    expr: up\n    for: 0s\n"],
            &[
                "groups:\n- name: g\n  rules:\n  - record: a\n    expr: up\n    keep_firing_for: 1m\n",
                "groups:\n- name: g\n  rules:\n  - record: a\n    expr: up\n    annotations: {a: b}\n",
            ],
        );
    }

    #[test]
    fn points_at_the_field() {
        let y = "groups:\n- name: g\n  rules:\n  - record: a\n    expr: up\n    for: 5m\n";
        let f = findings("INV004", y);
        assert_eq!(&y[f[0].primary.span.start as usize..f[0].primary.span.end as usize], "for");
    }
}
