//! Durations as Prometheus's rule loader reads them (`model.ParseDuration` from prometheus/common):
//! `1y2w3d4h5m6s7ms`, units from largest to smallest, each at most once, integers only, `0` alone
//! allowed without a unit. PromQL durations (`[5m]`) are the PromQL parser's business, not this.

const UNITS: [(&str, u64); 7] = [
    ("y", 365 * 24 * 3_600_000),
    ("w", 7 * 24 * 3_600_000),
    ("d", 24 * 3_600_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Parses a rule-file duration into milliseconds; the error is Prometheus's message.
pub fn parse(s: &str) -> Result<i64, String> {
    match s {
        "0" => return Ok(0),
        "" => return Err("empty duration string".to_string()),
        _ => {}
    }
    let invalid = || format!("not a valid duration string: {s:?}");
    let mut rest = s;
    let mut last_unit: Option<usize> = None;
    // nanoseconds, as Go's time.Duration, for the same overflow bound
    let mut total_ns: u128 = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(invalid());
        }
        let v: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(|b| !b.is_ascii_digit()).count();
        if unit_len == 0 {
            return Err(invalid());
        }
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let Some(pos) = UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(format!("unknown unit {unit:?} in duration {s:?}"));
        };
        if last_unit.is_some_and(|l| pos <= l) {
            return Err(invalid());
        }
        last_unit = Some(pos);
        let mult_ns = UNITS[pos].1 as u128 * 1_000_000;
        if v as u128 > (1u128 << 63) / mult_ns {
            return Err("duration out of range".to_string());
        }
        total_ns += v as u128 * mult_ns;
        if total_ns > (1u128 << 63) - 1 {
            return Err("duration out of range".to_string());
        }
    }
    Ok((total_ns / 1_000_000) as i64)
}

/// Formats milliseconds the way Prometheus prints a `model.Duration` (`1h30m`, `90s`, `0s`).
pub fn format(ms: i64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    let mut rest = ms.unsigned_abs();
    if ms < 0 {
        out.push('-');
    }
    for (unit, mult) in UNITS {
        if rest >= mult {
            out.push_str(&format!("{}{unit}", rest / mult));
            rest %= mult;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_prometheus() {
        assert_eq!(parse("0"), Ok(0));
        assert_eq!(parse("5m"), Ok(300_000));
        assert_eq!(parse("1h30m"), Ok(5_400_000));
        assert_eq!(parse("1y"), Ok(365 * 86_400_000));
        assert_eq!(parse("1s500ms"), Ok(1500));
        assert_eq!(parse("5"), Err("not a valid duration string: \"5\"".to_string()));
        assert_eq!(parse(""), Err("empty duration string".to_string()));
        assert_eq!(parse("1.5m"), Err("unknown unit \".\" in duration \"1.5m\"".to_string()));
        assert_eq!(parse("5m1h"), Err("not a valid duration string: \"5m1h\"".to_string()));
        assert_eq!(parse("5m5m"), Err("not a valid duration string: \"5m5m\"".to_string()));
        assert_eq!(parse("-5m"), Err("not a valid duration string: \"-5m\"".to_string()));
        assert_eq!(parse("5 m"), Err("unknown unit \" m\" in duration \"5 m\"".to_string()));
        assert_eq!(parse("300y"), Err("duration out of range".to_string()));
    }

    #[test]
    fn formats() {
        assert_eq!(format(0), "0s");
        assert_eq!(format(5_400_000), "1h30m");
        assert_eq!(format(90_000), "1m30s");
        assert_eq!(format(1500), "1s500ms");
    }
}
