# Two commands: `make run` serves the app on SQLite with demo data; `make test` runs the whole suite
# on SQLite and on PostgreSQL. Both set up everything they need (a virtualenv in .venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
export EDITORIAL_HOST ?= 127.0.0.1
export EDITORIAL_PORT ?= 8000

.PHONY: run test test-sqlite test-postgres lint bench docs clean

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(INSTALLED)

run: $(INSTALLED)
	EDITORIAL_DEMO_DATA=true $(BIN)/editorial serve

test: lint test-sqlite test-postgres

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite: $(INSTALLED)
	EDITORIAL_TEST_DATABASE=sqlite $(BIN)/pytest $(PYTEST_ARGS)

# Skipped with a message when PostgreSQL is unreachable; mandatory (fails loudly) under CI=true.
test-postgres: $(INSTALLED)
	EDITORIAL_TEST_DATABASE=postgresql $(BIN)/pytest $(PYTEST_ARGS)

bench: $(INSTALLED)
	$(BIN)/python -m bench

docs: $(INSTALLED)
	$(BIN)/python -m editorial.workflow.docs

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
