//! Finds Grafana dashboards in a file, in every shape people commit, and their PromQL queries.
//!
//! Shapes (each may hold the next ones):
//! - a dashboard object (`panels` or the legacy `rows[].panels`, or `title` with `templating` /
//!   `schemaVersion`);
//! - the HTTP API's export, `{"dashboard": {...}, "meta": {...}}`;
//! - a Kubernetes-style object whose `spec` is a dashboard (`dashboard.grafana.app/v0alpha1`,
//!   `v1beta1`), in JSON or YAML, including Grafana's v2 schema (`spec.elements`, [`v2`]);
//! - a `ConfigMap` whose `data` values are dashboard JSON (YAML or JSON manifest), a
//!   grafana-operator `GrafanaDashboard` with the dashboard in `spec.json`, and lists of either
//!   (`List`, `ConfigMapList`);
//! - a one-key wrapper such as etcd's `{"etcd.json": {...}}`;
//! - a library panel's own file (`{"uid", "name", "model": {...}}`, or the API's
//!   `{"result": {...}}`).
//!
//! Panels are flattened the way Grafana lays them out: top-level `panels`, panels inside rows
//! (collapsed rows keep theirs in the row's own `panels`), nested `panels`, and `rows[].panels`.
//! A library panel reference without an inline model is resolved from the dashboard's
//! `__elements` (its export for sharing) or listed in [`Dashboard::library_refs`]; the lint driver
//! marks it checked when a file of the run holds the library panel.
//!
//! Positions: every string is mapped to the file through the layers it sits in (a JSON string, a
//! YAML scalar, JSON inside a ConfigMap's YAML string), so each query's map leads from the
//! expanded PromQL to the file.

use crate::dashboard::datasource::{self, Datasource};
use crate::dashboard::query::promql_part;
use crate::dashboard::variables::{Vars, expand};
use crate::dashboard::{Dashboard, DashboardKind, DuplicateKey, LibraryRef, Panel, Query, Role};
use crate::diagnostic::FileId;
use crate::error::InputError;
use crate::promql::Span;
use crate::source::embedded::EmbeddedText;
use crate::source::json::{self, Kind, Object, Quoting, Str, Value};
use crate::source::yaml::{self, Node, NodeKind};
use crate::source::{FileSpan, SourceFile};

use super::Extracted;

mod v2;

/// The text a tree's spans point into, and the map from it to the file (when it is itself a
/// string inside the file).
#[derive(Clone, Copy)]
struct Layer<'a> {
    src: &'a str,
    map: Option<&'a EmbeddedText>,
    duplicates: &'a [json::Duplicate],
}

impl Layer<'_> {
    fn to_file(self, s: FileSpan) -> FileSpan {
        match self.map {
            Some(m) => m.map_span(Span::new(s.start, s.end)),
            None => s,
        }
    }

    /// A string's decoded text with its map to the file.
    fn embedded(self, v: &Value) -> Option<EmbeddedText> {
        let inner = v.embedded(self.src)?;
        Some(match self.map {
            Some(m) => inner.compose(m),
            None => inner,
        })
    }
}

struct Finder<'o> {
    file: FileId,
    source: &'o SourceFile,
    out: &'o mut Extracted,
}

/// Reads a JSON file: dashboards, or (with `groups` at the top) a rule file, which the YAML
/// reader handles (JSON is YAML, and Prometheus reads rule files with its YAML decoder).
/// Returns `false` for a rule file.
///
/// A file that is not strict JSON is an input error (exit 2) when it looks like a dashboard or a
/// rule file; other `.json` files in a repository (`tsconfig.json` and editor settings allow
/// comments) are skipped with a note, so that linting a directory does not fail on them.
pub(crate) fn from_json(file: FileId, source: &SourceFile, out: &mut Extracted) -> Result<bool, InputError> {
    let doc = match json::parse(&source.text) {
        Ok(doc) => doc,
        Err(e) => {
            let relevant = ["\"panels\"", "\"rows\"", "\"dashboard\"", "\"targets\"", "\"groups\"", "\"expr\""];
            if relevant.iter().any(|k| source.text.contains(k)) {
                return Err(InputError::at(source, FileSpan::point(e.offset), e.message));
            }
            let p = source.line_col(e.offset);
            out.skipped.push(format!("not strict JSON ({}:{}: {}) and not a dashboard", p.line, p.column, e.message));
            return Ok(true);
        }
    };
    if doc.root.get("groups").is_some() {
        return Ok(false);
    }
    let layer = Layer { src: &source.text, map: None, duplicates: &doc.duplicates };
    let mut f = Finder { file, source, out };
    if f.find(layer, &doc.root, "", 0)? == 0 {
        let why = match doc.root.as_object() {
            Some(_) => "JSON file: not a Grafana dashboard (no `panels`, `rows` or `dashboard`)".to_string(),
            None => format!("JSON file: {} at the top, not a Grafana dashboard", doc.root.kind_name()),
        };
        f.out.skipped.push(why);
    }
    Ok(true)
}

/// Looks for dashboards in one YAML document (a ConfigMap, a `GrafanaDashboard`, a Kubernetes
/// `Dashboard`, a list of them). Returns how many were found.
pub(crate) fn from_yaml(
    file: FileId,
    source: &SourceFile,
    root: &Node,
    label: &str,
    out: &mut Extracted,
) -> Result<usize, InputError> {
    let tree = from_yaml_node(root, 0);
    let layer = Layer { src: &source.text, map: None, duplicates: &[] };
    let mut f = Finder { file, source, out };
    f.find(layer, &tree, &format!("{label}: "), 0)
}

/// A YAML node as a JSON value (core-schema scalars resolved as yaml.v3 does for plain scalars),
/// keeping spans and scalar styles. Non-scalar keys are dropped: no dashboard field has one.
fn from_yaml_node(n: &Node, depth: usize) -> Value {
    let kind = match &n.kind {
        NodeKind::Scalar(s) => {
            let plain = s.style == serde_saphyr::granit_parser::ScalarStyle::Plain && s.tag.is_none();
            match s.value.as_str() {
                _ if n.is_null() => Kind::Null,
                "true" | "True" | "TRUE" if plain => Kind::Bool(true),
                "false" | "False" | "FALSE" if plain => Kind::Bool(false),
                v if plain && v.parse::<f64>().is_ok() && v.bytes().any(|b| b.is_ascii_digit()) => {
                    Kind::Number(v.parse::<f64>().unwrap_or(0.0))
                }
                v => Kind::String(Str { value: v.to_string(), quoting: Quoting::Yaml(s.style) }),
            }
        }
        NodeKind::Seq(items) if depth < yaml::MAX_DEPTH => {
            Kind::Array(items.iter().map(|i| from_yaml_node(i, depth + 1)).collect())
        }
        NodeKind::Map(entries) if depth < yaml::MAX_DEPTH => Kind::Object(Object {
            members: entries
                .iter()
                .filter_map(|e| {
                    let k = e.key.as_scalar()?;
                    Some(json::Member {
                        key: k.value.clone(),
                        key_span: e.key.span,
                        value: from_yaml_node(&e.value, depth + 1),
                    })
                })
                .collect(),
        }),
        _ => Kind::Null,
    };
    Value { kind, span: n.span }
}

fn is_dashboard(v: &Value) -> bool {
    let Some(o) = v.as_object() else { return false };
    if o.get("groups").is_some() {
        return false;
    }
    let arr = |k: &str| o.get(k).is_some_and(|x| x.as_array().is_some());
    arr("panels")
        || arr("rows")
        || (o.get("title").is_some() && (o.get("templating").is_some() || o.get("schemaVersion").is_some()))
}

/// A library panel's own file: `{"uid", "name", "model": {panel}}`.
fn is_library_element(v: &Value) -> bool {
    v.get("model").is_some_and(|m| m.as_object().is_some()) && v.str_at("uid").is_some()
}

impl Finder<'_> {
    fn find(&mut self, layer: Layer<'_>, v: &Value, label: &str, depth: usize) -> Result<usize, InputError> {
        if v.as_object().is_none() || depth > 8 {
            return Ok(0);
        }
        if is_dashboard(v) {
            self.dashboard(layer, v, label.to_string());
            return Ok(1);
        }
        if let Some(d) = v.get("dashboard").filter(|d| is_dashboard(d)) {
            self.dashboard(layer, d, label.to_string());
            return Ok(1);
        }
        if is_library_element(v) {
            self.library_element(layer, v, label);
            return Ok(1);
        }
        if let Some(r) = v.get("result").filter(|r| is_library_element(r)) {
            self.library_element(layer, r, label);
            return Ok(1);
        }
        let kind = v.str_at("kind").unwrap_or("");
        let name = v.get("metadata").and_then(|m| m.str_at("name")).unwrap_or("");
        match kind {
            "ConfigMap" => return self.configmap(layer, v, label, name),
            "GrafanaDashboard" => return self.grafana_dashboard(layer, v, label, name),
            k if k.ends_with("List") => {
                let mut n = 0;
                for (i, item) in v.get("items").and_then(Value::as_array).unwrap_or(&[]).iter().enumerate() {
                    n += self.find(layer, item, &format!("{label}item {}: ", i + 1), depth + 1)?;
                }
                return Ok(n);
            }
            _ => {}
        }
        if let Some(spec) = v.get("spec") {
            let what = if kind.is_empty() { "object".to_string() } else { format!("{kind} `{name}`") };
            if is_dashboard(spec) {
                self.dashboard(layer, spec, format!("{label}{what}: "));
                return Ok(1);
            }
            if v2::is_v2(spec) {
                let classic = v2::to_classic(spec);
                self.dashboard(layer, &classic, format!("{label}{what} (v2 schema): "));
                return Ok(1);
            }
        }
        // a one-key wrapper: `{"etcd.json": {...}}`
        if let Some(o) = v.as_object()
            && let [m] = o.members.as_slice()
            && kind.is_empty()
            && is_dashboard(&m.value)
        {
            self.dashboard(layer, &m.value, format!("{label}`{}`: ", m.key));
            return Ok(1);
        }
        Ok(0)
    }

    /// A string that holds JSON: parses it and looks for dashboards inside. `strict`: the string is
    /// meant to be JSON (`*.json` key, `spec.json`), so a syntax error is an input error.
    fn embedded_json(&mut self, layer: Layer<'_>, s: &Value, label: &str, strict: bool) -> Result<usize, InputError> {
        let Some(text) = layer.embedded(s) else { return Ok(0) };
        let doc = match json::parse(&text.text) {
            Ok(d) => d,
            Err(e) if strict => {
                let at = text.map_span(Span::new(e.offset, e.offset));
                return Err(InputError::at(self.source, at, format!("{label}{}", e.message)));
            }
            Err(_) => return Ok(0),
        };
        let inner = Layer { src: &text.text, map: Some(&text), duplicates: &doc.duplicates };
        self.find(inner, &doc.root, label, 1)
    }

    fn configmap(&mut self, layer: Layer<'_>, v: &Value, label: &str, name: &str) -> Result<usize, InputError> {
        let mut n = 0;
        for m in v.get("data").and_then(Value::as_object).map_or(&[][..], |o| &o.members[..]) {
            let Some(text) = m.value.as_str() else { continue };
            let json_key = m.key.ends_with(".json");
            if !json_key && !text.trim_start().starts_with('{') {
                continue;
            }
            let l = format!("{label}ConfigMap `{name}` key `{}`: ", m.key);
            n += self.embedded_json(layer, &m.value, &l, json_key)?;
        }
        Ok(n)
    }

    fn grafana_dashboard(&mut self, layer: Layer<'_>, v: &Value, label: &str, name: &str) -> Result<usize, InputError> {
        let l = format!("{label}GrafanaDashboard `{name}`: ");
        let spec = v.get("spec");
        if let Some(j) = spec.and_then(|s| s.get("json")).filter(|j| j.as_str().is_some()) {
            return self.embedded_json(layer, j, &l, true);
        }
        if let Some(d) = spec.and_then(|s| s.get("dashboard")).filter(|d| is_dashboard(d)) {
            self.dashboard(layer, d, l);
            return Ok(1);
        }
        let from = ["gzipJson", "url", "configMapRef", "grafanaCom", "jsonnet", "jsonnetLib"]
            .into_iter()
            .find(|k| spec.and_then(|s| s.get(k)).is_some())
            .unwrap_or("nowhere in the file");
        self.out.skipped.push(format!("{l}takes its dashboard from `{from}`, which is not linted"));
        Ok(0)
    }

    fn library_element(&mut self, layer: Layer<'_>, v: &Value, label: &str) {
        let uid = v.str_at("uid").unwrap_or("").to_string();
        let name = v.str_at("name").unwrap_or("").to_string();
        let mut b = Builder::new(
            self.file,
            layer,
            Vars::default(),
            DashboardKind::LibraryPanel,
            format!("{label}library panel `{name}`"),
        );
        b.dash.library_defs.push(uid);
        if let Some(model) = v.get("model") {
            b.panel(model);
        }
        b.duplicates(v.span);
        self.out.dashboards.push(b.dash);
    }

    fn dashboard(&mut self, layer: Layer<'_>, d: &Value, label: String) {
        let name = match d.str_at("title").filter(|t| !t.is_empty()) {
            Some(title) => format!("{label}dashboard `{title}`"),
            None => format!("{label}untitled dashboard"),
        };
        let mut b = Builder::new(self.file, layer, Vars::of_dashboard(d), DashboardKind::Dashboard, name);
        // library panels exported with the dashboard (`__elements`)
        let elements = d.get("__elements").and_then(Value::as_object);
        if let Some(els) = elements {
            b.dash.library_defs.extend(els.effective().map(|m| m.key.clone()));
        }
        let mut panels = Vec::new();
        flatten(d.get("panels"), &mut panels);
        for row in d.get("rows").and_then(Value::as_array).unwrap_or(&[]) {
            flatten(row.get("panels"), &mut panels);
        }
        for p in panels {
            let lib = p.get("libraryPanel").filter(|l| l.as_object().is_some());
            match lib {
                Some(l) if p.get("targets").is_none() => {
                    let uid = l.str_at("uid").unwrap_or("");
                    let model = elements.and_then(|e| e.get(uid)).and_then(|e| e.get("model"));
                    match model {
                        Some(m) => b.panel(m),
                        None => {
                            let span =
                                p.as_object().and_then(|o| o.member("libraryPanel")).map_or(l.span, |m| m.key_span);
                            b.dash.library_refs.push(LibraryRef {
                                uid: uid.to_string(),
                                name: l.str_at("name").unwrap_or("").to_string(),
                                span: b.layer.to_file(span),
                            });
                            b.library_placeholder(p);
                        }
                    }
                }
                _ => b.panel(p),
            }
        }
        b.annotations(d);
        b.variable_queries(d);
        b.duplicates(d.span);
        self.out.dashboards.push(b.dash);
    }
}

/// Every panel in Grafana's order: rows (which hold a collapsed row's panels) and any nested
/// `panels` are walked recursively; the rows themselves are kept (their own targets are ignored).
fn flatten<'v>(panels: Option<&'v Value>, out: &mut Vec<&'v Value>) {
    for p in panels.and_then(Value::as_array).unwrap_or(&[]) {
        if p.as_object().is_none() {
            continue;
        }
        if p.str_at("type") != Some("row") {
            out.push(p);
        }
        flatten(p.get("panels"), out);
    }
}

struct Builder<'a> {
    layer: Layer<'a>,
    vars: Vars,
    dash: Dashboard,
}

impl<'a> Builder<'a> {
    fn new(file: FileId, layer: Layer<'a>, vars: Vars, kind: DashboardKind, name: String) -> Self {
        Builder {
            layer,
            vars,
            dash: Dashboard {
                file,
                kind,
                name,
                panels: Vec::new(),
                queries: Vec::new(),
                library_refs: Vec::new(),
                library_defs: Vec::new(),
                duplicates: Vec::new(),
                skipped: Default::default(),
                empty_targets: 0,
            },
        }
    }

    /// Where a finding about a panel points: its title, its type, or its start.
    fn panel_span(&self, p: &Value) -> FileSpan {
        let s = p
            .get("title")
            .filter(|t| t.as_str().is_some_and(|s| !s.is_empty()))
            .or_else(|| p.get("type"))
            .map_or(FileSpan::point(p.span.start), |v| v.span);
        self.layer.to_file(s)
    }

    fn library_placeholder(&mut self, p: &Value) {
        self.dash.panels.push(Panel {
            title: p.str_at("title").unwrap_or("").to_string(),
            kind: p.str_at("type").unwrap_or("").to_string(),
            span: self.panel_span(p),
            prometheus: false,
            queries: 0,
            targets: 0,
            library: true,
            unit: None,
            description: true,
        });
    }

    fn panel(&mut self, p: &Value) {
        let ds = datasource::resolve(p.get("datasource"), &self.vars);
        let index = self.dash.panels.len();
        let targets = p.get("targets").and_then(Value::as_array).unwrap_or(&[]);
        let mut panel = Panel {
            title: p.str_at("title").unwrap_or("").to_string(),
            kind: p.str_at("type").unwrap_or("").to_string(),
            span: self.panel_span(p),
            // without targets, the panel's own datasource decides; with some, theirs
            prometheus: targets.is_empty() && ds.is_prometheus() && ds != Datasource::Mixed,
            queries: 0,
            targets: targets.len(),
            library: false,
            unit: unit(p),
            description: p.str_at("description").is_some_and(|d| !d.trim().is_empty()),
        };
        for t in targets {
            let tds = datasource::of_query(t.get("datasource"), &ds, &self.vars);
            let expr = t.get("expr").filter(|e| e.as_str().is_some());
            if !tds.is_prometheus() {
                if expr.is_some_and(|e| e.as_str().is_some_and(|s| !s.trim().is_empty())) {
                    *self.dash.skipped.entry(describe(&tds)).or_default() += 1;
                }
                continue;
            }
            panel.prometheus = true;
            let Some(expr) = expr else { continue };
            if expr.as_str().is_some_and(|s| s.trim().is_empty()) {
                self.dash.empty_targets += 1;
                continue;
            }
            let role = Role::Panel { panel: index, ref_id: t.str_at("refId").unwrap_or("").to_string() };
            let hidden = t.get("hide").and_then(Value::as_bool).unwrap_or(false);
            if let Some(q) = self.query(expr, role, hidden, false) {
                panel.queries += 1;
                self.dash.queries.push(q);
            }
        }
        self.dash.panels.push(panel);
    }

    fn annotations(&mut self, d: &Value) {
        let list = d.get("annotations").and_then(|a| a.get("list")).and_then(Value::as_array).unwrap_or(&[]);
        for a in list {
            let Some(expr) = a.get("expr").filter(|e| e.as_str().is_some_and(|s| !s.trim().is_empty())) else {
                continue;
            };
            let ds = datasource::resolve(a.get("datasource"), &self.vars);
            if !ds.is_prometheus() {
                *self.dash.skipped.entry(describe(&ds)).or_default() += 1;
                continue;
            }
            let role = Role::Annotation { name: a.str_at("name").unwrap_or("").to_string() };
            if let Some(q) = self.query(expr, role, false, false) {
                self.dash.queries.push(q);
            }
        }
    }

    fn variable_queries(&mut self, d: &Value) {
        let list = d.get("templating").and_then(|t| t.get("list")).and_then(Value::as_array).unwrap_or(&[]);
        for v in list {
            if v.str_at("type") != Some("query") {
                continue;
            }
            let name = v.str_at("name").unwrap_or("").to_string();
            let query = match v.get("query") {
                Some(q) if q.as_str().is_some() => q,
                Some(q) => match q.get("query") {
                    Some(inner) if inner.as_str().is_some() => inner,
                    _ => continue,
                },
                None => continue,
            };
            let ds = datasource::resolve(v.get("datasource"), &self.vars);
            if !ds.is_prometheus() {
                if query.as_str().is_some_and(|s| !s.trim().is_empty()) {
                    *self.dash.skipped.entry(describe(&ds)).or_default() += 1;
                }
                continue;
            }
            let role = Role::Variable { name, function: crate::dashboard::query::VarFunction::Series };
            if let Some(q) = self.query(query, role, false, true) {
                self.dash.queries.push(q);
            }
        }
    }

    /// A query from a string value: expanded, mapped, and for a variable query cut down to its
    /// PromQL part.
    fn query(&self, v: &Value, role: Role, hidden: bool, variable: bool) -> Option<Query> {
        let decoded = self.layer.embedded(v)?;
        let span = self.layer.to_file(v.span);
        let build = |numeric: bool| -> Option<Query> {
            let e = expand(&decoded.text, &self.vars, numeric);
            let map = e.map.compose(&decoded);
            let (role, part) = match (&role, variable) {
                (Role::Variable { name, .. }, true) => {
                    let (function, part) = promql_part(&e.text)?;
                    (Role::Variable { name: name.clone(), function }, part)
                }
                _ => (role.clone(), Span::new(0, e.text.len() as u32)),
            };
            let text = e.text.get(part.range())?.to_string();
            if text.trim().is_empty() {
                return None;
            }
            let uses = e
                .uses
                .into_iter()
                .filter(|u| u.replaced.start < part.end && part.start < u.replaced.end)
                .map(|mut u| {
                    u.replaced = Span::new(
                        u.replaced.start.max(part.start) - part.start,
                        u.replaced.end.min(part.end) - part.start,
                    );
                    u
                })
                .collect();
            let map = if part.start == 0 && part.end as usize == e.text.len() { map } else { map.slice(part) };
            Some(Query { role, text, map, uses, numeric: None, span, hidden })
        };
        let mut q = build(false)?;
        if q.stand_ins().next().is_some() {
            q.numeric = build(true).filter(|n| n.text != q.text).map(Box::new);
        }
        Some(q)
    }

    /// The duplicate keys inside `within` (a span of the layer's text).
    fn duplicates(&mut self, within: FileSpan) {
        for d in self.layer.duplicates {
            if within.start <= d.shadowed.start && d.shadowed.end <= within.end {
                self.dash.duplicates.push(DuplicateKey {
                    key: d.key.clone(),
                    shadowed: self.layer.to_file(d.shadowed),
                    used: self.layer.to_file(d.used),
                });
            }
        }
    }
}

/// The unit a panel displays its values in: `fieldConfig.defaults.unit`, a legacy graph's
/// left axis `format`, a singlestat's `format`; `Some("")` when value mappings stand in for one.
fn unit(p: &Value) -> Option<String> {
    let defaults = p.get("fieldConfig").and_then(|f| f.get("defaults"));
    let found = defaults
        .and_then(|d| d.str_at("unit"))
        .or_else(|| p.get("yaxes").and_then(Value::as_array).and_then(|a| a.first()).and_then(|y| y.str_at("format")))
        .or_else(|| p.str_at("format"))
        .filter(|u| !u.is_empty() && *u != "none" && *u != "short");
    if let Some(u) = found {
        return Some(u.to_string());
    }
    let mapped = defaults.and_then(|d| d.get("mappings")).and_then(Value::as_array).is_some_and(|m| !m.is_empty())
        || p.get("valueMaps").and_then(Value::as_array).is_some_and(|m| !m.is_empty());
    mapped.then(String::new)
}

fn describe(ds: &Datasource) -> String {
    match ds {
        Datasource::Other(s) => s.clone(),
        Datasource::Mixed => "-- Mixed --".to_string(),
        Datasource::Prometheus | Datasource::Default => "prometheus".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::query::VarFunction;
    use crate::extract::extract;

    fn run(path: &str, text: &str) -> Extracted {
        extract(0, &SourceFile::new(path, text)).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The file text each query's first `n` characters map to.
    fn at(text: &str, q: &Query, n: usize) -> String {
        let m = q.map.map_span(Span::new(0, n as u32));
        text[m.start as usize..m.end as usize].to_string()
    }

    fn queries(x: &Extracted) -> Vec<&str> {
        x.dashboards.iter().flat_map(|d| d.queries.iter().map(|q| q.text.as_str())).collect()
    }

    const PANELS: &str = r#"{"title": "T", "panels": [
        {"type": "row", "title": "r", "collapsed": true, "panels": [
            {"type": "timeseries", "title": "in collapsed row", "targets": [{"expr": "rate(a_total[$__rate_interval])", "refId": "A"}]}
        ]},
        {"type": "timeseries", "title": "top", "datasource": "$datasource", "targets": [{"expr": "up{job=\"x\"}", "refId": "A"}, {"expr": "", "refId": "B"}]},
        {"type": "text", "title": "notes"}
    ], "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]}}"#;

    #[test]
    fn panels_rows_and_collapsed_rows() {
        let x = run("d.json", PANELS);
        let d = &x.dashboards[0];
        assert_eq!(d.name, "dashboard `T`");
        assert_eq!(queries(&x), ["rate(a_total[5m])", "up{job=\"x\"}"]);
        assert_eq!(d.panels.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["in collapsed row", "top", "notes"]);
        assert_eq!(d.empty_targets, 1);
        assert_eq!(at(PANELS, &d.queries[1], 3), "up{");
        // the escaped quotes map to their escapes
        let q = &d.queries[1];
        let i = q.text.find('"').unwrap() as u32;
        let m = q.map.map_span(Span::new(i, i + 1));
        assert_eq!(&PANELS[m.start as usize..m.end as usize], "\\\"");
        // the substituted window maps to the variable
        let q = &d.queries[0];
        let i = q.text.find("5m").unwrap() as u32;
        let m = q.map.map_span(Span::new(i, i + 2));
        assert_eq!(&PANELS[m.start as usize..m.end as usize], "$__rate_interval");
        assert!(q.from_variable(Span::new(i, i + 2)));
    }

    #[test]
    fn legacy_rows() {
        let t = r#"{"title": "Old", "schemaVersion": 14, "rows": [{"panels": [{"type": "graph", "targets": [{"expr": "sum(x)"}]}]}, {"panels": []}]}"#;
        let x = run("d.json", t);
        assert_eq!(queries(&x), ["sum(x)"]);
    }

    #[test]
    fn api_export_kubernetes_and_one_key_wrappers() {
        let inner = r#"{"title": "W", "panels": [{"type": "stat", "targets": [{"expr": "up"}]}]}"#;
        for (t, name) in [
            (format!(r#"{{"meta": {{"slug": "w"}}, "dashboard": {inner}}}"#), "dashboard `W`"),
            (
                format!(
                    r#"{{"apiVersion": "dashboard.grafana.app/v1beta1", "kind": "Dashboard", "metadata": {{"name": "w"}}, "spec": {inner}}}"#
                ),
                "Dashboard `w`: dashboard `W`",
            ),
            (format!(r#"{{"etcd.json": {inner}}}"#), "`etcd.json`: dashboard `W`"),
        ] {
            let x = run("d.json", &t);
            assert_eq!(x.dashboards.len(), 1, "{t}");
            assert_eq!(x.dashboards[0].name, name);
            assert_eq!(at(&t, &x.dashboards[0].queries[0], 2), "up");
        }
    }

    #[test]
    fn kubernetes_dashboard_in_yaml() {
        let t = "apiVersion: dashboard.grafana.app/v1beta1\nkind: Dashboard\nmetadata:\n  name: y\nspec:\n  title: Y\n  panels:\n  - type: timeseries\n    title: P\n    targets:\n    - refId: A\n      expr: |\n        sum by (job) (\n          rate(x_total[$__rate_interval]))\n";
        let x = run("d.yaml", t);
        assert_eq!(x.dashboards.len(), 1, "{:?}", x.skipped);
        let q = &x.dashboards[0].queries[0];
        assert_eq!(q.text, "sum by (job) (\n  rate(x_total[5m]))\n");
        let i = q.text.find("rate").unwrap() as u32;
        let m = q.map.map_span(Span::new(i, i + 4));
        assert_eq!(m.start as usize, t.find("rate").unwrap());
    }

    #[test]
    fn configmap_and_grafana_dashboard_hold_json_strings() {
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dash\ndata:\n  nodes.json: |\n    {\"title\": \"N\", \"panels\": [{\"type\": \"graph\", \"targets\": [{\"expr\": \"node_load1{job=\\\"n\\\"}\"}]}]}\n";
        let x = run("cm.yaml", cm);
        assert_eq!(x.dashboards[0].name, "document: ConfigMap `dash` key `nodes.json`: dashboard `N`");
        let q = &x.dashboards[0].queries[0];
        assert_eq!(q.text, "node_load1{job=\"n\"}");
        let i = q.text.find("\"n\"").unwrap() as u32;
        let m = q.map.map_span(Span::new(i, i + 3));
        assert_eq!(&cm[m.start as usize..m.end as usize], "\\\"n\\\"");
        assert_eq!(SourceFile::new("cm.yaml", cm).line_col(m.start).line, 7);

        let gd = "apiVersion: grafana.integreatly.org/v1beta1\nkind: GrafanaDashboard\nmetadata:\n  name: g\nspec:\n  json: >\n    {\"title\": \"G\", \"panels\": [{\"type\": \"stat\", \"targets\": [{\"expr\": \"up\"}]}]}\n";
        let x = run("gd.yaml", gd);
        assert_eq!(at(gd, &x.dashboards[0].queries[0], 2), "up");

        // a ConfigMapList (kube-prometheus's grafana-dashboardDefinitions.yaml)
        let list = format!("apiVersion: v1\nkind: ConfigMapList\nitems:\n- {}", cm.replace('\n', "\n  "));
        let x = run("l.yaml", &list);
        assert_eq!(x.dashboards.len(), 1, "{:?}", x.skipped);

        // a ConfigMap as JSON
        let j = r#"{"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a.json": "{\"title\": \"A\", \"panels\": [{\"targets\": [{\"expr\": \"sum(\\\"x\\\")\"}]}]}"}}"#;
        let x = run("cm.json", j);
        let q = &x.dashboards[0].queries[0];
        assert_eq!(q.text, "sum(\"x\")");
        let m = q.map.map_span(Span::new(4, 7));
        assert_eq!(&j[m.start as usize..m.end as usize], "\\\\\\\"x\\\\\\\"");
    }

    #[test]
    fn broken_json_in_a_json_key_is_an_input_error_in_the_file() {
        let cm = "kind: ConfigMap\ndata:\n  d.json: |\n    {\"title\": \"x\",\n     \"panels\": [,]}\n";
        let e = extract(0, &SourceFile::new("cm.yaml", cm)).unwrap_err();
        assert_eq!(e.position.map(|p| (p.line, p.column)), Some((5, 17)), "{e}");
    }

    #[test]
    fn datasources_decide_what_is_promql() {
        let t = r#"{"title": "M", "panels": [
            {"type": "logs", "datasource": {"type": "loki", "uid": "l"}, "targets": [{"expr": "{app=\"x\"} |= \"err\""}]},
            {"type": "timeseries", "datasource": {"type": "datasource", "uid": "-- Mixed --"}, "targets": [
                {"expr": "count_over_time({app=\"x\"}[1m])", "datasource": {"type": "loki", "uid": "l"}},
                {"expr": "up", "datasource": {"type": "prometheus", "uid": "p"}},
                {"expr": "sum(y)"}]},
            {"type": "table", "datasource": {"type": "grafana-postgresql-datasource"}, "targets": [{"rawSql": "select 1"}]}
        ]}"#;
        let x = run("d.json", t);
        assert_eq!(queries(&x), ["up", "sum(y)"]);
        assert_eq!(x.dashboards[0].skipped.get("loki"), Some(&2));
        assert!(!x.dashboards[0].panels[2].prometheus);
    }

    #[test]
    fn annotations_and_variable_queries() {
        let t = r#"{"title": "V", "panels": [],
            "annotations": {"list": [{"name": "deploys", "datasource": "$datasource", "expr": "changes(build_info[5m]) > 0"},
                                     {"name": "builtin", "builtIn": 1, "datasource": "-- Grafana --"}]},
            "templating": {"list": [
                {"name": "datasource", "type": "datasource", "query": "prometheus"},
                {"name": "job", "type": "query", "datasource": "$datasource", "query": "label_values(up{env=\"$env\"}, job)"},
                {"name": "inst", "type": "query", "datasource": {"uid": "$datasource"}, "query": {"query": "query_result(topk(3, up))", "refId": "X"}},
                {"name": "env", "type": "query", "query": "label_values(env)"},
                {"name": "logs", "type": "query", "datasource": {"type": "loki"}, "query": "label_values(app)"}
            ]}}"#;
        let x = run("d.json", t);
        let d = &x.dashboards[0];
        assert_eq!(queries(&x), ["changes(build_info[5m]) > 0", "up{env=\"env_value\"}", "topk(3, up)"]);
        assert_eq!(d.queries[1].role, Role::Variable { name: "job".into(), function: VarFunction::LabelValues });
        assert_eq!(at(t, &d.queries[1], 2), "up");
        // the variable use inside the selector is kept, relative to the selector
        let q = &d.queries[1];
        assert!(q.from_variable(Span::new(8, 9)) && !q.from_variable(Span::new(0, 2)));
        let m = q.map.map_span(Span::new(8, 17));
        assert_eq!(&t[m.start as usize..m.end as usize], "$env");
    }

    #[test]
    fn library_panels() {
        let t = r#"{"title": "L", "panels": [
            {"id": 1, "libraryPanel": {"uid": "abc", "name": "Shared"}},
            {"id": 2, "libraryPanel": {"uid": "exported", "name": "Exported"}},
            {"id": 3, "libraryPanel": {"uid": "inline", "name": "Inline"}, "type": "stat", "targets": [{"expr": "b"}]}
        ], "__elements": {"exported": {"uid": "exported", "name": "Exported", "kind": 1, "model": {"type": "stat", "targets": [{"expr": "a"}]}}}}"#;
        let x = run("d.json", t);
        let d = &x.dashboards[0];
        assert_eq!(queries(&x), ["a", "b"]);
        assert_eq!(d.library_refs.len(), 1);
        assert_eq!(d.library_refs[0].uid, "abc");
        assert_eq!(&t[d.library_refs[0].span.start as usize..d.library_refs[0].span.end as usize], "\"libraryPanel\"");
        assert_eq!(d.library_defs, ["exported"]);

        let lib = r#"{"uid": "abc", "name": "Shared", "kind": 1, "model": {"type": "timeseries", "title": "S", "targets": [{"expr": "rate(x[5m])"}]}}"#;
        let x = run("lib.json", lib);
        assert_eq!(x.dashboards[0].kind, DashboardKind::LibraryPanel);
        assert_eq!(x.dashboards[0].library_defs, ["abc"]);
        assert_eq!(queries(&x), ["rate(x[5m])"]);
        let x = run("lib.json", &format!(r#"{{"result": {lib}}}"#));
        assert_eq!(queries(&x), ["rate(x[5m])"]);
    }

    #[test]
    fn duplicate_keys_are_kept_for_the_check() {
        let t = r#"{"title": "D", "panels": [{"type": "stat", "targets": [{"expr": "old", "expr": "new"}]}]}"#;
        let x = run("d.json", t);
        assert_eq!(queries(&x), ["new"]);
        let dup = &x.dashboards[0].duplicates[0];
        assert_eq!(dup.key, "expr");
        assert_eq!(dup.shadowed.start as usize, t.find("\"expr\"").unwrap());
    }

    #[test]
    fn numeric_retry_is_prepared_for_bare_variables_without_value() {
        let t = r#"{"title": "N", "panels": [{"targets": [{"expr": "topk($k, up)"}]}], "templating": {"list": [{"name": "k", "type": "textbox"}]}}"#;
        let x = run("d.json", t);
        let q = &x.dashboards[0].queries[0];
        assert_eq!(q.text, "topk(k_value, up)");
        assert_eq!(q.numeric.as_ref().unwrap().text, "topk(1, up)");
    }

    #[test]
    fn not_dashboards() {
        let x = run("p.json", r#"{"name": "package", "version": "1"}"#);
        assert!(x.dashboards.is_empty());
        assert_eq!(x.skipped, ["JSON file: not a Grafana dashboard (no `panels`, `rows` or `dashboard`)"]);
        let e = extract(0, &SourceFile::new("b.json", "{\"panels\": [1,]}")).unwrap_err();
        assert_eq!(e.to_string(), "b.json:1:15: expected a value (JSON does not allow a trailing comma), found `]`");
        // JSON with comments that is not a dashboard (tsconfig.json) is skipped, not an error
        let x = run("tsconfig.json", "{\n  // comment\n  \"compilerOptions\": {}\n}\n");
        assert_eq!(
            x.skipped,
            [
                "not strict JSON (2:3: expected a key in double quotes, found `/` (JSON has no comments)) and not a dashboard"
            ]
        );
    }

    #[test]
    fn v2_schema_alpha_and_beta() {
        let beta = r#"{"apiVersion": "dashboard.grafana.app/v2beta1", "kind": "Dashboard", "metadata": {"name": "n"},
          "spec": {"title": "V2", "layout": {}, "elements": {
            "panel-1": {"kind": "Panel", "spec": {"id": 1, "title": "Rate",
              "vizConfig": {"kind": "VizConfig", "group": "timeseries", "spec": {}},
              "data": {"kind": "QueryGroup", "spec": {"queries": [
                {"kind": "PanelQuery", "spec": {"refId": "A", "hidden": false,
                  "query": {"kind": "DataQuery", "group": "prometheus", "version": "v0", "datasource": {"name": "${ds}"},
                            "spec": {"expr": "rate(x_total[$__rate_interval])"}}}},
                {"kind": "PanelQuery", "spec": {"refId": "B",
                  "query": {"kind": "DataQuery", "group": "loki", "spec": {"expr": "{app=\"x\"}"}}}}]}}}},
            "panel-2": {"kind": "LibraryPanel", "spec": {"id": 2, "title": "Lib", "libraryPanel": {"uid": "u", "name": "L"}}}},
          "variables": [
            {"kind": "DatasourceVariable", "spec": {"name": "ds", "pluginId": "prometheus"}},
            {"kind": "QueryVariable", "spec": {"name": "job", "query": {"kind": "DataQuery", "group": "prometheus",
              "spec": {"__legacyStringValue": "label_values(up{env=\"prod\"}, job)"}}}},
            {"kind": "CustomVariable", "spec": {"name": "k", "query": "5,10", "current": {"text": "5", "value": "5"}}}],
          "annotations": [{"kind": "AnnotationQuery", "spec": {"name": "deploys",
            "query": {"kind": "DataQuery", "group": "prometheus", "spec": {"expr": "changes(build_info[5m])"}}}}]}}"#;
        let x = run("v2.json", beta);
        assert_eq!(x.dashboards.len(), 1, "{:?}", x.skipped);
        let d = &x.dashboards[0];
        assert_eq!(d.name, "Dashboard `n` (v2 schema): dashboard `V2`");
        assert_eq!(queries(&x), ["rate(x_total[5m])", "changes(build_info[5m])", "up{env=\"prod\"}"]);
        assert_eq!(d.skipped.get("loki"), Some(&1));
        assert_eq!(d.library_refs[0].uid, "u");
        assert_eq!(d.panels[0].kind, "timeseries");
        assert_eq!(at(beta, &d.queries[0], 4), "rate");

        let alpha = r#"{"apiVersion": "dashboard.grafana.app/v2alpha1", "kind": "Dashboard", "metadata": {"name": "a"},
          "spec": {"title": "A", "elements": {"p": {"kind": "Panel", "spec": {"title": "T",
            "vizConfig": {"kind": "stat", "spec": {}},
            "data": {"kind": "QueryGroup", "spec": {"queries": [{"kind": "PanelQuery", "spec": {"refId": "A",
              "datasource": {"type": "prometheus", "uid": "p"},
              "query": {"kind": "prometheus", "spec": {"expr": "sum(up)"}}}}]}}}}}}}"#;
        let x = run("v2a.json", alpha);
        assert_eq!(queries(&x), ["sum(up)"]);
        assert_eq!(x.dashboards[0].panels[0].kind, "stat");
    }
}
