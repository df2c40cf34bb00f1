#!/usr/bin/env bash
# Build .venv from uv.lock: find Python 3.12, get uv, `uv sync --frozen`.
# Idempotent: a stamp keyed on uv.lock + pyproject.toml makes a second run instant.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  if [ -n "${MMM_PYTHON:-}" ]; then echo "$MMM_PYTHON"; return; fi
  # python3.12 on PATH (a pyenv shim only counts if it actually runs)
  if command -v python3.12 >/dev/null 2>&1 && python3.12 -c 'import sys' >/dev/null 2>&1; then
    command -v python3.12; return
  fi
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  if command -v pyenv >/dev/null 2>&1; then root="$(pyenv root)"; fi
  local cand
  cand=$(ls -d "$root"/versions/3.12*/bin/python3.12 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$cand" ] && "$cand" -c 'import sys' >/dev/null 2>&1; then echo "$cand"; return; fi
  return 1
}

PY=$(find_python) || {
  cat >&2 <<'MSG'
error: Python 3.12 is required and was not found.
  Looked for: $MMM_PYTHON, `python3.12` on PATH, pyenv's versions/3.12*.
  Install it with one of:
    pyenv install 3.12        (then re-run make)
    apt-get install python3.12 python3.12-venv   (Debian/Ubuntu with 3.12 packages)
    uv python install 3.12    (if you already have uv)
  or point MMM_PYTHON at a python3.12 binary.
MSG
  exit 1
}

# uv: on PATH, else a small tool venv in .tools/
if command -v uv >/dev/null 2>&1; then
  UV=$(command -v uv)
else
  UV=.tools/bin/uv
  if [ ! -x "$UV" ]; then
    echo "bootstrap: installing uv into .tools/ (one-off)"
    "$PY" -m venv .tools
    .tools/bin/python -m pip install --quiet --disable-pip-version-check uv
  fi
fi

stamp=.venv/.mmm-installed
want=$(cat uv.lock pyproject.toml | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/python ]; then
  exit 0
fi
echo "bootstrap: building .venv from uv.lock with $PY"
"$UV" sync --frozen --compile-bytecode --python "$PY"
echo "$want" > "$stamp"
