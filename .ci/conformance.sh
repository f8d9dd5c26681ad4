#!/usr/bin/env bash
# Prometheus 3.5's own promqltest data through `mlmon-lint promqltest`.
# Fails when the number of passing evals drops below the floor recorded in CONFORMANCE.md, or when any
# eval fails (an eval we cannot do must be skipped with its reason, never answered wrongly).
# Also reports, without a floor, how the data of Prometheus's main branch fares.
set -uo pipefail
cd "$(dirname "$0")/.."
shared=${MLMON_SHARED:-../shared}
v35=$shared/conformance/promqltest-v3.5
main=$shared/conformance/promqltest-main
if [[ ! -d $v35 ]]; then
  echo "SKIP: $v35 is absent"
  exit 0
fi
bin=${MLMON_LINT:-}
if [[ -z $bin ]]; then
  cargo build --release --quiet || exit 1
  bin=target/release/mlmon-lint
fi
floor=$(sed -n 's/^Floor: \([0-9]*\) passing evals.*/\1/p' CONFORMANCE.md)
if [[ -z $floor ]]; then
  echo "CONFORMANCE.md has no 'Floor: N passing evals' line"
  exit 1
fi

run() { # run DIR -> per-file lines, failures, summary
  local dir=$1
  for f in "$dir"/*.test; do
    "$bin" promqltest --verbose "$f" | grep -E '^[^ ]+\.test: [0-9]+ of [0-9]+ evals pass' | sed "s|^$dir/||"
  done
  "$bin" promqltest --verbose "$dir"/*.test > /tmp/mlmon-conformance.$$ 2>&1
  grep -E '^skipped: ' /tmp/mlmon-conformance.$$
  tail -n 1 /tmp/mlmon-conformance.$$
}

echo "== promqltest-v3.5"
run "$v35"
summary=$(tail -n 1 /tmp/mlmon-conformance.$$)
grep -vE '^(skipped|promqltest)' /tmp/mlmon-conformance.$$ | grep -vE '\.test: [0-9]+ of ' | grep -v 'skipped (' | head -50
read -r pass total skipped < <(echo "$summary" | sed -n 's/^promqltest: \([0-9]*\) of \([0-9]*\) evals pass, \([0-9]*\) skipped$/\1 \2 \3/p')
rm -f /tmp/mlmon-conformance.$$
if [[ -z ${pass:-} ]]; then
  echo "could not read the summary line: $summary"
  exit 1
fi
failed=$(( total - pass - skipped ))
counted=$(( total - skipped ))
echo "v3.5: $pass of $counted evals that we evaluate pass ($failed failed), $skipped skipped; floor $floor"
status=0
if (( pass < floor )); then
  echo "FAIL: $pass passing evals is below the recorded floor of $floor"
  status=1
fi
if (( failed > 0 )); then
  echo "FAIL: $failed evals failed"
  status=1
fi

if [[ -d $main ]]; then
  echo "== promqltest-main (report only, no floor)"
  run "$main" | grep -vE '^skipped: '
  rm -f /tmp/mlmon-conformance.$$
fi
exit $status
