#!/usr/bin/env bash
# The promtool probes of ../shared/docs/promtool-probes (promtool-semantics.md) run against
# `mlmon-lint test` through .ci/promtool-shim.sh: stdout, stderr and exit status must be byte-identical
# to promtool 3.5.3's recorded output, except for the probes listed below, which differ by design or by a
# known gap (each with its reason). Fails when any other probe differs, or when a listed one starts to
# pass (so the list stays true).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared=${MLMON_SHARED:-$root/../shared}
probes=$shared/docs/promtool-probes
if [[ ! -x $probes/run.sh ]]; then
  echo "SKIP unittest-probes: $probes/run.sh is absent (MLMON_SHARED)"
  exit 0
fi
export MLMON_LINT=${MLMON_LINT:-$root/target/release/mlmon-lint}
declare -A known=(
  [P04a]="usage error: exit 2 and mlmon-lint's message (promtool: 1, kingpin's text)"
  [P04b]="usage error: exit 2 and clap's message"
  [P04c]="usage error: exit 2 and mlmon-lint's message"
  [P04d]="usage error: exit 2 and clap's message"
  [P04e]="usage error: exit 2 and mlmon-lint's message"
  [P06g]="invalid --run regex: exit 2 with a message (promtool panics)"
  [P07a]="JUnit: mlmon-lint's report (readable diffs, message, time, classname)"
  [P07b]="JUnit: mlmon-lint's report"
  [P21]="native histogram functions are not supported by the engine"
)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$probes/run.sh" "$root/.ci/promtool-shim.sh" "$out/res" >"$out/log" 2>&1
fail=0
ok=0
while read -r status id; do
  if [[ $status == ok ]]; then
    if [[ -n ${known[$id]:-} ]]; then
      echo "NOW PASSES $id (remove it from the known list: ${known[$id]})"; fail=1
    else
      ok=$((ok + 1))
    fi
  elif [[ $status == FAIL ]]; then
    if [[ -n ${known[$id]:-} ]]; then
      echo "known     $id: ${known[$id]}"
    else
      echo "FAIL      $id"; fail=1
      awk -v id="$id" '$0 ~ "^FAIL "id"$" {p=1; next} /^(ok|FAIL) / {p=0} p' "$out/log"
    fi
  fi
done < <(grep -E '^(ok|FAIL) ' "$out/log")
echo "unittest-probes: $ok probes byte-identical to promtool 3.5.3, ${#known[@]} known differences"
exit $fail
