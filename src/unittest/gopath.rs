//! Go's `path/filepath` as promtool uses it to resolve `rule_files`: `Join` (which cleans), `Dir`,
//! `Glob` and `Match` (Unix semantics: `*`, `?`, `[...]`, `\` escapes; no `**`; dotfiles match).
//!
//! Ported rather than taken from a glob crate because the observable details are Go's: a pattern
//! without metacharacters is returned as is when the file exists, matches come sorted per
//! directory, paths print cleaned (`a/./b` → `a/b`), and a malformed pattern is an error even
//! when nothing would match (`syntax error in pattern`).

use std::path::Path;

/// `filepath.ErrBadPattern`'s text.
pub const BAD_PATTERN: &str = "syntax error in pattern";

/// `filepath.Clean` (lexical, Unix).
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// `filepath.Join(a, b)`.
pub fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => String::new(),
        (true, false) => clean(b),
        (false, true) => clean(a),
        (false, false) => clean(&format!("{a}/{b}")),
    }
}

/// `filepath.Dir`.
pub fn dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => clean(&path[..=i]),
        None => ".".into(),
    }
}

fn has_meta(s: &str) -> bool {
    s.contains(['*', '?', '[', '\\'])
}

/// `filepath.Glob`: the matching paths, or [`BAD_PATTERN`].
pub fn glob(pattern: &str) -> Result<Vec<String>, &'static str> {
    glob_depth(pattern, 0)
}

fn glob_depth(pattern: &str, depth: usize) -> Result<Vec<String>, &'static str> {
    if depth > 10_000 {
        return Err(BAD_PATTERN);
    }
    matches(pattern, "")?;
    if !has_meta(pattern) {
        return Ok(if std::fs::symlink_metadata(pattern).is_ok() { vec![pattern.to_string()] } else { Vec::new() });
    }
    let (d, file) = match pattern.rfind('/') {
        Some(i) => (&pattern[..=i], &pattern[i + 1..]),
        None => ("", pattern),
    };
    let d = match d {
        "" => ".".to_string(),
        "/" => "/".to_string(),
        d => d[..d.len() - 1].to_string(),
    };
    if !has_meta(&d) {
        return glob_dir(&d, file, Vec::new());
    }
    if d == pattern {
        return Err(BAD_PATTERN);
    }
    let mut out = Vec::new();
    for sub in glob_depth(&d, depth + 1)? {
        out = glob_dir(&sub, file, out)?;
    }
    Ok(out)
}

fn glob_dir(d: &str, pattern: &str, mut out: Vec<String>) -> Result<Vec<String>, &'static str> {
    if !Path::new(d).is_dir() {
        return Ok(out);
    }
    let Ok(entries) = std::fs::read_dir(d) else { return Ok(out) };
    let mut names: Vec<String> =
        entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    for n in names {
        if matches(pattern, &n)? {
            out.push(join(d, &n));
        }
    }
    Ok(out)
}

/// `filepath.Match`.
pub fn matches(pattern: &str, name: &str) -> Result<bool, &'static str> {
    let mut pattern = pattern;
    let mut name = name;
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(!name.contains('/'));
        }
        let (t, ok) = match_chunk(chunk, name)?;
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if star {
            let bytes = name.as_bytes();
            let mut i = 0;
            while i < bytes.len() && bytes[i] != b'/' {
                if let Some(rest_name) = name.get(i + 1..) {
                    let (t, ok) = match_chunk(chunk, rest_name)?;
                    if ok {
                        if pattern.is_empty() && !t.is_empty() {
                            i += 1;
                            continue;
                        }
                        name = t;
                        continue 'outer;
                    }
                }
                i += 1;
            }
        }
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, "")?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(pattern: &str) -> (bool, &str, &str) {
    let mut p = pattern;
    let mut star = false;
    while let Some(r) = p.strip_prefix('*') {
        p = r;
        star = true;
    }
    let b = p.as_bytes();
    let mut inrange = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if i + 1 < b.len() => i += 1,
            b'[' => inrange = true,
            b']' => inrange = false,
            b'*' if !inrange => break,
            _ => {}
        }
        i += 1;
    }
    // `i` may sit inside a multi-byte character only after a backslash; move to a boundary
    while i < p.len() && !p.is_char_boundary(i) {
        i += 1;
    }
    (star, &p[..i], &p[i..])
}

fn get_esc(chunk: &str) -> Result<(char, &str), &'static str> {
    let mut c = chunk;
    match c.chars().next() {
        None | Some('-') | Some(']') => return Err(BAD_PATTERN),
        Some('\\') => {
            c = &c[1..];
            if c.is_empty() {
                return Err(BAD_PATTERN);
            }
        }
        _ => {}
    }
    let r = c.chars().next().ok_or(BAD_PATTERN)?;
    let rest = &c[r.len_utf8()..];
    if rest.is_empty() {
        return Err(BAD_PATTERN);
    }
    Ok((r, rest))
}

fn match_chunk<'a>(chunk: &str, s: &'a str) -> Result<(&'a str, bool), &'static str> {
    let mut chunk = chunk;
    let mut s = s;
    let mut failed = false;
    while let Some(c0) = chunk.chars().next() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match c0 {
            '[' => {
                let mut r = '\0';
                if !failed && let Some(ch) = s.chars().next() {
                    r = ch;
                    s = &s[ch.len_utf8()..];
                }
                chunk = &chunk[1..];
                let negated = chunk.starts_with('^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if chunk.starts_with(']') && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.starts_with('-') {
                        let (h, rest) = get_esc(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    nrange += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            '?' => {
                if !failed && let Some(ch) = s.chars().next() {
                    if ch == '/' {
                        failed = true;
                    }
                    s = &s[ch.len_utf8()..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                if c0 == '\\' {
                    chunk = &chunk[1..];
                    if chunk.is_empty() {
                        return Err(BAD_PATTERN);
                    }
                }
                let Some(pc) = chunk.as_bytes().first().copied() else { return Err(BAD_PATTERN) };
                if !failed {
                    if s.as_bytes().first() != Some(&pc) {
                        failed = true;
                    }
                    // advance one byte, staying on a character boundary for the rest of the match
                    let mut n = 1;
                    while n < s.len() && !s.is_char_boundary(n) {
                        n += 1;
                    }
                    s = s.get(n..).unwrap_or("");
                }
                let mut n = 1;
                while n < chunk.len() && !chunk.is_char_boundary(n) {
                    n += 1;
                }
                chunk = &chunk[n..];
            }
        }
    }
    if failed { Ok(("", false)) } else { Ok((s, true)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_and_join() {
        assert_eq!(clean("a/./b/../c/"), "a/c");
        assert_eq!(clean("../x"), "../x");
        assert_eq!(clean("/../x"), "/x");
        assert_eq!(clean(""), ".");
        assert_eq!(join(".", "rules/a.yml"), "rules/a.yml");
        assert_eq!(join("tests", "../rules.yml"), "rules.yml");
        assert_eq!(dir("tests/t.yml"), "tests");
        assert_eq!(dir("t.yml"), ".");
    }

    #[test]
    fn match_like_go() {
        assert_eq!(matches("*.yml", "a.yml"), Ok(true));
        assert_eq!(matches("*.yml", ".hidden.yml"), Ok(true));
        assert_eq!(matches("*.yml", "a/b.yml"), Ok(false));
        assert_eq!(matches("a?c", "abc"), Ok(true));
        assert_eq!(matches("[a-c]x", "bx"), Ok(true));
        assert_eq!(matches("[^a-c]x", "bx"), Ok(false));
        assert_eq!(matches("[!a]", "b"), Ok(false));
        assert_eq!(matches("[a.yml", ""), Err(BAD_PATTERN));
        assert_eq!(matches("a*b*c", "axxbyyc"), Ok(true));
        assert_eq!(matches("\\*", "*"), Ok(true));
        assert_eq!(matches("[", "x"), Err(BAD_PATTERN));
    }

    #[test]
    fn glob_lists_sorted_matches() {
        let d = std::env::temp_dir().join(format!("mlmon-glob-{}", std::process::id()));
        std::fs::create_dir_all(d.join("sub")).unwrap();
        for f in ["b.yml", "a.yml", "c.txt", "sub/x.yml"] {
            std::fs::write(d.join(f), "").unwrap();
        }
        let base = d.to_string_lossy().to_string();
        let got = glob(&format!("{base}/*.yml")).unwrap();
        assert_eq!(got, [format!("{base}/a.yml"), format!("{base}/b.yml")]);
        assert_eq!(glob(&format!("{base}/*/x.yml")).unwrap(), [format!("{base}/sub/x.yml")]);
        assert_eq!(glob(&format!("{base}/nope.yml")).unwrap(), Vec::<String>::new());
        assert_eq!(glob(&format!("{base}/c.txt")).unwrap(), [format!("{base}/c.txt")]);
        assert_eq!(glob(&format!("{base}/[x")), Err(BAD_PATTERN));
        let _ = std::fs::remove_dir_all(&d);
    }
}
