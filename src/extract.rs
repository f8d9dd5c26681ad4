//! Finds what there is to lint in a file, by content rather than by name.
//!
//! A file is first split by format (YAML; JSON, where dashboards will be found); each YAML document
//! is then classified:
//! - a mapping with `groups` is a Prometheus rule file;
//! - `kind: PrometheusRule` contributes its `spec` (what promtool would be given);
//! - `kind: ConfigMap` contributes each `data` value that is itself a rule file, with positions
//!   mapped back through the string it is embedded in;
//! - `kind: List` is searched item by item;
//! - anything else (promtool test files, other manifests) is skipped, with a note for `--verbose`.
//!
//! Dashboards (JSON files, and ConfigMaps, `GrafanaDashboard`s and Kubernetes `Dashboard`s in
//! YAML) are found by [`dashboard`]; a JSON file with `groups` at the top is a rule file and is
//! read like YAML (as Prometheus does).

pub(crate) mod dashboard;

use crate::diagnostic::{Diagnostic, FileId};
use crate::error::InputError;
use crate::rules::load::{LoadError, load};
use crate::rules::{Origin, RuleFile};
use crate::source::embedded::EmbeddedText;
use crate::source::yaml::{self, Node};
use crate::source::{FileSpan, SourceFile};

/// What was found in one file.
#[derive(Debug, Default)]
pub struct Extracted {
    pub rule_files: Vec<RuleFile>,
    pub dashboards: Vec<crate::dashboard::Dashboard>,
    /// Loader findings (category `invalid`).
    pub findings: Vec<Diagnostic>,
    /// Parts that were not linted, and why (shown with `--verbose`).
    pub skipped: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Yaml,
    Json,
}

fn format_of(path: &str) -> Format {
    if path.to_ascii_lowercase().ends_with(".json") { Format::Json } else { Format::Yaml }
}

pub fn extract(file: FileId, source: &SourceFile) -> Result<Extracted, InputError> {
    let mut out = Extracted::default();
    if format_of(&source.path) == Format::Json && dashboard::from_json(file, source, &mut out)? {
        return Ok(out);
    }
    let docs = yaml::parse(&source.text).map_err(|e| InputError::at(source, FileSpan::point(e.offset), e.message))?;
    let many = docs.len() > 1;
    for (i, doc) in docs.iter().enumerate() {
        let Some(root) = &doc.root else { continue };
        let label = if many { format!("document {}", i + 1) } else { "document".to_string() };
        classify(file, source, root, &label, &mut out)?;
    }
    Ok(out)
}

fn str_field<'n>(node: &'n Node, key: &str) -> Option<&'n str> {
    node.get(key)?.as_scalar().map(|s| s.value.as_str())
}

fn load_err(source: &SourceFile, layer: Option<&EmbeddedText>, e: LoadError) -> InputError {
    let span = match layer {
        Some(l) => l.map_span(crate::promql::Span::new(e.span.start, e.span.end)),
        None => e.span,
    };
    InputError::at(source, span, e.message)
}

fn add(
    file: FileId,
    source: &SourceFile,
    root: &Node,
    origin: Origin,
    layer: Option<EmbeddedText>,
    out: &mut Extracted,
) -> Result<(), InputError> {
    let mapped = layer.clone();
    let (rf, findings) = load(file, root, origin, layer).map_err(|e| load_err(source, mapped.as_ref(), e))?;
    out.rule_files.push(rf);
    out.findings.extend(findings);
    Ok(())
}

fn classify(
    file: FileId,
    source: &SourceFile,
    root: &Node,
    label: &str,
    out: &mut Extracted,
) -> Result<(), InputError> {
    if root.as_map().is_none() {
        if !root.is_null() {
            out.skipped.push(format!("{label}: {} at the top, not a rule file", root.kind_name()));
        }
        return Ok(());
    }
    if root.get("groups").is_some() {
        return add(file, source, root, Origin::Plain, None, out);
    }
    let kind = str_field(root, "kind").unwrap_or("");
    let name = root.get("metadata").and_then(|m| str_field(m, "name")).unwrap_or("").to_string();
    match kind {
        "PrometheusRule" => match root.get("spec") {
            Some(spec) if spec.as_map().is_some() => {
                add(file, source, spec, Origin::PrometheusRule { name }, None, out)
            }
            Some(spec) => Err(InputError::at(
                source,
                spec.span,
                format!("`spec` of a PrometheusRule must be a mapping, found {}", spec.kind_name()),
            )),
            None => {
                out.skipped.push(format!("{label}: PrometheusRule `{name}` without `spec`"));
                Ok(())
            }
        },
        "ConfigMap" => configmap(file, source, root, label, &name, out),
        "List" => {
            for (i, item) in root.get("items").and_then(Node::as_seq).unwrap_or(&[]).iter().enumerate() {
                classify(file, source, item, &format!("{label}, item {}", i + 1), out)?;
            }
            Ok(())
        }
        _ => {
            if dashboard::from_yaml(file, source, root, label, out)? > 0 {
                return Ok(());
            }
            let why = if root.get("rule_files").is_some() || root.get("tests").is_some() {
                "a promtool test file".to_string()
            } else if kind.is_empty() {
                "no `groups`, not a rule file".to_string()
            } else {
                format!("kind {kind}, not a rule file")
            };
            out.skipped.push(format!("{label}: {why}"));
            Ok(())
        }
    }
}

/// Rule files embedded as strings in a ConfigMap's `data`.
fn configmap(
    file: FileId,
    source: &SourceFile,
    root: &Node,
    label: &str,
    name: &str,
    out: &mut Extracted,
) -> Result<(), InputError> {
    let mut found = false;
    for e in root.get("data").and_then(Node::as_map).unwrap_or(&[]) {
        let (Some(key), Some(value)) = (e.key.as_scalar(), e.value.as_scalar()) else { continue };
        if !value.value.contains("groups") {
            continue;
        }
        let layer = EmbeddedText::from_yaml_scalar(&source.text, e.value.span, value.style, &value.value);
        let looks_like_rules = [".yaml", ".yml", ".rules"].iter().any(|x| key.value.ends_with(x));
        let docs = match yaml::parse(&layer.text) {
            Ok(d) => d,
            Err(err) if looks_like_rules => {
                let at = layer.map_span(crate::promql::Span::new(err.offset, err.offset));
                return Err(InputError::at(source, at, format!("in ConfigMap key `{}`: {}", key.value, err.message)));
            }
            Err(_) => {
                out.skipped.push(format!("{label}: ConfigMap `{name}` key `{}` is not YAML", key.value));
                continue;
            }
        };
        for r in docs.iter().filter_map(|d| d.root.as_ref()).filter(|r| r.get("groups").is_some()) {
            found = true;
            let origin = Origin::ConfigMap { name: name.to_string(), key: key.value.clone() };
            add(file, source, r, origin, Some(layer.clone()), out)?;
        }
    }
    let dashboards = dashboard::from_yaml(file, source, root, label, out)?;
    if !found && dashboards == 0 {
        out.skipped.push(format!("{label}: ConfigMap `{name}` holds no rule file or dashboard"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(path: &str, text: &str) -> Result<Extracted, InputError> {
        extract(0, &SourceFile::new(path, text))
    }

    #[test]
    fn plain_rule_file() {
        let x = run("r.yaml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n").unwrap();
        assert_eq!(x.rule_files.len(), 1);
        assert_eq!(x.rule_files[0].groups[0].rules[0].name.value, "A");
        assert!(x.findings.is_empty());
    }

    #[test]
    fn prometheus_rule_in_multi_document_file() {
        let t = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: pr\nspec:\n  groups:\n  - name: g\n    rules:\n    - record: a:b:c\n      expr: sum(x)\n";
        let x = run("m.yaml", t).unwrap();
        assert_eq!(x.rule_files.len(), 1);
        assert_eq!(x.rule_files[0].origin, Origin::PrometheusRule { name: "pr".into() });
        assert_eq!(x.skipped, ["document 1: kind Service, not a rule file"]);
    }

    #[test]
    fn configmap_positions_map_into_the_file() {
        let t = "kind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  alerts.yaml: |\n    groups:\n    - name: g\n      rules:\n      - alert: A\n        expr: up == 0\n";
        let src = SourceFile::new("cm.yaml", t);
        let x = extract(0, &src).unwrap();
        let rf = &x.rule_files[0];
        let rule = &rf.groups[0].rules[0];
        let expr = rule.expr.as_ref().unwrap();
        let emb = rf.embedded(&src, expr);
        let m = emb.map_span(crate::promql::Span::new(0, 2));
        assert_eq!(&t[m.start as usize..m.end as usize], "up");
        let name = rf.to_file(rule.name.span);
        assert_eq!(&t[name.start as usize..name.end as usize], "A");
        assert_eq!(src.line_col(name.start).line, 9);
    }

    #[test]
    fn configmap_broken_rules_key_is_an_input_error_in_the_file() {
        let t = "kind: ConfigMap\ndata:\n  r.yaml: |\n    groups:\n    - name: [\n";
        let e = run("cm.yaml", t).unwrap_err();
        // the error is at the end of the embedded text: the end of the file's last line
        assert_eq!(e.position.unwrap().line, 5, "{e}");
    }

    #[test]
    fn skips_test_files_and_other_json() {
        let x = run("t.yml", "rule_files: [a.yml]\ntests: []\n").unwrap();
        assert!(x.rule_files.is_empty());
        assert_eq!(x.skipped, ["document: a promtool test file"]);
        let x = run("d.json", "{}").unwrap();
        assert!(x.rule_files.is_empty() && x.dashboards.is_empty() && x.skipped.len() == 1);
    }

    #[test]
    fn json_rule_files_are_rule_files() {
        let t = "{\"groups\": [{\"name\": \"g\", \"rules\": [{\"alert\": \"A\", \"expr\": \"up == 0\"}]}]}";
        let x = run("r.json", t).unwrap();
        assert_eq!(x.rule_files.len(), 1);
        let rf = &x.rule_files[0];
        let src = SourceFile::new("r.json", t);
        let e = rf.embedded(&src, rf.groups[0].rules[0].expr.as_ref().unwrap());
        let m = e.map_span(crate::promql::Span::new(0, 2));
        assert_eq!(&t[m.start as usize..m.end as usize], "up");
    }

    #[test]
    fn structural_errors_are_input_errors() {
        let e = run("r.yaml", "groups:\n- name: g\n  rules: 5\n").unwrap_err();
        assert_eq!((e.position.unwrap().line, e.position.unwrap().column), (3, 10));
        assert!(e.message.contains("must be a list"), "{e}");
        let e = run("r.yaml", "groups: x\n").unwrap_err();
        assert!(e.message.contains("must be a list"));
        let e = run("r.yaml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: [1]\n").unwrap_err();
        assert!(e.message.contains("must be a string"));
    }
}
