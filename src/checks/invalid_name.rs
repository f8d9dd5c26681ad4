//! INV005: names Prometheus refuses. Reported by the loader.

use super::{Check, CheckMeta, declare_check};

declare_check! {
    /// ## What it does
    /// Flags names Prometheus 3.5 refuses when it loads rules: a recording rule name containing `{`
    /// or `}`, a label (rule or group) named `__name__`, and empty label or annotation names.
    ///
    /// Prometheus 3.5 validates names as UTF-8, so `team.name` or `foo-bar` are accepted; PromQL
    /// then needs the quoted form (`{"team.name"="x"}`) to select them.
    ///
    /// ## Why is this bad?
    /// Prometheus refuses the whole file. Braces in a recording rule name are the usual mistake: the
    /// matchers were meant for `expr`.
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: gpu
    ///     rules:
    ///       - record: job:gpu_utilization:avg{cluster="a"}
    ///         expr: avg by (job) (gpu_utilization_ratio{cluster="a"})
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: gpu
    ///     rules:
    ///       - record: job:gpu_utilization:avg
    ///         expr: avg by (job) (gpu_utilization_ratio{cluster="a"})
    /// ```
    pub InvalidName {
        code: "INV005",
        name: "invalid-name",
        category: Invalid,
        severity: Error,
        summary: "a rule, label or annotation name Prometheus refuses",
        sources: ["promtool check rules"],
    }
}

impl Check for InvalidName {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "INV005",
            &[
                "groups:\n- name: g\n  rules:\n  - record: foo-bar.baz\n    expr: up\n    labels: {team.name: x}\n",
                "groups:\n- name: g\n  labels: {team: x}\n  rules: []\n",
            ],
            &[
                "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels: {__name__: x}\n",
                "groups:\n- name: g\n  labels: {__name__: x}\n  rules: []\n",
                "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations: {'': x}\n",
            ],
        );
    }
}
