//! `mlmon-lint test FILE...`: a drop-in for `promtool test rules FILE...` (3.5.3).
//!
//! Output by default is promtool's, byte for byte, followed on stderr by a readable report of the
//! failures (expected vs got per assertion, with the test file line); `--format promtool` leaves the
//! readable report out, `--format json` prints one JSON object instead. promtool's own flags
//! (`--run`, `--junit`, `--diff`, `--debug`, `--ignore-unknown-fields`, `--enable-feature`) behave as
//! in promtool, and a leading `rules` argument (as in `promtool test rules`) is accepted.
//!
//! Exit codes: 0 every file passed; 1 any assertion failed or any error promtool reports for a test
//! or rule file; 2 usage errors (bad flags, an invalid `--run` regex, a missing file or a directory)
//! and files that cannot be read.

use std::path::{Path, PathBuf};

use crate::cmd::{Exit, Io};
use crate::unittest::coverage::Coverage;
use crate::unittest::{CoverageData, Options, report, run_file};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// promtool's text, then a readable report of the failures.
    Text,
    /// promtool's text only.
    Promtool,
    /// One JSON object on stdout.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// promtool test files (YAML).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Run only the test groups whose name matches this regex (repeatable; joined with `|`).
    #[arg(long, value_name = "REGEX")]
    pub run: Vec<String>,
    /// Write a JUnit XML report (one testsuite per file, one testcase per test group).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print alert mismatches as a coloured JSON diff (promtool's `--diff`).
    #[arg(long)]
    pub diff: bool,
    /// Print timings and a dump of all series per test group (promtool's `--debug`).
    #[arg(long)]
    pub debug: bool,
    /// Ignore unknown fields in rule files (the test file stays strict, as in promtool).
    #[arg(long)]
    pub ignore_unknown_fields: bool,
    /// Report rules no test asserts on and alerts that never fire.
    #[arg(long)]
    pub coverage: bool,
    /// promtool's feature flags: promql-experimental-functions, promql-delayed-name-removal.
    #[arg(long = "enable-feature", value_name = "FEATURE")]
    pub enable_feature: Vec<String>,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Exit {
    let mut opts = Options {
        diff: args.diff,
        debug: args.debug,
        ignore_unknown_fields: args.ignore_unknown_fields,
        ..Default::default()
    };
    let promtool_text = args.format != Format::Json;
    for f in args.enable_feature.iter().flat_map(|f| f.split(',')) {
        match f {
            "promql-experimental-functions" => opts.experimental_functions = true,
            "promql-delayed-name-removal" => opts.delayed_name_removal = true,
            "" => {}
            other => {
                if promtool_text {
                    let _ = write!(io.out, "  WARNING: Unknown feature passed to --enable-feature: {other}");
                }
            }
        }
    }
    if !args.run.is_empty() {
        match regex::Regex::new(&args.run.join("|")) {
            Ok(r) => opts.run = Some(r),
            Err(e) => {
                let _ = writeln!(io.err, "mlmon-lint test: error: invalid --run regex: {e}");
                return Exit::Error;
            }
        }
    }
    let mut files: Vec<&Path> = args.files.iter().map(PathBuf::as_path).collect();
    // `promtool test rules FILE...` → `mlmon-lint test rules FILE...`
    if files.len() > 1 && files.first().is_some_and(|f| *f == Path::new("rules") && !f.exists()) {
        files.remove(0);
    }
    for f in &files {
        if !f.exists() {
            let _ = writeln!(io.err, "mlmon-lint test: error: path '{}' does not exist", f.display());
            return Exit::Error;
        }
        if f.is_dir() {
            let _ = writeln!(io.err, "mlmon-lint test: error: '{}' is a directory", f.display());
            return Exit::Error;
        }
    }
    let mut junit_file = match &args.junit {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Some(f),
            Err(e) => {
                let _ = writeln!(io.err, "mlmon-lint test: error: open {}: {e}", p.display());
                return Exit::Error;
            }
        },
        None => None,
    };
    let mut cov = CoverageData::default();
    let mut reports = Vec::new();
    let mut unreadable = false;
    for f in &files {
        let path = crate::source::SourceFile::display_path(f);
        let bytes = match std::fs::read(f) {
            Ok(b) => b,
            Err(e) => {
                let _ = writeln!(io.err, "mlmon-lint test: error: {path}: cannot read: {e}");
                unreadable = true;
                continue;
            }
        };
        let rep = match crate::input::decode(path.clone(), bytes) {
            Ok(src) if crate::scenario::is_scenario_file(&src.text) => {
                crate::scenario::run_file(&path, &src.text, &opts, &mut cov)
            }
            Ok(src) => run_file(&path, &src.text, &opts, &mut cov),
            Err(e) => crate::unittest::FileReport {
                path: path.clone(),
                file_error: Some(e.to_string()),
                ..Default::default()
            },
        };
        if promtool_text {
            let _ = report::write_promtool(&rep, io.out, io.err);
        }
        reports.push(rep);
    }
    let coverage = args.coverage.then(|| Coverage::from_data(&cov));
    match args.format {
        Format::Json => {
            let j = report::json(&reports, coverage.as_ref());
            let _ = writeln!(io.out, "{}", serde_json::to_string_pretty(&j).unwrap_or_default());
        }
        Format::Text => {
            let r = report::readable(&reports, io.color);
            if !r.is_empty() {
                let _ = write!(io.err, "{r}");
            }
        }
        Format::Promtool => {}
    }
    if promtool_text && let Some(c) = &coverage {
        let _ = write!(io.out, "{}", c.text());
    }
    if let Some(f) = junit_file.as_mut() {
        use std::io::Write as _;
        if let Err(e) = f.write_all(report::junit(&reports).as_bytes()) {
            let _ = writeln!(io.err, "failed to write JUnit XML: {e}");
        }
    }
    if unreadable {
        Exit::Error
    } else if reports.iter().any(|r| r.failed()) {
        Exit::Failed
    } else {
        Exit::Ok
    }
}
