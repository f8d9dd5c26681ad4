//! Validation of label-matcher regexes with Go's RE2 syntax (`regexp/syntax`, Perl flags), without
//! building or compiling anything.
//!
//! Prometheus rejects a selector whose regex Go's parser rejects, with Go's message
//! (`error parsing regexp: missing closing ): ...`). `regex-syntax` implements a different dialect:
//! it accepts `a**` and `\<`, rejects `x{,5}` and `\Q...\E`, and resolves Unicode names loosely, so
//! using it as the judge would both miss errors and invent them. This module walks the pattern the
//! way Go's parser does and reports the first error with Go's code and offending text. It only uses
//! `regex-syntax` to resolve `\p{Script}` names, which Go takes from its Unicode tables.
//!
//! Not ported: Go's size limits (`expression too large`, nesting deeper than 1000), which only very
//! large generated patterns reach.

/// Validates `re`; the error is Go's `*syntax.Error` text.
pub fn validate_regex(re: &str) -> Result<(), String> {
    // Fast path: a plain alternation of literals cannot fail (Prometheus does not even parse it).
    if re.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'|' | b'-' | b' ' | b'/' | b',' | b'=')) {
        return Ok(());
    }
    Validator { whole: re, stack: Vec::new() }
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

struct Validator<'a> {
    whole: &'a str,
    stack: Vec<Item>,
}

fn first_char(s: &str) -> Option<char> {
    s.chars().next()
}

impl<'a> Validator<'a> {
    fn push_expr(&mut self) {
        self.stack.push(Item::Expr(1));
    }

    /// Collapses the expressions since the last marker into one (Go's `concat`); an empty
    /// sequence becomes an empty-match expression.
    fn concat(&mut self) {
        let mut inner = 1;
        let mut any = false;
        while let Some(Item::Expr(r)) = self.stack.last().copied() {
            self.stack.pop();
            inner = inner.max(r);
            any = true;
        }
        let _ = any;
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
        let op_text = before.get(..before.len() - after.len()).unwrap_or(before).to_string();
        let Some(Item::Expr(inner)) = self.stack.last().copied() else {
            return Err((MISSING_REPEAT_ARG, op_text));
        };
        let mut r = inner;
        if let Some(m) = count {
            // Go's repeatIsValid(re, 1000): nested counts may not multiply past 1000.
            if m > 0 {
                if m > 1000 || inner > 1000 / m {
                    return Err((INVALID_REPEAT_SIZE, op_text));
                }
                r = inner * m;
            }
        }
        if let Some(top) = self.stack.last_mut() {
            *top = Item::Expr(r);
        }
        Ok(after)
    }

    fn run(mut self) -> VResult<()> {
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
                        t = &t[1..];
                    }
                }
                '|' => {
                    self.vertical_bar();
                    t = &t[1..];
                }
                ')' => {
                    self.right_paren()?;
                    t = &t[1..];
                }
                '^' | '$' | '.' => {
                    self.push_expr();
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
        Ok(())
    }

    /// A backslash outside a class: `\A \b \B \z`, `\Q...\E`, `\pN`, `\d`, or a single escape.
    fn escape_atom(&mut self, t: &'a str) -> VResult<&'a str> {
        let b = t.as_bytes();
        if b.len() >= 2 {
            match b[1] {
                b'A' | b'b' | b'B' | b'z' => {
                    self.push_expr();
                    return Ok(&t[2..]);
                }
                b'C' => return Err((INVALID_ESCAPE, t[..2].to_string())),
                b'Q' => {
                    let rest = &t[2..];
                    let (lit, after) = match rest.find("\\E") {
                        Some(i) => (&rest[..i], &rest[i + 2..]),
                        None => (rest, ""),
                    };
                    for _ in lit.chars() {
                        self.push_expr();
                    }
                    return Ok(after);
                }
                _ => {}
            }
        }
        if let Some(rest) = unicode_class(t)? {
            self.push_expr();
            return Ok(rest);
        }
        if let Some(rest) = perl_class(t) {
            self.push_expr();
            return Ok(rest);
        }
        let rest = parse_escape(t)?;
        self.push_expr();
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
                    if c == ':' {
                        self.stack.push(Item::LeftParen);
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
        if t.starts_with('^') {
            t = &t[1..];
        }
        let mut first = true;
        while t.is_empty() || !t.starts_with(']') || first {
            first = false;
            if t.len() > 2 && t.starts_with("[:") {
                if let Some(rest) = named_class(t)? {
                    t = rest;
                    continue;
                }
            }
            if let Some(rest) = unicode_class(t)? {
                t = rest;
                continue;
            }
            if let Some(rest) = perl_class(t) {
                t = rest;
                continue;
            }
            let rng = t;
            let (lo, rest) = class_char(t, s)?;
            t = rest;
            if t.len() >= 2 && t.starts_with('-') && !t[1..].starts_with(']') {
                let (hi, rest) = class_char(&t[1..], s)?;
                t = rest;
                if hi < lo {
                    return Err((INVALID_CHAR_RANGE, rng[..rng.len() - t.len()].to_string()));
                }
            }
        }
        Ok(&t[1..])
    }
}

/// Go's `parseClassChar`: one (possibly escaped) character of a class.
fn class_char<'a>(s: &'a str, whole_class: &str) -> VResult<(u32, &'a str)> {
    match first_char(s) {
        None => Err((MISSING_BRACKET, whole_class.to_string())),
        Some('\\') => {
            let rest = parse_escape(s)?;
            Ok((escape_value(&s[..s.len() - rest.len()]), rest))
        }
        Some(c) => Ok((c as u32, &s[c.len_utf8()..])),
    }
}

/// The code point of a valid escape sequence (for range ordering inside classes).
fn escape_value(esc: &str) -> u32 {
    let body = &esc[1..];
    let mut chars = body.chars();
    let c = chars.next().unwrap_or('\\');
    match c {
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
    }
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

/// Go's `parsePerlClassEscape`: `\d \D \s \S \w \W`.
fn perl_class(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b'\\' && matches!(b[1], b'd' | b'D' | b's' | b'S' | b'w' | b'W') {
        Some(&s[2..])
    } else {
        None
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

/// Go's `parseUnicodeClass`: `\pN`, `\p{Greek}`, `\P{^L}`. `None` when `s` is not one.
fn unicode_class(s: &str) -> VResult<Option<&str>> {
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
    let name = name.strip_prefix('^').unwrap_or(name);
    if !is_go_unicode_table(name) {
        return Err((INVALID_CHAR_RANGE, seq.to_string()));
    }
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

#[cfg(test)]
mod tests {
    use super::validate_regex as v;

    fn e(re: &str) -> String {
        v(re).err().unwrap_or_else(|| "ok".to_string())
    }

    #[test]
    fn go_accepts() {
        for re in [
            "a|b",
            "5..",
            ".*",
            "(?P<n>a)",
            "(?<n>a)",
            "(?i)a",
            r"\Qa.b\E",
            "x{,5}",
            r"\b",
            r"\<",
            "[[:alpha:]]",
            r"\pN",
            r"\p{Greek}",
            r"\p{^L}",
            "(?U)a*?",
            r"\x{41}",
            r"\x41",
            r"\101",
            "[]a]",
            "[^]a]",
            "[a-]",
            "a{1000}",
            "^*",
            "()",
            "(|a)",
            r"\_",
            "{",
            "a{",
            "a{01}",
            "(?i:a)",
            "(?-s:.)",
        ] {
            assert_eq!(e(re), "ok", "{re}");
        }
    }

    #[test]
    fn go_rejects_with_its_message() {
        let cases = [
            ("(", "missing closing ): `(`"),
            ("a(b", "missing closing ): `a(b`"),
            ("a)", "unexpected ): `a)`"),
            ("a{2,1}", "invalid repeat count: `{2,1}`"),
            ("a{1001}", "invalid repeat count: `{1001}`"),
            ("(a{100}){100}", "invalid repeat count: `{100}`"),
            ("[z-a]", "invalid character class range: `z-a`"),
            ("*", "missing argument to repetition operator: `*`"),
            ("a|*", "missing argument to repetition operator: `*`"),
            (r"\p{Foo}", "invalid character class range: `\\p{Foo}`"),
            (r"\p{greek}", "invalid character class range: `\\p{greek}`"),
            (r"\8", "invalid escape sequence: `\\8`"),
            (r"\1", "invalid escape sequence: `\\1`"),
            (r"\C", "invalid escape sequence: `\\C`"),
            (r"\e", "invalid escape sequence: `\\e`"),
            (r"\u0041", "invalid escape sequence: `\\u`"),
            ("a**", "invalid nested repetition operator: `**`"),
            ("a++", "invalid nested repetition operator: `++`"),
            ("a*?+", "invalid nested repetition operator: `*?+`"),
            ("a{2}{3}", "invalid nested repetition operator: `{2}{3}`"),
            ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
            ("[a", "missing closing ]: `[a`"),
            ("x[a", "missing closing ]: `[a`"),
            (r"\", "trailing backslash at end of expression: ``"),
            ("(?z)", "invalid or unsupported Perl syntax: `(?z`"),
            ("(?x)a", "invalid or unsupported Perl syntax: `(?x`"),
            ("(?", "invalid or unsupported Perl syntax: `(?`"),
            ("(?P<n", "invalid named capture: `(?P<n`"),
            ("(?P<>a)", "invalid named capture: `(?P<>`"),
            (r"[\b]", "invalid escape sequence: `\\b`"),
        ];
        for (re, want) in cases {
            assert_eq!(e(re), format!("error parsing regexp: {want}"), "{re}");
        }
    }
}
