# mmm_framework — two commands: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
# Keep PyTensor/Numba's compile cache inside the repo so repeated runs are warm.
export PYTENSOR_FLAGS ?= base_compiledir=$(CURDIR)/.cache/pytensor
export MPLBACKEND ?= Agg
# The suite's fits are kept here and reloaded by any identical later fit (keyed by data, configs, arguments, library
# sources and installed packages; see BayesianMMM.fit): notebooks and tests that fit the same model share one fit.
FIT_CACHE := $(CURDIR)/.cache/fits

.PHONY: help install demo app test fast-test check-sync nbdev-test pytest lab export clean-nbs bench-load bench-jobs evidence

help:
	@echo "make demo       set up if needed, run the demo on the bundled data, write out/"
	@echo "make test       set up if needed, run the whole suite (sync checks, nbdev-test, pytest)"
	@echo "make fast-test  the sync checks and the tests not marked slow (no notebooks, no browser)"
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

# Every notebook, lessons and tutorials alike (nbdev-test sets IN_TEST: fits sample briefly), in NB_WORKERS workers.
NB_WORKERS ?= 2
nbdev-test: install
	MMM_FIT_CACHE=$(FIT_CACHE) $(BIN)/nbdev-test --n-workers $(NB_WORKERS) --flags slow --skip-folder-re '^[_.]' --timing --cell-timing-min 15

# --durations lists the slowest tests in the log.
PYTEST = MMM_FIT_CACHE=$(FIT_CACHE) $(BIN)/python -m pytest -q --durations=25
pytest: install
	$(PYTEST) tests

# Two lanes side by side, one per core (compiling, most of the suite, uses one): the notebooks in one worker and then the
# LANE_TESTS files, and the rest of pytest; split by measured time (2026-12-07: notebooks 746 s, test_jobs ~300 s, the
# browser tests ~120 s, pytest 1,085 s in all). The Voila/Chromium tests go last in the first lane, when the other lane
# is about done: beside a compiling lane a widget's 2 s start-up timer ran out and a slider's redraw timed out.
# The first lane's log is printed when both end. Fails if any part fails.
LANE_TESTS := tests/test_jobs.py tests/test_ui.py
test: check-sync
	@mkdir -p .cache; rm -f .cache/lane.rc; \
	( $(MAKE) --no-print-directory nbdev-test NB_WORKERS=1; a=$$?; $(PYTEST) $(LANE_TESTS); echo "$$a $$?" > .cache/lane.rc ) > .cache/lane.log 2>&1 & lane=$$!; \
	$(PYTEST) tests $(foreach t,$(LANE_TESTS),--ignore=$(t)); py=$$?; wait $$lane; \
	echo "---- the other lane: the notebooks, then $(LANE_TESTS) ----"; cat .cache/lane.log; \
	read nb lt < .cache/lane.rc; echo "notebooks: exit $$nb; $(LANE_TESTS): exit $$lt; the other tests: exit $$py"; \
	test "$$nb" = 0 && test "$$lt" = 0 && test "$$py" = 0

# The edit-test loop: the sync checks and the tests not marked slow (no notebooks, browsers, clusters or recovery fits).
fast-test: check-sync
	$(PYTEST) -m "not slow" tests

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

# Recovery evidence (issue 35): the long fits behind tests/test_evidence.py. Run after a change to the model's sources
# (the test names the stale results) and commit benchmarks/results/. About 30 minutes on 2 cores; nothing else running.
evidence: install
	$(BIN)/python benchmarks/bench_model_recovery.py
	$(BIN)/python benchmarks/bench_recovery.py --tools ours --cases pmm-example adv-hill adv-multiplicative adv-geo-sizes
	$(BIN)/python benchmarks/bench_extensions.py
