//! The series notation shared by promqltest `load` blocks, promqltest expectations and promtool
//! `input_series`: `metric{l="v"} 1+2x3 _ stale -2-1x4 {{schema:0 sum:5 count:4 buckets:[1 2 1]}}x2`.
//!
//! This is Prometheus's `parser.ParseSeriesDesc` (`generated_parser.y` `series_description`, `lex.go`
//! `lexValueSequence`), hand-written because the grammar is tiny and separate from PromQL proper:
//! - `a+bxN`/`a-bxN` give N+1 values computed by repeated float addition (`a += b`), not `a + i*b`;
//! - `vxN` gives N+1 copies, `_xN` N omitted slots, `stale` the stale marker; `stalexN` is an error;
//! - numbers are Go's `ParseInt(s, 0, 64)` then `ParseFloat` (`010` is 8, `1_000` is 1000), hex disabled;
//! - `Inf`/`NaN` in any case, with an optional sign.
//!
//! Expansion is bounded: a line asking for more than `max_points` slots is refused with an error instead of
//! allocating them (`1x1000000000000` would otherwise exhaust memory).

use crate::engine::value::{Labels, LabelsBuilder, METRIC_NAME, stale_nan};

/// Default bound on the slots one series line may expand to (about 3 years at 10 s).
pub const DEFAULT_MAX_POINTS: u64 = 10_000_000;

/// A native histogram literal (`{{...}}`). The engine does not evaluate native histograms; the literal is
/// kept so that inputs load and expectations can be recognised.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistogramLiteral {
    pub schema: i64,
    pub sum: f64,
    pub count: f64,
    pub zero_count: f64,
    pub zero_threshold: f64,
    pub buckets: Vec<f64>,
    pub offset: i64,
    pub negative_buckets: Vec<f64>,
    pub negative_offset: i64,
    pub custom_values: Vec<f64>,
    pub counter_reset_hint: String,
}

/// One slot of a series.
#[derive(Debug, Clone, PartialEq)]
pub enum SequenceValue {
    /// `_`: no sample at this slot.
    Omitted,
    Float(f64),
    Histogram(Box<HistogramLiteral>),
}

/// A parsed series line.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesDesc {
    pub labels: Labels,
    pub values: Vec<SequenceValue>,
}

/// A parse error at a byte offset of the line (Prometheus prints `line:col: parse error: <message>` with
/// `col = offset + 1`).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesError {
    pub message: String,
    pub offset: usize,
}

impl std::fmt::Display for SeriesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Parses `metric{labels} values` with the default expansion bound.
pub fn parse_series_desc(line: &str) -> Result<SeriesDesc, SeriesError> {
    parse_series_desc_limited(line, DEFAULT_MAX_POINTS)
}

/// Parses `metric{labels} values`, refusing lines that expand to more than `max_points` slots.
pub fn parse_series_desc_limited(line: &str, max_points: u64) -> Result<SeriesDesc, SeriesError> {
    let mut p = P { s: line.as_bytes(), src: line, pos: 0, max_points, produced: 0 };
    let labels = p.metric()?;
    let values = p.values()?;
    Ok(SeriesDesc { labels, values })
}

fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, SeriesError> {
    Err(SeriesError { message: message.into(), offset })
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

fn is_alpha(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic()
}

fn is_alnum(c: u8) -> bool {
    is_alpha(c) || c.is_ascii_digit()
}

/// Keywords that may not be a series' metric name (not in the grammar's `metric_identifier`).
const NOT_METRIC_NAMES: [&str; 8] = ["bool", "group_left", "group_right", "ignoring", "on", "atan2", "inf", "nan"];

struct P<'a> {
    s: &'a [u8],
    src: &'a str,
    pos: usize,
    max_points: u64,
    produced: u64,
}

impl P<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn peek_at(&self, k: usize) -> Option<u8> {
        self.s.get(self.pos + k).copied()
    }

    fn skip_spaces(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
        }
        self.pos > start
    }

    fn text(&self, a: usize, b: usize) -> &str {
        self.src.get(a..b).unwrap_or("")
    }

    fn metric(&mut self) -> Result<Labels, SeriesError> {
        self.skip_spaces();
        let mut b = LabelsBuilder::new(&Labels::empty());
        let mut name = None;
        if self.peek().is_some_and(is_alpha) || self.peek() == Some(b':') {
            let start = self.pos;
            while self.peek().is_some_and(|c| is_alnum(c) || c == b':') {
                self.pos += 1;
            }
            let word = self.text(start, self.pos);
            if NOT_METRIC_NAMES.contains(&word.to_ascii_lowercase().as_str()) {
                let what = if matches!(word.to_ascii_lowercase().as_str(), "inf" | "nan") {
                    format!("number {}", go_q(word))
                } else {
                    format!("<{word}>")
                };
                return err(start, format!("unexpected {what} in series values"));
            }
            name = Some(word.to_string());
        }
        if self.peek() == Some(b'{') && self.peek_at(1) != Some(b'{') {
            self.pos += 1;
            self.label_set(&mut b)?;
        }
        if let Some(n) = name {
            b.set(METRIC_NAME, &n);
        }
        Ok(b.labels())
    }

    fn label_set(&mut self, b: &mut LabelsBuilder) -> Result<(), SeriesError> {
        loop {
            self.skip_spaces();
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                None => return err(self.pos, "unexpected end of input inside braces"),
                _ => {}
            }
            let start = self.pos;
            let (lname, quoted) = if matches!(self.peek(), Some(b'"' | b'\'' | b'`')) {
                (self.string()?, true)
            } else if self.peek().is_some_and(is_alpha) {
                while self.peek().is_some_and(is_alnum) {
                    self.pos += 1;
                }
                (self.text(start, self.pos).to_string(), false)
            } else {
                return err(start, format!("unexpected character inside braces: {}", go_q_char(self.src, start)));
            };
            self.skip_spaces();
            if self.peek() == Some(b'=') && self.peek_at(1) != Some(b'~') {
                self.pos += 1;
                self.skip_spaces();
                if !matches!(self.peek(), Some(b'"' | b'\'' | b'`')) {
                    let w = self.word_at(self.pos);
                    return err(self.pos, format!("unexpected {w} in label set, expected string"));
                }
                let v = self.string()?;
                b.set(&lname, &v);
            } else if quoted {
                b.set(METRIC_NAME, &lname);
            } else {
                let w = self.word_at(self.pos);
                return err(self.pos, format!("unexpected {w} in label set, expected \"=\""));
            }
            self.skip_spaces();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                None => return err(self.pos, "unexpected end of input inside braces"),
                _ => {
                    let w = self.word_at(self.pos);
                    return err(self.pos, format!("unexpected {w} in label set, expected \",\" or \"}}\""));
                }
            }
        }
    }

    /// A description of the token at `at`, for error messages.
    fn word_at(&self, at: usize) -> String {
        let mut end = at;
        while self.s.get(end).is_some_and(|&c| is_alnum(c) || c == b':') {
            end += 1;
        }
        if end > at {
            let w = self.text(at, end);
            if w.as_bytes().first().is_some_and(|c| c.is_ascii_digit()) {
                return format!("number {}", go_q(w));
            }
            return format!("identifier {}", go_q(w));
        }
        match self.s.get(at) {
            None => "end of input".into(),
            Some(_) => format!("character {}", go_q_char(self.src, at)),
        }
    }

    /// The parse error for an unexpected token in a value sequence, named as Prometheus's series lexer
    /// tokenises it there: `+`/`-` are operators (`<op:->`), `x` and `_` their own tokens, characters
    /// it has no token for a lexer error of their own.
    fn unexpected_in_values(&self, at: usize) -> String {
        match self.s.get(at) {
            Some(b'+') => "unexpected <op:+> in series values".into(),
            Some(b'-') => "unexpected <op:-> in series values".into(),
            Some(b'x') => "unexpected \"x\" in series values".into(),
            Some(b'_') => "unexpected \"_\" in series values".into(),
            Some(&c)
                if !(c.is_ascii_digit()
                    || is_alpha(c)
                    || is_space(c)
                    || (c == b'.' && self.s.get(at + 1).is_some_and(u8::is_ascii_digit))
                    || (c == b'{' && self.s.get(at + 1) == Some(&b'{'))) =>
            {
                format!("unexpected character in series sequence: {}", go_q_char(self.src, at))
            }
            _ => format!("unexpected {} in series values", self.word_at(at)),
        }
    }

    /// A quoted string: "..." or '...' with Go escapes, or `...` raw.
    fn string(&mut self) -> Result<String, SeriesError> {
        let start = self.pos;
        let q = self.peek().unwrap_or(b'"');
        self.pos += 1;
        let body_start = self.pos;
        loop {
            match self.peek() {
                None | Some(b'\n') if q != b'`' => return err(start, "unterminated quoted string"),
                None => return err(start, "unterminated raw string"),
                Some(b'\\') if q != b'`' => self.pos += 2,
                Some(c) if c == q => break,
                Some(_) => self.pos += 1,
            }
        }
        let body = self.text(body_start, self.pos).to_string();
        self.pos += 1;
        if q == b'`' {
            return Ok(body);
        }
        unquote_go(&body, q).map_err(|m| SeriesError {
            message: format!("error unquoting string {}: {m}", go_q(self.text(start, self.pos))),
            offset: start,
        })
    }

    fn count(&mut self, at: usize, n: u64) -> Result<(), SeriesError> {
        self.produced = self.produced.saturating_add(n);
        if self.produced > self.max_points {
            return err(
                at,
                format!(
                    "series values expand to more than {} samples (the sample limit of series notation)",
                    self.max_points
                ),
            );
        }
        Ok(())
    }

    fn values(&mut self) -> Result<Vec<SequenceValue>, SeriesError> {
        let mut out = Vec::new();
        loop {
            let had_space = self.skip_spaces();
            let Some(c) = self.peek() else { return Ok(out) };
            if !had_space {
                return err(self.pos, self.unexpected_in_values(self.pos));
            }
            let start = self.pos;
            if c == b'_' {
                self.pos += 1;
                if self.peek() == Some(b'x') {
                    self.pos += 1;
                    let n = self.uint()?;
                    self.count(start, n)?;
                    out.extend(std::iter::repeat_n(SequenceValue::Omitted, n as usize));
                } else {
                    self.count(start, 1)?;
                    out.push(SequenceValue::Omitted);
                }
            } else if c == b'{' && self.peek_at(1) == Some(b'{') {
                let h = self.histogram()?;
                self.histogram_tail(start, h, &mut out)?;
            } else {
                let a = self.series_value()?;
                match self.peek() {
                    Some(b'x') => {
                        self.pos += 1;
                        let n = self.uint()?;
                        self.count(start, n.saturating_add(1))?;
                        out.extend(std::iter::repeat_n(SequenceValue::Float(a), n as usize + 1));
                    }
                    Some(b'+' | b'-') => {
                        let neg = self.peek() == Some(b'-');
                        self.pos += 1;
                        let mut b = self.unsigned_number()?;
                        if neg {
                            b = -b;
                        }
                        if self.peek() != Some(b'x') {
                            return err(self.pos, self.unexpected_in_values(self.pos));
                        }
                        self.pos += 1;
                        let n = self.uint()?;
                        self.count(start, n.saturating_add(1))?;
                        let mut v = a;
                        for _ in 0..=n {
                            out.push(SequenceValue::Float(v));
                            v += b;
                        }
                    }
                    _ => {
                        self.count(start, 1)?;
                        out.push(SequenceValue::Float(a));
                    }
                }
            }
            if let Some(c) = self.peek()
                && !is_space(c)
            {
                return err(self.pos, self.unexpected_in_values(self.pos));
            }
        }
    }

    /// `stale`, a number, or a signed number.
    fn series_value(&mut self) -> Result<f64, SeriesError> {
        let start = self.pos;
        match self.peek() {
            Some(b'+') | Some(b'-') => {
                let neg = self.peek() == Some(b'-');
                self.pos += 1;
                let v = self.unsigned_number()?;
                Ok(if neg { -v } else { v })
            }
            Some(c) if is_alpha(c) => {
                while self.peek().is_some_and(|c| is_alnum(c) || c == b':') {
                    self.pos += 1;
                }
                let w = self.text(start, self.pos);
                match w.to_ascii_lowercase().as_str() {
                    "stale" => Ok(stale_nan()),
                    "inf" => Ok(f64::INFINITY),
                    "nan" => Ok(f64::NAN),
                    _ => err(
                        start,
                        format!("unexpected identifier {} in series values, expected number or \"stale\"", go_q(w)),
                    ),
                }
            }
            _ => self.unsigned_number(),
        }
    }

    /// A NUMBER token (or `Inf`/`NaN`) without sign.
    fn unsigned_number(&mut self) -> Result<f64, SeriesError> {
        let start = self.pos;
        match self.peek() {
            Some(c) if is_alpha(c) => {
                while self.peek().is_some_and(|c| is_alnum(c) || c == b':') {
                    self.pos += 1;
                }
                let w = self.text(start, self.pos);
                return match w.to_ascii_lowercase().as_str() {
                    "inf" => Ok(f64::INFINITY),
                    "nan" => Ok(f64::NAN),
                    _ => err(start, format!("unexpected identifier {} in series values", go_q(w))),
                };
            }
            Some(c) if c.is_ascii_digit() || c == b'.' => {}
            _ => {
                return err(start, self.unexpected_in_values(start));
            }
        }
        if !self.scan_number() {
            return err(start, format!("bad number syntax: {}", go_q(self.text(start, self.pos))));
        }
        let t = self.text(start, self.pos);
        parse_go_number(t).ok_or_else(|| SeriesError {
            message: format!("error parsing number: strconv.ParseFloat: parsing {}: invalid syntax", go_q(t)),
            offset: start,
        })
    }

    /// `lex.go` `scanNumber` in series mode (no hex).
    fn scan_number(&mut self) -> bool {
        let initial = self.pos;
        let digit = |c: u8| c.is_ascii_digit();
        if self.peek() == Some(b'.') {
            self.pos += 1;
        }
        if self.peek().is_some_and(digit) {
            self.pos += 1;
        }
        let mut dot = false;
        let mut exp = false;
        while let Some(c) = self.peek() {
            if !(digit(c) || c == b'.' || c == b'_' || c == b'e' || c == b'E') {
                break;
            }
            if c == b'.' {
                if dot {
                    self.pos += 1;
                    return false;
                }
                dot = true;
                self.pos += 1;
                if matches!(self.peek(), Some(b'_' | b'.')) {
                    self.pos += 1;
                    return false;
                }
                continue;
            }
            if c == b'e' || c == b'E' {
                if exp {
                    self.pos += 1;
                    return false;
                }
                exp = true;
                self.pos += 1;
                if matches!(self.peek(), Some(b'+' | b'-')) {
                    self.pos += 1;
                }
                if matches!(self.peek(), Some(b'.' | b'_' | b'e' | b'E')) {
                    self.pos += 1;
                    return false;
                }
                if self.peek().is_none() {
                    return false;
                }
                continue;
            }
            if c == b'_' {
                self.pos += 1;
                if matches!(self.peek(), Some(b'.' | b'_' | b'e' | b'E')) {
                    self.pos += 1;
                    return false;
                }
                if self.peek().is_none() {
                    return false;
                }
                continue;
            }
            while self.peek().is_some_and(digit) {
                self.pos += 1;
            }
        }
        if self.pos == initial {
            return false;
        }
        match self.peek() {
            Some(b'x') => true,
            Some(c) => !is_alnum(c),
            None => true,
        }
    }

    fn uint(&mut self) -> Result<u64, SeriesError> {
        let start = self.pos;
        if !self.peek().is_some_and(|c| c.is_ascii_digit() || c == b'.') {
            return err(start, self.unexpected_in_values(start));
        }
        if !self.scan_number() {
            return err(start, format!("bad number syntax: {}", go_q(self.text(start, self.pos))));
        }
        let t = self.text(start, self.pos);
        t.parse::<u64>().map_err(|_| SeriesError {
            message: format!(
                "invalid repetition in series values: strconv.ParseUint: parsing {}: invalid syntax",
                go_q(t)
            ),
            offset: start,
        })
    }

    fn histogram_tail(
        &mut self,
        start: usize,
        h: HistogramLiteral,
        out: &mut Vec<SequenceValue>,
    ) -> Result<(), SeriesError> {
        match self.peek() {
            Some(b'x') => {
                self.pos += 1;
                let n = self.uint()?;
                self.count(start, n.saturating_add(1))?;
                for _ in 0..=n {
                    out.push(SequenceValue::Histogram(Box::new(h.clone())));
                }
            }
            Some(b'+' | b'-') => {
                let sub = self.peek() == Some(b'-');
                self.pos += 1;
                if !(self.peek() == Some(b'{') && self.peek_at(1) == Some(b'{')) {
                    return err(self.pos, self.unexpected_in_values(self.pos));
                }
                let inc = self.histogram()?;
                if self.peek() != Some(b'x') {
                    return err(self.pos, self.unexpected_in_values(self.pos));
                }
                self.pos += 1;
                let n = self.uint()?;
                self.count(start, n.saturating_add(1))?;
                let mut cur = h;
                out.push(SequenceValue::Histogram(Box::new(cur.clone())));
                for _ in 0..n {
                    if cur.schema > inc.schema {
                        return err(
                            start,
                            format!(
                                "error combining histograms: cannot merge from schema {} to {}",
                                inc.schema, cur.schema
                            ),
                        );
                    }
                    cur = combine_histograms(&cur, &inc, sub);
                    out.push(SequenceValue::Histogram(Box::new(cur.clone())));
                }
            }
            _ => {
                self.count(start, 1)?;
                out.push(SequenceValue::Histogram(Box::new(h)));
            }
        }
        Ok(())
    }

    /// `{{key:value ...}}`.
    fn histogram(&mut self) -> Result<HistogramLiteral, SeriesError> {
        self.pos += 2;
        let mut h = HistogramLiteral::default();
        loop {
            self.skip_spaces();
            if self.peek() == Some(b'}') && self.peek_at(1) == Some(b'}') {
                self.pos += 2;
                return Ok(h);
            }
            let kstart = self.pos;
            while self.peek().is_some_and(is_alnum) {
                self.pos += 1;
            }
            let key = self.text(kstart, self.pos).to_string();
            if key.is_empty() {
                return err(
                    kstart,
                    format!("histogram description incomplete unexpected: {}", go_q_char(self.src, kstart)),
                );
            }
            if self.peek() != Some(b':') {
                return err(self.pos, "unexpected character in histogram description, expected \":\"");
            }
            self.pos += 1;
            match key.as_str() {
                "schema" => h.schema = self.int()?,
                "offset" => h.offset = self.int()?,
                "n_offset" => h.negative_offset = self.int()?,
                "sum" => h.sum = self.series_value()?,
                "count" => h.count = self.series_value()?,
                "z_bucket" => h.zero_count = self.series_value()?,
                "z_bucket_w" => h.zero_threshold = self.unsigned_number()?,
                "buckets" => h.buckets = self.bucket_set()?,
                "n_buckets" => h.negative_buckets = self.bucket_set()?,
                "custom_values" => h.custom_values = self.bucket_set()?,
                "counter_reset_hint" => {
                    let s = self.pos;
                    while self.peek().is_some_and(is_alnum) {
                        self.pos += 1;
                    }
                    let v = self.text(s, self.pos).to_string();
                    if !matches!(v.as_str(), "unknown" | "reset" | "not_reset" | "gauge") {
                        return err(s, format!("error parsing counter_reset_hint: unknown value {v}"));
                    }
                    h.counter_reset_hint = v;
                }
                _ => {
                    return err(
                        kstart,
                        format!(
                            "unexpected identifier {} in histogram description, expected histogram description key, e.g. buckets:[5 10 7]",
                            go_q(&key)
                        ),
                    );
                }
            }
        }
    }

    fn int(&mut self) -> Result<i64, SeriesError> {
        let neg = self.peek() == Some(b'-');
        if neg {
            self.pos += 1;
        }
        let v = self.uint()? as i64;
        Ok(if neg { -v } else { v })
    }

    fn bucket_set(&mut self) -> Result<Vec<f64>, SeriesError> {
        if self.peek() != Some(b'[') {
            let w = self.word_at(self.pos);
            return err(self.pos, format!("unexpected {w} in histogram description, expected \"[\""));
        }
        self.pos += 1;
        let mut v = Vec::new();
        loop {
            self.skip_spaces();
            match self.peek() {
                Some(b']') => {
                    self.pos += 1;
                    return Ok(v);
                }
                None => return err(self.pos, "unexpected end of input in histogram description"),
                _ => v.push(self.series_value()?),
            }
        }
    }
}

/// Field-wise `a ± b` for histogram series notation. Exact for equal layouts; the engine does not evaluate
/// native histograms, so only the shape of the input matters beyond that.
fn combine_histograms(a: &HistogramLiteral, b: &HistogramLiteral, sub: bool) -> HistogramLiteral {
    let sign = if sub { -1.0 } else { 1.0 };
    let add = |x: &[f64], y: &[f64]| -> Vec<f64> {
        let n = x.len().max(y.len());
        (0..n).map(|i| x.get(i).copied().unwrap_or(0.0) + sign * y.get(i).copied().unwrap_or(0.0)).collect()
    };
    HistogramLiteral {
        schema: a.schema,
        sum: a.sum + sign * b.sum,
        count: a.count + sign * b.count,
        zero_count: a.zero_count + sign * b.zero_count,
        zero_threshold: a.zero_threshold,
        buckets: add(&a.buckets, &b.buckets),
        offset: a.offset,
        negative_buckets: add(&a.negative_buckets, &b.negative_buckets),
        negative_offset: a.negative_offset,
        custom_values: a.custom_values.clone(),
        counter_reset_hint: a.counter_reset_hint.clone(),
    }
}

/// Go's `%q` of a string.
fn go_q(s: &str) -> String {
    crate::go::strconv::quote(s)
}

/// Go's `%q` of the rune at byte `at`.
fn go_q_char(src: &str, at: usize) -> String {
    match src.get(at..).and_then(|s| s.chars().next()) {
        Some('\'') => "'\\''".into(),
        Some(c) => {
            let q = crate::go::strconv::quote(&c.to_string());
            format!("'{}'", q.get(1..q.len() - 1).unwrap_or(""))
        }
        None => "EOF".into(),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `strconv.ParseFloat(s, 64)` (as `parser.number` does).
pub fn parse_go_number(s: &str) -> Option<f64> {
    if let Some(i) = parse_go_int(s) {
        return Some(i as f64);
    }
    parse_go_float(s)
}

/// `strconv.ParseInt(s, 0, 64)`: sign, `0x`/`0o`/`0b`/leading-`0` octal prefixes, underscores only with base 0.
pub fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r.to_string(), true)
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r.to_string(), true)
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower.get(1..)?.to_string(), true)
    } else {
        (10, lower.clone(), false)
    };
    if digits.contains('_') && !underscore_ok(&lower, prefixed) {
        return None;
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if clean.is_empty() {
        return None;
    }
    let mag = u64::from_str_radix(&clean, radix).ok()?;
    if neg {
        if mag <= i64::MAX as u64 + 1 { Some((mag as i64).wrapping_neg()) } else { None }
    } else if mag <= i64::MAX as u64 {
        Some(mag as i64)
    } else {
        None
    }
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str, prefixed: bool) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    if prefixed && b.len() >= 2 && b[0] == b'0' && matches!(b[1], b'x' | b'o' | b'b') {
        i = 2;
        saw = b'0';
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphanumeric() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal input: optional sign, digits with `_` separators, `.`,
/// exponent, `inf`/`infinity`/`nan` in any case. Out-of-range values are ±Inf (Go returns them with an
/// error, which `parser.number` treats as a parse error; we return None there too).
pub fn parse_go_float(s: &str) -> Option<f64> {
    let (sign, body) = match s.as_bytes().first() {
        Some(b'-') => (-1.0, s.get(1..)?),
        Some(b'+') => (1.0, s.get(1..)?),
        _ => (1.0, s),
    };
    match body.to_ascii_lowercase().as_str() {
        "inf" | "infinity" => return Some(sign * f64::INFINITY),
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    if body.to_ascii_lowercase().starts_with("0x") {
        return None;
    }
    if body.contains('_') && !underscore_ok(&body.to_ascii_lowercase(), false) {
        return None;
    }
    let clean: String = body.chars().filter(|&c| c != '_').collect();
    if clean.is_empty() || !clean.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-')) {
        return None;
    }
    let v: f64 = clean.parse().ok()?;
    if v.is_infinite() {
        return None;
    }
    Some(sign * v)
}

/// Go's string unquoting for `"..."`/`'...'` bodies (`strutil.Unquote`).
pub fn unquote_go(body: &str, quote: u8) -> Result<String, String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c as u32 == quote as u32 {
            return Err("invalid syntax".into());
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else { return Err("invalid syntax".into()) };
        match e {
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            '\\' => out.push('\\'),
            '\'' | '"' => {
                if e as u32 != quote as u32 {
                    return Err("invalid syntax".into());
                }
                out.push(e)
            }
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut v = 0u32;
                for _ in 0..n {
                    let d = chars.next().and_then(|c| c.to_digit(16)).ok_or("invalid syntax")?;
                    v = v * 16 + d;
                }
                if e == 'x' {
                    // A byte; only valid UTF-8 is representable in a label value.
                    if v < 0x80 {
                        out.push(char::from_u32(v).ok_or("invalid syntax")?);
                    } else {
                        return Err("invalid syntax".into());
                    }
                } else {
                    out.push(char::from_u32(v).ok_or("invalid syntax")?);
                }
            }
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    let d = chars.next().and_then(|c| c.to_digit(8)).ok_or("invalid syntax")?;
                    v = v * 8 + d;
                }
                if v > 255 || v >= 0x80 {
                    return Err("invalid syntax".into());
                }
                out.push(char::from_u32(v).ok_or("invalid syntax")?);
            }
            _ => return Err("invalid syntax".into()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::value::is_stale_nan;

    fn floats(line: &str) -> Vec<Option<f64>> {
        parse_series_desc(line)
            .unwrap_or_else(|e| panic!("{line}: {e:?}"))
            .values
            .into_iter()
            .map(|v| match v {
                SequenceValue::Float(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn expanding_notation() {
        assert_eq!(floats("m 1+2x3"), vec![Some(1.0), Some(3.0), Some(5.0), Some(7.0)]);
        assert_eq!(floats("m -2-1x4"), vec![Some(-2.0), Some(-3.0), Some(-4.0), Some(-5.0), Some(-6.0)]);
        assert_eq!(floats("m 1x5").len(), 6);
        assert_eq!(floats("m 0x10").len(), 11);
        assert_eq!(floats("m _ 1 _x2 3"), vec![None, Some(1.0), None, None, Some(3.0)]);
        assert_eq!(
            floats("m 1_000 010 .5 1e3 -Inf"),
            vec![Some(1000.0), Some(8.0), Some(0.5), Some(1000.0), Some(f64::NEG_INFINITY)]
        );
        // Repeated addition, not multiplication.
        assert_eq!(floats("m 0+0.1x10").last().copied().flatten(), Some(0.9999999999999999));
        let v = floats("m 1 stale 2");
        assert!(v[1].is_some_and(is_stale_nan));
        assert_eq!(floats("m"), Vec::<Option<f64>>::new());
    }

    #[test]
    fn metrics() {
        let d = parse_series_desc(r#"http_requests{job="api", "a.b"="x\ty",} 1"#).unwrap();
        assert_eq!(d.labels.to_string(), r#"{__name__="http_requests", "a.b"="x\ty", job="api"}"#);
        let d = parse_series_desc(r#"{"utf8.name", a='b'} 1"#).unwrap();
        assert_eq!(d.labels.get("__name__"), "utf8.name");
        assert_eq!(d.labels.get("a"), "b");
        assert_eq!(parse_series_desc("{} 1").unwrap().labels.len(), 0);
    }

    #[test]
    fn errors_match_prometheus() {
        let e = |l: &str| parse_series_desc(l).unwrap_err();
        assert_eq!(e("m 0x1F").message, r#"bad number syntax: "1""#);
        assert_eq!(e("m 0x1F").offset, 4);
        assert_eq!(
            e("m stalex2").message,
            r#"unexpected identifier "stalex2" in series values, expected number or "stale""#
        );
        assert_eq!(e("m 1m").message, r#"bad number syntax: "1""#);
        assert_eq!(e("x{a=b} 1").message, r#"unexpected identifier "b" in label set, expected string"#);
        assert!(e("m 1 2x").message.contains("end of input"));
        // promtool 3.5.3's texts (probe P19): a character the series lexer has no token for, an operator
        assert_eq!(e("m 1 2 # three").message, "unexpected character in series sequence: '#'");
        assert_eq!(e("m 1x-2").message, "unexpected <op:-> in series values");
    }

    #[test]
    fn hostile_expansion_is_refused() {
        let e = parse_series_desc("m 1x1000000000000").unwrap_err();
        assert!(e.message.contains("sample limit"), "{}", e.message);
        assert!(parse_series_desc_limited("m 1x9 _x5", 15).is_ok());
        assert!(parse_series_desc_limited("m 1x9 _x6", 15).is_err());
    }

    #[test]
    fn histograms() {
        let d =
            parse_series_desc("m {{schema:0 sum:5 count:4 buckets:[1 2 1]}}+{{sum:1 count:1 buckets:[1]}}x2").unwrap();
        assert_eq!(d.values.len(), 3);
        match &d.values[2] {
            SequenceValue::Histogram(h) => {
                assert_eq!(h.count, 6.0);
                assert_eq!(h.buckets, vec![3.0, 2.0, 1.0]);
            }
            v => panic!("{v:?}"),
        }
        let d = parse_series_desc("m {{}}x1 {{counter_reset_hint:gauge custom_values:[1 5]}}").unwrap();
        assert_eq!(d.values.len(), 3);
    }
}
