//! Go's `time` as Prometheus shows it: [`GoTime`], the slice of `time.Time` that templates reach
//! (a UTC instant with nanoseconds, its `String()` and `Format(layout)` with Go's reference-time
//! layouts, and the simple accessors), and durations as `prometheus/common/model` reads and
//! prints them (`ParseDuration`, `Duration.String`), the one spelling of durations in rule files,
//! PromQL and templates.

use std::fmt;
use std::fmt::Write as _;

use super::strconv::quote;

/// A UTC instant: `secs` since the Unix epoch plus `nanos` (0..1e9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoTime {
    pub secs: i64,
    pub nanos: u32,
}

pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// Civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

impl GoTime {
    /// Go's `time.Unix(sec, nsec)`: nanoseconds outside 0..1e9 carry into seconds.
    pub fn from_unix(secs: i64, nanos: i64) -> GoTime {
        let secs = secs.saturating_add(nanos.div_euclid(1_000_000_000));
        GoTime { secs, nanos: nanos.rem_euclid(1_000_000_000) as u32 }
    }

    fn days(&self) -> i64 {
        self.secs.div_euclid(86_400)
    }

    pub fn date(&self) -> (i64, u32, u32) {
        civil_from_days(self.days())
    }

    pub fn clock(&self) -> (u32, u32, u32) {
        let s = self.secs.rem_euclid(86_400) as u32;
        (s / 3600, s / 60 % 60, s % 60)
    }

    pub fn weekday(&self) -> usize {
        // 1970-01-01 was a Thursday.
        (self.days() + 4).rem_euclid(7) as usize
    }

    pub fn year_day(&self) -> u32 {
        let (y, m, d) = self.date();
        const CUM: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        let mut yd = CUM[(m - 1) as usize] + d;
        if m > 2 && is_leap(y) {
            yd += 1;
        }
        yd
    }

    /// The number of days in this time's month.
    pub fn days_in_month(&self) -> u32 {
        let (y, m, _) = self.date();
        match m {
            2 if is_leap(y) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    pub fn unix_nano(&self) -> i64 {
        self.secs.wrapping_mul(1_000_000_000).wrapping_add(i64::from(self.nanos))
    }

    /// Go's `Time.Format(layout)` for a UTC time.
    pub fn format(&self, layout: &str) -> String {
        let (year, month, day) = self.date();
        let (hour, min, sec) = self.clock();
        let mut out = String::new();
        let mut rest = layout;
        while !rest.is_empty() {
            let (prefix, std, suffix) = next_std_chunk(rest);
            out.push_str(prefix);
            let Some(std) = std else { break };
            rest = suffix;
            match std {
                Std::LongMonth => out.push_str(MONTHS[(month - 1) as usize]),
                Std::Month => out.push_str(&MONTHS[(month - 1) as usize][..3]),
                Std::NumMonth => out.push_str(&month.to_string()),
                Std::ZeroMonth => out.push_str(&format!("{month:02}")),
                Std::LongWeekDay => out.push_str(DAYS[self.weekday()]),
                Std::WeekDay => out.push_str(&DAYS[self.weekday()][..3]),
                Std::Day => out.push_str(&day.to_string()),
                Std::UnderDay => out.push_str(&format!("{day:>2}")),
                Std::ZeroDay => out.push_str(&format!("{day:02}")),
                Std::UnderYearDay => out.push_str(&format!("{:>3}", self.year_day())),
                Std::ZeroYearDay => out.push_str(&format!("{:03}", self.year_day())),
                Std::Hour => out.push_str(&format!("{hour:02}")),
                Std::Hour12 => out.push_str(&(if hour % 12 == 0 { 12 } else { hour % 12 }).to_string()),
                Std::ZeroHour12 => out.push_str(&format!("{:02}", if hour % 12 == 0 { 12 } else { hour % 12 })),
                Std::Minute => out.push_str(&min.to_string()),
                Std::ZeroMinute => out.push_str(&format!("{min:02}")),
                Std::Second => out.push_str(&sec.to_string()),
                Std::ZeroSecond => out.push_str(&format!("{sec:02}")),
                Std::LongYear => {
                    if year < 0 {
                        out.push_str(&format!("-{:04}", -year));
                    } else {
                        out.push_str(&format!("{year:04}"));
                    }
                }
                Std::Year => out.push_str(&format!("{:02}", year.rem_euclid(100))),
                Std::PM => out.push_str(if hour >= 12 { "PM" } else { "AM" }),
                Std::Pm => out.push_str(if hour >= 12 { "pm" } else { "am" }),
                Std::Tz => out.push_str("UTC"),
                Std::IsoZ => out.push('Z'),
                Std::NumTz(s) => out.push_str(s),
                Std::Frac { sep, digits, trim } => {
                    let frac = format!("{:09}", self.nanos);
                    let mut f = &frac[..digits.min(9)];
                    if trim {
                        f = f.trim_end_matches('0');
                        if f.is_empty() {
                            continue;
                        }
                    }
                    out.push(sep);
                    out.push_str(f);
                }
            }
        }
        out
    }
}

impl fmt::Display for GoTime {
    /// Go's `Time.String()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format("2006-01-02 15:04:05.999999999 -0700 MST"))
    }
}

#[derive(Clone, Copy)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Tz,
    IsoZ,
    NumTz(&'static str),
    Frac { sep: char, digits: usize, trim: bool },
}

fn starts_with_lower(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

/// Go's `nextStdChunk`: the text before the first layout element, the element, the rest.
fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let b = layout.as_bytes();
    let at = |i: usize, s: &str| layout.get(i..).is_some_and(|r| r.starts_with(s));
    for i in 0..b.len() {
        let pre = &layout[..i];
        let from = |n: usize| layout.get(i + n..).unwrap_or("");
        match b[i] {
            b'J' if at(i, "Jan") => {
                if at(i, "January") {
                    return (pre, Some(Std::LongMonth), from(7));
                }
                if !starts_with_lower(from(3)) {
                    return (pre, Some(Std::Month), from(3));
                }
            }
            b'M' => {
                if at(i, "Mon") {
                    if at(i, "Monday") {
                        return (pre, Some(Std::LongWeekDay), from(6));
                    }
                    if !starts_with_lower(from(3)) {
                        return (pre, Some(Std::WeekDay), from(3));
                    }
                }
                if at(i, "MST") {
                    return (pre, Some(Std::Tz), from(3));
                }
            }
            b'0' => {
                if let Some(&c) = b.get(i + 1) {
                    let std = match c {
                        b'1' => Some(Std::ZeroMonth),
                        b'2' => Some(Std::ZeroDay),
                        b'3' => Some(Std::ZeroHour12),
                        b'4' => Some(Std::ZeroMinute),
                        b'5' => Some(Std::ZeroSecond),
                        b'6' => Some(Std::Year),
                        _ => None,
                    };
                    if std.is_some() {
                        return (pre, std, from(2));
                    }
                }
                if at(i, "002") {
                    return (pre, Some(Std::ZeroYearDay), from(3));
                }
            }
            b'1' => {
                if at(i, "15") {
                    return (pre, Some(Std::Hour), from(2));
                }
                return (pre, Some(Std::NumMonth), from(1));
            }
            b'2' => {
                if at(i, "2006") {
                    return (pre, Some(Std::LongYear), from(4));
                }
                return (pre, Some(Std::Day), from(1));
            }
            b'_' => {
                if at(i, "_2") {
                    if at(i, "_2006") {
                        return (&layout[..i + 1], Some(Std::LongYear), from(5));
                    }
                    return (pre, Some(Std::UnderDay), from(2));
                }
                if at(i, "__2") {
                    return (pre, Some(Std::UnderYearDay), from(3));
                }
            }
            b'3' => return (pre, Some(Std::Hour12), from(1)),
            b'4' => return (pre, Some(Std::Minute), from(1)),
            b'5' => return (pre, Some(Std::Second), from(1)),
            b'P' if at(i, "PM") => return (pre, Some(Std::PM), from(2)),
            b'p' if at(i, "pm") => return (pre, Some(Std::Pm), from(2)),
            b'-' => {
                for (pat, out) in [
                    ("-070000", "+000000"),
                    ("-07:00:00", "+00:00:00"),
                    ("-0700", "+0000"),
                    ("-07:00", "+00:00"),
                    ("-07", "+00"),
                ] {
                    if at(i, pat) {
                        return (pre, Some(Std::NumTz(out)), from(pat.len()));
                    }
                }
            }
            b'Z' => {
                for pat in ["Z070000", "Z07:00:00", "Z0700", "Z07:00", "Z07"] {
                    if at(i, pat) {
                        return (pre, Some(Std::IsoZ), from(pat.len()));
                    }
                }
            }
            c @ (b'.' | b',') => {
                if let Some(&ch) = b.get(i + 1).filter(|&&ch| ch == b'0' || ch == b'9') {
                    let mut j = i + 1;
                    while b.get(j) == Some(&ch) {
                        j += 1;
                    }
                    if !b.get(j).is_some_and(u8::is_ascii_digit) {
                        let std = Std::Frac { sep: c as char, digits: j - (i + 1), trim: ch == b'9' };
                        return (pre, Some(std), from(j - i));
                    }
                }
            }
            _ => {}
        }
    }
    (layout, None, "")
}

/// `model.ParseDuration`: `1y2w3d4h5m6s7ms` (units from largest to smallest, each at most once,
/// integers only; `0` alone needs no unit), in nanoseconds, or Prometheus's message.
pub fn parse_duration(orig: &str) -> Result<i64, String> {
    match orig {
        "0" => return Ok(0),
        "" => return Err("empty duration string".to_string()),
        _ => {}
    }
    let invalid = || format!("not a valid duration string: {}", quote(orig));
    let mut s = orig.as_bytes();
    let mut dur: u64 = 0;
    let mut last_unit_pos = 0;
    while !s.is_empty() {
        let i = s.iter().position(|c| !c.is_ascii_digit()).unwrap_or(s.len());
        if i == 0 {
            return Err(invalid());
        }
        let v: u64 = std::str::from_utf8(&s[..i]).ok().and_then(|d| d.parse().ok()).ok_or_else(invalid)?;
        s = &s[i..];
        let j = s.iter().position(|c| c.is_ascii_digit()).unwrap_or(s.len());
        if j == 0 {
            return Err(invalid());
        }
        let unit = String::from_utf8_lossy(&s[..j]);
        s = &s[j..];
        let (pos, mult): (u32, u64) = match unit.as_ref() {
            "y" => (1, 365 * 24 * 3600 * 1_000_000_000),
            "w" => (2, 7 * 24 * 3600 * 1_000_000_000),
            "d" => (3, 24 * 3600 * 1_000_000_000),
            "h" => (4, 3600 * 1_000_000_000),
            "m" => (5, 60 * 1_000_000_000),
            "s" => (6, 1_000_000_000),
            "ms" => (7, 1_000_000),
            _ => return Err(format!("unknown unit {} in duration {}", quote(&unit), quote(orig))),
        };
        if pos <= last_unit_pos {
            return Err(invalid());
        }
        last_unit_pos = pos;
        if v > (1u64 << 63) / mult {
            return Err("duration out of range".to_string());
        }
        dur += v * mult;
        if dur > (1u64 << 63) - 1 {
            return Err("duration out of range".to_string());
        }
    }
    Ok(dur as i64)
}

/// `model.Duration(d).String()` for a duration in milliseconds: years and weeks only when they
/// divide the duration exactly, then days, hours, minutes, seconds, milliseconds. A negative
/// duration prints with a leading `-` (Prometheus's printers add that sign themselves).
pub fn format_duration_ms(ms: i64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    let mut r = String::new();
    if ms < 0 {
        r.push('-');
    }
    let mut ms = ms.unsigned_abs();
    for (unit, mult, exact) in [
        ("y", 365 * 24 * 3_600_000u64, true),
        ("w", 7 * 24 * 3_600_000, true),
        ("d", 24 * 3_600_000, false),
        ("h", 3_600_000, false),
        ("m", 60_000, false),
        ("s", 1000, false),
        ("ms", 1, false),
    ] {
        if exact && ms % mult != 0 {
            continue;
        }
        let v = ms / mult;
        if v > 0 {
            let _ = write!(r, "{v}{unit}");
            ms -= v * mult;
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_like_go() {
        assert_eq!(GoTime::from_unix(1_609_459_200, 500_000_000).to_string(), "2021-01-01 00:00:00.5 +0000 UTC");
        assert_eq!(GoTime::from_unix(0, 0).to_string(), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(GoTime::from_unix(0, -500_000_000).to_string(), "1969-12-31 23:59:59.5 +0000 UTC");
        assert_eq!(GoTime::from_unix(951_782_400, 0).to_string(), "2000-02-29 00:00:00 +0000 UTC");
    }

    #[test]
    fn layouts() {
        let t = GoTime::from_unix(1_700_000_000, 123_456_789);
        assert_eq!(t.format("2006-01-02T15:04:05Z07:00"), "2023-11-14T22:13:20Z");
        assert_eq!(t.format("Mon Jan _2 3:04:05.000 PM MST 2006"), "Tue Nov 14 10:13:20.123 PM UTC 2023");
        assert_eq!(t.format("Monday, January 2 06 -0700 .999999 002"), "Tuesday, November 14 23 +0000 .123456 318");
        assert_eq!(t.format("Janx"), "Janx");
        assert_eq!(t.year_day(), 318);
    }

    #[test]
    fn durations_follow_model_parse_duration() {
        let ms = |s: &str| parse_duration(s).map(|ns| ns / 1_000_000);
        assert_eq!(parse_duration("5m"), Ok(300_000_000_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("1s500ms"), Ok(1_500_000_000));
        assert_eq!(parse_duration("0"), Ok(0));
        // confirmed with promtool 3.5.3 through the template function `parseDuration`
        assert_eq!(ms("1y2w3d4h5m6s7ms"), Ok(33_019_506_007));
        assert_eq!(ms("2562047h"), Ok(9_223_369_200_000));
        for (s, e) in [
            ("", "empty duration string"),
            ("5", "not a valid duration string: \"5\""),
            ("5x", "unknown unit \"x\" in duration \"5x\""),
            ("5 m", "unknown unit \" m\" in duration \"5 m\""),
            ("1m1h", "not a valid duration string: \"1m1h\""),
            ("1.5h", "unknown unit \".\" in duration \"1.5h\""),
            ("5y1hs", "unknown unit \"hs\" in duration \"5y1hs\""),
            ("-1m", "not a valid duration string: \"-1m\""),
            ("1d1d", "not a valid duration string: \"1d1d\""),
            ("1ms1s", "not a valid duration string: \"1ms1s\""),
            ("300y", "duration out of range"),
            ("300000000y", "duration out of range"),
            ("10000000000000000000s", "duration out of range"),
            ("100000000000000000000s", "not a valid duration string: \"100000000000000000000s\""),
            ("2562048h", "duration out of range"),
            ("1\u{1}s", "unknown unit \"\\x01s\" in duration \"1\\x01s\""),
        ] {
            assert_eq!(parse_duration(s), Err(e.to_string()), "{s}");
        }
    }

    #[test]
    fn duration_strings_follow_model_duration() {
        assert_eq!(format_duration_ms(300_000), "5m");
        assert_eq!(format_duration_ms(90_000), "1m30s");
        assert_eq!(format_duration_ms(5_400_000), "1h30m");
        assert_eq!(format_duration_ms(1500), "1s500ms");
        assert_eq!(format_duration_ms(14 * 86_400_000), "2w");
        assert_eq!(format_duration_ms(10 * 86_400_000), "10d");
        assert_eq!(format_duration_ms(90 * 86_400_000), "90d");
        assert_eq!(format_duration_ms(365 * 86_400_000), "1y");
        assert_eq!(format_duration_ms(-90_000), "-1m30s");
        assert_eq!(format_duration_ms(0), "0s");
    }
}
