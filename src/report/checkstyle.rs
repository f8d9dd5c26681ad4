//! Checkstyle XML, read by many CI systems and review bots (Jenkins warnings-ng, reviewdog,
//! GitLab and Bitbucket converters):
//!
//! ```xml
//! <checkstyle version="4.3">
//!   <file name="rules/alerts.yaml">
//!     <error line="20" column="14" severity="warning" message="…" source="mlmon-lint.RUL005"/>
//!   </file>
//! </checkstyle>
//! ```
//!
//! Every file of the run is listed (in path order, the report's order), with or without findings,
//! as Checkstyle does; input errors are `error` entries with the source `mlmon-lint.input`. The
//! message carries the help on a second line. Written by hand: the format is a dozen lines, and
//! escaping is the only subtle part (characters XML 1.0 cannot carry become U+FFFD).

use std::collections::BTreeMap;
use std::io::Write;

use crate::lint::LintOutput;

/// Escapes text for a double-quoted XML attribute.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // attribute-value normalisation would turn raw whitespace into spaces
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

struct Entry {
    line: Option<u32>,
    column: Option<u32>,
    severity: &'static str,
    message: String,
    source: String,
}

pub fn render(out: &LintOutput, w: &mut dyn Write) -> std::io::Result<()> {
    let mut files: BTreeMap<&str, Vec<Entry>> = BTreeMap::new();
    for s in &out.sources {
        files.entry(s.path.as_str()).or_default();
    }
    for e in &out.errors {
        files.entry(e.path.as_str()).or_default().push(Entry {
            line: e.position.map(|p| p.line),
            column: e.position.map(|p| p.column),
            severity: "error",
            message: e.message.clone(),
            source: String::from("mlmon-lint.input"),
        });
    }
    for f in super::findings(out) {
        let d = f.diagnostic;
        let path = f.location.as_ref().map_or("", |l| l.path());
        files.entry(path).or_default().push(Entry {
            line: f.location.as_ref().map(|l| l.start.line),
            column: f.location.as_ref().map(|l| l.start.column),
            severity: d.severity.as_str(),
            message: super::message_with_help(d),
            source: format!("mlmon-lint.{}", d.code()),
        });
    }
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(w, r#"<checkstyle version="4.3">"#)?;
    for (path, entries) in files {
        if entries.is_empty() {
            writeln!(w, r#"  <file name="{}"/>"#, escape_attr(path))?;
            continue;
        }
        writeln!(w, r#"  <file name="{}">"#, escape_attr(path))?;
        for e in entries {
            let mut attrs = String::new();
            if let Some(l) = e.line {
                attrs.push_str(&format!(r#" line="{l}""#));
            }
            if let Some(c) = e.column {
                attrs.push_str(&format!(r#" column="{c}""#));
            }
            writeln!(
                w,
                r#"    <error{attrs} severity="{}" message="{}" source="{}"/>"#,
                e.severity,
                escape_attr(&e.message),
                escape_attr(&e.source)
            )?;
        }
        writeln!(w, "  </file>")?;
    }
    writeln!(w, "</checkstyle>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_escaped() {
        assert_eq!(escape_attr(r#"a<b & "c" 'd'>"#), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
        assert_eq!(escape_attr("x\ny\u{1}z"), "x&#10;y\u{FFFD}z");
        assert_eq!(escape_attr("çığ 😀"), "çığ 😀");
    }
}
