//! DSH005: a dashboard reads a recording rule's output that none of the linted rule files records.

use super::{Check, CheckMeta, Ctx, ExprSite, declare_check};
use crate::promql::Expr;
use crate::schema::suggest;

declare_check! {
    /// ## What it does
    /// When rule files are linted together with dashboards (`mlmon-lint rules/ dashboards/`),
    /// flags a dashboard query that selects a `level:metric:operation` name which no recording rule
    /// of the run records (and no schema declares), and suggests the nearest recorded name. Some
    /// exporters write colon names themselves: names starting with a colon, and names whose last
    /// part looks like a raw series (`_total`, `_count`, `__`, capitals: Spinnaker's
    /// `clouddriver:google:api__count_total`) are reported only as near misses of a recorded name.
    /// Without rule files in the run the check is off, since the rules may live anywhere.
    ///
    /// ## Why is this bad?
    /// A panel on a series nobody records shows "No data", and nobody notices until an incident.
    /// It happens when a recording rule is renamed (`rate5m` → `rate1m`) and the dashboard is not,
    /// or when the rule file is dropped from Prometheus's configuration.
    ///
    /// ## Example
    /// ```yaml,bad
    /// apiVersion: monitoring.coreos.com/v1
    /// kind: PrometheusRule
    /// metadata: {name: ml-service}
    /// spec:
    ///   groups:
    ///     - name: ml-service
    ///       rules:
    ///         - record: job:http_requests:rate5m
    ///           expr: sum by (job) (rate(http_requests_total[5m]))
    /// ---
    /// apiVersion: grafana.integreatly.org/v1beta1
    /// kind: GrafanaDashboard
    /// metadata: {name: ml-service}
    /// spec:
    ///   json: |
    ///     {"title": "ML service", "panels": [{"type": "timeseries", "title": "Traffic",
    ///       "targets": [{"expr": "sum(job:http_requests:rate1m)"}]}]}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml,good
    /// apiVersion: monitoring.coreos.com/v1
    /// kind: PrometheusRule
    /// metadata: {name: ml-service}
    /// spec:
    ///   groups:
    ///     - name: ml-service
    ///       rules:
    ///         - record: job:http_requests:rate5m
    ///           expr: sum by (job) (rate(http_requests_total[5m]))
    /// ---
    /// apiVersion: grafana.integreatly.org/v1beta1
    /// kind: GrafanaDashboard
    /// metadata: {name: ml-service}
    /// spec:
    ///   json: |
    ///     {"title": "ML service", "panels": [{"type": "timeseries", "title": "Traffic",
    ///       "targets": [{"expr": "sum(job:http_requests:rate5m)"}]}]}
    /// ```
    pub UnrecordedSeries {
        code: "DSH005",
        name: "undefined-recording-rule",
        category: Correctness,
        severity: Warning,
        summary: "a dashboard reads a recorded series that no linted recording rule produces",
        sources: [],
    }
}

/// Colon names some exporters write themselves (Spinnaker's `clouddriver:google:api__count_total`,
/// Micrometer's camelCase): a raw series suffix, `__` or capitals in the last part. Recording rule
/// outputs do not look like that (their last part is an operation: `rate5m`, `sum`, `ratio`).
fn exporter_like(name: &str) -> bool {
    let last = name.rsplit(':').next().unwrap_or("");
    ["_total", "_count", "_sum", "_bucket"].iter().any(|s| last.ends_with(s))
        || last.contains("__")
        || last.chars().any(|c| c.is_ascii_uppercase())
}

impl Check for UnrecordedSeries {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn expr(&self, cx: &mut Ctx, site: &ExprSite<'_>) {
        if site.dashboard().is_none() || site.facts.rule_files == 0 {
            return;
        }
        let mut seen = std::collections::HashSet::new();
        site.expr.walk(&mut |e| {
            let sel = match e {
                Expr::VectorSelector(s) => s,
                Expr::MatrixSelector(m) => &m.selector,
                _ => return,
            };
            let (Some(name), Some(span)) = (sel.metric_name(), sel.name_span) else { return };
            if !name.contains(':') || name.starts_with(':') || site.from_variable(span) || !seen.insert(name) {
                return;
            }
            if site.facts.recorded.contains_key(name) || site.knowledge.is_some_and(|k| k.schema.series(name).is_some())
            {
                return;
            }
            let near = suggest::closest(name, site.facts.recorded.keys().map(String::as_str));
            if near.is_none() && exporter_like(name) {
                return;
            }
            let d = cx.report(
                site.file_id(),
                site.span(span),
                format!("no recording rule in the linted rule files records `{name}`"),
            );
            match near.as_deref().and_then(|n| site.facts.recorded.get(n).map(|at| (n, at))) {
                Some((n, (file, at))) => {
                    d.help(suggest::did_you_mean(Some(n)));
                    d.secondary(*file, *at, format!("`{n}` is recorded here"));
                }
                None => {
                    d.help("lint the rule file that records it together with the dashboard, or fix the name");
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::findings;
    use crate::lint::{LintInput, lint};
    use crate::settings::Settings;
    use crate::source::SourceFile;

    const RULES: &str =
        "groups:\n- name: g\n  rules:\n  - record: job:x:rate5m\n    expr: sum by (job) (rate(x_total[5m]))\n";

    fn run(expr: &str) -> Vec<crate::diagnostic::Diagnostic> {
        let dash =
            format!(r#"{{"title": "D", "panels": [{{"type": "timeseries", "targets": [{{"expr": "{expr}"}}]}}]}}"#);
        let out = lint(
            vec![
                LintInput { source: SourceFile::new("r.yaml", RULES), config: 0 },
                LintInput { source: SourceFile::new("d.json", dash), config: 0 },
            ],
            &[Settings::default()],
        );
        out.diagnostics.into_iter().filter(|d| d.code() == "DSH005").collect()
    }

    #[test]
    fn checked_against_the_rules_of_the_run() {
        assert!(run("sum(job:x:rate5m)").is_empty());
        assert!(run("rate(x_total[5m])").is_empty());
        assert!(run("rate(:tensorflow:serving:request_count[5m])").is_empty());
        assert!(run("rate(clouddriver:google:api__count_total[5m])").is_empty());
        assert!(run("clouddriver:google:operationWaitRequests").is_empty());
        let f = run("sum(job:x:rate1m) / sum(job:x:rate1m)");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].help.as_deref(), Some("did you mean `job:x:rate5m`?"));
        assert_eq!(f[0].secondary[0].file, 0);
        assert_eq!(run("job:y:sum").len(), 1);
    }

    #[test]
    fn off_without_rule_files() {
        let dash = r#"{"title": "D", "panels": [{"type": "timeseries", "targets": [{"expr": "job:y:sum"}]}]}"#;
        assert!(findings("DSH005", dash).is_empty());
    }
}
