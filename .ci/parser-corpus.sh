#!/usr/bin/env bash
# Parses every `eval` expression of the promqltest conformance files with mlmon-lint's PromQL
# parser (upstream test-runner options: experimental functions and duration expressions on).
# Fails if a 3.5.3 expression does not parse: 3.5's runner parses them all at load time.
#
# With --promtool, also compares accept/reject (and the error text) of every expression in the
# v3.5 and main test sets with the reference promtool 3.5.3 (`promtool promql format`), which
# shows that syntax newer than 3.5 in the main set is refused exactly as 3.5 refuses it.
# Needs ../shared or $MLMON_SHARED (skipped with a message when absent).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${MLMON_SHARED:-../shared}
if [ ! -d "$SHARED/conformance" ]; then
  echo "parser-corpus: SKIP: $SHARED/conformance is absent (set MLMON_SHARED)"
  exit 0
fi
cargo build -q --example parser_corpus --example promql_parse
out=$(./target/debug/examples/parser_corpus "$SHARED/conformance/promqltest-v3.5")
echo "$out"
if grep -q '^NOT PARSED' <<<"$out"; then
  echo "parser-corpus: FAIL (3.5.3 conformance expressions that do not parse)"
  exit 1
fi
echo "== promqltest-main (post-3.5 syntax is expected to be refused)"
./target/debug/examples/parser_corpus "$SHARED/conformance/promqltest-main" | grep '^total' || true

if [ "${1:-}" = "--promtool" ]; then
  PROMTOOL=${PROMTOOL:-$HOME/.cache/mlmon-ref/bin/promtool}
  [ -x "$PROMTOOL" ] || { echo "parser-corpus: no promtool at $PROMTOOL"; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  ./target/debug/examples/parser_corpus --list "$SHARED/conformance/promqltest-v3.5" \
    "$SHARED/conformance/promqltest-main" | cut -f1 | sort -u >"$tmp/exprs"
  ./target/debug/examples/promql_parse --experimental <"$tmp/exprs" >"$tmp/ours"
  n=0; bad=0
  while IFS= read -r e && IFS= read -r o <&3; do
    n=$((n + 1))
    if want=$("$PROMTOOL" --experimental --enable-feature=promql-experimental-functions promql format -- "$e" 2>&1); then
      [[ "$o" == OK* ]] && continue
      want="OK"
    else
      want="ERR	$(tail -n 1 <<<"$want")"
      [ "$o" = "$want" ] && continue
    fi
    bad=$((bad + 1))
    printf 'DIFFERS: %s\n  promtool: %s\n  ours:     %s\n' "$e" "$want" "$o"
  done <"$tmp/exprs" 3<"$tmp/ours"
  echo "promtool comparison: $((n - bad))/$n expressions agree (accept/reject and error text)"
  [ "$bad" -eq 0 ]
fi
