#!/usr/bin/env bash
# Fail if `nbdev-export` would change mmm_framework/ or `nbdev-clean` would change nbs/.
set -euo pipefail
cd "$(dirname "$0")/.."
snap() { find "$1" -type f \( -name '*.py' -o -name '*.ipynb' \) -not -path '*/.ipynb_checkpoints/*' -print0 | sort -z | xargs -0 sha256sum; }

# check DIR COMMAND PROBLEM FIX: run COMMAND and fail if it changed any file under DIR
check() {
  local before after
  before=$(snap "$1")
  "$2"
  after=$(snap "$1")
  if [ "$before" != "$after" ]; then
    echo "error: $2 changed $1/ — $3" >&2
    diff <(echo "$before") <(echo "$after") >&2 || true
    echo "fix: $4" >&2
    exit 1
  fi
}
check mmm_framework .venv/bin/nbdev-export "the library was edited by hand or not exported." \
  "edit the notebooks in nbs/, run 'make export', commit both."
check nbs .venv/bin/nbdev-clean "notebooks carry unclean metadata or execution counts." \
  "run 'make export' (or .venv/bin/nbdev-clean) and commit."
echo "in sync: nbdev-export and nbdev-clean change nothing"
# Stored outputs are published content: keep notebooks small (widget state, whole posteriors and plotly bundles do not belong).
big=$(find nbs -name '*.ipynb' -size +1M -not -path '*/.ipynb_checkpoints/*')
if [ -n "$big" ]; then
  echo "error: notebooks over 1 MB: $big" >&2
  echo "fix: re-run them with 'jupyter nbconvert --execute --inplace --ExecutePreprocessor.store_widget_state=False', keep outputs to summaries" >&2
  exit 1
fi
