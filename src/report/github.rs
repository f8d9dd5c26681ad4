//! GitHub Actions workflow commands: each finding becomes an annotation on the pull request's diff
//! and in the job summary (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`).
//!
//! GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (and 50 per job);
//! it drops the rest silently. So the first 10 of each level (in the report's order) are emitted as
//! annotations, the others are printed as plain `path:line:col: level CODE message` log lines,
//! and a line says how many were not shown as annotations. Input errors are error annotations too.
//!
//! Escaping is GitHub's (actions/toolkit `command.ts`): in the message `%`, `\r` and `\n` become
//! `%25`, `%0D`, `%0A`; in properties `:` and `,` also become `%3A` and `%2C`. Columns count
//! characters and `endColumn` is the last character covered; GitHub accepts columns only when the
//! annotation starts and ends on the same line, so a multi-line span gives lines only.

use std::io::Write;

use super::Finding;
use crate::diagnostic::Severity;
use crate::lint::LintOutput;

/// Annotations GitHub shows per level and step.
pub const PER_LEVEL_LIMIT: usize = 10;

/// Escapes a command's message (GitHub's `escapeData`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value (GitHub's `escapeProperty`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

fn annotation(f: &Finding<'_>) -> String {
    let d = f.diagnostic;
    let mut props = Vec::new();
    if let Some(l) = &f.location {
        props.push(format!("file={}", escape_property(l.path())));
        props.push(format!("line={}", l.start.line));
        // GitHub takes columns only for an annotation on one line
        let one_line = l.start.line == l.end.line;
        if one_line {
            props.push(format!("col={}", l.start.column));
        }
        props.push(format!("endLine={}", l.end.line));
        if one_line {
            props.push(format!("endColumn={}", l.end.column));
        }
    }
    props.push(format!("title={}", escape_property(&format!("{} {}", d.code(), d.check.name))));
    let mut message = super::message_with_help(d);
    for (l, text) in &f.related {
        if let Some(l) = l {
            message.push_str(&format!(
                "\nnote: {}:{}:{}: {}",
                l.path(),
                l.start.line,
                l.start.column,
                text.unwrap_or("")
            ));
        }
    }
    format!("::{} {}::{}", command(d.severity), props.join(","), escape_data(&message))
}

/// The plain log line of a finding that was not shown as an annotation.
fn plain(f: &Finding<'_>) -> String {
    let d = f.diagnostic;
    let at = match &f.location {
        Some(l) => format!("{}:{}:{}", l.path(), l.start.line, l.start.column),
        None => String::from("?"),
    };
    let message = super::message_with_help(d).replace('\n', " ");
    format!("{at}: {} {} ({}) {message}", d.severity, d.code(), d.check.name)
}

pub fn render(out: &LintOutput, w: &mut dyn Write) -> std::io::Result<()> {
    let mut shown = [0usize; 3];
    let slot = |s: Severity| match s {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    };
    let mut hidden: Vec<String> = Vec::new();
    let mut hidden_counts = [0usize; 3];
    for e in &out.errors {
        let mut props = vec![format!("file={}", escape_property(&e.path))];
        if let Some(p) = e.position {
            props.push(format!("line={}", p.line));
            props.push(format!("col={}", p.column));
        }
        props.push(String::from("title=mlmon-lint input error"));
        if shown[0] < PER_LEVEL_LIMIT {
            shown[0] += 1;
            writeln!(w, "::error {}::{}", props.join(","), escape_data(&e.message))?;
        } else {
            hidden_counts[0] += 1;
            hidden.push(format!("error: {e}"));
        }
    }
    for f in super::findings(out) {
        let i = slot(f.diagnostic.severity);
        if shown[i] < PER_LEVEL_LIMIT {
            shown[i] += 1;
            writeln!(w, "{}", annotation(&f))?;
        } else {
            hidden_counts[i] += 1;
            hidden.push(plain(&f));
        }
    }
    for h in &hidden {
        writeln!(w, "{h}")?;
    }
    if !hidden.is_empty() {
        let [e, wa, n] = hidden_counts;
        writeln!(
            w,
            "mlmon-lint: {} not shown as annotations ({e} errors, {wa} warnings, {n} notices; GitHub shows {PER_LEVEL_LIMIT} of each per step): they are listed above",
            if hidden.len() == 1 { String::from("1 finding") } else { format!("{} findings", hidden.len()) },
        )?;
    }
    writeln!(w, "mlmon-lint: {}", super::summary_line(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("50% of a\r\nb: c, d"), "50%25 of a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
