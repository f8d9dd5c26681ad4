//! Go's regular-expression syntax (`regexp/syntax.Parse` with the Perl flags): one walk over the
//! pattern that reports Go's first error, with Go's code and offending text, and writes the same
//! pattern in the `regex` crate's syntax.
//!
//! The `regex` crate implements a different dialect, so it can judge neither validity nor meaning:
//! it accepts `a**` and `\<`, rejects `x{,5}` and `\Q...\E`, resolves Unicode names loosely, gives
//! `\d \w \s \b` their Unicode meaning (Go's are ASCII) and reads `[`, `&&`, `--`, `~~` inside a
//! class as set operations (Go reads literals). This walk follows Go's parser (its stack of
//! `(`, `|` and expressions decides the errors) and emits every atom explicitly: literals escaped,
//! Perl classes as ASCII classes, `\b` as an ASCII word boundary, classes with their special
//! characters escaped. It uses `regex-syntax` only to resolve `\p{Script}` names, which Go takes
//! from its Unicode tables.
//!
//! Not ported: Go's size limits (`expression too large`, nesting deeper than 1000), which only very
//! large generated patterns reach.

use std::fmt::Write as _;

/// The pattern in the `regex` crate's syntax, or Go's `*syntax.Error` text
/// (`error parsing regexp: missing closing ): ...`).
pub fn translate(re: &str) -> Result<String, String> {
    Walker { whole: re, stack: Vec::new(), out: String::with_capacity(re.len() + 8) }
        .run()
        .map_err(|(code, expr)| format!("error parsing regexp: {code}: `{expr}`"))
}

type VResult<T> = Result<T, (&'static str, String)>;

const INVALID_CHAR_RANGE: &str = "invalid character class range";
const INVALID_ESCAPE: &str = "invalid escape sequence";
const INVALID_NAMED_CAPTURE: &str = "invalid named capture";
const INVALID_PERL_OP: &str = "invalid or unsupported Perl syntax";
const INVALID_REPEAT_OP: &str = "invalid nested repetition operator";
const INVALID_REPEAT_SIZE: &str = "invalid repeat count";
const MISSING_BRACKET: &str = "missing closing ]";
const MISSING_PAREN: &str = "missing closing )";
const MISSING_REPEAT_ARG: &str = "missing argument to repetition operator";
const TRAILING_BACKSLASH: &str = "trailing backslash at end of expression";
const UNEXPECTED_PAREN: &str = "unexpected )";

/// What Go's parse stack holds, reduced to what decides errors.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Item {
    LeftParen,
    VerticalBar,
    /// A real expression, with the largest product of `{n,m}` counts nested inside it (for Go's
    /// repeat-size check).
    Expr(u64),
}

struct Walker<'a> {
    whole: &'a str,
    stack: Vec<Item>,
    /// The translation so far.
    out: String,
}

fn first_char(s: &str) -> Option<char> {
    s.chars().next()
}

/// Go's Perl classes, ASCII only: `(class body, negated)`.
fn perl_class_body(c: u8) -> Option<(&'static str, bool)> {
    Some(match c {
        b'd' => ("0-9", false),
        b'D' => ("0-9", true),
        b's' => (r"\t\n\x0C\r ", false),
        b'S' => (r"\t\n\x0C\r ", true),
        b'w' => ("0-9A-Za-z_", false),
        b'W' => ("0-9A-Za-z_", true),
        _ => return None,
    })
}

/// A character as a literal of the `regex` crate, inside or outside a class: meta characters
/// escaped (only those: `\<` would be a word boundary there), white space and control characters
/// as `\x{..}`.
fn push_literal(out: &mut String, c: char) {
    if regex_syntax::is_meta_character(c) {
        out.push('\\');
        out.push(c);
    } else if c.is_whitespace() || c.is_control() {
        let _ = write!(out, "\\x{{{:X}}}", c as u32);
    } else {
        out.push(c);
    }
}

impl<'a> Walker<'a> {
    fn push_expr(&mut self) {
        self.stack.push(Item::Expr(1));
    }

    /// Collapses the expressions since the last marker into one (Go's `concat`); an empty
    /// sequence becomes an empty-match expression.
    fn concat(&mut self) {
        let mut inner = 1;
        while let Some(Item::Expr(r)) = self.stack.last().copied() {
            self.stack.pop();
            inner = inner.max(r);
        }
        self.stack.push(Item::Expr(inner));
    }

    /// Go's `alternate` after `concat`: folds `a | b | c` down to one expression.
    fn alternate(&mut self) {
        let mut inner = 1;
        loop {
            match self.stack.last().copied() {
                Some(Item::Expr(r)) => {
                    inner = inner.max(r);
                    self.stack.pop();
                }
                Some(Item::VerticalBar) => {
                    self.stack.pop();
                }
                _ => break,
            }
        }
        self.stack.push(Item::Expr(inner));
    }

    fn vertical_bar(&mut self) {
        self.concat();
        self.stack.push(Item::VerticalBar);
    }

    fn right_paren(&mut self) -> VResult<()> {
        self.concat();
        self.alternate();
        let n = self.stack.len();
        if n < 2 || self.stack[n - 2] != Item::LeftParen {
            return Err((UNEXPECTED_PAREN, self.whole.to_string()));
        }
        let inner = match self.stack[n - 1] {
            Item::Expr(r) => r,
            _ => 1,
        };
        self.stack.truncate(n - 2);
        self.stack.push(Item::Expr(inner));
        Ok(())
    }

    /// Go's `repeat`: `before` is the text from the operator on, `after` what follows it.
    fn repeat(
        &mut self,
        count: Option<u64>,
        before: &'a str,
        after: &'a str,
        last_repeat: &'a str,
    ) -> VResult<&'a str> {
        let mut after = after;
        if let Some(rest) = after.strip_prefix('?') {
            after = rest;
        }
        if !last_repeat.is_empty() {
            let len = last_repeat.len() - after.len();
            return Err((INVALID_REPEAT_OP, last_repeat.get(..len).unwrap_or(last_repeat).to_string()));
        }
        let op_text = before.get(..before.len() - after.len()).unwrap_or(before);
        let Some(Item::Expr(inner)) = self.stack.last().copied() else {
            return Err((MISSING_REPEAT_ARG, op_text.to_string()));
        };
        let mut r = inner;
        if let Some(m) = count {
            // Go's repeatIsValid(re, 1000): nested counts may not multiply past 1000.
            if m > 0 {
                if m > 1000 || inner > 1000 / m {
                    return Err((INVALID_REPEAT_SIZE, op_text.to_string()));
                }
                r = inner * m;
            }
        }
        if let Some(top) = self.stack.last_mut() {
            *top = Item::Expr(r);
        }
        // `*`, `+?`, `{2,3}` mean the same in the `regex` crate
        self.out.push_str(op_text);
        Ok(after)
    }

    fn run(mut self) -> VResult<String> {
        let mut t: &'a str = self.whole;
        let mut last_repeat: &'a str = "";
        while let Some(c) = first_char(t) {
            let mut repeat: &'a str = "";
            match c {
                '(' => {
                    if t.len() >= 2 && t.as_bytes()[1] == b'?' {
                        t = self.perl_flags(t)?;
                    } else {
                        self.stack.push(Item::LeftParen);
                        self.out.push('(');
                        t = &t[1..];
                    }
                }
                '|' => {
                    self.vertical_bar();
                    self.out.push('|');
                    t = &t[1..];
                }
                ')' => {
                    self.right_paren()?;
                    self.out.push(')');
                    t = &t[1..];
                }
                '^' | '$' | '.' => {
                    self.push_expr();
                    self.out.push(c);
                    t = &t[1..];
                }
                '[' => {
                    t = self.class(t)?;
                    self.push_expr();
                }
                '*' | '+' | '?' => {
                    let before = t;
                    t = self.repeat(None, before, &t[1..], last_repeat)?;
                    repeat = before;
                }
                '{' => {
                    let before = t;
                    match parse_repeat(t) {
                        None => {
                            // Not a valid repeat: `{` is a literal.
                            self.push_expr();
                            self.out.push_str("\\{");
                            t = &t[1..];
                        }
                        Some((min, max, after)) => {
                            let text = || before.get(..before.len() - after.len()).unwrap_or(before).to_string();
                            if !(0..=1000).contains(&min) || max > 1000 || (max >= 0 && min > max) {
                                return Err((INVALID_REPEAT_SIZE, text()));
                            }
                            let m = if max == 0 {
                                None
                            } else if max < 0 {
                                Some(min as u64)
                            } else {
                                Some(max as u64)
                            };
                            let m = m.filter(|_| min >= 2 || max >= 2);
                            t = self.repeat(m, before, after, last_repeat)?;
                            repeat = before;
                        }
                    }
                }
                '\\' => {
                    t = self.escape_atom(t)?;
                }
                c => {
                    self.push_expr();
                    push_literal(&mut self.out, c);
                    t = &t[c.len_utf8()..];
                }
            }
            last_repeat = repeat;
        }
        self.concat();
        self.alternate();
        if self.stack.len() != 1 {
            return Err((MISSING_PAREN, self.whole.to_string()));
        }
        Ok(self.out)
    }

    /// A backslash outside a class: `\A \b \B \z`, `\Q...\E`, `\pN`, `\d`, or a single escape.
    fn escape_atom(&mut self, t: &'a str) -> VResult<&'a str> {
        let b = t.as_bytes();
        if b.len() >= 2 {
            match b[1] {
                b'A' | b'z' => {
                    self.push_expr();
                    self.out.push_str(&t[..2]);
                    return Ok(&t[2..]);
                }
                // Go's word boundaries are ASCII
                b'b' | b'B' => {
                    self.push_expr();
                    let _ = write!(self.out, "(?-u:{})", &t[..2]);
                    return Ok(&t[2..]);
                }
                b'C' => return Err((INVALID_ESCAPE, t[..2].to_string())),
                b'Q' => {
                    let rest = &t[2..];
                    let (lit, after) = match rest.find("\\E") {
                        Some(i) => (&rest[..i], &rest[i + 2..]),
                        None => (rest, ""),
                    };
                    for c in lit.chars() {
                        self.push_expr();
                        push_literal(&mut self.out, c);
                    }
                    return Ok(after);
                }
                _ => {}
            }
        }
        if let Some(rest) = unicode_class(t, &mut self.out)? {
            self.push_expr();
            return Ok(rest);
        }
        if let Some((body, negated)) = b.get(1).and_then(|&c| perl_class_body(c)) {
            self.push_expr();
            let _ = write!(self.out, "[{}{body}]", if negated { "^" } else { "" });
            return Ok(&t[2..]);
        }
        let rest = parse_escape(t)?;
        self.push_expr();
        push_literal(&mut self.out, escape_value(&t[..t.len() - rest.len()]));
        Ok(rest)
    }

    /// Go's `parsePerlFlags`: `(?flags)`, `(?flags:...)`, `(?P<name>...)`, `(?<name>...)`.
    fn perl_flags(&mut self, s: &'a str) -> VResult<&'a str> {
        let b = s.as_bytes();
        let starts_with_p = b.len() > 4 && b[2] == b'P' && b[3] == b'<';
        let starts_with_name = b.len() > 3 && b[2] == b'<';
        if starts_with_p || starts_with_name {
            let expr_start = if starts_with_name { 3 } else { 4 };
            let Some(end) = s.find('>') else {
                return Err((INVALID_NAMED_CAPTURE, s.to_string()));
            };
            let name = s.get(expr_start..end).unwrap_or("");
            if name.is_empty() || !name.bytes().all(|c| c == b'_' || c.is_ascii_alphanumeric()) {
                return Err((INVALID_NAMED_CAPTURE, s[..end + 1].to_string()));
            }
            self.stack.push(Item::LeftParen);
            let _ = write!(self.out, "(?P<{name}>");
            return Ok(&s[end + 1..]);
        }
        let mut t = &s[2..];
        let mut negated = false;
        let mut saw_flag = false;
        while let Some(c) = first_char(t) {
            t = &t[c.len_utf8()..];
            match c {
                'i' | 'm' | 's' | 'U' => saw_flag = true,
                '-' => {
                    if negated {
                        break;
                    }
                    negated = true;
                    saw_flag = false;
                }
                ':' | ')' => {
                    if negated && !saw_flag {
                        break;
                    }
                    // the flags as written (`(?i)`, `(?s-m:`) mean the same in the `regex` crate
                    let flags = &s[2..s.len() - t.len() - 1];
                    if c == ':' {
                        self.stack.push(Item::LeftParen);
                        let _ = write!(self.out, "(?{flags}:");
                    } else if !flags.is_empty() {
                        let _ = write!(self.out, "(?{flags})");
                    }
                    return Ok(t);
                }
                _ => break,
            }
        }
        Err((INVALID_PERL_OP, s[..s.len() - t.len()].to_string()))
    }

    /// Go's `parseClass`; `s` starts at `[`. Returns the text after `]`.
    fn class(&mut self, s: &'a str) -> VResult<&'a str> {
        let mut t = &s[1..];
        self.out.push('[');
        if t.starts_with('^') {
            t = &t[1..];
            self.out.push('^');
        }
        let mut first = true;
        while t.is_empty() || !t.starts_with(']') || first {
            first = false;
            if t.len() > 2 && t.starts_with("[:") {
                if let Some(rest) = named_class(t)? {
                    // POSIX classes are ASCII in both dialects
                    self.out.push_str(&t[..t.len() - rest.len()]);
                    t = rest;
                    continue;
                }
            }
            if let Some(rest) = unicode_class(t, &mut self.out)? {
                t = rest;
                continue;
            }
            if let Some((body, negated)) = t.strip_prefix('\\').and_then(|r| r.bytes().next()).and_then(perl_class_body)
            {
                if negated {
                    let _ = write!(self.out, "[^{body}]");
                } else {
                    self.out.push_str(body);
                }
                t = &t[2..];
                continue;
            }
            let rng = t;
            let (lo, rest) = class_char(t, s)?;
            t = rest;
            push_literal(&mut self.out, lo);
            if t.len() >= 2 && t.starts_with('-') && !t[1..].starts_with(']') {
                let (hi, rest) = class_char(&t[1..], s)?;
                t = rest;
                if hi < lo {
                    return Err((INVALID_CHAR_RANGE, rng[..rng.len() - t.len()].to_string()));
                }
                self.out.push('-');
                push_literal(&mut self.out, hi);
            }
        }
        self.out.push(']');
        Ok(&t[1..])
    }
}

/// Go's `parseClassChar`: one (possibly escaped) character of a class.
fn class_char<'a>(s: &'a str, whole_class: &str) -> VResult<(char, &'a str)> {
    match first_char(s) {
        None => Err((MISSING_BRACKET, whole_class.to_string())),
        Some('\\') => {
            let rest = parse_escape(s)?;
            Ok((escape_value(&s[..s.len() - rest.len()]), rest))
        }
        Some(c) => Ok((c, &s[c.len_utf8()..])),
    }
}

/// The character a valid single-character escape stands for.
fn escape_value(esc: &str) -> char {
    let body = &esc[1..];
    let mut chars = body.chars();
    let c = chars.next().unwrap_or('\\');
    let code = match c {
        '0'..='7' => u32::from_str_radix(body, 8).unwrap_or(0),
        'x' => {
            let hex = body[1..].trim_start_matches('{').trim_end_matches('}');
            u32::from_str_radix(hex, 16).unwrap_or(0)
        }
        'a' => 7,
        'f' => 12,
        'n' => 10,
        'r' => 13,
        't' => 9,
        'v' => 11,
        c => c as u32,
    };
    // `parse_escape` refused surrogates and values past U+10FFFF
    char::from_u32(code).unwrap_or('\u{FFFD}')
}

/// Go's `parseEscape`: a single-character escape; returns the text after it.
fn parse_escape(s: &str) -> VResult<&str> {
    let t = &s[1..];
    let Some(c) = first_char(t) else {
        return Err((TRAILING_BACKSLASH, String::new()));
    };
    let mut t = &t[c.len_utf8()..];
    let invalid = |rest: &str| (INVALID_ESCAPE, s[..s.len() - rest.len()].to_string());
    match c {
        '1'..='7' if !t.starts_with(|d: char| ('0'..='7').contains(&d)) => Err(invalid(t)),
        '0'..='7' => {
            for _ in 1..3 {
                if t.starts_with(|d: char| ('0'..='7').contains(&d)) {
                    t = &t[1..];
                } else {
                    break;
                }
            }
            Ok(t)
        }
        'x' => {
            let Some(c1) = first_char(t) else {
                return Err(invalid(t));
            };
            t = &t[c1.len_utf8()..];
            if c1 == '{' {
                let mut nhex = 0;
                let mut r: u32 = 0;
                loop {
                    let Some(d) = first_char(t) else {
                        return Err(invalid(t));
                    };
                    t = &t[d.len_utf8()..];
                    if d == '}' {
                        break;
                    }
                    let Some(v) = d.to_digit(16).filter(|_| d.is_ascii()) else {
                        return Err(invalid(t));
                    };
                    r = r * 16 + v;
                    if r > 0x10FFFF {
                        return Err(invalid(t));
                    }
                    nhex += 1;
                }
                if nhex == 0 {
                    return Err(invalid(t));
                }
                return Ok(t);
            }
            let c2 = first_char(t);
            if let Some(c2) = c2 {
                t = &t[c2.len_utf8()..];
            }
            let ok = c1.is_ascii_hexdigit() && c2.is_some_and(|c2| c2.is_ascii_hexdigit());
            if ok { Ok(t) } else { Err(invalid(t)) }
        }
        'a' | 'f' | 'n' | 'r' | 't' | 'v' => Ok(t),
        c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok(t),
        _ => Err(invalid(t)),
    }
}

/// Go's `parseNamedClass`: `[:alpha:]` and friends. `None` when `s` is not one.
fn named_class(s: &str) -> VResult<Option<&str>> {
    let Some(i) = s.get(2..).and_then(|r| r.find(":]")) else {
        return Ok(None);
    };
    let name = &s[..i + 4];
    let bare = name[2..name.len() - 2].trim_start_matches('^');
    const POSIX: [&str; 14] = [
        "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper",
        "word", "xdigit",
    ];
    if name[2..].starts_with("^^") || !POSIX.contains(&bare) {
        return Err((INVALID_CHAR_RANGE, name.to_string()));
    }
    Ok(Some(&s[i + 4..]))
}

/// Go's `parseUnicodeClass`: `\pN`, `\p{Greek}`, `\P{^L}`, written to `out` as `\p{..}` or
/// `\P{..}`. `None` when `s` is not one.
fn unicode_class<'s>(s: &'s str, out: &mut String) -> VResult<Option<&'s str>> {
    let b = s.as_bytes();
    if b.len() < 2 || b[0] != b'\\' || (b[1] != b'p' && b[1] != b'P') {
        return Ok(None);
    }
    let t = &s[2..];
    let (seq, name, rest) = match first_char(t) {
        Some('{') => {
            let Some(end) = s.find('}') else {
                return Err((INVALID_CHAR_RANGE, s.to_string()));
            };
            (&s[..end + 1], &s[3..end], &s[end + 1..])
        }
        Some(c) => (&s[..2 + c.len_utf8()], &t[..c.len_utf8()], &t[c.len_utf8()..]),
        None => (s, "", ""),
    };
    let (bare, negated) = match name.strip_prefix('^') {
        Some(n) => (n, b[1] == b'p'),
        None => (name, b[1] == b'P'),
    };
    if !is_go_unicode_table(bare) {
        return Err((INVALID_CHAR_RANGE, seq.to_string()));
    }
    let _ = write!(out, "\\{}{{{bare}}}", if negated { 'P' } else { 'p' });
    Ok(Some(rest))
}

/// Whether Go's `unicodeTable` knows `name`: `Any`, a general category, or a script (exact case).
fn is_go_unicode_table(name: &str) -> bool {
    const CATEGORIES: [&str; 38] = [
        "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N", "Nd", "Nl", "No",
        "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs", "LC", "Any",
    ];
    if CATEGORIES.contains(&name) {
        return true;
    }
    // Scripts: Go spells them as in Unicode's Scripts.txt (`Old_Italic`); regex-syntax knows the
    // same set but also accepts loose spellings and ISO codes, which Go does not.
    let canonical = name.split('_').all(|w| w.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
        && name.bytes().all(|c| c.is_ascii_alphabetic() || c == b'_')
        && name.len() > 4;
    canonical && regex_syntax::ParserBuilder::new().build().parse(&format!(r"\p{{Script={name}}}")).is_ok()
        || matches!(name, "Han" | "Lao" | "Nko" | "Yi" | "Thai" | "Cham" | "Lisu" | "Vai" | "Mro" | "Adlam")
}

/// Go's `parseRepeat`: `{n}`, `{n,}`, `{n,m}`; `None` when the text is not a repeat (then `{` is a
/// literal). `-1` stands for "no maximum" and for a number too large to read.
fn parse_repeat(s: &str) -> Option<(i64, i64, &str)> {
    let s = s.strip_prefix('{')?;
    let (min, s) = parse_int(s)?;
    let (max, s) = if let Some(s) = s.strip_prefix(',') {
        if let Some(s2) = s.strip_prefix('}') {
            return Some((min, -1, s2));
        }
        let (max, s) = parse_int(s)?;
        if max < 0 {
            let s = s.strip_prefix('}')?;
            return Some((-1, max, s));
        }
        (max, s)
    } else {
        (min, s)
    };
    let s = s.strip_prefix('}')?;
    Some((min, max, s))
}

/// Go's `parser.parseInt`: digits without a leading zero; -1 when the value passes 1e8.
fn parse_int(s: &str) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    if b.is_empty() || !b[0].is_ascii_digit() || (b.len() >= 2 && b[0] == b'0' && b[1].is_ascii_digit()) {
        return None;
    }
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut v: i64 = 0;
    for &d in &b[..n] {
        if v >= 100_000_000 {
            v = -1;
            break;
        }
        v = v * 10 + i64::from(d - b'0');
    }
    Some((v, &s[n..]))
}
