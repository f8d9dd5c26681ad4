//! The lint driver: files in, sorted findings out.
//!
//! 1. extract every file in parallel (YAML → rule files + loader findings; JSON and manifests →
//!    dashboards with their queries expanded);
//! 2. parse every distinct rule expression once, in parallel (rule files repeat expressions a lot:
//!    the corpus has 7,907 rules but 6,404 distinct expressions);
//! 3. run the rule and expression checks in parallel, then each dashboard (its queries parsed and
//!    checked, against what the run's rule files record), then the checks that look across files;
//! 4. apply configuration (disabled checks, severities) and suppression comments;
//! 5. sort by file, line, column, code, so output is identical from run to run.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::checks::{self, Check, Ctx, ExprOrigin, ExprSite, ProjectSite, RuleSite, RunFacts};
use crate::diagnostic::Diagnostic;
use crate::error::InputError;
use crate::extract::{Extracted, extract};
use crate::promql::{Expr, ParseError};
use crate::settings::Settings;
use crate::source::SourceFile;
use crate::suppress;

/// One file to lint and the index of the [`Settings`] that apply to it.
#[derive(Debug)]
pub struct LintInput {
    pub source: SourceFile,
    pub config: usize,
}

#[derive(Debug, Default)]
pub struct LintOutput {
    pub sources: Vec<SourceFile>,
    /// Sorted by file, line, column, code.
    pub diagnostics: Vec<Diagnostic>,
    /// Files that could not be read as the expected structure (exit 2).
    pub errors: Vec<InputError>,
    /// (path, why) for every part of a file that was not linted.
    pub skipped: Vec<(String, String)>,
    pub rule_files: usize,
    pub rules: usize,
    /// The first and last line of every rule, per file (indexed like `sources`; `--changed-since`
    /// reports a finding in a rule only when the rule changed).
    pub rule_lines: Vec<Vec<(u32, u32)>>,
    /// Wall-clock time per phase, for `--verbose` and the benchmark.
    pub timings: Vec<(&'static str, std::time::Duration)>,
    /// The run's syntax trees, rule models and knowledge: kept so that the CLI, which exits right
    /// after rendering, can skip freeing them node by node (`mem::forget` in `cmd::check`).
    pub retained: Option<Box<dyn std::any::Any + Send + Sync>>,
    /// What each dashboard held and how much of it parsed, in file order.
    pub dashboards: Vec<crate::dashboard::Stats>,
}

type Parsed = Result<Expr, ParseError>;

pub fn lint(inputs: Vec<LintInput>, settings: &[Settings]) -> LintOutput {
    let (schemas, errors) = crate::schema::driver::load_schemas(settings);
    let mut out = lint_with_schemas(inputs, settings, schemas);
    out.errors.extend(errors);
    out.errors.sort_by(|a, b| a.path.cmp(&b.path).then(a.position.cmp(&b.position)));
    out
}

/// [`lint`] with the exporter schemas already loaded (`schemas[i]` for `settings[i]`).
pub fn lint_with_schemas(
    inputs: Vec<LintInput>,
    settings: &[Settings],
    schemas: Vec<crate::schema::Schema>,
) -> LintOutput {
    let default = Settings::default();
    let settings_of = |i: usize| settings.get(i).unwrap_or(&default);
    let configs: Vec<usize> = inputs.iter().map(|i| i.config).collect();
    let sources: Vec<SourceFile> = inputs.into_iter().map(|i| i.source).collect();

    let mut clock = std::time::Instant::now();
    let mut timings = Vec::new();
    let mut lap = |name: &'static str| {
        let now = std::time::Instant::now();
        timings.push((name, now - clock));
        clock = now;
    };
    let extracted: Vec<Result<Extracted, InputError>> =
        sources.par_iter().enumerate().map(|(id, s)| extract(id, s)).collect();
    lap("YAML, JSON, rule and dashboard loading");

    let mut out = LintOutput::default();
    let mut per_file: Vec<Extracted> = Vec::with_capacity(sources.len());
    for (id, x) in extracted.into_iter().enumerate() {
        match x {
            Ok(x) => {
                out.skipped.extend(x.skipped.iter().map(|w| (sources[id].path.clone(), w.clone())));
                per_file.push(x);
            }
            Err(e) => {
                out.errors.push(e);
                per_file.push(Extracted::default());
            }
        }
    }

    let loader_findings: Vec<Vec<Diagnostic>> = per_file.iter_mut().map(|x| std::mem::take(&mut x.findings)).collect();

    // parse each distinct (expression, options) once
    let n_rules: usize = per_file.iter().flat_map(|x| &x.rule_files).map(|rf| rf.rules().count()).sum();
    let mut index: HashMap<(&str, bool), usize> = HashMap::with_capacity(n_rules);
    let mut keys: Vec<(&str, bool)> = Vec::with_capacity(n_rules);
    for (id, x) in per_file.iter().enumerate() {
        let exp = settings_of(configs[id]).experimental_features;
        for rf in &x.rule_files {
            for (_, r) in rf.rules() {
                if let Some(e) = r.expr.as_ref().filter(|e| !e.value.is_empty()) {
                    index.entry((e.value.as_str(), exp)).or_insert_with(|| {
                        keys.push((e.value.as_str(), exp));
                        keys.len() - 1
                    });
                }
            }
        }
    }
    let parsed: Vec<Parsed> = keys
        .par_iter()
        .map(|(text, exp)| {
            let opts =
                crate::promql::ParseOptions { experimental_functions: *exp, ..crate::promql::ParseOptions::PROMTOOL };
            crate::promql::parse(text, opts)
        })
        .collect();
    let lookup = |text: &str, exp: bool| index.get(&(text, exp)).and_then(|i| parsed.get(*i));
    lap("PromQL parsing (distinct expressions)");

    // what the schemas and the recording rules say about metrics, per configuration
    let knowledge = crate::schema::driver::build_knowledge(
        schemas,
        settings.len(),
        &sources,
        per_file
            .iter()
            .enumerate()
            .map(|(id, x)| (id, &x.rule_files[..], settings_of(configs[id]).experimental_features)),
        &lookup,
    );

    let facts = run_facts(&per_file);

    // rule checks, in parallel over rules (a single large file is the common benchmark case)
    let active: Vec<Vec<&dyn Check>> = settings
        .iter()
        .chain(std::iter::once(&default))
        .map(|s| checks::ALL.iter().copied().filter(|c| s.is_enabled(c.meta().code)).collect())
        .collect();
    let mut sites: Vec<(usize, &crate::rules::RuleFile, &crate::rules::Group, &crate::rules::Rule)> = Vec::new();
    for (id, x) in per_file.iter().enumerate() {
        for rf in &x.rule_files {
            sites.extend(rf.rules().map(|(g, r)| (id, rf, g, r)));
        }
    }
    let rule_findings: Vec<Vec<Diagnostic>> = sites
        .par_iter()
        .with_min_len(64)
        .map(|&(id, rf, g, r)| {
            let config = configs[id];
            let s = settings_of(config);
            let mut found = Vec::new();
            let expr = r.expr.as_ref().filter(|e| !e.value.is_empty());
            let parsed = expr.and_then(|e| lookup(&e.value, s.experimental_features));
            let ast = parsed.and_then(|p| p.as_ref().ok());
            let mut site = RuleSite::new(&sources[id], rf, g, r, ast, &s.options);
            if let Some(k) = knowledge.get(config) {
                site = site.with_knowledge(k);
            }
            if let Some(Err(err)) = parsed {
                found.push(checks::promql_syntax::diagnostic(&site, err));
            }
            if r.well_formed {
                let checks = active.get(config).or(active.last()).map_or(&[][..], Vec::as_slice);
                let expr_site = ast.zip(expr).map(|(ast, e)| {
                    let origin = ExprOrigin::Rule(&site);
                    ExprSite::new(&sources[id], ast, &e.value, &s.options, &facts, knowledge.get(config), origin)
                });
                for c in checks {
                    let mut cx = Ctx::new(c.meta());
                    c.rule(&mut cx, &site);
                    if let Some(es) = &expr_site {
                        c.expr(&mut cx, es);
                    }
                    found.extend(cx.findings);
                }
            }
            found
        })
        .collect();
    let mut all: Vec<Diagnostic> = loader_findings.into_iter().flatten().collect();
    all.extend(rule_findings.into_iter().flatten());

    // dashboards, in parallel over dashboards
    let dashboards: Vec<&crate::dashboard::Dashboard> = per_file.iter().flat_map(|x| &x.dashboards).collect();
    let dashboard_results: Vec<(Vec<Diagnostic>, crate::dashboard::Stats)> = dashboards
        .par_iter()
        .map(|d| {
            let config = configs[d.file];
            let checks = active.get(config).or(active.last()).map_or(&[][..], Vec::as_slice);
            let cx = crate::dashboard::check::Context {
                source: &sources[d.file],
                settings: settings_of(config),
                checks,
                facts: &facts,
                knowledge: knowledge.get(config),
            };
            crate::dashboard::check::lint(d, &cx)
        })
        .collect();
    for (found, stats) in dashboard_results {
        all.extend(found);
        out.dashboards.push(stats);
    }

    // schema files with conflicts join the sources, so that findings can point into them
    let mut sources = sources;
    let schema_files = crate::schema::driver::conflict_findings(&knowledge, &mut sources, &mut all);
    let configs: Vec<usize> = configs.into_iter().chain(schema_files.iter().copied()).collect();

    // checks across files
    let sources_ref = &sources;
    let pairs: Vec<(&SourceFile, &crate::rules::RuleFile)> = per_file
        .iter()
        .enumerate()
        .flat_map(|(id, x)| x.rule_files.iter().map(move |rf| (&sources_ref[id], rf)))
        .collect();
    let project = ProjectSite { files: &pairs };
    for c in checks::ALL {
        let mut cx = Ctx::new(c.meta());
        c.project(&mut cx, &project);
        all.extend(cx.findings);
    }

    lap("checks");

    // configuration: drop disabled checks, apply severities
    all.retain(|d| settings_of(configs[d.primary.file]).is_enabled(d.code()));
    for d in &mut all {
        d.severity = settings_of(configs[d.primary.file]).severity_of(d.check);
    }

    // suppression comments, per file
    let mut by_file: Vec<Vec<Diagnostic>> = vec![Vec::new(); sources.len()];
    for d in all {
        if let Some(v) = by_file.get_mut(d.primary.file) {
            v.push(d);
        }
    }
    let mut kept = Vec::new();
    out.rule_lines = vec![Vec::new(); sources.len()];
    for (id, diags) in by_file.into_iter().enumerate() {
        let source = &sources[id];
        let Some(extracted) = per_file.get(id) else {
            kept.extend(diags);
            continue;
        };
        let rule_lines: Vec<(u32, u32)> = extracted
            .rule_files
            .iter()
            .flat_map(|rf| {
                rf.rules().map(move |(_, r)| {
                    let span = rf.to_file(r.span);
                    let (a, b) = source.span_positions(span);
                    (a.line, b.line)
                })
            })
            .collect();
        let (mut sups, bad) = suppress::scan(source, &rule_lines);
        if let Some(slot) = out.rule_lines.get_mut(id) {
            slot.clone_from(&rule_lines);
        }
        let diags = suppress::apply(diags, &mut sups, |d| source.line_col(d.primary.span.start).line);
        kept.extend(diags);
        let s = settings_of(configs[id]);
        if s.is_enabled(checks::suppress_unused::UnusedSuppression::META.code) {
            let mut unused = checks::suppress_unused::findings(id, &sups, &bad);
            for d in &mut unused {
                d.severity = s.severity_of(d.check);
            }
            kept.extend(unused);
        }
    }

    out.rule_files = per_file.iter().map(|x| x.rule_files.len()).sum();
    out.rules = n_rules;
    sort(&mut kept, &sources);
    out.diagnostics = kept;
    out.errors.sort_by(|a, b| a.path.cmp(&b.path).then(a.position.cmp(&b.position)));
    out.sources = sources;
    lap("suppressions and sorting");
    out.timings = timings;
    drop(index);
    out.retained = Some(Box::new((parsed, knowledge, per_file)));
    out
}

/// What the checks of one file need to know about the others.
fn run_facts(per_file: &[Extracted]) -> RunFacts {
    let mut facts = RunFacts::default();
    for x in per_file {
        facts.rule_files += x.rule_files.len();
        for rf in &x.rule_files {
            for (_, r) in rf.rules() {
                if r.kind == crate::rules::RuleKind::Record && !r.name.value.is_empty() {
                    facts.recorded.entry(r.name.value.clone()).or_insert((rf.file, rf.to_file(r.name.span)));
                }
            }
        }
        for d in &x.dashboards {
            facts.library_panels.extend(d.library_defs.iter().cloned());
        }
    }
    facts
}

/// File path, then line, column, code, then message (for full determinism).
fn sort(diags: &mut [Diagnostic], sources: &[SourceFile]) {
    let pos = |d: &Diagnostic| {
        let s = &sources[d.primary.file];
        (s.path.as_str(), s.line_col(d.primary.span.start))
    };
    diags.sort_by(|a, b| {
        let (pa, la) = pos(a);
        let (pb, lb) = pos(b);
        pa.cmp(pb)
            .then(la.cmp(&lb))
            .then(a.code().cmp(b.code()))
            .then(a.message.cmp(&b.message))
            .then(a.primary.span.cmp(&b.primary.span))
    });
}
