//! Number and duration conversions with Go's and `prometheus/common`'s exact rules.
//!
//! Prometheus turns a number token into a float with `strconv.ParseInt(s, 0, 64)` and, if that
//! fails, `strconv.ParseFloat(s, 64)`. That makes `010` octal (8), `0x1F` hex, `1_000` valid and
//! `1e400` an error, which Rust's `str::parse` would all treat differently; durations follow
//! `model.ParseDuration`, whose unit ordering and messages users see verbatim.

use super::goquote::quote;

/// Prometheus's `parser.number`: the value of a NUMBER token, or the error text after
/// `error parsing number: `.
pub fn parse_number(s: &str) -> Result<f64, String> {
    if let Some(v) = parse_int_base0(s) {
        return Ok(v as f64);
    }
    parse_float(s).map_err(|e| format!("strconv.ParseFloat: parsing {}: {}", quote(s), e))
}

/// `strconv.ParseInt(s, 0, 64)` for the unsigned forms the lexer produces; `None` on any error.
fn parse_int_base0(s0: &str) -> Option<i64> {
    let b = s0.as_bytes();
    if b.is_empty() {
        return None;
    }
    let (base, digits): (u64, &[u8]) = if b[0] == b'0' {
        match b.get(1).map(|c| c.to_ascii_lowercase()) {
            Some(b'b') if b.len() >= 3 => (2, &b[2..]),
            Some(b'o') if b.len() >= 3 => (8, &b[2..]),
            Some(b'x') if b.len() >= 3 => (16, &b[2..]),
            _ => (8, &b[1..]),
        }
    } else {
        (10, b)
    };
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in digits {
        let d = match c {
            b'_' => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => u64::from(c - b'0'),
            c if c.is_ascii_alphabetic() => u64::from(c.to_ascii_lowercase() - b'a') + 10,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n.checked_mul(base)?.checked_add(d)?;
    }
    if underscores && !underscore_ok(s0) {
        return None;
    }
    i64::try_from(n).ok()
}

/// Go's `strconv.underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if let Some(&c) = b.first()
        && (c == b'-' || c == b'+')
    {
        b = &b[1..];
    }
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && matches!(c.to_ascii_lowercase(), b'a'..=b'f')) {
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

/// `strconv.ParseFloat(s, 64)`; the error is Go's `invalid syntax` / `value out of range`.
fn parse_float(s: &str) -> Result<f64, &'static str> {
    const SYNTAX: &str = "invalid syntax";
    let lower = s.to_ascii_lowercase();
    let (sign, body) = match lower.as_bytes().first() {
        Some(b'+') => (1.0, &lower[1..]),
        Some(b'-') => (-1.0, &lower[1..]),
        _ => (1.0, lower.as_str()),
    };
    match body {
        "inf" | "infinity" => return Ok(sign * f64::INFINITY),
        "nan" => return Ok(f64::NAN),
        _ => {}
    }
    let b = body.as_bytes();
    // A hexadecimal mantissa needs a 'p' exponent, which the lexer never produces.
    if b.len() > 2 && b[0] == b'0' && b[1] == b'x' {
        return Err(SYNTAX);
    }
    let mut i = 0;
    let mut saw_digits = false;
    let mut saw_dot = false;
    let mut underscores = false;
    while i < b.len() {
        match b[i] {
            b'_' => underscores = true,
            b'.' if !saw_dot => saw_dot = true,
            b'0'..=b'9' => saw_digits = true,
            _ => break,
        }
        i += 1;
    }
    if !saw_digits {
        return Err(SYNTAX);
    }
    if i < b.len() && b[i] == b'e' {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if i >= b.len() || !b[i].is_ascii_digit() {
            return Err(SYNTAX);
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            underscores |= b[i] == b'_';
            i += 1;
        }
    }
    if i != b.len() || (underscores && !underscore_ok(&s[..i + (s.len() - body.len())])) {
        return Err(SYNTAX);
    }
    let cleaned: String = body.chars().filter(|&c| c != '_').collect();
    let v: f64 = cleaned.parse().map_err(|_| SYNTAX)?;
    if v.is_infinite() {
        return Err("value out of range");
    }
    Ok(sign * v)
}

/// `model.ParseDuration`: nanoseconds, or the error message.
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
        if !s[0].is_ascii_digit() {
            return Err(invalid());
        }
        let i = s.iter().position(|c| !c.is_ascii_digit()).unwrap_or(s.len());
        let v: u64 = std::str::from_utf8(&s[..i]).ok().and_then(|d| d.parse().ok()).ok_or_else(invalid)?;
        s = &s[i..];
        let j = s.iter().position(|c| c.is_ascii_digit()).unwrap_or(s.len());
        if j == 0 {
            return Err(invalid());
        }
        let unit = std::str::from_utf8(&s[..j]).unwrap_or("");
        s = &s[j..];
        let (pos, mult): (u32, u64) = match unit {
            "y" => (1, 365 * 24 * 3600 * 1_000_000_000),
            "w" => (2, 7 * 24 * 3600 * 1_000_000_000),
            "d" => (3, 24 * 3600 * 1_000_000_000),
            "h" => (4, 3600 * 1_000_000_000),
            "m" => (5, 60 * 1_000_000_000),
            "s" => (6, 1_000_000_000),
            "ms" => (7, 1_000_000),
            _ => return Err(format!("unknown unit {} in duration {}", quote(unit), quote(orig))),
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
/// divide the duration exactly, then days, hours, minutes, seconds, milliseconds.
pub fn format_duration_ms(ms: i64) -> String {
    use std::fmt::Write;
    if ms == 0 {
        return "0s".to_string();
    }
    let mut r = String::new();
    if ms < 0 {
        r.push('-');
    }
    let mut ms = ms.unsigned_abs() as i64;
    for (unit, mult, exact) in [
        ("y", 365 * 24 * 3_600_000i64, true),
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

/// Go's float64-to-int64 conversion on amd64: NaN and out-of-range values become `MinInt64`.
pub fn go_f64_to_i64(v: f64) -> i64 {
    if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v) { v as i64 } else { i64::MIN }
}

/// Go's `strconv.FormatFloat(v, 'f', -1, 64)`: shortest digits, never an exponent.
pub fn format_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf".to_string() } else { "-Inf".to_string() }
    } else {
        format!("{v}")
    }
}

/// Go's `fmt.Sprintf("%f", v)`.
pub fn format_float_f6(v: f64) -> String {
    if v.is_nan() || v.is_infinite() { format_float(v) } else { format!("{v:.6}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_go() {
        assert_eq!(parse_number("1"), Ok(1.0));
        assert_eq!(parse_number("010"), Ok(8.0));
        assert_eq!(parse_number("09"), Ok(9.0));
        assert_eq!(parse_number("0x1F"), Ok(31.0));
        assert_eq!(parse_number("0x_1F"), Ok(31.0));
        assert_eq!(parse_number("1_000"), Ok(1000.0));
        assert_eq!(parse_number("1_000.5_5e1_0"), Ok(1000.55e10));
        assert_eq!(parse_number(".5"), Ok(0.5));
        assert_eq!(parse_number("5."), Ok(5.0));
        assert_eq!(parse_number("1e3"), Ok(1000.0));
        assert_eq!(parse_number("1E-3"), Ok(0.001));
        assert_eq!(parse_number("Inf"), Ok(f64::INFINITY));
        assert!(parse_number("nAn").is_ok_and(f64::is_nan));
        assert_eq!(parse_number("99999999999999999999"), Ok(1e20));
        assert_eq!(
            parse_number("1e400"),
            Err(r#"strconv.ParseFloat: parsing "1e400": value out of range"#.to_string())
        );
        assert_eq!(parse_number("0x"), Err(r#"strconv.ParseFloat: parsing "0x": invalid syntax"#.to_string()));
        assert_eq!(
            parse_number("0xFFFFFFFFFFFFFFFFF"),
            Err(r#"strconv.ParseFloat: parsing "0xFFFFFFFFFFFFFFFFF": invalid syntax"#.to_string())
        );
    }

    #[test]
    fn durations_follow_model_parse_duration() {
        assert_eq!(parse_duration("5m"), Ok(300_000_000_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("1s500ms"), Ok(1_500_000_000));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("5m1h"), Err(r#"not a valid duration string: "5m1h""#.to_string()));
        assert_eq!(parse_duration("5y1hs"), Err(r#"unknown unit "hs" in duration "5y1hs""#.to_string()));
        assert_eq!(parse_duration("1.5h"), Err(r#"unknown unit "." in duration "1.5h""#.to_string()));
        assert_eq!(parse_duration("300y"), Err("duration out of range".to_string()));
    }

    #[test]
    fn duration_strings_follow_model_duration() {
        assert_eq!(format_duration_ms(300_000), "5m");
        assert_eq!(format_duration_ms(90_000), "1m30s");
        assert_eq!(format_duration_ms(1500), "1s500ms");
        assert_eq!(format_duration_ms(14 * 86_400_000), "2w");
        assert_eq!(format_duration_ms(90 * 86_400_000), "90d");
        assert_eq!(format_duration_ms(365 * 86_400_000), "1y");
        assert_eq!(format_duration_ms(0), "0s");
    }

    #[test]
    fn floats_print_like_go() {
        assert_eq!(format_float(1000.0), "1000");
        assert_eq!(format_float(0.1), "0.1");
        assert_eq!(format_float(f64::INFINITY), "+Inf");
        assert_eq!(format_float(f64::NAN), "NaN");
        assert_eq!(format_float(1e-7), "0.0000001");
        assert_eq!(format_float_f6(1.5), "1.500000");
    }
}
