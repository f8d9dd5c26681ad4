//! RUL005: `for`/`keep_firing_for` shorter than the group's evaluation interval.

use super::{Check, CheckMeta, Ctx, RuleSite, declare_check};
use crate::rules::{RuleKind, duration};

declare_check! {
    /// ## What it does
    /// Flags an alert whose `for` or `keep_firing_for` is shorter than its group's evaluation
    /// interval (the group's `interval`, else `evaluation_interval` from `.mlmon-lint.yaml`, default
    /// 1m).
    ///
    /// ## Why is this bad?
    /// Alerts are only evaluated once per interval. `for: 30s` in a group evaluated every minute
    /// means "pending for one evaluation", exactly like `for: 1m`: the value written promises a
    /// precision the rule does not have, and usually comes from a copy between groups with
    /// different intervals.
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: gpu
    ///     interval: 2m
    ///     rules:
    ///       - alert: GPUMemoryNearlyFull
    ///         expr: gpu_memory_used_bytes / gpu_memory_total_bytes > 0.95
    ///         for: 1m
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: gpu
    ///     interval: 2m
    ///     rules:
    ///       - alert: GPUMemoryNearlyFull
    ///         expr: gpu_memory_used_bytes / gpu_memory_total_bytes > 0.95
    ///         for: 6m
    /// ```
    pub ForShorterThanInterval {
        code: "RUL005",
        name: "for-shorter-than-interval",
        category: Suspicious,
        severity: Warning,
        summary: "`for`/`keep_firing_for` shorter than the group's evaluation interval",
        sources: ["pint group/interval"],
    }
}

impl Check for ForShorterThanInterval {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn rule(&self, cx: &mut Ctx, site: &RuleSite<'_>) {
        if site.rule.kind != RuleKind::Alert {
            return;
        }
        let (interval, from) = match site.group.interval {
            Some(i) if i.ms > 0 => (i.ms, "the group's `interval`"),
            _ => (site.options.evaluation_interval_ms, "evaluation_interval"),
        };
        for (field, d) in [("for", site.rule.for_), ("keep_firing_for", site.rule.keep_firing_for)] {
            let Some(d) = d else { continue };
            if d.ms == 0 || d.ms >= interval {
                continue;
            }
            let d2 = cx.report(
                site.file_id(),
                site.span(d.span),
                format!(
                    "`{field}: {}` is shorter than {from} ({}): it means one evaluation, like `{field}: {}`",
                    duration::format(d.ms),
                    duration::format(interval),
                    duration::format(interval)
                ),
            );
            d2.help(format!("use `{field}: {}` or longer", duration::format(interval)));
            if let Some(i) = site.group.interval {
                d2.secondary(site.file_id(), site.span(i.span), "group interval");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "RUL005",
            &[
                "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 1m\n",
                "groups:\n- name: g\n  interval: 15s\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 30s\n",
                "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 0s\n",
            ],
            &[
                "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 30s\n",
                "groups:\n- name: g\n  interval: 5m\n  rules:\n  - alert: A\n    expr: up == 0\n    keep_firing_for: 1m\n",
            ],
        );
    }
}
