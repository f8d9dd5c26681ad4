//! Grafana's v2 dashboard schema (`dashboard.grafana.app/v2alpha1`, `v2beta1`), read by turning it
//! into the classic shape the rest of the extraction knows.
//!
//! v2 keeps panels in `spec.elements` (a map of `Panel` and `LibraryPanel` elements, laid out
//! separately), each panel's queries in `data.spec.queries[].spec.query`, variables in
//! `spec.variables` and annotations in `spec.annotations`. A query names its datasource by its kind
//! (`v2alpha1`: `{"kind": "prometheus", "spec": {"expr": ...}}`) or by `group` (`v2beta1`:
//! `{"kind": "DataQuery", "group": "prometheus", "datasource": {"name": uid}, "spec": {...}}`).
//!
//! The classic tree built here reuses the original string values, so every position (an `expr`, a
//! title) still points into the file; the objects it adds take the span of the v2 object they stand
//! for.

use crate::source::FileSpan;
use crate::source::json::{Kind, Member, Object, Quoting, Str, Value};

/// Whether a dashboard `spec` is in the v2 schema.
pub(super) fn is_v2(spec: &Value) -> bool {
    spec.get("elements").is_some_and(|e| e.as_object().is_some())
}

fn obj(span: FileSpan, members: Vec<(&str, Value)>) -> Value {
    Value {
        kind: Kind::Object(Object {
            members: members
                .into_iter()
                .map(|(k, v)| Member { key: k.to_string(), key_span: v.span, value: v })
                .collect(),
        }),
        span,
    }
}

fn string(s: &str, span: FileSpan) -> Value {
    Value { kind: Kind::String(Str { value: s.to_string(), quoting: Quoting::Json }), span }
}

fn array(items: Vec<Value>, span: FileSpan) -> Value {
    Value { kind: Kind::Array(items), span }
}

/// A v2 query (`DataQueryKind`): its datasource as a classic `{"type", "uid"}` reference.
fn datasource(query: &Value, outer: Option<&Value>) -> Value {
    let span = query.span;
    let kind = query.str_at("kind").unwrap_or("");
    let plugin = match kind {
        "DataQuery" => query.str_at("group").unwrap_or(""),
        k => k,
    };
    let uid = query
        .get("datasource")
        .and_then(|d| d.str_at("name").or_else(|| d.str_at("uid")))
        .or_else(|| outer.and_then(|d| d.str_at("uid")))
        .unwrap_or("");
    let mut members = vec![("uid", string(uid, span))];
    if !plugin.is_empty() {
        members.push(("type", string(plugin, span)));
    } else if let Some(t) = outer.and_then(|d| d.get("type")) {
        members.push(("type", t.clone()));
    }
    obj(span, members)
}

/// The query text of a v2 query: Prometheus's `expr`, or a variable's query string.
fn text(query: &Value) -> Option<&Value> {
    let spec = query.get("spec")?;
    ["expr", "query", "__legacyStringValue"].iter().find_map(|k| spec.get(k).filter(|v| v.as_str().is_some()))
}

fn panel(el: &Value) -> Option<Value> {
    let spec = el.get("spec")?;
    let mut members: Vec<(&str, Value)> = Vec::new();
    for k in ["title", "description"] {
        if let Some(v) = spec.get(k) {
            members.push((k, v.clone()));
        }
    }
    match el.str_at("kind") {
        Some("LibraryPanel") => {
            let lib = spec.get("libraryPanel")?;
            members.push(("libraryPanel", lib.clone()));
            return Some(obj(el.span, members));
        }
        Some("Panel") => {}
        _ => return None,
    }
    let viz = spec.get("vizConfig");
    let viz_kind = viz.and_then(|v| match v.str_at("kind") {
        Some("VizConfig") => v.get("group"),
        _ => v.get("kind"),
    });
    if let Some(k) = viz_kind {
        members.push(("type", k.clone()));
    }
    if let Some(fc) = viz.and_then(|v| v.get("spec")).and_then(|s| s.get("fieldConfig")) {
        members.push(("fieldConfig", fc.clone()));
    }
    let queries = spec.get("data").and_then(|d| d.get("spec")).and_then(|s| s.get("queries"));
    let mut targets = Vec::new();
    for q in queries.and_then(Value::as_array).unwrap_or(&[]) {
        let Some(qs) = q.get("spec") else { continue };
        let Some(query) = qs.get("query") else { continue };
        let mut t: Vec<(&str, Value)> = vec![("datasource", datasource(query, qs.get("datasource")))];
        if let Some(r) = qs.get("refId") {
            t.push(("refId", r.clone()));
        }
        if let Some(h) = qs.get("hidden") {
            t.push(("hide", h.clone()));
        }
        if let Some(e) = text(query) {
            t.push(("expr", e.clone()));
        }
        targets.push(obj(q.span, t));
    }
    members.push(("targets", array(targets, queries.map_or(el.span, |q| q.span))));
    Some(obj(el.span, members))
}

fn variable(v: &Value) -> Option<Value> {
    let spec = v.get("spec")?;
    let kind = match v.str_at("kind")? {
        "QueryVariable" => "query",
        "CustomVariable" => "custom",
        "ConstantVariable" => "constant",
        "IntervalVariable" => "interval",
        "TextVariable" => "textbox",
        "DatasourceVariable" => "datasource",
        "AdhocVariable" => "adhoc",
        other => other,
    };
    let mut members: Vec<(&str, Value)> = vec![("type", string(kind, v.span))];
    for k in ["name", "current", "options"] {
        if let Some(x) = spec.get(k) {
            members.push((k, x.clone()));
        }
    }
    match kind {
        "query" => {
            if let Some(q) = spec.get("query") {
                members.push(("datasource", datasource(q, spec.get("datasource"))));
                if let Some(t) = text(q) {
                    members.push(("query", t.clone()));
                }
            }
        }
        "datasource" => {
            if let Some(p) = spec.get("pluginId") {
                members.push(("query", p.clone()));
            }
        }
        _ => {
            if let Some(q) = spec.get("query") {
                members.push(("query", q.clone()));
            }
        }
    }
    Some(obj(v.span, members))
}

fn annotation(a: &Value) -> Option<Value> {
    let spec = a.get("spec")?;
    let query = spec.get("query")?;
    let mut members: Vec<(&str, Value)> = vec![("datasource", datasource(query, spec.get("datasource")))];
    if let Some(n) = spec.get("name") {
        members.push(("name", n.clone()));
    }
    if let Some(e) = text(query) {
        members.push(("expr", e.clone()));
    }
    Some(obj(a.span, members))
}

/// The classic form of a v2 dashboard `spec`.
pub(super) fn to_classic(spec: &Value) -> Value {
    let list = |k: &str| spec.get(k).and_then(Value::as_array).unwrap_or(&[]);
    let elements = spec.get("elements").and_then(Value::as_object);
    let panels: Vec<Value> =
        elements.map(|e| e.effective().filter_map(|m| panel(&m.value)).collect()).unwrap_or_default();
    let mut members: Vec<(&str, Value)> = Vec::new();
    if let Some(t) = spec.get("title") {
        members.push(("title", t.clone()));
    }
    members.push(("panels", array(panels, spec.span)));
    let vars = list("variables").iter().filter_map(variable).collect();
    members.push(("templating", obj(spec.span, vec![("list", array(vars, spec.span))])));
    let anns = list("annotations").iter().filter_map(annotation).collect();
    members.push(("annotations", obj(spec.span, vec![("list", array(anns, spec.span))])));
    obj(spec.span, members)
}
