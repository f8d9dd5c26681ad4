//! Text embedded in a file under some quoting: a decoded string plus, for each of its bytes, the
//! range of source bytes it came from.
//!
//! PromQL lives in YAML scalars (plain, quoted, `|` and `>` blocks), in JSON strings (dashboards),
//! through ConfigMaps in YAML or JSON inside a YAML string, and in dashboard queries with template
//! variables substituted ([`MapBuilder`]). A parser sees the *decoded* text; a user
//! needs the position in the *file*. This is pint's `PositionRanges` idea: walk the raw source the way
//! the quoting style decodes it, and record where every decoded byte came from.
//!
//! The type itself is format-neutral (a decoded string and two offset vectors); the builders per
//! quoting style live here too because they share the emitter. Every builder checks its own
//! reconstruction against the value the real YAML parser decoded; if they differ (an input this code
//! does not model), the map falls back to the whole scalar, so a position is coarse but never wrong.

use serde_saphyr::granit_parser::ScalarStyle;

use super::FileSpan;
use crate::promql::Span;

/// A decoded string and where each of its bytes came from in the outer text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedText {
    pub text: String,
    /// For decoded byte `i`: the first source byte of the token that produced it.
    starts: Vec<u32>,
    /// For decoded byte `i`: one past the last source byte of that token.
    ends: Vec<u32>,
    /// The whole source range of the scalar (used for empty spans and fallbacks).
    whole: FileSpan,
    /// False when the builder could not reproduce the decoded text and every byte maps to `whole`.
    exact: bool,
}

impl EmbeddedText {
    /// Text copied verbatim from `offset` (a file's own text, or JSON without escapes).
    pub fn verbatim(text: &str, offset: u32) -> EmbeddedText {
        let n = text.len() as u32;
        EmbeddedText {
            text: text.to_string(),
            starts: (offset..offset + n).collect(),
            ends: (offset + 1..offset + n + 1).collect(),
            whole: FileSpan::new(offset, offset + n),
            exact: true,
        }
    }

    /// Every decoded byte maps to the whole source range.
    pub fn coarse(text: &str, whole: FileSpan) -> EmbeddedText {
        EmbeddedText {
            text: text.to_string(),
            starts: vec![whole.start; text.len()],
            ends: vec![whole.end; text.len()],
            whole,
            exact: false,
        }
    }

    /// Whether every byte has its own position (false after a fallback).
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// The source range of the whole scalar.
    pub fn whole(&self) -> FileSpan {
        self.whole
    }

    /// Maps a span of the decoded text to the source bytes it came from.
    pub fn map_span(&self, span: Span) -> FileSpan {
        let (s, e) = (span.start as usize, span.end as usize);
        if s >= self.starts.len() {
            return FileSpan::point(self.ends.last().copied().unwrap_or(self.whole.end));
        }
        let start = self.starts.get(s).copied().unwrap_or(self.whole.start);
        if e <= s {
            return FileSpan::point(start);
        }
        let end = self.ends.get(e.min(self.ends.len()) - 1).copied().unwrap_or(self.whole.end);
        FileSpan::new(start, end.max(start))
    }

    /// The part `span` of the text, keeping its map (a query inside a variable's
    /// `label_values(...)`).
    pub fn slice(&self, span: Span) -> EmbeddedText {
        let (s, e) = (span.start as usize, (span.end as usize).min(self.text.len()));
        match (self.text.get(s..e), self.starts.get(s..e), self.ends.get(s..e)) {
            (Some(t), Some(a), Some(b)) => EmbeddedText {
                text: t.to_string(),
                starts: a.to_vec(),
                ends: b.to_vec(),
                whole: self.map_span(span),
                exact: self.exact,
            },
            _ => EmbeddedText::coarse("", self.whole),
        }
    }

    /// Maps through an outer layer: `self` is relative to `outer.text` (YAML inside a ConfigMap
    /// string); the result is relative to whatever `outer` maps to.
    pub fn compose(&self, outer: &EmbeddedText) -> EmbeddedText {
        let mut starts = Vec::with_capacity(self.starts.len());
        let mut ends = Vec::with_capacity(self.ends.len());
        for (s, e) in self.starts.iter().zip(&self.ends) {
            let m = outer.map_span(Span::new(*s, *e));
            starts.push(m.start);
            ends.push(m.end);
        }
        let whole = outer.map_span(Span::new(self.whole.start, self.whole.end));
        EmbeddedText { text: self.text.clone(), starts, ends, whole, exact: self.exact && outer.exact }
    }

    /// The decoded value of a JSON string and its map, rebuilt from its raw source (`src[span]`,
    /// quotes included) and checked against `value`, the parser's decoding. Each escape (`\"`,
    /// `\n`, `\u00e9`, a surrogate pair) maps to all of its source characters.
    pub fn from_json_string(src: &str, span: FileSpan, value: &str) -> EmbeddedText {
        let (start, end) = (span.start as usize + 1, (span.end as usize).saturating_sub(1));
        let Some(body) = src.get(start..end.max(start)) else { return EmbeddedText::coarse(value, span) };
        let mut out = Emitter::default();
        let mut i = 0;
        while let Some(c) = body.get(i..).and_then(|r| r.chars().next()) {
            let at = start + i;
            if c == '\\' {
                match super::json::decode_escape(src, at) {
                    Some((d, len)) => {
                        out.push(d, at, at + len);
                        i += len;
                    }
                    None => return EmbeddedText::coarse(value, span),
                }
            } else {
                out.push(c, at, at + c.len_utf8());
                i += c.len_utf8();
            }
        }
        out.finish(value, span)
    }

    /// The decoded value of a YAML scalar and its map, rebuilt from the scalar's raw source
    /// (`src[span]`, as the YAML parser reported it) and checked against `value`, the parser's
    /// decoding.
    pub fn from_yaml_scalar(src: &str, span: FileSpan, style: ScalarStyle, value: &str) -> EmbeddedText {
        let built = match style {
            ScalarStyle::Plain => flow(src, span.start as usize, span.end as usize, Quote::None),
            ScalarStyle::SingleQuoted => {
                flow(src, span.start as usize + 1, (span.end as usize).saturating_sub(1), Quote::Single)
            }
            ScalarStyle::DoubleQuoted => {
                flow(src, span.start as usize + 1, (span.end as usize).saturating_sub(1), Quote::Double)
            }
            ScalarStyle::Literal => block(src, span, value, false),
            ScalarStyle::Folded => block(src, span, value, true),
        };
        match built {
            Some(b) => b.finish(value, span),
            None => EmbeddedText::coarse(value, span),
        }
    }

    /// [`EmbeddedText::from_yaml_scalar`] followed by [`EmbeddedText::map_span`] of `part`, without
    /// building the map when the scalar is written exactly as its value (no quotes to undo, no
    /// escapes, no line folding): its bytes then map one to one. Names and label values usually
    /// are, and findings point into them by the thousand.
    pub fn map_yaml_scalar_part(src: &str, span: FileSpan, style: ScalarStyle, value: &str, part: Span) -> FileSpan {
        let (start, end, special): (usize, usize, &[u8]) = match style {
            ScalarStyle::Plain => (span.start as usize, span.end as usize, b"\r\n"),
            ScalarStyle::SingleQuoted => (span.start as usize + 1, (span.end as usize).saturating_sub(1), b"\r\n'"),
            ScalarStyle::DoubleQuoted => (span.start as usize + 1, (span.end as usize).saturating_sub(1), b"\r\n\"\\"),
            ScalarStyle::Literal | ScalarStyle::Folded => (0, 0, b""),
        };
        // ASCII only: the full map gives every byte of a multi-byte character the character's range
        let verbatim = !special.is_empty()
            && !value.is_empty()
            && value.is_ascii()
            && src.get(start..end) == Some(value)
            && !value.ends_with([' ', '\t'])
            && !value.bytes().any(|b| special.contains(&b));
        if !verbatim {
            return EmbeddedText::from_yaml_scalar(src, span, style, value).map_span(part);
        }
        // `map_span` of the identity map
        let (n, s, e) = (value.len(), part.start as usize, part.end as usize);
        if s >= n {
            return FileSpan::point((start + n) as u32);
        }
        if e <= s {
            return FileSpan::point((start + s) as u32);
        }
        FileSpan::new((start + s) as u32, (start + e.min(n)) as u32)
    }
}

/// Builds a map piece by piece, for text assembled from parts of another (a dashboard query with
/// its template variables substituted: copied text maps character by character, a substituted
/// value maps as a whole to the variable reference it replaced).
#[derive(Default)]
pub struct MapBuilder {
    out: Emitter,
}

impl MapBuilder {
    /// Appends `s`, copied from `offset` onwards: each character maps to itself.
    pub fn copied(&mut self, s: &str, offset: u32) {
        for (i, c) in s.char_indices() {
            let at = offset as usize + i;
            self.out.push(c, at, at + c.len_utf8());
        }
    }

    /// Appends `s`, every byte of which maps to `from` (the text it replaces).
    pub fn replaced(&mut self, s: &str, from: FileSpan) {
        for c in s.chars() {
            self.out.push(c, from.start as usize, from.end as usize);
        }
    }

    /// The text built so far.
    pub fn text(&self) -> &str {
        &self.out.text
    }

    pub fn finish(self, whole: FileSpan) -> EmbeddedText {
        EmbeddedText { text: self.out.text, starts: self.out.starts, ends: self.out.ends, whole, exact: true }
    }
}

/// Collects decoded characters with their source ranges.
#[derive(Default, Clone)]
struct Emitter {
    text: String,
    starts: Vec<u32>,
    ends: Vec<u32>,
}

impl Emitter {
    fn push(&mut self, c: char, start: usize, end: usize) {
        self.text.push(c);
        for _ in 0..c.len_utf8() {
            self.starts.push(start as u32);
            self.ends.push(end as u32);
        }
    }

    /// Reconciles the reconstruction with the parser's value. Block-scalar chomping only trims or
    /// keeps trailing line breaks, so a prefix relation in either direction is accepted.
    fn finish(mut self, value: &str, whole: FileSpan) -> EmbeddedText {
        if self.text == value {
        } else if self.text.starts_with(value) && self.text[value.len()..].bytes().all(|b| b == b'\n') {
            self.text.truncate(value.len());
            self.starts.truncate(value.len());
            self.ends.truncate(value.len());
        } else if value.starts_with(&self.text) && value[self.text.len()..].bytes().all(|b| b == b'\n') {
            let at = self.ends.last().copied().unwrap_or(whole.end);
            for _ in self.text.len()..value.len() {
                self.starts.push(at);
                self.ends.push(at);
            }
            self.text = value.to_string();
        } else {
            return EmbeddedText::coarse(value, whole);
        }
        EmbeddedText { text: self.text, starts: self.starts, ends: self.ends, whole, exact: true }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Plain, single- and double-quoted scalars: line folding (a single break becomes a space, `n`
/// further empty lines become `n` newlines, whitespace around breaks is dropped) plus the style's
/// escapes. `start..end` is the content without the quotes.
fn flow(src: &str, start: usize, end: usize, quote: Quote) -> Option<Emitter> {
    let body = src.get(start..end)?;
    let mut out = Emitter::default();
    let mut pending: Vec<(char, usize, usize)> = Vec::new();
    let mut it = body.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let at = start + i;
        match c {
            '\r' | '\n' => {
                // a raw line break: trailing whitespace is dropped, then fold
                pending.clear();
                if c == '\r' && it.peek().map(|p| p.1) == Some('\n') {
                    it.next();
                }
                let first_break = at;
                let mut empties: Vec<usize> = Vec::new();
                loop {
                    while it.peek().is_some_and(|p| is_blank(p.1)) {
                        it.next();
                    }
                    match it.peek().copied() {
                        Some((j, '\n')) | Some((j, '\r')) => {
                            empties.push(start + j);
                            let cr = it.next().map(|p| p.1) == Some('\r');
                            if cr && it.peek().map(|p| p.1) == Some('\n') {
                                it.next();
                            }
                        }
                        _ => break,
                    }
                }
                if empties.is_empty() {
                    out.push(' ', first_break, first_break + 1);
                } else {
                    for e in empties {
                        out.push('\n', e, e + 1);
                    }
                }
            }
            ' ' | '\t' => pending.push((c, at, at + 1)),
            '\'' if quote == Quote::Single => {
                flush(&mut out, &mut pending);
                // `''` is one quote
                let next = it.next();
                if next.map(|p| p.1) != Some('\'') {
                    return None;
                }
                out.push('\'', at, at + 2);
            }
            '\\' if quote == Quote::Double => {
                flush(&mut out, &mut pending);
                let (j, e) = it.next()?;
                match e {
                    '\r' | '\n' => {
                        // escaped line break: joins the lines without a space
                        if e == '\r' && it.peek().map(|p| p.1) == Some('\n') {
                            it.next();
                        }
                        while it.peek().is_some_and(|p| is_blank(p.1)) {
                            it.next();
                        }
                    }
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex_start = start + j + 1;
                        let hex = src.get(hex_start..hex_start + n)?;
                        let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                        for _ in 0..n {
                            it.next();
                        }
                        out.push(ch, at, hex_start + n);
                    }
                    _ => {
                        let ch = match e {
                            '0' => '\0',
                            'a' => '\x07',
                            'b' => '\x08',
                            't' | '\t' => '\t',
                            'n' => '\n',
                            'v' => '\x0b',
                            'f' => '\x0c',
                            'r' => '\r',
                            'e' => '\x1b',
                            ' ' => ' ',
                            '"' => '"',
                            '/' => '/',
                            '\\' => '\\',
                            'N' => '\u{85}',
                            '_' => '\u{a0}',
                            'L' => '\u{2028}',
                            'P' => '\u{2029}',
                            _ => return None,
                        };
                        out.push(ch, at, start + j + e.len_utf8());
                    }
                }
            }
            _ => {
                flush(&mut out, &mut pending);
                out.push(c, at, at + c.len_utf8());
            }
        }
    }
    if quote != Quote::None {
        flush(&mut out, &mut pending);
    }
    Some(out)
}

fn flush(out: &mut Emitter, pending: &mut Vec<(char, usize, usize)>) {
    for (c, s, e) in pending.drain(..) {
        out.push(c, s, e);
    }
}

/// One source line of a block scalar, after its indentation.
struct BlockLine {
    /// Content (after the indentation) up to the line break.
    content: std::ops::Range<usize>,
    /// Position of the line break (or the end of the text).
    brk: usize,
    empty: bool,
    more_indented: bool,
}

/// `|` and `>` blocks. The parser's span starts at the first content character of the first
/// non-empty line, so its column is the block's indentation.
fn block(src: &str, span: FileSpan, value: &str, folded: bool) -> Option<Emitter> {
    let start = span.start as usize;
    let end = (span.end as usize).min(src.len());
    let line_start = src.get(..start)?.rfind('\n').map_or(0, |p| p + 1);
    let indent = start - line_start;
    if !src.get(line_start..start)?.bytes().all(|b| b == b' ') {
        return None;
    }
    let mut lines = Vec::new();
    let mut pos = line_start;
    while pos < end {
        let line_end = src.get(pos..end)?.find('\n').map_or(end, |p| pos + p);
        let raw = src.get(pos..line_end)?;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let spaces = raw.bytes().take_while(|b| *b == b' ').count();
        let skip = spaces.min(indent);
        let content = pos + skip..pos + raw.len();
        let text = src.get(content.clone())?;
        let empty = spaces < indent && text.is_empty() || text.is_empty();
        let more_indented = !empty && text.starts_with([' ', '\t']);
        lines.push(BlockLine { content, brk: line_end, empty, more_indented });
        pos = line_end + 1;
    }
    let mut out = Emitter::default();
    // empty lines before the first content line lie before the span; they decode to line breaks
    for _ in value.bytes().take_while(|b| *b == b'\n') {
        out.push('\n', start, start);
    }
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        if line.empty {
            out.push('\n', line.brk, line.brk + 1);
            i += 1;
            continue;
        }
        for (j, c) in src.get(line.content.clone())?.char_indices() {
            out.push(c, line.content.start + j, line.content.start + j + c.len_utf8());
        }
        if !folded {
            out.push('\n', line.brk, line.brk + 1);
            i += 1;
            continue;
        }
        // folding: look ahead past empty lines to the next content line
        let mut k = i + 1;
        while k < lines.len() && lines[k].empty {
            k += 1;
        }
        let empties: Vec<usize> = lines[i + 1..k].iter().map(|l| l.brk).collect();
        match lines.get(k) {
            Some(next) if !line.more_indented && !next.more_indented => {
                if empties.is_empty() {
                    out.push(' ', line.brk, line.brk + 1);
                } else {
                    for b in empties {
                        out.push('\n', b, b + 1);
                    }
                }
            }
            _ => {
                out.push('\n', line.brk, line.brk + 1);
                for b in empties {
                    out.push('\n', b, b + 1);
                }
            }
        }
        i = k;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_saphyr::granit_parser::{Event, Parser};

    /// Parses `yaml` and returns, for the value of `key` (top-level map), its EmbeddedText.
    fn scalar(yaml: &str, key: &str) -> EmbeddedText {
        let mut want = false;
        for ev in Parser::new_from_str(yaml) {
            let (ev, sp) = ev.unwrap();
            if let Event::Scalar(v, style, _, _) = ev {
                if want {
                    let span =
                        FileSpan::new(sp.start.byte_offset().unwrap() as u32, sp.end.byte_offset().unwrap() as u32);
                    return EmbeddedText::from_yaml_scalar(yaml, span, style, &v);
                }
                want = v == key;
            }
        }
        panic!("no key {key}");
    }

    /// The shortcut for scalars written as their value maps every part exactly as the full map.
    #[test]
    fn verbatim_scalar_parts_map_like_the_full_map() {
        let yaml = "a: job:x_y:rate5m\nb: 'job:x'\nc: \"job:x\"\nd: 'it''s'\ne: \"a\\tb\"\nf: a\n  b\ng: |\n  xy\nh: ''\n\
                    i: caf\u{e9} x\nj: \"tab\there\"\n";
        for ev in Parser::new_from_str(yaml) {
            let (ev, sp) = ev.unwrap();
            let Event::Scalar(v, style, _, _) = ev else { continue };
            let span = FileSpan::new(sp.start.byte_offset().unwrap() as u32, sp.end.byte_offset().unwrap() as u32);
            let full = EmbeddedText::from_yaml_scalar(yaml, span, style, &v);
            for s in 0..=v.len() as u32 + 1 {
                for e in 0..=v.len() as u32 + 1 {
                    let part = Span::new(s, e);
                    assert_eq!(
                        EmbeddedText::map_yaml_scalar_part(yaml, span, style, &v, part),
                        full.map_span(part),
                        "{v:?} {part:?}"
                    );
                }
            }
        }
    }

    /// The source text each decoded character maps to.
    fn sources(yaml: &str, e: &EmbeddedText) -> Vec<(char, String)> {
        e.text
            .char_indices()
            .map(|(i, c)| {
                let m = e.map_span(Span::new(i as u32, (i + c.len_utf8()) as u32));
                (c, yaml[m.start as usize..m.end as usize].to_string())
            })
            .collect()
    }

    fn assert_identity_chars(yaml: &str, e: &EmbeddedText) {
        assert!(e.is_exact(), "fell back for {yaml:?}: {:?}", e.text);
        for (c, src) in sources(yaml, e) {
            if c != ' ' && c != '\n' {
                assert_eq!(src, c.to_string(), "in {yaml:?}");
            }
        }
    }

    #[test]
    fn plain_single_line() {
        let y = "expr: rate(x[5m]) > 0\n";
        let e = scalar(y, "expr");
        assert_eq!(e.text, "rate(x[5m]) > 0");
        assert_eq!(e.map_span(Span::new(5, 6)), FileSpan::new(11, 12));
        assert_identity_chars(y, &e);
    }

    #[test]
    fn plain_multi_line_folds() {
        let y = "expr: sum(x)\n  by (job)\n\n  > 1\nz: 1\n";
        let e = scalar(y, "expr");
        assert_eq!(e.text, "sum(x) by (job)\n> 1");
        assert_identity_chars(y, &e);
        let by = e.text.find("by").unwrap() as u32;
        let m = e.map_span(Span::new(by, by + 2));
        assert_eq!(&y[m.start as usize..m.end as usize], "by");
    }

    #[test]
    fn single_quoted_with_doubled_quote() {
        let y = "expr: 'up{job=''a''} == 0'\n";
        let e = scalar(y, "expr");
        assert_eq!(e.text, "up{job='a'} == 0");
        assert!(e.is_exact());
        let q = e.text.find('\'').unwrap() as u32;
        let m = e.map_span(Span::new(q, q + 1));
        assert_eq!(&y[m.start as usize..m.end as usize], "''");
        let eq = e.text.find("==").unwrap() as u32;
        let m = e.map_span(Span::new(eq, eq + 2));
        assert_eq!(&y[m.start as usize..m.end as usize], "==");
    }

    #[test]
    fn double_quoted_escapes() {
        let y = "expr: \"up{job=\\\"a\\\"} \\u00e9 \\x41\\t==\\\n    0\"\n";
        let e = scalar(y, "expr");
        assert_eq!(e.text, "up{job=\"a\"} é A\t==0");
        assert!(e.is_exact());
        let got = sources(y, &e);
        assert!(got.contains(&('é', "\\u00e9".to_string())));
        assert!(got.contains(&('A', "\\x41".to_string())));
        assert!(got.contains(&('"', "\\\"".to_string())));
        assert!(got.contains(&('\t', "\\t".to_string())));
        let zero = e.text.find('0').unwrap() as u32;
        let m = e.map_span(Span::new(zero, zero + 1));
        assert_eq!(m.start as usize, y.rfind('0').unwrap());
    }

    #[test]
    fn double_quoted_multi_line_folding() {
        let y = "e: \"a  \n   b\n\n  c \"\n";
        let e = scalar(y, "e");
        assert_eq!(e.text, "a b\nc ");
        assert!(e.is_exact());
    }

    #[test]
    fn literal_block() {
        let y = "expr: |\n  sum by (job) (\n    rate(x[5m])\n  ) > 0\nnext: 1\n";
        let e = scalar(y, "expr");
        assert_eq!(e.text, "sum by (job) (\n  rate(x[5m])\n) > 0\n");
        assert_identity_chars(y, &e);
        let r = e.text.find("rate").unwrap() as u32;
        let m = e.map_span(Span::new(r, r + 4));
        assert_eq!(m.start as usize, y.find("rate").unwrap());
    }

    #[test]
    fn literal_block_strip_keep_and_leading_blank() {
        let y = "a: |-\n  x\n\nb: |+\n  y\n\n\nc: |\n\n  z\n";
        let a = scalar(y, "a");
        assert_eq!(a.text, "x");
        assert!(a.is_exact());
        let b = scalar(y, "b");
        assert_eq!(b.text, "y\n\n\n");
        assert!(b.is_exact());
        let c = scalar(y, "c");
        assert_eq!(c.text, "\nz\n");
        assert!(c.is_exact());
        let z = c.map_span(Span::new(1, 2));
        assert_eq!(&y[z.start as usize..z.end as usize], "z");
    }

    #[test]
    fn literal_block_explicit_indent() {
        let y = "a: |2\n    x\n   y\n";
        let e = scalar(y, "a");
        assert_eq!(e.text, "  x\n y\n");
        assert_identity_chars(y, &e);
    }

    #[test]
    fn folded_block() {
        let y = "expr: >\n  sum(x)\n  by (job)\n\n  > 1\n    more\n  end\n";
        let e = scalar(y, "expr");
        assert_eq!(e.text, "sum(x) by (job)\n> 1\n  more\nend\n");
        assert_identity_chars(y, &e);
        let m = e.text.find("more").unwrap() as u32;
        let f = e.map_span(Span::new(m, m + 4));
        assert_eq!(f.start as usize, y.find("more").unwrap());
    }

    #[test]
    fn folded_block_strip() {
        let y = "expr: >-\n  a\n  b\n";
        let e = scalar(y, "expr");
        assert_eq!(e.text, "a b");
        assert!(e.is_exact());
    }

    #[test]
    fn multibyte_in_block_keeps_mapping() {
        let y = "d: |\n  Çok yüksek gecikme 😀 {{ $value }}\n";
        let e = scalar(y, "d");
        assert_identity_chars(y, &e);
        let v = e.text.find("$value").unwrap() as u32;
        let m = e.map_span(Span::new(v, v + 6));
        assert_eq!(&y[m.start as usize..m.end as usize], "$value");
    }

    #[test]
    fn crlf_line_endings() {
        let y = "a: |\r\n  x\r\n  y\r\nb: p\r\n  q\r\n";
        let a = scalar(y, "a");
        assert_eq!(a.text, "x\ny\n");
        assert!(a.is_exact());
        let b = scalar(y, "b");
        assert_eq!(b.text, "p q");
        assert!(b.is_exact());
    }

    #[test]
    fn empty_and_out_of_range_spans() {
        let y = "a: xyz\n";
        let e = scalar(y, "a");
        assert_eq!(e.map_span(Span::new(1, 1)), FileSpan::point(4));
        assert_eq!(e.map_span(Span::new(3, 3)), FileSpan::point(6));
        assert_eq!(e.map_span(Span::new(9, 12)), FileSpan::point(6));
        assert_eq!(e.map_span(Span::new(1, 99)), FileSpan::new(4, 6));
    }

    #[test]
    fn coarse_fallback_covers_the_scalar() {
        let e = EmbeddedText::coarse("abc", FileSpan::new(10, 20));
        assert!(!e.is_exact());
        assert_eq!(e.map_span(Span::new(1, 2)), FileSpan::new(10, 20));
    }

    #[test]
    fn composition_maps_through_two_layers() {
        // outer: a ConfigMap value; inner: a rule file inside it
        let y = "data:\n  r.yaml: |\n    groups:\n    - expr: up == 0\n";
        let outer = scalar(y, "r.yaml");
        assert_eq!(outer.text, "groups:\n- expr: up == 0\n");
        let inner = scalar(&outer.text, "expr");
        let composed = inner.compose(&outer);
        let m = composed.map_span(Span::new(0, 2));
        assert_eq!(&y[m.start as usize..m.end as usize], "up");
        assert_eq!(composed.text, "up == 0");
    }
}
