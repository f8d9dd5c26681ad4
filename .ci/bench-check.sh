#!/usr/bin/env bash
# Benchmark for BENCHMARKS.md, section "check": lint 10,000 rules in one file, side by side with
# `promtool check rules` on the same file.
#
#   .ci/bench-check.sh [PROMTOOL] [RUNS]      (or PROMTOOL=/path/to/promtool; RUNS defaults to 5)
#   WORKLOAD=rules.yml .ci/bench-check.sh     (another rule file instead of the generated one, e.g. the
#                                             shared rules10k.yml of ../shared/bench/gen_workloads.py)
#
# Builds mlmon-lint in release mode, generates the workload into a temporary directory, runs each
# tool RUNS times (interleaved, so load from other processes hits both alike), and prints the median
# wall time, CPU time and peak RSS of each, then mlmon-lint's own phase timings (--verbose).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
promtool="${1:-${PROMTOOL:-$(command -v promtool || echo $HOME/.cache/mlmon-ref/bin/promtool)}}"
runs="${2:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$work/rules10k.yaml" <<'PY'
"""10,000 distinct rules in 100 groups: half recording, half alerting; about a third with regex
matchers; alerts with `for`, labels and templated annotations. Every expression differs, so
parsing identical text once does not help."""
import sys
rec = [
    'sum by (job, path) (rate(http_requests_total{{status=~"5..", path="/p{g}/{r}"}}[5m]))',
    'histogram_quantile(0.9, sum by (le, job) (rate(http_request_latency_seconds_bucket{{path="/p{g}/{r}"}}[5m])))',
    'avg by (job) (avg_over_time(model_accuracy_ratio{{model="m{g}", version="v{r}"}}[1h]))',
    'sum by (job) (increase(model_predictions_total{{model="m{g}", outcome!="error", shard="{r}"}}[10m]))',
    'label_replace(up{{job="svc-{g}-{r}"}}, "service", "$1", "job", "svc-(.*)")',
]
alert = [
    '(sum by (job) (rate(http_requests_total{{status=~"5..", path="/p{g}/{r}"}}[5m]))\n'
    '  / sum by (job) (rate(http_requests_total{{path="/p{g}/{r}"}}[5m]))) > 0.05',
    'time() - batch_last_success_timestamp_seconds{{job="batch-{g}", pipeline="p{r}"}} > 3600',
    'model_drift_score{{model="m{g}", version=~"v{r}|v{r}-canary"}} > 0.3',
    'absent(up{{job="svc-{g}-{r}"}} == 1)',
    'predict_linear(node_filesystem_avail_bytes{{mountpoint="/data{g}", device="sd{r}"}}[6h], 4 * 3600) < 0',
]
out = ["groups:"]
for g in range(100):
    out += [f"  - name: group-{g}", "    rules:"]
    for r in range(100):
        shapes, kind = (rec, "record") if r % 2 == 0 else (alert, "alert")
        e = shapes[(g + r // 2) % len(shapes)].format(g=g, r=r)
        name = f"job:rule_{g}_{r}:rate5m" if kind == "record" else f"Alert{g}x{r}"
        out += [f"      - {kind}: {name}", "        expr: |"]
        out += ["          " + line for line in e.split("\n")]
        if kind == "alert":
            out += ["        for: 5m", "        labels:", "          severity: critical", "        annotations:",
                    "          summary: 'Problem on {{ $labels.job }}: {{ $value | humanizePercentage }}'"]
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY

if [[ -n ${WORKLOAD:-} ]]; then
  cp "$WORKLOAD" "$work/rules10k.yaml"
fi

cd "$repo"
cargo build --release -q
bin="$repo/target/release/mlmon-lint"
: > "$work/empty.yaml"
echo "workload: ${WORKLOAD:-generated}, $(wc -c < "$work/rules10k.yaml") bytes; $runs runs each; load: $(cut -d' ' -f1-3 /proc/loadavg)"

measure() { # label, command...
  local label="$1"; shift
  /usr/bin/time -f "$label %e %U %S %M" "$@" > /dev/null 2>> "$work/times" || true
}
: > "$work/times"
for _ in $(seq "$runs"); do
  [ -x "$promtool" ] && measure promtool "$promtool" check rules "$work/rules10k.yaml"
  measure mlmon-lint "$bin" --config "$work/empty.yaml" "$work/rules10k.yaml"
done
python3 - "$work/times" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) == 5 and p[0] in ("promtool", "mlmon-lint"):
        rows.setdefault(p[0], []).append((float(p[1]), float(p[2]) + float(p[3]), int(p[4])))
for tool, rs in rows.items():
    wall = statistics.median(r[0] for r in rs)
    cpu = statistics.median(r[1] for r in rs)
    rss = max(r[2] for r in rs) / 1024
    print(f"{tool:10}  wall {wall:.2f} s (median)  cpu {cpu:.2f} s  peak RSS {rss:.0f} MiB")
if len(rows) == 2:
    p, m = rows["promtool"], rows["mlmon-lint"]
    med = lambda rs, i: statistics.median(r[i] for r in rs)
    print(f"mlmon-lint is {med(p,0)/med(m,0):.1f}x faster (wall), {med(p,1)/med(m,1):.1f}x less CPU, "
          f"{max(r[2] for r in p)/max(r[2] for r in m):.1f}x less memory")
PY
echo "mlmon-lint phases (one run):"
"$bin" --config "$work/empty.yaml" --verbose "$work/rules10k.yaml" 2>&1 > /dev/null | grep '^time:' | sed 's/^/  /'
