//! INV003: a rule without `expr`. Reported by the loader.

use super::{Check, CheckMeta, declare_check};

declare_check! {
    /// ## What it does
    /// Flags a rule whose `expr` is missing, null or empty.
    ///
    /// ## Why is this bad?
    /// A rule evaluates its expression; without one Prometheus refuses the file ("field 'expr' must be
    /// set in rule"). Often the expression ended up under the wrong key or indentation.
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: availability
    ///     rules:
    ///       - alert: ModelServerDown
    ///         for: 5m
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: availability
    ///     rules:
    ///       - alert: ModelServerDown
    ///         expr: up{job="model-server"} == 0
    ///         for: 5m
    /// ```
    pub MissingExpr {
        code: "INV003",
        name: "missing-expr",
        category: Invalid,
        severity: Error,
        summary: "a rule has no `expr`",
        sources: ["promtool check rules"],
    }
}

impl Check for MissingExpr {
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
            "INV003",
            &["groups:\n- name: g\n  rules:\n  - record: a\n    expr: '0'\n"],
            &[
                "groups:\n- name: g\n  rules:\n  - record: a\n    expr:\n",
                "groups:\n- name: g\n  rules:\n  - record: a\n    expr: ''\n",
            ],
        );
    }
}
