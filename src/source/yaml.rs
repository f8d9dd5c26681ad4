//! A YAML node tree that keeps source positions, built from `granit_parser`'s event stream.
//!
//! serde-based loaders lose positions and most of them accept duplicate keys; rule extraction needs
//! the span of every key and scalar, the quoting style of every scalar (to map PromQL positions back
//! through it), and strictness Prometheus has (duplicate keys refused). So the tree is built here from
//! events, with the limits a linter fed untrusted files needs:
//!
//! - [`MAX_DEPTH`] nested collections (deeper input is refused, not recursed into);
//! - aliases are expanded into copies, counted against [`MAX_ALIAS_NODES`] (so a billion-laughs file is
//!   refused instead of exhausting memory);
//! - duplicate mapping keys are errors, as in yaml.v3, which Prometheus uses;
//! - merge keys (`<<: *base`) are applied like yaml.v3 does.
//!
//! The file-size limit, invalid UTF-8 and binary content are checked before parsing, by
//! [`check_text`] and the reader in `crate::input`.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Span as YSpan, StructureStyle};

use super::FileSpan;

/// Deepest nesting of collections accepted. Rule files need about 6 levels (a PrometheusRule
/// inside a List about 9); anything near this limit is generated or hostile.
pub const MAX_DEPTH: usize = 128;

/// Most nodes that aliases in one document may expand to (the document's own nodes are bounded by
/// the file-size limit).
pub const MAX_ALIAS_NODES: usize = 100_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// Source bytes of the node: for a scalar its raw text (quotes included), for a collection
    /// from its first character to its end.
    pub span: FileSpan,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The decoded value.
    pub value: String,
    pub style: ScalarStyle,
    /// An explicit tag's suffix, e.g. `str` for `!!str` (core-schema resolution needs it).
    pub tag: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

impl Node {
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(s) => Some(s),
            _ => None,
        }
    }
    /// YAML's null: an empty plain scalar, `~` or `null` (any case yaml.v3 accepts), untagged.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar(s) if s.is_null())
    }
    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key.as_scalar().is_some_and(|k| k.value == key))
    }
    /// A word for error messages: "a mapping", "a sequence", "a string".
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar(s) if s.is_null() => "null",
            NodeKind::Scalar(_) => "a scalar",
            NodeKind::Seq(_) => "a sequence",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

impl Scalar {
    pub fn is_null(&self) -> bool {
        self.style == ScalarStyle::Plain
            && self.tag.as_deref().is_none_or(|t| t == "null")
            && matches!(self.value.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }
}

/// A YAML text that cannot be read as YAML at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// Byte offset into the parsed text.
    pub offset: u32,
    pub message: String,
}

impl YamlError {
    fn at(offset: usize, message: impl Into<String>) -> YamlError {
        YamlError { offset: offset as u32, message: message.into() }
    }
}

/// Refuses content that is not text: NUL bytes and other C0 control characters YAML does not allow.
pub fn check_text(text: &str) -> Result<(), YamlError> {
    // fast path over bytes: C0 controls and DEL are single bytes, C1 controls start with 0xC2
    let b = text.as_bytes();
    // branch-free per byte and without an early exit inside a chunk, so that it vectorises
    let bad = |x: u8| ((x < 0x20) & (x != b'\t') & (x != b'\n') & (x != b'\r')) | (x == 0x7f) | (x == 0xc2);
    let suspicious = b.chunks(256).any(|c| c.iter().fold(false, |acc, &x| acc | bad(x)));
    if !suspicious {
        return Ok(());
    }
    match text.char_indices().find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{85}')) {
        Some((i, c)) => Err(YamlError::at(
            i,
            format!("binary content: control character U+{:04X} is not allowed in YAML", c as u32),
        )),
        None => Ok(()),
    }
}

/// One document of a YAML stream; `root` is `None` for an empty document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: Option<Node>,
    /// Where the document starts (its `---` or first node).
    pub start: u32,
}

fn offset(m: &serde_saphyr::granit_parser::Marker) -> usize {
    m.byte_offset().unwrap_or(0)
}

fn span(sp: &YSpan) -> FileSpan {
    FileSpan::new(offset(&sp.start) as u32, offset(&sp.end) as u32)
}

enum Frame {
    Seq { start: usize, anchor: usize, block: bool, items: Vec<Node> },
    Map { start: usize, anchor: usize, block: bool, entries: Vec<Entry>, key: Option<Node>, merged: usize },
}

struct Builder<'t> {
    text: &'t str,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    docs: Vec<Document>,
    doc_start: usize,
    root: Option<Node>,
}

fn line_of(text: &str, offset: u32) -> usize {
    text.as_bytes().iter().take(offset as usize).filter(|b| **b == b'\n').count() + 1
}

/// Number of nodes in a subtree.
fn count(n: &Node) -> usize {
    match &n.kind {
        NodeKind::Scalar(_) => 1,
        NodeKind::Seq(s) => 1 + s.iter().map(count).sum::<usize>(),
        NodeKind::Map(m) => 1 + m.iter().map(|e| count(&e.key) + count(&e.value)).sum::<usize>(),
    }
}

impl Builder<'_> {
    fn charge_alias(&mut self, n: usize, at: usize) -> Result<(), YamlError> {
        self.nodes += n;
        if self.nodes > MAX_ALIAS_NODES {
            return Err(YamlError::at(
                at,
                format!("aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)"),
            ));
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, at: usize) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError::at(at, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            let n = count(&node);
            self.anchors.insert(anchor, (node.clone(), n));
        }
        self.attach(node)
    }

    fn attach(&mut self, node: Node) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map { entries, key, merged, .. }) => match key.take() {
                None => {
                    *key = Some(node);
                    Ok(())
                }
                Some(k) => {
                    let is_merge =
                        matches!(&k.kind, NodeKind::Scalar(s) if s.value == "<<" && s.style == ScalarStyle::Plain);
                    if is_merge {
                        return merge(entries, merged, &k, node);
                    }
                    if let Some(sk) = k.as_scalar() {
                        // keys merged in from `<<` may be overridden; explicit duplicates may not
                        let explicit = entries.len() - *merged;
                        let (merged_part, explicit_part) = entries.split_at(entries.len() - explicit);
                        if let Some(first) =
                            explicit_part.iter().find(|e| e.key.as_scalar().is_some_and(|o| o.value == sk.value))
                        {
                            return Err(YamlError::at(
                                k.span.start as usize,
                                format!(
                                    "duplicate key `{}` (first defined on line {})",
                                    sk.value,
                                    line_of(self.text, first.key.span.start)
                                ),
                            ));
                        }
                        if let Some(pos) =
                            merged_part.iter().position(|e| e.key.as_scalar().is_some_and(|o| o.value == sk.value))
                        {
                            entries.remove(pos);
                            *merged -= 1;
                        }
                    }
                    entries.push(Entry { key: k, value: node });
                    Ok(())
                }
            },
        }
    }
}

/// Applies a `<<` merge: the merged mapping's keys come first and explicit keys override them.
fn merge(entries: &mut Vec<Entry>, merged: &mut usize, key: &Node, value: Node) -> Result<(), YamlError> {
    let sources: Vec<Node> = match value.kind {
        NodeKind::Map(_) => vec![value],
        NodeKind::Seq(items) => items,
        _ => {
            return Err(YamlError::at(key.span.start as usize, "merge key `<<` needs a mapping or a list of mappings"));
        }
    };
    for src in sources {
        let NodeKind::Map(m) = src.kind else {
            return Err(YamlError::at(src.span.start as usize, "merge key `<<` needs a mapping or a list of mappings"));
        };
        for e in m {
            let name = e.key.as_scalar().map(|s| s.value.clone());
            let exists = entries.iter().any(|o| name.is_some() && o.key.as_scalar().map(|s| &s.value) == name.as_ref());
            if !exists {
                entries.insert(*merged, e);
                *merged += 1;
            }
        }
    }
    Ok(())
}

/// Files at least this large are split for parallel parsing when their shape allows it.
const SPLIT_THRESHOLD: usize = 256 * 1024;

/// Parses a YAML stream into documents.
///
/// A large rule file that is just `groups:` and a block list (the usual shape of generated rule
/// files) is cut at its list items and the pieces are parsed in parallel; any doubt about the shape
/// (anchors, several documents, other top-level keys, a piece that does not parse alone) falls back
/// to parsing the whole text, so errors and results are those of the sequential parse. Each text
/// (whole or piece) is read by [`super::yaml_block`] when it is plain block YAML, else by the event
/// parser.
pub fn parse(text: &str) -> Result<Vec<Document>, YamlError> {
    check_text(text)?;
    if text.len() >= SPLIT_THRESHOLD {
        if let Some(docs) = parse_split(text) {
            return Ok(docs);
        }
    }
    parse_whole(text)
}

/// The item starts of a top-level `groups:` block list, if the text has exactly that shape:
/// (offset of the `groups` key, offsets where items start).
fn split_points(text: &str) -> Option<(usize, Vec<usize>)> {
    if text.contains('&') || text.starts_with("%") {
        return None;
    }
    let mut key = None;
    let mut indent = None;
    let mut items = Vec::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if body.starts_with("---") || body.starts_with("...") || trimmed.starts_with('\t') {
            return None;
        }
        let col = body.len() - trimmed.len();
        match (key, indent) {
            (None, _) => {
                let rest = body.strip_prefix("groups:")?;
                let rest = rest.trim_start_matches(' ');
                if !(rest.is_empty() || rest.starts_with('#')) {
                    return None;
                }
                key = Some(start);
            }
            (Some(_), None) => {
                if !(trimmed.starts_with("- ") || trimmed == "-") {
                    return None;
                }
                indent = Some(col);
                items.push(start);
            }
            (Some(_), Some(n)) => {
                if col < n || (col == 0 && n > 0) {
                    return None;
                }
                if col == n {
                    if !(trimmed.starts_with("- ") || trimmed == "-") {
                        return None;
                    }
                    items.push(start);
                }
            }
        }
    }
    Some((key?, items))
}

#[cfg(test)]
pub(crate) fn split_points_for_test(text: &str) -> Option<(usize, Vec<usize>)> {
    split_points(text)
}

fn shift(node: &mut Node, by: u32) {
    node.span.start += by;
    node.span.end += by;
    match &mut node.kind {
        NodeKind::Scalar(_) => {}
        NodeKind::Seq(items) => items.iter_mut().for_each(|n| shift(n, by)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|e| {
            shift(&mut e.key, by);
            shift(&mut e.value, by);
        }),
    }
}

fn parse_split(text: &str) -> Option<Vec<Document>> {
    use rayon::prelude::*;
    let (key, items) = split_points(text)?;
    let pieces = (rayon::current_num_threads() * 4).clamp(2, items.len().max(2));
    let per = items.len().div_ceil(pieces).max(1);
    let mut bounds: Vec<(usize, usize)> = Vec::new();
    for chunk in items.chunks(per) {
        let start = *chunk.first()?;
        bounds.push((start, 0));
    }
    for i in 0..bounds.len() {
        bounds[i].1 = bounds.get(i + 1).map_or(text.len(), |b| b.0);
    }
    let parsed: Vec<Option<Vec<Node>>> = bounds
        .par_iter()
        .map(|&(a, b)| {
            let mut docs = parse_whole(text.get(a..b)?).ok()?;
            if docs.len() != 1 {
                return None;
            }
            let mut root = docs.pop()?.root?;
            shift(&mut root, a as u32);
            match root.kind {
                NodeKind::Seq(items) => Some(items),
                _ => None,
            }
        })
        .collect();
    let mut all = Vec::with_capacity(items.len());
    for p in parsed {
        all.extend(p?);
    }
    if all.len() != items.len() {
        return None;
    }
    // as in the sequential parse, a block sequence's span starts with its first item's content
    let seq_span = FileSpan::new(all.first()?.span.start, all.last()?.span.end);
    let key_node = Node {
        kind: NodeKind::Scalar(Scalar { value: "groups".to_string(), style: ScalarStyle::Plain, tag: None }),
        span: FileSpan::new(key as u32, key as u32 + 6),
    };
    let value = Node { kind: NodeKind::Seq(all), span: seq_span };
    let root = Node {
        kind: NodeKind::Map(vec![Entry { key: key_node, value }]),
        span: FileSpan::new(key as u32, seq_span.end),
    };
    Some(vec![Document { root: Some(root), start: key as u32 }])
}

/// One text (a whole file or a piece of one): through the direct reader of plain block YAML when
/// it is written in that, else through the event parser.
fn parse_whole(text: &str) -> Result<Vec<Document>, YamlError> {
    super::yaml_block::parse(text).map_or_else(|| parse_events(text), Ok)
}

/// The tree from `granit_parser`'s events: any YAML, and the errors.
pub(crate) fn parse_events(text: &str) -> Result<Vec<Document>, YamlError> {
    let mut b = Builder {
        text,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        docs: Vec::new(),
        doc_start: 0,
        root: None,
    };
    for ev in Parser::new_from_str(text) {
        let (ev, sp) = ev.map_err(|e| {
            let mut at = offset(e.marker());
            // point at the tab itself, not the character after it
            if e.info().contains("tab") && at > 0 && text.as_bytes().get(at - 1) == Some(&b'\t') {
                at -= 1;
            }
            YamlError::at(at, e.info())
        })?;
        let at = offset(&sp.start);
        match ev {
            Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(..) => {
                b.doc_start = at;
                b.anchors.clear();
                b.nodes = 0;
            }
            Event::DocumentEnd => {
                let root = b.root.take();
                b.docs.push(Document { root, start: b.doc_start as u32 });
            }
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.map(|t| t.suffix().to_string());
                let node =
                    Node { kind: NodeKind::Scalar(Scalar { value: value.into_owned(), style, tag }), span: span(&sp) };
                b.complete(node, anchor)?;
            }
            Event::SequenceStart(style, anchor, _) => {
                let block = style == StructureStyle::Block;
                b.open(Frame::Seq { start: at, anchor, block, items: Vec::new() }, at)?
            }
            Event::MappingStart(style, anchor, _) => {
                let block = style == StructureStyle::Block;
                b.open(Frame::Map { start: at, anchor, block, entries: Vec::new(), key: None, merged: 0 }, at)?
            }
            Event::SequenceEnd | Event::MappingEnd => {
                // a block collection ends where its last child ends (its end event comes with the
                // next token, often on a later line); a flow collection at its closing bracket
                let event_end = offset(&sp.end) as u32;
                let (node, anchor) = match b.stack.pop() {
                    Some(Frame::Seq { start, anchor, block, items }) => {
                        let end = if block { items.last().map_or(start as u32, |n| n.span.end) } else { event_end };
                        (Node { kind: NodeKind::Seq(items), span: FileSpan::new(start as u32, end) }, anchor)
                    }
                    Some(Frame::Map { start, anchor, block, entries, .. }) => {
                        let end =
                            if block { entries.last().map_or(start as u32, |e| e.value.span.end) } else { event_end };
                        (Node { kind: NodeKind::Map(entries), span: FileSpan::new(start as u32, end) }, anchor)
                    }
                    None => return Err(YamlError::at(at, "unbalanced collection end")),
                };
                b.complete(node, anchor)?;
            }
            Event::Alias(id) => {
                let Some(n) = b.anchors.get(&id).map(|a| a.1) else {
                    return Err(YamlError::at(at, "alias to an unknown anchor"));
                };
                b.charge_alias(n, at)?;
                if let Some((node, _)) = b.anchors.get(&id).cloned() {
                    b.attach(node)?;
                }
            }
            _ => {}
        }
    }
    Ok(b.docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        parse(text).unwrap().remove(0).root.unwrap()
    }

    #[test]
    fn keys_and_values_keep_spans_and_order() {
        let t = "groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: \"up\"\n";
        let r = root(t);
        let g = &r.get("groups").unwrap().as_seq().unwrap()[0];
        let keys: Vec<_> = g.as_map().unwrap().iter().map(|e| e.key.as_scalar().unwrap().value.clone()).collect();
        assert_eq!(keys, ["name", "rules"]);
        let rule = &g.get("rules").unwrap().as_seq().unwrap()[0];
        let expr = rule.get("expr").unwrap();
        assert_eq!(&t[expr.span.start as usize..expr.span.end as usize], "\"up\"");
        assert_eq!(expr.as_scalar().unwrap().style, ScalarStyle::DoubleQuoted);
        let k = &rule.entry("record").unwrap().key;
        assert_eq!(&t[k.span.start as usize..k.span.end as usize], "record");
    }

    #[test]
    fn block_collections_end_at_their_last_child() {
        let t = "rules:\n- alert: A\n  expr: up\n\n# c\n- alert: B\n  expr: x\n";
        let r = root(t);
        let rules = r.get("rules").unwrap().as_seq().unwrap();
        let a = &rules[0];
        assert_eq!(&t[a.span.start as usize..a.span.end as usize], "alert: A\n  expr: up");
        let f = parse("a: {x: 1}\n").unwrap().remove(0).root.unwrap();
        let m = f.get("a").unwrap();
        assert_eq!(&"a: {x: 1}\n"[m.span.start as usize..m.span.end as usize], "{x: 1}");
    }

    #[test]
    fn documents_are_split() {
        let docs = parse("a: 1\n---\nb: 2\n---\n").unwrap();
        assert_eq!(docs.len(), 3);
        assert!(docs[0].root.as_ref().unwrap().get("a").is_some());
        assert!(docs[2].root.is_none() || docs[2].root.as_ref().unwrap().is_null());
        assert_eq!(docs[1].start as usize, "a: 1\n".len());
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let t = "a: 1\nb: 2\na: 3\n";
        let e = parse(t).unwrap_err();
        assert_eq!(e.offset as usize, t.rfind('a').unwrap());
        assert!(e.message.contains("duplicate key `a`"), "{}", e.message);
    }

    #[test]
    fn merge_keys_apply_and_may_be_overridden() {
        let r = root("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n");
        let m = r.get("m").unwrap();
        assert_eq!(m.get("x").unwrap().as_scalar().unwrap().value, "1");
        assert_eq!(m.get("y").unwrap().as_scalar().unwrap().value, "3");
        assert_eq!(m.as_map().unwrap().len(), 2);
    }

    #[test]
    fn aliases_are_copied() {
        let r = root("a: &x [1, 2]\nb: *x\n");
        assert_eq!(r.get("b").unwrap().as_seq().unwrap().len(), 2);
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut t = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            t.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse(&t).unwrap_err();
        assert!(e.message.contains("more than"), "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let t = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&t).is_err());
        let mut block = String::new();
        for i in 0..300 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        assert!(parse(&block).is_err());
    }

    #[test]
    fn tabs_as_indentation_are_errors() {
        let t = "a:\n\tb: 1\n";
        let e = parse(t).unwrap_err();
        assert_eq!(e.offset, 3, "{e:?}");
    }

    #[test]
    fn control_characters_are_refused() {
        let e = parse("a: b\0c\n").unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(e.message.contains("U+0000"));
    }

    #[test]
    fn syntax_errors_have_offsets() {
        let t = "a: [1, 2\nb: 3\n";
        let e = parse(t).unwrap_err();
        assert!(e.offset > 0, "{e:?}");
    }

    #[test]
    fn split_parse_equals_whole_parse() {
        let mut t = String::from("# generated\ngroups:\n");
        for g in 0..3000 {
            t.push_str(&format!(
                "- name: g{g}\n  rules:\n  - alert: A{g}\n    expr: |\n      up{{job=\"x\"}}\n      - 1 > 0\n    labels: {{a: b}}\n\n"
            ));
        }
        assert!(t.len() >= SPLIT_THRESHOLD);
        assert!(split_points(&t).is_some());
        let split = parse_split(&t).unwrap();
        let whole = parse_events(&t).unwrap();
        let (a, b) = (split[0].root.as_ref().unwrap(), whole[0].root.as_ref().unwrap());
        assert_eq!((split[0].start, a.span), (whole[0].start, b.span));
        let (sa, sb) = (a.get("groups").unwrap(), b.get("groups").unwrap());
        assert_eq!(sa.span, sb.span);
        assert_eq!(sa.as_seq().unwrap().len(), sb.as_seq().unwrap().len());
        assert!(split == whole, "trees differ");
        // other shapes are not split
        assert!(split_points("groups:\n- a\nother: 1\n").is_none());
        assert!(split_points("groups:\n- &x a\n- *x\n").is_none());
        assert!(split_points("a: 1\n---\ngroups: []\n").is_none());
        assert!(split_points("groups:\n  - a\n  - b\n").unwrap().1.len() == 2);
    }

    #[test]
    fn nulls() {
        let r = root("a:\nb: ~\nc: null\nd: 'null'\ne: !!str null\n");
        assert!(r.get("a").unwrap().is_null());
        assert!(r.get("b").unwrap().is_null());
        assert!(r.get("c").unwrap().is_null());
        assert!(!r.get("d").unwrap().is_null());
        assert!(!r.get("e").unwrap().is_null());
    }
}
