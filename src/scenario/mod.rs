//! Scenarios: traffic described the way people think of it (`10m at 100 rps with 6% 5xx`, latency
//! percentiles, label values, restarts, scrape gaps, stale targets) and compiled into the counters
//! and histogram buckets an exporter would have produced, then evaluated with the same engine,
//! rule loop and alert state machine as `mlmon-lint test` ([`crate::unittest::runner::RuleEval`]).
//!
//! Why: a promtool test states `0+94x60` and `0+6x60` and leaves the reader to work out that this is
//! 6% errors at 100 requests per 15s scrape; getting that arithmetic wrong silently tests the wrong
//! situation. Here the situation is written down and the counters follow from it.
//!
//! Layout: `syntax` (the phase language, with byte positions for errors), `compile` (scenario →
//! samples), `run` (samples → per-evaluation frames through the runner's loop), `assert` (the
//! `fires within` / `never fires` / `resolves within` / `stays within` assertions), `file` (scenario
//! test files for `mlmon-lint test`). The syntax is documented in `docs/scenarios.md`.

pub mod assert;
pub mod compile;
pub mod file;
pub mod run;
pub mod syntax;

pub use file::{is_scenario_file, run_file};
