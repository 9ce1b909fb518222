# The README's two commands: `make run` and `make test`. Everything they need is here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
# PostgreSQL test runs: skipped with a reason when no server answers here.
export TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: run test lint translations extract-messages bench bench-search bench-checkout bench-split clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Compiled catalogs (.mo) are build output, made from the committed .po files.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d marketplace/translations --statistics

run: $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) search sync
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.installed-test translations
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# After changing user-facing text: refresh the template and merge it into each catalog.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--omit-header -o marketplace/translations/messages.pot .
	$(BIN)/pybabel update -i marketplace/translations/messages.pot -d marketplace/translations \
		--no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts

# Benchmarks: the CSV import, then search (issue 5), checkout (issue 6) and the split (issue 7).
# The search run takes several minutes (SEARCH_BENCH_SIZES=100000,1000000 adds the million); its
# figures also go to a JSON file.
SEARCH_BENCH_SIZES ?= 100000
SEARCH_BENCH_OUT ?= test-artifacts/bench-search.json
# 50 concurrent buyers through gunicorn on PostgreSQL (BENCH_POSTGRES_URL, else the local server);
# a few minutes. CHECKOUT_BENCH_ARGS="--buyers 100 --workers 8" changes the load.
CHECKOUT_BENCH_ARGS ?=
CHECKOUT_BENCH_OUT ?= test-artifacts/bench-checkout.json
# The split of paid orders of 1 to 20 co-ops with their ledger postings, then `flask ledger check`
# over 100,000 paid orders, on SQLite in a scratch folder (several minutes). On PostgreSQL:
# SPLIT_BENCH_ARGS="--database-url postgresql://postgres@127.0.0.1:5432/EMPTY_THROWAWAY_DB".
SPLIT_BENCH_ARGS ?=
SPLIT_BENCH_OUT ?= test-artifacts/bench-split.json

bench: $(VENV)/.installed-test
	$(BIN)/python bench/import_listings.py
	$(MAKE) bench-search
	$(MAKE) bench-checkout
	$(MAKE) bench-split

bench-search: $(VENV)/.installed-test
	@# wrk (Debian's package) drives the requests/s figure; without it the script falls back to
	@# a slower Python load generator and says so.
	@command -v wrk >/dev/null || (command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) || \
		echo "wrk could not be installed: requests/s use the Python load generator"
	mkdir -p $(dir $(SEARCH_BENCH_OUT))
	$(BIN)/python bench/search.py --sizes $(SEARCH_BENCH_SIZES) --out $(SEARCH_BENCH_OUT)

bench-checkout: $(VENV)/.installed-test
	mkdir -p $(dir $(CHECKOUT_BENCH_OUT))
	$(BIN)/python bench/checkout.py $(CHECKOUT_BENCH_ARGS) --out $(CHECKOUT_BENCH_OUT)

bench-split: $(VENV)/.installed-test
	mkdir -p $(dir $(SPLIT_BENCH_OUT))
	$(BIN)/python bench/split.py $(SPLIT_BENCH_ARGS) --out $(SPLIT_BENCH_OUT)
