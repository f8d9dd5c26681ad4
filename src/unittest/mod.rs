//! `mlmon-lint test`: promtool 3.5's rule unit tests (`promtool test rules`), run with mlmon-lint's
//! PromQL engine.
//!
//! The contract is promtool 3.5.3's behaviour, file for file: the same test-file format (strict
//! yaml.v2 decoding, `rule_files` globbed relative to the test file), the same evaluation (rule
//! groups every `evaluation_interval` in `group_eval_order`, the alert state machine, `ALERTS` and
//! `ALERTS_FOR_STATE`, lazy input loading, templates), the same comparison and the same texts on
//! stdout and stderr, so that CI lines written for promtool keep working and the verdict is always
//! promtool's. On top of that: a readable per-assertion report naming test file lines, JUnit and
//! JSON reports, and rule coverage. Rule files may also be Kubernetes `PrometheusRule` manifests.
//!
//! Layout: `yaml2` + `model` (the test file as yaml.v2 decodes it), `rulefiles` + `gopath` (finding,
//! loading and validating rule files with promtool's messages), `runner` (the evaluation loop and
//! assertions), `alerts` (alert state), `jsondiff` (`--diff`), `report` (all output formats),
//! `coverage`, `gostr` (Go's string forms of durations, labels and numbers).

pub mod alerts;
pub mod coverage;
pub mod gopath;
pub mod gostr;
pub mod histo;
pub mod jsondiff;
pub mod model;
pub mod report;
pub mod rulefiles;
pub mod runner;
pub mod yaml2;

pub use runner::{CoverageData, FileReport, Options, run_file};
