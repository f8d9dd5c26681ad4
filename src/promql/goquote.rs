//! Go's string quoting and unquoting, as Prometheus uses them.
//!
//! Prometheus prints strings with Go's `strconv.Quote` (`%q`) in its error messages and in
//! `Expr.String()`, and decodes string literals with `util/strutil.Unquote`. Matching its output
//! byte for byte means matching Go's escaping rules, including which runes Go considers printable
//! (`unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space). Rust's
//! standard library has no such predicate, so the printable set is read once from `regex-syntax`'s
//! Unicode tables (which we already depend on) the first time a non-ASCII rune needs quoting.

use std::sync::OnceLock;

/// Go's `unicode.IsPrint`.
pub fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    let ranges = printable_ranges();
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

fn printable_ranges() -> &'static [(char, char)] {
    static RANGES: OnceLock<Vec<(char, char)>> = OnceLock::new();
    RANGES.get_or_init(|| {
        let hir = regex_syntax::ParserBuilder::new().build().parse(r"[\p{L}\p{M}\p{N}\p{P}\p{S}]");
        match hir.as_ref().map(|h| h.kind()) {
            Ok(regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(cls))) => {
                cls.ranges().iter().map(|r| (r.start(), r.end())).collect()
            }
            // Cannot happen with the constant pattern above; fall back to "nothing beyond ASCII is
            // printable", which only makes quoting more conservative.
            _ => Vec::new(),
        }
    })
}

fn push_escaped(out: &mut String, c: char, quote: char) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c == '\x7f' => {
            out.push_str(&format!("\\x{:02x}", c as u32));
        }
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// Go's `strconv.Quote`: a double-quoted Go string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_quoted(&mut out, s);
    out
}

/// Appends `strconv.Quote(s)` to `out`.
pub fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        push_escaped(out, c, '"');
    }
    out.push('"');
}

/// Go's `fmt.Sprintf("%.Nq", s)`: the first `n` runes of `s`, quoted.
pub fn quote_prefix(s: &str, n: usize) -> String {
    let end = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    quote(s.get(..end).unwrap_or(s))
}

/// Go's `strconv.QuoteRune` (`%q` of a rune): `'x'`.
pub fn quote_rune(c: char) -> String {
    let mut out = String::from('\'');
    push_escaped(&mut out, c, '\'');
    out.push('\'');
    out
}

/// Go's `%#U` of a rune: `U+0071 'q'` (the quoted form only when printable).
pub fn unicode_format(c: char) -> String {
    if is_print(c) { format!("U+{:04X} '{}'", c as u32, c) } else { format!("U+{:04X}", c as u32) }
}

/// Prometheus's `strutil.Unquote`: decodes a `"..."`, `'...'` or `` `...` `` literal, quotes
/// included. Returns `None` where Go returns `ErrSyntax`.
///
/// Go strings may hold any bytes, so `"\xff"` decodes to a byte that is not UTF-8; here such
/// bytes become U+FFFD (the AST stores `String`).
pub fn unquote(s: &str) -> Option<String> {
    unquote_bytes(s).map(|buf| match String::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Go's `strconv.Quote` of arbitrary bytes: invalid UTF-8 bytes print as `\xNN`.
pub fn quote_bytes(b: &[u8]) -> String {
    let mut out = String::from('"');
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_escaped(&mut out, c, '"');
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out.push('"');
    out
}

/// `strutil.Unquote` returning the raw bytes.
pub fn unquote_bytes(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let n = b.len();
    if n < 2 {
        return None;
    }
    let quote = b[0];
    if quote != b[n - 1] {
        return None;
    }
    let inner = s.get(1..n - 1)?;
    if quote == b'`' {
        if inner.contains('`') {
            return None;
        }
        return Some(inner.as_bytes().to_vec());
    }
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    if inner.contains('\n') {
        return None;
    }
    if !inner.contains('\\') && !inner.as_bytes().contains(&quote) {
        return Some(inner.as_bytes().to_vec());
    }
    let mut buf: Vec<u8> = Vec::with_capacity(inner.len());
    let ib = inner.as_bytes();
    let mut i = 0;
    while i < ib.len() {
        let c = ib[i];
        if c == quote {
            return None;
        }
        if c != b'\\' {
            buf.push(c);
            i += 1;
            continue;
        }
        let e = *ib.get(i + 1)?;
        i += 2;
        match e {
            b'a' => buf.push(7),
            b'b' => buf.push(8),
            b'f' => buf.push(12),
            b'n' => buf.push(b'\n'),
            b'r' => buf.push(b'\r'),
            b't' => buf.push(b'\t'),
            b'v' => buf.push(11),
            b'x' | b'u' | b'U' => {
                let digits = match e {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let hex = ib.get(i..i + digits)?;
                let mut v: u32 = 0;
                for &h in hex {
                    v = (v << 4) | (h as char).to_digit(16)?;
                }
                i += digits;
                if e == b'x' {
                    buf.push(v as u8);
                } else {
                    if v > 0x10FFFF {
                        return None;
                    }
                    // Go encodes a surrogate half as U+FFFD.
                    let ch = char::from_u32(v).unwrap_or('\u{FFFD}');
                    let mut tmp = [0u8; 4];
                    buf.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                }
            }
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let oct = ib.get(i..i + 2)?;
                for &o in oct {
                    if !(b'0'..=b'7').contains(&o) {
                        return None;
                    }
                    v = (v << 3) | u32::from(o - b'0');
                }
                i += 2;
                if v > 255 {
                    return None;
                }
                buf.push(v as u8);
            }
            b'\\' => buf.push(b'\\'),
            b'\'' | b'"' => {
                if e != quote {
                    return None;
                }
                buf.push(e);
            }
            _ => return None,
        }
    }
    Some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_go() {
        assert_eq!(quote("abc"), r#""abc""#);
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("\n\t\x07\x00\x7f"), r#""\n\t\a\x00\x7f""#);
        assert_eq!(quote("çé日本"), "\"çé日本\"");
        assert_eq!(quote("\u{a0}\u{200b}"), r#""\u00a0\u200b""#);
        assert_eq!(quote("'"), r#""'""#);
        assert_eq!(quote_rune('\''), r"'\''");
        assert_eq!(quote_rune('}'), "'}'");
        assert_eq!(quote_prefix("\"abcdefghijklmn\"", 10), r#""\"abcdefghi""#);
        assert_eq!(unicode_format('q'), "U+0071 'q'");
        assert_eq!(unicode_format('\n'), "U+000A");
    }

    #[test]
    fn unquote_matches_strutil() {
        assert_eq!(unquote(r#""a\nb""#).as_deref(), Some("a\nb"));
        assert_eq!(unquote(r"'a\'b'").as_deref(), Some("a'b"));
        assert_eq!(unquote(r#""a\'b""#), None);
        assert_eq!(unquote(r"`a\nb`").as_deref(), Some(r"a\nb"));
        assert_eq!(unquote(r#""\u00e9\x41\101""#).as_deref(), Some("éAA"));
        assert_eq!(unquote(r#""\q""#), None);
        assert_eq!(unquote(r#""abc"#), None);
        assert_eq!(unquote(r#""\xff""#).as_deref(), Some("\u{FFFD}"));
        assert_eq!(quote_bytes(b"a\xc5z"), r#""a\xc5z""#);
    }
}
