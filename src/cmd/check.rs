//! `mlmon-lint [check] PATH...`: lint rule files and dashboards and report findings.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Exit, Io};
use crate::diagnostic::Severity;
use crate::input;
use crate::lint::{LintInput, LintOutput, lint};
use crate::report::{self, human};
use crate::settings::{self, Settings};

/// Stack size of the lint threads (see `run`).
const LINT_STACK: usize = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippets for the terminal.
    Human,
    /// One JSON object per run, for scripts.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub's upload-sarif).
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// Checkstyle XML.
    Checkstyle,
}

/// A severity on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    Error,
    Warning,
    Info,
}

impl Level {
    pub fn severity(self) -> Severity {
        match self {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
            Level::Info => Severity::Info,
        }
    }
}

/// `--fail-on`'s values.
pub type FailOn = Level;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule files, dashboards or directories (walked recursively, honouring .gitignore). Default: `.`
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Configuration file (default: the nearest .mlmon-lint.yaml above each path, then above the
    /// working directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also list the files and documents that were skipped, and the configuration used.
    #[arg(long, short)]
    pub verbose: bool,
    /// Print, for each dashboard, the queries found and parsed (also with --verbose).
    #[arg(long)]
    pub stats: bool,
    /// Exporter schema (YAML, or an exposition such as a saved `/metrics`); repeatable, the files
    /// merge. Replaces `schema:` of the configuration. See docs/schema.md.
    #[arg(long, value_name = "FILE")]
    pub schema: Vec<PathBuf>,
    /// Exit 1 when a reported finding has at least this severity.
    #[arg(long, value_enum, default_value = "warning")]
    pub fail_on: FailOn,
    /// Report only findings of at least this severity (the others neither print nor fail the run).
    #[arg(long, value_enum, default_value = "info")]
    pub min_severity: Level,
    /// Write the report (in `--format`) to FILE, atomically; the terminal still gets the human form.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Report only findings in files, and rules, changed since this git ref (its merge base with
    /// HEAD; uncommitted and untracked files count). Every file is still loaded, so checks across
    /// files stay right.
    #[arg(long, value_name = "GIT_REF")]
    pub changed_since: Option<String>,
}

/// Renders `out` in `format` (without colour unless `color`).
fn render(format: Format, out: &LintOutput, color: bool, args: &Args, w: &mut dyn Write) -> std::io::Result<()> {
    let verbose = args.verbose;
    match format {
        Format::Json => report::json::render(out, w),
        Format::Sarif => report::sarif::render(out, w),
        Format::Github => report::github::render(out, w),
        Format::Checkstyle => report::checkstyle::render(out, w),
        Format::Human => {
            if args.stats || verbose {
                human::render_stats(out, w)?;
            }
            human::render(out, human::Style { color, width: 100 }, verbose, w)
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so the
/// file is either the old one or the complete new one, never a partial report.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::ErrorKind;
    let name = path.file_name().ok_or_else(|| std::io::Error::new(ErrorKind::InvalidInput, "not a file name"))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

pub fn run(args: Args, io: &mut Io<'_>) -> Exit {
    let roots = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };

    // asked first, so that a wrong ref fails before any work
    let changes = match &args.changed_since {
        Some(r) => {
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            match crate::changed::Changes::since(r, &cwd) {
                Ok(c) => Some(c),
                Err(e) => {
                    let _ = writeln!(io.err, "error: {e}");
                    return Exit::Error;
                }
            }
        }
        None => None,
    };

    // configuration: one per root (shared when they resolve to the same file)
    let mut settings: Vec<Settings> = Vec::new();
    let mut by_path: HashMap<Option<PathBuf>, usize> = HashMap::new();
    let mut root_config = Vec::new();
    for root in &roots {
        let path = match &args.config {
            Some(p) => Some(p.clone()),
            None => {
                settings::discover(root).or_else(|| std::env::current_dir().ok().and_then(|d| settings::discover(&d)))
            }
        };
        let ix = match by_path.get(&path) {
            Some(i) => *i,
            None => {
                let s = match &path {
                    Some(p) => match Settings::load(p) {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = writeln!(io.err, "error: {e}");
                            return Exit::Error;
                        }
                    },
                    None => Settings::default(),
                };
                settings.push(s);
                by_path.insert(path.clone(), settings.len() - 1);
                settings.len() - 1
            }
        };
        if args.verbose {
            let shown = path.as_deref().map_or("built-in defaults".to_string(), |p| p.display().to_string());
            let _ = writeln!(io.err, "config for {}: {shown}", root.display());
        }
        root_config.push(ix);
    }

    if !args.schema.is_empty() {
        for s in &mut settings {
            s.schema = args.schema.clone();
        }
    }

    let excluded = |root: usize, p: &std::path::Path, is_dir: bool| {
        root_config.get(root).and_then(|i| settings.get(*i)).is_some_and(|s| s.is_excluded(p, is_dir))
    };
    let (files, mut errors) = input::collect(&roots, &excluded);
    let read: Vec<_> = files.par_iter().map(|(p, root)| (input::read(p), *root)).collect();
    let mut inputs = Vec::new();
    for (r, root) in read {
        match r {
            Ok(source) => inputs.push(LintInput { source, config: root_config[root] }),
            Err(e) => errors.push(e),
        }
    }
    // Deeply nested expressions make every recursive pass over the syntax tree deep; run the lint
    // on threads with large stacks (address space only; pages are touched as needed).
    let pool = rayon::ThreadPoolBuilder::new().stack_size(LINT_STACK).build();
    let mut out = match pool {
        Ok(pool) => pool.install(|| lint(inputs, &settings)),
        Err(_) => lint(inputs, &settings),
    };
    out.errors.extend(errors);
    out.errors.sort_by(|a, b| a.path.cmp(&b.path).then(a.position.cmp(&b.position)));

    let min = args.min_severity.severity();
    out.diagnostics.retain(|d| d.severity >= min);
    if let Some(c) = &changes {
        let before = out.diagnostics.len();
        c.filter(&mut out);
        let left_out = before - out.diagnostics.len();
        if left_out > 0 {
            let r = args.changed_since.as_deref().unwrap_or_default();
            let what = if left_out == 1 { "finding" } else { "findings" };
            let _ = writeln!(io.err, "note: {left_out} {what} in files and rules unchanged since {r} not reported");
        }
    }

    let render_start = std::time::Instant::now();
    if let Some(path) = &args.output {
        let mut bytes = Vec::new();
        let written = render(args.format, &out, false, &args, &mut bytes).and_then(|()| write_atomically(path, &bytes));
        if let Err(e) = written {
            let _ = writeln!(io.err, "error: cannot write {}: {e}", path.display());
            return Exit::Error;
        }
    }
    let terminal = if args.output.is_some() { Format::Human } else { args.format };
    // stdout is line-buffered: without this, every line of the report is a write(2)
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut *io.out);
    let written =
        render(terminal, &out, io.color, &args, &mut buffered).and_then(|()| std::io::Write::flush(&mut buffered));
    drop(buffered);
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let _ = writeln!(io.err, "error: {e}");
            return Exit::Error;
        }
    }
    if args.verbose {
        out.timings.push(("rendering", render_start.elapsed()));
        for (phase, t) in &out.timings {
            let _ = writeln!(io.err, "time: {phase}: {:.1} ms", t.as_secs_f64() * 1000.0);
        }
    }
    for e in &out.errors {
        let _ = writeln!(io.err, "error: {e}");
    }
    if !out.errors.is_empty() {
        return Exit::Error;
    }
    let threshold = args.fail_on.severity();
    let exit = if out.diagnostics.iter().any(|d| d.severity >= threshold) { Exit::Failed } else { Exit::Ok };
    // the process ends right after this: freeing every AST node and string one by one would only
    // cost time (a tenth of a 10,000-rule run)
    std::mem::forget(out);
    exit
}
