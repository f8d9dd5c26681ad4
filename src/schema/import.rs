//! Turns an exposition (grouped into families) into schema metrics.
//!
//! Each family becomes one metric keyed by the name queries use (see `model`): an OpenMetrics
//! counter family `foo` becomes `foo_total`, an info family `foo` becomes `foo_info`, histograms and
//! summaries stay under their family name with `le`/`quantile` implied. `_created` series fold into
//! their counter, histogram or summary as `created: true`, whether OpenMetrics puts them in the
//! family or the text format writes them as a separate gauge (as `prometheus_client` does).

use std::collections::{BTreeMap, BTreeSet};

use super::exposition::{self, Family, Format, ParseError};
use super::model::{DEFAULT_TARGET_LABELS, LabelDef, LabelOrigin, Metric, MetricType, SchemaFile, SourceRef};

/// Options of an import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Keep the label values seen as each label's allowed values (`--values`).
    pub keep_values: bool,
}

/// The schema file imported from exposition text, with warnings for the user.
pub fn import_exposition(
    path: &str,
    input: &[u8],
    format: Format,
    opts: ImportOptions,
) -> Result<(SchemaFile, Vec<String>), ParseError> {
    let entries = exposition::parse(input, format)?;
    let (families, mut warnings) = exposition::group(entries);
    let metrics = families_to_metrics(&families, format, opts, &mut warnings);
    let file = SchemaFile {
        path: path.to_string(),
        text: String::from_utf8_lossy(input).into_owned(),
        target_labels: DEFAULT_TARGET_LABELS.iter().map(|s| s.to_string()).collect(),
        external_labels: Vec::new(),
        metrics,
    };
    Ok((file, warnings))
}

struct LabelStats {
    count: usize,
    values: BTreeSet<String>,
}

/// Builds metrics from families, in family order.
pub fn families_to_metrics(
    families: &[Family],
    format: Format,
    opts: ImportOptions,
    warnings: &mut Vec<String>,
) -> Vec<Metric> {
    let mut metrics: Vec<Metric> = Vec::new();
    // `_created` gauges of the text format, folded once every family is known.
    let mut created_gauges: Vec<&Family> = Vec::new();
    for f in families {
        if f.samples.is_empty() && !f.typed {
            continue; // a lone `# HELP`
        }
        if matches!(f.kind, MetricType::Gauge | MetricType::Unknown) && f.name.ends_with("_created") {
            created_gauges.push(f);
            continue;
        }
        metrics.push(family_to_metric(f, format, opts, warnings));
    }
    for g in created_gauges {
        let base = g.name.strip_suffix("_created").unwrap_or(&g.name);
        let parent = metrics.iter_mut().find(|m| match m.kind {
            MetricType::Counter => m.name == format!("{base}_total") || m.name == base,
            MetricType::Histogram | MetricType::Summary => m.name == base,
            _ => false,
        });
        match parent {
            Some(p) => p.created = true,
            None => metrics.push(family_to_metric(g, format, opts, warnings)),
        }
    }
    metrics
}

fn family_to_metric(f: &Family, format: Format, opts: ImportOptions, warnings: &mut Vec<String>) -> Metric {
    let has = |n: &str| f.samples.iter().any(|s| s.name == n);
    let total = format!("{}_total", f.name);
    let name = match f.kind {
        MetricType::Counter => {
            if has(&total) || (f.samples.is_empty() && format == Format::OpenMetrics && !f.name.ends_with("_total")) {
                total
            } else {
                f.name.clone()
            }
        }
        MetricType::Info => {
            let info = format!("{}_info", f.name);
            if f.name.ends_with("_info") && has(&f.name) { f.name.clone() } else { info }
        }
        _ => f.name.clone(),
    };
    let created_name = format!("{}_created", f.name);
    let created =
        matches!(f.kind, MetricType::Counter | MetricType::Histogram | MetricType::Summary) && has(&created_name);
    let implied = match f.kind {
        MetricType::Histogram | MetricType::GaugeHistogram => Some("le"),
        MetricType::Summary => Some("quantile"),
        _ => None,
    };
    let mut stats: BTreeMap<&str, LabelStats> = BTreeMap::new();
    let mut counted = 0usize;
    for s in &f.samples {
        if s.name == created_name && created {
            continue; // mirrors the other series' labels
        }
        counted += 1;
        for (k, v) in &s.labels {
            if implied == Some(k.as_str()) {
                continue;
            }
            let st = stats.entry(k.as_str()).or_insert_with(|| LabelStats { count: 0, values: BTreeSet::new() });
            st.count += 1;
            if opts.keep_values {
                st.values.insert(v.clone());
            }
        }
    }
    let mut labels = BTreeMap::new();
    for (k, st) in stats {
        if k.starts_with("__") {
            warnings.push(format!("line {}: `{}` exposes reserved label `{k}`; skipped", f.line, f.name));
            continue;
        }
        let def = LabelDef {
            values: st.values.into_iter().collect(),
            regex: None,
            optional: st.count < counted,
            origin: LabelOrigin::Exporter,
        };
        labels.insert(k.to_string(), def);
    }
    if f.samples.is_empty() {
        warnings.push(format!(
            "line {}: `{}` has no samples, so its labels are unknown; they are left unchecked",
            f.line, f.name
        ));
    }
    Metric {
        name,
        kind: f.kind,
        help: f.help.clone().filter(|h| !h.is_empty()),
        unit: f.unit.clone(),
        labels,
        labels_open: f.samples.is_empty(),
        created,
        source: SourceRef { file: 0, line: f.line, col: 1 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(text: &str, format: Format, keep_values: bool) -> Vec<Metric> {
        import_exposition("t", text.as_bytes(), format, ImportOptions { keep_values }).unwrap().0.metrics
    }

    fn by_name<'a>(ms: &'a [Metric], n: &str) -> &'a Metric {
        ms.iter()
            .find(|m| m.name == n)
            .unwrap_or_else(|| panic!("no {n} in {:?}", ms.iter().map(|m| &m.name).collect::<Vec<_>>()))
    }

    #[test]
    fn prometheus_client_text_output_folds_created_gauges() {
        let text = "# HELP req_total Requests\n# TYPE req_total counter\nreq_total{path=\"/a\",status=\"200\"} 3.0\n\
            # HELP req_created Requests\n# TYPE req_created gauge\nreq_created{path=\"/a\",status=\"200\"} 1.7e9\n\
            # TYPE lat_seconds histogram\nlat_seconds_bucket{le=\"0.1\",path=\"/a\"} 1\nlat_seconds_bucket{le=\"+Inf\",path=\"/a\"} 1\n\
            lat_seconds_count{path=\"/a\"} 1\nlat_seconds_sum{path=\"/a\"} 0.01\n\
            # TYPE lat_seconds_created gauge\nlat_seconds_created{path=\"/a\"} 1.7e9\n\
            # TYPE orphan_created gauge\norphan_created 1\n";
        let ms = import(text, Format::Text, true);
        let names: Vec<&str> = ms.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, vec!["req_total", "lat_seconds", "orphan_created"]);
        assert!(ms[0].created && ms[1].created);
        assert_eq!(ms[0].labels["status"].values, vec!["200"]);
        assert!(!ms[1].labels.contains_key("le"));
        assert_eq!(ms[2].kind, MetricType::Gauge);
    }

    #[test]
    fn openmetrics_families_get_query_names() {
        let text = "# TYPE req counter\nreq_total{a=\"1\"} 1\nreq_created{a=\"1\"} 1\nreq_total 2\nreq_created 1\n\
            # TYPE build info\nbuild_info{version=\"1\"} 1\n# TYPE st stateset\nst{st=\"on\"} 1\nst{st=\"off\"} 0\n\
            # TYPE q summary\nq{quantile=\"0.5\"} 1\nq_count 1\nq_sum 1\n# TYPE empty counter\n# EOF\n";
        let ms = import(text, Format::OpenMetrics, false);
        let req = by_name(&ms, "req_total");
        assert!(req.created);
        assert!(req.labels["a"].optional, "one series has no `a`");
        assert!(req.labels["a"].values.is_empty(), "values only with --values");
        assert_eq!(by_name(&ms, "build_info").kind, MetricType::Info);
        assert!(by_name(&ms, "st").labels.contains_key("st"));
        assert!(!by_name(&ms, "q").labels.contains_key("quantile"));
        let empty = by_name(&ms, "empty_total");
        assert!(empty.labels_open && empty.labels.is_empty());
    }

    #[test]
    fn both_formats_of_the_same_exporter_import_alike() {
        let text = "# TYPE c_total counter\nc_total{x=\"1\"} 1\n# TYPE c_created gauge\nc_created{x=\"1\"} 1\n\
            # TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 1\n";
        let om = "# TYPE c counter\nc_total{x=\"1\"} 1\nc_created{x=\"1\"} 1\n\
            # TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 1\n# EOF\n";
        let a = SchemaFile { metrics: import(text, Format::Text, true), ..empty_file() }.to_yaml("");
        let b = SchemaFile { metrics: import(om, Format::OpenMetrics, true), ..empty_file() }.to_yaml("");
        assert_eq!(a, b);
    }

    fn empty_file() -> SchemaFile {
        SchemaFile {
            path: String::new(),
            text: String::new(),
            target_labels: DEFAULT_TARGET_LABELS.iter().map(|s| s.to_string()).collect(),
            external_labels: vec![],
            metrics: vec![],
        }
    }
}
