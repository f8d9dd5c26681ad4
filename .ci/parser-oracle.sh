#!/usr/bin/env bash
# Regenerates tests/data/promql_promtool.jsonl from the reference promtool 3.5.3: the verdicts
# (printed expression or error) that tests/promql_oracle.rs holds our parser to.
# Usage: .ci/parser-oracle.sh [EXTRA_EXPRS.txt]   (one expression per line to add)
set -euo pipefail
cd "$(dirname "$0")/.."
PROMTOOL=${PROMTOOL:-$HOME/.cache/mlmon-ref/bin/promtool}
if [ ! -x "$PROMTOOL" ]; then
  echo "parser-oracle: no promtool at $PROMTOOL (set PROMTOOL); skipping"
  exit 0
fi
"$PROMTOOL" --version 2>&1 | head -n 1
cargo build -q --example parser_oracle
./target/debug/examples/parser_oracle "$PROMTOOL" tests/data/promql_promtool.jsonl "$@"
