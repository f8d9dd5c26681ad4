//! SCH012: a recording rule's level names labels its output does not keep, judged with the
//! schema where the expression alone cannot tell (RUL003's blind spot).

use std::collections::BTreeSet;

use super::rule_record_name_parts::level_fits;
use super::{Check, CheckMeta, Ctx, RuleSite, declare_check};
use crate::analysis::{Labels, output_labels};
use crate::rules::RuleKind;
use crate::schema::site::{Scope, label_list};

declare_check! {
    /// ## What it does
    /// Completes `record-name-mismatch` (RUL003) with the schema's help. RUL003 judges the
    /// `level` of a `level:metric:operations` name only when the expression alone fixes the
    /// labels kept (`sum by (job)`); when they depend on the series (`sum without (instance)`, a
    /// bare selector, `rate(x[5m])`), this check works them out from the schema and the recording
    /// rules, and flags a level that names labels the output does not keep.
    ///
    /// ## Why is this bad?
    /// The level tells readers which labels the recorded series has. `path:http_requests:rate5m`
    /// over `sum without (path, instance)` has no `path`, so the dashboards and alerts that group
    /// the recorded series by `path` get one series.
    ///
    /// ## Example
    /// ```yaml,schema
    /// metrics:
    ///   http_requests_total:
    ///     type: counter
    ///     labels: {method: {}, path: {}, status: {}}
    /// ```
    /// ```yaml,bad
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - record: path:http_requests:rate5m
    ///         expr: sum without (instance, path) (rate(http_requests_total[5m]))
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: ml-service
    ///     rules:
    ///       - record: job:http_requests:rate5m
    ///         expr: sum without (instance, path) (rate(http_requests_total[5m]))
    /// ```
    pub RecordLevelSchema {
        code: "SCH012",
        name: "record-level-mismatch",
        category: Correctness,
        severity: Warning,
        summary: "a recording rule's level names labels its output does not keep (per the schema)",
        sources: ["pint promql/aggregate"],
    }
}

impl Check for RecordLevelSchema {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn rule(&self, cx: &mut Ctx, site: &RuleSite<'_>) {
        if site.rule.kind != RuleKind::Record {
            return;
        }
        let Some(sc) = Scope::of_rule(site) else { return };
        let name = &site.rule.name;
        let parts: Vec<&str> = name.value.split(':').collect();
        if parts.len() < 3 || parts.iter().any(|p| p.is_empty()) {
            return;
        }
        if matches!(output_labels(sc.expr), Labels::Known(_)) {
            return; // RUL003 judges it
        }
        let out = sc.labels(sc.expr);
        let Some(may) = &out.may else { return };
        let mut kept: BTreeSet<String> = may.clone();
        kept.extend(site.rule.labels.iter().map(|l| l.name.value.clone()));
        kept.extend(site.group.labels.iter().map(|l| l.name.value.clone()));
        let level = parts[0];
        if level_fits(level, &kept) {
            return;
        }
        let d = cx.report(
            sc.file(),
            site.text_part(name, 0, level.len()),
            format!(
                "level `{level}` names labels the result does not keep (its labels: {}; per {})",
                label_list(out),
                sc.basis(out)
            ),
        );
        d.help("name the level after labels the result keeps, or keep the labels the level names");
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::findings_with_schema;

    const SCHEMA: &str = "metrics:\n  req_total: {type: counter, labels: {path: , status: }}\n";

    fn count(name: &str, expr: &str) -> usize {
        let y = format!("groups:\n- name: g\n  rules:\n  - record: {name}\n    expr: {expr}\n");
        findings_with_schema("SCH012", &y, Some(SCHEMA)).len()
    }

    #[test]
    fn cases() {
        assert_eq!(count("job:req:rate5m", "sum without (instance, path) (rate(req_total[5m]))"), 0);
        assert_eq!(count("instance_path:req:rate5m", "rate(req_total[5m])"), 0);
        assert_eq!(count("path:req:rate5m", "sum without (instance, path) (rate(req_total[5m]))"), 1);
        assert_eq!(count("pod:req:rate5m", "rate(req_total[5m])"), 1);
        assert_eq!(count("pod:req:rate5m", "rate(unknown_total[5m])"), 0, "unknown labels");
        assert_eq!(count("pod:req:rate5m", "sum by (job) (rate(req_total[5m]))"), 0, "RUL003's case");
    }
}
