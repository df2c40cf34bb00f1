# mmm_framework — two commands: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
# Keep PyTensor/Numba's compile cache inside the repo so repeated runs are warm.
export PYTENSOR_FLAGS ?= base_compiledir=$(CURDIR)/.cache/pytensor
export MPLBACKEND ?= Agg

.PHONY: help install demo test fast-test check-sync nbdev-test pytest lab export clean-nbs bench-load

help:
	@echo "make demo       set up if needed, run the demo on the bundled data, write out/"
	@echo "make test       set up if needed, run the whole suite (sync checks, nbdev-test, pytest)"
	@echo "make fast-test  the same without tests marked slow"
	@echo "make lab        JupyterLab on nbs/"
	@echo "make install    build .venv from uv.lock (idempotent)"
	@echo "make export     notebooks -> mmm_framework/ (nbdev-export) and clean notebooks"

install:
	@bash scripts/bootstrap.sh

demo: install
	@mkdir -p out
	$(BIN)/python scripts/demo.py --out out

check-sync: install
	@bash scripts/check_in_sync.sh

nbdev-test: install
	$(BIN)/nbdev-test --n-workers 2 --flags slow

pytest: install
	$(BIN)/python -m pytest -q tests nbs/tutorials --nbval-lax

test: check-sync nbdev-test pytest

fast-test: check-sync
	$(BIN)/nbdev-test --n-workers 2
	$(BIN)/python -m pytest -q -m "not slow" tests nbs/tutorials --nbval-lax

lab: install
	$(BIN)/jupyter lab nbs/

export: install
	$(BIN)/nbdev-export && $(BIN)/nbdev-clean

clean-nbs: install
	$(BIN)/nbdev-clean

bench-load: install
	$(BIN)/python benchmarks/bench_load_mff.py
