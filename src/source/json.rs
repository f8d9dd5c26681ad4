//! A JSON value tree that keeps source positions: what dashboards are read with.
//!
//! Why not a crate: `serde_json` (already a dependency, for output) keeps no positions, and a
//! dashboard finding must point at a character inside an `expr` string. The spanned-JSON crates
//! either accept more than JSON (comments, trailing commas: `jsonc-parser`, `json5`), or give
//! positions only through serde's `Spanned` wrappers on typed structs, which cannot describe the
//! many dashboard shapes people commit without a schema for each. Strict JSON is ~400 lines, so
//! it is written here, with the same rules as the YAML tree ([`super::yaml`]):
//!
//! - strict RFC 8259: no comments, trailing commas, single quotes, leading zeros, `NaN`, raw
//!   control characters in strings, or byte order mark (Grafana's Go decoder refuses it too);
//! - [`MAX_DEPTH`] nested arrays/objects, as for YAML (deeper input is refused, not recursed into);
//!   the file-size limit is checked by `crate::input` before parsing;
//! - **duplicate keys: the last one wins**, as in Go's `encoding/json`, which Grafana decodes
//!   dashboards with (it accepts them silently). Refusing them (exit 2) would call a dashboard
//!   Grafana loads unreadable; accepting them silently would lint a query Grafana never runs. So
//!   [`Object::get`] returns the last member, and every shadowed member is listed in
//!   [`Document::duplicates`] for the dashboard check that reports it;
//! - a lone UTF-16 surrogate escape (`"\ud800"`) decodes to U+FFFD, as in Go.
//!
//! Errors carry the byte offset of the offending character; the caller turns it into
//! `file:line:col` (exit 2).

use serde_saphyr::granit_parser::ScalarStyle;

use super::FileSpan;
use super::embedded::EmbeddedText;

/// Deepest nesting of arrays and objects accepted (the YAML tree's limit). Dashboards nest about
/// 10 levels (a panel's field config overrides inside a collapsed row).
pub const MAX_DEPTH: usize = super::yaml::MAX_DEPTH;

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub kind: Kind,
    /// Source bytes of the value: a string with its quotes, a container from its opening to its
    /// closing bracket.
    pub span: FileSpan,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Number(f64),
    String(Str),
    Array(Vec<Value>),
    Object(Object),
}

/// A decoded string and how it was written (to map positions inside it back to the file).
#[derive(Debug, Clone, PartialEq)]
pub struct Str {
    pub value: String,
    pub quoting: Quoting,
}

/// How a string was written. Trees converted from YAML (dashboards committed as Kubernetes YAML)
/// keep the YAML scalar style, so the same extraction code serves both formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    Json,
    Yaml(ScalarStyle),
}

/// An object's members in source order, duplicates included.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object {
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: String,
    pub key_span: FileSpan,
    pub value: Value,
}

impl Object {
    /// The value of `key`: the last member with that key, as Go's `encoding/json` decodes it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.member(key).map(|m| &m.value)
    }
    pub fn member(&self, key: &str) -> Option<&Member> {
        self.members.iter().rev().find(|m| m.key == key)
    }
    /// Members as Go would see them: each key once, at its last occurrence.
    pub fn effective(&self) -> impl Iterator<Item = &Member> {
        self.members
            .iter()
            .enumerate()
            .filter(|(i, m)| !self.members[i + 1..].iter().any(|n| n.key == m.key))
            .map(|p| p.1)
    }
}

impl Value {
    pub fn as_object(&self) -> Option<&Object> {
        match &self.kind {
            Kind::Object(o) => Some(o),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::Array(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(&s.value),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match &self.kind {
            Kind::Number(n) => Some(*n),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }
    /// The value of `key` when this is an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }
    /// A string member's value.
    pub fn str_at(&self, key: &str) -> Option<&str> {
        self.get(key)?.as_str()
    }
    /// A word for messages: "an object", "an array", "a string".
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::String(_) => "a string",
            Kind::Array(_) => "an array",
            Kind::Object(_) => "an object",
        }
    }
    /// A string's decoded text with its map into `src` (the text this tree was parsed from).
    pub fn embedded(&self, src: &str) -> Option<EmbeddedText> {
        let Kind::String(s) = &self.kind else { return None };
        Some(match s.quoting {
            Quoting::Json => EmbeddedText::from_json_string(src, self.span, &s.value),
            Quoting::Yaml(style) => EmbeddedText::from_yaml_scalar(src, self.span, style, &s.value),
        })
    }
}

/// A parsed JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: Value,
    /// Every member shadowed by a later one with the same key in the same object.
    pub duplicates: Vec<Duplicate>,
}

/// A key written twice in one object; Go (and so Grafana) keeps the later value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub key: String,
    /// The key that is ignored.
    pub shadowed: FileSpan,
    /// The key whose value is used.
    pub used: FileSpan,
}

/// A text that is not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset of the offending character (or the end of the text).
    pub offset: u32,
    pub message: String,
}

/// Parses one JSON text.
pub fn parse(text: &str) -> Result<Document, JsonError> {
    let mut p = Parser { s: text.as_bytes(), text, pos: 0, depth: 0, duplicates: Vec::new() };
    if text.starts_with('\u{feff}') {
        return Err(p.err_at(0, "byte order mark at the start: JSON (and Grafana's decoder) does not allow one"));
    }
    p.ws();
    if p.pos >= p.s.len() {
        return Err(p.err_at(p.pos, "no JSON value: the file is empty"));
    }
    let root = p.value()?;
    p.ws();
    if p.pos < p.s.len() {
        return Err(p.err_at(p.pos, format!("{} after the end of the JSON value", p.describe_here())));
    }
    Ok(Document { root, duplicates: p.duplicates })
}

struct Parser<'t> {
    s: &'t [u8],
    text: &'t str,
    pos: usize,
    depth: usize,
    duplicates: Vec<Duplicate>,
}

impl Parser<'_> {
    fn err_at(&self, at: usize, message: impl Into<String>) -> JsonError {
        JsonError { offset: at as u32, message: message.into() }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// "`x`" for the character at the current position, "the end of the file" past it.
    fn describe_here(&self) -> String {
        match self.text.get(self.pos..).and_then(|r| r.chars().next()) {
            None => "the end of the file".to_string(),
            Some(c) if c.is_control() => format!("control character U+{:04X}", c as u32),
            Some(c) => format!("`{c}`"),
        }
    }

    fn unexpected(&self, expecting: &str) -> JsonError {
        let found = self.describe_here();
        let hint = match self.peek() {
            Some(b'/') => " (JSON has no comments)",
            Some(b'\'') => " (JSON strings use double quotes)",
            Some(b'N' | b'I') => " (JSON has no NaN or Infinity)",
            _ => "",
        };
        self.err_at(self.pos, format!("expected {expecting}, found {found}{hint}"))
    }

    fn enter(&mut self) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err_at(self.pos, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        let kind = match self.peek() {
            Some(b'{') => return self.object(),
            Some(b'[') => return self.array(),
            Some(b'"') => Kind::String(Str { value: self.string()?, quoting: Quoting::Json }),
            Some(b'-' | b'0'..=b'9') => Kind::Number(self.number()?),
            Some(b't') => self.literal("true", Kind::Bool(true))?,
            Some(b'f') => self.literal("false", Kind::Bool(false))?,
            Some(b'n') => self.literal("null", Kind::Null)?,
            _ => return Err(self.unexpected("a value")),
        };
        Ok(Value { kind, span: FileSpan::new(start as u32, self.pos as u32) })
    }

    fn literal(&mut self, word: &str, kind: Kind) -> Result<Kind, JsonError> {
        if self.s.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(self.unexpected("a value"))
        }
    }

    fn object(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut obj = Object::default();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                if self.peek() != Some(b'"') {
                    let what = if self.peek() == Some(b'}') && !obj.members.is_empty() {
                        "a key (JSON does not allow a trailing comma)"
                    } else {
                        "a key in double quotes"
                    };
                    return Err(self.unexpected(what));
                }
                let key_start = self.pos;
                let key = self.string()?;
                let key_span = FileSpan::new(key_start as u32, self.pos as u32);
                self.ws();
                if self.peek() != Some(b':') {
                    return Err(self.unexpected("`:` after the key"));
                }
                self.pos += 1;
                self.ws();
                let value = self.value()?;
                obj.members.push(Member { key, key_span, value });
                self.ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("`,` or `}` in an object")),
                }
            }
        }
        self.depth -= 1;
        self.note_duplicates(&obj);
        Ok(Value { kind: Kind::Object(obj), span: FileSpan::new(start as u32, self.pos as u32) })
    }

    fn note_duplicates(&mut self, obj: &Object) {
        let m = &obj.members;
        if m.len() < 2 {
            return;
        }
        let mut order: Vec<usize> = (0..m.len()).collect();
        order.sort_by(|a, b| m[*a].key.cmp(&m[*b].key).then(a.cmp(b)));
        for w in order.windows(2) {
            let (a, b) = (&m[w[0]], &m[w[1]]);
            if a.key == b.key {
                // the used key is the last of the run; `b` is later than `a`
                let last = order.iter().rev().find(|i| m[**i].key == a.key).map_or(b.key_span, |i| m[*i].key_span);
                self.duplicates.push(Duplicate { key: a.key.clone(), shadowed: a.key_span, used: last });
            }
        }
    }

    fn array(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                if self.peek() == Some(b']') && !items.is_empty() {
                    return Err(self.unexpected("a value (JSON does not allow a trailing comma)"));
                }
                items.push(self.value()?);
                self.ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("`,` or `]` in an array")),
                }
            }
        }
        self.depth -= 1;
        Ok(Value { kind: Kind::Array(items), span: FileSpan::new(start as u32, self.pos as u32) })
    }

    fn number(&mut self) -> Result<f64, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    return Err(self.err_at(start, "a number with a leading zero is not JSON"));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.unexpected("a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.unexpected("a digit after the decimal point"));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.unexpected("a digit in the exponent"));
            }
            self.digits();
        }
        let raw = self.text.get(start..self.pos).unwrap_or("0");
        // every RFC 8259 number is a valid Rust float literal (huge ones become infinity, as a
        // float64 decode in Go would refuse; nothing here depends on such values)
        Ok(raw.parse::<f64>().unwrap_or(f64::NAN))
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    /// A string at `self.pos` (on its opening quote); leaves `pos` after the closing quote.
    fn string(&mut self) -> Result<String, JsonError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.text.get(run..self.pos).unwrap_or(""));
            match self.peek() {
                None => return Err(self.err_at(open, "string not closed before the end of the file")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let (c, len) = decode_escape(self.text, self.pos)
                        .ok_or_else(|| self.err_at(self.pos, "invalid escape in a string"))?;
                    out.push(c);
                    self.pos += len;
                }
                Some(b) => {
                    let what = if b == b'\n' {
                        "a line break inside a string (write it as \\n)".to_string()
                    } else {
                        format!("control character U+{b:04X} inside a string (escape it)")
                    };
                    return Err(self.err_at(self.pos, what));
                }
            }
        }
    }
}

/// Decodes the escape starting at `text[at]` (a backslash): the character and the escape's length
/// in bytes. A surrogate pair is one character from two `\u` escapes; a lone surrogate is U+FFFD.
pub(crate) fn decode_escape(text: &str, at: usize) -> Option<(char, usize)> {
    let b = text.as_bytes();
    let hex4 = |i: usize| -> Option<u32> {
        let h = text.get(i..i + 4)?;
        if h.bytes().all(|c| c.is_ascii_hexdigit()) { u32::from_str_radix(h, 16).ok() } else { None }
    };
    let c = match b.get(at + 1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\x08',
        b'f' => '\x0c',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hi = hex4(at + 2)?;
            if (0xD800..0xDC00).contains(&hi) {
                if b.get(at + 6) == Some(&b'\\') && b.get(at + 7) == Some(&b'u') {
                    if let Some(lo) = hex4(at + 8).filter(|lo| (0xDC00..0xE000).contains(lo)) {
                        let c = char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?;
                        return Some((c, 12));
                    }
                }
                return Some(('\u{fffd}', 6));
            }
            return Some((char::from_u32(hi).unwrap_or('\u{fffd}'), 6));
        }
        _ => return None,
    };
    Some((c, 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(t: &str) -> Document {
        parse(t).unwrap_or_else(|e| panic!("{t:?}: {e:?}"))
    }

    fn err(t: &str) -> JsonError {
        parse(t).expect_err(t)
    }

    #[test]
    fn values_and_spans() {
        let t = r#" {"a": [1, -2.5e3, true, false, null], "b": "x\"y"} "#;
        let d = ok(t);
        let o = d.root.as_object().unwrap();
        assert_eq!(&t[d.root.span.start as usize..d.root.span.end as usize], t.trim());
        let a = o.get("a").unwrap().as_array().unwrap();
        assert_eq!(a[1].as_f64(), Some(-2500.0));
        assert_eq!(a[2].as_bool(), Some(true));
        assert!(a[4].is_null());
        let b = o.get("b").unwrap();
        assert_eq!(b.as_str(), Some("x\"y"));
        assert_eq!(&t[b.span.start as usize..b.span.end as usize], r#""x\"y""#);
        let m = o.member("b").unwrap();
        assert_eq!(&t[m.key_span.start as usize..m.key_span.end as usize], r#""b""#);
    }

    #[test]
    fn escapes_decode_like_go() {
        let d = ok(r#"["\u00e9\n\t\/\\", "\ud83d\ude00", "\ud800x", "\u0041"]"#);
        let a = d.root.as_array().unwrap();
        assert_eq!(a[0].as_str(), Some("é\n\t/\\"));
        assert_eq!(a[1].as_str(), Some("😀"));
        assert_eq!(a[2].as_str(), Some("\u{fffd}x"));
        assert_eq!(a[3].as_str(), Some("A"));
    }

    #[test]
    fn top_level_scalars_and_whitespace() {
        assert_eq!(ok(" 3 ").root.as_f64(), Some(3.0));
        assert_eq!(ok("\"s\"").root.as_str(), Some("s"));
        assert!(ok("{}").root.as_object().unwrap().members.is_empty());
        assert!(ok("[]").root.as_array().unwrap().is_empty());
    }

    #[test]
    fn duplicate_keys_last_wins_and_are_listed() {
        let t = r#"{"expr": "a", "x": 1, "expr": "b"}"#;
        let d = ok(t);
        assert_eq!(d.root.str_at("expr"), Some("b"));
        assert_eq!(d.duplicates.len(), 1);
        let dup = &d.duplicates[0];
        assert_eq!(dup.key, "expr");
        assert_eq!(dup.shadowed.start as usize, t.find("\"expr\"").unwrap());
        assert_eq!(dup.used.start as usize, t.rfind("\"expr\"").unwrap());
        assert_eq!(d.root.as_object().unwrap().effective().count(), 2);
        // three times: two shadowed, both pointing at the last
        let d = ok(r#"{"k": 1, "k": 2, "k": 3}"#);
        assert_eq!(d.duplicates.len(), 2);
        assert_eq!(d.root.get("k").unwrap().as_f64(), Some(3.0));
        assert!(d.duplicates.iter().all(|x| x.used.start == 17));
    }

    #[test]
    fn strictness() {
        for (t, at, msg) in [
            ("{\"a\": 1,}", 8, "trailing comma"),
            ("[1,]", 3, "trailing comma"),
            ("{'a': 1}", 1, "double quotes"),
            ("// c\n{}", 0, "no comments"),
            ("[01]", 1, "leading zero"),
            ("[NaN]", 1, "NaN"),
            ("[1.]", 3, "decimal point"),
            ("[\"a\nb\"]", 3, "line break"),
            ("[\"a\\x\"]", 3, "invalid escape"),
            ("[\"abc", 1, "not closed"),
            ("{\"a\" 1}", 5, "`:`"),
            ("{} {}", 3, "after the end"),
            ("", 0, "empty"),
            ("\u{feff}{}", 0, "byte order mark"),
            ("[tru]", 1, "expected a value"),
            ("{\"a\": 1 \"b\": 2}", 8, "`,` or `}`"),
        ] {
            let e = err(t);
            assert_eq!(e.offset, at, "{t:?}: {e:?}");
            assert!(e.message.contains(msg), "{t:?}: {e:?}");
        }
    }

    #[test]
    fn depth_limit() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(err(&deep).message.contains("nesting deeper"));
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        ok(&fine);
    }

    #[test]
    fn string_positions_map_through_escapes() {
        let t = r#"{"expr": "sum(rate(x{job=\"a\", é=\u00e9}[5m]))\n + \ud83d\ude00 + up"}"#;
        let d = ok(t);
        let v = d.root.get("expr").unwrap();
        let e = v.embedded(t).unwrap();
        assert!(e.is_exact());
        assert_eq!(e.text, "sum(rate(x{job=\"a\", é=é}[5m]))\n + 😀 + up");
        let src = |s: &str| {
            let i = e.text.find(s).unwrap() as u32;
            let m = e.map_span(crate::promql::Span::new(i, i + s.len() as u32));
            t[m.start as usize..m.end as usize].to_string()
        };
        assert_eq!(src("[5m]"), "[5m]");
        assert_eq!(src("\"a\""), r#"\"a\""#);
        assert_eq!(src("=é"), r#"=\u00e9"#);
        assert_eq!(src("😀"), r#"\ud83d\ude00"#);
        assert_eq!(src("up"), "up");
        assert_eq!(src("\n"), "\\n");
    }
}
