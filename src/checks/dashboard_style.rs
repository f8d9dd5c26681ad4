//! DSH009–DSH011: opinionated dashboard conventions, off by default (`checks.enable` turns them
//! on). They are one file because they share their shape and their caveat: plenty of good
//! dashboards break them on purpose, and false positives are what users of dashboard linters
//! complain about most.

use super::{Check, CheckMeta, Ctx, DashboardSite, ExprSite, declare_check};
use crate::dashboard::{DATA_PANELS, DashboardKind, Role};
use crate::promql::Expr;

declare_check! {
    /// ## What it does
    /// Off by default. Flags a data panel with Prometheus queries that sets no unit
    /// (`fieldConfig.defaults.unit`, a graph's left axis format, a singlestat's `format`) and no
    /// value mappings. `none` and `short` count as no unit.
    ///
    /// ## Why is this bad?
    /// `0.25` may be seconds, a ratio or requests per second; a unit makes the panel readable
    /// without opening its query, and lets Grafana scale it (250 ms, 25 %).
    ///
    /// ## Example
    /// ```json,bad
    /// {"title": "ML service", "panels": [{"type": "timeseries", "title": "P90 latency",
    ///   "targets": [{"expr": "histogram_quantile(0.9, sum by (le) (rate(http_request_latency_seconds_bucket[$__rate_interval])))"}]}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,good
    /// {"title": "ML service", "panels": [{"type": "timeseries", "title": "P90 latency",
    ///   "fieldConfig": {"defaults": {"unit": "s"}},
    ///   "targets": [{"expr": "histogram_quantile(0.9, sum by (le) (rate(http_request_latency_seconds_bucket[$__rate_interval])))"}]}]}
    /// ```
    pub PanelWithoutUnit {
        code: "DSH009",
        name: "panel-without-unit",
        category: Style,
        severity: Info,
        summary: "a data panel sets no unit (off by default)",
        sources: ["dashboard-linter panel-units-rule"],
        enabled: false,
    }
}

impl Check for PanelWithoutUnit {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn dashboard(&self, cx: &mut Ctx, site: &DashboardSite<'_>) {
        for p in &site.dashboard.panels {
            if p.queries > 0 && p.unit.is_none() && DATA_PANELS.contains(&p.kind.as_str()) && p.kind != "table" {
                cx.report(site.dashboard.file, p.span, format!("panel `{}` sets no unit", p.title)).help(
                    "set Standard options → Unit (`fieldConfig.defaults.unit`), e.g. `s`, `percentunit`, `reqps`",
                );
            }
        }
    }
}

declare_check! {
    /// ## What it does
    /// Off by default. Flags a data panel with Prometheus queries and no `description`.
    ///
    /// ## Why is this bad?
    /// The description is the panel's tooltip: what the number means, what is normal, what to do
    /// when it is not. Whoever opens the dashboard during an incident is rarely its author.
    ///
    /// ## Example
    /// ```json,bad
    /// {"title": "ML service", "panels": [{"type": "stat", "title": "5xx ratio",
    ///   "targets": [{"expr": "sum(rate(http_requests_total{status=~\"5..\"}[$__rate_interval])) / sum(rate(http_requests_total[$__rate_interval]))"}]}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,good
    /// {"title": "ML service", "panels": [{"type": "stat", "title": "5xx ratio",
    ///   "description": "Share of requests answered with a 5xx status. Alert HighErrorRate fires above 5 %.",
    ///   "targets": [{"expr": "sum(rate(http_requests_total{status=~\"5..\"}[$__rate_interval])) / sum(rate(http_requests_total[$__rate_interval]))"}]}]}
    /// ```
    pub PanelWithoutDescription {
        code: "DSH010",
        name: "panel-without-description",
        category: Style,
        severity: Info,
        summary: "a data panel has no description (off by default)",
        sources: ["dashboard-linter panel-title-description-rule"],
        enabled: false,
    }
}

impl Check for PanelWithoutDescription {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn dashboard(&self, cx: &mut Ctx, site: &DashboardSite<'_>) {
        if site.dashboard.kind != DashboardKind::Dashboard {
            return;
        }
        for p in &site.dashboard.panels {
            if p.queries > 0 && !p.description && DATA_PANELS.contains(&p.kind.as_str()) {
                cx.report(site.dashboard.file, p.span, format!("panel `{}` has no description", p.title))
                    .help("say what the panel shows and what is normal in its `description`");
            }
        }
    }
}

declare_check! {
    /// ## What it does
    /// Off by default. Flags a selector in a panel query that has no `job` matcher (any operator
    /// and value, a variable included), as dashboards built for many services are expected to
    /// have one.
    ///
    /// ## Why is this bad?
    /// Without it the panel sums over every job that happens to export the metric: a second
    /// service with the same client library doubles the numbers. A `$job` variable also lets the
    /// viewer pick one service.
    ///
    /// ## Example
    /// ```json,bad
    /// {"title": "ML service", "panels": [{"type": "timeseries", "title": "Request rate",
    ///   "targets": [{"expr": "sum(rate(http_requests_total[$__rate_interval])) by (status)"}]}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,good
    /// {"title": "ML service", "panels": [{"type": "timeseries", "title": "Request rate",
    ///   "targets": [{"expr": "sum(rate(http_requests_total{job=~\"$job\"}[$__rate_interval])) by (status)"}]}],
    ///  "templating": {"list": [{"name": "job", "type": "query", "query": "label_values(http_requests_total, job)"}]}}
    /// ```
    pub SelectorWithoutJob {
        code: "DSH011",
        name: "selector-without-job",
        category: Style,
        severity: Info,
        summary: "a panel query's selector has no job matcher (off by default)",
        sources: ["dashboard-linter target-job-rule"],
        enabled: false,
    }
}

impl Check for SelectorWithoutJob {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn expr(&self, cx: &mut Ctx, site: &ExprSite<'_>) {
        let Some((_, q)) = site.dashboard() else { return };
        if !matches!(q.role, Role::Panel { .. }) {
            return;
        }
        site.expr.walk(&mut |e| {
            let sel = match e {
                Expr::VectorSelector(s) => s,
                Expr::MatrixSelector(m) => &m.selector,
                _ => return,
            };
            if sel.matchers.iter().any(|m| m.name == "job") {
                return;
            }
            let span = sel.name_span.unwrap_or(sel.span);
            cx.report(site.file_id(), site.span(span), "selector without a `job` matcher")
                .help("add `job=~\"$job\"` (with a `job` variable) or the job it is meant for");
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::findings;
    use crate::lint::{LintInput, lint};
    use crate::settings::Settings;
    use crate::source::SourceFile;

    #[test]
    fn off_unless_enabled() {
        let d = r#"{"title": "D", "panels": [{"type": "timeseries", "title": "T", "targets": [{"expr": "up"}]}]}"#;
        let out = lint(vec![LintInput { source: SourceFile::new("d.json", d), config: 0 }], &[Settings::default()]);
        assert!(
            out.diagnostics.iter().all(|f| !["DSH009", "DSH010", "DSH011"].contains(&f.code())),
            "{:?}",
            out.diagnostics
        );
        for code in ["DSH009", "DSH010", "DSH011"] {
            assert_eq!(findings(code, d).len(), 1, "{code}");
        }
    }

    #[test]
    fn units_from_every_place_grafana_keeps_them() {
        for p in [
            r#"{"type": "timeseries", "fieldConfig": {"defaults": {"unit": "s"}}, "targets": [{"expr": "up"}]}"#,
            r#"{"type": "graph", "yaxes": [{"format": "bytes"}, {"format": "short"}], "targets": [{"expr": "up"}]}"#,
            r#"{"type": "singlestat", "format": "percent", "targets": [{"expr": "up"}]}"#,
            r#"{"type": "stat", "fieldConfig": {"defaults": {"mappings": [{"type": "value"}]}}, "targets": [{"expr": "up"}]}"#,
            r#"{"type": "table", "targets": [{"expr": "up"}]}"#,
        ] {
            let d = format!(r#"{{"title": "D", "panels": [{p}]}}"#);
            assert!(findings("DSH009", &d).is_empty(), "{p}");
        }
    }
}
