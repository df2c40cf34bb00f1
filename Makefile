# mmm_framework — two commands: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
# Keep PyTensor/Numba's compile cache inside the repo so repeated runs are warm.
export PYTENSOR_FLAGS ?= base_compiledir=$(CURDIR)/.cache/pytensor
export MPLBACKEND ?= Agg

.PHONY: help install demo app test fast-test check-sync nbdev-test pytest tutorial-copies lab export clean-nbs bench-load bench-jobs

help:
	@echo "make demo       set up if needed, run the demo on the bundled data, write out/"
	@echo "make test       set up if needed, run the whole suite (sync checks, nbdev-test, pytest)"
	@echo "make fast-test  the same without tests marked slow"
	@echo "make lab        JupyterLab on nbs/"
	@echo "make app        the workbench as a web app (Voila) on http://127.0.0.1:8866"
	@echo "make install    build .venv from uv.lock (idempotent)"
	@echo "make export     notebooks -> mmm_framework/ (nbdev-export) and clean notebooks"

install:
	@bash scripts/bootstrap.sh

demo: install
	@mkdir -p out
	$(BIN)/python scripts/demo.py --out out

check-sync: install
	@bash scripts/check_in_sync.sh

# Tutorials are executed once, under nbval (see pytest below), not here as well.
nbdev-test: install
	$(BIN)/nbdev-test --n-workers 2 --flags slow --skip-folder-re '^([_.]|tutorials$$)'

# Tutorials run under nbval from output-free copies: nbdev-clean drops execution counts, which nbval
# would read as "unrun cells with outputs"; the tutorials' checks are their own assert cells.
NBVAL_DIR := .cache/nbval
tutorial-copies: install
	@rm -rf $(NBVAL_DIR) && mkdir -p $(NBVAL_DIR)
	@$(BIN)/python scripts/nbval_copies.py $(NBVAL_DIR) nbs/tutorials/*.ipynb

# Tutorials that fit models read IN_TEST (as under nbdev-test) and sample briefly; their checks hold either way.
# --durations lists the slowest tests in the log. (Two pytest-xdist workers were tried: 18:56 vs 20:39 on 2 cores,
# since nutpie already samples chains in parallel, and a browser test timed out under the contention.)
pytest: tutorial-copies
	$(BIN)/python -m pytest -q --durations=15 tests
	IN_TEST=1 $(BIN)/python -m pytest -q $(NBVAL_DIR) --nbval-lax

test: check-sync nbdev-test pytest

fast-test: check-sync tutorial-copies
	$(BIN)/nbdev-test --n-workers 2 --skip-folder-re '^([_.]|tutorials$$)'
	$(BIN)/python -m pytest -q -m "not slow" tests
	IN_TEST=1 $(BIN)/python -m pytest -q $(NBVAL_DIR) --nbval-lax

lab: install
	$(BIN)/jupyter lab nbs/

# The workbench served by Voila on localhost, with our template (no CDN stylesheets): set MMM_DATA / MMM_MFF_CONFIG to preload.
app: install
	MMM_OUT=$${MMM_OUT:-$(CURDIR)/out} JUPYTER_PATH=$(CURDIR)/mmm_framework/share $(BIN)/voila mmm_framework/share/apps/workbench.ipynb --template=mmm --Voila.ip=127.0.0.1 --port=8866 --no-browser

export: install
	$(BIN)/nbdev-export && $(BIN)/nbdev-clean

clean-nbs: install
	$(BIN)/nbdev-clean

bench-load: install
	$(BIN)/python benchmarks/bench_load_mff.py

bench-jobs: install
	$(BIN)/python benchmarks/bench_jobs.py
