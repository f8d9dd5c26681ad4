//! One JSON object per run:
//! `{"diagnostics":[{"code","check","category","severity","message","file","line","column",
//! "end_line","end_column","help","related","fingerprint"}],"summary":{"files","rules","errors",
//! "warnings","infos","dashboards","queries"},"input_errors":[{"file","line","column","message"}],
//! "dashboards":[{"file","dashboard","kind","panels","targets":{"found","parsed"},
//! "variable_queries":{"found","parsed"},"unparsable":[{"line","column","message"}],
//! "not_checked":[{"line","column","message"}],"skipped",
//! "empty_targets","library_panels_not_checked"}]}`.
//!
//! Fields may be added, never renamed (conventions.md). Lines and columns are 1-based, columns in
//! Unicode scalar values; `end_*` is the last character covered. `fingerprint` is the SARIF one.

use std::io::Write;

use serde_json::{Value, json};

use super::{Finding, Location};
use crate::lint::LintOutput;

fn position(l: Option<&Location<'_>>) -> (Value, Value, Value, Value, Value) {
    match l {
        Some(l) => {
            (json!(l.path()), json!(l.start.line), json!(l.start.column), json!(l.end.line), json!(l.end.column))
        }
        None => (json!(""), Value::Null, Value::Null, Value::Null, Value::Null),
    }
}

fn diagnostic(f: &Finding<'_>) -> Value {
    let d = f.diagnostic;
    let (file, line, column, end_line, end_column) = position(f.location.as_ref());
    let related: Vec<Value> = f
        .related
        .iter()
        .map(|(l, text)| {
            let (file, line, column, end_line, end_column) = position(l.as_ref());
            json!({"file": file, "line": line, "column": column, "end_line": end_line, "end_column": end_column, "message": text})
        })
        .collect();
    json!({
        "code": d.code(),
        "check": d.check.name,
        "category": d.category().as_str(),
        "severity": d.severity.as_str(),
        "message": d.message,
        "file": file,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "help": d.help,
        "related": related,
        "fingerprint": f.fingerprint,
    })
}

pub fn render(out: &LintOutput, w: &mut dyn Write) -> std::io::Result<()> {
    let diags: Vec<Value> = super::findings(out).iter().map(diagnostic).collect();
    let c = super::counts(out);
    let input_errors: Vec<Value> = out
        .errors
        .iter()
        .map(|e| {
            json!({
                "file": e.path,
                "line": e.position.map(|p| p.line),
                "column": e.position.map(|p| p.column),
                "message": e.message,
            })
        })
        .collect();
    let dashboards: Vec<Value> = out
        .dashboards
        .iter()
        .map(|d| {
            let file = out.sources.get(d.file).map_or("", |s| s.path.as_str());
            let unparsable: Vec<Value> = d
                .unparsable
                .iter()
                .map(|(span, message)| {
                    let p = out.sources.get(d.file).map(|s| s.line_col(span.start));
                    json!({"line": p.map(|p| p.line), "column": p.map(|p| p.column), "message": message})
                })
                .collect();
            let not_checked: Vec<Value> = d
                .not_checked
                .iter()
                .map(|(span, message)| {
                    let p = out.sources.get(d.file).map(|s| s.line_col(span.start));
                    json!({"line": p.map(|p| p.line), "column": p.map(|p| p.column), "message": message})
                })
                .collect();
            json!({
                "file": file,
                "dashboard": d.name,
                "not_checked": not_checked,
                "kind": match d.kind {
                    crate::dashboard::DashboardKind::Dashboard => "dashboard",
                    crate::dashboard::DashboardKind::LibraryPanel => "library_panel",
                },
                "panels": d.panels,
                "targets": {"found": d.targets, "parsed": d.targets_parsed},
                "variable_queries": {"found": d.variable_queries, "parsed": d.variable_queries_parsed},
                "unparsable": unparsable,
                "skipped": d.skipped,
                "empty_targets": d.empty_targets,
                "library_panels_not_checked": d.library_panels_unchecked,
            })
        })
        .collect();
    let doc = json!({
        "diagnostics": diags,
        "summary": {
            "files": out.sources.len(),
            "rules": out.rules,
            "errors": c.errors,
            "warnings": c.warnings,
            "infos": c.infos,
            "dashboards": out.dashboards.len(),
            "queries": out.dashboards.iter().map(|d| d.targets + d.variable_queries).sum::<usize>(),
        },
        "input_errors": input_errors,
        "dashboards": dashboards,
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}
