//! The phase language: `scrape 15s; by path=/predict; 10m at 100 rps with 6% 5xx; 5m at 0 rps`.
//!
//! A small hand-written tokenizer and recursive-descent parser rather than a grammar crate: the
//! language has a dozen keywords, and every error must carry the byte offset of the offending word so
//! that a test file can point at it (line:col) inside a YAML block scalar. The full syntax is in
//! `docs/scenarios.md`; the parser is the reference.

use std::ops::Range;

/// A parse (or validation) error at a byte range of the scenario text.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Range<usize>,
}

impl SyntaxError {
    fn new(message: impl Into<String>, span: Range<usize>) -> Self {
        SyntaxError { message: message.into(), span }
    }
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

/// The buckets `prometheus_client`'s `Histogram` declares by default (the example exporter's).
pub const DEFAULT_BUCKETS: [f64; 14] =
    [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];

/// Request latency of a phase.
#[derive(Debug, Clone, PartialEq)]
pub enum Latency {
    /// Every request takes this many seconds.
    Fixed(f64),
    /// `(quantile, seconds)` points, sorted; the distribution is linear between them (see `compile`).
    Quantiles(Vec<(f64, f64)>),
}

/// A share of a phase's requests answered with a status other than the default.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    /// The `status` label value written (`5xx` is written as `500`).
    pub status: String,
    pub fraction: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// Traffic, scraped.
    Traffic { rps: f64, shares: Vec<Share>, latency: Option<Latency> },
    /// No scrapes; the exporter keeps counting at the previous phase's traffic.
    Gap,
    /// The target is gone: one staleness marker, no samples, no traffic; counters restart after it.
    Stale,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub kind: StepKind,
    pub start_ms: i64,
    pub duration_ms: i64,
    pub span: Range<usize>,
}

impl Step {
    pub fn end_ms(&self) -> i64 {
        self.start_ms + self.duration_ms
    }
}

/// How long a scenario runs on after a final `stale` without a duration: the lookback delta, so
/// that everything reading the gone series has seen it go.
pub const OPEN_STALE_MS: i64 = 5 * 60_000;

/// A parsed scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub scrape_ms: i64,
    /// `eval D`: the rule evaluation interval, overriding the test file's.
    pub eval_ms: Option<i64>,
    /// `by` labels on every series, sorted by name.
    pub labels: Vec<(String, String)>,
    pub requests_metric: String,
    pub latency_metric: String,
    /// Finite upper bounds, increasing (`+Inf` is implied).
    pub buckets: Vec<f64>,
    /// The status of requests no share claims.
    pub ok_status: String,
    pub steps: Vec<Step>,
    /// `reset at T`: every counter restarts from zero at T.
    pub resets: Vec<i64>,
}

impl Scenario {
    pub fn end_ms(&self) -> i64 {
        self.steps.last().map_or(0, Step::end_ms)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Sep,
    Comma,
    Eq,
}

fn tokenize(text: &str) -> Result<Vec<(Tok, Range<usize>)>, SyntaxError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'\n' | b';' => {
                out.push((Tok::Sep, i..i + 1));
                i += 1;
            }
            b',' => {
                out.push((Tok::Comma, i..i + 1));
                i += 1;
            }
            b'=' => {
                out.push((Tok::Eq, i..i + 1));
                i += 1;
            }
            b'#' => {
                while b.get(i).is_some_and(|c| *c != b'\n') {
                    i += 1;
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                let mut s = String::new();
                loop {
                    match text[i..].chars().next() {
                        None | Some('\n') => return Err(SyntaxError::new("unterminated string", start..i)),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') => {
                            let next = text[i + 1..].chars().next();
                            match next {
                                Some(ch @ ('"' | '\\')) => {
                                    s.push(ch);
                                    i += 2;
                                }
                                _ => return Err(SyntaxError::new("only \\\" and \\\\ escapes are known", i..i + 1)),
                            }
                        }
                        Some(ch) => {
                            s.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                out.push((Tok::Word(s), start..i));
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                while let Some(ch) = text[i..].chars().next() {
                    if ch.is_whitespace() || matches!(ch, ';' | ',' | '=' | '#' | '"') {
                        break;
                    }
                    i += ch.len_utf8();
                }
                out.push((Tok::Word(text[start..i].to_string()), start..i));
            }
        }
    }
    Ok(out)
}

/// Parses a number with an optional unit from the front of `s`: `1.5m` → (1.5, "m").
fn split_number(s: &str) -> Option<(f64, &str)> {
    let end =
        s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e')).unwrap_or(s.len());
    // `e` belongs to the number only when digits follow it (`1e3`), not in a unit
    let (mut num, mut rest) = s.split_at(end);
    if num.ends_with('e') {
        num = &num[..num.len() - 1];
        rest = &s[num.len()..];
    }
    let v: f64 = num.parse().ok()?;
    v.is_finite().then_some((v, rest))
}

/// A duration in seconds: one or more `NUMBER UNIT` parts (`ms`, `s`, `m`, `h`, `d`), fractions allowed.
pub fn parse_seconds(s: &str) -> Option<f64> {
    let mut rest = s;
    let mut total = 0.0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let (v, r) = split_number(rest)?;
        if v < 0.0 {
            return None;
        }
        let unit_len = r.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(r.len());
        let (unit, r) = r.split_at(unit_len);
        let mult = match unit {
            "ms" => 0.001,
            "us" | "µs" => 0.000_001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            _ => return None,
        };
        total += v * mult;
        rest = r;
    }
    Some(total)
}

struct Parser<'t> {
    toks: Vec<(Tok, Range<usize>)>,
    pos: usize,
    text_len: usize,
    _text: &'t str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&(Tok, Range<usize>)> {
        self.toks.get(self.pos)
    }

    fn end_span(&self) -> Range<usize> {
        self.text_len..self.text_len
    }

    fn next_span(&self) -> Range<usize> {
        self.peek().map_or_else(|| self.end_span(), |(_, s)| s.clone())
    }

    fn at_end_of_statement(&self) -> bool {
        matches!(self.peek(), None | Some((Tok::Sep, _)))
    }

    fn word(&mut self, what: &str) -> Result<(String, Range<usize>), SyntaxError> {
        match self.toks.get(self.pos).cloned() {
            Some((Tok::Word(w), s)) => {
                self.pos += 1;
                Ok((w, s))
            }
            _ => Err(SyntaxError::new(format!("expected {what}"), self.next_span())),
        }
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some((Tok::Word(x), _)) if x == w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if matches!(self.peek(), Some((x, _)) if x == t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn duration_ms(&mut self, what: &str) -> Result<(i64, Range<usize>), SyntaxError> {
        let (w, span) = self.word(what)?;
        let secs = parse_seconds(&w).ok_or_else(|| {
            SyntaxError::new(format!("expected {what} (like 15s, 10m, 1h30m), found {w:?}"), span.clone())
        })?;
        let ms = secs * 1000.0;
        if ms.fract() != 0.0 || ms > 1e15 {
            return Err(SyntaxError::new(format!("{what} must be a whole number of milliseconds"), span));
        }
        Ok((ms as i64, span))
    }

    fn number(&mut self, what: &str) -> Result<(f64, Range<usize>), SyntaxError> {
        let (w, span) = self.word(what)?;
        match w.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok((v, span)),
            _ => Err(SyntaxError::new(format!("expected {what}, found {w:?}"), span)),
        }
    }

    fn expect_end(&self) -> Result<(), SyntaxError> {
        if self.at_end_of_statement() {
            Ok(())
        } else {
            let (t, s) = self.peek().cloned().unwrap_or((Tok::Sep, self.end_span()));
            let what = match t {
                Tok::Word(w) => format!("{w:?}"),
                Tok::Comma => "','".into(),
                Tok::Eq => "'='".into(),
                Tok::Sep => "end".into(),
            };
            Err(SyntaxError::new(
                format!("unexpected {what}: expected the end of the statement (';' or a new line)"),
                s,
            ))
        }
    }
}

fn is_label_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_ascii_alphabetic() || f == '_') && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

fn is_metric_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == ':')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == ':')
}

fn status_of(w: &str) -> Option<String> {
    match w.as_bytes() {
        [d @ b'1'..=b'5', b'x', b'x'] => Some(format!("{}00", *d as char)),
        [a, b, c] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => Some(w.to_string()),
        _ => None,
    }
}

fn parse_latency(p: &mut Parser<'_>) -> Result<Latency, SyntaxError> {
    let (first, span) = p.word("a latency (like 200ms, or p50=50ms p99=1s)")?;
    if !matches!(p.peek(), Some((Tok::Eq, _))) {
        let v = parse_seconds(&first)
            .ok_or_else(|| SyntaxError::new(format!("expected a latency like 200ms, found {first:?}"), span))?;
        return Ok(Latency::Fixed(v));
    }
    p.pos -= 1;
    let mut points: Vec<(f64, f64)> = Vec::new();
    while let Some((Tok::Word(w), span)) = p.peek().cloned() {
        let q =
            w.strip_prefix('p').and_then(|d| d.parse::<f64>().ok()).filter(|q| *q > 0.0 && *q < 100.0).ok_or_else(
                || SyntaxError::new(format!("expected a percentile like p90, found {w:?}"), span.clone()),
            )?;
        p.pos += 1;
        if !p.eat(&Tok::Eq) {
            return Err(SyntaxError::new("expected '=' after the percentile", p.next_span()));
        }
        let (v, vspan) = p.word("a latency")?;
        let secs = parse_seconds(&v)
            .ok_or_else(|| SyntaxError::new(format!("expected a latency like 200ms, found {v:?}"), vspan.clone()))?;
        if let Some(&(pq, pv)) = points.last()
            && (q / 100.0 <= pq || secs < pv)
        {
            return Err(SyntaxError::new(
                "percentiles must increase, with latencies that do not decrease",
                span.start..vspan.end,
            ));
        }
        if secs <= 0.0 {
            return Err(SyntaxError::new("a percentile's latency must be above zero", vspan));
        }
        points.push((q / 100.0, secs));
    }
    Ok(Latency::Quantiles(points))
}

/// Parses a scenario. Defaults: `scrape 15s`, no labels, the example exporter's metric names and
/// buckets, status `200` for requests no share claims.
pub fn parse(text: &str) -> Result<Scenario, SyntaxError> {
    let toks = tokenize(text)?;
    let mut p = Parser { toks, pos: 0, text_len: text.len(), _text: text };
    let mut sc = Scenario {
        scrape_ms: 15_000,
        eval_ms: None,
        labels: Vec::new(),
        requests_metric: "http_requests_total".into(),
        latency_metric: "http_request_latency_seconds".into(),
        buckets: DEFAULT_BUCKETS.to_vec(),
        ok_status: "200".into(),
        steps: Vec::new(),
        resets: Vec::new(),
    };
    let mut default_latency: Option<Latency> = None;
    let mut t = 0i64;
    let mut open_stale: Option<Range<usize>> = None;
    loop {
        while p.eat(&Tok::Sep) {}
        let Some((tok, span)) = p.peek().cloned() else { break };
        let Tok::Word(w) = tok else {
            return Err(SyntaxError::new("expected a statement", span));
        };
        if let Some(s) = open_stale.take() {
            return Err(SyntaxError::new("`stale` without a duration must be the last statement", s));
        }
        let start = span.start;
        p.pos += 1;
        match w.as_str() {
            "scrape" => {
                let (ms, s) = p.duration_ms("a scrape interval")?;
                if ms <= 0 {
                    return Err(SyntaxError::new("the scrape interval must be above zero", s));
                }
                if !sc.steps.is_empty() {
                    return Err(SyntaxError::new("`scrape` must come before the first phase", span));
                }
                sc.scrape_ms = ms;
            }
            "eval" => {
                let (ms, s) = p.duration_ms("an evaluation interval")?;
                if ms <= 0 {
                    return Err(SyntaxError::new("the evaluation interval must be above zero", s));
                }
                sc.eval_ms = Some(ms);
            }
            "by" => loop {
                let (name, ns) = p.word("a label name")?;
                if !is_label_name(&name) || name == "le" || name == "status" || name == "__name__" {
                    let why = if name == "status" || name == "le" {
                        format!("`{name}` is written by the scenario itself")
                    } else {
                        format!("{name:?} is not a label name")
                    };
                    return Err(SyntaxError::new(why, ns));
                }
                if !p.eat(&Tok::Eq) {
                    return Err(SyntaxError::new("expected '=' after the label name", p.next_span()));
                }
                let (value, _) = p.word("a label value")?;
                sc.labels.retain(|(n, _)| *n != name);
                sc.labels.push((name, value));
                if !p.eat(&Tok::Comma) {
                    break;
                }
            },
            "metrics" => loop {
                let (key, ks) = p.word("requests=NAME or latency=NAME")?;
                if !p.eat(&Tok::Eq) {
                    return Err(SyntaxError::new("expected '='", p.next_span()));
                }
                let (name, ns) = p.word("a metric name")?;
                if !is_metric_name(&name) {
                    return Err(SyntaxError::new(format!("{name:?} is not a metric name"), ns));
                }
                match key.as_str() {
                    "requests" => sc.requests_metric = name,
                    "latency" => sc.latency_metric = name,
                    _ => return Err(SyntaxError::new(format!("unknown metric role {key:?} (requests, latency)"), ks)),
                }
                if !p.eat(&Tok::Comma) && p.at_end_of_statement() {
                    break;
                }
            },
            "buckets" => {
                let mut b = Vec::new();
                loop {
                    let (v, s) = p.number("a bucket bound")?;
                    if b.last().is_some_and(|l| *l >= v) {
                        return Err(SyntaxError::new("bucket bounds must increase", s));
                    }
                    b.push(v);
                    if !p.eat(&Tok::Comma) {
                        break;
                    }
                }
                sc.buckets = b;
            }
            "ok" => {
                let (st, s) = p.word("a status code")?;
                sc.ok_status = status_of(&st)
                    .ok_or_else(|| SyntaxError::new(format!("expected a status like 200, found {st:?}"), s))?;
            }
            "latency" => default_latency = Some(parse_latency(&mut p)?),
            "reset" => {
                if !p.eat_word("at") {
                    return Err(SyntaxError::new("expected `at` (reset at 7m)", p.next_span()));
                }
                let (ms, _) = p.duration_ms("a time")?;
                sc.resets.push(ms);
            }
            "gap" => {
                let (ms, s) = p.duration_ms("a gap length")?;
                if !sc.steps.iter().any(|s| matches!(s.kind, StepKind::Traffic { .. })) {
                    return Err(SyntaxError::new(
                        "a gap needs a phase before it (the traffic that goes on unscraped)",
                        span,
                    ));
                }
                sc.steps.push(Step { kind: StepKind::Gap, start_ms: t, duration_ms: ms, span: start..s.end });
                t += ms;
            }
            "stale" => {
                let ms = if p.at_end_of_statement() {
                    open_stale = Some(span.clone());
                    OPEN_STALE_MS
                } else {
                    p.duration_ms("a duration")?.0
                };
                sc.steps.push(Step { kind: StepKind::Stale, start_ms: t, duration_ms: ms, span: span.clone() });
                t += ms;
            }
            _ => {
                p.pos -= 1;
                let (ms, _) = p.duration_ms("a statement (scrape, eval, by, metrics, buckets, ok, latency, reset, gap, stale) or a phase (10m at 100 rps)")?;
                if !p.eat_word("at") {
                    return Err(SyntaxError::new("expected `at` (10m at 100 rps)", p.next_span()));
                }
                let (rps, _) = p.number("a request rate")?;
                if !p.eat_word("rps") {
                    return Err(SyntaxError::new("expected `rps` after the request rate", p.next_span()));
                }
                let mut shares: Vec<Share> = Vec::new();
                let mut latency = None;
                loop {
                    if p.eat_word("with") || (!shares.is_empty() && p.eat_word("and")) {
                        let (pc, ps) = p.word("a share like 6%")?;
                        let f = pc
                            .strip_suffix('%')
                            .and_then(|n| n.parse::<f64>().ok())
                            .filter(|f| f.is_finite() && *f >= 0.0)
                            .ok_or_else(|| {
                                SyntaxError::new(format!("expected a percentage like 6%, found {pc:?}"), ps.clone())
                            })?;
                        let (st, ss) = p.word("a status (5xx, 503)")?;
                        let status = status_of(&st).ok_or_else(|| {
                            SyntaxError::new(format!("expected a status like 5xx or 503, found {st:?}"), ss.clone())
                        })?;
                        let total: f64 = shares.iter().map(|s| s.fraction).sum::<f64>() + f / 100.0;
                        if total > 1.0 + 1e-12 {
                            return Err(SyntaxError::new("the shares add up to more than 100%", ps.start..ss.end));
                        }
                        match shares.iter_mut().find(|s| s.status == status) {
                            Some(s) => s.fraction += f / 100.0,
                            None => shares.push(Share { status, fraction: f / 100.0 }),
                        }
                    } else if p.eat_word("latency") {
                        latency = Some(parse_latency(&mut p)?);
                    } else {
                        break;
                    }
                }
                let end = p.toks.get(p.pos.saturating_sub(1)).map_or(start, |(_, s)| s.end);
                sc.steps.push(Step {
                    kind: StepKind::Traffic { rps, shares, latency: latency.or_else(|| default_latency.clone()) },
                    start_ms: t,
                    duration_ms: ms,
                    span: start..end,
                });
                t += ms;
            }
        }
        p.expect_end()?;
    }
    if !sc.steps.iter().any(|s| matches!(s.kind, StepKind::Traffic { .. })) {
        return Err(SyntaxError::new("a scenario needs at least one phase, like `10m at 100 rps`", 0..text.len()));
    }
    Ok(sc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_statements_and_defaults() {
        let s = parse("scrape 30s; by path=/predict, method=POST\n10m at 100 rps with 6% 5xx and 1% 404\n5m at 0 rps # quiet\ngap 2m; reset at 7m")
            .unwrap();
        assert_eq!(s.scrape_ms, 30_000);
        assert_eq!(s.labels, [("path".to_string(), "/predict".to_string()), ("method".into(), "POST".into())]);
        assert_eq!(s.steps.len(), 3);
        assert_eq!(s.steps[1].start_ms, 600_000);
        assert_eq!(s.end_ms(), 17 * 60_000);
        assert_eq!(s.resets, [420_000]);
        match &s.steps[0].kind {
            StepKind::Traffic { rps, shares, .. } => {
                assert_eq!(*rps, 100.0);
                assert_eq!(shares[0], Share { status: "500".into(), fraction: 0.06 });
                assert_eq!(shares[1].status, "404");
            }
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn latency_forms() {
        let s = parse("latency p50=50ms p90=200ms p99=1s; 1m at 1 rps; 1m at 1 rps latency 2s").unwrap();
        match (&s.steps[0].kind, &s.steps[1].kind) {
            (
                StepKind::Traffic { latency: Some(Latency::Quantiles(q)), .. },
                StepKind::Traffic { latency: Some(l), .. },
            ) => {
                assert_eq!(q, &[(0.5, 0.05), (0.9, 0.2), (0.99, 1.0)]);
                assert_eq!(l, &Latency::Fixed(2.0));
            }
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn errors_point_at_the_word() {
        let text = "scrape 15s; 10m at 100 rps with 6 5xx";
        let e = parse(text).unwrap_err();
        assert_eq!(&text[e.span.clone()], "6");
        assert!(e.message.contains("percentage"), "{}", e.message);
        let e = parse("10m at 100 rps with 60% 5xx and 50% 404").unwrap_err();
        assert_eq!(e.message, "the shares add up to more than 100%");
        let e = parse("10m at 100 rpm").unwrap_err();
        assert_eq!(e.span, 11..14);
        let e = parse("stale; 1m at 1 rps").unwrap_err();
        assert_eq!(e.span, 0..5);
        let e = parse("by status=500; 1m at 1 rps").unwrap_err();
        assert!(e.message.contains("written by the scenario"));
        assert!(parse("scrape 15s").is_err());
        assert!(parse("1m at 1 rps latency p90=1s p50=2s").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_seconds("1m30s"), Some(90.0));
        assert_eq!(parse_seconds("512.5ms"), Some(0.5125));
        assert_eq!(parse_seconds("1e3ms"), Some(1.0));
        assert_eq!(parse_seconds("5"), None);
        assert_eq!(parse_seconds("5x"), None);
    }
}
