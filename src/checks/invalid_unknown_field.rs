//! INV001: fields Prometheus 3.5 does not know. Reported by the loader (`crate::rules::load`).

use super::{Check, CheckMeta, declare_check};

declare_check! {
    /// ## What it does
    /// Flags keys that are not part of Prometheus 3.5's rule file format: at the top level
    /// (`groups`), in a group (`name`, `interval`, `query_offset`, `limit`, `rules`, `labels`) and in a
    /// rule (`record`, `alert`, `expr`, `for`, `keep_firing_for`, `labels`, `annotations`).
    ///
    /// ## Why is this bad?
    /// Prometheus reads rule files strictly: one unknown key and the whole file is refused
    /// (`field severity not found in type rulefmt.Rule`), so none of its rules run. Usual causes are a
    /// label put next to `expr` instead of under `labels:`, a typo (`annotation:`), or a key of another
    /// system (Thanos Ruler's `partial_response_strategy`).
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: api
    ///     rules:
    ///       - alert: HighErrorRate
    ///         expr: job:http_errors:ratio_rate5m > 0.05
    ///         severity: page
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: api
    ///     rules:
    ///       - alert: HighErrorRate
    ///         expr: job:http_errors:ratio_rate5m > 0.05
    ///         labels:
    ///           severity: page
    /// ```
    pub UnknownField {
        code: "INV001",
        name: "unknown-field",
        category: Invalid,
        severity: Error,
        summary: "a key Prometheus 3.5 does not know makes it refuse the whole file",
        sources: ["promtool check rules"],
    }
}

impl Check for UnknownField {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::findings;

    #[test]
    fn unknown_keys_at_every_level_are_reported_at_the_key() {
        let y = "groups:\n- name: g\n  partial_response_strategy: warn\n  rules:\n  - alert: A\n    expr: up == 0\n    sevrity: x\nextra: 1\n";
        let f = findings("INV001", y);
        assert_eq!(f.len(), 3);
        let starts: Vec<u32> = f.iter().map(|d| d.primary.span.start).collect();
        for (s, key) in starts.iter().zip(["partial_response_strategy", "sevrity", "extra"]) {
            assert_eq!(&y[*s as usize..*s as usize + key.len()], key);
        }
    }
}
