//! SUP001: suppression comments that suppress nothing.

use super::{Check, CheckMeta, declare_check};
use crate::diagnostic::{Diagnostic, FileId};
use crate::suppress::{BadComment, Suppression};

/// Findings for the unused, unknown and malformed suppressions of one file.
pub fn findings(file: FileId, sups: &[Suppression], bad: &[BadComment]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for s in sups.iter().filter(|s| !s.used) {
        let scope = if s.file_wide { "disable-file" } else { "disable" };
        let d = match s.code.and_then(crate::checks::find) {
            None => Diagnostic::new(
                &UnusedSuppression::META,
                file,
                s.span,
                format!("unknown check `{}` in suppression", s.written),
            )
            .with_help("use a code or name from `mlmon-lint checks`"),
            Some(m) if m.category == crate::diagnostic::Category::Invalid => Diagnostic::new(
                &UnusedSuppression::META,
                file,
                s.span,
                format!("`{scope}={}` cannot suppress {}: Prometheus would still refuse the file", s.written, m.code),
            )
            .with_help("fix the problem instead; remove the comment"),
            Some(m) => Diagnostic::new(
                &UnusedSuppression::META,
                file,
                s.span,
                format!("`{scope}={}` suppresses nothing: no {} ({}) finding here", s.written, m.code, m.name),
            )
            .with_help("remove the suppression, or move it onto the rule it was meant for"),
        };
        out.push(d);
    }
    for b in bad {
        out.push(Diagnostic::new(&UnusedSuppression::META, file, b.span, b.message.clone()));
    }
    out
}

declare_check! {
    /// ## What it does
    /// Flags `# mlmon-lint disable=...` and `# mlmon-lint disable-file=...` comments that suppress no
    /// finding, name an unknown check, or are misspelt.
    ///
    /// ## Why is this bad?
    /// A suppression outlives the problem it silenced: once the rule is fixed, moved or renamed the
    /// comment silences nothing, or worse, a different future finding. Reporting unused ones keeps
    /// every suppression deliberate.
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: model-server
    ///     rules:
    ///       # mlmon-lint disable=alert-always-fires
    ///       - alert: ModelServerDown
    ///         expr: up{job="model-server"} == 0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: model-server
    ///     rules:
    ///       - alert: ModelServerDown
    ///         expr: up{job="model-server"} == 0
    /// ```
    pub UnusedSuppression {
        code: "SUP001",
        name: "unused-suppression",
        category: Style,
        severity: Warning,
        summary: "a suppression comment that suppresses nothing",
        sources: ["ruff RUF100", "pint pint/comment"],
    }
}

impl Check for UnusedSuppression {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::{assert_cases, findings};

    const ALWAYS: &str = "groups:\n- name: g\n  rules:\n  # mlmon-lint disable=RUL001\n  - alert: A\n    expr: up\n";

    #[test]
    fn used_suppression_silences_and_is_not_reported() {
        assert!(findings("RUL001", ALWAYS).is_empty());
        assert!(findings("SUP001", ALWAYS).is_empty());
    }

    #[test]
    fn cases() {
        assert_cases(
            "SUP001",
            &[
                "groups:\n- name: g\n  rules:\n  - alert: A # mlmon-lint disable=alert-always-fires\n    expr: up\n",
                "# mlmon-lint disable-file=RUL001\ngroups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n",
            ],
            &[
                "groups:\n- name: g\n  rules:\n  # mlmon-lint disable=RUL001\n  - alert: A\n    expr: up == 0\n",
                "# mlmon-lint disable=NOPE\ngroups: []\n",
                "# mlmon-lint disable=PQL001\ngroups: []\n",
                "# mlmon-lint ignore=RUL001\ngroups: []\n",
            ],
        );
    }

    #[test]
    fn suppression_of_another_rule_does_not_leak() {
        let y = "groups:\n- name: g\n  rules:\n  # mlmon-lint disable=RUL001\n  - alert: A\n    expr: up == 0\n  - alert: B\n    expr: up\n";
        assert_eq!(findings("RUL001", y).len(), 1);
        assert_eq!(findings("SUP001", y).len(), 1);
    }
}
