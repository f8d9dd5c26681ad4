//! Go's `regexp` (RE2 syntax) on top of the `regex` crate, for `match` and `reReplaceAll`.
//!
//! Both engines are RE2-style with leftmost-first semantics, but they disagree where it shows in
//! templates: Go's `\d \w \s \b` are ASCII-only (Rust's are Unicode), Go accepts `\Q...\E` and
//! octal escapes, treats `[` and `&&` inside classes as literals, caps repeat counts at 1000,
//! names its syntax errors differently, skips empty matches right after a match in
//! `ReplaceAllString`, and expands `$name` with Unicode letters and no leading-zero numbers.
//! So patterns are checked and rewritten here (Go's error texts for the common syntax errors),
//! and replacement and expansion are ported from Go.

use regex::Regex;

/// A compiled Go pattern.
pub(crate) struct GoRegex {
    re: Regex,
}

fn err(code: &str, expr: &str) -> String {
    format!("error parsing regexp: {code}: `{expr}`")
}

const ASCII_CLASSES: [&str; 14] = [
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "word",
    "xdigit",
];

fn perl_class(c: char, in_class: bool) -> Option<&'static str> {
    Some(match (c, in_class) {
        ('d', false) => "[0-9]",
        ('D', false) => "[^0-9]",
        ('w', false) => "[0-9A-Za-z_]",
        ('W', false) => "[^0-9A-Za-z_]",
        ('s', false) => "[\\t\\n\\f\\r ]",
        ('S', false) => "[^\\t\\n\\f\\r ]",
        ('d', true) => "0-9",
        ('D', true) => "[^0-9]",
        ('w', true) => "0-9A-Za-z_",
        ('W', true) => "[^0-9A-Za-z_]",
        ('s', true) => "\\t\\n\\f\\r ",
        ('S', true) => "[^\\t\\n\\f\\r ]",
        _ => return None,
    })
}

/// What an escape sequence denotes.
enum Esc {
    /// A set of characters (`\d`, `\pL`), already in Rust syntax for the context.
    Set(String),
    /// One character.
    Char(char),
    /// An assertion (`\A`, `\b`), in Rust syntax.
    Assert(String),
}

fn escape_in_class(c: char) -> String {
    if matches!(c, '[' | ']' | '\\' | '^' | '-' | '&' | '~') { format!("\\{c}") } else { c.to_string() }
}

struct Translator<'a> {
    src: &'a str,
    chars: Vec<(usize, char)>,
    i: usize,
    out: String,
}

impl Translator<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).map(|&(_, c)| c)
    }

    fn peek_at(&self, i: usize) -> Option<char> {
        self.chars.get(i).map(|&(_, c)| c)
    }

    fn offset(&self, i: usize) -> usize {
        self.chars.get(i).map_or(self.src.len(), |&(o, _)| o)
    }

    fn text(&self, from: usize, to: usize) -> &str {
        self.src.get(self.offset(from)..self.offset(to)).unwrap_or("")
    }

    /// Consumes a `{...}` body or a single character after `\x`/`\p`; returns its text.
    fn braced_or(&mut self, single: usize) -> String {
        let from = self.i;
        if self.peek() == Some('{') {
            while let Some(d) = self.peek() {
                self.i += 1;
                if d == '}' {
                    break;
                }
            }
        } else {
            self.i = (self.i + single).min(self.chars.len());
        }
        self.text(from, self.i).to_string()
    }

    /// An escape after `\` (`self.i` is past the backslash).
    fn escape(&mut self, in_class: bool) -> Result<Esc, String> {
        let start = self.i - 1;
        let Some(c) = self.peek() else {
            return Err(err("trailing backslash at end of expression", ""));
        };
        self.i += 1;
        if let Some(cls) = perl_class(c, in_class) {
            return Ok(Esc::Set(cls.to_string()));
        }
        let bad = |t: &Self| Err(err("invalid escape sequence", t.text(start, t.i)));
        match c {
            '1'..='7' if !self.peek().is_some_and(|d| d.is_ascii_digit()) => bad(self),
            '0'..='7' => {
                let mut v = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            self.i += 1;
                        }
                        None => break,
                    }
                }
                Ok(Esc::Char(char::from_u32(v).unwrap_or('\0')))
            }
            'x' => {
                let body = self.braced_or(2);
                let hex = body.trim_start_matches('{').trim_end_matches('}');
                match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if !hex.is_empty() && (body.starts_with('{') == body.ends_with('}')) => Ok(Esc::Char(ch)),
                    _ => bad(self),
                }
            }
            'a' => Ok(Esc::Char('\u{7}')),
            'f' => Ok(Esc::Char('\u{c}')),
            'n' => Ok(Esc::Char('\n')),
            'r' => Ok(Esc::Char('\r')),
            't' => Ok(Esc::Char('\t')),
            'v' => Ok(Esc::Char('\u{b}')),
            'A' | 'z' if !in_class => Ok(Esc::Assert(format!("\\{c}"))),
            'b' | 'B' if !in_class => Ok(Esc::Assert(format!("(?-u:\\{c})"))),
            'p' | 'P' => {
                let body = self.braced_or(1);
                let rust = format!("\\{c}{body}");
                let probe = if in_class { format!("[{rust}]") } else { rust.clone() };
                if body.is_empty() || Regex::new(&probe).is_err() {
                    return Err(err("invalid character class range", self.text(start, self.i)));
                }
                Ok(Esc::Set(rust))
            }
            c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok(Esc::Char(c)),
            _ => bad(self),
        }
    }

    /// A `[...]` class; `self.i` is just past `[`.
    fn class(&mut self) -> Result<String, String> {
        let start = self.i - 1;
        let missing = |t: &Self| Err(err("missing closing ]", t.text(start, t.chars.len())));
        let mut out = String::from("[");
        if self.peek() == Some('^') {
            self.i += 1;
            out.push('^');
        }
        let mut first = true;
        loop {
            let Some(c) = self.peek() else { return missing(self) };
            if c == ']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            if c == '[' && self.peek_at(self.i + 1) == Some(':') {
                let rest = self.src.get(self.offset(self.i)..).unwrap_or("");
                if let Some(end) = rest.get(2..).and_then(|r| r.find(":]")) {
                    let full = &rest[..end + 4];
                    let name = full.trim_start_matches("[:").trim_end_matches(":]");
                    if !ASCII_CLASSES.contains(&name.strip_prefix('^').unwrap_or(name)) {
                        return Err(err("invalid character class range", full));
                    }
                    out.push_str(full);
                    self.i += full.chars().count();
                    continue;
                }
            }
            let lo_start = self.i;
            self.i += 1;
            let lo = if c == '\\' {
                match self.escape(true)? {
                    Esc::Char(ch) => ch,
                    Esc::Set(s) | Esc::Assert(s) => {
                        out.push_str(&s);
                        continue;
                    }
                }
            } else {
                c
            };
            if self.peek() == Some('-') && self.peek_at(self.i + 1).is_some_and(|d| d != ']') {
                self.i += 1;
                let Some(h) = self.peek() else { return missing(self) };
                self.i += 1;
                let hi = if h == '\\' {
                    match self.escape(true)? {
                        Esc::Char(ch) => ch,
                        Esc::Set(_) | Esc::Assert(_) => {
                            return Err(err("invalid character class range", self.text(lo_start, self.i)));
                        }
                    }
                } else {
                    h
                };
                if lo > hi {
                    return Err(err("invalid character class range", self.text(lo_start, self.i)));
                }
                out.push_str(&escape_in_class(lo));
                out.push('-');
                out.push_str(&escape_in_class(hi));
                continue;
            }
            out.push_str(&escape_in_class(lo));
        }
        out.push(']');
        Ok(out)
    }

    fn translate(&mut self) -> Result<String, String> {
        let mut depth = 0usize;
        // Whether the top of Go's parse stack can take a repetition (not empty, `(` or `|`).
        let mut has_atom = false;
        // Where the previous item, if it was a repetition, started (Go's `lastRepeat`).
        let mut last_repeat: Option<usize> = None;
        while let Some(c) = self.peek() {
            let start = self.i;
            self.i += 1;
            let mut repeat = None;
            match c {
                '\\' if self.peek() == Some('Q') => {
                    self.i += 1;
                    let from = self.offset(self.i);
                    let rest = self.src.get(from..).unwrap_or("");
                    let (lit, skip) = match rest.find("\\E") {
                        Some(e) => (&rest[..e], e + 2),
                        None => (rest, rest.len()),
                    };
                    self.out.push_str(&regex::escape(lit));
                    self.i += rest[..skip].chars().count();
                    has_atom |= !lit.is_empty();
                }
                '\\' => {
                    match self.escape(false)? {
                        Esc::Char(ch) => self.out.push_str(&regex::escape(&ch.to_string())),
                        Esc::Set(s) | Esc::Assert(s) => self.out.push_str(&s),
                    }
                    has_atom = true;
                }
                '[' => {
                    let cls = self.class()?;
                    self.out.push_str(&cls);
                    has_atom = true;
                }
                '(' => {
                    if self.peek() == Some('?') {
                        if self.group_flags(start)? {
                            depth += 1;
                            has_atom = false;
                        }
                    } else {
                        self.out.push('(');
                        depth += 1;
                        has_atom = false;
                    }
                }
                ')' => {
                    if depth == 0 {
                        return Err(err("unexpected )", self.src));
                    }
                    depth -= 1;
                    self.out.push(')');
                    has_atom = true;
                }
                '|' => {
                    self.out.push('|');
                    has_atom = false;
                }
                '*' | '+' | '?' | '{' => {
                    let mut op_end = self.i;
                    if c == '{' {
                        match self.repeat_count() {
                            Some(Ok(end)) => op_end = end,
                            Some(Err(e)) => return Err(e),
                            None => {
                                self.out.push_str("\\{");
                                has_atom = true;
                                last_repeat = None;
                                continue;
                            }
                        }
                    }
                    if self.peek_at(op_end) == Some('?') {
                        op_end += 1;
                    }
                    if let Some(prev) = last_repeat {
                        return Err(err("invalid nested repetition operator", self.text(prev, op_end)));
                    }
                    if !has_atom {
                        return Err(err("missing argument to repetition operator", self.text(start, op_end)));
                    }
                    let op = self.text(start, op_end).to_string();
                    self.out.push_str(&op);
                    self.i = op_end;
                    repeat = Some(start);
                }
                '^' | '$' | '.' => {
                    self.out.push(c);
                    has_atom = true;
                }
                c => {
                    self.out.push_str(&regex::escape(&c.to_string()));
                    has_atom = true;
                }
            }
            last_repeat = repeat;
        }
        if depth > 0 {
            return Err(err("missing closing )", self.src));
        }
        Ok(std::mem::take(&mut self.out))
    }

    /// `{n}`, `{n,}` or `{n,m}` starting at `self.i - 1`: `None` if it is not a repeat (Go then
    /// reads a literal `{`), else its end index or Go's count error.
    fn repeat_count(&mut self) -> Option<Result<usize, String>> {
        let start = self.i - 1;
        let rest: String = self.chars.get(self.i..)?.iter().map(|&(_, c)| c).collect();
        let close = rest.find('}')?;
        let body = &rest[..close];
        let (min, max) = match body.split_once(',') {
            Some((a, "")) => (a, None),
            Some((a, b)) => (a, Some(b)),
            None => (body, Some(body)),
        };
        let num = |s: &str| -> Option<u64> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() >= 2 && s.starts_with('0')) {
                return None;
            }
            Some(s.parse::<u64>().unwrap_or(u64::MAX))
        };
        let lo = num(min)?;
        let hi = match max {
            Some(m) => Some(num(m)?),
            None => None,
        };
        let end = self.i + body.chars().count() + 1;
        if lo > 1000 || hi.is_some_and(|h| h > 1000 || h < lo) {
            return Some(Err(err("invalid repeat count", self.text(start, end))));
        }
        Some(Ok(end))
    }

    /// `(?flags)`, `(?flags:`, `(?P<name>` or `(?<name>`; `self.i` is at `?`. Returns whether
    /// a group was opened.
    fn group_flags(&mut self, start: usize) -> Result<bool, String> {
        self.i += 1;
        let named = match self.peek() {
            Some('P') if self.peek_at(self.i + 1) == Some('<') => Some(2),
            Some('<') => Some(1),
            _ => None,
        };
        if let Some(skip) = named {
            self.i += skip;
            let from = self.i;
            while let Some(c) = self.peek() {
                self.i += 1;
                if c == '>' {
                    let name = self.text(from, self.i - 1).to_string();
                    if name.is_empty() || !name.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric()) {
                        return Err(err("invalid named capture", self.text(start, self.i)));
                    }
                    self.out.push_str(&format!("(?P<{name}>"));
                    return Ok(true);
                }
            }
            return Err(err("invalid named capture", self.text(start, self.i)));
        }
        let mut flags = String::new();
        let mut neg = false;
        let mut saw_flag = false;
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                'i' | 'm' | 's' | 'U' => {
                    flags.push(c);
                    saw_flag = true;
                }
                '-' if !neg => {
                    flags.push('-');
                    neg = true;
                    saw_flag = false;
                }
                ':' | ')' if !neg || saw_flag => {
                    if c == ':' {
                        self.out.push_str(&format!("(?{flags}:"));
                        return Ok(true);
                    }
                    if !flags.is_empty() {
                        self.out.push_str(&format!("(?{flags})"));
                    }
                    return Ok(false);
                }
                _ => break,
            }
        }
        Err(err("invalid or unsupported Perl syntax", self.text(start, self.i)))
    }
}

impl GoRegex {
    /// Go's `regexp.Compile`, with Go's error text.
    pub fn compile(pattern: &str) -> Result<GoRegex, String> {
        let mut t = Translator { src: pattern, chars: pattern.char_indices().collect(), i: 0, out: String::new() };
        let rust = t.translate()?;
        match Regex::new(&rust) {
            Ok(re) => Ok(GoRegex { re }),
            Err(_) => Err(err("invalid or unsupported Perl syntax", pattern)),
        }
    }

    pub fn is_match(&self, s: &str) -> bool {
        self.re.is_match(s)
    }

    /// Go's `Regexp.ReplaceAllString` (with `$` expansion of `repl`).
    pub fn replace_all(&self, src: &str, repl: &str) -> String {
        let mut out = String::new();
        let mut last_match_end = 0usize;
        let mut search_pos = 0usize;
        let mut locs = self.re.capture_locations();
        while search_pos <= src.len() {
            let Some(m) = self.re.captures_read_at(&mut locs, src, search_pos) else { break };
            let (a0, a1) = (m.start(), m.end());
            out.push_str(src.get(last_match_end..a0).unwrap_or(""));
            if a1 > last_match_end || a0 == 0 {
                self.expand(&mut out, repl, src, &locs);
            }
            last_match_end = a1;
            let width = src.get(search_pos..).and_then(|r| r.chars().next()).map_or(0, char::len_utf8);
            if search_pos + width > a1 {
                search_pos += width;
            } else if search_pos + 1 > a1 {
                search_pos += 1;
            } else {
                search_pos = a1;
            }
        }
        out.push_str(src.get(last_match_end..).unwrap_or(""));
        out
    }

    fn group(&self, src: &str, locs: &regex::CaptureLocations, i: usize) -> Option<String> {
        locs.get(i).and_then(|(a, b)| src.get(a..b)).map(str::to_string)
    }

    /// Go's `Regexp.expand`.
    fn expand(&self, out: &mut String, template: &str, src: &str, locs: &regex::CaptureLocations) {
        let mut t = template;
        while let Some(dollar) = t.find('$') {
            out.push_str(&t[..dollar]);
            t = &t[dollar + 1..];
            if let Some(rest) = t.strip_prefix('$') {
                out.push('$');
                t = rest;
                continue;
            }
            let Some((name, num, rest)) = extract(t) else {
                out.push('$');
                continue;
            };
            t = rest;
            if let Some(n) = num {
                if let Some(g) = self.group(src, locs, n) {
                    out.push_str(&g);
                }
            } else if let Some(i) = self.re.capture_names().position(|n| n == Some(name)) {
                if let Some(g) = self.group(src, locs, i) {
                    out.push_str(&g);
                }
            }
        }
        out.push_str(t);
    }
}

/// Go's `extract`: a `$name`/`${name}` reference at the start of `s`.
fn extract(s: &str) -> Option<(&str, Option<usize>, &str)> {
    let (brace, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let len: usize =
        body.chars().take_while(|&c| c == '_' || c.is_alphabetic() || c.is_numeric()).map(char::len_utf8).sum();
    if len == 0 {
        return None;
    }
    let name = &body[..len];
    let mut rest = &body[len..];
    if brace {
        rest = rest.strip_prefix('}')?;
    }
    let mut num = None;
    if name.bytes().all(|b| b.is_ascii_digit()) && !(name.starts_with('0') && name.len() > 1) && name.len() <= 8 {
        num = name.parse::<usize>().ok();
    }
    Some((name, num, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile_err(p: &str) -> String {
        GoRegex::compile(p).err().unwrap_or_default()
    }

    #[test]
    fn go_syntax_errors() {
        // Confirmed with promtool 3.5.3 through `{{ match "<p>" "x" }}`.
        let cases = [
            ("(", "missing closing ): `(`"),
            ("a)", "unexpected ): `a)`"),
            ("[a", "missing closing ]: `[a`"),
            ("*a", "missing argument to repetition operator: `*`"),
            ("a**", "invalid nested repetition operator: `**`"),
            ("a\\", "trailing backslash at end of expression: ``"),
            ("\\q", "invalid escape sequence: `\\q`"),
            ("a{1001}", "invalid repeat count: `{1001}`"),
            ("(?P<n>a", "missing closing ): `(?P<n>a`"),
            ("\\8", "invalid escape sequence: `\\8`"),
            ("x{2,1}", "invalid repeat count: `{2,1}`"),
            ("(?z)", "invalid or unsupported Perl syntax: `(?z`"),
            ("[z-a]", "invalid character class range: `z-a`"),
            ("\\pX", "invalid character class range: `\\pX`"),
            ("a{1,1001}", "invalid repeat count: `{1,1001}`"),
            ("(?P<>a)", "invalid named capture: `(?P<>`"),
            ("(?P<a-b>x)", "invalid named capture: `(?P<a-b>`"),
            ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
            ("a++", "invalid nested repetition operator: `++`"),
            ("(?P<é>a)", "invalid named capture: `(?P<é>`"),
        ];
        for (p, want) in cases {
            assert_eq!(compile_err(p), format!("error parsing regexp: {want}"), "{p}");
        }
        for ok in ["\\Qa.b\\E", "\\0101", "(?i)", "a*?", "a{2}?", "[]a]", "[a-]", "[\\d_]", "x{", "a|*"] {
            if ok == "a|*" {
                assert!(GoRegex::compile(ok).is_err());
            } else {
                assert!(GoRegex::compile(ok).is_ok(), "{ok}: {:?}", GoRegex::compile(ok).err());
            }
        }
    }

    #[test]
    fn replace_all_like_go() {
        // Confirmed with promtool 3.5.3 through `{{ reReplaceAll "<p>" "<r>" "<t>" }}`.
        let cases = [
            ("a(b)c", "[$1]", "xabcyabc", "x[b]y[b]"),
            ("a*", "X", "baaac", "XbXcX"),
            ("", "-", "abc", "-a-b-c-"),
            ("(?P<w>\\w+)", "<${w}>", "hi yo", "<hi> <yo>"),
            ("(a)(b)?", "$2$1$$$x${1}z$1z$01", "ab a", "ba$az a$az"),
            ("(\\w)", "$1a", "xy", ""),
            ("a|b", "${1", "ab", "${1${1"),
            ("\\d", "#", "a1\u{663}b", "a#\u{663}b"),
            ("\\bx", "!", "x xx ax", "! !x ax"),
            ("é*", "-", "aé", "-a-"),
            ("(?i)K", "k", "\u{212a} K k", "k k k"),
            ("x*", "-", "éa", "-é-a-"),
            ("\\s", "_", "a\u{a0}b\tc", "a\u{a0}b_c"),
            ("(a)", "${1}${2}", "a", "a"),
            ("(a)(?i)b", "<$1>", "aB", "<a>"),
            ("\\Qa.b\\E", "X", "a.b axb", "X axb"),
        ];
        for (p, r, t, want) in cases {
            let re = GoRegex::compile(p);
            assert!(re.is_ok(), "{p}");
            if let Ok(re) = re {
                assert_eq!(re.replace_all(t, r), want, "{p} {r} {t}");
            }
        }
    }
}
