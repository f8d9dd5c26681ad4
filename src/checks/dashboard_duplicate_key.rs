//! DSH008: a key written twice in a dashboard's JSON.

use super::{Check, CheckMeta, Ctx, DashboardSite, declare_check};

declare_check! {
    /// ## What it does
    /// Flags a key that appears twice in the same JSON object of a dashboard, pointing at the
    /// occurrence Grafana ignores. Grafana decodes dashboards with Go's `encoding/json`, which keeps
    /// the last value without a word; mlmon-lint lints that last value too.
    ///
    /// ## Why is this bad?
    /// The first value is dead text that looks live: a reviewer reads one `expr`, Grafana runs
    /// another. Duplicates come from hand edits and merge conflicts resolved by keeping both
    /// sides.
    ///
    /// ## Example
    /// ```json,bad
    /// {"title": "ML service", "panels": [{"type": "stat", "title": "Errors",
    ///   "targets": [{"expr": "sum(rate(http_requests_total{status=~\"5..\"}[$__rate_interval]))",
    ///                "expr": "sum(rate(http_requests_total{status=~\"4..\"}[$__rate_interval]))"}]}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,good
    /// {"title": "ML service", "panels": [{"type": "stat", "title": "Errors",
    ///   "targets": [{"expr": "sum(rate(http_requests_total{status=~\"5..\"}[$__rate_interval]))"}]}]}
    /// ```
    pub DuplicateJsonKey {
        code: "DSH008",
        name: "duplicate-json-key",
        category: Suspicious,
        severity: Warning,
        summary: "a dashboard's JSON has a key twice; Grafana silently uses the last",
        sources: [],
    }
}

impl Check for DuplicateJsonKey {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn dashboard(&self, cx: &mut Ctx, site: &DashboardSite<'_>) {
        let file = site.dashboard.file;
        for d in &site.dashboard.duplicates {
            cx.report(
                file,
                d.shadowed,
                format!("`{}` is written again later in this object; Grafana ignores this one", d.key),
            )
            .help("keep one of the two")
            .secondary(file, d.used, "this value is used");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::findings;

    #[test]
    fn points_at_the_ignored_key() {
        let d = r#"{"title": "D", "panels": [{"type": "stat", "targets": [{"expr": "a", "expr": "b"}]}]}"#;
        let f = findings("DSH008", d);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].primary.span.start as usize, d.find("\"expr\"").unwrap());
        assert_eq!(f[0].secondary[0].span.start as usize, d.rfind("\"expr\"").unwrap());
        assert!(findings("DSH008", r#"{"title": "D", "panels": []}"#).is_empty());
    }
}
