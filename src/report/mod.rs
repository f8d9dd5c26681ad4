//! Rendering a run's results: `human` (miette, the only place miette is used for findings) and
//! `json` (issue 2's contract). Both take the same [`LintOutput`] and write to a `Write`.

pub mod human;
pub mod json;

use crate::diagnostic::Severity;
use crate::lint::LintOutput;

/// Finding counts by severity.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

pub fn counts(out: &LintOutput) -> Counts {
    let mut c = Counts::default();
    for d in &out.diagnostics {
        match d.severity {
            Severity::Error => c.errors += 1,
            Severity::Warning => c.warnings += 1,
            Severity::Info => c.infos += 1,
        }
    }
    c
}
