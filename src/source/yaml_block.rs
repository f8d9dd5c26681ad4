//! A direct reader for the plain block YAML that rule files are nearly always written in, giving
//! exactly the tree [`super::yaml`] builds from `granit_parser`'s events, about ten times faster.
//!
//! Why hand-written: the event parser costs ~130 instructions a byte, a third of a 10,000-rule
//! check (BENCHMARKS.md). Generated and hand-written rule files use a small part of YAML: block
//! mappings and sequences, one-line plain and quoted scalars, literal block scalars, comments. This
//! reads that part and nothing else: anything outside it (flow collections, anchors, tags, folded or
//! multi-line scalars, escapes, tabs, several documents, a duplicate key, any doubt) makes it give
//! up with `None`, and the caller parses the text with the full parser, which also gives the errors.
//! So it never decides what is valid YAML; `tests::same_tree_as_the_event_parser` compares the two.

use serde_saphyr::granit_parser::ScalarStyle;

use super::FileSpan;
use super::yaml::{Document, Entry, MAX_DEPTH, Node, NodeKind, Scalar};

/// The document of `text`, when `text` is entirely in the subset read here.
pub fn parse(text: &str) -> Option<Vec<Document>> {
    let b = text.as_bytes();
    // whole-text conditions: one document, one kind of line break, no tabs, a final line break
    if !text.ends_with('\n')
        || text.starts_with("---")
        || text.starts_with("...")
        || text.starts_with('%')
        || text.starts_with('\u{feff}')
        || b.iter().any(|&c| c == b'\t' || c == b'\r')
        || text.contains("\n---")
        || text.contains("\n...")
    {
        return None;
    }
    let mut r = Reader { t: text, b, pos: 0, depth: 0 };
    let (ls, ind) = r.peek()?;
    let root = r.block_node(ls, ind)?;
    if r.peek().is_some() {
        return None;
    }
    let start = root.span.start;
    Some(vec![Document { root: Some(root), start }])
}

struct Reader<'t> {
    t: &'t str,
    b: &'t [u8],
    /// Start of the line to read next.
    pos: usize,
    depth: usize,
}

fn node(kind: NodeKind, start: usize, end: usize) -> Node {
    Node { kind, span: FileSpan::new(start as u32, end as u32) }
}

fn scalar(value: String, style: ScalarStyle, start: usize, end: usize) -> Node {
    node(NodeKind::Scalar(Scalar { value, style, tag: None }), start, end)
}

impl<'t> Reader<'t> {
    fn line_end(&self, from: usize) -> usize {
        self.b.get(from..).and_then(|r| memchr::memchr(b'\n', r)).map_or(self.b.len(), |i| from + i)
    }

    fn indent(&self, line: usize) -> usize {
        self.b.get(line..).map_or(0, |r| r.iter().take_while(|&&c| c == b' ').count())
    }

    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(b'\n')
    }

    /// The next line with content (blank and comment lines skipped): (start, indentation).
    fn peek(&mut self) -> Option<(usize, usize)> {
        while self.pos < self.b.len() {
            let ind = self.indent(self.pos);
            match self.at(self.pos + ind) {
                b'\n' | b'#' => self.pos = self.line_end(self.pos) + 1,
                _ => return Some((self.pos, ind)),
            }
        }
        None
    }

    fn is_item(&self, c: usize) -> bool {
        self.at(c) == b'-' && matches!(self.at(c + 1), b' ' | b'\n')
    }

    /// A mapping or sequence starting on the line at `ls`, indented `ind`.
    fn block_node(&mut self, ls: usize, ind: usize) -> Option<Node> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let n = if self.is_item(ls + ind) { self.seq(ind, false) } else { self.map(ind, None) };
        self.depth -= 1;
        n
    }

    /// A block sequence at indentation `ind`; `indentless` when it is a mapping value written at
    /// its key's indentation (its span then starts at the first item's content).
    fn seq(&mut self, ind: usize, indentless: bool) -> Option<Node> {
        let mut items = Vec::new();
        let mut start = None;
        while let Some((ls, i)) = self.peek() {
            if i < ind || !self.is_item(ls + i) {
                break;
            }
            if i > ind {
                return None;
            }
            let dash = ls + i;
            start.get_or_insert(dash);
            let mut k = dash + 1;
            while self.at(k) == b' ' {
                k += 1;
            }
            let item = match self.at(k) {
                b'\n' | b'#' => return None,
                _ if self.is_item(k) => return None,
                _ if self.key_end(k).is_some() => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return None;
                    }
                    let m = self.map(k - ls, Some(k));
                    self.depth -= 1;
                    m?
                }
                _ => {
                    let (n, _) = self.inline_scalar(k)?;
                    self.pos = self.line_end(k) + 1;
                    self.no_continuation(ind)?;
                    n
                }
            };
            items.push(item);
        }
        let first = items.first()?;
        let start = if indentless { first.span.start as usize } else { start? };
        let end = items.last().map_or(start, |n| n.span.end as usize);
        Some(node(NodeKind::Seq(items), start, end))
    }

    /// The `:` ending a plain key that starts at `k`, if the line has the `key:` form with a key
    /// of the plain characters rule files use.
    fn key_end(&self, k: usize) -> Option<usize> {
        let first = self.at(k);
        if !(first.is_ascii_alphanumeric() || first == b'_') {
            return None;
        }
        let mut j = k;
        while matches!(self.at(j), b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.' | b'/') {
            j += 1;
        }
        (self.at(j) == b':' && matches!(self.at(j + 1), b' ' | b'\n')).then_some(j)
    }

    /// A block mapping at indentation `ind`; `first` is where its first key is when that is not at
    /// the start of a line (`- key: value`).
    fn map(&mut self, ind: usize, first: Option<usize>) -> Option<Node> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut first = first;
        loop {
            let k = match first.take() {
                Some(k) => k,
                None => match self.peek() {
                    Some((ls, i)) if i == ind && !self.is_item(ls + i) => ls + i,
                    Some((_, i)) if i > ind => return None,
                    _ => break,
                },
            };
            let colon = self.key_end(k)?;
            let name = self.t.get(k..colon)?;
            if entries.iter().any(|e| e.key.as_scalar().is_some_and(|s| s.value == name)) {
                return None;
            }
            let key = scalar(name.to_string(), ScalarStyle::Plain, k, colon);
            let mut v = colon + 1;
            while self.at(v) == b' ' {
                v += 1;
            }
            let value = match self.at(v) {
                b'\n' | b'#' => {
                    self.pos = self.line_end(v) + 1;
                    match self.peek() {
                        Some((ls, i)) if i > ind => self.block_node(ls, i)?,
                        Some((ls, i)) if i == ind && self.is_item(ls + i) => self.seq(ind, true)?,
                        _ => scalar("~".to_string(), ScalarStyle::Plain, colon, colon),
                    }
                }
                b'|' => self.literal(v, ind)?,
                _ => {
                    let (n, _) = self.inline_scalar(v)?;
                    self.pos = self.line_end(v) + 1;
                    self.no_continuation(ind)?;
                    n
                }
            };
            entries.push(Entry { key, value });
        }
        let start = entries.first()?.key.span.start as usize;
        let end = entries.last().map_or(start, |e| e.value.span.end as usize);
        Some(node(NodeKind::Map(entries), start, end))
    }

    /// Gives up when the next non-blank line is indented deeper than `ind`: the scalar before it
    /// continues there (or the text is not valid), which only the full parser decides.
    fn no_continuation(&mut self, ind: usize) -> Option<()> {
        let mut p = self.pos;
        while p < self.b.len() {
            let i = self.indent(p);
            if self.at(p + i) != b'\n' {
                return (i <= ind).then_some(());
            }
            p = self.line_end(p) + 1;
        }
        Some(())
    }

    /// A one-line plain, single-quoted or double-quoted (without escapes) scalar at `k`.
    fn inline_scalar(&self, k: usize) -> Option<(Node, usize)> {
        let eol = self.line_end(k);
        let line = self.t.get(k..eol)?;
        let (value, style, end) = match self.at(k) {
            b'\'' => {
                let mut value = String::new();
                let mut j = k + 1;
                loop {
                    match self.at(j) {
                        b'\n' => return None,
                        b'\'' if self.at(j + 1) == b'\'' => {
                            value.push('\'');
                            j += 2;
                        }
                        b'\'' => break,
                        _ => {
                            let run = self.b.get(j..eol)?.iter().position(|&c| c == b'\'').map_or(eol, |p| j + p);
                            value.push_str(self.t.get(j..run)?);
                            j = run;
                        }
                    }
                }
                (value, ScalarStyle::SingleQuoted, j + 1)
            }
            b'"' => {
                let close = k + 1 + line.get(1..)?.find('"')?;
                let inner = self.t.get(k + 1..close)?;
                if inner.contains('\\') {
                    return None;
                }
                (inner.to_string(), ScalarStyle::DoubleQuoted, close + 1)
            }
            b'-' | b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%'
            | b'@' | b'`' => return None,
            _ => {
                let text = line.find(" #").map_or(line, |c| &line[..c]).trim_end_matches(' ');
                if text.contains(": ") || text.ends_with(':') {
                    return None;
                }
                (text.to_string(), ScalarStyle::Plain, k + text.len())
            }
        };
        // after a quoted scalar: only spaces and a comment
        let rest = self.t.get(end..eol)?;
        let rest_trimmed = rest.trim_start_matches(' ');
        if style != ScalarStyle::Plain
            && !(rest_trimmed.is_empty() || (rest_trimmed.starts_with('#') && rest.starts_with(' ')))
        {
            return None;
        }
        Some((scalar(value, style, k, end), end))
    }

    /// A literal block scalar (`|`, `|-`, `|+`) whose indicator is at `k`, the value of a mapping
    /// entry indented `ind`.
    fn literal(&mut self, k: usize, ind: usize) -> Option<Node> {
        let eol = self.line_end(k);
        let header = self.t.get(k + 1..eol)?;
        let (chomp, after) = match header.as_bytes().first() {
            Some(b'-') => (b'-', &header[1..]),
            Some(b'+') => (b'+', &header[1..]),
            _ => (b' ', header),
        };
        let after_trimmed = after.trim_start_matches(' ');
        if !(after_trimmed.is_empty() || (after_trimmed.starts_with('#') && after.starts_with(' '))) {
            return None;
        }
        let first_line = eol + 1;
        let m = self.indent(first_line);
        // an empty first line or a first line not deeper than the key: left to the full parser
        if m <= ind || self.at(first_line + m) == b'\n' {
            return None;
        }
        let mut value = String::new();
        let mut p = first_line;
        let end = loop {
            if p >= self.b.len() {
                break self.b.len();
            }
            let i = self.indent(p);
            let le = self.line_end(p);
            if self.at(p + i) == b'\n' {
                if i > m {
                    return None;
                }
                value.push('\n');
            } else if i < m {
                break p + i;
            } else {
                value.push_str(self.t.get(p + m..le)?);
                value.push('\n');
            }
            p = le + 1;
        };
        self.pos = p.min(self.b.len());
        match chomp {
            b'+' => {}
            b'-' => value.truncate(value.trim_end_matches('\n').len()),
            _ => {
                value.truncate(value.trim_end_matches('\n').len());
                value.push('\n');
            }
        }
        Some(scalar(value, ScalarStyle::Literal, first_line + m, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every case either is read here exactly as the event parser reads it, or is left to it.
    fn check(text: &str, must_read: bool) {
        let fast = parse(text);
        let full = super::super::yaml::parse_events(text);
        match (&fast, &full) {
            (Some(f), Ok(g)) => assert!(f == g, "trees differ for {text:?}:\n{f:#?}\n{g:#?}"),
            (Some(_), Err(e)) => panic!("read text the full parser refuses ({e:?}): {text:?}"),
            (None, _) => assert!(!must_read, "not read: {text:?}"),
        }
    }

    #[test]
    fn same_tree_as_the_event_parser() {
        let read = [
            "groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: sum(x)\n",
            "# c\ngroups:\n  - name: g # c\n    rules:\n      - alert: A\n        expr: |\n          sum(x)\n            / y\n\n        for: 5m\n        labels:\n          severity: 'x''y'\n          b: \"q\"\n          c:\n        annotations:\n          summary: 'Problem on {{ $labels.job }}: {{ $value }}'\n",
            "a:\n  b: |-\n    up\n\n  c: |+\n    k\n\n# end\nd: x\n",
            "a: |\n  x\n\n\n",
            "a: |+\n  x\n\n",
            "a: |\n  x\n    y\n  z\nb: 1\n",
            "a: |\n    x\n  # c\nb: 1\n",
            "a:\n- 1\n- x y\n- 'q'\nb:\n  - c: 1\n    d: 2\n  - e\n",
            "  - name: g\n    rules: []\n",
            "  - name: g\n    rules:\n    - record: x\n",
            "a: v   \nb: v # c\nc: a:b\nd: x {{ y }}\ne: a [b] {c}\n",
            "a:\n\n  b: 1\n",
            "k: ~\nl: null\nm: 'a b'  # c\n",
            "k: 'é'\nl: ü\n",
        ];
        for t in read {
            check(t, !t.contains("[]"));
        }
        let left = [
            "a: 1\na: 2\n",
            "a: &x 1\nb: *x\n",
            "a: [1, 2]\n",
            "a: {b: 1}\n",
            "a: >\n  f\n",
            "a: |2\n   x\n",
            "a: b\n  c\n",
            "a: 'b\n  c'\n",
            "a: \"b\\n\"\n",
            "a: !!str 1\n",
            "a:\tb\n",
            "a: 1\r\n",
            "---\na: 1\n",
            "a: 1\n---\nb: 2\n",
            "a: 1",
            "'a': 1\n",
            "a: b: c\n",
            "- - a\n",
            "a:\n  - \n",
            "a: |\n\n  x\n",
            "a: |\n  x\n   \n",
            "a:\n  b\n",
            "a: 1\n  # c\n",
            "<<: {a: 1}\n",
            "a: 1\n b: 2\n",
        ];
        for t in left {
            assert!(parse(t).is_none(), "read: {t:?}");
        }
    }

    #[test]
    fn deep_nesting_is_left_to_the_full_parser() {
        let mut t = String::new();
        for i in 0..300 {
            t.push_str(&" ".repeat(i));
            t.push_str("k:\n");
        }
        t.push_str(&" ".repeat(300));
        t.push_str("k: 1\n");
        assert!(parse(&t).is_none());
    }
}

#[cfg(test)]
mod corpus {
    use super::super::yaml::{parse_events, split_points_for_test};

    /// Every YAML file under `MLMON_YAML_CORPUS` (`.ci/yaml-block-corpus.sh` sets it to the shared
    /// corpus), and every piece `parse_split` would cut it into: what the direct reader reads, it
    /// reads exactly as the event parser does, and it reads nothing the event parser refuses.
    #[test]
    #[ignore = "needs MLMON_YAML_CORPUS; run by .ci/yaml-block-corpus.sh"]
    #[allow(clippy::print_stdout)]
    fn corpus_same_tree_as_the_event_parser() {
        let Some(root) = std::env::var_os("MLMON_YAML_CORPUS") else { panic!("MLMON_YAML_CORPUS is not set") };
        let mut stack = vec![std::path::PathBuf::from(root)];
        let (mut files, mut read, mut texts) = (0, 0, 0);
        let mut compare = |text: &str, what: &str| {
            texts += 1;
            let Some(fast) = super::parse(text) else { return false };
            match parse_events(text) {
                Ok(full) => assert!(fast == full, "trees differ: {what}"),
                Err(e) => panic!("read text the event parser refuses ({e:?}): {what}"),
            }
            true
        };
        while let Some(p) = stack.pop() {
            if p.is_dir() {
                stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if !p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                continue;
            }
            let Ok(t) = std::fs::read_to_string(&p) else { continue };
            files += 1;
            read += usize::from(compare(&t, &p.display().to_string()));
            if let Some((_, items)) = split_points_for_test(&t) {
                for w in items.windows(2) {
                    compare(&t[w[0]..w[1]], &format!("{} at byte {}", p.display(), w[0]));
                }
            }
        }
        println!("{files} files ({texts} texts with the pieces): {read} files read directly, all alike");
        assert!(files > 100 && read > 50, "{files} files, {read} read");
    }
}
