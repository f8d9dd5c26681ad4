"""Writes a large, realistic Grafana dashboard for the `dashboards` benchmark (BENCHMARKS.md).

    python3 bench/gen_dashboard.py OUT.json [TARGETS] [BYTES]

TARGETS (default 300) queries in TARGETS/2 panels, spread over collapsed and open rows, with the
field config, overrides, thresholds and value mappings Grafana writes, padded with longer
descriptions until the file has about BYTES (default 500,000) bytes. Queries vary (rates,
histogram quantiles, ratios, `topk($k, ...)`, `label_replace`, variables in matchers and ranges);
about one in ten has a fixed window, so the run also renders findings.
"""
import json
import sys

out = sys.argv[1]
targets = int(sys.argv[2]) if len(sys.argv) > 2 else 300
size = int(sys.argv[3]) if len(sys.argv) > 3 else 500_000

SHAPES = [
    'sum by (status) (rate(http_requests_total{{job=~"$job", instance=~"$instance", path="/api/v{i}"}}[$__rate_interval]))',
    'histogram_quantile(0.{q}, sum by (le, path) (rate(http_request_latency_seconds_bucket{{job=~"$job", path=~"/api/v{i}/.*"}}[$__rate_interval])))',
    'sum(rate(http_requests_total{{job=~"$job", status=~"5..", path="/p{i}"}}[$__rate_interval]))\n  / sum(rate(http_requests_total{{job=~"$job", path="/p{i}"}}[$__rate_interval]))',
    'topk($k, sum by (model) (rate(model_predictions_total{{job=~"$job", model=~"$model", shard="{i}"}}[$__rate_interval])))',
    'label_replace(avg by (instance) (process_resident_memory_bytes{{job=~"$job", instance=~"$instance"}}), "host", "$1", "instance", "([^:]+):.*")',
    'avg_over_time(model_drift_score{{model=~"$model", version="v{i}"}}[$__interval]) > bool $threshold',
    'sum by (job) (increase(batch_jobs_failed_total{{job=~"$job", pipeline="p{i}"}}[$__range]))',
    'rate(http_requests_total{{job=~"$job", path="/legacy/{i}"}}[5m])',
    'max by (gpu) (gpu_utilization_ratio{{job=~"$job", node=~"$node", gpu="{i}"}}) * 100',
    'sum by (le) (rate(feature_store_lookup_seconds_bucket{{job=~"$job", table="t{i}"}}[$__rate_interval]))',
]

def panel(pid, title, exprs, x, y, pad):
    return {
        "id": pid,
        "type": "timeseries",
        "title": title,
        "description": f"{title}: " + pad,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "fieldConfig": {
            "defaults": {
                "color": {"mode": "palette-classic"},
                "custom": {"axisPlacement": "auto", "drawStyle": "line", "fillOpacity": 10, "lineWidth": 1,
                           "pointSize": 5, "showPoints": "never", "spanNulls": False,
                           "stacking": {"group": "A", "mode": "none"}, "thresholdsStyle": {"mode": "off"}},
                "mappings": [{"type": "value", "options": {"NaN": {"text": "no traffic", "index": 0}}}],
                "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 80}]},
                "unit": "short",
            },
            "overrides": [
                {"matcher": {"id": "byName", "options": f"series {k}"},
                 "properties": [{"id": "color", "value": {"fixedColor": "orange", "mode": "fixed"}}]}
                for k in range(1)
            ],
        },
        "options": {"legend": {"calcs": ["mean", "max"], "displayMode": "table", "placement": "bottom"},
                    "tooltip": {"mode": "multi", "sort": "desc"}},
        "targets": [
            {"datasource": {"type": "prometheus", "uid": "${datasource}"}, "editorMode": "code", "expr": e,
             "legendFormat": "{{job}} {{instance}}", "range": True, "refId": chr(65 + n)}
            for n, e in enumerate(exprs)
        ],
    }

def build(pad):
    panels, pid, y, t = [], 1, 0, 0
    rows = 10
    per_row = (targets // 2 + rows - 1) // rows
    for r in range(rows):
        row_panels = []
        for p in range(per_row):
            if t >= targets:
                break
            exprs = [SHAPES[(t + n) % len(SHAPES)].format(i=t + n, q=5 + (t + n) % 5) for n in range(2)][: targets - t]
            t += len(exprs)
            pid += 1
            row_panels.append(panel(pid, f"Panel {r}.{p}", exprs, (p % 2) * 12, y + p // 2 * 8, pad))
        pid += 1
        collapsed = r % 2 == 1
        row = {"id": pid, "type": "row", "title": f"Row {r}", "collapsed": collapsed,
               "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": row_panels if collapsed else []}
        panels.append(row)
        if not collapsed:
            panels.extend(row_panels)
        y += 1 + (per_row + 1) // 2 * 8
    ds = {"type": "prometheus", "uid": "${datasource}"}
    return {
        "title": "ML platform (benchmark)",
        "uid": "bench-ml-platform",
        "schemaVersion": 39,
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "prometheus"},
            {"name": "job", "type": "query", "datasource": ds, "query": "label_values(up, job)", "multi": True, "includeAll": True},
            {"name": "instance", "type": "query", "datasource": ds, "query": "label_values(up{job=~\"$job\"}, instance)", "multi": True},
            {"name": "model", "type": "query", "datasource": ds, "query": "label_values(model_predictions_total{job=~\"$job\"}, model)"},
            {"name": "node", "type": "query", "datasource": ds, "query": "query_result(topk(20, sum by (node) (gpu_utilization_ratio)))"},
            {"name": "k", "type": "custom", "query": "5,10,20", "current": {"text": "10", "value": "10"}},
            {"name": "threshold", "type": "textbox", "query": "0.3"},
        ]},
        "panels": panels,
    }

base = json.dumps(build(""), indent=2)
panels = (targets + 1) // 2
word = "What the numbers mean, what is normal and what to do when they are not. "
need = max(0, (size - len(base.encode())) // panels)
pad = (word * (need // len(word) + 1))[:need]
text = json.dumps(build(pad), indent=2)
open(out, "w").write(text + "\n")
print(f"{out}: {len(text.encode()) + 1} bytes, {targets} targets")
