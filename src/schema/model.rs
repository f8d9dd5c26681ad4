//! The schema: which metrics an exporter exposes, their types, and the labels (and label values) they
//! carry.
//!
//! A schema file is YAML (documented in `docs/schema.md`, with a JSON Schema in
//! `schema/mlmon-schema.json` for editors). Reading is strict: unknown keys, duplicate keys and
//! malformed values are errors with `file:line:col`, because a typo in a schema would otherwise
//! silently disable the checks that rely on it.
//!
//! One file describes one exporter (one scrape job), so the labels Prometheus adds at scrape time
//! (`target_labels`, `job` and `instance` unless the file says otherwise) are declared once per
//! file and added to each of its metrics. Several files merge into one [`Schema`]; a metric
//! declared twice with a different type or unit is a [`Conflict`] (reported as a finding by the
//! checks), while differing label sets are united (the same metric scraped from two exporters).
//!
//! A metric is keyed by the name a query uses for its main series: `http_requests_total` for a
//! counter (even when OpenMetrics calls the family `http_requests`), the family name for histograms
//! and summaries (`http_request_latency_seconds`, whose series are `_bucket`, `_count`, `_sum`).
//! [`Schema::series`] maps every series name back to its metric and role.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use regex::Regex;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

/// Largest schema or exposition file read, in bytes. A real `/metrics` page is rarely above a few
/// MiB; anything far larger is a mistake (or hostile), and reading it whole would cost memory.
pub const MAX_INPUT_BYTES: usize = 64 << 20;

/// The pseudo-path of the series Prometheus adds itself (`up`, `scrape_*`, `ALERTS`).
pub const BUILTIN_PATH: &str = "(Prometheus built-in series)";

/// The scrape-time labels assumed when a schema file does not declare `target_labels`.
pub const DEFAULT_TARGET_LABELS: [&str; 2] = ["job", "instance"];

/// Metric types, as OpenMetrics names them (`untyped` from the Prometheus text format reads as
/// `unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    #[serde(rename = "gaugehistogram")]
    GaugeHistogram,
    Summary,
    Info,
    Stateset,
    #[serde(alias = "untyped")]
    Unknown,
}

impl MetricType {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::GaugeHistogram => "gaugehistogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::Stateset => "stateset",
            MetricType::Unknown => "unknown",
        }
    }

    /// Parses an exposition `# TYPE` word (both formats' spellings).
    pub fn from_type_word(s: &str) -> Option<MetricType> {
        Some(match s {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "gaugehistogram" => MetricType::GaugeHistogram,
            "summary" => MetricType::Summary,
            "info" => MetricType::Info,
            "stateset" => MetricType::Stateset,
            "unknown" | "untyped" => MetricType::Unknown,
            _ => return None,
        })
    }
}

impl fmt::Display for MetricType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which series of a metric a name denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeriesRole {
    /// The metric's own samples: a counter's `_total`, a gauge, a summary's quantiles.
    Value,
    /// `_bucket` of a (gauge) histogram, with its `le` label.
    Bucket,
    /// `_count` of a histogram or summary (a counter).
    Count,
    /// `_sum` of a histogram or summary (a counter).
    Sum,
    /// `_created`: the creation time of a counter, histogram or summary (a gauge).
    Created,
    /// `_gcount` of a gauge histogram.
    GCount,
    /// `_gsum` of a gauge histogram.
    GSum,
}

impl SeriesRole {
    pub fn suffix(self) -> &'static str {
        match self {
            SeriesRole::Value => "",
            SeriesRole::Bucket => "_bucket",
            SeriesRole::Count => "_count",
            SeriesRole::Sum => "_sum",
            SeriesRole::Created => "_created",
            SeriesRole::GCount => "_gcount",
            SeriesRole::GSum => "_gsum",
        }
    }
}

/// Where a label of a merged metric comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LabelOrigin {
    /// Exposed by the exporter.
    Exporter,
    /// Added by Prometheus at scrape time (`target_labels`).
    Target,
    /// An external label (`external_labels`), visible where a query layer adds it.
    External,
}

/// One label of a metric, with the values it may take.
#[derive(Debug, Clone)]
pub struct LabelDef {
    /// The allowed values; empty means "not restricted by a list".
    pub values: Vec<String>,
    /// An allowed-values regex, fully anchored like a PromQL `=~` matcher.
    pub regex: Option<Regex>,
    /// The label is absent from some series of the metric.
    pub optional: bool,
    pub origin: LabelOrigin,
}

impl LabelDef {
    pub fn plain(origin: LabelOrigin, optional: bool) -> LabelDef {
        LabelDef { values: Vec::new(), regex: None, optional, origin }
    }

    /// Whether the schema restricts this label's values at all.
    pub fn is_restricted(&self) -> bool {
        !self.values.is_empty() || self.regex.is_some()
    }

    /// Whether `value` is allowed (always true when the label is unrestricted).
    pub fn allows(&self, value: &str) -> bool {
        if !self.is_restricted() {
            return true;
        }
        self.values.iter().any(|v| v == value) || self.regex.as_ref().is_some_and(|r| r.is_match(value))
    }

    /// The regex as written in the schema (without the anchors added for matching).
    pub fn regex_source(&self) -> Option<&str> {
        self.regex.as_ref().map(|r| {
            let s = r.as_str();
            s.strip_prefix("^(?:").and_then(|s| s.strip_suffix(")$")).unwrap_or(s)
        })
    }
}

/// Compiles an allowed-values regex as Prometheus anchors a matcher's.
pub fn compile_anchored(re: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{re})$"))
}

/// The last line of a `regex` error ("unclosed group"), without the echo of the pattern.
pub fn regex_error_summary(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("invalid regex");
    last.trim().trim_start_matches("error: ").to_string()
}

/// A position in a schema file (1-based line and column, in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SourceRef {
    /// Index into [`Schema::files`].
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

/// One metric of the schema.
#[derive(Debug, Clone)]
pub struct Metric {
    /// The name of the main series (see the module documentation).
    pub name: String,
    pub kind: MetricType,
    pub help: Option<String>,
    pub unit: Option<String>,
    /// Every label the metric's series may carry, scrape-time labels included; `le` and
    /// `quantile` are implied by the type and never listed.
    pub labels: BTreeMap<String, LabelDef>,
    /// The schema does not say which labels the metric has (`labels` left out), so label checks
    /// stay quiet about it; `labels` then lists only the scrape-time labels.
    pub labels_open: bool,
    /// The exporter also exposes the `_created` series.
    pub created: bool,
    pub source: SourceRef,
}

impl Metric {
    /// Every series this metric produces, with its role.
    pub fn series(&self) -> Vec<(String, SeriesRole)> {
        let n = &self.name;
        let mut out = vec![];
        let with = |r: SeriesRole| (format!("{n}{}", r.suffix()), r);
        match self.kind {
            MetricType::Counter => {
                out.push((n.clone(), SeriesRole::Value));
                if self.created {
                    let base = n.strip_suffix("_total").unwrap_or(n);
                    out.push((format!("{base}_created"), SeriesRole::Created));
                }
            }
            MetricType::Histogram => {
                out.extend([with(SeriesRole::Bucket), with(SeriesRole::Count), with(SeriesRole::Sum)]);
                if self.created {
                    out.push(with(SeriesRole::Created));
                }
            }
            MetricType::GaugeHistogram => {
                out.extend([with(SeriesRole::Bucket), with(SeriesRole::GCount), with(SeriesRole::GSum)]);
            }
            MetricType::Summary => {
                out.extend([(n.clone(), SeriesRole::Value), with(SeriesRole::Count), with(SeriesRole::Sum)]);
                if self.created {
                    out.push(with(SeriesRole::Created));
                }
            }
            MetricType::Gauge | MetricType::Info | MetricType::Stateset | MetricType::Unknown => {
                out.push((n.clone(), SeriesRole::Value));
            }
        }
        out
    }

    /// The label a series of this role carries on top of [`Metric::labels`] (`le`, `quantile`).
    pub fn implied_label(&self, role: SeriesRole) -> Option<&'static str> {
        match (self.kind, role) {
            (MetricType::Histogram | MetricType::GaugeHistogram, SeriesRole::Bucket) => Some("le"),
            (MetricType::Summary, SeriesRole::Value) => Some("quantile"),
            _ => None,
        }
    }

    /// What a series of this role behaves as, for checks such as `rate()` over a gauge.
    pub fn series_type(&self, role: SeriesRole) -> MetricType {
        match role {
            SeriesRole::Value => self.kind,
            SeriesRole::Bucket => self.kind,
            SeriesRole::Count | SeriesRole::Sum => MetricType::Counter,
            SeriesRole::Created | SeriesRole::GCount | SeriesRole::GSum => MetricType::Gauge,
        }
    }
}

/// A series name resolved through the schema.
#[derive(Debug, Clone, Copy)]
pub struct SeriesRef<'a> {
    pub metric: &'a Metric,
    pub role: SeriesRole,
}

impl<'a> SeriesRef<'a> {
    /// What this series behaves as (a histogram's `_count` is a counter).
    pub fn kind(&self) -> MetricType {
        self.metric.series_type(self.role)
    }
    /// The label implied by the role (`le` on buckets, `quantile` on summary values).
    pub fn implied_label(&self) -> Option<&'static str> {
        self.metric.implied_label(self.role)
    }
    /// Whether this series may carry `label` (always, when the schema leaves its labels open).
    pub fn has_label(&self, label: &str) -> bool {
        self.metric.labels_open || self.metric.labels.contains_key(label) || self.implied_label() == Some(label)
    }
    /// Every label name the series may carry, sorted.
    pub fn label_names(&self) -> Vec<&'a str> {
        let mut v: Vec<&str> = self.metric.labels.keys().map(String::as_str).collect();
        if let Some(l) = self.implied_label() {
            v.push(l);
            v.sort_unstable();
        }
        v
    }
}

/// Two schema declarations that cannot both be true.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The metric (or series) name both declare.
    pub name: String,
    pub message: String,
    /// The later declaration (where the finding points).
    pub at: SourceRef,
    /// The earlier one.
    pub first: SourceRef,
}

/// A file the schema was read from.
#[derive(Debug, Clone)]
pub struct SchemaFileInfo {
    /// The path as the user named it.
    pub path: String,
    /// The file's text, kept so that findings about it can be rendered.
    pub text: String,
    pub target_labels: Vec<String>,
}

/// One schema file after reading, before merging.
#[derive(Debug, Clone)]
pub struct SchemaFile {
    pub path: String,
    pub text: String,
    pub target_labels: Vec<String>,
    pub external_labels: Vec<String>,
    /// Metrics with exporter labels only (no scrape-time labels yet); `source.file` is 0.
    pub metrics: Vec<Metric>,
}

/// The merged schema of every file given, with its series index.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub files: Vec<SchemaFileInfo>,
    pub external_labels: BTreeSet<String>,
    metrics: Vec<Metric>,
    by_name: HashMap<String, usize>,
    series: HashMap<String, (usize, SeriesRole)>,
    pub conflicts: Vec<Conflict>,
}

/// A schema file that cannot be read.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaError {
    pub path: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path, self.message)
        } else {
            write!(f, "{}:{}:{}: {}", self.path, self.line, self.col, self.message)
        }
    }
}

impl std::error::Error for SchemaError {}

// ---- YAML (de)serialization -------------------------------------------------------------------

/// A mapping whose keys keep their position, in file order.
struct SpannedMap<V>(Vec<(Spanned<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SpannedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = SpannedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = m.next_entry::<Spanned<String>, V>()? {
                    out.push(entry);
                }
                Ok(SpannedMap(out))
            }
        }
        d.deserialize_map(Vis(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    target_labels: Option<Vec<String>>,
    #[serde(default)]
    external_labels: Option<Vec<String>>,
    #[serde(default)]
    metrics: Option<SpannedMap<RawMetric>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    #[serde(rename = "type")]
    kind: MetricType,
    #[serde(default)]
    help: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    labels: Option<SpannedMap<Option<RawLabel>>>,
    #[serde(default)]
    created: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLabel {
    #[serde(default)]
    values: Option<Vec<String>>,
    #[serde(default)]
    regex: Option<Spanned<String>>,
    #[serde(default)]
    optional: bool,
}

fn is_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn loc_of<T>(s: &Spanned<T>) -> (u32, u32) {
    (s.referenced.line() as u32, s.referenced.column() as u32)
}

impl SchemaFile {
    /// Reads a schema file's YAML text. `path` is only used in messages.
    pub fn from_yaml(path: &str, text: &str) -> Result<SchemaFile, SchemaError> {
        let err = |line: u32, col: u32, message: String| SchemaError { path: path.to_string(), line, col, message };
        if text.len() > MAX_INPUT_BYTES {
            return Err(err(0, 0, format!("larger than the {} MiB limit for schema files", MAX_INPUT_BYTES >> 20)));
        }
        let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| {
            let (line, col) = e.location().map(|l| (l.line() as u32, l.column() as u32)).unwrap_or((0, 0));
            // serde-saphyr's Display renders a snippet; the first line carries the message.
            let full = e.to_string();
            let first = full.lines().next().unwrap_or("invalid schema").to_string();
            let msg = first.split_once(": ").map(|(_, m)| m).filter(|_| first.starts_with("error: line "));
            let msg = msg.and_then(|m| m.split_once(": ").map(|(_, m)| m.to_string())).unwrap_or(first);
            err(line, col, msg)
        })?;
        let target_labels = match raw.target_labels {
            Some(v) => v,
            None => DEFAULT_TARGET_LABELS.iter().map(|s| s.to_string()).collect(),
        };
        for l in &target_labels {
            if !is_label_name(l) {
                return Err(err(0, 0, format!("`target_labels`: {l:?} is not a valid label name")));
            }
        }
        let external_labels = raw.external_labels.unwrap_or_default();
        for l in &external_labels {
            if !is_label_name(l) {
                return Err(err(0, 0, format!("`external_labels`: {l:?} is not a valid label name")));
            }
        }
        let mut metrics = Vec::new();
        for (name, m) in raw.metrics.map(|m| m.0).unwrap_or_default() {
            let labels_open = m.labels.is_none();
            let (line, col) = loc_of(&name);
            if !is_metric_name(&name.value) {
                return Err(err(line, col, format!("{:?} is not a valid metric name", name.value)));
            }
            let mut labels = BTreeMap::new();
            for (lname, ldef) in m.labels.map(|l| l.0).unwrap_or_default() {
                let (ll, lc) = loc_of(&lname);
                if !is_label_name(&lname.value) || lname.value.starts_with("__") {
                    return Err(err(ll, lc, format!("{:?} is not a valid label name", lname.value)));
                }
                if lname.value == "le" && matches!(m.kind, MetricType::Histogram | MetricType::GaugeHistogram)
                    || lname.value == "quantile" && m.kind == MetricType::Summary
                {
                    return Err(err(
                        ll,
                        lc,
                        format!("`{}` is implied by the type {}; do not list it", lname.value, m.kind),
                    ));
                }
                let def = match ldef {
                    None => LabelDef::plain(LabelOrigin::Exporter, false),
                    Some(l) => {
                        let regex = match l.regex {
                            None => None,
                            Some(r) => {
                                let (rl, rc) = loc_of(&r);
                                Some(compile_anchored(&r.value).map_err(|e| {
                                    err(rl, rc, format!("invalid regex {:?}: {}", r.value, regex_error_summary(&e)))
                                })?)
                            }
                        };
                        LabelDef {
                            values: l.values.unwrap_or_default(),
                            regex,
                            optional: l.optional,
                            origin: LabelOrigin::Exporter,
                        }
                    }
                };
                labels.insert(lname.value, def);
            }
            metrics.push(Metric {
                name: name.value,
                kind: m.kind,
                help: m.help,
                unit: m.unit.filter(|u| !u.is_empty()),
                labels,
                labels_open,
                created: m.created,
                source: SourceRef { file: 0, line, col },
            });
        }
        Ok(SchemaFile { path: path.to_string(), text: text.to_string(), target_labels, external_labels, metrics })
    }

    /// Renders the file as YAML, in the layout `schema import` writes (metrics sorted by name).
    pub fn to_yaml(&self, header: &str) -> String {
        let mut out = String::new();
        for line in header.lines() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
        let default_targets: Vec<String> = DEFAULT_TARGET_LABELS.iter().map(|s| s.to_string()).collect();
        if self.target_labels != default_targets {
            out.push_str(&format!("target_labels: {}\n", flow_list(&self.target_labels)));
        }
        if !self.external_labels.is_empty() {
            out.push_str(&format!("external_labels: {}\n", flow_list(&self.external_labels)));
        }
        if self.metrics.is_empty() {
            out.push_str("metrics: {}\n");
            return out;
        }
        out.push_str("metrics:\n");
        let mut metrics: Vec<&Metric> = self.metrics.iter().collect();
        metrics.sort_by(|a, b| a.name.cmp(&b.name));
        for m in metrics {
            out.push_str(&format!("  {}:\n", yaml_scalar(&m.name)));
            out.push_str(&format!("    type: {}\n", m.kind));
            if let Some(h) = m.help.as_deref().filter(|h| !h.is_empty()) {
                out.push_str(&format!("    help: {}\n", yaml_scalar(h)));
            }
            if let Some(u) = &m.unit {
                out.push_str(&format!("    unit: {}\n", yaml_scalar(u)));
            }
            if m.created {
                out.push_str("    created: true\n");
            }
            let labels: Vec<(&String, &LabelDef)> =
                m.labels.iter().filter(|(_, d)| d.origin == LabelOrigin::Exporter).collect();
            if m.labels_open {
                continue;
            }
            if labels.is_empty() {
                out.push_str("    labels: {}\n");
                continue;
            }
            out.push_str("    labels:\n");
            for (name, def) in labels {
                let mut parts = Vec::new();
                if !def.values.is_empty() {
                    parts.push(format!("values: {}", flow_list(&def.values)));
                }
                if let Some(r) = def.regex_source() {
                    parts.push(format!("regex: {}", yaml_scalar(r)));
                }
                if def.optional {
                    parts.push("optional: true".to_string());
                }
                out.push_str(&format!("      {}: {{{}}}\n", yaml_scalar(name), parts.join(", ")));
            }
        }
        out
    }
}

fn flow_list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| yaml_scalar(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// A YAML scalar for `s`: plain when that reads back as the same string in any YAML version,
/// double-quoted (JSON escapes are valid YAML) otherwise.
pub fn yaml_scalar(s: &str) -> String {
    const SPECIAL: &[&str] =
        &["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "nan", ".nan", ".inf", "-.inf", "+.inf"];
    let lower = s.to_ascii_lowercase();
    let first_ok = s.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == '/' || c == '(');
    let plain = !s.is_empty()
        && first_ok
        && !SPECIAL.contains(&lower.as_str())
        && s.trim() == s
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.chars().any(|c| c.is_control() || matches!(c, '{' | '}' | '[' | ']' | ',' | '"' | '\'' | '\\' | '`'));
    if plain { s.to_string() } else { serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}")) }
}

// ---- merging -----------------------------------------------------------------------------------

impl Schema {
    /// Merges the files in order. Conflicts are collected in [`Schema::conflicts`], never fatal.
    pub fn merge(files: Vec<SchemaFile>) -> Schema {
        let mut schema = Schema::default();
        for (fi, file) in files.into_iter().enumerate() {
            let fi = fi as u32;
            schema.external_labels.extend(file.external_labels.iter().cloned());
            for mut m in file.metrics {
                m.source.file = fi;
                for t in &file.target_labels {
                    m.labels.entry(t.clone()).or_insert_with(|| LabelDef::plain(LabelOrigin::Target, false));
                }
                schema.add(m);
            }
            schema.files.push(SchemaFileInfo { path: file.path, text: file.text, target_labels: file.target_labels });
        }
        if !schema.files.is_empty() {
            schema.add_builtins();
        }
        let external: Vec<String> = schema.external_labels.iter().cloned().collect();
        for m in &mut schema.metrics {
            for e in &external {
                m.labels.entry(e.clone()).or_insert_with(|| LabelDef::plain(LabelOrigin::External, true));
            }
        }
        schema
    }

    fn add(&mut self, m: Metric) {
        if let Some(&i) = self.by_name.get(&m.name) {
            let prev = &mut self.metrics[i];
            if prev.kind != m.kind {
                self.conflicts.push(Conflict {
                    name: m.name.clone(),
                    message: format!("`{}` is declared as a {} here but as a {} before", m.name, m.kind, prev.kind),
                    at: m.source,
                    first: prev.source,
                });
                return;
            }
            if prev.unit.is_some() && m.unit.is_some() && prev.unit != m.unit {
                self.conflicts.push(Conflict {
                    name: m.name.clone(),
                    message: format!(
                        "`{}` has unit `{}` here but `{}` before",
                        m.name,
                        m.unit.as_deref().unwrap_or(""),
                        prev.unit.as_deref().unwrap_or("")
                    ),
                    at: m.source,
                    first: prev.source,
                });
            }
            merge_metric(prev, m);
            return;
        }
        let idx = self.metrics.len();
        for (series, role) in m.series() {
            if let Some(&(j, _)) = self.series.get(&series) {
                let other = &self.metrics[j];
                self.conflicts.push(Conflict {
                    name: series.clone(),
                    message: format!(
                        "series `{series}` of {} `{}` is also a series of {} `{}`",
                        m.kind, m.name, other.kind, other.name
                    ),
                    at: m.source,
                    first: other.source,
                });
                continue;
            }
            self.series.insert(series, (idx, role));
        }
        self.by_name.insert(m.name.clone(), idx);
        self.metrics.push(m);
    }

    /// The series Prometheus itself writes for every target and alert, which no exporter exposes:
    /// `up` and the `scrape_*` series (also those of `--enable-feature=extra-scrape-metrics`),
    /// `ALERTS` and `ALERTS_FOR_STATE`. They carry the target labels of every schema file.
    fn add_builtins(&mut self) {
        let mut targets: Vec<String> = Vec::new();
        for f in &self.files {
            for t in &f.target_labels {
                if !targets.contains(t) {
                    targets.push(t.clone());
                }
            }
        }
        let file = self.files.len() as u32;
        self.files.push(SchemaFileInfo {
            path: BUILTIN_PATH.to_string(),
            text: String::new(),
            target_labels: targets.clone(),
        });
        let per_target = [
            ("up", "1 if the target's last scrape succeeded, 0 otherwise."),
            ("scrape_duration_seconds", "Duration of the scrape."),
            ("scrape_samples_scraped", "Number of samples the target exposed."),
            ("scrape_samples_post_metric_relabeling", "Number of samples remaining after metric relabeling."),
            ("scrape_series_added", "Approximate number of new series in this scrape."),
            ("scrape_timeout_seconds", "The configured scrape timeout (extra-scrape-metrics)."),
            ("scrape_sample_limit", "The configured sample limit (extra-scrape-metrics)."),
            ("scrape_body_size_bytes", "Uncompressed size of the scraped body (extra-scrape-metrics)."),
        ];
        for (name, help) in per_target {
            if self.by_name.contains_key(name) {
                continue;
            }
            let labels = targets.iter().map(|t| (t.clone(), LabelDef::plain(LabelOrigin::Target, false))).collect();
            self.add(Metric {
                name: name.to_string(),
                kind: MetricType::Gauge,
                help: Some(help.to_string()),
                unit: None,
                labels,
                labels_open: false,
                created: false,
                source: SourceRef { file, line: 0, col: 0 },
            });
        }
        for (name, help) in [
            ("ALERTS", "Pending and firing alerts, one series per alert (alertname, alertstate and its labels)."),
            ("ALERTS_FOR_STATE", "When each pending or firing alert became active."),
        ] {
            if self.by_name.contains_key(name) {
                continue;
            }
            self.add(Metric {
                name: name.to_string(),
                kind: MetricType::Gauge,
                help: Some(help.to_string()),
                unit: None,
                labels: BTreeMap::new(),
                labels_open: true,
                created: false,
                source: SourceRef { file, line: 0, col: 0 },
            });
        }
    }

    /// A schema with no files: every lookup fails.
    pub fn is_empty(&self) -> bool {
        self.files.iter().all(|f| f.path == BUILTIN_PATH)
    }

    /// Metrics by name, sorted.
    pub fn metrics(&self) -> impl Iterator<Item = &Metric> {
        let mut v: Vec<&Metric> = self.metrics.iter().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v.into_iter()
    }

    pub fn metric(&self, name: &str) -> Option<&Metric> {
        self.by_name.get(name).map(|&i| &self.metrics[i])
    }

    /// Resolves a series name (`foo_bucket`, `foo_total`) to its metric and role.
    pub fn series(&self, name: &str) -> Option<SeriesRef<'_>> {
        self.series.get(name).map(|&(i, role)| SeriesRef { metric: &self.metrics[i], role })
    }

    /// Every series name, for suggestions.
    pub fn series_names(&self) -> impl Iterator<Item = &str> {
        self.series.keys().map(String::as_str)
    }

    /// The path of a schema file, for messages.
    pub fn path_of(&self, s: SourceRef) -> &str {
        self.files.get(s.file as usize).map(|f| f.path.as_str()).unwrap_or("<schema>")
    }

    /// Whether `label` is a scrape-time label of any schema file (for messages).
    pub fn is_target_label(&self, label: &str) -> bool {
        self.files.iter().any(|f| f.target_labels.iter().any(|t| t == label))
    }
}

/// Unites a second declaration of the same metric into the first: labels present in only one become
/// optional, value restrictions widen (a label unrestricted in either is unrestricted).
fn merge_metric(prev: &mut Metric, m: Metric) {
    if prev.help.is_none() {
        prev.help = m.help;
    }
    if prev.unit.is_none() {
        prev.unit = m.unit;
    }
    prev.created |= m.created;
    prev.labels_open |= m.labels_open;
    for (name, def) in prev.labels.iter_mut() {
        if !m.labels.contains_key(name) {
            def.optional = true;
        }
    }
    for (name, def) in m.labels {
        match prev.labels.get_mut(&name) {
            None => {
                prev.labels.insert(name, LabelDef { optional: true, ..def });
            }
            Some(p) => {
                p.optional |= def.optional;
                if !p.is_restricted() || !def.is_restricted() {
                    p.values.clear();
                    p.regex = None;
                } else {
                    for v in def.values {
                        if !p.values.contains(&v) {
                            p.values.push(v);
                        }
                    }
                    p.regex = match (p.regex.take(), def.regex) {
                        (Some(a), Some(b)) if a.as_str() != b.as_str() => {
                            Regex::new(&format!("{}|{}", a.as_str(), b.as_str())).ok()
                        }
                        (a, b) => a.or(b),
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
metrics:
  http_requests_total:
    type: counter
    help: Requests.
    labels:
      method: {values: [GET, POST]}
      status: {regex: "[1-5][0-9][0-9]"}
      path:
  http_request_latency_seconds:
    type: histogram
    unit: seconds
    created: true
    labels:
      path: {}
"#;

    #[test]
    fn reads_metrics_labels_and_positions() {
        let f = SchemaFile::from_yaml("s.yaml", FILE).unwrap();
        assert_eq!(f.target_labels, vec!["job", "instance"]);
        assert_eq!(f.metrics.len(), 2);
        let c = &f.metrics[0];
        assert_eq!(
            (c.name.as_str(), c.kind, c.source.line, c.source.col),
            ("http_requests_total", MetricType::Counter, 3, 3)
        );
        assert!(c.labels["method"].allows("GET") && !c.labels["method"].allows("PUT"));
        assert!(c.labels["status"].allows("503") && !c.labels["status"].allows("5xx"));
        assert!(c.labels["path"].allows("/anything"));
        assert_eq!(c.labels["status"].regex_source(), Some("[1-5][0-9][0-9]"));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_positioned_errors() {
        let e = SchemaFile::from_yaml("s.yaml", "metrics:\n  foo:\n    type: counter\n    lables: {}\n").unwrap_err();
        assert_eq!((e.line, e.col), (4, 5), "{e}");
        assert!(e.message.contains("unknown field `lables`"), "{e}");
        let e = SchemaFile::from_yaml("s.yaml", "metrics:\n  foo:\n    type: countr\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        let e =
            SchemaFile::from_yaml("s.yaml", "metrics:\n  foo:\n    type: gauge\n    labels:\n      a: {regex: '('}\n")
                .unwrap_err();
        assert_eq!((e.line, e.col), (5, 18), "{e}");
        assert!(e.message.ends_with("unclosed group"), "{e}");
        let e = SchemaFile::from_yaml("s.yaml", "metrics:\n  foo-bar: {type: gauge}\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 3), "{e}");
        let e = SchemaFile::from_yaml("s.yaml", "metrics:\n  h: {type: histogram, labels: {le: {}}}\n").unwrap_err();
        assert!(e.message.contains("implied"), "{e}");
        assert!(SchemaFile::from_yaml("s.yaml", "metrics:\n  a: {type: gauge}\n  a: {type: gauge}\n").is_err());
    }

    #[test]
    fn merge_adds_target_labels_and_indexes_series() {
        let f = SchemaFile::from_yaml("s.yaml", FILE).unwrap();
        let s = Schema::merge(vec![f]);
        assert!(s.conflicts.is_empty());
        let b = s.series("http_request_latency_seconds_bucket").unwrap();
        assert_eq!(b.role, SeriesRole::Bucket);
        assert!(b.has_label("le") && b.has_label("job") && b.has_label("path") && !b.has_label("status"));
        let c = s.series("http_request_latency_seconds_count").unwrap();
        assert_eq!(c.kind(), MetricType::Counter);
        assert!(!c.has_label("le"));
        assert_eq!(s.series("http_request_latency_seconds_created").unwrap().kind(), MetricType::Gauge);
        assert!(s.series("http_requests_created").is_none());
        assert!(s.series("http_request_latency_seconds").is_none());
        let up = s.series("up").unwrap();
        assert!(up.has_label("job") && up.has_label("instance") && !up.has_label("path"));
        assert_eq!(s.path_of(up.metric.source), BUILTIN_PATH);
        assert!(s.series("ALERTS").unwrap().has_label("alertname"));
        assert!(!s.is_empty());
        assert!(Schema::merge(vec![]).series("up").is_none());
    }

    #[test]
    fn merge_reports_type_unit_and_series_conflicts() {
        let a =
            SchemaFile::from_yaml("a.yaml", "metrics:\n  foo: {type: gauge, unit: bytes}\n  bar: {type: histogram}\n")
                .unwrap();
        let b = SchemaFile::from_yaml(
            "b.yaml",
            "metrics:\n  foo: {type: counter}\n  bar_count: {type: counter}\n  baz: {type: gauge, unit: seconds}\n",
        )
        .unwrap();
        let c = SchemaFile::from_yaml("c.yaml", "metrics:\n  baz: {type: gauge, unit: bytes}\n").unwrap();
        let s = Schema::merge(vec![a, b, c]);
        let msgs: Vec<&str> = s.conflicts.iter().map(|c| c.message.as_str()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("as a counter here but as a gauge"));
        assert!(msgs[1].contains("series `bar_count`"));
        assert!(msgs[2].contains("unit `bytes` here but `seconds`"));
        assert_eq!(s.path_of(s.conflicts[0].at), "b.yaml");
        assert_eq!(s.path_of(s.conflicts[0].first), "a.yaml");
    }

    #[test]
    fn merge_unites_labels_and_values() {
        let a = SchemaFile::from_yaml("a.yaml", "metrics:\n  up2: {type: gauge, labels: {a: {values: [x]}, b: }}\n")
            .unwrap();
        let b = SchemaFile::from_yaml(
            "b.yaml",
            "target_labels: [job]\nexternal_labels: [cluster]\nmetrics:\n  up2: {type: gauge, labels: {a: {values: [y]}, c: }}\n",
        )
        .unwrap();
        let s = Schema::merge(vec![a, b]);
        let m = s.metric("up2").unwrap();
        assert!(m.labels["a"].allows("x") && m.labels["a"].allows("y") && !m.labels["a"].allows("z"));
        assert!(m.labels["b"].optional && m.labels["c"].optional && !m.labels["a"].optional);
        assert!(!m.labels["job"].optional);
        assert!(m.labels["instance"].optional, "only one file adds instance");
        assert_eq!(m.labels["cluster"].origin, LabelOrigin::External);
    }

    #[test]
    fn yaml_roundtrip() {
        let f = SchemaFile::from_yaml("s.yaml", FILE).unwrap();
        let text = f.to_yaml("generated");
        let g = SchemaFile::from_yaml("t.yaml", &text).unwrap();
        assert_eq!(g.to_yaml("generated"), text);
        assert!(text.starts_with("# generated\nmetrics:\n"), "{text}");
        assert!(text.contains("status: {regex: \"[1-5][0-9][0-9]\"}"), "{text}");
    }

    #[test]
    fn scalars_that_yaml_would_reinterpret_are_quoted() {
        for s in ["on", "Yes", "null", "1.5", "", " x", "a: b", "x #y", "-x", "*a", "é", "{", "200"] {
            let q = yaml_scalar(s);
            let back: Vec<String> = serde_saphyr::from_str(&format!("[{q}]")).unwrap();
            assert_eq!(back, vec![s.to_string()], "{s:?} -> {q}");
        }
        assert_eq!(yaml_scalar("Toplam HTTP istek sayısı"), "Toplam HTTP istek sayısı");
    }
}

#[cfg(test)]
mod json_schema_tests {
    //! The JSON Schema for editors must describe exactly the keys the reader accepts.
    use super::*;

    fn keys(v: &serde_json::Value) -> BTreeSet<String> {
        v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
    }

    #[test]
    fn json_schema_matches_the_reader() {
        let text = include_str!("../../schema/mlmon-schema.json");
        let js: serde_json::Value = serde_json::from_str(text).unwrap();
        let set = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(keys(&js["properties"]), set(&["target_labels", "external_labels", "metrics"]));
        assert_eq!(
            keys(&js["definitions"]["metric"]["properties"]),
            set(&["type", "help", "unit", "created", "labels"])
        );
        assert_eq!(keys(&js["definitions"]["label"]["properties"]), set(&["values", "regex", "optional"]));
        let types: Vec<&str> = js["definitions"]["metric"]["properties"]["type"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        for t in &types {
            let yaml = format!("metrics:\n  m: {{type: {t}}}\n");
            assert!(SchemaFile::from_yaml("t", &yaml).is_ok(), "{t} is in the JSON Schema but not accepted");
        }
        for t in ["counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset", "unknown"] {
            assert!(types.contains(&t), "{t} missing from the JSON Schema");
        }
        // Every key the JSON Schema lists is accepted by the reader.
        let full = "target_labels: [job]\nexternal_labels: [cluster]\nmetrics:\n  m:\n    type: gauge\n    help: h\n    unit: u\n    created: false\n    labels:\n      a: {values: [x], regex: y, optional: true}\n";
        assert!(SchemaFile::from_yaml("t", full).is_ok());
    }
}
