# The two set-up commands (README): `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format clean audit-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(STAMP)
	$(BIN)/govhall up --demo

# Two workers (pytest-xdist); tests that share set-up stay on one (tests/README.md).
PYTEST_WORKERS ?= -n 2

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services/registry/domain services/staffing/domain services/inspection/domain services/notification/domain

# Advisories for our dependencies (pip-audit); fails only on one that has a fix to move to.
audit-deps: $(STAMP)
	$(BIN)/python .ci/dependency_audit.py

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

.PHONY: bench
bench: $(STAMP)
	$(BIN)/python -m bench.cases_scale

# The assessment of a year at 1,000 and 10,000 staff (bench/README.md); about 1.5 minutes.
.PHONY: bench-assessment
bench-assessment: $(STAMP)
	$(BIN)/python -m bench.assessment_scale
