//! SARIF 2.1.0 (OASIS), the format code-scanning services read (GitHub code scanning through
//! `github/codeql-action/upload-sarif`, IDE SARIF viewers).
//!
//! One run. `tool.driver.rules` lists every check with the metadata of its own documentation
//! (summary, the "What it does" paragraph, the whole page as help, the default level), so a viewer
//! can explain a rule that had no result in this run too. Each result names its rule by code and
//! index, has the level the configuration gave it, a region in the file and the check's secondary
//! spans as `relatedLocations`.
//!
//! Positions: `"columnKind": "unicodeCodePoints"` (conventions.md: columns count characters);
//! `endColumn` is exclusive in SARIF (the column after the last character), unlike the JSON
//! format's inclusive `end_column`. Paths are the ones the user named, as relative URI references
//! resolved against `%SRCROOT%` (the directory mlmon-lint ran in); an absolute path becomes a
//! `file://` URI. Fingerprints: see [`super::Finding::fingerprint`]. Input errors (exit 2) are
//! `toolExecutionNotifications` of a run whose `executionSuccessful` is false.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::{Finding, Location};
use crate::checks::{self, CheckMeta};
use crate::diagnostic::Severity;
use crate::lint::LintOutput;

pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base the relative artifact URIs are resolved against.
pub const SRCROOT: &str = "%SRCROOT%";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a URI reference: `/`-separated segments percent-encoded (RFC 3986 unreserved
/// characters and `/` stay as they are). Absolute paths become `file://` URIs without a base.
pub fn artifact_location(path: &str) -> Value {
    let windows_drive = path.len() >= 3
        && path.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && path.get(1..3).is_some_and(|s| s == ":/");
    let mut uri = String::with_capacity(path.len());
    for (i, b) in path.bytes().enumerate() {
        let keep =
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') || (windows_drive && i == 1);
        if keep {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        json!({"uri": format!("file://{uri}")})
    } else if windows_drive {
        json!({"uri": format!("file:///{uri}")})
    } else {
        json!({"uri": uri, "uriBaseId": SRCROOT})
    }
}

fn physical(l: &Location<'_>) -> Value {
    json!({
        "artifactLocation": artifact_location(l.path()),
        "region": {
            "startLine": l.start.line,
            "startColumn": l.start.column,
            "endLine": l.end.line,
            "endColumn": l.end_column_exclusive(),
        },
    })
}

/// The paragraph(s) under a `## heading` of a check's docs, joined into one text.
fn section(docs: &str, heading: &str) -> Option<String> {
    let title = format!("## {heading}");
    let body = docs
        .lines()
        .map(str::trim)
        .skip_while(|l| *l != title)
        .skip(1)
        .take_while(|l| !l.starts_with("## ") && !l.starts_with("```"));
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in body {
        if line.is_empty() {
            paragraphs.push(std::mem::take(&mut current));
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(line);
    }
    paragraphs.push(current);
    paragraphs.retain(|p| !p.is_empty());
    (!paragraphs.is_empty()).then(|| paragraphs.join("\n\n"))
}

fn rule(meta: &CheckMeta) -> Value {
    let docs = meta.docs_text();
    let full = section(&docs, "What it does").unwrap_or_else(|| meta.summary.to_string());
    json!({
        "id": meta.code,
        "name": meta.name,
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": full},
        "help": {"text": docs, "markdown": docs},
        "defaultConfiguration": {"level": level(meta.default_severity)},
        "properties": {"category": meta.category.as_str(), "tags": [meta.category.as_str()]},
    })
}

fn result(f: &Finding<'_>, rule_index: usize) -> Value {
    let d = f.diagnostic;
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(d.code()));
    r.insert("ruleIndex".into(), json!(rule_index));
    r.insert("level".into(), json!(level(d.severity)));
    r.insert("message".into(), json!({"text": super::message_with_help(d)}));
    if let Some(l) = &f.location {
        r.insert("locations".into(), json!([{"physicalLocation": physical(l)}]));
    }
    let related: Vec<Value> = f
        .related
        .iter()
        .filter_map(|(l, text)| l.as_ref().map(|l| (l, text)))
        .enumerate()
        .map(|(i, (l, text))| {
            let mut v = json!({"id": i + 1, "physicalLocation": physical(l)});
            if let (Some(t), Some(o)) = (text, v.as_object_mut()) {
                o.insert("message".into(), json!({"text": t}));
            }
            v
        })
        .collect();
    if !related.is_empty() {
        r.insert("relatedLocations".into(), json!(related));
    }
    r.insert("fingerprints".into(), json!({"mlmon-lint/v1": f.fingerprint}));
    r.insert("partialFingerprints".into(), json!({"mlmonLintFingerprint/v1": f.fingerprint}));
    Value::Object(r)
}

pub fn render(out: &LintOutput, w: &mut dyn Write) -> std::io::Result<()> {
    let findings = super::findings(out);
    // every registered check, then (should a finding come from elsewhere) the others by code
    let mut metas: Vec<&'static CheckMeta> = checks::ALL.iter().map(|c| c.meta()).collect();
    let mut extra: Vec<&'static CheckMeta> = Vec::new();
    for f in &findings {
        let m = f.diagnostic.check;
        if !metas.iter().chain(&extra).any(|x| x.code == m.code) {
            extra.push(m);
        }
    }
    extra.sort_by_key(|m| m.code);
    metas.extend(extra);
    let index_of = |code: &str| metas.iter().position(|m| m.code == code).unwrap_or(0);

    let results: Vec<Value> = findings.iter().map(|f| result(f, index_of(f.diagnostic.code()))).collect();
    let notifications: Vec<Value> = out
        .errors
        .iter()
        .map(|e| {
            let mut loc = json!({"artifactLocation": artifact_location(&e.path)});
            if let (Some(p), Some(o)) = (e.position, loc.as_object_mut()) {
                o.insert("region".into(), json!({"startLine": p.line, "startColumn": p.column}));
            }
            json!({
                "level": "error",
                "message": {"text": e.message},
                "locations": [{"physicalLocation": loc}],
            })
        })
        .collect();
    let mut invocation = json!({"executionSuccessful": out.errors.is_empty()});
    if let (false, Some(o)) = (notifications.is_empty(), invocation.as_object_mut()) {
        o.insert("toolExecutionNotifications".into(), json!(notifications));
    }
    let doc = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "mlmon-lint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": metas.iter().map(|m| rule(m)).collect::<Vec<_>>(),
                },
            },
            "originalUriBaseIds": {
                SRCROOT: {"description": {"text": "The directory mlmon-lint ran in; paths are as given on its command line."}},
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [invocation],
        }],
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(artifact_location("rules/a.yaml"), json!({"uri": "rules/a.yaml", "uriBaseId": "%SRCROOT%"}));
        assert_eq!(
            artifact_location("kurallar/uyarı dosyası.yaml"),
            json!({"uri": "kurallar/uyar%C4%B1%20dosyas%C4%B1.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(artifact_location("../x#1.yaml")["uri"], "../x%231.yaml");
        assert_eq!(artifact_location("/tmp/a b.yaml"), json!({"uri": "file:///tmp/a%20b.yaml"}));
        assert_eq!(artifact_location("C:/r/a.yaml"), json!({"uri": "file:///C:/r/a.yaml"}));
    }

    #[test]
    fn rule_text_comes_from_the_check_docs() {
        let m = &crate::checks::rule_for_interval::ForShorterThanInterval::META;
        let r = rule(m);
        assert_eq!(r["id"], "RUL005");
        assert_eq!(r["defaultConfiguration"]["level"], "warning");
        let full = r["fullDescription"]["text"].as_str().unwrap();
        assert!(full.starts_with("Flags an alert whose `for` or `keep_firing_for` is shorter"), "{full}");
        assert!(!full.contains("Why is this bad"), "{full}");
        assert!(r["help"]["markdown"].as_str().unwrap().contains("```yaml,bad"));
    }
}
