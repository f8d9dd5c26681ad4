//! RUL002: recording-rule names that do not follow `level:metric:operations`.

use super::{Check, CheckMeta, Ctx, RuleSite, declare_check};
use crate::rules::RuleKind;

/// What is wrong with a name's shape, if anything.
fn problem(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split(':').collect();
    if parts.len() < 3 {
        return Some(format!(
            "recording rule name `{name}` does not follow level:metric:operations ({} `:`)",
            if parts.len() == 1 { "no" } else { "only one" }
        ));
    }
    if parts.iter().any(|p| p.is_empty()) {
        return Some(format!("recording rule name `{name}` has an empty part in level:metric:operations"));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == ':')) {
        return Some(format!("recording rule name `{name}` contains `{c}`, so PromQL can only select it quoted"));
    }
    None
}

declare_check! {
    /// ## What it does
    /// Flags recording-rule names that do not have the `level:metric:operations` shape Prometheus
    /// recommends: at least two `:`, no empty part, and only `[a-zA-Z0-9_:]`.
    ///
    /// ## Why is this bad?
    /// The colons are what tells a reader (and a query author) that a series is recorded, how far it
    /// is aggregated (`job:`), what it measures and what was done to it (`:rate5m`). Names without the
    /// shape look like raw exporter metrics and are hard to find again; names with other characters
    /// must be quoted in every query (`{"ml.latency:p90"}`).
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: inference
    ///     rules:
    ///       - record: inference_requests_rate
    ///         expr: sum by (job) (rate(inference_requests_total[5m]))
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
    ///
    /// ## References
    /// Prometheus documentation, "Recording rules" best practices (naming and aggregation).
    pub RecordNameFormat {
        code: "RUL002",
        name: "record-name-format",
        category: Style,
        severity: Warning,
        summary: "a recording-rule name not shaped level:metric:operations",
        sources: [],
    }
}

impl Check for RecordNameFormat {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn rule(&self, cx: &mut Ctx, site: &RuleSite<'_>) {
        if site.rule.kind != RuleKind::Record {
            return;
        }
        if let Some(msg) = problem(&site.rule.name.value) {
            cx.report(site.file_id(), site.text_span(&site.rule.name), msg)
                .help("name it level:metric:operations, e.g. job:inference_requests:rate5m");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::problem;
    use crate::checks::testing::assert_cases;

    #[test]
    fn shapes() {
        assert_eq!(problem("job:x:rate5m"), None);
        assert_eq!(problem("cluster:namespace:pod_cpu:active:kube_pod"), None);
        assert!(problem("x").unwrap().contains("no `:`"));
        assert!(problem("job:x").unwrap().contains("only one"));
        assert!(problem("job::rate5m").unwrap().contains("empty part"));
        assert!(problem("job:x.y:rate5m").unwrap().contains("quoted"));
    }

    #[test]
    fn cases() {
        assert_cases(
            "RUL002",
            &[
                "groups:\n- name: g\n  rules:\n  - record: job:x:rate5m\n    expr: sum by (job) (rate(x[5m]))\n  - alert: NoColons\n    expr: up == 0\n",
            ],
            &["groups:\n- name: g\n  rules:\n  - record: x_rate\n    expr: rate(x[5m])\n"],
        );
    }
}
