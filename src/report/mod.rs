//! Rendering a run's results. Every format reads the same sorted list of findings
//! ([`LintOutput::diagnostics`], sorted by the lint driver by file, line, column, code, message), so
//! the formats agree with each other and each is identical from run to run:
//! - `human`: miette snippets for the terminal (the only place miette is used for findings);
//! - `json`: issue 2's contract;
//! - `sarif`: SARIF 2.1.0 for code-scanning tools (GitHub code scanning, IDE viewers);
//! - `github`: GitHub Actions workflow commands (annotations on the pull request's diff);
//! - `checkstyle`: Checkstyle XML, which many CI systems and review bots read.
//!
//! The machine formats share [`Finding`]: a diagnostic with its positions resolved once, and a
//! [`fingerprint`](Finding::fingerprint) that identifies it across runs even when lines move.

pub mod checkstyle;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::lint::LintOutput;
use crate::source::{FileSpan, LineCol, SourceFile};

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

/// "1 error, 2 warnings, 0 infos in 3 files (10 rules)": the closing line of the text formats.
pub fn summary_line(out: &LintOutput) -> String {
    let c = counts(out);
    let plural = |n: usize, s: &str| if n == 1 { format!("{n} {s}") } else { format!("{n} {s}s") };
    let dashboards = if out.dashboards.is_empty() {
        String::new()
    } else {
        let queries: usize = out.dashboards.iter().map(|d| d.targets + d.variable_queries).sum();
        let q = if queries == 1 { "1 query".to_string() } else { format!("{queries} queries") };
        format!(", {} with {q}", plural(out.dashboards.len(), "dashboard"))
    };
    format!(
        "{}, {}, {} in {} ({}{dashboards})",
        plural(c.errors, "error"),
        plural(c.warnings, "warning"),
        plural(c.infos, "info"),
        plural(out.sources.len(), "file"),
        plural(out.rules, "rule"),
    )
}

/// A span with its file and resolved positions.
#[derive(Debug, Clone, Copy)]
pub struct Location<'a> {
    pub source: &'a SourceFile,
    pub span: FileSpan,
    pub start: LineCol,
    /// The last character covered (inclusive); equal to `start` for an empty span.
    pub end: LineCol,
}

impl<'a> Location<'a> {
    fn of(sources: &'a [SourceFile], l: &Label) -> Option<Location<'a>> {
        let source = sources.get(l.file)?;
        let (start, end) = source.span_positions(l.span);
        Some(Location { source, span: l.span, start, end })
    }

    /// The path as the user named it, with `/` separators.
    pub fn path(&self) -> &'a str {
        &self.source.path
    }

    /// The column just after the span (for formats whose end column is exclusive, like SARIF).
    pub fn end_column_exclusive(&self) -> u32 {
        if self.span.is_empty() { self.start.column } else { self.end.column + 1 }
    }
}

/// A diagnostic as the machine formats print it.
#[derive(Debug, Clone)]
pub struct Finding<'a> {
    pub diagnostic: &'a Diagnostic,
    /// `None` only if the finding's file is not among the run's sources (a bug upstream).
    pub location: Option<Location<'a>>,
    /// Secondary spans and their labels.
    pub related: Vec<(Option<Location<'a>>, Option<&'a str>)>,
    /// 32 hex digits identifying the finding across runs: stable when lines are added or removed
    /// elsewhere in the file, changed when the finding's own text, message, check or file change.
    pub fingerprint: String,
}

/// The run's findings in the driver's order (file, line, column, code, message).
pub fn findings(out: &LintOutput) -> Vec<Finding<'_>> {
    // identical keys (same check, file, text and message) are told apart by their order
    let mut seen: HashMap<u128, u32> = HashMap::new();
    out.diagnostics
        .iter()
        .map(|d| {
            let location = Location::of(&out.sources, &d.primary);
            let related = d.secondary.iter().map(|l| (Location::of(&out.sources, l), l.text.as_deref())).collect();
            let key = fingerprint_key(d, location.as_ref());
            let n = seen.entry(key).or_insert(0);
            let fingerprint = format!("{:032x}", fnv1a_128(&[&key.to_le_bytes(), &n.to_le_bytes()]));
            *n += 1;
            Finding { diagnostic: d, location, related, fingerprint }
        })
        .collect()
}

/// What identifies a finding apart from where it is: its check, file, message and the text it
/// points at (not its line number, so edits above it do not change it).
fn fingerprint_key(d: &Diagnostic, at: Option<&Location<'_>>) -> u128 {
    let (path, text) = match at {
        Some(l) => {
            let start = (l.span.start as usize).min(l.source.text.len());
            let end = (l.span.end as usize).clamp(start, l.source.text.len());
            (l.source.path.as_str(), l.source.text.get(start..end).unwrap_or(""))
        }
        None => ("", ""),
    };
    fnv1a_128(&[d.code().as_bytes(), path.as_bytes(), d.message.as_bytes(), text.as_bytes()])
}

/// FNV-1a, 128 bits, over the parts separated by a 0xFF byte (which UTF-8 never contains).
///
/// Hand-written because fingerprints must never change between builds: std's hasher may change
/// between Rust releases, and no cryptographic strength is needed (the keys are our own findings).
pub fn fnv1a_128(parts: &[&[u8]]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut h = OFFSET;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0xff;
            h = h.wrapping_mul(PRIME);
        }
        for b in *part {
            h ^= u128::from(*b);
            h = h.wrapping_mul(PRIME);
        }
    }
    h
}

/// The message followed by the help, on its own line, for formats with a single text field.
pub fn message_with_help(d: &Diagnostic) -> String {
    match &d.help {
        Some(h) => format!("{}\nhelp: {h}", d.message),
        None => d.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_128_reference_values() {
        // published FNV-1a 128 test values
        assert_eq!(fnv1a_128(&[b""]), 0x6c62272e07bb014262b821756295c58d);
        assert_eq!(fnv1a_128(&[b"a"]), 0xd228cb696f1a8caf78912b704e4a8964);
        assert_ne!(fnv1a_128(&[b"ab", b"c"]), fnv1a_128(&[b"a", b"bc"]));
    }
}
