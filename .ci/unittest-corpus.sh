#!/usr/bin/env bash
# `mlmon-lint test` against the real `promtool test rules` 3.5.3:
#   1. every command of ../shared/conformance/promtool-v3.5/EXPECTED.md (run inside that folder): the
#      exit status must be the one recorded there and the verdict (zero or not) promtool's;
#   2. every suite of ../shared/corpus/tests (commands from its MANIFEST.md, run from the suite folder):
#      the verdict must be promtool's, per suite and per test file;
#   3. the repository's own promtool-format test files (examples/ml-service/tests, tests/unittest).
# Also counts where the promtool-format text (stdout and stderr) is byte-identical, and prints the
# wall time of both tools per suite (one run each; BENCHMARKS.md has the repeated measurement).
#
# Environment: MLMON_SHARED (default ../shared), PROMTOOL (default: promtool on PATH, then
# $HOME/.cache/mlmon-ref/bin/promtool), MLMON_LINT (default target/release/mlmon-lint). Skips (exit 0) with a
# message when the shared folder or promtool is absent; exits 1 on any verdict difference.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared=${MLMON_SHARED:-$root/../shared}
if [[ ! -d $shared/corpus/tests || ! -d $shared/conformance/promtool-v3.5 ]]; then
  echo "SKIP unittest-corpus: $shared (MLMON_SHARED) with corpus/tests and conformance/promtool-v3.5 is absent"
  exit 0
fi
promtool=${PROMTOOL:-$(command -v promtool || true)}
[[ -z $promtool && -x $HOME/.cache/mlmon-ref/bin/promtool ]] && promtool=$HOME/.cache/mlmon-ref/bin/promtool
if [[ -z $promtool || ! -x $promtool ]]; then
  echo "SKIP unittest-corpus: promtool 3.5.3 not found (set PROMTOOL)"
  exit 0
fi
bin=${MLMON_LINT:-$root/target/release/mlmon-lint}
if [[ ! -x $bin ]]; then
  echo "unittest-corpus: $bin is missing; build it with cargo build --release (or set MLMON_LINT)"
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
same_text=0
cases=0

# run_both DIR ARGS... : runs both tools in DIR with ARGS (shell words, globs expanded in DIR);
# sets rc_p, rc_m, secs_p, secs_m, text_same.
run_both() {
  local dir=$1 args=$2 t0 t1
  t0=$(date +%s.%N)
  (cd "$dir" && eval "\"$promtool\" test rules $args" >"$tmp/p.out" 2>"$tmp/p.err"); rc_p=$?
  t1=$(date +%s.%N); secs_p=$(echo "$t1 - $t0" | bc)
  t0=$(date +%s.%N)
  (cd "$dir" && eval "\"$bin\" test --format promtool $args" >"$tmp/m.out" 2>"$tmp/m.err"); rc_m=$?
  t1=$(date +%s.%N); secs_m=$(echo "$t1 - $t0" | bc)
  text_same=0
  if cmp -s "$tmp/p.out" "$tmp/m.out" && cmp -s "$tmp/p.err" "$tmp/m.err"; then text_same=1; fi
  cases=$((cases + 1)); same_text=$((same_text + text_same))
}

verdict() { [[ $1 == 0 ]] && echo pass || echo fail; }

echo "== conformance/promtool-v3.5 (EXPECTED.md)"
conf=$shared/conformance/promtool-v3.5
agree=0; total=0
while IFS='|' read -r _ cmd code _; do
  cmd=$(echo "$cmd" | sed -E 's/^ *`test rules (.*)` *$/\1/')
  code=$(echo "$code" | tr -d ' ')
  run_both "$conf" "$cmd"
  total=$((total + 1))
  if [[ $rc_m == "$code" && $(verdict "$rc_m") == $(verdict "$rc_p") ]]; then
    agree=$((agree + 1)); status=ok
  else
    fail=1; status=DIFFERENT
  fi
  printf '%-9s %-55s expected %s, promtool %s, mlmon-lint %s, text %s\n' "$status" "$cmd" "$code" "$rc_p" "$rc_m" \
    "$([[ $text_same == 1 ]] && echo identical || echo differs)"
done < <(grep -E '^\| `test rules ' "$conf/EXPECTED.md")
echo "conformance: $agree of $total commands agree with promtool 3.5.3"

echo "== corpus/tests (MANIFEST.md)"
corpus=$shared/corpus/tests
sagree=0; stotal=0; fagree=0; ftotal=0
while IFS='|' read -r _ suite cmd _; do
  suite=$(echo "$suite" | tr -d ' ')
  args=$(echo "$cmd" | sed -E 's/^ *`promtool test rules (.*)` *$/\1/')
  run_both "$corpus/$suite" "$args"
  stotal=$((stotal + 1))
  if [[ $(verdict "$rc_m") == $(verdict "$rc_p") ]]; then sagree=$((sagree + 1)); status=ok; else fail=1; status=DIFFERENT; fi
  printf '%-9s %-30s promtool %s (%6.2fs), mlmon-lint %s (%6.2fs), text %s\n' "$status" "$suite" "$rc_p" "$secs_p" \
    "$rc_m" "$secs_m" "$([[ $text_same == 1 ]] && echo identical || echo differs)"
  # per test file verdicts
  for f in $(cd "$corpus/$suite" && eval "ls -d $args"); do
    (cd "$corpus/$suite" && "$promtool" test rules "$f" >/dev/null 2>&1); a=$?
    (cd "$corpus/$suite" && "$bin" test --format promtool "$f" >/dev/null 2>&1); b=$?
    ftotal=$((ftotal + 1))
    if [[ $(verdict "$a") == $(verdict "$b") ]]; then fagree=$((fagree + 1)); else fail=1; echo "DIFFERENT $suite/$f: promtool $a, mlmon-lint $b"; fi
  done
done < <(grep -E '^\| [a-z0-9-]+ \| `promtool test rules ' "$shared/corpus/MANIFEST.md")
echo "corpus: $sagree of $stotal suites and $fagree of $ftotal test files agree with promtool 3.5.3"

# The repository's own promtool-format test files (the example's threshold tests, the broken copy);
# tests/unittest/k8s reads PrometheusRule manifests and *.scenario.yml holds scenario tests, which
# promtool cannot read.
echo "== this repository's test files"
ragree=0; rtotal=0
for f in examples/ml-service/tests/*.yml tests/unittest/*.test.yml; do
  [[ $f == *.scenario.yml ]] && continue
  run_both "$root" "$f"
  rtotal=$((rtotal + 1))
  if [[ $(verdict "$rc_m") == $(verdict "$rc_p") ]]; then ragree=$((ragree + 1)); status=ok; else fail=1; status=DIFFERENT; fi
  printf '%-9s %-55s promtool %s, mlmon-lint %s, text %s\n' "$status" "$f" "$rc_p" "$rc_m" \
    "$([[ $text_same == 1 ]] && echo identical || echo differs)"
done
echo "repository: $ragree of $rtotal test files agree with promtool 3.5.3"
echo "promtool-format text byte-identical in $same_text of $cases runs"
exit $fail
