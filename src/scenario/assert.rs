//! Scenario assertions: `HighErrorRate fires within 10m after 10m`, `HighErrorRate never fires`,
//! `HighErrorRate resolves within 5m after 20m`, `job:errors:ratio stays within [0, 0.05]`.
//!
//! They are checked against the frames of a whole run (every evaluation), not at one `eval_time`
//! as promtool's `alert_rule_test` is: "within D" means at some evaluation in the window, "never"
//! means at no evaluation. Times are from the start of the scenario.

use std::ops::Range;

use crate::unittest::gostr::model_duration;

use super::run::Frame;
use super::syntax::{SyntaxError, parse_seconds};

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    FiresWithin(i64),
    NeverFires,
    ResolvesWithin(i64),
    StaysWithin(f64, f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    pub name: String,
    pub kind: Kind,
    /// `after T`; `None` when not written (then 0, or for `resolves` the start of the last phase).
    pub after: Option<i64>,
    pub span: Range<usize>,
}

impl Assertion {
    pub fn is_alert(&self) -> bool {
        !matches!(self.kind, Kind::StaysWithin(..))
    }
}

fn words(text: &str) -> Vec<(&str, Range<usize>)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((&text[s..i], s..i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

fn duration(w: Option<&(&str, Range<usize>)>, end: usize, what: &str) -> Result<i64, SyntaxError> {
    let Some((w, span)) = w else {
        return Err(SyntaxError { message: format!("expected {what}"), span: end..end });
    };
    parse_seconds(w).map(|s| (s * 1000.0).round() as i64).ok_or_else(|| SyntaxError {
        message: format!("expected {what} (like 5m or 1m30s), found {w:?}"),
        span: span.clone(),
    })
}

/// Parses one assertion.
pub fn parse(text: &str) -> Result<Assertion, SyntaxError> {
    let w = words(text);
    let end = text.len();
    let err = |message: String, span: Range<usize>| SyntaxError { message, span };
    let Some((name, name_span)) = w.first().cloned() else {
        return Err(err("expected an assertion like `HighErrorRate fires within 10m`".into(), 0..end));
    };
    let verb = w.get(1).map(|(v, s)| (*v, s.clone()));
    let mut i;
    let kind = match verb.as_ref().map(|(v, _)| *v) {
        Some("fires") | Some("resolves") => {
            if w.get(2).map(|x| x.0) != Some("within") {
                let span = w.get(2).map_or(end..end, |x| x.1.clone());
                return Err(err("expected `within D`".into(), span));
            }
            let d = duration(w.get(3), end, "a duration")?;
            i = 4;
            if verb.as_ref().map(|v| v.0) == Some("fires") { Kind::FiresWithin(d) } else { Kind::ResolvesWithin(d) }
        }
        Some("never") => {
            if w.get(2).map(|x| x.0) != Some("fires") {
                let span = w.get(2).map_or(end..end, |x| x.1.clone());
                return Err(err("expected `never fires`".into(), span));
            }
            i = 3;
            Kind::NeverFires
        }
        Some("stays") => {
            if w.get(2).map(|x| x.0) != Some("within") {
                let span = w.get(2).map_or(end..end, |x| x.1.clone());
                return Err(err("expected `within [LOW, HIGH]`".into(), span));
            }
            // the interval may hold spaces: take the words up to the one ending in `]`
            let start = w.get(3).map_or(end, |x| x.1.start);
            let mut j = 3;
            while w.get(j).is_some_and(|x| !x.0.ends_with(']')) {
                j += 1;
            }
            let stop = w.get(j).map_or(end, |x| x.1.end);
            let raw = &text[start..stop];
            let bounds = raw
                .strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|r| r.split_once(','))
                .and_then(|(a, b)| Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?)))
                .filter(|(a, b)| a <= b);
            let Some((a, b)) = bounds else {
                return Err(err(format!("expected an interval like [0, 0.05], found {raw:?}"), start..stop));
            };
            i = j + 1;
            Kind::StaysWithin(a, b)
        }
        _ => {
            let span = verb.map_or(end..end, |v| v.1);
            return Err(err(
                "expected `fires within D`, `never fires`, `resolves within D` or `stays within [A, B]`".into(),
                span,
            ));
        }
    };
    let mut after = None;
    if let Some((a, s)) = w.get(i) {
        if *a != "after" {
            return Err(err(format!("unexpected {a:?}: expected `after T` or the end"), s.clone()));
        }
        after = Some(duration(w.get(i + 1), end, "a time")?);
        i += 2;
    }
    if let Some((a, s)) = w.get(i) {
        return Err(err(format!("unexpected {a:?} at the end of the assertion"), s.clone()));
    }
    let _ = name_span;
    Ok(Assertion { name: name.to_string(), kind, after, span: 0..end })
}

fn d(ms: i64) -> String {
    model_duration(ms)
}

fn activity(frames: &[Frame], i: usize, from: i64) -> String {
    match (super::run::first_firing(frames, i, from), super::run::first_active(frames, i, from)) {
        (Some(f), Some(a)) if a < f => format!("first pending at {}, first firing at {}", d(a), d(f)),
        (Some(f), _) => format!("first firing at {}", d(f)),
        (None, Some(a)) => format!("pending from {} but never firing", d(a)),
        (None, None) => "never pending".into(),
    }
}

/// Checks an assertion against a run. `slot` is the index of its alert (for alert assertions) or of
/// its expression (for `stays within`) in the frames; `last_phase` is the start of the last phase.
/// The error explains what happened instead.
pub fn check(a: &Assertion, frames: &[Frame], slot: usize, last_phase: i64) -> Result<(), String> {
    let firing = |f: &Frame| f.alerts.get(slot).is_some_and(|c| c.firing > 0);
    let end = frames.last().map_or(0, |f| f.ts);
    match a.kind {
        Kind::FiresWithin(dur) => {
            let from = a.after.unwrap_or(0);
            if frames.iter().any(|f| f.ts >= from && f.ts <= from + dur && firing(f)) {
                return Ok(());
            }
            Err(format!(
                "{} does not fire between {} and {}: {}",
                a.name,
                d(from),
                d(from + dur),
                activity(frames, slot, from)
            ))
        }
        Kind::NeverFires => {
            let from = a.after.unwrap_or(0);
            match frames.iter().find(|f| f.ts >= from && firing(f)) {
                None => Ok(()),
                Some(f) => {
                    let n = frames.iter().filter(|f| f.ts >= from && firing(f)).count();
                    Err(format!(
                        "{} fires at {} ({} of the evaluations from {} to {}; {})",
                        a.name,
                        d(f.ts),
                        n,
                        d(from),
                        d(end),
                        activity(frames, slot, from)
                    ))
                }
            }
        }
        Kind::ResolvesWithin(dur) => {
            let from = a.after.unwrap_or(last_phase);
            let Some(first) = super::run::first_firing(frames, slot, 0) else {
                return Err(format!("{} never fires, so it cannot resolve ({})", a.name, activity(frames, slot, 0)));
            };
            // the last firing evaluation; resolved means not firing at any evaluation after it
            let last = frames.iter().rev().find(|f| firing(f)).map_or(first, |f| f.ts);
            let resolved = frames.iter().find(|f| f.ts > last).map(|f| f.ts);
            match resolved {
                None => Err(format!("{} is still firing at {}, the end of the scenario", a.name, d(end))),
                Some(r) if r < from => {
                    Err(format!("{} resolves at {}, before {} (it never fires after that)", a.name, d(r), d(from)))
                }
                Some(r) if r > from + dur => Err(format!(
                    "{} resolves at {}, later than {} ({} after {})",
                    a.name,
                    d(r),
                    d(from + dur),
                    d(r - from),
                    d(from)
                )),
                Some(_) => Ok(()),
            }
        }
        Kind::StaysWithin(lo, hi) => {
            let from = a.after.unwrap_or(0);
            let mut seen = 0;
            for f in frames.iter().filter(|f| f.ts >= from) {
                for (labels, v) in f.values.get(slot).map_or(&[][..], |v| v.as_slice()) {
                    seen += 1;
                    if !(lo <= *v && *v <= hi) {
                        let l = crate::unittest::gostr::engine_labels_string(labels);
                        return Err(format!(
                            "{} is {} at {} ({l}), outside [{}, {}]",
                            a.name,
                            crate::engine::value::format_go_g(*v),
                            d(f.ts),
                            crate::engine::value::format_go_g(lo),
                            crate::engine::value::format_go_g(hi)
                        ));
                    }
                }
            }
            if seen == 0 {
                return Err(format!("{} has no samples from {} to {}", a.name, d(from), d(end)));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run::AlertCount;
    use super::*;
    use crate::engine::value::Labels;

    fn frames(states: &str) -> Vec<Frame> {
        // one character per minute: . inactive, p pending, F firing
        states
            .chars()
            .enumerate()
            .map(|(i, c)| Frame {
                ts: i as i64 * 60_000,
                alerts: vec![AlertCount { pending: (c == 'p') as usize, firing: (c == 'F') as usize }],
                values: vec![vec![(Labels::empty(), i as f64)]],
            })
            .collect()
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(parse("A fires within 6m").unwrap().kind, Kind::FiresWithin(360_000));
        let a = parse("A resolves within 5m after 10m").unwrap();
        assert_eq!((a.kind, a.after), (Kind::ResolvesWithin(300_000), Some(600_000)));
        assert_eq!(parse("A never fires").unwrap().kind, Kind::NeverFires);
        assert_eq!(parse("r:x stays within [0, 0.05] after 1m").unwrap().kind, Kind::StaysWithin(0.0, 0.05));
        assert_eq!(parse("r:x stays within [0,1]").unwrap().kind, Kind::StaysWithin(0.0, 1.0));
        let e = parse("A fires within 6 minutes").unwrap_err();
        assert_eq!(e.span, 15..16);
        let e = parse("A fires sometimes").unwrap_err();
        assert_eq!(e.span, 8..17);
        assert!(parse("A stays within [2, 1]").is_err());
        assert!(parse("A never fires today").is_err());
    }

    #[test]
    fn checks_against_frames() {
        let f = frames("..ppFFF...");
        assert!(check(&parse("A fires within 4m").unwrap(), &f, 0, 0).is_ok());
        let e = check(&parse("A fires within 3m").unwrap(), &f, 0, 0).unwrap_err();
        assert_eq!(e, "A does not fire between 0s and 3m: first pending at 2m, first firing at 4m");
        let e = check(&parse("A never fires").unwrap(), &f, 0, 0).unwrap_err();
        assert!(e.starts_with("A fires at 4m (3 of the evaluations"), "{e}");
        assert!(check(&parse("A never fires after 7m").unwrap(), &f, 0, 0).is_ok());
        assert!(check(&parse("A resolves within 2m after 6m").unwrap(), &f, 0, 0).is_ok());
        let e = check(&parse("A resolves within 30s after 5m").unwrap(), &f, 0, 0).unwrap_err();
        assert_eq!(e, "A resolves at 7m, later than 5m30s (2m after 5m)");
        let e = check(&parse("A resolves within 1m").unwrap(), &frames("..FF"), 0, 0).unwrap_err();
        assert_eq!(e, "A is still firing at 3m, the end of the scenario");
        assert!(check(&parse("x stays within [0, 9]").unwrap(), &f, 0, 0).is_ok());
        let e = check(&parse("x stays within [0, 5]").unwrap(), &f, 0, 0).unwrap_err();
        assert_eq!(e, "x is 6 at 6m ({}), outside [0, 5]");
    }
}
