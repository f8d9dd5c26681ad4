//! Source text and positions: the only layer that knows file offsets.
//!
//! Everything above this module works with byte spans into a [`SourceFile`]'s text (or spans
//! relative to an expression, mapped through [`embedded::EmbeddedText`]); line and column numbers
//! are computed here, once, when a finding is reported. Columns count Unicode scalar values, as
//! editors and GitHub annotations do (conventions.md), so Turkish, CJK and emoji earlier on a line
//! do not shift the columns after them.

pub mod embedded;
pub mod json;
pub mod yaml;
mod yaml_block;

use std::path::Path;

/// A half-open byte range `[start, end)` into a [`SourceFile`]'s text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileSpan {
    pub start: u32,
    pub end: u32,
}

impl FileSpan {
    pub const fn new(start: u32, end: u32) -> Self {
        FileSpan { start, end }
    }
    pub const fn point(at: u32) -> Self {
        FileSpan { start: at, end: at }
    }
    /// The smallest span covering both.
    pub fn to(self, other: FileSpan) -> FileSpan {
        FileSpan { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
    pub fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

/// A 1-based line and column (column in Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// One input file: the path as the user named it, its text, and a line index.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as given on the command line (or found under a directory given there), with `/`
    /// separators.
    pub path: String,
    pub text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<u32>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0u32];
        // memchr: a byte loop costs 7 instructions a byte, `match_indices` ~180 a line
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        SourceFile { path: path.into(), text, line_starts }
    }

    /// A path as printed: as the user named it, with `/` separators.
    pub fn display_path(path: &Path) -> String {
        let s = path.to_string_lossy();
        let s = s.strip_prefix("./").unwrap_or(&s);
        if std::path::MAIN_SEPARATOR == '/' { s.to_string() } else { s.replace(std::path::MAIN_SEPARATOR, "/") }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The line and column of a byte offset (clamped to the text, and moved back to a character
    /// boundary if it falls inside one).
    pub fn line_col(&self, offset: u32) -> LineCol {
        let mut offset = (offset as usize).min(self.text.len());
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0) as usize;
        let column = self.text.get(start..offset).map_or(0, |s| s.chars().count());
        LineCol { line: line as u32 + 1, column: column as u32 + 1 }
    }

    /// Start and (inclusive) end position of a span: the end is the last character covered, so a
    /// one-character span starts and ends on the same column. An empty span ends where it starts.
    pub fn span_positions(&self, span: FileSpan) -> (LineCol, LineCol) {
        let start = self.line_col(span.start);
        if span.is_empty() {
            return (start, start);
        }
        let mut last = (span.end as usize).min(self.text.len());
        // step back to the start of the last character covered
        last = last.saturating_sub(1);
        while last > span.start as usize && !self.text.is_char_boundary(last) {
            last -= 1;
        }
        // a span ending with a newline ends on the line it terminates
        (start, self.line_col(last as u32))
    }

    /// The text of 1-based line `n`, without its line break.
    pub fn line_text(&self, n: usize) -> Option<&str> {
        let start = *self.line_starts.get(n.checked_sub(1)?)? as usize;
        let end = self.line_starts.get(n).map_or(self.text.len(), |e| *e as usize);
        let line = self.text.get(start..end)?;
        Some(line.strip_suffix('\n').map_or(line, |l| l.strip_suffix('\r').unwrap_or(l)))
    }

    /// The byte offset at which 1-based line `n` starts.
    pub fn line_start(&self, n: usize) -> Option<u32> {
        self.line_starts.get(n.checked_sub(1)?).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let f = SourceFile::new("a.yaml", "ab\nçığ: x\n😀y\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        let x = f.text.find('x').unwrap() as u32;
        assert_eq!(f.line_col(x), LineCol { line: 2, column: 6 });
        let y = f.text.find('y').unwrap() as u32;
        assert_eq!(f.line_col(y), LineCol { line: 3, column: 2 });
        // inside a multi-byte character: clamps to its start
        assert_eq!(f.line_col(4), LineCol { line: 2, column: 1 });
        // past the end
        assert_eq!(f.line_col(10_000).line, 4);
    }

    #[test]
    fn span_end_is_inclusive_last_character() {
        let f = SourceFile::new("a", "x: é+b\n");
        let s = f.text.find('é').unwrap() as u32;
        let (a, b) = f.span_positions(FileSpan::new(s, s + 2));
        assert_eq!((a.column, b.column), (4, 4));
        let (a, b) = f.span_positions(FileSpan::new(s, s + 4));
        assert_eq!((a.column, b.column), (4, 6));
        let (a, b) = f.span_positions(FileSpan::point(s));
        assert_eq!(a, b);
    }

    #[test]
    fn line_text_strips_breaks() {
        let f = SourceFile::new("a", "one\r\ntwo\nthree");
        assert_eq!(f.line_text(1), Some("one"));
        assert_eq!(f.line_text(3), Some("three"));
        assert_eq!(f.line_text(4), None);
        assert_eq!(f.line_text(0), None);
    }
}
