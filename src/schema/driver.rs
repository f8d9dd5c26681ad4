//! The schema's part of a lint run: loading each configuration's schema files, building the
//! knowledge (schema plus recording-rule outputs) once per configuration, and turning schema
//! conflicts into findings that point into the schema files.

use std::path::Path;

use super::knowledge::{Knowledge, RecordingRule};
use super::load;
use super::model::{Schema, SourceRef};
use crate::diagnostic::Diagnostic;
use crate::error::InputError;
use crate::promql::{Expr, ParseError};
use crate::rules::{RuleFile, RuleKind};
use crate::settings::Settings;
use crate::source::{FileSpan, LineCol, SourceFile};

/// Loads the schema of every configuration (`schemas[i]` for `settings[i]`; empty when it names
/// none). A schema that cannot be read is an input error (exit 2).
pub fn load_schemas(settings: &[Settings]) -> (Vec<Schema>, Vec<InputError>) {
    let mut schemas = Vec::with_capacity(settings.len());
    let mut errors = Vec::new();
    for s in settings {
        let paths: Vec<(&Path, String)> = s.schema.iter().map(|p| (p.as_path(), display(p))).collect();
        match load::load(&paths) {
            Ok(schema) => schemas.push(schema),
            Err(e) => {
                let position = (e.line > 0).then_some(LineCol { line: e.line, column: e.col.max(1) });
                if !errors.iter().any(|x: &InputError| x.path == e.path && x.message == e.message) {
                    errors.push(InputError { path: e.path, position, message: e.message });
                }
                schemas.push(Schema::default());
            }
        }
    }
    (schemas, errors)
}

/// The path to show: relative to the working directory when it lies below it (configuration
/// files name schemas relative to themselves, which may be absolute by then).
fn display(p: &Path) -> String {
    let rel = std::env::current_dir().ok().and_then(|cwd| p.strip_prefix(&cwd).ok().map(Path::to_path_buf));
    let shown = rel.as_deref().unwrap_or(p);
    let s = SourceFile::display_path(shown);
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// A stable key for a rule: its file and where it starts.
pub fn rule_key(file: usize, rule_start: u32) -> u64 {
    ((file as u64) << 32) | rule_start as u64
}

/// Finds the parse result of an expression text (with or without experimental functions).
pub type ParsedLookup<'a> = dyn Fn(&str, bool) -> Option<&'a Result<Expr, ParseError>> + 'a;

/// Builds the knowledge of each configuration from its schema and every recording rule of the run.
pub fn build_knowledge<'a>(
    schemas: Vec<Schema>,
    n_settings: usize,
    sources: &[SourceFile],
    files: impl Iterator<Item = (usize, &'a [RuleFile], bool)>,
    lookup: &ParsedLookup<'a>,
) -> Vec<Knowledge> {
    let mut rules: Vec<RecordingRule<'a>> = Vec::new();
    for (id, rule_files, exp) in files {
        let Some(source) = sources.get(id) else { continue };
        for rf in rule_files {
            for (g, r) in rf.rules() {
                if r.kind != RuleKind::Record || !r.well_formed || r.name.value.is_empty() {
                    continue;
                }
                let expr = r.expr.as_ref().and_then(|e| lookup(&e.value, exp)).and_then(|p| p.as_ref().ok());
                let line = source.line_col(rf.to_file(r.name.span).start).line;
                let labels = r.labels.iter().chain(g.labels.iter()).map(|l| l.name.value.as_str()).collect::<Vec<_>>();
                rules.push(RecordingRule {
                    name: r.name.value.as_str(),
                    expr,
                    labels,
                    location: format!("{}:{line}", source.path),
                    key: rule_key(id, r.span.start),
                });
            }
        }
    }
    let mut schemas = schemas.into_iter();
    (0..n_settings.max(1)).map(|_| Knowledge::build(schemas.next().unwrap_or_default(), &rules)).collect()
}

/// The file span of a schema position (a line and a character column).
fn span_of(source: &SourceFile, at: SourceRef) -> FileSpan {
    let Some(start) = source.line_start(at.line as usize) else { return FileSpan::point(0) };
    let line = source.line_text(at.line as usize).unwrap_or("");
    let skip: usize = line.chars().take(at.col.saturating_sub(1) as usize).map(char::len_utf8).sum();
    let token: usize =
        line[skip..].chars().take_while(|c| !matches!(c, ':' | ' ' | '\n' | '\r')).map(char::len_utf8).sum();
    let s = start + skip as u32;
    FileSpan::new(s, s + token as u32)
}

/// Adds the schema files that have conflicts to `sources` and a finding for each conflict.
/// Returns the configuration index of each added source, in order.
pub fn conflict_findings(
    knowledge: &[Knowledge],
    sources: &mut Vec<SourceFile>,
    out: &mut Vec<Diagnostic>,
) -> Vec<usize> {
    let meta = &crate::checks::schema_conflict::SchemaConflict::META;
    let mut added: Vec<(usize, u32, usize)> = Vec::new(); // (config, schema file index, source id)
    let mut configs = Vec::new();
    for (ci, k) in knowledge.iter().enumerate() {
        for c in &k.schema.conflicts {
            let mut id_of = |f: u32, sources: &mut Vec<SourceFile>| -> Option<usize> {
                if let Some(&(_, _, id)) = added.iter().find(|(c2, f2, _)| *c2 == ci && *f2 == f) {
                    return Some(id);
                }
                let info = k.schema.files.get(f as usize)?;
                sources.push(SourceFile::new(info.path.clone(), info.text.clone()));
                added.push((ci, f, sources.len() - 1));
                configs.push(ci);
                Some(sources.len() - 1)
            };
            let Some(at) = id_of(c.at.file, sources) else { continue };
            let first = id_of(c.first.file, sources);
            let span = span_of(&sources[at], c.at);
            let mut d = Diagnostic::new(meta, at, span, c.message.clone());
            if let Some(first) = first {
                let fspan = span_of(&sources[first], c.first);
                d = d.with_secondary(first, fspan, "declared here first");
            }
            out.push(d.with_help("make the declarations agree, or rename one metric"));
        }
    }
    configs
}
