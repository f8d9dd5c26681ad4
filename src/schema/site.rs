//! What the schema checks share: the expression with its inferred labels and the run's knowledge,
//! span mapping, and the wording of where a fact came from.
//!
//! Checks see an expression through a [`Scope`] rather than a rule, so that the same logic serves
//! every place PromQL is found: a check written against [`Scope::of_expr`] runs on rule
//! expressions and dashboard queries alike ([`crate::checks::Check::expr`]).

use super::knowledge::{Knowledge, Source};
use super::labels::{Inference, LabelSet};
use crate::checks::{ExprSite, RuleSite};
use crate::diagnostic::FileId;
use crate::promql::ast::{Expr, Span};
use crate::rules::RuleKind;
use crate::source::FileSpan;

/// Where the expression under check was written.
enum At<'s, 'a> {
    Rule(&'s RuleSite<'a>),
    Expr(&'s ExprSite<'a>),
}

/// One expression under check.
pub struct Scope<'s, 'a> {
    at: At<'s, 'a>,
    pub expr: &'a Expr,
    pub inference: &'s Inference,
    pub knowledge: &'a Knowledge,
}

impl<'s, 'a> Scope<'s, 'a> {
    /// The scope of a rule's expression, when it parsed and the run has knowledge (for checks
    /// that also need the rule: its kind, name, labels, annotations).
    pub fn of_rule(site: &'s RuleSite<'a>) -> Option<Scope<'s, 'a>> {
        Some(Scope { at: At::Rule(site), expr: site.expr?, inference: site.inference()?, knowledge: site.knowledge? })
    }

    /// The scope of any expression (a rule's or a dashboard query), when the run has knowledge.
    /// A dashboard query whose structure comes from a variable (`by ($grouping)`, `$op`) has no
    /// scope: its labels depend on the option selected.
    pub fn of_expr(site: &'s ExprSite<'a>) -> Option<Scope<'s, 'a>> {
        if site.shaped_by_variables() {
            return None;
        }
        Some(Scope { at: At::Expr(site), expr: site.expr, inference: site.inference()?, knowledge: site.knowledge? })
    }

    pub fn file(&self) -> FileId {
        match &self.at {
            At::Rule(r) => r.file_id(),
            At::Expr(e) => e.file_id(),
        }
    }

    /// The file span of a span of the expression.
    pub fn span(&self, s: Span) -> FileSpan {
        match &self.at {
            At::Rule(r) => r.expr_span(s),
            At::Expr(e) => e.span(s),
        }
    }

    pub fn is_alert(&self) -> bool {
        match &self.at {
            At::Rule(r) => r.rule.kind == RuleKind::Alert,
            At::Expr(e) => matches!(&e.origin, crate::checks::ExprOrigin::Rule(r) if r.rule.kind == RuleKind::Alert),
        }
    }

    /// The inferred labels of a node of the expression (open for a node it does not know).
    pub fn labels(&self, e: &Expr) -> &'s LabelSet {
        static OPEN: LabelSet = LabelSet::OPEN;
        self.inference.get(e).unwrap_or(&OPEN)
    }

    /// Whether text at this span came from a dashboard variable (value checks skip it).
    pub fn from_variable(&self, s: Span) -> bool {
        match &self.at {
            At::Rule(_) => false,
            At::Expr(e) => e.from_variable(s),
        }
    }

    /// "schema x.yaml" / "recording rule at r.yaml:3" for a series name.
    pub fn source_of(&self, name: &str) -> Option<String> {
        let k = self.knowledge;
        if let Some(at) = k.recorded_at(name) {
            return Some(Source::Recorded(at).describe());
        }
        k.schema.series(name).map(|s| Source::Schema(k.schema.path_of(s.metric.source)).describe())
    }

    /// What a label set rests on, e.g. "schema x.yaml"; "the expression" when it is pure syntax.
    pub fn basis(&self, set: &LabelSet) -> String {
        let b = self.knowledge.describe_basis(set);
        if b.is_empty() { "the expression itself".to_string() } else { b }
    }
}

/// "job, instance" / "no labels", for messages.
pub fn label_list(set: &LabelSet) -> String {
    match &set.may {
        None => "unknown labels".to_string(),
        Some(m) if m.is_empty() => "no labels".to_string(),
        Some(m) => {
            let v: Vec<&str> = m.iter().map(String::as_str).collect();
            if v.len() > 12 { format!("{}, ... ({} labels)", v[..12].join(", "), v.len()) } else { v.join(", ") }
        }
    }
}
