//! Tool errors: input that cannot be read as the expected structure at all (exit 2).
//!
//! These are not findings: a finding is something wrong *in* a rule file Prometheus could read the
//! structure of. An input error means there is no structure to lint (malformed YAML, a binary file,
//! a scalar where a list is required, a file over the size limit). Each names `file:line:col`.

use std::fmt;

use crate::source::{FileSpan, LineCol, SourceFile};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The path as the user named it.
    pub path: String,
    /// Where in the file; `None` only when the file could not be read at all.
    pub position: Option<LineCol>,
    pub message: String,
}

impl InputError {
    pub fn at(source: &SourceFile, span: FileSpan, message: impl Into<String>) -> InputError {
        InputError { path: source.path.clone(), position: Some(source.line_col(span.start)), message: message.into() }
    }
    pub fn whole_file(path: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError { path: path.into(), position: None, message: message.into() }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(f, "{}:{}:{}: {}", self.path, p.line, p.column, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for InputError {}
