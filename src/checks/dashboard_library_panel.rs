//! DSH007: a library panel whose queries could not be checked.

use super::{Check, CheckMeta, Ctx, DashboardSite, declare_check};

declare_check! {
    /// ## What it does
    /// Reports, as information, each library panel a dashboard uses whose model is not in the
    /// dashboard (its `__elements`, written by "Export for sharing externally") nor in any file of
    /// the run (a library panel file, `{"uid", "name", "model": {...}}`). Its queries were not
    /// linted. Give the library panel's file on the command line to have them checked.
    ///
    /// ## Why is this bad?
    /// A dashboard saved by Grafana keeps only a reference (`libraryPanel: {uid, name}`) to a
    /// library panel; the queries live in Grafana's database. A linter that skips such panels
    /// silently suggests they were checked.
    ///
    /// ## Example
    /// ```json,bad
    /// {"title": "ML service", "panels": [{"id": 1, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
    ///   "libraryPanel": {"uid": "ml-latency", "name": "ML latency"}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,good
    /// {"title": "ML service", "panels": [{"id": 1, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
    ///   "libraryPanel": {"uid": "ml-latency", "name": "ML latency"}}],
    ///  "__elements": {"ml-latency": {"uid": "ml-latency", "name": "ML latency", "kind": 1,
    ///    "model": {"type": "timeseries", "title": "ML latency",
    ///      "targets": [{"expr": "histogram_quantile(0.9, sum by (le) (rate(http_request_latency_seconds_bucket[$__rate_interval])))"}]}}}}
    /// ```
    pub LibraryPanelNotChecked {
        code: "DSH007",
        name: "library-panel-not-checked",
        category: Suspicious,
        severity: Info,
        summary: "a library panel's queries are not in the files linted, so they were not checked",
        sources: [],
    }
}

impl Check for LibraryPanelNotChecked {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn dashboard(&self, cx: &mut Ctx, site: &DashboardSite<'_>) {
        for r in &site.dashboard.library_refs {
            if site.facts.library_panels.contains(&r.uid) {
                continue;
            }
            cx.report(
                site.dashboard.file,
                r.span,
                format!("library panel `{}` (uid `{}`) was not checked: its queries are not in the linted files", r.name, r.uid),
            )
            .help("lint the library panel's JSON (from Grafana's library panels, or the dashboard exported for sharing) with the dashboard");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, lint};
    use crate::settings::Settings;
    use crate::source::SourceFile;

    #[test]
    fn checked_when_the_library_panel_file_is_given() {
        let dash = r#"{"title": "D", "panels": [{"libraryPanel": {"uid": "u1", "name": "Shared"}}]}"#;
        let lib = r#"{"uid": "u1", "name": "Shared", "model": {"type": "stat", "targets": [{"expr": "up"}]}}"#;
        let run = |files: Vec<(&str, &str)>| {
            let inputs =
                files.into_iter().map(|(p, t)| LintInput { source: SourceFile::new(p, t), config: 0 }).collect();
            let out = lint(inputs, &[Settings::default()]);
            (out.diagnostics.into_iter().filter(|d| d.code() == "DSH007").count(), out.dashboards)
        };
        let (n, stats) = run(vec![("d.json", dash)]);
        assert_eq!(n, 1);
        assert_eq!(stats[0].library_panels_unchecked, 1);
        let (n, stats) = run(vec![("d.json", dash), ("lib.json", lib)]);
        assert_eq!(n, 0);
        assert_eq!(stats[0].library_panels_unchecked, 0);
        assert_eq!(stats[1].targets_parsed, 1);
    }
}
