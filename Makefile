# Two commands: `make run` serves the app on SQLite with demo data; `make test` runs the whole suite
# on SQLite and on PostgreSQL. Both set up everything they need (a virtualenv in .venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
export EDITORIAL_HOST ?= 127.0.0.1
export EDITORIAL_PORT ?= 8000

.PHONY: run test test-sqlite test-postgres lint browser-tools bench bench-postgres bench-tools docs clean

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(INSTALLED)

run: $(INSTALLED)
	EDITORIAL_DEMO_DATA=true $(BIN)/editorial serve

test: lint browser-tools test-sqlite test-postgres

# The web app's browser tests drive Debian's chromium (never a browser build Playwright downloads);
# installed here when missing and running as root, else those tests skip with a message.
browser-tools:
	@if [ "$$(id -u)" = 0 ]; then \
	  command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium); \
	else \
	  command -v chromium >/dev/null || echo "chromium is missing and this is not root: the browser tests will be skipped"; \
	fi

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite: $(INSTALLED)
	EDITORIAL_TEST_DATABASE=sqlite $(BIN)/pytest $(PYTEST_ARGS)

# Skipped with a message when PostgreSQL is unreachable; mandatory (fails loudly) under CI=true.
test-postgres: $(INSTALLED)
	EDITORIAL_TEST_DATABASE=postgresql $(BIN)/pytest $(PYTEST_ARGS)

# The benchmarks (docs/performance.md): the bench extra, and wrk for the load when it can be installed.
BENCH_INSTALLED := $(VENV)/.installed-bench
EDITORIAL_BENCH_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

$(BENCH_INSTALLED): $(INSTALLED) pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,bench]"
	touch $(BENCH_INSTALLED)

# Without wrk the bench falls back to its Python load generator and says what that costs.
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }; \
	  elif command -v apt-get >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo -n apt-get install -y -qq wrk >/dev/null 2>&1 || { sudo -n apt-get update -qq && sudo -n apt-get install -y -qq wrk; }; \
	  elif command -v brew >/dev/null 2>&1; then \
	    brew install wrk; \
	  fi; \
	} || true
	@command -v wrk >/dev/null 2>&1 || echo "wrk could not be installed: the bench will use its Python load generator"

bench: $(BENCH_INSTALLED) bench-tools
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-postgres: $(BENCH_INSTALLED) bench-tools
	$(BIN)/python -m bench --database-url $(EDITORIAL_BENCH_POSTGRES_URL) $(BENCH_ARGS)

docs: $(INSTALLED)
	$(BIN)/python -m editorial.workflow.docs

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
