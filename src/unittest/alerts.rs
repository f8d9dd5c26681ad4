//! The alerting-rule state machine of `rules/alerting.go` (`AlertingRule.Eval`), per rule and test
//! group: pending on first appearance, firing once `for` has elapsed, `keep_firing_for`, resolution,
//! and the `ALERTS` / `ALERTS_FOR_STATE` samples written at every evaluation.
//!
//! Alerts are keyed by their label set in a sorted map (Prometheus keys them by hash in a Go map, so
//! its output order is random; sorted is one of its possible orders and stays deterministic).

use std::collections::BTreeMap;

use crate::engine::value::{Labels, LabelsBuilder, METRIC_NAME};

/// Resolved alerts are kept this long (they are no longer "active" for tests).
const RESOLVED_RETENTION_MS: i64 = 15 * 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    Inactive,
    Pending,
    Firing,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Inactive => "inactive",
            State::Pending => "pending",
            State::Firing => "firing",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub labels: Labels,
    /// Sorted by name, empty values kept.
    pub annotations: Vec<(String, String)>,
    pub active_at: i64,
    pub state: State,
    pub value: f64,
    pub resolved_at: Option<i64>,
    pub keep_firing_since: Option<i64>,
}

/// One evaluation's result element after templates: alert labels, annotations, sample value.
pub struct Candidate {
    pub labels: Labels,
    pub annotations: Vec<(String, String)>,
    pub value: f64,
}

/// The settings of one alerting rule the state machine needs.
pub struct RuleParams<'a> {
    pub name: &'a str,
    pub for_ms: i64,
    pub keep_firing_for_ms: i64,
    /// The rule's (unexpanded) labels, as Prometheus starts the `ALERTS` label set from them.
    pub raw_labels: &'a [(String, String)],
}

#[derive(Debug, Default, Clone)]
pub struct AlertRuleState {
    active: BTreeMap<Labels, Alert>,
}

pub const DUPLICATE_ALERT_LABELSET: &str = "vector contains metrics with the same labelset after applying alert labels";

impl AlertRuleState {
    /// Applies one evaluation at `ts` (ms); returns the `ALERTS`/`ALERTS_FOR_STATE` samples stamped
    /// `ts - offset`, or the evaluation error.
    pub fn eval(
        &mut self,
        rule: &RuleParams<'_>,
        results: Vec<Candidate>,
        ts: i64,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<(Labels, f64)>, String> {
        let mut fresh: BTreeMap<Labels, Alert> = BTreeMap::new();
        for c in results {
            if fresh.contains_key(&c.labels) {
                return Err(DUPLICATE_ALERT_LABELSET.into());
            }
            fresh.insert(
                c.labels.clone(),
                Alert {
                    labels: c.labels,
                    annotations: c.annotations,
                    active_at: ts,
                    state: State::Pending,
                    value: c.value,
                    resolved_at: None,
                    keep_firing_since: None,
                },
            );
        }
        for (k, a) in &fresh {
            match self.active.get_mut(k) {
                Some(existing) if existing.state != State::Inactive => {
                    existing.value = a.value;
                    existing.annotations = a.annotations.clone();
                }
                _ => {
                    self.active.insert(k.clone(), a.clone());
                }
            }
        }
        let mut out = Vec::new();
        let mut active_pending = 0i64;
        let mut delete = Vec::new();
        for (k, a) in self.active.iter_mut() {
            if !fresh.contains_key(k) {
                let mut keep_firing = false;
                if a.state == State::Firing && rule.keep_firing_for_ms > 0 {
                    let since = *a.keep_firing_since.get_or_insert(ts);
                    keep_firing = ts - since < rule.keep_firing_for_ms;
                }
                if a.state == State::Pending || a.resolved_at.is_some_and(|r| ts - r > RESOLVED_RETENTION_MS) {
                    delete.push(k.clone());
                }
                if a.state != State::Inactive && !keep_firing {
                    a.state = State::Inactive;
                    a.resolved_at = Some(ts);
                }
                if !keep_firing {
                    continue;
                }
            } else {
                a.keep_firing_since = None;
            }
            active_pending += 1;
            if a.state == State::Pending && ts - a.active_at >= rule.for_ms {
                a.state = State::Firing;
            }
            out.push((alerts_series(rule, a), 1.0));
            out.push((for_state_series(rule, a), a.active_at.div_euclid(1000) as f64));
        }
        for k in delete {
            self.active.remove(&k);
        }
        if limit > 0 && active_pending > limit {
            self.active.clear();
            return Err(format!("exceeded limit of {limit} with {active_pending} alerts"));
        }
        let _ = offset;
        Ok(out)
    }

    /// Alerts a test sees: firing and not resolved.
    pub fn firing(&self) -> impl Iterator<Item = &Alert> {
        self.active.values().filter(|a| a.state == State::Firing && a.resolved_at.is_none())
    }

    /// Alerts waiting for `for` to elapse.
    pub fn pending(&self) -> impl Iterator<Item = &Alert> {
        self.active.values().filter(|a| a.state == State::Pending)
    }

    pub fn any_firing(&self) -> bool {
        self.firing().next().is_some()
    }
}

fn base(rule: &RuleParams<'_>, a: &Alert) -> LabelsBuilder {
    let mut b = LabelsBuilder::new(&Labels::empty());
    for (n, v) in rule.raw_labels {
        b.set(n, v);
    }
    for l in a.labels.iter() {
        b.set(&l.name, &l.value);
    }
    b
}

fn alerts_series(rule: &RuleParams<'_>, a: &Alert) -> Labels {
    let mut b = base(rule, a);
    b.set(METRIC_NAME, "ALERTS");
    b.set("alertname", rule.name);
    b.set("alertstate", a.state.as_str());
    b.labels()
}

fn for_state_series(rule: &RuleParams<'_>, a: &Alert) -> Labels {
    let mut b = base(rule, a);
    b.set(METRIC_NAME, "ALERTS_FOR_STATE");
    b.set("alertname", rule.name);
    b.labels()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(i: &str) -> Candidate {
        Candidate { labels: Labels::from_pairs([("alertname", "A"), ("i", i)]), annotations: Vec::new(), value: 1.0 }
    }

    fn params(for_ms: i64, keep: i64) -> RuleParams<'static> {
        RuleParams { name: "A", for_ms, keep_firing_for_ms: keep, raw_labels: &[] }
    }

    #[test]
    fn pending_then_firing_after_for() {
        let mut s = AlertRuleState::default();
        let p = params(120_000, 0);
        let out = s.eval(&p, vec![cand("a")], 0, 0, 0).unwrap();
        assert_eq!(out[0].0.get("alertstate"), "pending");
        assert_eq!(out[1].0.get("__name__"), "ALERTS_FOR_STATE");
        assert!(!s.any_firing());
        s.eval(&p, vec![cand("a")], 60_000, 0, 0).unwrap();
        assert!(!s.any_firing());
        s.eval(&p, vec![cand("a")], 120_000, 0, 0).unwrap();
        assert!(s.any_firing());
        // one missing evaluation resolves it
        assert!(s.eval(&p, vec![], 180_000, 0, 0).unwrap().is_empty());
        assert!(!s.any_firing());
        // and it comes back pending, with a new `for` period
        s.eval(&p, vec![cand("a")], 240_000, 0, 0).unwrap();
        assert!(!s.any_firing());
    }

    #[test]
    fn pending_is_reset_by_one_missing_evaluation() {
        let mut s = AlertRuleState::default();
        let p = params(120_000, 0);
        s.eval(&p, vec![cand("a")], 0, 0, 0).unwrap();
        s.eval(&p, vec![], 60_000, 0, 0).unwrap();
        s.eval(&p, vec![cand("a")], 120_000, 0, 0).unwrap();
        assert!(!s.any_firing());
    }

    #[test]
    fn keep_firing_for() {
        let mut s = AlertRuleState::default();
        let p = params(0, 120_000);
        s.eval(&p, vec![cand("a")], 0, 0, 0).unwrap();
        assert!(s.any_firing());
        s.eval(&p, vec![], 60_000, 0, 0).unwrap();
        assert!(s.any_firing());
        s.eval(&p, vec![], 120_000, 0, 0).unwrap();
        assert!(s.any_firing());
        s.eval(&p, vec![], 180_000, 0, 0).unwrap();
        assert!(!s.any_firing());
    }

    #[test]
    fn duplicates_and_limit() {
        let mut s = AlertRuleState::default();
        let p = params(0, 0);
        assert_eq!(s.eval(&p, vec![cand("a"), cand("a")], 0, 0, 0).unwrap_err(), DUPLICATE_ALERT_LABELSET);
        assert_eq!(s.eval(&p, vec![cand("a"), cand("b")], 0, 0, 1).unwrap_err(), "exceeded limit of 1 with 2 alerts");
        assert!(!s.any_firing());
    }
}
