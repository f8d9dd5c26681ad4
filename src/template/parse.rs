//! The parser of Go's `text/template/parse` (parse.go), ported function for function so that the
//! same inputs fail with the same messages (`template: NAME:LINE: MSG`) on the same line. Each
//! error also carries the byte span of the token the parser stopped at, for our own diagnostics.

use std::collections::BTreeMap;

use super::ast::{Branch, Command, Node, Number, Operand, Pipe, Variable, is_empty_tree};
use super::lex::{Item, ItemType, Lexer};
use crate::go::strconv::{parse_float, parse_int, parse_uint, quote, unquote, unquote_char};

/// Deepest nesting of parentheses and control structures we parse, and of control structures
/// plus `{{template}}` calls we execute. Go allows 10000 parentheses, unbounded control nesting
/// and 100000 template calls; we stop much earlier so that hostile input cannot exhaust a 2 MiB
/// thread stack even in debug builds (real alert templates nest a handful of levels).
pub const MAX_DEPTH: usize = 64;

/// A parse failure: Go's full message and the byte span (in the parsed text) of the token where
/// parsing stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub message: String,
    pub pos: usize,
    pub end: usize,
}

type PResult<T> = Result<T, ParseError>;

/// The templates a parse defines, by name.
pub(crate) type TreeSet = BTreeMap<String, Vec<Node>>;

enum Parsed {
    Node(Node),
    End,
    Else,
}

fn parsed_string(p: &Parsed) -> String {
    match p {
        Parsed::Node(n) => n.to_string(),
        Parsed::End => "{{end}}".into(),
        Parsed::Else => "{{else}}".into(),
    }
}

struct Parser<'a, 'f> {
    lex: Lexer<'a>,
    token: [Item; 3],
    peek_count: usize,
    vars: Vec<String>,
    trees: TreeSet,
    parse_name: String,
    action_line: usize,
    range_depth: usize,
    depth: usize,
    has_func: &'f dyn Fn(&str) -> bool,
}

/// Parses `text` as the template `name` (Go's `template.New(name).Funcs(...).Parse(text)`);
/// `has_func` says which function names exist at parse time.
pub(crate) fn parse(name: &str, text: &str, has_func: &dyn Fn(&str) -> bool) -> Result<TreeSet, ParseError> {
    let eof = Item { typ: ItemType::Eof, pos: 0, end: 0, val: String::new(), line: 1 };
    let mut lex = Lexer::new(text);
    lex.break_ok = !has_func("break");
    lex.continue_ok = !has_func("continue");
    let mut p = Parser {
        lex,
        token: [eof.clone(), eof.clone(), eof],
        peek_count: 0,
        vars: vec!["$".into()],
        trees: TreeSet::new(),
        parse_name: name.to_string(),
        action_line: 0,
        range_depth: 0,
        depth: 0,
        has_func,
    };
    let root = p.parse_top()?;
    p.add(name, root)?;
    Ok(p.trees)
}

impl Parser<'_, '_> {
    fn next(&mut self) -> Item {
        if self.peek_count > 0 {
            self.peek_count -= 1;
        } else {
            self.token[0] = self.lex.next_item();
        }
        self.token[self.peek_count].clone()
    }

    fn backup(&mut self) {
        self.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item) {
        self.token[1] = t1;
        self.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item, t1: Item) {
        self.token[1] = t1;
        self.token[2] = t2;
        self.peek_count = 3;
    }

    fn peek(&mut self) -> Item {
        if self.peek_count > 0 {
            return self.token[self.peek_count - 1].clone();
        }
        self.peek_count = 1;
        self.token[0] = self.lex.next_item();
        self.token[0].clone()
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn errorf<T>(&self, msg: impl Into<String>) -> PResult<T> {
        let t = &self.token[0];
        Err(ParseError {
            message: format!("template: {}:{}: {}", self.parse_name, t.line, msg.into()),
            pos: t.pos,
            end: t.end.max(t.pos),
        })
    }

    /// Like `errorf` (Go's line: the last token read), with the span of `token`, the token the
    /// message is about.
    fn errorf_at<T>(&self, token: &Item, msg: impl Into<String>) -> PResult<T> {
        self.errorf(msg).map_err(|e| ParseError { pos: token.pos, end: token.end.max(token.pos), ..e })
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item> {
        let t = self.next_non_space();
        if t.typ != expected {
            return self.unexpected(&t, context);
        }
        Ok(t)
    }

    fn unexpected<T>(&self, token: &Item, context: &str) -> PResult<T> {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(" in action started at {}:{}", self.parse_name, self.action_line);
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{}{}", token.describe(), extra));
        }
        self.errorf(format!("unexpected {} in {}", token.describe(), context))
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.errorf("max expression depth exceeded");
        }
        Ok(())
    }

    fn add(&mut self, name: &str, root: Vec<Node>) -> PResult<()> {
        match self.trees.get(name) {
            Some(old) if !is_empty_tree(old) => {
                if !is_empty_tree(&root) {
                    return self.errorf(format!("template: multiple definition of template {}", quote(name)));
                }
            }
            _ => {
                self.trees.insert(name.to_string(), root);
            }
        }
        Ok(())
    }

    fn parse_top(&mut self) -> PResult<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                p @ (Parsed::End | Parsed::Else) => return self.errorf(format!("unexpected {}", parsed_string(&p))),
                Parsed::Node(n) => root.push(n),
            }
        }
        Ok(root)
    }

    /// Runs `f` as a nested tree (`define`, `block`): fresh variables and range depth.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        let vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let range_depth = std::mem::replace(&mut self.range_depth, 0);
        let action_line = std::mem::replace(&mut self.action_line, 0);
        let r = f(self);
        self.vars = vars;
        self.range_depth = range_depth;
        self.action_line = action_line;
        r
    }

    fn parse_definition(&mut self) -> PResult<()> {
        self.nested(|p| {
            const CONTEXT: &str = "define clause";
            let name_tok = p.next_non_space();
            if !matches!(name_tok.typ, ItemType::String | ItemType::RawString) {
                return p.unexpected(&name_tok, CONTEXT);
            }
            let Some(name) = unquote(&name_tok.val) else {
                return p.errorf("invalid syntax");
            };
            p.expect(ItemType::RightDelim, CONTEXT)?;
            let (root, end) = p.item_list()?;
            if !matches!(end, Parsed::End) {
                return p.errorf(format!("unexpected {} in {}", parsed_string(&end), CONTEXT));
            }
            p.add(&name, root)
        })
    }

    fn item_list(&mut self) -> PResult<(Vec<Node>, Parsed)> {
        let mut list = Vec::new();
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.push(n),
                other => return Ok((list, other)),
            }
        }
        self.errorf("unexpected EOF")
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text { text: token.val })),
            ItemType::LeftDelim => {
                self.action_line = token.line;
                let r = self.action();
                self.action_line = 0;
                r
            }
            _ => self.unexpected(&token, "input"),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break => return self.loop_control(token.pos, "{{break}}").map(Parsed::Node),
            ItemType::Continue => return self.loop_control(token.pos, "{{continue}}").map(Parsed::Node),
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.if_control().map(Parsed::Node),
            ItemType::Range => {
                let b = self.parse_control("range")?;
                return Ok(Parsed::Node(Node::Range(b)));
            }
            ItemType::Template => return self.template_control().map(Parsed::Node),
            ItemType::With => return self.with_control().map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action { pos: token.pos, pipe }))
    }

    fn loop_control(&mut self, pos: usize, name: &str) -> PResult<Node> {
        let token = self.next_non_space();
        if token.typ != ItemType::RightDelim {
            return self.unexpected(&token, name);
        }
        if self.range_depth == 0 {
            return self.errorf(format!("{name} outside {{{{range}}}}"));
        }
        Ok(if name == "{{break}}" { Node::Break { pos } } else { Node::Continue { pos } })
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        let token = self.peek_non_space();
        let mut pipe = Pipe { pos: token.pos, is_assign: false, decl: Vec::new(), cmds: Vec::new() };
        'decls: loop {
            let v = self.peek_non_space();
            if v.typ == ItemType::Variable {
                self.next();
                let after = self.peek();
                let next = self.peek_non_space();
                if matches!(next.typ, ItemType::Assign | ItemType::Declare) {
                    pipe.is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    pipe.decl.push(new_variable(v.pos, &v.val));
                    self.vars.push(v.val.clone());
                } else if next.typ == ItemType::Char && next.val == "," {
                    self.next_non_space();
                    pipe.decl.push(new_variable(v.pos, &v.val));
                    self.vars.push(v.val.clone());
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().typ {
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => continue 'decls,
                            _ => return self.errorf("range can only initialize variables"),
                        }
                    }
                    return self.errorf(format!("too many declarations in {context}"));
                } else if after.typ == ItemType::Space {
                    self.backup3(v, after);
                } else {
                    self.backup2(v);
                }
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            if token.typ == end {
                self.check_pipeline(&pipe, context)?;
                return Ok(pipe);
            }
            match token.typ {
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let c = self.command()?;
                    pipe.cmds.push(c);
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return self.errorf(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(
                    Operand::Bool { .. }
                        | Operand::Dot { .. }
                        | Operand::Nil { .. }
                        | Operand::Number { .. }
                        | Operand::String { .. }
                )
            ) {
                return self.errorf(format!("non executable command in pipeline stage {}", i + 1));
            }
        }
        Ok(())
    }

    fn parse_control(&mut self, context: &str) -> PResult<Branch> {
        self.enter()?;
        let saved = self.vars.len();
        let r = self.parse_control_inner(context);
        self.vars.truncate(saved);
        self.depth -= 1;
        r
    }

    fn parse_control_inner(&mut self, context: &str) -> PResult<Branch> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let mut else_list = None;
        if let Parsed::Else = next {
            if context == "if" && self.peek().typ == ItemType::If {
                self.next();
                else_list = Some(vec![self.if_control()?]);
            } else if context == "with" && self.peek().typ == ItemType::With {
                self.next();
                else_list = Some(vec![self.with_control()?]);
            } else {
                let (l, next) = self.item_list()?;
                if !matches!(next, Parsed::End) {
                    return self.errorf(format!("expected end; found {}", parsed_string(&next)));
                }
                else_list = Some(l);
            }
        }
        Ok(Branch { pos: pipe.pos, pipe, list, else_list })
    }

    fn if_control(&mut self) -> PResult<Node> {
        Ok(Node::If(self.parse_control("if")?))
    }

    fn with_control(&mut self) -> PResult<Node> {
        Ok(Node::With(self.parse_control("with")?))
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        if matches!(peek.typ, ItemType::If | ItemType::With) {
            return Ok(Parsed::Else);
        }
        self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else)
    }

    fn block_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, ItemType::RightDelim)?;
        self.enter()?;
        let body = self.nested(|p| {
            let (root, end) = p.item_list()?;
            if !matches!(end, Parsed::End) {
                return p.errorf(format!("unexpected {} in {}", parsed_string(&end), CONTEXT));
            }
            p.add(&name, root)
        });
        self.depth -= 1;
        body?;
        Ok(Node::Template { pos: token.pos, name, pipe: Some(pipe) })
    }

    fn template_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, CONTEXT)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(CONTEXT, ItemType::RightDelim)?);
        }
        Ok(Node::Template { pos: token.pos, name, pipe })
    }

    fn parse_template_name(&self, token: &Item, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => match unquote(&token.val) {
                Some(s) => Ok(s),
                None => self.errorf("invalid syntax"),
            },
            _ => self.unexpected(token, context),
        }
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command { pos, args: Vec::new() };
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                cmd.args.push(op);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.errorf("empty command");
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Operand>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        let pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().typ == ItemType::Field {
            let f = self.next();
            fields.push(f.val.get(1..).unwrap_or("").to_string());
        }
        Ok(Some(match node {
            Operand::Field { ident, .. } => Operand::Field { pos, ident: ident.into_iter().chain(fields).collect() },
            Operand::Variable(v) => {
                Operand::Variable(Variable { pos, ident: v.ident.into_iter().chain(fields).collect() })
            }
            Operand::Bool { .. }
            | Operand::String { .. }
            | Operand::Number { .. }
            | Operand::Nil { .. }
            | Operand::Dot { .. } => {
                return self.errorf(format!("unexpected . after term {}", quote(&node.to_string())));
            }
            other => Operand::Chain { pos, node: Box::new(other), fields },
        }))
    }

    fn term(&mut self) -> PResult<Option<Operand>> {
        let token = self.next_non_space();
        let pos = token.pos;
        Ok(Some(match token.typ {
            ItemType::Identifier => {
                if !(self.has_func)(&token.val) {
                    return self.errorf_at(&token, format!("function {} not defined", quote(&token.val)));
                }
                Operand::Identifier { pos, name: token.val }
            }
            ItemType::Dot => Operand::Dot { pos },
            ItemType::Nil => Operand::Nil { pos },
            ItemType::Variable => {
                let v = new_variable(pos, &token.val);
                if !v.ident.first().is_some_and(|name| self.vars.contains(name)) {
                    let name = v.ident.first().cloned().unwrap_or_default();
                    return self.errorf_at(&token, format!("undefined variable {}", quote(&name)));
                }
                Operand::Variable(v)
            }
            ItemType::Field => Operand::Field { pos, ident: split_field(&token.val) },
            ItemType::Bool => Operand::Bool { pos, value: token.val == "true" },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => match new_number(&token.val, token.typ) {
                Ok(num) => Operand::Number { pos, num },
                Err(e) => return self.errorf_at(&token, e),
            },
            ItemType::LeftParen => {
                self.enter()?;
                let p = self.pipeline("parenthesized pipeline", ItemType::RightParen);
                self.depth -= 1;
                Operand::Pipe(Box::new(p?))
            }
            ItemType::String | ItemType::RawString => match unquote(&token.val) {
                Some(text) => Operand::String { pos, quoted: token.val, text },
                None => return self.errorf_at(&token, "invalid syntax"),
            },
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

fn new_variable(pos: usize, ident: &str) -> Variable {
    Variable { pos, ident: ident.split('.').map(str::to_string).collect() }
}

fn split_field(val: &str) -> Vec<String> {
    val.get(1..).unwrap_or("").split('.').map(str::to_string).collect()
}

const TWO63: f64 = 9_223_372_036_854_775_808.0;

fn float_is_int(f: f64) -> bool {
    (-TWO63..TWO63).contains(&f) && f.trunc() == f
}

fn float_is_uint(f: f64) -> bool {
    (0.0..2.0 * TWO63).contains(&f) && f.trunc() == f
}

/// Go's `parse.newNumber`.
fn new_number(text: &str, typ: ItemType) -> Result<Number, String> {
    let mut n = Number { text: text.to_string(), int: None, uint: None, float: None, complex: None };
    if typ == ItemType::CharConstant {
        let inner = text.get(1..).unwrap_or("");
        let Some((r, _, tail)) = unquote_char(inner, b'\'') else {
            return Err("invalid syntax".into());
        };
        if tail != "'" {
            return Err(format!("malformed character constant: {text}"));
        }
        n.int = Some(i64::from(r));
        n.uint = Some(u64::from(r));
        n.float = Some(f64::from(r));
        return Ok(n);
    }
    if typ == ItemType::Complex {
        return complex_number(n);
    }
    if let Some(im) = text.strip_suffix('i') {
        if let Ok(f) = parse_float(im) {
            n.complex = Some((0.0, f));
            if f == 0.0 {
                n.float = Some(0.0);
                n.int = Some(0);
                n.uint = Some(0);
            }
            return Ok(n);
        }
    }
    let u = parse_uint(text);
    if let Some(u) = u {
        n.uint = Some(u);
    }
    if let Some(i) = parse_int(text) {
        n.int = Some(i);
        if i == 0 {
            n.uint = Some(u.unwrap_or(0));
        }
    }
    if let Some(i) = n.int {
        n.float = Some(i as f64);
    } else if let Some(u) = n.uint {
        n.float = Some(u as f64);
    } else if let Ok(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", quote(text)));
        }
        n.float = Some(f);
        if n.int.is_none() && float_is_int(f) {
            n.int = Some(f as i64);
        }
        if n.uint.is_none() && float_is_uint(f) {
            n.uint = Some(f as u64);
        }
    }
    if n.int.is_none() && n.uint.is_none() && n.float.is_none() {
        return Err(format!("illegal number syntax: {}", quote(text)));
    }
    Ok(n)
}

/// `a+bi` literals (Go scans them with `fmt.Sscan`); a zero imaginary part leaves a real number.
fn complex_number(mut n: Number) -> Result<Number, String> {
    let text = n.text.clone();
    let body = text.strip_suffix('i').unwrap_or(&text);
    let split = body
        .char_indices()
        .skip(1)
        .filter(|&(i, c)| {
            (c == '+' || c == '-') && !matches!(body.as_bytes().get(i - 1), Some(b'e' | b'E' | b'p' | b'P'))
        })
        .map(|(i, _)| i)
        .last();
    let (re, im) = match split {
        Some(i) => (&body[..i], &body[i..]),
        None => return Err(format!("illegal number syntax: {}", quote(&text))),
    };
    let re = parse_float(re).map_err(|_| format!("illegal number syntax: {}", quote(&text)))?;
    let im = parse_float(im).map_err(|_| format!("illegal number syntax: {}", quote(&text)))?;
    n.complex = Some((re, im));
    if im == 0.0 {
        n.float = Some(re);
        if float_is_int(re) {
            n.int = Some(re as i64);
        }
        if float_is_uint(re) {
            n.uint = Some(re as u64);
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        let funcs = |n: &str| matches!(n, "printf" | "len" | "query" | "first");
        match parse("t", text, &funcs) {
            Ok(_) => String::new(),
            Err(e) => e.message,
        }
    }

    #[test]
    fn go_parse_errors() {
        // Each message confirmed with promtool 3.5.3 (as `template: __alert_X:...`).
        let cases = [
            ("{{ now }}", "template: t:1: function \"now\" not defined"),
            ("{{ .x ", "template: t:1: unclosed action"),
            ("line1\nline2 {{ if }}", "template: t:2: missing value for if"),
            ("{{ end }}", "template: t:1: unexpected {{end}}"),
            ("{{ if 1 }}", "template: t:1: unexpected EOF"),
            ("{{ $x }}", "template: t:1: undefined variable \"$x\""),
            ("{{ 1 | 2 }}", "template: t:1: non executable command in pipeline stage 2"),
            ("{{ \"abc }}", "template: t:1: unterminated quoted string"),
            ("{{ ) }}", "template: t:1: unexpected right paren"),
            ("{{ (1 }}", "template: t:1: unclosed left paren"),
            ("{{/* c */ }}", "template: t:1: comment ends before closing delimiter"),
            ("{{ break }}", "template: t:1: {{break}} outside {{range}}"),
            ("{{ .a.b. }}", "template: t:1: unexpected <.> in operand"),
            ("{{ 3x }}", "template: t:1: bad number syntax: \"3x\""),
            ("{{ 'ab' }}", "template: t:1: malformed character constant: 'ab'"),
            ("{{ else }}", "template: t:1: unexpected {{else}}"),
            (
                "{{ define \"x\" }}a{{ end }}{{ define \"x\" }}b{{ end }}",
                "template: t:1: template: multiple definition of template \"x\"",
            ),
            ("{{ 99999999999999999999 }}", "template: t:1: integer overflow: \"99999999999999999999\""),
            ("{{\n.x\n\n", "template: t:4: unclosed action started at t:1"),
            ("a\n{{ $y := 1 }}\n{{ if $z }}{{end}}", "template: t:3: undefined variable \"$z\""),
            ("{{ ^ }}", "template: t:1: unexpected \"^\" in command"),
            ("{{ é }}", "template: t:1: function \"é\" not defined"),
            ("{{ $x := 1 }}{{ $x = 2 }}{{ $y = 3 }}", ""),
            ("{{ 089 }}", "template: t:1: integer overflow: \"089\""),
            ("{{ 1__0 }}", "template: t:1: illegal number syntax: \"1__0\""),
            ("{{ 0x }}", "template: t:1: illegal number syntax: \"0x\""),
            ("{{ 1+2i }}", ""),
            ("{{ 2i }}", ""),
            ("{{ \"\\q\" }}", "template: t:1: invalid syntax"),
            ("{{ \"\\x80\" }}", ""),
            ("{{ 18446744073709551615 }}", ""),
            ("{{ -9223372036854775808 }}", ""),
            ("{{ 1e400 }}", "template: t:1: illegal number syntax: \"1e400\""),
            ("{{ . . }}", ""),
            ("{{ 1.x }}", "template: t:1: bad number syntax: \"1.x\""),
            ("{{ \"a\".x }}", "template: t:1: unexpected . after term \"\\\"a\\\"\""),
            ("{{ ..x }}", "template: t:1: unexpected . after term \".\""),
            ("{{ $.x }}", ""),
            ("{{ (1).x }}", ""),
        ];
        for (text, want) in cases {
            assert_eq!(err(text), want, "{text:?}");
        }
    }

    #[test]
    fn error_span_points_at_token() {
        let funcs = |_: &str| false;
        let e = parse("t", "ab {{ nosuch 1 }}", &funcs).err();
        assert_eq!(e.map(|e| (e.pos, e.end)), Some((6, 12)));
    }

    #[test]
    fn nesting_is_bounded() {
        let funcs = |_: &str| false;
        let deep = format!("{{{{ {}1{} }}}}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        assert_eq!(
            parse("t", &deep, &funcs).err().map(|e| e.message),
            Some("template: t:1: max expression depth exceeded".into())
        );
        let ifs = format!("{}{}", "{{if 1}}".repeat(MAX_DEPTH + 1), "{{end}}".repeat(MAX_DEPTH + 1));
        assert!(parse("t", &ifs, &funcs).is_err());
        let ok = format!("{}{}", "{{if 1}}".repeat(MAX_DEPTH - 1), "{{end}}".repeat(MAX_DEPTH - 1));
        assert!(parse("t", &ok, &funcs).is_ok());
    }

    #[test]
    fn positions_of_merged_field_chains() {
        let funcs = |_: &str| false;
        let trees = parse("t", "{{ .Labels.instance }}", &funcs).unwrap_or_default();
        let Some([Node::Action { pipe, .. }]) = trees.get("t").map(Vec::as_slice) else {
            panic!("unexpected tree {trees:?}");
        };
        // Go gives the merged field the position of its second element.
        assert_eq!(pipe.cmds[0].args[0].pos(), 10);
        assert_eq!(pipe.cmds[0].args[0].to_string(), ".Labels.instance");
    }
}
