//! The terminal report: each finding as a miette graphical diagnostic (source snippet, carets on
//! the span, help), then a one-line summary.
//!
//! Findings are adapted to `miette::Diagnostic` here, so no check and no other module depends on
//! miette. Secondary spans in the same file are drawn as extra labels; those in other files are
//! listed after the snippet as `note: path:line:col: text`.

use std::fmt;
use std::io::Write;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan,
    SpanContents,
};

use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::LintOutput;
use crate::source::{FileSpan, SourceFile};

/// Rendering options.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Terminal width for wrapping.
    pub width: usize,
}

/// A file borrowed as miette source code (miette's `NamedSource` wants owned `'static` data).
///
/// miette finds a span's lines by scanning the text from its start, which makes rendering many
/// findings in a large file quadratic (10,000 rules: 30 s). So only a window of the lines around the
/// span, found through the file's line index, is handed to miette, and its answer shifted back.
struct Named<'a> {
    file: &'a SourceFile,
}

impl SourceCode for Named<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let f = self.file;
        let first = f.line_col(span.offset() as u32).line as usize;
        let last = f.line_col((span.offset() + span.len()) as u32).line as usize;
        let win_line = first.saturating_sub(before).max(1);
        let win_start = f.line_start(win_line).unwrap_or(0) as usize;
        let win_end = f.line_start(last + after + 1).map_or(f.text.len(), |e| e as usize);
        let window = f.text.get(win_start..win_end).ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((span.offset() - win_start).into(), span.len());
        let inner = window.read_span(&local, before, after)?;
        let data_start = inner.span().offset() + win_start;
        // miette counts columns in bytes; the header `[file:line:col]` must show characters, like
        // every other position mlmon-lint prints
        let column = if inner.column() == 0 { 0 } else { f.line_col(data_start as u32).column as usize - 1 };
        Ok(Box::new(MietteSpanContents::new_named(
            f.path.clone(),
            inner.data(),
            SourceSpan::new(data_start.into(), inner.span().len()),
            inner.line() + win_line - 1,
            column,
            inner.line_count() + win_line - 1,
        )))
    }
}

struct Adapter<'a> {
    d: &'a Diagnostic,
    source: Named<'a>,
    code: String,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for Adapter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for Adapter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::error::Error for Adapter<'_> {}

impl miette::Diagnostic for Adapter<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.d.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

fn miette_span(text: &str, s: FileSpan) -> SourceSpan {
    let start = (s.start as usize).min(text.len());
    let end = (s.end as usize).clamp(start, text.len());
    SourceSpan::new(start.into(), end - start)
}

/// Renders one finding.
pub fn render_one(d: &Diagnostic, sources: &[SourceFile], style: Style) -> String {
    let Some(src) = sources.get(d.primary.file) else { return d.message.clone() };
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(d.primary.text.clone().unwrap_or_else(|| d.check.name.to_string())),
        miette_span(&src.text, d.primary.span),
    )];
    let mut notes = Vec::new();
    for l in &d.secondary {
        if l.file == d.primary.file {
            labels.push(LabeledSpan::new_with_span(l.text.clone(), miette_span(&src.text, l.span)));
        } else if let Some(other) = sources.get(l.file) {
            let p = other.line_col(l.span.start);
            notes.push(format!("  note: {}:{}:{}: {}", other.path, p.line, p.column, l.text.as_deref().unwrap_or("")));
        }
    }
    let adapter = Adapter { d, source: Named { file: src }, code: format!("{}({})", d.code(), d.check.name), labels };
    let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(style.width).with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, &adapter).is_err() {
        let p = src.line_col(d.primary.span.start);
        out = format!("{}:{}:{}: {} {}\n", src.path, p.line, p.column, adapter.code, d.message);
    }
    for n in notes {
        out.push_str(&n);
        out.push('\n');
    }
    out
}

pub fn render(out: &LintOutput, style: Style, verbose: bool, w: &mut dyn Write) -> std::io::Result<()> {
    if verbose {
        for (path, why) in &out.skipped {
            writeln!(w, "skipped {path}: {why}")?;
        }
    }
    // rendered in parallel (miette's layout is the costly part), written in order
    use rayon::prelude::*;
    let texts: Vec<String> = out.diagnostics.par_iter().map(|d| render_one(d, &out.sources, style)).collect();
    for t in texts {
        write!(w, "{t}")?;
        writeln!(w)?;
    }
    writeln!(w, "{}", super::summary_line(out))
}

/// One line per dashboard: what was found and parsed, what was skipped and why (`--stats`,
/// `--verbose`).
pub fn render_stats(out: &LintOutput, w: &mut dyn Write) -> std::io::Result<()> {
    for d in &out.dashboards {
        let Some(src) = out.sources.get(d.file) else { continue };
        let mut line =
            format!("{}: {}: {} panels, {}/{} queries parsed", src.path, d.name, d.panels, d.targets_parsed, d.targets);
        if d.variable_queries > 0 {
            line.push_str(&format!(", {}/{} variable queries parsed", d.variable_queries_parsed, d.variable_queries));
        }
        if !d.skipped.is_empty() {
            let s: Vec<String> = d.skipped.iter().map(|(k, n)| format!("{n} {k}")).collect();
            line.push_str(&format!("; not PromQL (skipped): {}", s.join(", ")));
        }
        if d.empty_targets > 0 {
            line.push_str(&format!("; {} empty", d.empty_targets));
        }
        if d.library_panels_unchecked > 0 {
            line.push_str(&format!("; {} library panels not checked", d.library_panels_unchecked));
        }
        writeln!(w, "{line}")?;
        for (span, message) in &d.unparsable {
            let p = src.line_col(span.start);
            writeln!(w, "  does not parse: {}:{}:{}: {message}", src.path, p.line, p.column)?;
        }
        for (span, message) in &d.not_checked {
            let p = src.line_col(span.start);
            writeln!(w, "  not checked: {}:{}:{}: {message}", src.path, p.line, p.column)?;
        }
    }
    Ok(())
}
