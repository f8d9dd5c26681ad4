//! `strconv.ParseUint` and `ParseInt` with base 0 (prefixes `0x`, `0o`, `0b`, a leading `0` for
//! octal, underscores between digits), as PromQL numbers and template number literals use them.

use super::underscore_ok;

/// `strconv.ParseUint(s, 0, 64)`; `None` where Go returns an error.
pub fn parse_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let (base, digits): (u64, &[u8]) = match b {
        [] => return None,
        [b'0', p, _, ..] if matches!(p.to_ascii_lowercase(), b'b' | b'o' | b'x') => {
            let base = match p.to_ascii_lowercase() {
                b'b' => 2,
                b'o' => 8,
                _ => 16,
            };
            (base, b.get(2..).unwrap_or_default())
        }
        [b'0', rest @ ..] => (8, rest),
        _ => (10, b),
    };
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in digits {
        let d = match c {
            b'_' => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => c - b'0',
            c if c.is_ascii_alphabetic() => c.to_ascii_lowercase() - b'a' + 10,
            _ => return None,
        };
        if u64::from(d) >= base {
            return None;
        }
        n = n.checked_mul(base)?.checked_add(u64::from(d))?;
    }
    if underscores && !underscore_ok(s) {
        return None;
    }
    Some(n)
}

/// `strconv.ParseInt(s, 0, 64)`; `None` where Go returns an error.
pub fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint(body)?;
    if neg { if u <= 1 << 63 { Some((u as i64).wrapping_neg()) } else { None } } else { i64::try_from(u).ok() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_prefixes_and_underscores() {
        assert_eq!(parse_int("010"), Some(8));
        assert_eq!(parse_int("09"), None);
        assert_eq!(parse_int("0"), Some(0));
        assert_eq!(parse_int("0x1F"), Some(31));
        assert_eq!(parse_int("0X_1f"), Some(31));
        assert_eq!(parse_int("0b101"), Some(5));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("0x"), None);
        assert_eq!(parse_int("1_000"), Some(1000));
        assert_eq!(parse_int("1__0"), None);
        assert_eq!(parse_int("_1"), None);
        assert_eq!(parse_int("0_"), None);
        assert_eq!(parse_int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_int("9223372036854775808"), None);
        assert_eq!(parse_uint("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_uint("18446744073709551616"), None);
        assert_eq!(parse_uint("-1"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("+"), None);
    }
}
