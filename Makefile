# Oversight: `make run` sets everything up and serves http://127.0.0.1:8000 on the
# embedded default; `make test` runs the whole suite (set-up included).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
N ?= 10000
PYTEST_ARGS ?=

.PHONY: install venv deps migrate seed run admin stop lint test browser bench bench-search bench-workers bench-load bench-roster bench-export bench-headshots bench-grouping bench-video clean

install: deps migrate seed

venv: $(VENV)/.created
$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	touch $@

deps: $(VENV)/.deps
$(VENV)/.deps: $(VENV)/.created requirements.txt requirements-dev.txt requirements-nodeps.txt
	$(PIP) install --quiet -r requirements-dev.txt
	$(PIP) install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

migrate: deps
	$(PY) manage.py migrate --noinput

seed: deps
	$(PY) manage.py seed_demo
	$(PY) manage.py gate_audit --fix

run: install
	@echo "Serving http://$(HOST):$(PORT)/ (web + Celery worker; Ctrl-C stops both)"
	@trap 'kill 0' EXIT INT TERM; \
	$(VENV)/bin/celery -A oversight worker --beat --loglevel=INFO --concurrency=1 \
	  --schedule=var/celerybeat-schedule & \
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload; \
	wait

# Asks for username, e-mail and password; ADMIN_USERNAME, ADMIN_EMAIL, ADMIN_PASSWORD skip the questions.
admin: migrate
	$(PY) manage.py admin_create --site-url http://$(HOST):$(PORT)

stop:
	$(PY) -c "from pathlib import Path; from oversight.embedded_db import stop_embedded_database as s; s(Path('var/pgdata'))"

test: deps lint browser
	$(VENV)/bin/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# The checks CI runs before the tests (rules in pyproject.toml); pre-commit runs the same ones.
lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Playwright drives Debian's Chromium; it cannot download its own browser here.
browser:
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium could not be installed: browser tests will be skipped"; }

bench: deps
	$(PY) -m benchmarks.pipeline

bench-search: deps
	$(PY) -m benchmarks.search --n $(N)

bench-workers: deps
	$(PY) -m benchmarks.workers

bench-roster: deps  # import_roster of a generated 50,000-officer CSV, then a 1 % re-import (docs/benchmarks.md)
	$(PY) -m benchmarks.roster --n 50000

bench-export: deps  # the department export ZIP of 50,000 officers with their assignments (docs/benchmarks.md)
	$(PY) -m benchmarks.roster_export --n 50000

bench-headshots: deps  # headshot import photos/s with 1 and 2 Celery workers on Redis (docs/benchmarks.md)
	$(PY) -m benchmarks.headshots

DEVTRAIN ?= ../shared/datasets/lfw-devtrain
bench-grouping: deps  # groups of unidentified faces: pairwise precision/recall on DevTrain, time for 10k/100k faces
	$(PY) -m benchmarks.grouping --dataset $(DEVTRAIN)

bench-video: deps  # a 1-minute 720p clip of several people processed on one process: time vs duration, purity, memory
	$(PY) -m benchmarks.video

bench-load: deps  # gunicorn (2 workers) + 2 Celery workers on Redis, 10 and 50 clients (docs/benchmarks.md)
	$(PY) -m benchmarks.load

clean:
	rm -rf var/media var/broker var/celerybeat-schedule*
