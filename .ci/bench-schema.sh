#!/usr/bin/env bash
# The schema benchmark (BENCHMARKS.md, section "schema"): fails when `check` on 10,000 rules with a
# 5,000-metric schema takes 2 s or more. Skips without the shared workload generator.
set -uo pipefail
cd "$(dirname "$0")/.."
shared=${MLMON_SHARED:-../shared}
if [[ ! -f $shared/bench/gen_workloads.py ]]; then
  echo "SKIP bench-schema: $shared/bench/gen_workloads.py is absent"
  exit 0
fi
MLMON_SHARED=$shared bash bench/schema.sh
