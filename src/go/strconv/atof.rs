//! `strconv.ParseFloat` with Go's syntax (underscores between digits, hexadecimal mantissas with
//! a `p` exponent, `inf`/`infinity`/`nan` in any case) and Go's error texts; Rust's `str::parse`
//! accepts and refuses different strings.

use super::quote;

/// Go's `strconv.ParseFloat(s, 64)`, with Go's error text.
pub fn parse_float(s: &str) -> Result<f64, String> {
    let syntax = || Err(format!("strconv.ParseFloat: parsing {}: invalid syntax", quote(s)));
    let range = || Err(format!("strconv.ParseFloat: parsing {}: value out of range", quote(s)));
    let (neg, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if s.contains('_') && !underscore_ok(s) {
        return syntax();
    }
    let body: String = body.chars().filter(|&c| c != '_').collect();
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Ok(if neg { f64::NEG_INFINITY } else { f64::INFINITY });
    }
    if lower == "nan" && body.len() == s.len() {
        return Ok(f64::NAN);
    }
    if let Some(hex) = lower.strip_prefix("0x") {
        return match parse_hex_float(hex) {
            Some(v) if v.is_infinite() => range(),
            Some(v) => Ok(if neg { -v } else { v }),
            None => syntax(),
        };
    }
    if !is_decimal_float(body.as_bytes()) {
        return syntax();
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    match clean.parse::<f64>() {
        Ok(v) if v.is_infinite() => range(),
        Ok(v) => Ok(v),
        Err(_) => syntax(),
    }
}

/// Go's `underscoreOK`: underscores only between digits (a base prefix counts as a digit).
pub fn underscore_ok(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    for &c in b.iter().skip(i) {
        if c.is_ascii_digit() || hex && c.is_ascii_hexdigit() {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// `digits [. digits] | . digits`, then an optional exponent: the decimal syntax Go accepts
/// (no underscores without a base prefix).
fn is_decimal_float(b: &[u8]) -> bool {
    let mut i = 0;
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int;
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac;
    }
    if int + frac == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let e = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if e == 0 {
            return false;
        }
        i += e;
    }
    i == b.len()
}

/// Hex float body after `0x`: `h[.h]p[+-]d`, underscores allowed between digits as Go does.
fn parse_hex_float(s: &str) -> Option<f64> {
    let s: String = s.chars().filter(|&c| c != '_').collect();
    let (mant, exp) = s.split_once('p')?;
    let exp: i32 = exp.parse().ok()?;
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        v += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    Some(ldexp(v, exp))
}

/// `v × 2^exp` in steps that stay inside f64's exponent range.
fn ldexp(mut v: f64, mut exp: i32) -> f64 {
    while exp > 1000 {
        v *= 2f64.powi(1000);
        exp -= 1000;
    }
    while exp < -1000 {
        v *= 2f64.powi(-1000);
        exp += 1000;
    }
    v * 2f64.powi(exp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_float_like_go() {
        assert_eq!(parse_float("12345"), Ok(12345.0));
        assert_eq!(parse_float("1e3"), Ok(1000.0));
        assert_eq!(parse_float(".5"), Ok(0.5));
        assert_eq!(parse_float("5."), Ok(5.0));
        assert_eq!(parse_float("-Inf"), Ok(f64::NEG_INFINITY));
        assert_eq!(parse_float("+infinity"), Ok(f64::INFINITY));
        assert!(parse_float("NaN").is_ok_and(f64::is_nan));
        assert_eq!(parse_float("0x1p-2"), Ok(0.25));
        assert_eq!(parse_float("0x1.8p1"), Ok(3.0));
        assert_eq!(parse_float("1e-400"), Ok(0.0));
        assert_eq!(parse_float("abc"), Err("strconv.ParseFloat: parsing \"abc\": invalid syntax".into()));
        // Underscore rules confirmed with promtool 3.5.3 through `humanize "<s>"`.
        assert_eq!(parse_float("1_000"), Ok(1000.0));
        assert_eq!(parse_float("1e1_0"), Ok(1e10));
        assert_eq!(parse_float("0x_1p0"), Ok(1.0));
        assert_eq!(parse_float("0x.8p1"), Ok(1.0));
        assert_eq!(parse_float("-0x1p-1074"), Ok(-5e-324));
        assert_eq!(parse_float("nAn").map(f64::is_nan), Ok(true));
        assert_eq!(parse_float("1.e2"), Ok(100.0));
        for bad in ["_1", "1__0", "1_", "-nan", ".e1", "0x1"] {
            assert_eq!(parse_float(bad), Err(format!("strconv.ParseFloat: parsing \"{bad}\": invalid syntax")));
        }
        assert_eq!(parse_float("+nan"), Err("strconv.ParseFloat: parsing \"+nan\": invalid syntax".into()));
        assert_eq!(parse_float(""), Err("strconv.ParseFloat: parsing \"\": invalid syntax".into()));
        assert_eq!(parse_float("1e"), Err("strconv.ParseFloat: parsing \"1e\": invalid syntax".into()));
        assert_eq!(parse_float(" 1"), Err("strconv.ParseFloat: parsing \" 1\": invalid syntax".into()));
        assert_eq!(parse_float("1e400"), Err("strconv.ParseFloat: parsing \"1e400\": value out of range".into()));
    }
}
