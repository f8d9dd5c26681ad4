//! DSH004: a Prometheus panel without a query.

use super::{Check, CheckMeta, Ctx, DashboardSite, declare_check};
use crate::dashboard::{DATA_PANELS, DashboardKind};

declare_check! {
    /// ## What it does
    /// Flags a data panel (time series, graph, stat, gauge, table, ...) whose datasource is
    /// Prometheus but which has no query, or only queries with an empty `expr`. Text panels, rows,
    /// library panels, and panels that reuse another panel's results (`-- Dashboard --`) are not
    /// concerned.
    ///
    /// ## Why is this bad?
    /// The panel shows "No data" forever. It is usually left over from an edit: a query deleted
    /// by mistake, or a panel added and never finished.
    ///
    /// ## Example
    /// ```json,bad
    /// {"title": "ML service", "panels": [{"type": "timeseries", "title": "P90 latency",
    ///   "datasource": {"type": "prometheus", "uid": "prom"}, "targets": [{"refId": "A", "expr": ""}]}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,good
    /// {"title": "ML service", "panels": [{"type": "timeseries", "title": "P90 latency",
    ///   "datasource": {"type": "prometheus", "uid": "prom"}, "targets": [{"refId": "A",
    ///   "expr": "histogram_quantile(0.9, sum by (le) (rate(http_request_latency_seconds_bucket[$__rate_interval])))"}]}]}
    /// ```
    pub PanelWithoutQuery {
        code: "DSH004",
        name: "panel-without-query",
        category: Correctness,
        severity: Warning,
        summary: "a Prometheus data panel has no query",
        sources: ["dashboard-linter panel-no-targets-rule"],
    }
}

impl Check for PanelWithoutQuery {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn dashboard(&self, cx: &mut Ctx, site: &DashboardSite<'_>) {
        if site.dashboard.kind != DashboardKind::Dashboard {
            return;
        }
        for p in &site.dashboard.panels {
            if p.prometheus && !p.library && p.queries == 0 && DATA_PANELS.contains(&p.kind.as_str()) {
                let what =
                    if p.title.is_empty() { format!("a `{}` panel", p.kind) } else { format!("panel `{}`", p.title) };
                let why = if p.targets == 0 { "has no query" } else { "has only empty queries" };
                cx.report(site.dashboard.file, p.span, format!("{what} {why}"))
                    .help("add the PromQL query the panel should show, or remove the panel");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::findings;

    #[test]
    fn cases() {
        let d = |panel: &str| format!(r#"{{"title": "D", "panels": [{panel}]}}"#);
        for ok in [
            r#"{"type": "timeseries", "targets": [{"expr": "up"}]}"#,
            r#"{"type": "text", "title": "notes"}"#,
            r#"{"type": "row", "title": "r", "panels": []}"#,
            r#"{"type": "timeseries", "datasource": {"type": "loki"}, "targets": []}"#,
            r#"{"type": "timeseries", "datasource": {"type": "datasource", "uid": "-- Dashboard --"}, "targets": [{"panelId": 2}]}"#,
            r#"{"type": "stat", "libraryPanel": {"uid": "u", "name": "n"}}"#,
        ] {
            assert!(findings("DSH004", &d(ok)).is_empty(), "{ok}");
        }
        for bad in [
            r#"{"type": "timeseries", "title": "t", "targets": []}"#,
            r#"{"type": "graph", "datasource": "$datasource"}"#,
            r#"{"type": "stat", "datasource": {"type": "prometheus"}, "targets": [{"refId": "A", "expr": " "}]}"#,
        ] {
            assert_eq!(findings("DSH004", &d(bad)).len(), 1, "{bad}");
        }
    }

    #[test]
    fn points_at_the_title() {
        let d = r#"{"title": "D", "panels": [{"type": "timeseries", "title": "Empty", "targets": []}]}"#;
        let f = findings("DSH004", d);
        assert_eq!(&d[f[0].primary.span.start as usize..f[0].primary.span.end as usize], "\"Empty\"");
        assert_eq!(f[0].message, "panel `Empty` has no query");
    }
}
