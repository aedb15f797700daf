# The two set-up commands (README): `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Two stamps: `make run` installs only what running needs (`-e .`); the test and lint tools
# (`.[test]`: pytest, Playwright, mypy, schemathesis, ...) come with the first `make test`/`lint`.
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint format clean audit-deps

$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

# `.[test]` is `-e .` and more: it makes the run stamp true as well.
$(TEST_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(RUN_STAMP) $@

run: $(RUN_STAMP)
	$(BIN)/govhall up --demo

# Two workers (pytest-xdist); tests that share set-up stay on one (tests/README.md). The fault
# tests then run alone: they time how the services fail under a silent database, and the other
# worker's load changes which gunicorn process sees the silence first (tests/README.md).
PYTEST_WORKERS ?= -n 2

test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_WORKERS) --ignore=tests/faults $(PYTEST_ARGS)
	$(BIN)/python -m pytest tests/faults $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services/hall services/registry/domain services/staffing/domain services/inspection/domain services/notification/domain

# Advisories for our dependencies (pip-audit); fails only on one that has a fix to move to.
audit-deps: $(TEST_STAMP)
	$(BIN)/python .ci/dependency_audit.py

format: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

.PHONY: bench
bench: $(TEST_STAMP)
	$(BIN)/python -m bench.cases_scale

# The assessment of a year at 1,000 and 10,000 staff (bench/README.md); about 1.5 minutes.
.PHONY: bench-assessment
bench-assessment: $(TEST_STAMP)
	$(BIN)/python -m bench.assessment_scale
