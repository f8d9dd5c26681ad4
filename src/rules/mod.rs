//! Prometheus rule files as mlmon-lint sees them: groups and rules with the position of every part.
//!
//! A [`RuleFile`] is one Prometheus rule file, wherever it was found: a plain file, the `spec` of a
//! Kubernetes `PrometheusRule`, or a string in a ConfigMap's `data`. Spans in it are byte offsets into
//! the text its YAML was parsed from ([`RuleFile::text`]); for a ConfigMap that text is the decoded
//! string, and [`RuleFile::layer`] maps it back to the file.

pub mod duration;
pub mod load;

use serde_saphyr::granit_parser::ScalarStyle;

use crate::diagnostic::FileId;
use crate::source::embedded::EmbeddedText;
use crate::source::{FileSpan, SourceFile};

/// A scalar string with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub value: String,
    /// The raw scalar in [`RuleFile::text`] (quotes included).
    pub span: FileSpan,
    pub style: ScalarStyle,
}

/// A duration field (`for`, `interval`, ...) that parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration {
    pub ms: i64,
    pub span: FileSpan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    Alert,
    Record,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Alert => "alert",
            RuleKind::Record => "record",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LabelPair {
    pub name: Text,
    pub value: Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// `Alert` when `alert` is set (non-empty), else `Record`.
    pub kind: RuleKind,
    /// The `alert`/`record` value; empty (at the rule's start) when neither was written.
    pub name: Text,
    /// The key `alert` or `record`, when written.
    pub kind_span: Option<FileSpan>,
    pub expr: Option<Text>,
    pub for_: Option<Duration>,
    pub keep_firing_for: Option<Duration>,
    pub labels: Vec<LabelPair>,
    pub annotations: Vec<LabelPair>,
    /// The whole rule mapping.
    pub span: FileSpan,
    /// Exactly one of `record`/`alert` was set, `expr` was given: Prometheus would load the rule's
    /// shape (its expression may still fail to parse).
    pub well_formed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: Text,
    pub interval: Option<Duration>,
    pub query_offset: Option<Duration>,
    pub limit: Option<i64>,
    pub labels: Vec<LabelPair>,
    pub rules: Vec<Rule>,
    /// The whole group mapping.
    pub span: FileSpan,
}

/// Where a rule file was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A plain Prometheus rule file (its document number when the file has several).
    Plain,
    /// `spec` of a `PrometheusRule` object.
    PrometheusRule { name: String },
    /// A `data` key of a ConfigMap.
    ConfigMap { name: String, key: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleFile {
    pub file: FileId,
    pub origin: Origin,
    /// For text embedded in a string: the decoded text and its map to the file.
    pub layer: Option<EmbeddedText>,
    pub groups: Vec<Group>,
}

impl RuleFile {
    /// The text the spans in this rule file point into.
    pub fn text<'a>(&'a self, source: &'a SourceFile) -> &'a str {
        match &self.layer {
            Some(l) => &l.text,
            None => &source.text,
        }
    }

    /// Maps a span of [`RuleFile::text`] to the file.
    pub fn to_file(&self, span: FileSpan) -> FileSpan {
        match &self.layer {
            Some(l) => l.map_span(crate::promql::Span::new(span.start, span.end)),
            None => span,
        }
    }

    /// A scalar's decoded text with its map to the file (for positions inside an expression or a
    /// template).
    pub fn embedded(&self, source: &SourceFile, t: &Text) -> EmbeddedText {
        let inner = EmbeddedText::from_yaml_scalar(self.text(source), t.span, t.style, &t.value);
        match &self.layer {
            Some(l) => inner.compose(l),
            None => inner,
        }
    }

    pub fn rules(&self) -> impl Iterator<Item = (&Group, &Rule)> {
        self.groups.iter().flat_map(|g| g.rules.iter().map(move |r| (g, r)))
    }
}
