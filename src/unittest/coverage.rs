//! Rule coverage over a whole `test` run: which rules some assertion names, which alerts ever fire.
//!
//! "Asserted on" is direct: an alerting rule is covered when an `alert_rule_test` (or a
//! `promql_expr_test` selecting `ALERTS{alertname="..."}`) names it in a test group that loads it; a
//! recording rule when a `promql_expr_test` expression selects its metric. A rule only read by other
//! rules is not covered: a wrong recording rule can hide behind an alert whose test still passes.
//! "Fires" means the alert reached the firing state at some evaluation step of some test group.

use crate::rules::RuleKind;

use super::rulefiles::RuleId;
use super::runner::{CoverageData, RuleUse};

/// The coverage summary a report prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub total: usize,
    pub covered: usize,
    pub uncovered: Vec<(RuleId, RuleUse)>,
    /// Alerting rules that never fired in any test.
    pub never_fired: Vec<(RuleId, RuleUse)>,
}

impl Coverage {
    pub fn from_data(d: &CoverageData) -> Coverage {
        let total = d.rules.len();
        let covered = d.rules.values().filter(|u| u.asserted).count();
        let uncovered = d.rules.iter().filter(|(_, u)| !u.asserted).map(|(k, u)| (k.clone(), u.clone())).collect();
        let never_fired = d
            .rules
            .iter()
            .filter(|(_, u)| u.kind == RuleKind::Alert && !u.fired)
            .map(|(k, u)| (k.clone(), u.clone()))
            .collect();
        Coverage { total, covered, uncovered, never_fired }
    }

    /// Covered share in percent (100 when there are no rules).
    pub fn percent(&self) -> f64 {
        if self.total == 0 { 100.0 } else { self.covered as f64 * 100.0 / self.total as f64 }
    }

    /// The human-readable block.
    pub fn text(&self) -> String {
        let mut s =
            format!("Coverage: {} of {} rules asserted on ({:.1}%)\n", self.covered, self.total, self.percent());
        if !self.uncovered.is_empty() {
            s.push_str("  rules no test asserts on:\n");
            for (id, u) in &self.uncovered {
                s.push_str(&format!("    {}:{}: {} {}\n", id.file, u.line, u.kind.as_str(), u.name));
            }
        }
        if !self.never_fired.is_empty() {
            s.push_str("  alerts that never fire in any test:\n");
            for (id, u) in &self.never_fired {
                s.push_str(&format!("    {}:{}: {}\n", id.file, u.line, u.name));
            }
        }
        s
    }

    pub fn json(&self) -> serde_json::Value {
        let rule = |(id, u): &(RuleId, RuleUse)| {
            serde_json::json!({
                "file": id.file, "line": u.line, "group": id.group, "kind": u.kind.as_str(), "name": u.name,
            })
        };
        serde_json::json!({
            "rules": self.total,
            "covered": self.covered,
            "percent": (self.percent() * 10.0).round() / 10.0,
            "uncovered": self.uncovered.iter().map(rule).collect::<Vec<_>>(),
            "never_fired": self.never_fired.iter().map(rule).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_lists() {
        let mut d = CoverageData::default();
        let id = |i| RuleId { file: "r.yml".into(), group: "g".into(), index: i };
        let u = |kind, name: &str, asserted, fired| RuleUse { kind, name: name.into(), line: 3, asserted, fired };
        d.rules.insert(id(0), u(RuleKind::Alert, "A", true, true));
        d.rules.insert(id(1), u(RuleKind::Alert, "B", true, false));
        d.rules.insert(id(2), u(RuleKind::Record, "r:x", false, false));
        let c = Coverage::from_data(&d);
        assert_eq!((c.total, c.covered), (3, 2));
        assert_eq!(c.uncovered.len(), 1);
        assert_eq!(c.never_fired[0].1.name, "B");
        assert!(c.text().starts_with("Coverage: 2 of 3 rules asserted on (66.7%)\n"));
        assert!(c.text().contains("r.yml:3: record r:x"));
    }
}
