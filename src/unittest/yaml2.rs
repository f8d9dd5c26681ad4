//! promtool decodes test files with `gopkg.in/yaml.v2`'s `UnmarshalStrict`; this module reproduces
//! what that decoder accepts and the errors it prints.
//!
//! Why not `crate::source::yaml` (the rule-file tree): yaml.v2 differs from yaml.v3 exactly where test
//! files notice. Duplicate keys are not a parse error but one line of the aggregated
//! `yaml: unmarshal errors:` list (`field name already set in type main.testGroup`), next to every
//! unknown field and type error of the file; plain scalars resolve with YAML 1.1 rules (`yes` is a
//! bool, `1_000` an int, `NaN` a string); a scalar decoded into a string keeps its source text
//! (`503` → `"503"`). So the tree here is built from the same event parser but keeps duplicates, and
//! [`Decoder`] carries yaml.v2's error list.
//!
//! Limits: nesting deeper than [`MAX_DEPTH`] and aliases expanding to more than [`MAX_ALIAS_NODES`]
//! nodes are refused (yaml.v2 has no such limits; no real test file comes near them).

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

pub const MAX_DEPTH: usize = 128;
pub const MAX_ALIAS_NODES: usize = 1_000_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Scalar {
        value: String,
        style: ScalarStyle,
        tag: Option<String>,
    },
    Seq(Vec<Node>),
    /// Entries in document order, duplicates kept; `merged` entries came from a `<<` merge key.
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
    pub merged: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    /// 1-based line where the node starts.
    pub line: usize,
}

/// What a plain (or tagged) scalar resolves to under yaml.v2's YAML 1.1 rules.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
    Timestamp,
    Binary,
}

impl Resolved {
    /// yaml.v2's `shortTag`.
    pub fn tag(&self) -> &'static str {
        match self {
            Resolved::Null => "!!null",
            Resolved::Bool(_) => "!!bool",
            Resolved::Int(_) => "!!int",
            Resolved::Float(_) => "!!float",
            Resolved::Str => "!!str",
            Resolved::Timestamp => "!!timestamp",
            Resolved::Binary => "!!binary",
        }
    }
}

fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower.clone())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = i128::from_str_radix(&digits, radix).ok()?;
    let v = if neg { -v } else { v };
    i64::try_from(v).ok()
}

fn is_yaml_style_float(s: &str) -> bool {
    // ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - s
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn looks_like_timestamp(s: &str) -> bool {
    // yaml.v2 only tries timestamps for values with exactly four leading digits then '-'
    let b = s.as_bytes();
    b.len() > 4 && b.iter().take(4).all(u8::is_ascii_digit) && b.get(4) == Some(&b'-') && {
        let rest = &s[5..];
        let date_end = rest.find(['T', 't', ' ']).unwrap_or(rest.len());
        let date = &rest[..date_end];
        let parts: Vec<&str> = date.split('-').collect();
        parts.len() == 2
            && parts.iter().all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
            && (date_end == rest.len() || rest.len() > date_end + 1)
    }
}

/// yaml.v2's `resolve` for a scalar (quoted scalars are strings unless tagged).
pub fn resolve(value: &str, style: ScalarStyle, tag: Option<&str>) -> Resolved {
    match tag {
        Some("str") => return Resolved::Str,
        Some("binary") => return Resolved::Binary,
        Some("null") => return Resolved::Null,
        _ => {}
    }
    if style != ScalarStyle::Plain && tag.is_none() {
        return Resolved::Str;
    }
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false);
        }
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match value.as_bytes().first() {
        Some(b'.') => {
            if let Ok(f) = crate::go::strconv::parse_float(value) {
                return Resolved::Float(f);
            }
        }
        Some(c) if c.is_ascii_digit() || *c == b'+' || *c == b'-' => {
            if looks_like_timestamp(value) {
                return Resolved::Timestamp;
            }
            let plain = value.replace('_', "");
            if let Some(i) = go_parse_int(&plain) {
                return Resolved::Int(i);
            }
            if is_yaml_style_float(&plain)
                && let Ok(f) = crate::go::strconv::parse_float(&plain)
            {
                return Resolved::Float(f);
            }
        }
        _ => {}
    }
    Resolved::Str
}

/// Parses the first YAML document of `text` (yaml.v2's `Unmarshal` reads only that one). `Ok(None)`
/// for an empty document. The error is yaml.v2's text (`yaml: line 3: did not find expected ',' or '}'`).
pub fn parse_first_document(text: &str) -> Result<Option<Node>, String> {
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1)).collect();
    let line_of = |off: usize| line_starts.partition_point(|&s| s <= off).max(1);
    let mut b = Builder { stack: Vec::new(), anchors: HashMap::new(), alias_nodes: 0, root: None };
    for ev in Parser::new_from_str(text) {
        let (ev, sp) = match ev {
            Ok(x) => x,
            Err(e) => {
                let off = e.marker().byte_offset().unwrap_or(0);
                let info = e.info();
                // libyaml's problem text, without the "while parsing ..." context; yaml.v2 prints a
                // parser error's 0-based line (and none for the first line), a scanner error's 1-based
                let parser_error = info.starts_with("while parsing");
                let problem = match info.split_once(", ") {
                    Some((ctx, p)) if ctx.starts_with("while ") => p.to_string(),
                    _ => info,
                };
                let line = if parser_error { line_of(off) - 1 } else { line_of(off) };
                if line == 0 {
                    return Err(format!("yaml: {problem}"));
                }
                return Err(format!("yaml: line {line}: {problem}"));
            }
        };
        let line = line_of(sp.start.byte_offset().unwrap_or(0));
        match ev {
            Event::DocumentEnd => return Ok(b.root),
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.map(|t| t.suffix().to_string());
                let node = Node { kind: Kind::Scalar { value: value.into_owned(), style, tag }, line };
                b.complete(node, anchor)?;
            }
            Event::SequenceStart(_, anchor, _) => b.open(Frame::Seq(anchor, line, Vec::new()))?,
            Event::MappingStart(_, anchor, _) => b.open(Frame::Map(anchor, line, Vec::new(), None))?,
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match b.stack.pop() {
                    Some(Frame::Seq(anchor, line, items)) => (Node { kind: Kind::Seq(items), line }, anchor),
                    Some(Frame::Map(anchor, line, entries, _)) => (Node { kind: Kind::Map(entries), line }, anchor),
                    None => return Err("yaml: unbalanced collection end".into()),
                };
                b.complete(node, anchor)?;
            }
            Event::Alias(id) => {
                let Some(node) = b.anchors.get(&id).cloned() else {
                    return Err(format!("yaml: line {line}: unknown anchor referenced"));
                };
                b.alias_nodes += count(&node);
                if b.alias_nodes > MAX_ALIAS_NODES {
                    return Err(format!("yaml: line {line}: aliases expand to more than {MAX_ALIAS_NODES} nodes"));
                }
                b.attach(node)?;
            }
            _ => {}
        }
    }
    Ok(b.root)
}

fn count(n: &Node) -> usize {
    match &n.kind {
        Kind::Scalar { .. } => 1,
        Kind::Seq(s) => 1 + s.iter().map(count).sum::<usize>(),
        Kind::Map(m) => 1 + m.iter().map(|e| count(&e.key) + count(&e.value)).sum::<usize>(),
    }
}

enum Frame {
    Seq(usize, usize, Vec<Node>),
    Map(usize, usize, Vec<Entry>, Option<Node>),
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    root: Option<Node>,
}

impl Builder {
    fn open(&mut self, f: Frame) -> Result<(), String> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("yaml: nesting deeper than {MAX_DEPTH} levels"));
        }
        self.stack.push(f);
        Ok(())
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), String> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        self.attach(node)
    }

    fn attach(&mut self, node: Node) -> Result<(), String> {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq(_, _, items)) => items.push(node),
            Some(Frame::Map(_, _, entries, key)) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    let is_merge = matches!(&k.kind, Kind::Scalar { value, style: ScalarStyle::Plain, tag: None } if value == "<<");
                    if is_merge {
                        let sources = match node.kind {
                            Kind::Map(_) => vec![node],
                            Kind::Seq(items) => items,
                            Kind::Scalar { .. } => {
                                return Err(format!(
                                    "yaml: line {}: map merge requires map or sequence of maps as the value",
                                    node.line
                                ));
                            }
                        };
                        for s in sources {
                            let Kind::Map(m) = s.kind else {
                                return Err(format!(
                                    "yaml: line {}: map merge requires map or sequence of maps as the value",
                                    s.line
                                ));
                            };
                            entries.extend(m.into_iter().map(|e| Entry { merged: true, ..e }));
                        }
                    } else {
                        entries.push(Entry { key: k, value: node, merged: false });
                    }
                }
            },
        }
        Ok(())
    }
}

/// Decodes nodes into Go-typed values the way yaml.v2's strict decoder does, collecting its errors.
#[derive(Debug, Default)]
pub struct Decoder {
    /// yaml.v2's type errors (`line N: ...`) with their line, reported together in document order.
    pub errors: Vec<(usize, String)>,
    /// An error that aborts decoding at once (a custom unmarshaler's error, e.g. a bad duration).
    pub fatal: Option<String>,
}

impl Decoder {
    /// The decoder's verdict: `Ok` or the error text yaml.v2 would return.
    pub fn finish(self) -> Result<(), String> {
        if let Some(f) = self.fatal {
            return Err(f);
        }
        if self.errors.is_empty() {
            return Ok(());
        }
        // yaml.v2 reports in document order; fields are checked here before their values are
        // decoded, so restore that order (the sort is stable within a line)
        let mut errors = self.errors;
        errors.sort_by_key(|(line, _)| *line);
        let texts: Vec<String> = errors.into_iter().map(|(_, t)| t).collect();
        Err(format!("yaml: unmarshal errors:\n  {}", texts.join("\n  ")))
    }

    fn type_error(&mut self, n: &Node, into: &str) {
        let what = match &n.kind {
            Kind::Seq(_) => "!!seq".to_string(),
            Kind::Map(_) => "!!map".to_string(),
            Kind::Scalar { value, style, tag } => {
                let t = resolve(value, *style, tag.as_deref()).tag();
                let shown = if value.len() > 10 {
                    let cut = (0..=7).rev().find(|&i| value.is_char_boundary(i)).unwrap_or(0);
                    format!("{}...", &value[..cut])
                } else {
                    value.clone()
                };
                format!("{t} `{shown}`")
            }
        };
        self.errors.push((n.line, format!("line {}: cannot unmarshal {what} into {into}", n.line)));
    }

    /// A Go `string`: any non-null scalar gives its source text; null gives "".
    pub fn string(&mut self, n: &Node) -> String {
        match &n.kind {
            Kind::Scalar { value, style, tag } => match resolve(value, *style, tag.as_deref()) {
                Resolved::Null => String::new(),
                _ => value.clone(),
            },
            _ => {
                self.type_error(n, "string");
                String::new()
            }
        }
    }

    pub fn float(&mut self, n: &Node) -> f64 {
        if let Kind::Scalar { value, style, tag } = &n.kind {
            match resolve(value, *style, tag.as_deref()) {
                Resolved::Null => return 0.0,
                Resolved::Int(i) => return i as f64,
                Resolved::Float(f) => return f,
                _ => {}
            }
        }
        self.type_error(n, "float64");
        0.0
    }

    pub fn bool(&mut self, n: &Node) -> bool {
        if let Kind::Scalar { value, style, tag } = &n.kind {
            match resolve(value, *style, tag.as_deref()) {
                Resolved::Null => return false,
                Resolved::Bool(b) => return b,
                _ => {}
            }
        }
        self.type_error(n, "bool");
        false
    }

    /// A `model.Duration` in ms: decoded as a string, then parsed; a parse error aborts decoding.
    pub fn duration(&mut self, n: &Node) -> i64 {
        let before = self.errors.len();
        let s = self.string(n);
        if self.errors.len() > before
            || matches!(&n.kind, Kind::Scalar { value, style, tag } if resolve(value, *style, tag.as_deref()) == Resolved::Null)
        {
            return 0;
        }
        match crate::rules::duration::parse(&s) {
            Ok(ms) => ms,
            Err(e) => {
                if self.fatal.is_none() {
                    self.fatal = Some(e);
                }
                0
            }
        }
    }

    /// A Go slice: null is empty, anything but a sequence is a type error.
    pub fn seq<'n>(&mut self, n: &'n Node, go_type: &str) -> &'n [Node] {
        match &n.kind {
            Kind::Seq(items) => items,
            Kind::Scalar { value, style, tag } if resolve(value, *style, tag.as_deref()) == Resolved::Null => &[],
            _ => {
                self.type_error(n, go_type);
                &[]
            }
        }
    }

    /// A Go struct: the known fields in document order; unknown and repeated fields are errors.
    pub fn fields<'n>(&mut self, n: &'n Node, go_type: &str, known: &[&str]) -> Vec<(&'n str, &'n Node)> {
        let entries = match &n.kind {
            Kind::Map(m) => m,
            Kind::Scalar { value, style, tag } if resolve(value, *style, tag.as_deref()) == Resolved::Null => {
                return Vec::new();
            }
            _ => {
                self.type_error(n, go_type);
                return Vec::new();
            }
        };
        let mut out: Vec<(&str, &Node)> = Vec::new();
        let mut explicit_seen: Vec<&str> = Vec::new();
        for e in entries {
            let Kind::Scalar { value: name, .. } = &e.key.kind else {
                self.type_error(&e.key, "string");
                continue;
            };
            if !known.contains(&name.as_str()) {
                self.errors
                    .push((e.key.line, format!("line {}: field {name} not found in type {go_type}", e.key.line)));
                continue;
            }
            if !e.merged {
                if explicit_seen.contains(&name.as_str()) {
                    self.errors
                        .push((e.key.line, format!("line {}: field {name} already set in type {go_type}", e.key.line)));
                    continue;
                }
                explicit_seen.push(name);
            }
            match out.iter_mut().find(|(k, _)| *k == name) {
                Some(slot) => slot.1 = &e.value,
                None => out.push((name, &e.value)),
            }
        }
        out
    }

    /// A Go `map[string]string`, keeping empty values; a repeated key is an error.
    pub fn string_map(&mut self, n: &Node) -> Vec<(String, String)> {
        let entries = match &n.kind {
            Kind::Map(m) => m,
            Kind::Scalar { value, style, tag } if resolve(value, *style, tag.as_deref()) == Resolved::Null => {
                return Vec::new();
            }
            _ => {
                self.type_error(n, "map[string]string");
                return Vec::new();
            }
        };
        let mut out: Vec<(String, String)> = Vec::new();
        for e in entries {
            let k = self.string(&e.key);
            let v = self.string(&e.value);
            if let Some(slot) = out.iter_mut().find(|(ok, _)| *ok == k) {
                if !e.merged {
                    self.errors.push((
                        e.key.line,
                        format!("line {}: key {} already set in map", e.key.line, crate::go::strconv::quote(&k)),
                    ));
                    continue;
                }
                slot.1 = v;
            } else {
                out.push((k, v));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(t: &str) -> Node {
        parse_first_document(t).unwrap().unwrap()
    }

    #[test]
    fn resolves_like_yaml_v2() {
        let p = |s: &str| resolve(s, ScalarStyle::Plain, None);
        assert_eq!(p("1_000"), Resolved::Int(1000));
        assert_eq!(p("0x1F"), Resolved::Int(31));
        assert_eq!(p("017"), Resolved::Int(15));
        assert_eq!(p("1e3"), Resolved::Float(1000.0));
        assert_eq!(p(".5"), Resolved::Float(0.5));
        assert_eq!(p("yes"), Resolved::Bool(true));
        assert_eq!(p("Off"), Resolved::Bool(false));
        assert_eq!(p("NaN"), Resolved::Str);
        assert_eq!(p("~"), Resolved::Null);
        assert!(matches!(p(".nan"), Resolved::Float(f) if f.is_nan()));
        assert_eq!(p("2001-12-14"), Resolved::Timestamp);
        assert_eq!(resolve("1", ScalarStyle::SingleQuoted, None), Resolved::Str);
    }

    #[test]
    fn strict_struct_errors_are_collected_in_order() {
        let n = root("a: 1\nb: [1]\na: 2\nzz: 3\n");
        let mut d = Decoder::default();
        let f = d.fields(&n, "main.t", &["a", "b"]);
        let b = f.iter().find(|(k, _)| *k == "b").unwrap().1;
        d.string(b);
        assert_eq!(
            d.finish().unwrap_err(),
            "yaml: unmarshal errors:\n  line 2: cannot unmarshal !!seq into string\n  line 3: field a already set in type main.t\n  line 4: field zz not found in type main.t"
        );
    }

    #[test]
    fn scalars_into_strings_keep_source_text() {
        let n = root("a: 0.50\nb: true\nc: ~\nd: 'NaN'\n");
        let mut d = Decoder::default();
        let m = d.string_map(&n);
        assert_eq!(m, [("a", "0.50"), ("b", "true"), ("c", ""), ("d", "NaN")].map(|(a, b)| (a.into(), b.into())));
        let mut d = Decoder::default();
        assert_eq!(d.float(&root("NaN")), 0.0);
        assert_eq!(d.errors, [(1, "line 1: cannot unmarshal !!str `NaN` into float64".to_string())]);
    }

    #[test]
    fn durations_abort_with_the_bare_message() {
        let mut d = Decoder::default();
        d.duration(&root("1.5m"));
        assert_eq!(d.finish().unwrap_err(), "unknown unit \".\" in duration \"1.5m\"");
    }

    #[test]
    fn merge_keys_and_aliases() {
        let n = root("base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n");
        let mut d = Decoder::default();
        let top = d.fields(&n, "t", &["base", "m"]);
        let m = d.string_map(top[1].1);
        assert_eq!(m, [("x".to_string(), "1".to_string()), ("y".to_string(), "2".to_string())]);
    }

    #[test]
    fn syntax_errors_name_a_line() {
        let e = parse_first_document("tests:\n  - {expr: rate(x[5m]), eval_time: 0}\n").unwrap_err();
        assert!(e.starts_with("yaml: line "), "{e}");
    }
}
