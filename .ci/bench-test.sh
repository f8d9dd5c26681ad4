#!/usr/bin/env bash
# Benchmark for BENCHMARKS.md, section "test": `mlmon-lint test` side by side with `promtool test rules`
# 3.5.3 on every suite of ../shared/corpus/tests (commands from its MANIFEST.md, run from the suite
# folder), on the unit-test workload of ../shared/bench/gen_workloads.py ("day": 1,000 counter series for
# 24 h at 15 s, a recording rule and an alert evaluated every minute) and on the engine benchmark's
# classic-histogram variant of it (examples/bench_engine.rs --write-promtool DIR histogram 1).
#
#   .ci/bench-test.sh [PROMTOOL] [RUNS]      (or PROMTOOL=...; RUNS defaults to 3; MLMON_SHARED, MLMON_LINT)
#
# Each command runs RUNS times per tool, interleaved (load from other processes hits both alike); the
# table gives the median wall time, median CPU time (user+system) and the largest peak RSS, and checks
# that both tools give the same verdict.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
shared=${MLMON_SHARED:-$repo/../shared}
promtool="${1:-${PROMTOOL:-$(command -v promtool || echo $HOME/.cache/mlmon-ref/bin/promtool)}}"
runs="${2:-3}"
bin=${MLMON_LINT:-$repo/target/release/mlmon-lint}
[[ -d $shared/corpus/tests ]] || { echo "SKIP bench-test: $shared/corpus/tests is absent"; exit 0; }
[[ -x $promtool ]] || { echo "SKIP bench-test: promtool not found"; exit 0; }
if [[ -z ${MLMON_LINT:-} ]]; then (cd "$repo" && cargo build --release -q) || exit 1; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$shared/bench/gen_workloads.py" "$work/bench" >/dev/null
if [[ -e $repo/examples/bench_engine.rs ]]; then
  (cd "$repo" && cargo build --release -q --example bench_engine &&
    target/release/examples/bench_engine --write-promtool "$work/histogram" histogram 1 >/dev/null) || exit 1
fi

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# measure DIR ARGS -> "wall cpu rss_mib rc" per tool
measure() {
  local dir=$1 args=$2 tool
  for tool in promtool mlmon; do : >"$work/$tool.times"; done
  for ((i = 0; i < runs; i++)); do
    for tool in promtool mlmon; do
      local cmd
      if [[ $tool == promtool ]]; then cmd="\"$promtool\" test rules $args"; else cmd="\"$bin\" test --format promtool $args"; fi
      (cd "$dir" && eval "/usr/bin/time -f '%e %U %S %M' -o \"$work/t\" $cmd" >/dev/null 2>&1; echo "$?" >"$work/rc")
      tail -1 "$work/t" | { read -r e u s m; echo "$e $(echo "$u + $s" | bc) $m $(cat "$work/rc")"; } >>"$work/$tool.times"
    done
  done
}

row() { # NAME DIR ARGS
  local name=$1
  measure "$2" "$3"
  local pw pc pm pr mw mc mm mr
  pw=$(awk '{print $1}' "$work/promtool.times" | median); pc=$(awk '{print $2}' "$work/promtool.times" | median)
  pm=$(awk '{print $3}' "$work/promtool.times" | sort -g | tail -1); pr=$(awk '{print $4}' "$work/promtool.times" | tail -1)
  mw=$(awk '{print $1}' "$work/mlmon.times" | median); mc=$(awk '{print $2}' "$work/mlmon.times" | median)
  mm=$(awk '{print $3}' "$work/mlmon.times" | sort -g | tail -1); mr=$(awk '{print $4}' "$work/mlmon.times" | tail -1)
  local verdict=same
  [[ $(( pr == 0 )) == $(( mr == 0 )) ]] || verdict=DIFFERENT
  awk -v n="$name" -v pw="$pw" -v pc="$pc" -v pm="$pm" -v mw="$mw" -v mc="$mc" -v mm="$mm" -v v="$verdict" 'BEGIN {
    d = mw < 0.01 ? 0.01 : mw
    printf "| %s | %.2f s | %.2f s | %d MiB | %.2f s | %.2f s | %d MiB | %s%.0fx | %s |\n", n, pw, pc, pm / 1024, mw, mc, mm / 1024, (mw < 0.01 ? ">" : ""), pw / d, v
  }'
}

echo "runs per tool: $runs; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| suite | promtool wall | promtool CPU | promtool RSS | mlmon-lint wall | mlmon-lint CPU | mlmon-lint RSS | speed-up (wall) | verdict |"
echo "|---|---|---|---|---|---|---|---|---|"
while IFS='|' read -r _ suite cmd _; do
  suite=$(echo "$suite" | tr -d ' ')
  args=$(echo "$cmd" | sed -E 's/^ *`promtool test rules (.*)` *$/\1/')
  row "$suite" "$shared/corpus/tests/$suite" "$args"
done < <(grep -E '^\| [a-z0-9-]+ \| `promtool test rules ' "$shared/corpus/MANIFEST.md")
row "day (gen_workloads.py)" "$work/bench/day" "test.yml"
[[ -d $work/histogram ]] && row "day, classic histograms (bench_engine)" "$work/histogram" "test.yml"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
