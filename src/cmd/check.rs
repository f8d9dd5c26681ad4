//! `mlmon-lint [check] PATH...`: lint rule files and report findings.

use std::collections::HashMap;
use std::path::PathBuf;

use rayon::prelude::*;

use super::{Exit, Io};
use crate::diagnostic::Severity;
use crate::input;
use crate::lint::{LintInput, lint};
use crate::report::{self, human};
use crate::settings::{self, Settings};

/// Stack size of the lint threads (see `run`).
const LINT_STACK: usize = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule files or directories (walked recursively, honouring .gitignore). Default: `.`
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
    /// Exporter schema (YAML, or an exposition such as a saved `/metrics`); repeatable, the files
    /// merge. Replaces `schema:` of the configuration. See docs/schema.md.
    #[arg(long, value_name = "FILE")]
    pub schema: Vec<PathBuf>,
    /// Exit 1 when a finding has at least this severity.
    #[arg(long, value_enum, default_value = "warning")]
    pub fail_on: FailOn,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Exit {
    let roots = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };

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

    let render_start = std::time::Instant::now();
    // stdout is line-buffered: without this, every line of the report is a write(2)
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut *io.out);
    let written = match args.format {
        Format::Json => report::json::render(&out, &mut buffered),
        Format::Human => {
            let style = human::Style { color: io.color, width: 100 };
            human::render(&out, style, args.verbose, &mut buffered)
        }
    }
    .and_then(|()| std::io::Write::flush(&mut buffered));
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
    let threshold = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    let exit = if out.diagnostics.iter().any(|d| d.severity >= threshold) { Exit::Failed } else { Exit::Ok };
    // the process ends right after this: freeing every AST node and string one by one would only
    // cost time (a tenth of a 10,000-rule run)
    std::mem::forget(out);
    exit
}
