# Every target bootstraps its own virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format bench bench-scale soak clean browser pg-client fuzz-postgresql

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	JOBSHOTS_DEV=1 $(BIN)/jobshots db upgrade
	JOBSHOTS_DEV=1 $(BIN)/jobshots demo
	JOBSHOTS_DEV=1 $(BIN)/jobshots serve --host $(HOST) --port $(PORT)

# The browser tests drive the system's Chromium through Playwright (never `playwright install`).
browser:
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y --no-install-recommends chromium)

# `jobshots backup` and `restore` on PostgreSQL run pg_dump and pg_restore.
pg-client:
	@command -v pg_dump >/dev/null || (apt-get update && apt-get install -y --no-install-recommends postgresql-client)

test: $(STAMP) browser pg-client
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# `python -m bench` runs last: it ends with the table of every figure it judged.
bench: $(STAMP)
	$(BIN)/python -m bench.perceptual_hash
	$(BIN)/python -m bench.rate_limits
	$(BIN)/python -m bench.credentials
	$(BIN)/python -m bench.decode_isolation
	$(BIN)/python -m bench

# Latency at 10,000 and 1,000,000 photos (`jobshots bench-data`), every list and detail route,
# one table of p50/p99 and ratios. Long (the fill takes minutes): never in CI. PostgreSQL: the
# machine's own unless JOBSHOTS_TEST_DATABASE_URL names another. SCALE_ARGS=--reuse re-measures.
bench-scale: export JOBSHOTS_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale $(SCALE_ARGS)

# Load for 5 minutes on the embedded SQLite (build/load-report-sqlite.md and .json), then on
# PostgreSQL and S3 (build/load-report.md and .json), then two of everything at full size.
# Long: never in `make test`. PostgreSQL is the machine's own unless JOBSHOTS_TEST_DATABASE_URL
# names another.
soak: export JOBSHOTS_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
soak: $(STAMP)
	$(BIN)/python -m tests.load --users 50 --seconds 300 --backend sqlite --storage local \
		--report build/load-report-sqlite
	$(BIN)/python -m tests.load --users 50 --seconds 300 --backend postgresql --storage s3 \
		--report build/load-report
	JOBSHOTS_SOAK=1 $(BIN)/python -m pytest -p no:xdist -q -rs tests/acceptance/test_two_of_everything.py

# The fuzzing of every API's served document against PostgreSQL (CI runs it on SQLite); needs
# JOBSHOTS_TEST_DATABASE_URL.
fuzz-postgresql: $(STAMP)
	JOBSHOTS_FUZZ_DATABASE=postgresql $(BIN)/python -m pytest -p no:xdist -q -s \
		tests/acceptance/test_fuzz_apis.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
