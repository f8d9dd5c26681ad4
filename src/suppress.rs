//! Suppression comments, read from raw lines (YAML parsers drop comments).
//!
//! - `# mlmon-lint disable=CODE[,CODE]` inside a rule, or on the line(s) directly above it (only
//!   comments and blank lines between), silences those checks for that rule; elsewhere it applies
//!   to findings on its own line.
//! - `# mlmon-lint disable-file=CODE[,CODE]` silences those checks for the whole file.
//!
//! Codes may be given by code or name. Every suppression must silence something: one that does not
//! (or names an unknown check) becomes an `SUP001` finding, so stale suppressions do not pile up.
//! Findings of category `invalid` are never suppressed: Prometheus would still refuse the file.

use crate::diagnostic::{Category, Diagnostic};
use crate::source::{FileSpan, SourceFile};

const MARKER: &str = "mlmon-lint";

/// One code named in a suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// As written (code or name).
    pub written: String,
    /// The check's code, if known.
    pub code: Option<&'static str>,
    pub file_wide: bool,
    /// The code's text in the comment.
    pub span: FileSpan,
    /// 1-based line of the comment.
    pub line: u32,
    /// Lines (inclusive) whose findings it silences; `None` for file-wide.
    pub lines: Option<(u32, u32)>,
    pub used: bool,
}

/// A malformed `# mlmon-lint` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadComment {
    pub span: FileSpan,
    pub message: String,
}

/// Finds the suppression comments of a file. `rules` are the (first, last) lines of every rule in
/// the file, in order.
pub fn scan(source: &SourceFile, rules: &[(u32, u32)]) -> (Vec<Suppression>, Vec<BadComment>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    if !source.text.contains(MARKER) {
        return (out, bad);
    }
    for n in 1..=source.line_count() {
        let Some(line) = source.line_text(n) else { continue };
        let Some(hash) = comment_start(line) else { continue };
        let comment = &line[hash + 1..];
        let body = comment.trim_start();
        let Some(rest) = body.strip_prefix(MARKER) else { continue };
        if !rest.starts_with([' ', '\t']) {
            continue;
        }
        let line_start = source.line_start(n).unwrap_or(0) as usize;
        let rest_off = line_start + hash + 1 + (comment.len() - body.len()) + MARKER.len();
        let directive = rest.trim_start();
        let dir_off = rest_off + (rest.len() - directive.len());
        let (file_wide, list, list_off) = if let Some(l) = directive.strip_prefix("disable-file=") {
            (true, l, dir_off + "disable-file=".len())
        } else if let Some(l) = directive.strip_prefix("disable=") {
            (false, l, dir_off + "disable=".len())
        } else {
            let word = directive.split_whitespace().next().unwrap_or("");
            bad.push(BadComment {
                span: FileSpan::new(dir_off as u32, (dir_off + word.len()) as u32),
                message: format!("unknown mlmon-lint directive `{word}` (expected disable=CODE or disable-file=CODE)"),
            });
            continue;
        };
        let list = list.split_whitespace().next().unwrap_or("");
        let line_no = n as u32;
        let target = if file_wide { None } else { Some(target_lines(source, line_no, hash, line, rules)) };
        let mut off = list_off;
        for code in list.split(',') {
            if !code.is_empty() {
                out.push(Suppression {
                    written: code.to_string(),
                    code: crate::checks::find(code).map(|m| m.code),
                    file_wide,
                    span: FileSpan::new(off as u32, (off + code.len()) as u32),
                    line: line_no,
                    lines: target,
                    used: false,
                });
            }
            off += code.len() + 1;
        }
    }
    (out, bad)
}

/// The byte index of a comment's `#` in a raw line: at the start (after blanks) or after a blank.
fn comment_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    (0..b.len()).find(|&i| b[i] == b'#' && (i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t'))
}

/// Lines silenced by a `disable=` comment on `line`.
fn target_lines(source: &SourceFile, line: u32, hash: usize, text: &str, rules: &[(u32, u32)]) -> (u32, u32) {
    if let Some(r) = rules.iter().find(|(a, b)| *a <= line && line <= *b) {
        return *r;
    }
    let own_line = text[..hash].trim().is_empty();
    if own_line {
        // the next line that is neither blank nor a comment
        let mut n = line as usize + 1;
        while let Some(t) = source.line_text(n) {
            let t = t.trim();
            if t.is_empty() || t.starts_with('#') {
                n += 1;
                continue;
            }
            if let Some(r) = rules.iter().find(|(a, _)| *a as usize == n) {
                return *r;
            }
            break;
        }
    }
    (line, line)
}

/// Drops suppressed findings and marks the suppressions used. `line_of` gives a finding's first line.
pub fn apply(
    diagnostics: Vec<Diagnostic>,
    sups: &mut [Suppression],
    line_of: impl Fn(&Diagnostic) -> u32,
) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .filter(|d| {
            if d.category() == Category::Invalid {
                return true;
            }
            let line = line_of(d);
            let mut suppressed = false;
            for s in sups.iter_mut() {
                if s.code != Some(d.code()) {
                    continue;
                }
                let hit = match s.lines {
                    None => true,
                    Some((a, b)) => a <= line && line <= b,
                };
                if hit {
                    s.used = true;
                    suppressed = true;
                }
            }
            !suppressed
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_comments_and_targets() {
        let t = "groups:\n- name: g\n  rules:\n  # mlmon-lint disable=RUL001,rate-window-too-short\n  - alert: A\n    expr: up\n  - alert: B # mlmon-lint disable=RUL001\n    expr: up\n# mlmon-lint disable-file=RUL002\n";
        let src = SourceFile::new("a", t);
        let (s, bad) = scan(&src, &[(5, 6), (7, 8)]);
        assert!(bad.is_empty());
        assert_eq!(s.len(), 4);
        assert_eq!(s[0].code, Some("RUL001"));
        assert_eq!(s[0].lines, Some((5, 6)));
        assert_eq!(s[1].code, Some("PQL002"));
        assert_eq!(&t[s[1].span.start as usize..s[1].span.end as usize], "rate-window-too-short");
        assert_eq!(s[2].lines, Some((7, 8)));
        assert!(s[3].file_wide);
    }

    #[test]
    fn not_a_comment_and_unknown_directives() {
        let t = "a: 'x#mlmon-lint disable=RUL001'\n# mlmon-lint enable=X\n# mlmon-lintdisable=RUL001\n";
        let (s, bad) = scan(&SourceFile::new("a", t), &[]);
        assert!(s.is_empty());
        assert_eq!(bad.len(), 1);
        assert!(bad[0].message.contains("enable=X"));
    }

    #[test]
    fn comment_above_non_rule_applies_to_its_line() {
        let t = "# mlmon-lint disable=RUL001\ngroups: []\n";
        let (s, _) = scan(&SourceFile::new("a", t), &[]);
        assert_eq!(s[0].lines, Some((1, 1)));
        assert_eq!(s[0].code, Some("RUL001"));
    }
}
