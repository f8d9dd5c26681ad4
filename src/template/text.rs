//! String functions of Prometheus's templates with Go's exact behaviour: `strings.ToUpper` /
//! `ToLower` (simple per-rune case mapping, unlike Rust's full mapping), `title`
//! (`golang.org/x/text/cases.Title(language.AmericanEnglish, cases.NoLower)`), and
//! `net.SplitHostPort` / `net.ParseIP` for `stripPort` / `stripDomain`.

/// Go's `unicode.ToUpper`: the simple mapping (one rune to one rune).
fn simple_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => match c as u32 {
            // Greek with ypogegrammeni: simple uppercase is the prosgegrammeni form.
            0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => char::from_u32(c as u32 + 8).unwrap_or(c),
            0x1FB3 => '\u{1FBC}',
            0x1FC3 => '\u{1FCC}',
            0x1FF3 => '\u{1FFC}',
            _ => c,
        },
    }
}

/// Go's `unicode.ToLower`.
fn simple_lower(c: char) -> char {
    if c == '\u{130}' {
        return 'i';
    }
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Go's `strings.ToUpper`.
pub(crate) fn to_upper(s: &str) -> String {
    s.chars().map(simple_upper).collect()
}

/// Go's `strings.ToLower`.
pub(crate) fn to_lower(s: &str) -> String {
    s.chars().map(simple_lower).collect()
}

fn is_cased(c: char) -> bool {
    c.is_lowercase() || c.is_uppercase() || c.to_uppercase().next() != Some(c) || c.to_lowercase().next() != Some(c)
}

/// Unicode word-break "mid" characters (MidLetter, MidNumLet, Single_Quote): they continue a word
/// once, two in a row end it.
fn is_mid(c: char) -> bool {
    matches!(
        c,
        '\'' | '.'
            | ':'
            | '\u{B7}'
            | '\u{387}'
            | '\u{55F}'
            | '\u{5F4}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{2024}'
            | '\u{2027}'
            | '\u{FE13}'
            | '\u{FE52}'
            | '\u{FE55}'
            | '\u{FF07}'
            | '\u{FF0E}'
            | '\u{FF1A}'
    )
}

fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x300..=0x36F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F | 0x200C | 0x200D)
}

/// Characters that end a word: everything but letters, digits, marks, connectors and mids.
fn is_break(c: char) -> bool {
    !(c.is_alphanumeric()
        || is_mid(c)
        || is_combining(c)
        || matches!(
            c,
            '_' | '\u{203F}' | '\u{2040}' | '\u{2054}' | '\u{FE33}' | '\u{FE34}' | '\u{FE4D}'..='\u{FE4F}' | '\u{FF3F}'
        ))
}

/// Title-case mapping of one rune (full mapping, as x/text/cases uses).
fn push_title(out: &mut String, c: char) {
    match c {
        '\u{1C4}'..='\u{1C6}' => out.push('\u{1C5}'),
        '\u{1C7}'..='\u{1C9}' => out.push('\u{1C8}'),
        '\u{1CA}'..='\u{1CC}' => out.push('\u{1CB}'),
        '\u{1F1}'..='\u{1F3}' => out.push('\u{1F2}'),
        '\u{1F80}'..='\u{1FAF}' | '\u{1FB3}' | '\u{1FC3}' | '\u{1FF3}' => out.push(simple_upper(c)),
        c => {
            let mut it = c.to_uppercase();
            if let Some(first) = it.next() {
                out.push(first);
            }
            for rest in it {
                out.extend(rest.to_lowercase());
            }
        }
    }
}

/// `cases.Title(language.AmericanEnglish, cases.NoLower).String`: the first cased letter of each
/// word is title-cased, the rest is left alone.
pub(crate) fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut mid_word = false;
    for (i, &c) in chars.iter().enumerate() {
        let was_mid = is_mid(c);
        if is_cased(c) {
            if mid_word {
                out.push(c);
            } else {
                push_title(&mut out, c);
                mid_word = true;
            }
        } else {
            out.push(c);
            if is_break(c) {
                mid_word = false;
            }
        }
        if was_mid && chars.get(i + 1).is_some_and(|&n| is_mid(n)) {
            mid_word = false;
        }
    }
    out
}

/// Go's `net.SplitHostPort`.
pub(crate) fn split_host_port(hostport: &str) -> Option<(&str, &str)> {
    let i = hostport.rfind(':')?;
    let (host, j, k);
    if hostport.starts_with('[') {
        let end = hostport.find(']')?;
        if end + 1 == hostport.len() || end + 1 != i {
            return None;
        }
        host = &hostport[1..end];
        j = 1;
        k = end + 1;
    } else {
        host = &hostport[..i];
        if host.contains(':') {
            return None;
        }
        j = 0;
        k = 0;
    }
    if hostport[j..].contains('[') || hostport[k..].contains(']') {
        return None;
    }
    Some((host, &hostport[i + 1..]))
}

/// Go's `net.ParseIP(s) != nil` (no zones, no leading zeros in IPv4).
fn is_ip(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok()
}

/// Prometheus's `stripPort`.
pub(crate) fn strip_port(hostport: &str) -> String {
    match split_host_port(hostport) {
        Some((host, _)) => host.to_string(),
        None => hostport.to_string(),
    }
}

/// Prometheus's `stripDomain`.
pub(crate) fn strip_domain(hostport: &str) -> String {
    let (host, port) = split_host_port(hostport).unwrap_or((hostport, ""));
    if is_ip(host) {
        return hostport.to_string();
    }
    let host = host.split('.').next().unwrap_or("");
    if port.is_empty() {
        return host.to_string();
    }
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_like_x_text_cases() {
        // Confirmed with promtool 3.5.3 through `{{ title "<s>" }}`.
        let cases = [
            ("hello wORLD o'neil", "Hello WORLD O'neil"),
            ("a!b a\"b a#b a-b a/b a,b a;b a@b a\\b a|b a~b", "A!B A\"B A#B A-B A/B A,B A;B A@B A\\B A|B A~B"),
            ("a'b a.b a:b a_b a·b a\u{2019}b", "A'b A.b A:b A_b A·b A\u{2019}b"),
            ("a..b a::b a''b a,,b a__b a\u{2019}\u{2019}b", "A..B A::B A''B A,,B A__b A\u{2019}\u{2019}B"),
            ("123abc x1y", "123Abc X1y"),
            ("\u{1c6}a \u{1c6}", "\u{1c5}a \u{1c5}"),
            ("ßa ﬁx ﬀ", "Ssa Fix Ff"),
            ("日本abc 日本 abc", "日本Abc 日本 Abc"),
            ("éa àb", "Éa Àb"),
            ("a\u{301}b \u{301}b", "A\u{301}b \u{301}B"),
            ("Σa σa", "Σa Σa"),
            ("a\tb a\nb", "A\tB A\nB"),
            (" ab", " Ab"),
        ];
        for (s, want) in cases {
            assert_eq!(title(s), want, "{s}");
        }
    }

    #[test]
    fn simple_case_mapping_like_go() {
        // Confirmed with promtool 3.5.3 through `toUpper`/`toLower`.
        assert_eq!(to_upper("ßİıſǅﬁ"), "ßİISǄﬁ");
        assert_eq!(to_lower("ßİıſǅﬁ"), "ßiıſǆﬁ");
        assert_eq!(to_upper("\u{1fb3}"), "\u{1fbc}");
        assert_eq!(to_lower("ΣΑΣ"), "σασ");
        assert_eq!(to_upper("ǈ"), "Ǉ");
    }

    #[test]
    fn host_port() {
        assert_eq!(strip_port("host.example.com:9090"), "host.example.com");
        assert_eq!(strip_port("[::1]:80"), "::1");
        assert_eq!(strip_port("nohost"), "nohost");
        assert_eq!(strip_port("a:b:c"), "a:b:c");
        assert_eq!(strip_domain("host.example.com:9090"), "host:9090");
        assert_eq!(strip_domain("10.0.0.1:80"), "10.0.0.1:80");
        assert_eq!(strip_domain("a.b"), "a");
        assert_eq!(strip_domain("[fe80::1]:80"), "[fe80::1]:80");
    }
}
