#!/usr/bin/env bash
# Schema checks against real exporters, with no false positives allowed.
#
# Starts prometheus-node-exporter and Prometheus itself on loopback ports, scrapes both with
# `mlmon-lint schema import http://...`, and lints the corpus rules written for them (node-exporter
# and Prometheus self-monitoring alerts) against the two schemas. Every schema finding must be
# listed in .ci/schema-corpus.reviewed (each one explained in docs/corpus-review.md): a finding not
# listed fails the run. A reviewed finding that no longer appears is printed, not failed (some
# node-exporter collectors depend on the host's hardware).
#
# Needs: $MLMON_LINT, $NODE_EXPORTER, $PROMETHEUS, $MLMON_SHARED (skips with a message otherwise).
# Rerun by hand: NODE_EXPORTER=... PROMETHEUS=... MLMON_SHARED=../shared MLMON_LINT=target/release/mlmon-lint bash .ci/schema-corpus.sh
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

for v in MLMON_LINT NODE_EXPORTER PROMETHEUS MLMON_SHARED; do
  if [[ -z ${!v:-} || ! -e ${!v} ]]; then
    echo "SKIP schema-corpus: \$$v is not set or does not exist"
    exit 0
  fi
done
corpus=$MLMON_SHARED/corpus/rules
# Each run lints files that are deployed together. The node-exporter compatibility files come in
# alternatives (old names to new, new names to old) that are never loaded together: one run each.
runs=(
  "prometheus__node_exporter/example-rules.yml"
  "prometheus__node_exporter/docs/example-16-compatibility-rules.yml"
  "prometheus__node_exporter/docs/example-16-compatibility-rules-new-to-old.yml"
  "prometheus__node_exporter/docs/example-17-compatibility-rules.yml"
  "prometheus__node_exporter/docs/example-17-compatibility-rules-new-to-old.yml"
  "monitoring-mixins__website/assets/node-exporter/alerts.yaml monitoring-mixins__website/assets/node-exporter/rules.yaml"
  "samber__awesome-prometheus-alerts/dist/rules/host-and-hardware/node-exporter.yml"
  "monitoring-mixins__website/assets/prometheus/alerts.yaml"
  "samber__awesome-prometheus-alerts/dist/rules/prometheus-self-monitoring/embedded-exporter.yml"
)
for run in "${runs[@]}"; do
  for f in $run; do
    [[ -e $corpus/$f ]] || { echo "SKIP schema-corpus: $corpus/$f is absent"; exit 0; }
  done
done

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
node_port=$(free_port)
prom_port=$(free_port)
dead_port=$(free_port) # nothing listens: alert notifications and remote write fail, as their metrics need

cat > "$work/always.yml" <<'EOF'
groups:
  - name: exercise
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
      - record: job:up:sum
        expr: sum by (job) (up)
EOF
cat > "$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [$work/always.yml]
alerting:
  alertmanagers: [{static_configs: [{targets: ['127.0.0.1:$dead_port']}]}]
remote_write: [{url: 'http://127.0.0.1:$dead_port/api/v1/write'}]
scrape_configs:
  - job_name: http-sd # registers the refresh-based service discovery metrics
    http_sd_configs: [{url: 'http://127.0.0.1:$dead_port/sd', refresh_interval: 1s}]
  - job_name: prometheus
    static_configs: [{targets: ['127.0.0.1:$prom_port']}]
  - job_name: node
    static_configs: [{targets: ['127.0.0.1:$node_port']}]
EOF

"$NODE_EXPORTER" --web.listen-address="127.0.0.1:$node_port" >"$work/node.log" 2>&1 &
pids+=($!)
"$PROMETHEUS" --config.file="$work/prometheus.yml" --web.listen-address="127.0.0.1:$prom_port" \
  --storage.tsdb.path="$work/data" >"$work/prometheus.log" 2>&1 &
pids+=($!)

ready=0
for _ in $(seq 1 60); do
  if curl -sf "http://127.0.0.1:$prom_port/-/ready" >/dev/null && curl -sf "http://127.0.0.1:$node_port/metrics" >/dev/null; then
    ready=1
    break
  fi
  sleep 0.5
done
if (( !ready )); then
  echo "FAIL: the exporters did not start"; tail -5 "$work/node.log" "$work/prometheus.log"; exit 1
fi
# Wait until scrapes, rule evaluations, failed notifications, remote writes and service discovery
# refreshes have registered their metrics (some appear only after a second scrape or a failure).
markers=(prometheus_target_interval_length_seconds prometheus_notifications_errors_total
  prometheus_remote_storage_samples_failed_total prometheus_sd_refresh_failures_total
  prometheus_rule_evaluations_total)
for _ in $(seq 1 60); do
  page=$(curl -sf "http://127.0.0.1:$prom_port/metrics") || page=
  missing=0
  for m in "${markers[@]}"; do
    grep -q "^$m" <<<"$page" || missing=1
  done
  (( missing )) || break
  sleep 0.5
done
sleep 2

"$MLMON_LINT" schema import "http://127.0.0.1:$node_port/metrics" -o "$work/node-exporter.yaml" || exit 1
"$MLMON_LINT" schema import "http://127.0.0.1:$prom_port/metrics" -o "$work/prometheus.yaml" || exit 1
echo "node-exporter: $(grep -c '^    type:' "$work/node-exporter.yaml") metrics; prometheus: $(grep -c '^    type:' "$work/prometheus.yaml") metrics"

cd "$corpus"
: >"$work/found"
for run in "${runs[@]}"; do
  # shellcheck disable=SC2086 # a run is a space-separated list of paths
  "$MLMON_LINT" check $run --schema "$work/node-exporter.yaml" --schema "$work/prometheus.yaml" \
    --format json >"$work/out.json"
  if (( $? == 2 )); then
    echo "FAIL: mlmon-lint could not read $run"; exit 1
  fi
  # file:line:code: message of every schema finding, with the temporary schema paths made stable
  python3 - "$work/out.json" "$work/" >>"$work/found" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["diagnostics"]:
    if f["code"].startswith("SCH"):
        print(f'{f["file"]}:{f["line"]}:{f["code"]}: {f["message"]}'.replace(sys.argv[2], ""))
EOF
done
cd "$root"
sort -u "$work/found" -o "$work/found"
reviewed=.ci/schema-corpus.reviewed
grep -v '^#' "$reviewed" | grep -v '^$' | sort -u >"$work/reviewed"
new=$(comm -23 "$work/found" "$work/reviewed")
gone=$(comm -13 "$work/found" "$work/reviewed")
echo "schema findings: $(wc -l <"$work/found") ($(wc -l <"$work/reviewed") reviewed)"
if [[ -n $gone ]]; then
  echo "reviewed findings not seen on this host (collectors or versions differ):"
  echo "$gone" | sed 's/^/  /'
fi
if [[ -n $new ]]; then
  echo "FAIL: findings not reviewed in docs/corpus-review.md (.ci/schema-corpus.reviewed):"
  echo "$new" | sed 's/^/  /'
  exit 1
fi
echo "schema-corpus: ok"
