#!/usr/bin/env bash
# Runs `mlmon-lint test` with promtool's command line, for scripts written for promtool 3.5:
#   promtool-shim.sh [--enable-feature=F]... test [--junit=FILE] rules [--run=RE]... [flags] FILE...
# Output is promtool's text only (--format promtool). MLMON_LINT names the binary (default: on PATH).
set -u
bin=${MLMON_LINT:-mlmon-lint}
args=()
while [[ $# -gt 0 && $1 != test ]]; do args+=("$1"); shift; done
[[ $# -gt 0 ]] && shift
while [[ $# -gt 0 && $1 != rules ]]; do args+=("$1"); shift; done
[[ $# -gt 0 ]] && shift
exec "$bin" test --format promtool "${args[@]}" "$@"
