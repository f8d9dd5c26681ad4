//! Times parsing 10,000 rule expressions with our parser and with the `promql-parser` crate.
//!
//! Usage: `cargo run --release --example parser_bench [RULES_DIR...]`. The expressions are the
//! `expr` fields of the Prometheus rule files (`.yml`/`.yaml`, plain or `PrometheusRule`) under the
//! given directories, repeated up to 10,000; without directories a built-in set of typical
//! expressions is used. Both parsers see the same list; we parse with promtool's defaults.
use std::path::Path;
use std::time::{Duration, Instant};

use mlmon_lint::promql::{ParseOptions, parse};
use serde_json::Value;

const BUILTIN: &[&str] = &[
    r#"sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m])) > 0.05"#,
    r#"histogram_quantile(0.99, sum by (le, service) (rate(request_duration_seconds_bucket{service="api"}[5m]))) > 0.5"#,
    r#"up{job="node"} == 0"#,
    r#"(node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes) * 100 < 10"#,
    r#"predict_linear(node_filesystem_free_bytes{mountpoint="/"}[6h], 4 * 3600) < 0"#,
    r#"increase(kube_pod_container_status_restarts_total[1h]) > 3"#,
    r#"avg_over_time(model_inference_latency_seconds{model=~"bert.*"}[10m]) > on (model) group_left (owner) model_slo_seconds"#,
    r#"sum without (instance) (rate(gpu_utilization_ratio[5m])) < 0.2 and on (cluster) cluster_gpu_count > 0"#,
    r#"label_replace(rate(container_cpu_usage_seconds_total[5m]), "pod", "$1", "pod_name", "(.*)")"#,
    r#"max_over_time(rate(feature_store_errors_total[5m])[1h:1m]) > 10"#,
    r#"count(count by (version) (build_info)) > 1"#,
    r#"absent(up{job="model-server"} == 1)"#,
];

fn collect_exprs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(e)) = m.get("expr") {
                out.push(e.clone());
            }
            m.values().for_each(|c| collect_exprs(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_exprs(c, out)),
        _ => {}
    }
}

fn walk(dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml")
            && let Ok(text) = std::fs::read_to_string(&p)
            && let Ok(docs) = serde_saphyr::from_multiple::<Value>(&text)
        {
            docs.iter().for_each(|d| collect_exprs(d, out));
        }
    }
}

fn time<F: FnMut(&str) -> bool>(exprs: &[String], mut f: F) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut ok = 0;
    for _ in 0..5 {
        let start = Instant::now();
        ok = exprs.iter().filter(|e| f(e)).count();
        best = best.min(start.elapsed());
    }
    (best, ok)
}

fn main() {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    let mut distinct = Vec::new();
    for d in &dirs {
        walk(Path::new(d), &mut distinct);
    }
    let source = if distinct.is_empty() {
        distinct = BUILTIN.iter().map(|s| s.to_string()).collect();
        "built-in set".to_string()
    } else {
        format!("rule files under {}", dirs.join(", "))
    };
    let n_distinct = distinct.len();
    let exprs: Vec<String> = distinct.iter().cycle().take(10_000).cloned().collect();
    let bytes: usize = exprs.iter().map(String::len).sum();

    let (ours, ours_ok) = time(&exprs, |e| parse(e, ParseOptions::PROMTOOL).is_ok());
    let (theirs, theirs_ok) = time(&exprs, |e| promql_parser::parser::parse(e).is_ok());
    println!("expressions: 10000 ({n_distinct} distinct, {bytes} bytes) from {source}");
    println!("mlmon-lint parser: {:>9.2} ms per 10k  ({ours_ok} accepted)", ours.as_secs_f64() * 1e3);
    println!("promql-parser:     {:>9.2} ms per 10k  ({theirs_ok} accepted)", theirs.as_secs_f64() * 1e3);
    println!("speed-up: {:.1}x (best of 5 runs each)", theirs.as_secs_f64() / ours.as_secs_f64());
}
