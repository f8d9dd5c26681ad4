//! The PromQL lexer: a port of the state machine in Prometheus 3.5.3's `promql/parser/lex.go`.
//!
//! The lexer is stateful in the same odd ways as upstream's, because those quirks decide what parses:
//! inside `[...]` letters lex as `:` after the first duration (`foo[5m x]` is `foo[5m:]`), braces
//! switch to a separate state where keywords are plain identifiers, and an unbalanced `)` or an
//! unterminated string is a lexer error reported before any parser error. Tokens are pulled lazily
//! by the parser, as yacc does, so a lexer error is reported only when the parser reaches it.
//! The series-description states (used by promtool's test input) are not ported: that is a
//! different language handled elsewhere.

use super::ast::{AggregateOp, Span};
use crate::go::fmt::{quote_prefix, unicode_verb as unicode_format};
use crate::go::strconv::{quote, quote_rune};

/// Token types, named after upstream's `ItemType`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Eof,
    /// A lexer error; the message is in [`Lexer::error`].
    Error,
    Identifier,
    MetricIdentifier,
    Number,
    Duration,
    String,
    Comma,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Colon,
    /// `=` (label matching only)
    Eql,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    /// `==`
    Eqlc,
    Neq,
    Lss,
    Lte,
    Gtr,
    Gte,
    EqlRegex,
    NeqRegex,
    At,
    Atan2,
    Land,
    Lor,
    Lunless,
    Agg(AggregateOp),
    Bool,
    By,
    GroupLeft,
    GroupRight,
    Ignoring,
    Offset,
    On,
    Without,
    Start,
    End,
}

/// One token: its type and byte span in the input (the text is `&input[span]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: Tok,
    pub span: Span,
}

impl Token {
    pub fn text<'a>(&self, input: &'a str) -> &'a str {
        input.get(self.span.range()).unwrap_or("")
    }
}

/// Upstream's keyword table, looked up case-insensitively (`strings.ToLower`).
fn keyword(word: &str) -> Option<Tok> {
    if word.len() > 12 {
        return None;
    }
    let mut buf = [0u8; 12];
    let lower = &mut buf[..word.len()];
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    Some(match &*lower {
        b"and" => Tok::Land,
        b"or" => Tok::Lor,
        b"unless" => Tok::Lunless,
        b"atan2" => Tok::Atan2,
        b"sum" => Tok::Agg(AggregateOp::Sum),
        b"avg" => Tok::Agg(AggregateOp::Avg),
        b"count" => Tok::Agg(AggregateOp::Count),
        b"min" => Tok::Agg(AggregateOp::Min),
        b"max" => Tok::Agg(AggregateOp::Max),
        b"group" => Tok::Agg(AggregateOp::Group),
        b"stddev" => Tok::Agg(AggregateOp::Stddev),
        b"stdvar" => Tok::Agg(AggregateOp::Stdvar),
        b"topk" => Tok::Agg(AggregateOp::Topk),
        b"bottomk" => Tok::Agg(AggregateOp::Bottomk),
        b"count_values" => Tok::Agg(AggregateOp::CountValues),
        b"quantile" => Tok::Agg(AggregateOp::Quantile),
        b"limitk" => Tok::Agg(AggregateOp::Limitk),
        b"limit_ratio" => Tok::Agg(AggregateOp::LimitRatio),
        b"offset" => Tok::Offset,
        b"by" => Tok::By,
        b"without" => Tok::Without,
        b"on" => Tok::On,
        b"ignoring" => Tok::Ignoring,
        b"group_left" => Tok::GroupLeft,
        b"group_right" => Tok::GroupRight,
        b"bool" => Tok::Bool,
        b"start" => Tok::Start,
        b"end" => Tok::End,
        b"inf" | b"nan" => Tok::Number,
        _ => return None,
    })
}

impl Tok {
    fn is_keyword(self) -> bool {
        matches!(
            self,
            Tok::Bool
                | Tok::By
                | Tok::GroupLeft
                | Tok::GroupRight
                | Tok::Ignoring
                | Tok::Offset
                | Tok::On
                | Tok::Without
        )
    }

    fn is_operator(self) -> bool {
        matches!(
            self,
            Tok::Add
                | Tok::Div
                | Tok::Eqlc
                | Tok::EqlRegex
                | Tok::Gte
                | Tok::Gtr
                | Tok::Land
                | Tok::Lor
                | Tok::Lss
                | Tok::Lte
                | Tok::Lunless
                | Tok::Mod
                | Tok::Mul
                | Tok::Neq
                | Tok::NeqRegex
                | Tok::Pow
                | Tok::Sub
                | Tok::At
                | Tok::Atan2
        )
    }
}

/// Upstream's `Item.desc()`: how an unexpected token is named in `unexpected ...` messages.
pub fn describe(tok: Token, input: &str) -> String {
    let val = tok.text(input);
    match tok.kind {
        Tok::Eof => "end of input".to_string(),
        Tok::Error => val.to_string(),
        Tok::Identifier => format!("identifier {}", quote(val)),
        Tok::MetricIdentifier => format!("metric identifier {}", quote(val)),
        Tok::Number => format!("number {}", quote_item(val)),
        Tok::Duration => format!("duration {}", quote_item(val)),
        Tok::String => format!("string {}", quote_item(val)),
        // `@` is an operator without an entry in upstream's ItemTypeStr table, so its type prints
        // as its raw number (57400 in 3.5.3's generated parser).
        Tok::At => "\"<Item 57400>\" <op:@>".to_string(),
        k if k.is_keyword() => format!("<{val}>"),
        k if k.is_operator() => format!("<op:{val}>"),
        Tok::Agg(_) => format!("<aggr:{val}>"),
        _ => quote_item(val),
    }
}

/// `Item.String()` for items without a special form: `%q`, truncated past 10 bytes.
fn quote_item(val: &str) -> String {
    if val.len() > 10 { format!("{}...", quote_prefix(val, 10)) } else { quote(val) }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Statements,
    InsideBraces,
    DurationExpr,
    Done,
}

/// The lexer. Call [`Lexer::next_token`] until it returns `Eof` or `Error`.
pub struct Lexer<'a> {
    input: &'a str,
    b: &'a [u8],
    pos: usize,
    start: usize,
    state: State,
    paren_depth: i32,
    brace_open: bool,
    bracket_open: bool,
    got_colon: bool,
    got_duration: bool,
    /// Width of the character `accept_remaining_duration` read past the duration.
    last_width: usize,
    /// The message of the last `Error` token.
    pub error: String,
    /// Where upstream's message places the last error (its lexer's item start), which differs
    /// from the `Error` token's span when a token was emitted just before the error.
    pub error_pos: u32,
}

const NO_CHAR: u8 = 0;

/// What Go's `%q` prints for the lexer's end-of-input rune (-1): the replacement character.
const EOF_RUNE: char = '\u{FFFD}';

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}
fn is_alpha(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic()
}
fn is_alnum(c: u8) -> bool {
    is_alpha(c) || c.is_ascii_digit()
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str) -> Self {
        Lexer {
            input,
            b: input.as_bytes(),
            pos: 0,
            start: 0,
            state: State::Statements,
            paren_depth: 0,
            brace_open: false,
            bracket_open: false,
            got_colon: false,
            got_duration: false,
            last_width: 0,
            error: String::new(),
            error_pos: 0,
        }
    }

    /// The byte at `pos`, or 0 at the end (0 never matches any pattern the lexer tests).
    fn peek(&self) -> u8 {
        self.b.get(self.pos).copied().unwrap_or(NO_CHAR)
    }
    fn at_eof(&self) -> bool {
        self.pos >= self.b.len()
    }
    /// The full character at `pos` (for messages and string bodies).
    fn peek_char(&self) -> Option<char> {
        self.input.get(self.pos..).and_then(|s| s.chars().next())
    }
    fn accept(&mut self, valid: &[u8]) -> bool {
        if !self.at_eof() && valid.contains(&self.peek()) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn is(&self, valid: &[u8]) -> bool {
        !self.at_eof() && valid.contains(&self.peek())
    }
    fn accept_run(&mut self, valid: &[u8]) {
        while self.accept(valid) {}
    }
    fn emit(&mut self, kind: Tok) -> Token {
        let t = Token { kind, span: Span::new(self.start as u32, self.pos as u32) };
        self.start = self.pos;
        t
    }
    /// An error at the pending item: upstream's message names the item's start; the token spans
    /// what was read of the item (empty at the end of the input).
    fn errorf(&mut self, msg: String) -> Token {
        self.error = msg;
        self.error_pos = self.start as u32;
        self.state = State::Done;
        Token { kind: Tok::Error, span: Span::new(self.start as u32, self.pos.max(self.start) as u32) }
    }

    /// An error about `tok`, emitted just before: upstream's message names the position after it
    /// (its next item's start), the span is the token's.
    fn error_after(&mut self, tok: Token, msg: String) -> Token {
        let mut t = self.errorf(msg);
        t.span = tok.span;
        t
    }

    /// The next token, skipping comments.
    pub fn next_token(&mut self) -> Token {
        loop {
            let t = match self.state {
                State::Done => {
                    // Upstream's lexer keeps emitting EOF once its state is nil.
                    self.start = self.pos;
                    return self.emit(Tok::Eof);
                }
                State::Statements => self.lex_statements(),
                State::InsideBraces => self.lex_inside_braces(),
                State::DurationExpr => self.lex_duration_expr(),
            };
            if let Some(t) = t {
                return t;
            }
        }
    }

    fn skip_spaces(&mut self) {
        while !self.at_eof() && is_space(self.peek()) {
            self.pos += 1;
        }
        self.start = self.pos;
    }

    /// `lexLineComment`; the `#` is at `pos`. Comments are not returned to the parser.
    fn skip_comment(&mut self) {
        self.pos += 1;
        while !self.at_eof() && !matches!(self.peek(), b'\r' | b'\n') {
            self.pos += self.peek_char().map_or(1, char::len_utf8);
        }
        self.start = self.pos;
    }

    fn lex_statements(&mut self) -> Option<Token> {
        if self.brace_open {
            self.state = State::InsideBraces;
            return None;
        }
        if self.peek() == b'#' {
            self.skip_comment();
            return None;
        }
        if self.at_eof() {
            if self.paren_depth != 0 {
                return Some(self.errorf("unclosed left parenthesis".into()));
            }
            if self.bracket_open {
                return Some(self.errorf("unclosed left bracket".into()));
            }
            let t = self.emit(Tok::Eof);
            self.state = State::Done;
            return Some(t);
        }
        let r = self.peek();
        if !r.is_ascii() {
            let c = self.peek_char().unwrap_or('\u{FFFD}');
            self.pos += c.len_utf8();
            return Some(self.errorf(format!("unexpected character: {}", quote_rune(c))));
        }
        self.pos += 1;
        let kind = match r {
            b',' => Tok::Comma,
            c if is_space(c) => {
                self.skip_spaces();
                return None;
            }
            b'*' => Tok::Mul,
            b'/' => Tok::Div,
            b'%' => Tok::Mod,
            b'+' => Tok::Add,
            b'-' => Tok::Sub,
            b'^' => Tok::Pow,
            b'=' => match self.peek() {
                b'=' => {
                    self.pos += 1;
                    Tok::Eqlc
                }
                b'~' => {
                    let mut t = self.errorf("unexpected character after '=': '~'".into());
                    t.span.end += 1;
                    return Some(t);
                }
                _ => Tok::Eql,
            },
            b'!' => {
                if self.peek() == b'=' {
                    self.pos += 1;
                    Tok::Neq
                } else {
                    let t = self.peek_char();
                    if let Some(c) = t {
                        self.pos += c.len_utf8();
                    }
                    let shown = quote_rune(t.unwrap_or(EOF_RUNE));
                    return Some(self.errorf(format!("unexpected character after '!': {shown}")));
                }
            }
            b'<' => {
                if self.accept(b"=") {
                    Tok::Lte
                } else {
                    Tok::Lss
                }
            }
            b'>' => {
                if self.accept(b"=") {
                    Tok::Gte
                } else {
                    Tok::Gtr
                }
            }
            c if c.is_ascii_digit() || (c == b'.' && self.peek().is_ascii_digit()) => {
                self.pos -= 1;
                return Some(self.lex_number_or_duration());
            }
            b'"' | b'\'' => return Some(self.lex_string(r)),
            b'`' => return Some(self.lex_raw_string()),
            c if is_alpha(c) || c == b':' => {
                if !self.bracket_open {
                    self.pos -= 1;
                    return Some(self.lex_keyword_or_identifier());
                }
                if self.got_colon {
                    return Some(self.errorf(format!("unexpected colon {}", quote_rune(c as char))));
                }
                self.got_colon = true;
                Tok::Colon
            }
            b'(' => {
                self.paren_depth += 1;
                Tok::LParen
            }
            b')' => {
                let t = self.emit(Tok::RParen);
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    // Upstream emits the token and then errors (positioned after it); the parser
                    // sees only the error.
                    return Some(self.error_after(t, "unexpected right parenthesis ')'".into()));
                }
                return Some(t);
            }
            b'{' => {
                self.brace_open = true;
                self.state = State::InsideBraces;
                Tok::LBrace
            }
            b'[' => {
                if self.bracket_open {
                    return Some(self.errorf("unexpected left bracket '['".into()));
                }
                self.got_colon = false;
                let t = self.emit(Tok::LBracket);
                self.skip_spaces();
                self.bracket_open = true;
                self.state = State::DurationExpr;
                return Some(t);
            }
            b']' => {
                if !self.bracket_open {
                    return Some(self.errorf("unexpected right bracket ']'".into()));
                }
                self.bracket_open = false;
                Tok::RBracket
            }
            b'@' => Tok::At,
            c => return Some(self.errorf(format!("unexpected character: {}", quote_rune(c as char)))),
        };
        Some(self.emit(kind))
    }

    fn lex_inside_braces(&mut self) -> Option<Token> {
        if self.peek() == b'#' {
            self.skip_comment();
            return None;
        }
        if self.at_eof() {
            return Some(self.errorf("unexpected end of input inside braces".into()));
        }
        let r = self.peek();
        if !r.is_ascii() {
            let c = self.peek_char().unwrap_or('\u{FFFD}');
            self.pos += c.len_utf8();
            return Some(self.errorf(format!("unexpected character inside braces: {}", quote_rune(c))));
        }
        self.pos += 1;
        let kind = match r {
            c if is_space(c) => {
                self.skip_spaces();
                return None;
            }
            c if is_alpha(c) => {
                while is_alnum(self.peek()) && !self.at_eof() {
                    self.pos += 1;
                }
                Tok::Identifier
            }
            b',' => Tok::Comma,
            b'"' | b'\'' => return Some(self.lex_string(r)),
            b'`' => return Some(self.lex_raw_string()),
            b'=' => {
                if self.accept(b"~") {
                    Tok::EqlRegex
                } else {
                    Tok::Eql
                }
            }
            b'!' => match self.peek() {
                b'~' => {
                    self.pos += 1;
                    Tok::NeqRegex
                }
                b'=' => {
                    self.pos += 1;
                    Tok::Neq
                }
                _ => {
                    let t = self.peek_char();
                    if let Some(c) = t {
                        self.pos += c.len_utf8();
                    }
                    let shown = quote_rune(t.unwrap_or(EOF_RUNE));
                    return Some(self.errorf(format!("unexpected character after '!' inside braces: {shown}")));
                }
            },
            b'{' => return Some(self.errorf("unexpected left brace '{'".into())),
            b'}' => {
                self.brace_open = false;
                self.state = State::Statements;
                Tok::RBrace
            }
            c => return Some(self.errorf(format!("unexpected character inside braces: {}", quote_rune(c as char)))),
        };
        Some(self.emit(kind))
    }

    fn lex_duration_expr(&mut self) -> Option<Token> {
        if self.at_eof() {
            return Some(self.errorf("unexpected end of input in duration expression".into()));
        }
        let r = self.peek();
        if !r.is_ascii() {
            let c = self.peek_char().unwrap_or('\u{FFFD}');
            self.pos += c.len_utf8();
            return Some(self.errorf(format!("unexpected character in duration expression: {}", quote_rune(c))));
        }
        self.pos += 1;
        let kind = match r {
            b']' => {
                self.bracket_open = false;
                self.got_colon = false;
                self.state = State::Statements;
                Tok::RBracket
            }
            b':' => {
                let t = self.emit(Tok::Colon);
                if !self.got_duration {
                    return Some(self.error_after(t, "unexpected colon before duration in duration expression".into()));
                }
                if self.got_colon {
                    return Some(self.error_after(t, "unexpected repeated colon in duration expression".into()));
                }
                self.got_colon = true;
                return Some(t);
            }
            b'(' => {
                self.paren_depth += 1;
                Tok::LParen
            }
            b')' => {
                let t = self.emit(Tok::RParen);
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return Some(self.error_after(t, "unexpected right parenthesis ')'".into()));
                }
                return Some(t);
            }
            c if is_space(c) => {
                self.skip_spaces();
                return None;
            }
            b'+' => Tok::Add,
            b'-' => Tok::Sub,
            b'*' => Tok::Mul,
            b'/' => Tok::Div,
            b'%' => Tok::Mod,
            b'^' => Tok::Pow,
            c if c.is_ascii_digit() || (c == b'.' && self.peek().is_ascii_digit()) => {
                self.pos -= 1;
                self.got_duration = true;
                self.state = State::Statements;
                return Some(self.lex_number_or_duration());
            }
            c => {
                return Some(
                    self.errorf(format!("unexpected character in duration expression: {}", quote_rune(c as char))),
                );
            }
        };
        Some(self.emit(kind))
    }

    /// `lexNumberOrDuration`: returns to the statements state, as upstream does even inside brackets.
    fn lex_number_or_duration(&mut self) -> Token {
        self.state = State::Statements;
        if self.scan_number() {
            return self.emit(Tok::Number);
        }
        if self.accept_remaining_duration() {
            // Upstream backs up the character that ended the duration.
            self.pos -= self.last_width;
            return self.emit(Tok::Duration);
        }
        let text = self.input.get(self.start..self.pos).unwrap_or("");
        let msg = format!("bad number or duration syntax: {}", quote(text));
        self.errorf(msg)
    }

    fn accept_remaining_duration(&mut self) -> bool {
        self.last_width = 0;
        if !self.accept(b"smhdwy") {
            return false;
        }
        self.accept(b"s");
        while self.accept(b"0123456789") {
            while self.accept(b"0123456789") {}
            if !self.accept(b"smhdw") {
                return false;
            }
            self.accept(b"s");
        }
        // `!isAlphaNumeric(l.next())`: consumes one character (or nothing at the end).
        if self.at_eof() {
            return true;
        }
        let c = self.peek_char().unwrap_or('\u{FFFD}');
        self.last_width = c.len_utf8();
        self.pos += self.last_width;
        !(c.is_ascii() && is_alnum(c as u8))
    }

    /// `scanNumber`: true when a well-formed number ends here. May consume characters either way.
    fn scan_number(&mut self) -> bool {
        const DEC: &[u8] = b"0123456789";
        const HEX: &[u8] = b"0123456789abcdefABCDEF";
        let initial = self.pos;
        let mut digits = DEC;
        if self.accept(b"0") && self.accept(b"xX") {
            self.accept(b"_");
            digits = HEX;
        }
        self.accept(b".");
        self.accept(digits);
        let mut dot = false;
        let mut exp = false;
        while self.is(digits) || self.is(b"._eE") {
            if self.is(b".") && dot {
                self.accept(b".");
                return false;
            }
            if self.is(b"eE") && exp {
                self.accept(b"eE");
                return false;
            }
            if self.accept(b".") {
                dot = true;
                if self.accept(b"_.") {
                    return false;
                }
                if digits.len() > 10 {
                    return false;
                }
                continue;
            }
            if self.accept(b"eE") {
                exp = true;
                self.accept(b"+-");
                if self.accept(b"._eE") || self.at_eof() {
                    return false;
                }
                continue;
            }
            if self.accept(b"_") {
                if self.accept(b"._eE") || self.at_eof() {
                    return false;
                }
                continue;
            }
            self.accept_run(digits);
        }
        if self.pos == initial {
            return false;
        }
        !is_alnum(self.peek()) || self.at_eof()
    }

    fn lex_keyword_or_identifier(&mut self) -> Token {
        while !self.at_eof() && (is_alnum(self.peek()) || self.peek() == b':') {
            self.pos += 1;
        }
        let word = self.input.get(self.start..self.pos).unwrap_or("");
        let kind = match keyword(word) {
            Some(k) => k,
            None if !word.contains(':') => Tok::Identifier,
            None => Tok::MetricIdentifier,
        };
        self.emit(kind)
    }

    /// `lexString` plus `lexEscape`; the opening quote has been consumed.
    fn lex_string(&mut self, quote_char: u8) -> Token {
        loop {
            let Some(c) = self.peek_char() else {
                return self.errorf("unterminated quoted string".into());
            };
            self.pos += c.len_utf8();
            match c {
                '\\' => {
                    if let Some(msg) = self.lex_escape(quote_char) {
                        return self.errorf(msg);
                    }
                }
                // A literal U+FFFD decodes like an invalid byte in Go.
                '\u{FFFD}' => return self.errorf("invalid UTF-8 rune".into()),
                '\n' => return self.errorf("unterminated quoted string".into()),
                c if c as u32 == u32::from(quote_char) => break,
                _ => {}
            }
        }
        self.emit(Tok::String)
    }

    /// `lexEscape`: validates one escape sequence after a backslash; returns the error, if any.
    fn lex_escape(&mut self, quote_char: u8) -> Option<String> {
        let next = |l: &mut Self| -> Option<char> {
            let c = l.peek_char()?;
            l.pos += c.len_utf8();
            Some(c)
        };
        let Some(ch) = next(self) else {
            return Some("escape sequence not terminated".into());
        };
        let (mut n, base, max): (u32, u32, u32) = match ch {
            'a' | 'b' | 'f' | 'n' | 'r' | 't' | 'v' | '\\' => return None,
            c if c as u32 == u32::from(quote_char) => return None,
            '0'..='7' => (3, 8, 255),
            'x' => (2, 16, 255),
            'u' => (4, 16, 0x10FFFF),
            'U' => (8, 16, 0x10FFFF),
            c => return Some(format!("unknown escape sequence {}", unicode_format(c))),
        };
        let mut cur = if matches!(ch, 'x' | 'u' | 'U') { next(self) } else { Some(ch) };
        let mut x: u32 = 0;
        while n > 0 {
            let Some(c) = cur else {
                return Some("escape sequence not terminated".into());
            };
            let d = c.to_digit(16).filter(|_| c.is_ascii()).unwrap_or(16);
            if d >= base {
                return Some(format!("illegal character {} in escape sequence", unicode_format(c)));
            }
            x = x * base + d;
            n -= 1;
            if n > 0 {
                cur = next(self);
            }
        }
        if x > max || (0xD800..0xE000).contains(&x) {
            return Some("escape sequence is an invalid Unicode code point".into());
        }
        None
    }

    fn lex_raw_string(&mut self) -> Token {
        loop {
            let Some(c) = self.peek_char() else {
                return self.errorf("unterminated raw string".into());
            };
            self.pos += c.len_utf8();
            match c {
                '\u{FFFD}' => return self.errorf("invalid UTF-8 rune".into()),
                '`' => break,
                _ => {}
            }
        }
        self.emit(Tok::String)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// All tokens up to EOF as (kind, text), or the lexer error.
    fn lex(input: &str) -> Result<Vec<(Tok, &str)>, (String, Span)> {
        let mut l = Lexer::new(input);
        let mut out = Vec::new();
        loop {
            let t = l.next_token();
            match t.kind {
                Tok::Eof => return Ok(out),
                Tok::Error => return Err((l.error.clone(), t.span)),
                k => out.push((k, t.text(input))),
            }
        }
    }

    #[test]
    fn tokens_and_spans() {
        let q = r#"sum by (job) (rate(http_requests_total{code=~"5.."}[5m] offset 1h)) > bool 0.5 # note"#;
        let toks = lex(q).expect("lexes");
        let kinds: Vec<Tok> = toks.iter().map(|t| t.0).collect();
        assert_eq!(
            kinds,
            [
                Tok::Agg(AggregateOp::Sum),
                Tok::By,
                Tok::LParen,
                Tok::Identifier,
                Tok::RParen,
                Tok::LParen,
                Tok::Identifier,
                Tok::LParen,
                Tok::Identifier,
                Tok::LBrace,
                Tok::Identifier,
                Tok::EqlRegex,
                Tok::String,
                Tok::RBrace,
                Tok::LBracket,
                Tok::Duration,
                Tok::RBracket,
                Tok::Offset,
                Tok::Duration,
                Tok::RParen,
                Tok::RParen,
                Tok::Gtr,
                Tok::Bool,
                Tok::Number,
            ]
        );
        assert_eq!(toks[8].1, "http_requests_total");
        assert_eq!(toks[12].1, r#""5..""#);
        let mut l = Lexer::new(q);
        let first = l.next_token();
        assert_eq!(first.span, Span::new(0, 3));
    }

    #[test]
    fn keywords_are_case_insensitive_but_not_inside_braces() {
        let toks = lex("SUM BY Offset AND inf NaN start{by='x', offset=\"y\"}").expect("lexes");
        let kinds: Vec<Tok> = toks.iter().map(|t| t.0).collect();
        assert_eq!(
            &kinds[..6],
            [Tok::Agg(AggregateOp::Sum), Tok::By, Tok::Offset, Tok::Land, Tok::Number, Tok::Number]
        );
        assert_eq!(kinds[6], Tok::Start);
        assert_eq!(kinds[8], Tok::Identifier, "keywords are plain identifiers inside braces");
        assert_eq!(lex("foo:bar").expect("lexes")[0].0, Tok::MetricIdentifier);
    }

    #[test]
    fn numbers_and_durations() {
        for (q, kind) in [
            ("1", Tok::Number),
            ("1_000", Tok::Number),
            ("0x1F", Tok::Number),
            ("0X_1f", Tok::Number),
            (".5", Tok::Number),
            ("5.", Tok::Number),
            ("1e-3", Tok::Number),
            ("5m", Tok::Duration),
            ("1h30m", Tok::Duration),
            ("1s500ms", Tok::Duration),
            ("1.5h", Tok::Duration),
        ] {
            assert_eq!(lex(q).expect(q), [(kind, q)], "{q}");
        }
        for (q, msg) in [
            ("5mm", r#"bad number or duration syntax: "5mm""#),
            ("0de", r#"bad number or duration syntax: "0de""#),
            ("1__0", r#"bad number or duration syntax: "1__""#),
            ("1.5.5", r#"bad number or duration syntax: "1.5.""#),
            ("0x1.5", r#"bad number or duration syntax: "0x1.""#),
        ] {
            assert_eq!(lex(q).map_err(|e| e.0), Err(msg.to_string()), "{q}");
        }
    }

    #[test]
    fn brackets_have_their_own_state() {
        // After the first duration, letters in brackets lex as `:` (upstream's quirk).
        let kinds: Vec<Tok> = lex("foo[5m x]").expect("lexes").iter().map(|t| t.0).collect();
        assert_eq!(kinds, [Tok::Identifier, Tok::LBracket, Tok::Duration, Tok::Colon, Tok::RBracket]);
        assert_eq!(lex("foo[x]").map_err(|e| e.0), Err("unexpected character in duration expression: 'x'".into()));
        assert_eq!(
            lex("foo[:5m]").map_err(|e| e.0),
            Err("unexpected colon before duration in duration expression".into())
        );
        assert_eq!(lex("foo[5m").map_err(|e| e.0), Err("unclosed left bracket".into()));
        assert_eq!(lex("foo]").map_err(|e| e.0), Err("unexpected right bracket ']'".into()));
        assert_eq!(lex("foo !").map_err(|e| e.0), Err("unexpected character after '!': '\u{FFFD}'".into()));
    }

    #[test]
    fn strings_validate_go_escapes() {
        assert!(lex(r#""a\n\t\"\u00e9\x41\101""#).is_ok());
        assert!(lex(r"'it\'s'").is_ok());
        assert!(lex(r"`raw \q`").is_ok());
        for (q, msg) in [
            (r#""\q""#, "unknown escape sequence U+0071 'q'"),
            (r#""\'""#, "unknown escape sequence U+0027 '''"),
            (r#""\x4""#, "illegal character U+0022 '\"' in escape sequence"),
            (r#""\ud800""#, "escape sequence is an invalid Unicode code point"),
            (r#""abc"#, "unterminated quoted string"),
            ("`abc", "unterminated raw string"),
            ("\"\u{FFFD}\"", "invalid UTF-8 rune"),
        ] {
            assert_eq!(lex(q).map_err(|e| e.0), Err(msg.to_string()), "{q}");
        }
        // A lexer error spans what was read of the offending token (upstream's range runs to the
        // end of the input, but only its start shows in messages).
        assert_eq!(lex(r#"a + "\q" + b"#).map_err(|e| e.1), Err(Span::new(4, 7)));
    }

    #[test]
    fn describes_tokens_like_upstream() {
        let d = |q: &str| {
            let mut l = Lexer::new(q);
            describe(l.next_token(), q)
        };
        assert_eq!(d("foo"), r#"identifier "foo""#);
        assert_eq!(d("a:b"), r#"metric identifier "a:b""#);
        assert_eq!(d("5"), r#"number "5""#);
        assert_eq!(d("BY"), "<BY>");
        assert_eq!(d("Sum"), "<aggr:Sum>");
        assert_eq!(d("=="), "<op:==>");
        assert_eq!(d("start"), r#""start""#);
        assert_eq!(d(","), r#"",""#);
        assert_eq!(d(""), "end of input");
    }
}
