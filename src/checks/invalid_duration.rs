//! INV007: durations Prometheus cannot parse. Reported by the loader.

use super::{Check, CheckMeta, declare_check};

declare_check! {
    /// ## What it does
    /// Flags `for`, `keep_firing_for`, `interval` and `query_offset` values that are not Prometheus
    /// durations: integers with units from largest to smallest (`1h30m`, `90s`), or `0`.
    ///
    /// ## Why is this bad?
    /// Prometheus refuses the file ("not a valid duration string"). Common slips: no unit (`for: 5`),
    /// a fraction (`1.5m`), a space (`5 m`), or units out of order (`30s1m`).
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: training
    ///     interval: 1.5m
    ///     rules:
    ///       - alert: TrainingStalled
    ///         expr: rate(training_steps_total[10m]) == 0
    ///         for: 15
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: training
    ///     interval: 90s
    ///     rules:
    ///       - alert: TrainingStalled
    ///         expr: rate(training_steps_total[10m]) == 0
    ///         for: 15m
    /// ```
    pub InvalidDuration {
        code: "INV007",
        name: "invalid-duration",
        category: Invalid,
        severity: Error,
        summary: "a duration Prometheus cannot parse (`5`, `1.5m`, `30s1m`)",
        sources: ["promtool check rules"],
    }
}

impl Check for InvalidDuration {
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
            "INV007",
            &[
                "groups:\n- name: g\n  interval: 1m\n  query_offset: 0\n  rules:\n  - alert: A\n    expr: up\n    for: 1h30m\n",
            ],
            &[
                "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: 5\n",
                "groups:\n- name: g\n  query_offset: -1m\n  rules: []\n",
                "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    keep_firing_for: ''\n",
            ],
        );
    }

    #[test]
    fn message_is_prometheus_text() {
        let f = findings("INV007", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: 5\n");
        assert_eq!(f[0].message, "invalid `for`: not a valid duration string: \"5\"");
    }
}
