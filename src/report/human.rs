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
    let code = format!("{}({})", d.code(), d.check.name);
    let mut out = match render_simple(d, src, &code, style) {
        Some(out) => out,
        None => render_miette(d, src, code, style),
    };
    for l in &d.secondary {
        if l.file != d.primary.file
            && let Some(other) = sources.get(l.file)
        {
            let p = other.line_col(l.span.start);
            out.push_str(&format!(
                "  note: {}:{}:{}: {}\n",
                other.path,
                p.line,
                p.column,
                l.text.as_deref().unwrap_or("")
            ));
        }
    }
    out
}

/// A finding through miette's graphical handler (secondary spans in other files are left to the caller).
fn render_miette(d: &Diagnostic, src: &SourceFile, code: String, style: Style) -> String {
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(d.primary.text.clone().unwrap_or_else(|| d.check.name.to_string())),
        miette_span(&src.text, d.primary.span),
    )];
    for l in d.secondary.iter().filter(|l| l.file == d.primary.file) {
        labels.push(LabeledSpan::new_with_span(l.text.clone(), miette_span(&src.text, l.span)));
    }
    let adapter = Adapter { d, source: Named { file: src }, code, labels };
    let wrap =
        !fits_unwrapped(&d.message, style.width) || d.help.as_deref().is_some_and(|h| !fits_unwrapped(h, style.width));
    let handler = handler(style, wrap);
    let mut out = String::new();
    if handler.render_report(&mut out, &adapter).is_err() {
        let p = src.line_col(d.primary.span.start);
        out = format!("{}:{}:{}: {} {}\n", src.path, p.line, p.column, adapter.code, d.message);
    }
    out
}

/// The report of a finding with the common, simple layout, written directly: no colour, one
/// label (one line of printable ASCII, on part of one line), one line of context on each side, all
/// printable ASCII, a message and help that do not wrap. miette's general layout costs ~50,000
/// instructions a finding (the 10,000-rule benchmark has 4,000 findings); this writes the same
/// bytes (`simple_layout_equals_miette` compares the two over every span of a test file). `None`
/// when the finding is not that simple.
fn render_simple(d: &Diagnostic, src: &SourceFile, code: &str, style: Style) -> Option<String> {
    let printable = |t: &str| t.bytes().all(|b| (0x20..0x7f).contains(&b));
    let label = d.primary.text.as_deref().unwrap_or(d.check.name);
    if style.color
        || d.secondary.iter().any(|l| l.file == d.primary.file)
        || label.is_empty()
        || !printable(label)
        || !printable(code)
    {
        return None;
    }
    let span = miette_span(&src.text, d.primary.span);
    let (start, end) = (span.offset(), span.offset() + span.len());
    let line = src.line_col(start as u32).line as usize;
    let line_start = src.line_start(line)? as usize;
    // the line after the span's must end with a line break: miette's window then has 3 lines
    src.line_start(line + 2)?;
    let text_of = |n: usize| -> Option<&str> {
        let (a, b) = (src.line_start(n)? as usize, src.line_start(n + 1)? as usize - 1);
        src.text.get(a..b).filter(|t| printable(t))
    };
    let (before, here, after) =
        (text_of(line.checked_sub(1).filter(|l| *l >= 1)?)?, text_of(line)?, text_of(line + 1)?);
    if end <= start || end > line_start + here.len() {
        return None;
    }
    // miette's theme, built once (building it costs more than this whole layout)
    static THEME: std::sync::LazyLock<miette::ThemeCharacters> =
        std::sync::LazyLock::new(|| GraphicalTheme::unicode_nocolor().characters);
    let ch = &*THEME;
    let icon = match d.severity {
        Severity::Error => &ch.error,
        Severity::Warning => &ch.warning,
        Severity::Info => &ch.advice,
    };
    let (col, col_end) = (start - line_start, end - line_start);
    let mid = (col + col_end) / 2;
    let w = digits(line + 1);
    let mut out = String::with_capacity(320 + before.len() + here.len() + after.len() + 3 * (col_end - col));
    // pushes instead of `write!`: padding through `fmt` costs a call a character
    use std::fmt::Write as _;
    let pad = |out: &mut String, n: usize| push_n(out, ' ', n);
    let number = |out: &mut String, n: usize| {
        pad(out, w - digits(n));
        let _ = write!(out, "{n}");
    };
    let bar = |out: &mut String, c: char| {
        out.push(' ');
        out.push(c);
        out.push(' ');
    };
    out.push_str(code);
    out.push_str("\n\n");
    fill_into(&mut out, &d.message, style.width, &format!("  {icon} "), &format!("  {} ", ch.vbar));
    out.push('\n');
    pad(&mut out, w + 2);
    out.push(ch.ltop);
    out.push(ch.hbar);
    out.push('[');
    out.push_str(&src.path);
    let _ = write!(out, ":{line}:{}]\n ", col + 1);
    number(&mut out, line - 1);
    bar(&mut out, ch.vbar);
    out.push_str(before);
    out.push_str("\n ");
    number(&mut out, line);
    bar(&mut out, ch.vbar);
    out.push_str(here);
    out.push_str("\n ");
    pad(&mut out, w);
    bar(&mut out, ch.vbar_break);
    pad(&mut out, col);
    push_n(&mut out, ch.underline, mid - col);
    out.push(ch.underbar);
    push_n(&mut out, ch.underline, col_end - mid - 1);
    out.push_str("\n ");
    pad(&mut out, w);
    bar(&mut out, ch.vbar_break);
    pad(&mut out, mid);
    out.push(ch.lbot);
    push_n(&mut out, ch.hbar, 2);
    out.push(' ');
    out.push_str(label);
    out.push_str("\n ");
    number(&mut out, line + 1);
    bar(&mut out, ch.vbar);
    out.push_str(after);
    out.push('\n');
    pad(&mut out, w + 2);
    out.push(ch.lbot);
    push_n(&mut out, ch.hbar, 4);
    out.push('\n');
    if let Some(h) = &d.help {
        fill_into(&mut out, h, style.width, "  help: ", "        ");
        out.push('\n');
    }
    Some(out)
}

/// `text` laid out as miette does (`render_causes`, `render_footer`), appended to `out`: textwrap to
/// the terminal width less 2 with these indents. Texts that need wrapping are wrapped once per
/// thread: findings of one check repeat their message (the benchmark: 1,000 alike), and textwrap's
/// Unicode line breaking costs ~70,000 instructions a text.
fn fill_into(out: &mut String, text: &str, width: usize, initial: &str, subsequent: &str) {
    if fits_unwrapped(text, width) {
        out.push_str(initial);
        out.push_str(text);
        return;
    }
    // by text (looked up without allocating), then layout
    type Layouts = Vec<(usize, String, String, String)>;
    thread_local! {
        static WRAPPED: std::cell::RefCell<std::collections::HashMap<String, Layouts>> = Default::default();
    }
    WRAPPED.with(|w| {
        let mut w = w.borrow_mut();
        let known =
            w.get(text).and_then(|l| l.iter().find(|(n, i, s, _)| *n == width && i == initial && s == subsequent));
        if let Some((.., wrapped)) = known {
            out.push_str(wrapped);
            return;
        }
        let opts = textwrap::Options::new(width.saturating_sub(2))
            .initial_indent(initial)
            .subsequent_indent(subsequent)
            .break_words(true);
        let wrapped = textwrap::fill(text, opts);
        out.push_str(&wrapped);
        if w.len() < 1024 {
            w.entry(text.to_string()).or_default().push((width, initial.into(), subsequent.into(), wrapped));
        }
    })
}

/// `n` copies of `c` (runs of spaces, the common case, copied from a constant).
fn push_n(out: &mut String, c: char, n: usize) {
    const SPACES: &str = "                                                                ";
    if c == ' ' {
        let mut left = n;
        while left > 0 {
            let k = left.min(SPACES.len());
            out.push_str(SPACES.get(..k).unwrap_or(""));
            left -= k;
        }
        return;
    }
    out.extend(std::iter::repeat_n(c, n));
}

fn digits(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
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
        w.write_all(t.as_bytes())?;
        w.write_all(b"\n")?;
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
        assert!(!fits_unwrapped(" x", 100) && !fits_unwrapped("x ", 100) && !fits_unwrapped("", 100));
        assert!(!fits_unwrapped(&"x".repeat(91), 100));
    }

    /// The direct layout writes exactly what miette writes, for every span of a file (first and
    /// last lines, empty lines, 1- and 2-digit line numbers, a non-ASCII line, spans over line
    /// breaks), every severity, with and without a label text and help; and it is taken often.
    const LONG: &str = "annotation `summary` reads `$labels.job`, which the alert's result never has (its labels: \
                        no labels; per the expression itself) \u{2014} a-very-long-hyphenated-word-that-goes-on-and-on";

    #[test]
    fn simple_layout_equals_miette() {
        let mut text = String::from("groups:\n- name: g\n\n  rules:\n  - record: job:x:rate5m\n    expr: |\n");
        text.push_str("      sum(rate(x[5m]))\n  - alert: A\n    annotations: {summary: 'caf\u{e9}'}\n    expr: up\n");
        text.push_str("    for: 5m\n  - record: b\n    expr: vector(1)\n");
        let sources = [SourceFile::new("r.yaml", text.as_str())];
        let cases: [(Option<&str>, Option<&str>, Severity); 4] = [
            (None, Some("name the operations after what the expression does"), Severity::Warning),
            (Some("here"), None, Severity::Error),
            (Some("x"), Some(&"long help ".repeat(12)), Severity::Info),
            (Some(""), None, Severity::Warning),
        ];
        let mut simple = 0;
        for start in 0..=text.len() as u32 + 1 {
            for end in start..=start + 14 {
                for (label, help, severity) in &cases {
                    let message = if end % 3 == 0 { "a message" } else { LONG };
                    let mut d = Diagnostic::new(&DuplicateRule::META, 0, FileSpan::new(start, end), message);
                    d.severity = *severity;
                    d.primary.text = label.map(str::to_string);
                    d.help = help.map(str::to_string);
                    let style = Style { color: false, width: if start % 2 == 0 { 100 } else { 60 } };
                    let code = format!("{}({})", d.code(), d.check.name);
                    let miette = render_miette(&d, &sources[0], code.clone(), style);
                    assert_eq!(render_one(&d, &sources, style), miette, "span {start}..{end}, {label:?}");
                    simple += usize::from(render_simple(&d, &sources[0], &code, style).is_some());
                }
            }
        }
        assert!(simple > 500, "{simple}");
    }
}
