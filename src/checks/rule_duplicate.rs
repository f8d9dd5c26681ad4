//! RUL004: the same rule (name and labels) defined twice among all the files linted together.

use std::collections::HashMap;

use super::{Check, CheckMeta, Ctx, ProjectSite, declare_check};
use crate::rules::{RuleFile, RuleKind};
use crate::source::SourceFile;

/// A rule's identity: kind, name and its final labels (group labels overridden by rule labels).
type Key<'a> = (RuleKind, &'a str, Vec<(&'a str, &'a str)>);

fn identity(rf: &RuleFile, gi: usize, ri: usize) -> Option<Key<'_>> {
    let g = rf.groups.get(gi)?;
    let r = g.rules.get(ri)?;
    let mut labels: Vec<(&str, &str)> =
        g.labels.iter().map(|l| (l.name.value.as_str(), l.value.value.as_str())).collect();
    for l in &r.labels {
        labels.retain(|(k, _)| *k != l.name.value);
        labels.push((&l.name.value, &l.value.value));
    }
    labels.sort();
    Some((r.kind, &r.name.value, labels))
}

declare_check! {
    /// ## What it does
    /// Flags a rule with the same name and the same labels (group labels included) as an earlier
    /// rule, across all the files linted together, not only within one file as `promtool check rules`
    /// does.
    ///
    /// ## Why is this bad?
    /// Two recording rules writing the same series overwrite each other at every evaluation: the
    /// stored values flip between two expressions ("might cause inconsistency while recording
    /// expressions"). Two alerts with the same name and labels produce alerts Alertmanager cannot
    /// tell apart. Usually a rule was copied into a second file, or a mixin rendered twice.
    ///
    /// ## Example
    /// ```yaml,bad
    /// groups:
    ///   - name: inference
    ///     rules:
    ///       - record: job:inference_requests:rate5m
    ///         expr: sum by (job) (rate(inference_requests_total[5m]))
    ///   - name: inference-extra
    ///     rules:
    ///       - record: job:inference_requests:rate5m
    ///         expr: sum by (job) (rate(inference_requests_total{code!~"5.."}[5m]))
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// groups:
    ///   - name: inference
    ///     rules:
    ///       - record: job:inference_requests:rate5m
    ///         expr: sum by (job) (rate(inference_requests_total[5m]))
    ///       - record: job:inference_requests_ok:rate5m
    ///         expr: sum by (job) (rate(inference_requests_total{code!~"5.."}[5m]))
    /// ```
    pub DuplicateRule {
        code: "RUL004",
        name: "duplicate-rule",
        category: Correctness,
        severity: Warning,
        summary: "two rules with the same name and labels",
        sources: ["promtool check rules --lint=duplicate-rules", "pint rule/duplicate"],
    }
}

impl Check for DuplicateRule {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn project(&self, cx: &mut Ctx, site: &ProjectSite<'_>) {
        let rules = site.files.iter().map(|(_, rf)| rf.rules().count()).sum();
        let mut first: HashMap<Key, (&SourceFile, &RuleFile, usize, usize)> = HashMap::with_capacity(rules);
        for (source, rf) in site.files {
            for (gi, g) in rf.groups.iter().enumerate() {
                for (ri, r) in g.rules.iter().enumerate() {
                    if !r.well_formed {
                        continue;
                    }
                    let Some(key) = identity(rf, gi, ri) else { continue };
                    match first.get(&key) {
                        None => {
                            first.insert(key, (source, rf, gi, ri));
                        }
                        Some((fsrc, frf, fgi, fri)) => {
                            let other = &frf.groups[*fgi].rules[*fri];
                            let at = fsrc.line_col(frf.to_file(other.name.span).start);
                            let where_ = if fsrc.path == source.path {
                                format!("line {}", at.line)
                            } else {
                                format!("{}:{}:{}", fsrc.path, at.line, at.column)
                            };
                            let what = if r.kind == RuleKind::Alert { "alert" } else { "recording rule" };
                            cx.report(
                                rf.file,
                                rf.to_file(r.name.span),
                                format!(
                                    "{what} `{}` with the same labels is already defined at {where_}",
                                    r.name.value
                                ),
                            )
                            .help("remove one, or give them different labels or names")
                            .secondary(
                                frf.file,
                                frf.to_file(other.name.span),
                                "first defined here",
                            );
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::assert_cases;
    use crate::lint::{LintInput, lint};
    use crate::settings::Settings;
    use crate::source::SourceFile;

    #[test]
    fn cases() {
        assert_cases(
            "RUL004",
            &[
                "groups:\n- name: a\n  rules:\n  - record: x\n    expr: up\n  - record: x\n    expr: up\n    labels: {k: v}\n",
                "groups:\n- name: a\n  labels: {k: v}\n  rules:\n  - record: x\n    expr: up\n- name: b\n  rules:\n  - record: x\n    expr: up\n",
                "groups:\n- name: a\n  rules:\n  - record: X\n    expr: up\n  - alert: X\n    expr: up\n",
            ],
            &[
                "groups:\n- name: a\n  rules:\n  - alert: x\n    expr: up == 0\n  - alert: x\n    expr: up == 1\n",
                "groups:\n- name: a\n  labels: {k: v}\n  rules:\n  - record: x\n    expr: up\n- name: b\n  rules:\n  - record: x\n    expr: up\n    labels: {k: v}\n",
            ],
        );
    }

    #[test]
    fn across_files() {
        let r = "groups:\n- name: a\n  rules:\n  - record: x\n    expr: up\n";
        let out = lint(
            vec![
                LintInput { source: SourceFile::new("a.yaml", r), config: 0 },
                LintInput { source: SourceFile::new("b.yaml", r), config: 0 },
            ],
            &[Settings::default()],
        );
        let d: Vec<_> = out.diagnostics.iter().filter(|d| d.code() == "RUL004").collect();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].primary.file, 1);
        assert_eq!(d[0].secondary[0].file, 0);
        assert!(d[0].message.ends_with("already defined at a.yaml:4:13"), "{}", d[0].message);
    }
}
