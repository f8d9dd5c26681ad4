#!/usr/bin/env bash
# Differential check against the real promtool 3.5.3: random well-typed expressions over random series,
# evaluated by mlmon-lint's engine and by promtool (as promql_expr_test expectations, compared exactly).
# Fixed seeds, a few hundred cases each; fails on any disagreement. Skips when promtool is absent.
set -uo pipefail
cd "$(dirname "$0")/.."
promtool=${PROMTOOL:-}
if [[ -z $promtool ]]; then
  for p in "$HOME/.cache/mlmon-ref/bin/promtool" /work/ref/prom/bin/promtool; do
    [[ -x $p ]] && promtool=$p && break
  done
fi
if [[ -z $promtool || ! -x $promtool ]]; then
  echo "SKIP: promtool is not installed (set PROMTOOL)"
  exit 0
fi
cargo build --release --quiet --example differential || exit 1
status=0
for seed in 1 2 3; do
  target/release/examples/differential --seed "$seed" --cases 300 --promtool "$promtool" || status=1
done
exit $status
