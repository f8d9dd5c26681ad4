//! Durations as Prometheus's rule loader reads them (`model.ParseDuration` from prometheus/common):
//! `1y2w3d4h5m6s7ms`, units from largest to smallest, each at most once, integers only, `0` alone
//! allowed without a unit. Both directions are [`crate::go::time`]'s, in milliseconds here.

/// Parses a rule-file duration into milliseconds; the error is Prometheus's message.
pub fn parse(s: &str) -> Result<i64, String> {
    crate::go::time::parse_duration(s).map(|ns| ns / 1_000_000)
}

/// Formats milliseconds the way Prometheus prints a `model.Duration` (`1h30m`, `90s`, `0s`).
pub fn format(ms: i64) -> String {
    crate::go::time::format_duration_ms(ms)
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
