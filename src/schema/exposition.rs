//! A reader for the Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text.
//!
//! It follows Prometheus 3.5's own parsers (`model/textparse/promparse.go`, `openmetricsparse.go`)
//! token for token, so that what Prometheus would scrape is read and what it would refuse is an
//! error here too, with `line:col`: the text format skips blanks and tabs between tokens, allows
//! trailing commas and comments; OpenMetrics separates tokens by exactly one space, has no blank
//! lines or free comments, must end with `# EOF`, and allows exemplars and float timestamps.
//! Metric and label names may be quoted (UTF-8 names). Hand-written because no maintained Rust
//! crate parses both formats with positions, and this is the shape Prometheus itself uses.
//!
//! Parsing yields a flat list of [`Entry`]s; [`group`] then assigns samples to metric families the
//! way OpenMetrics defines the suffixes (`_total`, `_created`, `_bucket`, `_count`, `_sum`,
//! `_gcount`, `_gsum`, `_info`).

use std::collections::HashMap;
use std::fmt;

use super::model::{MAX_INPUT_BYTES, MetricType};

/// Which exposition format to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text format 0.0.4 (`text/plain; version=0.0.4`).
    Text,
    /// OpenMetrics 1.0 (`application/openmetrics-text`).
    OpenMetrics,
}

impl Format {
    /// Guesses the format of a document: OpenMetrics ends with `# EOF`, the text format cannot.
    pub fn detect(input: &[u8]) -> Format {
        let trimmed = input.strip_suffix(b"\n").unwrap_or(input);
        let last = trimmed.rsplit(|&b| b == b'\n').next().unwrap_or(b"");
        if last == b"# EOF" { Format::OpenMetrics } else { Format::Text }
    }

    /// The format named by an HTTP `Content-Type`, as Prometheus's scraper picks its parser.
    pub fn from_content_type(ct: &str) -> Format {
        let media = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if media == "application/openmetrics-text" { Format::OpenMetrics } else { Format::Text }
    }
}

/// One exemplar (OpenMetrics only).
#[derive(Debug, Clone, PartialEq)]
pub struct Exemplar {
    pub labels: Vec<(String, String)>,
    pub value: f64,
    /// Milliseconds.
    pub timestamp: Option<i64>,
}

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    /// Labels in written order (without `__name__`).
    pub labels: Vec<(String, String)>,
    pub value: f64,
    /// Milliseconds since the epoch.
    pub timestamp: Option<i64>,
    pub exemplar: Option<Exemplar>,
    /// 1-based line of the sample.
    pub line: u32,
}

/// One parsed line (or, for the text format, one entry that may span lines in a label value).
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Help { name: String, text: String, line: u32 },
    Type { name: String, kind: MetricType, line: u32 },
    Unit { name: String, unit: String, line: u32 },
    Sample(Sample),
}

/// Unreadable exposition, positioned at the offending byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a whole document.
pub fn parse(input: &[u8], format: Format) -> Result<Vec<Entry>, ParseError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(ParseError {
            line: 1,
            col: 1,
            message: format!("larger than the {} MiB limit for exposition input", MAX_INPUT_BYTES >> 20),
        });
    }
    let mut p = Parser { b: input, i: 0, line: 1, om: format == Format::OpenMetrics };
    let mut out = Vec::new();
    if p.om {
        p.parse_om(&mut out)?
    } else {
        p.parse_text(&mut out)?
    }
    Ok(out)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    /// Current line, for the `line` of entries.
    line: u32,
    om: bool,
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':'
}
fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b':'
}
fn is_label_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}
fn is_label_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Prometheus's `lvalReplacer`: `\"`, `\\` and `\n`; any other escape stays as written.
fn unescape(s: &str, quote: bool) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if quote => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Go's `strconv.ParseFloat` as Prometheus calls it (no `p`, `P` or `_`; out of range is an error).
fn parse_float(s: &str) -> Result<f64, String> {
    if s.contains(['p', 'P', '_']) {
        return Err("unsupported character in float".to_string());
    }
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if matches!(body, "inf" | "infinity" | "nan") {
        // Go accepts a sign on NaN too.
        return s
            .parse::<f64>()
            .or_else(|_| if body == "nan" { Ok(f64::NAN) } else { Err(String::new()) })
            .map_err(|_| format!("invalid float {s:?}"));
    }
    if lower.starts_with("0x") || body.starts_with("0x") {
        return Err(format!("invalid float {s:?}"));
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_infinite() => Err(format!("float {s:?} is out of range")),
        Ok(v) => Ok(v),
        Err(_) => Err(format!("invalid float {s:?}")),
    }
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn at(&self, off: usize) -> Option<u8> {
        self.b.get(self.i + off).copied()
    }

    fn bump(&mut self) {
        if self.peek() == Some(b'\n') {
            self.line += 1;
        }
        self.i += 1;
    }

    /// Line and column (in characters) of a byte offset. Only errors need it, so it scans.
    fn line_col(&self, pos: usize) -> (u32, u32) {
        let pos = pos.min(self.b.len());
        let before = &self.b[..pos];
        let line = before.iter().filter(|&&c| c == b'\n').count() as u32 + 1;
        let start = before.iter().rposition(|&c| c == b'\n').map(|p| p + 1).unwrap_or(0);
        (line, String::from_utf8_lossy(&before[start..]).chars().count() as u32 + 1)
    }

    fn err_at(&self, pos: usize, message: impl Into<String>) -> ParseError {
        let (line, col) = self.line_col(pos);
        ParseError { line, col, message: message.into() }
    }

    fn err(&self, message: impl Into<String>) -> ParseError {
        self.err_at(self.i, message)
    }

    /// What stands at the cursor, for "expected X, got Y" messages.
    fn got(&self) -> String {
        match self.peek() {
            None => "end of input".to_string(),
            Some(b'\n') => "end of line".to_string(),
            Some(_) => {
                let rest = &self.b[self.i..];
                let end = rest.iter().position(|&c| c == b'\n' || c == b' ').unwrap_or(rest.len()).clamp(1, 20);
                format!("{:?}", String::from_utf8_lossy(&rest[..end]))
            }
        }
    }

    fn skip_blanks(&mut self) {
        if self.om {
            return;
        }
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    /// OpenMetrics: exactly one space; the text format: at least one blank or tab.
    fn separator(&mut self, what: &str) -> Result<(), ParseError> {
        if self.om {
            if self.peek() != Some(b' ') {
                return Err(self.err(format!("expected a single space before {what}, got {}", self.got())));
            }
            self.i += 1;
            if self.peek() == Some(b' ') {
                return Err(self.err(format!("expected {what}, got another space")));
            }
        } else {
            if !matches!(self.peek(), Some(b' ' | b'\t')) {
                return Err(self.err(format!("expected blank before {what}, got {}", self.got())));
            }
            self.skip_blanks();
        }
        Ok(())
    }

    fn rest_of_line(&mut self) -> &'a [u8] {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c == b'\n' {
                break;
            }
            self.i += 1;
        }
        &self.b[start..self.i]
    }

    fn utf8(&self, bytes: &'a [u8], pos: usize, what: &str) -> Result<&'a str, ParseError> {
        std::str::from_utf8(bytes).map_err(|_| self.err_at(pos, format!("{what} is not valid UTF-8")))
    }

    /// A bare metric name, or a quoted one (escapes resolved).
    fn metric_name(&mut self, context: &str) -> Result<String, ParseError> {
        match self.peek() {
            Some(b'"') => self.quoted(false, "metric name"),
            Some(c) if is_name_start(c) => {
                let start = self.i;
                while self.peek().is_some_and(is_name_char) {
                    self.i += 1;
                }
                Ok(String::from_utf8_lossy(&self.b[start..self.i]).into_owned())
            }
            _ => Err(self.err(format!("expected metric name after {context}, got {}", self.got()))),
        }
    }

    /// A double-quoted string: `"(\\.|[^\\"])*"` (no raw newline in OpenMetrics, or in names).
    fn quoted(&mut self, allow_newline: bool, what: &str) -> Result<String, ParseError> {
        let open = self.i;
        self.i += 1;
        let start = self.i;
        loop {
            match self.peek() {
                None => return Err(self.err_at(open, format!("unterminated {what}"))),
                Some(b'"') => break,
                Some(b'\\') => {
                    self.i += 1;
                    if self.peek().is_none() || (self.peek() == Some(b'\n') && !allow_newline) {
                        return Err(self.err_at(open, format!("unterminated {what}")));
                    }
                    self.bump();
                }
                Some(b'\n') if !allow_newline => return Err(self.err_at(open, format!("unterminated {what}"))),
                Some(_) => self.bump(),
            }
        }
        let raw = &self.b[start..self.i];
        self.i += 1;
        let s = self.utf8(raw, start, what)?;
        Ok(unescape(s, true))
    }

    fn label_name(&mut self) -> Result<(String, bool), ParseError> {
        match self.peek() {
            Some(b'"') => Ok((self.quoted(false, "label name")?, true)),
            Some(c) if is_label_start(c) => {
                let start = self.i;
                while self.peek().is_some_and(is_label_char) {
                    self.i += 1;
                }
                Ok((String::from_utf8_lossy(&self.b[start..self.i]).into_owned(), false))
            }
            _ => Err(self.err(format!("expected label name, got {}", self.got()))),
        }
    }

    /// The inside of `{...}` (cursor just past `{`). A lone quoted string is the metric name.
    fn labels(&mut self, name: &mut Option<String>, exemplar: bool) -> Result<Vec<(String, String)>, ParseError> {
        let mut labels: Vec<(String, String)> = Vec::new();
        loop {
            self.skip_blanks();
            if self.peek() == Some(b'}') {
                self.i += 1;
                return Ok(labels);
            }
            let pos = self.i;
            let (lname, was_quoted) = self.label_name()?;
            self.skip_blanks();
            if matches!(self.peek(), Some(b',' | b'}')) && was_quoted && !exemplar {
                if name.is_some() {
                    return Err(self.err_at(pos, "metric name already set"));
                }
                *name = Some(lname);
                if self.peek() == Some(b',') {
                    self.i += 1;
                }
                continue;
            }
            if self.peek() != Some(b'=') {
                return Err(self.err(format!("expected `=` after label name, got {}", self.got())));
            }
            self.i += 1;
            self.skip_blanks();
            if self.peek() != Some(b'"') {
                return Err(self.err(format!("expected label value, got {}", self.got())));
            }
            let value = self.quoted(!self.om, "label value")?;
            if labels.iter().any(|(n, _)| *n == lname) {
                return Err(self.err_at(pos, format!("label `{lname}` is given twice")));
            }
            labels.push((lname, value));
            self.skip_blanks();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                _ if self.om => return Err(self.err(format!("expected `,` or `}}`, got {}", self.got()))),
                // The text format lets labels follow each other without a comma (as 3.5 does).
                _ => {}
            }
        }
    }

    fn value_token(&mut self, what: &str) -> Result<(f64, usize), ParseError> {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c == b'\n' || c == b' ' || (!self.om && (c == b'\t' || c == b'{')) {
                break;
            }
            self.i += 1;
        }
        if self.i == start {
            return Err(self.err(format!("expected {what}, got {}", self.got())));
        }
        let s = self.utf8(&self.b[start..self.i], start, what)?;
        let v = parse_float(s).map_err(|m| self.err_at(start, m))?;
        Ok((v, start))
    }

    fn end_of_line(&mut self, context: &str) -> Result<(), ParseError> {
        self.skip_blanks();
        match self.peek() {
            Some(b'\n') => {
                self.bump();
                Ok(())
            }
            None if !self.om => Ok(()),
            None => Err(self.err("data does not end with `# EOF`")),
            _ => Err(self.err(format!("expected end of line after {context}, got {}", self.got()))),
        }
    }

    // ---- Prometheus text format 0.0.4 ----

    fn parse_text(&mut self, out: &mut Vec<Entry>) -> Result<(), ParseError> {
        loop {
            self.skip_blanks();
            match self.peek() {
                None => return Ok(()),
                Some(b'\n') => self.bump(),
                Some(b'#') => self.text_comment(out)?,
                Some(c) if c == b'{' || is_name_start(c) => out.push(Entry::Sample(self.sample()?)),
                Some(0) => return Err(self.err("NUL byte: this is not a text exposition")),
                _ => return Err(self.err(format!("expected a metric name or `#`, got {}", self.got()))),
            }
        }
    }

    fn text_comment(&mut self, out: &mut Vec<Entry>) -> Result<(), ParseError> {
        let line = self.line;
        self.i += 1;
        if !matches!(self.peek(), Some(b' ' | b'\t')) {
            self.rest_of_line();
            return Ok(());
        }
        self.skip_blanks();
        let rest = &self.b[self.i..];
        let keyword = if rest.starts_with(b"HELP") {
            Some(true)
        } else if rest.starts_with(b"TYPE") {
            Some(false)
        } else {
            None
        };
        let Some(is_help) = keyword.filter(|_| matches!(rest.get(4), Some(b' ' | b'\t'))) else {
            self.rest_of_line();
            return Ok(());
        };
        let kw = if is_help { "HELP" } else { "TYPE" };
        self.i += 4;
        self.skip_blanks();
        let name = self.metric_name(kw)?;
        let text_pos = self.i;
        let rest = self.rest_of_line();
        // Like promlex: the character after the name is dropped; blanks alone read as no text.
        let text = if rest.iter().all(|&c| c == b' ' || c == b'\t') { &rest[..0] } else { &rest[1..] };
        let text = self.utf8(text, text_pos, if is_help { "help text" } else { "type" })?;
        if is_help {
            out.push(Entry::Help { name, text: unescape(text, false), line });
        } else {
            let kind = match text {
                "counter" | "gauge" | "histogram" | "summary" | "untyped" => MetricType::from_type_word(text),
                _ => None,
            };
            let Some(kind) = kind else {
                return Err(self.err_at(text_pos + 1, format!("invalid metric type {text:?}")));
            };
            out.push(Entry::Type { name, kind, line });
        }
        Ok(())
    }

    fn sample(&mut self) -> Result<Sample, ParseError> {
        let line = self.line;
        let start = self.i;
        let mut name = None;
        let mut labels = Vec::new();
        if self.peek() != Some(b'{') {
            name = Some(self.metric_name("start of line")?);
            self.skip_blanks();
        }
        if self.peek() == Some(b'{') {
            self.i += 1;
            labels = self.labels(&mut name, false)?;
        }
        let Some(name) = name else {
            return Err(self.err_at(start, "metric name not set"));
        };
        if self.om {
            self.separator("value")?;
        } else {
            self.skip_blanks();
        }
        let (value, _) = self.value_token("value after metric")?;
        let mut timestamp = None;
        let mut exemplar = None;
        if self.om {
            if self.peek() == Some(b' ') && self.at(1) != Some(b'#') {
                self.i += 1;
                let (ts, pos) = self.value_token("timestamp")?;
                if !ts.is_finite() {
                    return Err(self.err_at(pos, "invalid timestamp"));
                }
                timestamp = Some((ts * 1000.0) as i64);
            }
            if self.peek() == Some(b' ') && self.at(1) == Some(b'#') {
                exemplar = Some(self.exemplar()?);
            }
            match self.peek() {
                Some(b'\n') => self.bump(),
                None => return Err(self.err("data does not end with `# EOF`")),
                _ => return Err(self.err(format!("expected end of line after sample, got {}", self.got()))),
            }
        } else {
            self.skip_blanks();
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                let ts_start = self.i;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                let s = String::from_utf8_lossy(&self.b[ts_start..self.i]);
                timestamp = Some(s.parse::<i64>().map_err(|_| self.err_at(ts_start, "timestamp out of range"))?);
            }
            self.end_of_line("sample")?;
        }
        Ok(Sample { name, labels, value, timestamp, exemplar, line })
    }

    // ---- OpenMetrics 1.0 ----

    fn parse_om(&mut self, out: &mut Vec<Entry>) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                None => return Err(self.err("data does not end with `# EOF`")),
                Some(b'#') => {
                    if self.om_comment(out)? {
                        if self.peek() == Some(b'\n') {
                            self.bump();
                        }
                        if self.peek().is_some() {
                            return Err(self.err("unexpected data after `# EOF`"));
                        }
                        return Ok(());
                    }
                }
                Some(b'\n') => return Err(self.err("blank lines are not allowed in OpenMetrics")),
                Some(c) if c == b'{' || is_name_start(c) => out.push(Entry::Sample(self.sample()?)),
                _ => return Err(self.err(format!("expected a metric name or `#`, got {}", self.got()))),
            }
        }
    }

    /// Returns true on `# EOF`.
    fn om_comment(&mut self, out: &mut Vec<Entry>) -> Result<bool, ParseError> {
        let line = self.line;
        let rest = &self.b[self.i..];
        if rest.starts_with(b"# EOF") && matches!(rest.get(5), None | Some(b'\n')) {
            self.i += 5;
            return Ok(true);
        }
        let kw = [(&b"# HELP "[..], 0u8), (&b"# TYPE "[..], 1), (&b"# UNIT "[..], 2)]
            .into_iter()
            .find(|(k, _)| rest.starts_with(k));
        let Some((_, which)) = kw else {
            return Err(
                self.err("expected `# HELP`, `# TYPE`, `# UNIT` or `# EOF` (OpenMetrics has no other comments)")
            );
        };
        self.i += 7;
        let kwname = ["HELP", "TYPE", "UNIT"][which as usize];
        let name = self.metric_name(kwname)?;
        if self.peek() != Some(b' ') {
            return Err(self.err(format!("expected a space and text after the name in {kwname}, got {}", self.got())));
        }
        self.i += 1;
        let text_pos = self.i;
        let text = self.rest_of_line();
        if self.peek().is_none() {
            return Err(self.err("data does not end with `# EOF`"));
        }
        self.bump();
        let text = self.utf8(text, text_pos, &format!("{kwname} text"))?;
        match which {
            0 => out.push(Entry::Help { name, text: unescape(text, true), line }),
            1 => {
                let Some(kind) = MetricType::from_type_word(text).filter(|_| text != "untyped") else {
                    return Err(self.err_at(text_pos, format!("invalid metric type {text:?}")));
                };
                out.push(Entry::Type { name, kind, line });
            }
            _ => {
                if !text.is_empty() {
                    let ok = name.len() > text.len()
                        && name.ends_with(text)
                        && name.as_bytes().get(name.len() - text.len() - 1) == Some(&b'_');
                    if !ok {
                        return Err(self.err_at(text_pos, format!("unit {text:?} is not a suffix of metric {name:?}")));
                    }
                }
                out.push(Entry::Unit { name, unit: text.to_string(), line });
            }
        }
        Ok(false)
    }

    fn exemplar(&mut self) -> Result<Exemplar, ParseError> {
        // Cursor at " # {".
        if !self.b[self.i..].starts_with(b" # {") {
            return Err(self.err(format!("expected ` # {{` to start an exemplar, got {}", self.got())));
        }
        self.i += 4;
        let mut none = None;
        let labels = self.labels(&mut none, true)?;
        self.separator("exemplar value")?;
        let (value, _) = self.value_token("exemplar value")?;
        let mut timestamp = None;
        if self.peek() == Some(b' ') {
            self.i += 1;
            let (ts, pos) = self.value_token("exemplar timestamp")?;
            if !ts.is_finite() {
                return Err(self.err_at(pos, "invalid exemplar timestamp"));
            }
            timestamp = Some((ts * 1000.0) as i64);
        }
        Ok(Exemplar { labels, value, timestamp })
    }
}

// ---- grouping samples into families ----------------------------------------------------------

/// A metric family: its metadata and samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// The family name as `# TYPE` gives it (or the sample name for an undeclared metric).
    pub name: String,
    pub kind: MetricType,
    /// Whether `# TYPE` declared the type (otherwise it is `unknown` by default).
    pub typed: bool,
    pub help: Option<String>,
    pub unit: Option<String>,
    pub samples: Vec<Sample>,
    /// Line of the first entry of the family.
    pub line: u32,
}

/// The series-name suffixes a family of `kind` may use (OpenMetrics; the text format's counters
/// also write the bare family name).
pub fn family_suffixes(kind: MetricType) -> &'static [&'static str] {
    match kind {
        MetricType::Counter => &["_total", "_created", ""],
        MetricType::Histogram => &["_bucket", "_count", "_sum", "_created"],
        MetricType::GaugeHistogram => &["_bucket", "_gcount", "_gsum"],
        MetricType::Summary => &["", "_count", "_sum", "_created"],
        MetricType::Info => &["_info"],
        MetricType::Gauge | MetricType::Stateset | MetricType::Unknown => &[""],
    }
}

fn belongs(family: &Family, sample: &str) -> bool {
    sample.strip_prefix(family.name.as_str()).is_some_and(|rest| family_suffixes(family.kind).contains(&rest))
}

/// Warnings found while grouping (metadata given twice, and the like). Prometheus accepts these,
/// so they do not stop an import.
pub type Warnings = Vec<String>;

/// Groups entries into families, in order of first appearance.
pub fn group(entries: Vec<Entry>) -> (Vec<Family>, Warnings) {
    let mut families: Vec<Family> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    // Families created for samples no metadata covers, by sample name.
    let mut loose: HashMap<String, usize> = HashMap::new();
    let mut warnings = Vec::new();
    let mut current: Option<usize> = None;
    let new_family = |name: &str, line: u32| Family {
        name: name.to_string(),
        kind: MetricType::Unknown,
        typed: false,
        help: None,
        unit: None,
        samples: Vec::new(),
        line,
    };
    for e in entries {
        match e {
            Entry::Help { name, text, line } => {
                let i = *index.entry(name.clone()).or_insert_with(|| {
                    families.push(new_family(&name, line));
                    families.len() - 1
                });
                if families[i].help.as_ref().is_some_and(|h| *h != text) {
                    warnings.push(format!("line {line}: second HELP for `{name}` ignored"));
                } else {
                    families[i].help = Some(text);
                }
                current = Some(i);
            }
            Entry::Type { name, kind, line } => {
                let i = *index.entry(name.clone()).or_insert_with(|| {
                    families.push(new_family(&name, line));
                    families.len() - 1
                });
                let f = &mut families[i];
                if f.typed && f.kind != kind {
                    warnings.push(format!("line {line}: second TYPE for `{name}` ({kind}, was {}) ignored", f.kind));
                } else if !f.samples.is_empty() && !f.typed {
                    warnings.push(format!("line {line}: TYPE for `{name}` comes after its samples"));
                    f.kind = kind;
                    f.typed = true;
                } else {
                    f.kind = kind;
                    f.typed = true;
                }
                current = Some(i);
            }
            Entry::Unit { name, unit, line } => {
                let i = *index.entry(name.clone()).or_insert_with(|| {
                    families.push(new_family(&name, line));
                    families.len() - 1
                });
                families[i].unit = Some(unit).filter(|u| !u.is_empty());
                current = Some(i);
            }
            Entry::Sample(s) => {
                let i = match current.filter(|&c| belongs(&families[c], &s.name)) {
                    Some(c) => c,
                    None => match index.get(&s.name).copied().filter(|&i| belongs(&families[i], &s.name)) {
                        Some(i) => i,
                        None => {
                            match find_by_suffix(&families, &index, &s.name).or_else(|| loose.get(&s.name).copied()) {
                                Some(i) => i,
                                None => {
                                    // An undeclared series: its own untyped family, as Prometheus stores it.
                                    families.push(new_family(&s.name, s.line));
                                    loose.insert(s.name.clone(), families.len() - 1);
                                    families.len() - 1
                                }
                            }
                        }
                    },
                };
                families[i].samples.push(s);
                current = Some(i);
            }
        }
    }
    (families, warnings)
}

fn find_by_suffix(families: &[Family], index: &HashMap<String, usize>, sample: &str) -> Option<usize> {
    for suffix in ["_total", "_created", "_bucket", "_count", "_sum", "_gcount", "_gsum", "_info"] {
        if let Some(base) = sample.strip_suffix(suffix)
            && let Some(&i) = index.get(base)
            && belongs(&families[i], sample)
        {
            return Some(i);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(entries: &[Entry]) -> Vec<&Sample> {
        entries
            .iter()
            .filter_map(|e| match e {
                Entry::Sample(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    fn err(input: &str, format: Format) -> ParseError {
        parse(input.as_bytes(), format).unwrap_err()
    }

    #[test]
    fn text_format_tokens_like_promparse() {
        let input = "# HELP go_gc A summary\\nof \\\\ GC.\n#\tTYPE go_gc summary\n\
            go_gc{quantile=\"0\"} 4.9e-05\n\
            go_gc{quantile=\"0.25\",} 7\n\
            go_gc { quantile = \"0.9\" a = \"b\" } 8\n\
            # Hrandom comment\n#\n\n   \n\
            # HELP nohelp1\n# HELP nohelp2 \n\
            some:aggregate:rate5m{a_b=\"c\"}\t1\n\
            go_goroutines 33  \t123123\n\
            testmetric{label=\"\\\"bar\\\" \\t\"} -Inf\n\
            {\"my.dotted\", \"label.x\"=\"v\"} NaN\n\
            multi{v=\"line\none\"} 1";
        let e = parse(input.as_bytes(), Format::Text).unwrap();
        assert_eq!(e[0], Entry::Help { name: "go_gc".into(), text: "A summary\nof \\ GC.".into(), line: 1 });
        assert_eq!(e[1], Entry::Type { name: "go_gc".into(), kind: MetricType::Summary, line: 2 });
        assert!(e.contains(&Entry::Help { name: "nohelp1".into(), text: String::new(), line: 10 }));
        assert!(e.contains(&Entry::Help { name: "nohelp2".into(), text: String::new(), line: 11 }));
        let s = samples(&e);
        assert_eq!(s.len(), 8);
        assert_eq!(s[2].labels, vec![("quantile".into(), "0.9".into()), ("a".into(), "b".into())]);
        assert_eq!(s[3].name, "some:aggregate:rate5m");
        assert_eq!((s[4].value, s[4].timestamp), (33.0, Some(123123)));
        assert_eq!(s[5].labels[0].1, "\"bar\" \\t");
        assert_eq!(s[5].value, f64::NEG_INFINITY);
        assert_eq!(s[6].name, "my.dotted");
        assert_eq!(s[6].labels, vec![("label.x".into(), "v".into())]);
        assert_eq!((s[7].labels[0].1.as_str(), s[7].line), ("line\none", 16));
    }

    #[test]
    fn text_format_errors_carry_positions() {
        let cases = [
            ("a", 1, 2, "expected value"),
            ("a{b='c'} 1\n", 1, 5, "expected label value"),
            ("ok 1\na{b=\n", 2, 5, "expected label value"),
            ("a true\n", 1, 3, "invalid float"),
            ("foo 1_2\n", 1, 5, "unsupported character"),
            ("foo 0x1p-3\n", 1, 5, "unsupported character"),
            ("foo 1e400\n", 1, 5, "out of range"),
            ("foo 0 1_2\n", 1, 8, "expected end of line"),
            ("{a=\"ok\"} 1", 1, 1, "metric name not set"),
            ("# TYPE #\n", 1, 8, "expected metric name after TYPE"),
            ("# TYPE foo gauges\n", 1, 12, "invalid metric type \"gauges\""),
            ("empty{=\"\"} 0", 1, 7, "expected label name"),
            ("a{b=\"\u{e9}\"} 1\nb{c=\"x", 2, 5, "unterminated label value"),
            ("x{a=\"1\",a=\"2\"} 1\n", 1, 9, "given twice"),
        ];
        for (input, line, col, msg) in cases {
            let e = err(input, Format::Text);
            assert_eq!((e.line, e.col), (line, col), "{input:?}: {e}");
            assert!(e.message.contains(msg), "{input:?}: {e}");
        }
        let bad_utf8 = b"a{b=\"\xff\"} 1\n";
        assert!(parse(bad_utf8, Format::Text).unwrap_err().message.contains("UTF-8"));
    }

    #[test]
    fn openmetrics_tokens_exemplars_and_eof() {
        let input = "# HELP foo Counter \\\"x\\\"\n# TYPE foo counter\n# UNIT foo_seconds seconds\n\
            foo_total 17.0 1520879607.789 # {id=\"counter-test\"} 5\n\
            foo_created{a=\"b\"} 1520872607.123\n\
            foo_total{le=\"c\",} 21.0 # {id=\"x\"} 1 1520879607.5\n# EOF\n";
        let e = parse(input.as_bytes(), Format::OpenMetrics).unwrap();
        assert_eq!(e[0], Entry::Help { name: "foo".into(), text: "Counter \"x\"".into(), line: 1 });
        assert_eq!(e[2], Entry::Unit { name: "foo_seconds".into(), unit: "seconds".into(), line: 3 });
        let s = samples(&e);
        assert_eq!(s[0].timestamp, Some(1520879607789));
        assert_eq!(s[0].exemplar.as_ref().unwrap().labels, vec![("id".into(), "counter-test".into())]);
        assert_eq!(s[2].exemplar.as_ref().unwrap().timestamp, Some(1520879607500));
        assert_eq!(Format::detect(input.as_bytes()), Format::OpenMetrics);
        assert_eq!(Format::detect(b"a 1\n"), Format::Text);
    }

    #[test]
    fn openmetrics_errors() {
        let cases = [
            ("a 1\n", 2, 1, "does not end with `# EOF`"),
            ("a 1\n# EOF\nb 1\n", 3, 1, "after `# EOF`"),
            ("a 1\n\n# EOF\n", 2, 1, "blank lines"),
            ("# random\n# EOF\n", 1, 1, "no other comments"),
            ("a  1\n# EOF\n", 1, 3, "another space"),
            ("a{b=\"c\" d=\"e\"} 1\n# EOF\n", 1, 8, "expected `,` or `}`"),
            ("# UNIT foo_bytes seconds\n# EOF\n", 1, 18, "not a suffix"),
            ("# TYPE foo untyped\n# EOF\n", 1, 12, "invalid metric type"),
            ("# HELP foo\n# EOF\n", 1, 11, "expected a space"),
            ("a 1 # {\"q\"} 1\n# EOF\n", 1, 11, "expected `=`"),
        ];
        for (input, line, col, msg) in cases {
            let e = err(input, Format::OpenMetrics);
            assert_eq!((e.line, e.col), (line, col), "{input:?}: {e}");
            assert!(e.message.contains(msg), "{input:?}: {e}");
        }
    }

    #[test]
    fn groups_families_by_suffix() {
        let input = "# TYPE foo counter\nfoo_total 1\nfoo_created 2\n# TYPE bar summary\nbar_count 1\nbar_sum 2\n\
            bar{quantile=\"0.5\"} 1\nbar_created 3\n# TYPE baz histogram\nbaz_bucket{le=\"+Inf\"} 1\nbaz_count 1\n\
            baz_sum 1\n# TYPE fizz_created gauge\nfizz_created 1\n# TYPE i info\ni_info{v=\"1\"} 1\n\
            # TYPE s stateset\ns{s=\"a\"} 1\n# TYPE un unknown\n_underscore 1\n# EOF\n";
        let (fams, warnings) = group(parse(input.as_bytes(), Format::OpenMetrics).unwrap());
        assert!(warnings.is_empty(), "{warnings:?}");
        let summary: Vec<(String, MetricType, usize)> =
            fams.iter().map(|f| (f.name.clone(), f.kind, f.samples.len())).collect();
        assert_eq!(
            summary,
            vec![
                ("foo".into(), MetricType::Counter, 2),
                ("bar".into(), MetricType::Summary, 4),
                ("baz".into(), MetricType::Histogram, 3),
                ("fizz_created".into(), MetricType::Gauge, 1),
                ("i".into(), MetricType::Info, 1),
                ("s".into(), MetricType::Stateset, 1),
                ("un".into(), MetricType::Unknown, 0),
                ("_underscore".into(), MetricType::Unknown, 1),
            ]
        );
    }

    #[test]
    fn groups_text_format_and_undeclared_series() {
        let input = "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\nloose 1\nloose{a=\"b\"} 2\n\
            # TYPE c_total counter\nc_total 1\nh_sum{x=\"y\"} 1\n";
        let (fams, _) = group(parse(input.as_bytes(), Format::Text).unwrap());
        let summary: Vec<(&str, usize)> = fams.iter().map(|f| (f.name.as_str(), f.samples.len())).collect();
        assert_eq!(summary, vec![("h", 4), ("loose", 2), ("c_total", 1)]);
    }
}
