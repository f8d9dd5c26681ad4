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
    let wrap =
        !fits_unwrapped(&d.message, style.width) || d.help.as_deref().is_some_and(|h| !fits_unwrapped(h, style.width));
    let handler = handler(style, wrap);
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

fn handler(style: Style, wrap: bool) -> GraphicalReportHandler {
    let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    GraphicalReportHandler::new_themed(theme).with_width(style.width).with_links(false).with_wrap_lines(wrap)
}

/// Whether miette's word wrapping (textwrap) would leave `text` as it is: one line of printable
/// ASCII, no space at either end, short enough for the widest indent miette puts before it
/// (`  help: `, 8 columns; the width given to textwrap is the terminal width less 2). Wrapping
/// such a text is a costly no-op (a third of the rendering time), so the handler skips it.
fn fits_unwrapped(text: &str, width: usize) -> bool {
    const WIDEST_INDENT: usize = 8;
    !text.is_empty()
        && text.len() + WIDEST_INDENT + 2 <= width
        && text.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !text.starts_with(' ')
        && !text.ends_with(' ')
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
    let c = super::counts(out);
    let plural = |n: usize, s: &str| if n == 1 { format!("{n} {s}") } else { format!("{n} {s}s") };
    writeln!(
        w,
        "{}, {}, {} in {} ({})",
        plural(c.errors, "error"),
        plural(c.warnings, "warning"),
        plural(c.infos, "info"),
        plural(out.sources.len(), "file"),
        plural(out.rules, "rule"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::rule_duplicate::DuplicateRule;

    /// Skipping textwrap must not change a byte: every finding renders as it does with wrapping on,
    /// for messages and helps around every width limit, with and without colour.
    #[test]
    fn unwrapped_rendering_equals_wrapped() {
        let text = "groups:\n- name: g\n  rules:\n  - record: a:b:c\n    expr: up\n";
        let sources = [SourceFile::new("r.yaml", text)];
        let words = ["rate5m", "`x`", "promises", "a-b", "over", "[5m],", "(job)", "x", "ab"];
        let mut texts =
            vec!["x".to_string(), "two  spaces".to_string(), "caf\u{e9} \u{2014} d\u{e9}j\u{e0}".to_string()];
        let mut t = String::new();
        for i in 0..140 {
            if !t.is_empty() {
                t.push(' ');
            }
            t.push_str(words[(i * 7 + i / 3) % words.len()]);
            texts.push(t.clone());
        }
        for width in [60, 80, 100] {
            for color in [false, true] {
                let style = Style { color, width };
                for (i, m) in texts.iter().enumerate() {
                    let h = &texts[(i * 5) % texts.len()];
                    let d = Diagnostic::new(&DuplicateRule::META, 0, FileSpan::new(40, 45), m.clone()).with_help(h);
                    let labels =
                        vec![LabeledSpan::new_primary_with_span(Some("l".into()), miette_span(text, d.primary.span))];
                    let adapter =
                        Adapter { d: &d, source: Named { file: &sources[0] }, code: "RUL004(x)".into(), labels };
                    let mut wrapped = String::new();
                    handler(style, true).render_report(&mut wrapped, &adapter).unwrap();
                    let mut unwrapped = String::new();
                    let fits = fits_unwrapped(m, width) && fits_unwrapped(h, width);
                    handler(style, !fits).render_report(&mut unwrapped, &adapter).unwrap();
                    assert_eq!(wrapped, unwrapped, "width {width}, message {m:?}, help {h:?}");
                }
            }
        }
        assert!(fits_unwrapped("operation `rate5m` promises rate() over [5m]", 100));
        assert!(!fits_unwrapped(&"x".repeat(91), 100));
    }
}
