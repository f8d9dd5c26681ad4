//! `strconv.FormatFloat`: Go's float layouts. Digit generation is delegated to Rust's own float
//! formatting, which is correctly rounded with round-half-even on exact ties exactly like Go's
//! (shortest round-trip digits for precision -1, exact digits otherwise); only the layout rules
//! (`e`/`f`/`g` switching, exponent width, `+Inf`, the `b` and `x` forms) are ported.

use std::fmt::Write as _;

/// Decimal digits of a finite float: `d` holds ASCII digits without trailing zeros (empty for
/// zero), the value is `0.d × 10^dp`.
struct Digits {
    d: Vec<u8>,
    dp: i32,
}

fn parse_sci(s: &str) -> Digits {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while d.last() == Some(&b'0') {
        d.pop();
    }
    let lead = d.iter().take_while(|&&c| c == b'0').count();
    if lead == d.len() {
        return Digits { d: Vec::new(), dp: 0 };
    }
    d.drain(..lead);
    Digits { d, dp: exp + 1 - lead as i32 }
}

/// Shortest digits that read back as `v` (Go's `prec = -1`).
fn shortest_digits(v: f64) -> Digits {
    parse_sci(&format!("{:e}", v.abs()))
}

/// `v` correctly rounded to `n >= 1` significant digits.
fn sig_digits(v: f64, n: usize) -> Digits {
    parse_sci(&format!("{:.*e}", n.saturating_sub(1), v.abs()))
}

/// `v` correctly rounded to `prec` digits after the decimal point.
fn frac_digits(v: f64, prec: usize) -> Digits {
    let s = format!("{:.*}", prec, v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((s.as_str(), ""));
    let int = int.trim_start_matches('0');
    let mut d: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let mut dp = int.len() as i32;
    let lead = d.iter().take_while(|&&c| c == b'0').count();
    if lead == d.len() {
        return Digits { d: Vec::new(), dp: 0 };
    }
    d.drain(..lead);
    dp -= lead as i32;
    while d.last() == Some(&b'0') {
        d.pop();
    }
    Digits { d, dp }
}

fn fmt_e(out: &mut String, neg: bool, d: &Digits, prec: i32, fmt: u8) {
    if neg {
        out.push('-');
    }
    out.push(d.d.first().map_or('0', |&c| c as char));
    if prec > 0 {
        out.push('.');
        let m = d.d.len().min(prec as usize + 1);
        for &c in d.d.get(1..m).unwrap_or(&[]) {
            out.push(c as char);
        }
        for _ in m.max(1)..=prec as usize {
            out.push('0');
        }
    }
    out.push(fmt as char);
    let mut exp = d.dp - 1;
    if d.d.is_empty() {
        exp = 0;
    }
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        let _ = write!(out, "0{exp}");
    } else {
        let _ = write!(out, "{exp}");
    }
}

fn fmt_f(out: &mut String, neg: bool, d: &Digits, prec: i32) {
    if neg {
        out.push('-');
    }
    if d.dp > 0 {
        let m = d.d.len().min(d.dp as usize);
        for &c in &d.d[..m] {
            out.push(c as char);
        }
        for _ in m..d.dp as usize {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            let j = d.dp + i - 1;
            let c = if j >= 0 { d.d.get(j as usize).copied().unwrap_or(b'0') } else { b'0' };
            out.push(c as char);
        }
    }
}

/// Go's `strconv.FormatFloat(v, fmt, prec, 64)` for `fmt` in `b e E f g G x X` (any other byte
/// gives Go's `%` + fmt). `prec < 0` selects the shortest representation that reads back as `v`.
pub fn format_float(v: f64, fmt: u8, prec: i32) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let neg = v.is_sign_negative();
    if matches!(fmt, b'b' | b'x' | b'X') {
        return format_binary(v, fmt, prec);
    }
    let shortest = prec < 0;
    let mut prec = prec;
    let digs = if shortest {
        let d = shortest_digits(v);
        prec = match fmt {
            b'e' | b'E' => (d.d.len() as i32 - 1).max(0),
            b'f' => (d.d.len() as i32 - d.dp).max(0),
            _ => d.d.len() as i32,
        };
        d
    } else {
        match fmt {
            b'e' | b'E' => sig_digits(v, prec as usize + 1),
            b'f' => frac_digits(v, prec as usize),
            b'g' | b'G' => {
                if prec == 0 {
                    prec = 1;
                }
                sig_digits(v, prec as usize)
            }
            _ => sig_digits(v, 1),
        }
    };
    let mut out = String::new();
    match fmt {
        b'e' | b'E' => fmt_e(&mut out, neg, &digs, prec, fmt),
        b'f' => fmt_f(&mut out, neg, &digs, prec),
        b'g' | b'G' => {
            let nd = digs.d.len() as i32;
            let mut eprec = prec;
            if eprec > nd && nd >= digs.dp {
                eprec = nd;
            }
            if shortest {
                eprec = 6;
            }
            let exp = digs.dp - 1;
            if exp < -4 || exp >= eprec {
                if prec > nd {
                    prec = nd;
                }
                fmt_e(&mut out, neg, &digs, prec - 1, fmt + b'e' - b'g');
            } else {
                if prec > digs.dp {
                    prec = nd;
                }
                fmt_f(&mut out, neg, &digs, (prec - digs.dp).max(0));
            }
        }
        other => {
            out.push('%');
            out.push(other as char);
        }
    }
    out
}

/// The `b` (decimal mantissa, binary exponent) and `x`/`X` (hex mantissa) layouts, from the
/// float's bits.
fn format_binary(v: f64, fmt: u8, prec: i32) -> String {
    let bits = v.to_bits();
    let neg = bits >> 63 != 0;
    let mut exp = ((bits >> 52) & 0x7FF) as i32;
    let mut mant = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        exp += 1;
    } else {
        mant |= 1u64 << 52;
    }
    exp -= 1023;
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if fmt == b'b' {
        let e = exp - 52;
        let _ = write!(out, "{mant}p{}{}", if e >= 0 { "+" } else { "" }, e);
        return out;
    }
    if mant == 0 {
        exp = 0;
    }
    mant <<= 60 - 52;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1u64 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8; 16] = if fmt == b'X' { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    out.push('0');
    out.push(fmt as char);
    out.push(if (mant >> 60) & 1 == 1 { '1' } else { '0' });
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    }
    out.push(if fmt == b'X' { 'P' } else { 'p' });
    out.push(if exp < 0 { '-' } else { '+' });
    let _ = write!(out, "{:02}", exp.unsigned_abs());
    out
}

#[cfg(test)]
#[allow(clippy::approx_constant)] // 3.14159 is the literal the promtool probes used
mod tests {
    use super::*;

    #[test]
    fn explicit_precision() {
        let cases: &[(f64, u8, i32, &str)] = &[
            (3.14159, b'f', 2, "3.14"),
            (0.0001, b'f', 3, "0.000"),
            (1e21, b'f', 3, "1000000000000000000000.000"),
            (2.5, b'f', 0, "2"),
            (0.125, b'f', 2, "0.12"),
            (0.375, b'f', 2, "0.38"),
            (1234567.0, b'f', -1, "1234567"),
            (1e23, b'f', -1, "100000000000000000000000"),
            (1e23, b'f', 0, "99999999999999991611392"),
            (0.000123, b'f', -1, "0.000123"),
            (123.456, b'e', 6, "1.234560e+02"),
            (0.0, b'e', 6, "0.000000e+00"),
            (1e-310, b'e', 2, "1.00e-310"),
            (123.456, b'E', -1, "1.23456E+02"),
            (1234.5, b'g', 3, "1.23e+03"),
            (100.0, b'g', 4, "100"),
            (1.5, b'g', 4, "1.5"),
            (1.2345675, b'g', 4, "1.235"),
            (0.000012345, b'g', 4, "1.234e-05"),
            (0.0001, b'g', 4, "0.0001"),
            (123456.0, b'g', 4, "1.235e+05"),
            (1.0, b'g', 0, "1"),
            (0.0, b'g', 4, "0"),
            (1e-5, b'G', -1, "1E-05"),
        ];
        for &(v, fmt, prec, want) in cases {
            assert_eq!(format_float(v, fmt, prec), want, "{v} {} {prec}", fmt as char);
        }
    }

    #[test]
    fn floats_print_like_promql_numbers() {
        // `strconv.FormatFloat(v, 'f', -1, 64)`, how `NumberLiteral.String()` prints
        assert_eq!(format_float(1000.0, b'f', -1), "1000");
        assert_eq!(format_float(0.1, b'f', -1), "0.1");
        assert_eq!(format_float(f64::INFINITY, b'f', -1), "+Inf");
        assert_eq!(format_float(f64::NAN, b'f', -1), "NaN");
        assert_eq!(format_float(1e-7, b'f', -1), "0.0000001");
        assert_eq!(format_float(-0.0, b'f', -1), "-0");
        assert_eq!(format_float(1.5, b'f', 6), "1.500000");
    }
}
