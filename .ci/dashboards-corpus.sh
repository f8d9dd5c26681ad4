#!/usr/bin/env bash
# Lints every Grafana dashboard of the shared corpus with the release binary and checks that
#   - every dashboard loads (no input error, exit 2 never),
#   - the Prometheus targets and variable queries found and parsed stay at or above the recorded
#     floors (BASELINE-promtool-3.5.md: 8005 panel targets; 5 annotation queries come on top),
#   - every query that does not parse is one of the genuinely invalid ones reviewed in
#     docs/corpus-review.md ("Dashboards"), listed in .ci/dashboards-corpus.unparsable,
#   - every finding has a line and a column.
# Per-file counts (found/parsed) are written to $OUT (default: target/dashboards-corpus.tsv).
#
#   MLMON_LINT=target/release/mlmon-lint MLMON_SHARED=../shared .ci/dashboards-corpus.sh
#
# Skips (exit 0, with a message) when the corpus or the binary is absent.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
shared="${MLMON_SHARED:-$repo/../shared}"
corpus="$shared/corpus"
bin="${MLMON_LINT:-}"

# Floors: raise them when more is found and parsed, never lower them without a reviewed reason.
FLOOR_DASHBOARDS=315
FLOOR_TARGETS_FOUND=8010
FLOOR_TARGETS_PARSED=8010
FLOOR_VARIABLE_QUERIES_FOUND=930
FLOOR_VARIABLE_QUERIES_PARSED=927

if [ ! -d "$corpus/dashboards" ]; then
  echo "dashboards-corpus: SKIP: no dashboard corpus at $corpus/dashboards (set MLMON_SHARED)"
  exit 0
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "dashboards-corpus: SKIP: set MLMON_LINT to the release binary (cargo build --release; MLMON_LINT=target/release/mlmon-lint)"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
: > "$work/empty.yaml"
mkdir -p "$repo/target"
out="${OUT:-$repo/target/dashboards-corpus.tsv}"

start=$(date +%s.%N)
status=0
(cd "$corpus" && "$bin" --config "$work/empty.yaml" --format json dashboards > "$work/report.json" 2> "$work/stderr") || status=$?
end=$(date +%s.%N)
if [ "$status" -ge 2 ]; then
  echo "dashboards-corpus: FAIL: exit $status"
  cat "$work/stderr"
  exit 1
fi

python3 - "$work/report.json" "$repo/.ci/dashboards-corpus.unparsable" "$out" "$start" "$end" \
  "$FLOOR_DASHBOARDS" "$FLOOR_TARGETS_FOUND" "$FLOOR_TARGETS_PARSED" "$FLOOR_VARIABLE_QUERIES_FOUND" "$FLOOR_VARIABLE_QUERIES_PARSED" <<'PY'
import collections, json, sys
report, allowed_path, out_path, start, end = sys.argv[1:6]
seconds = float(end) - float(start)
floors = [int(x) for x in sys.argv[6:11]]
r = json.load(open(report))
problems = []
for e in r["input_errors"]:
    problems.append(f"does not load: {e['file']}:{e['line']}:{e['column']}: {e['message']}")
dash = r["dashboards"]
found = sum(d["targets"]["found"] for d in dash)
parsed = sum(d["targets"]["parsed"] for d in dash)
vfound = sum(d["variable_queries"]["found"] for d in dash)
vparsed = sum(d["variable_queries"]["parsed"] for d in dash)
skipped = collections.Counter()
for d in dash:
    skipped.update(d["skipped"])
for name, value, floor in [
    ("dashboards", len(dash), floors[0]),
    ("targets found", found, floors[1]),
    ("targets parsed", parsed, floors[2]),
    ("variable queries found", vfound, floors[3]),
    ("variable queries parsed", vparsed, floors[4]),
]:
    if value < floor:
        problems.append(f"{name}: {value}, below the floor {floor}")
allowed = set()
for line in open(allowed_path):
    line = line.split("#", 1)[0].strip()
    if line:
        allowed.add(line)
seen = set()
for d in dash:
    for u in d["unparsable"]:
        key = f"{d['file']}:{u['line']}:{u['column']}"
        seen.add(key)
        if key not in allowed:
            problems.append(f"unparsable and not reviewed: {key}: {u['message']}")
for key in sorted(allowed - seen):
    problems.append(f"listed as unparsable but parses now (update the list and docs/corpus-review.md): {key}")
missing = [d for d in r["diagnostics"] if not d.get("line") or not d.get("column")]
if missing:
    problems.append(f"{len(missing)} findings without line/column, e.g. {missing[0]}")
with open(out_path, "w") as f:
    f.write("file\tdashboard\ttargets_found\ttargets_parsed\tvariable_queries_found\tvariable_queries_parsed\tskipped\n")
    for d in dash:
        f.write(f"{d['file']}\t{d['dashboard']}\t{d['targets']['found']}\t{d['targets']['parsed']}\t"
                f"{d['variable_queries']['found']}\t{d['variable_queries']['parsed']}\t"
                f"{','.join(f'{k}={v}' for k, v in sorted(d['skipped'].items()))}\n")
codes = collections.Counter(d["code"] for d in r["diagnostics"])
print(f"dashboards-corpus: {len(dash)} dashboards in {r['summary']['files']} files, {seconds:.2f} s; "
      f"targets {parsed}/{found} parsed, variable queries {vparsed}/{vfound} parsed; "
      f"not PromQL (skipped): {dict(skipped)}; {len(r['input_errors'])} input errors")
print(f"dashboards-corpus: findings by code: {dict(sorted(codes.items()))}")
print(f"dashboards-corpus: per-file counts in {out_path}")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
