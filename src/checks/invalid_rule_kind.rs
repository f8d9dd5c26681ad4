//! INV002: a rule must set exactly one of `record` and `alert`. Reported by the loader.

use super::{Check, CheckMeta, declare_check};

declare_check! {
    /// ## What it does
    /// Flags a rule that sets both `record` and `alert`, or neither.
    ///
    /// ## Why is this bad?
    /// Prometheus cannot tell what the rule is: it refuses the file ("only one of 'record' and
    /// 'alert' must be set" / "one of 'record' or 'alert' must be set").
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: latency
    ///     rules:
    ///       - record: job:request_latency_seconds:p99
    ///         alert: SlowRequests
    ///         expr: histogram_quantile(0.99, sum by (job, le) (rate(request_latency_seconds_bucket[5m])))
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: latency
    ///     rules:
    ///       - record: job:request_latency_seconds:p99
    ///         expr: histogram_quantile(0.99, sum by (job, le) (rate(request_latency_seconds_bucket[5m])))
    ///       - alert: SlowRequests
    ///         expr: job:request_latency_seconds:p99 > 0.5
    /// ```
    pub RuleKindConflict {
        code: "INV002",
        name: "record-xor-alert",
        category: Invalid,
        severity: Error,
        summary: "a rule sets both `record` and `alert`, or neither",
        sources: ["promtool check rules"],
    }
}

impl Check for RuleKindConflict {
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
            "INV002",
            &["groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n"],
            &[
                "groups:\n- name: g\n  rules:\n  - expr: up == 0\n",
                "groups:\n- name: g\n  rules:\n  - record: ''\n    alert: ''\n    expr: up\n",
            ],
        );
    }
}
