//! Which datasource a query goes to: only Prometheus-compatible ones are linted as PromQL.
//!
//! Grafana has written a datasource reference in several ways over the years, all of which are in
//! committed dashboards:
//! - nothing (`null`, absent): the default datasource;
//! - a name (schemaVersion < 33): `"Prometheus"`, `"$datasource"`, `"${DS_PROMETHEUS}"`,
//!   `"-- Mixed --"`, `"-- Grafana --"`;
//! - an object `{"type": "prometheus", "uid": "${datasource}"}`, sometimes only a `uid`.
//!
//! A variable reference resolves through the dashboard's `datasource` variable (its `query` is the
//! plugin id) or its `__inputs` entry (`pluginId`). A query's own datasource wins over its panel's;
//! a panel set to `-- Mixed --` leaves each query to its own. Where nothing says otherwise (no
//! datasource, an unknown uid or name) the query is assumed to go to Prometheus, as in a dashboard
//! committed next to Prometheus rules it almost always does; a name or plugin id that says
//! otherwise (Loki, Tempo, SQL, Elasticsearch, ...) is never parsed as PromQL.

use super::variables::{VarKind, Vars, whole_reference};
use crate::source::json::Value;

/// Where a query goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Datasource {
    /// Prometheus or a plugin that speaks PromQL (Amazon/Azure managed Prometheus).
    Prometheus,
    /// Not named (or not knowable): Grafana's default, assumed to be Prometheus.
    Default,
    /// `-- Mixed --`: each query names its own.
    Mixed,
    /// Anything else: its plugin id (`loki`), or Grafana's built-ins (`-- Grafana --`,
    /// `-- Dashboard --`, `expression`).
    Other(String),
}

impl Datasource {
    /// Whether its queries are PromQL.
    pub fn is_prometheus(&self) -> bool {
        matches!(self, Datasource::Prometheus | Datasource::Default)
    }
}

/// Plugin ids whose query language is PromQL.
const PROMETHEUS_PLUGINS: &[&str] =
    &["prometheus", "grafana-amazonprometheus-datasource", "grafana-azureprometheus-datasource"];

/// Words in a datasource's name that say it is not Prometheus.
const OTHER_NAMES: &[&str] = &[
    "loki",
    "tempo",
    "jaeger",
    "zipkin",
    "elastic",
    "opensearch",
    "influx",
    "graphite",
    "mysql",
    "postgres",
    "mssql",
    "sql",
    "cloudwatch",
    "stackdriver",
    "azure-monitor",
    "azuremonitor",
    "testdata",
    "clickhouse",
    "pyroscope",
    "parca",
    "splunk",
    "victoriametrics-logs",
];

fn plugin(id: &str) -> Datasource {
    match id {
        "" => Datasource::Default,
        id if PROMETHEUS_PLUGINS.contains(&id) => Datasource::Prometheus,
        "datasource" | "mixed" => Datasource::Mixed,
        "grafana" => Datasource::Other("-- Grafana --".to_string()),
        "__expr__" => Datasource::Other("expression".to_string()),
        id => Datasource::Other(id.to_string()),
    }
}

/// A datasource written as a name or uid.
fn by_name(name: &str, vars: &Vars) -> Datasource {
    match name {
        "" => return Datasource::Default,
        "-- Mixed --" => return Datasource::Mixed,
        "-- Grafana --" | "grafana" => return Datasource::Other("-- Grafana --".to_string()),
        "-- Dashboard --" => return Datasource::Other("-- Dashboard --".to_string()),
        "__expr__" | "-- Expressions --" => return Datasource::Other("expression".to_string()),
        _ => {}
    }
    if let Some(var) = whole_reference(name) {
        return match vars.get(var) {
            Some(d) if d.kind == VarKind::Datasource => plugin(d.query.as_deref().unwrap_or("")),
            // an undefined or non-datasource variable: its name is all there is to go on
            _ => by_words(var),
        };
    }
    if name.contains('$') {
        return Datasource::Default;
    }
    by_words(name)
}

fn by_words(name: &str) -> Datasource {
    let lower = name.to_ascii_lowercase();
    if lower.contains("prom") {
        return Datasource::Prometheus;
    }
    match OTHER_NAMES.iter().find(|w| lower.contains(**w)) {
        Some(w) => Datasource::Other((*w).to_string()),
        None => Datasource::Default,
    }
}

/// Resolves a `datasource` field.
pub fn resolve(v: Option<&Value>, vars: &Vars) -> Datasource {
    let Some(v) = v else { return Datasource::Default };
    if let Some(s) = v.as_str() {
        return by_name(s, vars);
    }
    if v.as_object().is_none() {
        return Datasource::Default;
    }
    let uid = v.str_at("uid").unwrap_or("");
    match v.str_at("type").filter(|t| !t.is_empty() && !t.contains('$')) {
        Some("datasource") => match by_name(uid, vars) {
            Datasource::Default | Datasource::Prometheus => Datasource::Other("datasource".to_string()),
            other => other,
        },
        Some(t) => plugin(t),
        None => by_name(uid, vars),
    }
}

/// The datasource of a query: its own, else its panel's (unless the panel is mixed), else the
/// default.
pub fn of_query(target: Option<&Value>, panel: &Datasource, vars: &Vars) -> Datasource {
    match resolve(target, vars) {
        Datasource::Default | Datasource::Mixed => match panel {
            Datasource::Mixed => Datasource::Default,
            p => p.clone(),
        },
        own => own,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::json;

    fn dash() -> Vars {
        let d = json::parse(
            r#"{"__inputs": [{"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus"},
                            {"name": "DS_LOKI", "type": "datasource", "pluginId": "loki"}],
                "templating": {"list": [
                    {"name": "datasource", "type": "datasource", "query": "prometheus"},
                    {"name": "logs", "type": "datasource", "query": "loki"}]}}"#,
        )
        .unwrap();
        Vars::of_dashboard(&d.root)
    }

    fn r(ds: &str) -> Datasource {
        let v = json::parse(ds).unwrap();
        resolve(Some(&v.root), &dash())
    }

    #[test]
    fn every_spelling() {
        use Datasource::*;
        assert_eq!(r("null"), Default);
        assert_eq!(r(r#""$datasource""#), Prometheus);
        assert_eq!(r(r#""${datasource}""#), Prometheus);
        assert_eq!(r(r#""[[datasource]]""#), Prometheus);
        assert_eq!(r(r#""${DS_PROMETHEUS}""#), Prometheus);
        assert_eq!(r(r#""${DS_LOKI}""#), Other("loki".into()));
        assert_eq!(r(r#""$logs""#), Other("loki".into()));
        assert_eq!(r(r#""$loki_datasource""#), Other("loki".into()));
        assert_eq!(r(r#""$prometheus_datasource""#), Prometheus);
        assert_eq!(r(r#""Prometheus""#), Prometheus);
        assert_eq!(r(r#""Elasticsearch logs""#), Other("elastic".into()));
        assert_eq!(r(r#""my-metrics""#), Default);
        assert_eq!(r(r#""-- Mixed --""#), Mixed);
        assert_eq!(r(r#""-- Grafana --""#), Other("-- Grafana --".into()));
        assert_eq!(r(r#"{"type": "prometheus", "uid": "${prometheus_datasource}"}"#), Prometheus);
        assert_eq!(r(r#"{"type": "loki", "uid": "${datasource}"}"#), Other("loki".into()));
        assert_eq!(r(r#"{"uid": "$datasource"}"#), Prometheus);
        assert_eq!(r(r#"{"uid": "$logs"}"#), Other("loki".into()));
        assert_eq!(r(r#"{"type": "datasource", "uid": "-- Mixed --"}"#), Mixed);
        assert_eq!(r(r#"{"type": "datasource", "uid": "grafana"}"#), Other("-- Grafana --".into()));
        assert_eq!(r(r#"{"type": "datasource", "uid": "-- Dashboard --"}"#), Other("-- Dashboard --".into()));
        assert_eq!(
            r(r#"{"type": "grafana-postgresql-datasource", "uid": "x"}"#),
            Other("grafana-postgresql-datasource".into())
        );
        assert_eq!(r(r#"{"type": "__expr__", "uid": "__expr__"}"#), Other("expression".into()));
        assert_eq!(r(r#"{"uid": "P1809F7CD0C75ACF3"}"#), Default);
        assert_eq!(r(r#"{"type": "grafana-amazonprometheus-datasource", "uid": "a"}"#), Prometheus);
    }

    #[test]
    fn query_level_wins_and_mixed_defers() {
        let vars = dash();
        let loki = json::parse(r#"{"type": "loki"}"#).unwrap();
        assert_eq!(of_query(Some(&loki.root), &Datasource::Prometheus, &vars), Datasource::Other("loki".into()));
        assert_eq!(of_query(None, &Datasource::Other("loki".into()), &vars), Datasource::Other("loki".into()));
        assert_eq!(of_query(None, &Datasource::Mixed, &vars), Datasource::Default);
        assert!(of_query(None, &Datasource::Mixed, &vars).is_prometheus());
    }
}
