//! The Go string forms promtool's messages are made of: `model.Duration` (`1m30s`, `1d`),
//! `time.Duration` (`1m0s`), `labels.Labels.String()` and `promql.Matrix.String()`.

use crate::go::strconv as gofmt;

/// `model.Duration.String()` for milliseconds.
pub use crate::go::time::format_duration_ms as model_duration;

/// Go's `time.Duration.String()` for milliseconds: `0s`, `1m0s`, `1h30m0s`, `1.5s`, `500ms`.
pub fn go_duration(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    format!("{sign}{}", go_duration_ns(ms.unsigned_abs() as u128 * 1_000_000))
}

/// `fmtFrac`: the fraction of `v` below `10^prec`, without trailing zeros, with its dot.
fn frac(v: u128, prec: u32) -> (String, u128) {
    let f = v % 10u128.pow(prec);
    if f == 0 {
        return (String::new(), v / 10u128.pow(prec));
    }
    let digits = format!("{f:0width$}", width = prec as usize);
    (format!(".{}", digits.trim_end_matches('0')), v / 10u128.pow(prec))
}

/// Go's `time.Duration.String()` for a non-negative number of nanoseconds.
pub fn go_duration_ns(ns: u128) -> String {
    if ns == 0 {
        return "0s".into();
    }
    if ns < 1_000_000_000 {
        let (unit, prec) = if ns < 1_000 {
            ("ns", 0)
        } else if ns < 1_000_000 {
            ("µs", 3)
        } else {
            ("ms", 6)
        };
        let (f, int) = frac(ns, prec);
        return format!("{int}{f}{unit}");
    }
    let (f, secs) = frac(ns, 9);
    let mut s = format!("{}{f}s", secs % 60);
    let mins = secs / 60;
    if mins > 0 {
        s = format!("{}m{s}", mins % 60);
        let hours = mins / 60;
        if hours > 0 {
            s = format!("{hours}h{s}");
        }
    }
    s
}

/// `labels.Labels.String()` of sorted pairs: `{a="b", "c.d"="e"}`.
pub fn labels_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::from("{");
    for (i, (n, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if crate::engine::value::is_legacy_label_name(n) {
            out.push_str(n);
        } else {
            out.push_str(&gofmt::quote(n));
        }
        out.push('=');
        out.push_str(&gofmt::quote(v));
    }
    out.push('}');
    out
}

/// `labels.Labels.String()` of an engine label set.
pub fn engine_labels_string(l: &crate::engine::Labels) -> String {
    labels_string(l.iter().map(|l| (&*l.name, &*l.value)))
}

/// `strconv.FormatFloat(v, 'E', -1, 64)`, as sample mismatches print values.
pub fn sample_value(v: f64) -> String {
    gofmt::format_float(v, b'E', -1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(model_duration(0), "0s");
        assert_eq!(model_duration(90_500), "1m30s500ms");
        assert_eq!(model_duration(86_400_000), "1d");
        assert_eq!(model_duration(14 * 86_400_000), "2w");
        assert_eq!(model_duration(8 * 86_400_000 + 3_661_001), "8d1h1m1s1ms");
        assert_eq!(go_duration(60_000), "1m0s");
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(5_400_000), "1h30m0s");
        assert_eq!(go_duration(1500), "1.5s");
        assert_eq!(go_duration(500), "500ms");
        assert_eq!(go_duration(86_400_000), "24h0m0s");
        assert_eq!(go_duration_ns(1_234_567), "1.234567ms");
        assert_eq!(go_duration_ns(1_500), "1.5µs");
        assert_eq!(go_duration_ns(62_500_000_000), "1m2.5s");
    }

    #[test]
    fn labels_and_values() {
        assert_eq!(
            labels_string([("__name__", "utf8.name"), ("a.b", "v"), ("c", "x\"y")]),
            r#"{__name__="utf8.name", "a.b"="v", c="x\"y"}"#
        );
        assert_eq!(labels_string([("a:b", "1")]), r#"{"a:b"="1"}"#);
        assert_eq!(labels_string(std::iter::empty()), "{}");
        assert_eq!(sample_value(1.0), "1E+00");
        assert_eq!(sample_value(0.9999999999999999), "9.999999999999999E-01");
        assert_eq!(sample_value(f64::NEG_INFINITY), "-Inf");
    }
}
