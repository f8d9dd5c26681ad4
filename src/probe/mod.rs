//! `mlmon-lint probe`: finds where an alert starts to fire by running scenarios through the rules,
//! instead of trusting the threshold literal to mean what its author thought (`rate[5m]` ramps,
//! `rate()` extrapolation, histogram buckets and `for` all move the real boundary and the delay).
//!
//! `search` bisects one dimension of a scenario (error ratio, request rate, latency); `plot` draws a
//! run as SVG; `sparkline` draws it in the terminal. The command itself is `crate::cmd::probe`.

pub mod plot;
pub mod search;
pub mod sparkline;
