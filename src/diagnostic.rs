//! The one finding type every check produces, as plain data.
//!
//! A [`Diagnostic`] knows its check (code, name, category), a severity, a message, a primary span and
//! optional secondary spans (possibly in other files), and a help text. It holds file byte spans; line
//! and column numbers are computed by the reporters from the [`crate::source::SourceFile`]. Rendering
//! (miette, JSON) lives in `crate::report` only.

use std::fmt;

use crate::checks::CheckMeta;
use crate::source::FileSpan;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of problem a check finds (issue 2's list; the JSON `category` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// Prometheus 3.5 would refuse to load it.
    Invalid,
    /// Loads, but does not do what it obviously means to.
    Correctness,
    /// Probably a mistake; sometimes intended.
    Suspicious,
    /// Disagrees with the declared exporter schema.
    Schema,
    /// Conventions (naming, layout).
    Style,
    /// Costs more than it needs to.
    Performance,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Invalid => "invalid",
            Category::Correctness => "correctness",
            Category::Suspicious => "suspicious",
            Category::Schema => "schema",
            Category::Style => "style",
            Category::Performance => "performance",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Index of a file in the run's list of sources.
pub type FileId = usize;

/// A span in a file, with an optional label text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub span: FileSpan,
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub check: &'static CheckMeta,
    pub severity: Severity,
    /// One sentence naming the problem, without a final period.
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    /// What to do about it, imperative.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(check: &'static CheckMeta, file: FileId, span: FileSpan, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            check,
            severity: check.default_severity,
            message: message.into(),
            primary: Label { file, span, text: None },
            secondary: Vec::new(),
            help: None,
        }
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn with_label(mut self, text: impl Into<String>) -> Self {
        self.primary.text = Some(text.into());
        self
    }
    pub fn with_secondary(mut self, file: FileId, span: FileSpan, text: impl Into<String>) -> Self {
        self.secondary.push(Label { file, span, text: Some(text.into()) });
        self
    }
    /// Sets the help text in place (for findings built through `Ctx::report`).
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }
    /// Adds a secondary label in place.
    pub fn secondary(&mut self, file: FileId, span: FileSpan, text: impl Into<String>) -> &mut Self {
        self.secondary.push(Label { file, span, text: Some(text.into()) });
        self
    }
    pub fn code(&self) -> &'static str {
        self.check.code
    }
    pub fn category(&self) -> Category {
        self.check.category
    }
}
