//! Grafana template variables: what a dashboard defines, and expanding references in a query so
//! that it parses as PromQL, with a position map back to the text as written.
//!
//! Grafana interpolates `$var`, `${var}`, `${var:format}`, `${var.path}` and the deprecated
//! `[[var]]` / `[[var:format]]` (its `variableRegex`) before sending a query; `$1`, `${1}` (all
//! digits) are not variables: they are `label_replace` back-references. A linter cannot know the
//! value a viewer will select, and a finding must never depend on the option the author last
//! selected (conventions.md), so a reference is replaced **by context**, as the corpus baseline
//! (`BASELINE-promtool-3.5.md` §5.1) does:
//!
//! | where | replacement |
//! |---|---|
//! | Grafana's globals (`$__rate_interval`, `$__interval`, `$__range`, `_ms`/`_s` forms, `$__from`, ...) | a fixed value of the right kind (`5m`, `1m`, `1h`, `300000`, a timestamp) |
//! | an `interval` variable | `5m` |
//! | inside `[...]` (range, subquery, `offset` inside brackets) | `5m` |
//! | inside a string literal (matcher values, `label_replace` arguments) | `<name>_value`: letters, digits and `_` only, so it is regex-safe |
//! | bare, with one concrete value (current value, else first option; a constant's value) | that value (`topk($k, ...)`, `by ($grouping)`, `$op` used as an operator) |
//! | bare, without one | `<name>_value`, or `1` when that does not parse ([`expand`]'s `numeric` retry: `topk($k, ...)`) |
//!
//! Every substituted byte maps to the whole reference it replaced, so a finding inside substituted
//! text points at `$var` in the file, and [`Expansion::from_variable`] tells the checks which text
//! came from a variable: value checks skip it.
//!
//! The scan follows PromQL's lexical structure (strings with their escapes, `#` comments, bracket
//! depth); references inside comments are left alone, as Grafana's interpolation would not matter
//! there.

use std::collections::HashMap;

use crate::promql::Span;
use crate::source::FileSpan;
use crate::source::embedded::{EmbeddedText, MapBuilder};
use crate::source::json::Value;

/// The kinds of template variable Grafana has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarKind {
    Query,
    Custom,
    Interval,
    Constant,
    Textbox,
    Adhoc,
    Datasource,
    /// A kind this code does not know (a plugin's, or a future one).
    Other,
}

impl VarKind {
    pub fn parse(s: &str) -> VarKind {
        match s {
            "query" => VarKind::Query,
            "custom" => VarKind::Custom,
            "interval" => VarKind::Interval,
            "constant" => VarKind::Constant,
            "textbox" => VarKind::Textbox,
            "adhoc" => VarKind::Adhoc,
            "datasource" => VarKind::Datasource,
            _ => VarKind::Other,
        }
    }
}

/// One variable a dashboard defines (in `templating.list` or `__inputs`).
#[derive(Debug, Clone, PartialEq)]
pub struct VarDef {
    pub name: String,
    pub kind: VarKind,
    /// The one value a bare reference is replaced with: the current selection when it is a single
    /// concrete value, else the first such option, else a constant's or textbox's query.
    pub value: Option<String>,
    /// The variable's `query` when it is a string (a datasource variable's plugin id, a custom
    /// variable's options, a query variable's query).
    pub query: Option<String>,
}

/// The variables of one dashboard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars {
    defs: HashMap<String, VarDef>,
}

/// A value Grafana substitutes as it is: not "All", not empty, not itself a reference.
fn concrete(s: &str) -> bool {
    !s.is_empty() && s != "$__all" && s != "All" && !s.contains('$') && !s.contains("[[")
}

/// The strings of `current.value` (a string or an array of strings).
fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(v) => match v.as_array() {
            Some(a) => a.iter().filter_map(Value::as_str).collect(),
            None => v.as_str().into_iter().collect(),
        },
        None => Vec::new(),
    }
}

impl Vars {
    /// The variables of a dashboard object: `templating.list` and `__inputs` (the datasource and
    /// constant placeholders of an exported dashboard, `${DS_PROMETHEUS}`).
    pub fn of_dashboard(dash: &Value) -> Vars {
        let mut vars = Vars::default();
        for i in dash.get("__inputs").and_then(Value::as_array).unwrap_or(&[]) {
            let Some(name) = i.str_at("name") else { continue };
            let def = match i.str_at("type") {
                Some("datasource") => VarDef {
                    name: name.to_string(),
                    kind: VarKind::Datasource,
                    value: None,
                    query: i.str_at("pluginId").map(str::to_string),
                },
                Some("constant") => VarDef {
                    name: name.to_string(),
                    kind: VarKind::Constant,
                    value: i.str_at("value").filter(|v| concrete(v)).map(str::to_string),
                    query: i.str_at("value").map(str::to_string),
                },
                _ => VarDef { name: name.to_string(), kind: VarKind::Other, value: None, query: None },
            };
            vars.defs.insert(name.to_string(), def);
        }
        let list = dash.get("templating").and_then(|t| t.get("list")).and_then(Value::as_array).unwrap_or(&[]);
        for v in list {
            let Some(name) = v.str_at("name").filter(|n| !n.is_empty()) else { continue };
            let kind = VarKind::parse(v.str_at("type").unwrap_or(""));
            let query = v.str_at("query").map(str::to_string);
            vars.defs
                .insert(name.to_string(), VarDef { name: name.to_string(), kind, value: pick_value(v, kind), query });
        }
        vars
    }

    pub fn get(&self, name: &str) -> Option<&VarDef> {
        self.defs.get(name)
    }

    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// Adds or replaces a definition (tests, and library panels that borrow a dashboard's).
    pub fn insert(&mut self, def: VarDef) {
        self.defs.insert(def.name.clone(), def);
    }
}

/// Current value, then first option, then (constant, textbox, custom) the query's first value.
fn pick_value(v: &Value, kind: VarKind) -> Option<String> {
    let current = strings(v.get("current").and_then(|c| c.get("value")));
    if let [one] = current.as_slice()
        && concrete(one)
    {
        return Some(one.to_string());
    }
    let options = v.get("options").and_then(Value::as_array).unwrap_or(&[]);
    if let Some(first) = options.iter().flat_map(|o| strings(o.get("value"))).find(|s| concrete(s)) {
        return Some(first.to_string());
    }
    let query = v.str_at("query")?;
    match kind {
        VarKind::Constant | VarKind::Textbox => Some(query.to_string()).filter(|q| concrete(q)),
        VarKind::Custom => {
            // `a,b,c` or `key : value,...`; the first option's value
            let first = query.split(',').next()?.trim();
            let value = first.split_once(" : ").map_or(first, |(_, v)| v).trim();
            Some(value.to_string()).filter(|q| concrete(q))
        }
        _ => None,
    }
}

/// A reference found in a query: `$name`, `${name:format}`, `[[name]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference<'t> {
    pub name: &'t str,
    /// `date:seconds` in `${__from:date:seconds}`.
    pub format: Option<&'t str>,
    /// The reference's bytes in the text.
    pub span: Span,
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The reference starting at `text[at]` (a `$` or the first `[` of `[[`), if there is one.
pub fn reference_at(text: &str, at: usize) -> Option<Reference<'_>> {
    let b = text.as_bytes();
    let word_end = |from: usize| from + b.get(from..).map_or(0, |r| r.iter().take_while(|c| is_word(**c)).count());
    let (name_start, name_end, format, end) = match (b.get(at)?, b.get(at + 1)?) {
        (b'$', b'{') => {
            let start = at + 2;
            let name_end = word_end(start);
            let close = start + text.get(start..)?.find('}')?;
            // `${name.path:format}`: the name is the leading word
            let rest = text.get(name_end..close)?;
            if !(rest.is_empty() || rest.starts_with(':') || rest.starts_with('.')) {
                return None;
            }
            let format = rest.find(':').and_then(|i| rest.get(i + 1..));
            (start, name_end, format, close + 1)
        }
        (b'$', _) => {
            let end = word_end(at + 1);
            (at + 1, end, None, end)
        }
        (b'[', b'[') => {
            let start = at + 2;
            let name_end = word_end(start);
            let rest = text.get(name_end..)?;
            let (format, close) = if let Some(f) = rest.strip_prefix(':') {
                let n = f.bytes().take_while(|c| is_word(*c)).count();
                (f.get(..n), name_end + 1 + n)
            } else {
                (None, name_end)
            };
            if text.get(close..close + 2) != Some("]]") {
                return None;
            }
            (start, name_end, format, close + 2)
        }
        _ => return None,
    };
    let name = text.get(name_start..name_end)?;
    if name.is_empty() || name.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(Reference { name, format, span: Span::new(at as u32, end as u32) })
}

/// The variable a whole string refers to (`$datasource`, `${DS_PROMETHEUS}`, `[[ds]]`).
pub fn whole_reference(s: &str) -> Option<&str> {
    let r = reference_at(s, 0)?;
    (r.span.end as usize == s.len()).then_some(r.name)
}

/// Where in a query a reference is: decides its replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Outside strings and brackets: an operand, parameter, label name, metric name or operator.
    Bare,
    /// Inside `[...]`: a range, subquery step or bracketed duration.
    Range,
    /// Inside a string literal.
    Str,
}

/// What a reference was replaced with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacement {
    /// One of Grafana's `$__*` globals, by its fixed stand-in.
    Global,
    /// A duration (an interval variable, or any variable inside brackets).
    Duration,
    /// The variable's one concrete value.
    Value,
    /// `<name>_value`.
    Sample,
    /// `1` (a bare sample that did not parse).
    Number,
}

/// One reference and what it became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    pub name: String,
    /// The reference in the original text.
    pub reference: Span,
    /// Its replacement in the expanded text.
    pub replaced: Span,
    pub context: Context,
    pub replacement: Replacement,
    /// Whether the dashboard defines it (globals count as defined).
    pub defined: bool,
}

/// A query with its references replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct Expansion {
    pub text: String,
    /// Expanded text → original text (offsets into the original, as an [`EmbeddedText`] whose
    /// "source" is the original text: compose it with the original's own map to reach the file).
    pub map: EmbeddedText,
    pub uses: Vec<Use>,
}

impl Expansion {
    /// Whether any byte of `span` (of the expanded text) came from a variable.
    pub fn from_variable(&self, span: Span) -> bool {
        touches_variable(&self.uses, span)
    }
}

/// Whether any byte of `span` came from one of `uses` (an empty span: whether its position lies in one).
pub fn touches_variable(uses: &[Use], span: Span) -> bool {
    uses.iter().any(|u| {
        let r = u.replaced;
        if span.is_empty() {
            r.start <= span.start && span.start < r.end
        } else {
            r.start < span.end && span.start < r.end
        }
    })
}

/// Grafana's built-in variables that PromQL queries use, with a stand-in of the right kind.
/// Durations are realistic (a 5m rate window, a 1m step, a 1h range): a check must still not
/// judge them, and [`Expansion::from_variable`] lets it know not to.
fn global(name: &str, format: Option<&str>) -> Option<&'static str> {
    let seconds = format.is_some_and(|f| f.contains("seconds"));
    Some(match name {
        "__rate_interval" => "5m",
        "__rate_interval_ms" => "300000",
        "__interval" => "1m",
        "__interval_ms" => "60000",
        "__range" => "1h",
        "__range_s" => "3600",
        "__range_ms" => "3600000",
        "__auto" => "5m",
        "__from" if seconds => "1700000000",
        "__to" if seconds => "1700003600",
        "__from" => "1700000000000",
        "__to" => "1700003600000",
        _ => return None,
    })
}

/// `<name>_value`, reduced to letters, digits and `_` (safe in a regex and as an identifier).
fn sample(name: &str) -> String {
    let mut s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'v');
    }
    s.push_str("_value");
    s
}

fn replacement(r: &Reference<'_>, ctx: Context, vars: &Vars, numeric: bool) -> (String, Replacement, bool) {
    if let Some(v) = global(r.name, r.format) {
        return (v.to_string(), Replacement::Global, true);
    }
    let def = vars.get(r.name);
    // every `__*` name is Grafana's (`$__dashboard`, `${__user.login}`, `$__timeFilter`, ...)
    let defined = def.is_some() || r.name.starts_with("__");
    if def.is_some_and(|d| d.kind == VarKind::Interval) || ctx == Context::Range {
        return ("5m".to_string(), Replacement::Duration, defined);
    }
    if ctx == Context::Bare
        && let Some(v) = def.and_then(|d| d.value.as_deref())
    {
        return (v.to_string(), Replacement::Value, defined);
    }
    if ctx == Context::Bare && numeric {
        return ("1".to_string(), Replacement::Number, defined);
    }
    (sample(r.name), Replacement::Sample, defined)
}

/// Expands every reference in `text`. With `numeric`, bare references without a concrete value
/// become `1` instead of `<name>_value` (the retry for parameters such as `topk($k, ...)`).
pub fn expand(text: &str, vars: &Vars, numeric: bool) -> Expansion {
    let whole = FileSpan::new(0, text.len() as u32);
    if !text.contains('$') && !text.contains("[[") {
        return Expansion { text: text.to_string(), map: EmbeddedText::verbatim(text, 0), uses: Vec::new() };
    }
    let b = text.as_bytes();
    let mut out = MapBuilder::default();
    let mut uses = Vec::new();
    let mut copied_from = 0;
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut comment = false;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if comment {
            comment = c != b'\n';
            i += 1;
            continue;
        }
        let at_ref = c == b'$' || (c == b'[' && b.get(i + 1) == Some(&b'['));
        if at_ref && let Some(r) = reference_at(text, i) {
            let ctx = match quote {
                Some(_) => Context::Str,
                None if depth > 0 => Context::Range,
                None => Context::Bare,
            };
            let (value, how, defined) = replacement(&r, ctx, vars, numeric);
            out.copied(text.get(copied_from..i).unwrap_or(""), copied_from as u32);
            let start = out.text().len() as u32;
            out.replaced(&value, FileSpan::new(r.span.start, r.span.end));
            let end = out.text().len() as u32;
            uses.push(Use {
                name: r.name.to_string(),
                reference: r.span,
                replaced: Span::new(start, end),
                context: ctx,
                replacement: how,
                defined,
            });
            i = r.span.end as usize;
            copied_from = i;
            continue;
        }
        match quote {
            Some(q) => {
                if c == b'\\' && q != b'`' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                b'"' | b'\'' | b'`' => quote = Some(c),
                b'#' => comment = true,
                b'[' => depth += 1,
                b']' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        i += 1;
    }
    out.copied(text.get(copied_from..).unwrap_or(""), copied_from as u32);
    Expansion { text: out.text().to_string(), map: out.finish(whole), uses }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::json;

    fn vars(templating: &str) -> Vars {
        let d = json::parse(&format!(r#"{{"templating": {{"list": {templating}}}}}"#)).unwrap();
        Vars::of_dashboard(&d.root)
    }

    fn exp(q: &str, v: &Vars) -> String {
        expand(q, v, false).text
    }

    #[test]
    fn reference_syntaxes() {
        let r = |s: &str| reference_at(s, 0).map(|r| (r.name.to_string(), r.format.map(str::to_string), r.span.end));
        assert_eq!(r("$job"), Some(("job".into(), None, 4)));
        assert_eq!(r("${job}x"), Some(("job".into(), None, 6)));
        assert_eq!(r("${job:regex}"), Some(("job".into(), Some("regex".into()), 12)));
        assert_eq!(r("${__from:date:seconds}"), Some(("__from".into(), Some("date:seconds".into()), 22)));
        assert_eq!(r("${__user.login}"), Some(("__user".into(), None, 15)));
        assert_eq!(r("[[job]]"), Some(("job".into(), None, 7)));
        assert_eq!(r("[[job:csv]]"), Some(("job".into(), Some("csv".into()), 11)));
        assert_eq!(r("$__rate_interval]"), Some(("__rate_interval".into(), None, 16)));
        // not references
        for s in ["$1", "${1}", "$", "${job", "[[job]", "[[ job]]", "${job x}", "$ job", "$\""] {
            assert_eq!(r(s), None, "{s}");
        }
        assert_eq!(whole_reference("${DS_PROMETHEUS}"), Some("DS_PROMETHEUS"));
        assert_eq!(whole_reference("$datasource"), Some("datasource"));
        assert_eq!(whole_reference("$datasource x"), None);
        assert_eq!(whole_reference("Prometheus"), None);
    }

    #[test]
    fn replaced_by_context() {
        let v = vars(
            r#"[
            {"name": "job", "type": "query", "current": {"value": ["$__all"]}},
            {"name": "k", "type": "custom", "query": "5,10", "current": {"value": "10"}},
            {"name": "interval", "type": "interval", "query": "1m,5m", "current": {"value": "1m"}},
            {"name": "op", "type": "custom", "query": "or,unless", "current": {"text": "or", "value": "or"}},
            {"name": "grouping", "type": "constant", "query": "namespace"}
        ]"#,
        );
        assert_eq!(
            exp(r#"sum by ($grouping) (rate(x{job=~"$job"}[$__rate_interval]))"#, &v),
            r#"sum by (namespace) (rate(x{job=~"job_value"}[5m]))"#
        );
        assert_eq!(exp("topk($k, rate(x[$interval]))", &v), "topk(10, rate(x[5m]))");
        assert_eq!(exp("a $op b", &v), "a or b");
        assert_eq!(exp("rate(x[${job}])", &v), "rate(x[5m])");
        assert_eq!(exp("x{a=\"[[job:regex]]\"}", &v), "x{a=\"job_value\"}");
        assert_eq!(exp("vault_${mount}_total", &v), "vault_mount_value_total");
        assert_eq!(exp("x > $__interval_ms", &v), "x > 60000");
        assert_eq!(exp("x @ ${__from:date:seconds}", &v), "x @ 1700000000");
        // back-references, comments and escaped quotes
        assert_eq!(
            exp(r#"label_replace(x, "a", "$1", "b", "(.*)")"#, &v),
            r#"label_replace(x, "a", "$1", "b", "(.*)")"#
        );
        assert_eq!(exp("x # $job\n+ $job", &v), "x # $job\n+ job_value");
        assert_eq!(exp(r#"x{a="\"$job"} + $job"#, &v), r#"x{a="\"job_value"} + job_value"#);
        // the numeric retry
        assert_eq!(expand("topk($n, x)", &v, true).text, "topk(1, x)");
    }

    #[test]
    fn current_then_first_option_then_sample() {
        let v = vars(
            r#"[
            {"name": "a", "type": "custom", "current": {"value": ["$__all"]}, "options": [{"value": "$__all"}, {"value": "x1"}]},
            {"name": "b", "type": "custom", "query": "p : 3, q : 4", "current": {}},
            {"name": "c", "type": "textbox", "query": "0.5", "current": {}},
            {"name": "d", "type": "query", "current": {"value": ["u", "w"]}}
        ]"#,
        );
        assert_eq!(exp("$a $b $c $d", &v), "x1 3 0.5 d_value");
    }

    #[test]
    fn positions_map_to_the_reference() {
        let v = vars(r#"[{"name": "job", "type": "query"}]"#);
        let q = r#"rate(x{job="$job"}[$__rate_interval]) > ${job}"#;
        let e = expand(q, &v, false);
        assert_eq!(e.uses.len(), 3);
        let src = |s: &str| {
            let i = e.text.find(s).unwrap() as u32;
            let m = e.map.map_span(Span::new(i, i + s.len() as u32));
            q[m.start as usize..m.end as usize].to_string()
        };
        assert_eq!(src("job_value"), "$job");
        assert_eq!(src("5m"), "$__rate_interval");
        assert_eq!(src("rate(x{"), "rate(x{");
        assert_eq!(src("> "), "> ");
        // part of a substituted value maps to the whole reference
        let i = e.text.find("[5m]").unwrap() as u32;
        let m = e.map.map_span(Span::new(i + 1, i + 2));
        assert_eq!(&q[m.start as usize..m.end as usize], "$__rate_interval");
        assert!(e.from_variable(Span::new(i + 1, i + 3)));
        assert!(!e.from_variable(Span::new(0, 4)));
        assert!(e.uses.iter().all(|u| u.defined));
        let e = expand("x{a=\"$nope\"}", &v, false);
        assert!(!e.uses[0].defined);
    }

    #[test]
    fn inputs_define_datasources_and_constants() {
        let d = json::parse(r#"{"__inputs": [{"name": "DS_PROM", "type": "datasource", "pluginId": "prometheus"}, {"name": "VAR_NS", "type": "constant", "value": "monitoring"}]}"#).unwrap();
        let v = Vars::of_dashboard(&d.root);
        assert_eq!(v.get("DS_PROM").unwrap().query.as_deref(), Some("prometheus"));
        assert_eq!(exp("x{ns=\"${VAR_NS}\"} * $VAR_NS", &v), "x{ns=\"VAR_NS_value\"} * monitoring");
    }
}
