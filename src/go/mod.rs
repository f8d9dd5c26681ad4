//! Go compatibility: the parts of Go's standard library (and of Prometheus's Go helpers) whose
//! exact behaviour users see through Prometheus, in one place for the PromQL parser and engine,
//! the template engine and the rule loader.
//!
//! Prometheus prints numbers with `strconv` and `fmt`, quotes strings in its messages with
//! `strconv.Quote`, reads numbers and durations with Go's and `prometheus/common`'s rules, and
//! matches labels with Go's RE2 `regexp`. Rust's standard library and the `regex` crate differ in
//! ways that show in promtool-compatible output (`1e+06` vs `1000000`, `+Inf` vs `inf`, `\d`
//! matching Arabic digits, `x{,5}` refused), and no maintained crate reproduces these Go packages,
//! so the rules are ported here, split by Go package:
//!
//! - [`strconv`]: `FormatFloat`, `ParseFloat`, `ParseInt`/`ParseUint` (base 0), `Quote` and
//!   friends, `Unquote`, `UnquoteChar`, Prometheus's `strutil.Unquote`;
//! - [`fmt`]: `Sprintf`, `Sprint`, `Sprintln` over a small model of Go values;
//! - [`regexp`]: syntax checking with Go's messages, matching with Go's semantics, Prometheus's
//!   anchoring, `ReplaceAllString` and `$` expansion;
//! - [`time`]: `time.Time` for templates, and durations as `prometheus/common/model` reads and
//!   prints them.

pub mod fmt;
pub mod regexp;
pub mod strconv;
pub mod time;

/// Go's conversion `int64(f)` on amd64: truncation toward zero, with NaN and out-of-range values
/// becoming `MinInt64` (Rust's `as` saturates instead).
pub fn float_to_int64(f: f64) -> i64 {
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) { f as i64 } else { i64::MIN }
}

#[cfg(test)]
mod tests {
    #[test]
    fn float_to_int64_like_amd64() {
        assert_eq!(super::float_to_int64(-2.9), -2);
        assert_eq!(super::float_to_int64(9.3e18), i64::MIN);
        assert_eq!(super::float_to_int64(-9.2e18), -9_200_000_000_000_000_000);
        assert_eq!(super::float_to_int64(f64::NAN), i64::MIN);
        assert_eq!(super::float_to_int64(f64::INFINITY), i64::MIN);
    }
}
