//! DSH006: a query uses a template variable the dashboard does not define.

use super::{Check, CheckMeta, Ctx, DashboardSite, declare_check};
use crate::dashboard::DashboardKind;

declare_check! {
    /// ## What it does
    /// Flags `$name`, `${name}` and `[[name]]` in a dashboard query when the dashboard defines no
    /// variable `name` (in `templating.list`, or as an `__inputs` constant) and it is not one of
    /// Grafana's built-ins (`$__rate_interval`, `$__range`, `${__user.login}`, ...). Library panel
    /// files are not checked: their variables belong to the dashboards that use them.
    ///
    /// ## Why is this bad?
    /// Grafana leaves an unknown reference as it is, so Prometheus receives `instance=~"$hostname"`
    /// literally: the selector matches nothing and the panel shows "No data". Variables get lost
    /// when a panel is copied from another dashboard or a variable is renamed.
    ///
    /// ## Example
    /// ```json,bad
    /// {"title": "ML service",
    ///  "templating": {"list": [{"name": "job", "type": "query", "query": "label_values(up, job)"}]},
    ///  "panels": [{"type": "timeseries", "title": "Up",
    ///    "targets": [{"expr": "up{job=~\"$job\", instance=~\"$hostname\"}"}]}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,good
    /// {"title": "ML service",
    ///  "templating": {"list": [{"name": "job", "type": "query", "query": "label_values(up, job)"},
    ///                          {"name": "instance", "type": "query", "query": "label_values(up{job=~\"$job\"}, instance)"}]},
    ///  "panels": [{"type": "timeseries", "title": "Up",
    ///    "targets": [{"expr": "up{job=~\"$job\", instance=~\"$instance\"}"}]}]}
    /// ```
    pub UndefinedVariable {
        code: "DSH006",
        name: "undefined-variable",
        category: Correctness,
        severity: Warning,
        summary: "a dashboard query uses a template variable the dashboard does not define",
        sources: [],
    }
}

impl Check for UndefinedVariable {
    fn meta(&self) -> &'static CheckMeta {
        &Self::META
    }

    fn dashboard(&self, cx: &mut Ctx, site: &DashboardSite<'_>) {
        let d = site.dashboard;
        if d.kind != DashboardKind::Dashboard {
            return;
        }
        for q in &d.queries {
            // `\$SYS` in a regex is an escaped dollar, not a reference (Grafana leaves an unknown
            // reference as written, which is what the author wants there)
            let escaped = |u: &&crate::dashboard::variables::Use| {
                q.text.get(..u.replaced.start as usize).is_some_and(|b| b.ends_with('\\'))
            };
            for u in q.uses.iter().filter(|u| !u.defined && !escaped(u)) {
                cx.report(
                    d.file,
                    q.map.map_span(u.replaced),
                    format!("`${}` is not a variable of this dashboard", u.name),
                )
                .help(format!("define `{}` under templating, or use the variable the dashboard has", u.name));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testing::findings;

    #[test]
    fn cases() {
        let d = |expr: &str| {
            format!(
                r#"{{"title": "D", "__inputs": [{{"name": "VAR_NS", "type": "constant", "value": "x"}}], "templating": {{"list": [{{"name": "job", "type": "custom"}}]}}, "panels": [{{"type": "timeseries", "targets": [{{"expr": "{expr}"}}]}}]}}"#
            )
        };
        for ok in [
            r#"up{job=~\"$job\"}"#,
            "rate(x[$__rate_interval])",
            r#"up{ns=\"${VAR_NS}\", u=\"${__user.login}\"}"#,
            r#"label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\")"#,
            r#"up{topic!~\"SYSTEM.*|\\\\$SYS.*\"}"#,
        ] {
            assert!(findings("DSH006", &d(ok)).is_empty(), "{ok}");
        }
        let text = d(r#"up{instance=~\"$hostname\", job=\"[[jb]]\"}"#);
        let f = findings("DSH006", &text);
        assert_eq!(f.len(), 2);
        let s = f[0].primary.span;
        assert_eq!(&text[s.start as usize..s.end as usize], "$hostname");
        assert_eq!(f[1].message, "`$jb` is not a variable of this dashboard");
    }

    #[test]
    fn library_panel_files_are_not_checked() {
        let lib = r#"{"uid": "u", "name": "n", "model": {"type": "stat", "targets": [{"expr": "up{job=\"$job\"}"}]}}"#;
        assert!(findings("DSH006", lib).is_empty());
    }
}
