#!/usr/bin/env bash
# Compares mlmon-lint with `promtool check rules` (3.5.3) file by file on the shared rule corpus:
# every file must load (no input error), both tools must agree on valid/invalid, and every finding
# must carry a line and a column.
#
#   .ci/corpus-check-rules.sh [PROMTOOL]      (or PROMTOOL=/path/to/promtool)
#
# "Invalid" for mlmon-lint means a finding of category `invalid` (or an input error); for promtool a
# non-zero exit. PrometheusRule manifests are compared by giving promtool their `spec` (extracted with
# python3 + PyYAML). Skips, with a message, when the corpus or promtool is absent.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
shared="${MLMON_SHARED:-$repo/../shared}"
corpus="$shared/corpus"
promtool="${1:-${PROMTOOL:-$(command -v promtool || true)}}"

if [ ! -d "$corpus/rules" ] || [ ! -d "$corpus/rules-k8s" ]; then
  echo "corpus-check-rules: SKIP: no rule corpus at $corpus"
  exit 0
fi
if [ -z "$promtool" ] || [ ! -x "$promtool" ]; then
  echo "corpus-check-rules: SKIP: no promtool (give its path as argument or in \$PROMTOOL)"
  exit 0
fi

cd "$repo"
cargo build -q
bin="$repo/target/debug/mlmon-lint"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
: > "$work/empty.yaml"

# mlmon-lint: one run over everything (default settings), verdict per file
(cd "$corpus" && "$bin" --config "$work/empty.yaml" --format json rules rules-k8s > "$work/mlmon.json" 2> "$work/mlmon.err") || true

# promtool: one run per file; manifests get their spec
have_pyyaml=1
python3 -c 'import yaml' 2>/dev/null || have_pyyaml=0
: > "$work/promtool.tsv"
while IFS= read -r f; do
  if (cd "$corpus" && "$promtool" check rules "$f" > /dev/null 2>&1); then v=valid; else v=invalid; fi
  printf '%s\t%s\n' "$f" "$v" >> "$work/promtool.tsv"
done < <(cd "$corpus" && find rules -type f \( -name '*.yaml' -o -name '*.yml' \) | sort)
if [ "$have_pyyaml" = 1 ]; then
  while IFS= read -r f; do
    spec="$work/spec-$(echo "$f" | tr '/' '_')"
    python3 - "$corpus/$f" "$spec" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if isinstance(d, dict) and d.get("kind") == "PrometheusRule"]
with open(sys.argv[2], "w") as out:
    yaml.safe_dump(docs[0]["spec"] if docs else {}, out, sort_keys=False, allow_unicode=True)
PY
    if "$promtool" check rules "$spec" > /dev/null 2>&1; then v=valid; else v=invalid; fi
    printf '%s\t%s\n' "$f" "$v" >> "$work/promtool.tsv"
  done < <(cd "$corpus" && find rules-k8s -type f \( -name '*.yaml' -o -name '*.yml' \) | sort)
else
  echo "corpus-check-rules: note: python3 PyYAML missing, rules-k8s compared by mlmon-lint loading only"
fi

python3 - "$work/mlmon.json" "$work/promtool.tsv" "$corpus" <<'PY'
import json, os, sys
out = json.load(open(sys.argv[1]))
promtool = dict(line.rstrip("\n").split("\t") for line in open(sys.argv[2]))
corpus = sys.argv[3]
files = sorted(
    os.path.relpath(os.path.join(d, f), corpus)
    for top in ("rules", "rules-k8s")
    for d, _, fs in os.walk(os.path.join(corpus, top))
    for f in fs if f.endswith((".yaml", ".yml"))
)
invalid = {d["file"] for d in out["diagnostics"] if d["category"] == "invalid"}
errors = {e["file"] for e in out["input_errors"]}
missing_pos = [d for d in out["diagnostics"] if not d.get("line") or not d.get("column")]
agree = disagree = 0
problems = []
for f in files:
    ours = "invalid" if (f in invalid or f in errors) else "valid"
    if f in errors:
        problems.append(f"does not load: {f}")
    theirs = promtool.get(f)
    if theirs is None:
        continue
    if ours == theirs:
        agree += 1
    else:
        disagree += 1
        problems.append(f"disagree: {f}: mlmon-lint {ours}, promtool {theirs}")
n_invalid = sum(1 for f in files if f in invalid or f in errors)
print(f"corpus-check-rules: {len(files)} files, {out['summary']['rules']} rules; "
      f"agree with promtool on {agree}/{agree + disagree} ({n_invalid} invalid); "
      f"{len(out['diagnostics'])} findings, {len(missing_pos)} without line/column")
for p in problems:
    print("  " + p)
if missing_pos:
    print("  findings without position:", missing_pos[:5])
sys.exit(1 if problems or missing_pos or len(files) == 0 else 0)
PY
