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

## Speed, memory and match-quality benchmarks (reads ../shared/data).
bench: setup
	$(PY) -m benchmarks.run

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(DEMO_DIR) .pytest_cache
