//! Go's quoting (`strconv.Quote`, `QuoteToASCII`, `QuoteRune`, `CanBackquote`, `IsPrint`) and
//! unquoting (`strconv.UnquoteChar`, `Unquote`, and Prometheus's `util/strutil.Unquote`, which
//! decodes PromQL string literals).
//!
//! Matching Go's output byte for byte means matching which runes Go considers printable
//! (`unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space). Rust's
//! standard library has no such predicate, so the printable set is read once from `regex-syntax`'s
//! Unicode tables (which we already depend on) the first time a non-ASCII rune needs it.

use std::fmt::Write as _;
use std::sync::OnceLock;

/// Go's `strconv.IsPrint` (the same set as `unicode.IsPrint`).
pub fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    printable_ranges()
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

/// Go's `appendEscapedRune`.
fn append_escaped(out: &mut String, c: char, quote: char, ascii_only: bool) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if if ascii_only { c.is_ascii() && is_print(c) } else { is_print(c) } {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

fn quote_with(s: &str, quote: char, ascii_only: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        append_escaped(&mut out, c, quote, ascii_only);
    }
    out.push(quote);
    out
}

/// Go's `strconv.Quote` (`%q` of a string).
pub fn quote(s: &str) -> String {
    quote_with(s, '"', false)
}

/// Appends `strconv.Quote(s)` to `out`.
pub fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        append_escaped(out, c, '"', false);
    }
    out.push('"');
}

/// Go's `strconv.QuoteToASCII` (`%+q`).
pub fn quote_to_ascii(s: &str) -> String {
    quote_with(s, '"', true)
}

/// Go's `strconv.QuoteRune` (`%q` of a rune): `'x'`.
pub fn quote_rune(c: char) -> String {
    let mut buf = [0u8; 4];
    quote_with(c.encode_utf8(&mut buf), '\'', false)
}

/// Go's `strconv.QuoteRuneToASCII` (`%+q` of a rune).
pub fn quote_rune_to_ascii(c: char) -> String {
    let mut buf = [0u8; 4];
    quote_with(c.encode_utf8(&mut buf), '\'', true)
}

/// Go's `strconv.Quote` of a string that need not be UTF-8: invalid bytes print as `\xNN`.
pub fn quote_bytes(b: &[u8]) -> String {
    let mut out = String::from('"');
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            append_escaped(&mut out, c, '"', false);
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.CanBackquote`.
pub fn can_backquote(s: &str) -> bool {
    s.chars().all(|c| c != '`' && c != '\u{FEFF}' && (c == '\t' || !(c < ' ' || c == '\u{7f}')))
}

/// Go's `strconv.UnquoteChar`: the first (possibly escaped) character of `s`, whether it is a
/// rune to encode as UTF-8 (`multibyte`; otherwise `value` is one byte, as after `\xff`), and the
/// rest. `None` where Go returns `ErrSyntax`.
pub fn unquote_char(s: &str, quote: u8) -> Option<(u32, bool, &str)> {
    let b = s.as_bytes();
    let &c = b.first()?;
    if c == quote && (quote == b'\'' || quote == b'"') {
        return None;
    }
    if !c.is_ascii() {
        let ch = s.chars().next()?;
        return Some((ch as u32, true, &s[ch.len_utf8()..]));
    }
    if c != b'\\' {
        return Some((u32::from(c), false, &s[1..]));
    }
    let &e = b.get(1)?;
    let rest = s.get(2..)?;
    let simple = |v: u8| Some((u32::from(v), false, rest));
    match e {
        b'a' => simple(7),
        b'b' => simple(8),
        b'f' => simple(12),
        b'n' => simple(b'\n'),
        b'r' => simple(b'\r'),
        b't' => simple(b'\t'),
        b'v' => simple(11),
        b'\\' => simple(b'\\'),
        b'\'' | b'"' if e == quote => simple(e),
        b'x' | b'u' | b'U' => {
            let n = match e {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let hex = rest.get(..n)?;
            let mut v: u32 = 0;
            for h in hex.bytes() {
                v = (v << 4) | char::from(h).to_digit(16)?;
            }
            let tail = &rest[n..];
            if e == b'x' {
                return Some((v, false, tail));
            }
            // `utf8.ValidRune`: no surrogates, nothing past U+10FFFF.
            char::from_u32(v)?;
            Some((v, true, tail))
        }
        b'0'..=b'7' => {
            let oct = rest.get(..2)?;
            let mut v = u32::from(e - b'0');
            for o in oct.bytes() {
                if !(b'0'..=b'7').contains(&o) {
                    return None;
                }
                v = (v << 3) | u32::from(o - b'0');
            }
            if v > 255 {
                return None;
            }
            Some((v, false, &rest[2..]))
        }
        _ => None,
    }
}

/// Appends what `unquote_char` decoded, as Go's `strconv.unquote` does.
fn push_unquoted(buf: &mut Vec<u8>, value: u32, multibyte: bool) {
    match char::from_u32(value) {
        Some(c) if multibyte && value >= 0x80 => {
            let mut tmp = [0u8; 4];
            buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        }
        _ => buf.push(value as u8),
    }
}

/// Decodes the body of a `"..."` or `'...'` literal; a single-quoted one must hold exactly one
/// character unless `any_length`.
fn unquote_escaped(body: &str, quote: u8, any_length: bool) -> Option<Vec<u8>> {
    if body.contains('\n') {
        return None;
    }
    let mut buf = Vec::with_capacity(body.len());
    let mut rest = body;
    let mut count = 0;
    while !rest.is_empty() {
        let (value, multibyte, tail) = unquote_char(rest, quote)?;
        push_unquoted(&mut buf, value, multibyte);
        rest = tail;
        count += 1;
    }
    if quote == b'\'' && !any_length && count != 1 {
        return None;
    }
    Some(buf)
}

/// The quote character and the body of a quoted literal.
fn split_quotes(s: &str) -> Option<(u8, &str)> {
    let b = s.as_bytes();
    let (&first, &last) = (b.first()?, b.last()?);
    if b.len() < 2 || first != last {
        return None;
    }
    Some((first, s.get(1..s.len() - 1)?))
}

/// Go's `strconv.Unquote` of a `"..."`, `'.'` or `` `...` `` literal. Go strings may hold any
/// bytes; here bytes from `\x` escapes that do not form UTF-8 become U+FFFD.
pub fn unquote(s: &str) -> Option<String> {
    let (quote, body) = split_quotes(s)?;
    let bytes = match quote {
        b'`' if !body.contains('`') => body.bytes().filter(|&c| c != b'\r').collect(),
        b'"' | b'\'' => unquote_escaped(body, quote, false)?,
        _ => return None,
    };
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Prometheus's `util/strutil.Unquote`, how PromQL string literals are decoded: Go's
/// `strconv.Unquote`, except that a single-quoted string may hold any number of characters and
/// raw strings keep `\r`. Returns the bytes, which need not be UTF-8 (`"\xff"`).
pub fn unquote_prometheus(s: &str) -> Option<Vec<u8>> {
    let (quote, body) = split_quotes(s)?;
    match quote {
        b'`' if !body.contains('`') => Some(body.as_bytes().to_vec()),
        b'"' | b'\'' => unquote_escaped(body, quote, true),
        _ => None,
    }
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
        assert_eq!(quote("a\"b\\c\t\u{1}\u{7f}é\u{a0}\u{1F600}"), "\"a\\\"b\\\\c\\t\\x01\\x7fé\\u00a0\u{1F600}\"");
        assert_eq!(quote_to_ascii("é\u{1F600}"), "\"\\u00e9\\U0001f600\"");
        assert_eq!(quote_rune('\''), r"'\''");
        assert_eq!(quote_rune('}'), "'}'");
        assert_eq!(quote_rune_to_ascii('é'), r"'\u00e9'");
        assert_eq!(quote_bytes(b"a\xc5z"), r#""a\xc5z""#);
        assert!(can_backquote("a b"));
        assert!(!can_backquote("a`b"));
        assert!(!can_backquote("a\nb"));
    }

    #[test]
    fn unquote_matches_strutil() {
        let u = |s: &str| unquote_prometheus(s).map(|b| String::from_utf8_lossy(&b).into_owned());
        assert_eq!(u(r#""a\nb""#).as_deref(), Some("a\nb"));
        assert_eq!(u(r"'a\'b'").as_deref(), Some("a'b"));
        assert_eq!(u(r#""a\'b""#), None);
        assert_eq!(u(r"`a\nb`").as_deref(), Some(r"a\nb"));
        assert_eq!(u("`a\rb`").as_deref(), Some("a\rb"));
        assert_eq!(u(r#""\u00e9\x41\101""#).as_deref(), Some("éAA"));
        assert_eq!(u(r#""\q""#), None);
        assert_eq!(u(r#""abc"#), None);
        assert_eq!(u(r#""\ud800""#), None);
        assert_eq!(unquote_prometheus(r#""\xff""#), Some(vec![0xff]));
        assert_eq!(u("'abc'").as_deref(), Some("abc"));
    }

    #[test]
    fn unquote_matches_strconv() {
        assert_eq!(unquote(r#""a\tb""#).as_deref(), Some("a\tb"));
        assert_eq!(unquote("`a\rb`").as_deref(), Some("ab"));
        assert_eq!(unquote("'a'").as_deref(), Some("a"));
        assert_eq!(unquote("'ab'"), None);
        assert_eq!(unquote(r"'\''").as_deref(), Some("'"));
        assert_eq!(unquote(r#""\xff""#).as_deref(), Some("\u{FFFD}"));
        assert_eq!(unquote("\"a\nb\""), None);
        assert_eq!(unquote(r#""a"b""#), None);
        assert_eq!(unquote_char(r"\xffz", b'\''), Some((0xff, false, "z")));
        assert_eq!(unquote_char("é", b'\''), Some((0xe9, true, "")));
        assert_eq!(unquote_char(r"\400", b'"'), None);
    }
}
