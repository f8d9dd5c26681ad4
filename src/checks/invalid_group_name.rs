//! INV006: empty or repeated group names. Reported by the loader.

use super::{Check, CheckMeta, declare_check};

declare_check! {
    /// ## What it does
    /// Flags a rule group without a name, and a group name used twice in one file.
    ///
    /// ## Why is this bad?
    /// Prometheus identifies a group by its file and name; it refuses a file with an empty or
    /// repeated group name ("groupname: \"api\" is repeated in the same file").
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: model-server
    ///     rules:
    ///       - record: job:inference_requests:rate5m
    ///         expr: sum by (job) (rate(inference_requests_total[5m]))
    ///   - name: model-server
    ///     rules:
    ///       - alert: ModelServerDown
    ///         expr: up{job="model-server"} == 0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: model-server-recording
    ///     rules:
    ///       - record: job:inference_requests:rate5m
    ///         expr: sum by (job) (rate(inference_requests_total[5m]))
    ///   - name: model-server-alerts
    ///     rules:
    ///       - alert: ModelServerDown
    ///         expr: up{job="model-server"} == 0
    /// ```
    pub GroupName {
        code: "INV006",
        name: "group-name",
        category: Invalid,
        severity: Error,
        summary: "a rule group name is empty or repeated in the file",
        sources: ["promtool check rules"],
    }
}

impl Check for GroupName {
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
            "INV006",
            &["groups:\n- name: a\n  rules: []\n- name: b\n  rules: []\n"],
            &["groups:\n- rules: []\n", "groups:\n- name: ''\n  rules: []\n"],
        );
    }

    #[test]
    fn repeated_name_points_at_the_second_with_the_first_as_secondary() {
        let y = "groups:\n- name: a\n  rules: []\n- name: a\n  rules: []\n";
        let f = findings("INV006", y);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].primary.span.start as usize, y.rfind("a\n").unwrap());
        assert_eq!(f[0].secondary[0].span.start as usize, y.find("a\n").unwrap());
    }
}
