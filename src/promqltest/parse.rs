//! Parsing Prometheus's `.test` language (`promql/promqltest/test.go` at v3.5).
//!
//! Lines are trimmed; a line starting with `#` is empty; an empty line ends a block. Commands: `load`,
//! `load_with_nhcb`, `clear`, `eval[_fail|_warn|_info|_ordered] instant at T EXPR`,
//! `eval[_fail|_warn|_info] range from T to T step D EXPR`, followed by `expect ...` lines,
//! `expected_fail_message`/`expected_fail_regexp` (after `eval_fail`) and expected results.
//!
//! Unlike upstream, which stops at the first syntax error of a file, a broken block is recorded and
//! parsing goes on, so one unsupported expression costs one eval rather than a whole file.

use regex::Regex;

use crate::engine::series_notation::{SequenceValue, parse_go_number, parse_series_desc};
use crate::engine::value::Labels;

/// One command of a test file.
#[derive(Debug, Clone)]
pub enum Command {
    Load(Load),
    Clear,
    Eval(Box<EvalCmd>),
    /// A block that could not be parsed (1-based line, message). Counts as a failed eval when it starts
    /// with `eval`.
    Invalid {
        line: usize,
        message: String,
        is_eval: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Load {
    pub line: usize,
    pub step: i64,
    pub with_nhcb: bool,
    /// Series in first-appearance order; a later line with the same labels replaced the earlier one.
    pub series: Vec<(Labels, Vec<SequenceValue>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectKind {
    Ordered,
    Fail,
    Warn,
    NoWarn,
    Info,
    NoInfo,
}

/// `expect <kind> [msg: text | regex: re]`.
#[derive(Debug, Clone)]
pub struct Expect {
    pub kind: ExpectKind,
    pub message: Option<String>,
    pub regex: Option<Regex>,
}

impl Expect {
    pub fn matches(&self, s: &str) -> bool {
        match (&self.regex, &self.message) {
            (Some(r), _) => r.is_match(s),
            (None, Some(m)) => m == s,
            (None, None) => true,
        }
    }
    pub fn describe(&self) -> String {
        match (&self.regex, &self.message) {
            (Some(r), _) => format!("pattern {:?}", r.as_str()),
            (None, Some(m)) => format!("message {m:?}"),
            (None, None) => "anything".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum EvalKind {
    Instant { at: i64 },
    Range { start: i64, end: i64, step: i64 },
}

#[derive(Debug, Clone)]
pub struct ExpectedSeries {
    pub labels: Labels,
    /// 1-based position among the result lines (for `ordered`).
    pub pos: usize,
    pub values: Vec<SequenceValue>,
}

#[derive(Debug, Clone)]
pub struct EvalCmd {
    /// 1-based line of the `eval`.
    pub line: usize,
    pub expr: String,
    pub kind: EvalKind,
    pub fail: bool,
    pub warn: bool,
    pub info: bool,
    pub ordered: bool,
    pub expected_fail_message: Option<String>,
    pub expected_fail_regexp: Option<Regex>,
    pub expects: Vec<Expect>,
    pub expect_scalar: Option<f64>,
    pub expected: Vec<ExpectedSeries>,
}

impl EvalCmd {
    pub fn is_fail(&self) -> bool {
        self.fail || self.expects.iter().any(|e| e.kind == ExpectKind::Fail)
    }
    pub fn is_ordered(&self) -> bool {
        self.ordered || self.expects.iter().any(|e| e.kind == ExpectKind::Ordered)
    }
    pub fn expects_of(&self, k: ExpectKind) -> impl Iterator<Item = &Expect> {
        self.expects.iter().filter(move |e| e.kind == k)
    }
    /// Whether an expected value is a native histogram.
    pub fn expects_histograms(&self) -> bool {
        self.expected.iter().any(|e| e.values.iter().any(|v| matches!(v, SequenceValue::Histogram(_))))
    }
}

/// Prometheus's `model.ParseDuration`, in milliseconds: `1h30m`, `90s`, `10s53ms`, `0`.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err("empty duration string".into());
    }
    let units: [(&str, i64); 7] = [
        ("y", 365 * 24 * 3_600_000),
        ("w", 7 * 24 * 3_600_000),
        ("d", 24 * 3_600_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
        ("ms", 1),
    ];
    let b = s.as_bytes();
    let mut i = 0;
    let mut next_unit = 0;
    let mut total: i64 = 0;
    let bad = || format!("not a valid duration string: {s:?}");
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return Err(bad());
        }
        let n: i64 = s.get(start..i).and_then(|d| d.parse().ok()).ok_or_else(bad)?;
        let ustart = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = s.get(ustart..i).unwrap_or("");
        let Some(k) = units.iter().position(|(u, _)| *u == unit) else { return Err(bad()) };
        if k < next_unit {
            return Err(bad());
        }
        next_unit = k + 1;
        let (_, mult) = units[k];
        total = n
            .checked_mul(mult)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| "duration out of range".to_string())?;
    }
    Ok(total)
}

/// The lines of a file: trimmed, comments emptied.
fn lines(input: &str) -> Vec<String> {
    input
        .split('\n')
        .map(|l| {
            let t = l.trim();
            if t.starts_with('#') { String::new() } else { t.to_string() }
        })
        .collect()
}

/// Parses a whole file into commands.
pub fn parse_file(input: &str) -> Vec<Command> {
    let ls = lines(input);
    let mut cmds = Vec::new();
    let mut i = 0;
    while i < ls.len() {
        let l = &ls[i];
        if l.is_empty() {
            i += 1;
            continue;
        }
        let first = l.split([' ', '\t']).next().unwrap_or("").to_ascii_lowercase();
        let end = block_end(&ls, i);
        if first == "clear" {
            cmds.push(Command::Clear);
        } else if first.starts_with("load") {
            match parse_load(&ls, i, end) {
                Ok(c) => cmds.push(Command::Load(c)),
                Err((line, message)) => cmds.push(Command::Invalid { line, message, is_eval: false }),
            }
        } else if first.starts_with("eval") {
            match parse_eval(&ls, i, end) {
                Ok((c, next)) => {
                    cmds.push(Command::Eval(Box::new(c)));
                    i = next;
                    continue;
                }
                Err((line, message)) => cmds.push(Command::Invalid { line, message, is_eval: true }),
            }
        } else {
            cmds.push(Command::Invalid { line: i + 1, message: format!("invalid command {l:?}"), is_eval: false });
            i += 1;
            continue;
        }
        i = if first == "clear" { i + 1 } else { end };
    }
    cmds
}

/// The index after the block starting at `i` (the next empty line).
fn block_end(ls: &[String], i: usize) -> usize {
    let mut j = i + 1;
    while j < ls.len() && !ls[j].is_empty() {
        j += 1;
    }
    j
}

type PErr = (usize, String);

fn parse_load(ls: &[String], i: usize, end: usize) -> Result<Load, PErr> {
    let l = &ls[i];
    let re = Regex::new(r"^load(?:_(with_nhcb))?\s+(.+?)$").map_err(|e| (i + 1, e.to_string()))?;
    let caps = re.captures(l).ok_or((i + 1, "invalid load command. (load[_with_nhcb] <step:duration>)".to_string()))?;
    let with_nhcb = caps.get(1).is_some();
    let step_s = caps.get(2).map(|m| m.as_str()).unwrap_or("");
    let step = parse_duration(step_s).map_err(|e| (i + 1, format!("invalid step definition {step_s:?}: {e}")))?;
    let mut series: Vec<(Labels, Vec<SequenceValue>)> = Vec::new();
    for (j, def) in ls.iter().enumerate().take(end).skip(i + 1) {
        let d = parse_series_desc(def)
            .map_err(|e| (j + 1, format!("{}:{}: parse error: {}", j + 1, e.offset + 1, e.message)))?;
        match series.iter_mut().find(|(l, _)| *l == d.labels) {
            Some(slot) => slot.1 = d.values,
            None => series.push((d.labels, d.values)),
        }
    }
    Ok(Load { line: i + 1, step, with_nhcb, series })
}

fn parse_expect(line: &str) -> Result<Expect, String> {
    let re = Regex::new(r"^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$")
        .map_err(|e| e.to_string())?;
    let caps = re
        .captures(line.trim())
        .ok_or("invalid expect statement, must match `expect <type> <match_type>: <string>` format")?;
    let kind = match caps.get(1).map(|m| m.as_str()) {
        Some("ordered") => ExpectKind::Ordered,
        Some("fail") => ExpectKind::Fail,
        Some("warn") => ExpectKind::Warn,
        Some("no_warn") => ExpectKind::NoWarn,
        Some("info") => ExpectKind::Info,
        _ => ExpectKind::NoInfo,
    };
    let text = caps.get(3).map(|m| m.as_str().trim().to_string());
    match caps.get(2).map(|m| m.as_str()) {
        Some("msg") => Ok(Expect { kind, message: text, regex: None }),
        Some(_) => {
            let p = text.unwrap_or_default();
            let r = Regex::new(&p).map_err(|_| format!("invalid regex {p} for {:?}", kind))?;
            Ok(Expect { kind, message: None, regex: Some(r) })
        }
        None => Ok(Expect { kind, message: None, regex: None }),
    }
}

/// Parses an eval block; returns the command and the index of the first line it did not consume (after
/// a scalar result or `expected_fail_*`, the rest of the block is parsed as new commands, as upstream does).
fn parse_eval(ls: &[String], i: usize, end: usize) -> Result<(EvalCmd, usize), PErr> {
    let l = &ls[i];
    let line = i + 1;
    let inst = Regex::new(r"^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$")
        .map_err(|e| (line, e.to_string()))?;
    let range = Regex::new(r"^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$")
        .map_err(|e| (line, e.to_string()))?;
    let g = |c: &regex::Captures, k: usize| c.get(k).map(|m| m.as_str().to_string()).unwrap_or_default();
    let (modifier, expr, kind) = if let Some(c) = inst.captures(l) {
        let expr = g(&c, 3);
        let at_s = g(&c, 2);
        let at = parse_duration(&at_s).map_err(|e| {
            (line, format!("error in eval {expr} (line {line}): invalid timestamp definition {at_s:?}: {e}"))
        })?;
        (g(&c, 1), expr, EvalKind::Instant { at })
    } else if let Some(c) = range.captures(l) {
        let expr = g(&c, 5);
        let err = |what: &str, s: &str, e: String| {
            (line, format!("error in eval {expr} (line {line}): invalid {what} definition {s:?}: {e}"))
        };
        let (fs, ts, ss) = (g(&c, 2), g(&c, 3), g(&c, 4));
        let start = parse_duration(&fs).map_err(|e| err("start timestamp", &fs, e))?;
        let end_t = parse_duration(&ts).map_err(|e| err("end timestamp", &ts, e))?;
        if end_t < start {
            return Err((
                line,
                format!(
                    "error in eval {expr} (line {line}): invalid test definition, end timestamp ({ts}) is before start timestamp ({fs})"
                ),
            ));
        }
        let step = parse_duration(&ss).map_err(|e| err("step", &ss, e))?;
        (g(&c, 1), expr, EvalKind::Range { start, end: end_t, step })
    } else {
        return Err((line, "invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered] instant [at <offset:duration>] <query>' or 'eval[_fail|_warn] range from <from> to <to> step <step> <query>'".into()));
    };
    let mut cmd = EvalCmd {
        line,
        expr,
        kind,
        fail: modifier == "fail",
        warn: modifier == "warn",
        info: modifier == "info",
        ordered: modifier == "ordered",
        expected_fail_message: None,
        expected_fail_regexp: None,
        expects: Vec::new(),
        expect_scalar: None,
        expected: Vec::new(),
    };
    let is_instant = matches!(cmd.kind, EvalKind::Instant { .. });
    let mut pos = 0;
    let mut next = end;
    for (j, def) in ls.iter().enumerate().take(end).skip(i + 1) {
        let e = |m: String| (j + 1, format!("error in eval {} (line {line}): {m}", cmd.expr));
        if cmd.fail && def.starts_with("expected_fail_message") {
            cmd.expected_fail_message = Some(def.trim_start_matches("expected_fail_message").trim().to_string());
            next = j + 1;
            break;
        }
        if cmd.fail && def.starts_with("expected_fail_regexp") {
            let p = def.trim_start_matches("expected_fail_regexp").trim();
            cmd.expected_fail_regexp =
                Some(Regex::new(p).map_err(|x| e(format!("invalid regexp '{p}' for expected_fail_regexp: {x}")))?);
            next = j + 1;
            break;
        }
        if def.split(' ').next() == Some("expect") {
            let x = parse_expect(def).map_err(e)?;
            cmd.expects.push(x);
            let count = |k| cmd.expects.iter().filter(|x| x.kind == k).count();
            if count(ExpectKind::Info) > 0 && count(ExpectKind::NoInfo) > 0 {
                return Err(e("invalid expect lines, info and no_info cannot be used together".into()));
            }
            if count(ExpectKind::Warn) > 0 && count(ExpectKind::NoWarn) > 0 {
                return Err(e("invalid expect lines, warn and no_warn cannot be used together".into()));
            }
            if count(ExpectKind::Fail) > 1 {
                return Err(e("invalid expect lines, multiple expect fail lines are not allowed".into()));
            }
            continue;
        }
        pos += 1;
        if let Some(f) = parse_go_number(def) {
            cmd.expect_scalar = Some(f);
            cmd.expected.clear();
            next = j + 1;
            break;
        }
        let d = parse_series_desc(def)
            .map_err(|x| (j + 1, format!("{}:{}: parse error: {}", j + 1, x.offset + 1, x.message)))?;
        if d.values.len() > 1 && is_instant {
            return Err(e("expecting multiple values in instant evaluation not allowed".into()));
        }
        cmd.expect_scalar = None;
        match cmd.expected.iter_mut().find(|x| x.labels == d.labels) {
            Some(slot) => {
                slot.pos = pos;
                slot.values = d.values;
            }
            None => cmd.expected.push(ExpectedSeries { labels: d.labels, pos, values: d.values }),
        }
    }
    Ok((cmd, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("10s53ms"), Ok(10_053));
        assert_eq!(parse_duration("0"), Ok(0));
        assert!(parse_duration("30m1h").is_err());
        assert!(parse_duration("-1m").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn blocks() {
        let f = "# c\nload 5m\n  m{a=\"1\"} 0+1x3\n  m{a=\"1\"} 5\n\neval instant at 10m m\n  expect info\n  m{a=\"1\"} 5\n\neval_fail range from 0 to 10m step 5m m\n  expected_fail_message boom\n\nclear\neval instant at 0 1+1\n  2\nbogus\n";
        let c = parse_file(f);
        assert_eq!(c.len(), 6, "{c:?}");
        assert!(matches!(&c[5], Command::Invalid { line: 16, .. }), "{:?}", c[5]);
        let Command::Load(l) = &c[0] else { panic!() };
        assert_eq!(l.series.len(), 1);
        assert_eq!(l.series[0].1.len(), 1);
        let Command::Eval(e) = &c[1] else { panic!() };
        assert_eq!(e.kind, EvalKind::Instant { at: 600_000 });
        assert_eq!(e.expects.len(), 1);
        assert_eq!(e.expected[0].pos, 1);
        let Command::Eval(e) = &c[2] else { panic!() };
        assert!(e.is_fail());
        assert_eq!(e.expected_fail_message.as_deref(), Some("boom"));
        assert!(matches!(c[3], Command::Clear));
        let Command::Eval(e) = &c[4] else { panic!() };
        assert_eq!(e.expect_scalar, Some(2.0));
        assert!(matches!(c[5], Command::Invalid { .. }));
    }
}
