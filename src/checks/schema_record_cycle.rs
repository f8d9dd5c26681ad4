//! SCH004: recording rules that depend on their own output.

use super::{Check, CheckMeta, Ctx, RuleSite, declare_check};
use crate::rules::RuleKind;
use crate::schema::driver::rule_key;

declare_check! {
    /// ## What it does
    /// Orders the recording rules of all linted files by what they read, and flags every rule that
    /// reads, directly or through other rules, the series it records itself. Reads of a past value
    /// (`offset`, `@`, or a range over the rule's own output: an accumulator or a "hold the last
    /// value" rule) and reads narrowed by a negative matcher (a Thanos ruler re-aggregating
    /// `x{monitor!="global"}` into `x`) are deliberate and not counted.
    ///
    /// ## Why is this bad?
    /// A rule that depends on its own output reads the value it wrote one evaluation earlier (or
    /// nothing, on the first evaluation and across restarts), so the result drifts or stays empty;
    /// across groups the evaluation order makes it worse. It is almost always a name mix-up between
    /// two rules.
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - record: job:http_requests:rate5m
    ///         expr: sum by (job) (job:http_requests:rate5m)
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - record: job:http_requests:rate5m
    ///         expr: sum by (job) (rate(http_requests_total[5m]))
    /// ```
    pub RecordingCycle {
        code: "SCH004",
        name: "recording-rule-cycle",
        category: Correctness,
        severity: Error,
        summary: "a recording rule depends on its own output",
        sources: [],
    }
}

impl Check for RecordingCycle {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn rule(&self, cx: &mut Ctx, site: &RuleSite<'_>) {
        let (RuleKind::Record, Some(k)) = (site.rule.kind, site.knowledge) else { return };
        let Some(c) = k.cycle_of(rule_key(site.file_id(), site.rule.span.start)) else { return };
        let path: Vec<String> = c.path.iter().map(|n| format!("`{n}`")).collect();
        let d = cx.report(
            site.file_id(),
            site.text_span(&site.rule.name),
            format!("recording rule `{}` depends on its own output: {}", site.rule.name.value, path.join(" → ")),
        );
        d.help("read the source metrics instead of the rule's own output");
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::{assert_cases, findings};

    #[test]
    fn cycles_across_rules() {
        let y = "groups:\n- name: g\n  rules:\n  - record: a:x:sum\n    expr: sum(b:x:sum)\n  - record: b:x:sum\n    expr: sum(a:x:sum)\n  - record: c:x:sum\n    expr: sum(a:x:sum)\n";
        let f = findings("SCH004", y);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f[0].message.contains("`a:x:sum` → `b:x:sum` → `a:x:sum`"), "{}", f[0].message);
        assert_cases(
            "SCH004",
            &[
                "groups:\n- name: g\n  rules:\n  - record: a:x:sum\n    expr: sum(x)\n  - record: b:x:sum\n    expr: sum(a:x:sum)\n",
            ],
            &[y],
        );
    }
}
