#!/usr/bin/env bash
# Schema benchmark (BENCHMARKS.md, section "schema"): `mlmon-lint check` on the shared 10,000-rule
# workload with and without a 5,000-metric schema, best of 5 runs each, wall time.
#   bash bench/schema.sh            (needs ../shared/bench/gen_workloads.py and a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${MLMON_SHARED:-../shared}
bin=${MLMON_LINT:-target/release/mlmon-lint}
[[ -x $bin ]] || cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$shared/bench/gen_workloads.py" "$work" >/dev/null
python3 bench/gen_schema.py "$work/schema.yaml"
echo "rules: $(grep -c -E '^  - (record|alert):' "$work/rules10k.yml"), schema metrics: $(grep -c '^    type:' "$work/schema.yaml"), cores: $(nproc)"
best() { # best wall time of 5 runs, in seconds
  local b=999
  for _ in 1 2 3 4 5; do
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    e=$(date +%s.%N)
    b=$(python3 -c "print(min($b, $e - $s))")
  done
  printf '%.3f' "$b"
}
without=$(best "$bin" check "$work/rules10k.yml" --format json)
with=$(best "$bin" check "$work/rules10k.yml" --format json --schema "$work/schema.yaml")
"$bin" check "$work/rules10k.yml" --format json --schema "$work/schema.yaml" >"$work/out.json" || true
findings=$(python3 -c "import json,collections;d=json.load(open('$work/out.json'));print(dict(collections.Counter(f['code'] for f in d['diagnostics'] if f['code'].startswith('SCH'))))")
echo "check without schema: ${without} s"
echo "check with schema:    ${with} s   (schema findings: $findings)"
python3 -c "import sys; sys.exit(0 if $with < 2.0 else 1)" || { echo "FAIL: over 2 s"; exit 1; }
