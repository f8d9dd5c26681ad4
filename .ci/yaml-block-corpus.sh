#!/usr/bin/env bash
# The direct reader of plain block YAML (src/source/yaml_block.rs) against the event parser, on every
# YAML file of the shared corpus and every piece a large rule file is cut into: same trees, and nothing
# read that the event parser refuses. Skips when the corpus is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${MLMON_SHARED:-$PWD/../shared}/corpus"
if [[ ! -d $corpus ]]; then
  echo "SKIP: $corpus is absent"
  exit 0
fi
MLMON_YAML_CORPUS="$corpus" cargo test --lib -q yaml_block::corpus -- --ignored --nocapture
