#!/usr/bin/env bash
# Fail if `nbdev-export` would change mmm_framework/ or `nbdev-clean` would change nbs/.
set -euo pipefail
cd "$(dirname "$0")/.."
snap() { find "$1" -type f \( -name '*.py' -o -name '*.ipynb' \) -not -path '*/.ipynb_checkpoints/*' -print0 | sort -z | xargs -0 sha256sum; }
before=$(snap mmm_framework)
.venv/bin/nbdev-export
after=$(snap mmm_framework)
if [ "$before" != "$after" ]; then
  echo "error: nbdev-export changed mmm_framework/ — the library was edited by hand or not exported." >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  echo "fix: edit the notebooks in nbs/, run 'make export', commit both." >&2
  exit 1
fi
before=$(snap nbs)
.venv/bin/nbdev-clean
after=$(snap nbs)
if [ "$before" != "$after" ]; then
  echo "error: nbdev-clean changed notebooks in nbs/ — they carry unclean metadata or outputs." >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  echo "fix: run 'make clean-nbs' (or .venv/bin/nbdev-clean) and commit." >&2
  exit 1
fi
echo "in sync: nbdev-export and nbdev-clean change nothing"
