//! Go's `regexp` on top of the `regex` crate: RE2 syntax checked and translated with Go's rules
//! and error texts (`syntax`), matching with Go's semantics (ASCII `\d \w \s \b`,
//! leftmost-first), and Go's `ReplaceAllString` and `$` expansion, which differ from the crate's
//! (empty matches right after a match are skipped; `$name` takes Unicode letters, numbers without
//! leading zeros).
//!
//! Prometheus uses Go regexes in three places, all served here: label matchers (`=~`, `!~`),
//! checked when a query is parsed ([`validate`]) and matched fully anchored
//! ([`Regexp::compile_anchored`]); `label_replace`, anchored the same way, with
//! [`Regexp::expand_match`]; and the template functions `match` and `reReplaceAll`
//! ([`Regexp::compile`], [`Regexp::replace_all`]).

mod syntax;

pub use syntax::translate;

/// Checks `pattern` as Go's `regexp/syntax.Parse` does, without compiling it (Prometheus checks
/// every matcher regex when it parses a query; compiling them all is what makes other PromQL
/// parsers slow). The error is Go's text, `error parsing regexp: missing closing ): ...`.
pub fn validate(pattern: &str) -> Result<(), String> {
    // A plain alternation of literals cannot fail (Prometheus does not even parse it).
    if pattern.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'|' | b'-' | b' ' | b'/' | b',' | b'='))
    {
        return Ok(());
    }
    translate(pattern).map(drop)
}

/// A compiled Go regular expression.
#[derive(Debug, Clone)]
pub struct Regexp {
    re: regex::Regex,
}

/// Go compiles any pattern its parser accepts (repeat counts are capped at 1000); the crate's
/// default size limit (10 MiB) would refuse some of those, such as `[\p{L}\d]{1000}`.
const SIZE_LIMIT: usize = 64 << 20;

impl Regexp {
    /// Go's `regexp.Compile`: unanchored, `.` not matching `\n` unless `(?s)`. The error is Go's
    /// syntax error text.
    pub fn compile(pattern: &str) -> Result<Regexp, String> {
        Self::build(&translate(pattern)?, pattern)
    }

    /// A Prometheus label-matcher or `label_replace` regex: `^(?s:pattern)$`, so it must match the
    /// whole value and `.` matches `\n` (`model/labels/regexp.go`, `promql/functions.go`).
    pub fn compile_anchored(pattern: &str) -> Result<Regexp, String> {
        Self::build(&format!("^(?s:{})$", translate(pattern)?), pattern)
    }

    fn build(rust: &str, pattern: &str) -> Result<Regexp, String> {
        match regex::RegexBuilder::new(rust).size_limit(SIZE_LIMIT).build() {
            Ok(re) => Ok(Regexp { re }),
            // What Go accepts and the crate cannot build (too large, a capture name the crate
            // refuses) gets the closest of Go's messages.
            Err(_) => Err(format!("error parsing regexp: invalid or unsupported Perl syntax: `{pattern}`")),
        }
    }

    /// Go's `Regexp.MatchString`.
    pub fn is_match(&self, s: &str) -> bool {
        self.re.is_match(s)
    }

    /// Go's `FindStringSubmatchIndex` followed by `ExpandString`: `template` with `$1`, `${name}`
    /// replaced by the first match's groups, or `None` when nothing matches (`label_replace`).
    pub fn expand_match(&self, template: &str, src: &str) -> Option<String> {
        let mut locs = self.re.capture_locations();
        self.re.captures_read(&mut locs, src)?;
        let mut out = String::new();
        self.expand(&mut out, template, src, &locs);
        Some(out)
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

    fn e(re: &str) -> String {
        validate(re).err().unwrap_or_else(|| "ok".to_string())
    }

    fn compile_err(p: &str) -> String {
        Regexp::compile(p).err().unwrap_or_default()
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
                assert!(Regexp::compile(ok).is_err());
            } else {
                assert!(Regexp::compile(ok).is_ok(), "{ok}: {:?}", Regexp::compile(ok).err());
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
            let re = Regexp::compile(p);
            assert!(re.is_ok(), "{p}");
            if let Ok(re) = re {
                assert_eq!(re.replace_all(t, r), want, "{p} {r} {t}");
            }
        }
    }

    #[test]
    fn anchored_with_go_semantics() {
        let a = |p: &str| Regexp::compile_anchored(p).expect(p);
        assert!(a(r"\d+").is_match("123"));
        assert!(!a(r"\d+").is_match("١٢٣"));
        assert!(!a("a").is_match("ab"));
        assert!(!a("a|b").is_match("ab"), "alternation stays inside the anchors");
        assert!(a("a.b").is_match("a\nb"));
        assert!(a(r"[\d_]+").is_match("1_2"));
        assert!(a(r"[^\d]+").is_match("ab"));
        assert!(a(r"[]a]+").is_match("]a"));
        assert!(a(r"\W").is_match("é"));
        assert!(a(r"[[:alpha:]]+").is_match("ab"));
        assert!(a(r"\Qa.b\E").is_match("a.b"));
        assert!(!a(r"\Qa.b\E").is_match("axb"));
        assert!(a("x{,5}").is_match("x{,5}"));
        assert!(a(r"[a&&b]+").is_match("a&b"));
        assert!(a(r"[~~a&&b-]+").is_match("a&b~-"));
        assert_eq!(compile_err("[a--b]"), "error parsing regexp: invalid character class range: `a--`");
        assert!(a(r"\<a\>").is_match("<a>"));
        assert!(a(r"\p{^Greek}").is_match("a"));
        assert!(!a(r"\P{^Greek}").is_match("a"));
        assert!(!a(r"(?i)straße").is_match("STRASSE"), "simple case folding, as Go");
        assert!(a(r"(?i)k").is_match("\u{212a}"));
        assert!(a(r"\x{41}\101\x41").is_match("AAA"));
        assert!(a(r"a\tb\\n").is_match("a\tb\\n"));
        assert!(a("é*").is_match("éé"));
        assert!(a("a b").is_match("a b"));
        assert!(a("(?U)a+").is_match("aaa"));
        assert!(a(r"[\p{L}\d]{1000}").is_match(&"é".repeat(1000)), "within Go's limits, so within ours");
        assert_eq!(
            Regexp::compile_anchored("a(").err().as_deref(),
            Some("error parsing regexp: missing closing ): `a(`")
        );
    }

    #[test]
    fn expand_match_like_label_replace() {
        let r = Regexp::compile_anchored("(.*):(?P<port>[0-9]+)").expect("regex");
        assert_eq!(r.expand_match("$1 ${port} $2 $$ ${1}x $1x", "host:80").as_deref(), Some("host 80 80 $ hostx "));
        assert_eq!(r.expand_match("$1", "host"), None);
        let r = Regexp::compile_anchored("").expect("regex");
        assert_eq!(r.expand_match("x", "").as_deref(), Some("x"));
        assert_eq!(r.expand_match("x", "a"), None);
    }
}
